"""The Dask engine (kg.build.dask_engine): same output as the local engine, local cluster or not."""
from __future__ import annotations

import gc

import pytest

from kg.build import dask_engine
from kg.build import engine as local_engine
from kg.build import worker
from kg.build.engine import chunked, extract_records

pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def seed_papers(seed_path):
    from kg.ingest import read_inputs

    return list(read_inputs([seed_path]).papers)


@pytest.fixture(scope="module")
def acronyms(seed_papers):
    from kg.extract import ExtractSettings, Extractor

    return Extractor(ExtractSettings()).learn_acronyms(seed_papers).table


def test_batches_keep_order_and_the_last_partial_batch():
    chunks = chunked(list(range(23)), 3)  # 8 chunks
    batches = list(dask_engine._batches(iter(chunks), 3))
    assert [len(b) for b in batches] == [3, 3, 2]
    assert [c for b in batches for c in b] == chunks
    assert list(dask_engine._batches(iter(()), 3)) == []
    assert list(dask_engine._batches([(1, 2)], 3)) == [[[1, 2]]]  # chunks become lists


def test_file_chunks_go_to_local_workers_as_byte_ranges_and_to_remote_ones_as_papers(
        seed_papers, tmp_path):
    from kg.model.papers import PaperChunk, PapersFile
    from kg.model.store import write_papers

    write_papers(tmp_path, seed_papers)
    chunks = [c for c, _ in PapersFile(tmp_path / "papers.jsonl").chunks(20)]
    local = [c for b in dask_engine._batches(iter(chunks), 2, same_machine=True) for c in b]
    remote = [c for b in dask_engine._batches(iter(chunks), 2) for c in b]
    assert all(type(c) is PaperChunk for c in local) and local == chunks
    assert all(type(c) is list for c in remote)
    assert [p for c in remote for p in c] == [p for c in chunks for p in c.load()]


def test_local_cluster_outputs_equal_the_local_engine(seed_papers, acronyms):
    """Gzip bytes and model rows of every chunk, in order, with a partial last task."""
    from kg.extract import ExtractSettings

    settings = ExtractSettings()
    chunks = chunked(seed_papers, 7)
    assert len(chunks) % dask_engine.CHUNKS_PER_TASK  # the last task has fewer chunks
    worker.init_worker(settings, acronyms, True, True)
    want = [worker.extract_chunk(c) for c in chunks]
    got = list(dask_engine.run_dask(iter(chunks), settings, acronyms, 2, None,
                                    rows=True, compress=True))
    assert got == want


def test_scheduler_address_runs_on_that_cluster(seed_papers):
    """``--scheduler ADDRESS``: a cluster started elsewhere (spawned workers, default
    dask settings) gives the same records."""
    from dask.distributed import LocalCluster

    serial = list(extract_records(seed_papers, chunk_size=10))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        got = list(extract_records(seed_papers, engine="dask", scheduler=cluster.scheduler_address,
                                   chunk_size=10))
        assert len(cluster.scheduler_info["workers"]) == 1  # the cluster was left running
    assert got == serial


def test_worker_collects_garbage_even_if_forked_with_collection_paused(seed_papers, acronyms):
    from kg.extract import ExtractSettings

    saved = worker._worker_extractor
    enabled = gc.isenabled()
    try:
        worker._worker_extractor = None
        gc.disable()  # as kg build's parent is while it builds the model
        worker.extract_with(seed_papers[:2], ExtractSettings(), acronyms)
        assert gc.isenabled()
    finally:
        worker._worker_extractor = saved
        (gc.enable if enabled else gc.disable)()


def _child_processes() -> set[int]:
    import os

    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                out.add(int(entry))
    return out


@pytest.mark.skipif(not __import__("os").path.isdir("/proc"), reason="reads /proc")
def test_local_cluster_is_shut_down_quietly_when_the_reader_stops(seed_papers, acronyms):
    """kg build stops reading after the last chunk: the cluster it started must go, with
    no worker left and none of the scheduler's "data lost" warnings (the workers are
    stopped on purpose)."""
    import logging

    from kg.extract import ExtractSettings

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.WARNING)
    logging.getLogger("distributed").addHandler(handler)
    before = _child_processes()
    try:
        chunks = chunked(seed_papers, 7)
        results = dask_engine.run_dask(iter(chunks), ExtractSettings(), acronyms, 2, None,
                                       rows=True, compress=True)
        for _ in chunks:
            next(results)
        assert len(_child_processes() - before) >= 2  # the workers
        results.close()  # the reader stops here, as extract_jsonl does
    finally:
        logging.getLogger("distributed").removeHandler(handler)
    assert not (_child_processes() - before)
    assert [r.getMessage() for r in records] == []


def test_the_acronym_table_goes_to_the_workers_as_one_piece_of_data(acronyms):
    """A dict given to client.scatter is scattered item by item: the table must be one
    future (with 18k acronyms, every task depended on 18k futures)."""
    from dask.distributed import Client, Future

    assert len(acronyms) > 5
    cluster = dask_engine._local_cluster(1)
    client = Client(cluster)
    try:
        fut = dask_engine._broadcast(client, acronyms)
        assert isinstance(fut, Future)
        assert fut.result() == acronyms
        assert len(client.who_has()) == 1  # one key on the cluster, not one per acronym
        assert client.submit(len, fut).result() == len(acronyms)
    finally:
        dask_engine._shut_down(client, cluster)
