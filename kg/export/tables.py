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

Text that could do harm downstream is made safe, and good text is written unchanged:

* XML 1.0 cannot hold control characters other than tab, newline and carriage return
  (nor U+FFFE, U+FFFF or a lone surrogate); GraphML and GEXF leave them out of every name
  and value (:func:`strip_xml_invalid`), so the files stay valid XML;
* a CSV text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  gets a leading ``'``, as OWASP advises against spreadsheet formula injection
  (:func:`csv_safe`). Numbers are written as numbers: a ``-0.5`` in a numeric column
  stays ``-0.5``. Whether a cell is text is decided by its value, not its column: a text
  value ``"-0.5"`` (say, a title) is written ``'-0.5``. Drop one leading ``'`` from a
  text cell to get the original text back. A value holding a carriage return is quoted
  (Python's writer quotes only ``\\n`` with ``\\n`` line ends), so no row splits in two.

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
import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.files import atomic_output, output_directory, output_file
from kg.model import GraphModel

__all__ = [
    "csv_safe",
    "flat_graph",
    "strip_xml_invalid",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "xml_safe_writer",
]

#: The files :func:`write_csv` writes into its directory.
CSV_FILES = ("nodes.csv", "edges.csv")
#: Columns that always come first in ``nodes.csv`` and ``edges.csv``.
NODE_KEY_COLUMNS = ("id", "kind")
EDGE_KEY_COLUMNS = ("source", "target", "relation")


#: What XML 1.0 cannot hold: C0 controls but tab, LF and CR; U+FFFE, U+FFFF; surrogates.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Their UTF-8 bytes that are single bytes (the C0 controls), for :func:`xml_safe_writer`.
_XML_INVALID_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
#: UTF-8 of U+FFFE and U+FFFF (surrogates cannot be UTF-8 encoded).
_XML_INVALID_UTF8 = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")
#: First characters a spreadsheet reads as the start of a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------
# safe text
# ---------------------------------------------------------------------------------------
def strip_xml_invalid(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters other
    than tab, newline and carriage return; U+FFFE, U+FFFF; lone surrogates).

    Examples
    --------
    >>> strip_xml_invalid("a\\x00b\\x01c\\td")
    'abc\\td'
    """
    return _XML_INVALID.sub("", text)


def csv_safe(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows as text, never runs as a formula.

    Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading ``'`` (OWASP's advice); other text, and every number, is returned unchanged.

    Examples
    --------
    >>> csv_safe("=1+1"), csv_safe("-0.5"), csv_safe(-0.5), csv_safe("LoRA")
    ("'=1+1", "'-0.5", -0.5, 'LoRA')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _XmlSafeWriter:
    """A binary file wrapper that drops what XML 1.0 cannot hold from UTF-8 output."""

    def __init__(self, fh) -> None:
        self._fh = fh
        self._held = b""  # the start of a 3-byte sequence split between two writes

    def write(self, data) -> int:
        n = len(data)
        data = self._held + bytes(data)
        cut = len(data) - 2 if data.endswith(b"\xef\xbf") else (
            len(data) - 1 if data.endswith(b"\xef") else len(data))
        data, self._held = data[:cut], data[cut:]
        data = data.translate(None, _XML_INVALID_BYTES)
        for seq in _XML_INVALID_UTF8:
            if seq in data:
                data = data.replace(seq, b"")
        self._fh.write(data)
        return n  # all of it was taken: a writer must not send any of it again

    def flush(self) -> None:
        if self._held:
            self._fh.write(self._held)
            self._held = b""
        self._fh.flush()

    def writable(self) -> bool:
        return True


def xml_safe_writer(fh):
    """Wrap binary file ``fh`` so that UTF-8 XML written to it stays valid XML 1.0.

    Control characters other than tab, newline and carriage return, U+FFFE and U+FFFF are
    dropped on the way (as :func:`strip_xml_invalid` does to text). Call ``flush()`` at
    the end. For serializers that write XML text as is (pyoxigraph's RDF/XML).

    Examples
    --------
    >>> import io
    >>> buf = io.BytesIO()
    >>> out = xml_safe_writer(buf)
    >>> out.write("<t>a\\x01b</t>".encode())
    10
    >>> out.flush()
    >>> buf.getvalue()
    b'<t>ab</t>'
    """
    return _XmlSafeWriter(fh)


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


def _xml_valid_attrs(data: dict) -> None:
    """Strip what XML cannot hold from the names and text values of ``data``, in place."""
    for k in [k for k in data if isinstance(k, str) and _XML_INVALID.search(k)]:
        data[_XML_INVALID.sub("", k)] = data.pop(k)
    for k, v in data.items():
        if isinstance(v, str) and _XML_INVALID.search(v):
            data[k] = _XML_INVALID.sub("", v)


def _xml_valid_graph(F):
    """Flat graph ``F`` with no character XML 1.0 cannot hold in a name, id or text value
    (``F`` itself, changed in place, unless a node id needs it: then a relabelled copy in
    the same order). Good text is left as it is."""
    _xml_valid_attrs(F.graph)
    for _, data in F.nodes(data=True):
        _xml_valid_attrs(data)
    for *_, data in F.edges(keys=True, data=True):
        _xml_valid_attrs(data)
    bad = {n: _XML_INVALID.sub("", n) for n in F if _XML_INVALID.search(n)}
    return nx.relabel_nodes(F, bad, copy=True) if bad else F


def write_gexf(G, path: str | os.PathLike[str]) -> Path:
    """Write ``G`` as GEXF 1.2 (Gephi's own format).

    The GEXF ``label`` of a node is its ``label`` (concepts), ``title`` (papers) or ``name``
    (authors); the similarity ``weight`` becomes the GEXF edge weight. Attributes are
    flattened as described in the module notes; characters XML cannot hold are left out.

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
    F = _xml_valid_graph(F)
    with atomic_output(path, "wb") as fh:
        try:
            nx.write_gexf(F, fh, encoding="utf-8", prettyprint=True)
        except (TypeError, ValueError, nx.NetworkXError) as exc:
            raise ExportError(f"cannot write GEXF {path}: {exc}") from exc
    return Path(path)


def _csv_line_with_cr(cells: list) -> str:
    """One CSV line whose fields holding a carriage return are quoted: with ``"\\n"`` line
    ends, Python's writer quotes fields holding ``\\n`` but not a bare ``\\r`` (so the row
    would split in two when read); a ``"\\r\\n"`` writer quotes both."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()[:-2] + "\n"


def _write_table(path: Path, head: tuple[str, ...], rows: list[dict]) -> None:
    extra = sorted({k for row in rows for k in row} - set(head))
    columns = list(head) + extra
    with atomic_output(path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            cells = ["" if (v := row.get(k)) is None else csv_safe(v) for k in columns]
            if any(isinstance(c, str) and "\r" in c for c in cells):
                fh.write(_csv_line_with_cr(cells))
            else:
                writer.writerow(cells)


def write_csv(G, directory: str | os.PathLike[str]) -> Path:
    """Write ``nodes.csv`` and ``edges.csv`` into ``directory`` (created if missing).

    ``nodes.csv`` has the columns ``id`` (the IRI), ``kind``, then every other node
    attribute in alphabetical order; ``edges.csv`` has ``source``, ``target``,
    ``relation``, then every edge attribute. Cells a node or edge lacks are empty. Both
    files are UTF-8, comma-separated, quoted as needed (RFC 4180) and written atomically.
    A text cell that begins with ``= + - @``, a tab or a carriage return gets a leading
    ``'``, so that no spreadsheet runs it as a formula; numbers are written as they are
    (see :func:`csv_safe` and the module notes).

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
    real = output_directory(directory)
    for name in CSV_FILES:
        output_file(directory / name)
    try:
        real.mkdir(parents=True, exist_ok=True)
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
    nodes_file, edges_file = CSV_FILES
    _write_table(directory / nodes_file, NODE_KEY_COLUMNS, nodes)
    _write_table(directory / edges_file, EDGE_KEY_COLUMNS, edges)
    return directory
