"""Term discovery without a tagger: a lexicon chunker and a termhood score.

Candidates are maximal runs of *content units* (a word, or words joined by hyphens such as
"over-parameterized") between boundaries (punctuation, white space tokens, numbers and the
:class:`~kg.extract.lexicon.Lexicon` boundary words: function words, verbs, adverbs).
Leading and trailing words that rarely begin or end real terms ("novel", "proposed",
"based") are trimmed, then each candidate is scored by a small logistic model of termhood
learned from SciERC train (:func:`phrase_features`). With a tagger in the pipeline, spaCy
noun chunks (determiners and pronouns removed) are used as candidates instead.

Examples
--------
>>> import spacy
>>> from kg.extract.tokens import analyze
>>> doc = spacy.blank("en")("We propose a novel statistical machine translation model.")
>>> [doc[i:j].text for i, j in chunk(analyze(doc))]
['statistical machine translation model']
"""
from __future__ import annotations

import math
import re

from kg.extract.tokens import HYPHEN, NUMBER, WORD, Analysis
from kg.extract.lexicon import Lexicon, load_lexicon

__all__ = ["chunk", "flags", "units", "phrase_features", "phrase_score", "span_score",
           "PhraseScorer", "MAX_UNITS"]

#: Longest candidate kept, in units.
MAX_UNITS = 6


def units(a: Analysis, lex: Lexicon | None = None) -> list[tuple[int, int, bool]]:
    """Content/boundary units of a doc: ``(start, end, is_content)`` token ranges.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> a = analyze(spacy.blank("en")("the over-parameterized regime"))
    >>> units(a)
    [(0, 1, False), (1, 4, True), (4, 5, True)]
    """
    lex = lex or load_lexicon()
    boundary = lex.boundary
    kind, joined, lower = a.kind, a.joined, a.lower
    n = len(kind)
    out = []
    i = 0
    while i < n:
        j = i + 1
        while j + 1 < n and joined[j]:
            j += 2
        if j - i > 1:
            out.append((i, j, True))
        else:
            k = kind[i]
            w = lower[i]
            content = k == WORD and w not in boundary and not (
                len(w) > 4 and w.endswith("ly") and w not in lex.inside
            )
            out.append((i, j, content))
        i = j
    return out


_RUN = re.compile(r"c+(?:hc+)*")



def flags(a: Analysis, lex: Lexicon) -> str:
    """One character per token: ``c`` content, ``b`` boundary, ``h`` joining hyphen.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> flags(analyze(spacy.blank("en")("the state-of-the-art model")), load_lexicon())
    'bchchchcc'
    """
    if lex is load_lexicon() and a.flag:
        out = list(a.flag)
        for h in a.hyphens:
            out[h - 1] = out[h + 1] = "c"
            out[h] = "h"
        return "".join(out)
    cache = lex.flag_cache
    out = [cache.get(x[0]) for x in a.infos]
    if None in out:
        for t, x in enumerate(a.infos):
            if out[t] is None:
                out[t] = cache[x[0]] = lex.word_flag(x[0]) if x[3] == WORD else "b"
    for h in a.hyphens:
        out[h - 1] = out[h + 1] = "c"
        out[h] = "h"
    return "".join(out)


def chunk(a: Analysis, lex: Lexicon | None = None) -> list[tuple[int, int]]:
    """Candidate term spans ``(start, end)`` (token indices), trimmed, in text order.

    Runs of content units are found with a regular expression over :func:`flags`; a
    single-word unit at either end is trimmed while it rarely starts/ends a term.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> doc = spacy.blank("en")("We study rank decomposition matrices of sparse spectral tuning.")
    >>> [doc[i:j].text for i, j in chunk(analyze(doc))]
    ['rank decomposition matrices', 'sparse spectral tuning']
    >>> doc = spacy.blank("en")("a word error rate competitive with larger systems")
    >>> [doc[i:j].text for i, j in chunk(analyze(doc))]
    ['word error rate', 'systems']
    """
    lex = lex or load_lexicon()
    sf, sl, not_last = lex.strip_first, lex.strip_last, lex.not_last
    lower = a.lower
    fl = flags(a, lex)
    out = []
    for m in _RUN.finditer(fl):
        i, j = m.span()
        # trim single-word units (not followed/preceded by a joining hyphen)
        while j - i > 1 and fl[i + 1] != "h" and sf.get(lower[i], 1.0) < 0.25:
            i += 1
        while j - i > 1 and fl[j - 2] != "h" and (
                sl.get(lower[j - 1], 1.0) < 0.25 or lower[j - 1] in not_last):
            j -= 1
        if j - i > MAX_UNITS:
            # keep the last MAX_UNITS units
            units_seen, k = 0, j
            while k > i:
                k -= 1
                if fl[k] == "c" and (k == i or fl[k - 1] != "h"):
                    units_seen += 1
                    if units_seen == MAX_UNITS:
                        break
            i = k
        out.append((i, j))
    return out


