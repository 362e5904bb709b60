"""End-to-end: ``kg build`` on the demo corpus, bad input, atomic output, update, engines."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.model.store import load_graph, load_summary

SEED_TITLES_FIRST = "Does Learning Require Memorization? A Short Tale about a Long Tail"
CHROME = {"new", "Subscribe", "Daily Papers", "Sep 9", "Get trending papers in your email inbox!",
          "byAK and the research community"}
OUTPUT_FILES = ("papers.jsonl", "extractions.jsonl.gz", "graph.kg.npz", "graph.ttl",
                "graph.html", "summary.json")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def seed_blocks(seed_path: Path) -> list[tuple[str, str]]:
    """(title, abstract) pairs of the seed page, parsed independently of kg's reader."""
    lines = [l.strip() for l in seed_path.read_text(encoding="utf-8").splitlines() if l.strip()]
    start = lines.index(SEED_TITLES_FIRST)
    body = lines[start:]
    return list(zip(body[0::2], body[1::2]))


def test_demo_build_writes_every_output(demo_build):
    for name in OUTPUT_FILES:
        assert (demo_build / name).stat().st_size > 0, name


def test_demo_build_has_exactly_the_seed_papers(demo_build, seed_path):
    papers = read_jsonl(demo_build / "papers.jsonl")
    expected = seed_blocks(seed_path)
    assert len(expected) == 55
    assert [(p["title"], p["abstract"]) for p in papers] == expected
    assert not CHROME & {p["title"] for p in papers}
    for p in papers:
        assert set(p) >= {"id", "title", "abstract", "authors", "date", "url", "source"}


def test_summary_counts_balance(demo_build):
    summary = load_summary(demo_build)
    c = summary["counts"]
    assert c["read"] == c["kept"] + c["merged"] + c["rejected"]
    assert (c["read"], c["kept"], c["rejected"]) == (55, 55, 0)
    assert summary["summary"] == "read 55, kept 55, merged 0, rejected 0"
    assert set(summary["timings_s"]) >= {"ingest", "extract", "link", "analyze", "export"}


