"""BibTeX with ``abstract`` fields: a small, forgiving parser.

Entries are cut at lines starting with ``@`` and parsed one by one, so an entry with an
unbalanced brace is rejected (naming its key and line) without swallowing the next ones.
Values may be ``{braced}`` (nested), ``"quoted"``, numbers or ``@string`` macros joined
with ``#``. LaTeX is made readable: accents become Unicode, ``\\emph{x}`` and protective
braces (``{LLM}``) are dropped, ``$math$`` is kept as written; in time linear in the
value, however deep its braces nest.

Macro expansion is bounded: the values of one entry (or one ``@string``) expand to at most
:data:`MAX_VALUE_CHARS` characters, and the ``@string`` macros of a file hold at most
:data:`MAX_MACRO_CHARS`; beyond, the entry or ``@string`` is rejected (naming its line),
as is any entry that uses a rejected ``@string``.

Examples
--------
>>> delatex(r"The {LLM} of G{\\"o}del: \\textit{small} $O(n^{2})$ \\& more")
'The LLM of Gödel: small $O(n^{2})$ & more'
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.ingest.common import (BadRecord, make_paper, month_number, non_empty, normalize_date,
                              read_source_text, split_list)
from kg.ingest.reader import Reader
from kg.types import Paper, Reject, arxiv_id

NAME = "bibtex"
MONTH_MACROS = {m: m for m in "jan feb mar apr may jun jul aug sep oct nov dec".split()}
#: Most characters the values of one entry (or of one ``@string``) expand to, macros
#: included. Real entries hold a few thousand; a chain of ``@string`` macros that each
#: double the previous one would otherwise grow without bound.
MAX_VALUE_CHARS = 1_000_000
#: Most characters all the ``@string`` macros of one file hold together.
MAX_MACRO_CHARS = 1_000_000

_ENTRY_START = re.compile(r"^[ \t]*@", re.M)
_HEAD = re.compile(r"\s*@\s*([A-Za-z]+)\s*([{(])")
_NAME = re.compile(r"\s*([A-Za-z_][\w\-:.+/]*)\s*")
_ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "r": "\u030a", "k": "\u0328"}
_ACCENT = re.compile(r"\{?\\([`'\"^~=.]|[uvHcrk](?=[\s{]))\s*\{?\s*(\\?[A-Za-z])\s*\}?\}?")
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
            "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LETTER = re.compile(r"\{?\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s*\}?")
#: A style command's opening (``\\emph{``), or a brace.
_STYLE_OR_BRACE = re.compile(
    r"\\(?:textit|textbf|emph|textsc|texttt|textrm|textsf|textup|textmd|mbox|url|text)"
    r"\s*\{|[{}]")
_ESCAPES = {"\\&": "&", "\\%": "%", "\\_": "_", "\\#": "#", "\\{": "{", "\\}": "}"}
_MATH = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")
_DOLLAR = "\x00"


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2).lstrip("\\")
    letter = {"i": "i", "j": "j"}.get(letter, letter)
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])


def _drop_group_braces(text: str) -> str:
    """Drop braces that only group or protect words; keep those of ``\\cmd{...}``."""
    out: list[str] = []
    kept: list[bool] = []
    for ch in text:
        if ch == "{":
            is_arg = bool(re.search(r"\\[A-Za-z]+\s*$", "".join(out[-30:])))
            kept.append(is_arg)
            if is_arg:
                out.append(ch)
        elif ch == "}":
            if kept.pop() if kept else False:
                out.append(ch)
        else:
            out.append(ch)
    return "".join(out)


def _drop_styles(text: str) -> str:
    r"""``\emph{x}`` → ``x`` for each style command whose argument holds no brace once its
    own style commands are dropped, in one pass (a stack of open braces), so nesting
    depth costs nothing. The same as dropping innermost ``\cmd{...}`` (argument without
    braces) again and again until nothing changes, which took time quadratic in depth.

    >>> _drop_styles(r"\emph{a \textbf{b}} \emph{c {d}} {e}")
    'a b \\emph{c {d}} {e}'
    """
    if "\\" not in text:
        return text
    out: list[str] = []
    # each open brace: [position in out of its style opening, or -1; no brace stays inside]
    open_: list[list] = []
    pos = 0
    for match in _STYLE_OR_BRACE.finditer(text):
        out.append(text[pos:match.start()])
        pos = match.end()
        token = match.group()
        if token == "}":
            if not open_:
                out.append(token)
                continue
            opening, clean = open_.pop()
            if opening >= 0 and clean:
                out[opening] = ""  # the command and its braces go, the argument stays
                continue
            out.append(token)
            if open_:
                open_[-1][1] = False
        else:
            open_.append([len(out) if token != "{" else -1, True])
            out.append(token)
    out.append(text[pos:])
    return "".join(out)


def _delatex_prose(text: str) -> str:
    text = _ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _drop_styles(text)
    for escape, plain in _ESCAPES.items():
        text = text.replace(escape, "\x01" + plain) if escape in ("\\{", "\\}") else \
            text.replace(escape, plain)
    text = _drop_group_braces(text).replace("\x01", "")
    return text.replace("~", " ").replace("\\\\", " ")


def delatex(value: str) -> str:
    """Readable text from a BibTeX value; ``$...$`` math is kept verbatim.

    Examples
    --------
    >>> print(delatex(r"Schr{\\"o}dinger \\emph{nets} for $\\hat{y}$"))
    Schrödinger nets for $\\hat{y}$
    """
    value = value.replace("\\$", _DOLLAR)
    out, pos = [], 0
    for match in _MATH.finditer(value):
        out.append(_delatex_prose(value[pos:match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_delatex_prose(value[pos:]))
    return "".join(out).replace(_DOLLAR, "$")


@dataclass
class Entry:
    """One parsed BibTeX entry: type, key, fields (raw values), first line number."""

    kind: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)


class _Macros(dict):
    """The ``@string`` macros of a file: name → value, or → the line (an int) of a
    definition that was rejected; ``size`` counts the characters of the values."""

    size = 0


class _Scanner:
    """Parses one entry chunk; raises :class:`BadRecord` on malformed text, and when its
    values expand to more than :data:`MAX_VALUE_CHARS` characters."""

    def __init__(self, chunk: str, line: int, macros: _Macros) -> None:
        self.s, self.i, self.line, self.macros = chunk, 0, line, macros
        self.budget = MAX_VALUE_CHARS

    def spend(self, part: str, start: int) -> str:
        self.budget -= len(part)
        if self.budget < 0:
            raise BadRecord(f"values expand to more than {MAX_VALUE_CHARS:,} characters at "
                            f"line {self.line_at(start)} (@string macros that double?); the "
                            "limit is kg.ingest.bibtex.MAX_VALUE_CHARS")
        return part

    def macro(self, word: str, start: int) -> str:
        found = self.macros.get(word.lower(), word)
        if isinstance(found, int):
            raise BadRecord(f"uses @string {word!r} (line {self.line_at(start)}), which was "
                            f"rejected at line {found}")
        return found

    def line_at(self, pos: int) -> int:
        return self.line + self.s.count("\n", 0, pos)

    def braced(self) -> str:
        start, depth = self.i, 0
        for j in range(self.i, len(self.s)):
            ch = self.s[j]
            if ch == "\\":
                continue
            if ch == "{" and self.s[j - 1:j] != "\\":
                depth += 1
            elif ch == "}" and self.s[j - 1:j] != "\\":
                depth -= 1
                if depth == 0:
                    self.i = j + 1
                    return self.s[start + 1:j]
        raise BadRecord(f"unbalanced braces: '{{' opened at line {self.line_at(start)} "
                        "is never closed")

    def quoted(self) -> str:
        start, depth = self.i, 0
        for j in range(self.i + 1, len(self.s)):
            ch = self.s[j]
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == '"' and depth <= 0 and self.s[j - 1] != "\\":
                self.i = j + 1
                return self.s[start + 1:j]
        raise BadRecord(f"unterminated quoted value starting at line {self.line_at(start)}")

    def value(self) -> str:
        parts = []
        while True:
            self.skip_space()
            ch = self.s[self.i:self.i + 1]
            start = self.i
            if ch == "{":
                parts.append(self.spend(self.braced(), start))
            elif ch == '"':
                parts.append(self.spend(self.quoted(), start))
            else:
                match = re.compile(r"[\w\-:.+/']+").match(self.s, self.i)
                if not match:
                    raise BadRecord(f"expected a value at line {self.line_at(self.i)}")
                word = match.group(0)
                self.i = match.end()
                parts.append(self.spend(word if word.isdigit() else self.macro(word, start),
                                        start))
            self.skip_space()
            if self.s[self.i:self.i + 1] != "#":
                return "".join(parts)
            self.i += 1

    def skip_space(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def fields(self, close: str) -> dict[str, str]:
        out: dict[str, str] = {}
        while True:
            self.skip_space()
            while self.s[self.i:self.i + 1] == ",":
                self.i += 1
                self.skip_space()
            if self.i >= len(self.s):
                raise BadRecord(f"unbalanced braces: the entry is never closed with '{close}'")
            if self.s[self.i] == close:
                self.i += 1
                self.check_rest()
                return out
            match = _NAME.match(self.s, self.i)
            if not match or self.s[match.end():match.end() + 1] != "=":
                raise BadRecord(f"expected 'name = value' at line {self.line_at(self.i)}")
            self.i = match.end() + 1
            out[match.group(1).lower()] = self.value()

    def check_rest(self) -> None:
        rest = self.s[self.i:]
        if re.search(r"^\s*[A-Za-z]+\s*=", rest, re.M):
            raise BadRecord(f"text after the entry's closing brace at line "
                            f"{self.line_at(self.i)} (unbalanced braces?)")


def _parse_chunk(chunk: str, line: int, macros: _Macros) -> Entry | None:
    head = _HEAD.match(chunk)
    if not head:
        raise BadRecord("not a BibTeX entry (expected '@type{key,')")
    kind, opener = head.group(1).lower(), head.group(2)
    close = "}" if opener == "{" else ")"
    if kind in ("comment", "preamble"):
        return None
    scanner = _Scanner(chunk, line, macros)
    scanner.i = head.end()
    if kind == "string":
        defined = scanner.fields(close)
        size = macros.size + sum(len(v) for v in defined.values())
        if size > MAX_MACRO_CHARS:
            raise BadRecord(f"@string macros would hold {size:,} characters, more than the "
                            f"limit of {MAX_MACRO_CHARS:,} (kg.ingest.bibtex.MAX_MACRO_CHARS)")
        macros.size = size
        macros.update(defined)
        return None
    key_match = re.compile(r"\s*([^,\s{}()]*)\s*,").match(chunk, scanner.i)
    if not key_match:
        raise BadRecord("entry has no key (expected '@type{key,')")
    scanner.i = key_match.end()
    entry = Entry(kind, key_match.group(1), line)
    entry.fields = scanner.fields(close)
    return entry


def split_bib_authors(value: str) -> list[str]:
    r"""Split ``"A and B"`` at brace depth 0; flip ``"Last, First"``; de-LaTeX names.

    >>> split_bib_authors(r"Ma, Xinbei  and {\"O}zt{\"u}rk, Ay{\c{s}}e and {Team X}")
    ['Xinbei Ma', 'Ayşe Öztürk', 'Team X']
    """
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        tok = match.group(0)
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0:
            names.append(value[start:match.start()])
            start = match.end()
    names.append(value[start:])
    out = []
    for raw in names:
        name = " ".join(delatex(raw).split())
        parts = [p.strip() for p in name.split(",")]
        if len(parts) == 2 and all(parts):
            name = f"{parts[1]} {parts[0]}"
        elif len(parts) == 3 and all(parts):
            name = f"{parts[2]} {parts[0]} {parts[1]}"
        if name:
            out.append(name)
    return out


def _arxiv(fields: dict[str, str]) -> str | None:
    eprint = fields.get("eprint") or fields.get("arxiv") or fields.get("arxivid")
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "arxiv").lower()
    if eprint and "arxiv" in prefix and arxiv_id(eprint.strip()):
        return arxiv_id(eprint.strip())
    for key in ("url", "journal"):
        found = re.search(r"arxiv\.org/(?:abs|pdf)/(\S+)", fields.get(key, ""))
        if found and arxiv_id(found.group(1)):
            return arxiv_id(found.group(1))
    return None


def entry_to_paper(entry: Entry) -> Paper:
    """One parsed entry → :class:`Paper` (raises :class:`BadRecord`).

    Examples
    --------
    >>> entry = Entry("inproceedings", "hu2022lora", 1, {"title": "{LoRA}: Low-Rank Adaptation",
    ...     "abstract": "We adapt.", "author": "Hu, Edward and Shen, Yelong", "year": "2022",
    ...     "month": "apr"})
    >>> p = entry_to_paper(entry)
    >>> p.title, p.authors, p.date, p.ids
    ('LoRA: Low-Rank Adaptation', ('Edward Hu', 'Yelong Shen'), '2022-04',
     {'source': 'hu2022lora'})
    """
    f = entry.fields
    date = normalize_date(f.get("date")) if f.get("date") else None
    year = f.get("year", "").strip()
    if not date and year.isdigit():
        month = month_number(f.get("month", "").strip()) if f.get("month") else None
        date = normalize_date(int(year), month=month) if month else normalize_date(int(year))
    return make_paper(
        NAME,
        title=delatex(f["title"]) if "title" in f else None,
        abstract=delatex(f["abstract"]) if "abstract" in f else None,
        authors=split_bib_authors(f["author"]) if "author" in f else None,
        date=date,
        url=f.get("url"),
        arxiv=_arxiv(f),
        doi=f.get("doi"),
        ids={"source": entry.key or None},
        meta=non_empty([
            ("entry_type", entry.kind),
            ("bibtex_key", entry.key),
            ("venue", delatex(f.get("booktitle") or f.get("journal") or "").strip() or None),
            ("publisher", delatex(f.get("publisher", "")).strip() or None),
            ("keywords", split_list(delatex(f.get("keywords", "")))),
        ]),
    )


_STRING_NAME = re.compile(r"\s*@\s*\w+\s*[{(]\s*([A-Za-z_][\w\-:.+/]*)")


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    starts = [m.start() for m in _ENTRY_START.finditer(text)]
    line, prev = 1, 0
    for begin, end in zip(starts, starts[1:] + [len(text)]):
        line += text.count("\n", prev, begin)
        prev = begin
        yield line, text[begin:end]


def _bad_byte(chunk: str, line: int) -> str | None:
    match = re.search("[\udc80-\udcff]", chunk)
    if not match:
        return None
    return (f"invalid UTF-8 (byte 0x{ord(match.group()) - 0xDC00:02x} at line "
            f"{line + chunk.count(chr(10), 0, match.start())})")


def read_bibtex(path: Path) -> Iterator[Paper | Reject]:
    """Read a BibTeX file entry by entry; entries without an abstract are rejected.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "refs.bib"
    >>> _ = path.write_text("@article{a, title={{LoRA}}, abstract={We adapt.}, year=2022}\\n"
    ...                     "@misc{b, title={No abstract}}\\n")
    >>> [r.title if isinstance(r, Paper) else f"{r.location}: {r.reason}"
    ...  for r in read_bibtex(path)]
    ['LoRA', 'entry 2 (key b, line 2): missing or empty abstract']
    """
    path = Path(path)
    where = str(path)
    text = read_source_text(path)
    macros = _Macros(MONTH_MACROS)
    number = 0
    for line, chunk in _chunks(text):
        key_match = re.match(r"\s*@\s*\w+\s*[{(]\s*([^,\s{}()]*)", chunk)
        key = key_match.group(1) if key_match else ""
        kind = re.match(r"\s*@\s*(\w*)", chunk).group(1).lower()
        if kind == "string":
            name = _STRING_NAME.match(chunk)
            key = name.group(1) if name else ""
            loc = f"@string {key or '?'} (line {line})"
        else:
            if kind not in ("comment", "preamble"):
                number += 1
            loc = f"entry {number} (key {key or '?'}, line {line})"
        bad = _bad_byte(chunk, line)
        try:
            if bad:
                raise BadRecord(bad)
            entry = _parse_chunk(chunk, line, macros)
            if entry is not None:
                yield entry_to_paper(entry)
        except BadRecord as exc:
            if kind == "string" and key:
                macros[key.lower()] = line  # entries using it are rejected too
            yield Reject(where, loc, str(exc))


def _sniff(path: Path, head: str) -> bool:
    return bool(re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]\s*[^,\s]*\s*,", head, re.M))


READER = Reader(
    name=NAME,
    read=read_bibtex,
    sniff=_sniff,
    suffixes=(".bib", ".bibtex"),
    aliases=("bib", "biblatex"),
    description="BibTeX entries with abstract fields (author, year/month, doi, eprint, url)",
    priority=5,
    fallback=True,
)
