"""Helpers shared by the format readers: field checks, authors, dates, JSON streaming.

Readers turn each source record into a :class:`~kg.types.Paper` with :func:`make_paper`,
which validates and cleans the fields and raises :class:`BadRecord` with a readable
reason; the reader turns that into a :class:`~kg.types.Reject` and goes on.

Examples
--------
>>> normalize_date("2025-09-04T21:26:31.000Z")
'2025-09-04'
>>> parse_authors("Ma, Xinbei and Gong, Yeyun")
('Xinbei Ma', 'Yeyun Gong')
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import parsedate
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from kg.errors import RecordError
from kg.text import clean_text, clean_title
from kg.types import Paper, Reject, arxiv_id, normalize_doi, title_hash_id

__all__ = [
    "BadRecord",
    "Failure",
    "first_present",
    "iter_json_values",
    "make_paper",
    "normalize_date",
    "parse_authors",
    "read_json_records",
    "split_list",
]

LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
ENVELOPE_KEYS = ("data", "results", "papers", "items", "records", "works")


class BadRecord(RecordError):
    """One record cannot become a paper; the message says why (internal to readers)."""


class Failure:
    """A value that could not be parsed, with the reason (yielded instead of the value)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _type_name(value: object) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def text_value(value: object, name: str, *, required: bool = False) -> str:
    """``value`` as a string, or :class:`BadRecord` naming the field when it is not text.

    Examples
    --------
    >>> text_value("Deep nets", "title")
    'Deep nets'
    >>> text_value(None, "url")
    ''
    """
    if value is None:
        if required:
            raise BadRecord(f"missing {name}")
        return ""
    if isinstance(value, str):
        return value
    raise BadRecord(f"field {name!r} must be text, got {_type_name(value)}")


def first_present(record: Mapping[str, Any], *names: str) -> tuple[str, Any]:
    """The first of ``names`` present in ``record`` with a non-null value, and that value.

    >>> first_present({"summary": "x"}, "abstract", "summary")
    ('summary', 'x')
    >>> first_present({}, "abstract", "summary")
    ('abstract', None)
    """
    for name in names:
        value = record.get(name)
        if value is not None:
            return name, value
    return names[0], None


_AND = re.compile(r"\s+and\s+|\s*;\s*|\s*&\s*")


def _flip_name(name: str) -> str:
    """``"Last, First"`` → ``"First Last"``; ``"Last, Jr., First"`` → ``"First Last Jr."``."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and parts[0] and parts[1]:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return name


def _author_name(item: object, index: int) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        for key in ("name", "display_name", "fullname", "full_name"):
            if isinstance(item.get(key), str):
                return item[key]
        if isinstance(item.get("author"), Mapping):
            return _author_name(item["author"], index)
        if isinstance(item.get("given"), str) or isinstance(item.get("family"), str):
            return f"{item.get('given') or ''} {item.get('family') or ''}"
    if isinstance(item, (list, tuple)) and item and all(isinstance(x, str) for x in item):
        last, first = item[0], item[1] if len(item) > 1 else ""
        suffix = item[2] if len(item) > 2 else ""
        return " ".join(x for x in (first, last, suffix) if x)
    raise BadRecord(f"author {index + 1} must be a name or an object with 'name', "
                    f"got {_type_name(item)}")


def _split_author_string(text: str) -> list[str]:
    """Split an author string; ``"Last, First"`` parts (one comma each) are flipped."""
    parts = [p for p in _AND.split(text) if p.strip()]
    if len(parts) > 1 and all(p.count(",") == 1 for p in parts):
        return [_flip_name(p) for p in parts]
    if len(parts) == 1 and text.count(",") == 1 and " " not in text.split(",")[0].strip():
        return [_flip_name(text)]  # "Lemire, Daniel"
    return [name for p in parts for name in p.split(",")]


def parse_authors(value: object) -> tuple[str, ...]:
    """Author names from a list (of names, ``{"name"}`` objects or ``[last, first]`` pairs)
    or a string (``"A and B"``, ``"A, B"``, ``"Last, First and Last, First"``).

    >>> parse_authors(["Ada Lovelace", {"name": "Alan Turing"}])
    ('Ada Lovelace', 'Alan Turing')
    >>> parse_authors("A. One, B. Two and C. Three")
    ('A. One', 'B. Two', 'C. Three')
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        names = _split_author_string(clean_title(value))
    elif isinstance(value, (list, tuple)):
        names = [_author_name(item, i) for i, item in enumerate(value)]
    else:
        raise BadRecord(f"field 'authors' must be a list or a string, got {_type_name(value)}")
    return tuple(n for n in (clean_title(x) for x in names) if n)


