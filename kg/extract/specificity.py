"""How specific a discovered term is, and the list of generic terms kg leaves out.

A discovered term is *generic* when many papers use it and they come from every corner of
the field alike: "features", "downstream tasks", "computational cost", "real-world
datasets". Such a term names no topic; as a concept it becomes a hub that links unrelated
papers. Specificity is measured on a corpus whose papers carry topic labels (the arXiv
primary category) by two numbers:

``share``
    the share of the corpus's papers that use the term;
``spread``
    :func:`topic_divergence`, the Kullback–Leibler divergence (bits) of the term's papers
    over the topics from the corpus's own topic mix. Near 0: the term is used everywhere
    in proportion (generic); large: it belongs to a few topics ("magnetic resonance
    imaging", "sign language").

:func:`is_generic` is the rule; ``benchmarks/generic_terms.py`` applies it to the 74,728
arXiv CS papers of the project's data and writes ``kg/extract/data/generic_terms.txt``,
which :func:`load_generic_terms` reads. The Extractor leaves the terms listed there out of
its records (``ExtractSettings.drop_generic``).

Examples
--------
>>> base = {"cs.CV": 50, "cs.CL": 30, "cs.LG": 20}
>>> round(topic_divergence({"cs.CV": 5, "cs.CL": 3, "cs.LG": 2}, base), 3)  # as the corpus
0.0
>>> round(topic_divergence({"cs.CL": 40}, base), 2)                        # one topic
1.25
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path

__all__ = ["topic_divergence", "is_generic", "load_generic_terms", "GENERIC_TERMS_PATH",
           "MIN_SHARE", "MAX_SPREAD", "MAX_SPREAD_ONE_WORD", "MAX_DEFINED"]

GENERIC_TERMS_PATH = Path(__file__).with_name("data") / "generic_terms.txt"
#: Fewest papers, as a share of the corpus, that use a term judged generic (0.1 %).
MIN_SHARE = 0.001
#: Topic divergence (bits) under which a frequent term is generic.
MAX_SPREAD = 0.35
#: The same for a single lower-case word ("policy", "rules", "behavior"), which names a
#: topic less often than a phrase does.
MAX_SPREAD_ONE_WORD = 0.7
#: Most share of a term's papers that define it with an acronym ("magnetic resonance
#: imaging (MRI)"): authors name a concept they mean as one.
MAX_DEFINED = 0.2
#: Pseudo-count of the corpus topic mix added to a term's own (smooths rare terms).
_PRIOR = 5.0


def topic_divergence(counts: Mapping[str, int], base: Mapping[str, int]) -> float:
    """KL divergence (bits) of a term's papers per topic (``counts``) from the corpus's
    (``base``), the term's counts smoothed with 5 papers spread as the corpus is.

    Examples
    --------
    >>> topic_divergence({}, {"a": 1, "b": 1})
    0.0
    """
    total = sum(base.values())
    n = sum(counts.values())
    out = 0.0
    for topic, b in base.items():
        p_base = b / total
        p = (counts.get(topic, 0) + _PRIOR * p_base) / (n + _PRIOR)
        if p > 0:
            out += p * math.log2(p / p_base)
    return max(out, 0.0)


def is_generic(label: str, papers: int, corpus_papers: int, spread: float,
               defined: int = 0) -> bool:
    """Whether a discovered term is generic (see the module docs).

    Parameters
    ----------
    label : str
        The term's label.
    papers : int
        Papers of the corpus that use it.
    corpus_papers : int
        Papers in the corpus.
    spread : float
        Its :func:`topic_divergence`.
    defined : int
        Papers that define it with an acronym.

    Examples
    --------
    >>> is_generic("downstream tasks", 870, 74728, 0.13)
    True
    >>> is_generic("magnetic resonance imaging", 894, 74728, 1.03)
    False
    >>> is_generic("policy", 1326, 74728, 0.6)      # one word, fairly spread
    True
    >>> is_generic("vision transformer", 900, 74728, 0.2, defined=400)   # named (ViT)
    False
    """
    if papers < MIN_SHARE * corpus_papers or defined > MAX_DEFINED * papers:
        return False
    if any(ch.isupper() or ch.isdigit() for ch in label):
        return False  # acronyms, names and sizes: judged by their senses, not here
    one_word = " " not in label and "-" not in label
    return spread < (MAX_SPREAD_ONE_WORD if one_word else MAX_SPREAD)


def load_generic_terms(path: str | Path | None = None) -> frozenset[str]:
    """The slugs of the generic terms (``#`` starts a comment; a missing file: none).

    Examples
    --------
    >>> "downstream-task" in load_generic_terms()
    True
    """
    return _load(str(path or GENERIC_TERMS_PATH))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> frozenset[str]:
    p = Path(path)
    if not p.exists():
        return frozenset()
    with open(p, encoding="utf-8") as f:
        return frozenset(line.split("#", 1)[0].strip() for line in f
                         if line.split("#", 1)[0].strip())
