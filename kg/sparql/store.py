"""The SPARQL store of a build: an Oxigraph database kept inside the build directory.

The first SPARQL question to a build (``kg sparql``, ``kg serve``, :func:`open_store`)
loads its ``graph.ttl`` into an Oxigraph store at ``DIR/graph.oxigraph/``; later ones
reuse it. ``graph.ttl`` is the union of the build's named graphs, each part after a
``# graph: <IRI>`` line (:func:`graph_sections` finds them). By default the store holds
their union in its default graph; with ``named_graphs=True`` it keeps each part in its
named graph (``GRAPH`` queries; queries see the union as the default graph). Oxigraph
indexes a triple of the default graph three ways and a quad of a named graph six, so the
first layout is made in about two thirds of the time. A ``graph.ttl`` without the
sections, or of another RDF model version, was written by an older kg: the build must be
made again. The store is made in a temporary sibling and renamed into place when complete,
so a killed load leaves no half store, and it records what it was made from (the size and
modification time of ``graph.ttl``, the kg version and the layout): when the build
changes (``kg build --update`` rewrites the directory), the store is made again.

Examples
--------
>>> import tempfile, pathlib
>>> from kg.export import write_rdf
>>> from kg.query.examples import example_model
>>> build = pathlib.Path(tempfile.mkdtemp())
>>> _ = write_rdf(example_model(), build / "graph.ttl")
>>> store = open_store(build)
>>> len(store) > 10, (build / STORE_DIR).is_dir()
(True, True)
"""
from __future__ import annotations

import json
import mmap
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pyoxigraph as ox

from kg import __version__
from kg.errors import GraphError
from kg.iris import BUILD_ACTIVITY, RDF_MODEL_VERSION, VOCAB_NS

__all__ = ["STORE_DIR", "STAMP_FILE", "LABELS_FILE", "store_path", "store_is_current",
           "store_has_named_graphs", "make_store", "open_store", "concept_labels", "build_labels", "graph_sections",
           "section_reader", "SectionsError"]

#: The store's directory inside a build directory.
STORE_DIR = "graph.oxigraph"
#: What the store was made from, beside it (JSON).
STAMP_FILE = "graph.oxigraph.json"
#: The concepts' labels, beside the store (JSON: ``{IRI: [labels]}``), for concept arguments.
LABELS_FILE = "graph.oxigraph.labels.json"
#: The RDF file of a build the store is made from.
SOURCE_FILE = "graph.ttl"

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


_MARKER = b"\n# graph: <"
_MODEL_QUERY = (f"ASK {{ <{BUILD_ACTIVITY}> "
                f"<{VOCAB_NS}rdfModelVersion> {RDF_MODEL_VERSION} }}")
#: How a build from an older kg is told to rebuild.
REBUILD = "rebuild it with `kg build INPUT... -o {dir}`"


class SectionsError(GraphError):
    """A build's ``graph.ttl`` has no named-graph sections: an older kg wrote it."""


def graph_sections(path: str | Path) -> tuple[int, list[tuple[str, int, int]]]:
    """Where the named graphs of a build's Turtle are: the length of the prefix header,
    and ``(graph IRI, start, end)`` byte ranges of each part.

    Raises
    ------
    SectionsError
        If the file has no ``# graph: <IRI>`` lines (written by an older kg).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> ttl = write_rdf(example_model(), pathlib.Path(tempfile.mkdtemp()) / "graph.ttl")
    >>> [iri.rsplit("/", 1)[1] for iri, _, _ in graph_sections(ttl)[1]]
    ['ontology', 'papers', 'evidence', 'links', 'build']
    """
    path = Path(path)
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            raise SectionsError(f"{path} is empty")
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            found = []
            at = mm.find(_MARKER)
            while at >= 0:
                close = mm.find(b">\n", at)
                found.append((at, mm[at + len(_MARKER):close].decode("utf-8"), close + 2))
                at = mm.find(_MARKER, close)
            size = len(mm)
    if not found:
        raise SectionsError(f"{path} has no named graphs: it was written by an older kg")
    sections = [(iri, body, found[i + 1][0] if i + 1 < len(found) else size)
                for i, (_, iri, body) in enumerate(found)]
    return found[0][0] + 1, sections


