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
saved elsewhere holds its abstracts in the document. :func:`load_graph` gives the model of a build as a networkx graph.

Directories are replaced atomically: a build writes into a temporary sibling and swaps it
in only when every file is complete, so a failed or killed build leaves the previous
contents intact.

Faults: a build holds the lock of its output directory (:func:`output_lock`,
a ``.NAME.lock`` file beside it), so a second build into the same directory fails at once
instead of removing the first one's temporary directory. ``summary.json`` records the size
and SHA-256 of ``papers.jsonl`` (``papers_file``), which ``kg build --update`` checks
before it reads the papers back (:func:`check_papers`). :func:`load_model` checks the
arrays of ``graph.kg.npz`` (:func:`model_damage`: indices within the node counts, CSR
pointers, lengths), so a damaged file is a :class:`~kg.errors.GraphError`, never a
traceback nor answers from bad data.
"""
from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterable, Iterator

import networkx as nx
import numpy as np
import orjson

from kg.errors import ExportError, GraphError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: builds are not locked
    fcntl = None
from kg.files import atomic_output
from kg.model.core import GraphModel
from kg.model.papers import TextColumn, read_jsonl, write_jsonl
from kg.types import Paper

__all__ = [
    "PAPERS_FILE", "EXTRACTIONS_FILE", "MODEL_FILE", "SUMMARY_FILE",
    "OutputBusyError", "output_lock", "atomic_directory", "write_papers", "load_papers",
    "papers_path", "iter_papers",
    "extractions_path", "load_extractions", "load_summary", "file_record", "check_papers",
    "save_model", "load_model", "model_damage",
    "load_graph",
]

PAPERS_FILE = "papers.jsonl"
EXTRACTIONS_FILE = "extractions.jsonl.gz"
#: What builds wrote before the extraction records were compressed (still read).
LEGACY_EXTRACTIONS_FILE = "extractions.jsonl"
MODEL_FILE = "graph.kg.npz"
SUMMARY_FILE = "summary.json"
#: The graph file of builds before the compact model (no longer read).
LEGACY_GRAPH_FILE = "graph.kg.jsonl.gz"
#: Files that mark a directory as a kg build (one is enough to replace it).
MARKER_FILES = (SUMMARY_FILE, MODEL_FILE, LEGACY_GRAPH_FILE)
#: 2: the abstracts of a build are offsets into its papers.jsonl (1: in the strings; read)
MODEL_FORMAT = 2
_READABLE_FORMATS = (1, 2)
_MODEL_ARRAYS = ("m_ptr", "m_concept", "m_count", "m_score", "m_fields", "ev_ptr", "ev_where",
                 "ev_start", "ev_len", "a_ptr", "a_author", "a_pos", "s_u", "s_v", "s_weight",
                 "s_shared", "c_u", "c_v", "c_npmi", "c_support")
_MODEL_STRINGS = ("params", "paper_iris", "paper_ids", "titles", "abstracts", "dates", "urls",
                  "sources", "concept_iris", "concept_attrs", "author_iris", "author_names",
                  "field_sets", "extra_sentences", "broader")


class OutputBusyError(ExportError):
    """Another kg build is writing the same output directory."""


@contextlib.contextmanager
def output_lock(target: str | Path) -> Iterator[Path]:
    """Hold the lock of the output directory ``target`` for the block: a lock file
    ``.NAME.lock`` beside it, locked with ``fcntl.lockf``, that names the holder's pid.

    A second holder fails at once with :class:`OutputBusyError` naming the first. The lock
    is the process's (a POSIX record lock: not inherited by forked workers, released
    when the process ends, however it ends); the file is removed when the block ends.

    Examples
    --------
    >>> out = Path(tempfile.mkdtemp()) / "kg-out"
    >>> with output_lock(out) as lock:
    ...     lock.name, lock.read_text().strip() == str(os.getpid())
    ('.kg-out.lock', True)
    >>> lock.exists()
    False
    """
    target = Path(target)
    path = target.parent / f".{target.name}.lock"
    key = os.path.abspath(path)
    if key in _HELD:  # this process's own lock (a POSIX lock never conflicts with it)
        raise OutputBusyError(f"another kg build is writing {target} (pid {os.getpid()}); "
                              "wait for it or choose another -o")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = _locked(path, target)
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    _HELD.add(key)
    try:
        yield path
    finally:
        _HELD.discard(key)
        with contextlib.suppress(OSError):
            os.unlink(path)  # while still locked: a waiting build then fails, or retries
        os.close(fd)


#: the lock files this process holds
_HELD: set[str] = set()


def _locked(path: Path, target: Path) -> int:
    """An open, locked descriptor of the lock file ``path`` holding this process's pid."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            if fcntl is not None:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                os.close(fd)
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise OutputBusyError(f"another kg build is writing {target} (pid {holder}); "
                                  "wait for it or choose another -o") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # else the holder removed it as we opened it: lock the new one
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
            return fd
        os.close(fd)


