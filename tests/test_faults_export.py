"""Issue #16, the export rows: nothing a bad target, a bad value or a crash can do to an
export loses good data or writes something unsafe.

1. ``-o`` a FIFO, device, socket, directory or the current directory is refused up front
   with one line; a symlink is followed (its target replaced, the link kept), for
   ``kg export`` and for ``kg build``.
2. Control characters in the data never make GraphML or GEXF invalid XML (and the byte
   filter that RDF/XML needs keeps pyoxigraph's output valid).
3. CSV text cells that a spreadsheet would run as a formula get a leading ``'``; numbers
   stay numbers.
4. The HTML map makes no url a link and shows markup in titles as text.
5. A failed or interrupted write leaves no temporary file and the old file as it was; an
   existing file keeps its permissions.

No test writes to a real device: the device tests use ``/dev/null`` and make any attempt
to create a temporary file or rename one fail the test before anything is written.
"""
from __future__ import annotations

import csv
import errno
import html.parser
import io
import json
import os
import re
import socket
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

import kg.files
import kg.model.store
from kg.cli import cli
from kg.errors import ExportError
from kg.export import check_output, export
from kg.export.html import page_data
from kg.export.tables import csv_safe, strip_xml_invalid, write_csv, xml_safe_writer
from kg.files import atomic_output, output_file
from kg.model import GraphModel
from kg.model.store import save_model
from kg.query.examples import example_inputs, example_model

FILE_FORMATS = ["gexf", "graphml", "turtle", "ntriples", "rdfxml", "jsonld", "html"]
CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))


def model_with(**paper1) -> GraphModel:
    """The four-paper example model with paper p1's fields replaced by ``paper1``."""
    papers, records = example_inputs()
    papers[0].update(paper1)
    return GraphModel.build(papers, records, min_cooccurrence=2, max_df=1.0)


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory) -> Path:
    """A directory `kg export --graph` reads: the example model, saved."""
    directory = tmp_path_factory.mktemp("graph")
    save_model(example_model(), directory)
    return directory


