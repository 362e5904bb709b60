"""The RDF view of the graph model, written fast (kg's streaming writer, pyoxigraph).

The graph model (``docs/architecture.md``) maps onto standard vocabularies -- schema.org,
Dublin Core terms, FOAF, SKOS, PROV-O and the W3C Web Annotation model -- plus the kg
vocabulary ``kgv:`` (declared in ``ontology/vocab.ttl``; :mod:`kg.export.rdf.vocab`), in five
named graphs (:data:`kg.iris.NAMED_GRAPHS`; ``ontology/README.md`` shows the whole model):

- ``graph:ontology``: the concepts (``skos:Concept``, ``kgv:Concept``, a type class such as
  ``kgv:Method``, ``kgv:DiscoveredConcept`` for discovered ones; labels ``@en``,
  definition, ``skos:broader``, ``skos:inScheme``) and the concept scheme ``kg:ontology``
  (``skos:ConceptScheme``, ``skos:hasTopConcept``);
- ``graph:papers``: papers (``kgv:Paper``, ``schema:ScholarlyArticle``;
  ``dcterms:identifier``, ``kgv:arxivId``, ``dcterms:title``, ``dcterms:abstract``,
  ``dcterms:created``, ``schema:url``, ``kgv:source``, ``dcterms:creator`` and the author
  order as ``prov:qualifiedAttribution [ prov:agent ; kgv:authorPosition ]``, and the
  concepts each is about, ``dcterms:subject``), and authors (``foaf:Person``,
  ``kgv:Author``, ``foaf:name``);
- ``graph:evidence``: per paper and concept one ``oa:Annotation`` (``oa:hasBody`` the
  concept, ``kgv:mentionCount``, ``oa:hasTarget`` the sentences that mention it), each
  sentence once per paper as a target (``oa:hasSource`` the paper, ``kgv:field``, an
  ``oa:TextQuoteSelector`` with the sentence and an ``oa:TextPositionSelector`` with its
  character offsets in that field); IRIs under ``ev:``;
- ``graph:links``: what the build derives: ``kgv:similarTo`` between papers and
  ``kgv:cooccursWith`` between concepts, both written in both directions, and per concept
  ``kgv:paperCount``, ``kgv:firstMentioned``, ``kgv:community``;
- ``graph:build``: the build, ``kg:build a prov:Activity`` (``kgv:rdfModelVersion``,
  ``kgv:kgVersion``, ``kgv:setting``, ``kgv:input``, and ``prov:startedAtTime`` /
  ``prov:endedAtTime`` when the model carries them), which the evidence and links graphs
  were ``prov:wasGeneratedBy``.

TriG and N-Quads (and JSON-LD) carry the named graphs; Turtle, N-Triples and RDF/XML hold
their union (the Turtle with a ``# graph: <IRI>`` line before each part, which
:mod:`kg.sparql.store` and ``kg push`` use to load each part into its graph).

Edge details are optional (``detail=True``): each ``dcterms:subject``, ``similarTo`` and
``cooccursWith`` link is also described by a standard RDF reification (``rdf:Statement``)
carrying its attributes: ``kgv:mentionCount``, ``kgv:score``, ``kgv:field``,
``kgv:evidence``; ``kgv:similarity``, ``kgv:sharedConcept``; ``kgv:npmi``, ``kgv:support``.

Qualified nodes and selectors are blank nodes: inline ``[ ... ]`` in Turtle, elsewhere
labelled by a hash of what they describe. Within a named graph, triples come out grouped
by subject in sorted order (evidence: paper by paper), so the same graph always gives the
same bytes, and two builds can be compared line by line (N-Triples). Numbers are rounded
to 6 decimals.

Speed: Turtle, TriG, N-Triples and N-Quads are written by a streaming text writer in this
module (every IRI is checked by pyoxigraph; literals escaped by the C JSON string encoder,
whose escapes are all valid Turtle), because building pyoxigraph terms from Python costs
1-9 us per term. RDF/XML and JSON-LD are written by pyoxigraph, which parses kg's
N-Quads in Rust (``benchmarks/bench_rdf.py`` compares with rdflib). The Turtle (and TriG)
of a :class:`kg.model.GraphModel` or its view -- what ``kg build`` writes -- comes straight
from the model's columns (one joined string per node, each IRI rendered once, evidence
sentences sliced from the texts): the same bytes as the networkx-shaped path, several
times faster (``benchmarks/bench_rdf.py`` measures them).

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
>>> body = ttl[ttl.index("# graph: <" + PAPERS_GRAPH):ttl.index("# graph: <" + BUILD_GRAPH)]
>>> print(body.expandtabs(4))
# graph: <https://w3id.org/paper-kg/graph/papers>
paper:2101.00001 a kgv:Paper , schema:ScholarlyArticle ;
    dcterms:identifier "2101.00001" ;
    kgv:arxivId "2101.00001" ;
    dcterms:title "NTK" ;
    dcterms:created "2025-03"^^xsd:gYearMonth ;
    kgv:source "arxiv" ;
    dcterms:subject concept:ntk .
<BLANKLINE>
# graph: <https://w3id.org/paper-kg/graph/evidence>
ev:2101.00001_c_ntk a oa:Annotation ;
    oa:hasBody concept:ntk ;
    oa:hasTarget ev:2101.00001_t_0_3 ;
    kgv:mentionCount 1 .
ev:2101.00001_t_0_3 oa:hasSource paper:2101.00001 ;
    kgv:field "title" ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "NTK" ] , [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 3 ] .
<BLANKLINE>
# graph: <https://w3id.org/paper-kg/graph/links>
concept:ntk kgv:paperCount 1 ;
    kgv:firstMentioned "2025-03"^^xsd:gYearMonth .
<BLANKLINE>
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
from kg import __version__
from kg.iris import (
    AUTHOR_NS,
    BASE,
    BUILD_ACTIVITY,
    BUILD_GRAPH,
    CONCEPT_NS,
    DISCOVERED_NS,
    EVIDENCE_GRAPH,
    EVIDENCE_NS,
    GRAPH_NS,
    LINKS_GRAPH,
    ONTOLOGY_GRAPH,
    ONTOLOGY_SCHEME,
    PAPER_NS,
    PAPERS_GRAPH,
    RDF_MODEL_VERSION,
    VOCAB_NS,
)
from kg.model import GraphModel, ModelView
from kg.model.arrays import csr_pointers, strictly_sorted

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
_SCHEMA = "http://schema.org/"
_OA = "http://www.w3.org/ns/oa#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"

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
    "schema": _SCHEMA,
    "oa": _OA,
    "rdfs": _RDFS,
    "graph": GRAPH_NS,
    "ev": EVIDENCE_NS,
}

# kg vocabulary terms used here. kg.export.rdf.vocab (rdflib-based) is the reference; this module keeps
# plain strings so that writing never imports rdflib. test_rdf checks they match kg.export.rdf.vocab.
_KGV_TERMS = (
    "Paper", "Author", "Concept", "DiscoveredConcept", "mentionCount", "score",
    "evidence", "field", "similarTo", "similarity", "sharedConcept", "cooccursWith", "npmi",
    "support", "authorPosition", "paperCount", "source", "arxivId", "firstMentioned",
    "community", "rdfModelVersion", "kgVersion", "setting", "input",
)
#: Concept type name -> class IRI (``kgv:Method``, ...).
TYPE_CLASSES: dict[str, str] = {
    name: VOCAB_NS + name
    for name in ("Method", "Model", "Task", "Dataset", "Metric", "Phenomenon", "Theory", "Field")
}
_TYPE_BY_LOWER = {name.lower(): iri for name, iri in TYPE_CLASSES.items()}
_PAPER_CLASSES = (VOCAB_NS + "Paper", _SCHEMA + "ScholarlyArticle")
_SCHEME_LABEL = ("kg machine-learning concepts", None, "en")
_FIELD_LITERALS = (("abstract", None, None), ("title", None, None))

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
    ...     if s == AUTHOR_NS + "ada":  # then the concept scheme and the build
    ...         print(s.rsplit("/", 1)[1], p.rsplit("/", 1)[1], o)
    ada 22-rdf-syntax-ns#type http://xmlns.com/foaf/0.1/Person
    ada 22-rdf-syntax-ns#type https://w3id.org/paper-kg/vocab#Author
    ada name ('Ada', None, None)
    """
    G = as_graph(G)
    for _, s, p, objects in _groups(G, detail):
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


