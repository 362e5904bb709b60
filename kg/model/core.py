"""The compact graph model: papers, concepts and authors in columns, links in arrays.

:class:`GraphModel` holds the kg graph (the model of ``docs/architecture.md``) in a form
that stays small at corpus scale: one row per paper, concept and author (sorted by IRI,
so an integer index is a stable position), relations as CSR arrays of integer indices,
and mention evidence *by reference*: each evidence sentence is an offset and a length
into its paper's abstract or title, not a string of its own. The records it is built
from are streamed once and never held (:mod:`kg.model.builder`); the derived links are
computed by :mod:`kg.model.links`.

Everything else is a view of it:

- :meth:`GraphModel.to_networkx` gives a :class:`networkx.MultiDiGraph` (the same nodes,
  edges, attributes and insertion order as :func:`kg.model.build_graph`);
- :meth:`GraphModel.view` gives a read-only, networkx-shaped facade whose node and edge
  attributes are made on demand, one node at a time, which the exporters (Turtle,
  GraphML, JSON Lines) stream without ever building the whole graph;
- :meth:`GraphModel.subgraph` serves the HTML map (a few thousand nodes).

Examples
--------
>>> from kg.iris import concept_iri, paper_iri
>>> recs = [{"id": p, "title": p, "abstract": "We study grokking.", "concepts": [
...     {"iri": concept_iri("grokking"), "label": "grokking", "source": "ontology",
...      "mentions": [{"field": "abstract", "start": 9, "end": 17, "text": "grokking",
...                    "sentence": "We study grokking."}]}]} for p in "ab"]
>>> M = GraphModel.build([], recs, max_df=1.0)
>>> M.counts()["edges"]
{'mentions': 2, 'similar': 1}
>>> V = M.view()
>>> V.nodes[paper_iri("a")]["title"], V._adj[paper_iri("a")][concept_iri("grokking")]
('a', {'mentions': {'count': 1, 'score': None, 'fields': ('abstract',), 'evidence': ('We study grokking.',)}})
"""
from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from typing import Any, Iterable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.errors import GraphError
from kg.iris import BASE
from kg.model.arrays import csr_pointers, gc_paused, strictly_sorted
from kg.model.builder import IN_ABSTRACT, IN_TITLE, ModelBuilder
from kg.model.links import (
    COOCCURS_BLOCK,
    MAX_SHARED,
    MIN_DF_CAP,
    degree_bounded_arrays,
    npmi_pairs,
    npmi_top_k,
    round6,
    shared_concepts,
    similar_candidates,
    top_k_either_end,
)
from kg.model.networkx import ModelView, add_edges
from kg.types import Paper

__all__ = ["GraphModel"]


