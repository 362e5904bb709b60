"""Communities of the nodes a map draws, and their names.

:func:`node_groups` finds communities in a weighted graph given as index arrays: Louvain
(networkx) on the ``core`` nodes with the most papers, then every other node joins the
community it is most strongly linked to, round by round, so the time is bounded by
``core`` whatever the map's size. :func:`group_names` names a community by its top
concepts (a small function, easy to swap for another naming).

Examples
--------
>>> import numpy as np
>>> u, v = np.array([0, 0, 1, 3, 3, 4]), np.array([1, 2, 2, 4, 5, 5])
>>> node_groups(6, u, v, np.ones(6), weight=np.arange(6)).tolist()
[0, 0, 0, 1, 1, 1]
>>> group_names([["LoRA", "adapters", "PEFT", "prompts"]], top=3)
['LoRA · adapters · PEFT']
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["DEFAULT_CORE", "group_names", "node_groups"]

#: Nodes on which Louvain runs (the rest join by their links): ~1 s of Louvain at most.
DEFAULT_CORE = 2500


def _adjacency(n: int, u, v, w) -> sp.csr_matrix:
    A = sp.coo_matrix((np.asarray(w, float), (np.asarray(u), np.asarray(v))), shape=(n, n))
    A = (A + A.T).tocsr()
    A.sum_duplicates()
    return A


def node_groups(n: int, u, v, w, *, weight=None, core: int = DEFAULT_CORE,
                seed: int = 0) -> np.ndarray:
    """A community number for each of ``n`` nodes linked by edges ``(u, v, w)``.

    Communities are numbered by size (0 = largest; ties by smallest member); a node with
    no path to the core gets -1.

    Parameters
    ----------
    n : int
        Number of nodes.
    u, v, w : array-like
        Edges as index arrays and positive weights.
    weight : array-like, optional
        Importance of each node (e.g. papers): the ``core`` most important nodes
        (ties: smaller index) run Louvain. Default: all equal.
    core : int
        Most nodes Louvain sees.
    seed : int
        Louvain's random seed.

    Examples
    --------
    >>> node_groups(3, [0], [1], [1.0]).tolist()
    [0, 0, -1]
    """
    groups = np.full(n, -1, np.int64)
    if n == 0 or len(u) == 0:
        return groups
    A = _adjacency(n, u, v, w)
    importance = np.zeros(n) if weight is None else np.asarray(weight, float)
    order = np.lexsort((np.arange(n), -importance))
    linked = np.diff(A.indptr) > 0
    core_nodes = order[linked[order]][:core]
    C = A[core_nodes][:, core_nodes].tocoo()
    H = nx.Graph()
    H.add_nodes_from(range(len(core_nodes)))
    H.add_weighted_edges_from(zip(C.row.tolist(), C.col.tolist(), C.data.tolist()))
    for g, members in enumerate(nx.community.louvain_communities(H, weight="weight", seed=seed)):
        groups[core_nodes[sorted(members)]] = g
    _join_by_links(A, groups)
    return _numbered_by_size(groups)


def _join_by_links(A: sp.csr_matrix, groups: np.ndarray, rounds: int = 50) -> None:
    """Give each node without a group the group it has the most link weight to, in rounds
    (nodes two links away from any group join in the second round, and so on)."""
    for _ in range(rounds):
        assigned = groups >= 0
        todo = np.flatnonzero(~assigned)
        if todo.size == 0:
            return
        k = int(groups.max()) + 1
        src = np.flatnonzero(assigned)
        onehot = sp.csr_matrix((np.ones(src.size), (src, groups[src])), shape=(len(groups), k))
        S = (A[todo] @ onehot).tocsr()
        has = np.diff(S.indptr) > 0
        if not has.any():
            return
        best = np.asarray(S[has].argmax(axis=1)).ravel()
        groups[todo[has]] = best


def _numbered_by_size(groups: np.ndarray) -> np.ndarray:
    ids = np.unique(groups[groups >= 0])
    if ids.size == 0:
        return groups
    sizes = np.bincount(groups[groups >= 0], minlength=int(ids.max()) + 1)
    first = np.full(int(ids.max()) + 1, len(groups))
    np.minimum.at(first, groups[groups >= 0], np.flatnonzero(groups >= 0))
    ranked = sorted(ids.tolist(), key=lambda g: (-sizes[g], first[g]))
    new = np.full(int(ids.max()) + 1, -1, np.int64)
    new[ranked] = np.arange(len(ranked))
    out = groups.copy()
    out[groups >= 0] = new[groups[groups >= 0]]
    return out


def group_names(members: list[list[str]], top: int = 3) -> list[str]:
    """Name each community by its first ``top`` labels (members come best first).

    Examples
    --------
    >>> group_names([["neural tangent kernel", "infinite width"], []])
    ['neural tangent kernel · infinite width', '']
    """
    return [" · ".join(labels[:top]) for labels in members]
