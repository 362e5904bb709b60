"""Semantic Scholar Graph API JSON: one paper, a list, or a ``{"data": [...]}`` envelope.

``paperId`` → ``ids["s2"]``; ``externalIds`` ``ArXiv`` / ``DOI``; ``publicationDate`` or
``year`` → date; ``venue``, ``year``, ``fieldsOfStudy``, ``tldr`` go to ``meta``. Nested
``citations`` / ``references`` are not read as papers.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from kg.ingest.common import (
    LINE_SUFFIXES,
    BadRecord,
    json_head_keys,
    non_empty,
    looks_like_json,
    make_paper,
    read_json_records,
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject

NAME = "semantic-scholar"


def _external(record: Mapping[str, Any]) -> Mapping[str, Any]:
    ext = record.get("externalIds") or {}
    if not isinstance(ext, dict):
        raise BadRecord(f"field 'externalIds' must be an object, got {type(ext).__name__}")
    return ext


def _name(value: object) -> object:
    return value.get("name") if isinstance(value, dict) else None


def map_s2_paper(record: Mapping[str, Any]) -> Paper:
    """One Semantic Scholar paper → :class:`Paper`.

    >>> p = map_s2_paper({"paperId": "2d56", "title": "Computing Machinery and Intelligence",
    ...     "abstract": "I propose.", "externalIds": {"DOI": "10.1093/MIND/LIX.236.433"},
    ...     "year": 1950, "authors": [{"name": "A. Turing"}]})
    >>> p.id, p.ids["s2"], p.date
    ('10.1093/mind/lix.236.433', '2d56', '1950')
    """
    ext = _external(record)
    tldr = record.get("tldr")
    return make_paper(
        NAME,
        title=record.get("title"),
        abstract=record.get("abstract"),
        authors=record.get("authors"),
        date=record.get("publicationDate") or record.get("year"),
        url=record.get("url"),
        arxiv=ext.get("ArXiv"),
        doi=ext.get("DOI"),
        own_id=record.get("paperId"),
        own_key="s2",
        meta=non_empty([
            ("venue", record.get("venue") or _name(record.get("journal"))),
            ("year", record.get("year")),
            ("fields_of_study", record.get("fieldsOfStudy")),
            ("tldr", tldr.get("text") if isinstance(tldr, dict) else None),
            ("citation_count", record.get("citationCount")),
            ("publication_types", record.get("publicationTypes")),
            ("corpus_id", record.get("corpusId") or ext.get("CorpusId")),
        ]),
    )


def read_semantic_scholar(path: Path) -> Iterator[Paper | Reject]:
    """Read Semantic Scholar Graph API JSON.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "s2.json"
    >>> _ = path.write_text('{"data": [{"paperId": "2d56", "title": "T", "abstract": "A.", '
    ...                     '"year": 1950}, {"paperId": "9f1e", "title": "U"}]}')
    >>> [r.id if isinstance(r, Paper) else r.reason for r in read_semantic_scholar(path)]
    ['2d56', 'missing or empty abstract']
    """
    return read_json_records(Path(path), map_s2_paper)


def _sniff(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and bool(keys & {"paperId", "externalIds"})


READER = Reader(
    name=NAME,
    read=read_semantic_scholar,
    sniff=_sniff,
    suffixes=(".json", *LINE_SUFFIXES),
    aliases=("s2", "semanticscholar"),
    description="Semantic Scholar Graph API JSON: one paper, a list, or {\"data\": [...]}",
    priority=10,
)