class _Pieces:
    """A binary file-like object reading a sequence of byte pieces (bytes or file ranges)."""

    def __init__(self, path: Path, pieces: list, progress: Callable[[int], None] | None) -> None:
        self._fh = open(path, "rb")
        self._mm = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        self._pieces: Iterator = iter(pieces)
        self._current = memoryview(b"")
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        size = 1 << 20 if size is None or size < 0 else size
        while not len(self._current):
            piece = next(self._pieces, None)
            if piece is None:
                return b""
            self._current = memoryview(piece if isinstance(piece, bytes)
                                       else self._mm[piece[0]:piece[1]])
        out = bytes(self._current[:size])
        self._current = self._current[len(out):]
        if self._progress is not None:
            self._progress(len(out))
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._current = memoryview(b"")
        self._mm.close()
        self._fh.close()

    def __enter__(self) -> "_Pieces":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def section_reader(path: str | Path, graphs: list[tuple[str, int, int]] | None = None, *,
                   header: int | None = None, trig: bool = False,
                   progress: Callable[[int], None] | None = None) -> _Pieces:
    """A binary file-like object reading parts of a build's Turtle: the prefix header,
    then the given sections (all of them by default), as Turtle (their union) or as TriG
    (each in its named graph). Close it when done (it is a context manager).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> ttl = write_rdf(example_model(), pathlib.Path(tempfile.mkdtemp()) / "graph.ttl")
    >>> _, sections = graph_sections(ttl)
    >>> with section_reader(ttl, sections[-1:]) as fh:  # the build graph alone
    ...     sorted({t.subject.value.rsplit("/", 1)[1] for t in ox.parse(fh, format=ox.RdfFormat.TURTLE)})
    ['build', 'evidence', 'links']
    """
    path = Path(path)
    if header is None or graphs is None:
        header_len, found = graph_sections(path)
        header = header_len if header is None else header
        graphs = found if graphs is None else graphs
    pieces: list = [(0, header)]
    for iri, start, end in graphs:
        if trig:
            pieces += [f"<{iri}> {{\n".encode("utf-8"), (start, end), b"\n}\n"]
        else:
            pieces.append((start, end))
    return _Pieces(path, pieces, progress)


def store_path(directory: str | Path) -> Path:
    """Where the store of build ``directory`` lives.

    Examples
    --------
    >>> store_path("kg-out").as_posix()
    'kg-out/graph.oxigraph'
    """
    return Path(directory) / STORE_DIR


def _source(directory: Path) -> Path:
    source = directory / SOURCE_FILE
    if not source.is_file():
        if not directory.is_dir():
            raise GraphError(f"{directory} does not exist: build a graph first with "
                             f"`kg build INPUT... -o {directory}`")
        raise GraphError(f"{directory} has no {SOURCE_FILE}: build a graph first with "
                         f"`kg build INPUT... -o {directory}`")
    return source


def _stamp(source: Path, named_graphs: bool) -> dict[str, Any]:
    info = source.stat()
    return {"kg_version": __version__, "rdf_model": RDF_MODEL_VERSION, "source": source.name,
            "size": info.st_size, "mtime_ns": info.st_mtime_ns,
            "oxigraph": getattr(ox, "__version__", ""), "named_graphs": named_graphs}


