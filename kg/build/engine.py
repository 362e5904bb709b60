"""Extraction engines: one process, N local processes, or a Dask cluster.

Extraction is the expensive stage and is embarrassingly parallel once the corpus acronym
table is known. Every engine cuts the papers into the same ordered chunks, extracts each
chunk with an :class:`~kg.extract.Extractor` rebuilt in the worker from the (picklable)
settings, and yields the records in input order, so all engines give identical output.

``kg build`` passes a :class:`~kg.model.papers.PapersFile` (its ``papers.jsonl``) instead of a list:
the chunks are then byte ranges of that file (:class:`~kg.model.papers.PaperChunk`), which local
workers read themselves, so the build's process never holds the corpus ; so do
the workers of a local Dask cluster, while a remote cluster (``--scheduler``), whose
workers may be on other machines, gets each chunk's papers read here when it is submitted.

Finished chunks can be cached as gzip-compressed JSON Lines shards (``cache_dir``): a
shard's file name is a hash of everything its records depend on (kg version, extraction
code, settings, ontology files, the corpus acronym table, the id, title and abstract of the
chunk's papers: :func:`chunk_digest`), so a build killed midway resumes from the shards it
finished, and a rebuild with unchanged inputs re-extracts nothing. Workers compress their chunk's text themselves (one gzip member per
chunk, :data:`GZIP_LEVEL`), so the parent only copies bytes: into the shard and, in
``kg build``, into ``extractions.jsonl.gz`` (members concatenated make one gzip file).

Faults. A shard counts only once it is whole: it is written to a temporary
file, flushed to the disk (``fsync``) and renamed. A shard is checked when it is read (its
gzip CRC and length, and one record per paper of its chunk); a damaged one is extracted
again, with a :class:`ShardWarning`. The local pool is a
:class:`concurrent.futures.ProcessPoolExecutor` of forked workers: a worker that dies (the
out-of-memory killer) fails the build at once with :class:`WorkerDiedError` instead of
leaving it waiting forever, and the chunks finished so far stay in the shards. Workers
leave Ctrl-C and SIGTERM to the build, which stops them when it stops, and die with it.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import json
import multiprocessing as mp
import os
import signal
import sys
import time
import warnings
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import orjson

import kg.extract
from kg import __version__
from kg.build.dask_engine import run_dask
from kg.build.worker import (
    chunk_output,
    compress_text,
    extract_chunk,
    gunzip_text,
    init_pool_worker,
    init_worker,
)
from kg.errors import ExportError, ExtractionError
from kg.extract import ExtractSettings, Extractor
from kg.extract.abbreviations import AcronymTable
from kg.extract.extractor import SEPARATOR
from kg.files import atomic_output
from kg.model import summarize_jsonl
from kg.model.papers import PapersFile
from kg.ontology import ontology_files
from kg.progress import ProgressFn
from kg.types import Paper

ENGINES = ("local", "dask")
DEFAULT_CHUNK = 500

def chunked(papers: Sequence[Paper], size: int) -> list[Sequence[Paper]]:
    """Cut ``papers`` into consecutive chunks of ``size`` (the last may be shorter).

    >>> [len(c) for c in chunked(list(range(7)), 3)]
    [3, 3, 1]
    """
    return [papers[i:i + size] for i in range(0, len(papers), size)]


def _fingerprint(*parts: Any) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update(json.dumps(part, sort_keys=True, default=str).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def _ontology_fingerprint(settings) -> str:
    paths = settings.ontology_paths or [str(p) for p in ontology_files()]
    h = hashlib.sha1()
    for p in sorted(paths):
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def _code_fingerprint() -> str:
    """Hash of the extraction code and data, so that shards from other code are not reused."""
    root = Path(kg.extract.__file__).resolve().parent
    h = hashlib.sha1()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".txt"}:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def chunk_digest(papers: Iterable[Paper]) -> str:
    """Hash of what extraction reads of a chunk's papers (id, title, abstract), in order.

    >>> a, b = Paper("1", "T", "A."), Paper("2", "U", "B.")
    >>> chunk_digest([a, b]) == chunk_digest([a, b]), chunk_digest([a, b]) == chunk_digest([b, a])
    (True, False)
    """
    h = hashlib.sha1()
    for p in papers:
        h.update(json.dumps([p.id, p.title, p.abstract], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


class ShardWarning(UserWarning):
    """A damaged extraction shard was found and its chunk is extracted again."""


class DamagedShardError(ExtractionError):
    """An extraction shard that cannot be used (truncated, empty, wrong record count)."""


class WorkerDiedError(ExtractionError):
    """An extraction worker process died (killed, out of memory) before its chunk was done.

    ``finished`` maps positions of the chunks given to the engine to the outputs that were
    already done when it died (to be kept as shards)."""

    def __init__(self, message: str, finished: dict[int, Any] | None = None):
        super().__init__(message)
        self.finished = finished or {}


class ShardCache:
    """Extraction records of finished chunks, as gzip-compressed JSON Lines files
    ``DIR/<key>.jsonl.gz`` (about 2 KB per paper; the text is about 8 times that).

    A shard is written whole or not at all (a temporary file, ``fsync``, a rename) and
    checked when it is read (:meth:`read`).

    Examples
    --------
    >>> import tempfile
    >>> cache = ShardCache(tempfile.mkdtemp(), "base")
    >>> cache.put("k1", '{"id":"p1"}\\n')
    >>> cache.has("k1"), cache.read("k1", records=1)[1]
    (True, '{"id":"p1"}\\n')
    >>> _ = cache._path("k1").write_bytes(b"")  # a zero-length shard
    >>> cache.read("k1", records=1)
    Traceback (most recent call last):
    kg.build.engine.DamagedShardError: .../k1.jsonl.gz: damaged extraction shard (0 records for 1 papers)
    """

    SUFFIX = ".jsonl.gz"

    def __init__(self, directory: str | Path, base_key: str):
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"cannot write {self.directory}: {exc.strerror or exc}") from exc
        self.base_key = base_key

    def key(self, chunk: Sequence[Paper], digest: str | None = None) -> str:
        """The shard name of ``chunk``: the base key and the chunk's content
        (:func:`chunk_digest`, which may be given if known)."""
        return _fingerprint(self.base_key, digest or chunk_digest(chunk))

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{self.SUFFIX}"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def get_bytes(self, key: str) -> bytes | None:
        """The gzip bytes of a finished chunk, or None (not checked: see :meth:`read`)."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def get(self, key: str) -> str | None:
        """The JSON Lines text of a finished chunk, or None."""
        data = self.get_bytes(key)
        return None if data is None else gunzip_text(data)

    def read(self, key: str, records: int) -> tuple[bytes, str] | None:
        """The gzip bytes and the text of a finished chunk of ``records`` papers, or None
        if there is none; :class:`DamagedShardError` if the shard is not whole (the gzip
        CRC and length of its member, and one record per paper)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DamagedShardError(f"{path}: unreadable extraction shard "
                                    f"({exc.strerror or exc})") from exc
        try:
            text = gunzip_text(data)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
            raise DamagedShardError(f"{path}: damaged extraction shard ({exc})") from exc
        found = text.count("\n")
        if found != records or (text and not text.endswith("\n")):
            raise DamagedShardError(f"{path}: damaged extraction shard ({found} records "
                                    f"for {records} papers)")
        return data, text

    def put(self, key: str, data: str | bytes) -> None:
        """Keep a finished chunk: its text, or that text already gzip-compressed.

        The bytes go to a temporary file in the shard folder, are flushed to the disk
        and only then renamed to the shard's name, so a shard exists whole or not at all;
        an error of the file system (a full disk) is an :class:`~kg.errors.ExportError`
        naming the shard, and leaves no temporary file."""
        if isinstance(data, str):
            data = compress_text(data)
        with atomic_output(self._path(key), "wb") as fh:
            fh.write(data)

    def prune(self, keep: set[str]) -> None:
        """Remove shards that the current build did not use, temporary files that a
        killed build left (``*.tmp``), and any uncompressed ``<key>.jsonl`` shard an
        older kg left."""
        for pattern in ("*.jsonl", "*.tmp"):
            for path in self.directory.glob(pattern):
                path.unlink(missing_ok=True)
        for path in self.directory.glob(f"*{self.SUFFIX}"):
            if path.name[:-len(self.SUFFIX)] not in keep:
                path.unlink(missing_ok=True)


def extract_records(papers: Sequence[Paper], settings=None, **options: Any) -> Iterator[dict]:
    """Yield the extraction record of every paper, in input order.

    Takes the same arguments as :func:`extract_jsonl`, whose text it parses.

    Examples
    --------
    >>> papers = [Paper("p1", "LoRA", "We fine-tune with low-rank adaptation (LoRA)."),
    ...           Paper("p2", "Pruning", "We prune networks.")]
    >>> [(r["id"], [c["label"] for c in r["concepts"]]) for r in extract_records(papers)]
    [('p1', ['LoRA', 'fine-tuning']), ('p2', ['pruning'])]
    """
    for text in extract_jsonl(papers, settings, **options):
        for line in text.split("\n"):  # JSON escapes newlines inside strings
            if line:
                yield orjson.loads(line)


def extract_jsonl(
    papers: Iterable[Paper],
    settings=None,
    *,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    cache_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    stats: dict | None = None,
    rows: bool = False,
    compressed: bool = False,
) -> Iterator[str]:
    """Yield the extraction records of the papers as JSON Lines text, one chunk at a time,
    in input order (what ``kg build`` writes, compressed, to ``extractions.jsonl.gz``).

    Parameters
    ----------
    papers : iterable of Paper, or PapersFile
        A :class:`~kg.model.papers.PapersFile` (what ``kg build`` passes) is read one chunk at a
        time, and its chunks go to the workers as byte ranges of the file
        (:class:`~kg.model.papers.PaperChunk`) that each worker reads itself: this process never
        holds the papers. Anything else is read into a list first.
    settings : ExtractSettings, optional
    jobs : int
        Worker processes for the local engine (1 = in this process).
    engine : {"local", "dask"}
        ``dask`` runs chunks on a dask.distributed cluster: ``scheduler`` is its address,
        or None for a LocalCluster of ``jobs`` worker processes.
    chunk_size : int
        Papers per chunk (the unit of work, of caching and of resuming).
    cache_dir : path, optional
        Where finished chunks are kept (see :class:`ShardCache`).
    progress : callable, optional
        Called as ``progress("extract", done, total)``.
    stats : dict, optional
        Filled with ``chunks`` and ``chunks_cached`` (how many came from ``cache_dir``),
        and ``chunks_damaged`` if shards were found damaged (and extracted again).
    rows : bool
        Yield ``(text, rows)`` pairs instead: ``rows`` are the compact rows of the chunk's
        records for :meth:`kg.model.GraphModel.build` (made by the workers; for a cached
        chunk, from its text here).
    compressed : bool
        Yield each chunk's text as gzip bytes (one member, :func:`compress_text`) instead,
        as made by the workers and kept in ``cache_dir``; concatenated, they make one gzip
        file (``kg build`` writes ``extractions.jsonl.gz`` so).

    Examples
    --------
    >>> import tempfile
    >>> papers = [Paper(f"p{i}", "LoRA", "We fine-tune with LoRA.") for i in range(3)]
    >>> cache, stats = tempfile.mkdtemp(), {}
    >>> texts = list(extract_jsonl(papers, chunk_size=2, cache_dir=cache))
    >>> [t.count("\\n") for t in texts]  # records per chunk
    [2, 1]
    >>> list(extract_jsonl(papers, chunk_size=2, cache_dir=cache, stats=stats)) == texts, stats
    (True, {'chunks': 2, 'chunks_cached': 2})
    """

    if engine not in ENGINES:
        raise ExtractionError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if jobs < 1:
        raise ExtractionError(f"jobs must be at least 1, got {jobs}")
    settings = settings or ExtractSettings()
    # one pass over the papers: cut the chunks, hash them (shard names), learn the corpus
    # acronyms; from a PapersFile, only one chunk's papers are in memory at a time
    chunks: list[Sequence[Paper]] = []
    digests: list[str | None] = []
    learn = settings.abbreviations and settings.corpus_acronyms

    def scan() -> Iterator[Paper]:
        for chunk, loaded in _pieces(papers, chunk_size):
            chunks.append(chunk)
            digests.append(chunk_digest(loaded) if cache_dir is not None else None)
            yield from loaded

    acronyms = None
    if jobs > 1 and isinstance(papers, PapersFile):
        # the pass itself in parallel: this process only cuts the byte ranges
        chunks = list(papers.ranges(chunk_size))
        digests, acronyms = _scan_in_parallel(chunks, jobs, cache_dir is not None, learn)
    elif learn:
        acronyms = Extractor(settings).learn_acronyms(scan()).entries
    else:
        for _ in scan():
            pass
    total = sum(len(c) for c in chunks)
    cache = None
    if cache_dir is not None:
        base = _fingerprint(__version__, _code_fingerprint(), settings.to_dict(),
                            _ontology_fingerprint(settings),
                            sorted((acronyms or {}).items()))
        cache = ShardCache(cache_dir, base)
    keys = [cache.key(c, d) for c, d in zip(chunks, digests)] if cache else [None] * len(chunks)
    todo = [i for i, k in enumerate(keys) if not (cache and cache.has(k))]
    todo_set = set(todo)
    counts = stats if stats is not None else {}
    counts.update(chunks=len(chunks), chunks_cached=len(chunks) - len(todo))

    # workers compress when the bytes are wanted (shards, compressed output)
    gz = compressed or cache is not None
    results = _run_engine(engine, [chunks[i] for i in todo], settings, acronyms, jobs, scheduler,
                          rows, gz)
    again = _ExtractHere(settings, acronyms, rows)
    fresh: dict[int, Any] = {}
    todo_iter = iter(todo)
    done = 0
    try:
        for i in range(len(chunks)):
            while i in todo_set and i not in fresh:  # engines return chunks in order
                j = next(todo_iter)
                fresh[j] = _next_output(results, cache, keys, todo, rows)
                if cache:
                    cache.put(keys[j], fresh[j][0] if rows else fresh[j])
            if i in fresh:
                out = fresh.pop(i)
                if gz and not compressed:  # the caller wants text
                    out = (gunzip_text(out[0]), out[1]) if rows else gunzip_text(out)
            else:
                out = _cached_output(cache, keys[i], chunks[i], rows, compressed, again, counts)
            done += len(chunks[i])
            if progress:
                progress("extract", done, total)
            yield out
    finally:  # stop the workers now, also when the reader stops early or fails
        close = getattr(results, "close", None)
        if close is not None:
            close()
    if cache:
        cache.prune(set(keys))


def _next_output(results: Iterator, cache: ShardCache | None, keys: list, todo: list[int],
                 rows: bool):
    """The next output of the engine; if a worker died, the outputs that other workers
    had finished are kept as shards before the error goes on (a rerun reuses them)."""
    try:
        return next(results)
    except WorkerDiedError as exc:
        if cache is not None:
            for position, out in sorted(exc.finished.items()):
                cache.put(keys[todo[position]], out[0] if rows else out)
        raise


def _cached_output(cache: ShardCache, key: str, chunk: Sequence[Paper], rows: bool,
                   compressed: bool, again: "_ExtractHere", counts: dict):
    """The output of a chunk from its shard, as the engines make it; a damaged (or
    vanished) shard is extracted again here, with a :class:`ShardWarning`."""
    try:
        found = cache.read(key, len(chunk))
        if found is None:
            raise DamagedShardError(f"{cache._path(key)}: extraction shard missing")
        data, text = found
        chunk_rows = summarize_jsonl(text, text=False) if rows else None
    except (DamagedShardError, ValueError, KeyError, TypeError) as exc:
        warnings.warn(f"{exc}; extracting its {len(chunk)} papers again", ShardWarning,
                      stacklevel=3)
        counts["chunks_cached"] -= 1
        counts["chunks_damaged"] = counts.get("chunks_damaged", 0) + 1
        out = again(chunk)
        cache.put(key, out[0] if rows else out)
        data, text = (out[0] if rows else out), None
        chunk_rows = out[1] if rows else None
    payload = data if compressed else (text if text is not None else gunzip_text(data))
    return (payload, chunk_rows) if rows else payload


class _ExtractHere:
    """Extract a chunk in this process, as a worker would (gzip bytes, and rows): for the
    rare chunk whose shard is damaged. The Extractor is made at the first call."""

    def __init__(self, settings, acronyms, rows: bool) -> None:
        self.settings, self.acronyms, self.rows = settings, acronyms, rows
        self.extractor: Extractor | None = None

    def __call__(self, chunk: Sequence[Paper]):
        if self.extractor is None:
            self.extractor = Extractor(self.settings)
        records = list(self.extractor.extract(list(chunk), acronyms=self.acronyms))
        return chunk_output(records, self.rows, compress=True)


def _scan_chunk(chunk, digest: bool, learn: bool) -> tuple:
    """What the first pass needs of one chunk: its digest and its acronym counts."""

    papers = list(chunk)
    table = AcronymTable()
    if learn:
        table.add_texts(p.title + SEPARATOR + p.abstract for p in papers)
    return (chunk_digest(papers) if digest else None), table.counts()


def _scan_in_parallel(chunks, jobs: int, digest: bool, learn: bool):
    """Digests and the corpus acronym table of file ``chunks``, made by ``jobs`` forked
    processes (the same as the one-process pass: the tables of the chunks add up)."""

    table = AcronymTable()
    digests = []
    scan = functools.partial(_scan_chunk, digest=digest, learn=learn)
    with contextlib.closing(_ordered_map(scan, chunks, jobs, gc.enable)) as results:
        for chunk_digest_, counts in results:
            digests.append(chunk_digest_)
            table.merge(counts)
    return digests, (table.entries if learn else None)


def _run_engine(engine, chunks, settings, acronyms, jobs, scheduler, rows=False,
                compress=False) -> Iterator:
    if not chunks:
        return iter(())
    if engine == "dask":
        # a local cluster's workers read file chunks themselves; a remote cluster's may
        # not see this machine's files, so the engine reads each chunk as it submits it
        return run_dask(iter(chunks), settings, acronyms, jobs, scheduler, rows, compress)
    if jobs == 1:
        init_worker(settings, acronyms, rows, compress)
        return (extract_chunk(c) for c in chunks)
    return _run_pool(chunks, settings, acronyms, jobs, rows, compress)


def _pieces(papers, size: int) -> Iterator[tuple[Sequence[Paper], Sequence[Paper]]]:
    """``(chunk, its papers)`` of ``papers``: a :class:`~kg.model.papers.PapersFile` is cut into
    :class:`~kg.model.papers.PaperChunk` byte ranges (its papers read once, for the caller to
    drop), anything else into lists."""

    if isinstance(papers, PapersFile):
        yield from papers.chunks(size)
        return
    for chunk in chunked(list(papers), size):
        yield chunk, chunk


def _run_pool(chunks, settings, acronyms, jobs, rows=False, compress=False) -> Iterator:
    return _ordered_map(extract_chunk, chunks, jobs, init_pool_worker,
                        (settings, acronyms, rows, compress))


#: seconds between checks that the workers are alive while a result is awaited
_POLL_S = 1.0
#: Linux ``prctl`` option: the signal a process gets when its parent dies
_PR_SET_PDEATHSIG = 1


def _ordered_map(fn, items: Sequence, jobs: int, initializer, initargs: tuple = ()) -> Iterator:
    """``fn`` of each of ``items`` in ``jobs`` worker processes (forked where the platform
    can), yielded in input order, as ``multiprocessing.Pool.imap`` would.

    A :class:`~concurrent.futures.ProcessPoolExecutor`: every item is queued at once and
    the workers take them in order, as the pool did, but a worker that dies (killed by
    the out-of-memory killer) raises :class:`WorkerDiedError` instead of leaving its item
    unanswered forever. When the reader stops early or fails (Ctrl-C, SIGTERM, an error)
    the workers are killed at once; they ignore Ctrl-C (the build handles it), die
    quietly on SIGTERM and die with the build (Linux), so none outlives it.
    """
    if not items:
        return
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    executor = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_start_worker,
                                   initargs=(initializer, initargs, os.getpid()))
    futures: list = []
    workers: list = []
    complete = False
    try:
        # forked workers inherit the parent's objects; frozen, the workers' garbage
        # collector never scans them, so it never writes to (and copies) their pages.
        # With a fork context the first submit forks all the workers.
        gc.freeze()
        try:
            futures.append(executor.submit(_call, fn, items[0]))
        finally:
            gc.unfreeze()
        # the executor's processes (a private attribute): to tell how a worker died
        workers = list((getattr(executor, "_processes", None) or {}).values())
        futures += [executor.submit(_call, fn, item) for item in items[1:]]
        for k in range(len(futures)):
            result = _result(futures, k, workers)
            futures[k] = None  # the reader holds the result now
            yield result
            del result
        complete = True
    finally:
        if complete:
            executor.shutdown(wait=True)
        else:
            _stop(executor, workers)


def _result(futures: list, k: int, workers: list):
    """The result of ``futures[k]``, or :class:`WorkerDiedError` if a worker died."""
    future, strikes = futures[k], 0
    while True:
        try:
            return future.result(timeout=_POLL_S)
        except BrokenProcessPool:
            raise _worker_died(futures, k, workers) from None
        except FutureTimeout:
            # the executor notices a dead worker at once, unless it was killed while
            # sending a result: then the executor waits for the rest of it forever
            if any(w.exitcode is not None for w in workers):
                strikes += 1
                if strikes > 1:
                    raise _worker_died(futures, k, workers) from None


def _worker_died(futures: list, k: int, workers: list) -> WorkerDiedError:
    """The error for a worker that died while ``futures[k]`` was awaited, with the later
    results that were done already."""
    finished = {}
    for j in range(k + 1, len(futures)):
        f = futures[j]
        if f is not None and f.done() and not f.cancelled() and f.exception() is None:
            finished[j] = f.result()
    return WorkerDiedError(_died_message(_death_code(workers)), finished)


def _death_code(workers: list) -> int | None:
    """The exit code of the worker that died first: not the SIGTERM with which the
    executor stops the others after it."""
    codes: list = []
    for _ in range(20):  # the dead worker may be reaped by the executor's thread first
        codes = [w.exitcode for w in workers]
        if any(c not in (None, 0) for c in codes):
            break
        time.sleep(0.05)
    for c in codes:
        if c not in (None, 0, -signal.SIGTERM):
            return c
    return next((c for c in codes if c not in (None, 0)), None)


def _died_message(code: int | None) -> str:
    """One line for a dead extraction worker.

    >>> _died_message(-9)
    'an extraction worker died (killed by signal 9), probably out of memory; rerun with --jobs 1 or more memory (the chunks finished so far are kept and reused)'
    """
    kept = "(the chunks finished so far are kept and reused)"
    if code is None:
        return f"an extraction worker died; rerun to resume {kept}"
    if code == -signal.SIGKILL:
        return (f"an extraction worker died (killed by signal {-code}), probably out of "
                f"memory; rerun with --jobs 1 or more memory {kept}")
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    return f"an extraction worker died ({how}); rerun to resume {kept}"


def _stop(executor: ProcessPoolExecutor, workers: list) -> None:
    """Stop the executor now: kill its workers, then let its thread finish."""
    for w in workers:
        with contextlib.suppress(Exception):
            if w.exitcode is None:
                w.kill()
    # the executor's thread may be reading a result that a killed worker half sent; with
    # this process's copy of the pipe's writing end closed it reads an end of file
    queue = getattr(executor, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    executor.shutdown(wait=True, cancel_futures=True)


def _start_worker(initializer, initargs: tuple, parent: int) -> None:
    """Set up a worker process of :func:`_ordered_map`, then run ``initializer``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped by the build: quietly
    if sys.platform.startswith("linux"):
        # die with the build (killed or not): the process that forked this one runs
        # extraction in its main thread, which lives as long as it does
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before this process was set up
        os._exit(1)
    global _init_error
    try:
        initializer(*initargs)
    except Exception as exc:  # raised by the first item instead (the executor would
        _init_error = exc     # log it and report a dead worker)


#: what the initializer of this worker process raised, if anything
_init_error: Exception | None = None


def _call(fn, item):
    """``fn(item)`` in a worker of :func:`_ordered_map` (the initializer's error first)."""
    if _init_error is not None:
        raise _init_error
    return fn(item)
