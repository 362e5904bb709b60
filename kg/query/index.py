"""Look-up tables over a :class:`kg.model.GraphModel`, shared by the query modules.

A model holds its links as arrays (see :mod:`kg.model.core`); a question needs them the
other way round too (the papers of a concept, the partners of a paper or a concept). The
:class:`ModelIndex` of a model makes each such table on first use and keeps it while the
model lives, so a session of questions pays for each once.

Examples
--------
>>> from kg.query.examples import example_model
>>> ix = model_index(example_model())
>>> ix.paper_count().tolist()
[3, 2, 2]
"""
from __future__ import annotations

import re
import weakref
from typing import Any

import numpy as np

from kg.model.arrays import csr_pointers
from kg.ontology import breadth_first
from kg.types import title_key

__all__ = ["ModelIndex", "model_index", "fold_spaces", "squash"]


class ModelIndex:
    """Look-up tables of one model, made on first use and kept while the model lives.

    Get it with :func:`model_index`; every query module shares the one index of a model.
    """

    def __init__(self, M) -> None:
        self.M = M
        self.n_papers = len(M.paper_iris)
        self._title_keys: list[str] | None = None
        self._concept_papers = None
        self._similar = None
        self._cooccurs = None
        self._broader = None
        self._paper_count = None
        self._generality = None

    # papers ----------------------------------------------------------------
    def paper_index(self, iri: str) -> int | None:
        found = self.M.kind_index(iri)
        return found[1] if found is not None and found[0] == "paper" else None

    def concept_index(self, iri: str) -> int | None:
        found = self.M.kind_index(iri)
        return found[1] if found is not None and found[0] == "concept" else None

    def title_keys(self) -> list[str]:
        if self._title_keys is None:
            self._title_keys = [title_key(t or "") for t in self.M.titles]
        return self._title_keys

    # concepts --------------------------------------------------------------
    def paper_count(self) -> np.ndarray:
        if self._paper_count is None:
            self._paper_count = np.array(
                [a.get("paper_count") or 0 for a in self.M.concept_attrs], np.int64)
        return self._paper_count

    def papers_of(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """(paper indices ascending, mention positions) of the papers mentioning ``c``."""
        if self._concept_papers is not None:
            ptr, papers, pos = self._concept_papers
            return papers[ptr[c]:ptr[c + 1]], pos[ptr[c]:ptr[c + 1]]
        pos = np.flatnonzero(self.M.m_concept == c)
        return np.searchsorted(self.M.m_ptr, pos, side="right") - 1, pos

    def concept_papers(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Concept -> papers CSR (ptr, paper, mention position), for walks that visit many
        concepts; made on first use."""
        if self._concept_papers is not None:
            return self._concept_papers
        M = self.M
        pos = np.argsort(M.m_concept, kind="stable")  # papers ascending within a concept
        paper = np.searchsorted(M.m_ptr, pos, side="right") - 1
        ptr = csr_pointers(M.m_concept, len(M.concept_iris))
        self._concept_papers = (ptr, paper, pos)
        return self._concept_papers

    @staticmethod
    def _pairs(u: np.ndarray, v: np.ndarray, n: int) -> tuple:
        """CSR over both ends of the pairs (u, v): (ptr, other end, pair position)."""
        ends = np.concatenate([u, v]).astype(np.int64)
        others = np.concatenate([v, u]).astype(np.int64)
        pair = np.concatenate([np.arange(u.size), np.arange(u.size)])
        order = np.lexsort((others, ends))
        return csr_pointers(ends, n), others[order], pair[order]

    @staticmethod
    def _pairs_of(k: int, u: np.ndarray, v: np.ndarray, csr) -> tuple[np.ndarray, np.ndarray]:
        """(other ends, pair positions) of the pairs with ``k`` at one end: from the CSR if
        it is made, else by one scan of the pair arrays (cheaper for a single look-up)."""
        if csr is not None:
            ptr, others, pair = csr
            return others[ptr[k]:ptr[k + 1]], pair[ptr[k]:ptr[k + 1]]
        pos = np.flatnonzero((u == k) | (v == k))
        return np.where(u[pos] == k, v[pos], u[pos]).astype(np.int64), pos

    def similar_of(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._pairs_of(k, self.M.s_u, self.M.s_v, self._similar)

    def cooccurs_of(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        return self._pairs_of(c, self.M.c_u, self.M.c_v, self._cooccurs)

    def similar(self) -> tuple:
        if self._similar is None:
            self._similar = self._pairs(self.M.s_u, self.M.s_v, self.n_papers)
        return self._similar

    def cooccurs(self) -> tuple:
        if self._cooccurs is None:
            M = self.M
            self._cooccurs = self._pairs(M.c_u, M.c_v, len(M.concept_iris))
        return self._cooccurs

    def broader(self) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """(parents of each concept, children of each concept), from the model's
        ``broader`` links, whatever concepts they join."""
        if self._broader is None:
            parents: dict[int, list[int]] = {}
            children: dict[int, list[int]] = {}
            for c, p in self.M.broader:
                parents.setdefault(c, []).append(p)
                children.setdefault(p, []).append(c)
            self._broader = (parents, children)
        return self._broader

    def descendants(self, c: int) -> list[int]:
        """Concepts below ``c`` by the model's ``broader`` links (transitively), nearest
        first, each once: whatever concepts the links join (ontology or discovered)."""
        _, children = self.broader()
        return breadth_first(c, lambda node: sorted(children.get(node, ())))

    def generality(self) -> np.ndarray:
        """How generic each concept is, from ``n``, its papers plus those of its direct
        narrower concepts, and ``share = n / papers of the graph`` (at most 0.99):
        ``log2(1 + n) / (1 - share)``, plus ``log2(1 + papers of the graph)`` for a hub, a
        concept that more than the build's ``max_df`` share of papers mention (the share
        above which similarity ignores a concept too). A specific concept costs a path
        about the bits of its paper count; a hub costs many times more (see
        :mod:`kg.query.paths`)."""
        if self._generality is None:
            pc = self.paper_count()
            total = pc.astype(np.float64).copy()
            for c, p in self.M.broader:
                total[p] += pc[c]
            n = max(1, self.n_papers)
            share = np.minimum(total / n, 0.99)
            g = np.log2(1.0 + total) / (1.0 - share)
            max_df = self.M.params.get("max_df")
            if isinstance(max_df, (int, float)) and max_df < 1:
                g += np.where(pc / n > max_df, np.log2(1.0 + n), 0.0)
            self._generality = g
        return self._generality


_INDEXES: "weakref.WeakKeyDictionary[Any, ModelIndex]" = weakref.WeakKeyDictionary()


def model_index(M) -> ModelIndex:
    """The :class:`ModelIndex` of model ``M`` (made once, kept while ``M`` lives).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> M = example_model()
    >>> model_index(M) is model_index(M)
    True
    """
    ix = _INDEXES.get(M)
    if ix is None:
        ix = _INDEXES[M] = ModelIndex(M)
    return ix


def fold_spaces(text: str) -> str:
    """``text`` case-folded, with hyphens, underscores and runs of spaces as one space.

    Examples
    --------
    >>> fold_spaces("Low-Rank  adaptation")
    'low rank adaptation'
    """
    return " ".join(re.sub(r"[-_\s]+", " ", str(text)).casefold().split())


def squash(text: str) -> str:
    """``text`` case-folded with everything but letters and digits removed.

    Examples
    --------
    >>> squash("Low-Rank Adaptation (LoRA)")
    'lowrankadaptationlora'
    """
    return re.sub(r"[\W_]+", "", str(text).casefold())
