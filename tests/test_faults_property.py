"""Property: in any mixture of good and broken records, in any input format, every good
record is read and every broken one is reported with its place.

Hypothesis writes files of random good and bad records (each format with the ways its
records break in practice), reads them with ``kg.ingest.read_inputs``, and checks that
the papers kept are exactly the good records, in order, and that there is one reject per
bad record, naming the file and a place in it. The default run tries 15 mixtures per
format (seconds); ``pytest -m slow`` tries 300.
"""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import NoValidRecordsError
from kg.ingest import read_inputs

WORDS = ["kernel", "width", "adapter", "scaling", "grokking", "margin", "token", "prior",
         "sparse", "dropout", "attention", "flow", "memory", "policy", "reward", "graph"]
PLACE = re.compile(r"\b(line|entry|row|record|offset|byte|work|element)\b", re.I)

good_text = st.lists(st.sampled_from(WORDS), min_size=3, max_size=12).map(" ".join)


def _record(i: int, words: str) -> dict:
    return {"id": f"2501.{i:05d}", "title": f"Study {i} of {words.split()[0]}",
            "abstract": f"We study {words}. It works {i} times.", "authors": ["Ada Lovelace"],
            "date": "2025-01-02"}


# --------------------------------------------------------------- one writer per format:
# (good records, a list of ("good", record) | ("bad", kind)) -> file text


def _jsonl(items) -> str:
    lines = []
    for tag, value in items:
        if tag == "good":
            lines.append(json.dumps(value))
        elif value == "syntax":
            lines.append('{"id": "x", "title": "broken')
        elif value == "type":
            lines.append(json.dumps({"id": "x", "title": 7, "abstract": "A."}))
        elif value == "missing":
            lines.append(json.dumps({"id": "x", "title": "No abstract here"}))
        else:  # deep
            lines.append("[" * 1000 + "]" * 1000)
    return "\n".join(lines) + "\n"


def _json(items) -> str:
    parts = []
    for tag, value in items:
        if tag == "good":
            parts.append(json.dumps(value))
        elif value == "type":
            parts.append("42")
        else:
            parts.append(json.dumps({"id": "x", "title": "No abstract here"}))
    return "[\n" + ",\n".join(parts) + "\n]\n"


def _delimited(items, sep: str) -> str:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if sep == "," else text

    lines = [sep.join(["id", "title", "abstract"])]
    for tag, value in items:
        if tag == "good":
            lines.append(sep.join(cell(value[k]) for k in ("id", "title", "abstract")))
        else:  # an empty abstract cell
            lines.append(sep.join([cell("x"), cell("No abstract here"), ""]))
    return "\n".join(lines) + "\n"


def _bibtex(items) -> str:
    entries = []
    for n, (tag, value) in enumerate(items):
        if tag == "good":
            entries.append(f"@article{{key{n},\n  title = {{{value['title']}}},\n"
                           f"  abstract = {{{value['abstract']}}},\n  year = {{2025}}\n}}")
        else:
            entries.append(f"@article{{key{n},\n  title = {{No abstract here}},\n  year = {{2025}}\n}}")
    return "\n\n".join(entries) + "\n"


def _atom(items) -> str:
    entries = []
    for tag, value in items:
        if tag == "good":
            entries.append(f"<entry><id>http://arxiv.org/abs/{value['id']}v1</id>"
                           f"<title>{value['title']}</title><summary>{value['abstract']}</summary>"
                           "<published>2025-01-02T00:00:00Z</published>"
                           "<author><name>Ada Lovelace</name></author></entry>")
        else:
            entries.append("<entry><id>http://arxiv.org/abs/2501.99999v1</id>"
                           "<title>No abstract here</title></entry>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            + "".join(entries) + "</feed>\n")


def _openalex(items) -> str:
    works = []
    for n, (tag, value) in enumerate(items):
        if tag == "good":
            index: dict[str, list[int]] = {}
            for pos, word in enumerate(value["abstract"].split()):
                index.setdefault(word, []).append(pos)
            works.append({"id": f"https://openalex.org/W{n}", "title": value["title"],
                          "abstract_inverted_index": index,
                          "publication_date": "2025-01-02"})
        else:
            works.append({"id": f"https://openalex.org/W{n}", "title": "No abstract here",
                          "abstract_inverted_index": {"huge": [10 ** 9]}})
    return json.dumps({"results": works})


FORMATS = {
    "jsonl": (".jsonl", "jsonl", _jsonl, ["syntax", "type", "missing", "deep"]),
    "json": (".json", "json", _json, ["type", "missing"]),
    "csv": (".csv", "csv", lambda items: _delimited(items, ","), ["missing"]),
    "tsv": (".tsv", "tsv", lambda items: _delimited(items, "\t"), ["missing"]),
    "bibtex": (".bib", "bibtex", _bibtex, ["missing"]),
    "arxiv-atom": (".xml", "arxiv-atom", _atom, ["missing"]),
    "openalex": (".json", "openalex", _openalex, ["huge"]),
}


def _mixtures(kinds: list[str]):
    item = st.one_of(good_text.map(lambda w: ("good", w)), st.sampled_from(kinds).map(
        lambda k: ("bad", k)))
    return st.lists(item, min_size=1, max_size=25)


def _check(fmt: str, mixture) -> None:
    suffix, name, write, _ = FORMATS[fmt]
    items = [("good", _record(i, w)) if tag == "good" else (tag, w)
             for i, (tag, w) in enumerate(mixture)]
    good = [value for tag, value in items if tag == "good"]
    bad = len(items) - len(good)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"mixed{suffix}"
        path.write_text(write(items), encoding="utf-8")
        if not good:  # nothing valid: one error that counts the rejects
            with pytest.raises(NoValidRecordsError, match=f"{bad} rejected"):
                read_inputs([path], fmt=name)
            return
        result = read_inputs([path], fmt=name)
    assert [p.title for p in result.papers] == [r["title"] for r in good]
    assert [p.abstract for p in result.papers] == [r["abstract"] for r in good]
    assert len(result.rejects) == bad, [str(r) for r in result.rejects]
    for reject in result.rejects:
        assert reject.source.endswith(path.name) and PLACE.search(str(reject)), str(reject)
    assert result.read == len(result.papers) + result.merged + len(result.rejects)


def _property(examples: int):
    def test(fmt):
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(_mixtures(FORMATS[fmt][3]))
        def run(mixture):
            _check(fmt, mixture)

        run()

    return test


test_good_records_survive_and_bad_ones_are_reported = pytest.mark.parametrize(
    "fmt", list(FORMATS))(_property(15))
test_good_records_survive_and_bad_ones_are_reported_at_length = pytest.mark.slow(
    pytest.mark.parametrize("fmt", list(FORMATS))(_property(300)))