_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?=$|[T\s])")
_WORDY = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$")


def month_number(value: object) -> int | None:
    """1–12 for ``"dec"``, ``"December"``, ``"12"`` or ``12``; ``None`` otherwise.

    >>> month_number("Dec"), month_number("7"), month_number("smarch")
    (12, 7, None)
    """
    if isinstance(value, int):
        return value if 1 <= value <= 12 else None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text.isdigit():
        return month_number(int(text))
    return _MONTHS.get(text[:3]) if text[:3] in _MONTHS and text.isalpha() else None


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    if not 1000 <= year <= 2999:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        datetime(year, month, day)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def normalize_date(value: object, month: object = None) -> str | None:
    """An ISO date ``YYYY-MM-DD`` (or ``YYYY-MM`` / ``YYYY`` when that is all there is).

    Accepts ISO strings and timestamps, RFC 2822 dates, ``"11 Jan 2021"``,
    ``"January 2021"``, a year number, or a year with a separate ``month``.
    Anything else gives ``None``.

    >>> normalize_date("Mon, 11 Jan 2021 20:31:27 GMT")
    '2021-01-11'
    >>> normalize_date(2023, month="dec"), normalize_date("1950")
    ('2023-12', '1950')
    >>> normalize_date("not a date") is None
    True
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _iso(value, month_number(month)) if month is not None else _iso(value)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _ISO.match(text)
    if match:
        y, m, d = (int(g) if g else None for g in match.groups())
        if m is None and month is not None:
            m = month_number(month)
        return _iso(y, m, d)
    match = _WORDY.match(text)
    if match and month_number(match.group(2)):
        day = match.group(1) or match.group(3)
        return _iso(int(match.group(4)), month_number(match.group(2)), int(day) if day else None)
    parsed = parsedate(text)
    if parsed:
        return _iso(parsed[0], parsed[1], parsed[2])
    return None


def split_list(value: object) -> list[str]:
    """Keywords or categories as a list: a list stays, a string splits on ``,`` / ``;``.

    >>> split_list("deep learning; GANs, few-shot")
    ['deep learning', 'GANs', 'few-shot']
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [p for p in (x.strip() for x in re.split(r"[;,]", value)) if p]
    if isinstance(value, (list, tuple)):
        return [clean_title(str(x)) for x in value if x is not None and str(x).strip()]
    return [str(value)]


def make_paper(
    source: str,
    *,
    title: object,
    abstract: object,
    authors: object = None,
    date: object = None,
    url: object = None,
    arxiv: object = None,
    doi: object = None,
    own_id: object = None,
    own_key: str = "source",
    ids: Mapping[str, object] | None = None,
    meta: Mapping[str, Any] | None = None,
    title_field: str = "title",
    abstract_field: str = "abstract",
) -> Paper:
    """Validate and clean one record's fields into a :class:`Paper`.

    ``own_id`` (the source's own id) counts as the arXiv id when it looks like one, as
    the DOI when it looks like one, and is kept verbatim under ``ids[own_key]`` otherwise.

    Raises
    ------
    BadRecord
        When the title or abstract is missing, empty or not text, or a field has the
        wrong type.

    >>> p = make_paper("jsonl", title="T", abstract="A.", own_id="2101.11408v2")
    >>> p.id, p.ids
    ('2101.11408', {'arxiv': '2101.11408'})
    >>> make_paper("jsonl", title=7, abstract="A.")
    Traceback (most recent call last):
    kg.ingest.common.BadRecord: field 'title' must be text, got a number
    """
    clean_t = clean_title(text_value(title, title_field))
    if not clean_t:
        raise BadRecord(f"missing or empty {title_field}")
    clean_a = clean_text(text_value(abstract, abstract_field))
    if not clean_a:
        raise BadRecord(f"missing or empty {abstract_field}")
    all_ids = {k: str(v).strip() for k, v in (ids or {}).items() if v not in (None, "")}
    a = arxiv_id(arxiv) if isinstance(arxiv, str) else None
    d = normalize_doi(doi) if isinstance(doi, str) else None
    own = str(own_id).strip() if isinstance(own_id, (str, int)) and not isinstance(own_id, bool) else ""
    if own:
        own_arxiv = arxiv_id(own)
        own_doi = None if own_arxiv else normalize_doi(own)
        if own_arxiv or own_doi:
            a, d = a or own_arxiv, d or own_doi
        else:
            all_ids.setdefault(own_key, own)
    if a:
        all_ids["arxiv"] = a
    if d:
        all_ids["doi"] = d
    # kg.types.stable_id's precedence, without normalizing the ids a second time
    paper_id = a or d or own or title_hash_id(clean_t)
    return Paper(
        id=paper_id,
        title=clean_t,
        abstract=clean_a,
        authors=parse_authors(authors),
        date=normalize_date(date),
        url=clean_title(text_value(url, "url")) or None,
        source=source,
        ids=all_ids,
        meta={k: v for k, v in (meta or {}).items() if v not in (None, "", [], {})},
    )


