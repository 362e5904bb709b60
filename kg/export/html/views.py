"""The data of each map view: nodes, positions, communities, and what the side panel shows.

Three views of a :class:`kg.model.GraphModel`, each returning a plain dict that
:func:`kg.export.html.page.render_page` turns into a page:

- :func:`concept_map` (the default): concepts linked by co-occurrence, coloured by
  community, each community named by its top concepts;
- :func:`paper_map`: papers linked by shared concepts (the ``similar`` links), coloured
  by community or year;
- :func:`focus_map`: one concept or paper and its neighbourhood, ``depth`` links out.

The dict is columnar (``nodes["l"][i]`` is node i's label) so that a 40,000-node map stays
small. Only ``http``/``https`` urls are kept (:func:`safe_url`): a ``javascript:`` or
``data:`` url never becomes a link. Text is carried as data and the page shows it as text.

Examples
--------
>>> from kg.query.examples import example_model
>>> data = concept_map(example_model(), min_papers=1)
>>> data["view"], len(data["nodes"]["l"]), data["groups"][0]["name"]
('concepts', 2, 'infinite width · neural tangent kernel')
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from kg.errors import ExportError
from kg.export.html.filters import (
    ViewFilters,
    concept_counts,
    concept_types,
    kept_papers,
    paper_years,
)
from kg.export.html.groups import group_names, node_groups
from kg.export.html.layout import group_layout, spread_labels, spring_positions
from kg.model.arrays import csr_pointers
from kg.query.resolve import resolve_node

__all__ = [
    "DEFAULT_MAX_PAPERS",
    "DEFAULT_MAX_CONCEPTS",
    "GROUP_COLORS",
    "BIG_MAP",
    "PAPERS_PER_CONCEPT",
    "PAPERS_PER_CONCEPT_BIG",
    "concept_map",
    "focus_map",
    "paper_map",
    "safe_url",
]

#: Colours of the largest communities (Tableau 20, reordered); the rest share OTHER_COLOR.
GROUP_COLORS = [
    "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
    "#9c755f", "#17becf", "#a0cbe8", "#ffbe7d", "#8cd17d", "#d4a6c8", "#86bcb6", "#f1ce63",
    "#d37295", "#499894", "#fabfd2", "#79706e",
]
OTHER_COLOR = "#b8b8b8"
#: Papers (with an evidence sentence) listed in a concept's panel; fewer on big maps
#: (more than :data:`BIG_MAP` concepts) to keep the page small.
PAPERS_PER_CONCEPT = 5
PAPERS_PER_CONCEPT_BIG = 2
BIG_MAP = 5000
#: Most papers a paper map draws (those with the most concepts first).
DEFAULT_MAX_PAPERS = 30_000
#: Most concepts a concept map draws (those in most papers first): about 9.5 MB of page.
DEFAULT_MAX_CONCEPTS = 35_000
_LINKS_PER_NODE = 3  # links drawn per node (its strongest); the layout uses all of them
_FORCED_LABELS = 24  # labels always drawn, whatever the zoom
_ALL_LABELS = 150  # maps up to this many concepts draw every label
_FOCUS_PARTNERS = 30  # a focus view follows a concept's strongest co-occurring concepts
_FOCUS_PAPERS = 20  # and its papers with the most mentions (newest first)
_EVIDENCE_CHARS = 200


def safe_url(url: Any) -> str | None:
    """``url`` if it is an ``http``/``https`` url, else None (never a ``javascript:`` link).

    Examples
    --------
    >>> safe_url("https://arxiv.org/abs/2106.09685"), safe_url(" javascript:alert(1)")
    ('https://arxiv.org/abs/2106.09685', None)
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    low = url.lower()
    if (low.startswith("https://") or low.startswith("http://")) and not any(
            ch in url for ch in "\"'<> \t\n\r"):
        return url
    return None


def _size(count: np.ndarray, top: float) -> np.ndarray:
    scale = math.log(max(top, 2.0))
    return np.round(1.5 + 12.0 * (np.log(np.maximum(count, 1)) / scale) ** 2, 1)


