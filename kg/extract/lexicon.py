"""The small word lexicon shipped with kg (``kg/extract/data/lexicon.json``).

It holds word statistics the term chunker uses on a blank pipeline (no tagger):

``boundary``
    Words that end a term: function words, verbs, adverbs, pronouns, determiners.
``strip_first`` / ``strip_last``
    Words that begin/end candidate phrases far more often than they begin/end real terms
    ("novel", "proposed", "such"; "based", "approach"), with the share they are kept.
``not_last``
    Adjectives and verb forms that never end a term ("competitive", "sufficient",
    "related"): rarely a noun and almost never the last word of a noun chunk.
``phrase``
    A logistic model of termhood: weights of the phrase's head word, first word, length
    and shape (see :func:`kg.extract.discovery.phrase_features`).

How it was made (``python -m kg.extract._learn``): part-of-speech and noun-chunk rates of
each word from ``en_core_web_sm`` over ~3,150 arXiv CS abstracts (70 per file) plus the SciERC *train*
texts, and gold term boundaries of SciERC *train* (never dev). The learner writes the file;
it is small (a few hundred kB) and loaded once per process.

Examples
--------
>>> lex = load_lexicon()
>>> "the" in lex.boundary and "of" in lex.boundary and "network" not in lex.boundary
True
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Lexicon", "load_lexicon", "LEXICON_PATH"]

LEXICON_PATH = Path(__file__).with_name("data") / "lexicon.json"

# Always boundaries, whatever the data says (closed classes, reporting verbs).
BASE_BOUNDARY = frozenset(
    """a an the this that these those such our their its his her my your we they it he she
    i you us them which who whom whose what where when while whether how why there here
    of in on at by for with from to into onto upon over under via than as and or nor but
    if so then thus hence also not no any all each every both either neither some many
    much more most less least few several other another same own only just very too
    is are was were be been being am has have had having do does did done can could
    may might must shall should will would using use used uses based show shows shown
    showed propose proposes proposed present presents presented introduce introduces
    introduced demonstrate demonstrates achieve achieves achieved study studies studied
    provide provides provided consider considers considered allow allows allowed enable
    enables enabled require requires required improve improves improved make makes made
    however therefore moreover furthermore although though because since unlike despite
    e.g. i.e. etc et al. vs.""".split()
)


@dataclass
class Lexicon:
    """Word statistics for the chunker and the termhood model (see the module doc)."""

    boundary: frozenset = frozenset()
    strip_first: dict = field(default_factory=dict)
    strip_last: dict = field(default_factory=dict)
    not_last: frozenset = frozenset()
    phrase: dict = field(default_factory=dict)
    inside: dict = field(default_factory=dict)
    flag_cache: dict = field(default_factory=dict, repr=False)

    def word_flag(self, lower: str) -> str:
        """The chunker flag of a word (``lower``: its lower-cased text): ``b`` for a
        boundary word (a stop word, or an adverb in ``-ly`` not seen inside terms), else
        ``c`` for content.

        >>> lex = Lexicon(boundary=frozenset({"the"}))
        >>> lex.word_flag("the"), lex.word_flag("quickly"), lex.word_flag("kernel")
        ('b', 'b', 'c')
        """
        if lower in self.boundary or (len(lower) > 4 and lower[-2:] == "ly"
                                      and lower not in self.inside):
            return "b"
        return "c"

    @classmethod
    def from_dict(cls, d: dict) -> "Lexicon":
        return cls(
            boundary=frozenset(d.get("boundary", ())) | BASE_BOUNDARY,
            strip_first=dict(d.get("strip_first", {})),
            strip_last=dict(d.get("strip_last", {})),
            not_last=frozenset(d.get("not_last", ())),
            phrase=dict(d.get("phrase", {})),
            inside=dict(d.get("inside", {})),
        )


def load_lexicon(path: str | None = None) -> Lexicon:
    """Load the shipped lexicon (cached per path); a missing file gives the base word lists.

    >>> load_lexicon() is load_lexicon(None)
    True
    """
    return _load(str(Path(path) if path else LEXICON_PATH))


@functools.lru_cache(maxsize=4)
def _load(path: str) -> Lexicon:
    p = Path(path)
    if not p.exists():
        return Lexicon.from_dict({})
    with open(p, encoding="utf-8") as f:
        return Lexicon.from_dict(json.load(f))
