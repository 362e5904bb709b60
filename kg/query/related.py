"""Papers like a paper: its ``similar`` links, each with the concepts that explain it.

Examples
--------
>>> from kg.query.examples import example_model
>>> [r["id"] for r in related_papers(example_model(), "p1")]
['p2', 'p4']
"""
from __future__ import annotations

from typing import Any

from kg.query.evidence import mention_evidence, paper_record
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import model_index
from kg.query.resolve import concept_label, resolve_paper

__all__ = ["related_papers"]


def related_papers(M, paper: str, top: int = 10) -> list[dict[str, Any]]:
    """Papers linked to ``paper`` by ``similar`` edges, most similar first.

    Returns
    -------
    list of dict
        ``{id, iri, title, date, link, weight, shared, evidence}``: ``shared`` holds the
        labels of the concepts that explain the link, rarest first; ``evidence`` the same
        concepts as ``{iri, label, paper, other}``, ``paper`` being the sentence of
        ``paper`` that names the concept and ``other`` that of the related paper.

    Examples
    --------
    >>> r = related_papers(example_model(), "p1")[0]
    >>> r["id"], r["shared"]
    ('p2', ['neural tangent kernel', 'infinite width'])
    >>> r["evidence"][0]["paper"], r["evidence"][0]["other"]
    ('About neural tangent kernel.', 'About neural tangent kernel.')
    """
    ix = model_index(M)
    k = ix.paper_index(resolve_paper(M, paper))
    rows = []
    for o, t in zip(*(a.tolist() for a in ix.similar_of(k))):
        shared = [c for c in M.s_shared[t].tolist() if c >= 0]
        row = paper_record(M, o)
        row.update(weight=float(M.s_weight[t]), shared=[concept_label(M, c) for c in shared],
                   evidence=[{"iri": M.concept_iris[c], "label": concept_label(M, c),
                              "paper": mention_evidence(M, k, c),
                              "other": mention_evidence(M, o, c)} for c in shared])
        rows.append(row)
    rows.sort(key=lambda r: (-(r["weight"] or 0), r["iri"]))
    return rows[:top]
