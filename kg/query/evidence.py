"""What an answer shows as its evidence: a paper's link and the sentence where it names a concept.

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> paper_link(M, 0) is None, mention_evidence(M, 2, 1)
(True, 'About LoRA.')
"""
from __future__ import annotations

from typing import Any

import numpy as np

from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.types import arxiv_id, normalize_doi

__all__ = ["paper_link", "link_of", "mention_evidence", "paper_record"]


def link_of(paper_id: Any, url: Any = None) -> str | None:
    """A web address of a paper: its arXiv abstract page when the id (or the url) is an
    arXiv id, else its DOI at doi.org, else its own url if that is http(s); None otherwise.

    Examples
    --------
    >>> link_of("2106.09685v2")
    'https://arxiv.org/abs/2106.09685'
    >>> link_of("10.1000/kg.15"), link_of("t-1", "ftp://x"), link_of("W1", "https://openalex.org/W1")
    ('https://doi.org/10.1000/kg.15', None, 'https://openalex.org/W1')
    """
    arxiv = arxiv_id(paper_id) or arxiv_id(url)
    if arxiv:
        return f"https://arxiv.org/abs/{arxiv}"
    doi = normalize_doi(paper_id) or normalize_doi(url)
    if doi:
        return f"https://doi.org/{doi}"
    if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def paper_link(M, p: int) -> str | None:
    """The web address of paper number ``p`` of the model (see :func:`link_of`).

    Examples
    --------
    >>> paper_link(example_model(), 0) is None  # the example papers have no link
    True
    """
    return link_of(M.paper_ids[p], M.urls[p])


def mention_evidence(M, p: int, c: int) -> str | None:
    """The evidence sentence of paper ``p`` for concept ``c`` (numbers in the model): the
    first one other than the title when there is one (answers show the title anyway),
    else the title; None if the paper does not mention the concept.

    Examples
    --------
    >>> M = example_model()
    >>> mention_evidence(M, 0, 2), mention_evidence(M, 0, 1)
    ('About neural tangent kernel.', None)
    """
    lo, hi = int(M.m_ptr[p]), int(M.m_ptr[p + 1])
    hit = np.flatnonzero(M.m_concept[lo:hi] == c)
    if not hit.size:
        return None
    evidence = M.mention_attrs(p, lo + int(hit[0]))["evidence"]
    title = (M.titles[p] or "").strip()
    return next((e for e in evidence if e.strip() != title), evidence[0] if evidence else None)


def paper_record(M, p: int, c: int | None = None) -> dict[str, Any]:
    """``{id, iri, title, date, link}`` of paper ``p``, and its ``evidence`` sentence for
    concept ``c`` when one is given.

    Examples
    --------
    >>> paper_record(example_model(), 2, 1)["evidence"]
    'About LoRA.'
    """
    row = {"id": M.paper_ids[p], "iri": M.paper_iris[p], "title": M.titles[p],
           "date": M.dates[p], "link": paper_link(M, p)}
    if c is not None:
        row["evidence"] = mention_evidence(M, p, c)
    return row
