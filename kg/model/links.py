"""The derived links of the model: ``similar`` papers and ``cooccurs`` concepts.

``similar``: IDF-weighted cosine over the concepts two papers share, at most k links per
paper (:func:`similar_candidates`, :func:`degree_bounded_arrays`). ``cooccurs``:
normalized PMI over papers, the strongest pairs of each concept
(:func:`npmi_top_k`, :func:`top_k_either_end`). Every function takes and returns arrays;
:class:`kg.model.core.GraphModel` calls them when it is built.

Examples
--------
>>> round6(np.array([0.1234566])).tolist()
[0.123457]
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from kg.forked import Forked

__all__ = [
    "MAX_SHARED",
    "MIN_DF_CAP",
    "SIMILAR_BLOCK_ROWS",
    "COOCCURS_BLOCK",
    "npmi_pairs",
    "npmi_top_k",
    "round6",
    "top_k_either_end",
    "similar_candidates",
    "degree_bounded_arrays",
    "shared_concepts",
]

#: Concept IRIs kept in the ``shared`` attribute of a ``similar`` edge.
MAX_SHARED = 5
#: A concept in at most this many papers is never dropped as "too common" for similarity.
MIN_DF_CAP = 5
SIMILAR_BLOCK_ROWS = 2048

#: Concepts whose co-occurrence counts are made at a time (a block of rows of the
#: concept x concept product): the whole product of a duplicated 250 k-paper corpus held
#: tens of millions of pairs, several GB, before the thresholds cut it down.
COOCCURS_BLOCK = 8192


def npmi_pairs(C, start: int, keep: np.ndarray, df: np.ndarray, n: int, min_support: int,
                min_npmi: float, upper: bool = True) -> tuple:
    """The pairs of a block of rows ``C`` (rows ``start``..., columns: all concepts of
    ``keep``) of the co-occurrence counts, upper triangle only (or, with ``upper=False``,
    every pair but the diagonal), with ``support >= min_support`` and ``npmi >=
    min_npmi``: ``(ri, ci, support, npmi)``, concept indices.

    Examples
    --------
    >>> X = sp.csr_matrix(np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 1]]))  # 4 papers
    >>> df, C = np.asarray(X.sum(axis=0)).ravel(), (X.T @ X).tocsr().sorted_indices()
    >>> ri, ci, support, npmi = npmi_pairs(C, 0, np.arange(3), df, 4, 1, -1.0)
    >>> ri.tolist(), ci.tolist(), support.tolist(), npmi.round(3).tolist()
    ([0, 0], [1, 2], [2.0, 1.0], [0.415, -0.292])
    """
    C = C.tocoo()
    row = C.row.astype(np.int64) + start
    mask = ((C.col > row) if upper else (C.col != row)) & (C.data >= min_support)
    ri, ci = keep[row[mask]], keep[C.col[mask]]
    support = C.data[mask].astype(np.float64)
    p_ij = support / n
    p_i, p_j = df[ri] / n, df[ci] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
    npmi = np.where(p_ij >= 1.0, 0.0, npmi)  # both in every paper: no information
    sel = np.flatnonzero(npmi >= min_npmi)
    return ri[sel], ci[sel], support[sel], npmi[sel]


def npmi_top_k(C, start: int, keep: np.ndarray, df: np.ndarray, n: int, min_support: int,
                min_npmi: float, k: int) -> tuple:
    """The pairs of a block of rows ``C`` (as :func:`npmi_pairs`) that are among the ``k``
    strongest of their row's concept, as ``(lo, hi, support, npmi)`` with ``lo < hi``.

    A block row holds all of its concept's pairs (the counts are symmetric), so this is
    :func:`top_k_either_end` done one end at a time: a pair is kept when either of its
    ends ranks it in its top ``k``, and is then found in the block of that end (in both
    blocks when both do, with the same values). Only these pairs are held, not every
    pair that passes the thresholds (16.8 M at 250 k simulated papers).

    >>> import scipy.sparse as sp
    >>> X = sp.csc_matrix((np.random.default_rng(0).random((60, 12)) < 0.3).astype(np.int32))
    >>> df, keep, C = np.asarray(X.sum(axis=0)).ravel(), np.arange(12), (X.T @ X).tocsr()
    >>> ri, ci, sup, w = npmi_pairs(C, 0, keep, df, 60, 2, 0.0)
    >>> sel = top_k_either_end(ri, ci, round6(w), sup, 2)
    >>> blocks = [npmi_top_k(C[s:s + 5], s, keep, df, 60, 2, 0.0, 2) for s in (0, 5, 10)]
    >>> got = {(a, b) for lo, hi, _, _ in blocks for a, b in zip(lo.tolist(), hi.tolist())}
    >>> sorted(got) == sorted(zip(ri[sel].tolist(), ci[sel].tolist())), len(got) < ri.size
    (True, True)
    """
    ri, ci, support, npmi = npmi_pairs(C, start, keep, df, n, min_support, min_npmi,
                                        upper=False)
    # ranked as top_k_either_end ranks: published NPMI, then support, then the other end
    order = np.lexsort((ci, -support, -round6(npmi), ri))
    ends = ri[order]
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    rank = np.arange(ends.size) - np.repeat(first, np.diff(np.r_[first, ends.size]))
    sel = order[rank < k]
    del order, ends, rank
    ri, ci = ri[sel], ci[sel]
    # 20 bytes a pair (indices and counts fit 4 bytes)
    return (np.minimum(ri, ci).astype(np.int32), np.maximum(ri, ci).astype(np.int32),
            support[sel].astype(np.int32), npmi[sel])


def round6(x: np.ndarray) -> np.ndarray:
    """``round(v, 6)`` of every value, exactly as Python rounds (the published figures),
    without a Python float per value: numpy's ``rint(v * 1e6) / 1e6`` is the same except
    where ``v * 1e6`` lies within a rounding error of a half, and those few are rounded
    by Python.

    >>> round6(np.array([0.1234565, 2.5e-07, 0.0000015, -0.30000049999])).tolist() == [
    ...     round(0.1234565, 6), round(2.5e-07, 6), round(0.0000015, 6), round(-0.30000049999, 6)]
    True
    """
    x = np.asarray(x, np.float64)
    out = np.round(x, 6)
    scaled = x * 1e6
    # v * 1e6 is off by at most |v| * 1e6 * 2**-53 (1e-10 for |v| <= 1): a wide margin
    near = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6 + np.abs(scaled) * 1e-12)
    if near.size:
        out[near] = [round(v, 6) for v in x[near].tolist()]
    return out


def top_k_either_end(u: np.ndarray, v: np.ndarray, weight: np.ndarray, support: np.ndarray,
                      k: int) -> np.ndarray:
    """Positions of the pairs that are among the ``k`` strongest of ``u`` or of ``v``
    (strongest: highest weight, then support, then the other end's index), so a graph of
    n nodes keeps at most k * n of them.

    >>> top_k_either_end(np.array([0, 0, 0]), np.array([1, 2, 3]),
    ...                   np.array([0.9, 0.5, 0.7]), np.array([3, 3, 3]), 1).tolist()
    [0, 1, 2]
    >>> top_k_either_end(np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2]),
    ...                   np.array([0.9, 0.5, 0.7, 0.8]), np.array([3, 3, 3, 3]), 1).tolist()
    [0, 2, 3]
    """
    # each pair once from each end; a node's pairs are ranked together, whichever end it is
    end, other = np.concatenate([u, v]), np.concatenate([v, u])
    pair = np.concatenate([np.arange(u.size), np.arange(u.size)])
    w, sup = np.concatenate([weight, weight]), np.concatenate([support, support])
    order = np.lexsort((other, -sup, -w, end))
    ends = end[order]
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    rank = np.arange(ends.size) - np.repeat(first, np.diff(np.r_[first, ends.size]))
    keep = np.zeros(u.size, bool)
    keep[pair[order[rank < k]]] = True
    return np.flatnonzero(keep)


def similar_candidates(W, WT, top_k: int, jobs: int = 1):
    """Every paper's ``top_k`` most similar papers (ties: smaller index), as arrays
    ``(lo, hi, weight)`` of pairs ``lo < hi``, each pair once, with the weight of its
    first proposal (rows are visited in index order), in (lo, hi) order.

    The cosine matrix is made ``SIMILAR_BLOCK_ROWS`` rows at a time; candidates are kept in
    arrays (about 20 bytes each, at most ``top_k`` a paper), not in a dict of tuples.
    With ``jobs`` > 1 a forked child does the second half of the blocks (it reads W and
    WT where they are: the fork shares them); the parts join in row order, so the result
    is the same.

    Examples
    --------
    >>> W = sp.csr_matrix(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))  # unit rows
    >>> lo, hi, w = similar_candidates(W, W.T.tocsr(), top_k=1)
    >>> lo.tolist(), hi.tolist(), w.tolist()
    ([0, 1], [1, 2], [0.6, 0.8])
    """
    n = W.shape[0]
    blocks = -(-n // SIMILAR_BLOCK_ROWS)
    middle = (blocks + 1) // 2 * SIMILAR_BLOCK_ROWS  # a block boundary
    if jobs > 1 and 0 < middle < n:
        second = Forked(_candidate_rows, W, WT, top_k, middle, n)
        try:
            first = _candidate_rows(W, WT, top_k, 0, middle)
        except BaseException:
            second.cancel()
            raise
        lo, hi, w = (np.concatenate(pair) for pair in zip(first, second.result()))
        del first  # the first half's arrays
    else:
        lo, hi, w = _candidate_rows(W, WT, top_k, 0, n)
    if lo.size == 0:
        return lo, hi, w
    order = np.lexsort((np.arange(lo.size), hi, lo))  # a pair's first proposal first
    lo, hi, w = lo[order], hi[order], w[order]
    new = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    return lo[new], hi[new], w[new]


def _candidate_rows(W, WT, top_k: int, begin: int, stop: int):
    """The ``top_k`` proposals ``(lo, hi, weight)`` of rows ``begin:stop``, row by row
    (``begin`` on a block boundary)."""
    lo_parts, hi_parts, w_parts = [], [], []
    for start in range(begin, stop, SIMILAR_BLOCK_ROWS):
        S = (W[start:start + SIMILAR_BLOCK_ROWS] @ WT).tocsr()
        indptr, indices, data = S.indptr, S.indices, S.data
        for r in range(S.shape[0]):
            i = start + r
            a, b = indptr[r], indptr[r + 1]
            if a == b:
                continue
            cand = indices[a:b]
            w = data[a:b]
            mask = (cand != i) & (w > 0)
            cand, w = cand[mask], w[mask]
            if cand.size == 0:
                continue
            if cand.size > top_k:
                kth = np.partition(w, cand.size - top_k)[cand.size - top_k]
                keep = w >= kth
                cand, w = cand[keep], w[keep]
            order = np.lexsort((cand, -w))[:top_k]
            cand = cand[order].astype(np.int64)
            lo_parts.append(np.minimum(cand, i))
            hi_parts.append(np.maximum(cand, i))
            w_parts.append(w[order])
    if not lo_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(lo_parts), np.concatenate(hi_parts), np.concatenate(w_parts)


def degree_bounded_arrays(lo: np.ndarray, hi: np.ndarray, w: np.ndarray, n: int,
                           top_k: int):
    """Keep the strongest candidate pairs such that no paper has more than ``top_k`` links;
    return them in (lo, hi) order.

    Candidates (each paper's own top k) are accepted greedily from the highest weight down
    (ties by (lo, hi)), skipping a pair once either paper has ``top_k`` links.

    >>> [a.tolist() for a in degree_bounded_arrays(
    ...     np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([0.9, 0.8, 0.7]), 3, 1)]
    [[0], [1], [0.9]]
    """
    order = np.lexsort((hi, lo, -w))
    degree = [0] * n
    accepted = []
    for t, i, j in zip(order.tolist(), lo[order].tolist(), hi[order].tolist()):
        if degree[i] < top_k and degree[j] < top_k:
            degree[i] += 1
            degree[j] += 1
            accepted.append(t)
    keep = np.sort(np.array(accepted, np.int64))  # candidates are in (lo, hi) order
    return lo[keep], hi[keep], w[keep]


def shared_concepts(Xe, lo: np.ndarray, hi: np.ndarray, rank: np.ndarray,
                     max_shared: int, names: np.ndarray | None = None,
                     block: int = 65536) -> np.ndarray:
    """For each pair (lo, hi) of papers, up to ``max_shared`` columns of ``Xe`` (a 0/1
    paper x concept CSR matrix) that both rows have, by ascending ``rank`` of the column;
    -1 pads. ``names`` gives the number stored for each column (default: its index).
    Pairs are done ``block`` at a time, with sparse products, not one by one.

    >>> Xe = sp.csr_matrix(np.array([[1, 1, 1], [1, 0, 1], [0, 1, 1]]))
    >>> shared_concepts(Xe, np.array([0, 0]), np.array([1, 2]), np.array([2, 1, 0]), 2).tolist()
    [[2, 0], [2, 1]]
    """
    out = np.full((lo.size, max_shared), -1, np.int32)
    for start in range(0, lo.size, block):
        a, b = lo[start:start + block], hi[start:start + block]
        C = Xe[a].multiply(Xe[b]).tocsr()  # a common concept: both rows have it
        C.eliminate_zeros()
        C.sort_indices()
        row = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
        col = C.indices.astype(np.int64)
        order = np.lexsort((rank[col], row))
        row, col = row[order], col[order]
        first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        pos = np.arange(row.size) - np.repeat(first, np.diff(np.r_[first, row.size]))
        sel = pos < max_shared
        out[start + row[sel], pos[sel]] = col[sel] if names is None else names[col[sel]]
    return out

