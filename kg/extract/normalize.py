"""Token keys: the normalized form under which mentions and labels are compared.

A token's *key* is lower-cased, US-spelled (``-ise``/``-isation``/``-our``/``modelling``),
singular, and free of inner hyphens; a label or a stretch of text is keyed by
concatenating its tokens' keys, so "over-parameterized", "over parameterized" and
"Overparametrized" all share one key. Case-sensitive labels (see
:func:`kg.ontology.match_case`) use the *cased key* instead, which keeps the letters' case
and only drops a plural ``s`` after a capital ("CNNs" → "CNN").

The rules only need to be *consistent* (the same function keys labels and text) and must
not merge distinct terms; they may produce non-words ("noise" → "noize").

Examples
--------
>>> [word_key(w) for w in ("Overparametrized", "behaviours", "modelling", "laws")]
['overparameterized', 'behavior', 'modeling', 'law']
>>> word_key("regularisation") == word_key("regularization")
True
>>> cased_key("CNNs"), cased_key("LoRA"), cased_key("CIFAR-10")
('CNN', 'LoRA', 'CIFAR10')
>>> slugify("Self-Supervised  Learning!")
'self-supervised-learning'
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["word_key", "cased_key", "singular", "slugify", "HYPHENS"]

#: Characters treated as word-joining hyphens when they touch both neighbours.
HYPHENS = frozenset("-‐‑‒–")

# -ise words that are -ise in US English too (stems before "e", "ed", "ing" ...)
_ISE_KEEP = frozenset(
    """premis promis surpris enterpris compris expertis exercis advis supervis revis devis
    otherwis likewis nois rais prais precis concis ris aris wis paradis franchis compromis
    disguis treatis improvis televis excis incis cruis bruis pois chemis demis despis
    merchandis mis clos""".split()
)
_ISE = re.compile(r"^([a-z]{2,}is)(e|ed|es|er|ers|ing)$")


def _ise(m: re.Match) -> str:
    stem = m.group(1)
    if stem in _ISE_KEEP or any(stem.endswith(k) for k in ("vis", "wis", "cis", "pris")):
        return m.group(0)
    return stem[:-1] + "z" + m.group(2)


_BRIT = [
    (re.compile(r"isation"), "ization"),
    (_ISE, _ise),
    (re.compile(r"(?<=[a-z]{2})ys(e|ed|es|er|ers|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{3})our(s|ed|ing|hood|hoods|ite|ites|able|ably|less|ful|er|ers)?$"), r"or\1"),
    (re.compile(r"([aeo])ll(ing|ed|er|ers)$"), r"\1l\2"),
    (re.compile(r"(?<=[a-z]{3})tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"parametr(?!e)"), "parameter"),
]
_VOWELS = set("aeiou")
_BRIT_ANY = re.compile(r"is|ys|our|ll|tre|ogue|parametr")


def singular(word: str) -> str:
    """A cheap singular of a lower-case word (only used for keys).

    Examples
    --------
    >>> [singular(w) for w in ("networks", "losses", "studies", "biases", "analysis", "gas")]
    ['network', 'loss', 'study', 'bias', 'analysis', 'gas']
    """
    n = len(word)
    if n <= 3 or not word.endswith("s") or not word[-2].isalpha():
        return word
    if word.endswith("ss") or word.endswith("us") or word.endswith("is"):
        return word
    if word.endswith("ies") and n > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith(("iases", "uses")) and n > 5:
        return word[:-2]  # biases -> bias, aliases -> alias, viruses -> virus
    return word[:-1]


def word_key(word: str) -> str:
    """The case-insensitive key of one token's text.

    Examples
    --------
    >>> word_key("Neural"), word_key("self-supervised"), word_key("colour")
    ('neural', 'selfsupervised', 'color')
    """
    w = word.lower()
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w)
        w = "".join(ch for ch in w if not unicodedata.combining(ch))
    if len(w) > 1:
        w = "".join(ch for ch in w if ch not in HYPHENS)
    if len(w) > 3 and w.isalpha():
        if len(w) > 4 and _BRIT_ANY.search(w):
            for pattern, repl in _BRIT:
                w = pattern.sub(repl, w)
        w = singular(w)
    return w


def cased_key(word: str) -> str:
    """The case-sensitive key of one token's text: hyphens dropped, plural ``s`` after a
    capital dropped.

    Examples
    --------
    >>> cased_key("LLMs"), cased_key("Sam"), cased_key("GPT-4")
    ('LLM', 'Sam', 'GPT4')
    """
    w = word
    if len(w) > 1:
        w = "".join(ch for ch in w if ch not in HYPHENS)
    if len(w) > 2 and w.endswith("s") and w[-2].isupper():
        w = w[:-1]
    return w


def slugify(text: str) -> str:
    """A URL-safe slug: lower-case ASCII words joined by ``-``.

    Examples
    --------
    >>> slugify("Layered Self-Supervised Knowledge Distillation")
    'layered-self-supervised-knowledge-distillation'
    """
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    return "-".join(re.findall(r"[a-z0-9]+", t))
