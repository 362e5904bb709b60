"""arXiv listing JSON Lines (the ``../shared/data/arxiv-cs`` layout).

One object per line: ``id`` (arXiv id), ``pdf``, ``abs``, ``authors`` (list), ``title``,
``categories`` (list), ``comment``, ``summary`` (the abstract, hard-wrapped) and
``crawl_date`` (the listing day, the only date given).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from kg.ingest.common import (
    clean_opt,
    LINE_SUFFIXES,
    json_head_keys,
    non_empty,
    looks_like_json,
    make_paper,
    read_json_records,
    split_list,
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject

NAME = "arxiv-cs"


def map_arxiv_cs(record: Mapping[str, Any]) -> Paper:
    """One arxiv-cs listing object → :class:`Paper`.

    >>> p = map_arxiv_cs({"id": "2503.11677", "title": "T", "summary": "Line\\none.",
    ...                   "authors": ["A B"], "crawl_date": "2025-03-18"})
    >>> p.id, p.abstract, p.date, p.url
    ('2503.11677', 'Line one.', '2025-03-18', 'https://arxiv.org/abs/2503.11677')
    """
    own = record.get("id")
    url = record.get("abs") or (f"https://arxiv.org/abs/{own}" if isinstance(own, str) else None)
    return make_paper(
        NAME,
        title=record.get("title"),
        abstract=record.get("summary", record.get("abstract")),
        abstract_field="summary" if "summary" in record else "abstract",
        authors=record.get("authors"),
        date=record.get("crawl_date") or record.get("date"),
        url=url,
        own_id=own,
        meta=non_empty([
            ("categories", split_list(record.get("categories"))),
            ("comment", clean_opt(record.get("comment"))),
            ("pdf", record.get("pdf")),
        ]),
    )


def read_arxiv_cs(path: Path) -> Iterator[Paper | Reject]:
    """Read an arxiv-cs JSON Lines file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "cs.jsonl"
    >>> _ = path.write_text('{"id": "2503.11677", "title": "T", "summary": "S.", '
    ...                     '"crawl_date": "2025-03-18"}\\n')
    >>> [(p.id, p.date) for p in read_arxiv_cs(path)]
    [('2503.11677', '2025-03-18')]
    """
    return read_json_records(Path(path), map_arxiv_cs)


def _sniff(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and ("crawl_date" in keys or {"summary", "abs", "pdf"} <= keys)


READER = Reader(
    name=NAME,
    read=read_arxiv_cs,
    sniff=_sniff,
    suffixes=(*LINE_SUFFIXES, ".json"),
    aliases=("arxiv-listing", "arxiv-daily"),
    description="arXiv listing JSON Lines: id, title, summary, authors list, categories list, "
                "crawl_date (the ../shared/data/arxiv-cs layout)",
    priority=10,
)
