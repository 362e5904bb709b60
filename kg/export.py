"""Flat exports of the graph model (GraphML, GEXF, CSV) and the registry of every exporter.

The graph model (``docs/architecture.md``) is a networkx ``MultiDiGraph`` whose node keys
are IRIs and whose edge keys are relation names. The flat formats hold only scalar
attributes, so every node and edge is converted the same way before writing:

* tuples (``alt_labels``, ``fields``, ``evidence``, ``shared``) become ``|``-joined strings;
* ``None`` becomes ``""`` (an attribute that is numeric elsewhere is left out instead, so
  every attribute keeps one type);
* the paper attribute ``id`` (the stable id) is written as ``paper_id``, because ``id`` is
  the node key (the IRI) in these formats;
* the edge key (the relation: ``mentions``, ``author``, ``similar``, ``broader``,
  ``cooccurs``) is kept as the edge attribute ``relation``, and every edge gets a unique
  id (``e0``, ``e1``, ... in sorted order): Gephi and igraph drop edges whose ids repeat.

Nodes and edges are written in sorted order, so the same graph gives the same file.
Every writer goes through a temporary file in the target's directory and an atomic
rename: an existing file is never left half-written.

Examples
--------
>>> import networkx as nx, tempfile, pathlib
>>> G = nx.MultiDiGraph()
>>> G.add_node("https://w3id.org/paper-kg/concept/lora", kind="concept", label="LoRA",
...            alt_labels=("low-rank adaptation",), type="Method", source="ontology",
...            definition=None, paper_count=1)
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> H = nx.read_graphml(write_graphml(G, out / "g.graphml"))
>>> H.nodes["https://w3id.org/paper-kg/concept/lora"]["alt_labels"]
'low-rank adaptation'
>>> sorted(EXPORTERS)
['csv', 'gexf', 'graphml', 'html', 'jsonld', 'nquads', 'ntriples', 'rdfxml', 'trig', 'turtle']
"""
from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr
from typing import IO, Any

from kg.errors import ExportError, KGError

__all__ = [
    "ALIASES",
    "EXPORTERS",
    "atomic_output",
    "export",
    "exporter",
    "flat_graph",
    "write_csv",
    "write_gexf",
    "write_graphml",
]

#: Columns that always come first in ``nodes.csv`` and ``edges.csv``.
NODE_KEY_COLUMNS = ("id", "kind")
EDGE_KEY_COLUMNS = ("source", "target", "relation")


# ---------------------------------------------------------------------------------------
# atomic writes
# ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it onto ``path`` when the block ends.

    On any exception the temporary file is removed and an existing ``path`` is left as it
    was. Errors of the file system are raised as :class:`~kg.errors.ExportError`.

    Parameters
    ----------
    path : path-like
        The file to (re)write. Its directory must exist.
    mode : {"wb", "w"}
        Binary, or text (UTF-8, ``\\n`` newlines).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(p, "w") as fh:
    ...     _ = fh.write("done")
    >>> p.read_text()
    'done'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', not {mode!r}")
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        if mode == "wb":
            fh = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            fh = os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():  # keep the permissions an existing file had
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


