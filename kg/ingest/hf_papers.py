"""Hugging Face papers API JSON.

Accepts a daily-papers list (``[{"paper": {...}, ...}, ...]``), bare paper objects (a list
or JSON Lines) or one paper object. The paper ``id`` is its arXiv id; ``summary`` is the
abstract, ``publishedAt`` the date, ``authors`` a list of ``{"name"}``; ``ai_keywords`` and
``ai_summary`` are kept in ``meta``.
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
    split_list,
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject

NAME = "hf-papers"


def _flatten(record: Mapping[str, Any]) -> Mapping[str, Any]:
    inner = record.get("paper")
    if inner is None:
        return record
    if not isinstance(inner, dict):
        raise BadRecord(f"field 'paper' must be an object, got {type(inner).__name__}")
    return {**record, **inner}


def map_hf_paper(record: Mapping[str, Any]) -> Paper:
    """One Hugging Face paper (or daily-papers item) → :class:`Paper`.

    >>> p = map_hf_paper({"paper": {"id": "2509.04664", "title": "Why LMs Hallucinate",
    ...     "summary": "Like students.", "authors": [{"name": "A. Kalai"}],
    ...     "publishedAt": "2025-09-04T21:26:31.000Z", "ai_keywords": ["hallucinations"]}})
    >>> p.id, p.ids["hf"], p.date, p.meta["ai_keywords"]
    ('2509.04664', '2509.04664', '2025-09-04', ['hallucinations'])
    """
    rec = _flatten(record)
    own = rec.get("id")
    return make_paper(
        NAME,
        title=rec.get("title"),
        abstract=rec.get("summary", rec.get("abstract")),
        abstract_field="summary" if "summary" in rec else "abstract",
        authors=rec.get("authors"),
        date=rec.get("publishedAt"),
        url=f"https://huggingface.co/papers/{own}" if isinstance(own, str) else None,
        own_id=own,
        own_key="hf",
        ids={"hf": own if isinstance(own, str) else None},
        meta=non_empty([
            ("ai_keywords", split_list(rec.get("ai_keywords"))),
            ("ai_summary", rec.get("ai_summary")),
            ("upvotes", rec.get("upvotes")),
            ("github", rec.get("githubRepo")),
            ("project_page", rec.get("projectPage")),
            ("submitted_on_daily", rec.get("submittedOnDailyAt")),
        ]),
    )


def read_hf_papers(path: Path) -> Iterator[Paper | Reject]:
    """Read Hugging Face papers API JSON (list, daily list, one object, or JSON Lines).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "daily.json"
    >>> _ = path.write_text('[{"paper": {"id": "2509.04664", "title": "Why LMs Hallucinate", '
    ...                     '"summary": "Like students."}}]')
    >>> [(p.id, p.url) for p in read_hf_papers(path)]
    [('2509.04664', 'https://huggingface.co/papers/2509.04664')]
    """
    return read_json_records(Path(path), map_hf_paper)


def _sniff(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and bool(
        keys & {"ai_keywords", "submittedOnDailyAt", "submittedOnDailyBy"}
        or ({"paper", "publishedAt"} <= keys)
        or ({"publishedAt", "summary", "upvotes"} <= keys)
    )


READER = Reader(
    name=NAME,
    read=read_hf_papers,
    sniff=_sniff,
    suffixes=(".json", *LINE_SUFFIXES),
    aliases=("hf", "huggingface", "hf-api", "hf-daily-api"),
    description="Hugging Face papers API JSON: [{\"paper\": {...}}], paper objects or one object "
                "(summary, publishedAt, authors [{name}], ai_keywords)",
    priority=10,
)