def _groups(G, detail: bool) -> Iterator[tuple[str, str, str, Any]]:
    """:func:`statements` as ``(graph, subject, predicate, [objects])``: fewer Python steps.

    The named graphs come one after the other (ontology, papers, evidence, links, build);
    within each, subjects in sorted order (evidence: per paper in paper order)."""
    node_data = G._node
    try:
        nodes = sorted(node_data)
    except TypeError:  # mixed key types: not IRIs, rejected when written
        nodes = sorted(node_data, key=str)
    kinds: dict[str, list] = {"paper": [], "concept": [], "author": []}
    for node in nodes:
        found = kinds.get(node_data[node].get("kind"))
        if found is not None:
            found.append(node)
    papers, concepts = kinds["paper"], kinds["concept"]
    # what the links graph needs from every paper: both directions of the symmetric
    # links, and the first date a concept is mentioned
    cooccurs: dict[Any, set] = {}
    similar: dict[Any, set] = {}
    first: dict[Any, tuple] = {}
    for node in concepts:
        for v in _targets_by_key(G, node)[0].get("cooccurs", ()):
            cooccurs.setdefault(node, set()).add(v)
            cooccurs.setdefault(v, set()).add(node)
    for node in papers:
        by_key = _targets_by_key(G, node)[0]
        for v in by_key.get("similar", ()):
            similar.setdefault(node, set()).add(v)
            similar.setdefault(v, set()).add(node)
        date = node_data[node].get("date")
        lit = _date(date) if date else None
        if lit is not None and lit[1] is not None:
            for v in by_key.get("mentions", ()):
                if v not in first or lit[0] < first[v][0]:
                    first[v] = lit

    g = ONTOLOGY_GRAPH
    for node in concepts:
        for s, p, objects in _concept_groups(G, node, node_data[node]):
            yield g, s, p, objects
    for s, p, objects in _scheme_groups(G, concepts):
        yield g, s, p, objects
    g = PAPERS_GRAPH
    for node in kinds["author"]:
        data = node_data[node]
        s = str(node)
        yield g, s, _TYPE, (_FOAF + "Person", _KGV_IRI["Author"])
        if data.get("name"):
            yield g, s, _FOAF + "name", ((str(data["name"]), None, None),)
    for node in papers:
        for s, p, objects in _paper_groups(G, node, node_data[node], detail):
            yield g, s, p, objects
    g = EVIDENCE_GRAPH
    for node in papers:
        for s, p, objects in _evidence_groups(G, node, node_data[node]):
            yield g, s, p, objects
    g = LINKS_GRAPH
    for node in concepts:
        for s, p, objects in _concept_links(G, node, node_data[node], first.get(node),
                                            cooccurs.get(node), detail):
            yield g, s, p, objects
    for node in papers:
        for s, p, objects in _paper_links(G, node, similar.get(node), detail):
            yield g, s, p, objects
    g = BUILD_GRAPH
    for s, p, objects in _build_groups(getattr(G, "graph", {})):
        yield g, s, p, objects


