"""Small array helpers shared by the model's modules.

Examples
--------
>>> csr_pointers(np.array([0, 0, 2]), 3).tolist()
[0, 2, 2, 3]
"""
from __future__ import annotations

import contextlib
import gc
import operator
from collections.abc import Sequence
from itertools import islice

import numpy as np

__all__ = ["csr_pointers", "gc_paused", "strictly_sorted"]


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector: building millions of small containers (which
    form no cycles) otherwise triggers repeated full collections.

    Examples
    --------
    >>> with gc_paused():
    ...     inside = gc.isenabled()
    >>> inside, gc.isenabled()
    (False, True)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def csr_pointers(rows: np.ndarray, n: int) -> np.ndarray:
    """CSR pointer array of ``n`` rows from the (sorted) row index of each entry.

    Examples
    --------
    >>> rows = np.array([0, 0, 1, 3])  # two entries in row 0, one in rows 1 and 3
    >>> csr_pointers(rows, 4).tolist()
    [0, 2, 3, 3, 4]
    """
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


# -------------------------------------------------------------------------- builder
def strictly_sorted(items: Sequence[str]) -> bool:
    """Whether ``items`` are strings in strictly ascending order.

    Examples
    --------
    >>> strictly_sorted(["a", "b", "c"]), strictly_sorted(["a", "a"]), strictly_sorted(["a", 1])
    (True, False, False)
    """
    try:
        return all(map(operator.lt, items, islice(items, 1, None)))
    except TypeError:  # not all strings
        return False