@pytest.fixture()
def no_model_load(monkeypatch):
    """Fail the test if `kg export` loads the model (a bad -o must be refused first)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before -o was checked")

    monkeypatch.setattr(kg.model.store, "load_model", refuse)


@pytest.fixture()
def no_writes(monkeypatch):
    """Fail the test at any attempt to create a temporary file or to rename one: for
    targets such as /dev/null, which must be refused before anything is written."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"tried to write: {args} {kwargs}")

    monkeypatch.setattr(kg.files.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(kg.files.os, "replace", refuse)


def kg_export(graph_dir, fmt, output):
    return CliRunner().invoke(cli, ["export", "--graph", str(graph_dir), "--to", fmt,
                                    "-o", str(output)])


def refused(result, *words) -> str:
    """The one line of a refused command (exit status 1, no traceback), checked for words."""
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# ---------------------------------------------------------------------------------------
# 1. targets: FIFO, device, socket, directory, current directory, symlinks
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_a_fifo_is_refused_up_front_and_left_as_it_is(graph_dir, tmp_path, no_model_load, fmt):
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    line = refused(kg_export(graph_dir, fmt, fifo), str(fifo), "FIFO")
    assert "not a regular file" in line
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(tmp_path) == ["out.pipe"]
    with pytest.raises(ExportError, match="FIFO"):  # the library refuses it too
        export(example_model(), fmt, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and listing(tmp_path) == ["out.pipe"]


def test_a_device_is_refused_before_anything_is_written(graph_dir, no_model_load, no_writes):
    line = refused(kg_export(graph_dir, "gexf", "/dev/null"), "/dev/null", "character device")
    assert "not a regular file" in line
    for fmt in ("gexf", "html", "rdfxml", "turtle"):
        with pytest.raises(ExportError, match="character device"):
            export(example_model(), fmt, "/dev/null")
    with pytest.raises(ExportError, match="character device"):
        with atomic_output("/dev/null") as fh:  # pragma: no cover - never entered
            fh.write(b"x")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)


def test_a_symlink_to_a_device_is_refused_naming_both(tmp_path, no_writes):
    link = tmp_path / "out.gexf"
    link.symlink_to("/dev/null")
    with pytest.raises(ExportError) as info:
        export(example_model(), "gexf", link)
    assert f"{link}: it is a symlink to /dev/null, which is a character device" in str(info.value)
    assert link.is_symlink() and os.readlink(link) == "/dev/null"


def test_a_socket_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short relative name: socket paths are limited in length
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("s.sock")
        with pytest.raises(ExportError, match="s.sock: it is a socket, not a regular file"):
            export(example_model(), "graphml", "s.sock")
        assert stat.S_ISSOCK(os.lstat("s.sock").st_mode)
    finally:
        server.close()


@pytest.mark.parametrize("fmt", ["gexf", "html", "turtle"])
def test_a_directory_is_refused_where_a_file_is_expected(graph_dir, tmp_path, no_model_load, fmt):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    refused(kg_export(graph_dir, fmt, tmp_path / "out"), "it is a directory")
    assert listing(tmp_path) == ["out"] and listing(tmp_path / "out") == ["keep.txt"]


@pytest.mark.parametrize("dot", [".", "..", "./"])
def test_the_current_directory_is_refused_up_front(graph_dir, tmp_path, monkeypatch,
                                                   no_model_load, dot):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    refused(kg_export(graph_dir, "html", dot), "current directory")
    assert listing(work) == [] and listing(tmp_path) == ["work"]


def test_csv_writes_into_the_current_directory(graph_dir, tmp_path, monkeypatch):
    """csv's -o is a directory: the current one is a fine place for nodes.csv and edges.csv."""
    monkeypatch.chdir(tmp_path)
    result = kg_export(graph_dir, "csv", ".")
    assert result.exit_code == 0, result.output
    assert listing(tmp_path) == ["edges.csv", "nodes.csv"]


def test_csv_refuses_a_file_or_a_fifo_inside(graph_dir, tmp_path, no_model_load):
    (tmp_path / "file").write_text("mine")
    refused(kg_export(graph_dir, "csv", tmp_path / "file"), "regular file, not a directory")
    assert (tmp_path / "file").read_text() == "mine"
    (tmp_path / "csv").mkdir()
    os.mkfifo(tmp_path / "csv" / "edges.csv")
    refused(kg_export(graph_dir, "csv", tmp_path / "csv"), "edges.csv", "FIFO")
    assert listing(tmp_path / "csv") == ["edges.csv"]
    assert stat.S_ISFIFO(os.lstat(tmp_path / "csv" / "edges.csv").st_mode)


@pytest.mark.parametrize("fmt", ["gexf", "html", "turtle", "rdfxml"])
def test_a_symlink_is_followed_and_kept(graph_dir, tmp_path, fmt):
    real = tmp_path / "store" / "graph.out"
    real.parent.mkdir()
    real.write_text("old")
    os.chmod(real, 0o640)
    link = tmp_path / "graph.out"
    link.symlink_to(Path("store") / "graph.out")  # relative, as people make them
    result = kg_export(graph_dir, fmt, link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(Path("store") / "graph.out")
    assert real.read_bytes() != b"old" and real.stat().st_size > 100
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the target keeps its permissions
    assert listing(tmp_path) == ["graph.out", "store"]
    assert listing(tmp_path / "store") == ["graph.out"]  # no temporary file left


def test_a_dangling_symlink_gets_its_target_written(tmp_path):
    link = tmp_path / "g.graphml"
    link.symlink_to("made.graphml")
    export(example_model(), "graphml", link)
    assert link.is_symlink() and (tmp_path / "made.graphml").is_file()
    assert nx.read_graphml(link).number_of_nodes() == 7


def test_a_symlink_to_a_directory_is_followed_by_csv_and_refused_by_a_file_format(
        graph_dir, tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    result = kg_export(graph_dir, "csv", tmp_path / "link")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link").is_symlink()
    assert listing(tmp_path / "real") == ["edges.csv", "nodes.csv"]
    refused(kg_export(graph_dir, "gexf", tmp_path / "link"),
            f"symlink to {os.path.realpath(tmp_path / 'real')}, which is a directory")


def test_a_symlink_loop_is_refused(tmp_path):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    for fmt, path in (("gexf", tmp_path / "a"), ("csv", tmp_path / "b")):
        with pytest.raises(ExportError, match="symlink loop"):
            check_output(fmt, path)
    assert listing(tmp_path) == ["a", "b"]


def test_a_bad_target_is_refused_before_the_graph_is_drawn(tmp_path, monkeypatch):
    """The library checks too, before the expensive part (layout, serialization)."""
    import kg.export.html.map as view

    os.mkfifo(tmp_path / "g.html")
    monkeypatch.setattr(view, "render_html", lambda *a, **k: pytest.fail("rendered first"))
    with pytest.raises(ExportError, match="FIFO"):
        export(example_model(), "html", tmp_path / "g.html")
    assert output_file(tmp_path / "new.html") == tmp_path / "new.html"


@pytest.fixture(scope="module")
def tiny_inputs(tmp_path_factory) -> tuple[Path, Path]:
    """Two paper lists for `kg build`: two papers, and three."""
    folder = tmp_path_factory.mktemp("inputs")
    rows = [{"id": f"p{i}", "title": f"LoRA paper {i}",
             "abstract": "We fine-tune language models with LoRA and study scaling laws."}
            for i in range(3)]
    two, three = folder / "two.jsonl", folder / "three.jsonl"
    two.write_text("".join(json.dumps(r) + "\n" for r in rows[:2]), encoding="utf-8")
    three.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return two, three


def kg_build(*args):
    return CliRunner().invoke(cli, ["build", *map(str, args), "--jobs", "1", "--quiet"])


def paper_count(directory: Path) -> int:
    return len((directory / "papers.jsonl").read_text(encoding="utf-8").splitlines())


def test_build_follows_a_symlinked_output_directory(tiny_inputs, tmp_path):
    two, three = tiny_inputs
    real = tmp_path / "builds" / "2026-12"
    result = kg_build(two, "-o", real)
    assert result.exit_code == 0, result.output
    link = tmp_path / "kg-out"
    link.symlink_to(Path("builds") / "2026-12")
    result = kg_build(three, "-o", link)
    assert result.exit_code == 0, result.output
    assert f"wrote {link} -> {os.path.realpath(real)}/" in result.output
    assert link.is_symlink() and os.readlink(link) == str(Path("builds") / "2026-12")
    assert paper_count(real) == 3  # the target was replaced by the new build
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "builds", "kg-out"]
    assert not [p for p in (tmp_path / "builds").iterdir() if ".tmp-" in p.name or ".old-" in p.name]


def test_build_refuses_the_current_directory_and_a_symlink_loop(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(kg_build("--demo", "-o", "."), "current directory")
    (tmp_path / "loop").symlink_to("loop")
    refused(kg_build("--demo", "-o", "loop"), "symlink loop")
    assert listing(tmp_path) == ["loop"]


# ---------------------------------------------------------------------------------------
# 2. control characters never make invalid XML
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_control_characters_leave_gexf_and_graphml_valid_xml(tmp_path, fmt):
    M = model_with(title=f"bad{CONTROL}title\twith tab", abstract="line\x00one\nline two\x1f")
    out = export(M, fmt, tmp_path / f"g.{fmt}")
    raw = out.read_bytes()
    assert not any(chr(b) in CONTROL for b in raw)
    ET.fromstring(raw)  # well-formed
    H = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
    p1 = next(d for _, d in H.nodes(data=True) if d.get("paper_id") == "p1")
    assert p1["title"] == "badtitle\twith tab"
    assert p1["abstract"] == "lineone\nline two"


def test_gexf_of_good_data_is_unchanged_by_the_clean_up(tmp_path):
    """The clean-up only touches text it must change: the same graph, same bytes."""
    M = model_with(title="Plain title")
    a = export(M, "gexf", tmp_path / "a.gexf").read_bytes()
    b = export(model_with(title=f"Plain{CONTROL} title"), "gexf", tmp_path / "b.gexf").read_bytes()
    assert a == b
    assert strip_xml_invalid(f"Plain{CONTROL} title") == "Plain title"


def test_the_xml_byte_filter_keeps_pyoxigraph_rdfxml_valid():
    """pyoxigraph writes control characters into RDF/XML as they are; the filter that
    kg.export.rdf's RDF/XML writing can go through drops them (also split across writes)."""
    import pyoxigraph as ox

    triples = [ox.Triple(ox.NamedNode("https://w3id.org/paper-kg/paper/p1"),
                         ox.NamedNode("http://purl.org/dc/terms/title"),
                         ox.Literal(f"bad{CONTROL}title \ufffe\uffff\t\u00e9\u20ac\ufffd"))]
    plain = io.BytesIO()
    ox.serialize(triples, plain, ox.RdfFormat.RDF_XML)
    with pytest.raises(ET.ParseError):
        ET.fromstring(plain.getvalue())
    filtered = io.BytesIO()
    out = xml_safe_writer(filtered)
    ox.serialize(triples, out, ox.RdfFormat.RDF_XML)
    out.flush()
    assert ET.fromstring(filtered.getvalue()) is not None
    back = ox.parse(filtered.getvalue(), ox.RdfFormat.RDF_XML)
    assert [t.object.value for t in back] == ["badtitle \t\u00e9\u20ac\ufffd"]
    # byte by byte: a three-byte character split between writes is still seen whole
    one_by_one = io.BytesIO()
    out = xml_safe_writer(one_by_one)
    for i in range(len(plain.getvalue())):
        assert out.write(plain.getvalue()[i:i + 1]) == 1
    out.flush()
    assert one_by_one.getvalue() == filtered.getvalue()


# ---------------------------------------------------------------------------------------
# 3. CSV: no formula injection, numbers stay numbers
# ---------------------------------------------------------------------------------------
FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\tTAB", "\rCR"]


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def test_csv_text_that_starts_a_formula_is_prefixed_numbers_stay_numbers(tmp_path):
    G = nx.MultiDiGraph()
    for i, text in enumerate(FORMULAS):
        G.add_node(f"n{i}", kind="paper", title=text, score=-0.5 - i, count=-i)
    G.add_node("text-number", kind="paper", title="-0.5", score=0.25, count=3)
    G.add_node("good", kind="paper", title="LoRA: it works = fine", score=1.0, count=1)
    G.add_node("cr", kind="paper", title="old\rMac line end", score=0.0, count=0)
    _ = G.add_edge("n0", "good", key="similar", weight=-0.125, shared="=cmd")
    rows = read_rows(write_csv(G, tmp_path / "csv") / "nodes.csv")
    for i, text in enumerate(FORMULAS):
        assert rows[f"n{i}"]["title"] == "'" + text  # text: a leading '
        assert rows[f"n{i}"]["score"] == repr(-0.5 - i)  # numbers: as they are
        assert rows[f"n{i}"]["count"] == str(-i)
    assert rows["text-number"]["title"] == "'-0.5"  # text that looks like a number is text
    assert rows["good"]["title"] == "LoRA: it works = fine"
    assert rows["cr"]["title"] == "old\rMac line end"  # a bare CR is quoted: no split row
    assert len(rows) == G.number_of_nodes()
    with open(tmp_path / "csv" / "edges.csv", newline="", encoding="utf-8") as fh:
        (edge,) = csv.DictReader(fh)
    assert edge["weight"] == "-0.125" and edge["shared"] == "'=cmd"
    assert [csv_safe(v) for v in ("=1", -1, 2.5, True, "x")] == ["'=1", -1, 2.5, True, "x"]


def test_csv_of_a_model_prefixes_a_formula_title(tmp_path):
    M = model_with(title="=1+1", url="@evil")
    out = export(M, "csv", tmp_path / "csv")
    rows = read_rows(out / "nodes.csv")
    p1 = next(r for r in rows.values() if r.get("paper_id") == "p1")
    assert p1["title"] == "'=1+1" and p1["url"] == "'@evil"
    p2 = next(r for r in rows.values() if r.get("paper_id") == "p2")
    assert p2["title"] == "NTK two"


# ---------------------------------------------------------------------------------------
# 4. the HTML map: no url becomes a link, markup stays text
# ---------------------------------------------------------------------------------------
class _Attributes(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.values: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.values += [(tag, name, value or "") for name, value in attrs]


def test_html_map_makes_no_link_of_a_javascript_url_and_escapes_markup(tmp_path):
    evil_title = "<img src=x onerror=alert(1)>"
    papers, records = example_inputs()
    papers[1].update(url="data:text/html,<script>alert(2)</script>", title="x href=javascript:alert(3)")
    papers[0].update(title=evil_title, url="javascript:alert(1)")
    M = GraphModel.build(papers, records, min_cooccurrence=2, max_df=1.0)
    page = export(M, "html", tmp_path / "g.html").read_text(encoding="utf-8")
    parser = _Attributes()
    parser.feed(page)
    assert "img" not in parser.tags and "a" not in parser.tags
    assert not [v for v in parser.values
                if re.match(r"\s*(javascript|data|vbscript):", v[2], re.I)
                or v[1].lower().startswith("on")]
    assert "<img" not in page and "<script>alert" not in page
    assert "javascript:alert(1)" not in page and "data:text/html" not in page  # no url at all
    data = page_data(page)  # the concept map: the page shows its data with textContent
    titles = dict(zip(data["papers"]["i"], data["papers"]["t"]))
    assert titles["p1"] == evil_title and titles["p2"] == "x href=javascript:alert(3)"
    assert data["papers"]["u"] == [None] * len(titles)  # neither url may become a link


# ---------------------------------------------------------------------------------------
# 5. failed writes leave nothing behind; permissions are kept
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", [*FILE_FORMATS, "csv"])
@pytest.mark.parametrize("fault", [KeyboardInterrupt, OSError])
def test_an_interrupted_or_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch, fmt, fault):
    target = tmp_path / ("out" if fmt == "csv" else f"out.{fmt}")
    old = target / "nodes.csv" if fmt == "csv" else target
    old.parent.mkdir(exist_ok=True)
    old.write_text("old")

    def fail(fd):
        raise KeyboardInterrupt() if fault is KeyboardInterrupt else OSError(errno.ENOSPC,
                                                                            "No space left")

    monkeypatch.setattr(kg.files.os, "fsync", fail)  # after the whole file was written
    with pytest.raises(KeyboardInterrupt if fault is KeyboardInterrupt else ExportError) as info:
        export(example_model(), fmt, target)
    if fault is OSError:
        assert "No space left" in str(info.value) and str(old) in str(info.value)
    assert old.read_text() == "old"
    assert listing(tmp_path) == [target.name]
    if fmt == "csv":
        assert listing(target) == ["nodes.csv"]


def test_an_interrupt_inside_a_writer_leaves_no_temporary_file(tmp_path, monkeypatch):
    import kg.export.tables as tables

    def half_then_interrupt(G, fh, **kwargs):
        fh.write(b"<?xml version='1.0'?><gexf>")
        raise KeyboardInterrupt()

    monkeypatch.setattr(tables.nx, "write_gexf", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        export(example_model(), "gexf", tmp_path / "g.gexf")
    assert listing(tmp_path) == []


def test_an_existing_file_keeps_its_permissions_a_new_one_follows_the_umask(tmp_path):
    kept = tmp_path / "kept.gexf"
    kept.write_text("old")
    os.chmod(kept, 0o600)
    export(example_model(), "gexf", kept)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_text() != "old"
    umask = os.umask(0o022)
    try:
        new = export(example_model(), "gexf", tmp_path / "new.gexf")
        kg.files.atomic_write_text(tmp_path / "new.txt", "x")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


@pytest.mark.parametrize("detail", [False, True])
def test_control_characters_leave_rdfxml_valid(tmp_path, detail):
    raw = export(model_with(title=f"bad{CONTROL}title"), "rdfxml", tmp_path / "g.rdf",
                 detail=detail).read_bytes()
    ET.fromstring(raw)
    assert not any(chr(b) in CONTROL for b in raw)
