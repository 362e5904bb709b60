"""The shape of the graph: counts, communities, central nodes.

Louvain communities and centralities run on networkx graphs of one relation, made from the
model's arrays (:func:`cooccurs_graph`, :func:`similar_graph`).

Examples
--------
>>> from kg.query.examples import example_model
>>> graph_stats(example_model())["edges"]
{'cooccurs': 1, 'mentions': 7, 'similar': 4}
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
import numpy as np

from kg.errors import GraphError
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import model_index
from kg.query.resolve import node_label

__all__ = [
    "COMMUNITY_MAX_CONCEPTS",
    "graph_stats",
    "concept_communities",
    "paper_communities",
    "centrality",
    "cooccurs_graph",
    "similar_graph",
]

#: Most concepts whose communities :func:`graph_stats` (``summary.json``, ``kg stats``)
#: computes: the ``cooccurs`` graph is cut to the concepts with the most papers first
#: (see :func:`concept_communities`), so the Louvain pass of a build is bounded whatever
#: the corpus size (each concept keeps at most ``cooccurs_top_k`` partners, so at most
#: 50 x 50,000 edges). The 74,728-paper arXiv CS build has 37,423 concepts with a
#: ``cooccurs`` edge (Louvain: 8 s), under the bound, so its count (104) is that of the
#: whole graph; a duplicated corpus of 250,000 papers has several times more.
COMMUNITY_MAX_CONCEPTS = 50_000


def concept_communities(M, resolution: float = 1.0, seed: int = 0, *,
                        max_concepts: int | None = None) -> list[list[str]]:
    """Louvain communities of the ``cooccurs`` graph (weight: NPMI), largest first.

    Only concepts with at least one ``cooccurs`` edge take part. Each community is sorted
    by paper count (descending) then IRI; the result is deterministic for a given ``seed``.

    Parameters
    ----------
    M : kg.model.GraphModel
    resolution, seed : float, int
        Louvain's resolution and random seed.
    max_concepts : int, optional
        Bound the work: when more concepts than this have a ``cooccurs`` edge, only the
        ``max_concepts`` of them with the most papers (ties: smaller IRI) take part, with
        the ``cooccurs`` edges among them; concepts left without an edge there drop out.
        Louvain's time and memory then depend on the bound, not on the corpus (a build
        uses :data:`COMMUNITY_MAX_CONCEPTS`). None: the whole graph.

    Examples
    --------
    >>> M = example_model()
    >>> [[c.rsplit("/", 1)[1] for c in comm] for comm in concept_communities(M)]
    [['infinite-width', 'neural-tangent-kernel']]
    >>> concept_communities(M, max_concepts=1)  # the one kept concept has no edge left
    []
    """
    H = cooccurs_graph(M, max_concepts)
    return _sorted_communities(M, H, resolution, seed)


def cooccurs_graph(M, max_concepts: int | None = None) -> nx.Graph:
    """The ``cooccurs`` links of a model as an undirected networkx graph (weight: NPMI),
    nodes and edges in sorted order, cut to ``max_concepts`` concepts as
    :func:`concept_communities` explains: only the kept edges become networkx objects.

    Examples
    --------
    >>> H = cooccurs_graph(example_model())
    >>> [(u.rsplit("/", 1)[1], v.rsplit("/", 1)[1]) for u, v in H.edges()]
    [('infinite-width', 'neural-tangent-kernel')]
    """

    u, v, w = M.c_u, M.c_v, M.c_npmi
    if max_concepts is not None:
        nodes = np.unique(np.concatenate([u, v]))
        if nodes.size > max_concepts:
            papers = np.array([M.concept_attrs[c].get("paper_count") or 0
                               for c in nodes.tolist()], np.int64)
            keep = np.zeros(len(M.concept_iris), bool)
            keep[nodes[np.lexsort((nodes, -papers))[:max_concepts]]] = True  # index = IRI order
            sel = keep[u] & keep[v]
            u, v, w = u[sel], v[sel], w[sel]
    iris = M.concept_iris
    edges = sorted((iris[a], iris[b], x) for a, b, x in zip(u.tolist(), v.tolist(), w.tolist()))
    H = nx.Graph()
    H.add_nodes_from(sorted({n for a, b, _ in edges for n in (a, b)}))
    H.add_weighted_edges_from(edges, weight="weight")
    return H


def similar_graph(M) -> nx.Graph:
    """The ``similar`` links of a model as an undirected networkx graph (weight: similarity),
    nodes and edges in sorted order.

    Examples
    --------
    >>> similar_graph(example_model()).number_of_edges()
    4
    """
    iris = M.paper_iris
    edges = sorted((iris[a], iris[b], w) for a, b, w in
                   zip(M.s_u.tolist(), M.s_v.tolist(), M.s_weight.tolist()))
    H = nx.Graph()
    H.add_nodes_from(sorted({n for a, b, _ in edges for n in (a, b)}))
    H.add_weighted_edges_from(edges, weight="weight")
    return H


def paper_communities(M, resolution: float = 1.0, seed: int = 0) -> list[list[str]]:
    """Louvain communities of the ``similar`` graph (weight: similarity), largest first.

    Examples
    --------
    >>> [[p.rsplit("/", 1)[1] for p in comm] for comm in paper_communities(example_model())]
    [['p1', 'p2'], ['p3', 'p4']]
    """
    return _sorted_communities(M, similar_graph(M), resolution, seed)


def _louvain(H: nx.Graph, resolution: float, seed: int) -> list[set[str]]:
    if H.number_of_nodes() == 0:
        return []
    return nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)


def _sorted_communities(M, H: nx.Graph, resolution: float, seed: int) -> list[list[str]]:
    """Communities of ``H``, each by paper count (descending) then IRI, largest first."""
    ix = model_index(M)
    pc = ix.paper_count()

    def papers(n: str) -> int:
        c = ix.concept_index(n)
        return int(pc[c]) if c is not None else 0

    out = [sorted(c, key=lambda n: (-papers(n), n)) for c in _louvain(H, resolution, seed)]
    out.sort(key=lambda c: (-len(c), c[0]))
    return out


def centrality(M, kind: str = "pagerank", nodes: str = "concept",
               top: int = 20) -> list[dict[str, Any]]:
    """The most central concepts (``cooccurs`` graph) or papers (``similar`` graph).

    Parameters
    ----------
    kind : {"pagerank", "degree"}
        Weighted PageRank, or degree centrality (neighbours / (n - 1)).
    nodes : {"concept", "paper"}
    top : int

    Returns
    -------
    list of dict
        ``{iri, label, score}`` (and ``id`` for papers), highest score first.

    Examples
    --------
    >>> [(r["label"], r["score"]) for r in centrality(example_model(), "degree", "paper", top=2)]
    [('Mixed four', 1.0), ('NTK one', 0.666667)]
    """
    if nodes == "concept":
        H = cooccurs_graph(M)
    elif nodes == "paper":
        H = similar_graph(M)
    else:
        raise GraphError(f"unknown node kind {nodes!r}: use 'concept' or 'paper'")
    if H.number_of_nodes() == 0:
        return []
    if kind == "pagerank":
        scores = nx.pagerank(H, weight="weight")
    elif kind == "degree":
        scores = nx.degree_centrality(H)
    else:
        raise GraphError(f"unknown centrality {kind!r}: use 'pagerank' or 'degree'")
    ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 12), kv[0]))[:top]
    out = []
    for n, score in ranked:
        row = {"iri": n, "label": node_label(M, n), "score": round(float(score), 6)}
        if nodes == "paper":
            row["id"] = M.paper_ids[model_index(M).paper_index(n)]
        out.append(row)
    return out


def graph_stats(M, *, top: int = 10, communities: bool = True) -> dict[str, Any]:
    """Counts and highlights of a graph, JSON-ready (what ``kg stats`` and summary.json show).

    Keys: ``nodes`` (count per kind), ``edges`` (count per relation), ``concepts``
    (count per source), ``top_concepts`` (``{iri, label, paper_count}``), ``concept_communities``
    (Louvain count over the :data:`COMMUNITY_MAX_CONCEPTS` concepts with the most papers,
    see :func:`concept_communities`, or None if ``communities`` is false), ``dates``
    (``first``, ``last``, ``undated``), ``papers_without_concepts``.

    Examples
    --------
    >>> s = graph_stats(example_model())
    >>> s["nodes"], s["edges"]["similar"], s["dates"]
    ({'concept': 3, 'paper': 4}, 4, {'first': '2025-01-10', 'last': '2025-02-20', 'undated': 1})
    """

    counts = M.counts()
    attrs = M.concept_attrs
    ranked = sorted(range(len(attrs)),
                    key=lambda c: (-(attrs[c].get("paper_count") or 0), M.concept_iris[c]))[:top]
    n_comms = None
    if communities:
        n_comms = len(_louvain(cooccurs_graph(M, COMMUNITY_MAX_CONCEPTS), 1.0, 0))
    dates = sorted(d for d in M.dates if d)
    return {
        "nodes": counts["nodes"],
        "edges": counts["edges"],
        "concepts": dict(sorted(Counter(a.get("source") for a in attrs).items())),
        "top_concepts": [{"iri": M.concept_iris[c],
                          "label": str(attrs[c].get("label") or M.concept_iris[c]),
                          "paper_count": attrs[c].get("paper_count") or 0} for c in ranked],
        "concept_communities": n_comms,
        "dates": {"first": dates[0] if dates else None, "last": dates[-1] if dates else None,
                  "undated": len(M.paper_iris) - len(dates)},
        "papers_without_concepts": int(np.count_nonzero(np.diff(M.m_ptr) == 0)),
    }
