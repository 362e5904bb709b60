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

import codecs
import io
import itertools
import json
import re
from datetime import datetime
from email.utils import parsedate
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Mapping

from kg.errors import RecordError
from kg.text import clean_text, clean_title
from kg.types import Paper, Reject, arxiv_id, normalize_doi, title_hash_id

__all__ = [
    "MAX_JSON_DEPTH",
    "MAX_TEXT_CHARS",
    "BadFile",
    "BadRecord",
    "Failure",
    "first_present",
    "iter_json_values",
    "make_paper",
    "normalize_date",
    "open_source",
    "parse_authors",
    "read_json_records",
    "read_source_text",
    "sniff_encoding",
    "split_list",
]

LINE_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
ENVELOPE_KEYS = ("data", "results", "papers", "items", "records", "works")

#: Most characters of a paper's title and abstract together (after clean-up). A longer
#: record is rejected at ingest, naming its place, its length and this limit. Real
#: abstracts are under 10,000 characters; 100,000 leaves a wide margin, and stays far below
#: spaCy's ``nlp.max_length`` (1,000,000), beyond which extraction cannot run at all.
MAX_TEXT_CHARS = 100_000
#: Deepest nesting of lists and objects in one JSON record (real records nest about 5
#: deep). A deeper record is rejected: deep enough, it would break Python's recursion
#: limit when parsed or written back.
MAX_JSON_DEPTH = 64
#: URL schemes kept in a paper's ``url``; any other URL (``javascript:``, ``data:``,
#: ``ftp:``, no scheme) is moved to ``meta["unsafe_url"]`` so that no exporter makes
#: it a link.
URL_SCHEMES = ("http://", "https://")


class BadRecord(RecordError):
    """One record cannot become a paper; the message says why (internal to readers)."""


class BadFile(BadRecord):
    """A whole file cannot be read (e.g. an invalid UTF-16 sequence); ``location`` says
    where. :func:`kg.ingest.iter_records` turns it into one reject."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(reason)
        self.location = location
        self.reason = reason


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

    A ``url`` is kept only when it is ``http(s)://``; any other (``javascript:``,
    ``data:``, no scheme) goes to ``meta["unsafe_url"]`` instead (:data:`URL_SCHEMES`).

    Raises
    ------
    BadRecord
        When the title or abstract is missing, empty or not text, a field has the wrong
        type, or the title and abstract are longer than :data:`MAX_TEXT_CHARS` together.

    >>> p = make_paper("jsonl", title="T", abstract="A.", own_id="2101.11408v2")
    >>> p.id, p.ids
    ('2101.11408', {'arxiv': '2101.11408'})
    >>> make_paper("jsonl", title=7, abstract="A.")
    Traceback (most recent call last):
    kg.ingest.common.BadRecord: field 'title' must be text, got a number
    >>> make_paper("jsonl", title="T", abstract="word " * 30_000)
    Traceback (most recent call last):
    kg.ingest.common.BadRecord: title and abstract are 150,000 characters together (50,000 over...
    >>> p = make_paper("jsonl", title="T", abstract="A.", url="javascript:alert(1)")
    >>> p.url, p.meta
    (None, {'unsafe_url': 'javascript:alert(1)'})
    """
    raw_t, raw_a = text_value(title, title_field), text_value(abstract, abstract_field)
    if len(raw_t) + len(raw_a) > 4 * MAX_TEXT_CHARS:  # too long to be worth cleaning
        raise BadRecord(_too_long(len(raw_t) + len(raw_a), " before clean-up"))
    clean_t = clean_title(raw_t)
    if not clean_t:
        raise BadRecord(f"missing or empty {title_field}")
    clean_a = clean_text(raw_a)
    if not clean_a:
        raise BadRecord(f"missing or empty {abstract_field}")
    if len(clean_t) + len(clean_a) > MAX_TEXT_CHARS:
        raise BadRecord(_too_long(len(clean_t) + len(clean_a)))
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
    clean_meta = {k: v for k, v in (meta or {}).items() if v not in (None, "", [], {})}
    clean_url = clean_title(text_value(url, "url")) or None
    if clean_url and not clean_url.lower().startswith(URL_SCHEMES):
        clean_meta.setdefault("unsafe_url", clean_url)
        clean_url = None
    return Paper(
        id=paper_id,
        title=clean_t,
        abstract=clean_a,
        authors=parse_authors(authors),
        date=normalize_date(date),
        url=clean_url,
        source=source,
        ids=all_ids,
        meta=clean_meta,
    )


