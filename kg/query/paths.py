"""How two papers or concepts connect: the most informative path, every step explained.

The path is a bidirectional Dijkstra over the model's arrays (:class:`PathGraph`); no
networkx object is made.

Examples
--------
>>> from kg.query.examples import example_model
>>> [step["relation"] for step in shortest_path(example_model(), "p1", "LoRA")]
['similar', 'mentions']
"""
from __future__ import annotations

import heapq
from itertools import count
from typing import Any

import numpy as np

from kg.errors import GraphError
from kg.query.evidence import mention_evidence
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import model_index
from kg.query.resolve import concept_label, node_label, paper_label, resolve_node

__all__ = ["PathGraph", "shortest_path", "PATH_RELATIONS"]

#: The relations a path may follow (authors are not walked).
PATH_RELATIONS = ("mentions", "similar", "cooccurs", "broader")


class PathGraph:
    """The undirected path graph of a model (``mentions``, ``similar``, ``cooccurs``,
    ``broader``; no authors) over node numbers: papers ``0..P-1``, concepts ``P...``.

    A step costs 1, plus a penalty for a weak link, plus half the generality of each
    concept it joins (see :func:`shortest_path`); :meth:`neighbours` lists a node's
    neighbours with those costs, straight from the model's arrays.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> g = PathGraph(example_model())
    >>> g.iri(0), g.label(g.number("https://w3id.org/paper-kg/concept/lora"))
    ('https://w3id.org/paper-kg/paper/p1', 'LoRA')
    """

    def __init__(self, M) -> None:
        self.M = M
        self.ix = ix = model_index(M)
        self.P = ix.n_papers
        ix.concept_papers()
        self.similar = ix.similar()
        self.cooccurs = ix.cooccurs()
        self.parents, self.children = ix.broader()
        self.half = ix.generality() / 2.0
        self.mcost = 1.0 + self.half  # paper <-> concept
        self.s_cost = 1.0 + (1.0 - M.s_weight.astype(np.float64)) + self._rarest_shared(ix)
        self.c_cost = 1.0 + (1.0 - M.c_npmi.astype(np.float64))
        self.c_cost += self.half[M.c_u] + self.half[M.c_v]

    def _rarest_shared(self, ix) -> np.ndarray:
        """Generality of the most specific concept each ``similar`` pair shares (0 if none):
        a ``similar`` step goes through what the papers share."""
        shared = self.M.s_shared
        if shared.size == 0:
            return np.zeros(len(self.M.s_weight), np.float64)
        g = np.where(shared >= 0, ix.generality()[np.clip(shared, 0, None)], np.inf).min(axis=1)
        return np.where(np.isfinite(g), g, 0.0)

    def iri(self, n: int) -> str:
        return self.M.paper_iris[n] if n < self.P else self.M.concept_iris[n - self.P]

    def number(self, iri: str) -> int:
        k = self.ix.paper_index(iri)
        return k if k is not None else self.P + self.ix.concept_index(iri)

    def neighbours(self, n: int) -> tuple[list[int], list[float]]:
        """Neighbours of node ``n`` and the cost of each step (a pair of concepts joined
        by two relations is listed twice, once per relation)."""
        M, P = self.M, self.P
        if n < P:
            lo, hi = M.m_ptr[n], M.m_ptr[n + 1]
            conc = M.m_concept[lo:hi]
            ptr, others, pair = self.similar
            a, b = ptr[n], ptr[n + 1]
            nodes = np.concatenate([conc.astype(np.int64) + P, others[a:b]])
            costs = np.concatenate([self.mcost[conc], self.s_cost[pair[a:b]]])
            return nodes.tolist(), costs.tolist()
        c = n - P
        cptr, papers, _ = self.ix.concept_papers()
        ptr, others, pair = self.cooccurs
        a, b = ptr[c], ptr[c + 1]
        nodes = [*papers[cptr[c]:cptr[c + 1]].tolist(), *(others[a:b] + P).tolist()]
        costs = [float(self.mcost[c])] * int(cptr[c + 1] - cptr[c])
        costs += self.c_cost[pair[a:b]].tolist()
        for o in (*self.parents.get(c, ()), *self.children.get(c, ())):
            nodes.append(o + P)
            costs.append(self.broader_cost(c, o))
        return nodes, costs

    def broader_cost(self, a: int, b: int) -> float:
        """Cost of a ``broader`` step between concepts ``a`` and ``b``: no penalty for the
        link itself, so two concepts under a specific shared broader one are close."""
        return 1.0 + float(self.half[a] + self.half[b])

    def bidirectional_dijkstra(self, source: int, target: int) -> list[int] | None:
        """The nodes of a cheapest path (networkx's bidirectional Dijkstra: the same
        search, with neighbours in a fixed order so that ties are broken the same way
        every run), or None if there is none."""
        dists: list[dict[int, float]] = [{}, {}]
        pred: list[dict[int, int | None]] = [{source: None}, {target: None}]
        fringe: list[list] = [[], []]
        seen: list[dict[int, float]] = [{source: 0}, {target: 0}]
        c = count()
        heapq.heappush(fringe[0], (0, next(c), source))
        heapq.heappush(fringe[1], (0, next(c), target))
        best: tuple[float, int] | None = None
        direction = 1
        while fringe[0] and fringe[1]:
            direction = 1 - direction
            d, _, v = heapq.heappop(fringe[direction])
            dist, other = dists[direction], dists[1 - direction]
            if v in dist:
                continue
            dist[v] = d
            if v in other:
                return self._join(pred, best[1])
            sn, sn_other, pr = seen[direction], seen[1 - direction], pred[direction]
            for w, cost in zip(*self.neighbours(v)):
                length = d + cost
                if w in dist:
                    continue
                if w not in sn or length < sn[w]:
                    sn[w] = length
                    heapq.heappush(fringe[direction], (length, next(c), w))
                    pr[w] = v
                    if w in sn_other:
                        total = sn[w] + sn_other[w]
                        if best is None or best[0] > total:
                            best = (total, w)
        return None

    @staticmethod
    def _join(pred, meet: int) -> list[int]:
        forward, n = [], meet
        while n is not None:
            forward.append(n)
            n = pred[0][n]
        forward.reverse()
        n = pred[1][meet]
        while n is not None:
            forward.append(n)
            n = pred[1][n]
        return forward

    # steps -----------------------------------------------------------------
    def step(self, u: int, v: int) -> dict[str, Any]:
        """The cheapest relation joining ``u`` and ``v`` (ties: by name) and its explanation,
        as :func:`shortest_path` gives it."""
        M, P = self.M, self.P
        options: list[tuple[float, str, Any]] = []
        if u < P and v < P:
            t = self._similar_pair(u, v)
            options.append((float(self.s_cost[t]), "similar", t))
        elif u >= P and v >= P:
            cu, cv = u - P, v - P
            t = self._cooccurs_pair(cu, cv)
            if t is not None:
                options.append((float(self.c_cost[t]), "cooccurs", t))
            if cv in self.parents.get(cu, ()):
                options.append((self.broader_cost(cu, cv), "broader", cv))
            elif cu in self.parents.get(cv, ()):
                options.append((self.broader_cost(cu, cv), "broader", cu))
        else:
            c = (v if v >= P else u) - P
            options.append((float(self.mcost[c]), "mentions", None))
        _, key, t = min(options, key=lambda o: (o[0], o[1]))
        lu, lv = self.label(u), self.label(v)
        if key == "mentions":
            paper, c = (u, v - P) if u < P else (v, u - P)
            text = f"{paper_label(M, paper)!r} mentions {concept_label(M, c)}"
            evidence = mention_evidence(M, paper, c)
            if evidence:
                text += f': "{evidence}"'
        elif key == "similar":
            shared = ", ".join(concept_label(M, c) for c in self._common_concepts(u, v)[:3])
            text = (f"{lu!r} and {lv!r} are similar (weight {float(M.s_weight[t]):.2f}), "
                    f"sharing {shared or 'no concept'}")
        elif key == "cooccurs":
            text = (f"{lu} and {lv} are mentioned together in {int(M.c_support[t])} papers "
                    f"(NPMI {float(M.c_npmi[t]):.2f})")
            both = np.intersect1d(self.ix.papers_of(u - P)[0], self.ix.papers_of(v - P)[0])
            if both.size:
                text += f", e.g. {M.titles[int(both[0])]!r}"
        elif t == v - P:
            text = f"{lu} is a kind of {lv}"
        else:
            text = f"{lv} is a kind of {lu}"
        return {"from": self.iri(u), "to": self.iri(v), "from_label": lu, "to_label": lv,
                "relation": key, "explanation": text}

    def label(self, n: int) -> str:
        return paper_label(self.M, n) if n < self.P else concept_label(self.M, n - self.P)

    def _similar_pair(self, u: int, v: int) -> int:
        ptr, others, pair = self.similar
        row = others[ptr[u]:ptr[u + 1]]
        return int(pair[ptr[u] + int(np.flatnonzero(row == v)[0])])

    def _cooccurs_pair(self, cu: int, cv: int) -> int | None:
        ptr, others, pair = self.cooccurs
        hit = np.flatnonzero(others[ptr[cu]:ptr[cu + 1]] == cv)
        return int(pair[ptr[cu] + int(hit[0])]) if hit.size else None

    def _common_concepts(self, u: int, v: int) -> list[int]:
        """Concepts both papers mention, rarest first (then by IRI)."""
        M = self.M
        common = np.intersect1d(M.m_concept[M.m_ptr[u]:M.m_ptr[u + 1]],
                                M.m_concept[M.m_ptr[v]:M.m_ptr[v + 1]])
        pc = self.ix.paper_count()
        return sorted(common.tolist(), key=lambda c: (int(pc[c]), c))


