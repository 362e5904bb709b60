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
    form no cycles) otherwise triggers repeated full collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def csr_pointers(rows: np.ndarray, n: int) -> np.ndarray:
    """CSR pointer array of ``n`` rows from the (sorted) row index of each entry."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


# -------------------------------------------------------------------------- builder
def strictly_sorted(items: Sequence[str]) -> bool:
    """Whether ``items`` are strings in strictly ascending order."""
    try:
        return all(map(operator.lt, items, islice(items, 1, None)))
    except TypeError:  # not all strings
        return False

