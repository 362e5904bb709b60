"""Generic JSON / JSON Lines: objects with ``id``, ``title``, ``abstract`` (or ``summary``).

Optional fields: ``authors`` (list or ``"A and B"`` / ``"A, B"`` string), ``date`` (or
``year``, ``published``...), ``url`` (or ``link``), ``doi``, ``arxiv``, ``categories``,
``keywords``, ``venue``, and kg's own ``ids`` / ``meta`` objects, so a ``papers.jsonl``
written by kg reads back as it was. An ``id`` that looks like an arXiv id or a DOI counts as
one; any other id is kept verbatim (``ids["source"]``).

Examples
--------
>>> paper = map_generic({"id": "P05-1044", "title": "T", "summary": "S."}, "jsonl")
>>> paper.id, paper.abstract, paper.ids
('P05-1044', 'S.', {'source': 'P05-1044'})
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterator, Mapping

from kg.ingest.common import (
    LINE_SUFFIXES,
    BadRecord,
    first_present,
    json_head_keys,
    looks_like_json,
    make_paper,
    read_json_records,
    split_list,
)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject, title_hash_id

ID_FIELDS = ("id", "paper_id", "paperId", "doc_key", "key", "arxiv_id")
ABSTRACT_FIELDS = ("abstract", "summary", "abstractText", "paperAbstract")
DATE_FIELDS = ("date", "published", "publishedAt", "publication_date", "publicationDate",
               "crawl_date", "update_date", "year")
URL_FIELDS = ("url", "link", "abs", "html_url")
META_FIELDS = ("categories", "keywords", "venue", "comment", "comments", "journal", "tags",
               "ai_keywords", "journal-ref", "pdf")
LIST_META = ("categories", "keywords", "tags", "ai_keywords")
KNOWN_ID_KEYS = ("arxiv", "doi", "s2", "openalex", "openreview", "hf", "source")


def _meta(record: Mapping[str, Any], reader: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    own = record.get("meta")
    if own is not None and not isinstance(own, dict):
        raise BadRecord(f"field 'meta' must be an object, got {type(own).__name__}")
    meta.update(own or {})
    for key in META_FIELDS:
        value = record.get(key)
        if value in (None, "", []):
            continue
        meta.setdefault(key, split_list(value) if key in LIST_META else value)
    source = record.get("source")
    if isinstance(source, str) and source and source != reader and "ids" in record:
        meta.setdefault("original_source", source)
    return meta


def _ids(record: Mapping[str, Any]) -> dict[str, str]:
    ids = record.get("ids")
    if ids is None:
        return {}
    if not isinstance(ids, dict):
        raise BadRecord(f"field 'ids' must be an object, got {type(ids).__name__}")
    return {str(k): str(v) for k, v in ids.items() if v not in (None, "")}


def map_generic(record: Mapping[str, Any], source: str) -> Paper:
    """One generic JSON object → :class:`Paper` (raises :class:`BadRecord`).

    Examples
    --------
    >>> p = map_generic({"id": "2106.09685v2", "title": "LoRA", "abstract": "A.",
    ...                  "authors": "E. Hu and Y. Shen", "year": 2021}, "json")
    >>> p.id, p.authors, p.date, p.ids
    ('2106.09685', ('E. Hu', 'Y. Shen'), '2021', {'arxiv': '2106.09685'})
    """
    _, own_id = first_present(record, *ID_FIELDS)
    abstract_field, abstract = first_present(record, *ABSTRACT_FIELDS)
    _, date = first_present(record, *DATE_FIELDS)
    _, url = first_present(record, *URL_FIELDS)
    ids = _ids(record)
    title = record.get("title")
    if isinstance(own_id, str) and isinstance(title, str) and own_id == title_hash_id(title):
        own_id = None  # kg's own title-hash id, not a source id
    own_key = "source"
    if own_id is not None and ids:
        own_key = next((k for k in KNOWN_ID_KEYS if ids.get(k) == str(own_id)), "source")
    return make_paper(
        source,
        title=title,
        abstract=abstract,
        authors=first_present(record, "authors", "author")[1],
        date=date,
        url=url,
        arxiv=record.get("arxiv") or ids.get("arxiv"),
        doi=record.get("doi") or ids.get("doi"),
        own_id=own_id,
        own_key=own_key,
        ids={k: v for k, v in ids.items() if k not in ("arxiv", "doi")},
        meta=_meta(record, source),
        abstract_field=abstract_field if abstract is not None else "abstract",
    )


def read_json(path: Path) -> Iterator[Paper | Reject]:
    """Read a generic JSON document (object, list or envelope) or JSON Lines file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.json"
    >>> _ = path.write_text('[{"id": "r1", "title": "LoRA", "abstract": "A."}, {"id": "r2"}]')
    >>> [r.id if isinstance(r, Paper) else r.reason for r in read_json(path)]
    ['r1', 'missing or empty title']
    """
    return read_json_records(Path(path), partial(map_generic, source="json"))


def read_jsonl(path: Path) -> Iterator[Paper | Reject]:
    """Read a generic JSON Lines file, one object per line.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.jsonl"
    >>> _ = path.write_text('{"id": "r1", "title": "LoRA", "abstract": "A."}\\n')
    >>> [(p.id, p.source, p.ids) for p in read_jsonl(path)]
    [('r1', 'jsonl', {'source': 'r1'})]
    """
    return read_json_records(Path(path), partial(map_generic, source="jsonl"))


def _sniff_generic(path: Path, head: str) -> bool:
    keys = json_head_keys(head)
    return looks_like_json(head) and "title" in keys


def _line_delimited(path: Path, head: str) -> bool:
    """JSON Lines by suffix, or by content: the first line is a whole ``{...}`` object."""
    if path.name.lower().endswith(LINE_SUFFIXES):
        return True
    first = head.lstrip().split("\n", 1)[0].strip()
    return first.startswith("{") and first.endswith("}")


JSON = Reader(
    name="json",
    read=read_json,
    sniff=lambda path, head: _sniff_generic(path, head) and (
        path.suffix.lower() == ".json" or not _line_delimited(path, head)),
    suffixes=(".json",),
    aliases=("json-document",),
    description="Generic JSON: an object, a list, or {\"papers\"|\"data\"|\"results\": [...]}; "
                "fields id, title, abstract|summary, authors, date, url",
    fallback=True,
)

JSONL = Reader(
    name="jsonl",
    read=read_jsonl,
    sniff=lambda path, head: _sniff_generic(path, head) and _line_delimited(path, head),
    suffixes=LINE_SUFFIXES,
    aliases=("json-lines", "jsonlines", "ndjson"),
    description="Generic JSON Lines: one object per line with id, title, abstract|summary, "
                "authors, date, url (also kg's own papers.jsonl)",
    fallback=True,
)
