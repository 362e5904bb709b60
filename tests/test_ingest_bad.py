"""Bad input is reported record by record; every good record survives."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import (
    InputError,
    KGError,
    NoValidRecordsError,
    RecordError,
    UnknownFormatError,
)
from kg.ingest import detect_format, iter_records, read_inputs
from kg.types import Paper, Reject

BAD = Path(__file__).resolve().parent / "fixtures" / "ingest" / "bad"


def split(path: Path, fmt: str | None = None) -> tuple[list[Paper], list[Reject]]:
    records = list(iter_records(path, fmt))
    return ([r for r in records if isinstance(r, Paper)],
            [r for r in records if isinstance(r, Reject)])


def where(rejects: list[Reject]) -> dict[str, str]:
    return {r.location: r.reason for r in rejects}


def test_jsonl_bad_lines_reported_one_by_one():
    papers, rejects = split(BAD / "records.jsonl")
    assert [p.id for p in papers] == ["2401.00001", "2401.00005", "2401.00001", "2401.00004"]
    reasons = where(rejects)
    assert set(reasons) == {"line 2", "line 3", "line 4", "line 6", "line 7", "line 8",
                            "line 10, item 1", "line 10, item 2", "line 11", "line 13"}
    assert reasons["line 2"].startswith("truncated JSON")
    assert reasons["line 3"] == "field 'title' must be text, got a number"
    assert reasons["line 4"] == "field 'title' must be text, got a list"
    assert "invalid UTF-8" in reasons["line 6"] and "byte 34 of the line" in reasons["line 6"]
    raw = (BAD / "records.jsonl").read_bytes()
    assert raw[498:499] == b"\xe9"  # the reported file offset points at the bad byte
    assert "byte offset 498" in reasons["line 6"]
    assert reasons["line 7"] == "missing or empty abstract"
    assert reasons["line 8"] == "missing or empty title"
    assert "authors" in reasons["line 11"]
    assert reasons["line 13"].startswith("invalid JSON")
    assert all(r.source == str(BAD / "records.jsonl") for r in rejects)


def test_jsonl_counts_and_duplicate_merge():
    result = read_inputs([BAD / "records.jsonl"])
    assert result.read == 14 and result.rejected == 10
    assert result.merged == 1 and result.kept == 3  # line 12 is line 1 as v2
    assert result.read == result.kept + result.merged + result.rejected
    merged = result.papers[0]
    assert merged.id == "2401.00001"
    assert merged.title == "Good paper 1"  # first non-empty wins
    assert merged.authors == ("A. Author", "B. Author")  # richest author list
    assert result.summary_line() == "read 14, kept 3, merged 1, rejected 10"
    assert result.per_file[str(BAD / "records.jsonl")] == {
        "format": "jsonl", "read": 14, "papers": 4, "rejected": 10}


def test_bibtex_unbalanced_brace_and_missing_abstract():
    papers, rejects = split(BAD / "entries.bib")
    assert [p.title for p in papers] == ["A BERT Study of Gödel Numbers", "Second Good Entry"]
    reasons = where(rejects)
    assert set(reasons) == {"entry 2 (key no-abstract, line 14)",
                            "entry 3 (key unbalanced, line 20)",
                            "entry 5 (key empty-abstract, line 39)"}
    assert "unbalanced braces" in reasons["entry 3 (key unbalanced, line 20)"]
    assert reasons["entry 2 (key no-abstract, line 14)"] == "missing or empty abstract"
    good = papers[0]
    assert good.authors == ("Anna Müller", "John Smith")
    assert good.meta["venue"] == "Proceedings of EMNLP"  # @string macro
    assert good.abstract == "We study $O(n^{2})$ models with 95% accuracy."
    assert papers[1].id == "2105.00001" and papers[1].date == "2021-05"


@pytest.mark.parametrize("name", ["bomb.xml", "external_entity.xml"])
def test_xml_bomb_and_external_entities_are_refused(name):
    papers, rejects = split(BAD / name)
    assert papers == []
    (reject,) = rejects
    assert reject.source == str(BAD / name)
    assert "XML bomb" in reject.reason and "nothing was expanded" in reject.reason


def test_broken_xml_keeps_entries_before_the_error():
    papers, rejects = split(BAD / "broken.xml")
    assert [p.id for p in papers] == ["2402.00001", "2402.00002"]
    assert papers[0].abstract == "Summary of atom paper 1."
    reasons = where(rejects)
    assert reasons["entry 3"] == "missing or empty summary"
    assert "line 25" in reasons and "invalid XML" in reasons["line 25"]


def test_csv_bad_rows():
    papers, rejects = split(BAD / "rows.csv")
    assert [p.id for p in papers] == ["good1", "good2"]
    assert papers[1].abstract == "Multi-line abstract in quotes."
    assert papers[1].meta["keywords"] == ["g", "h"]
    reasons = where(rejects)
    assert reasons["row 2 (line 3)"] == "missing or empty abstract"
    assert "invalid UTF-8" in reasons["row 3 (line 4)"] and "'title'" in reasons["row 3 (line 4)"]
    assert "6 fields" in reasons["row 4 (line 5)"]
    assert reasons["row 5 (line 6)"] == "missing or empty title"


def test_daily_page_titles_without_abstract():
    papers, rejects = split(BAD / "page.txt")
    assert [p.title for p in papers] == ["First Page Paper", "Second Page Paper",
                                         "Third Page Paper"]
    reasons = where(rejects)
    assert set(reasons) == {"line 13", "line 25"}
    assert "Lonely Title Without Abstract" in reasons["line 13"]
    assert "title without an abstract" in reasons["line 25"]


def test_broken_json_document_names_the_line():
    papers, rejects = split(BAD / "broken.json")
    # the document is read record by record, so the complete record before
    # the broken one is kept (it used to be lost with the whole file)
    assert [p.id for p in papers] == ["a"]
    assert rejects[0].location == "line 3" and "invalid JSON" in rejects[0].reason


def test_all_bad_files_together_keep_every_good_record():
    files = sorted(BAD.iterdir())
    result = read_inputs(files)
    good = {"records.jsonl": 4, "entries.bib": 2, "broken.xml": 2, "rows.csv": 2, "page.txt": 3}
    for name, count in good.items():
        assert result.per_file[str(BAD / name)]["papers"] == count
    assert result.read == sum(c["read"] for c in result.per_file.values())
    assert result.read == result.kept + result.merged + result.rejected
    assert result.rejected == len(result.rejects) > 20


def test_strict_stops_at_first_bad_record():
    with pytest.raises(RecordError) as info:
        read_inputs([BAD / "records.jsonl"], strict=True)
    assert str(info.value).startswith(f"{BAD / 'records.jsonl'}: line 2: truncated JSON")


def test_nothing_valid_raises_with_per_file_reasons(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title": 1}\n{"title": "x", "abstract": ""}\n', encoding="utf-8")
    with pytest.raises(NoValidRecordsError) as info:
        read_inputs([bad, BAD / "bomb.xml"])
    message = str(info.value)
    assert str(bad) in message and "line 1: field 'title' must be text" in message
    assert str(BAD / "bomb.xml") in message and "XML bomb" in message


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_inputs([BAD / "records.jsonl", tmp_path / "missing.jsonl"])
    with pytest.raises(InputError, match="missing.bib"):
        list(iter_records(tmp_path / "missing.bib"))


def test_unknown_format_names_file_formats_and_option(tmp_path):
    odd = tmp_path / "notes.dat"
    odd.write_text("just,some\x00binary-ish\nstuff", encoding="utf-8")
    with pytest.raises(UnknownFormatError) as info:
        detect_format(odd)
    message = str(info.value)
    assert str(odd) in message and "--format" in message
    assert "bibtex" in message and "daily-papers" in message
    with pytest.raises(UnknownFormatError):
        read_inputs([odd])


def test_errors_are_kg_errors():
    for cls in (InputError, UnknownFormatError, RecordError, NoValidRecordsError):
        assert issubclass(cls, KGError)


def test_wrong_types_in_other_formats(tmp_path):
    path = tmp_path / "s2.json"
    path.write_text(json.dumps([
        {"paperId": "a", "title": ["x"], "abstract": "A."},
        {"paperId": "b", "title": "Fine", "abstract": "B.", "externalIds": "nope"},
        {"paperId": "c", "title": "Good", "abstract": "C."},
        None,
    ]), encoding="utf-8")
    papers, rejects = split(path, "semantic-scholar")
    assert [p.ids["s2"] for p in papers] == ["c"]
    assert [r.location for r in rejects] == ["record 1", "record 2", "record 4"]
    assert "externalIds" in rejects[1].reason and "null" in rejects[2].reason


def test_invalid_utf8_in_json_document_names_line_and_offset(tmp_path):
    path = tmp_path / "x.json"
    raw = b'[\n{"title": "caf\xe9", "abstract": "A."}\n]\n'
    path.write_bytes(raw)
    papers, rejects = split(path, "json")
    assert papers == []
    assert rejects[0].location == "line 2"
    offset = raw.index(b"\xe9")
    assert f"byte offset {offset} " in rejects[0].reason


def test_no_inputs_and_empty_directory(tmp_path):
    with pytest.raises(InputError, match="no input files"):
        read_inputs([])
    (tmp_path / "readme.rst").write_text("nothing here", encoding="utf-8")
    with pytest.raises(InputError, match="no file of a known format"):
        read_inputs([tmp_path])


def test_empty_known_file_reads_nothing(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    assert list(iter_records(empty)) == []
    with pytest.raises(NoValidRecordsError, match="no records found"):
        read_inputs([empty])


def test_lone_surrogate_escapes_reject_their_record_with_the_field_and_the_build_runs(tmp_path):
    """JSON may escape half a UTF-16 pair ("\\ud800"): not a character (no UTF-8 file can
    hold one), so the record is rejected like one with invalid UTF-8, naming the line and
    the field, and the other records are built. Valid pairs (an emoji) are kept."""
    from click.testing import CliRunner

    from kg.cli import cli
    from kg.ingest import read_inputs

    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "2401.00001", "title": "Good one \\ud83d\\ude00", "abstract": "LoRA works."}\n'
        '{"id": "2401.00002", "title": "Bad \\ud800 one", "abstract": "NTK here."}\n'
        '{"id": "2401.00003", "title": "Third", "abstract": "Scaling laws.",'
        ' "authors": ["Ann Lee", "Bo \\udc01 Li"]}\n'
        '[{"id": "2401.00004", "title": "Fourth", "abstract": "Fine."},'
        ' {"id": "2401.00005", "title": "Fifth", "abstract": "x \\uDBFF"}]\n', encoding="utf-8")
    result = read_inputs(src)
    assert (result.read, result.kept, result.rejected) == (5, 2, 3)
    reasons = {r.location: r.reason for r in result.rejects}
    assert reasons["line 2"].startswith('lone surrogate escape "\\ud800" in "title"')
    assert reasons["line 3"].startswith('lone surrogate escape "\\udc01" in "authors[2]"')
    assert reasons["line 4, item 2"].startswith('lone surrogate escape "\\udbff" in "abstract"')
    assert [p.title for p in result.papers] == ["Good one \U0001F600", "Fourth"]

    out = tmp_path / "out"
    run = CliRunner().invoke(cli, ["build", str(src), "-o", str(out), "--jobs", "2"])
    assert run.exit_code == 0, run.output
    assert "rejected 3" in run.output and "line 2" in run.output
    lines = (out / "papers.jsonl").read_bytes().decode("utf-8").splitlines()
    assert sorted(json.loads(x)["id"] for x in lines) == ["2401.00001", "2401.00004"]


def test_a_json_document_with_a_lone_surrogate_rejects_that_record_only(tmp_path):
    from kg.ingest import read_inputs

    src = tmp_path / "in.json"
    src.write_text('{"data": [{"title": "A", "abstract": "ok"},'
                   ' {"title": "B \\udfff", "abstract": "ok"}]}', encoding="utf-8")
    result = read_inputs(src)
    assert [p.title for p in result.papers] == ["A"]
    assert [r.location for r in result.rejects] == ["record 2"]
    assert result.rejects[0].reason.startswith('lone surrogate escape "\\udfff" in "title"')
