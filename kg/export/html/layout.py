"""Positions of a map's nodes, computed in Python before the page opens.

:func:`group_layout` lays out large maps (tens of thousands of nodes) in about a second:
each community becomes a disc whose area grows with its size, the discs are placed by a
spring layout of the community graph and pushed apart until they do not overlap, and
inside a disc the nodes start on a sunflower spiral (most important in the middle) and
are then drawn towards their linked neighbours by a few rounds of sparse neighbour
averaging, re-spread evenly over the disc after each round. Everything is numpy/scipy
on index arrays; the result is the same for the same input.

:func:`spring_positions` serves small maps (a focus view): networkx's spring layout.

Examples
--------
>>> import numpy as np
>>> pos = group_layout(4, [0, 2], [1, 3], [1.0, 1.0], np.array([0, 0, 1, 1]), np.ones(4))
>>> pos.shape, bool(np.isfinite(pos).all())
((4, 2), True)
"""
from __future__ import annotations

import math

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["MAX_DISCS", "group_layout", "spread_labels", "spring_positions"]

_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


#: Communities that get a disc of their own; smaller ones share one (the overlap removal
#: compares every pair of discs).
MAX_DISCS = 60


def group_layout(n: int, u, v, w, groups: np.ndarray, importance, *, rounds: int = 4,
                 seed: int = 0) -> np.ndarray:
    """Positions ``(n, 2)`` for ``n`` nodes in communities ``groups`` (-1: none).

    Parameters
    ----------
    n : int
    u, v, w : array-like
        Edges (index arrays) and their positive weights.
    groups : numpy.ndarray of int
        Community of each node, numbered by size (0: largest); nodes of community -1 and
        of communities from :data:`MAX_DISCS` on share one disc.
    importance : array-like
        Nodes with more importance start nearer the middle of their disc.
    rounds : int
        Rounds of neighbour averaging inside the discs.
    seed : int
        Seed of the spring layout of the communities.

    Examples
    --------
    >>> import numpy as np
    >>> pos = group_layout(3, [], [], [], np.array([0, 0, 0]), [3, 2, 1])
    >>> bool(np.linalg.norm(pos[0] - pos.mean(axis=0)) < 1)  # most important in the middle
    True
    """
    if n == 0:
        return np.zeros((0, 2))
    u, v, w = np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(w, float)
    g = np.asarray(groups, np.int64).copy()
    g[(g < 0) | (g >= MAX_DISCS)] = min(int(g.max()) + 1, MAX_DISCS)
    k = int(g.max()) + 1
    sizes = np.bincount(g, minlength=k)
    radius = np.sqrt(np.maximum(sizes, 1))
    centres = _place_discs(k, g[u], g[v], w, radius, seed)
    offsets = _spiral_offsets(g, np.asarray(importance, float), radius)
    same = g[u] == g[v]
    if same.any() and rounds:
        A = sp.coo_matrix((np.r_[w[same], w[same]], (np.r_[u[same], v[same]],
                                                      np.r_[v[same], u[same]])), shape=(n, n))
        A = A.tocsr()
        deg = np.asarray(A.sum(axis=1)).ravel()
        has = deg > 0
        inv = np.zeros(n)
        inv[has] = 1.0 / deg[has]
        P = sp.diags(inv) @ A
        for _ in range(rounds):
            pulled = P @ offsets
            offsets[has] = 0.4 * offsets[has] + 0.6 * pulled[has]
            offsets = _even_spread(g, offsets, radius)
    return centres[g] + offsets


def _place_discs(k: int, gu, gv, w, radius: np.ndarray, seed: int) -> np.ndarray:
    """Centres of ``k`` discs: spring layout of the community graph, then overlaps removed."""
    if k == 1:
        return np.zeros((1, 2))
    cross = gu != gv
    W = sp.coo_matrix((w[cross], (np.minimum(gu, gv)[cross], np.maximum(gu, gv)[cross])),
                      shape=(k, k)).tocsr()
    W.sum_duplicates()
    C = W.tocoo()
    H = nx.Graph()
    H.add_nodes_from(range(k))
    # heavier links pull harder, on a log scale so that one huge community does not swallow all
    H.add_weighted_edges_from(zip(C.row.tolist(), C.col.tolist(), np.log1p(C.data).tolist()))
    layout = nx.spring_layout(H, seed=seed, weight="weight", iterations=200)
    c = np.array([layout[i] for i in range(k)], float)
    c -= c.mean(axis=0)
    spread = np.sqrt((c ** 2).sum(axis=1)).max() or 1.0
    c *= 1.1 * math.sqrt(float((radius ** 2).sum())) / spread
    return _remove_overlaps(c, radius * 1.08 + 1.0)


def _remove_overlaps(c: np.ndarray, r: np.ndarray, iterations: int = 200) -> np.ndarray:
    for _ in range(iterations):
        d = c[:, None, :] - c[None, :, :]
        dist = np.sqrt((d ** 2).sum(axis=2))
        np.fill_diagonal(dist, 1e18)
        overlap = r[:, None] + r[None, :] - dist
        if (overlap <= 1e-9).all():
            break
        push = np.where(overlap > 0, overlap / np.maximum(dist, 1e-9), 0.0)
        zero = np.isclose(dist, 0)
        if zero.any():  # coincident centres: separate along a fixed direction
            d = np.where(zero[:, :, None], np.array([1.0, 0.0]) * np.sign(
                np.subtract.outer(np.arange(len(c)), np.arange(len(c))))[:, :, None], d)
        weight_self = r[None, :] ** 2 / (r[:, None] ** 2 + r[None, :] ** 2)  # small ones move
        c = c + 0.5 * (push[:, :, None] * d * weight_self[:, :, None]).sum(axis=1)
    return c


