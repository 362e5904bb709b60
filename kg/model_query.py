"""The graph questions of :mod:`kg.analyze`, answered from a :class:`kg.model.GraphModel`.

``kg concept``, ``kg related`` and ``kg path`` used to turn the whole model into a
:class:`networkx.MultiDiGraph` first (22 s and 2 GB on a 75,000-paper build). The
functions here read the model's arrays instead: a name is resolved by looking through the
label lists, a concept's papers are found in the mention arrays, and the explained path
is a bidirectional Dijkstra over the CSR arrays (no networkx object at all). Their answers
are those of the networkx functions of the same name in :mod:`kg.analyze`, which call them
when given a model; ``tests/test_model_query.py`` checks both agree.

Examples
--------
>>> from kg.analyze import _example_model
>>> M = _example_model()
>>> resolve_concept(M, "ntk")
'https://w3id.org/paper-kg/concept/neural-tangent-kernel'
>>> [r["id"] for r in related_papers(M, "p1")]
['p2', 'p4']
>>> [step["relation"] for step in shortest_path(M, "p1", "LoRA")]
['similar', 'mentions']
"""
from __future__ import annotations

import contextlib
import difflib
import heapq
import math
import weakref
from collections import Counter
from itertools import count
from typing import Any

import numpy as np

from kg.analyze import _example_model  # noqa: F401  (the examples' model)
from kg.errors import GraphError, NotFoundError
from kg.graph import paper_iri
from kg.types import arxiv_id, normalize_doi, title_key

__all__ = [
    "resolve_concept",
    "resolve_paper",
    "resolve_node",
    "node_attrs",
    "node_label",
    "concept_summary",
    "concept_trend",
    "related_papers",
    "shortest_path",
    "discovered_concepts",
]


# ----------------------------------------------------------------------------- index


