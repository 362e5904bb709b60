"""A ``papers.jsonl`` file read in place: chunks by byte range, texts by offset.

``kg build`` streams its papers into ``papers.jsonl`` once; extraction workers read their
chunk of it (:class:`PaperChunk`), and the model reads an abstract only when a writer asks
for it (:class:`TextColumn`). :class:`PapersFile` indexes the file.

Examples
--------
>>> import tempfile, pathlib
>>> from kg.types import Paper
>>> path = pathlib.Path(tempfile.mkdtemp()) / "papers.jsonl"
>>> write_jsonl(path, [Paper(id="p1", title="T", abstract="A.").to_dict()])
1
>>> next(read_jsonl(path))["id"]
'p1'
"""
from __future__ import annotations

import gzip
import json
import operator
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import orjson

from kg.errors import GraphError
from kg.types import Paper

__all__ = ["PaperChunk", "PapersFile", "TextColumn", "read_jsonl", "write_jsonl"]


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as JSON Lines (gzip-compressed when the name ends in ``.gz``); return
    how many were written.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "rows.jsonl.gz"
    >>> write_jsonl(path, [{"id": "p1"}, {"id": "p2"}])
    2
    >>> with gzip.open(path, "rt") as fh:
    ...     fh.read()
    '{"id": "p1"}\\n{"id": "p2"}\\n'
    """
    n = 0
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Iterate the JSON objects of a JSON Lines file written by kg (gzip-compressed when
    its name ends in ``.gz``).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "rows.jsonl"
    >>> _ = path.write_text('{"id": "p1", "n": 1}\\n\\n{"id": "p2", "n": 2}\\n')
    >>> list(read_jsonl(path))
    [{'id': 'p1', 'n': 1}, {'id': 'p2', 'n': 2}]
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    number = 0
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    yield orjson.loads(line)
    except (OSError, EOFError, ValueError) as exc:  # damaged gzip, truncated file, bad JSON
        where = f"{path}, line {number + 1}" if number else str(path)
        raise GraphError(f"{where}: unreadable ({exc}); rebuild it with kg build") from exc


def _slim_paper(d: dict[str, Any]) -> Paper:
    """A ``papers.jsonl`` record as a Paper without ``ids`` and ``meta``."""
    return Paper(id=d["id"], title=d["title"], abstract=d["abstract"],
                 authors=tuple(d.get("authors") or ()), date=d.get("date"), url=d.get("url"),
                 source=d.get("source", ""))


class PaperChunk(Sequence):
    """Consecutive papers of a ``papers.jsonl`` file, by byte range: a small picklable
    stand-in for the list of its papers, which are read from the file only when iterated
    (by the extraction worker that gets the chunk, not by the process that cuts them).

    Papers are read *slim* (without ``ids`` and ``meta``, which extraction never reads)."""

    __slots__ = ("path", "start", "end", "count", "line")

    def __init__(self, path: str, start: int, end: int, count: int, line: int = 0) -> None:
        # line: how many lines of the file come before the chunk (for error messages)
        self.path, self.start, self.end, self.count, self.line = path, start, end, count, line

    def __reduce__(self):
        return PaperChunk, (self.path, self.start, self.end, self.count, self.line)

    def __repr__(self) -> str:
        return (f"PaperChunk({self.path!r}, {self.start}, {self.end}, {self.count}, "
                f"{self.line})")

    def __len__(self) -> int:
        return self.count

    def load(self) -> list[Paper]:
        """The chunk's papers (a GraphError naming the file if it changed or is damaged)."""
        with open(self.path, "rb") as fh:
            fh.seek(self.start)
            data = fh.read(self.end - self.start)
        papers = _parse_papers(data, self.path, self.line)
        if len(papers) != self.count:
            raise GraphError(f"{self.path}: changed while it was read "
                             f"({len(papers)} papers at bytes {self.start}-{self.end}, "
                             f"expected {self.count})")
        return papers

    def __iter__(self) -> Iterator[Paper]:
        return iter(self.load())

    def __getitem__(self, index):
        return self.load()[index]


def _parse_papers(data: bytes, path: str, first_line: int = 0) -> list[Paper]:
    return [_parse_line(line, path, number)
            for number, line in enumerate(data.split(b"\n"), first_line + 1) if line.strip()]


def _parse_line(line: bytes, path: str, number: int) -> Paper:
    try:
        return _slim_paper(orjson.loads(line))
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphError(f"{path}, line {number}: unreadable paper ({exc!r}); "
                         "rebuild it with kg build") from exc