# ---------------------------------------------------------------------------------------
# flattening
# ---------------------------------------------------------------------------------------
def _flat_value(value: Any) -> Any:
    """A scalar GraphML/GEXF can hold: tuples joined by ``|``, numpy scalars unwrapped."""
    if isinstance(value, (tuple, list, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return "|".join("" if v is None else str(v) for v in items)
    if isinstance(value, (str, bool, int, float)):
        return value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        with contextlib.suppress(Exception):
            v = item()
            if isinstance(v, (str, bool, int, float)):
                return v
    return str(value)


def _numeric_attrs(items: Iterator[Mapping[str, Any]]) -> set[str]:
    """Names of attributes that hold a number somewhere (and so must never become "")."""
    out: set[str] = set()
    for data in items:
        for k, v in data.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                out.add(k)
            elif v is not None and hasattr(v, "item") and not isinstance(v, str):
                out.add(k)
    return out


def _flat_attrs(data: Mapping[str, Any], numeric: set[str], rename: Mapping[str, str]) -> dict:
    out = {}
    for k, v in data.items():
        k = rename.get(k, k)
        if v is None:
            if k in numeric:
                continue
            out[k] = ""
        else:
            out[k] = _flat_value(v)
    return out


def _sorted_edges(G) -> list[tuple[Any, Any, Any, dict]]:
    if G.is_multigraph():
        edges = G.edges(keys=True, data=True)
    else:
        edges = ((u, v, None, d) for u, v, d in G.edges(data=True))
    return sorted(edges, key=lambda e: (str(e[0]), str(e[1]), str(e[2])))


def flat_graph(G):
    """Return a copy of ``G`` that GraphML, GEXF and CSV can hold (see the module notes).

    The copy is a ``MultiDiGraph`` (``MultiGraph`` for undirected input) with nodes and
    edges in sorted order, edge keys ``e0, e1, ...`` and the original edge key in the
    ``relation`` attribute.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("p", kind="paper", id="2101.00001", date=None)
    >>> G.add_node("c", kind="concept", label="LoRA", alt_labels=("a", "b"))
    >>> _ = G.add_edge("p", "c", key="mentions", count=2, fields=("title",))
    >>> F = flat_graph(G)
    >>> F.nodes["p"]
    {'kind': 'paper', 'paper_id': '2101.00001', 'date': ''}
    >>> list(F.edges(keys=True, data=True))
    [('p', 'c', 'e0', {'count': 2, 'fields': 'title', 'relation': 'mentions'})]
    """
    import networkx as nx

    F = nx.MultiDiGraph() if G.is_directed() else nx.MultiGraph()
    for k, v in G.graph.items():
        if v is not None and not isinstance(v, (dict, Mapping)):
            F.graph[str(k)] = _flat_value(v)
    node_numeric = _numeric_attrs(d for _, d in G.nodes(data=True))
    node_rename = {"id": "paper_id"}
    for n in sorted(G.nodes, key=str):
        F.add_node(str(n), **_flat_attrs(G.nodes[n], node_numeric, node_rename))
    edges = _sorted_edges(G)
    edge_numeric = _numeric_attrs(d for *_, d in edges)
    edge_rename = {"id": "edge_id", "relation": "relation_attr", "key": "edge_key"}
    for i, (u, v, key, data) in enumerate(edges):
        attrs = _flat_attrs(data, edge_numeric, edge_rename)
        attrs["relation"] = "" if key is None else str(key)
        F.add_edge(str(u), str(v), key=f"e{i}", **attrs)
    return F


# ---------------------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------------------
def write_graphml(G, path: str | os.PathLike[str]) -> Path:
    """Write ``G`` as GraphML (for networkx, igraph, Gephi, yEd, Cytoscape).

    Node ids are the IRIs; see the module notes for how attributes are flattened. Numeric
    attribute types are inferred (``int`` and ``double``), so ``nx.read_graphml`` gives back
    numbers.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    path : path-like
        The output file; written atomically.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="cooccurs", npmi=0.5, support=3)
    >>> out = write_graphml(G, pathlib.Path(tempfile.mkdtemp()) / "g.graphml")
    >>> list(nx.read_graphml(out).edges(data=True))
    [('a', 'b', {'npmi': 0.5, 'support': 3, 'relation': 'cooccurs', 'id': 'e0'})]
    """
    order = sorted(G.nodes, key=str)
    edges = _sorted_edges(G)
    node_numeric = _numeric_attrs(G.nodes[n] for n in order)
    edge_numeric = _numeric_attrs(d for *_, d in edges)
    edge_rename = {"id": "edge_id", "relation": "relation_attr", "key": "edge_key"}

    def node_rows():  # generated twice (types, then text): never all held in memory
        for n in order:
            yield str(n), _flat_attrs(G.nodes[n], node_numeric, {"id": "paper_id"})

    def edge_rows():
        for u, v, key, d in edges:
            attrs = _flat_attrs(d, edge_numeric, edge_rename)
            attrs["relation"] = "" if key is None else str(key)
            yield str(u), str(v), attrs

    with atomic_output(path, "w") as fh:
        _write_graphml_rows(fh, G, node_rows, edge_rows)
    return Path(path)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> str:
    return xml_escape(_XML_INVALID.sub("", str(value)))


def _graphml_types(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """GraphML attribute types: boolean, long, double or string, per attribute name."""
    kinds: dict[str, set[type]] = {}
    for attrs in rows:
        for k, v in attrs.items():
            kinds.setdefault(k, set()).add(type(v))
    out = {}
    for k, ts in kinds.items():
        if ts == {bool}:
            out[k] = "boolean"
        elif ts <= {int}:
            out[k] = "long"
        elif ts <= {int, float}:
            out[k] = "double"
        else:
            out[k] = "string"
    return out


def _graphml_value(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))
    return _xml_text(value)


def _write_graphml_rows(fh, G, node_rows, edge_rows) -> None:
    """Stream GraphML text: key declarations, then nodes and edges in the given order.

    ``node_rows`` and ``edge_rows`` are callables returning fresh iterators of flattened
    rows; they are read twice (attribute types first), so rows are never all in memory.
    """
    node_types = _graphml_types(a for _, a in node_rows())
    edge_types = _graphml_types(a for *_, a in edge_rows())
    graph_attrs = {str(k): _flat_value(v) for k, v in G.graph.items()
                   if v is not None and not isinstance(v, Mapping)}
    graph_types = _graphml_types([graph_attrs])
    ids: dict[tuple[str, str], str] = {}
    fh.write('<?xml version="1.0" encoding="utf-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
             'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
    for domain, types in (("graph", graph_types), ("node", node_types), ("edge", edge_types)):
        for name in sorted(types):
            key_id = ids[(domain, name)] = f"d{len(ids)}"
            fh.write(f'  <key id="{key_id}" for="{domain}" attr.name={quoteattr(_XML_INVALID.sub("", name))} '
                     f'attr.type="{types[name]}"/>\n')
    edgedefault = "directed" if G.is_directed() else "undirected"
    fh.write(f'  <graph edgedefault="{edgedefault}">\n')
    for name in sorted(graph_attrs):
        fh.write(f'    <data key="{ids[("graph", name)]}">'
                 f'{_graphml_value(graph_attrs[name], graph_types[name])}</data>\n')
    write = fh.write
    for n, attrs in node_rows():
        write(f'    <node id={quoteattr(_XML_INVALID.sub("", n))}>')
        for k, v in attrs.items():
            write(f'<data key="{ids[("node", k)]}">{_graphml_value(v, node_types[k])}</data>')
        write("</node>\n")
    for i, (u, v, attrs) in enumerate(edge_rows()):
        write(f'    <edge id="e{i}" source={quoteattr(_XML_INVALID.sub("", u))} '
              f'target={quoteattr(_XML_INVALID.sub("", v))}>')
        for k, val in attrs.items():
            write(f'<data key="{ids[("edge", k)]}">{_graphml_value(val, edge_types[k])}</data>')
        write("</edge>\n")
    fh.write("  </graph>\n</graphml>\n")


def write_gexf(G, path: str | os.PathLike[str]) -> Path:
    """Write ``G`` as GEXF 1.2 (Gephi's own format).

    The GEXF ``label`` of a node is its ``label`` (concepts), ``title`` (papers) or ``name``
    (authors); the similarity ``weight`` becomes the GEXF edge weight. Attributes are
    flattened as described in the module notes.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    path : path-like
        The output file; written atomically.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("https://w3id.org/paper-kg/author/ada", kind="author", name="Ada")
    >>> out = write_gexf(G, pathlib.Path(tempfile.mkdtemp()) / "g.gexf")
    >>> nx.read_gexf(out).nodes["https://w3id.org/paper-kg/author/ada"]["label"]
    'Ada'
    """
    import networkx as nx

    F = flat_graph(G)
    for _, data in F.nodes(data=True):
        if "label" not in data:
            for attr in ("title", "name"):
                if data.get(attr):
                    data["label"] = data[attr]
                    break
    with atomic_output(path, "wb") as fh:
        try:
            nx.write_gexf(F, fh, encoding="utf-8", prettyprint=True)
        except (TypeError, ValueError, nx.NetworkXError) as exc:
            raise ExportError(f"cannot write GEXF {path}: {exc}") from exc
    return Path(path)


def _write_table(path: Path, head: tuple[str, ...], rows: list[dict]) -> None:
    extra = sorted({k for row in rows for k in row} - set(head))
    columns = list(head) + extra
    with atomic_output(path, "w") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", restval="")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def write_csv(G, directory: str | os.PathLike[str]) -> Path:
    """Write ``nodes.csv`` and ``edges.csv`` into ``directory`` (created if missing).

    ``nodes.csv`` has the columns ``id`` (the IRI), ``kind``, then every other node
    attribute in alphabetical order; ``edges.csv`` has ``source``, ``target``,
    ``relation``, then every edge attribute. Cells a node or edge lacks are empty. Both
    files are UTF-8, comma-separated, quoted as needed (RFC 4180) and written atomically.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    directory : path-like
        Where to write the two files.

    Returns
    -------
    pathlib.Path
        ``directory``.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("a", "b", key="broader")
    >>> out = write_csv(G, pathlib.Path(tempfile.mkdtemp()) / "csv")
    >>> print((out / "edges.csv").read_text().strip())
    source,target,relation
    a,b,broader
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {directory}: {exc.strerror or exc}") from exc
    F = flat_graph(G)
    nodes = []
    for n, data in F.nodes(data=True):
        row = {"id": n, "kind": data.get("kind", "")}
        row.update({k: v for k, v in data.items() if k not in row})
        nodes.append(row)
    edges = []
    for u, v, _, data in F.edges(keys=True, data=True):
        row = {"source": u, "target": v, "relation": data.get("relation", "")}
        row.update({k: val for k, val in data.items() if k not in row})
        edges.append(row)
    _write_table(directory / "nodes.csv", NODE_KEY_COLUMNS, nodes)
    _write_table(directory / "edges.csv", EDGE_KEY_COLUMNS, edges)
    return directory


# ---------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------
def _rdf_writer(fmt: str) -> Callable[..., Path]:
    def write(G, path, **options):
        from kg.rdf import write_rdf

        return write_rdf(G, path, format=fmt, **options)

    write.__name__ = f"write_{fmt}"
    write.__doc__ = f"Write the RDF view of ``G`` as {fmt} (see :func:`kg.rdf.write_rdf`)."
    return write


def _html_writer(G, path, **options):
    """Write the HTML map of ``G`` (see :func:`kg.view.write_html`)."""
    from kg.view import write_html

    return write_html(G, path, **options)


#: Every output format by name: ``name -> writer(G, path, **options)``.
EXPORTERS: dict[str, Callable[..., Path]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "csv": write_csv,
    "turtle": _rdf_writer("turtle"),
    "ntriples": _rdf_writer("ntriples"),
    "nquads": _rdf_writer("nquads"),
    "trig": _rdf_writer("trig"),
    "rdfxml": _rdf_writer("rdfxml"),
    "jsonld": _rdf_writer("jsonld"),
    "html": _html_writer,
}

#: Other names accepted by :func:`export` (file extensions and rdflib's format names).
ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "nt11": "ntriples",
    "nq": "nquads",
    "n-quads": "nquads",
    "xml": "rdfxml",
    "rdf": "rdfxml",
    "rdf/xml": "rdfxml",
    "owl": "rdfxml",
    "json-ld": "jsonld",
    "htm": "html",
}


def exporter(fmt: str) -> Callable[..., Path]:
    """The writer of format ``fmt`` (a name of :data:`EXPORTERS` or an alias).

    Raises
    ------
    ExportError
        If ``fmt`` is unknown; the message lists the valid names.

    Examples
    --------
    >>> exporter("TTL").__name__
    'write_turtle'
    >>> exporter("svg")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: unknown export format 'svg'; choose one of: csv, gexf, graphml, html, jsonld, nquads, ntriples, rdfxml, trig, turtle (aliases: htm, json-ld, n-quads, n-triples, nq, nt, nt11, owl, rdf, rdf/xml, ttl, xml)
    """
    name = str(fmt).strip().lower()
    name = ALIASES.get(name, name)
    try:
        return EXPORTERS[name]
    except KeyError:
        raise ExportError(
            f"unknown export format {fmt!r}; choose one of: {', '.join(sorted(EXPORTERS))} "
            f"(aliases: {', '.join(sorted(ALIASES))})"
        ) from None


def export(G, fmt: str, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``G`` in format ``fmt`` to ``path`` (a directory for ``csv``).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    fmt : str
        A name of :data:`EXPORTERS` or an alias such as ``ttl``, ``nt``, ``json-ld``.
    path : path-like
        The output file (or directory for ``csv``).
    **options
        Passed to the writer (e.g. ``detail=True`` for RDF, ``max_nodes`` for HTML).

    Returns
    -------
    pathlib.Path
        What was written.

    Raises
    ------
    ExportError
        For an unknown format (the message lists the valid ones) or a failed write.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> out = export(nx.MultiDiGraph(), "gexf", pathlib.Path(tempfile.mkdtemp()) / "g.gexf")
    >>> out.suffix
    '.gexf'
    """
    writer = exporter(fmt)
    try:
        return writer(G, path, **options)
    except KGError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
