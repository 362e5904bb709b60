"""Questions about concepts: their papers and neighbours, their trend, what is new.

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> concept_trend(M, "LoRA")
[('2025-01', 0), ('2025-02', 1), (None, 1)]
>>> [r["label"] for r in emerging_concepts(M, min_papers=1)][:1]
['LoRA']
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from typing import Any

import numpy as np

from kg.errors import GraphError, NotFoundError
from kg.query.evidence import paper_record
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import fold_spaces, model_index
from kg.query.resolve import concept_label, resolve_concept

__all__ = [
    "concept_summary",
    "concept_trend",
    "emerging_concepts",
    "discovered_concepts",
    "paper_periods",
    "period_of",
    "period_range",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


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


def period_range(first: str, last: str, freq: str) -> list[str]:
    """Every period from ``first`` to ``last`` (both included), in order.

    Examples
    --------
    >>> period_range("2024-11", "2025-02", "month")
    ['2024-11', '2024-12', '2025-01', '2025-02']
    >>> period_range("2025-W52", "2026-W01", "week")
    ['2025-W52', '2026-W01']
    """
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


def paper_periods(M, freq: str = "month") -> list[str | None]:
    """The period of each paper (by paper number), None where it has no usable date.

    Examples
    --------
    >>> paper_periods(example_model())
    ['2025-01', '2025-02', '2025-02', None]
    """
    cache: dict[Any, str | None] = {}
    periods = []
    for d in M.dates:
        per = cache.get(d, "")
        if per == "":
            per = cache[d] = period_of(d, freq)
        periods.append(per)
    return periods


def concept_trend(M, concept_iri: str, freq: str = "month") -> list[tuple[str | None, int]]:
    """Papers mentioning a concept per period, over the corpus' whole date range.

    Periods with no such paper are listed with 0, so series of different concepts line
    up. Papers without a usable date are counted apart, in a last ``(None, n)`` entry
    (present only when n > 0).

    Parameters
    ----------
    M : kg.model.GraphModel
    concept_iri : str
        The concept (labels are resolved with :func:`~kg.query.resolve.resolve_concept`).
    freq : {"month", "week"}

    Examples
    --------
    >>> concept_trend(example_model(), "infinite width")
    [('2025-01', 1), ('2025-02', 1), (None, 1)]
    """
    c = model_index(M).concept_index(resolve_concept(M, concept_iri))
    periods = paper_periods(M, freq)
    dated = sorted({p for p in periods if p})
    papers, _ = model_index(M).papers_of(c)
    counts: Counter[str | None] = Counter(periods[p] for p in papers.tolist())
    out: list[tuple[str | None, int]] = []
    if dated:
        out = [(p, counts.get(p, 0)) for p in period_range(dated[0], dated[-1], freq)]
    if counts.get(None):
        out.append((None, counts[None]))
    return out


def concept_summary(M, name: str, *, papers: int = 20, neighbours: int = 15,
                    freq: str = "month", include_narrower: bool = False,
                    ontology=None) -> dict[str, Any]:
    """Everything ``kg concept`` shows about one concept, as plain data.

    Keys: ``iri, label, alt_labels, type, source, definition, in_graph, paper_count``
    (papers mentioning the concept itself), ``papers`` (``{id, iri, title, date, link,
    count, score, evidence, via}``: own papers first, most mentions first; ``evidence`` is
    the paper's first sentence naming the concept, ``via`` the narrower concept a rolled-up
    paper comes from, else None), ``rollup`` (with ``include_narrower``: ``{total, own,
    via_narrower, narrower}``, ``narrower`` listing ``{iri, label, paper_count, added}`` of
    every concept below with papers, most papers first, ``added`` counting the papers it
    brings in (those of no concept before it in this order, nor of the concept itself),
    so that they sum to ``via_narrower``; else None), ``cooccurs`` (``{iri, label, npmi,
    support}``, strongest first), ``broader`` and ``narrower`` (``{iri, label}``), and
    ``trend`` (``[[period, count], ...]`` of the concept itself, see :func:`concept_trend`).

    Parameters
    ----------
    include_narrower : bool
        Roll the papers of the narrower concepts (transitively, over the model's
        ``broader`` links) up into this one.
    ontology : kg.ontology.Ontology, optional
        When ``name`` is no concept of the graph but a concept of this ontology, the answer
        is that concept with ``in_graph`` False and no papers of its own (its narrower
        concepts in the graph still roll up).

    Raises
    ------
    NotFoundError
        If neither the graph nor ``ontology`` knows the concept.

    Examples
    --------
    >>> M = example_model()
    >>> s = concept_summary(M, "NTK")
    >>> s["label"], [p["id"] for p in s["papers"]], [c["label"] for c in s["cooccurs"]]
    ('neural tangent kernel', ['p1', 'p2'], ['infinite width'])
    >>> s["papers"][0]["evidence"]
    'About neural tangent kernel.'
    """
    ix = model_index(M)
    try:
        iri = resolve_concept(M, name)
    except NotFoundError:
        known = _ontology_concept(ontology, name)
        if known is None:
            raise
        return _absent_summary(M, known, ontology, papers, include_narrower)
    c = ix.concept_index(iri)
    attrs = M.concept_attrs[c]
    own, rollup, plist = _rolled_papers(M, [c], include_narrower, papers)
    co = []
    for o, t in zip(*(a.tolist() for a in ix.cooccurs_of(c))):
        co.append({"iri": M.concept_iris[o], "label": concept_label(M, o),
                   "npmi": float(M.c_npmi[t]), "support": int(M.c_support[t])})
    co.sort(key=lambda r: (-r["npmi"], -r["support"], r["iri"]))
    parents, children = ix.broader()
    broader = sorted(({"iri": M.concept_iris[o], "label": concept_label(M, o)}
                      for o in parents.get(c, ())), key=lambda r: r["iri"])
    narrower = sorted(({"iri": M.concept_iris[o], "label": concept_label(M, o)}
                       for o in children.get(c, ())), key=lambda r: r["iri"])
    return {
        "iri": iri, "label": attrs.get("label"), "alt_labels": list(attrs.get("alt_labels") or ()),
        "type": attrs.get("type"), "source": attrs.get("source"),
        "definition": attrs.get("definition"), "in_graph": True,
        "paper_count": attrs.get("paper_count") or 0, "rollup": rollup,
        "papers": plist, "cooccurs": co[:neighbours], "broader": broader,
        "narrower": narrower, "trend": [list(t) for t in concept_trend(M, iri, freq)],
    }


def _ontology_concept(ontology, name: str):
    if ontology is None:
        return None
    name = str(name).strip()
    found = ontology.get(name) or next(iter(ontology.find(name)), None)
    if found is None:
        key = fold_spaces(name)
        found = next((k for k in ontology if any(fold_spaces(lab) == key for lab in k.labels)),
                     None)
    return found


def _absent_summary(M, known, ontology, papers: int, include_narrower: bool) -> dict[str, Any]:
    """The summary of an ontology concept that is not in the graph."""
    ix = model_index(M)
    below = [k for k in (ix.concept_index(i) for i in ontology.descendants(known.iri))
             if k is not None]

    def labelled(iris):
        return sorted(({"iri": i, "label": ontology.get(i).label} for i in iris
                       if ontology.get(i) is not None), key=lambda r: r["iri"])

    _, rollup, plist = _rolled_papers(M, below, include_narrower, papers, own_count=0)
    return {
        "iri": known.iri, "label": known.label, "alt_labels": list(known.alt_labels),
        "type": known.type, "source": "ontology", "definition": known.definition or None,
        "in_graph": False, "paper_count": 0, "rollup": rollup,
        "papers": plist if include_narrower else [], "cooccurs": [],
        "broader": labelled(known.broader), "narrower": labelled(ontology.narrower(known.iri)),
        "trend": [],
    }


def _rolled_papers(M, roots: list[int], include_narrower: bool, top: int,
                   own_count: int | None = None):
    """(own paper set, rollup dict or None, paper rows) for the concept(s) ``roots``;
    with ``own_count`` 0 the roots are narrower concepts of an absent concept."""
    ix = model_index(M)
    own: dict[int, int] = {}  # paper -> mention position
    if own_count is None:
        for root in roots:
            for p, t in zip(*(a.tolist() for a in ix.papers_of(root))):
                own.setdefault(p, t)
        below = [d for root in roots for d in ix.descendants(root)] if include_narrower else []
    else:
        below = [d for root in roots for d in (root, *ix.descendants(root))]
        below = list(dict.fromkeys(below)) if include_narrower else []
    pc = ix.paper_count()
    rows = [_paper_row(M, p, t, roots[0], None) for p, t in own.items()]
    rows.sort(key=lambda r: (-(r["count"] or 0), -(r["score"] or 0), str(r["id"])))
    if not include_narrower:
        return own, None, rows[:top]
    ranked = sorted(set(below), key=lambda d: (-int(pc[d]), M.concept_iris[d]))
    via: dict[int, tuple[int, int]] = {}  # paper -> (concept it comes from, position)
    for d in ranked:
        for p, t in zip(*(a.tolist() for a in ix.papers_of(d))):
            if p not in own and p not in via:
                via[p] = (d, t)
    extra = [_paper_row(M, p, t, d, concept_label(M, d)) for p, (d, t) in via.items()]
    extra.sort(key=lambda r: (-(r["count"] or 0), -(r["score"] or 0), str(r["id"])))
    added = Counter(d for d, _ in via.values())
    rollup = {"total": len(own) + len(via), "own": len(own), "via_narrower": len(via),
              "narrower": [{"iri": M.concept_iris[d], "label": concept_label(M, d),
                            "paper_count": int(pc[d]), "added": added.get(d, 0)}
                           for d in ranked if pc[d] > 0]}
    return own, rollup, (rows + extra)[:top]


def _paper_row(M, p: int, t: int, c: int, via: str | None) -> dict[str, Any]:
    score = float(M.m_score[t])
    row = paper_record(M, p, c)
    row.update(count=int(M.m_count[t]), score=None if score != score else score, via=via)
    return row


def discovered_concepts(M, min_papers: int = 2, top: int | None = 50) -> list[dict[str, Any]]:
    """Discovered concepts (terms the ontology lacks) by number of papers, most first.

    Each row: ``{iri, label, alt_labels, type, paper_count, examples}`` where ``examples``
    are up to 3 ids of papers mentioning it.

    Examples
    --------
    >>> discovered_concepts(example_model())
    []
    """
    ix = model_index(M)
    ix.concept_papers()  # many concepts are looked at: one CSR instead of a scan each
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


def emerging_concepts(M, since: str | None = None, freq: str = "month",
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
    >>> [(r["label"], r["new"]) for r in emerging_concepts(example_model(), min_papers=1)]
    [('LoRA', True), ('infinite width', False), ('neural tangent kernel', False)]
    """
    if rank_by not in ("growth", "ratio"):
        raise GraphError(f"unknown ranking {rank_by!r}: use 'growth' or 'ratio'")
    periods = paper_periods(M, freq)
    dated = [p for p, per in enumerate(periods) if per]
    if not dated:
        return []
    if since is None:
        last = max(periods[p] for p in dated)
        recent = np.array([periods[p] == last for p in range(len(periods))], bool)
    else:
        recent = np.array([bool(per) and str(M.dates[p]) >= str(since)
                           for p, per in enumerate(periods)], bool)
    is_dated = np.array([bool(per) for per in periods], bool)
    before = is_dated & ~recent
    n_recent, n_before = int(recent.sum()), int(before.sum())
    if n_recent == 0:
        return []
    smooth = 1.0 / (n_recent + n_before)
    ix = model_index(M)
    ix.concept_papers()  # every concept is looked at: one CSR instead of a scan each
    out = []
    for c in range(len(M.concept_iris)):
        papers, _ = ix.papers_of(c)
        cr, cb = int(recent[papers].sum()), int(before[papers].sum())
        if cr < min_papers:
            continue
        share_r = cr / n_recent
        share_b = cb / n_before if n_before else 0.0
        out.append({
            "iri": M.concept_iris[c], "label": concept_label(M, c), "recent": cr, "before": cb,
            "share_recent": round(share_r, 6), "share_before": round(share_b, 6),
            "growth": round(share_r - share_b, 6),
            "ratio": round((share_r + smooth) / (share_b + smooth), 6), "new": cb == 0,
        })
    out.sort(key=lambda r: (-r[rank_by], -r["recent"], r["iri"]))
    return out[:top]