@contextlib.contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory that replaces ``target`` when the block succeeds.

    The temporary directory is a sibling of ``target`` (same file system, so the final
    rename is atomic). On an exception it is removed and ``target`` is left untouched.
    A non-empty ``target`` that is not a kg build directory is never replaced. The block
    holds :func:`output_lock`, so two builds never write into one ``target`` (nor remove
    each other's temporary directories).

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
    with output_lock(target):
        _check_replaceable(target)
        _remove_stale_siblings(target)
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
        try:
            yield tmp
            _swap(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _swap(tmp: Path, target: Path) -> None:
    """Put the complete directory ``tmp`` in the place of ``target``."""
    old = None
    try:
        if target.exists():
            old = target.parent / f".{target.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
            os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:  # put the previous build back
                os.replace(old, target)
            raise
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
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


def write_papers(directory: str | Path, papers: Iterable[Paper]) -> int:
    """Write ``papers.jsonl`` of a build directory; return how many papers were written.

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> write_papers(directory, [Paper("p1", "LoRA", "We adapt.")])
    1
    >>> (Path(directory) / "papers.jsonl").read_text()[:42]
    '{"id": "p1", "title": "LoRA", "abstract": '
    """
    return write_jsonl(Path(directory) / PAPERS_FILE, (p.to_dict() for p in papers))


def load_papers(directory: str | Path) -> list[Paper]:
    """Read ``papers.jsonl`` of a build directory.

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> _ = write_papers(directory, [Paper("p1", "LoRA", "We adapt.")])
    >>> load_papers(directory)
    [Paper(id='p1', title='LoRA', abstract='We adapt.', authors=(), date=None, url=None, source='',
           ids={}, meta={})]
    """
    return list(iter_papers(directory))


def papers_path(directory: str | Path) -> Path:
    """``papers.jsonl`` of a build directory (GraphError naming the directory if absent).

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> _ = write_papers(directory, [Paper("p1", "LoRA", "We adapt.")])
    >>> papers_path(directory).name
    'papers.jsonl'
    >>> papers_path(Path(directory) / "missing")
    Traceback (most recent call last):
    kg.errors.GraphError: .../missing does not exist: build a graph first with `kg build ...`
    """
    return _require(directory, PAPERS_FILE)


def iter_papers(directory: str | Path) -> Iterator[Paper]:
    """Stream the papers of ``papers.jsonl`` of a build directory, one at a time.

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> _ = write_papers(directory, [Paper("p1", "LoRA", "A."), Paper("p2", "QLoRA", "B.")])
    >>> [p.title for p in iter_papers(directory)]
    ['LoRA', 'QLoRA']
    """
    return (Paper.from_dict(d) for d in read_jsonl(papers_path(directory)))


def extractions_path(directory: str | Path) -> Path | None:
    """The extraction records file of a build directory (``extractions.jsonl.gz``, or
    ``extractions.jsonl`` of an older build), or None.

    Examples
    --------
    >>> directory = Path(tempfile.mkdtemp())
    >>> extractions_path(directory) is None
    True
    >>> _ = write_jsonl(directory / "extractions.jsonl.gz", [{"id": "p1", "concepts": []}])
    >>> extractions_path(directory).name
    'extractions.jsonl.gz'
    """
    for name in (EXTRACTIONS_FILE, LEGACY_EXTRACTIONS_FILE):
        path = Path(directory) / name
        if path.is_file():
            return path
    return None


def load_extractions(directory: str | Path) -> list[dict[str, Any]]:
    """Read the extraction records of a build directory (see :func:`extractions_path`).

    Examples
    --------
    >>> directory = Path(tempfile.mkdtemp())
    >>> _ = write_jsonl(directory / "extractions.jsonl", [{"id": "p1", "concepts": []}])
    >>> load_extractions(directory)  # an older build's uncompressed file
    [{'id': 'p1', 'concepts': []}]
    """
    return list(read_jsonl(extractions_path(directory) or _require(directory, EXTRACTIONS_FILE)))


def load_summary(directory: str | Path) -> dict[str, Any]:
    """Read ``summary.json`` of a build directory (GraphError naming the directory if absent).

    Examples
    --------
    >>> directory = Path(tempfile.mkdtemp())
    >>> _ = (directory / "summary.json").write_text('{"papers": 2, "concepts": 5}')
    >>> load_summary(directory)
    {'papers': 2, 'concepts': 5}
    """
    return json.loads(_require(directory, SUMMARY_FILE).read_text(encoding="utf-8"))










def file_record(path: str | Path) -> dict[str, Any]:
    """The size and SHA-256 of a file, as ``summary.json`` records ``papers.jsonl``
    (``papers_file``) so that ``kg build --update`` can tell a damaged build.

    Examples
    --------
    >>> path = Path(tempfile.mkdtemp()) / "papers.jsonl"
    >>> _ = path.write_bytes(b"{}\\n")
    >>> file_record(path)
    {'bytes': 3, 'sha256': 'ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356'}
    """
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
            size += len(block)
    return {"bytes": size, "sha256": h.hexdigest()}


def check_papers(directory: str | Path) -> Path:
    """``papers.jsonl`` of a build directory, checked against the size and SHA-256 that
    its ``summary.json`` recorded (builds older than the record are not checked).

    Raises
    ------
    GraphError
        If the file is missing or changed since the build ("rebuild it").

    Examples
    --------
    >>> directory = Path(tempfile.mkdtemp())
    >>> _ = write_papers(directory, [Paper("p1", "LoRA", "A."), Paper("p2", "NTK", "B.")])
    >>> record = file_record(directory / PAPERS_FILE)
    >>> _ = (directory / SUMMARY_FILE).write_text(json.dumps({"papers_file": record}))
    >>> check_papers(directory).name
    'papers.jsonl'
    >>> text = (directory / PAPERS_FILE).read_text()
    >>> _ = (directory / PAPERS_FILE).write_text(text.splitlines(True)[0])  # truncated
    >>> check_papers(directory)
    Traceback (most recent call last):
    kg.errors.GraphError: .../papers.jsonl changed since it was built (127 bytes, expected 253); rebuild it with `kg build INPUT... -o ...`
    """
    directory = Path(directory)
    path = papers_path(directory)
    try:
        expected = load_summary(directory).get("papers_file")
    except GraphError:  # no summary.json: nothing recorded
        return path
    except (OSError, ValueError, AttributeError) as exc:
        raise GraphError(f"{directory / SUMMARY_FILE}: unreadable ({exc}); rebuild it with "
                         f"`kg build INPUT... -o {directory}`") from exc
    if not isinstance(expected, dict):
        return path
    rebuild = f"rebuild it with `kg build INPUT... -o {directory}`"
    size = os.path.getsize(path)
    if size != expected.get("bytes"):
        raise GraphError(f"{path} changed since it was built ({size} bytes, expected "
                         f"{expected.get('bytes')}); {rebuild}")
    if file_record(path)["sha256"] != expected.get("sha256"):
        raise GraphError(f"{path} changed since it was built (its SHA-256 is not the one "
                         f"the build recorded); {rebuild}")
    return path


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
    try:
        with tempfile.TemporaryFile(dir=directory) as blob, atomic_output(path, "wb") as fh:
            size = _write_gzip(blob, _json_pieces(strings))
            blob.seek(0)
            _write_npz(fh, blob, size, arrays)
    except OSError as exc:  # the temporary file of the strings (atomic_output names its own)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
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

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> _ = save_model(GraphModel.build([{"id": "p1", "title": "LoRA", "abstract": "A."}], []),
    ...                directory)
    >>> M = load_model(directory)
    >>> M.paper_ids, M.titles
    (['p1'], ['LoRA'])
    """
    if (Path(directory) / LEGACY_GRAPH_FILE).is_file() and not (Path(directory) / MODEL_FILE).is_file():
        raise GraphError(f"{directory} was built by an older kg ({LEGACY_GRAPH_FILE}, no "
                         f"{MODEL_FILE}); rebuild it with `kg build INPUT... -o {directory}`")
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
    try:
        for name in _MODEL_STRINGS:
            setattr(model, name, strings[name])
        problem = model_damage(model, offsets, strings.get("abstracts_in"))
        if problem is None:
            for attrs in model.concept_attrs:
                attrs["alt_labels"] = tuple(attrs["alt_labels"])
            model.field_sets = [tuple(f) for f in model.field_sets]
            model.broader = [(int(c), int(p)) for c, p in model.broader]
    except (KeyError, TypeError, ValueError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem is not None:
        raise GraphError(f"{path}: damaged ({problem}); rebuild it with kg build")
    if offsets is not None:
        model.abstracts = _abstracts_column(Path(directory), strings["abstracts_in"], *offsets)
    return model


#: the model's arrays of floats (the others hold integers); ``s_shared`` is 2-d
_FLOAT_ARRAYS = ("m_score", "s_weight", "c_npmi")


def model_damage(model, offsets: tuple | None = None,
                 where: dict[str, Any] | None = None) -> str | None:
    """What is wrong with the arrays of a loaded :class:`~kg.model.GraphModel`, or None:
    every index within its node count, CSR pointers rising from 0 to their array's size,
    columns of one length, mentions in concept order within a paper, ``similar`` pairs
    ``u < v`` in order, evidence and abstract offsets within their texts. ``offsets``
    and ``where`` are the abstracts' offsets and lengths in ``papers.jsonl`` and its
    record, if the model reads them there. Vectorized: a few milliseconds at 75 k papers.

    Examples
    --------
    >>> rec = {"id": "p1", "concepts": [{"iri": "https://w3id.org/paper-kg/concept/lora",
    ...        "label": "LoRA", "source": "ontology", "score": 1.0, "mentions": []}]}
    >>> M = GraphModel.build([{"id": "p1", "title": "LoRA", "abstract": "We adapt."}], [rec])
    >>> model_damage(M) is None
    True
    >>> M.m_concept = M.m_concept.copy(); M.m_concept[0] = -3
    >>> model_damage(M)
    'm_concept holds -3, outside 0..0'
    """
    m = model
    for name in _MODEL_ARRAYS:
        a = getattr(m, name)
        ndim = 2 if name == "s_shared" else 1
        kind = "f" if name in _FLOAT_ARRAYS else "iu"
        if not isinstance(a, np.ndarray) or a.ndim != ndim or a.dtype.kind not in kind:
            return f"{name} is not a {ndim}-d array of {'floats' if kind == 'f' else 'integers'}"
    n_papers, n_concepts = len(m.paper_iris), len(m.concept_iris)
    for names, n, what in ((("paper_ids", "titles", "dates", "urls", "sources"), n_papers, "papers"),
                           (("concept_attrs",), n_concepts, "concepts"),
                           (("author_names",), len(m.author_iris), "authors")):
        for name in names:
            if len(getattr(m, name)) != n:
                return f"{name} has {len(getattr(m, name))} entries for {n} {what}"
    if offsets is None and len(m.abstracts) != n_papers:
        return f"abstracts has {len(m.abstracts)} entries for {n_papers} papers"
    n_mentions, n_evidence = m.m_concept.size, m.ev_where.size
    checks = (
        lambda: _csr(m.m_ptr, "m_ptr", n_papers, "m_concept", n_mentions),
        lambda: _lengths(n_mentions, "m_concept", m.m_count, m.m_score, m.m_fields,
                         names=("m_count", "m_score", "m_fields")),
        lambda: _within(m.m_concept, "m_concept", 0, n_concepts),
        lambda: _within(m.m_fields, "m_fields", 0, len(m.field_sets)),
        lambda: _rising_within_rows(m.m_concept, m.m_ptr),
        lambda: _csr(m.ev_ptr, "ev_ptr", n_mentions, "ev_where", n_evidence),
        lambda: _lengths(n_evidence, "ev_where", m.ev_start, m.ev_len,
                         names=("ev_start", "ev_len")),
        lambda: _within(m.ev_where, "ev_where", 0, 3),
        lambda: _within(m.ev_start, "ev_start", 0, None),
        lambda: _within(m.ev_len, "ev_len", 0, None),
        lambda: _within(m.ev_start[m.ev_where == 2], "ev_start (extra sentences)", 0,
                        len(m.extra_sentences)),
        lambda: _csr(m.a_ptr, "a_ptr", n_papers, "a_author", m.a_author.size),
        lambda: _lengths(m.a_author.size, "a_author", m.a_pos, names=("a_pos",)),
        lambda: _within(m.a_author, "a_author", 0, len(m.author_iris)),
        lambda: _lengths(m.s_u.size, "s_u", m.s_v, m.s_weight, m.s_shared,
                         names=("s_v", "s_weight", "s_shared")),
        lambda: _within(m.s_u, "s_u", 0, n_papers) or _within(m.s_v, "s_v", 0, n_papers),
        lambda: None if np.all(m.s_u < m.s_v) and np.all(m.s_u[1:] >= m.s_u[:-1])
        else "similar pairs are not u < v in order",
        lambda: _within(m.s_shared, "s_shared", -1, n_concepts),
        lambda: _lengths(m.c_u.size, "c_u", m.c_v, m.c_npmi, m.c_support,
                         names=("c_v", "c_npmi", "c_support")),
        lambda: _within(m.c_u, "c_u", 0, n_concepts) or _within(m.c_v, "c_v", 0, n_concepts),
        lambda: _broader(m.broader, n_concepts),
        lambda: _abstract_offsets(offsets, where, n_papers),
    )
    for check in checks:
        problem = check()
        if problem is not None:
            return problem
    return None


def _csr(ptr: np.ndarray, name: str, rows: int, of: str, size: int) -> str | None:
    if ptr.size != rows + 1:
        return f"{name} has {ptr.size} entries for {rows} rows"
    if ptr[0] != 0 or ptr[-1] != size:
        return f"{name} runs from {ptr[0]} to {ptr[-1]}, not 0 to the {size} of {of}"
    if ptr.size > 1 and not np.all(ptr[1:] >= ptr[:-1]):
        return f"{name} is not rising"
    return None


def _lengths(n: int, of: str, *arrays: np.ndarray, names: tuple[str, ...]) -> str | None:
    for name, a in zip(names, arrays):
        if a.shape[0] != n:
            return f"{name} has {a.shape[0]} entries for the {n} of {of}"
    return None


def _within(a: np.ndarray, name: str, lo: int, hi: int | None) -> str | None:
    if a.size == 0:
        return None
    low, high = a.min(), a.max()
    if low < lo or (hi is not None and high >= hi):
        bad = low if low < lo else high
        span = f"{lo}.." + (str(hi - 1) if hi is not None else "")
        return f"{name} holds {bad}, outside {span}"
    return None


def _rising_within_rows(values: np.ndarray, ptr: np.ndarray) -> str | None:
    if values.size < 2:
        return None
    starts = np.zeros(values.size, bool)
    starts[ptr[:-1][ptr[:-1] < values.size]] = True
    if not np.all((values[1:] > values[:-1]) | starts[1:]):
        return "m_concept is not in concept order within a paper"
    return None


def _broader(pairs, n_concepts: int) -> str | None:
    if not len(pairs):
        return None
    a = np.asarray(pairs)
    if a.ndim != 2 or a.shape[1] != 2 or a.dtype.kind not in "iu":
        return "broader is not a list of concept pairs"
    return _within(a, "broader", 0, n_concepts)


def _abstract_offsets(offsets: tuple | None, where: dict[str, Any] | None,
                      n_papers: int) -> str | None:
    if offsets is None:
        return None
    starts, lengths = offsets
    for name, a in (("abstract_offsets", starts), ("abstract_lengths", lengths)):
        if a.ndim != 1 or a.dtype.kind not in "iu" or a.size != n_papers:
            return f"{name} is not an integer array of {n_papers} entries"
    size = where.get("size") if isinstance(where, dict) else None
    if not isinstance(size, int):
        return "the papers file record has no size"
    name, loose = where.get("file"), where.get("loose")
    if not isinstance(name, str) or not name or os.sep in name or name in (".", ".."):
        return "the papers file record names no file of the build"
    if not isinstance(loose, list) or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], int)
            and 0 <= p[0] < n_papers and isinstance(p[1], str) for p in loose):
        return "the papers file record's texts are not (paper, text) pairs"
    if starts.size and (starts.min() < 0 or lengths.min() < 0
                        or np.max(starts.astype(np.int64) + lengths) > size):
        return f"abstract offsets outside the {size} bytes of {where.get('file')}"
    return None


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
    """The graph of a build directory as a :class:`networkx.MultiDiGraph`
    (``load_model(directory).to_networkx()``), for people who want a graph object.

    Raises
    ------
    GraphError
        If ``directory`` holds no kg graph, naming the command that makes one.

    Examples
    --------
    >>> directory = tempfile.mkdtemp()
    >>> rec = {"id": "p1", "concepts": [{"iri": "https://w3id.org/paper-kg/concept/lora",
    ...        "label": "LoRA", "source": "ontology", "score": 1.0, "mentions": []}]}
    >>> M = GraphModel.build([{"id": "p1", "title": "LoRA", "abstract": "We adapt."}], [rec])
    >>> G = load_graph(save_model(M, directory).parent)
    >>> G.number_of_nodes(), [k for _, _, k in G.edges(keys=True)]
    (2, ['mentions'])
    """
    return load_model(directory).to_networkx()


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
