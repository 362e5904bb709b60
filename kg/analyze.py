"""Analytics over the kg graph: every function takes the graph and returns plain data.

Communities, centrality, trends, related papers, explained paths, and the look-ups that
turn what a user types (a label, an acronym, an arXiv id) into a node.

The look-ups, :func:`concept_summary`, :func:`concept_trend`, :func:`related_papers`,
:func:`shortest_path`, :func:`discovered_concepts` and :func:`graph_stats` also take the
compact :class:`kg.model.GraphModel` of a build, and then answer from its arrays (the same
answers; see :mod:`kg.model_query`) without making the networkx graph.

Examples
--------
>>> G = _example_graph()
>>> resolve_concept(G, "ntk")
'https://w3id.org/paper-kg/concept/neural-tangent-kernel'
>>> [r["id"] for r in related_papers(G, "p1")]
['p2', 'p4']
>>> [step["relation"] for step in shortest_path(G, "p1", "LoRA")]
['similar', 'mentions']
"""
from __future__ import annotations

import datetime as _dt
import contextlib
import difflib
import math
import re
from collections import Counter
from typing import Any

import networkx as nx

from kg.errors import GraphError, NotFoundError
from kg.graph import explain_link, node_label, paper_iri
from kg.types import arxiv_id, normalize_doi, title_key

__all__ = [
    "concept_communities",
    "paper_communities",
    "centrality",
    "concept_trend",
    "emerging_concepts",
    "related_papers",
    "shortest_path",
    "resolve_concept",
    "resolve_paper",
    "resolve_node",
    "discovered_concepts",
    "concept_summary",
    "graph_stats",
    "period_of",
]

PATH_RELATIONS = ("mentions", "similar", "cooccurs", "broader")
_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _example_graph() -> nx.MultiDiGraph:
    """A four-paper graph for the examples of this module."""
    from kg.graph import build_graph

    return build_graph(*_example_inputs(), min_cooccurrence=2, max_df=1.0)


def _example_model():
    """:func:`_example_graph` as a :class:`kg.model.GraphModel`."""
    from kg.model import GraphModel

    return GraphModel.build(*_example_inputs(), min_cooccurrence=2, max_df=1.0)


def _example_inputs() -> tuple[list, list]:
    """The papers and extraction records of :func:`_example_graph`."""
    from kg.graph import CONCEPT_BASE

    def concept(slug, label, alt=()):
        return {"iri": CONCEPT_BASE + slug, "label": label, "alt_labels": list(alt),
                "source": "ontology", "score": 1.0,
                "mentions": [{"field": "title", "start": 0, "end": 1, "text": label[:1],
                              "sentence": f"About {label}."}]}

    ntk = ("neural-tangent-kernel", "neural tangent kernel", ("NTK",))
    width = ("infinite-width", "infinite width")
    lora = ("lora", "LoRA", ("low-rank adaptation",))
    papers = [
        {"id": "p1", "title": "NTK one", "abstract": "", "date": "2025-01-10"},
        {"id": "p2", "title": "NTK two", "abstract": "", "date": "2025-02-03"},
        {"id": "p3", "title": "LoRA three", "abstract": "", "date": "2025-02-20"},
        {"id": "p4", "title": "Mixed four", "abstract": "", "date": None},
    ]
    records = [
        {"id": "p1", "concepts": [concept(*ntk), concept(*width)]},
        {"id": "p2", "concepts": [concept(*ntk), concept(*width)]},
        {"id": "p3", "concepts": [concept(*lora)]},
        {"id": "p4", "concepts": [concept(*lora), concept(*width)]},
    ]
    return papers, records


# ----------------------------------------------------------------------------- helpers


def _is_model(G) -> bool:
    """Whether ``G`` is a :class:`kg.model.GraphModel` (answered by :mod:`kg.model_query`)."""
    from kg.model import GraphModel

    return isinstance(G, GraphModel)


def _nodes_of(G: nx.MultiDiGraph, kind: str) -> list[str]:
    return [n for n, k in G.nodes(data="kind") if k == kind]


