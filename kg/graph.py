"""The one networkx model of papers, concepts and authors, built from extraction records.

:func:`build_graph` turns papers (:class:`kg.types.Paper`) and extraction records (the
``kg extract`` shape, see ``docs/architecture.md``) into a :class:`networkx.MultiDiGraph`
whose node keys are IRIs and whose edge keys are relation names:

- ``paper --mentions--> concept`` with ``count``, ``score``, ``fields``, ``evidence``;
- ``concept --broader--> concept`` from the ontology, for the concepts present and all
  their ancestors (so that hierarchy navigation works);
- ``paper --author--> author`` with ``position`` (1 for the first author);
- ``paper --similar--> paper`` (derived): IDF-weighted cosine over shared concepts, at most
  k per paper, stored once per pair from the smaller IRI to the larger one;
- ``concept --cooccurs--> concept`` (derived): normalized PMI over papers, with support,
  stored once per pair from the smaller IRI to the larger one.

The build is deterministic and independent of input order: papers, concepts and authors
are indexed in IRI order and every choice between alternatives is made by a fixed rule, so
re-running it over old + new records (``kg build --update``) gives the same graph as a
fresh build.

Examples
--------
>>> papers = [{"id": "p1", "title": "NTK at infinite width", "abstract": "",
...            "authors": ["Ada Lovelace"], "date": "2025-03-01"}]
>>> records = [{"id": "p1", "concepts": [{"iri": CONCEPT_BASE + "ntk", "label": "NTK",
...     "source": "ontology", "score": 0.9,
...     "mentions": [{"field": "title", "start": 0, "end": 3, "text": "NTK",
...                   "sentence": "NTK at infinite width"}]}]}]
>>> G = build_graph(papers, records)
>>> sorted(G.nodes[n]["kind"] for n in G)
['author', 'concept', 'paper']
>>> G.edges[paper_iri("p1"), CONCEPT_BASE + "ntk", "mentions"]["evidence"]
('NTK at infinite width',)
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import urllib.parse
from typing import Any, Iterable, Mapping

import networkx as nx

from kg.errors import GraphError, NotFoundError
from kg.types import Paper

__all__ = [
    "BASE",
    "PAPER_BASE",
    "AUTHOR_BASE",
    "CONCEPT_BASE",
    "DISCOVERED_BASE",
    "MAX_EVIDENCE",
    "MAX_SHARED",
    "build_graph",
    "paper_iri",
    "author_iri",
    "slugify",
    "explain_link",
    "node_label",
]

#: Base namespace of every kg IRI.
BASE = "https://w3id.org/paper-kg/"
PAPER_BASE = BASE + "paper/"
AUTHOR_BASE = BASE + "author/"
CONCEPT_BASE = BASE + "concept/"
DISCOVERED_BASE = CONCEPT_BASE + "x/"
#: Evidence sentences kept per ``mentions`` edge.
MAX_EVIDENCE = 3
#: Concept IRIs kept in the ``shared`` attribute of a ``similar`` edge.
MAX_SHARED = 5
#: A concept in at most this many papers is never dropped as "too common" for similarity.
MIN_DF_CAP = 5


@functools.lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text``: words joined by ``-``.

    Accents are dropped; a text with no ASCII letters or digits at all (for example a
    name in Chinese characters) gets ``u-`` and a short hash, so different names never
    share the empty slug.

    Examples
    --------
    >>> slugify("Léon Bottou")
    'leon-bottou'
    >>> slugify("  Neural Tangent-Kernel (NTK) ")
    'neural-tangent-kernel-ntk'
    >>> slugify("王小明")[:2]
    'u-'
    """
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if slug:
        return slug
    norm = unicodedata.normalize("NFC", " ".join(text.split()))
    return "u-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def paper_iri(paper_id: str) -> str:
    """IRI of the paper with stable id ``paper_id`` (percent-encoded, ``/`` included).

    Examples
    --------
    >>> paper_iri("2509.04664")
    'https://w3id.org/paper-kg/paper/2509.04664'
    >>> paper_iri("10.1002/spe.2984")
    'https://w3id.org/paper-kg/paper/10.1002%2Fspe.2984'
    """
    return PAPER_BASE + urllib.parse.quote(str(paper_id), safe="")


def author_iri(name: str) -> str:
    """IRI of an author, from the slug of the name.

    Examples
    --------
    >>> author_iri("Geoffrey E. Hinton")
    'https://w3id.org/paper-kg/author/geoffrey-e-hinton'
    """
    return AUTHOR_BASE + slugify(name)


def node_label(G: nx.MultiDiGraph, node: str) -> str:
    """A short human name of a node: concept label, paper title or author name.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("c", kind="concept", label="LoRA")
    >>> node_label(G, "c"), node_label(G, "missing")
    ('LoRA', 'missing')
    """
    if node not in G:
        return str(node)
    attrs = G.nodes[node]
    return str(attrs.get("label") or attrs.get("title") or attrs.get("name") or node)


# ----------------------------------------------------------------------------- build