def phrase_features(a: Analysis, i: int, j: int) -> list[str]:
    """Features of the candidate ``i:j`` for the termhood model.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> a = analyze(spacy.blank("en")("word alignment models"))
    >>> phrase_features(a, 0, 3)
    ['b', 'h=model', 'f=word', 'n=3']
    """
    low, mixed, kind = a.low, a.mixed, a.kind
    first = last = None
    nw = 0
    caps = hyph = num = False
    for t in range(i, j):
        k = kind[t]
        if k == HYPHEN:
            hyph = True
            continue
        if first is None:
            first = t
        last = t
        nw += 1
        if k == NUMBER:
            num = True
        elif not caps and mixed[t] != low[t]:
            caps = True
    feats = ["b", "h=" + low[last], "f=" + low[first], "n=%d" % (nw if nw < 5 else 5)]
    if nw == 1:
        feats.append("u=" + low[first])
    if caps:
        feats.append("caps" if nw > 1 else "caps1")
    if hyph:
        feats.append("hyph")
    if num:
        feats.append("num")
    st = a.start[i]
    if st > 0 and a.doc_text[st - 1] == "(" and j < len(kind) and a.lower[j] == ")":
        feats.append("paren")
    return feats


def span_score(a: Analysis, i: int, j: int, weights: dict) -> tuple[float, bool]:
    """``(score, context_free)`` of the candidate ``i:j``: the same number as
    ``phrase_score(phrase_features(a, i, j), weights)`` without building the feature list
    (hot path); ``context_free`` is False when the parenthesis feature fired.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> a = analyze(spacy.blank("en")("word alignment models"))
    >>> w = load_lexicon().phrase
    >>> span_score(a, 0, 3, w)[0] == phrase_score(phrase_features(a, 0, 3), w)
    True
    """
    low, kind = a.low, a.kind
    # slices and C-level tests instead of a loop over the tokens (hot path); a token that
    # is not a word has its low key as its mixed key, so comparing the slices finds caps
    ks = kind[i:j]
    first, last = i, j - 1
    if HYPHEN in ks:
        hyph = True
        nw = len(ks) - ks.count(HYPHEN)
        if not nw:  # only hyphens (possible with noun-chunk candidates)
            return 0.0, True
        while kind[first] == HYPHEN:
            first += 1
        while kind[last] == HYPHEN:
            last -= 1
    else:
        hyph = False
        nw = len(ks)
        if not nw:
            return 0.0, True
    num = NUMBER in ks
    caps = a.mixed[i:j] != low[i:j]
    g = weights.get
    z = g("b", 0.0) + g("h=" + low[last], 0.0) + g("f=" + low[first], 0.0) \
        + g(_NFEAT[nw if nw < 5 else 5], 0.0)
    if nw == 1:
        z += g("u=" + low[first], 0.0)
    if caps:
        z += g("caps" if nw > 1 else "caps1", 0.0)
    if hyph:
        z += g("hyph", 0.0)
    if num:
        z += g("num", 0.0)
    free = True
    st = a.start[i]
    if st > 0 and a.doc_text[st - 1] == "(" and j < len(kind) and a.lower[j] == ")":
        z += g("paren", 0.0)
        free = False
    if z < -30:
        return 0.0, free
    return 1.0 / (1.0 + math.exp(-z)), free


_NFEAT = ["n=%d" % k for k in range(6)]