def _strongest_links(u, v, w, n: int, per_node: int) -> np.ndarray:
    """Mask of the links among the ``per_node`` strongest of either end."""
    if len(u) == 0:
        return np.zeros(0, bool)
    ends = np.r_[u, v]
    idx = np.r_[np.arange(len(u)), np.arange(len(u))]
    order = np.lexsort((idx, -np.r_[w, w], ends))
    starts = np.searchsorted(ends[order], ends[order], side="left")
    rank = np.arange(len(order)) - starts
    keep = np.zeros(len(u), bool)
    keep[idx[order[rank < per_node]]] = True
    return keep


def _trend(years: np.ndarray) -> list[list[int]]:
    ys, counts = np.unique(years[years > 0], return_counts=True)
    return [[int(y), int(c)] for y, c in zip(ys.tolist(), counts.tolist())]


class _Mentions:
    """Mentions by concept: positions into the mention arrays, and their papers."""

    def __init__(self, M) -> None:
        self.paper_of = np.repeat(np.arange(len(M.paper_iris)), np.diff(M.m_ptr))
        self.order = np.argsort(M.m_concept, kind="stable")
        self.ptr = csr_pointers(M.m_concept[self.order].astype(np.int64), len(M.concept_iris))

    def of(self, c: int) -> np.ndarray:
        return self.order[self.ptr[c]:self.ptr[c + 1]]


class _PaperTable:
    """The papers a page links to, each once: title, url, date, id, authors."""

    def __init__(self, M) -> None:
        self.M = M
        self.ref: dict[int, int] = {}

    def __call__(self, p: int) -> int:
        r = self.ref.get(p)
        if r is None:
            r = self.ref[p] = len(self.ref)
        return r

    def data(self, authors: bool = False) -> dict[str, list]:
        M = self.M
        rows = sorted(self.ref, key=self.ref.get)
        table = {"t": [M.titles[p] or M.paper_ids[p] or "" for p in rows],
                 "u": [safe_url(M.urls[p]) for p in rows],
                 "d": [M.dates[p] or "" for p in rows],
                 "i": [M.paper_ids[p] or "" for p in rows]}
        if authors:
            table["a"] = [[M.author_names[a] for a in
                           M.a_author[M.a_ptr[p]:M.a_ptr[p + 1]].tolist()] for p in rows]
        return table


def _evidence(M, p: int, t: int) -> str:
    """The mention's first evidence sentence that is not the title (the panel shows that)."""
    ev = M.mention_attrs(p, t)["evidence"]
    text = next((e for e in ev if e != M.titles[p]), ev[0] if ev else "")
    return text if len(text) <= _EVIDENCE_CHARS else text[:_EVIDENCE_CHARS - 1] + "…"


def _concept_info(M, c: int, mentions: _Mentions, papers: np.ndarray, years: np.ndarray,
                  table: _PaperTable, per_concept: int) -> tuple[dict, list]:
    a = M.concept_attrs[c]
    ts = mentions.of(c)
    ps = mentions.paper_of[ts]
    keep = papers[ps]
    ts, ps = ts[keep], ps[keep]
    best = np.lexsort((ps, -years[ps], -M.m_count[ts]))[:per_concept]
    listed = [[table(int(ps[i])), _evidence(M, int(ps[i]), int(ts[i]))] for i in best.tolist()]
    info = {"p": listed}
    if a.get("definition"):
        info["d"] = a["definition"]
    alts = [x for x in (a.get("alt_labels") or ()) if x]
    if alts:
        info["a"] = alts[:12]
    if a.get("source"):
        info["o"] = a["source"]
    return info, _trend(years[ps])


def _base(view: str, title: str | None, note: str) -> dict[str, Any]:
    return {"view": view, "title": title or "kg knowledge graph", "note": note,
            "nodes": {k: [] for k in ("k", "l", "x", "y", "s", "g", "t", "n", "tr", "r")},
            "info": [], "edges": {"s": [], "t": [], "w": []}, "groups": [], "types": [],
            "colorBy": "community", "big": False}


def _put_positions(data: dict, pos: np.ndarray) -> None:
    # a map spans about 2 sqrt(n) units: a tenth of a unit is under a pixel with the whole
    # map in view and a few pixels at the deepest zoom (keeps the page small)
    data["nodes"]["x"] = np.round(pos[:, 0], 1).tolist()
    data["nodes"]["y"] = np.round(pos[:, 1], 1).tolist()


