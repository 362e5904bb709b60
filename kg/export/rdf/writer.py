"""The RDF view of the graph model, written fast (kg's streaming writer, pyoxigraph).

The networkx graph (``docs/architecture.md``) maps onto standard vocabularies (SKOS,
Dublin Core terms, FOAF, PROV-O) plus the kg vocabulary ``kgv:`` (:mod:`kg.export.rdf.vocab`):

Papers (node kind ``paper``)::

    paper:2101.00001 a kgv:Paper ;
        dcterms:identifier "2101.00001" ;
        kgv:arxivId "2101.00001" ;                # only when the id is an arXiv id
        dcterms:title "..." ; dcterms:abstract "..." ;
        dcterms:date "2025-03-01"^^xsd:date ;     # xsd:gYear / gYearMonth / dateTime too
        foaf:page <https://arxiv.org/abs/2101.00001> ;
        kgv:source "arxiv" ;
        dcterms:creator author:ada-lovelace ;     # every author, unordered
        prov:qualifiedAttribution                 # the author order (PROV-O qualified form)
            [ prov:agent author:ada-lovelace ; kgv:authorPosition 1 ] ;
        kgv:mentions concept:ntk ;                # paper -> concept, one triple per pair
        kgv:similarTo paper:2101.00002 .          # stored once per pair (smaller IRI first)

Authors (``author``): ``a foaf:Person, kgv:Author ; foaf:name "Ada Lovelace"``.

Concepts (``concept``)::

    concept:ntk a skos:Concept, kgv:Concept, kgv:Theory ;  # type class when known
        skos:prefLabel "NTK"@en ; skos:altLabel "neural tangent kernel"@en ;
        skos:definition "..."@en ;
        skos:inScheme kg:ontology ;               # ontology concepts only
        skos:broader concept:kernel-methods ;
        kgv:paperCount 12 ;
        kgv:cooccursWith concept:infinite-width . # stored once per pair

Discovered concepts are also ``a kgv:DiscoveredConcept`` (their IRIs are under
``concept/x/``, prefix ``discovered:``). Labels and definitions are ``@en`` like the
packaged ontology's; titles and abstracts are plain strings.

Edge details are optional (``detail=True``) because they multiply the size: at 75 k papers
x 15 concepts the direct ``kgv:mentions`` triples alone are 1.1 M. With ``detail=True``
each ``mentions``, ``similar`` and ``cooccurs`` edge is also described by a standard RDF
reification (``rdf:Statement`` with ``rdf:subject``/``rdf:predicate``/``rdf:object``)
carrying its attributes: ``kgv:mentionCount``, ``kgv:score``, ``kgv:field``,
``kgv:evidence`` (mentions); ``kgv:similarity``, ``kgv:sharedConcept`` (similar);
``kgv:npmi``, ``kgv:support`` (cooccurs). For example, in SPARQL::

    SELECT ?paper ?n WHERE {
      ?m rdf:subject ?paper ; rdf:predicate kgv:mentions ; rdf:object concept:lora ;
         kgv:mentionCount ?n }

Qualified and reified nodes are blank nodes: inline ``[ ... ]`` in Turtle, elsewhere
labelled by a hash of what they describe. Triples come out grouped by subject in sorted
order, so the same graph always gives the same bytes, and two builds can be compared line
by line (N-Triples). Numbers are rounded to 6 decimals.

Speed: Turtle, TriG, N-Triples and N-Quads are written by a streaming text writer in this
module (every IRI is checked by pyoxigraph; literals escaped by the C JSON string encoder,
whose escapes are all valid Turtle), because building pyoxigraph terms from Python costs
1-9 us per term. RDF/XML and JSON-LD are written by pyoxigraph, which parses kg's
N-Triples in Rust (``benchmarks/bench_rdf.py`` compares with rdflib). The Turtle (and TriG)
of a :class:`kg.model.GraphModel` or its view -- what ``kg build`` writes -- comes straight
from the model's columns (one joined string per node, each IRI rendered once, no attribute
dicts): the same bytes as the networkx-shaped path, several times faster (the figures,
beside rdflib's, are in ``docs/benchmarks.md``; ``benchmarks/bench_rdf.py`` measures them).

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node(PAPER_NS + "2101.00001", kind="paper", id="2101.00001", title="NTK",
...            abstract="", date="2025-03", url=None, source="arxiv")
>>> G.add_node(CONCEPT_NS + "ntk", kind="concept", label="NTK", alt_labels=(),
...            type="Theory", source="ontology", definition=None, paper_count=1)
>>> _ = G.add_edge(PAPER_NS + "2101.00001", CONCEPT_NS + "ntk", key="mentions", count=1,
...                score=0.9, fields=("title",), evidence=("NTK",))
>>> ttl = serialize(G, "turtle").decode()
>>> print("".join(ln for ln in ttl.splitlines(True) if not ln.startswith("@prefix")))
... # doctest: +NORMALIZE_WHITESPACE
concept:ntk a skos:Concept , kgv:Concept , kgv:Theory ;
	skos:prefLabel "NTK"@en ;
	skos:inScheme kg:ontology ;
	kgv:paperCount 1 .
paper:2101.00001 a kgv:Paper ;
	dcterms:identifier "2101.00001" ;
	kgv:arxivId "2101.00001" ;
	dcterms:title "NTK" ;
	dcterms:date "2025-03"^^xsd:gYearMonth ;
	kgv:source "arxiv" ;
	kgv:mentions concept:ntk .
<BLANKLINE>
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyoxigraph as ox

from kg.errors import ExportError
from kg.export.formats import FORMATS, canonical_format
from kg.export.tables import xml_safe_writer
from kg.files import atomic_output
from kg.iris import AUTHOR_NS, BASE, CONCEPT_NS, DISCOVERED_NS, ONTOLOGY_SCHEME, PAPER_NS, VOCAB_NS
from kg.model import GraphModel, ModelView
from kg.model.arrays import strictly_sorted

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import pyoxigraph
    import rdflib

__all__ = [
    "AUTHOR_NS",
    "BASE",
    "CONCEPT_NS",
    "PAPER_NS",
    "PREFIXES",
    "as_graph",
    "graph_to_quads",
    "graph_to_triples",
    "rdf_format",
    "statements",
    "serialize",
    "to_rdflib",
    "to_store",
    "write_rdf",
]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_PROV = "http://www.w3.org/ns/prov#"

#: Prefixes bound in every serialization that has prefixes.
PREFIXES: dict[str, str] = {
    "kg": BASE,
    "kgv": VOCAB_NS,
    "paper": PAPER_NS,
    "concept": CONCEPT_NS,
    "discovered": DISCOVERED_NS,
    "author": AUTHOR_NS,
    "rdf": _RDF,
    "xsd": _XSD,
    "skos": _SKOS,
    "dcterms": _DCT,
    "foaf": _FOAF,
    "prov": _PROV,
}

# kg vocabulary terms used here. kg.export.rdf.vocab (rdflib-based) is the reference; this module keeps
# plain strings so that writing never imports rdflib. test_rdf checks they match kg.export.rdf.vocab.
_KGV_TERMS = (
    "Paper", "Author", "Concept", "DiscoveredConcept", "mentions", "mentionCount", "score",
    "evidence",
    "field", "similarTo", "similarity", "sharedConcept", "cooccursWith", "npmi", "support",
    "authorPosition", "paperCount", "source", "arxivId",
)
#: Concept type name -> class IRI (``kgv:Method``, ...).
TYPE_CLASSES: dict[str, str] = {
    name: VOCAB_NS + name
    for name in ("Method", "Model", "Task", "Dataset", "Metric", "Phenomenon", "Theory", "Field")
}
_TYPE_BY_LOWER = {name.lower(): iri for name, iri in TYPE_CLASSES.items()}

_DATE_TYPES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "date"),
    (re.compile(r"\d{4}-\d{2}"), "gYearMonth"),
    (re.compile(r"\d{4}"), "gYear"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?"), "dateTime"),
)
_ARXIV = re.compile(r"\d{4}\.\d{4,5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}")


def rdf_format(name: str) -> str:
    """The canonical name of RDF format ``name`` (aliases and any case accepted).

    Raises
    ------
    ExportError
        If ``name`` is not a known format; the message lists the valid names.

    Examples
    --------
    >>> rdf_format("TTL"), rdf_format("json-ld"), rdf_format("xml")
    ('turtle', 'jsonld', 'rdfxml')
    """
    return canonical_format(name, kind="rdf")


def as_graph(G: Any) -> Any:
    """What the writers walk: the streaming view of a :class:`~kg.model.GraphModel`, or
    ``G`` itself (a networkx graph or a view).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> as_graph(G) is G
    True
    """
    return G.view() if isinstance(G, GraphModel) else G


# ---------------------------------------------------------------------------------------
# the RDF view as plain statements
# ---------------------------------------------------------------------------------------
# A statement is (subject, predicate, object) where subject and predicate are strings (an
# IRI, or "_:label" for a blank node) and the object is an IRI/blank string, an ``int``
# (xsd:integer), a ``float`` (xsd:double) or a tuple ``(lexical, datatype IRI or None,
# language or None)``. Both writers (kg's own Turtle/N-Triples text writer, and pyoxigraph
# terms for the other formats) consume the same statements, so they cannot disagree.
_TYPE = _RDF + "type"
_KGV_IRI = {t: VOCAB_NS + t for t in _KGV_TERMS}
_XSD_DOUBLE = _XSD + "double"
_XSD_INTEGER = _XSD + "integer"


def _blank(prefix: str, *parts: str) -> str:
    h = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=10).hexdigest()
    return "_:" + prefix + h


def _num(value: Any) -> int | float | None:
    """A number as int, or float rounded to 6 decimals; None if it is not a finite number.

    >>> _num(3), _num(0.1234567), _num(None), _num(float("nan")), _num(True)
    (3, 0.123457, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if getattr(getattr(value, "dtype", None), "kind", None) in ("i", "u"):
        return int(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return round(f, 6)


def _date(value: Any) -> tuple | None:
    """A date literal: typed (xsd:date, gYearMonth, gYear, dateTime) when valid, else text.

    >>> [_date(v)[1].split("#")[1] if _date(v)[1] else None
    ...  for v in ("2025-03-01", "2025-03", "2025", "2025-02-30", "March 2025")]
    ['date', 'gYearMonth', 'gYear', None, None]
    """
    text = str(value).strip()
    if not text:
        return None
    for pattern, xsd_type in _DATE_TYPES:
        if pattern.fullmatch(text):
            try:
                if xsd_type == "date":
                    dt.date.fromisoformat(text)
                elif xsd_type == "gYearMonth" and not 1 <= int(text[5:7]) <= 12:
                    break
                elif xsd_type == "dateTime":
                    dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                break
            return (text, _XSD + xsd_type, None)
    return (text, None, None)


def _is_arxiv(pid: str) -> bool:
    return _ARXIV.fullmatch(pid) is not None


def _targets_by_key(G, node) -> tuple[dict[str, list[str]], Mapping[str, Any]]:
    """Out-edges of ``node`` as ``relation -> sorted targets``, and the adjacency
    (``adj[target][relation]`` is an edge's attributes)."""
    adj = G._adj[node]
    try:
        targets = sorted(adj)
    except TypeError:  # mixed key types: not IRIs, rejected when written
        targets = sorted(adj, key=str)
    by_key: dict[str, list] = {}
    if G.is_multigraph():
        for v in targets:
            for key in adj[v]:
                edges = by_key.get(key)
                if edges is None:
                    edges = by_key[key] = []
                edges.append(v)
        return by_key, adj
    multi = {}
    for v in targets:
        key = str(adj[v].get("relation", ""))
        by_key.setdefault(key, []).append(v)
        multi[v] = {key: adj[v]}
    return by_key, multi


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v not in (None, "")]


def statements(G: "nx.MultiDiGraph", *, detail: bool = False) -> Iterator[tuple[str, str, Any]]:
    """Yield the RDF view of ``G`` as plain ``(subject, predicate, object)`` tuples.

    Subjects and predicates are IRI strings (``"_:..."`` for blank nodes); objects are IRI
    strings, ``int`` (xsd:integer), ``float`` (xsd:double, rounded to 6 decimals) or
    ``(lexical, datatype, language)`` tuples. Statements come grouped by subject, subjects
    in sorted order, each node followed by its qualified (blank) nodes. This is the one
    place the mapping of the graph model to RDF is defined; see the module notes.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model. Nodes of unknown ``kind`` and edges of
        unknown relation are not part of the RDF view.
    detail : bool
        Also describe each ``mentions``, ``similar`` and ``cooccurs`` edge by a reified
        statement carrying its attributes.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> for s, p, o in statements(G):
    ...     print(s.rsplit("/", 1)[1], p.rsplit("/", 1)[1], o)
    ada 22-rdf-syntax-ns#type http://xmlns.com/foaf/0.1/Person
    ada 22-rdf-syntax-ns#type https://w3id.org/paper-kg/vocab#Author
    ada name ('Ada', None, None)
    """
    G = as_graph(G)
    for s, p, objects in _groups(G, detail):
        for o in objects:
            if type(o) is _Anon:
                label = o.label()
                yield s, p, label
                for prop, value in o.props:
                    yield label, prop, value
            else:
                yield s, p, o


class _Anon:
    """A blank node object with its own properties: ``[ p o ; ... ]`` in Turtle.

    Other formats name it ``_:`` + a hash of ``key``, so labels are stable across builds.
    """

    __slots__ = ("key", "props")

    def __init__(self, key: tuple[str, ...], props: tuple[tuple[str, Any], ...]) -> None:
        self.key = key
        self.props = props

    def label(self) -> str:
        return _blank(self.key[0], *self.key[1:])


def _groups(G, detail: bool) -> Iterator[tuple[str, str, Any]]:
    """:func:`statements` as ``(subject, predicate, [objects])``: fewer Python steps."""
    K = _KGV_IRI
    TYPE = _TYPE
    node_data = G._node
    try:
        nodes = sorted(node_data)
    except TypeError:  # mixed key types: not IRIs, rejected when written
        nodes = sorted(node_data, key=str)
    for node in nodes:
        data = node_data[node]
        kind = data.get("kind")
        s = str(node)
        if kind == "paper":
            yield s, TYPE, (K["Paper"],)
            pid = data.get("id")
            if pid not in (None, ""):
                pid = str(pid)
                yield s, _DCT + "identifier", ((pid, None, None),)
                if _is_arxiv(pid):
                    yield s, K["arxivId"], ((pid, None, None),)
            title = data.get("title")
            if title:
                yield s, _DCT + "title", ((str(title), None, None),)
            abstract = data.get("abstract")
            if abstract:
                yield s, _DCT + "abstract", ((str(abstract), None, None),)
            if data.get("date"):
                date = _date(data["date"])
                if date is not None:
                    yield s, _DCT + "date", (date,)
            url = data.get("url")
            if url:
                url = str(url).strip()
                yield s, _FOAF + "page", (url if _valid_iri(url) else (url, None, None),)
            if data.get("source"):
                yield s, K["source"], ((str(data["source"]), None, None),)
            by_key, adj = _targets_by_key(G, node)
            authors = by_key.get("author", ())
            mentions = by_key.get("mentions", ())
            similar = by_key.get("similar", ())
            if authors:
                yield s, _DCT + "creator", authors
                agent, position = _PROV + "agent", K["authorPosition"]
                quals = []
                for v in authors:
                    pos = adj[v]["author"].get("position")
                    if type(pos) is not int:
                        pos = _num(pos)
                    props = ((agent, v),) if pos is None else ((agent, v), (position, pos))
                    quals.append((pos if pos is not None else float("inf"), v,
                                  _Anon(("au", s, v), props)))
                quals.sort()  # in author order; (position, IRI) pairs are unique
                yield s, _PROV + "qualifiedAttribution", [q[2] for q in quals]
            if mentions:
                yield s, K["mentions"], mentions
            if similar:
                yield s, K["similarTo"], similar
            if detail:
                for v in mentions:
                    e = adj[v]["mentions"]
                    yield from _reified("m", s, K["mentions"], v, (
                        (K["mentionCount"], _num(e.get("count"))),
                        (K["score"], _num(e.get("score"))),
                    ), (
                        (K["field"], _texts(e.get("fields"))),
                        (K["evidence"], _texts(e.get("evidence"))),
                    ))
                for v in similar:
                    e = adj[v]["similar"]
                    yield from _reified("s", s, K["similarTo"], v, (
                        (K["similarity"], _num(e.get("weight"))),
                    ), (), ((K["sharedConcept"], _texts(e.get("shared"))),))
        elif kind == "concept":
            classes = [_SKOS + "Concept", K["Concept"]]
            ctype = data.get("type")
            if ctype and str(ctype).lower() in _TYPE_BY_LOWER:
                classes.append(_TYPE_BY_LOWER[str(ctype).lower()])
            if data.get("source") == "discovered":
                classes.append(K["DiscoveredConcept"])
            yield s, TYPE, classes
            label = data.get("label")
            if label:
                yield s, _SKOS + "prefLabel", ((str(label), None, "en"),)
            alts = sorted(set(_texts(data.get("alt_labels"))) - {label})
            if alts:
                yield s, _SKOS + "altLabel", [(alt, None, "en") for alt in alts]
            if data.get("definition"):
                yield s, _SKOS + "definition", ((str(data["definition"]), None, "en"),)
            if data.get("source") == "ontology":
                yield s, _SKOS + "inScheme", (ONTOLOGY_SCHEME,)
            count = _num(data.get("paper_count"))
            if count is not None:
                yield s, K["paperCount"], (count,)
            by_key, adj = _targets_by_key(G, node)
            broader = by_key.get("broader")
            if broader:
                yield s, _SKOS + "broader", broader
            cooccurs = by_key.get("cooccurs", ())
            if cooccurs:
                yield s, K["cooccursWith"], cooccurs
            if detail:
                for v in cooccurs:
                    e = adj[v]["cooccurs"]
                    yield from _reified("c", s, K["cooccursWith"], v, (
                        (K["npmi"], _num(e.get("npmi"))),
                        (K["support"], _num(e.get("support"))),
                    ), ())
        elif kind == "author":
            yield s, TYPE, (_FOAF + "Person", K["Author"])
            if data.get("name"):
                yield s, _FOAF + "name", ((str(data["name"]), None, None),)


def _reified(prefix: str, s: str, p: str, o: str, numbers, texts, iris=()) -> Iterator:
    """A reified statement (s p o) with number-, text- and IRI-valued properties."""
    q = _blank(prefix, s, p, o)
    yield q, _TYPE, (_RDF + "Statement",)
    yield q, _RDF + "subject", (s,)
    yield q, _RDF + "predicate", (p,)
    yield q, _RDF + "object", (o,)
    for prop, value in numbers:
        if value is not None:
            yield q, prop, (value,)
    for prop, values in texts:
        if values:
            yield q, prop, [(value, None, None) for value in values]
    for prop, values in iris:
        if values:
            yield q, prop, values


_IRI_CHECKED: dict[str, bool] = {}


def _valid_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI (checked by pyoxigraph, cached)."""
    ok = _IRI_CHECKED.get(value)
    if ok is None:
        try:
            ox.NamedNode(value)
            ok = True
        except ValueError:
            ok = False
        if len(_IRI_CHECKED) < 100_000:
            _IRI_CHECKED[value] = ok
    return ok


# ---------------------------------------------------------------------------------------
# text writer: Turtle (and TriG), N-Triples (and N-Quads)
# ---------------------------------------------------------------------------------------
_PN_LOCAL = re.compile(
    r"(?:[A-Za-z0-9_:]|%[0-9A-Fa-f]{2})"
    r"(?:(?:[A-Za-z0-9_\-:.]|%[0-9A-Fa-f]{2})*(?:[A-Za-z0-9_\-:]|%[0-9A-Fa-f]{2}))?"
)
_BLANK_LABEL = re.compile(r"_:[A-Za-z0-9_]+")
#: URLs that are certainly valid IRIs (RFC 3987): http(s), a host name, an optional port
#: and a path of unreserved characters and percent-encodings (no query, no fragment).
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*)*")
#: IRIs that are certainly valid (RFC 3987): kg's base, then path segments of unreserved
#: characters and percent-encodings.
_KG_IRI = re.compile(re.escape(BASE) + r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})+"
                     r"(?:/(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})+)*")
#: Groups of (subject, predicate, objects) per written chunk of text.
_CHUNK_GROUPS = 1024


class _TextWriter:
    """Renders statements as Turtle or N-Triples text, caching every rendered IRI."""

    def __init__(self, turtle: bool) -> None:
        from json.encoder import encode_basestring  # C-accelerated, escapes as Turtle allows

        self.NamedNode = ox.NamedNode
        self.turtle = turtle
        self.quote = encode_basestring
        self.names: dict[str, str] = {}
        self.prefix_of = {ns: prefix for prefix, ns in PREFIXES.items()}
        self.cont: dict[str, str] = {}  # predicate -> " ;\n\tpredicate "
        self.double = self.name(_XSD_DOUBLE)
        self.integer = self.name(_XSD_INTEGER)

    def name(self, value: str) -> str:
        out = self.names.get(value)
        if out is not None:
            return out
        out = self.names[value] = self.render(value)
        return out

    def render_nodes(self, iris: list[str]) -> list[str]:
        """:meth:`render` of each of ``iris``, faster for the node IRIs kg makes: an IRI of
        kg's base followed by unreserved or %-encoded characters in non-empty segments
        (no dot segments) is valid without asking pyoxigraph, which is most of the cost."""
        safe, local_name = _KG_IRI.fullmatch, _PN_LOCAL.fullmatch
        prefix_of, render = self.prefix_of, self.render
        out: list[str] = []
        append = out.append
        for v in iris:
            if self.turtle and type(v) is str and safe(v) is not None and "/." not in v:
                cut = v.rfind("/") + 1  # no "#" in such an IRI; the local name is not empty
                prefix = prefix_of.get(v[:cut])
                if prefix is not None and local_name(v, cut) is not None:
                    append(prefix + ":" + v[cut:])
                else:
                    append("<" + v + ">")
            else:
                append(render(v))
        return out

    def render(self, value: str) -> str:
        """The text of IRI (or blank node label) ``value``, checked; not cached."""
        if type(value) is not str:
            raise ExportError(f"not a valid IRI: {value!r} (node keys must be IRI strings)")
        if value.startswith("_:"):
            if not _BLANK_LABEL.fullmatch(value):
                raise ExportError(f"not a valid blank node label: {value!r}")
            out = value
        else:
            try:
                self.NamedNode(value)  # validation only; the result is cached in self.names
            except ValueError:
                raise ExportError(f"not a valid IRI: {value!r}") from None
            out = "<" + value + ">"
            if self.turtle:
                if value == _TYPE:
                    out = "a"
                else:  # a prefixed name when the namespace is ours and the rest a local name
                    cut = max(value.rfind("/"), value.rfind("#")) + 1
                    prefix = self.prefix_of.get(value[:cut])
                    local = value[cut:]
                    if prefix is not None and (not local or _PN_LOCAL.fullmatch(local)):
                        out = f"{prefix}:{local}"
        return out

    def obj(self, o: Any) -> str:
        if type(o) is str:
            return self.names.get(o) or self.name(o)
        if type(o) is _Anon:  # Turtle only; the N-Triples loop names it
            names, name, obj = self.names, self.name, self.obj
            parts = []
            for p, v in o.props:
                parts.append((names.get(p) or name(p)) + " " + (names.get(v) or obj(v)))
            return "[ " + " ; ".join(parts) + " ]"
        if type(o) is tuple:
            lex, datatype, lang = o
            if lang:
                return self.quote(lex) + "@" + lang
            if datatype:
                return self.quote(lex) + "^^" + (self.names.get(datatype) or self.name(datatype))
            return self.quote(lex)
        if type(o) is int:
            return str(o) if self.turtle else f'"{o}"^^{self.integer}'
        if type(o) is float:
            return f'"{o!r}"^^{self.double}'
        raise ExportError(f"cannot write {o!r} as an RDF term")

    def header(self) -> str:
        if not self.turtle:
            return ""
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"

    def chunks(self, groups: Iterable[tuple[str, str, Any]]) -> Iterator[str]:
        """Text of ``(subject, predicate, objects)`` groups, in chunks of ``_CHUNK_GROUPS``."""
        names, name, obj, cont = self.names, self.name, self.obj, self.cont
        get = names.get
        chunk = _CHUNK_GROUPS
        buf: list[str] = [self.header()]
        size = 0
        if self.turtle:
            prev_s = None
            for s, p, objects in groups:
                if len(objects) == 1:
                    o = objects[0]
                    o_text = names.get(o) or obj(o)
                else:
                    texts = list(map(get, objects))  # IRIs seen before: all in C
                    if None in texts:
                        texts = [t or obj(o) for t, o in zip(texts, objects)]
                    o_text = " , ".join(texts)
                if s == prev_s:
                    c = cont.get(p)
                    if c is None:
                        c = cont[p] = " ;\n\t" + name(p) + " "
                    buf.append(c + o_text)
                else:
                    if prev_s is not None:
                        buf.append(" .\n")
                    buf.append((names.get(s) or name(s)) + " " + (names.get(p) or name(p))
                               + " " + o_text)
                prev_s = s
                size += 1
                if size >= chunk:
                    yield "".join(buf)
                    buf.clear()
                    size = 0
            if prev_s is not None:
                buf.append(" .\n")
        else:
            for s, p, objects in groups:
                head = (names.get(s) or name(s)) + " " + (names.get(p) or name(p)) + " "
                anons = None
                for o in objects:
                    if type(o) is _Anon:
                        label = o.label()
                        buf.append(head + label + " .\n")
                        anons = anons or []
                        anons.append((label, o.props))
                    else:
                        buf.append(head + (names.get(o) or obj(o)) + " .\n")
                if anons:
                    for label, props in anons:
                        for p2, o2 in props:
                            buf.append(f"{label} {names.get(p2) or name(p2)} "
                                       f"{names.get(o2) or obj(o2)} .\n")
                size += 1
                if size >= chunk:
                    yield "".join(buf)
                    buf.clear()
                    size = 0
        yield "".join(buf)


def _write_text(G, fh, fmt: str, detail: bool) -> None:
    writer = _TextWriter(turtle=fmt in ("turtle", "trig"))
    for chunk in writer.chunks(_groups(G, detail)):
        fh.write(chunk.encode("utf-8", "replace"))  # a lone surrogate becomes "?"


#: Nodes per written chunk of text of the model writer.
_CHUNK_NODES = 2048


def _as_model(G) -> Any:
    """The :class:`kg.model.GraphModel` behind ``G`` (the model or its view), else None."""
    if isinstance(G, ModelView):
        return G.model
    return G if isinstance(G, GraphModel) else None


def _model_is_regular(m) -> bool:
    """Whether the model's arrays are laid out as :meth:`GraphModel.build` makes them, so
    that :func:`_write_model_turtle` writes what the generic writer writes from its view:
    IRIs strictly sorted within and across kinds (authors < concepts < papers, the
    sorted order of all nodes), concepts of kind ``concept``, and per paper the mentioned
    concepts and similar papers strictly ascending and the authors distinct."""
    iris = [*m.author_iris, *m.concept_iris, *m.paper_iris]
    if not strictly_sorted(iris):
        return False
    if not all(type(x) is str for x in iris[:1] + iris[-1:]):
        return False
    if any(d.get("kind") != "concept" for d in m.concept_attrs):
        return False
    n = len(m.paper_iris)

    def ascending_within_rows(ptr, cols) -> bool:
        cols = np.asarray(cols, np.int64)
        if cols.size < 2:
            return True
        rows = np.repeat(np.arange(n), np.diff(np.asarray(ptr, np.int64)))
        same = rows[1:] == rows[:-1]
        return bool(np.all(cols[1:][same] > cols[:-1][same]))

    if len(m.m_ptr) != n + 1 or len(m.a_ptr) != n + 1:
        return False
    if not ascending_within_rows(m.m_ptr, m.m_concept):
        return False
    rows = np.repeat(np.arange(n), np.diff(m.a_ptr))
    order = np.lexsort((m.a_author, rows))
    a_sorted, r_sorted = m.a_author[order], rows[order]
    if np.any((a_sorted[1:] == a_sorted[:-1]) & (r_sorted[1:] == r_sorted[:-1])):
        return False
    s_u = np.asarray(m.s_u, np.int64)
    if s_u.size and (np.any(np.diff(s_u) < 0) or s_u[0] < 0 or s_u[-1] >= n):
        return False
    s_v = np.asarray(m.s_v, np.int64)
    same = s_u[1:] == s_u[:-1]
    return not np.any(s_v[1:][same] <= s_v[:-1][same])


def _write_model_turtle(m, fh) -> bool:
    """Write the Turtle of :class:`kg.model.GraphModel` ``m`` (``detail=False``) straight
    from its columns: the bytes of the generic writer on ``m.view()``, several times faster
    (no attribute dicts, no evidence sentences, IRIs rendered once per node, one string
    join per node). Returns False, writing nothing, when the model is not laid out as
    :meth:`GraphModel.build` makes it (see :func:`_model_is_regular`)."""
    if not _model_is_regular(m):
        return False
    w = _TextWriter(turtle=True)
    name, render, quote = w.name, w.render, w.quote
    K = _KGV_IRI
    sep = " ;\n\t"

    def pred(iri: str) -> str:
        return sep + name(iri) + " "

    write = fh.write
    buf: list[str] = [w.header()]
    append = buf.append

    def flush() -> None:
        write("".join(buf).encode("utf-8", "replace"))  # a lone surrogate becomes "?"
        buf.clear()

    # authors (their IRIs sort first)
    a_text = w.render_nodes(m.author_iris)
    head = f" {name(_TYPE)} {name(_FOAF + 'Person')} , {name(K['Author'])}"
    p_name = pred(_FOAF + "name")
    for k, (text, nm) in enumerate(zip(a_text, m.author_names)):
        if nm:
            append(text + head + p_name + quote(str(nm)) + " .\n")
        else:
            append(text + head + " .\n")
        if not k % _CHUNK_NODES:
            flush()
    flush()

    # concepts
    c_text = w.render_nodes(m.concept_iris)
    s_ptr, b_ptr, c_ptr = m._out_tables()
    b_parent = [int(p) for _, p in m.broader]
    b_ptr, c_ptr, c_v = b_ptr.tolist(), c_ptr.tolist(), m.c_v.tolist()
    classes0 = f" {name(_TYPE)} {name(_SKOS + 'Concept')} , {name(K['Concept'])}"
    type_class = {low: " , " + name(iri) for low, iri in _TYPE_BY_LOWER.items()}
    discovered = " , " + name(K["DiscoveredConcept"])
    p_pref, p_alt, p_def = (pred(_SKOS + x) for x in ("prefLabel", "altLabel", "definition"))
    in_scheme = pred(_SKOS + "inScheme") + name(ONTOLOGY_SCHEME)
    p_count, p_broader, p_cooc = pred(K["paperCount"]), pred(_SKOS + "broader"), pred(
        K["cooccursWith"])
    for k, data in enumerate(m.concept_attrs):
        parts = [c_text[k], classes0]
        ctype = data.get("type")
        if ctype:
            parts.append(type_class.get(str(ctype).lower(), ""))
        source = data.get("source")
        if source == "discovered":
            parts.append(discovered)
        label = data.get("label")
        if label:
            parts += (p_pref, quote(str(label)), "@en")
        alts = data.get("alt_labels")
        if alts:
            alts = sorted(set(_texts(alts)) - {label})
            if alts:
                parts += (p_alt, " , ".join([quote(a) + "@en" for a in alts]))
        if data.get("definition"):
            parts += (p_def, quote(str(data["definition"])), "@en")
        if source == "ontology":
            parts.append(in_scheme)
        count = data.get("paper_count")
        if type(count) is not int:
            count = _num(count)
        if count is not None:
            parts += (p_count, w.obj(count))
        lo, hi = b_ptr[k], b_ptr[k + 1]
        if hi > lo:
            parts += (p_broader, " , ".join([c_text[x] for x in sorted(set(b_parent[lo:hi]))]))
        lo, hi = c_ptr[k], c_ptr[k + 1]
        if hi > lo:
            parts += (p_cooc, " , ".join([c_text[x] for x in sorted(set(c_v[lo:hi]))]))
        parts.append(" .\n")
        append("".join(parts))
        if not k % _CHUNK_NODES:
            flush()
    flush()

    # papers

    p_text = w.render_nodes(m.paper_iris)
    m_ptr, a_ptr, s_ptr = m.m_ptr.tolist(), m.a_ptr.tolist(), s_ptr.tolist()
    # the per-edge arrays are read a block of papers at a time (as lists of Python ints
    # whole, they would take tens of bytes an edge: GBs at millions of papers)
    m_base = a_base = s_base = 0
    mentioned: list[int] = []
    a_author: list[int] = []
    a_pos: list[int] = []
    s_v: list[int] = []
    paper_head = f" {name(_TYPE)} {name(K['Paper'])}"
    p_id, p_arxiv, p_title, p_abstract, p_date, p_page, p_source = (
        pred(_DCT + "identifier"), pred(K["arxivId"]), pred(_DCT + "title"),
        pred(_DCT + "abstract"), pred(_DCT + "date"), pred(_FOAF + "page"), pred(K["source"]))
    p_creator, p_qual = pred(_DCT + "creator"), pred(_PROV + "qualifiedAttribution")
    p_mentions, p_similar = pred(K["mentions"]), pred(K["similarTo"])
    agent = "[ " + name(_PROV + "agent") + " "
    position = " ; " + name(K["authorPosition"]) + " "
    dates: dict[Any, str] = {}
    sources: dict[Any, str] = {}
    arxiv = _ARXIV.fullmatch
    plain_url = _PLAIN_URL.fullmatch
    # "[ prov:agent author:x ; kgv:authorPosition " of every author, and "N ]" of positions
    a_agent = [agent + t + position for t in a_text]
    top = int(m.a_pos.max()) + 1 if m.a_pos.size else 0
    pos_text = [str(p) + " ]" for p in range(max(top, 0))]
    for k, (text, pid, title, abstract, date, url, source) in enumerate(zip(
            p_text, m.paper_ids, m.titles, m.abstracts, m.dates, m.urls, m.sources)):
        if not k % _CHUNK_NODES:
            end = min(k + _CHUNK_NODES, len(m_ptr) - 1)
            m_base, a_base, s_base = m_ptr[k], a_ptr[k], s_ptr[k]
            mentioned = m.m_concept[m_base:m_ptr[end]].tolist()
            a_author = m.a_author[a_base:a_ptr[end]].tolist()
            a_pos = m.a_pos[a_base:a_ptr[end]].tolist()
            s_v = m.s_v[s_base:s_ptr[end]].tolist()
        parts = [text, paper_head]
        if pid is not None and pid != "":
            pid = str(pid)
            q = quote(pid)
            parts += (p_id, q)
            if arxiv(pid) is not None:
                parts += (p_arxiv, q)
        if title:
            parts += (p_title, quote(str(title)))
        if abstract:
            parts += (p_abstract, quote(str(abstract)))
        if date:
            d = dates.get(date)
            if d is None:
                lit = _date(date)
                d = dates[date] = "" if lit is None else p_date + w.obj(lit)
            parts.append(d)
        if url:
            url = str(url).strip()
            if plain_url(url) is not None and "/." not in url and not url.startswith(BASE):
                parts += (p_page, "<" + url + ">")  # certainly valid, not a prefixed name
            else:
                try:  # an IRI if it is one (as _valid_iri decides), else a plain literal
                    if url.startswith("_:"):
                        raise ExportError(url)
                    parts += (p_page, render(url))
                except ExportError:
                    parts += (p_page, quote(url))
        if source:
            t = sources.get(source)
            if t is None:
                t = sources[source] = p_source + quote(str(source))
            parts.append(t)
        lo, hi = a_ptr[k] - a_base, a_ptr[k + 1] - a_base
        if hi > lo:
            who = a_author[lo:hi]
            parts += (p_creator, " , ".join([a_text[x] for x in sorted(who)]), p_qual,
                      " , ".join([a_agent[x] + (pos_text[pos] if 0 <= pos < top
                                                else str(pos) + " ]")
                                  for pos, x in sorted(zip(a_pos[lo:hi], who))]))
        lo, hi = m_ptr[k] - m_base, m_ptr[k + 1] - m_base
        if hi > lo:
            parts += (p_mentions, " , ".join([c_text[x] for x in mentioned[lo:hi]]))
        lo, hi = s_ptr[k] - s_base, s_ptr[k + 1] - s_base
        if hi > lo:
            parts += (p_similar, " , ".join([p_text[x] for x in s_v[lo:hi]]))
        parts.append(" .\n")
        append("".join(parts))
        if not k % _CHUNK_NODES:
            flush()
    flush()
    return True


class _ChunkReader:
    """A binary file-like object reading from an iterator of ``str`` chunks."""

    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self._buf = b""
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            rest = [self._buf[self._pos:]]
            rest.extend(c.encode("utf-8", "replace") for c in self._chunks)
            self._buf, self._pos = b"", 0
            return b"".join(rest)
        while len(self._buf) - self._pos < size:
            try:
                chunk = next(self._chunks).encode("utf-8", "replace")
            except StopIteration:
                break
            self._buf = self._buf[self._pos:] + chunk
            self._pos = 0
        out = self._buf[self._pos:self._pos + size]
        self._pos += len(out)
        return out

    def readable(self) -> bool:
        return True


def _ntriples_stream(G, detail: bool) -> _ChunkReader:
    G = as_graph(G)
    return _ChunkReader(_TextWriter(turtle=False).chunks(_groups(G, detail)))


# ---------------------------------------------------------------------------------------
# pyoxigraph terms
# ---------------------------------------------------------------------------------------
def graph_to_triples(
    G: "nx.MultiDiGraph", *, detail: bool = False
) -> Iterator["pyoxigraph.Triple"]:
    """Yield the RDF view of ``G`` as pyoxigraph triples (in :func:`statements` order).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model. Node keys must be absolute IRIs.
    detail : bool
        See :func:`statements`.

    Raises
    ------
    ExportError
        If a node key is not a valid IRI.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> for t in graph_to_triples(G):
    ...     print(t)
    <https://w3id.org/paper-kg/author/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person>
    <https://w3id.org/paper-kg/author/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/paper-kg/vocab#Author>
    <https://w3id.org/paper-kg/author/ada> <http://xmlns.com/foaf/0.1/name> "Ada"
    """
    G = as_graph(G)
    # Parsing kg's N-Triples text in Rust is faster than building pyoxigraph terms in Python
    # (term constructors cost 1-9 us each) and gives exactly the same terms.
    try:
        for quad in ox.parse(_ntriples_stream(G, detail), format=ox.RdfFormat.N_TRIPLES):
            yield quad.triple
    except SyntaxError as exc:  # pragma: no cover - the writer validates every term
        raise ExportError(f"invalid RDF produced from the graph: {exc}") from exc


def graph_to_quads(
    G: "nx.MultiDiGraph", *, detail: bool = False, graph_name: str | None = None
) -> Iterator["pyoxigraph.Quad"]:
    """Yield the RDF view of ``G`` as pyoxigraph quads (for stores and dataset formats).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    detail : bool
        See :func:`statements`.
    graph_name : str, optional
        IRI of the named graph to put the triples in; the default graph if omitted.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> [str(q.graph_name) for q in graph_to_quads(G, graph_name=BASE + "g")]
    ['<https://w3id.org/paper-kg/g>', '<https://w3id.org/paper-kg/g>', '<https://w3id.org/paper-kg/g>']
    """
    G = as_graph(G)
    if graph_name is None:
        for quad in ox.parse(_ntriples_stream(G, detail), format=ox.RdfFormat.N_TRIPLES):
            yield quad
        return
    if not _valid_iri(graph_name):
        raise ExportError(f"not a valid IRI: {graph_name!r}")
    g = ox.NamedNode(graph_name)
    for tr in graph_to_triples(G, detail=detail):
        yield ox.Quad(tr.subject, tr.predicate, tr.object, g)


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------
def _serialize_to(G, fh, fmt: str, detail: bool) -> None:
    G = as_graph(G)
    model = _as_model(G)
    if model is not None:
        if fmt in ("turtle", "trig") and not detail and _write_model_turtle(model, fh):
            return
        G = model.view()
    if fmt in ("turtle", "trig", "ntriples", "nquads"):
        # Turtle is valid TriG (triples of the default graph) and N-Triples valid N-Quads.
        _write_text(G, fh, fmt, detail)
        return
    ox_format = getattr(ox.RdfFormat, FORMATS[fmt].oxigraph)
    if fmt == "rdfxml":  # pyoxigraph writes control characters as they are: invalid XML
        fh = xml_safe_writer(fh)
    try:
        ox.serialize(graph_to_triples(G, detail=detail), fh, ox_format, prefixes=PREFIXES)
        fh.flush()
    except (ValueError, TypeError, SyntaxError) as exc:
        raise ExportError(f"cannot serialize the graph as {fmt}: {exc}") from exc


def serialize(G: "nx.MultiDiGraph", format: str = "turtle", *, detail: bool = False) -> bytes:
    """Return the RDF view of ``G`` serialized in ``format`` (see :func:`write_rdf`).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> print(serialize(G, "nt").decode().strip())
    <https://w3id.org/paper-kg/author/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
    <https://w3id.org/paper-kg/author/ada> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/paper-kg/vocab#Author> .
    <https://w3id.org/paper-kg/author/ada> <http://xmlns.com/foaf/0.1/name> "Ada" .
    """
    import io

    buf = io.BytesIO()
    _serialize_to(G, buf, rdf_format(format), detail)
    return buf.getvalue()


def write_rdf(
    G: "nx.MultiDiGraph",
    path: str | os.PathLike[str],
    format: str = "turtle",
    *,
    detail: bool = False,
) -> Path:
    """Write the RDF view of ``G`` to ``path``, fast and atomically.

    Turtle, TriG, N-Triples and N-Quads are written by kg's streaming text writer (every
    IRI checked by pyoxigraph; the Turtle of a :class:`kg.model.GraphModel` straight from
    its columns); RDF/XML and JSON-LD by pyoxigraph.

    Parameters
    ----------
    G : networkx.MultiDiGraph, kg.model.GraphModel or kg.model.ModelView
        A graph following the kg graph model.
    path : path-like
        The output file. It is written to a temporary file in the same directory and
        renamed into place, so an existing file survives a failed write intact.
    format : str
        ``turtle`` (``ttl``), ``ntriples`` (``nt``), ``nquads`` (``nq``), ``trig``,
        ``rdfxml`` (``xml``, ``rdf``) or ``jsonld`` (``json-ld``); case does not matter.
    detail : bool
        Also write the reified edge details (counts, scores, evidence, weights); see the
        module notes.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExportError
        For an unknown format (the message lists the valid ones), an invalid node IRI or
        a failed write.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> out = write_rdf(G, pathlib.Path(tempfile.mkdtemp()) / "g.nt", "nt")
    >>> len(out.read_text().splitlines())
    3
    """
    fmt = rdf_format(format)
    with atomic_output(path, "wb") as fh:
        _serialize_to(G, fh, fmt, detail)
    return Path(path)


def to_store(
    G: "nx.MultiDiGraph", *, detail: bool = False, store: "pyoxigraph.Store | None" = None
) -> "pyoxigraph.Store":
    """Load the RDF view of ``G`` into a pyoxigraph ``Store`` (in memory unless given).

    The store answers SPARQL; blank node labels are renamed by the store.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> s = to_store(G)
    >>> [str(r["n"]) for r in s.query('SELECT ?n WHERE { ?a <http://xmlns.com/foaf/0.1/name> ?n }')]
    ['"Ada"']
    """
    G = as_graph(G)
    store = ox.Store() if store is None else store
    try:
        store.bulk_load(_ntriples_stream(G, detail), format=ox.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:  # pragma: no cover - the writer validates every term
        raise ExportError(f"invalid RDF produced from the graph: {exc}") from exc
    return store


def to_rdflib(G: "nx.MultiDiGraph", *, detail: bool = False) -> "rdflib.Graph":
    """Return the RDF view of ``G`` as an ``rdflib.Graph`` with kg's prefixes bound.

    Convenient for rdflib users; much slower than :func:`write_rdf` on big graphs
    (rdflib builds Python objects for every term).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> g = to_rdflib(G)
    >>> len(g), g.namespace_manager.store.namespace("kgv")
    (3, rdflib.term.URIRef('https://w3id.org/paper-kg/vocab#'))
    """
    G = as_graph(G)
    import rdflib

    g = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, rdflib.Namespace(ns), override=True, replace=True)
    nodes: dict[str, Any] = {}
    types: dict[str, Any] = {}

    def node(value: str):
        out = nodes.get(value)
        if out is None:
            if value.startswith("_:"):
                out = rdflib.BNode(value[2:])
            else:
                if not _valid_iri(value):
                    raise ExportError(f"not a valid IRI: {value!r}")
                out = rdflib.URIRef(value)
            nodes[value] = out
        return out

    def term(o: Any):
        if type(o) is str:
            return nodes.get(o) or node(o)
        if type(o) is tuple:
            lex, datatype, lang = o
            if lang:
                return rdflib.Literal(lex, lang=lang)
            if datatype:
                dt = types.get(datatype) or types.setdefault(datatype, rdflib.URIRef(datatype))
                return rdflib.Literal(lex, datatype=dt)
            return rdflib.Literal(lex)
        if type(o) is int:
            return rdflib.Literal(str(o), datatype=rdflib.XSD.integer)
        return rdflib.Literal(repr(o), datatype=rdflib.XSD.double)

    add = g.add
    for s, p, o in statements(G, detail=detail):
        add((nodes.get(s) or node(s), nodes.get(p) or node(p), term(o)))
    return g