def _ranks_within(g: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Rank (0 = smallest key; ties by index) of each node inside its group."""
    n = len(g)
    order = np.lexsort((np.arange(n), key, g))
    starts = np.searchsorted(g[order], g[order], side="left")
    ranks = np.empty(n, np.int64)
    ranks[order] = np.arange(n) - starts
    return ranks


def _spiral_offsets(g: np.ndarray, importance: np.ndarray, radius: np.ndarray) -> np.ndarray:
    rank = _ranks_within(g, -importance)
    sizes = np.bincount(g)
    r = radius[g] * np.sqrt((rank + 0.5) / sizes[g])
    theta = rank * _GOLDEN_ANGLE
    return np.c_[r * np.cos(theta), r * np.sin(theta)]


def _even_spread(g: np.ndarray, offsets: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Keep each node's direction from its disc's centre, but give the nodes radii that fill
    the disc evenly (by rank of their distance from the centre)."""
    sizes = np.bincount(g)
    centre = np.zeros((len(sizes), 2))
    np.add.at(centre, g, offsets)
    centre /= np.maximum(sizes, 1)[:, None]
    rel = offsets - centre[g]
    dist = np.sqrt((rel ** 2).sum(axis=1))
    rank = _ranks_within(g, dist)
    r = radius[g] * np.sqrt((rank + 0.5) / sizes[g])
    theta = np.arctan2(rel[:, 1], rel[:, 0])
    return np.c_[r * np.cos(theta), r * np.sin(theta)]


def spring_positions(n: int, u, v, w, *, center: int | None = None, seed: int = 0) -> np.ndarray:
    """networkx spring layout of a small graph, scaled like :func:`group_layout`
    (``center``, if given, is pinned at the origin).

    Examples
    --------
    >>> pos = spring_positions(3, [0, 0], [1, 2], [1.0, 1.0], center=0)
    >>> pos[0].tolist()
    [0.0, 0.0]
    """
    if n == 0:
        return np.zeros((0, 2))
    H = nx.Graph()
    H.add_nodes_from(range(n))
    H.add_weighted_edges_from(zip(np.asarray(u).tolist(), np.asarray(v).tolist(),
                                  np.asarray(w, float).tolist()))
    fixed = [center] if center is not None else None
    init = {center: (0.0, 0.0)} if center is not None else None
    layout = nx.spring_layout(H, seed=seed, weight="weight", pos=init, fixed=fixed,
                              k=1.5 / math.sqrt(n), iterations=100)
    pos = np.array([layout[i] for i in range(n)], float) * math.sqrt(n) * 2
    if center is not None:
        pos -= pos[center]
    return pos


def spread_labels(pos: np.ndarray, nodes, chars, *, view_px: float = 800.0,
                  char_px: float = 7.5, line_px: float = 18.0,
                  iterations: int = 400) -> np.ndarray:
    """Move ``nodes`` (those whose labels are always drawn) until their labels' boxes do
    not overlap when the whole map spans ``view_px`` pixels; other nodes stay put.

    A label is drawn to the right of its node, ``chars[i]`` characters of ``char_px``
    pixels wide and ``line_px`` high. Overlapping pairs move apart along the axis that
    needs the shorter move (usually up and down).

    Examples
    --------
    >>> import numpy as np
    >>> pos = np.array([[0.0, 0.0], [1.0, 0.0], [100.0, 100.0]])
    >>> out = spread_labels(pos, [0, 1], [10, 10])
    >>> bool(abs(out[0, 1] - out[1, 1]) >= 18 * 100 / 800 - 1e-6), out[2].tolist()
    (True, [100.0, 100.0])
    """
    out = pos.copy()
    nodes = np.asarray(nodes, np.int64)
    if nodes.size < 2:
        return out
    unit = (float(np.ptp(pos, axis=0).max()) or 1.0) / view_px  # graph units per pixel
    width = np.asarray(chars, float) * char_px * unit
    height = line_px * unit
    p = out[nodes].copy()
    centre = p + np.c_[width / 2, np.zeros(len(p))]  # the box's centre, right of the node
    for _ in range(iterations):
        d = centre[:, None, :] - centre[None, :, :]
        need_x = (width[:, None] + width[None, :]) / 2 - np.abs(d[:, :, 0])
        need_y = height - np.abs(d[:, :, 1])
        clash = (need_x > 0) & (need_y > 0)
        np.fill_diagonal(clash, False)
        if not clash.any():
            break
        move_y = clash & (need_y <= need_x)
        move_x = clash & ~move_y
        # ties (same place) part by index, so the result does not depend on noise
        sign_y = np.where(d[:, :, 1] != 0, np.sign(d[:, :, 1]),
                          np.sign(np.subtract.outer(np.arange(len(p)), np.arange(len(p)))))
        sign_x = np.where(d[:, :, 0] != 0, np.sign(d[:, :, 0]), sign_y)
        step = np.zeros_like(p)
        step[:, 1] = 0.5 * (np.where(move_y, need_y * sign_y, 0.0)).sum(axis=1)
        step[:, 0] = 0.5 * (np.where(move_x, need_x * sign_x, 0.0)).sum(axis=1)
        centre += 0.5 * step
    out[nodes] = centre - np.c_[width / 2, np.zeros(len(p))]
    return out