def _too_long(chars: int, when: str = "") -> str:
    return (f"title and abstract are {chars:,} characters together{when} "
            f"({chars - MAX_TEXT_CHARS:,} over the limit of {MAX_TEXT_CHARS:,}, "
            "kg.ingest.common.MAX_TEXT_CHARS); not a paper abstract")


# ---------------------------------------------------------------- files and encodings

#: Byte-order marks and the encodings they name (UTF-32 first: its LE mark starts with
#: UTF-16's).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a file from its first bytes, and the length of its byte-order mark.

    A BOM names UTF-8, UTF-16 or UTF-32; without one, text whose first two characters
    are ASCII with a NUL byte beside each is UTF-16 (little- or big-endian); anything
    else is UTF-8.

    Examples
    --------
    >>> sniff_encoding(b"\\xff\\xfe{\\x00")
    ('utf-16-le', 2)
    >>> sniff_encoding(b"\\x00@\\x00a"), sniff_encoding(b'{"a": 1}')
    (('utf-16-be', 0), ('utf-8', 0))
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3]:
        return "utf-16-le", 0
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3]:
        return "utf-16-be", 0
    return "utf-8", 0


def open_source(path: Path) -> BinaryIO:
    """``path`` opened for reading as UTF-8 bytes: the one place where readers open files.

    A UTF-8 file (with or without a BOM) is the file itself, so byte offsets in messages
    are offsets in the file. A UTF-16 or UTF-32 file (:func:`sniff_encoding`) is decoded
    and handed over as UTF-8 bytes without its BOM (held in memory; its
    ``transcoded_from`` attribute names the encoding).

    Raises
    ------
    BadFile
        If a UTF-16/32 file holds an invalid sequence (then the file is unreadable as a
        whole: one such error shifts every character after it).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "refs.bib"
    >>> _ = path.write_bytes("@misc{k, title={Gödel}}".encode("utf-16"))
    >>> with open_source(path) as fh:
    ...     fh.read().decode(), fh.transcoded_from
    ('@misc{k, title={Gödel}}', 'utf-16-le')
    """
    fh = open(path, "rb")
    codec, bom = sniff_encoding(fh.read(4))
    fh.seek(0)
    if codec == "utf-8":
        return fh
    with fh:
        data = fh.read()
    try:
        text = data[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        line = data[bom:bom + exc.start].decode(codec, "replace").count("\n") + 1
        raise BadFile(f"line {line}", f"invalid {codec.upper()[:6]} (bytes "
                      f"{data[bom + exc.start:bom + exc.end].hex(' ')} at byte offset "
                      f"{bom + exc.start}: {exc.reason}); the file cannot be read") from None
    out = io.BytesIO(text.encode("utf-8", "surrogatepass"))
    out.transcoded_from = codec  # type: ignore[attr-defined]
    return out


def read_source_text(path: Path) -> str:
    """The text of ``path`` (:func:`open_source`), invalid UTF-8 bytes kept as lone
    surrogates (``errors="surrogateescape"``: byte ``0xE9`` is ``"\\udce9"``) for the
    reader to reject the record that holds one; a leading BOM is dropped.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "page.txt"
    >>> _ = path.write_bytes(b"\\xef\\xbb\\xbfcaf\\xe9")
    >>> read_source_text(path)
    'caf\\udce9'
    """
    with open_source(path) as fh:
        data = fh.read()
    return data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")


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
_BAD_BYTE = re.compile("[\udc80-\udcff]")
_DEEP = (f"JSON nested more than {MAX_JSON_DEPTH} levels deep "
         "(kg.ingest.common.MAX_JSON_DEPTH); not a paper record")


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


def _too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether lists and objects nest more than ``limit`` deep in ``value`` (iterative,
    so that no depth breaks it).

    >>> _too_deep([[1]], 2), _too_deep([[[1]]], 2)
    (False, True)
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _checked(item: object, brackets: int, escapes: bool) -> object:
    """``item``, or a :class:`Failure` if it nests deeper than :data:`MAX_JSON_DEPTH` or
    its JSON escaped half a UTF-16 pair (``"\\ud800"``): such a string is not Unicode
    text, as invalid UTF-8 is not. ``brackets`` counts the ``[`` and ``{`` of the JSON
    text holding the item (they bound its depth, so most records are not walked);
    ``escapes`` says whether that text has a surrogate escape (only then is the item
    searched)."""
    if isinstance(item, (dict, list)) and brackets > MAX_JSON_DEPTH and _too_deep(item):
        return Failure(_DEEP)
    if not escapes:
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
    with open_source(path) as fh:
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
            except RecursionError:
                yield loc, Failure(_DEEP)
                continue
            escapes = bool(_SURROGATE_ESCAPE.search(text))
            brackets = text.count("[") + text.count("{")
            items = unwrap(value)
            if items is None:
                yield loc, Failure(f"expected a JSON object, got {_type_name(value)}")
            elif len(items) == 1 and items[0] is value:
                yield loc, _checked(value, brackets, escapes)
            else:
                for i, item in enumerate(items, 1):
                    yield f"{loc}, item {i}", _checked(item, brackets, escapes)


_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
#: Where the next record of a list of objects may start, after a broken one.
_NEXT_OBJECT = re.compile(r",[ \t\n\r]*(\{)")
#: Keys that make an object a record when no good record shows what records hold.
_RECORD_KEYS = frozenset({"title", "paper", "display_name"})


class _Places:
    """Line numbers and byte offsets of positions in a document's text (counted forward
    from the last position asked, so a pass over the document stays linear)."""

    def __init__(self, text: str, skipped: int, exact_bytes: bool) -> None:
        self.text, self.exact, self.skipped = text, exact_bytes, skipped
        self.pos, self.line, self.byte = 0, 1, skipped

    def at(self, pos: int) -> tuple[int, int]:
        if pos < self.pos:
            self.pos, self.line, self.byte = 0, 1, self.skipped
        chunk = self.text[self.pos:pos]
        self.line += chunk.count("\n")
        self.byte += len(chunk.encode("utf-8", "surrogateescape"))
        self.pos = pos
        return self.line, self.byte

    def describe(self, pos: int) -> str:
        line, byte = self.at(pos)
        return f"line {line}, byte offset {byte}" if self.exact else f"line {line}"


class _Document:
    """A JSON document read record by record, for when it does not parse as a whole:
    every complete record of its list (or of its envelope's list) is kept; a broken
    record is reported and reading goes on at the next record found; a cut-off end is
    reported with what was read before it."""

    def __init__(self, text: str, places: _Places) -> None:
        self.text, self.places = text, places
        self.end = len(text.rstrip())
        self.budget = 4 * len(text) + 1024  # characters decoded while looking for records
        self.keys: set[str] | None = None  # the keys of the first good record
        self.enveloped = False

    def skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def records(self) -> Iterator[tuple[str, object]]:
        """``(location, value or Failure)`` of every record."""
        start = self.skip(0)
        opener = self.text[start:start + 1]
        if opener == "{":
            envelope = self.envelope(start)
            if envelope is None:
                yield from self.whole(start)
                return
            start, self.enveloped = envelope, True
        elif opener != "[":
            start = yield from self.broken(
                f"invalid JSON: expected a list of records, got {opener!r}", start, retry=True)
            if start is not None:
                yield from self.items(start)
            return
        start = self.skip(start + 1)
        if self.text[start:start + 1] == "]":
            yield from self.trailer(start + 1, 0)
        else:
            yield from self.items(start)

    def whole(self, start: int) -> Iterator[tuple[str, object]]:
        """A document that is one object (a record, not an envelope)."""
        try:
            value, end = _DECODER.raw_decode(self.text, start)
        except json.JSONDecodeError as exc:
            yield f"line {exc.lineno}", _json_failure(exc, self.text)
            return
        except RecursionError:
            yield "line 1", Failure(_DEEP)
            return
        yield self.check(1, value, start, end)
        pos = yield from self.trailer(end, 1)
        if pos is not None:
            yield from self.items(pos)

    def envelope(self, pos: int) -> int | None:
        """Where the list of an envelope object (``{"data": [...]}``) starts, reading
        the members before it one by one; None if the object is not an envelope."""
        text, pos = self.text, self.skip(pos + 1)
        while pos < len(text) and text[pos] == '"':
            try:
                key, pos = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError:
                return None
            pos = self.skip(pos)
            if text[pos:pos + 1] != ":" or key == "title":
                return None
            pos = self.skip(pos + 1)
            if key in ENVELOPE_KEYS and text[pos:pos + 1] == "[":
                return pos
            try:
                _, pos = _DECODER.raw_decode(text, pos)
            except (json.JSONDecodeError, RecursionError):
                return None
            pos = self.skip(pos)
            if text[pos:pos + 1] != ",":
                return None
            pos = self.skip(pos + 1)
        return None

    def items(self, pos: int) -> Iterator[tuple[str, object]]:
        """The records of the list whose first record starts at ``pos``."""
        text, number = self.text, 0
        while pos is not None:
            if pos >= self.end:
                yield self.cut(pos, number)
                return
            number += 1
            try:
                value, after = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                if exc.pos >= self.end or exc.msg.startswith("Unterminated string"):
                    yield self.cut(pos, number - 1, inside=True)
                    return
                pos = yield from self.broken(
                    f"invalid JSON in record {number}: {exc.msg}", exc.pos)
                continue
            except RecursionError:
                pos = yield from self.broken(f"record {number}: {_DEEP}", pos, retry=False)
                continue
            yield self.check(number, value, pos, after)
            pos = self.skip(after)
            if text[pos:pos + 1] == ",":
                pos = self.skip(pos + 1)
            elif text[pos:pos + 1] == "]":
                pos = yield from self.trailer(pos + 1, number)
            elif pos < self.end:
                pos = yield from self.broken(
                    f"invalid JSON after record {number}: expected ',' or ']'", pos, retry=True)

    def check(self, number: int, value: object, start: int, end: int) -> tuple[str, object]:
        """``(location, value or Failure)`` of record ``number``, parsed from
        ``text[start:end]``; invalid UTF-8 is named by its line and byte offset."""
        raw = self.text[start:end]
        bad = _BAD_BYTE.search(raw)
        if bad:
            line, byte = self.places.at(start + bad.start())
            offset = f" at byte offset {byte} in the file" if self.places.exact else ""
            return f"line {line}", Failure(
                f"invalid UTF-8 (byte 0x{ord(bad.group()) - 0xDC00:02x}{offset}) in record "
                f"{number}")
        if self.keys is None and isinstance(value, dict):
            self.keys = set(value)
        return f"record {number}", _checked(value, raw.count("[") + raw.count("{"),
                                            bool(_SURROGATE_ESCAPE.search(raw)))

    def broken(self, reason: str, pos: int, retry: bool = False,
               ) -> Iterator[tuple[str, object]]:
        """Report a broken record at ``pos`` and return where the next record found
        starts (None if there is none); ``retry``: a record may start at ``pos`` itself."""
        nxt = self.resync(pos, retry)
        line, _ = self.places.at(pos)
        where = self.places.describe(pos)
        if nxt is None:
            rest = (f"; no record found after it ({len(self.text) - pos:,} characters "
                    "not read)")
        else:
            rest = f"; reading goes on at the next record ({self.places.describe(nxt)})"
        yield f"line {line}", Failure(f"{reason} ({where}){rest}")
        return nxt

    def alike(self, value: object) -> bool:
        """Whether ``value`` looks like a record of this document, not an object nested
        in one (an author, a concept): it has at least half of the keys of the first good
        record, or a ``title`` as that record has (or, when no record was good yet, a
        key such as ``title``)."""
        if not isinstance(value, dict):
            return False
        if not self.keys:
            return bool(_RECORD_KEYS & value.keys())
        common = self.keys & value.keys()
        return 2 * len(common) >= len(self.keys) or "title" in common

    def resync(self, pos: int, retry: bool) -> int | None:
        """The start of the next record after ``pos``: an object after a comma that parses,
        is followed by ``,`` or ``]`` (or the end) and is :meth:`alike` the records.
        Gives up after decoding four times the document's length."""
        text = self.text
        starts = (m.start(1) for m in _NEXT_OBJECT.finditer(text, pos + 1))
        if retry and text[pos:pos + 1] == "{":
            starts = itertools.chain((pos,), starts)
        for start in starts:
            if self.budget <= 0:
                return None
            try:
                value, end = _DECODER.raw_decode(text, start)
            except json.JSONDecodeError as exc:
                self.budget -= max(exc.pos - start, 1)
                continue
            except RecursionError:
                self.budget -= 1024
                continue
            self.budget -= end - start
            if not self.alike(value):
                continue
            follow = self.skip(end)
            if follow >= self.end or text[follow] in ",]":
                return start
        return None

    def cut(self, pos: int, read: int, inside: bool = False) -> tuple[str, Failure]:
        line, _ = self.places.at(pos)
        what = (f"the file ends inside record {read + 1} ({self.places.describe(pos)})"
                if inside else f"the file ends after record {read} without closing the "
                f"list ({self.places.describe(pos)}); records after it may be missing")
        return f"line {line}", Failure(f"truncated JSON: {what}; the {read:,} records "
                                       "before it were read")

    def trailer(self, pos: int, number: int) -> Iterator[tuple[str, Failure]]:
        """After the end of the list (or of the one object): nothing, or a reject for the
        text there; return where records go on in it (a ``]`` put for a ``,``), or None."""
        pos = self.skip(pos)
        if self.enveloped or pos >= self.end:  # an envelope's other members hold no records
            return None
        return (yield from self.broken(
            f"invalid JSON after record {number}: text after the end of the document", pos,
            retry=True))


def _looks_like_lines(text: str) -> bool:
    """JSON Lines under a ``.json`` name: the first line is a whole ``{...}``, or starts
    one and the second line is a whole object by itself (so a first line cut short does
    not make the whole file one reject; an envelope's records end with commas).

    >>> _looks_like_lines('{"a": 1}\\n{"a": 2}\\n'), _looks_like_lines('{"a": \\n{"a": 2}\\n')
    (True, True)
    >>> _looks_like_lines('{"data": [\\n{"a": 1},\\n{"a": 2}]}')
    False
    """
    lines = [line.strip() for line in text.lstrip().split("\n", 2)[:2]]
    if len(lines) < 2 or not lines[0].startswith("{") or not lines[1].startswith("{"):
        return False
    for line in lines:
        try:
            if isinstance(json.loads(line), dict):
                return True
        except (json.JSONDecodeError, RecursionError):
            continue
    return False


def _iter_document(path: Path) -> Iterator[tuple[str, object]]:
    with open_source(path) as fh:
        data = fh.read()
        exact = not hasattr(fh, "transcoded_from")
    skipped = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = data[skipped:].decode("utf-8", errors="surrogateescape")
    del data
    if not text.strip():
        return
    if not _BAD_BYTE.search(text):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg.startswith("Extra data") and _looks_like_lines(text):
                yield from _iter_lines(path)  # JSON Lines saved under a .json name
                return
        except RecursionError:
            pass
        else:
            yield from _records_of(value, text)
            return
    if _looks_like_lines(text):
        yield from _iter_lines(path)
        return
    yield from _Document(text, _Places(text, skipped, exact)).records()


def _records_of(value: object, text: str) -> Iterator[tuple[str, object]]:
    items = unwrap(value)
    if items is None:
        yield "record 1", Failure(f"expected a JSON object or list, got {_type_name(value)}")
        return
    escapes = bool(_SURROGATE_ESCAPE.search(text))
    brackets = text.count("[") + text.count("{")
    for i, item in enumerate(items, 1):
        yield f"record {i}", _checked(item, brackets, escapes)


def iter_json_values(path: Path) -> Iterator[tuple[str, object]]:
    """``(location, value)`` for every record of a JSON or JSON Lines file.

    JSON Lines (by suffix) stream line by line from bytes, so a bad line (invalid UTF-8,
    invalid or truncated JSON, nested deeper than :data:`MAX_JSON_DEPTH`) becomes a
    :class:`Failure` and the next lines still read. A JSON document may be one object, a
    list, or an envelope (``{"data": [...]}``, ``{"results": [...]}``...). A document
    that does not parse as a whole (cut short, a bad byte, a broken record) is read
    record by record: every complete record is kept, the broken one is a
    :class:`Failure` naming its line and byte offset, and reading goes on at the next
    record.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "in.jsonl"
    >>> _ = path.write_text('{"title": "A"}\\nnot json\\n')
    >>> [(loc, getattr(v, "reason", v)) for loc, v in iter_json_values(path)]
    [('line 1', {'title': 'A'}), ('line 2', 'invalid JSON: Expecting value at column 1')]
    >>> path = path.with_suffix(".json")
    >>> _ = path.write_text('[{"title": "A"}, {"title": "B"}, {"tit')
    >>> [(loc, getattr(v, "reason", v)) for loc, v in iter_json_values(path)]
    [('record 1', {'title': 'A'}), ('record 2', {'title': 'B'}), ('line 1', 'truncated JSON:
     the file ends inside record 3 (line 1, byte offset 33); the 2 records before it were read')]
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
