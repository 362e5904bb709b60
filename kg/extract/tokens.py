"""Per-document token analysis shared by the extraction components (the hot path).

:func:`analyze` turns a :class:`~spacy.tokens.Doc` into flat Python lists (one entry per
token) of keys and kinds, read through ``doc.to_array`` and a per-process cache keyed by
the token's orth hash, so no :class:`~spacy.tokens.Token` objects are created. The result
is stored in ``doc.user_data`` and reused by every component of the pipeline.

Token kinds: :data:`WORD` (letters), :data:`NUMBER` (no letters, some digit),
:data:`HYPHEN` (a hyphen token, a joiner when it touches both neighbours), :data:`BREAK`
(punctuation that ends a term) and :data:`SPACE` (white space tokens). ``OTHER``
punctuation (``/``, ``+``, ``&`` ...) may sit inside a label.

Examples
--------
>>> import spacy
>>> doc = spacy.blank("en")("Over-parameterized CNNs, e.g. ResNet")
>>> a = analyze(doc)
>>> list(a.low[:3]), a.joined[1], a.kind[4] == BREAK
(['over', '-', 'parameterized'], True, True)
>>> a.mixed[3], a.text(0, 3)
('CNN', 'Over-parameterized')
"""
from __future__ import annotations

import re
from itertools import compress, repeat
from operator import add, is_

from spacy.attrs import IDX, ORTH, SPACY

from kg.extract.lexicon import load_lexicon
from kg.extract.normalize import HYPHENS, cased_key, word_key

__all__ = ["Analysis", "analyze", "sentence_starts", "token_info", "WORD", "NUMBER", "HYPHEN", "BREAK", "SPACE", "OTHER"]

WORD, NUMBER, HYPHEN, BREAK, SPACE, OTHER = range(6)
_BREAK_CHARS = set(",;:.()[]{}\"!?“”‘’'`«»…—|")
#: Tokens that are no words: URLs, e-mail addresses, LaTeX commands and braces.
_NOT_WORDS = re.compile(r"://|^www\.|\w@\w|\\[A-Za-z]|[{}]")
_USER_KEY = "kg_analysis"
#: ``doc.user_data`` key where a caller may put the doc's text (saves rebuilding it).
TEXT_KEY = "kg_text"
_CACHE: dict[int, tuple] = {}
_CACHE_MAX = 300_000


def token_info(text: str) -> tuple:
    """``(lower, low_key, mixed_key, kind, length)`` of one token's text.

    ``mixed_key`` is the cased key for tokens with a capital after their first letter
    (acronyms, CamelCase) and the low key otherwise; case-sensitive labels are matched on it.

    Examples
    --------
    >>> token_info("LoRA")[:4], token_info("Sam")[2], token_info("-")[3] == HYPHEN
    (('lora', 'lora', 'LoRA', 0), 'sam', True)
    >>> [token_info(t)[3] == BREAK for t in ("https://x.github.io/", "a@b.org", "\\textit{x")]
    [True, True, True]
    """
    lower = text.lower()
    if text.isspace():
        kind = SPACE
    elif _NOT_WORDS.search(text):  # a URL, an e-mail address, LaTeX markup: never a term
        kind = BREAK
    elif any(ch.isalpha() for ch in text):
        kind = WORD
    elif any(ch.isdigit() for ch in text):
        kind = NUMBER
    elif len(text) == 1 and text in HYPHENS:
        kind = HYPHEN
    elif any(ch in _BREAK_CHARS for ch in text):
        kind = BREAK
    else:
        kind = OTHER
    low = word_key(text) if kind == WORD else lower
    if kind == WORD and any(ch.isupper() for ch in text[1:]):
        mixed = cased_key(text)
    else:
        mixed = low
    return (lower, low, mixed, kind, len(text), text, _default_flag(lower, kind))


_FLAG_FN = None


def _default_flag(lower: str, kind: int) -> str:
    """The term-chunker flag of a token under the default lexicon (cached with the token)."""
    global _FLAG_FN
    if _FLAG_FN is None:
        lex = load_lexicon()
        _FLAG_FN = lambda w, k: lex.word_flag(w) if k == WORD else "b"  # noqa: E731
    return _FLAG_FN(lower, kind)


