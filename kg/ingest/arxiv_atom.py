"""arXiv API responses (Atom XML), parsed safely with defusedxml.

Entries stream one by one (``iterparse``), so entries before a syntax error are still
read; the error becomes a reject naming its line and column. Documents with a DTD
(the vehicle of "billion laughs" entity bombs and external entities) are refused
without expanding anything.

The parser reads the file as text that this module decodes (:class:`XmlText`): a byte
that is not valid in the file's encoding (invalid UTF-8) reaches the parser as U+FFFD,
and the entry holding it is rejected, naming the byte, its offset and line; the entries
after it are read as usual.
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import BinaryIO, Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from kg.ingest.common import BadRecord, clean_opt, non_empty, make_paper, open_source
from kg.ingest.reader import Reader
from kg.types import Paper, Reject, arxiv_id

NAME = "arxiv-atom"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"


def _text(entry: Element, tag: str) -> str | None:
    node = entry.find(tag)
    return node.text if node is not None and node.text is not None else None


def _links(entry: Element) -> tuple[str | None, str | None]:
    abs_url = pdf_url = None
    for link in entry.findall(f"{ATOM}link"):
        href = link.get("href")
        if link.get("title") == "pdf" or link.get("type") == "application/pdf" or (
            href and "/pdf/" in href
        ):
            pdf_url = pdf_url or href
        elif link.get("rel", "alternate") == "alternate":
            abs_url = abs_url or href
    return abs_url, pdf_url


def map_entry(entry: Element) -> Paper:
    """One Atom ``<entry>`` → :class:`Paper` (raises :class:`BadRecord`).

    Examples
    --------
    >>> entry = SafeET.fromstring(
    ...     '<entry xmlns="http://www.w3.org/2005/Atom"><id>http://arxiv.org/abs/2106.09685v2</id>'
    ...     '<title>LoRA</title><summary>Low-rank adaptation.</summary>'
    ...     '<author><name>Edward Hu</name></author>'
    ...     '<published>2021-06-17T17:37:18Z</published></entry>')
    >>> p = map_entry(entry)
    >>> p.id, p.authors, p.date
    ('2106.09685', ('Edward Hu',), '2021-06-17')
    """
    raw_id = _text(entry, f"{ATOM}id") or ""
    if "api/errors" in raw_id:
        raise BadRecord(f"arXiv API error: {(_text(entry, f'{ATOM}summary') or '').strip()}")
    abs_url, pdf_url = _links(entry)
    primary = entry.find(f"{ARXIV}primary_category")
    return make_paper(
        NAME,
        title=_text(entry, f"{ATOM}title"),
        abstract=_text(entry, f"{ATOM}summary"),
        abstract_field="summary",
        authors=[_text(a, f"{ATOM}name") or "" for a in entry.findall(f"{ATOM}author")],
        date=_text(entry, f"{ATOM}published"),
        url=abs_url or (raw_id or None),
        arxiv=arxiv_id(raw_id) and raw_id,
        doi=_text(entry, f"{ARXIV}doi"),
        own_id=raw_id or None,
        meta=non_empty([
            ("categories", [c.get("term") for c in entry.findall(f"{ATOM}category")
                            if c.get("term")]),
            ("primary_category", primary.get("term") if primary is not None else None),
            ("comment", clean_opt(_text(entry, f"{ARXIV}comment"))),
            ("journal_ref", clean_opt(_text(entry, f"{ARXIV}journal_ref"))),
            ("updated", _text(entry, f"{ATOM}updated")),
            ("pdf", pdf_url),
        ]),
    )


_ENTRY_TAG = re.compile(r"<(/?)(?:[\w.-]{1,30}:)?entry[\s>/]")
_TAG_CHARS = 40  # longer than any tag _ENTRY_TAG matches
_BAD = re.compile("[\udc80-\udcff]")
_DECLARED = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.:-]+)[\"']")
_CHUNK = 1 << 16


def declared_codec(head: bytes) -> str:
    """The Python codec of the encoding an XML declaration names; ``utf-8`` when it names
    none, an unknown one, or UTF-16/32 (which :func:`~kg.ingest.common.open_source` has
    already turned into UTF-8).

    >>> declared_codec(b'<?xml version="1.0" encoding="ISO-8859-1"?><feed/>')
    'iso8859-1'
    >>> declared_codec(b'<feed/>'), declared_codec(b'<?xml encoding="UTF-16"?>')
    ('utf-8', 'utf-8')
    """
    match = _DECLARED.match(head.removeprefix(codecs.BOM_UTF8))
    if not match:
        return "utf-8"
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return "utf-8"
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


class XmlText:
    """A binary XML file as text for the parser, recording its invalid bytes.

    ``read`` returns ``str`` (so expat takes it as the Unicode it is, whatever the
    declaration says), with each byte that is invalid in ``codec`` made U+FFFD. Each
    such byte is recorded with the entry it is in: ``bad[n]`` for the n-th ``<entry>``
    (its first bad byte, described), ``stray`` for those outside any entry.

    Examples
    --------
    >>> import io
    >>> src = XmlText(io.BytesIO(b"<feed><entry>caf\\xe9</entry><entry>ok</entry></feed>"))
    >>> src.read(100), src.read(100), src.bad
    ('<feed><entry>caf\ufffd</entry><entry>ok</entry></feed>', '',
     {1: 'invalid UTF-8 (byte 0xe9 at byte offset 16, line 1)'})
    """

    def __init__(self, fh: BinaryIO, codec: str = "utf-8") -> None:
        self.fh, self.codec = fh, codec
        self.decoder = codecs.getincrementaldecoder(codec)(errors="surrogateescape")
        self.fed = 0  # bytes given to the decoder
        self.line = 1  # line at the start of the next text
        self.tail = ""  # the end of the text before, where a tag may have begun
        self.entries = 0  # <entry> tags seen
        self.inside = False
        self.bad: dict[int, str] = {}
        self.stray: list[tuple[int, str]] = []
        self.done = False

    def read(self, size: int = -1) -> str:
        """The next piece of text (at least one character until the end, then ``""``)."""
        while not self.done:
            data = self.fh.read(size if size and size > 0 else _CHUNK)
            start = self.fed - len(self.decoder.getstate()[0])
            self.fed += len(data)
            text = self.decoder.decode(data, final=not data)
            self.done = not data
            if text:
                return self.scan(text, start)
        return ""

    def scan(self, text: str, start_byte: int) -> str:
        """Record the entry tags and bad bytes of ``text`` (whose first character is at
        byte ``start_byte`` of the file); return it with the bad bytes made U+FFFD."""
        bad = [m.start() for m in _BAD.finditer(text)]
        buf, skip = self.tail + text, len(self.tail)
        tags = [(m.start() - skip, m.group(1)) for m in _ENTRY_TAG.finditer(buf)
                if m.end() > skip]
        events = sorted([(i, "tag", closing) for i, closing in tags] +
                        [(i, "bad", "") for i in bad])
        for i, kind, closing in events:
            if kind == "tag":
                self.inside = not closing
                self.entries += not closing
            else:
                self.record(text, i, start_byte)
        self.line += text.count("\n")
        self.tail = buf[-_TAG_CHARS:]
        return _BAD.sub("\ufffd", text) if bad else text

    def record(self, text: str, i: int, start_byte: int) -> None:
        byte = start_byte + len(text[:i].encode(self.codec, "surrogateescape"))
        line = self.line + text.count("\n", 0, i)
        where = f"byte 0x{ord(text[i]) - 0xDC00:02x} at byte offset {byte}, line {line}"
        codec = "UTF-8" if self.codec == "utf-8" else self.codec
        if self.inside:
            self.bad.setdefault(self.entries, f"invalid {codec} ({where})")
        else:
            self.stray.append((line, f"invalid {codec} outside any entry ({where}); read as "
                               "U+FFFD"))


def read_arxiv_atom(path: Path) -> Iterator[Paper | Reject]:
    """Read an arXiv API Atom response, entry by entry.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "query.xml"
    >>> _ = path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>'
    ...     'http://arxiv.org/abs/2106.09685v2</id><title>LoRA</title><summary>Low-rank.</summary>'
    ...     '</entry><entry><id>http://arxiv.org/abs/2101.11408</id></entry></feed>')
    >>> [r.id if isinstance(r, Paper) else r.reason for r in read_arxiv_atom(path)]
    ['2106.09685', 'missing or empty title']
    """
    where = str(path)
    with open_source(Path(path)) as fh:
        head = fh.read(1024)
        fh.seek(0)
        source = XmlText(fh, "utf-8" if hasattr(fh, "transcoded_from") else declared_codec(head))
        yield from _entries(source, where)
        for line, reason in source.stray:
            yield Reject(where, f"line {line}", reason)


def _entries(source: XmlText, where: str) -> Iterator[Paper | Reject]:
    count = 0
    try:
        for _event, elem in SafeET.iterparse(source, events=("end",), forbid_dtd=True):
            if elem.tag != f"{ATOM}entry":
                continue
            count += 1
            try:
                bad = source.bad.get(count)
                if bad:
                    raise BadRecord(bad)
                yield map_entry(elem)
            except BadRecord as exc:
                yield Reject(where, f"entry {count}", str(exc))
            elem.clear()
    except defusedxml.DTDForbidden:
        yield Reject(where, "line 1", "refused an XML DTD (document type declaration): it can "
                     "define an XML bomb or external entities; nothing was expanded")
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        yield Reject(where, "file", f"XML entity declarations are refused ({exc}); "
                     "possible XML bomb, nothing was expanded")
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        after = f" after entry {count}" if count else ""
        yield Reject(where, f"line {line}", f"invalid XML{after}: {_reason(exc)} "
                     f"(column {column + 1})")


def _reason(exc: ParseError) -> str:
    return str(exc).split(":")[0]


def _sniff(path: Path, head: str) -> bool:
    start = head.lstrip()[:2000]
    return start.startswith("<") and "<feed" in start and "arxiv" in head.lower()


READER = Reader(
    name=NAME,
    read=read_arxiv_atom,
    sniff=_sniff,
    suffixes=(".xml", ".atom"),
    aliases=("atom", "arxiv-api", "arxiv-xml"),
    description="arXiv API response (Atom XML), parsed safely (no DTDs, no entities)",
    priority=10,
    fallback=True,
)
