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
"""
from __future__ import annotations

import functools
import gc
import gzip
import hashlib
import json
import multiprocessing as mp
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import orjson

import kg.extract
from kg import __version__
from kg.build.dask_engine import run_dask
from kg.build.worker import (
    compress_text,
    extract_chunk,
    gunzip_text,
    init_pool_worker,
    init_worker,
)
from kg.errors import ExtractionError
from kg.extract import ExtractSettings, Extractor
from kg.extract.abbreviations import AcronymTable
from kg.extract.extractor import SEPARATOR
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


class ShardCache:
    """Extraction records of finished chunks, as gzip-compressed JSON Lines files
    ``DIR/<key>.jsonl.gz`` (about 2 KB per paper; the text is about 8 times that)."""

    SUFFIX = ".jsonl.gz"

    def __init__(self, directory: str | Path, base_key: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
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
        """The gzip bytes of a finished chunk, or None."""
        path = self._path(key)
        if not path.is_file():
            return None
        return path.read_bytes()

    def get(self, key: str) -> str | None:
        """The JSON Lines text of a finished chunk, or None."""
        data = self.get_bytes(key)
        return None if data is None else gunzip_text(data)

    def put(self, key: str, data: str | bytes) -> None:
        """Keep a finished chunk: its text, or that text already gzip-compressed."""
        if isinstance(data, str):
            data = compress_text(data)
        path = self._path(key)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # a shard exists whole or not at all

    def prune(self, keep: set[str]) -> None:
        """Remove shards that the current build did not use (and any uncompressed
        ``<key>.jsonl`` shard an older kg left)."""
        for path in self.directory.glob("*.jsonl"):
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
        Filled with ``chunks`` and ``chunks_cached`` (how many came from ``cache_dir``).
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
    if stats is not None:
        stats.update(chunks=len(chunks), chunks_cached=len(chunks) - len(todo))

    # workers compress when the bytes are wanted (shards, compressed output)
    gz = compressed or cache is not None
    results = _run_engine(engine, [chunks[i] for i in todo], settings, acronyms, jobs, scheduler,
                          rows, gz)
    fresh: dict[int, Any] = {}
    todo_iter = iter(todo)
    done = 0
    for i in range(len(chunks)):
        while i in todo_set and i not in fresh:  # engines return chunks in order
            j = next(todo_iter)
            fresh[j] = next(results)
            if cache:
                cache.put(keys[j], fresh[j][0] if rows else fresh[j])
        if i in fresh:
            out = fresh.pop(i)
        else:
            data = cache.get_bytes(keys[i])
            out = data
            if rows:
                out = (data, summarize_jsonl(gunzip_text(data), text=False))
        if gz and not compressed:  # the caller wants text
            out = (gunzip_text(out[0]), out[1]) if rows else gunzip_text(out)
        done += len(chunks[i])
        if progress:
            progress("extract", done, total)
        yield out
    if cache:
        cache.prune(set(keys))


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
    with _forked_pool(jobs, gc.enable) as pool:
        for chunk_digest_, counts in pool.imap(
                functools.partial(_scan_chunk, digest=digest, learn=learn), chunks):
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
    with _forked_pool(jobs, init_pool_worker, (settings, acronyms, rows, compress)) as pool:
        yield from pool.imap(extract_chunk, chunks)


def _forked_pool(jobs: int, initializer, initargs: tuple = ()):
    """A multiprocessing pool of ``jobs`` workers, forked where the platform can."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    # forked workers inherit the parent's objects; frozen, the workers' garbage collector
    # never scans them, so it never writes to (and copies) their pages
    gc.freeze()
    try:
        return ctx.Pool(jobs, initializer=initializer, initargs=initargs)
    finally:
        gc.unfreeze()