def _concept_groups(G, node, data) -> Iterator[tuple[str, str, Any]]:
    """The SKOS description of a concept (ontology graph)."""
    K = _KGV_IRI
    s = str(node)
    classes = [_SKOS + "Concept", K["Concept"]]
    ctype = data.get("type")
    if ctype and str(ctype).lower() in _TYPE_BY_LOWER:
        classes.append(_TYPE_BY_LOWER[str(ctype).lower()])
    if data.get("source") == "discovered":
        classes.append(K["DiscoveredConcept"])
    yield s, _TYPE, classes
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
    broader = _targets_by_key(G, node)[0].get("broader")
    if broader:
        yield s, _SKOS + "broader", broader


def _scheme_groups(G, concepts) -> Iterator[tuple[str, str, Any]]:
    """The concept scheme: its top concepts are the ontology concepts with no broader one."""
    node_data = G._node
    top = [str(c) for c in concepts if node_data[c].get("source") == "ontology"
           and not _targets_by_key(G, c)[0].get("broader")]
    yield ONTOLOGY_SCHEME, _TYPE, (_SKOS + "ConceptScheme",)
    yield ONTOLOGY_SCHEME, _SKOS + "prefLabel", (_SCHEME_LABEL,)
    if top:
        yield ONTOLOGY_SCHEME, _SKOS + "hasTopConcept", top


def _paper_groups(G, node, data, detail: bool) -> Iterator[tuple[str, str, Any]]:
    """A paper's record: identifiers, texts, date, URL, ordered authors, subjects."""
    K = _KGV_IRI
    s = str(node)
    yield s, _TYPE, _PAPER_CLASSES
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
            yield s, _DCT + "created", (date,)
    url = data.get("url")
    if url:
        url = str(url).strip()
        yield s, _SCHEMA + "url", (url if _valid_iri(url) else (url, None, None),)
    if data.get("source"):
        yield s, K["source"], ((str(data["source"]), None, None),)
    by_key, adj = _targets_by_key(G, node)
    authors = by_key.get("author", ())
    mentions = by_key.get("mentions", ())
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
        yield s, _DCT + "subject", mentions
    if detail:
        for v in mentions:
            e = adj[v]["mentions"]
            yield from _reified("m", s, _DCT + "subject", v, (
                (K["mentionCount"], _num(e.get("count"))),
                (K["score"], _num(e.get("score"))),
            ), (
                (K["field"], _texts(e.get("fields"))),
                (K["evidence"], _texts(e.get("evidence"))),
            ))


def _locate(sentence: str, title: str, abstract: str) -> tuple:
    """Where an evidence sentence is: ``(0, start, length)`` in the abstract, ``(1, ...)``
    in the title (first occurrence, abstract first), else ``(2, 0, 0, hash)``."""
    i = abstract.find(sentence)
    if i >= 0:
        return (0, i, len(sentence), "")
    i = title.find(sentence)
    if i >= 0:
        return (1, i, len(sentence), "")
    return (2, 0, 0, hashlib.blake2b(sentence.encode("utf-8", "replace"),
                                     digest_size=8).hexdigest())


def _evidence_prefix(paper: str) -> str:
    """The start of the IRIs of a paper's evidence: ``ev:`` + the paper's local name (``_``
    escaped, so ``_`` can separate the parts after it)."""
    if paper.startswith(PAPER_NS) and "/" not in paper[len(PAPER_NS):]:
        return EVIDENCE_NS + paper[len(PAPER_NS):].replace("_", "%5F")
    return EVIDENCE_NS + "h" + hashlib.blake2b(paper.encode("utf-8", "replace"),
                                               digest_size=10).hexdigest()


def _annotation_suffix(concept: str) -> str:
    if concept.startswith(CONCEPT_NS):
        return "_c_" + concept[len(CONCEPT_NS):].replace("/", "_")
    return "_ch" + hashlib.blake2b(concept.encode("utf-8", "replace"),
                                   digest_size=10).hexdigest()


def _target_suffix(where: tuple) -> str:
    if where[0] == 2:
        return "_e_" + where[3]
    return f"_{'at'[where[0]]}_{where[1]}_{where[1] + where[2]}"


