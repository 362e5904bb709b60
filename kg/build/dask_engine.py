"""The Dask engine: extraction chunks on a dask.distributed cluster.

:func:`run_dask` takes the same ordered chunks as the local engines (an iterable of
sequences of :class:`~kg.types.Paper`) and yields each chunk's output in order, exactly
as :func:`kg.build.worker.extract_chunk` makes it, so every engine gives identical output.
``dask.distributed`` is imported lazily (the ``dask`` extra).

Without a scheduler address the engine starts a local cluster of ``jobs`` worker
processes, tuned for this one job (see :func:`_local_cluster`): the workers are forked
from the build process like the local pool's (no re-import of kg and spaCy in each), and
the bookkeeping a long-lived shared cluster wants but one build does not is off (the
workers' statistical profiler, memory monitoring and spilling, the dashboards). On a
real cluster (``--scheduler ADDRESS``) the workers are the cluster's own, as configured
there.
"""
from __future__ import annotations

import gc
import multiprocessing as mp
from typing import Iterator, Sequence

from kg.build.worker import extract_with
from kg.model.papers import PaperChunk
from kg.errors import ExtractionError
from kg.types import Paper

#: dask settings of the local cluster (the workers take the dask config of the process
#: that starts them). Measured on 2 busy cores: the profiler samples the task thread's
#: stack every 10 ms from the worker's event loop, about 7% of a task's CPU time; forked
#: workers are up in about 0.3 s, where spawned ones import kg, spaCy and distributed
#: anew (about 1.5 s of CPU each, their first task started 4-10 s after the cluster), and
#: they share the build process's pages.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.multiprocessing-method": "fork",
    # the active memory manager (every 2 s in the scheduler) replicates and drops keys
    # for long-lived clusters; here results are read once and released
    "distributed.scheduler.active-memory-manager.start": False,
    # periodic bookkeeping of the event loops (the tick that watches for a blocked loop,
    # the system monitor's psutil readings) and work stealing (the tasks are alike) cost
    # the build process's event loop CPU that the two workers need
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.scheduler.work-stealing": False,
}
#: chunks per Dask task: every task costs the scheduler, the client and the worker a
#: fixed overhead. Measured on all 74,728 arXiv CS papers (2 local workers): with 3 chunks
#: a task, the build process's event loop took 25-31 s of CPU and each worker's 9.5-12 s;
#: with 6, 12-14 s and 6-7 s (the last task's wait is at most one task, about 7 s)
CHUNKS_PER_TASK = 6


def _extract_chunks_dask(chunks: list, settings, acronyms, rows: bool = False,
                         compress: bool = False) -> list:
    """:func:`kg.build.worker.extract_with` of each of ``chunks``, in order (one Dask task)."""
    return [extract_with(c, settings, acronyms, rows, compress) for c in chunks]


def _batches(chunks, size: int, same_machine: bool = False) -> Iterator[list]:
    """``chunks`` (an iterable of sequences of papers) in lists of ``size`` chunks, each
    chunk a list (a slice of a list of papers is one already), or, for workers on this
    machine, a :class:`~kg.model.papers.PaperChunk` as it is: a byte range of ``papers.jsonl``
    that the worker reads itself."""
    batch: list = []
    for chunk in chunks:
        keep = isinstance(chunk, list) or (same_machine and isinstance(chunk, PaperChunk))
        batch.append(chunk if keep else list(chunk))
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _local_cluster(jobs: int):
    """A LocalCluster of ``jobs`` single-threaded worker processes for one build."""
    import dask
    from dask.distributed import LocalCluster

    config = dict(LOCAL_CLUSTER_CONFIG)
    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - not Linux/macOS
        config.pop("distributed.worker.multiprocessing-method")
    with dask.config.set(config):
        # as in kg.build.engine._run_pool: the forked workers' garbage collector never scans
        # (and so never copies) the objects they inherit
        gc.freeze()
        try:
            return LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                memory_limit=0, dashboard_address=None,
                                worker_dashboard_address=None)
        finally:
            gc.unfreeze()