# ---------------------------------------------------------------------------- model
class GraphModel:
    """The kg graph in columns (see the module docstring). Build it with :meth:`build`.

    Attributes
    ----------
    params : dict
        The build parameters (``G.graph`` of the networkx view).
    paper_iris, concept_iris, author_iris : list of str
        Node IRIs of each kind, sorted; a node's index is its position here.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        # papers (sorted by IRI) and their fields
        self.paper_iris: list[str] = []
        self.paper_ids: list[str] = []
        self.titles: list[str] = []
        self.abstracts: list[str] = []
        self.dates: list[Any] = []
        self.urls: list[Any] = []
        self.sources: list[Any] = []
        # concepts (sorted by IRI): attribute dicts
        self.concept_iris: list[str] = []
        self.concept_attrs: list[dict[str, Any]] = []
        # authors (sorted by IRI)
        self.author_iris: list[str] = []
        self.author_names: list[str] = []
        # mentions: CSR over papers; concepts ascending within a paper
        self.m_ptr = np.zeros(1, np.int64)
        self.m_concept = np.zeros(0, np.int32)
        self.m_count = np.zeros(0, np.int32)
        self.m_score = np.zeros(0, np.float64)  # nan: no score
        self.m_fields = np.zeros(0, np.int32)  # index into field_sets
        self.field_sets: list[tuple[str, ...]] = []
        self.ev_ptr = np.zeros(1, np.int64)  # CSR over mentions
        self.ev_where = np.zeros(0, np.int8)
        self.ev_start = np.zeros(0, np.int32)
        self.ev_len = np.zeros(0, np.int32)
        self.extra_sentences: list[str] = []
        # authors of each paper: CSR over papers, in author order
        self.a_ptr = np.zeros(1, np.int64)
        self.a_author = np.zeros(0, np.int32)
        self.a_pos = np.zeros(0, np.int32)
        # broader: (child, parent) concept indices, sorted by IRI pair
        self.broader: list[tuple[int, int]] = []
        # similar: paper index pairs i < j, sorted; weight; up to MAX_SHARED shared concepts
        self.s_u = np.zeros(0, np.int32)
        self.s_v = np.zeros(0, np.int32)
        self.s_weight = np.zeros(0, np.float64)
        self.s_shared = np.zeros((0, 0), np.int32)  # -1 pads
        # cooccurs: concept index pairs, sorted by IRI pair; npmi, support
        self.c_u = np.zeros(0, np.int32)
        self.c_v = np.zeros(0, np.int32)
        self.c_npmi = np.zeros(0, np.float64)
        self.c_support = np.zeros(0, np.int64)
        self._index: dict[str, tuple[str, int]] | tuple | None = None

    # ------------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
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
        rows: Iterable[tuple] | None = None,
        jobs: int = 1,
    ) -> "GraphModel":
        """Build the model; the parameters are those of :func:`kg.model.networkx.build_graph`.

        ``records`` is read once, as a stream. Several records of one paper are merged;
        when ``records`` is a one-shot iterator that cannot be read twice, a paper id seen
        twice raises :class:`~kg.errors.GraphError` (pass a list to merge duplicates).
        Instead of records, ``rows`` may give their compact rows (:func:`summarize_record`,
        made by extraction workers in ``kg build``); then pass ``records=None``. With
        ``jobs`` > 1 the similarity search runs in two processes (a forked child takes half
        the papers); the model is the same.
        """
        if rows is not None and records is not None:
            raise GraphError("give records or rows, not both")
        if top_k < 0 or min_cooccurrence < 1 or min_discovered_papers < 1:
            raise GraphError("top_k must be >= 0, min_cooccurrence and min_discovered_papers >= 1")
        if cooccurs_top_k is not None and cooccurs_top_k < 1:
            raise GraphError(f"cooccurs_top_k must be >= 1 or None, not {cooccurs_top_k}")
        with gc_paused():
            m = cls()
            m.params = {
                "base": BASE, "top_k": top_k, "min_cooccurrence": min_cooccurrence,
                "min_npmi": min_npmi, "min_discovered_papers": min_discovered_papers,
                "max_df": max_df, "max_concept_papers": max_concept_papers,
                "cooccurs_top_k": cooccurs_top_k,
            }
            ModelBuilder(m, ontology).run(papers, records, rows)
            m._derive(top_k=top_k, min_cooccurrence=min_cooccurrence, min_npmi=min_npmi,
                      max_df=max_df, max_concept_papers=max_concept_papers,
                      cooccurs_top_k=cooccurs_top_k, jobs=jobs)
        return m

    def _derive(self, *, top_k, min_cooccurrence, min_npmi, max_df, max_concept_papers,
                cooccurs_top_k, jobs=1) -> None:
        """The derived links: ``similar`` (top-k cosine) and ``cooccurs`` (NPMI)."""
        nconc = len(self.concept_iris)
        lens = np.diff(self.m_ptr)
        rows = np.flatnonzero(lens > 0)
        if rows.size == 0 or nconc == 0:
            return
        # 0/1 paper x concept, 8 bytes a mention (int32 counts and indices): a float64
        # matrix and its copies were the peak of this stage at millions of papers
        X = sp.csr_matrix(
            (np.ones(self.m_concept.size, np.int32), self.m_concept,
             np.concatenate([[0], np.cumsum(lens[rows])]).astype(np.int64)),
            shape=(rows.size, nconc))
        if top_k:
            self._similar(X, rows, top_k, max_df, max_concept_papers, jobs)
        self._cooccurs(X, min_cooccurrence, min_npmi, cooccurs_top_k)

    def _similar(self, X, rows, top_k, max_df, max_concept_papers, jobs=1) -> None:
        n = X.shape[0]
        df = np.asarray(X.sum(axis=0)).ravel()
        cap = max(max_df * n, MIN_DF_CAP)
        if max_concept_papers is not None:
            cap = min(cap, max(max_concept_papers, MIN_DF_CAP))
        eligible = (df >= 2) & (df <= cap)
        idf = np.where(eligible, np.log((1.0 + n) / (1.0 + df)) + 1.0, 0.0)
        # X @ diag(idf) without zeros, then rows scaled to unit length (each value one
        # product, so the same bits as the sparse products), made in place
        kept = eligible[X.indices]
        indptr = np.concatenate([[0], np.cumsum(kept)])[X.indptr]
        W = sp.csr_matrix((idf[X.indices[kept]], X.indices[kept], indptr), shape=X.shape)
        del kept, indptr
        norms = np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        W.data *= np.repeat(inv, np.diff(W.indptr))
        WT = W.T.tocsr()
        lo, hi, w = degree_bounded_arrays(*similar_candidates(W, WT, top_k, jobs), n,
                                                 top_k)
        if lo.size == 0:
            return
        # shared concepts: eligible ones in both papers, rarest (highest IDF) first
        ecols = np.flatnonzero(eligible)
        rank = np.empty(nconc := X.shape[1], np.int64)  # position by (-idf, IRI)
        order = np.lexsort((np.arange(nconc), -idf))
        rank[order] = np.arange(nconc)
        self.s_u = rows[lo].astype(np.int32)
        self.s_v = rows[hi].astype(np.int32)
        self.s_weight = round6(w)
        self.s_shared = shared_concepts(X[:, ecols].tocsr(), lo, hi, rank[ecols], MAX_SHARED,
                                         names=ecols)

    def _cooccurs(self, X, min_support, min_npmi, top_k) -> None:
        n = X.shape[0]
        df = np.asarray(X.sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= min_support)
        if keep.size < 2:
            return
        B = X[:, keep].tocsc()
        BT = B.T.tocsr()
        parts = []  # per block of concepts: the pairs that pass both thresholds
        for start in range(0, keep.size, COOCCURS_BLOCK):
            C = BT[start:start + COOCCURS_BLOCK] @ B
            if top_k is None:
                parts.append(npmi_pairs(C, start, keep, df, n, min_support, min_npmi))
            else:  # only the pairs that can be kept: a block row's own top k
                parts.append(npmi_top_k(C, start, keep, df, n, min_support, min_npmi, top_k))
            del C
        ri, ci, support, npmi = (np.concatenate(a) for a in zip(*parts))
        del parts
        if top_k is None:
            sel = np.lexsort((ci, ri))  # IRI order == index order
        else:
            # a pair among the top k of both its ends came from both: keep it once
            _, sel = np.unique(ri.astype(np.int64) * X.shape[1] + ci, return_index=True)
        self.c_u = ri[sel].astype(np.int32)
        self.c_v = ci[sel].astype(np.int32)
        self.c_npmi = round6(npmi[sel])  # as published
        self.c_support = support[sel].astype(np.int64)

    # ---------------------------------------------------------------------- lookups
    def kind_index(self, iri: str) -> tuple[str, int] | None:
        """``(kind, index)`` of a node IRI, or None. The IRI lists of a built model are
        sorted, and are then searched by bisection (no table of every node); a dict is
        made only for lists that are not."""
        if self._index is None:
            lists = (("author", self.author_iris), ("concept", self.concept_iris),
                     ("paper", self.paper_iris))
            if all(strictly_sorted(iris) for _, iris in lists):
                self._index = lists
            else:
                self._index = {x: (kind, k) for kind, iris in lists for k, x in enumerate(iris)}
        if isinstance(self._index, dict):
            return self._index.get(iri)
        for kind, iris in self._index:
            k = bisect.bisect_left(iris, iri)
            if k < len(iris) and iris[k] == iri:
                return kind, k
        return None

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self.kind_index(iri) is not None

    def number_of_nodes(self) -> int:
        return len(self.paper_iris) + len(self.concept_iris) + len(self.author_iris)

    def paper_attrs(self, k: int) -> dict[str, Any]:
        return {"kind": "paper", "id": self.paper_ids[k], "title": self.titles[k],
                "abstract": self.abstracts[k], "date": self.dates[k], "url": self.urls[k],
                "source": self.sources[k]}

    def author_attrs(self, k: int) -> dict[str, Any]:
        return {"kind": "author", "name": self.author_names[k]}

    def node_attrs(self, iri: str) -> dict[str, Any]:
        found = self.kind_index(iri)
        if found is None:
            raise KeyError(iri)
        kind, k = found
        if kind == "paper":
            return self.paper_attrs(k)
        if kind == "concept":
            return self.concept_attrs[k]
        return self.author_attrs(k)

    def _sentence(self, paper: int, e: int) -> str:
        where, start = self.ev_where[e], int(self.ev_start[e])
        if where == IN_ABSTRACT:
            return self.abstracts[paper][start:start + int(self.ev_len[e])]
        if where == IN_TITLE:
            return self.titles[paper][start:start + int(self.ev_len[e])]
        return self.extra_sentences[start]

    def mention_attrs(self, paper: int, t: int) -> dict[str, Any]:
        """Attributes of mention ``t`` (a position in the mention arrays) of ``paper``."""
        score = float(self.m_score[t])
        return {
            "count": int(self.m_count[t]),
            "score": None if score != score else score,
            "fields": self.field_sets[self.m_fields[t]],
            "evidence": tuple(self._sentence(paper, e)
                              for e in range(self.ev_ptr[t], self.ev_ptr[t + 1])),
        }

    def similar_attrs(self, t: int) -> dict[str, Any]:
        iris = self.concept_iris
        return {"weight": float(self.s_weight[t]),
                "shared": tuple(iris[c] for c in self.s_shared[t].tolist() if c >= 0)}

    def cooccurs_attrs(self, t: int) -> dict[str, Any]:
        return {"npmi": float(self.c_npmi[t]), "support": int(self.c_support[t])}

    # -------------------------------------------------------------------- adjacency
    def _out_tables(self):
        """Per-node out-edge CSR for similar (by u), broader and cooccurs (by child / u)."""
        if getattr(self, "_outs", None) is None:
            np_, nc = len(self.paper_iris), len(self.concept_iris)
            s_ptr = csr_pointers(self.s_u.astype(np.int64), np_)  # s_u sorted (pairs sorted)
            b_child = np.array([c for c, _ in self.broader], np.int64)
            b_ptr = csr_pointers(b_child, nc)
            c_ptr = csr_pointers(self.c_u.astype(np.int64), nc)
            self._outs = (s_ptr, b_ptr, c_ptr)
        return self._outs

    def out_edges(self, kind: str, k: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(target, relation, attrs)`` of node ``k`` of ``kind``, in the insertion order
        of the networkx view (mentions, author, similar; broader, cooccurs)."""
        s_ptr, b_ptr, c_ptr = self._out_tables()
        if kind == "paper":
            ciris = self.concept_iris
            for t in range(self.m_ptr[k], self.m_ptr[k + 1]):
                yield ciris[self.m_concept[t]], "mentions", self.mention_attrs(k, t)
            airis = self.author_iris
            for t in range(self.a_ptr[k], self.a_ptr[k + 1]):
                yield airis[self.a_author[t]], "author", {"position": int(self.a_pos[t])}
            piris = self.paper_iris
            for t in range(s_ptr[k], s_ptr[k + 1]):
                yield piris[self.s_v[t]], "similar", self.similar_attrs(t)
        elif kind == "concept":
            ciris = self.concept_iris
            for t in range(b_ptr[k], b_ptr[k + 1]):
                yield ciris[self.broader[t][1]], "broader", {}
            for t in range(c_ptr[k], c_ptr[k + 1]):
                yield ciris[self.c_v[t]], "cooccurs", self.cooccurs_attrs(t)

    def adjacency(self, iri: str) -> dict[str, dict[str, dict[str, Any]]]:
        """``{target: {relation: attrs}}`` of one node, as networkx's ``G._adj[iri]``."""
        found = self.kind_index(iri)
        if found is None:
            raise KeyError(iri)
        adj: dict[str, dict[str, dict[str, Any]]] = {}
        for v, key, attrs in self.out_edges(*found):
            keydict = adj.get(v)
            if keydict is None:
                keydict = adj[v] = {}
            keydict[key] = attrs
        return adj

    def nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(iri, attrs)`` in the networkx view's order: papers, concepts, authors."""
        for k, iri in enumerate(self.paper_iris):
            yield iri, self.paper_attrs(k)
        yield from zip(self.concept_iris, self.concept_attrs)
        for k, iri in enumerate(self.author_iris):
            yield iri, self.author_attrs(k)

    def edges(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """``(u, v, relation, attrs)`` in the order ``G.edges(keys=True, data=True)`` of
        the networkx view gives them."""
        for kind, iris in (("paper", self.paper_iris), ("concept", self.concept_iris)):
            for k, u in enumerate(iris):
                adj = self.adjacency(u) if kind == "concept" else None
                if adj is not None:  # broader and cooccurs may join one target
                    for v, keydict in adj.items():
                        for key, attrs in keydict.items():
                            yield u, v, key, attrs
                    continue
                for v, key, attrs in self.out_edges(kind, k):
                    yield u, v, key, attrs

    # ------------------------------------------------------------------------ views
    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per kind and edges per relation (non-zero only, sorted)."""
        nodes = {"author": len(self.author_iris), "concept": len(self.concept_iris),
                 "paper": len(self.paper_iris)}
        edges = {"author": int(self.a_author.size), "broader": len(self.broader),
                 "cooccurs": int(self.c_u.size), "mentions": int(self.m_concept.size),
                 "similar": int(self.s_u.size)}
        return {"nodes": {k: v for k, v in nodes.items() if v},
                "edges": {k: v for k, v in edges.items() if v}}

    def view(self) -> "ModelView":
        """A read-only networkx-shaped facade (see :class:`ModelView`)."""
        return ModelView(self)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The full :class:`networkx.MultiDiGraph` (what :func:`kg.model.networkx.build_graph` returns)."""
        with gc_paused():
            G = nx.MultiDiGraph()
            G.graph.update(self.params)
            for iri, attrs in self.nodes():
                G.add_node(iri, **attrs)
            # relation by relation, as the graph has always been built (pred order)
            piris, ciris = self.paper_iris, self.concept_iris
            add_edges(G, (
                (piris[k], ciris[self.m_concept[t]], "mentions", self.mention_attrs(k, t))
                for k in range(len(piris)) for t in range(self.m_ptr[k], self.m_ptr[k + 1])))
            add_edges(G, ((ciris[c], ciris[p], "broader", {}) for c, p in self.broader))
            airis = self.author_iris
            add_edges(G, (
                (piris[k], airis[self.a_author[t]], "author", {"position": int(self.a_pos[t])})
                for k in range(len(piris)) for t in range(self.a_ptr[k], self.a_ptr[k + 1])))
            add_edges(G, ((piris[self.s_u[t]], piris[self.s_v[t]], "similar",
                            self.similar_attrs(t)) for t in range(self.s_u.size)))
            add_edges(G, ((ciris[self.c_u[t]], ciris[self.c_v[t]], "cooccurs",
                            self.cooccurs_attrs(t)) for t in range(self.c_u.size)))
        return G

    def subgraph(self, nodes: Iterable[str]) -> nx.MultiDiGraph:
        """The networkx graph induced by ``nodes`` (for the HTML map: a few thousand)."""
        keep = set(nodes)
        H = nx.MultiDiGraph()
        H.graph.update(self.params)
        for iri in sorted(keep):
            H.add_node(iri, **self.node_attrs(iri))
        edges = []
        for u in sorted(keep):
            for v, keydict in self.adjacency(u).items():
                if v in keep:
                    edges.extend((u, v, key, attrs) for key, attrs in keydict.items())
        add_edges(H, edges)
        return H

    def papers_of(self) -> list[np.ndarray]:
        """Paper indices of each concept (ascending), by concept index."""
        nconc = len(self.concept_iris)
        paper_of_mention = np.repeat(np.arange(len(self.paper_iris)), np.diff(self.m_ptr))
        order = np.argsort(self.m_concept, kind="stable")
        ptr = csr_pointers(np.sort(self.m_concept).astype(np.int64), nconc)
        sorted_papers = paper_of_mention[order]
        return [sorted_papers[ptr[c]:ptr[c + 1]] for c in range(nconc)]