def _evidence_groups(G, node, data) -> Iterator[tuple[str, str, Any]]:
    """A paper's evidence: one ``oa:Annotation`` per mentioned concept, targeting the
    sentences that mention it (each sentence once per paper: a quote and its position)."""
    s = str(node)
    by_key, adj = _targets_by_key(G, node)
    mentions = by_key.get("mentions", ())
    if not mentions:
        return
    title, abstract = str(data.get("title") or ""), str(data.get("abstract") or "")
    prefix = _evidence_prefix(s)
    targets: dict[tuple, str] = {}
    for v in mentions:
        e = adj[v]["mentions"]
        found = sorted({_locate(x, title, abstract): x for x in _texts(e.get("evidence"))}.items())
        names = []
        for where, sentence in found:
            targets.setdefault(where, sentence)
            names.append(prefix + _target_suffix(where))
        a = prefix + _annotation_suffix(str(v))
        yield a, _TYPE, (_OA + "Annotation",)
        yield a, _OA + "hasBody", (v,)
        yield a, _OA + "hasTarget", names or (s,)
        count = _num(e.get("count"))
        if count is not None:
            yield a, _KGV_IRI["mentionCount"], (count,)
    for where, sentence in sorted(targets.items()):
        t = prefix + _target_suffix(where)
        yield t, _OA + "hasSource", (s,)
        if where[0] == 2:
            yield t, _OA + "hasSelector", (_Anon(("q", t), (
                (_TYPE, _OA + "TextQuoteSelector"), (_OA + "exact", (sentence, None, None)))),)
        else:
            yield t, _KGV_IRI["field"], (_FIELD_LITERALS[where[0]],)
            yield t, _OA + "hasSelector", (
                _Anon(("q", t), ((_TYPE, _OA + "TextQuoteSelector"),
                                 (_OA + "exact", (sentence, None, None)))),
                _Anon(("p", t), ((_TYPE, _OA + "TextPositionSelector"),
                                 (_OA + "start", where[1]), (_OA + "end", where[1] + where[2]))))


def _concept_links(G, node, data, first, cooccurs, detail) -> Iterator[tuple[str, str, Any]]:
    """What the build derives about a concept (links graph)."""
    K = _KGV_IRI
    s = str(node)
    count = _num(data.get("paper_count"))
    if count is not None:
        yield s, K["paperCount"], (count,)
    if first is not None:
        yield s, K["firstMentioned"], (first,)
    community = _num(data.get("community"))
    if type(community) is int:
        yield s, K["community"], (community,)
    if cooccurs:
        yield s, K["cooccursWith"], sorted(cooccurs)
    if detail:
        adj = _targets_by_key(G, node)[1]
        for v in _targets_by_key(G, node)[0].get("cooccurs", ()):
            e = adj[v]["cooccurs"]
            yield from _reified("c", s, K["cooccursWith"], v, (
                (K["npmi"], _num(e.get("npmi"))),
                (K["support"], _num(e.get("support"))),
            ), ())


def _paper_links(G, node, similar, detail) -> Iterator[tuple[str, str, Any]]:
    K = _KGV_IRI
    s = str(node)
    if similar:
        yield s, K["similarTo"], sorted(similar)
    if detail:
        by_key, adj = _targets_by_key(G, node)
        for v in by_key.get("similar", ()):
            e = adj[v]["similar"]
            yield from _reified("s", s, K["similarTo"], v, (
                (K["similarity"], _num(e.get("weight"))),
            ), (), ((K["sharedConcept"], _texts(e.get("shared"))),))


