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
"""
from __future__ import annotations

import contextlib
import gzip
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
from kg.files import atomic_output
from kg.model.core import GraphModel
from kg.model.papers import TextColumn, read_jsonl, write_jsonl
from kg.types import Paper

__all__ = [
    "PAPERS_FILE", "EXTRACTIONS_FILE", "MODEL_FILE", "SUMMARY_FILE",
    "atomic_directory", "write_papers", "load_papers", "papers_path", "iter_papers",
    "extractions_path", "load_extractions", "load_summary", "save_model", "load_model",
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
