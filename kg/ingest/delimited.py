"""CSV and TSV paper lists, e.g. the OpenReview scrapes (``paper_id, title, link, keywords,
abstract``) or any table with ``id``, ``title``, ``abstract`` (or ``summary``),
``authors``, ``date`` (or ``year``), ``url`` (or ``link``) columns.

``paper_id`` / ``id`` is kept verbatim as the paper id (an arXiv id or DOI counts as one);
with an ``openreview.net`` link it is the OpenReview id. ``keywords`` become a list in
``meta["keywords"]``; other non-empty columns go to ``meta`` as text.

A file that ends inside a quoted field (cut short in the middle of an abstract) makes its
last row a reject naming the line where the quote opened, not a paper with half an
abstract.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path
from typing import Iterator

from kg.ingest.common import BadRecord, make_paper, open_source, split_list
from kg.ingest.reader import Reader
from kg.types import Paper, Reject

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

ID_COLUMNS = ("paper_id", "id", "paperid", "arxiv_id", "doc_id", "key")
TITLE_COLUMNS = ("title", "paper_title")
ABSTRACT_COLUMNS = ("abstract", "summary", "paper_abstract")
AUTHOR_COLUMNS = ("authors", "author")
DATE_COLUMNS = ("date", "published", "publication_date", "year")
URL_COLUMNS = ("url", "link", "pdf_url")
_USED = set(ID_COLUMNS + TITLE_COLUMNS + ABSTRACT_COLUMNS + AUTHOR_COLUMNS + DATE_COLUMNS
            + URL_COLUMNS + ("doi", "arxiv", "keywords"))


def _pick(row: dict[str, str], names: tuple[str, ...]) -> tuple[str, str | None]:
    for name in names:
        if name in row and row[name] is not None:
            return name, row[name]
    return names[0], None


def map_row(row: dict[str, str], source: str) -> Paper:
    """One table row (lower-cased column names) → :class:`Paper`.

    >>> p = map_row({"paper_id": "1Fqg133qRaI", "title": "T", "abstract": "A.",
    ...              "link": "https://openreview.net/forum?id=1Fqg133qRaI",
    ...              "keywords": "GAN, few-shot"}, "csv")
    >>> p.id, p.ids, p.meta["keywords"]
    ('1Fqg133qRaI', {'openreview': '1Fqg133qRaI'}, ['GAN', 'few-shot'])
    """
    _, own = _pick(row, ID_COLUMNS)
    _, url = _pick(row, URL_COLUMNS)
    abstract_col, abstract = _pick(row, ABSTRACT_COLUMNS)
    date_col, date = _pick(row, DATE_COLUMNS)
    if date_col == "year" and date and date.strip().isdigit():
        date = int(date)
    meta = {k: v.strip() for k, v in row.items()
            if k and k not in _USED and isinstance(v, str) and v.strip()}
    keywords = split_list(row.get("keywords"))
    if keywords:
        meta["keywords"] = keywords
    return make_paper(
        source,
        title=_pick(row, TITLE_COLUMNS)[1],
        abstract=abstract,
        abstract_field=abstract_col,
        authors=_pick(row, AUTHOR_COLUMNS)[1] or None,
        date=date or None,
        url=url or None,
        arxiv=row.get("arxiv") or None,
        doi=row.get("doi") or None,
        own_id=own or None,
        own_key="openreview" if url and "openreview.net" in url else "source",
        meta=meta,
    )


def _bad_bytes(values: list[str], header: list[str]) -> str | None:
    for name, value in zip(header + ["?"] * len(values), values):
        match = re.search("[\udc80-\udcff]", value)
        if match:
            return (f"invalid UTF-8 (byte 0x{ord(match.group()) - 0xDC00:02x}) "
                    f"in column {name!r}")
    return None


def read_delimited(path: Path, delimiter: str, source: str) -> Iterator[Paper | Reject]:
    """Read a CSV/TSV with a header row; yields a paper or a reject per data row.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.txt"
    >>> _ = path.write_text("id;title;abstract\\nr1;LoRA;We adapt.\\n")
    >>> [(p.id, p.title, p.source) for p in read_delimited(path, ";", "csv")]
    [('r1', 'LoRA', 'csv')]
    """
    path = Path(path)
    where = str(path)
    with io.TextIOWrapper(open_source(path), encoding="utf-8-sig", errors="surrogateescape",
                          newline="") as fh:
        lines = _Lines(fh)
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            yield Reject(where, "line 1", f"unreadable header: {exc}")
            return
        if not any(h in header for h in TITLE_COLUMNS):
            yield Reject(where, "line 1", f"no 'title' column in the header {header}; "
                         f"is this a {source.upper()} paper list?")
            return
        yield from _rows(reader, lines, header, where, source)


class _Lines:
    """The lines of a text file for :mod:`csv`, keeping those of the current row, and
    noting when the reader asked for a line past the end: it does so only when the file
    ends inside a quoted field."""

    def __init__(self, fh) -> None:
        self.fh = iter(fh)
        self.row: list[str] = []
        self.past_end = False

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        try:
            line = next(self.fh)
        except StopIteration:
            self.past_end = True
            raise
        self.row.append(line)
        return line


def _open_quote(text: str, delimiter: str) -> int | None:
    """Where the quoted field left open at the end of ``text`` starts (the csv module's
    lenient states), or None when every quote is closed.

    >>> _open_quote('r1,T,"cut in the mid', ","), _open_quote('r1,"T ""x"" y",A', ",")
    (5, None)
    """
    state, opened = "start", None
    for i, ch in enumerate(text):
        if state == "quoted":
            if ch == '"':
                state = "quote"
        elif state == "quote" and ch == '"':
            state = "quoted"
        elif ch == delimiter or ch in "\r\n":
            state = "start"
        elif state == "start" and ch == '"':
            state, opened = "quoted", i
        else:
            state = "field"
    return opened if state == "quoted" else None


def _unterminated(raw: str, opened: int, start: int) -> str:
    """The reason for a row whose quoted field (at ``raw[opened]``) the file ends in."""
    line = start + raw.count("\n", 0, opened)
    later = raw.count("\n", opened)
    swallowed = f", {later:,} lines later" if later > 1 else ""
    return (f"unterminated quote: the quoted field opened at line {line} is never closed "
            f"(the file ends inside it{swallowed}: cut short, or a stray quote?)")


def _rows(reader, lines: _Lines, header: list[str], where: str,
          source: str) -> Iterator[Paper | Reject]:
    number, line = 0, reader.line_num
    while True:
        lines.row = []
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield Reject(where, f"row {number} (line {line + 1})", f"malformed row: {exc}")
            line = reader.line_num
            continue
        start, line = line + 1, reader.line_num
        if not values or not any(v.strip() for v in values):
            continue
        number += 1
        loc = f"row {number} (line {start})"
        try:
            if lines.past_end:
                raw = "".join(lines.row)
                opened = _open_quote(raw, reader.dialect.delimiter)
                if opened is not None:
                    raise BadRecord(_unterminated(raw, opened, start))
            bad = _bad_bytes(values, header)
            if bad:
                raise BadRecord(bad)
            if len(values) > len(header):
                raise BadRecord(f"{len(values)} fields but the header has {len(header)} "
                                "(a stray delimiter or quote?)")
            yield map_row(dict(zip(header, values)), source)
        except BadRecord as exc:
            yield Reject(where, loc, str(exc))


def read_csv(path: Path) -> Iterator[Paper | Reject]:
    """Read a comma-separated paper list.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.csv"
    >>> _ = path.write_text('id,title,abstract,keywords\\nr1,LoRA,We adapt.,"lora, fine-tuning"\\n'
    ...                     'r2,,No title.,\\n')
    >>> [(r.id, r.meta) if isinstance(r, Paper) else r.reason for r in read_csv(path)]
    [('r1', {'keywords': ['lora', 'fine-tuning']}), 'missing or empty title']
    """
    return read_delimited(path, ",", "csv")


def read_tsv(path: Path) -> Iterator[Paper | Reject]:
    """Read a tab-separated paper list.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.tsv"
    >>> _ = path.write_text("id\\ttitle\\tabstract\\nr1\\tLoRA\\tWe adapt.\\n")
    >>> [(p.id, p.title, p.abstract) for p in read_tsv(path)]
    [('r1', 'LoRA', 'We adapt.')]
    """
    return read_delimited(path, "\t", "tsv")


def _header_sniff(head: str, delimiter: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].lower()
    cols = [c.strip().strip('"') for c in first.split(delimiter)]
    return len(cols) > 1 and any(c in cols for c in TITLE_COLUMNS) and any(
        c in cols for c in ABSTRACT_COLUMNS)


CSV = Reader(
    name="csv",
    read=read_csv,
    sniff=lambda path, head: _header_sniff(head, ","),
    suffixes=(".csv",),
    aliases=("comma",),
    description="CSV with a header: paper_id|id, title, abstract|summary, [authors, date, url|link, "
                "keywords] (the OpenReview layout)",
    priority=5,
    fallback=True,
)

TSV = Reader(
    name="tsv",
    read=read_tsv,
    sniff=lambda path, head: _header_sniff(head, "\t"),
    suffixes=(".tsv", ".tab"),
    aliases=("tab",),
    description="Tab-separated version of the csv format",
    priority=5,
    fallback=True,
)
