"""Abbreviations: Schwartz–Hearst long forms and the corpus acronym table.

:func:`long_form` is the Schwartz & Hearst (2003) algorithm: the short form's characters
are matched right-to-left in the words before the parenthesis, the first one at a word
start. :func:`find_definitions` applies it to raw text with a regular expression (cheap,
no spaCy), which is what the corpus pass (:class:`AcronymTable`) uses.

Examples
--------
>>> long_form("NTK", "the neural tangent kernel")
'neural tangent kernel'
>>> long_form("LSSKD", "We introduce Layered Self-Supervised Knowledge Distillation")
'Layered Self-Supervised Knowledge Distillation'
>>> long_form("FL", "an unrelated phrase") is None
True
>>> [d[:2] for d in find_definitions("We use gradient descent (GD) and GD again.")]
[('GD', 'gradient descent')]
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from kg.extract.normalize import word_key

__all__ = ["long_form", "is_short_form", "find_definitions", "fold_long_form", "majority_sense",
           "AcronymTable"]

_SF_RE = re.compile(r"\(\s*([A-Za-z][\w\-]{0,11}?)s?\s*\)")
_STOP_AT = re.compile(r"[,;:.!?()\[\]{}\"]\s")
_LEADING = frozenset({"the", "a", "an", "of", "and", "or", "in", "with"})
#: Characters before a parenthesis searched first for the clause start (see find_definitions).
_CLAUSE_WINDOW = 400


def is_short_form(sf: str) -> bool:
    """Whether ``sf`` looks like an abbreviation: 2–12 characters, starting with a letter,
    at least two capitals (or one capital and a digit), not a capitalized word.

    Examples
    --------
    >>> [is_short_form(s) for s in ("NTK", "LoRA", "GPT-4", "Adam", "e.g", "A")]
    [True, True, True, False, False, False]
    """
    if not 2 <= len(sf) <= 12 or not sf[0].isalpha():
        return False
    if any(not (ch.isalnum() or ch in "-") for ch in sf):
        return False
    upper = sum(ch.isupper() for ch in sf)
    digits = sum(ch.isdigit() for ch in sf)
    return upper >= 2 or (upper >= 1 and digits >= 1 and len(sf) <= 6)


def long_form(sf: str, before: str) -> str | None:
    """The Schwartz–Hearst long form of ``sf`` at the end of ``before``, or None.

    Only the last ``min(len(sf) + 5, 2 * len(sf))`` words of ``before`` are searched.

    Examples
    --------
    >>> long_form("CNN", "we train a convolutional neural network")
    'convolutional neural network'
    >>> long_form("RL", "learning by reinforcement") is None  # no "r" before the "l"
    True
    """
    letters = [ch for ch in sf if ch.isalnum()]
    n = len(letters)
    if n < 2:
        return None
    k = min(n + 5, 2 * n)
    words = before.rsplit(None, k)[-k:]  # the last k words, read from the right
    if not words:
        return None
    lf = " ".join(words)
    low = lf.lower()
    if len(low) != len(lf):  # a character whose lower case is longer: no index mapping
        low = None
    s, i = len(sf) - 1, len(lf) - 1
    while s >= 0:
        c = sf[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        if low is not None and len(c) == 1:
            i = low.rfind(c, 0, i + 1)
            if s == 0:  # the first character must start a word
                while i > 0 and lf[i - 1].isalnum():
                    i = low.rfind(c, 0, i)
        else:
            while i >= 0 and (lf[i].lower() != c or (s == 0 and i > 0 and lf[i - 1].isalnum())):
                i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    start = lf.rfind(" ", 0, i + 1) + 1
    out = lf[start:]
    if len(out) <= len(sf) or " " not in out and "-" not in out:
        return None
    if out.split()[0].lower() in _LEADING:
        out = out.split(" ", 1)[1] if " " in out else out
    return out


def find_definitions(text: str) -> list[tuple[str, str, int]]:
    """``(short form, long form, char start of the long form)`` defined in ``text``.

    The long form is searched in the clause before the parenthesis (up to the previous
    ``,;:.!?`` or bracket).

    Examples
    --------
    >>> find_definitions("We tune large language models (LLMs) with low-rank adaptation (LoRA).")
    [('LLM', 'large language models', 8), ('LoRA', 'low-rank adaptation', 42)]
    """
    out = []
    for m in _SF_RE.finditer(text):
        sf = m.group(1)
        if not is_short_form(sf):
            continue
        head = text[:m.start()].rstrip()
        cut = _clause_start(head)
        clause = head[cut:]
        lf = long_form(sf, clause)
        if lf:
            out.append((sf, lf, cut + clause.rfind(lf)))
    return out


def _clause_start(head: str) -> int:
    """Where the clause ending ``head`` starts: after its last ``,;:.!?`` or bracket.

    The last stop is looked for in the last :data:`_CLAUSE_WINDOW` characters first (stops
    never overlap, so one found there is the last of the whole text), so a long abstract
    is not rescanned from its start for every parenthesis.
    """
    lo = max(0, len(head) - _CLAUSE_WINDOW)
    cut = 0
    for b in _STOP_AT.finditer(head, lo):
        cut = b.end()
    if cut or lo == 0:
        return cut
    for b in _STOP_AT.finditer(head):  # no stop in the window: scan it all
        cut = b.end()
    return cut


def fold_long_form(lf: str) -> str:
    """The key long forms are compared by: hyphens as spaces, each word's key as the
    ontology matcher makes it (:func:`kg.extract.normalize.word_key`: case, plural, British
    spelling), white space collapsed.

    Examples
    --------
    >>> fold_long_form("Masked Auto-Encoders"), fold_long_form("super  resolution")
    ('masked auto encoder', 'super resolution')
    """
    return " ".join([word_key(w) for w in _HYPHEN_RE.sub(" ", lf).split()])


_HYPHEN_RE = re.compile("[-\u2010-\u2015]")


def majority_sense(papers: dict[str, int]) -> tuple[str, int] | None:
    """``(long form key, papers)`` given by a strict majority of the papers that define a
    short form (``papers``: long form key -> papers defining it so), or None; ties between
    counts break by the key.

    Examples
    --------
    >>> majority_sense({"segment anything model": 5, "sharpness aware minimization": 1})
    ('segment anything model', 5)
    >>> majority_sense({"a b": 1, "c d": 1}) is None
    True
    """
    total = sum(papers.values())
    if not total:
        return None
    best, n = min(papers.items(), key=lambda kv: (-kv[1], kv[0]))
    return (best, n) if n * 2 > total else None


class AcronymTable:
    """Short forms defined across a corpus, each with its majority long form.

    ``add_text`` counts the definitions of one paper (each pair once per paper); the table
    keeps, per short form, the long form (compared by :func:`fold_long_form`) given by a
    strict majority of the papers that define it — an ambiguous short form ("SAM": segment
    anything model and sharpness-aware minimization, equally often) is left out. The
    number of papers behind each entry is kept too (:attr:`entries`): the abbreviation
    detector trusts a long form that the ontology does not name only when at least
    ``ExtractSettings.acronym_min_papers`` papers give it (see
    ``benchmarks/acronym_senses.py``). Deterministic: ties break by the long form's text.

    Examples
    --------
    >>> t = AcronymTable()
    >>> t.add_text("the neural tangent kernel (NTK) of wide nets")
    >>> t.add_text("NTK theory says ...")
    >>> t.get("NTK"), t.entries["NTK"]
    ('neural tangent kernel', ('neural tangent kernel', 1))
    >>> len(t)
    1
    """

    def __init__(self, key=None) -> None:
        self._key = key or fold_long_form
        self._counts: dict[str, Counter] = defaultdict(Counter)
        self._surface: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self._table: dict[str, str] | None = None
        self._support: dict[str, int] = {}

    def add_text(self, text: str) -> None:
        """Count the definitions in one paper's text."""
        seen = set()
        for sf, lf, _ in find_definitions(text):
            k = self._key(lf)
            if (sf, k) in seen:
                continue
            seen.add((sf, k))
            self._counts[sf][k] += 1
            self._surface[(sf, k)][lf] += 1
        self._table = None

    def counts(self) -> tuple[dict, dict]:
        """The definitions counted so far, as plain picklable dicts (see :meth:`merge`)."""
        return ({sf: dict(c) for sf, c in self._counts.items()},
                {key: dict(c) for key, c in self._surface.items()})

    def merge(self, counts: tuple[dict, dict]) -> None:
        """Add the :meth:`counts` of another table (of another part of the corpus): the
        tables of the parts, merged in any order, make the table of the whole.

        >>> a, b, whole = AcronymTable(), AcronymTable(), AcronymTable()
        >>> texts = ["low-rank adaptation (LoRA)", "LoRA (low rank adaptation)",
        ...          "the low-rank adaptation (LoRA) of ..."]
        >>> for table, part in ((a, texts[:1]), (b, texts[1:]), (whole, texts)):
        ...     _ = table.add_texts(part)
        >>> b.merge(a.counts())
        >>> b.table == whole.table, b.table
        (True, {'LoRA': 'low-rank adaptation'})
        """
        sf_counts, surface = counts
        for sf, c in sf_counts.items():
            self._counts[sf].update(c)
        for key, c in surface.items():
            self._surface[key].update(c)
        self._table = None

    def add_texts(self, texts: Iterable[str]) -> "AcronymTable":
        for t in texts:
            self.add_text(t)
        return self

    def _build(self) -> dict[str, str]:
        table, support = {}, {}
        for sf, counts in self._counts.items():
            sense = majority_sense(counts)
            if sense is not None:
                best, support[sf] = sense
                surf = sorted(self._surface[(sf, best)].items(), key=lambda kv: (-kv[1], kv[0]))
                table[sf] = surf[0][0]
        self._support = support
        return table

    @property
    def table(self) -> dict[str, str]:
        """``{short form: long form}`` of the unambiguous short forms."""
        if self._table is None:
            self._table = self._build()
        return self._table

    @property
    def entries(self) -> dict[str, tuple[str, int]]:
        """``{short form: (long form, papers giving it)}``: what the extractor takes."""
        return {sf: (lf, self._support[sf]) for sf, lf in self.table.items()}

    def get(self, sf: str) -> str | None:
        return self.table.get(sf)

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, sf: object) -> bool:
        return sf in self.table

    def to_dict(self) -> dict[str, str]:
        return dict(sorted(self.table.items()))
