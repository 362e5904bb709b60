"""Papers like a paper: its ``similar`` links, each with the concepts that explain it.

Examples
--------
>>> from kg.query.examples import example_model
>>> [r["id"] for r in related_papers(example_model(), "p1")]
['p2', 'p4']
"""
from __future__ import annotations

from typing import Any

from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import model_index
from kg.query.resolve import concept_label, resolve_paper

__all__ = ["related_papers"]


def related_papers(M, paper: str, top: int = 10) -> list[dict[str, Any]]:
    """Papers linked to ``paper`` by ``similar`` edges, most similar first.

    Returns
    -------
    list of dict
        ``{id, iri, title, weight, shared}``, ``shared`` being the labels of the concepts
        that explain the link, rarest first.

    Examples
    --------
    >>> r = related_papers(example_model(), "p1")[0]
    >>> r["id"], r["shared"]
    ('p2', ['neural tangent kernel', 'infinite width'])
    """
    ix = model_index(M)
    k = ix.paper_index(resolve_paper(M, paper))
    rows = []
    for o, t in zip(*(a.tolist() for a in ix.similar_of(k))):
        rows.append({
            "id": M.paper_ids[o], "iri": M.paper_iris[o], "title": M.titles[o],
            "weight": float(M.s_weight[t]),
            "shared": [concept_label(M, c) for c in M.s_shared[t].tolist() if c >= 0],
        })
    rows.sort(key=lambda r: (-(r["weight"] or 0), r["iri"]))
    return rows[:top]
