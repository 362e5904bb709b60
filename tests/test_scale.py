"""Memory at scale: what forked extraction workers inherit and what the build keeps."""
from __future__ import annotations

import gc
import json

from click.testing import CliRunner

from kg.cli import cli


def _gc_state(chunk):
    """Run in a pool worker instead of extraction: its garbage collector's state."""
    return gc.isenabled(), gc.get_freeze_count()


def test_pool_workers_collect_their_garbage_but_never_scan_the_parents(monkeypatch):
    """Workers forked while the parent has paused collection (as kg build does) still
    collect their own cycles, and the parent's objects they inherit are frozen (never
    scanned, so their pages are never copied); the parent is left unfrozen."""
    import kg.build.engine as engine
    from kg.extract import ExtractSettings

    monkeypatch.setattr(engine, "extract_chunk", _gc_state)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        states = list(engine._run_pool([["a"], ["b"], ["c"]], ExtractSettings(), None, 2))
    finally:
        if was_enabled:
            gc.enable()
    assert len(states) == 3
    assert all(enabled and frozen > 0 for enabled, frozen in states)
    assert gc.get_freeze_count() == 0


def test_build_papers_keep_their_ids_and_meta_on_disk(tmp_path):
    """Extraction and the model read the papers slim (no ids, no meta); papers.jsonl still
    has everything."""
    from kg.model.papers import PapersFile
    from kg.types import Paper

    src = tmp_path / "in.jsonl"
    record = {"id": "2501.00001", "title": "Grokking in transformers",
              "abstract": "We study grokking.", "authors": ["A. B"], "categories": ["cs.LG"]}
    src.write_text(json.dumps(record) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["build", str(src), "-o", str(out), "-q"]).exit_code == 0
    (paper,) = [json.loads(line) for line in (out / "papers.jsonl").read_text().splitlines()]
    assert paper["ids"]["arxiv"] == "2501.00001" and paper["meta"]["categories"] == ["cs.LG"]
    full = Paper.from_dict(paper)
    (slim,) = PapersFile(out / "papers.jsonl")
    (chunk, _), = PapersFile(out / "papers.jsonl").chunks(10)
    assert list(chunk) == [slim]
    assert (slim.id, slim.title, slim.abstract, slim.authors, slim.date, slim.url,
            slim.source) == (full.id, full.title, full.abstract, full.authors, full.date,
                             full.url, full.source)
    assert not slim.ids and not slim.meta