def build_graph(
    papers: Iterable[Paper | Mapping[str, Any]],
    records: Iterable[Mapping[str, Any]],
    ontology: Any = None,
    *,
    top_k: int = 10,
    min_cooccurrence: int = 3,
    min_npmi: float = 0.1,
    min_discovered_papers: int = 2,
    max_df: float = 0.2,
    max_concept_papers: int | None = 2000,
    cooccurs_top_k: int | None = 50,
) -> nx.MultiDiGraph:
    """Build the knowledge graph of ``papers`` from their extraction ``records``.

    Parameters
    ----------
    papers : iterable of Paper or dict
        The papers (``papers.jsonl`` dicts are accepted too). A paper id given twice keeps
        the fields of the last one. A record whose id is not among ``papers`` still makes
        a paper node from the record's ``title`` and ``abstract``.
    records : iterable of dict
        Extraction records (``{"id", "title", "abstract", "concepts": [...]}``). When
        several records share an id, their concepts are merged.
    ontology : kg.ontology.Ontology, optional
        Gives concept labels, types and definitions, and the ``broader`` hierarchy. Without
        it, concept attributes come from the records and there are no ``broader`` edges.
    top_k : int
        Most ``similar`` links per paper. Each paper proposes its ``top_k`` nearest papers;
        proposals are accepted from the strongest down while both papers have fewer than
        ``top_k`` links, so every paper ends with at most ``top_k`` (the projection has at
        most ``top_k * n / 2`` edges: linear in the corpus size).
    min_cooccurrence : int
        Fewest papers two concepts must share to get a ``cooccurs`` edge (its support).
    min_npmi : float
        Smallest normalized PMI of a ``cooccurs`` edge.
    min_discovered_papers : int
        A discovered concept (``source == "discovered"``) is kept only when this many papers
        mention it; ontology concepts are always kept.
    max_df : float
        Concepts in more than this fraction of the papers (and in more than
        :data:`MIN_DF_CAP` papers) are ignored for similarity, as are concepts in one paper.
    max_concept_papers : int or None
        Concepts in more than this many papers are ignored for similarity too. The cost of
        the similarity step grows with (mentions x the largest paper count considered), so
        this bound keeps it about linear in the corpus size; such common concepts weigh
        little in the IDF-weighted cosine anyway. None: no absolute bound.
    cooccurs_top_k : int or None
        A ``cooccurs`` pair is kept only when it is among the ``cooccurs_top_k`` strongest
        (NPMI, then support) of one of its two concepts, so the co-occurrence graph has at
        most ``cooccurs_top_k`` edges per concept (linear in the corpus, however often
        concepts meet). None: no bound.

    Returns
    -------
    networkx.MultiDiGraph
        The graph model of ``docs/architecture.md``. ``G.graph`` records the parameters.

    Examples
    --------
    >>> c = CONCEPT_BASE
    >>> def rec(pid, *slugs):
    ...     return {"id": pid, "title": pid, "abstract": "", "concepts": [
    ...         {"iri": c + s, "label": s, "source": "ontology", "score": 1.0,
    ...          "mentions": []} for s in slugs]}
    >>> recs = [rec("a", "ntk", "width"), rec("b", "ntk", "width"), rec("c", "lora")]
    >>> G = build_graph([], recs, top_k=1, min_cooccurrence=2, max_df=1.0)
    >>> [(u[-1], v[-1]) for u, v, k in G.edges(keys=True) if k == "similar"]
    [('a', 'b')]
    >>> G.edges[c + "ntk", c + "width", "cooccurs"]["support"]
    2
    """
    from kg.model import GraphModel

    if iter(records) is records:  # one-shot: held here, so repeated ids can be merged
        records = list(records)
    return GraphModel.build(
        papers, records, ontology, top_k=top_k, min_cooccurrence=min_cooccurrence,
        min_npmi=min_npmi, min_discovered_papers=min_discovered_papers, max_df=max_df,
        max_concept_papers=max_concept_papers, cooccurs_top_k=cooccurs_top_k,
    ).to_networkx()


def _add_edges(G: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict]]) -> None:
    """Add keyed edges between existing nodes, fast.

    Equivalent to ``G.add_edge(u, v, key, **attrs)`` for each edge, filling networkx's
    documented adjacency structure (``G._succ[u][v][key]`` shared with
    ``G._pred[v][u][key]``) directly: ``add_edges_from`` costs about three times more
    through its views, which matters at a million edges.
    """
    succ, pred = G._succ, G._pred
    attr_factory, key_factory = G.edge_attr_dict_factory, G.edge_key_dict_factory
    for u, v, key, attrs in edges:
        if u not in succ or v not in succ:
            raise GraphError(f"edge between unknown nodes: {u} -> {v}")
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = key_factory()
            succ[u][v] = keydict
            pred[v][u] = keydict
        data = attr_factory()
        data.update(attrs)
        keydict[key] = data
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


# ----------------------------------------------------------------------------- explain


def _as_node(G: nx.MultiDiGraph, node: str) -> str:
    if node in G:
        return node
    iri = paper_iri(node)
    if iri in G:
        return iri
    raise NotFoundError(f"{node!r} is not a node of the graph")


