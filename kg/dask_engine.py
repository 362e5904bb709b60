"""The Dask engine: extraction chunks on a dask.distributed cluster.

:func:`run_dask` takes the same ordered chunks as the local engines (an iterable of
sequences of :class:`~kg.types.Paper`) and yields each chunk's output in order, exactly
as :func:`kg.engine._extract_chunk` makes it, so every engine gives identical output.
``dask.distributed`` is imported lazily (the ``dask`` extra).
"""
from __future__ import annotations

from typing import Iterator, Sequence

from kg import engine as _engine
from kg.errors import ExtractionError
from kg.types import Paper


def _extract_chunk_dask(chunk: Sequence[Paper], settings, acronyms, rows: bool = False,
                        compress: bool = False):
    if _engine._worker_extractor is None or _engine._worker_extractor.settings != settings:
        _engine._init_worker(settings, acronyms)
    records = list(_engine._worker_extractor.extract(list(chunk), acronyms=acronyms))
    return _engine._output(records, rows, compress)


def run_dask(chunks, settings, acronyms, jobs, scheduler, rows=False, compress=False) -> Iterator:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ExtractionError(
            "the dask engine needs dask.distributed: pip install 'paper-kg[dask]'"
        ) from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        settings_f = client.scatter(settings, broadcast=True)
        acronyms_f = client.scatter(acronyms, broadcast=True) if acronyms else None
        # a bounded window of chunks in flight: results wait on the workers until read, so
        # submitting everything at once would hold the whole corpus's output in memory
        window = 4 * _dask_workers(client, jobs) + 2
        pending: list = []
        for chunk in chunks:
            pending.append(client.submit(_extract_chunk_dask, chunk, settings_f, acronyms_f,
                                         rows, compress, pure=False))
            if len(pending) >= window:
                fut = pending.pop(0)
                yield fut.result()
                fut.release()
        for fut in pending:
            yield fut.result()
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_workers(client, default: int) -> int:
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # pragma: no cover - an old or unusual scheduler
        return default
