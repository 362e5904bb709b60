"""What an extraction worker process runs: one Extractor, chunks of papers in, bytes out.

A worker is set up once (:func:`init_worker`: the Extractor and the corpus acronym
table) and then extracts chunk after chunk (:func:`extract_chunk`), handing back each
chunk's records as JSON Lines (gzip-compressed for shards) and, for ``kg build``, the
graph model's compact rows of them, made here in parallel. The local pool
(:mod:`kg.build.engine`) and Dask workers (:mod:`kg.build.dask_engine`) share this code.

Examples
--------
>>> init_worker(None, None)
>>> text = extract_chunk([])
>>> text
''
"""
from __future__ import annotations

import gc
import gzip
from collections.abc import Iterable, Sequence

import orjson

from kg.extract import Extractor
from kg.model import summarize_extracted
from kg.types import Paper

__all__ = ["GZIP_LEVEL", "init_worker", "init_pool_worker", "worker_extractor", "extract_chunk",
           "extract_with", "chunk_output", "compress_text", "gunzip_text"]

#: zlib level of shards and ``extractions.jsonl.gz``: about 8x smaller than the JSON
#: Lines text at about 160 MB/s (level 6 is 10x at 50 MB/s), a few percent of extraction.
GZIP_LEVEL = 3

_worker_extractor = None
_worker_acronyms = None
_worker_rows = False
_worker_compress = False




def worker_extractor() -> Extractor | None:
    """The Extractor of this worker process (None before :func:`init_worker`).

    Examples
    --------
    >>> init_worker(None, None)
    >>> worker_extractor().settings.discovery  # the default settings
    True
    """
    return _worker_extractor


def init_worker(settings, acronyms, rows: bool = False, compress: bool = False) -> None:
    """Set this process up as an extraction worker: its Extractor of ``settings``, the
    corpus ``acronyms`` table, and what :func:`extract_chunk` hands back.

    Examples
    --------
    >>> from kg.extract import ExtractSettings
    >>> init_worker(ExtractSettings(discovery=False), None, rows=True)
    >>> worker_extractor().settings.discovery, extract_chunk([])
    (False, ('', []))
    """
    global _worker_extractor, _worker_acronyms, _worker_rows, _worker_compress
    _worker_extractor = Extractor(settings)
    _worker_acronyms = acronyms
    _worker_rows = rows
    _worker_compress = compress


def as_jsonl(records: Iterable[dict]) -> bytes:
    r"""Records as JSON Lines, UTF-8 (made in the worker, so the parent only copies bytes).

    orjson writes them about 7 times faster than ``json.dumps`` (compact separators, the
    same values); that was about a tenth of a worker's time.

    >>> as_jsonl([{"id": "1", "title": "Über"}, {"id": "2"}]).decode("utf-8")
    '{"id":"1","title":"Über"}\n{"id":"2"}\n'
    """
    dumps, opt = orjson.dumps, orjson.OPT_APPEND_NEWLINE
    return b"".join([dumps(r, option=opt) for r in records])


def compress_text(text: str | bytes) -> bytes:
    """``text`` (str, or its UTF-8 bytes) as one gzip member (mtime 0: the same text gives
    the same bytes).

    >>> gunzip_text(compress_text("a\\n") + compress_text(b"b\\n"))  # members concatenate
    'a\\nb\\n'
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def gunzip_text(data: bytes) -> str:
    """The text of gzip ``data`` (one member or several).

    Examples
    --------
    >>> gunzip_text(gzip.compress("Über\\n".encode("utf-8")))
    'Über\\n'
    """
    return gzip.decompress(data).decode("utf-8")


def init_pool_worker(*args) -> None:
    """:func:`init_worker` in a forked pool worker, with the garbage collector on: the
    parent may fork while it has paused collection (``kg build`` does, building the
    model), and a worker must still free its own reference cycles.

    Examples
    --------
    >>> init_pool_worker(None, None, True)  # settings, acronyms, rows
    >>> gc.isenabled(), extract_chunk([])
    (True, ('', []))
    """
    gc.enable()
    init_worker(*args)


def chunk_output(records: list[dict], rows: bool, compress: bool = False):
    """A chunk's JSON Lines text (gzip bytes with ``compress``), and with ``rows`` also
    the graph model's compact rows of its records (made here, in parallel, instead of
    re-reading the text later).

    Examples
    --------
    >>> records = [{"id": "p1", "title": "T", "abstract": "A.", "concepts": []}]
    >>> chunk_output(records, rows=False)
    '{"id":"p1","title":"T","abstract":"A.","concepts":[]}\\n'
    >>> chunk_output(records, rows=True)[1]
    [('p1', None, None, [])]
    >>> gunzip_text(chunk_output(records, False, compress=True)) == chunk_output(records, False)
    True
    """
    data = as_jsonl(records)
    text = compress_text(data) if compress else data.decode("utf-8")
    if not rows:
        return text
    return text, [summarize_extracted(r) for r in records]


def extract_chunk(chunk: Sequence[Paper]):
    """The output of one chunk (see :func:`chunk_output`) in an initialised worker.

    Examples
    --------
    >>> init_worker(None, None)
    >>> text = extract_chunk([Paper("p1", "LoRA", "We fine-tune with low-rank adaptation.")])
    >>> [c["label"] for c in orjson.loads(text)["concepts"]]
    ['LoRA', 'fine-tuning']
    """
    records = list(_worker_extractor.extract(list(chunk), acronyms=_worker_acronyms))
    return chunk_output(records, _worker_rows, _worker_compress)


def extract_with(chunk: Sequence[Paper], settings, acronyms, rows: bool = False,
                 compress: bool = False):
    """:func:`extract_chunk` in a worker that may serve builds of other settings (a Dask
    worker): the Extractor is made again when the settings differ.

    Examples
    --------
    >>> from kg.extract import ExtractSettings
    >>> settings = ExtractSettings(discovery=False)
    >>> text = extract_with([Paper("p1", "LoRA", "We use LoRA adapters.")], settings, None)
    >>> worker_extractor().settings == settings, orjson.loads(text)["id"]
    (True, 'p1')
    """
    if _worker_extractor is None or _worker_extractor.settings != settings:
        # a worker forked from a build that has paused collection (kg build does while
        # building the model) must still free its own reference cycles
        gc.enable()
        init_worker(settings, acronyms)
    records = list(_worker_extractor.extract(list(chunk), acronyms=acronyms))
    return chunk_output(records, rows, compress)