def _mentions_of(G: nx.MultiDiGraph, paper: str) -> dict[str, dict[str, Any]]:
    return {v: d for _, v, k, d in G.out_edges(paper, keys=True, data=True) if k == "mentions"}


def _papers_of(G: nx.MultiDiGraph, concept: str) -> set[str]:
    return {p for p, _, k in G.in_edges(concept, keys=True) if k == "mentions"}


def _edge(G: nx.MultiDiGraph, u: str, v: str, key: str) -> tuple[dict[str, Any] | None, bool]:
    """Attributes of edge (u, v, key) in either direction, and whether it runs v -> u."""
    if G.has_edge(u, v, key):
        return G.edges[u, v, key], False
    if G.has_edge(v, u, key):
        return G.edges[v, u, key], True
    return None, False


def explain_link(G: nx.MultiDiGraph, u: str, v: str, *, limit: int = 5) -> dict[str, Any]:
    """Why two nodes are linked, as plain data.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph made by :func:`build_graph`.
    u, v : str
        Node IRIs (paper ids are accepted for papers).
    limit : int
        Most shared concepts (paper pair) or common papers (concept pair) listed.

    Returns
    -------
    dict
        Always ``source``, ``target``, ``relation`` (the edge key linking them, or None)
        and ``kind`` (``papers``, ``concepts``, ``paper-concept`` or ``other``). For two
        papers: ``weight`` and ``shared``, a list of ``{iri, label, paper_count,
        evidence: {source: [...], target: [...]}}``, rarest concept first. For two
        concepts: ``npmi``, ``support``, ``papers`` (``{id, title}``, at most ``limit``),
        and ``broader`` (the broader of the two, if one is). For a paper and a concept:
        ``count``, ``fields``, ``evidence``.

    Raises
    ------
    NotFoundError
        If ``u`` or ``v`` is not in the graph.

    Examples
    --------
    >>> c = CONCEPT_BASE
    >>> recs = [{"id": p, "concepts": [{"iri": c + "grokking", "label": "grokking",
    ...     "source": "ontology", "mentions": [{"field": "abstract", "start": 0, "end": 8,
    ...     "text": "grokking", "sentence": f"Grokking in {p}."}]}]} for p in "ab"]
    >>> G = build_graph([], recs, min_cooccurrence=1, max_df=1.0)
    >>> e = explain_link(G, "a", "b")
    >>> e["relation"], [s["label"] for s in e["shared"]], e["shared"][0]["evidence"]["target"]
    ('similar', ['grokking'], ['Grokking in b.'])
    """
    u, v = _as_node(G, u), _as_node(G, v)
    ku, kv = G.nodes[u].get("kind"), G.nodes[v].get("kind")
    out: dict[str, Any] = {"source": u, "target": v, "relation": None}
    if ku == kv == "paper":
        out["kind"] = "papers"
        attrs, _ = _edge(G, u, v, "similar")
        out["relation"] = "similar" if attrs is not None else None
        out["weight"] = attrs["weight"] if attrs is not None else None
        mu, mv = _mentions_of(G, u), _mentions_of(G, v)
        common = sorted(set(mu) & set(mv), key=lambda c: (G.nodes[c].get("paper_count") or 0, c))
        out["shared"] = [
            {"iri": c, "label": node_label(G, c), "paper_count": G.nodes[c].get("paper_count"),
             "evidence": {"source": list(mu[c].get("evidence", ())),
                          "target": list(mv[c].get("evidence", ()))}}
            for c in common[:limit]
        ]
        out["shared_total"] = len(common)
    elif ku == kv == "concept":
        out["kind"] = "concepts"
        attrs, _ = _edge(G, u, v, "cooccurs")
        b_attrs, reverse = _edge(G, u, v, "broader")
        if attrs is not None:
            out["relation"] = "cooccurs"
        elif b_attrs is not None:
            out["relation"] = "broader"
        out["npmi"] = attrs["npmi"] if attrs is not None else None
        out["support"] = attrs["support"] if attrs is not None else None
        out["broader"] = (u if reverse else v) if b_attrs is not None else None
        both = sorted(_papers_of(G, u) & _papers_of(G, v))
        out["papers"] = [{"id": G.nodes[p].get("id"), "title": G.nodes[p].get("title")}
                         for p in both[:limit]]
        out["papers_total"] = len(both)
    elif {ku, kv} == {"paper", "concept"}:
        out["kind"] = "paper-concept"
        paper, concept = (u, v) if ku == "paper" else (v, u)
        attrs = G.get_edge_data(paper, concept, "mentions")
        out["relation"] = "mentions" if attrs is not None else None
        out["count"] = attrs["count"] if attrs else 0
        out["fields"] = list(attrs["fields"]) if attrs else []
        out["evidence"] = list(attrs["evidence"]) if attrs else []
    else:
        out["kind"] = "other"
        data = G.get_edge_data(u, v) or G.get_edge_data(v, u) or {}
        if data:
            key = sorted(data)[0]
            out["relation"] = key
            out.update({k: val for k, val in data[key].items() if k not in out})
    return out