def shortest_path(M, a: str, b: str) -> list[dict[str, Any]]:
    """The most informative path between two papers or concepts, every step explained.

    The graph is walked as undirected over ``mentions``, ``similar``, ``cooccurs`` and
    ``broader`` edges (not authors). An edge costs 1, plus ``1 - weight`` and the
    generality of the most specific shared concept for a ``similar`` link, ``1 - NPMI``
    for a ``cooccurs`` link, plus half the *generality* of each concept it joins: ``log2(1 + papers)``, the papers of its direct narrower concepts
    counted in (:meth:`~kg.query.index.ModelIndex.generality`). Going through a concept
    thus costs its whole generality whatever the relations in and out, so a path prefers a
    shared paper, a specific co-occurring concept or a specific shared broader concept to a
    hub that many papers mention.

    Parameters
    ----------
    a, b : str
        Paper ids/IRIs or concept names/IRIs (see :func:`resolve_node`).

    Returns
    -------
    list of dict
        Steps ``{from, to, from_label, to_label, relation, explanation}``; ``from`` of each
        step is ``to`` of the one before. Empty if ``a`` and ``b`` are the same node.

    Raises
    ------
    NotFoundError
        If ``a`` or ``b`` is unknown.
    GraphError
        If they are not connected.

    Examples
    --------
    >>> M = example_model()
    >>> for step in shortest_path(M, "p1", "p3"):
    ...     print(step["relation"], "|", step["explanation"])
    similar | 'NTK one' and 'Mixed four' are similar (weight 0.40), sharing infinite width
    similar | 'Mixed four' and 'LoRA three' are similar (weight 0.78), sharing LoRA
    >>> print(shortest_path(M, "p3", "LoRA")[0]["explanation"])
    'LoRA three' mentions LoRA: "About LoRA."
    """
    src, dst = resolve_node(M, a), resolve_node(M, b)
    if src == dst:
        return []
    walk = PathGraph(M)
    nodes = walk.bidirectional_dijkstra(walk.number(src), walk.number(dst))
    if nodes is None:
        raise GraphError(
            f"{node_label(M, src)!r} and {node_label(M, dst)!r} are not connected in the graph")
    return [walk.step(u, v) for u, v in zip(nodes, nodes[1:])]
