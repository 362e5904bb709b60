"""What ``kg build -o DIR`` writes, and reading it back.

A build directory holds (names are stable; users script against them):

========================  ========================================================
``papers.jsonl``          one normalized paper per line (``id, title, abstract,
                          authors, date, url, source, ids, meta``)
``extractions.jsonl.gz``  one extraction record per paper (the ``kg extract`` shape),
                          gzip-compressed JSON Lines (``zcat`` reads it); older builds
                          wrote ``extractions.jsonl``, which is still read
``graph.kg.npz``          the compact graph model (:mod:`kg.model`; what queries load)
``graph.ttl``             the RDF view (Turtle)
``graph.html``            the interactive map, self-contained
``summary.json``          counts, rejects, timings
``graph.graphml`` ...     other formats, when asked for (``kg build --export graphml``)
========================  ========================================================

``graph.kg.npz`` is a NumPy archive: the model's integer and float columns as arrays, and
its strings (IRIs, titles, labels, ...) as one gzip-compressed JSON document (member
``strings``). The abstracts of a build stay in its ``papers.jsonl``: the archive holds
their byte offsets and lengths there, and the file's size, checked when the model is loaded
(two thirds of the strings, that queries would otherwise decode at every start); a model
saved elsewhere holds its abstracts in the document. A networkx graph saved with
:func:`save_graph` is written as
``graph.kg.jsonl.gz`` instead (one node or edge per line); :func:`load_graph` reads either.

Directories are replaced atomically: a build writes into a temporary sibling and swaps it
in only when every file is complete, so a failed or killed build leaves the previous
contents intact.
"""
from __future__ import annotations

import contextlib
import gc
import gzip
import io
import json
import operator
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Iterable, Iterator

import networkx as nx
import orjson

from kg.errors import ExportError, GraphError
from kg.types import Paper

PAPERS_FILE = "papers.jsonl"
EXTRACTIONS_FILE = "extractions.jsonl.gz"
#: What builds wrote before the extraction records were compressed (still read).
LEGACY_EXTRACTIONS_FILE = "extractions.jsonl"
GRAPH_FILE = "graph.kg.jsonl.gz"
MODEL_FILE = "graph.kg.npz"
SUMMARY_FILE = "summary.json"
MARKER_FILES = (SUMMARY_FILE, MODEL_FILE, GRAPH_FILE)
#: 2: the abstracts of a build are offsets into its papers.jsonl (1: in the strings; read)
MODEL_FORMAT = 2
_READABLE_FORMATS = (1, 2)
_MODEL_ARRAYS = ("m_ptr", "m_concept", "m_count", "m_score", "m_fields", "ev_ptr", "ev_where",
                 "ev_start", "ev_len", "a_ptr", "a_author", "a_pos", "s_u", "s_v", "s_weight",
                 "s_shared", "c_u", "c_v", "c_npmi", "c_support")
_MODEL_STRINGS = ("params", "paper_iris", "paper_ids", "titles", "abstracts", "dates", "urls",
                  "sources", "concept_iris", "concept_attrs", "author_iris", "author_names",
                  "field_sets", "extra_sentences", "broader")