def _build_groups(params: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """The build as a ``prov:Activity`` (kg version, settings, inputs, start and end), and
    the named graphs it generated."""
    K = _KGV_IRI
    s = BUILD_ACTIVITY
    prov = params.get("provenance") or {}
    yield s, _TYPE, (_PROV + "Activity",)
    yield s, _RDFS + "label", (("kg build", None, None),)
    yield s, K["rdfModelVersion"], (RDF_MODEL_VERSION,)
    yield s, K["kgVersion"], ((str(prov.get("kg_version") or __version__), None, None),)
    settings = sorted(f"{k}={v}" for k, v in params.items()
                      if k not in ("base", "provenance"))
    if settings:
        yield s, K["setting"], [(x, None, None) for x in settings]
    inputs = sorted({str(x) for x in prov.get("inputs") or ()})
    if inputs:
        yield s, K["input"], [(x, None, None) for x in inputs]
    for key, prop in (("started", "startedAtTime"), ("ended", "endedAtTime")):
        if prov.get(key):
            yield s, _PROV + prop, ((str(prov[key]), _XSD + "dateTime", None),)
    for graph in (EVIDENCE_GRAPH, LINKS_GRAPH):
        yield graph, _PROV + "wasGeneratedBy", (s,)


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

    def __init__(self, fmt: str) -> None:
        from json.encoder import encode_basestring  # C-accelerated, escapes as Turtle allows

        self.NamedNode = ox.NamedNode
        self.turtle = fmt in ("turtle", "trig")
        self.trig = fmt == "trig"
        self.quads = fmt == "nquads"
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

    def graph_start(self, previous: str | None, graph: str) -> str:
        """Text that opens named graph ``graph`` after ``previous`` (None: the first):
        ``g {`` in TriG (without the ``GRAPH`` keyword, which raptor does not know), a ``# graph: <g>`` comment line in Turtle (the union of the
        graphs; :mod:`kg.sparql.store` splits a build's Turtle at these lines)."""
        if self.trig:
            return ("}\n\n" if previous is not None else "") + f"{self.name(graph)} {{\n"
        return ("\n" if previous is not None else "") + f"# graph: <{graph}>\n"

    def graph_end(self, previous: str | None) -> str:
        return "}\n" if self.trig and previous is not None else ""

    def chunks(self, groups: Iterable[tuple[str, str, str, Any]], *, header: bool = True,
               previous: str | None = None) -> Iterator[str]:
        """Text of ``(graph, subject, predicate, objects)`` groups, in chunks of
        ``_CHUNK_GROUPS`` (after the prefixes if ``header``; ``previous``: the named graph
        the text before was in)."""
        names, name, obj, cont = self.names, self.name, self.obj, self.cont
        get = names.get
        chunk = _CHUNK_GROUPS
        buf: list[str] = [self.header() if header else ""]
        size = 0
        prev_g = previous
        if self.turtle:
            prev_s = None
            for g, s, p, objects in groups:
                if g != prev_g:
                    if prev_s is not None:
                        buf.append(" .\n")
                        prev_s = None
                    buf.append(self.graph_start(prev_g, g))
                    prev_g = g
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
            buf.append(self.graph_end(prev_g))
        else:
            end = " .\n"
            for g, s, p, objects in groups:
                if self.quads and g != prev_g:
                    end = " " + name(g) + " .\n"
                    prev_g = g
                head = (names.get(s) or name(s)) + " " + (names.get(p) or name(p)) + " "
                anons = None
                for o in objects:
                    if type(o) is _Anon:
                        label = o.label()
                        buf.append(head + label + end)
                        anons = anons or []
                        anons.append((label, o.props))
                    else:
                        buf.append(head + (names.get(o) or obj(o)) + end)
                if anons:
                    for label, props in anons:
                        for p2, o2 in props:
                            buf.append(f"{label} {names.get(p2) or name(p2)} "
                                       f"{names.get(o2) or obj(o2)}{end}")
                size += 1
                if size >= chunk:
                    yield "".join(buf)
                    buf.clear()
                    size = 0
        yield "".join(buf)


def _write_text(G, fh, fmt: str, detail: bool) -> None:
    writer = _TextWriter(fmt)
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


def _symmetric(u: np.ndarray, v: np.ndarray, n: int) -> tuple[list[int], list[int]]:
    """Both directions of the pairs ``(u, v)`` as CSR (pointers, targets ascending, unique)."""
    rows = np.concatenate([u, v]).astype(np.int64)
    cols = np.concatenate([v, u]).astype(np.int64)
    if rows.size:
        keys = np.sort(rows * max(n, 1) + cols)
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        rows, cols = keys // max(n, 1), keys % max(n, 1)
    return csr_pointers(rows, n).tolist(), cols.tolist()


def _first_mentions(m) -> list[tuple | None]:
    """The date literal of the first (typed) date of a paper mentioning each concept."""
    nconc = len(m.concept_iris)
    lits: dict[Any, tuple | None] = {}
    for d in m.dates:
        if d and d not in lits:
            lit = _date(d)
            lits[d] = lit if lit is not None and lit[1] is not None else None
    texts = sorted({lit[0]: lit for lit in lits.values() if lit is not None}.items())
    rank = {text: r for r, (text, _) in enumerate(texts)}
    never = len(texts)
    paper_rank = np.array([rank[lits[d][0]] if d and lits[d] is not None else never
                           for d in m.dates], np.int64)
    first = np.full(nconc, never, np.int64)
    if m.m_concept.size:
        rows = np.repeat(np.arange(len(m.paper_iris)), np.diff(m.m_ptr))
        np.minimum.at(first, m.m_concept, paper_rank[rows])
    return [texts[r][1] if r < never else None for r in first.tolist()]


def _write_model_turtle(m, fh, fmt: str = "turtle") -> bool:
    """Write the Turtle (or TriG) of :class:`kg.model.GraphModel` ``m`` (``detail=False``)
    straight from its columns: the bytes of the generic writer on ``m.view()``, several
    times faster (no attribute dicts, evidence sentences sliced from the texts, IRIs
    rendered once per node, one string join per node). Returns False, writing nothing,
    when the model is not laid out as :meth:`GraphModel.build` makes it (see
    :func:`_model_is_regular`)."""
    if not _model_is_regular(m):
        return False
    w = _TextWriter(fmt)
    name, render, quote = w.name, w.render, w.quote
    K = _KGV_IRI
    sep = " ;\n\t"

    def pred(iri: str) -> str:
        return sep + name(iri) + " "

    write = fh.write
    buf: list[str] = [w.header()]
    append = buf.append
    graph: list[str | None] = [None]

    def open_graph(g: str) -> None:
        if graph[0] != g:
            append(w.graph_start(graph[0], g))
            graph[0] = g

    def flush() -> None:
        write("".join(buf).encode("utf-8", "replace"))  # a lone surrogate becomes "?"
        buf.clear()

    n_papers = len(m.paper_iris)
    c_text = w.render_nodes(m.concept_iris)
    p_text = w.render_nodes(m.paper_iris)
    s_ptr, b_ptr, c_ptr = m._out_tables()
    b_parent = [int(p) for _, p in m.broader]
    b_ptr = b_ptr.tolist()

    # ontology graph: the concepts, then the scheme
    open_graph(ONTOLOGY_GRAPH)
    classes0 = f" {name(_TYPE)} {name(_SKOS + 'Concept')} , {name(K['Concept'])}"
    type_class = {low: " , " + name(iri) for low, iri in _TYPE_BY_LOWER.items()}
    discovered = " , " + name(K["DiscoveredConcept"])
    p_pref, p_alt, p_def = (pred(_SKOS + x) for x in ("prefLabel", "altLabel", "definition"))
    in_scheme = pred(_SKOS + "inScheme") + name(ONTOLOGY_SCHEME)
    p_broader = pred(_SKOS + "broader")
    top: list[str] = []
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
        lo, hi = b_ptr[k], b_ptr[k + 1]
        if hi > lo:
            parts += (p_broader, " , ".join([c_text[x] for x in sorted(set(b_parent[lo:hi]))]))
        elif source == "ontology":
            top.append(c_text[k])
        parts.append(" .\n")
        append("".join(parts))
        if not k % _CHUNK_NODES:
            flush()
    scheme = [name(ONTOLOGY_SCHEME), " ", name(_TYPE), " ", name(_SKOS + "ConceptScheme"),
              pred(_SKOS + "prefLabel"), w.obj(_SCHEME_LABEL)]
    if top:
        scheme += (pred(_SKOS + "hasTopConcept"), " , ".join(top))
    append("".join(scheme) + " .\n")
    flush()

    # papers graph: authors (their IRIs sort first), then papers
    if m.author_iris or n_papers:
        open_graph(PAPERS_GRAPH)
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
    m_ptr, a_ptr = m.m_ptr.tolist(), m.a_ptr.tolist()
    # the per-edge arrays are read a block of papers at a time (as lists of Python ints
    # whole, they would take tens of bytes an edge: GBs at millions of papers)
    m_base = a_base = 0
    mentioned: list[int] = []
    a_author: list[int] = []
    a_pos: list[int] = []
    paper_head = f" {name(_TYPE)} {' , '.join(name(c) for c in _PAPER_CLASSES)}"
    p_id, p_arxiv, p_title, p_abstract, p_date, p_page, p_source = (
        pred(_DCT + "identifier"), pred(K["arxivId"]), pred(_DCT + "title"),
        pred(_DCT + "abstract"), pred(_DCT + "created"), pred(_SCHEMA + "url"),
        pred(K["source"]))
    p_creator, p_qual = pred(_DCT + "creator"), pred(_PROV + "qualifiedAttribution")
    p_subject = pred(_DCT + "subject")
    agent = "[ " + name(_PROV + "agent") + " "
    position = " ; " + name(K["authorPosition"]) + " "
    dates: dict[Any, str] = {}
    sources: dict[Any, str] = {}
    arxiv = _ARXIV.fullmatch
    plain_url = _PLAIN_URL.fullmatch
    # "[ prov:agent author:x ; kgv:authorPosition " of every author, and "N ]" of positions
    a_agent = [agent + t + position for t in a_text]
    top_pos = int(m.a_pos.max()) + 1 if m.a_pos.size else 0
    pos_text = [str(p) + " ]" for p in range(max(top_pos, 0))]
    for k, (text, pid, title, abstract, date, url, source) in enumerate(zip(
            p_text, m.paper_ids, m.titles, m.abstracts, m.dates, m.urls, m.sources)):
        if not k % _CHUNK_NODES:
            end = min(k + _CHUNK_NODES, len(m_ptr) - 1)
            m_base, a_base = m_ptr[k], a_ptr[k]
            mentioned = m.m_concept[m_base:m_ptr[end]].tolist()
            a_author = m.a_author[a_base:a_ptr[end]].tolist()
            a_pos = m.a_pos[a_base:a_ptr[end]].tolist()
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
                      " , ".join([a_agent[x] + (pos_text[pos] if 0 <= pos < top_pos
                                                else str(pos) + " ]")
                                  for pos, x in sorted(zip(a_pos[lo:hi], who))]))
        lo, hi = m_ptr[k] - m_base, m_ptr[k + 1] - m_base
        if hi > lo:
            parts += (p_subject, " , ".join([c_text[x] for x in mentioned[lo:hi]]))
        parts.append(" .\n")
        append("".join(parts))
        if not k % _CHUNK_NODES:
            flush()
    flush()

    _write_model_evidence(m, w, p_text, c_text, append, flush, open_graph)

    # links graph: concept statistics and co-occurrences, then similar papers
    first = _first_mentions(m)
    cs_ptr, cs_v = _symmetric(m.c_u, m.c_v, len(m.concept_iris))
    ss_ptr, ss_v = _symmetric(m.s_u, m.s_v, n_papers)
    p_count, p_first, p_comm, p_cooc = (pred(K[x]) for x in (
        "paperCount", "firstMentioned", "community", "cooccursWith"))
    for k, data in enumerate(m.concept_attrs):
        parts = []
        count = data.get("paper_count")
        if type(count) is not int:
            count = _num(count)
        if count is not None:
            parts += (p_count, w.obj(count))
        if first[k] is not None:
            parts += (p_first, w.obj(first[k]))
        community = data.get("community")
        if type(community) is not int:
            community = _num(community)
        if type(community) is int:
            parts += (p_comm, str(community))
        lo, hi = cs_ptr[k], cs_ptr[k + 1]
        if hi > lo:
            parts += (p_cooc, " , ".join([c_text[x] for x in cs_v[lo:hi]]))
        if parts:
            open_graph(LINKS_GRAPH)
            parts[0] = parts[0][len(sep):]  # the first predicate follows the subject
            append(c_text[k] + " " + "".join(parts) + " .\n")
        if not k % _CHUNK_NODES:
            flush()
    p_similar = name(K["similarTo"]) + " "
    for k in range(n_papers):
        lo, hi = ss_ptr[k], ss_ptr[k + 1]
        if hi > lo:
            open_graph(LINKS_GRAPH)
            append(p_text[k] + " " + p_similar + " , ".join([p_text[x] for x in ss_v[lo:hi]])
                   + " .\n")
        if not k % _CHUNK_NODES:
            flush()
    flush()

    # build graph, through the generic writer (a few statements)
    previous = graph[0]
    for text in w.chunks(((BUILD_GRAPH, s, p, o) for s, p, o in _build_groups(m.params)),
                         header=False, previous=previous):
        append(text)
    flush()
    return True