def _relation_graph(G: nx.MultiDiGraph, key: str, weight: str) -> nx.Graph:
    """Undirected simple graph of one relation, nodes and edges in sorted order."""
    H = nx.Graph()
    edges = sorted((u, v, d.get(weight, 1.0)) for u, v, k, d in G.edges(keys=True, data=True)
                   if k == key)
    H.add_nodes_from(sorted({n for u, v, _ in edges for n in (u, v)}))
    H.add_weighted_edges_from(edges, weight="weight")
    return H


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[-_\s]+", " ", str(text)).casefold().split())


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", str(text).casefold())


def period_of(date: str | None, freq: str = "month") -> str | None:
    """The period (``YYYY-MM`` or ISO week ``YYYY-Www``) of an ISO date, or None.

    Examples
    --------
    >>> period_of("2025-03-14"), period_of("2025-03-14", "week"), period_of("2025")
    ('2025-03', '2025-W11', None)
    """
    if not date:
        return None
    if freq == "month":
        m = _MONTH.match(str(date))
        return f"{m.group(1)}-{m.group(2)}" if m else None
    if freq == "week":
        m = _DAY.match(str(date))
        if not m:
            return None
        try:
            year, week, _ = _dt.date(*map(int, m.groups())).isocalendar()
        except ValueError:
            return None
        return f"{year}-W{week:02d}"
    raise GraphError(f"unknown period {freq!r}: use 'month' or 'week'")


def _period_range(first: str, last: str, freq: str) -> list[str]:
    out = []
    if freq == "month":
        y, m = map(int, first.split("-"))
        while f"{y}-{m:02d}" <= last:
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        y, w = first.split("-W")
        day = _dt.date.fromisocalendar(int(y), int(w), 1)
        while True:
            iso = day.isocalendar()
            label = f"{iso[0]}-W{iso[1]:02d}"
            if label > last:
                break
            out.append(label)
            day += _dt.timedelta(days=7)
    return out


# ----------------------------------------------------------------------------- resolve


def resolve_concept(G: nx.MultiDiGraph, name: str) -> str:
    """The IRI of the concept a user means by ``name``.

    Tried in order: the IRI itself, the exact label, the exact alternative label (acronyms
    such as ``NTK``), then the same ignoring case, hyphens and spaces. Among several
    matches the concept with more papers wins.

    Raises
    ------
    NotFoundError
        If nothing matches; the message lists up to 5 close labels (``difflib``), which are
        also in the exception's ``suggestions`` attribute.

    Examples
    --------
    >>> G = _example_graph()
    >>> resolve_concept(G, "Low-Rank Adaptation").rsplit("/", 1)[1]
    'lora'
    >>> try:
    ...     resolve_concept(G, "infinte width")
    ... except NotFoundError as e:
    ...     print(e)
    no concept 'infinte width' in the graph; did you mean: infinite width?
    """
    if _is_model(G):
        from kg import model_query

        return model_query.resolve_concept(G, name)
    name = str(name).strip()
    if name in G and G.nodes[name].get("kind") == "concept":
        return name
    concepts = _nodes_of(G, "concept")
    tiers: list[list[str]] = [[], [], [], []]
    key, sq = _norm(name), _squash(name)
    for c in concepts:
        attrs = G.nodes[c]
        label, alts = attrs.get("label") or "", attrs.get("alt_labels") or ()
        if label == name:
            tiers[0].append(c)
        elif name in alts:
            tiers[1].append(c)
        elif _norm(label) == key or any(_norm(a) == key for a in alts):
            tiers[2].append(c)
        elif sq and (_squash(label) == sq or any(_squash(a) == sq for a in alts)):
            tiers[3].append(c)
    for tier in tiers:
        if tier:
            return min(tier, key=lambda c: (-(G.nodes[c].get("paper_count") or 0), c))
    labels: dict[str, str] = {}
    for c in concepts:
        attrs = G.nodes[c]
        for lab in (attrs.get("label"), *(attrs.get("alt_labels") or ())):
            if lab:
                labels.setdefault(lab.casefold(), attrs.get("label"))
    close = difflib.get_close_matches(name.casefold(), list(labels), n=10, cutoff=0.6)
    suggestions: list[str] = []
    for lab in close:
        if labels[lab] not in suggestions:
            suggestions.append(labels[lab])
    suggestions = suggestions[:5]
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    exc = NotFoundError(f"no concept {name!r} in the graph{hint}")
    exc.suggestions = suggestions
    raise exc