# ---------------------------------------------------------------- JSON streaming


def _decode_line(raw: bytes, offset: int) -> str | Failure:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1]
        return Failure(
            f"invalid UTF-8 (byte 0x{bad.hex()} at byte {exc.start} of the line, "
            f"byte offset {offset + exc.start} in the file)"
        )


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: object, where: str = "") -> str | None:
    """Where the first lone surrogate in a parsed JSON value is, and which it is, as
    ``'"\\ud800" in "title"'``; None if every string is valid Unicode.

    >>> _lone_surrogate({"title": "ok", "authors": ["A \\udc01 B"]})
    '"\\\\udc01" in "authors[1]"'
    >>> _lone_surrogate({"title": "emoji \\U0001F600"}) is None
    True
    """
    if isinstance(value, str):
        m = _LONE_SURROGATE.search(value)
        return f'"\\u{ord(m.group()):04x}" in "{where or "value"}"' if m else None
    if isinstance(value, dict):
        for key, item in value.items():
            hit = _lone_surrogate(key, where or "a key") or \
                _lone_surrogate(item, f"{where}.{key}" if where else str(key))
            if hit:
                return hit
    elif isinstance(value, list):
        for i, item in enumerate(value, 1):
            hit = _lone_surrogate(item, f"{where}[{i}]")
            if hit:
                return hit
    return None


def _valid_text(item: object, raw: str) -> object:
    """``item``, or a :class:`Failure` if the JSON escaped half a UTF-16 pair
    (``"\\ud800"``): such a string is not Unicode text, as invalid UTF-8 is not (only
    records whose raw text has a surrogate escape are walked)."""
    if not _SURROGATE_ESCAPE.search(raw):
        return item
    hit = _lone_surrogate(item)
    if hit is None:
        return item
    return Failure(f"lone surrogate escape {hit}: half of a UTF-16 pair, not a character")


def _json_failure(exc: json.JSONDecodeError, text: str) -> Failure:
    where = f"{exc.msg}{'' if exc.msg.endswith(' at') else ' at'} column {exc.colno}"
    if exc.pos >= len(text.rstrip()) or "Unterminated string" in exc.msg:
        return Failure(f"truncated JSON: {where}")
    return Failure(f"invalid JSON: {where}")


def unwrap(value: object) -> list[object] | None:
    """The records in a parsed JSON value: a list, an envelope's list, or one object.

    Examples
    --------
    >>> unwrap({"data": [{"title": "A"}, {"title": "B"}]})
    [{'title': 'A'}, {'title': 'B'}]
    >>> unwrap({"title": "A"})
    [{'title': 'A'}]
    >>> unwrap(3) is None
    True
    """
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if "title" not in value:
            for key in ENVELOPE_KEYS:
                if isinstance(value.get(key), list):
                    return value[key]
        return [value]
    return None


def _iter_lines(path: Path) -> Iterator[tuple[str, object]]:
    offset = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            start, offset = offset, offset + len(raw)
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw, start = raw[3:], start + 3
            if not raw.strip():
                continue
            loc = f"line {lineno}"
            text = _decode_line(raw.rstrip(b"\r\n"), start)
            if isinstance(text, Failure):
                yield loc, text
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield loc, _json_failure(exc, text)
                continue
            items = unwrap(value)
            if items is None:
                yield loc, Failure(f"expected a JSON object, got {_type_name(value)}")
            elif len(items) == 1 and items[0] is value:
                yield loc, _valid_text(value, text)
            else:
                for i, item in enumerate(items, 1):
                    yield f"{loc}, item {i}", _valid_text(item, text)