#: A paper's local name that may start a prefixed name whose rest is kg's evidence suffix
#: (``_`` and unreserved characters, ending with a letter or digit): then the whole is a
#: valid local name (see :data:`_PN_LOCAL`) without checking each IRI.
_PN_HEAD = re.compile(r"(?:[A-Za-z0-9_:]|%[0-9A-Fa-f]{2})(?:[A-Za-z0-9_\-:.]|%[0-9A-Fa-f]{2})*")
_PN_TAIL = re.compile(r"(?:[A-Za-z0-9_\-:.]|%[0-9A-Fa-f]{2})*(?:[A-Za-z0-9_\-:]|%[0-9A-Fa-f]{2})")


def _evidence_targets(m) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                   list[str]]:
    """The targets of the model's evidence: each distinct (paper, where, start, length) once,
    in the order :func:`_evidence_groups` writes them; returns the target of each evidence
    row, and per target its paper, where, start and length (an extra sentence: its index in
    ``m.extra_sentences``, and its hash in the list returned last)."""
    n_ev = m.ev_where.size
    mention_paper = np.repeat(np.arange(len(m.paper_iris), dtype=np.int64), np.diff(m.m_ptr))
    ev_paper = np.repeat(mention_paper, np.diff(m.ev_ptr))
    where = m.ev_where.astype(np.int64)
    start = m.ev_start.astype(np.int64)
    length = m.ev_len.astype(np.int64)
    extra = np.flatnonzero(where == 2)
    hashes: list[str] = []
    if extra.size:  # ordered by the hash of the sentence, as the generic writer orders them
        index = sorted({int(start[e]) for e in extra})
        hashes_of = {i: _locate(m.extra_sentences[i], "", "")[3] for i in index}
        rank = {h: r for r, h in enumerate(sorted(set(hashes_of.values())))}
        start = start.copy()
        length = length.copy()
        length[extra] = start[extra]  # keep the sentence's index beside its hash rank
        start[extra] = [rank[hashes_of[int(start[e])]] for e in extra]
        hashes = sorted(rank, key=rank.get)
    if n_ev == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty, empty, empty, hashes
    order = np.lexsort((length, start, where, ev_paper))
    key = (ev_paper[order], where[order], start[order], length[order])
    new = np.ones(n_ev, bool)
    new[1:] = ((key[0][1:] != key[0][:-1]) | (key[1][1:] != key[1][:-1])
               | (key[2][1:] != key[2][:-1]) | (key[3][1:] != key[3][:-1]))
    tid_sorted = np.cumsum(new) - 1
    tid = np.empty(n_ev, np.int64)
    tid[order] = tid_sorted
    first = np.flatnonzero(new)
    return tid, key[0][first], key[1][first], key[2][first], key[3][first], hashes


