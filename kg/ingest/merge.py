"""De-duplication: the same paper from several sources becomes one :class:`Paper`.

Rules
-----
* Records sharing a strong id (arXiv id without version, or DOI) are the same paper,
  unless joining them would put two different arXiv ids or two different DOIs in one
  paper: records with different strong ids stay apart even when their titles are equal.
* Records with the same paper id (e.g. an OpenReview id, or the same title hash) are the
  same paper, under the same proviso.
* A record with no strong id joins the first group with the same normalized title.
* Merged fields: the first non-empty value in input order wins (title, abstract, date,
  url); authors come from the record with the most; ``ids`` and ``meta`` are united
  (first wins per key); ``source`` joins the distinct sources with ``+``.

Output keeps input order (a group sits where its first record was) and is deterministic.

Examples
--------
>>> a = Paper("2101.11408", "Number Parsing", "Abs.", ids={"arxiv": "2101.11408"}, source="arxiv-atom")
>>> b = Paper("10.1002/spe.2984", "Number parsing!", "", authors=("D. Lemire",),
...           ids={"doi": "10.1002/spe.2984"}, source="bibtex")
>>> c = Paper("x", "Other", "A.", ids={"arxiv": "2101.11408", "doi": "10.1002/spe.2984"}, source="jsonl")
>>> result = merge_papers([a, b, c])
>>> len(result.papers), result.merged, result.papers[0].source, result.papers[0].authors
(1, 2, 'arxiv-atom+bibtex+jsonl', ('D. Lemire',))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from kg.types import Paper, title_hash_id, title_key

__all__ = ["MergeResult", "merge_papers"]


@dataclass(frozen=True)
class MergeResult:
    """Merged papers, how many input records were folded into others, and the groups
    (input positions of the records behind each output paper, in output order)."""

    papers: list[Paper]
    merged: int
    groups: list[tuple[int, ...]] = field(default_factory=list)


class _Groups:
    """Union-find over record positions that refuses joins with conflicting strong ids."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.parent = list(range(len(papers)))
        self.arxiv = [p.ids.get("arxiv") or None for p in papers]
        self.doi = [p.ids.get("doi") or None for p in papers]
        self.joined: dict[int, tuple[set[str], set[str]]] = {}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def strong(self, root: int) -> tuple[set[str], set[str]]:
        if root in self.joined:
            return self.joined[root]
        a, d = self.arxiv[root], self.doi[root]
        return ({a} if a else set()), ({d} if d else set())

    def union(self, i: int, j: int) -> bool:
        a, b = self.find(i), self.find(j)
        if a == b:
            return True
        (arx_a, doi_a), (arx_b, doi_b) = self.strong(a), self.strong(b)
        arxiv, doi = arx_a | arx_b, doi_a | doi_b
        if len(arxiv) > 1 or len(doi) > 1:
            return False
        if b < a:
            a, b = b, a
        self.parent[b] = a
        self.joined.pop(b, None)
        self.joined[a] = (arxiv, doi)
        return True


def _group(papers: Sequence[Paper]) -> _Groups:
    groups = _Groups(papers)
    first_by_key: dict[str, int] = {}
    for i, paper in enumerate(papers):
        keys = ["id:" + paper.id]
        if groups.arxiv[i]:
            keys.append("arxiv:" + groups.arxiv[i])
        if groups.doi[i]:
            keys.append("doi:" + groups.doi[i])
        for key in keys:
            j = first_by_key.setdefault(key, i)
            if j != i:
                groups.union(j, i)
    weak = [i for i in range(len(papers)) if not groups.arxiv[i] and not groups.doi[i]]
    if weak:
        _group_titles(papers, groups, weak)
    return groups


def _group_titles(papers: Sequence[Paper], groups: _Groups, weak: list[int]) -> None:
    """Join each record without strong ids to the first record with its title, preferring
    records with strong ids (so weak duplicates end up with the strong paper)."""
    weak_keys = {i: title_key(papers[i].title) for i in weak}
    first_by_title: dict[str, int] = {}
    for i, paper in enumerate(papers):
        if i not in weak_keys:
            key = title_key(paper.title)
            if key:
                first_by_title.setdefault(key, i)
    for i in weak:
        key = weak_keys[i]
        if key:
            j = first_by_title.setdefault(key, i)
            if j != i:
                groups.union(j, i)


def _first(values: Iterable[object]) -> object:
    return next((v for v in values if v), None)


def _merge_group(members: list[Paper]) -> Paper:
    if len(members) == 1:
        return members[0]
    ids: dict[str, str] = {}
    meta: dict[str, object] = {}
    sources: list[str] = []
    for p in members:
        for k, v in p.ids.items():
            ids.setdefault(k, v)
        for k, v in p.meta.items():
            meta.setdefault(k, v)
        for s in p.source.split("+"):
            if s and s not in sources:
                sources.append(s)
    title = str(_first(p.title for p in members) or "")
    own = [p.id for p in members if p.id != title_hash_id(p.title)]
    paper_id = ids.get("arxiv") or ids.get("doi") or (own[0] if own else members[0].id)
    authors = max((p.authors for p in members), key=len)
    return Paper(
        id=paper_id,
        title=title,
        abstract=str(_first(p.abstract for p in members) or ""),
        authors=authors,
        date=_first(p.date for p in members),  # type: ignore[arg-type]
        url=_first(p.url for p in members),  # type: ignore[arg-type]
        source="+".join(sources),
        ids=ids,
        meta=meta,
    )


def merge_papers(papers: Iterable[Paper]) -> MergeResult:
    """Fold records of the same paper together (see the module docs for the rules).

    Parameters
    ----------
    papers : iterable of Paper
        Records in input order.

    Returns
    -------
    MergeResult
        ``papers`` (unique, input order), ``merged`` (= inputs − outputs) and ``groups``.
    """
    papers = list(papers)
    groups = _group(papers)
    members: dict[int, list[int]] = {}
    for i in range(len(papers)):
        members.setdefault(groups.find(i), []).append(i)
    ordered = sorted(members.values(), key=lambda g: g[0])
    merged = [_merge_group([papers[i] for i in g]) for g in ordered]
    return MergeResult(papers=merged, merged=len(papers) - len(merged),
                       groups=[tuple(g) for g in ordered])