def _iter_document(path: Path) -> Iterator[tuple[str, object]]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield f"line {line}", Failure(
            f"invalid UTF-8 (byte 0x{data[exc.start:exc.start + 1].hex()} at byte offset "
            f"{exc.start} in the file); the JSON document cannot be read")
        return
    if not text.strip():
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Extra data"):
            yield from _iter_lines(path)  # JSON Lines saved under a .json name
            return
        yield f"line {exc.lineno}", _json_failure(exc, text)
        return
    items = unwrap(value)
    if items is None:
        yield "record 1", Failure(f"expected a JSON object or list, got {_type_name(value)}")
        return
    for i, item in enumerate(items, 1):
        yield f"record {i}", _valid_text(item, text)


def iter_json_values(path: Path) -> Iterator[tuple[str, object]]:
    """``(location, value)`` for every record of a JSON or JSON Lines file.

    JSON Lines (by suffix) stream line by line from bytes, so a bad line (invalid UTF-8,
    invalid or truncated JSON) becomes a :class:`Failure` and the next lines still read.
    A JSON document may be one object, a list, or an envelope (``{"data": [...]}``,
    ``{"results": [...]}``...).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "in.jsonl"
    >>> _ = path.write_text('{"title": "A"}\\nnot json\\n')
    >>> [(loc, getattr(v, "reason", v)) for loc, v in iter_json_values(path)]
    [('line 1', {'title': 'A'}), ('line 2', 'invalid JSON: Expecting value at column 1')]
    """
    if path.name.lower().endswith(LINE_SUFFIXES):
        return _iter_lines(path)
    return _iter_document(path)


Mapper = Callable[[Mapping[str, Any]], Paper]


def read_json_records(path: Path, mapper: Mapper) -> Iterator[Paper | Reject]:
    """Map every JSON record of ``path`` through ``mapper``; bad ones become rejects.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "in.jsonl"
    >>> _ = path.write_text('{"title": "A", "abstract": "B."}\\n{"title": "C"}\\n')
    >>> mapper = lambda r: make_paper("jsonl", title=r.get("title"), abstract=r.get("abstract"))
    >>> for r in read_json_records(path, mapper):
    ...     print(r.title if isinstance(r, Paper) else r.reason)
    A
    missing or empty abstract
    """
    where = str(path)
    for loc, value in iter_json_values(path):
        if isinstance(value, Failure):
            yield Reject(where, loc, value.reason)
        elif not isinstance(value, dict):
            yield Reject(where, loc, f"expected a JSON object, got {_type_name(value)}")
        else:
            try:
                yield mapper(value)
            except BadRecord as exc:
                yield Reject(where, loc, str(exc))


def json_head_keys(head: str) -> set[str]:
    """Keys quoted as ``"key":`` in the first few KB of a JSON file (for sniffing).

    Examples
    --------
    >>> sorted(json_head_keys('[{"title": "A", "abstract": "B'))
    ['abstract', 'title']
    """
    return set(re.findall(r'"([A-Za-z_][\w-]*)"\s*:', head))


def looks_like_json(head: str) -> bool:
    """Whether the first few KB of a file start like a JSON document (for sniffing).

    Examples
    --------
    >>> looks_like_json('  [{"title": "A"}]'), looks_like_json("title,abstract")
    (True, False)
    """
    return head.lstrip()[:1] in ("{", "[")


def clean_opt(value: object) -> object:
    """:func:`~kg.text.clean_text` for text, anything else unchanged (for ``meta`` values).

    Examples
    --------
    >>> clean_opt("NLP &amp;\\nvision"), clean_opt(3)
    ('NLP & vision', 3)
    """
    return clean_text(value) if isinstance(value, str) else value


def non_empty(values: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A dict of the pairs whose value is not empty.

    Examples
    --------
    >>> non_empty([("a", 1), ("b", ""), ("c", []), ("d", 0)])
    {'a': 1, 'd': 0}
    """
    return {k: v for k, v in values if v not in (None, "", [], {}, ())}