def _write_model_evidence(m, w, p_text, c_text, append, flush, open_graph) -> None:
    """The evidence graph of the model writer (see :func:`_evidence_groups`)."""
    name, quote = w.name, w.quote
    K = _KGV_IRI
    sep = " ;\n\t"
    annotation_head = f" {name(_TYPE)} {name(_OA + 'Annotation')}{sep}{name(_OA + 'hasBody')} "
    p_target = sep + name(_OA + "hasTarget") + " "
    p_count = sep + name(K["mentionCount"]) + " "
    p_source = " " + name(_OA + "hasSource") + " "
    p_field = sep + name(K["field"]) + " "
    field_text = [p_field + w.obj(f) for f in _FIELD_LITERALS]
    p_selector = sep + name(_OA + "hasSelector") + " "
    quote_head = f"[ {name(_TYPE)} {name(_OA + 'TextQuoteSelector')} ; {name(_OA + 'exact')} "
    pos_head = (f" , [ {name(_TYPE)} {name(_OA + 'TextPositionSelector')} ; "
                f"{name(_OA + 'start')} ")
    pos_end = f" ; {name(_OA + 'end')} "
    c_suffix = [_annotation_suffix(c) for c in m.concept_iris]
    c_safe = [_PN_TAIL.fullmatch(x) is not None for x in c_suffix]
    c_middle = [annotation_head + text + p_target for text in c_text]
    ev_ns = EVIDENCE_NS

    tid, t_paper, t_where, t_start, t_len, hashes = _evidence_targets(m)
    t_ptr = np.searchsorted(t_paper, np.arange(len(m.paper_iris) + 1)).tolist()
    tid = tid.tolist()
    t_where, t_start, t_len = t_where.tolist(), t_start.tolist(), t_len.tolist()
    m_ptr, ev_ptr = m.m_ptr.tolist(), m.ev_ptr.tolist()
    paper_iris = m.paper_iris
    for k in range(len(paper_iris)):
        lo, hi = m_ptr[k], m_ptr[k + 1]
        if hi == lo:
            continue
        open_graph(EVIDENCE_GRAPH)
        prefix = _evidence_prefix(paper_iris[k])
        local = prefix[len(ev_ns):]
        head = "ev:" + local if _PN_HEAD.fullmatch(local) is not None else None
        paper = p_text[k]
        # the targets' names (a target suffix is always a valid local name's tail)
        t0 = t_ptr[k]
        names = []
        for t in range(t0, t_ptr[k + 1]):
            x = t_where[t]
            if x == 2:
                suffix = "_e_" + hashes[t_start[t]]
            else:
                suffix = f"_{'at'[x]}_{t_start[t]}_{t_start[t] + t_len[t]}"
            names.append(head + suffix if head is not None else name(prefix + suffix))
        concepts = m.m_concept[lo:hi].tolist()
        counts = m.m_count[lo:hi].tolist()
        for j in range(hi - lo):
            e_lo, e_hi = ev_ptr[lo + j], ev_ptr[lo + j + 1]
            if e_hi - e_lo == 1:
                targets = names[tid[e_lo] - t0]
            elif e_hi == e_lo:
                targets = paper
            else:
                targets = " , ".join([names[t - t0] for t in sorted(set(tid[e_lo:e_hi]))])
            c = concepts[j]
            a = (head + c_suffix[c] if head is not None and c_safe[c]
                 else name(prefix + c_suffix[c]))
            append("".join((a, c_middle[c], targets, p_count, str(counts[j]), " .\n")))
        title, abstract = str(m.titles[k] or ""), str(m.abstracts[k] or "")
        for t in range(t0, t_ptr[k + 1]):
            x, s0, n = t_where[t], t_start[t], t_len[t]
            if x == 2:
                append(names[t - t0] + p_source + paper + p_selector + quote_head
                       + quote(m.extra_sentences[n]) + " ] .\n")
                continue
            append("".join((names[t - t0], p_source, paper, field_text[x], p_selector, quote_head,
                            quote((abstract if x == 0 else title)[s0:s0 + n]), " ]", pos_head,
                            str(s0), pos_end, str(s0 + n), " ] .\n")))
        if not k % _CHUNK_NODES:
            flush()
    flush()


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


