"""Which papers and concepts a view shows: the command-line filters of ``kg view``.

:class:`ViewFilters` holds ``--since/--until`` (paper dates), ``--type`` (concept types)
and ``--min-papers``; :func:`kept_papers` and :func:`concept_counts` apply them to a
:class:`kg.model.GraphModel` and return plain numpy arrays.

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> f = ViewFilters(since="2025-02")
>>> kept_papers(M, f).tolist()
[False, True, True, False]
>>> concept_counts(M, f).tolist()
[1, 1, 1]
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np

from kg.errors import ExportError

__all__ = ["ViewFilters", "concept_counts", "concept_types", "kept_papers", "paper_years"]

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _is_date(value: str) -> bool:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, and a real month and day."""
    if not _DATE.match(value):
        return False
    parts = [int(x) for x in value.split("-")] + [1, 1]
    try:
        datetime.date(*parts[:3])
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ViewFilters:
    """What a view keeps.

    Attributes
    ----------
    since, until : str, optional
        Keep papers dated in this range (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, both ends
        included, compared on the precision given). Papers without a date are dropped as
        soon as either end is set.
    types : tuple of str
        Keep concepts of these types only (empty: all types).
    min_papers : int
        Keep concepts mentioned by at least this many kept papers.

    Examples
    --------
    >>> ViewFilters(since="2024", types=("Method",)).describe()
    'papers from 2024; types: Method'
    >>> ViewFilters(since="24")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: --since must be YYYY, YYYY-MM or YYYY-MM-DD, not '24'
    """

    since: str | None = None
    until: str | None = None
    types: tuple[str, ...] = ()
    min_papers: int = 1

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not _is_date(value):
                raise ExportError(f"--{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
        if self.since and self.until and self.since[:len(self.until)] > self.until:
            raise ExportError(f"--since {self.since} is after --until {self.until}")
        if self.min_papers < 1:
            raise ExportError(f"--min-papers must be at least 1, not {self.min_papers}")

    def describe(self) -> str:
        """The filters in words ('' when none is set)."""
        parts = []
        if self.since and self.until:
            parts.append(f"papers from {self.since} to {self.until}")
        elif self.since:
            parts.append(f"papers from {self.since}")
        elif self.until:
            parts.append(f"papers until {self.until}")
        if self.types:
            parts.append("types: " + ", ".join(self.types))
        return "; ".join(parts)


def kept_papers(M, filters: ViewFilters) -> np.ndarray:
    """Boolean mask over ``M.paper_iris``: the papers inside the date range.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> kept_papers(example_model(), ViewFilters(until="2025-01")).tolist()
    [True, False, False, False]
    """
    keep = np.ones(len(M.paper_iris), bool)
    if not (filters.since or filters.until):
        return keep
    for k, date in enumerate(M.dates):
        if not date:
            keep[k] = False
            continue
        if filters.since and date[:len(filters.since)] < filters.since:
            keep[k] = False
        elif filters.until and date[:len(filters.until)] > filters.until:
            keep[k] = False
    return keep


def concept_types(M) -> list[str]:
    """The type of every concept (``"Concept"`` when it has none), by concept index.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> concept_types(example_model())
    ['Concept', 'Concept', 'Concept']
    """
    return [a.get("type") or "Concept" for a in M.concept_attrs]


def concept_counts(M, filters: ViewFilters, papers: np.ndarray | None = None) -> np.ndarray:
    """Kept papers mentioning each concept; 0 for a concept of a type not kept.

    Parameters
    ----------
    papers : numpy.ndarray of bool, optional
        The kept papers (default: :func:`kept_papers`).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> concept_counts(example_model(), ViewFilters(until="2025-01")).tolist()
    [1, 0, 1]
    """
    if papers is None:
        papers = kept_papers(M, filters)
    n = len(M.concept_iris)
    if papers.all():
        counts = np.array([a.get("paper_count") or 0 for a in M.concept_attrs], np.int64)
    else:
        paper_of = np.repeat(np.arange(len(M.paper_iris)), np.diff(M.m_ptr))
        counts = np.bincount(M.m_concept[papers[paper_of]], minlength=n).astype(np.int64)
    if filters.types:
        wanted = set(filters.types)
        known = set(concept_types(M))
        unknown = sorted(wanted - known)
        if unknown:
            raise ExportError(f"unknown concept type {unknown[0]!r}; the graph has: "
                              + ", ".join(sorted(known)))
        types = concept_types(M)
        counts[[k for k in range(n) if types[k] not in wanted]] = 0
    return counts


def paper_years(M) -> np.ndarray:
    """The year of each paper (0 when it has no date), by paper index.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> paper_years(example_model()).tolist()
    [2025, 2025, 2025, 0]
    """
    return np.array([int(d[:4]) if d and d[:4].isdigit() else 0 for d in M.dates], np.int32)
