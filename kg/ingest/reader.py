"""What an input format is to kg: a :class:`Reader`, a name and a function over a file.

Built-in readers are in the other modules of :mod:`kg.ingest`; third-party ones are
registered through the ``kg.readers`` entry-point group (:mod:`kg.ingest.registry`).

Examples
--------
>>> r = Reader("lines", read=lambda path: iter(()), suffixes=(".lines",))
>>> r.name, r.sniff(None, "")
('lines', False)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from kg.types import Paper, Reject

__all__ = ["Reader", "ReadFn", "SniffFn"]

ReadFn = Callable[[Path], Iterator["Paper | Reject"]]
SniffFn = Callable[[Path, str], bool]


def _never(path: Path, head: str) -> bool:
    return False


@dataclass(frozen=True)
class Reader:
    """One input format.

    Parameters
    ----------
    name : str
        The ``--format`` name (lower case, words joined by ``-``).
    read : callable
        ``read(path)`` yields a :class:`~kg.types.Paper` per good record and a
        :class:`~kg.types.Reject` per bad one; it must stream.
    sniff : callable, optional
        ``sniff(path, head_text) -> bool``: does this file look like this format? ``head_text``
        is the first few KB of the file, decoded leniently.
    suffixes : tuple of str
        File suffixes (``".jsonl"``) this reader claims for detection.
    aliases : tuple of str
        Other names accepted by :func:`get_reader`.
    description : str
        One line for ``kg formats``.
    priority : int
        Among readers claiming a suffix, higher priority sniffs first. A reader with
        ``fallback=True`` is chosen for its suffixes when nothing sniffs positively.
    """

    name: str
    read: ReadFn
    sniff: SniffFn = _never
    suffixes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""
    priority: int = 0
    fallback: bool = False
    plugin: str | None = field(default=None, compare=False)