@contextlib.contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory that replaces ``target`` when the block succeeds.

    The temporary directory is a sibling of ``target`` (same file system, so the final
    rename is atomic). On an exception it is removed and ``target`` is left untouched.
    A non-empty ``target`` that is not a kg build directory is never replaced.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "kg-out"
    >>> with atomic_directory(out) as tmp:
    ...     _ = (tmp / "summary.json").write_text("{}")
    >>> sorted(p.name for p in out.iterdir())
    ['summary.json']
    """
    target = Path(target)
    _check_replaceable(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_replaceable(target: Path) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ExportError(f"output {target} exists and is not a directory")
    if any(target.iterdir()) and not any((target / m).exists() for m in MARKER_FILES):
        raise ExportError(
            f"refusing to replace {target}: it is not empty and is not a kg output "
            f"directory (no {SUMMARY_FILE}); choose another -o directory"
        )


def _remove_stale_siblings(target: Path) -> None:
    """Remove temporaries left by a killed build (never the target itself)."""
    for sibling in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(sibling, ignore_errors=True)
    for sibling in target.parent.glob(f".{target.name}.old-*"):
        if target.exists():
            shutil.rmtree(sibling, ignore_errors=True)
        else:  # killed between the two renames: the old build is the last good one
            os.replace(sibling, target)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as JSON Lines (gzip-compressed when the name ends in ``.gz``); return
    how many were written."""
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
    its name ends in ``.gz``)."""
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


def write_papers(directory: str | Path, papers: Iterable[Paper]) -> int:
    return write_jsonl(Path(directory) / PAPERS_FILE, (p.to_dict() for p in papers))


def load_papers(directory: str | Path) -> list[Paper]:
    """Read ``papers.jsonl`` of a build directory."""
    return list(iter_papers(directory))


def papers_path(directory: str | Path) -> Path:
    """``papers.jsonl`` of a build directory (GraphError naming the directory if absent)."""
    return _require(directory, PAPERS_FILE)


def iter_papers(directory: str | Path) -> Iterator[Paper]:
    """Stream the papers of ``papers.jsonl`` of a build directory, one at a time."""
    return (Paper.from_dict(d) for d in read_jsonl(papers_path(directory)))


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
        import numpy as np

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
    graph model, so that its process never holds the corpus (issue #5)."""

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


def extractions_path(directory: str | Path) -> Path | None:
    """The extraction records file of a build directory (``extractions.jsonl.gz``, or
    ``extractions.jsonl`` of an older build), or None."""
    for name in (EXTRACTIONS_FILE, LEGACY_EXTRACTIONS_FILE):
        path = Path(directory) / name
        if path.is_file():
            return path
    return None


def load_extractions(directory: str | Path) -> list[dict[str, Any]]:
    """Read the extraction records of a build directory (see :func:`extractions_path`)."""
    return list(read_jsonl(extractions_path(directory) or _require(directory, EXTRACTIONS_FILE)))


def load_summary(directory: str | Path) -> dict[str, Any]:
    return json.loads(_require(directory, SUMMARY_FILE).read_text(encoding="utf-8"))


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def _restore(value: Any) -> Any:
    if type(value) is list:
        if value and type(value[0]) is list:
            return tuple(_restore(v) for v in value)
        return tuple(value)
    return value