def resolve_paper(G: nx.MultiDiGraph, id_or_iri: str, *, fragments: bool = True) -> str:
    """The IRI of the paper named by its id, IRI, arXiv id/URL (any version), DOI or title.

    Raises
    ------
    NotFoundError
        If no paper matches; up to 5 close ids are suggested (``suggestions`` attribute).

    Examples
    --------
    >>> G = _example_graph()
    >>> resolve_paper(G, "p3")
    'https://w3id.org/paper-kg/paper/p3'
    >>> resolve_paper(G, "lora three")
    'https://w3id.org/paper-kg/paper/p3'
    >>> resolve_paper(G, "ntk")  # a title fragment must be unique
    Traceback (most recent call last):
    ...
    kg.errors.NotFoundError: 'ntk' matches 2 paper titles: ...
    """
    if _is_model(G):
        from kg import model_query

        return model_query.resolve_paper(G, id_or_iri, fragments=fragments)
    name = str(id_or_iri).strip()
    candidates = [name, paper_iri(name)]
    for alt in (arxiv_id(name), normalize_doi(name)):
        if alt:
            candidates.append(paper_iri(alt))
    for c in candidates:
        if c in G and G.nodes[c].get("kind") == "paper":
            return c
    papers = _nodes_of(G, "paper")
    tkey = title_key(name)
    if tkey:
        titles = {p: title_key(G.nodes[p].get("title") or "") for p in sorted(papers)}
        for p, t in titles.items():
            if t == tkey:
                return p
        # a unique title prefix, then a unique whole-word title fragment ("PERK")
        for match in () if not fragments else (lambda t: t.startswith(tkey + " "),
                      lambda t: f" {tkey} " in f" {t} "):
            found = [p for p, t in titles.items() if match(t)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                shown = "; ".join(f"{G.nodes[p].get('id')} ({G.nodes[p].get('title')})"
                                  for p in found[:5])
                exc = NotFoundError(f"{name!r} matches {len(found)} paper titles: {shown}; "
                                    "give a paper id or more of the title")
                exc.suggestions = [str(G.nodes[p].get("id")) for p in found[:5]]
                raise exc
    ids = {str(G.nodes[p].get("id")): p for p in papers}
    suggestions = difflib.get_close_matches(name, list(ids), n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    exc = NotFoundError(f"no paper {name!r} in the graph{hint}")
    exc.suggestions = suggestions
    raise exc


def resolve_node(G: nx.MultiDiGraph, name: str) -> str:
    """The paper or concept named by ``name``; see the two resolvers.

    Paper ids, IRIs and whole titles are tried first, then concepts, then title fragments,
    so that "LoRA" names the concept even when a title contains the word.

    Examples
    --------
    >>> G = _example_graph()
    >>> resolve_node(G, "p1").rsplit("/", 1)[1], resolve_node(G, "LoRA").rsplit("/", 1)[1]
    ('p1', 'lora')
    """
    if _is_model(G):
        from kg import model_query

        return model_query.resolve_node(G, name)
    try:
        return resolve_paper(G, name, fragments=False)
    except NotFoundError as paper_error:
        try:
            return resolve_concept(G, name)
        except NotFoundError as concept_error:
            with contextlib.suppress(NotFoundError):
                return resolve_paper(G, name)
            suggestions = (concept_error.suggestions + paper_error.suggestions)[:5]
            hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
            exc = NotFoundError(f"no paper or concept {name!r} in the graph{hint}")
            exc.suggestions = suggestions
            raise exc from None


# ----------------------------------------------------------------------------- structure


#: Most concepts whose communities :func:`graph_stats` (``summary.json``, ``kg stats``)
#: computes: the ``cooccurs`` graph is cut to the concepts with the most papers first
#: (see :func:`concept_communities`), so the Louvain pass of a build is bounded whatever
#: the corpus size (each concept keeps at most ``cooccurs_top_k`` partners, so at most
#: 50 x 50,000 edges). The 74,728-paper arXiv CS build has 37,423 concepts with a
#: ``cooccurs`` edge (Louvain: 8 s), under the bound, so its count (104) is that of the
#: whole graph; a duplicated corpus of 250,000 papers has several times more.
COMMUNITY_MAX_CONCEPTS = 50_000


def concept_communities(G: nx.MultiDiGraph, resolution: float = 1.0, seed: int = 0, *,
                        max_concepts: int | None = None) -> list[list[str]]:
    """Louvain communities of the ``cooccurs`` graph (weight: NPMI), largest first.

    Only concepts with at least one ``cooccurs`` edge take part. Each community is sorted
    by paper count (descending) then IRI; the result is deterministic for a given ``seed``.

    Parameters
    ----------
    G : networkx.MultiDiGraph or kg.model.GraphModel
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
    >>> G = _example_graph()
    >>> [[c.rsplit("/", 1)[1] for c in comm] for comm in concept_communities(G)]
    [['infinite-width', 'neural-tangent-kernel']]
    >>> concept_communities(G, max_concepts=1)  # the one kept concept has no edge left
    []
    """
    from kg.model import GraphModel

    if isinstance(G, GraphModel):
        H = _model_cooccurs_graph(G, max_concepts)
        return _communities(G.view(), H, resolution, seed)
    H = _relation_graph(G, "cooccurs", "npmi")
    if max_concepts is not None and H.number_of_nodes() > max_concepts:
        ranked = sorted(H, key=lambda n: (-(G.nodes[n].get("paper_count") or 0), n))
        H = _relation_graph(G.subgraph(ranked[:max_concepts]), "cooccurs", "npmi")
    return _communities(G, H, resolution, seed)


def _model_cooccurs_graph(M, max_concepts: int | None) -> nx.Graph:
    """The ``cooccurs`` graph of a :class:`kg.model.GraphModel` as built by
    :func:`_relation_graph` (same node and edge order), cut to ``max_concepts`` concepts
    as :func:`concept_communities` explains, from the model's arrays: only the kept edges
    become networkx objects."""
    import numpy as np

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


def paper_communities(G: nx.MultiDiGraph, resolution: float = 1.0, seed: int = 0) -> list[list[str]]:
    """Louvain communities of the ``similar`` graph (weight: similarity), largest first.

    Examples
    --------
    >>> G = _example_graph()
    >>> [[p.rsplit("/", 1)[1] for p in comm] for comm in paper_communities(G)]
    [['p1', 'p2'], ['p3', 'p4']]
    """
    H = _relation_graph(G, "similar", "weight")
    return _communities(G, H, resolution, seed)


def _louvain(H: nx.Graph, resolution: float, seed: int) -> list[set[str]]:
    if H.number_of_nodes() == 0:
        return []
    return nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)


def _communities(G, H, resolution, seed) -> list[list[str]]:
    comms = _louvain(H, resolution, seed)
    out = [sorted(c, key=lambda n: (-(G.nodes[n].get("paper_count") or 0), n)) for c in comms]
    out.sort(key=lambda c: (-len(c), c[0]))
    return out


def centrality(G: nx.MultiDiGraph, kind: str = "pagerank", nodes: str = "concept",
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
    >>> G = _example_graph()
    >>> [(r["label"], r["score"]) for r in centrality(G, "degree", "paper", top=2)]
    [('Mixed four', 1.0), ('NTK one', 0.666667)]
    """
    if nodes == "concept":
        H = _relation_graph(G, "cooccurs", "npmi")
    elif nodes == "paper":
        H = _relation_graph(G, "similar", "weight")
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
        row = {"iri": n, "label": node_label(G, n), "score": round(float(score), 6)}
        if nodes == "paper":
            row["id"] = G.nodes[n].get("id")
        out.append(row)
    return out


# ----------------------------------------------------------------------------- time


def _dated_periods(G: nx.MultiDiGraph, freq: str) -> dict[str, str | None]:
    return {p: period_of(G.nodes[p].get("date"), freq) for p in _nodes_of(G, "paper")}


def concept_trend(G: nx.MultiDiGraph, concept_iri: str, freq: str = "month") -> list[tuple[str | None, int]]:
    """Papers mentioning a concept per period, over the corpus' whole date range.

    Periods with no such paper are listed with 0, so series of different concepts line
    up. Papers without a usable date are counted apart, in a last ``(None, n)`` entry
    (present only when n > 0).

    Parameters
    ----------
    concept_iri : str
        The concept (labels are resolved with :func:`resolve_concept`).
    freq : {"month", "week"}

    Examples
    --------
    >>> G = _example_graph()
    >>> concept_trend(G, "infinite width")
    [('2025-01', 1), ('2025-02', 1), (None, 1)]
    """
    if _is_model(G):
        from kg import model_query

        return model_query.concept_trend(G, concept_iri, freq)
    concept = resolve_concept(G, concept_iri)
    periods = _dated_periods(G, freq)
    dated = sorted({p for p in periods.values() if p})
    counts: Counter[str | None] = Counter(
        periods[p] for p, _, k in G.in_edges(concept, keys=True) if k == "mentions"
    )
    out: list[tuple[str | None, int]] = []
    if dated:
        out = [(p, counts.get(p, 0)) for p in _period_range(dated[0], dated[-1], freq)]
    if counts.get(None):
        out.append((None, counts[None]))
    return out


def emerging_concepts(G: nx.MultiDiGraph, since: str | None = None, freq: str = "month",
                      top: int = 20, min_papers: int = 2, rank_by: str = "growth") -> list[dict[str, Any]]:
    """Concepts whose share of papers grows most in the recent period.

    The recent papers are those of the last period (``freq``), or dated on/after
    ``since`` (an ISO date or ``YYYY-MM``). For each concept with at least ``min_papers``
    recent papers: ``share_recent`` and ``share_before`` (fractions of the dated papers of
    each side), ``growth`` (their difference), ``ratio`` (``share_recent / share_before``,
    both smoothed by one paper in the whole corpus, so a concept first seen recently has a
    large but finite ratio) and ``new`` (no earlier paper at all).

    ``rank_by="growth"`` (the default) favours concepts that gain the most ground;
    ``rank_by="ratio"`` favours those that grow fastest, often new, smaller topics.

    Examples
    --------
    >>> G = _example_graph()
    >>> [(r["label"], r["new"]) for r in emerging_concepts(G, min_papers=1)]
    [('LoRA', True), ('infinite width', False), ('neural tangent kernel', False)]
    """
    periods = _dated_periods(G, freq)
    dated = {p: per for p, per in periods.items() if per}
    if not dated:
        return []
    if since is None:
        last = max(dated.values())
        recent = {p for p, per in dated.items() if per == last}
    else:
        recent = {p for p in dated if str(G.nodes[p].get("date")) >= str(since)}
    before = set(dated) - recent
    n_recent, n_before = len(recent), len(before)
    if rank_by not in ("growth", "ratio"):
        raise GraphError(f"unknown ranking {rank_by!r}: use 'growth' or 'ratio'")
    smooth = 1.0 / (n_recent + n_before)
    out = []
    for c in _nodes_of(G, "concept"):
        papers = {p for p, _, k in G.in_edges(c, keys=True) if k == "mentions"}
        cr, cb = len(papers & recent), len(papers & before)
        if cr < min_papers or n_recent == 0:
            continue
        share_r = cr / n_recent
        share_b = cb / n_before if n_before else 0.0
        out.append({
            "iri": c, "label": node_label(G, c), "recent": cr, "before": cb,
            "share_recent": round(share_r, 6), "share_before": round(share_b, 6),
            "growth": round(share_r - share_b, 6),
            "ratio": round((share_r + smooth) / (share_b + smooth), 6), "new": cb == 0,
        })
    out.sort(key=lambda r: (-r[rank_by], -r["recent"], r["iri"]))
    return out[:top]


# ----------------------------------------------------------------------------- papers


def related_papers(G: nx.MultiDiGraph, paper: str, top: int = 10) -> list[dict[str, Any]]:
    """Papers linked to ``paper`` by ``similar`` edges, most similar first.

    Returns
    -------
    list of dict
        ``{id, iri, title, weight, shared}``, ``shared`` being the labels of the concepts
        that explain the link, rarest first.

    Examples
    --------
    >>> G = _example_graph()
    >>> r = related_papers(G, "p1")[0]
    >>> r["id"], r["shared"]
    ('p2', ['neural tangent kernel', 'infinite width'])
    """
    if _is_model(G):
        from kg import model_query

        return model_query.related_papers(G, paper, top)
    p = resolve_paper(G, paper)
    rows = []
    for u, v, k, d in list(G.out_edges(p, keys=True, data=True)) + list(
            G.in_edges(p, keys=True, data=True)):
        if k != "similar":
            continue
        other = v if u == p else u
        rows.append({
            "id": G.nodes[other].get("id"), "iri": other, "title": G.nodes[other].get("title"),
            "weight": d.get("weight"), "shared": [node_label(G, c) for c in d.get("shared", ())],
        })
    rows.sort(key=lambda r: (-(r["weight"] or 0), r["iri"]))
    return rows[:top]


# ----------------------------------------------------------------------------- paths


def _step_cost(G: nx.MultiDiGraph, u: str, v: str, key: str, attrs: dict) -> float:
    """Edge cost: 1 plus a penalty for weak links and for common (hub) concepts."""
    if key == "mentions":
        concept = v if G.nodes[v].get("kind") == "concept" else u
        return 1.0 + math.log2(1 + (G.nodes[concept].get("paper_count") or 0))
    if key == "similar":
        return 1.0 + (1.0 - float(attrs.get("weight") or 0.0))
    if key == "cooccurs":
        return 1.0 + (1.0 - float(attrs.get("npmi") or 0.0))
    # broader: the more general the parent (papers and direct children), the less a
    # "both are kinds of X" step says
    parent = v if G.has_edge(u, v, "broader") else u
    children = sum(1 for _, _, k in G.in_edges(parent, keys=True) if k == "broader")
    return 1.0 + math.log2(1 + (G.nodes[parent].get("paper_count") or 0) + children)


def shortest_path(G: nx.MultiDiGraph, a: str, b: str) -> list[dict[str, Any]]:
    """The most informative path between two papers or concepts, every step explained.

    The graph is walked as undirected over ``mentions``, ``similar``, ``cooccurs`` and
    ``broader`` edges (not authors). An edge costs 1 plus a penalty: weakly similar papers
    and weakly co-occurring concepts cost more, going through a concept costs more the
    more papers mention it, and a ``broader`` step costs more the more general the broader
    concept is (papers and narrower concepts), so paths prefer specific links over hubs.

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
    >>> G = _example_graph()
    >>> for step in shortest_path(G, "p1", "p3"):
    ...     print(step["relation"], "|", step["explanation"])
    similar | 'NTK one' and 'Mixed four' are similar (weight 0.40), sharing infinite width
    similar | 'Mixed four' and 'LoRA three' are similar (weight 0.78), sharing LoRA
    >>> print(shortest_path(G, "p3", "LoRA")[0]["explanation"])
    'LoRA three' mentions LoRA: "About LoRA."
    """
    if _is_model(G):
        from kg import model_query

        return model_query.shortest_path(G, a, b)
    src, dst = resolve_node(G, a), resolve_node(G, b)
    if src == dst:
        return []
    U = G.to_undirected(as_view=True)

    def cost(u, v, data):
        best = None
        for key, attrs in data.items():
            if key in PATH_RELATIONS:
                c = _step_cost(G, u, v, key, attrs)
                best = c if best is None else min(best, c)
        return best

    try:
        _, nodes = nx.bidirectional_dijkstra(U, src, dst, weight=cost)
    except nx.NetworkXNoPath:
        raise GraphError(
            f"{node_label(G, src)!r} and {node_label(G, dst)!r} are not connected in the graph"
        ) from None
    steps = []
    for u, v in zip(nodes, nodes[1:]):
        data = U[u][v]
        key = min((k for k in data if k in PATH_RELATIONS),
                  key=lambda k: (_step_cost(G, u, v, k, data[k]), k))
        steps.append({
            "from": u, "to": v, "from_label": node_label(G, u), "to_label": node_label(G, v),
            "relation": key, "explanation": _explain_step(G, u, v, key),
        })
    return steps


def _explain_step(G: nx.MultiDiGraph, u: str, v: str, key: str) -> str:
    info = explain_link(G, u, v, limit=3)
    lu, lv = node_label(G, u), node_label(G, v)
    if key == "mentions":
        paper, concept = (u, v) if G.nodes[u].get("kind") == "paper" else (v, u)
        text = f"{node_label(G, paper)!r} mentions {node_label(G, concept)}"
        if info.get("evidence"):
            text += f': "{info["evidence"][0]}"'
        return text
    if key == "similar":
        shared = ", ".join(s["label"] for s in info.get("shared", ())) or "no concept"
        weight = info.get("weight")
        return f"{lu!r} and {lv!r} are similar (weight {weight:.2f}), sharing {shared}"
    if key == "cooccurs":
        text = (f"{lu} and {lv} are mentioned together in {info['support']} papers "
                f"(NPMI {info['npmi']:.2f})")
        if info.get("papers"):
            text += f", e.g. {info['papers'][0]['title']!r}"
        return text
    if info.get("broader") == v:
        return f"{lu} is a kind of {lv} (ontology)"
    return f"{lv} is a kind of {lu} (ontology)"


# ----------------------------------------------------------------------------- summaries


def discovered_concepts(G: nx.MultiDiGraph, min_papers: int = 2, top: int | None = 50) -> list[dict[str, Any]]:
    """Discovered concepts (terms the ontology lacks) by number of papers, most first.

    Each row: ``{iri, label, alt_labels, type, paper_count, examples}`` where ``examples``
    are up to 3 ids of papers mentioning it.

    Examples
    --------
    >>> G = _example_graph()
    >>> discovered_concepts(G)
    []
    """
    if _is_model(G):
        from kg import model_query

        return model_query.discovered_concepts(G, min_papers, top)
    rows = []
    for c in _nodes_of(G, "concept"):
        attrs = G.nodes[c]
        if attrs.get("source") != "discovered" or (attrs.get("paper_count") or 0) < min_papers:
            continue
        papers = sorted(p for p, _, k in G.in_edges(c, keys=True) if k == "mentions")
        rows.append({
            "iri": c, "label": attrs.get("label"), "alt_labels": list(attrs.get("alt_labels") or ()),
            "type": attrs.get("type"), "paper_count": attrs.get("paper_count") or 0,
            "examples": [G.nodes[p].get("id") for p in papers[:3]],
        })
    rows.sort(key=lambda r: (-r["paper_count"], r["label"] or "", r["iri"]))
    return rows if top is None else rows[:top]


def concept_summary(G: nx.MultiDiGraph, name: str, *, papers: int = 20, neighbours: int = 15,
                    freq: str = "month") -> dict[str, Any]:
    """Everything ``kg concept`` shows about one concept, as plain data.

    Keys: ``iri, label, alt_labels, type, source, definition, paper_count``, ``papers``
    (``{id, title, date, count, score}``, most mentions first), ``cooccurs``
    (``{iri, label, npmi, support}``, strongest first), ``broader`` and ``narrower``
    (``{iri, label}``), and ``trend`` (``[[period, count], ...]``, see :func:`concept_trend`).

    Examples
    --------
    >>> s = concept_summary(_example_graph(), "NTK")
    >>> s["label"], [p["id"] for p in s["papers"]], [c["label"] for c in s["cooccurs"]]
    ('neural tangent kernel', ['p1', 'p2'], ['infinite width'])
    """
    if _is_model(G):
        from kg import model_query

        return model_query.concept_summary(G, name, papers=papers, neighbours=neighbours,
                                           freq=freq)
    c = resolve_concept(G, name)
    attrs = G.nodes[c]
    plist = []
    for p, _, k, d in G.in_edges(c, keys=True, data=True):
        if k == "mentions":
            n = G.nodes[p]
            plist.append({"id": n.get("id"), "title": n.get("title"), "date": n.get("date"),
                          "count": d.get("count"), "score": d.get("score")})
    plist.sort(key=lambda r: (-(r["count"] or 0), -(r["score"] or 0), str(r["id"])))
    co, broader, narrower = [], [], []
    for u, v, k, d in list(G.out_edges(c, keys=True, data=True)) + list(
            G.in_edges(c, keys=True, data=True)):
        other = v if u == c else u
        if k == "cooccurs":
            co.append({"iri": other, "label": node_label(G, other), "npmi": d.get("npmi"),
                       "support": d.get("support")})
        elif k == "broader":
            (broader if u == c else narrower).append({"iri": other, "label": node_label(G, other)})
    co.sort(key=lambda r: (-r["npmi"], -r["support"], r["iri"]))
    broader.sort(key=lambda r: r["iri"])
    narrower.sort(key=lambda r: r["iri"])
    return {
        "iri": c, "label": attrs.get("label"), "alt_labels": list(attrs.get("alt_labels") or ()),
        "type": attrs.get("type"), "source": attrs.get("source"),
        "definition": attrs.get("definition"), "paper_count": attrs.get("paper_count") or 0,
        "papers": plist[:papers], "cooccurs": co[:neighbours], "broader": broader,
        "narrower": narrower, "trend": [list(t) for t in concept_trend(G, c, freq)],
    }


def graph_stats(G: nx.MultiDiGraph, *, top: int = 10, communities: bool = True) -> dict[str, Any]:
    """Counts and highlights of a graph, JSON-ready (what ``kg stats`` and summary.json show).

    Keys: ``nodes`` (count per kind), ``edges`` (count per relation), ``concepts``
    (count per source), ``top_concepts`` (``{iri, label, paper_count}``), ``concept_communities``
    (Louvain count over the :data:`COMMUNITY_MAX_CONCEPTS` concepts with the most papers,
    see :func:`concept_communities`, or None if ``communities`` is false), ``dates``
    (``first``, ``last``, ``undated``), ``papers_without_concepts``.

    Examples
    --------
    >>> s = graph_stats(_example_graph())
    >>> s["nodes"], s["edges"]["similar"], s["dates"]
    ({'concept': 3, 'paper': 4}, 4, {'first': '2025-01-10', 'last': '2025-02-20', 'undated': 1})
    """
    from kg.model import GraphModel

    if isinstance(G, GraphModel):
        return _model_stats(G, top, communities)
    nodes = Counter(k for _, k in G.nodes(data="kind"))
    edges = Counter(k for _, _, k in G.edges(keys=True))
    sources = Counter(s for n, s in G.nodes(data="source") if G.nodes[n].get("kind") == "concept")
    concepts = _nodes_of(G, "concept")
    top_concepts = sorted(concepts, key=lambda c: (-(G.nodes[c].get("paper_count") or 0), c))[:top]
    papers = _nodes_of(G, "paper")
    dates = sorted(d for p in papers if (d := G.nodes[p].get("date")))
    with_concepts = {u for u, _, k in G.edges(keys=True) if k == "mentions"}
    return {
        "nodes": dict(sorted(nodes.items())),
        "edges": dict(sorted(edges.items())),
        "concepts": dict(sorted(sources.items())),
        "top_concepts": [{"iri": c, "label": node_label(G, c),
                          "paper_count": G.nodes[c].get("paper_count") or 0} for c in top_concepts],
        "concept_communities": (len(concept_communities(G, max_concepts=COMMUNITY_MAX_CONCEPTS))
                                if communities else None),
        "dates": {"first": dates[0] if dates else None, "last": dates[-1] if dates else None,
                  "undated": len(papers) - len(dates)},
        "papers_without_concepts": len(papers) - len(with_concepts),
    }


def _model_stats(M, top: int, communities: bool) -> dict[str, Any]:
    """:func:`graph_stats` of a :class:`kg.model.GraphModel`, from its columns."""
    import numpy as np

    counts = M.counts()
    attrs = M.concept_attrs
    ranked = sorted(range(len(attrs)),
                    key=lambda c: (-(attrs[c].get("paper_count") or 0), M.concept_iris[c]))[:top]
    n_comms = None
    if communities:
        H = _model_cooccurs_graph(M, COMMUNITY_MAX_CONCEPTS)
        n_comms = len(_louvain(H, 1.0, 0))
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