class Analysis:
    """Flat per-token lists of one doc (see the module docstring).

    Attributes
    ----------
    lower, low, mixed : tuple of str
        Lower-cased text, case-insensitive key, case-sensitive key.
    kind : tuple of int
        Token kinds.
    start, end : list of int
        Character offsets of each token in ``doc.text``.
    flag : tuple of str
        Chunker flags under the default lexicon (see :func:`kg.extract.discovery.flags`).
    joined : list of bool
        For a hyphen token: whether it joins its neighbours ("over-parameterized").
    """

    __slots__ = ("doc_text", "lower", "low", "mixed", "kind", "start", "end", "joined",
                 "infos", "hyphens", "flag")

    def __init__(self, doc) -> None:
        self.doc_text = ""
        n = len(doc)
        self.lower: tuple = ()
        self.low: tuple = ()
        self.mixed: tuple = ()
        self.kind: tuple = ()
        self.start: list[int] = []
        self.end: list[int] = []
        self.flag: tuple = ()
        self.joined: list[bool] = [False] * n
        self.infos: list[tuple] = []
        self.hyphens: list[int] = []
        if not n:
            return
        arr = doc.to_array([ORTH, SPACY, IDX])
        orths = arr[:, 0].tolist()
        cache = _CACHE
        if len(cache) > _CACHE_MAX:
            cache.clear()
        infos = list(map(cache.get, orths))  # C-level: no Python loop per token
        if None in infos:
            strings = doc.vocab.strings
            # the new words' positions, found at C speed (most docs have a few)
            for t in compress(range(n), map(is_, infos, repeat(None))):
                o = orths[t]
                info = cache.get(o)
                if info is None:
                    info = cache[o] = token_info(strings[o])
                infos[t] = info
        self.infos = infos
        # one C-level transpose instead of a Python loop per field
        self.lower, self.low, self.mixed, self.kind, lens, toks, self.flag = zip(*infos)
        kind = self.kind
        spaces = arr[:, 1].tolist()
        self.start = start = arr[:, 2].tolist()
        self.end = list(map(add, start, lens))
        text = doc.user_data.get(TEXT_KEY)
        if text is None:
            # doc.text would build a Token object per token; the pieces are at hand here
            text = "".join([t + " " if sp else t for t, sp in zip(toks, spaces)])
        self.doc_text = text
        self.hyphens = []
        if HYPHEN in kind:
            self._join_hyphens(spaces)

    def _join_hyphens(self, spaces: list) -> None:
        """Mark the hyphen tokens that join the words (or numbers) they touch."""
        kind, joined, hyphens = self.kind, self.joined, self.hyphens
        last = len(kind) - 1
        find = kind.index
        i = 0  # a hyphen at either end of the doc joins nothing
        try:
            while True:
                i = find(HYPHEN, i + 1, last)  # found at C speed, not token by token
                if not spaces[i - 1] and not spaces[i] and kind[i + 1] <= NUMBER \
                        and kind[i - 1] <= NUMBER:
                    joined[i] = True
                    hyphens.append(i)
        except ValueError:  # no hyphen left
            pass

    def text(self, i: int, j: int) -> str:
        """The document text of tokens ``i`` to ``j`` (exclusive)."""
        return self.doc_text[self.start[i]:self.end[j - 1]]


#: A sentence end: ``.!?`` (closing quotes and brackets may follow) before a capital or a
#: digit, or a blank line. Both branches start with the one character class, so the
#: search skips ahead to the next ``.!?`` or newline instead of trying every position.
_SENT_END = re.compile(
    r"[.!?\n](?:(?<=[.!?])[\"')\]\u201d\u2019]*\s+(?=[\"(\u201c]?[A-Z0-9])|(?<=\n)[ \t]*\n\s*)"
)
_NO_END = re.compile(r"(?:\be\.g|\bi\.e|\bal|\bvs|\bFig|\bEq)$")


def sentence_starts(a: Analysis) -> list[int]:
    r"""Character offsets where sentences start (rule-based, for blank pipelines).

    A sentence ends at ``.``, ``!`` or ``?`` (closing quotes and brackets may follow)
    when the next word starts with a capital or a digit (not after "e.g.", "i.e.", "al.",
    "vs.", "Fig.", "Eq."), and at blank lines.

    Examples
    --------
    >>> import spacy
    >>> a = analyze(spacy.blank("en")("We use GD. It works, e.g. here! 3 cases.\n\nNext"))
    >>> [a.doc_text[s:s + 4] for s in sentence_starts(a)]
    ['We u', 'It w', '3 ca', 'Next']
    """
    text = a.doc_text
    out = [0]
    for m in _SENT_END.finditer(text):
        k = m.start()
        if text[k] == "." and _NO_END.search(text, max(0, k - 4), k):
            continue
        out.append(m.end())
    return out


def analyze(doc) -> Analysis:
    """The (cached) :class:`Analysis` of ``doc``.

    Examples
    --------
    >>> import spacy
    >>> doc = spacy.blank("en")("A doc")
    >>> analyze(doc) is analyze(doc)
    True
    """
    a = doc.user_data.get(_USER_KEY)
    if a is None:
        a = doc.user_data[_USER_KEY] = Analysis(doc)
    return a


def key_of(a: Analysis, i: int, j: int, cased: bool) -> str | None:
    """The concatenated key of tokens ``i:j``, or None if a break lies inside.

    Hyphens that join words and white space vanish from keys; other hyphens and breaks make
    the stretch unmatchable.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> a = analyze(nlp("over-parametrized models"))
    >>> key_of(a, 0, len(a.low), False)
    'overparameterizedmodel'
    """
    keys = a.mixed if cased else a.low
    parts = []
    for t in range(i, j):
        k = a.kind[t]
        if k == SPACE:
            continue
        if k == HYPHEN:
            if a.joined[t]:
                continue
            return None
        if k == BREAK:
            return None
        parts.append(keys[t])
    return "".join(parts)