def store_is_current(directory: str | Path, *, named_graphs: bool | None = None) -> bool:
    """Whether build ``directory`` has a store made from its current ``graph.ttl`` (with
    named graphs or not, or either when ``named_graphs`` is None).

    Examples
    --------
    >>> import tempfile
    >>> store_is_current(tempfile.mkdtemp())
    False
    """
    directory = Path(directory)
    stamp_file = directory / STAMP_FILE
    if not (store_path(directory).is_dir() and stamp_file.is_file()
            and (directory / SOURCE_FILE).is_file()):
        return False
    try:
        recorded = json.loads(stamp_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    layouts = (False, True) if named_graphs is None else (named_graphs,)
    return any(recorded == _stamp(directory / SOURCE_FILE, layout) for layout in layouts)


def store_has_named_graphs(directory: str | Path) -> bool:
    """Whether the current store of build ``directory`` keeps the build's named graphs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> build = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_rdf(example_model(), build / "graph.ttl")
    >>> _ = make_store(build, named_graphs=True)
    >>> store_has_named_graphs(build)
    True
    """
    return store_is_current(directory, named_graphs=True)


def make_store(directory: str | Path, *, named_graphs: bool = False) -> Path:
    """(Re)make the store of build ``directory`` from its ``graph.ttl``; return its path.

    The store is loaded into a temporary directory beside the build's and renamed into
    place, then its stamp is written: a store without a current stamp is never used.
    ``named_graphs``: keep each of the build's graphs in its named graph instead of their
    union in the default graph.

    Raises
    ------
    GraphError
        If the build has no ``graph.ttl``, it cannot be loaded (naming the file), or an
        older kg wrote it (the message says how to rebuild).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> build = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_rdf(example_model(), build / "graph.ttl")
    >>> make_store(build).name
    'graph.oxigraph'
    """
    directory = Path(directory)
    source = _source(directory)
    stamp = _stamp(source, named_graphs)
    target = store_path(directory)
    rebuild = REBUILD.format(dir=directory)
    try:
        header, sections = graph_sections(source)
    except SectionsError as exc:
        raise GraphError(f"{exc}; {rebuild}") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{STORE_DIR}.tmp-", dir=directory))
    try:
        store = ox.Store(str(tmp))
        try:
            with section_reader(source, sections, header=header, trig=named_graphs) as fh:
                store.bulk_load(fh, format=ox.RdfFormat.TRIG if named_graphs
                                else ox.RdfFormat.TURTLE)
        except (SyntaxError, ValueError) as exc:
            raise GraphError(f"{source}: cannot be loaded into the SPARQL store ({exc}); "
                             f"{rebuild}") from exc
        if not store.query(_MODEL_QUERY, use_default_graph_as_union=True):
            raise GraphError(f"{source} was written by an older kg (RDF model version "
                             f"{RDF_MODEL_VERSION} expected); {rebuild}")
        store.optimize()
        store.flush()
        labels = concept_labels(store)
        del store  # closes the database before it is moved
        (directory / STAMP_FILE).unlink(missing_ok=True)
        (directory / LABELS_FILE).write_text(json.dumps(labels, ensure_ascii=False),
                                             encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (directory / STAMP_FILE).write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    return target


def open_store(directory: str | Path, *, refresh: bool = False,
               named_graphs: bool | None = None) -> ox.Store:
    """The SPARQL store of build ``directory``, read-only, made first if needed.

    Parameters
    ----------
    directory : path-like
        A directory written by ``kg build``.
    refresh : bool
        Make the store again even if it is current.
    named_graphs : bool, optional
        Whether the store must keep the build's named graphs (True) or their union alone
        (False); a store of the other layout is made again. None: the current store,
        whichever it is (a new one holds the union).

    Raises
    ------
    GraphError
        If ``directory`` is not a build, or its store cannot be made or opened.

    Examples
    --------
    >>> import tempfile
    >>> open_store(tempfile.mkdtemp() + "/missing")
    Traceback (most recent call last):
    ...
    kg.errors.GraphError: .../missing does not exist: build a graph first with ...
    """
    directory = Path(directory)
    _source(directory)
    if named_graphs is None:  # keep the layout of the store there is
        named_graphs = store_has_named_graphs(directory)
    if refresh or not store_is_current(directory, named_graphs=named_graphs):
        make_store(directory, named_graphs=named_graphs)
    try:
        return ox.Store.read_only(str(store_path(directory)))
    except OSError as exc:
        raise GraphError(f"{store_path(directory)}: cannot open the SPARQL store ({exc}); "
                         "delete it and ask again") from exc


def concept_labels(store: ox.Store) -> dict[str, list[str]]:
    """``{concept IRI: [preferred and alternative labels]}`` of the concepts in ``store``.

    Examples
    --------
    >>> from kg.export.rdf import to_store
    >>> from kg.query.examples import example_model
    >>> concept_labels(to_store(example_model()))["https://w3id.org/paper-kg/concept/lora"]
    ['LoRA', 'low-rank adaptation']
    """
    # read from the indexes in every graph (a third faster than the SPARQL join)
    concepts = {quad.subject.value for quad in
                store.quads_for_pattern(None, _RDF_TYPE, ox.NamedNode(_SKOS + "Concept"))}
    labels: dict[str, set[str]] = {}
    for name in ("prefLabel", "altLabel"):
        for quad in store.quads_for_pattern(None, ox.NamedNode(_SKOS + name), None):
            iri = quad.subject.value
            if iri in concepts:
                labels.setdefault(iri, set()).add(quad.object.value)
    return {iri: sorted(found) for iri, found in sorted(labels.items())}


def build_labels(directory: str | Path) -> dict[str, list[str]]:
    """The concept labels of build ``directory`` (kept beside its store; the store is made
    first if needed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> build = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_rdf(example_model(), build / "graph.ttl")
    >>> sorted(build_labels(build))[0]
    'https://w3id.org/paper-kg/concept/infinite-width'
    """
    directory = Path(directory)
    if not store_is_current(directory) or not (directory / LABELS_FILE).is_file():
        make_store(directory)
    return json.loads((directory / LABELS_FILE).read_text(encoding="utf-8"))
