"""arXiv bulk metadata JSON Lines (the Kaggle / OAI snapshot layout).

Fields: ``id``, ``submitter``, ``authors`` (one string), ``authors_parsed`` (``[last,
first, suffix]`` lists), ``title``, ``comments``, ``journal-ref``, ``doi``, ``categories``
(space-separated string), ``abstract``, ``versions`` (``created`` RFC 2822 dates) and
``update_date``. The date is the first version's.
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
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject

NAME = "arxiv-oai"


def _first_version_date(record: Mapping[str, Any]) -> object:
    versions = record.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return versions[0].get("created") or record.get("update_date")
    return record.get("update_date")


def _categories(value: object) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value] if isinstance(value, list) else []


def map_arxiv_oai(record: Mapping[str, Any]) -> Paper:
    """One arXiv metadata object → :class:`Paper`.

    >>> p = map_arxiv_oai({"id": "2101.11408", "title": "T", "abstract": "A.",
    ...     "authors": "Daniel Lemire", "authors_parsed": [["Lemire", "Daniel", ""]],
    ...     "versions": [{"created": "Mon, 11 Jan 2021 20:31:27 GMT", "version": "v1"}]})
    >>> p.authors, p.date
    (('Daniel Lemire',), '2021-01-11')
    """
    own = record.get("id")
    versions = record.get("versions")
    return make_paper(
        NAME,
        title=record.get("title"),
        abstract=record.get("abstract"),
        authors=record.get("authors_parsed") or record.get("authors"),
        date=_first_version_date(record),
        url=f"https://arxiv.org/abs/{own}" if isinstance(own, str) else None,
        own_id=own,
        doi=record.get("doi"),
        meta=non_empty([
            ("categories", _categories(record.get("categories"))),
            ("comment", clean_opt(record.get("comments"))),
            ("journal_ref", clean_opt(record.get("journal-ref"))),
            ("license", record.get("license")),
            ("update_date", record.get("update_date")),
            ("versions", [v.get("version") for v in versions if isinstance(v, dict)]
             if isinstance(versions, list) else None),
        ]),
    )


def read_arxiv_oai(path: Path) -> Iterator[Paper | Reject]:
    """Read an arXiv bulk-metadata JSON Lines file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "oai.jsonl"
    >>> _ = path.write_text('{"id": "2101.11408", "title": "T", "abstract": "A.", '
    ...                     '"update_date": "2021-01-12"}\\n')
    >>> [(p.id, p.date, p.url) for p in read_arxiv_oai(path)]
    [('2101.11408', '2021-01-12', 'https://arxiv.org/abs/2101.11408')]
    """
    return read_json_records(Path(path), map_arxiv_oai)


def _sniff(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and (
        "authors_parsed" in keys or ({"submitter", "versions"} <= keys)
    )


READER = Reader(
    name=NAME,
    read=read_arxiv_oai,
    sniff=_sniff,
    suffixes=(*LINE_SUFFIXES, ".json"),
    aliases=("arxiv-kaggle", "arxiv-metadata", "oai"),
    description="arXiv bulk metadata JSON Lines (Kaggle/OAI snapshot): authors string, "
                "authors_parsed, versions, doi, categories string",
    priority=10,
)