def test_graph_views_agree_on_papers(demo_build):
    import pyoxigraph

    G = load_graph(demo_build)
    papers = {n for n, k in G.nodes(data="kind") if k == "paper"}
    assert len(papers) == 55
    store = pyoxigraph.Store()
    store.load(path=str(demo_build / "graph.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    rows = store.query(
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a <https://w3id.org/paper-kg/vocab#Paper> }"
    )
    assert int(next(iter(rows))["n"].value) == 55
    html = (demo_build / "graph.html").read_text(encoding="utf-8")
    assert "<script src=\"http" not in html and "<link href=\"http" not in html


def write_mixed_jsonl(path: Path) -> None:
    lines = [
        json.dumps({"id": "2401.00001", "title": "Good one", "abstract": "LoRA adapters work."}),
        '{"id": "2401.00002", "title": "Truncated", "abstr',
        json.dumps({"id": "2401.00003", "title": 42, "abstract": "wrong type of title"}),
        json.dumps({"id": "2401.00004", "title": "No abstract", "abstract": "  "}),
        json.dumps({"id": "2401.00005v2", "title": "Good two", "abstract": "Scaling laws of NTK."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_bad_records_are_reported_and_good_ones_kept(tmp_path):
    src = tmp_path / "mixed.jsonl"
    write_mixed_jsonl(src)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "read 5, kept 2, merged 0, rejected 3" in result.output
    for line_no in (2, 3, 4):
        assert f"line {line_no}" in result.output
    assert str(src) in result.output
    ids = [p["id"] for p in read_jsonl(out / "papers.jsonl")]
    assert ids == ["2401.00001", "2401.00005"]
    assert len(load_summary(out)["rejects"]) == 3


def test_build_acronym_min_papers_reaches_extraction(tmp_path):
    """kg build --acronym-min-papers 1 trusts one paper's definition of a long form the
    ontology does not name (the default, 2, does not); the setting is in summary.json."""
    import gzip

    src = tmp_path / "papers.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in [
        {"id": "a", "title": "Transfer nets",
         "abstract": "We propose Manipulation Transfer Networks (MTN)."},
        {"id": "b", "title": "Baselines", "abstract": "Our MTN baseline is strong."}]) + "\n")

    def labels_of_b(out, *opts):
        res = CliRunner().invoke(cli, ["build", str(src), "-o", str(out), "-q", *opts])
        assert res.exit_code == 0, res.output
        with gzip.open(out / "extractions.jsonl.gz", "rt", encoding="utf-8") as fh:
            recs = {r["id"]: r for r in map(json.loads, fh)}
        return {c["label"] for c in recs["b"]["concepts"]}, load_summary(out)["options"]

    labels, options = labels_of_b(tmp_path / "two")
    assert "manipulation transfer networks" not in labels
    assert options["acronym_min_papers"] == 2
    labels, options = labels_of_b(tmp_path / "one", "--acronym-min-papers", "1")
    assert "manipulation transfer networks" in labels and options["acronym_min_papers"] == 1


def test_strict_stops_at_first_bad_record(tmp_path):
    src = tmp_path / "mixed.jsonl"
    write_mixed_jsonl(src)
    result = CliRunner().invoke(cli, ["build", str(src), "-o", str(tmp_path / "out"), "--strict"])
    assert result.exit_code == 1
    assert "line 2" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_nothing_valid_is_an_error(tmp_path):
    src = tmp_path / "empty.jsonl"
    src.write_text('{"id": "x", "title": "", "abstract": ""}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(src), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Error:" in result.output and "Traceback" not in result.output


def test_missing_file_and_unknown_format_are_clear(tmp_path):
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "nope.jsonl" in result.output
    src = tmp_path / "a.jsonl"
    write_mixed_jsonl(src)
    result = CliRunner().invoke(cli, ["build", str(src), "--format", "wordperfect", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "wordperfect" in result.output and "bibtex" in result.output


def test_conflicting_options_rejected_early(tmp_path):
    src = tmp_path / "a.jsonl"
    write_mixed_jsonl(src)
    result = CliRunner().invoke(cli, ["build", "--demo", str(src)])
    assert result.exit_code == 2 and "--demo" in result.output
    result = CliRunner().invoke(cli, ["build", str(src), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "--engine dask" in result.output
    result = CliRunner().invoke(cli, ["build"])
    assert result.exit_code == 2


def test_failed_build_leaves_previous_output_intact(tmp_path, monkeypatch):
    src = tmp_path / "a.jsonl"
    write_mixed_jsonl(src)
    out = tmp_path / "out"
    assert run("build", str(src), "-o", str(out), "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import kg.build.pipeline

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kg.build.pipeline, "write_view", broken)
    # an error of the file system is one line naming the place, not a traceback
    result = run("build", "--demo", "-o", str(out), "-q")
    assert result.exit_code == 1 and result.output == f"Error: {out}: disk full\n"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_refuses_to_replace_a_foreign_directory(tmp_path):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"])
    assert result.exit_code == 1 and "refusing" in result.output
    assert (out / "thesis.tex").read_text() == "precious"


def graph_signature(directory: Path):
    G = load_graph(directory)
    nodes = {n: dict(a) for n, a in G.nodes(data=True)}
    edges = {(u, v, k): dict(a) for u, v, k, a in G.edges(keys=True, data=True)}
    return nodes, edges


def test_update_equals_fresh_build(tmp_path, seed_path):
    blocks = seed_blocks(seed_path)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    rows = [{"id": f"seed-{i}", "title": t, "abstract": a} for i, (t, a) in enumerate(blocks)]
    first.write_text("".join(json.dumps(r) + "\n" for r in rows[:30]), encoding="utf-8")
    second.write_text("".join(json.dumps(r) + "\n" for r in rows[30:]), encoding="utf-8")
    inc, fresh = tmp_path / "inc", tmp_path / "fresh"
    assert run("build", str(first), "-o", str(inc), "-q").exit_code == 0
    assert run("build", "--update", str(inc), str(second), "-q").exit_code == 0
    assert run("build", str(first), str(second), "-o", str(fresh), "-q").exit_code == 0
    assert len(read_jsonl(inc / "papers.jsonl")) == 55
    assert graph_signature(inc) == graph_signature(fresh)


def test_update_needs_an_existing_build(tmp_path):
    src = tmp_path / "a.jsonl"
    write_mixed_jsonl(src)
    result = CliRunner().invoke(cli, ["build", "--update", str(tmp_path / "none"), str(src)])
    assert result.exit_code == 1 and "kg build" in result.output


def test_rerun_reuses_extraction_shards(tmp_path):
    src = tmp_path / "a.jsonl"
    write_mixed_jsonl(src)
    out = tmp_path / "out"
    run("build", str(src), "-o", str(out), "-q")
    assert load_summary(out)["counts"]["chunks_cached"] == 0
    run("build", str(src), "-o", str(out), "-q")
    counts = load_summary(out)["counts"]
    assert counts["chunks_cached"] == counts["chunks"] == 1
    run("build", str(src), "-o", str(out), "-q", "--fresh")
    assert load_summary(out)["counts"]["chunks_cached"] == 0


def test_killed_build_keeps_old_output_and_resumes(tmp_path, seed_path):
    """SIGKILL mid-extraction: the old output stays whole, and a rerun reuses finished chunks."""
    src = tmp_path / "many.jsonl"
    blocks = seed_blocks(seed_path)
    rows = [{"id": f"p{i}-{j}", "title": f"{t} (copy {i})", "abstract": a}
            for i in range(12) for j, (t, a) in enumerate(blocks)]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    assert run("build", "--demo", "-o", str(out), "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    shards = tmp_path / ".out.shards"
    demo_shards = set(shards.glob("*.jsonl.gz"))
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", str(src), "-o", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not set(shards.glob("*.jsonl.gz")) - demo_shards:
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert set(shards.glob("*.jsonl.gz")) - demo_shards, "no chunk finished before the kill"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert run("build", str(src), "-o", str(out), "-q").exit_code == 0
    counts = load_summary(out)["counts"]
    assert counts["papers"] == len(rows)
    assert counts["chunks_cached"] >= 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_build_exports_extra_formats_on_request(tmp_path, seed_path, jobs):
    import networkx as nx

    out = tmp_path / "out"
    result = run("build", str(seed_path), "-o", str(out), "--quiet", "--jobs", jobs,
                 "--export", "graphml", "--export", "nt", "--export", "GraphML")
    assert result.exit_code == 0, result.output
    graphml = nx.read_graphml(out / "graph.graphml")
    papers = {n for n, k in load_graph(out).nodes(data="kind") if k == "paper"}
    assert len(papers) == 55 and papers <= set(graphml.nodes)
    assert (out / "graph.nt").read_text(encoding="utf-8").count("vocab#Paper>") == 55
    assert not (tmp_path / "default").exists()


def test_build_without_export_writes_no_graphml(demo_build):
    assert not (demo_build / "graph.graphml").exists()


def test_unknown_export_format_is_refused_before_any_work(tmp_path, seed_path):
    result = CliRunner().invoke(cli, ["build", str(seed_path), "-o", str(tmp_path / "o"),
                                      "--export", "svg"])
    assert result.exit_code == 2
    assert "unknown --export format 'svg'" in result.output and "graphml" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_writer_fails_the_build_and_leaves_no_output(tmp_path, seed_path,
                                                               monkeypatch, jobs):
    import kg.build.pipeline
    from kg.errors import ExportError

    def broken(*args, **kwargs):
        raise ExportError("disk full while writing graph.html")

    monkeypatch.setattr(kg.build.pipeline, "write_view", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(seed_path), "-o", str(out), "--quiet",
                                      "--jobs", jobs])
    assert result.exit_code == 1
    assert "disk full while writing graph.html" in result.output
    assert not out.exists()


def test_stats_and_exports_of_a_build_read_the_model_and_agree_with_networkx(demo_build, tmp_path):
    from kg.export.rdf import write_rdf
    from kg.model.store import MODEL_FILE, load_model
    from kg.query import graph_stats

    assert (demo_build / MODEL_FILE).is_file()
    G = load_graph(demo_build)
    data = json.loads(run("stats", "--graph", str(demo_build), "--json").output)
    assert data == json.loads(json.dumps(graph_stats(load_model(demo_build))))
    # kg export streams from the model; the same Turtle as writing the networkx graph
    result = run("export", "--graph", str(demo_build), "--to", "ttl", "-o", str(tmp_path / "a.ttl"))
    assert result.exit_code == 0, result.output
    write_rdf(G, tmp_path / "b.ttl", format="turtle")
    assert (tmp_path / "a.ttl").read_bytes() == (tmp_path / "b.ttl").read_bytes()
    assert (tmp_path / "a.ttl").read_bytes() == (demo_build / "graph.ttl").read_bytes()


def test_extraction_records_are_kept_compressed_once_per_chunk(tmp_path, seed_path):
    """extractions.jsonl.gz holds every record (the kg extract shape); the shards hold
    the same gzip bytes, chunk by chunk, so the records are never stored uncompressed."""
    import gzip

    from kg.build.engine import extract_records
    from kg.ingest import read_inputs
    from kg.model.store import EXTRACTIONS_FILE, load_extractions

    out = tmp_path / "out"
    assert run("build", str(seed_path), "-o", str(out), "-q").exit_code == 0
    data = (out / EXTRACTIONS_FILE).read_bytes()
    records = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
    assert records == load_extractions(out)
    assert records == list(extract_records(read_inputs([seed_path]).papers))
    shards = sorted((tmp_path / ".out.shards").iterdir())
    assert [p.suffixes for p in shards] == [[".jsonl", ".gz"]]
    assert shards[0].read_bytes() == data
    assert not (out / "extractions.jsonl").exists()


def test_builds_of_older_versions_still_read(tmp_path, demo_build):
    """An older build's uncompressed extractions.jsonl is still read (kg suggest), and
    its uncompressed shards are removed by the next build instead of piling up."""
    import shutil

    from kg.model.store import EXTRACTIONS_FILE, extractions_path, load_extractions

    old = tmp_path / "old"
    shutil.copytree(demo_build, old)
    records = load_extractions(old)
    (old / EXTRACTIONS_FILE).unlink()
    (old / "extractions.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert extractions_path(old) == old / "extractions.jsonl"
    assert load_extractions(old) == records
    result = run("suggest", "--graph", str(old), "--json", "--min-papers", "1")
    assert result.exit_code == 0 and json.loads(result.output)
    stale = tmp_path / ".new.shards" / ("0" * 40 + ".jsonl")
    stale.parent.mkdir()
    stale.write_text("{}\n")
    assert run("build", "--demo", "-o", str(tmp_path / "new"), "-q").exit_code == 0
    assert not stale.exists()


def test_damaged_extractions_file_is_a_clear_error(demo_build, tmp_path):
    """A damaged extractions.jsonl.gz gives an error naming the file, not a traceback."""
    import shutil

    from click.testing import CliRunner

    from kg.cli import cli
    from kg.model.store import EXTRACTIONS_FILE

    out = tmp_path / "copy"
    shutil.copytree(demo_build, out)
    (out / EXTRACTIONS_FILE).write_bytes(b"garbage")
    result = CliRunner().invoke(cli, ["suggest", "--graph", str(out)])
    assert result.exit_code != 0
    assert EXTRACTIONS_FILE in result.output and "unreadable" in result.output
    assert "Traceback" not in result.output


def test_two_jobs_write_the_same_files_as_one_with_writers_beside_each_other(
        demo_build, tmp_path, monkeypatch):
    """--jobs 2 makes the statistics and the Turtle file in forked processes: the same
    bytes and the same summary as the one-process build."""
    import kg.forked
    from kg.build.pipeline import DEMO_CORPUS

    forked = []
    real = kg.forked.Forked.__init__

    def spy(self, fn, *args, **kwargs):
        forked.append(getattr(fn, "__name__", fn))
        real(self, fn, *args, **kwargs)

    monkeypatch.setattr(kg.forked.Forked, "__init__", spy)
    out = tmp_path / "out"
    result = run("build", str(DEMO_CORPUS), "-o", str(out), "--quiet", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert sorted(forked) == ["_analyze", "write_rdf"]
    for name in ("graph.ttl", "graph.kg.npz", "graph.html", "papers.jsonl"):
        assert (out / name).read_bytes() == (demo_build / name).read_bytes(), name
    two, one = load_summary(out), load_summary(demo_build)
    assert two["graph"] == one["graph"] and two["counts"] == one["counts"]


def test_a_forked_writer_that_fails_fails_the_build_and_leaves_no_output(
        tmp_path, seed_path, monkeypatch):
    import kg.build.pipeline
    from kg.errors import ExportError

    def broken(*args, **kwargs):
        raise ExportError("disk full while writing graph.ttl")

    monkeypatch.setattr(kg.build.pipeline, "write_rdf", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(seed_path), "-o", str(out), "--quiet",
                                      "--jobs", "2"])
    assert result.exit_code == 1
    assert "disk full while writing graph.ttl" in result.output
    assert not out.exists()


def test_two_jobs_run_the_steps_in_place_above_the_fork_limit(tmp_path, seed_path,
                                                              monkeypatch):
    import kg.build.pipeline
    import kg.forked
    import kg.model.links

    forked = []
    monkeypatch.setattr(kg.forked.Forked, "__init__",
                        lambda self, fn, *a, **k: forked.append(fn))
    monkeypatch.setattr(kg.build.pipeline, "FORK_MAX_PAPERS", 10)
    monkeypatch.setattr(kg.model.links, "SIMILAR_BLOCK_ROWS", 4)  # the search could fork
    result = run("build", str(seed_path), "-o", str(tmp_path / "out"), "--quiet",
                 "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert forked == [] and (tmp_path / "out" / "graph.ttl").is_file()


def test_default_jobs_use_the_cores_but_not_more_processes_than_chunks(tmp_path, monkeypatch):
    """kg build without --jobs: one extraction process per usable core (at most 8), and
    no more than one per chunk of papers; the summary records the number used."""
    import os

    import kg.build.pipeline as pipeline
    from kg.types import Paper

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)))
    assert pipeline.default_jobs() == pipeline.MAX_DEFAULT_JOBS == 8
    assert pipeline.default_jobs(papers=1) == 1
    assert pipeline.default_jobs(papers=1001) == 3
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert pipeline.default_jobs(papers=10_000) == 2

    src = tmp_path / "papers.jsonl"
    with open(src, "w", encoding="utf-8") as fh:
        for k in range(501):  # two chunks
            fh.write(json.dumps(Paper(id=f"p{k}", title=f"LoRA study {k}",
                                      abstract="We fine-tune with LoRA.").to_dict()) + "\n")
    assert run("build", str(src), "-o", str(tmp_path / "out"), "-q").exit_code == 0
    assert load_summary(tmp_path / "out")["options"]["jobs"] == 2
    assert run("build", str(src), "-o", str(tmp_path / "one"), "-q", "--jobs", "1").exit_code == 0
    assert load_summary(tmp_path / "one")["options"]["jobs"] == 1
    for name in ("graph.ttl", "graph.kg.npz", "papers.jsonl"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