def _ntriples_stream(G, detail: bool, fmt: str = "ntriples") -> _ChunkReader:
    G = as_graph(G)
    return _ChunkReader(_TextWriter(fmt).chunks(_groups(G, detail)))


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
    ...     if t.subject.value == AUTHOR_NS + "ada":
    ...         print(t)
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
    >>> sorted({str(q.graph_name) for q in graph_to_quads(G, graph_name=BASE + "g")})
    ['<https://w3id.org/paper-kg/g>']
    >>> sorted({q.graph_name.value.rsplit("/", 1)[1] for q in graph_to_quads(G)})
    ['build', 'ontology', 'papers']
    """
    G = as_graph(G)
    if graph_name is None:
        for quad in ox.parse(_ntriples_stream(G, detail, "nquads"), format=ox.RdfFormat.N_QUADS):
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
        if fmt in ("turtle", "trig") and not detail and _write_model_turtle(model, fh, fmt):
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
        if ox_format.supports_datasets:  # JSON-LD: the named graphs too
            data = graph_to_quads(G, detail=detail)
        else:  # RDF/XML: their union
            data = graph_to_triples(G, detail=detail)
        ox.serialize(data, fh, ox_format, prefixes=PREFIXES)
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
    >>> for line in serialize(G, "nt").decode().splitlines():
    ...     if line.startswith("<https://w3id.org/paper-kg/author/ada>"):
    ...         print(line)
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
    >>> sum("/author/ada>" in line for line in out.read_text().splitlines())
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

    The store answers SPARQL; blank node labels are renamed by the store. Each part is in
    its named graph (:data:`kg.iris.NAMED_GRAPHS`): query their union with
    ``store.query(text, use_default_graph_as_union=True)``, or one with ``GRAPH``.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node(AUTHOR_NS + "ada", kind="author", name="Ada")
    >>> s = to_store(G)
    >>> [str(r["n"]) for r in s.query('SELECT ?n WHERE { ?a <http://xmlns.com/foaf/0.1/name> ?n }',
    ...                               use_default_graph_as_union=True)]
    ['"Ada"']
    """
    G = as_graph(G)
    store = ox.Store() if store is None else store
    try:
        store.bulk_load(_ntriples_stream(G, detail, "nquads"), format=ox.RdfFormat.N_QUADS)
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
    >>> import rdflib
    >>> len(list(g.predicate_objects(rdflib.URIRef(AUTHOR_NS + "ada"))))
    3
    >>> g.namespace_manager.store.namespace("kgv")
    rdflib.term.URIRef('https://w3id.org/paper-kg/vocab#')
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
