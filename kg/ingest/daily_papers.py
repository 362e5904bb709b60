"""The Hugging Face "Daily Papers" page, as text copied from the site.

The page is page chrome ("new", "Subscribe", "Daily Papers", "Sep 9" ...) followed by
blocks separated by blank lines: a title line, then an abstract paragraph, repeated.
Everything before the first title + abstract pair is chrome; later, lines that look like
chrome (dates, "Subscribe", vote counts, "Submitted by ...") are skipped. A title with no
abstract after it, and a paragraph with no title before it, become rejects naming the line.
Papers have no ids: the id is the title hash.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from kg.ingest.common import BadRecord, make_paper, read_source_text
from kg.ingest.reader import Reader
from kg.text import clean_title
from kg.types import Paper, Reject

NAME = "daily-papers"
TITLE_MAX_CHARS = 400
ABSTRACT_MIN_WORDS = 25
SHORT_ABSTRACT_MIN_WORDS = 8

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_CHROME = re.compile(
    r"^(?:"
    rf"{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?"          # Sep 9, September 9, 2025
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"            # 9 Sep
    r"|\d{4}-\d{2}-\d{2}"                              # 2025-09-09
    r"|[\d.,]+\s*[kKmM]?"                              # vote / comment counts
    r"|new|subscribe|daily papers|papers|trending|upvote|upvoted|load more|previous|next"
    r"|submitted by\b.*|by\s*ak\b.*|get trending papers\b.*|·.*|•.*"
    r"|arxiv page|pdf|view paper|github(?:\s+[\d.,]+k?)?|project page|collections?"
    r"|\d+\s+authors?|authors?:.*"
    r")$",
    re.IGNORECASE,
)
_BLANK_SPLIT = re.compile(r"\n[ \t\r\f\v]*\n")


def is_chrome(line: str) -> bool:
    """Does a one-line block look like page chrome rather than a title?

    >>> is_chrome("Sep 9"), is_chrome("Subscribe"), is_chrome("Submitted by akhaliq")
    (True, True, True)
    >>> is_chrome("One Epoch Is All You Need")
    False
    """
    return bool(_CHROME.match(line.strip()))


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(first line number, lines)`` of every blank-line separated block."""
    lineno = 1
    pos = 0
    for match in _BLANK_SPLIT.finditer(text):
        yield from _one_block(text[pos:match.start()], lineno)
        lineno += text.count("\n", pos, match.end())
        pos = match.end()
    yield from _one_block(text[pos:], lineno)


def _one_block(chunk: str, lineno: int) -> Iterator[tuple[int, list[str]]]:
    lines = chunk.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
        lineno += 1
    lines = [ln.rstrip("\r") for ln in lines if ln.strip()]
    if lines:
        yield lineno, lines


def _is_abstract(text: str) -> bool:
    return len(text.split()) >= ABSTRACT_MIN_WORDS


def _follows_as_abstract(text: str) -> bool:
    """After a title: a long paragraph, or a short one that reads as sentences."""
    words = len(text.split())
    return words >= ABSTRACT_MIN_WORDS or (words >= SHORT_ABSTRACT_MIN_WORDS
                                           and text.rstrip().endswith("."))


def _is_title(lines: list[str]) -> bool:
    text = " ".join(lines)
    return len(lines) <= 2 and len(text) <= TITLE_MAX_CHARS and not _is_abstract(text)


def _bad_bytes(text: str) -> str | None:
    match = re.search("[\udc80-\udcff]", text)
    return f"invalid UTF-8 (byte 0x{ord(match.group()) - 0xDC00:02x})" if match else None


class _Parser:
    """State machine over blocks: pending title → abstract → paper."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.pending: tuple[int, str] | None = None
        self.started = False

    def reject(self, lineno: int, reason: str) -> Reject:
        return Reject(self.where, f"line {lineno}", reason)

    def paper(self, lineno: int, title: str, abstract: str) -> Paper | Reject:
        bad = _bad_bytes(title) or _bad_bytes(abstract)
        if bad:
            return self.reject(lineno, bad)
        try:
            return make_paper(NAME, title=title, abstract=abstract)
        except BadRecord as exc:
            return self.reject(lineno, str(exc))

    def flush(self) -> Iterator[Reject]:
        if self.pending is not None and self.started:
            lineno, title = self.pending
            yield self.reject(lineno, f"title without an abstract: {clean_title(title)[:80]!r}")
        self.pending = None

    def feed(self, lineno: int, lines: list[str]) -> Iterator[Paper | Reject]:
        text = " ".join(lines)
        if len(lines) == 1 and is_chrome(text):
            return
        if self.pending is not None and _follows_as_abstract(text):
            self.started = True
            yield self.paper(self.pending[0], self.pending[1], "\n".join(lines))
            self.pending = None
        elif _is_title(lines):
            yield from self.flush()
            self.pending = (lineno, text)
        elif len(lines) > 1 and _is_title(lines[:1]) and _is_abstract(" ".join(lines[1:])):
            self.started = True
            yield self.paper(lineno, lines[0], "\n".join(lines[1:]))
        elif self.started:
            yield self.reject(lineno, "paragraph without a title before it")


def read_daily_papers(path: Path) -> Iterator[Paper | Reject]:
    """Read a copied Daily Papers page; yields papers in page order.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "daily.txt"
    >>> _ = path.write_text("Daily Papers\\n\\nSep 9\\n\\nOne Epoch Is All You Need\\n\\n"
    ...     "We train a language model for one epoch only and show that it matches repeated "
    ...     "training on the same data budget at a fraction of the cost.\\n")
    >>> [(p.title, p.id) for p in read_daily_papers(path)]
    [('One Epoch Is All You Need', 't-2ec246798141af05')]
    """
    path = Path(path)
    text = read_source_text(path)
    parser = _Parser(str(path))
    for lineno, lines in _blocks(text.replace("\r\n", "\n")):
        yield from parser.feed(lineno, lines)
    yield from parser.flush()


def _sniff(path: Path, head: str) -> bool:
    stripped = head.lstrip()
    if not stripped or stripped[0] in "{[<@":
        return False
    blocks = [lines for _, lines in _blocks(head)]
    return any(
        _is_title(a) and not is_chrome(" ".join(a)) and _is_abstract(" ".join(b))
        for a, b in zip(blocks, blocks[1:])
    )


READER = Reader(
    name=NAME,
    read=read_daily_papers,
    sniff=_sniff,
    suffixes=(".txt", ".md", ".text"),
    aliases=("daily", "hf-daily", "hf-daily-page", "daily-papers-page"),
    description="Hugging Face Daily Papers page copied as text: title line, blank line, "
                "abstract paragraph, repeated (page chrome skipped)",
    priority=-10,
    fallback=True,
)