class PhraseScorer:
    """:func:`span_score` with the weights split into per-word tables (the hot path of term
    discovery): no feature strings are built, and the terms of the sum are added in the same
    order, so the scores are the same floats.

    Only for spans that start and end on a content unit (what :func:`chunk` yields and
    their sub-phrases): a leading or trailing hyphen is not skipped here.

    Examples
    --------
    >>> import spacy
    >>> from kg.extract.tokens import analyze
    >>> a = analyze(spacy.blank("en")("a self-supervised word alignment model (SSWAM)"))
    >>> w = load_lexicon().phrase
    >>> scorer = PhraseScorer(w)
    >>> all(scorer.score(a, i, j, False) == span_score(a, i, j, w)[0]
    ...     for i, j in [(1, 7), (4, 7), (1, 4), (6, 7)])
    True
    >>> scorer.score(a, 8, 9, True) == span_score(a, 8, 9, w)[0]
    True
    """

    def __init__(self, weights: dict) -> None:
        def table(prefix: str) -> dict:
            n = len(prefix)
            return {k[n:]: v for k, v in weights.items() if k.startswith(prefix)}

        g = weights.get
        self.base = g("b", 0.0)
        self.head = table("h=")
        self.first = table("f=")
        self.unit = table("u=")
        self.length = [g(f, 0.0) for f in _NFEAT]
        self.caps, self.caps1 = g("caps", 0.0), g("caps1", 0.0)
        self.hyph, self.num, self.paren = g("hyph", 0.0), g("num", 0.0), g("paren", 0.0)

    def score(self, a: Analysis, i: int, j: int, paren: bool) -> float:
        """The termhood probability of tokens ``i:j``; ``paren``: written as "(term)"."""
        low = a.low
        ks = a.kind[i:j]
        nw = len(ks)
        hyph = HYPHEN in ks
        if hyph:
            nw -= ks.count(HYPHEN)
        first = low[i]
        z = self.base + self.head.get(low[j - 1], 0.0) + self.first.get(first, 0.0) \
            + self.length[nw if nw < 5 else 5]
        if nw == 1:
            z += self.unit.get(first, 0.0)
        if a.mixed[i:j] != low[i:j]:
            z += self.caps if nw > 1 else self.caps1
        if hyph:
            z += self.hyph
        if NUMBER in ks:
            z += self.num
        if paren:
            z += self.paren
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def sub_scores(self, a: Analysis, i: int, j: int) -> list[tuple[int, int, float]]:
        """``(start, end, score)`` of the sub-phrases of the unhyphenated term ``i:j``:
        the suffixes ``(s, j)``, then the prefixes ``(i, e)`` of two words or more, each
        score rounded to 4 places; the same floats as :meth:`score` (context-free), with
        the parts shared by a term's sub-phrases looked up once.

        Examples
        --------
        >>> import spacy
        >>> from kg.extract.tokens import analyze
        >>> a = analyze(spacy.blank("en")("deep reinforcement learning agents"))
        >>> scorer = PhraseScorer(load_lexicon().phrase)
        >>> all(sc == round(scorer.score(a, s, e, False), 4)
        ...     for s, e, sc in scorer.sub_scores(a, 0, 4))
        True
        >>> [(s, e) for s, e, _ in scorer.sub_scores(a, 0, 4)]
        [(1, 4), (2, 4), (3, 4), (0, 2), (0, 3)]
        """
        low, mixed, kind = a.low, a.mixed, a.kind
        base, head, first, length = self.base, self.head.get, self.first.get, self.length
        unit, caps, caps1, num = self.unit.get, self.caps, self.caps1, self.num
        exp = math.exp
        # what no sub-phrase has when the whole term lacks it is not looked for in each
        cased = mixed[i:j] != low[i:j]
        numbers = NUMBER in kind[i:j]
        out = []
        last_word = head(low[j - 1], 0.0)  # the head of every suffix
        for s in range(i + 1, j):
            nw = j - s
            f = low[s]
            z = base + last_word + first(f, 0.0) + length[nw if nw < 5 else 5]
            if nw == 1:
                z += unit(f, 0.0)
            if cased and mixed[s:j] != low[s:j]:
                z += caps if nw > 1 else caps1
            if numbers and NUMBER in kind[s:j]:
                z += num
            out.append((s, j, 0.0 if z < -30 else round(1.0 / (1.0 + exp(-z)), 4)))
        first_word = first(low[i], 0.0)  # the first word of every prefix
        for e in range(i + 2, j):
            nw = e - i
            z = base + head(low[e - 1], 0.0) + first_word + length[nw if nw < 5 else 5]
            if cased and mixed[i:e] != low[i:e]:
                z += caps
            if numbers and NUMBER in kind[i:e]:
                z += num
            out.append((i, e, 0.0 if z < -30 else round(1.0 / (1.0 + exp(-z)), 4)))
        return out


def phrase_score(feats: list[str], weights: dict) -> float:
    """The termhood probability of a candidate given the model weights.

    Examples
    --------
    >>> phrase_score(["b"], {"b": 0.0})
    0.5
    """
    z = 0.0
    for f in feats:
        z += weights.get(f, 0.0)
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))