def _groups_of(labels: list[str], counts: np.ndarray, groups: np.ndarray) -> list[dict]:
    out = []
    if groups.size == 0 or groups.max() < 0:
        return out
    k = int(groups.max()) + 1
    members: list[list[int]] = [[] for _ in range(k)]
    for i in np.lexsort((np.arange(len(groups)), -counts)).tolist():
        if groups[i] >= 0:
            members[groups[i]].append(i)
    names = group_names([[labels[i] for i in m] for m in members])
    for g, m in enumerate(members):
        out.append({"name": names[g], "size": len(m),
                    "color": GROUP_COLORS[g] if g < len(GROUP_COLORS) else OTHER_COLOR,
                    "top": m[0] if m else -1})
    return out


def _links_among(M, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``cooccurs`` links among the concepts ``chosen`` (sorted indices), as positions
    in ``chosen``, with their NPMI as a positive weight."""
    index = np.full(len(M.concept_iris), -1, np.int64)
    index[chosen] = np.arange(chosen.size)
    u, v = M.c_u.astype(np.int64), M.c_v.astype(np.int64)
    inside = (index[u] >= 0) & (index[v] >= 0)
    return index[u[inside]], index[v[inside]], np.maximum(M.c_npmi[inside].astype(float), 1e-3)


def _linked_concepts(M, eligible: np.ndarray):
    """The eligible concepts that co-occur with another eligible one (sorted indices), the
    links among them, and the mask of those concepts."""
    u, v = M.c_u.astype(np.int64), M.c_v.astype(np.int64)
    both = eligible[u] & eligible[v]
    linked = np.zeros(len(M.concept_iris), bool)
    linked[u[both]] = linked[v[both]] = True
    chosen = np.flatnonzero(linked)
    return chosen, _links_among(M, chosen), linked


def concept_map(M, filters: ViewFilters | None = None, *, min_papers: int | None = None,
                title: str | None = None, max_concepts: int | None = DEFAULT_MAX_CONCEPTS,
                papers_per_concept: int | None = None) -> dict[str, Any]:
    """The concept map: concepts in at least ``min_papers`` kept papers that co-occur with
    another such concept, linked by ``cooccurs``, grouped into named communities.

    Parameters
    ----------
    M : kg.model.GraphModel
    filters : ViewFilters, optional
        Dates, types and ``min_papers`` (default 2).
    min_papers : int, optional
        Overrides ``filters.min_papers``.
    title : str, optional
    max_concepts : int, optional
        Draw at most this many concepts (those in most papers; default
        :data:`DEFAULT_MAX_CONCEPTS`); None: all.
    papers_per_concept : int, optional
        Papers listed, with their evidence sentence, in a concept's panel (default:
        :data:`PAPERS_PER_CONCEPT`, or :data:`PAPERS_PER_CONCEPT_BIG` on a big map).

    Returns
    -------
    dict
        The page data (see the module docstring).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> data = concept_map(example_model(), min_papers=1)
    >>> print(data["note"].replace(". ", ".\\n"))
    2 of 3 concepts: those in ≥ 1 paper that co-occur with another one.
    Not shown: 1 in ≥ 1 paper that co-occur with none (no place on the map; `kg concept NAME` shows them).
    """
    filters = filters or ViewFilters(min_papers=2)
    if min_papers is not None:
        filters = ViewFilters(filters.since, filters.until, filters.types, min_papers)
    papers = kept_papers(M, filters)
    counts = concept_counts(M, filters, papers)
    eligible = counts >= filters.min_papers
    chosen, (u, v, w), linked = _linked_concepts(M, eligible)
    dropped_cap = 0
    if max_concepts is not None and chosen.size > max_concepts:
        dropped_cap = chosen.size - max_concepts
        chosen = np.sort(chosen[np.lexsort((chosen, -counts[chosen]))[:max_concepts]])
        u, v, w = _links_among(M, chosen)
    n = chosen.size
    word = "paper" if filters.min_papers == 1 else "papers"
    note = (f"{n:,} of {len(M.concept_iris):,} concepts: those in ≥ {filters.min_papers} "
            f"{word} that co-occur with another one")
    if filters.describe():
        note += f" ({filters.describe()})"
    if dropped_cap:
        note += f"; the {dropped_cap:,} in fewest papers are left out (--max-nodes {n:,})"
    unlinked = int((eligible & ~linked).sum())
    note += "." if not unlinked else (
        f". Not shown: {unlinked:,} in ≥ {filters.min_papers} {word} that co-occur with none "
        "(no place on the map; `kg concept NAME` shows them).")
    data = _base("concepts", title, note)
    cnt = counts[chosen]
    groups = node_groups(n, u, v, w, weight=cnt)
    pos = group_layout(n, u, v, w, groups, cnt)
    labels = [M.concept_attrs[c].get("label") or M.concept_iris[c] for c in chosen.tolist()]
    # a small map labels every concept; a large one its biggest, and the rest by zoom
    forced = np.lexsort((np.arange(n), -cnt))[:n if n <= _ALL_LABELS else _FORCED_LABELS]
    pos = spread_labels(pos, forced, [len(labels[i]) for i in forced.tolist()])
    if papers_per_concept is None:
        papers_per_concept = PAPERS_PER_CONCEPT if n <= BIG_MAP else PAPERS_PER_CONCEPT_BIG
    types_all = concept_types(M)
    type_names = sorted({types_all[c] for c in chosen.tolist()})
    type_ix = {t: i for i, t in enumerate(type_names)}
    mentions, years, table = _Mentions(M), paper_years(M), _PaperTable(M)
    nodes = data["nodes"]
    for c in chosen.tolist():
        info, trend = _concept_info(M, c, mentions, papers, years, table, papers_per_concept)
        data["info"].append(info)
        nodes["tr"].append(trend)
    nodes["k"] = ["c"] * n
    nodes["l"] = labels
    nodes["s"] = _size(cnt, float(cnt.max()) if n else 2.0).tolist()
    nodes["g"] = groups.tolist()
    nodes["t"] = [type_ix[types_all[c]] for c in chosen.tolist()]
    nodes["n"] = cnt.tolist()
    nodes["r"] = [-1] * n
    _put_positions(data, pos)
    shown = _strongest_links(u, v, w, n, _LINKS_PER_NODE)
    data["edges"] = {"s": u[shown].tolist(), "t": v[shown].tolist(),
                     "w": np.round(w[shown], 3).tolist()}
    data["groups"] = _groups_of(labels, cnt, groups)
    data["types"] = type_names
    data["papers"] = table.data()
    data["forced"] = forced.tolist()
    data["big"] = n > BIG_MAP
    data["total"] = {"concepts": len(M.concept_iris), "papers": int(papers.sum())}
    return data


def _paper_nodes(M, data: dict, chosen: np.ndarray, table: _PaperTable, years: np.ndarray,
                 concept_group: dict[int, int], labels_of) -> None:
    nodes = data["nodes"]
    nconc = np.diff(M.m_ptr)[chosen]
    for p in chosen.tolist():
        cs = M.m_concept[M.m_ptr[p]:M.m_ptr[p + 1]].tolist()
        nodes["k"].append("p")
        nodes["l"].append(M.titles[p] or M.paper_ids[p] or M.paper_iris[p])
        nodes["r"].append(table(p))
        nodes["n"].append(len(cs))
        nodes["tr"].append(int(years[p]))
        nodes["t"].append(0)
        data["info"].append({"c": labels_of(cs)})
    small, step = (2.0, 1.2) if len(chosen) <= BIG_MAP else (1.2, 0.6)  # dense when big
    nodes["s"].extend(np.round(small + step * np.sqrt(nconc), 1).tolist())


def paper_map(M, filters: ViewFilters | None = None, *, color: str = "community",
              title: str | None = None, max_papers: int = DEFAULT_MAX_PAPERS) -> dict[str, Any]:
    """The paper map: papers linked by shared concepts (``similar``), in communities.

    Parameters
    ----------
    M : kg.model.GraphModel
    filters : ViewFilters, optional
        Dates (papers kept), types and ``min_papers`` (concepts named in the panel).
    color : {"community", "year"}
    title : str, optional
    max_papers : int
        Most papers drawn: those with the most concepts (ties: index).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> data = paper_map(example_model(), color="year")
    >>> data["view"], data["colorBy"], len(data["nodes"]["k"])
    ('papers', 'year', 4)
    """
    if color not in ("community", "year"):
        raise ExportError(f"--color must be community or year, not {color!r}")
    filters = filters or ViewFilters()
    papers = kept_papers(M, filters)
    counts = concept_counts(M, filters, papers)
    u, v, w = M.s_u.astype(np.int64), M.s_v.astype(np.int64), M.s_weight.astype(float)
    both = papers[u] & papers[v]
    u, v, w = u[both], v[both], w[both]
    linked = np.zeros(len(M.paper_iris), bool)
    linked[u] = linked[v] = True
    chosen = np.flatnonzero(linked)
    nconc = np.diff(M.m_ptr)
    capped = 0
    if chosen.size > max_papers:
        capped = chosen.size - max_papers
        chosen = np.sort(chosen[np.lexsort((chosen, -nconc[chosen]))[:max_papers]])
    index = np.full(len(M.paper_iris), -1, np.int64)
    index[chosen] = np.arange(chosen.size)
    inside = (index[u] >= 0) & (index[v] >= 0)
    u, v, w = index[u[inside]], index[v[inside]], np.maximum(w[inside], 1e-3)
    n = chosen.size
    note = (f"{n:,} of {len(M.paper_iris):,} papers: those sharing concepts with another "
            "one")
    if filters.describe():
        note += f" ({filters.describe()})"
    if capped:
        note += f"; {capped:,} with the fewest concepts are left out (--max-nodes {n:,})"
    data = _base("papers", title, note + ".")
    data["colorBy"] = color
    groups, names = _paper_communities(M, chosen, counts, filters.min_papers)
    pos = group_layout(n, u, v, w, groups, nconc[chosen])
    years = paper_years(M)
    table = _PaperTable(M)
    shown_concept = counts >= filters.min_papers

    def labels_of(cs):
        cs = [c for c in cs if shown_concept[c]]
        cs.sort(key=lambda c: -counts[c])
        return [M.concept_attrs[c].get("label") or M.concept_iris[c] for c in cs[:15]]

    _paper_nodes(M, data, chosen, table, years, {}, labels_of)
    data["nodes"]["g"] = groups.tolist()
    _put_positions(data, pos)
    shown = _strongest_links(u, v, w, n, _LINKS_PER_NODE)
    data["edges"] = {"s": u[shown].tolist(), "t": v[shown].tolist(),
                     "w": np.round(w[shown], 3).tolist()}
    sizes = np.bincount(groups[groups >= 0], minlength=len(names))
    data["groups"] = [{"name": name, "size": int(sizes[g]),
                       "color": GROUP_COLORS[g] if g < len(GROUP_COLORS) else OTHER_COLOR,
                       "top": -1} for g, name in enumerate(names)]
    data["types"] = ["Paper"]
    data["big"] = n > BIG_MAP
    data["papers"] = table.data(authors=True)
    data["forced"] = []
    data["total"] = {"concepts": len(M.concept_iris), "papers": int(papers.sum())}
    return data


def _paper_communities(M, chosen: np.ndarray, counts: np.ndarray,
                       min_papers: int) -> tuple[np.ndarray, list[str]]:
    """Each chosen paper's community, and the communities' names: the communities of the
    concept map (so both maps speak of the same topics), a paper joining the one its
    concepts weigh most in (a concept weighs less the more papers it is in). Numbered by
    papers, largest first; -1 for a paper with no concept on the concept map."""
    eligible = counts >= max(min_papers, 2)
    concepts, (u, v, w), _ = _linked_concepts(M, eligible)
    cgroups = node_groups(concepts.size, u, v, w, weight=counts[concepts])
    group_of = np.full(len(M.concept_iris), -1, np.int64)
    group_of[concepts] = cgroups
    n = chosen.size
    if n == 0 or cgroups.size == 0 or cgroups.max() < 0:
        return np.full(n, -1, np.int64), []
    lens = np.diff(M.m_ptr)[chosen]
    starts = M.m_ptr[chosen]
    rows = np.repeat(np.arange(n), lens)
    cs = M.m_concept[np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens)
                     + np.arange(int(lens.sum()))]
    g = group_of[cs]
    ok = g >= 0
    k = int(cgroups.max()) + 1
    W = sp.coo_matrix((1.0 / np.log(2.0 + counts[cs[ok]]), (rows[ok], g[ok])),
                      shape=(n, k)).tocsr()
    has = np.diff(W.indptr) > 0
    paper_group = np.full(n, -1, np.int64)
    paper_group[has] = np.asarray(W[has].argmax(axis=1)).ravel()
    sizes = np.bincount(paper_group[has], minlength=k)
    order = np.lexsort((np.arange(k), -sizes))
    order = order[sizes[order] > 0]
    new = np.full(k, -1, np.int64)
    new[order] = np.arange(order.size)
    paper_group[has] = new[paper_group[has]]
    labels = [M.concept_attrs[c].get("label") or M.concept_iris[c] for c in concepts.tolist()]
    members: list[list[str]] = [[] for _ in range(k)]
    for i in np.lexsort((np.arange(concepts.size), -counts[concepts])).tolist():
        if cgroups[i] >= 0:
            members[cgroups[i]].append(labels[i])
    names = group_names(members)
    return paper_group, [names[g] for g in order.tolist()]


def focus_map(M, name: str, *, depth: int = 1, filters: ViewFilters | None = None,
              title: str | None = None, max_nodes: int = 200,
              papers_per_concept: int = PAPERS_PER_CONCEPT) -> dict[str, Any]:
    """One concept or paper and its neighbourhood: ``depth`` links out over mentions,
    ``cooccurs`` and ``similar`` links, the strongest first, at most ``max_nodes`` nodes
    (from a concept: its 30 strongest co-occurring concepts and 20 papers).

    Parameters
    ----------
    M : kg.model.GraphModel
    name : str
        A concept label or acronym, a paper id, IRI or title (see
        :func:`kg.query.resolve.resolve_node`).
    depth : int
        Links out from the focus (1-3).
    filters : ViewFilters, optional
    title : str, optional
    max_nodes : int

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> data = focus_map(example_model(), "NTK")
    >>> data["view"], data["nodes"]["l"][0]
    ('focus', 'neural tangent kernel')
    """
    if not 1 <= depth <= 3:
        raise ExportError(f"--depth must be 1, 2 or 3, not {depth}")
    filters = filters or ViewFilters()
    iri = resolve_node(M, name)
    found = M.kind_index(iri)
    if found is None or found[0] not in ("concept", "paper"):
        raise ExportError(f"{name!r} is an author; focus on a concept or a paper")
    papers = kept_papers(M, filters)
    counts = concept_counts(M, filters, papers)
    mentions = _Mentions(M)
    years = paper_years(M)
    s_ptr = csr_pointers(M.s_u.astype(np.int64), len(M.paper_iris))
    s_in = np.argsort(M.s_v, kind="stable")
    s_in_ptr = csr_pointers(M.s_v[s_in].astype(np.int64), len(M.paper_iris))
    c_ptr = csr_pointers(M.c_u.astype(np.int64), len(M.concept_iris))
    c_in = np.argsort(M.c_v, kind="stable")
    c_in_ptr = csr_pointers(M.c_v[c_in].astype(np.int64), len(M.concept_iris))

    def neighbours(kind: str, k: int) -> list[tuple[str, int, float]]:
        out: list[tuple[str, int, float]] = []
        if kind == "concept":
            partners = []
            for t in list(range(c_ptr[k], c_ptr[k + 1])) + s_list(c_in, c_in_ptr, k):
                other = int(M.c_v[t] if M.c_u[t] == k else M.c_u[t])
                if counts[other] >= filters.min_papers:
                    partners.append(("concept", other, float(M.c_npmi[t])))
            partners.sort(key=lambda x: (-x[2], x[1]))
            out.extend(partners[:_FOCUS_PARTNERS])
            ts = mentions.of(k)
            ps = mentions.paper_of[ts]
            keep = papers[ps]
            ts, ps = ts[keep], ps[keep]
            best = np.lexsort((ps, -years[ps], -M.m_count[ts]))[:_FOCUS_PAPERS]
            for i in best.tolist():
                out.append(("paper", int(ps[i]), 0.5))
        else:
            for c in M.m_concept[M.m_ptr[k]:M.m_ptr[k + 1]].tolist():
                if counts[c] >= filters.min_papers:
                    out.append(("concept", c, 0.5))
            for t in list(range(s_ptr[k], s_ptr[k + 1])) + s_list(s_in, s_in_ptr, k):
                other = int(M.s_v[t] if M.s_u[t] == k else M.s_u[t])
                if papers[other]:
                    out.append(("paper", other, float(M.s_weight[t])))
        out.sort(key=lambda x: (-x[2], x[0], x[1]))
        return out

    def s_list(order, ptr, k):
        return order[ptr[k]:ptr[k + 1]].tolist()

    start = (found[0], found[1])
    order = [start]
    seen = {start: 0}
    edges: list[tuple[int, int, float]] = []
    frontier = [start]
    for _ in range(depth):
        nxt = []
        for node in frontier:
            for kind, k, wt in neighbours(*node):
                key = (kind, k)
                if key not in seen:
                    if len(order) >= max_nodes:
                        continue
                    seen[key] = len(order)
                    order.append(key)
                    nxt.append(key)
                edges.append((seen[node], seen[key], wt))
        frontier = nxt
    # the links among the drawn nodes that the walk did not take
    uniq: dict[tuple[int, int], float] = {}
    for a, b, wt in edges:
        if a != b:
            uniq[(min(a, b), max(a, b))] = max(wt, uniq.get((min(a, b), max(a, b)), 0.0))
    for (kind, k), i in list(seen.items()):
        for kind2, k2, wt in neighbours(kind, k):
            j = seen.get((kind2, k2))
            if j is not None and j != i:
                uniq.setdefault((min(i, j), max(i, j)), wt)
    eu = np.array([a for a, _ in uniq], np.int64)
    ev = np.array([b for _, b in uniq], np.int64)
    ew = np.maximum(np.array(list(uniq.values()), float), 1e-3)
    n = len(order)
    label = M.concept_attrs[start[1]].get("label") if start[0] == "concept" else \
        M.titles[start[1]]
    note = (f"{label}: {n:,} nodes within {depth} link{'s' if depth > 1 else ''}"
            + (f" (at most {max_nodes:,})" if n >= max_nodes else "")
            + (f"; {filters.describe()}" if filters.describe() else "") + ".")
    data = _base("focus", title or f"kg: {label}", note)
    table = _PaperTable(M)
    types_all = concept_types(M)
    type_names = sorted({types_all[k] for kind, k in order if kind == "concept"}) + ["Paper"]
    type_ix = {t: i for i, t in enumerate(type_names)}
    nodes = data["nodes"]
    ccounts = [counts[k] for kind, k in order if kind == "concept"]
    top = float(max(ccounts)) if ccounts else 2.0
    for kind, k in order:
        if kind == "concept":
            info, trend = _concept_info(M, k, mentions, papers, years, table,
                                        papers_per_concept)
            nodes["k"].append("c")
            nodes["l"].append(M.concept_attrs[k].get("label") or M.concept_iris[k])
            nodes["s"].append(float(_size(np.array([counts[k]]), top)[0]) + 2)
            nodes["t"].append(type_ix[types_all[k]])
            nodes["n"].append(int(counts[k]))
            nodes["tr"].append(trend)
            nodes["r"].append(-1)
            data["info"].append(info)
        else:
            cs = [c for c in M.m_concept[M.m_ptr[k]:M.m_ptr[k + 1]].tolist()
                  if counts[c] >= filters.min_papers]
            nodes["k"].append("p")
            nodes["l"].append(M.titles[k] or M.paper_ids[k] or M.paper_iris[k])
            nodes["s"].append(round(2.5 + 1.2 * math.sqrt(len(cs)), 1))
            nodes["t"].append(type_ix["Paper"])
            nodes["n"].append(len(cs))
            nodes["tr"].append(int(years[k]))
            nodes["r"].append(table(k))
            data["info"].append({"c": [M.concept_attrs[c].get("label") or M.concept_iris[c]
                                       for c in sorted(cs, key=lambda c: -counts[c])[:15]]})
    nodes["s"][0] = max(nodes["s"][0], 12.0)
    nodes["g"] = [0 if kind == "concept" else 1 for kind, _ in order]
    forced = [0] + [i for i in range(1, n) if nodes["k"][i] == "c"][:20]
    pos = spring_positions(n, eu, ev, ew, center=0)
    pos = spread_labels(pos, forced, [len(nodes["l"][i]) for i in forced])
    _put_positions(data, pos - pos[0])
    data["edges"] = {"s": eu.tolist(), "t": ev.tolist(), "w": np.round(ew, 3).tolist()}
    data["groups"] = [{"name": "concepts", "size": nodes["g"].count(0),
                       "color": GROUP_COLORS[0], "top": 0},
                      {"name": "papers", "size": nodes["g"].count(1),
                       "color": GROUP_COLORS[1], "top": -1}]
    data["types"] = type_names
    data["papers"] = table.data(authors=True)
    data["forced"] = forced
    data["focus"] = 0
    data["total"] = {"concepts": len(M.concept_iris), "papers": int(papers.sum())}
    return data