class TextColumn(Sequence):
    """One text field (``abstract``) of papers kept on disk: item ``k`` is read from the
    JSON line at ``offsets[k]`` (``lengths[k]`` bytes) of a ``papers.jsonl`` file when it
    is asked for. What :class:`kg.model.GraphModel` holds instead of the abstracts of a
    build's papers, which are most of a paper's memory (about 1 KB each).

    The file is read with ``pread`` (page cache, not this process's memory) and must not
    change while the column is used; the last item read is cached, because a writer asks
    for one paper's text several times in a row.
    """

    def __init__(self, path: str | Path, offsets, lengths, field: str = "abstract", *,
                 loose: dict[int, str] | None = None) -> None:
        self.path, self.field = str(path), field
        self.loose = loose or {}  # texts of positions that have no line in the file
        self.offsets = np.asarray(offsets, np.int64)
        self.lengths = np.asarray(lengths, np.int64)
        if self.offsets.shape != self.lengths.shape:
            raise ValueError("offsets and lengths differ in length")
        self._fd = os.open(self.path, os.O_RDONLY)
        weakref.finalize(self, os.close, self._fd)
        self._last: tuple[int, str] = (-1, "")

    def __len__(self) -> int:
        return int(self.offsets.size)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[k] for k in range(*index.indices(len(self)))]
        k = operator.index(index)
        if k < 0:
            k += len(self)
        if self._last[0] == k:
            return self._last[1]
        if not 0 <= k < len(self):
            raise IndexError(index)
        if k in self.loose:
            return self.loose[k]
        text = self.read_at(int(self.offsets[k]), int(self.lengths[k]))
        self._last = (k, text)
        return text

    def read_at(self, offset: int, length: int) -> str:
        """The field of the JSON line of ``length`` bytes at byte ``offset``."""
        line = os.pread(self._fd, length, offset)
        try:
            return orjson.loads(line).get(self.field) or ""
        except (ValueError, AttributeError) as exc:
            raise GraphError(f"{self.path}: unreadable paper at byte {offset} ({exc!r}); "
                             "the file changed while the graph was built") from exc

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, TextColumn)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TextColumn({self.path!r}, {len(self)} {self.field}s)"


class PapersFile:
    """The papers of a ``papers.jsonl`` file without holding them: iterating streams them
    (slim, as :class:`PaperChunk` reads them), and :meth:`chunks` cuts the file into
    :class:`PaperChunk` byte ranges. What ``kg build`` hands to extraction and to the
    graph model, so that its process never holds the corpus."""

    #: bytes read at a time while streaming
    BLOCK = 1 << 20

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"PapersFile({str(self.path)!r})"

    def __iter__(self) -> Iterator[Paper]:
        for _, papers in self.chunks(512):
            yield from papers

    def located(self) -> Iterator[tuple[int, int, Paper]]:
        """``(offset, length, paper)`` of every paper: where its line is in the file, so a
        reader can keep the offset instead of the text (:class:`TextColumn`)."""
        path = str(self.path)
        pos = 0
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    yield pos, len(line), _parse_line(line, path, number)
                pos += len(line)

    def ranges(self, size: int) -> Iterator[PaperChunk]:
        """The chunks of :meth:`chunks` without their papers: only the lines are
        counted here, nothing is parsed (whoever loads a chunk parses it)."""
        for chunk, _ in self._cut(size, keep_lines=False):
            yield chunk

    def chunks(self, size: int) -> Iterator[tuple[PaperChunk, list[Paper]]]:
        """Consecutive chunks of ``size`` papers (the last may be shorter), each with its
        papers (read once, here; drop them to keep memory flat)."""
        for chunk, lines in self._cut(size, keep_lines=True):
            yield chunk, _parse_papers(b"".join(lines), chunk.path, chunk.line)

    def _cut(self, size: int, keep_lines: bool) -> Iterator[tuple[PaperChunk, list[bytes]]]:
        """Chunks of ``size`` non-blank lines, with their lines if ``keep_lines``."""
        if size < 1:
            raise ValueError(f"chunk size must be at least 1, not {size}")
        path = str(self.path)
        lines: list[bytes] = []
        count = start = pos = first = number = 0
        with open(path, "rb") as fh:
            for line in fh:
                pos += len(line)
                number += 1
                if keep_lines:
                    lines.append(line)
                if line.strip():
                    count += 1
                    if count == size:
                        yield PaperChunk(path, start, pos, count, first), lines
                        lines, count, start, first = [], 0, pos, number
        if count:
            yield PaperChunk(path, start, pos, count, first), lines
