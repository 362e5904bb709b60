"""Issue #16, ingest rows: nothing a bad record can do loses good data.

Each test writes the hostile input of one row of the issue under ``tmp_path`` and checks
that the bad record is a reject naming its place and what is wrong, that every good record
is still read, and that ``read == kept + merged + rejected``. Parses that used to eat
memory or time run in a subprocess with a memory limit (``RLIMIT_AS``) and a timeout, so
that a regression fails the test instead of stalling the machine.
"""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

from tests.conftest import shared_path
from kg.ingest import iter_records, read_inputs, write_inputs
from kg.ingest.bibtex import MAX_MACRO_CHARS, MAX_VALUE_CHARS, delatex
from kg.ingest.common import MAX_JSON_DEPTH, MAX_TEXT_CHARS
from kg.ingest.merge import MAX_CONFLICTS_LISTED
from kg.ingest.openalex import MAX_ABSTRACT_WORDS
from kg.types import Paper, Reject

ROOT = Path(__file__).resolve().parents[1]


def split(path: Path, fmt: str | None = None) -> tuple[list[Paper], list[Reject]]:
    records = list(iter_records(path, fmt))
    return ([r for r in records if isinstance(r, Paper)],
            [r for r in records if isinstance(r, Reject)])


def balanced(result) -> bool:
    return result.read == result.kept + result.merged + result.rejected


