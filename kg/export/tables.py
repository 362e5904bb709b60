"""Flat exports of the graph model: GraphML, GEXF, CSV.

Each writer takes a :class:`kg.model.GraphModel` (or a networkx ``MultiDiGraph`` of the
same shape: node keys are IRIs, edge keys relation names, see ``docs/architecture.md``). The flat formats hold only scalar
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
"""
from __future__ import annotations

import contextlib
import csv
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.files import atomic_output
from kg.model import GraphModel

__all__ = [
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
    G : kg.model.GraphModel or networkx.MultiDiGraph
        The graph.
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
    G = G.view() if isinstance(G, GraphModel) else G
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
    G : kg.model.GraphModel or networkx.MultiDiGraph
        The graph.
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
    F = flat_graph(G.to_networkx() if isinstance(G, GraphModel) else G)
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
    G : kg.model.GraphModel or networkx.MultiDiGraph
        The graph.
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
    F = flat_graph(G.to_networkx() if isinstance(G, GraphModel) else G)
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
