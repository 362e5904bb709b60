"""OpenAlex works JSON: one work, a list, or a ``{"results": [...]}`` envelope.

The abstract is rebuilt from ``abstract_inverted_index``; ``id``
``https://openalex.org/W…`` → ``ids["openalex"] = "W…"``; ``doi``; ``publication_date``
(or ``publication_year``); authors from ``authorships``; an arXiv id from an arxiv.org
location when there is one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from kg.ingest.common import (
    LINE_SUFFIXES,
    MAX_TEXT_CHARS,
    BadRecord,
    json_head_keys,
    non_empty,
    looks_like_json,
    make_paper,
    read_json_records,
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject, arxiv_id

NAME = "openalex"
_PREFIX = "https://openalex.org/"
#: Most words of an abstract rebuilt from ``abstract_inverted_index``: every position must
#: be below it. Its text is also held to :data:`~kg.ingest.common.MAX_TEXT_CHARS`, checked
#: before the text is built (a small file can otherwise ask for gigabytes: one long word
#: at many positions).
MAX_ABSTRACT_WORDS = 100_000


def _shown(word: str) -> str:
    return repr(word if len(word) <= 40 else word[:39] + "…")


def rebuild_abstract(index: object) -> str:
    """The abstract text from an OpenAlex ``abstract_inverted_index``.

    Raises
    ------
    BadRecord
        If the index is not an object of position lists, a position is negative or not
        below :data:`MAX_ABSTRACT_WORDS`, or the text would hold more than
        :data:`~kg.ingest.common.MAX_TEXT_CHARS` characters.

    >>> rebuild_abstract({"Deep": [0], "nets": [1, 3], "fit": [2]})
    'Deep nets fit nets'
    >>> rebuild_abstract({"Deep": [0], "nets": [10**12]})
    Traceback (most recent call last):
    kg.ingest.common.BadRecord: abstract_inverted_index: position 1,000,000,000,000 of 'nets' is...
    """
    if index is None:
        return ""
    if not isinstance(index, dict):
        raise BadRecord(f"field 'abstract_inverted_index' must be an object, "
                        f"got {type(index).__name__}")
    slots: list[tuple[int, str]] = []
    chars = 0
    for word, positions in index.items():
        if not isinstance(positions, list) or not all(isinstance(p, int) for p in positions):
            raise BadRecord(f"abstract_inverted_index: positions of {_shown(word)} are not a "
                            "list of numbers")
        if not positions:
            continue
        for p in (min(positions), max(positions)):
            if not 0 <= p < MAX_ABSTRACT_WORDS:
                raise BadRecord(f"abstract_inverted_index: position {p:,} of {_shown(word)} is "
                                f"not between 0 and {MAX_ABSTRACT_WORDS - 1:,} "
                                "(kg.ingest.openalex.MAX_ABSTRACT_WORDS)")
        chars += (len(word) + 1) * len(positions)
        if len(slots) + len(positions) > MAX_ABSTRACT_WORDS or chars > MAX_TEXT_CHARS + 1:
            raise BadRecord(f"abstract_inverted_index: the abstract would have more than "
                            f"{MAX_ABSTRACT_WORDS:,} words or {MAX_TEXT_CHARS:,} characters "
                            "(kg.ingest.openalex.MAX_ABSTRACT_WORDS, "
                            "kg.ingest.common.MAX_TEXT_CHARS)")
        slots.extend((p, word) for p in positions)
    slots.sort()
    return " ".join(word for _, word in slots)


def _short_id(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(_PREFIX):
        return value[len(_PREFIX):]
    return value if isinstance(value, str) else None


def _location_arxiv(record: Mapping[str, Any]) -> str | None:
    locations = record.get("locations") or record.get("alternate_host_venues") or []
    for loc in locations if isinstance(locations, list) else []:
        if isinstance(loc, dict):
            for key in ("landing_page_url", "pdf_url", "url"):
                found = arxiv_id(loc.get(key)) if isinstance(loc.get(key), str) else None
                if found:
                    return found
    return None


def _venue(record: Mapping[str, Any]) -> object:
    primary = record.get("primary_location")
    if isinstance(primary, dict) and isinstance(primary.get("source"), dict):
        return primary["source"].get("display_name")
    host = record.get("host_venue")
    return host.get("display_name") if isinstance(host, dict) else None


def _concepts(record: Mapping[str, Any]) -> list[str]:
    out = []
    for item in (record.get("keywords") or []) + (record.get("concepts") or []):
        if isinstance(item, dict) and isinstance(item.get("display_name"), str):
            out.append(item["display_name"])
    return out


def map_openalex_work(record: Mapping[str, Any]) -> Paper:
    """One OpenAlex work → :class:`Paper`.

    >>> p = map_openalex_work({"id": "https://openalex.org/W1", "title": "T",
    ...     "abstract_inverted_index": {"Open": [0], "access": [1]},
    ...     "publication_year": 2018})
    >>> p.id, p.abstract, p.date
    ('W1', 'Open access', '2018')
    """
    abstract = record.get("abstract")
    if abstract is None:
        abstract = rebuild_abstract(record.get("abstract_inverted_index"))
    title = record.get("title")
    return make_paper(
        NAME,
        title=title if title is not None else record.get("display_name"),
        abstract=abstract,
        authors=record.get("authorships"),
        date=record.get("publication_date") or record.get("publication_year"),
        url=record.get("doi") or record.get("id"),
        arxiv=_location_arxiv(record),
        doi=record.get("doi"),
        own_id=_short_id(record.get("id")),
        own_key="openalex",
        meta=non_empty([
            ("type", record.get("type")),
            ("venue", _venue(record)),
            ("concepts", _concepts(record)),
            ("year", record.get("publication_year")),
            ("cited_by_count", record.get("cited_by_count")),
        ]),
    )


def read_openalex(path: Path) -> Iterator[Paper | Reject]:
    """Read OpenAlex works JSON.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "works.json"
    >>> _ = path.write_text('{"results": [{"id": "https://openalex.org/W1", "title": "T", '
    ...     '"abstract_inverted_index": {"Open": [0], "access": [1]}, "publication_year": 2018}]}')
    >>> [(p.id, p.abstract, p.date) for p in read_openalex(path)]
    [('W1', 'Open access', '2018')]
    """
    return read_json_records(Path(path), map_openalex_work)


def _sniff(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and bool(
        keys & {"abstract_inverted_index", "authorships"} or "openalex.org/W" in head
    )


READER = Reader(
    name=NAME,
    read=read_openalex,
    sniff=_sniff,
    suffixes=(".json", *LINE_SUFFIXES),
    aliases=("open-alex",),
    description="OpenAlex works JSON: one work, a list, or {\"results\": [...]}; abstract "
                "rebuilt from abstract_inverted_index",
    priority=10,
)