def run_dask(chunks, settings, acronyms, jobs, scheduler, rows=False, compress=False) -> Iterator:
    """Yield the output of each of ``chunks`` in order, as
    :func:`kg.build.worker.extract_with` makes it, computed on the dask.distributed cluster
    at ``scheduler``, or, when it is None, on a local cluster of ``jobs`` worker processes
    started (and shut down) for this run.

    Raises
    ------
    ExtractionError
        If ``dask.distributed`` is not installed.

    Examples
    --------
    >>> from dask.distributed import LocalCluster
    >>> from kg.extract import ExtractSettings
    >>> cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
    ...                        dashboard_address=None)  # in this process, for the example
    >>> chunks = [[Paper("p1", "LoRA", "We use LoRA.")], [Paper("p2", "NTK", "A kernel.")]]
    >>> address = cluster.scheduler_address
    >>> [text[:11] for text in run_dask(chunks, ExtractSettings(), None, 1, address)]
    ['{"id":"p1",', '{"id":"p2",']
    >>> cluster.close()
    """
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise ExtractionError(
            "the dask engine needs dask.distributed: pip install 'paper-kg[dask]'"
        ) from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = _local_cluster(jobs)
        client = Client(cluster)
    try:
        if cluster is not None:  # every worker registered before the broadcast
            client.wait_for_workers(jobs, timeout=120)
        settings_f = _broadcast(client, settings)
        acronyms_f = _broadcast(client, acronyms) if acronyms else None
        # a bounded window of tasks in flight: results wait on the workers until read, so
        # submitting everything at once would hold the whole corpus's output in memory
        # (a task's output is a few MB). Results are read in order, so a worker that is
        # ahead must find tasks queued: four a worker (with two, measured on 15k papers,
        # a worker waited 2 s for its last task)
        window = 4 * _dask_workers(client, jobs)
        pending: list = []
        # a local cluster's workers read their chunks from papers.jsonl, as the pool's do;
        # a remote cluster's may not see the file: they get the papers
        for batch in _batches(chunks, CHUNKS_PER_TASK, same_machine=cluster is not None):
            pending.append(client.submit(_extract_chunks_dask, batch, settings_f, acronyms_f,
                                         rows, compress, pure=False))
            if len(pending) >= window:
                fut = pending.pop(0)
                yield from fut.result()
                fut.release()
        for fut in pending:
            yield from fut.result()
            fut.release()
    finally:
        if cluster is not None:
            _shut_down(client, cluster)
        else:
            client.close()


def _broadcast(client, value):
    """``value`` on every worker, as one future.

    ``client.scatter`` takes a dict as a collection and scatters each item on its own: the
    corpus acronym table (18k acronyms at 75k papers) became 18k futures, every task then
    depended on all of them, and the scheduler's and workers' event loops spent tens of
    seconds of CPU on that; in a list, the table is one item.

    >>> class FakeClient:
    ...     def scatter(self, data, broadcast=False):
    ...         return [("future of", x) for x in data]
    >>> _broadcast(FakeClient(), {"LoRA": "low-rank adaptation"})
    ('future of', {'LoRA': 'low-rank adaptation'})
    """
    return client.scatter([value], broadcast=True)[0]


def _shut_down(client, cluster) -> None:
    """Stop a local cluster of this build at once.

    Closing the cluster asks each worker to close gracefully, and after every build
    (measured on 15k and 75k papers) the nanny waited 4 s before it killed a worker that
    had not stopped; shutting the cluster down from the client stops the workers in
    under half a second. The scheduler's warnings that the workers' data (the broadcast
    settings and acronyms, the last result) is lost are expected then, and muted.
    """
    import logging

    loggers = [logging.getLogger(n) for n in ("distributed.scheduler", "distributed.worker",
                                              "distributed.nanny", "distributed.core")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        client.shutdown()
        cluster.close()
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _dask_workers(client, default: int) -> int:
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:  # pragma: no cover - an old or unusual scheduler
        return default