def save_graph(graph: nx.MultiDiGraph, directory: str | Path) -> Path:
    """Write the graph model to ``DIR/graph.kg.jsonl.gz``: nodes first, then edges.

    Tuple attributes are stored as JSON arrays and come back as tuples.
    """
    path = Path(directory) / GRAPH_FILE
    # mtime 0: the same graph gives the same bytes (builds are reproducible)
    with open(path, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8") as fh:
        fh.write(json.dumps({"graph": _plain_dict(graph.graph)}) + "\n")
        for node, attrs in graph.nodes(data=True):
            fh.write(json.dumps({"n": node, "a": _plain_dict(attrs)}, ensure_ascii=False) + "\n")
        for u, v, key, attrs in graph.edges(keys=True, data=True):
            row = {"u": u, "v": v, "k": key, "a": _plain_dict(attrs)}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _plain_dict(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in attrs.items()}


#: List elements JSON-encoded at a time when the model's strings are written, so the
#: document is never one string in memory (at 2.5 M papers it would be about 5 GB, and
#: as much again encoded).
_JSON_SLICE = 4096
#: Uncompressed bytes handed to zlib at a time.
_ZLIB_PIECE = 1 << 20


def save_model(model, directory: str | Path) -> Path:
    """Write a :class:`kg.model.GraphModel` to ``DIR/graph.kg.npz`` (see the module notes).

    The strings document is JSON-encoded a slice of a list at a time and compressed as a
    stream into a temporary file, then copied into the archive, so memory stays flat
    whatever the model's size; the bytes are those of ``np.savez`` with the document
    made by ``json.dumps`` and ``gzip.compress(level=1, mtime=0)`` in one piece.

    Examples
    --------
    >>> import tempfile
    >>> from kg.model import GraphModel
    >>> M = GraphModel.build([{"id": "p1", "title": "NTK", "abstract": ""}], [])
    >>> load_model(save_model(M, tempfile.mkdtemp()).parent).paper_ids
    ['p1']
    """
    from kg.export import atomic_output

    path = Path(directory) / MODEL_FILE
    strings = {name: getattr(model, name) for name in _MODEL_STRINGS}
    strings["format"] = MODEL_FORMAT
    arrays = {name: getattr(model, name) for name in _MODEL_ARRAYS}
    texts = model.abstracts
    if isinstance(texts, TextColumn) and Path(texts.path).parent.resolve() == Path(directory).resolve():
        strings["abstracts"] = None
        strings["abstracts_in"] = {"file": Path(texts.path).name,
                                   "size": os.path.getsize(texts.path),
                                   "loose": [[k, v] for k, v in sorted(texts.loose.items())]}
        arrays.update(abstract_offsets=texts.offsets, abstract_lengths=texts.lengths)
    with tempfile.TemporaryFile(dir=directory) as blob, atomic_output(path, "wb") as fh:
        size = _write_gzip(blob, _json_pieces(strings))
        blob.seek(0)
        _write_npz(fh, blob, size, arrays)
    return path


def _json_pieces(doc: dict[str, Any]) -> Iterator[str]:
    """``json.dumps(doc, ensure_ascii=False)`` in pieces: long list values are encoded
    :data:`_JSON_SLICE` elements at a time (same separators, so the same text).

    >>> doc = {"a": list(range(10_000)), "b": [[1, "é"]], "c": {"k": None}}
    >>> "".join(_json_pieces(doc)) == json.dumps(doc, ensure_ascii=False)
    True
    """
    yield "{"
    for k, (key, value) in enumerate(doc.items()):
        yield (", " if k else "") + json.dumps(str(key), ensure_ascii=False) + ": "
        if isinstance(value, TextColumn):
            pass  # texts on disk: read (and encoded) a slice at a time
        elif not isinstance(value, list) or len(value) <= _JSON_SLICE:
            yield json.dumps(value, ensure_ascii=False)
            continue
        yield "["
        for start in range(0, len(value), _JSON_SLICE):
            piece = json.dumps(value[start:start + _JSON_SLICE], ensure_ascii=False)[1:-1]
            yield (", " if start else "") + piece
        yield "]"
    yield "}"


def _write_gzip(out, pieces: Iterable[str], level: int = 1) -> int:
    """Write the UTF-8 text of ``pieces`` to ``out`` as the gzip stream
    ``gzip.compress(text, level, mtime=0)`` makes; return the compressed size."""
    import zlib

    z = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip wrapper, mtime 0
    size, buffer, buffered = 0, [], 0
    for piece in pieces:
        buffer.append(piece)
        buffered += len(piece)
        if buffered >= _ZLIB_PIECE:
            size += out.write(z.compress("".join(buffer).encode("utf-8")))
            buffer, buffered = [], 0
    size += out.write(z.compress("".join(buffer).encode("utf-8")))
    size += out.write(z.flush())
    return size


def _write_npz(fh, blob, size: int, arrays: dict[str, Any]) -> None:
    """What ``np.savez(fh, strings=<the bytes of blob>, **arrays)`` writes, with the
    ``strings`` member copied from the file ``blob`` rather than held in memory."""
    import zipfile

    import numpy as np

    fmt = np.lib.format
    with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        with zf.open("strings.npy", "w", force_zip64=True) as fid:
            header = fmt.header_data_from_array_1_0(np.zeros(0, np.uint8))
            header["shape"] = (size,)
            fmt.write_array_header_1_0(fid, header)
            shutil.copyfileobj(blob, fid, 16 << 20)
        for name, value in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as fid:
                fmt.write_array(fid, np.asanyarray(value), allow_pickle=False)


def load_model(directory: str | Path):
    """Read the :class:`kg.model.GraphModel` of a build directory (``graph.kg.npz``).

    Raises
    ------
    GraphError
        If ``directory`` holds no model or it cannot be read, naming the command that
        makes one.
    """
    import zipfile

    import numpy as np

    from kg.model import GraphModel

    path = _require(directory, MODEL_FILE)
    try:
        with np.load(path, allow_pickle=False) as data:
            strings = orjson.loads(gzip.decompress(data["strings"].tobytes()))
            if strings.get("format") not in _READABLE_FORMATS:
                raise ValueError(f"model format {strings.get('format')}, expected one of "
                                 f"{', '.join(map(str, _READABLE_FORMATS))}")
            model = GraphModel()
            for name in _MODEL_ARRAYS:
                setattr(model, name, data[name])
            offsets = (data["abstract_offsets"], data["abstract_lengths"]) \
                if strings.get("abstracts_in") else None
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise GraphError(f"{path}: unreadable graph model ({exc}); rebuild it with kg build") from exc
    for name in _MODEL_STRINGS:
        setattr(model, name, strings[name])
    if offsets is not None:
        model.abstracts = _abstracts_column(Path(directory), strings["abstracts_in"], *offsets)
    for attrs in model.concept_attrs:
        attrs["alt_labels"] = tuple(attrs["alt_labels"])
    model.field_sets = [tuple(f) for f in model.field_sets]
    model.broader = [tuple(b) for b in model.broader]
    return model


def _abstracts_column(directory: Path, where: dict[str, Any], offsets, lengths) -> TextColumn:
    """The abstracts of a loaded model, read from the build's papers file when asked for."""
    path = directory / where["file"]
    try:
        size = os.path.getsize(path)
    except OSError:
        raise GraphError(f"{path}: missing; the graph model in {directory} reads its "
                         "abstracts there (keep the build directory whole, or rebuild it "
                         "with kg build)") from None
    if size != where["size"]:
        raise GraphError(f"{path}: changed since the graph model was built ({size} bytes, "
                         f"the model expects {where['size']}); rebuild it with kg build")
    return TextColumn(path, offsets, lengths, loose={int(k): v for k, v in where["loose"]})


def load_graph(directory: str | Path) -> nx.MultiDiGraph:
    """Read the graph of a build directory as networkx: the model of ``graph.kg.npz``
    (the output of ``kg build``), or a graph written by :func:`save_graph`.

    Raises
    ------
    GraphError
        If ``directory`` holds no kg graph, naming the command that makes one.
    """
    if (Path(directory) / MODEL_FILE).is_file():
        return load_model(directory).to_networkx()
    path = _require(directory, GRAPH_FILE)
    graph = nx.MultiDiGraph()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small containers: the cyclic GC would rescan them all
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                row = json.loads(line)
                attrs = {k: _restore(v) for k, v in row.get("a", {}).items()}
                if "n" in row:
                    graph.add_node(row["n"], **attrs)
                elif "u" in row:
                    graph.add_edge(row["u"], row["v"], key=row["k"], **attrs)
                else:
                    graph.graph.update(row.get("graph", {}))
    except (OSError, EOFError, ValueError, KeyError) as exc:
        raise GraphError(f"{path}: unreadable graph file ({exc}); rebuild it with kg build") from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    return graph


def _require(directory: str | Path, name: str) -> Path:
    directory = Path(directory)
    path = directory / name
    if not path.is_file():
        if not directory.exists():
            why = "does not exist"
        else:
            why = f"has no {name}"
        raise GraphError(
            f"{directory} {why}: build a graph first with `kg build INPUT... -o {directory}`"
        )
    return path
