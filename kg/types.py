"""Core records shared by every stage: :class:`Paper`, :class:`Reject` and the id rules.

A paper's stable id is, in order of preference: its arXiv id without version suffix, its
DOI (lower-cased), the source's own id (OpenReview, Semantic Scholar, OpenAlex, ...), or a
hash of its normalized title.

Examples
--------
>>> arxiv_id("https://arxiv.org/abs/2509.04664v2")
'2509.04664'
>>> arxiv_id("hep-th/9901001v1")
'hep-th/9901001'
>>> arxiv_id("P05-1044") is None
True
>>> normalize_doi("https://doi.org/10.1002/SPE.2984")
'10.1002/spe.2984'
>>> title_key("On the Generalization  Mystery in Deep-Learning!")
'on the generalization mystery in deep learning'
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

_NEW_ARXIV = re.compile(r"(?<![\w.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\w.])")
_OLD_ARXIV = re.compile(r"(?<![\w.])([a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\w.])")
_ARXIV_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.I)
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?\s*(10\.\d{4,9}/\S+)$", re.I)


def arxiv_id(value: object) -> str | None:
    """Return the arXiv id in ``value`` without its version suffix, or ``None``.

    Accepts bare ids (``2509.04664v1``, ``hep-th/9901001``), ``arXiv:`` prefixes and
    abs/pdf URLs. A string that merely contains digits is not an arXiv id.

    Examples
    --------
    >>> arxiv_id("arXiv:2106.09685v2")
    '2106.09685'
    >>> arxiv_id("not an id") is None
    True
    """
    if not isinstance(value, str):
        return None
    text = _ARXIV_PREFIX.sub("", value.strip())
    if text.endswith(".pdf"):
        text = text[:-4]
    for pattern in (_NEW_ARXIV, _OLD_ARXIV):
        match = pattern.fullmatch(text) or (
            pattern.fullmatch(text.split("v")[0]) if pattern is _NEW_ARXIV else None
        )
        if match:
            return match.group(1)
    return None


def normalize_doi(value: object) -> str | None:
    """Return a DOI lower-cased without resolver prefix, or ``None`` if ``value`` is none.

    Examples
    --------
    >>> normalize_doi("doi:10.18653/V1/P19-1285.")
    '10.18653/v1/p19-1285'
    >>> normalize_doi("not a doi") is None
    True
    """
    if not isinstance(value, str):
        return None
    match = _DOI.match(value.strip())
    return match.group(1).lower().rstrip(".") if match else None


def title_key(title: str) -> str:
    """Normalize a title for matching: NFKC, case-folded, punctuation to spaces.

    Examples
    --------
    >>> title_key("LoRA: Low-Rank Adaptation")
    'lora low rank adaptation'
    """
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def title_hash_id(title: str) -> str:
    """The fallback id of a paper with no other id: ``t-`` and 16 hex digits of SHA-1.

    Examples
    --------
    >>> title_hash_id("LoRA: Low-Rank Adaptation")
    't-189d8d5ab4554b10'
    >>> title_hash_id("lora -- low rank adaptation")  # same title key, same id
    't-189d8d5ab4554b10'
    """
    return "t-" + hashlib.sha1(title_key(title).encode("utf-8")).hexdigest()[:16]


def stable_id(
    *,
    arxiv: str | None = None,
    doi: str | None = None,
    own_id: str | None = None,
    title: str = "",
) -> str:
    """Pick a paper's stable id by the documented precedence.

    >>> stable_id(arxiv="2101.11408v2", doi="10.1002/spe.2984")
    '2101.11408'
    >>> stable_id(doi="10.1002/SPE.2984", own_id="W1")
    '10.1002/spe.2984'
    >>> stable_id(own_id="W2741809807")
    'W2741809807'
    >>> stable_id(title="A Title")[:2]
    't-'
    """
    a = arxiv_id(arxiv) if arxiv else None
    if a:
        return a
    d = normalize_doi(doi) if doi else None
    if d:
        return d
    if own_id:
        own = str(own_id).strip()
        return arxiv_id(own) or normalize_doi(own) or own
    return title_hash_id(title)


@dataclass(frozen=True)
class Paper:
    """One paper, normalized.

    ``ids`` holds every identifier the source gave (keys such as ``arxiv``, ``doi``,
    ``s2``, ``openalex``, ``openreview``, ``source``); ``meta`` holds the rest of the
    useful metadata (categories, keywords, venue, ``ai_keywords`` ...).
    """

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    date: str | None = None
    url: str | None = None
    source: str = ""
    ids: Mapping[str, str] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def strong_ids(self) -> set[str]:
        """Identifiers that name one paper for sure: arXiv ids and DOIs."""
        out = set()
        if self.ids.get("arxiv"):
            out.add("arxiv:" + self.ids["arxiv"])
        if self.ids.get("doi"):
            out.add("doi:" + self.ids["doi"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``papers.jsonl`` record of this paper."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors": list(self.authors),
            "date": self.date,
            "url": self.url,
            "source": self.source,
            "ids": dict(self.ids),
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Paper":
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=d["id"],
            title=d["title"],
            abstract=d["abstract"],
            authors=tuple(d.get("authors") or ()),
            date=d.get("date"),
            url=d.get("url"),
            source=d.get("source", ""),
            ids=dict(d.get("ids") or {}),
            meta=dict(d.get("meta") or {}),
        )

    def replace(self, **changes: Any) -> "Paper":
        return replace(self, **changes)


@dataclass(frozen=True)
class Reject:
    """A record that could not be read, and where and why.

    >>> str(Reject("in.jsonl", "line 3", "invalid JSON"))
    'in.jsonl: line 3: invalid JSON'
    """

    source: str
    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.location}: {self.reason}"