class _Index:
    """Look-up tables of one model, made on first use and kept while the model lives."""

    def __init__(self, M) -> None:
        self.M = M
        self.n_papers = len(M.paper_iris)
        self._title_keys: list[str] | None = None
        self._concept_papers = None
        self._similar = None
        self._cooccurs = None
        self._broader = None
        self._paper_count = None
        self._mention_cost = None

    # papers ----------------------------------------------------------------
    def paper_index(self, iri: str) -> int | None:
        found = self.M._kind_index(iri)
        return found[1] if found is not None and found[0] == "paper" else None

    def concept_index(self, iri: str) -> int | None:
        found = self.M._kind_index(iri)
        return found[1] if found is not None and found[0] == "concept" else None

    def title_keys(self) -> list[str]:
        if self._title_keys is None:
            self._title_keys = [title_key(t or "") for t in self.M.titles]
        return self._title_keys

    # concepts --------------------------------------------------------------
    def paper_count(self) -> np.ndarray:
        if self._paper_count is None:
            self._paper_count = np.array(
                [a.get("paper_count") or 0 for a in self.M.concept_attrs], np.int64)
        return self._paper_count

    def papers_of(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """(paper indices ascending, mention positions) of the papers mentioning ``c``."""
        if self._concept_papers is not None:
            ptr, papers, pos = self._concept_papers
            return papers[ptr[c]:ptr[c + 1]], pos[ptr[c]:ptr[c + 1]]
        pos = np.flatnonzero(self.M.m_concept == c)
        return np.searchsorted(self.M.m_ptr, pos, side="right") - 1, pos

    def build_concept_papers(self) -> None:
        """Concept -> papers CSR (for walks that visit many concepts)."""
        if self._concept_papers is not None:
            return
        M = self.M
        pos = np.argsort(M.m_concept, kind="stable")  # papers ascending within a concept
        paper = np.searchsorted(M.m_ptr, pos, side="right") - 1
        ptr = _ptr(M.m_concept, len(M.concept_iris))
        self._concept_papers = (ptr, paper, pos)

    @staticmethod
    def _pairs(u: np.ndarray, v: np.ndarray, n: int) -> tuple:
        """CSR over both ends of the pairs (u, v): (ptr, other end, pair position)."""
        ends = np.concatenate([u, v]).astype(np.int64)
        others = np.concatenate([v, u]).astype(np.int64)
        pair = np.concatenate([np.arange(u.size), np.arange(u.size)])
        order = np.lexsort((others, ends))
        return _ptr(ends, n), others[order], pair[order]

    @staticmethod
    def _pairs_of(k: int, u: np.ndarray, v: np.ndarray, csr) -> tuple[np.ndarray, np.ndarray]:
        """(other ends, pair positions) of the pairs with ``k`` at one end: from the CSR if
        it is made, else by one scan of the pair arrays (cheaper for a single look-up)."""
        if csr is not None:
            ptr, others, pair = csr
            return others[ptr[k]:ptr[k + 1]], pair[ptr[k]:ptr[k + 1]]
        pos = np.flatnonzero((u == k) | (v == k))
        return np.where(u[pos] == k, v[pos], u[pos]).astype(np.int64), pos

    def similar_of(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._pairs_of(k, self.M.s_u, self.M.s_v, self._similar)

    def cooccurs_of(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        return self._pairs_of(c, self.M.c_u, self.M.c_v, self._cooccurs)

    def similar(self) -> tuple:
        if self._similar is None:
            self._similar = self._pairs(self.M.s_u, self.M.s_v, self.n_papers)
        return self._similar

    def cooccurs(self) -> tuple:
        if self._cooccurs is None:
            M = self.M
            self._cooccurs = self._pairs(M.c_u, M.c_v, len(M.concept_iris))
        return self._cooccurs

    def broader(self) -> tuple:
        """(parents of each concept, children of each concept, cost of a step to a parent)."""
        if self._broader is None:
            parents: dict[int, list[int]] = {}
            children: dict[int, list[int]] = {}
            for c, p in self.M.broader:
                parents.setdefault(c, []).append(p)
                children.setdefault(p, []).append(c)
            pc = self.paper_count()
            cost = {p: 1.0 + math.log2(1 + int(pc[p]) + len(cs)) for p, cs in children.items()}
            self._broader = (parents, children, cost)
        return self._broader

    def mention_cost(self) -> np.ndarray:
        """Cost of a ``mentions`` step through each concept (as :func:`kg.analyze._step_cost`)."""
        if self._mention_cost is None:
            self._mention_cost = np.array(
                [1.0 + math.log2(1 + pc) for pc in self.paper_count().tolist()], np.float64)
        return self._mention_cost


_INDEXES: "weakref.WeakKeyDictionary[Any, _Index]" = weakref.WeakKeyDictionary()


def _index(M) -> _Index:
    ix = _INDEXES.get(M)
    if ix is None:
        ix = _INDEXES[M] = _Index(M)
    return ix


def _ptr(rows: np.ndarray, n: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


def node_attrs(M, iri: str) -> dict[str, Any]:
    """The attributes of a node (``G.nodes[iri]``) of a model or a networkx graph.

    Raises
    ------
    KeyError
        If ``iri`` is not a node.

    Examples
    --------
    >>> node_attrs(_example_model(), "https://w3id.org/paper-kg/paper/p1")["title"]
    'NTK one'
    """
    from kg.model import GraphModel

    if not isinstance(M, GraphModel):
        return M.nodes[iri]
    return M.node_attrs(iri)


def node_label(M, iri: str) -> str:
    """:func:`kg.graph.node_label` of a model node: label, title or name (or the IRI).

    Examples
    --------
    >>> node_label(_example_model(), "https://w3id.org/paper-kg/concept/lora")
    'LoRA'
    """
    try:
        attrs = node_attrs(M, iri)
    except KeyError:
        return str(iri)
    return str(attrs.get("label") or attrs.get("title") or attrs.get("name") or iri)


def _concept_label(M, c: int) -> str:
    return str(M.concept_attrs[c].get("label") or M.concept_iris[c])


def _paper_label(M, p: int) -> str:
    return str(M.titles[p] or M.paper_iris[p])


def _not_found(message: str, suggestions: list[str]) -> NotFoundError:
    exc = NotFoundError(message)
    exc.suggestions = suggestions
    return exc


# ----------------------------------------------------------------------------- resolve


def resolve_concept(M, name: str) -> str:
    """:func:`kg.analyze.resolve_concept` over a model: the IRI of the concept ``name``.

    Raises
    ------
    NotFoundError
        If nothing matches; up to 5 close labels are suggested.

    Examples
    --------
    >>> resolve_concept(_example_model(), "Low-Rank Adaptation").rsplit("/", 1)[1]
    'lora'
    """
    from kg.analyze import _norm, _squash

    name = str(name).strip()
    ix = _index(M)
    if ix.concept_index(name) is not None:
        return name
    attrs = M.concept_attrs
    key, sq = _norm(name), _squash(name)
    # the first tier with a match wins, so each tier is only looked at if those before
    # it are empty (a concept then matches no earlier tier's rule)
    rules = (
        lambda label, alts: label == name,
        lambda label, alts: name in alts,
        lambda label, alts: _norm(label) == key or any(_norm(a) == key for a in alts),
        lambda label, alts: bool(sq) and (_squash(label) == sq
                                          or any(_squash(a) == sq for a in alts)),
    )
    for rule in rules:
        tier = [c for c, a in enumerate(attrs)
                if rule(a.get("label") or "", a.get("alt_labels") or ())]
        if tier:
            pc = ix.paper_count()
            return M.concept_iris[min(tier, key=lambda c: (-int(pc[c]), M.concept_iris[c]))]
    labels: dict[str, str] = {}
    for a in attrs:
        for lab in (a.get("label"), *(a.get("alt_labels") or ())):
            if lab:
                labels.setdefault(lab.casefold(), a.get("label"))
    close = difflib.get_close_matches(name.casefold(), list(labels), n=10, cutoff=0.6)
    suggestions: list[str] = []
    for lab in close:
        if labels[lab] not in suggestions:
            suggestions.append(labels[lab])
    suggestions = suggestions[:5]
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise _not_found(f"no concept {name!r} in the graph{hint}", suggestions)


def resolve_paper(M, id_or_iri: str, *, fragments: bool = True) -> str:
    """:func:`kg.analyze.resolve_paper` over a model: the IRI of the paper named by its
    id, IRI, arXiv id/URL, DOI or title.

    Raises
    ------
    NotFoundError
        If no paper matches (or a title fragment matches several); close ids are suggested.

    Examples
    --------
    >>> M = _example_model()
    >>> resolve_paper(M, "p3"), resolve_paper(M, "lora three")
    ('https://w3id.org/paper-kg/paper/p3', 'https://w3id.org/paper-kg/paper/p3')
    """
    name = str(id_or_iri).strip()
    ix = _index(M)
    candidates = [name, paper_iri(name)]
    for alt in (arxiv_id(name), normalize_doi(name)):
        if alt:
            candidates.append(paper_iri(alt))
    for c in candidates:
        if ix.paper_index(c) is not None:
            return c
    tkey = title_key(name)
    if tkey:
        titles = ix.title_keys()  # papers in IRI order, as sorted(papers)
        for p, t in enumerate(titles):
            if t == tkey:
                return M.paper_iris[p]
        for match in () if not fragments else (lambda t: t.startswith(tkey + " "),
                                               lambda t: f" {tkey} " in f" {t} "):
            found = [p for p, t in enumerate(titles) if match(t)]
            if len(found) == 1:
                return M.paper_iris[found[0]]
            if len(found) > 1:
                shown = "; ".join(f"{M.paper_ids[p]} ({M.titles[p]})" for p in found[:5])
                raise _not_found(f"{name!r} matches {len(found)} paper titles: {shown}; "
                                 "give a paper id or more of the title",
                                 [str(M.paper_ids[p]) for p in found[:5]])
    ids = {str(pid): p for p, pid in enumerate(M.paper_ids)}
    suggestions = difflib.get_close_matches(name, list(ids), n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise _not_found(f"no paper {name!r} in the graph{hint}", suggestions)


def resolve_node(M, name: str) -> str:
    """:func:`kg.analyze.resolve_node` over a model: the paper or concept named ``name``.

    Examples
    --------
    >>> resolve_node(_example_model(), "LoRA").rsplit("/", 1)[1]
    'lora'
    """
    try:
        return resolve_paper(M, name, fragments=False)
    except NotFoundError as paper_error:
        try:
            return resolve_concept(M, name)
        except NotFoundError as concept_error:
            with contextlib.suppress(NotFoundError):
                return resolve_paper(M, name)
            suggestions = (concept_error.suggestions + paper_error.suggestions)[:5]
            hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
            raise _not_found(f"no paper or concept {name!r} in the graph{hint}",
                             suggestions) from None


# ----------------------------------------------------------------------------- concepts


def concept_trend(M, concept_iri: str, freq: str = "month") -> list[tuple[str | None, int]]:
    """:func:`kg.analyze.concept_trend` over a model: papers of a concept per period.

    Examples
    --------
    >>> concept_trend(_example_model(), "infinite width")
    [('2025-01', 1), ('2025-02', 1), (None, 1)]
    """
    from kg.analyze import _period_range, period_of

    c = _index(M).concept_index(resolve_concept(M, concept_iri))
    cache: dict[Any, str | None] = {}
    periods = []
    for d in M.dates:
        per = cache.get(d, "")
        if per == "":
            per = cache[d] = period_of(d, freq)
        periods.append(per)
    dated = sorted({p for p in periods if p})
    papers, _ = _index(M).papers_of(c)
    counts: Counter[str | None] = Counter(periods[p] for p in papers.tolist())
    out: list[tuple[str | None, int]] = []
    if dated:
        out = [(p, counts.get(p, 0)) for p in _period_range(dated[0], dated[-1], freq)]
    if counts.get(None):
        out.append((None, counts[None]))
    return out


def concept_summary(M, name: str, *, papers: int = 20, neighbours: int = 15,
                    freq: str = "month") -> dict[str, Any]:
    """:func:`kg.analyze.concept_summary` over a model: what ``kg concept`` shows.

    Examples
    --------
    >>> s = concept_summary(_example_model(), "NTK")
    >>> s["label"], [p["id"] for p in s["papers"]], [c["label"] for c in s["cooccurs"]]
    ('neural tangent kernel', ['p1', 'p2'], ['infinite width'])
    """
    iri = resolve_concept(M, name)
    ix = _index(M)
    c = ix.concept_index(iri)
    attrs = M.concept_attrs[c]
    plist = []
    pidx, pos = ix.papers_of(c)
    for p, t in zip(pidx.tolist(), pos.tolist()):
        score = float(M.m_score[t])
        plist.append({"id": M.paper_ids[p], "title": M.titles[p], "date": M.dates[p],
                      "count": int(M.m_count[t]), "score": None if score != score else score})
    plist.sort(key=lambda r: (-(r["count"] or 0), -(r["score"] or 0), str(r["id"])))
    co = []
    for o, t in zip(*(a.tolist() for a in ix.cooccurs_of(c))):
        co.append({"iri": M.concept_iris[o], "label": _concept_label(M, o),
                   "npmi": float(M.c_npmi[t]), "support": int(M.c_support[t])})
    co.sort(key=lambda r: (-r["npmi"], -r["support"], r["iri"]))
    parents, children, _ = ix.broader()
    broader = sorted(({"iri": M.concept_iris[o], "label": _concept_label(M, o)}
                      for o in parents.get(c, ())), key=lambda r: r["iri"])
    narrower = sorted(({"iri": M.concept_iris[o], "label": _concept_label(M, o)}
                       for o in children.get(c, ())), key=lambda r: r["iri"])
    return {
        "iri": iri, "label": attrs.get("label"), "alt_labels": list(attrs.get("alt_labels") or ()),
        "type": attrs.get("type"), "source": attrs.get("source"),
        "definition": attrs.get("definition"), "paper_count": attrs.get("paper_count") or 0,
        "papers": plist[:papers], "cooccurs": co[:neighbours], "broader": broader,
        "narrower": narrower, "trend": [list(t) for t in concept_trend(M, iri, freq)],
    }


def discovered_concepts(M, min_papers: int = 2, top: int | None = 50) -> list[dict[str, Any]]:
    """:func:`kg.analyze.discovered_concepts` over a model: terms the ontology lacks.

    Examples
    --------
    >>> discovered_concepts(_example_model())
    []
    """
    ix = _index(M)
    rows = []
    for c, attrs in enumerate(M.concept_attrs):
        if attrs.get("source") != "discovered" or (attrs.get("paper_count") or 0) < min_papers:
            continue
        papers, _ = ix.papers_of(c)
        rows.append({
            "iri": M.concept_iris[c], "label": attrs.get("label"),
            "alt_labels": list(attrs.get("alt_labels") or ()), "type": attrs.get("type"),
            "paper_count": attrs.get("paper_count") or 0,
            "examples": [M.paper_ids[p] for p in papers[:3].tolist()],
        })
    rows.sort(key=lambda r: (-r["paper_count"], r["label"] or "", r["iri"]))
    return rows if top is None else rows[:top]


# ----------------------------------------------------------------------------- papers


def related_papers(M, paper: str, top: int = 10) -> list[dict[str, Any]]:
    """:func:`kg.analyze.related_papers` over a model: the ``similar`` papers of ``paper``.

    Examples
    --------
    >>> r = related_papers(_example_model(), "p1")[0]
    >>> r["id"], r["shared"]
    ('p2', ['neural tangent kernel', 'infinite width'])
    """
    ix = _index(M)
    k = ix.paper_index(resolve_paper(M, paper))
    rows = []
    for o, t in zip(*(a.tolist() for a in ix.similar_of(k))):
        rows.append({
            "id": M.paper_ids[o], "iri": M.paper_iris[o], "title": M.titles[o],
            "weight": float(M.s_weight[t]),
            "shared": [_concept_label(M, c) for c in M.s_shared[t].tolist() if c >= 0],
        })
    rows.sort(key=lambda r: (-(r["weight"] or 0), r["iri"]))
    return rows[:top]


# ----------------------------------------------------------------------------- paths


class _Walk:
    """The undirected path graph of a model (``mentions``, ``similar``, ``cooccurs``,
    ``broader``; no authors) over node numbers: papers ``0..P-1``, concepts ``P...``."""

    def __init__(self, M) -> None:
        self.M = M
        self.ix = ix = _index(M)
        self.P = ix.n_papers
        ix.build_concept_papers()
        self.similar = ix.similar()
        self.cooccurs = ix.cooccurs()
        self.parents, self.children, self.broader_cost = ix.broader()
        self.mcost = ix.mention_cost()
        self.s_cost = 1.0 + (1.0 - M.s_weight.astype(np.float64))
        self.c_cost = 1.0 + (1.0 - M.c_npmi.astype(np.float64))

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
        cptr, papers, _ = self.ix._concept_papers
        ptr, others, pair = self.cooccurs
        a, b = ptr[c], ptr[c + 1]
        nodes = [*papers[cptr[c]:cptr[c + 1]].tolist(), *(others[a:b] + P).tolist()]
        costs = [float(self.mcost[c])] * int(cptr[c + 1] - cptr[c])
        costs += self.c_cost[pair[a:b]].tolist()
        for p in self.parents.get(c, ()):
            nodes.append(p + P)
            costs.append(self.broader_cost[p])
        if c in self.children:
            own = self.broader_cost[c]
            for ch in self.children[c]:
                nodes.append(ch + P)
                costs.append(own)
        return nodes, costs

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
        as :func:`kg.analyze.shortest_path` gives it."""
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
                options.append((self.broader_cost[cv], "broader", cv))
            elif cu in self.parents.get(cv, ()):
                options.append((self.broader_cost[cu], "broader", cu))
        else:
            c = (v if v >= P else u) - P
            options.append((float(self.mcost[c]), "mentions", None))
        _, key, t = min(options, key=lambda o: (o[0], o[1]))
        lu, lv = self.label(u), self.label(v)
        if key == "mentions":
            paper, c = (u, v - P) if u < P else (v, u - P)
            text = f"{_paper_label(M, paper)!r} mentions {_concept_label(M, c)}"
            evidence = self._evidence(paper, c)
            if evidence:
                text += f': "{evidence}"'
        elif key == "similar":
            shared = ", ".join(_concept_label(M, c) for c in self._common_concepts(u, v)[:3])
            text = (f"{lu!r} and {lv!r} are similar (weight {float(M.s_weight[t]):.2f}), "
                    f"sharing {shared or 'no concept'}")
        elif key == "cooccurs":
            text = (f"{lu} and {lv} are mentioned together in {int(M.c_support[t])} papers "
                    f"(NPMI {float(M.c_npmi[t]):.2f})")
            both = np.intersect1d(self.ix.papers_of(u - P)[0], self.ix.papers_of(v - P)[0])
            if both.size:
                text += f", e.g. {M.titles[int(both[0])]!r}"
        elif t == v - P:
            text = f"{lu} is a kind of {lv} (ontology)"
        else:
            text = f"{lv} is a kind of {lu} (ontology)"
        return {"from": self.iri(u), "to": self.iri(v), "from_label": lu, "to_label": lv,
                "relation": key, "explanation": text}

    def label(self, n: int) -> str:
        return _paper_label(self.M, n) if n < self.P else _concept_label(self.M, n - self.P)

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

    def _evidence(self, paper: int, c: int) -> str | None:
        M = self.M
        lo = int(M.m_ptr[paper])
        hit = np.flatnonzero(M.m_concept[lo:M.m_ptr[paper + 1]] == c)
        if not hit.size:
            return None
        evidence = M.mention_attrs(paper, lo + int(hit[0]))["evidence"]
        return evidence[0] if evidence else None


def shortest_path(M, a: str, b: str) -> list[dict[str, Any]]:
    """:func:`kg.analyze.shortest_path` over a model: the most informative path between
    two papers or concepts, every step explained.

    The walk is a bidirectional Dijkstra over the model's arrays with the costs of
    :func:`kg.analyze.shortest_path`; only the nodes it reaches are looked at.

    Raises
    ------
    NotFoundError
        If ``a`` or ``b`` is unknown.
    GraphError
        If they are not connected.

    Examples
    --------
    >>> for step in shortest_path(_example_model(), "p1", "p3"):
    ...     print(step["relation"], "|", step["explanation"])
    similar | 'NTK one' and 'Mixed four' are similar (weight 0.40), sharing infinite width
    similar | 'Mixed four' and 'LoRA three' are similar (weight 0.78), sharing LoRA
    """
    src, dst = resolve_node(M, a), resolve_node(M, b)
    if src == dst:
        return []
    walk = _Walk(M)
    nodes = walk.bidirectional_dijkstra(walk.number(src), walk.number(dst))
    if nodes is None:
        raise GraphError(
            f"{node_label(M, src)!r} and {node_label(M, dst)!r} are not connected in the graph")
    return [walk.step(u, v) for u, v in zip(nodes, nodes[1:])]
