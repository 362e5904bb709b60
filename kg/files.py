"""Files written whole or not at all: every writer of kg goes through these helpers.

A reader never sees a half-written file: output goes to a temporary file beside its
target and is renamed onto it only when complete (``os.replace`` is atomic on one file
system). This module is at the base of the package, so that any stage may import it.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

from kg.errors import ExportError

__all__ = ["atomic_output", "atomic_write_text"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it onto ``path`` when the block ends.

    On any exception the temporary file is removed and an existing ``path`` is left as it
    was. Errors of the file system are raised as :class:`~kg.errors.ExportError`.

    Parameters
    ----------
    path : path-like
        The file to (re)write. Its directory must exist.
    mode : {"wb", "w"}
        Binary, or text (UTF-8, ``\\n`` newlines).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_output(p, "w") as fh:
    ...     _ = fh.write("done")
    >>> p.read_text()
    'done'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', not {mode!r}")
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        if mode == "wb":
            fh = os.fdopen(fd, "wb", buffering=1 << 20)
        else:
            fh = os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():  # keep the permissions an existing file had
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "summary.json"
    >>> atomic_write_text(p, "{}")
    >>> p.read_text()
    '{}'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
