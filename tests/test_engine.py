"""Extraction engines give identical records: one process, N processes, Dask."""
from __future__ import annotations

import pytest

from kg.build.engine import chunked, extract_records
from kg.errors import ExtractionError


@pytest.fixture(scope="module")
def seed_papers(seed_path):
    from kg.ingest import read_inputs

    return read_inputs([seed_path]).papers


@pytest.fixture(scope="module")
def serial_records(seed_papers):
    return list(extract_records(seed_papers, chunk_size=10))


def test_chunks_cover_input_in_order():
    data = list(range(23))
    assert [x for c in chunked(data, 5) for x in c] == data


def test_serial_records_follow_input_order(seed_papers, serial_records):
    assert [r["id"] for r in serial_records] == [p.id for p in seed_papers]
    assert any(r["concepts"] for r in serial_records)


def test_chunk_size_does_not_change_output(seed_papers, serial_records):
    assert list(extract_records(seed_papers, chunk_size=1000)) == serial_records


def test_two_processes_give_identical_records(seed_papers, serial_records):
    assert list(extract_records(seed_papers, jobs=2, chunk_size=10)) == serial_records


def test_dask_local_cluster_gives_identical_records(seed_papers, serial_records):
    pytest.importorskip("dask.distributed")
    got = list(extract_records(seed_papers, engine="dask", jobs=2, chunk_size=10))
    assert got == serial_records


def test_cache_resumes_and_matches(seed_papers, serial_records, tmp_path):
    stats: dict = {}
    first = list(extract_records(seed_papers, chunk_size=10, cache_dir=tmp_path, stats=stats))
    assert stats == {"chunks": 6, "chunks_cached": 0}
    victim = sorted(tmp_path.glob("*.jsonl.gz"))[0]
    victim.unlink()  # as if the build died before this chunk finished
    second = list(extract_records(seed_papers, chunk_size=10, cache_dir=tmp_path, stats=stats))
    assert stats == {"chunks": 6, "chunks_cached": 5}
    assert first == second == serial_records


def test_bad_engine_settings_name_the_choices(seed_papers):
    with pytest.raises(ExtractionError, match="local, dask"):
        list(extract_records(seed_papers, engine="spark"))
    with pytest.raises(ExtractionError, match="at least 1"):
        list(extract_records(seed_papers, jobs=0))


def test_a_papers_record_does_not_depend_on_the_papers_before_it():
    """Chunking and process count must not change results: caches hold context-free data."""
    from kg.extract import ExtractSettings, Extractor
    from kg.types import Paper

    settings = ExtractSettings(corpus_acronyms=False)
    target = Paper(id="t", title="Gated probes",
                   abstract="We train a small model (gated linear probe) on the features.")
    primer = Paper(id="p", title="Probes", abstract="A gated linear probe is a small model.")
    alone = Extractor(settings).extract_one(target)
    warmed = Extractor(settings)
    warmed.extract_one(primer)
    assert warmed.extract_one(target) == alone


def test_engines_agree_on_a_real_sample(tmp_path):
    """Several chunks of real arXiv abstracts: one process and two give identical records."""
    from tests.conftest import shared_path
    from kg.ingest import read_inputs

    src = sorted(shared_path("data", "arxiv-cs").glob("*.jsonl"))[0]
    sample = tmp_path / "sample.jsonl"
    with open(src, encoding="utf-8") as fh:
        sample.write_text("".join(next(fh) for _ in range(600)), encoding="utf-8")
    papers = read_inputs([sample]).papers
    one = list(extract_records(papers, chunk_size=100))
    two = list(extract_records(papers, jobs=2, chunk_size=100))
    assert one == two
