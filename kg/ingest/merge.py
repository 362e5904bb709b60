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
* Records of one paper that disagree on the title (as :func:`~kg.types.title_key`) or
  on the authors (family names, neither list holding the other's) are still merged, and
  reported: :func:`merge_conflicts`, ``MergeResult.conflicts``.

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

import json
import os
import unicodedata

from dataclasses import dataclass, field
from array import array
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from kg.text import replace_surrogates
from kg.types import Paper, title_hash_id, title_key

__all__ = ["MAX_CONFLICTS_LISTED", "MergeResult", "SpooledMerge", "merge_conflicts",
           "merge_papers", "paper_line"]

#: Most merge conflicts a result lists (every one is counted).
MAX_CONFLICTS_LISTED = 100


@dataclass(frozen=True)
class MergeResult:
    """Merged papers, how many input records were folded into others, and the groups
    (input positions of the records behind each output paper, in output order).
    ``conflicts`` lists the first :data:`MAX_CONFLICTS_LISTED` disagreements between
    merged records (:func:`merge_conflicts`); ``conflict_count`` counts them all."""

    papers: list[Paper]
    merged: int
    groups: list[tuple[int, ...]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    conflict_count: int = 0


class _Groups:
    """Union-find over record positions that refuses joins with conflicting strong ids.

    Records are added one at a time (:meth:`add`), and only their keys are kept (ids,
    strong ids, titles of records without strong ids): never the papers themselves.
    """

    def __init__(self) -> None:
        self.parent = array("q")
        self.arxiv: list[str | None] = []
        self.doi: list[str | None] = []
        self.joined: dict[int, tuple[set[str], set[str]]] = {}
        # first record of each id, arXiv id and DOI (one dict per kind of key)
        self.first: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        self.weak: dict[int, str] = {}  # records without strong ids: their title keys

    def __len__(self) -> int:
        return len(self.parent)

    def add(self, paper: Paper) -> int:
        """Add the next record and join it to the earlier records it shares a key with
        (id, then arXiv id, then DOI: the order :func:`merge_papers` joins them in)."""
        i = len(self.parent)
        self.parent.append(i)
        arxiv, doi = paper.ids.get("arxiv") or None, paper.ids.get("doi") or None
        if arxiv is not None and arxiv == paper.id:
            arxiv = paper.id  # one string object for both keys
        self.arxiv.append(arxiv)
        self.doi.append(doi)
        for key, first in zip((paper.id, arxiv, doi), self.first):
            if key is not None:
                j = first.setdefault(key, i)
                if j != i:
                    self.union(j, i)
        if arxiv is None and doi is None:
            self.weak[i] = title_key(paper.title)
        return i

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
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
        self.parent[b] = a  # a group's root is its first record
        self.joined.pop(b, None)
        self.joined[a] = (arxiv, doi)
        return True

    def join_titles(self, strong_titles: Iterable[tuple[int, str]]) -> None:
        """Join each record without strong ids to the first record with its title,
        preferring records with strong ids (so weak duplicates end up with the strong
        paper). ``strong_titles`` gives ``(position, title)`` of the records with strong
        ids, in input order; it is read only when some record has none."""
        if not self.weak:
            return
        wanted = {key for key in self.weak.values() if key}
        first_by_title: dict[str, int] = {}
        for i, title in strong_titles:
            if i not in self.weak:
                key = title_key(title)
                if key in wanted:
                    first_by_title.setdefault(key, i)
        for i, key in self.weak.items():  # insertion order: input order
            if key:
                j = first_by_title.setdefault(key, i)
                if j != i:
                    self.union(j, i)

    def members(self) -> dict[int, list[int]]:
        """The groups of more than one record: root -> positions (ascending)."""
        groups: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            root = self.find(i)
            if root != i:
                groups.setdefault(root, [root]).append(i)
        return groups


def _group(papers: Sequence[Paper]) -> _Groups:
    groups = _Groups()
    for paper in papers:
        groups.add(paper)
    groups.join_titles((i, p.title) for i, p in enumerate(papers))
    return groups


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


def _family(name: str) -> str:
    """The family name of an author, folded: last word, no accents, case-folded."""
    words = title_key(name).split()
    last = words[-1] if words else ""
    return "".join(c for c in unicodedata.normalize("NFKD", last) if not unicodedata.combining(c))


def _shown(text: str, limit: int = 80) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _names(authors: Sequence[str]) -> str:
    shown = ", ".join(authors[:3])
    return shown + (f" (+{len(authors) - 3} more)" if len(authors) > 3 else "")


def merge_conflicts(paper_id: str, members: Sequence[Paper],
                    origins: Sequence[str] | None = None) -> list[str]:
    """What the records merged into paper ``paper_id`` disagree on, one line a field.

    Titles disagree when their :func:`~kg.types.title_key` differ (the first title is
    kept); authors when a record's family names are not all among those of the longest
    list (which is kept). ``origins`` names each record (its file); by default its
    position.

    Examples
    --------
    >>> merge_conflicts("2106.09685", [Paper("2106.09685", "LoRA", "A.", authors=("E. Hu",)),
    ...     Paper("2106.09685", "LoRA!", "", authors=("Edward Hu", "Y. Shen"))])
    []
    >>> for line in merge_conflicts("2106.09685", [
    ...         Paper("2106.09685", "LoRA", "A.", authors=("E. Hu", "Y. Shen")),
    ...         Paper("2106.09685", "QLoRA", "", authors=("T. Dettmers",))], ["a.jsonl", "b.bib"]):
    ...     print(line)
    2106.09685: different titles: 'LoRA' (a.jsonl) and 'QLoRA' (b.bib); kept the first
    2106.09685: different authors: E. Hu, Y. Shen (a.jsonl) and T. Dettmers (b.bib);
      kept the longest list
    """
    names = list(origins) if origins is not None else [
        f"record {i}" for i in range(1, len(members) + 1)]
    out = []
    titled = [(p.title, o) for p, o in zip(members, names) if p.title]
    if titled:
        key = title_key(titled[0][0])
        other = next(((t, o) for t, o in titled[1:] if title_key(t) != key), None)
        if other is not None:
            out.append(f"{paper_id}: different titles: {_shown(titled[0][0])} ({titled[0][1]}) "
                       f"and {_shown(other[0])} ({other[1]}); kept the first")
    authored = [(p.authors, o) for p, o in zip(members, names) if p.authors]
    if len(authored) > 1:
        kept, kept_origin = max(authored, key=lambda a: len(a[0]))
        families = {_family(n) for n in kept}
        other = next(((a, o) for a, o in authored
                      if not {_family(n) for n in a} <= families), None)
        if other is not None:
            out.append(f"{paper_id}: different authors: {_names(kept)} ({kept_origin}) and "
                       f"{_names(other[0])} ({other[1]}); kept the longest list")
    return out


class _Conflicts:
    """The conflicts of a merge: the first :data:`MAX_CONFLICTS_LISTED`, and a count."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.count = 0

    def add(self, lines: list[str]) -> None:
        self.count += len(lines)
        room = MAX_CONFLICTS_LISTED - len(self.listed)
        if room > 0:
            self.listed.extend(lines[:room])


def merge_papers(papers: Iterable[Paper], origins: Sequence[str] | None = None) -> MergeResult:
    """Fold records of the same paper together (see the module docs for the rules).

    Parameters
    ----------
    papers : iterable of Paper
        Records in input order.
    origins : sequence of str, optional
        Where each record comes from (e.g. its file), for the conflict messages.

    Returns
    -------
    MergeResult
        ``papers`` (unique, input order), ``merged`` (= inputs − outputs), ``groups``
        and the ``conflicts`` between merged records.

    Examples
    --------
    >>> result = merge_papers([Paper("r1", "LoRA", "A.", source="csv"),
    ...                        Paper("r2", "LoRA!", "", authors=("E. Hu",), source="json")])
    >>> [(p.id, p.authors, p.source) for p in result.papers], result.merged, result.groups
    ([('r1', ('E. Hu',), 'csv+json')], 1, [(0, 1)])
    """
    papers = list(papers)
    groups = _group(papers)
    members: dict[int, list[int]] = {}
    for i in range(len(papers)):
        members.setdefault(groups.find(i), []).append(i)
    ordered = sorted(members.values(), key=lambda g: g[0])
    merged = []
    conflicts = _Conflicts()
    for g in ordered:
        group = [papers[i] for i in g]
        paper = _merge_group(group)
        merged.append(paper)
        if len(group) > 1:
            conflicts.add(merge_conflicts(paper.id, group, [
                origins[i] if origins is not None else f"record {i + 1}" for i in g]))
    return MergeResult(papers=merged, merged=len(papers) - len(merged),
                       groups=[tuple(g) for g in ordered], conflicts=conflicts.listed,
                       conflict_count=conflicts.count)


def paper_line(paper: Paper) -> bytes:
    """The ``papers.jsonl`` line of ``paper`` (UTF-8, newline-terminated), exactly as
    :func:`kg.model.store.write_papers` writes it.

    Examples
    --------
    >>> paper_line(Paper("r1", "LoRA", "A."))
    b'{"id": "r1", "title": "LoRA", "abstract": "A.", "authors": [], ... "meta": {}}\\n'
    """
    text = json.dumps(paper.to_dict(), ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape in JSON input)
        return replace_surrogates(text).encode("utf-8")


def paper_of_line(line: bytes) -> Paper:
    """The :class:`~kg.types.Paper` of one ``papers.jsonl`` line (JSON bytes).

    Examples
    --------
    >>> paper_of_line(b'{"id": "r1", "title": "LoRA", "abstract": "A."}\\n')
    Paper(id='r1', title='LoRA', abstract='A.', authors=(), date=None, url=None, source='',
          ids={}, meta={})
    >>> paper_of_line(paper_line(Paper("r1", "LoRA", "A."))) == Paper("r1", "LoRA", "A.")
    True
    """
    return Paper.from_dict(json.loads(line))


class SpooledMerge:
    """:func:`merge_papers` of a stream of records too big to hold in memory.

    Each record is written to ``spool`` (a ``papers.jsonl`` file) as it is added, and
    only its keys are kept (:class:`_Groups`: ids, strong ids, the title keys of records
    without strong ids; about 150 bytes a record). :meth:`write_to` then writes the merged
    papers, in :func:`merge_papers` order, reading the spool back: records that merge
    with no other are copied as bytes; the members of a group are read by offset and
    merged. The result is byte for byte what ``write_papers(merge_papers(records))``
    writes. After :meth:`write_to`, ``conflicts`` and ``conflict_count`` are those of
    :func:`merge_papers` (records named by the ``origin`` given to :meth:`add`).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> m = SpooledMerge(d / "spool.jsonl")
    >>> for p in (Paper("2101.00001", "One", "x", ids={"arxiv": "2101.00001"}),
    ...           Paper("b", "Two", "y"), Paper("c", "one!", "z")):
    ...     m.add(p)
    >>> m.write_to(d / "papers.jsonl"), m.merged
    (2, 1)
    >>> [json.loads(line)["id"] for line in open(d / "papers.jsonl")]
    ['2101.00001', 'b']
    """

    def __init__(self, spool: str | Path) -> None:
        self.spool = Path(spool)
        self._fh = open(self.spool, "wb")
        self._groups = _Groups()
        self._offsets = array("q", [0])
        self._origin_of = array("l")
        self._origins: dict[str, int] = {}
        self.merged = 0
        self.conflicts: list[str] = []
        self.conflict_count = 0

    def __len__(self) -> int:
        return len(self._groups)

    def add(self, paper: Paper, origin: str | None = None) -> None:
        """Add the next record (input order); ``origin`` names where it comes from."""
        line = paper_line(paper)
        self._groups.add(paper)
        self._origin_of.append(-1 if origin is None else
                               self._origins.setdefault(origin, len(self._origins)))
        self._fh.write(line)
        self._offsets.append(self._offsets[-1] + len(line))

    def _titles(self) -> Iterator[tuple[int, str]]:
        weak = self._groups.weak
        with open(self.spool, "rb") as fh:
            for i, line in enumerate(fh):
                if i not in weak:
                    yield i, json.loads(line)["title"]

    def write_to(self, dest: str | Path) -> int:
        """Write the merged papers to ``dest`` (may be the spool itself); return how many.
        The spool is removed (or becomes ``dest``)."""
        self._fh.close()
        dest = Path(dest)
        groups = self._groups
        groups.join_titles(self._titles())
        members = groups.members()
        skip = {j for group in members.values() for j in group[1:]}
        self.merged = len(skip)
        kept = len(groups) - len(skip)
        if not members:  # nothing merged: the spool is the result
            if dest != self.spool:
                os.replace(self.spool, dest)
            return kept
        out_path = dest.with_name(dest.name + ".merging") if dest == self.spool else dest
        offsets = self._offsets
        with open(self.spool, "rb") as seq, open(self.spool, "rb") as rand, \
                open(out_path, "wb") as out:
            def read(j: int) -> Paper:
                rand.seek(offsets[j])
                return paper_of_line(rand.read(offsets[j + 1] - offsets[j]))

            names = list(self._origins)
            conflicts = _Conflicts()
            for i, line in enumerate(seq):
                if i in skip:
                    continue
                group = members.get(i)
                if group is None:
                    out.write(line)
                    continue
                records = [read(j) for j in group]
                paper = _merge_group(records)
                out.write(paper_line(paper))
                conflicts.add(merge_conflicts(paper.id, records, [
                    names[self._origin_of[j]] if self._origin_of[j] >= 0 else f"record {j + 1}"
                    for j in group]))
            self.conflicts, self.conflict_count = conflicts.listed, conflicts.count
        if dest == self.spool:
            os.replace(out_path, dest)
        else:
            self.spool.unlink()
        return kept

    def close(self) -> None:
        """Close the spool without writing (e.g. on an error)."""
        self._fh.close()