def run_bounded(code: str, *, memory_mb: int = 1024, timeout: float = 60) -> dict:
    """Run ``code`` in a fresh Python limited to ``memory_mb`` of address space; it
    prints one JSON object as its last line, which is returned."""
    prelude = textwrap.dedent(f"""
        import resource, sys
        limit = {memory_mb} * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        sys.path.insert(0, {str(ROOT)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def record(i: int, **extra) -> dict:
    return {"id": f"2401.{i:05d}", "title": f"Paper number {i}",
            "abstract": f"We study the neural tangent kernel, case {i}.",
            "authors": [f"Author {i}"], **extra}


# ----------------------------------------------------------- row 1: huge abstracts


def test_a_huge_abstract_is_rejected_by_line_and_the_rest_is_read(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps(record(1)), json.dumps(record(2, abstract="word " * 200_001)),
             json.dumps(record(3))]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = read_inputs(src)
    assert [p.id for p in result.papers] == ["2401.00001", "2401.00003"]
    (reject,) = result.rejects
    assert (reject.source, reject.location) == (str(src), "line 2")
    assert "1,000," in reject.reason and f"{MAX_TEXT_CHARS:,}" in reject.reason
    assert "MAX_TEXT_CHARS" in reject.reason
    assert balanced(result) and result.summary_line() == "read 3, kept 2, merged 0, rejected 1"


def test_the_text_limit_counts_title_and_abstract_after_clean_up(tmp_path):
    src = tmp_path / "in.csv"
    just = "x" * (MAX_TEXT_CHARS - len("T"))  # exactly at the limit
    spaced = "y" + " " * 150_000 + "z"  # 150,002 characters that clean to "y z"
    over = "w " * (MAX_TEXT_CHARS // 2 + 10)
    src.write_text(f"id,title,abstract\nr1,T,{just}\nr2,T2,\"{spaced}\"\nr3,T3,\"{over}\"\n"
                   "r4,T4,fine\n", encoding="utf-8")
    papers, rejects = split(src)
    assert [p.id for p in papers] == ["r1", "r2", "r4"]
    assert papers[1].abstract == "y z"
    assert [r.location for r in rejects] == ["row 3 (line 4)"]
    assert rejects[0].reason.startswith("title and abstract are 100,021 characters together "
                                        "(21 over the limit of 100,000")


def test_kg_extract_and_build_survive_a_huge_abstract(tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([json.dumps(record(1)),
                              json.dumps(record(2, abstract="a" * 1_000_001)),
                              json.dumps(record(3))]) + "\n", encoding="utf-8")
    runner = CliRunner()
    run = runner.invoke(cli, ["extract", str(src)])
    assert run.exit_code == 0, run.output
    assert "line 2" in run.output and "rejected 1" in run.output
    ids = [json.loads(x)["id"] for x in run.output.splitlines() if x.startswith("{")]
    assert ids == ["2401.00001", "2401.00003"]
    out = tmp_path / "out"
    run = runner.invoke(cli, ["build", str(src), "-o", str(out), "--jobs", "1", "--quiet"])
    assert run.exit_code == 0, run.output
    lines = (out / "papers.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(x)["id"] for x in lines) == ["2401.00001", "2401.00003"]


def test_extractor_reads_a_paper_longer_than_nlp_max_length_up_to_it():
    from kg.extract import Extractor

    ex = Extractor()
    ex.nlp.max_length = 400
    head = "We study the neural tangent kernel of wide networks. "
    long = Paper("big", "Scaling laws", head + "Filler words go on. " * 60
                 + "Low-rank adaptation appears only late.")
    small = Paper("small", "LoRA", "Low-rank adaptation of large language models.")
    with pytest.warns(UserWarning, match=r"paper 'big'.*1,\d{3} characters.*max_length \(400\)"):
        records = list(ex.extract([long, small]))
    assert [r["id"] for r in records] == ["big", "small"]
    assert "neural tangent kernel" in {c["label"] for c in records[0]["concepts"]}
    read = 400 - len(long.title) - 2  # the part of the abstract that was read
    for rec, paper in zip(records, (long, small)):
        assert rec["concepts"]
        for concept in rec["concepts"]:
            for m in concept["mentions"]:
                assert getattr(paper, m["field"])[m["start"]:m["end"]] == m["text"]
                assert paper is small or m["field"] == "title" or m["end"] <= read
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ex.extract_one(small)  # papers within the limit warn nothing
    assert not [w for w in caught if "max_length" in str(w.message)]


# --------------------------------------------------- row 2: @string doubling chains


def test_bibtex_string_doubling_chain_is_bounded(tmp_path):
    chain = ['@string{s0 = "ab"}'] + [f"@string{{s{i} = s{i - 1} # s{i - 1}}}"
                                      for i in range(1, 170)]  # s{i} on line i + 1
    entries = ["@article{good, title={Good}, abstract={A fine abstract.}}",
               "@article{uses, title={Uses}, abstract=s150}",
               "@article{late, title={Late}, abstract={Also fine.}}"]
    src = tmp_path / "doubling.bib"
    src.write_text("\n".join(chain + entries) + "\n", encoding="utf-8")
    assert 4000 < src.stat().st_size < 5000  # the 4.5 KB file
    out = run_bounded(f"""
        import json
        from kg.ingest import read_inputs
        r = read_inputs({str(src)!r})
        print(json.dumps({{"papers": [p.title for p in r.papers], "line": r.summary_line(),
                          "rejects": [[x.location, x.reason] for x in r.rejects]}}))
    """, memory_mb=1024, timeout=60)
    assert out["papers"] == ["Good", "Late"]
    rejects = dict(out["rejects"])
    first = next(loc for loc, _ in out["rejects"] if loc.startswith("@string"))
    assert re.fullmatch(r"@string s\d+ \(line \d+\)", first)
    assert "MAX_MACRO_CHARS" in rejects[first] or "MAX_VALUE_CHARS" in rejects[first]
    assert "uses @string 's150'" in rejects["entry 2 (key uses, line 172)"]
    assert "which was rejected at line 151" in rejects["entry 2 (key uses, line 172)"]
    assert len(out["rejects"]) == 1 + sum(loc.startswith("@string") for loc in rejects)
    read, kept, merged, rejected = map(int, re.findall(r"\d+", out["line"]))
    assert read == kept + merged + rejected and kept == 2


def test_bibtex_one_entry_expanding_past_the_value_limit_is_rejected(tmp_path):
    big = "x" * (MAX_MACRO_CHARS // 2)
    src = tmp_path / "big.bib"
    src.write_text(f'@string{{half = "{big}"}}\n'
                   "@article{a, title={Four halves}, abstract=half # half # half # half}\n"
                   "@article{b, title={Fine}, abstract={Short.}}\n", encoding="utf-8")
    papers, rejects = split(src)
    assert [p.title for p in papers] == ["Fine"]
    (reject,) = rejects
    assert reject.location == "entry 1 (key a, line 2)"
    assert f"more than {MAX_VALUE_CHARS:,} characters at line 2" in reject.reason


# ----------------------------------------------------- row 3: nested \emph is linear


def _old_styles(text: str) -> str:
    """The former rule: drop innermost ``\\cmd{...}`` again and again (the reference)."""
    style = re.compile(r"\\(?:textit|textbf|emph|textsc|texttt|textrm|textsf|textup|textmd"
                       r"|mbox|url|text)\s*\{([^{}]*)\}")
    previous = None
    while previous != text:
        previous, text = text, style.sub(r"\1", text)
    return text


def test_nested_styles_convert_right():
    assert delatex(r"\emph{\textbf{\emph{deep}} nets}") == "deep nets"
    assert delatex(r"\emph{a {LLM} b} and \textit {c}") == "\\emph{a LLM b} and c"
    assert delatex(r"\emph{\emph{x}") == "\\emph{x"  # unclosed: kept as written
    from kg.ingest.bibtex import _drop_styles

    tokens = ["\\emph{", "\\textbf {", "\\mbox{", "{", "}", "a", "b", " ", "\\&", "$"]
    rng = random.Random(16)
    for _ in range(3000):
        text = "".join(rng.choice(tokens) for _ in range(rng.randrange(1, 14)))
        assert _drop_styles(text) == _old_styles(text), text


def test_deeply_nested_emph_is_linear(tmp_path):
    """228 KB of nested \\emph took 96 s; 200 KB must take well under 20 s."""
    depth = 200_000 // len("\\emph{}")
    src = tmp_path / "nested.bib"
    src.write_text("@article{deep, title={Deep}, abstract={" + "\\emph{" * depth + "nested"
                   + "}" * depth + "}}\n@article{ok, title={OK}, abstract={Fine.}}\n",
                   encoding="utf-8")
    assert src.stat().st_size > 200_000
    out = run_bounded(f"""
        import json, time
        from kg.ingest.bibtex import delatex
        from kg.ingest import iter_records
        value = "\\\\emph{{" * {depth} + "nested" + "}}" * {depth}
        t = time.perf_counter()
        text = delatex(value)
        took = time.perf_counter() - t
        records = list(iter_records({str(src)!r}))
        print(json.dumps({{"text": text, "took": took,
                          "records": [getattr(r, "title", None) or r.reason for r in records]}}))
    """, memory_mb=1024, timeout=20)
    assert out["text"] == "nested"
    assert out["took"] < 10
    assert out["records"] == ["Deep", "OK"]


# -------------------------------------------------- row 4: OpenAlex inverted indexes


def test_openalex_huge_positions_are_rejected_without_building_the_text(tmp_path):
    long_word = {"x" * 50_000: list(range(70_000))}  # a 3.5 GB abstract from 0.5 MB
    works = [
        {"id": "https://openalex.org/W1", "title": "Huge", "abstract_inverted_index": long_word},
        {"id": "https://openalex.org/W2", "title": "Far", "abstract_inverted_index":
            {"Deep": [0], "nets": [10 ** 12]}},
        {"id": "https://openalex.org/W3", "title": "Negative", "abstract_inverted_index":
            {"Deep": [-1]}},
        {"id": "https://openalex.org/W4", "title": "Fine", "abstract_inverted_index":
            {"Open": [0], "access": [1]}},
    ]
    src = tmp_path / "works.json"
    src.write_text(json.dumps({"results": works}), encoding="utf-8")
    assert src.stat().st_size < 600_000
    out = run_bounded(f"""
        import json
        from kg.ingest import iter_records
        out = [[r.id, r.abstract] if hasattr(r, "abstract") else [r.location, r.reason]
               for r in iter_records({str(src)!r}, "openalex")]
        print(json.dumps(out))
    """, memory_mb=1024, timeout=60)
    assert out[3] == ["W4", "Open access"]
    assert out[0][0] == "record 1" and f"{MAX_ABSTRACT_WORDS:,} words" in out[0][1]
    assert out[1][0] == "record 2" and "position 1,000,000,000,000 of 'nets'" in out[1][1]
    assert out[2][0] == "record 3" and "position -1 of 'Deep'" in out[2][1]


# ------------------------------------------------------ row 5: deeply nested JSON


DEEP = '{"title": "Deep", "abstract": "x", "meta": ' + "[" * 1000 + "]" * 1000 + "}"


@pytest.mark.parametrize("fmt", ["jsonl", "arxiv-cs", "arxiv-oai", "hf-papers",
                                 "semantic-scholar", "openalex"])
def test_a_line_nested_1000_deep_is_one_reject_in_every_json_reader(tmp_path, fmt):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(record(1)) + "\n" + DEEP + "\n" + json.dumps(record(3)) + "\n",
                   encoding="utf-8")
    papers, rejects = split(src, fmt)
    assert len(papers) == 2
    assert [(r.location, r.reason.split(" (")[0]) for r in rejects] == [
        ("line 2", f"JSON nested more than {MAX_JSON_DEPTH} levels deep")]


def test_deep_json_does_not_abort_a_multi_file_build(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.json", tmp_path / "c.jsonl"
    a.write_text(json.dumps(record(1)) + "\n" + DEEP + "\n", encoding="utf-8")
    b.write_text("[" + json.dumps(record(2)) + ", " + DEEP + ", " + json.dumps(record(3)) + "]",
                 encoding="utf-8")
    shallow = ('{"title": "Shallow", "abstract": "x", "meta": {"k": '
               + "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5) + "}}")
    c.write_text(shallow + "\n" + json.dumps(record(4)) + "\n", encoding="utf-8")
    result = write_inputs([a, b, c], tmp_path / "papers.jsonl")
    ids = [json.loads(x)["id"] for x in (tmp_path / "papers.jsonl").read_text().splitlines()]
    assert ids == ["2401.00001", "2401.00002", "2401.00003", "2401.00004"]
    assert {(Path(r.source).name, r.location) for r in result.rejects} == {
        ("a.jsonl", "line 2"), ("b.json", "line 1"), ("c.jsonl", "line 1")}
    assert all("nested more than" in r.reason for r in result.rejects)
    assert balanced(result) and result.rejected == 3


# --------------------------------------------------- row 6: broken JSON documents


def _shared_records(n: int) -> list[dict]:
    folder = shared_path("data", "arxiv-cs")
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                out.append(json.loads(line))
                if len(out) == n:
                    return out
    pytest.skip("not enough arxiv-cs records")


def _synthetic_records(n: int) -> list[dict]:
    return [record(i, abstract=f"Case {i}: " + "we fit {wide} nets, [1], and more. " * 8)
            for i in range(1, n + 1)]


def _array(records: list[dict], indent: int | None) -> tuple[str, list[tuple[int, int]]]:
    """The JSON text of the list (one record a line with ``indent``), and where each
    record starts and ends in it."""
    sep = ",\n" if indent else ", "
    parts, spans, pos = ["[\n" if indent else "["], [], 1 + bool(indent)
    for i, rec in enumerate(records):
        text = json.dumps(rec, ensure_ascii=False)
        parts.append(text)
        spans.append((pos, pos + len(text)))
        pos += len(text) + len(sep)
        parts.append(sep if i < len(records) - 1 else "")
    parts.append("\n]\n" if indent else "]")
    return "".join(parts), spans


@pytest.fixture(params=["shared", "synthetic"])
def corpus(request) -> list[dict]:
    n = 2207
    return _shared_records(n) if request.param == "shared" else _synthetic_records(n)


@pytest.mark.parametrize("indent", [None, 1])
def test_a_json_array_cut_2kb_short_keeps_every_complete_record(tmp_path, corpus, indent):
    text, spans = _array(corpus, indent)
    target = len(text) - 2048
    complete = sum(1 for _, end in spans if end <= target)
    cut = text[:max(target, spans[complete][0] + 1)]  # inside record complete + 1
    src = tmp_path / "papers.json"
    src.write_text(cut, encoding="utf-8")
    result = read_inputs(src)
    assert result.read - result.rejected == complete > 2150
    (reject,) = result.rejects
    assert reject.reason.startswith("truncated JSON: the file ends inside record "
                                    f"{complete + 1}")
    byte = int(re.search(r"byte offset (\d+)", reject.reason).group(1))
    assert src.read_bytes()[byte:byte + 1] == b"{"  # where the cut record starts
    line = int(reject.location.split()[1])
    assert line == src.read_bytes()[:byte].count(b"\n") + 1
    assert balanced(result)


@pytest.mark.parametrize("indent", [None, 1])
def test_one_bad_byte_in_a_json_array_loses_only_its_record(tmp_path, corpus, indent):
    text, spans = _array(corpus, indent)
    colon = text.index(":", spans[1101][0])  # the first of record 1102
    assert text[spans[1101][0]:colon] == '{"id"'
    src = tmp_path / "papers.json"
    src.write_text(text[:colon] + "#" + text[colon + 1:], encoding="utf-8")
    result = read_inputs(src)
    assert result.read - result.rejected == 2206
    (reject,) = result.rejects
    assert reject.reason.startswith("invalid JSON in record 1102: ")
    assert "reading goes on at the next record" in reject.reason
    assert balanced(result)


def test_invalid_utf8_in_a_json_array_loses_only_its_record(tmp_path):
    text, _ = _array(_synthetic_records(50), 1)
    raw = text.encode("utf-8")
    at = raw.index(b"Case 20:")
    src = tmp_path / "papers.json"
    src.write_bytes(raw[:at] + b"\xe9" + raw[at + 1:])
    papers, rejects = split(src)
    assert len(papers) == 49 and "2401.00020" not in {p.id for p in papers}
    (reject,) = rejects
    line = raw[:at].count(b"\n") + 1
    assert reject.location == f"line {line}"
    assert f"byte 0xe9 at byte offset {at} in the file" in reject.reason
    assert "record 20" in reject.reason


def test_reading_goes_on_at_the_next_record_not_at_an_object_nested_in_one(tmp_path):
    """After a broken record the reader looks for the next record, not for the next
    author or concept object inside the broken one (they share few keys with records)."""
    works = [{"id": f"https://openalex.org/W{i}", "title": f"Work {i}", "display_name":
              f"Work {i}", "abstract_inverted_index": {"Open": [0], "access": [1]},
              "publication_year": 2020, "type": "article",
              "authorships": [{"author_position": "first", "author": {"display_name": "A"}},
                              {"author_position": "last", "author": {"display_name": "B"}}],
              "concepts": [{"id": "https://openalex.org/C1", "display_name": "Computer science",
                            "level": 0, "score": 0.5},
                           {"id": "https://openalex.org/C2", "display_name": "Nets",
                            "level": 1, "score": 0.4}]} for i in range(1, 6)]
    text = json.dumps({"results": works}, indent=2)
    second = text.index('"author_position": "first"', text.index("Work 2"))
    src = tmp_path / "works.json"
    src.write_text(text[:second + 17] + "#" + text[second + 18:], encoding="utf-8")
    papers, rejects = split(src, "openalex")
    assert [p.id for p in papers] == ["W1", "W3", "W4", "W5"]
    assert len(rejects) == 1 and rejects[0].reason.startswith("invalid JSON in record 2")


def test_an_envelope_cut_short_keeps_its_complete_records(tmp_path):
    records = [{"paperId": f"p{i}", "title": f"T{i}", "abstract": f"A{i}."} for i in range(30)]
    text = json.dumps({"total": 30, "offset": 0, "data": records})
    src = tmp_path / "s2.json"
    src.write_text(text[:-40], encoding="utf-8")
    papers, rejects = split(src, "semantic-scholar")
    assert [p.id for p in papers] == [f"p{i}" for i in range(29)]
    assert len(rejects) == 1 and rejects[0].reason.startswith("truncated JSON")


def test_json_lines_under_a_json_name_with_a_broken_first_line(tmp_path):
    src = tmp_path / "lines.json"
    src.write_text('{"id": "r1", "title": "Cut\n' + json.dumps(record(2)) + "\n"
                   + json.dumps(record(3)) + "\n", encoding="utf-8")
    papers, rejects = split(src, "json")
    assert [p.id for p in papers] == ["2401.00002", "2401.00003"]
    assert [r.location for r in rejects] == ["line 1"]


def test_good_json_documents_read_as_before(tmp_path):
    src = tmp_path / "ok.json"
    src.write_text(json.dumps({"data": [record(1), record(2)]}, indent=2), encoding="utf-8")
    papers, rejects = split(src)
    assert [p.id for p in papers] == ["2401.00001", "2401.00002"] and rejects == []


# --------------------------------------------------- row 7: CSV cut inside a quote


@pytest.mark.parametrize("sep,suffix", [(",", "csv"), ("\t", "tsv")])
def test_a_table_cut_inside_a_quoted_abstract_rejects_that_row(tmp_path, sep, suffix):
    rows = [sep.join(["id", "title", "abstract"])]
    rows += [sep.join([f"r{i}", f"Title {i}", f'"Abstract {i},\nover two lines."'])
             for i in range(1, 4)]
    rows.append(sep.join(["r4", "Title 4", '"An abstract cut in the mid']))
    src = tmp_path / f"papers.{suffix}"
    src.write_text("\n".join(rows), encoding="utf-8")
    result = read_inputs(src)
    assert [p.id for p in result.papers] == ["r1", "r2", "r3"]
    (reject,) = result.rejects
    assert reject.location == "row 4 (line 8)"
    assert "unterminated quote" in reject.reason and "opened at line 8" in reject.reason
    assert balanced(result)


def test_a_stray_quote_that_swallows_the_rest_of_a_table_is_named(tmp_path):
    src = tmp_path / "papers.csv"
    src.write_text('id,title,abstract\nr1,T1,Fine.\nr2,T2,"Stray quote\nr3,T3,Lost\n'
                   "r4,T4,Lost too\n", encoding="utf-8")
    papers, rejects = split(src)
    assert [p.id for p in papers] == ["r1"]
    assert [r.location for r in rejects] == ["row 2 (line 3)"]
    assert "opened at line 3 is never closed" in rejects[0].reason
    assert "3 lines later" in rejects[0].reason


def test_a_closed_quote_at_the_end_of_a_table_is_no_reject(tmp_path):
    src = tmp_path / "papers.csv"
    src.write_text('id,title,abstract\nr1,T,"Ends at EOF,\nwith a ""quote"" inside."',
                   encoding="utf-8")
    papers, rejects = split(src)
    assert rejects == [] and papers[0].abstract == 'Ends at EOF, with a "quote" inside.'


# ------------------------------------------------------ row 8: bad bytes in Atom XML


def _feed(n: int, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>') -> str:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/2402.{i:05d}v1</id><title>Title {i}</title>"
        f"<summary>Summary {i}, caf\u00e9.</summary><author><name>A B</name></author>"
        "</entry>\n" for i in range(1, n + 1))
    return (f'{declaration}\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"<title>arXiv query</title>\n{entries}</feed>\n")


def test_invalid_utf8_in_atom_rejects_its_entry_only(tmp_path):
    raw = _feed(10).encode("utf-8")
    at = raw.index(b"Summary 4,") + len(b"Summary 4")
    src = tmp_path / "query.xml"
    src.write_bytes(raw[:at] + b"\xff" + raw[at + 1:])
    result = read_inputs(src)
    assert [p.id for p in result.papers] == [f"2402.{i:05d}" for i in range(1, 11) if i != 4]
    (reject,) = result.rejects
    line = raw[:at].count(b"\n") + 1
    assert reject.location == "entry 4"
    assert reject.reason == f"invalid UTF-8 (byte 0xff at byte offset {at}, line {line})"
    assert balanced(result)


def test_atom_bad_byte_outside_entries_is_reported_and_entries_read(tmp_path):
    raw = _feed(3).encode("utf-8")
    at = raw.index(b"arXiv query")
    src = tmp_path / "query.xml"
    src.write_bytes(raw[:at] + b"\xfe" + raw[at + 1:])
    papers, rejects = split(src)
    assert len(papers) == 3
    assert [r.location for r in rejects] == ["line 3"]
    assert "outside any entry" in rejects[0].reason


def test_atom_in_other_encodings_reads_and_dtds_are_still_refused(tmp_path):
    good = {p.id: p for p in split(_write(tmp_path / "u8.xml", _feed(3).encode()))[0]}
    latin = _feed(3, '<?xml version="1.0" encoding="ISO-8859-1"?>').encode("latin-1")
    for data in (latin, _feed(3).encode("utf-16"), b"\xef\xbb\xbf" + _feed(3).encode()):
        papers, rejects = split(_write(tmp_path / "other.xml", data), "arxiv-atom")
        assert rejects == [] and {p.id: p for p in papers} == good
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;">]>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>arxiv \xff</title><entry><title>&lol2;</title></entry></feed>")
    papers, rejects = split(_write(tmp_path / "bomb.xml", bomb.encode("latin-1")),
                            "arxiv-atom")
    assert papers == [] and any("DTD" in r.reason for r in rejects)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# -------------------------------------------------------------- row 9: UTF-16 files


SAMPLES = {
    "papers.jsonl": json.dumps(record(1)) + "\n" + json.dumps(record(2)) + "\n",
    "papers.json": json.dumps([record(1), record(2)], indent=1),
    "refs.bib": "@article{k1, title={G{\\\"o}del Nets}, abstract={We prove it.}, year=2021}\n"
                "@misc{k2, title={Second}, abstract={Another one.}}\n",
    "papers.csv": "id,title,abstract\nr1,Café Nets,\"An abstract, quoted.\"\nr2,T2,Plain.\n",
    "papers.tsv": "id\ttitle\tabstract\nr1\tCafé Nets\tAn abstract.\n",
    "query.xml": _feed(2),
    "page.txt": "Daily Papers\n\nOne Epoch Is All You Need\n\nWe train a language model for "
                "one epoch only and show that it matches repeated training on the same data "
                "budget at a fraction of the cost.\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig", "utf-32"])
def test_files_with_a_bom_read_like_utf8(tmp_path, name, encoding):
    plain = tmp_path / "utf8" / name
    plain.parent.mkdir()
    plain.write_text(SAMPLES[name], encoding="utf-8")
    other = tmp_path / encoding / name
    other.parent.mkdir()
    text = SAMPLES[name]
    if encoding == "utf-16-be":
        other.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    else:
        other.write_text(text, encoding=encoding)
    want, want_rejects = split(plain)
    got, rejects = split(other)
    assert want and want_rejects == [] and rejects == []
    assert got == want


def test_bomless_utf16_is_recognized_and_broken_utf16_is_one_clear_reject(tmp_path):
    bomless = tmp_path / "bomless.jsonl"
    bomless.write_bytes(SAMPLES["papers.jsonl"].encode("utf-16-le"))
    assert [p.id for p in split(bomless)[0]] == ["2401.00001", "2401.00002"]
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(SAMPLES["papers.jsonl"].encode("utf-16") + b"\x00\xd8A\x00")
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(record(3)) + "\n", encoding="utf-8")
    result = read_inputs([broken, good])
    assert [p.id for p in result.papers] == ["2401.00003"]
    (reject,) = result.rejects
    assert reject.source == str(broken) and reject.location == "line 3"
    assert reject.reason.startswith("invalid UTF-16 (bytes 00 d8 at byte offset ")


# --------------------------------------------------- row 10: merge conflicts reported


def test_merge_conflicts_are_counted_and_listed_with_their_files(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.csv"
    a.write_text(json.dumps({"id": "2106.09685", "title": "LoRA: Low-Rank Adaptation",
                             "abstract": "A.", "authors": ["Edward Hu", "Yelong Shen"]}) + "\n"
                 + json.dumps({"id": "2101.00001", "title": "Same Paper", "abstract": "B.",
                               "authors": ["Ann Lee"]}) + "\n", encoding="utf-8")
    b.write_text("id,title,abstract,authors\n"
                 "2106.09685v2,QLoRA,Other.,Tim Dettmers\n"
                 "2101.00001,Same paper!,B.,A. Lee and Bo Li\n", encoding="utf-8")
    for result in (read_inputs([a, b]), write_inputs([a, b], tmp_path / "papers.jsonl")):
        assert result.summary_line() == "read 4, kept 2, merged 2, rejected 0"
        assert result.conflict_count == 2
        assert result.conflicts == [
            f"2106.09685: different titles: 'LoRA: Low-Rank Adaptation' ({a}) and 'QLoRA' "
            f"({b}); kept the first",
            f"2106.09685: different authors: Edward Hu, Yelong Shen ({a}) and Tim Dettmers "
            f"({b}); kept the longest list"]


def test_merge_conflicts_listed_are_capped_but_all_counted(tmp_path):
    src = tmp_path / "in.jsonl"
    n = MAX_CONFLICTS_LISTED + 20
    src.write_text("".join(
        json.dumps({"id": f"2301.{i:05d}", "title": f"Title {i}{suffix}", "abstract": "A."})
        + "\n" for i in range(n) for suffix in ("", " revised")), encoding="utf-8")
    result = read_inputs(src)
    assert result.conflict_count == n and len(result.conflicts) == MAX_CONFLICTS_LISTED
    update = write_inputs(src, tmp_path / "papers.jsonl", previous=[
        Paper("2301.00000", "Another title", "A.", ids={"arxiv": "2301.00000"})])
    assert update.conflict_count == n + 1


# ----------------------------------------------------------- row 11: unsafe URLs


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(document.cookie)",
                                 "data:text/html;base64,PHNjcmlwdD4=", "java\nscript:x()",
                                 "vbscript:msgbox", "ftp://example.org/p.pdf", "example.org/p"])
def test_only_http_urls_are_kept(tmp_path, url):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(record(1, url=url)) + "\n"
                   + json.dumps(record(2, url="HTTPS://arxiv.org/abs/2401.00002")) + "\n",
                   encoding="utf-8")
    bad, good = split(src)[0]
    assert bad.url is None and bad.meta["unsafe_url"] == " ".join(url.split())
    assert good.url == "HTTPS://arxiv.org/abs/2401.00002" and "unsafe_url" not in good.meta


def test_unsafe_urls_from_bibtex_and_csv(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text("@misc{a, title={T}, abstract={A.}, url={javascript:alert(1)}}\n",
                   encoding="utf-8")
    csv = tmp_path / "in.csv"
    csv.write_text("id,title,abstract,url\nr1,T,A.,data:text/html\n", encoding="utf-8")
    (p,) = split(bib)[0]
    (q,) = split(csv)[0]
    assert (p.url, p.meta["unsafe_url"]) == (None, "javascript:alert(1)")
    assert (q.url, q.meta["unsafe_url"]) == (None, "data:text/html")


def test_build_reports_merge_conflicts_in_summary_and_with_verbose(tmp_path):
    """Two records of one paper with different titles: merged, and the conflict is in
    summary.json and printed by kg build --verbose."""
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.model.store import load_summary

    (tmp_path / "a.jsonl").write_text(
        '{"id": "2106.09685", "title": "LoRA", "abstract": "We adapt low-rank weights."}\n',
        encoding="utf-8")
    (tmp_path / "b.csv").write_text(
        'id,title,abstract\n2106.09685,QLoRA quantized,"We adapt quantized weights."\n',
        encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "a.jsonl"),
                                      str(tmp_path / "b.csv"), "-o", str(out), "-v"])
    assert result.exit_code == 0, result.output
    assert "conflict: 2106.09685: different titles: 'LoRA'" in result.output
    summary = load_summary(out)
    assert summary["counts"]["conflicts"] == 1 and summary["counts"]["merged"] == 1
    assert "QLoRA quantized" in summary["conflicts"][0]
    both = CliRunner().invoke(cli, ["build", str(tmp_path / "a.jsonl"), "-o",
                                    str(tmp_path / "x"), "-q", "-v"])
    assert both.exit_code == 2 and "contradict" in both.output
