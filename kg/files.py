"""Files written whole or not at all: every writer of kg goes through these helpers.

A reader never sees a half-written file: output goes to a temporary file beside its
target and is renamed onto it only when complete (``os.replace`` is atomic on one file
system). This module is at the base of the package, so that any stage may import it.

What may be replaced is checked before anything is written:

* a regular file, or a path that does not exist yet, is (re)written;
* a symbolic link is followed: the file it points to is replaced and the link is kept;
* a directory (the current one included), a FIFO, a device or a socket is refused with an
  :class:`~kg.errors.ExportError` naming the path; nothing is written.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator

from kg.errors import ExportError

__all__ = ["atomic_output", "atomic_write_text", "output_directory", "output_file",
           "replaceable_directory"]

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def _kind(mode: int) -> str:
    """What a file of ``st_mode`` is, in words ("a FIFO (named pipe)", ...)."""
    for test, words in _KINDS:
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _follow(path: Path) -> Path:
    """``path``, or the path a symlink ``path`` finally points to (refusing a loop)."""
    if not path.is_symlink():
        return path
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops at a loop
        raise ExportError(f"cannot write {path}: it is a symlink loop")
    return target


def _what(path: Path, target: Path, words: str) -> str:
    """"it is X" for ``path``, or "it is a symlink to T, which is X" for a followed link."""
    if target == path:
        return f"it is {words}"
    return f"it is a symlink to {target}, which is {words}"


def _stat(path: Path) -> os.stat_result | None:
    """``os.stat`` of ``path`` (following links, /proc's magic ones too), None if missing."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _is_cwd_or_above(path: Path) -> bool:
    """Whether ``path`` is the current directory or one of its parents."""
    try:
        here = Path(os.path.realpath(os.getcwd()))
    except OSError:  # the current directory was removed
        return False
    there = Path(os.path.realpath(path))
    return there == here or there in here.parents


def output_file(path: str | os.PathLike[str]) -> Path:
    """The regular file that writing ``path`` replaces, checked before anything is written.

    That is ``path`` itself, or for a symbolic link the file it points to (so that the
    target is replaced and the link kept). A missing file is fine; its directory is
    checked when the file is written.

    Raises
    ------
    ExportError
        If ``path`` is (or a symlink leads to) a directory, the current directory, a FIFO,
        a device or a socket, or is a symlink loop; the message names the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> output_file(folder / "g.gexf") == folder / "g.gexf"
    True
    >>> (folder / "link.gexf").symlink_to(folder / "g.gexf")
    >>> output_file(folder / "link.gexf").name
    'g.gexf'
    >>> output_file("/dev/null")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: cannot write /dev/null: it is a character device, not a regular file
    """
    path = Path(path)
    if _is_cwd_or_above(path):
        raise ExportError(f"cannot write {path}: it is the current directory (or one above "
                          f"it), not a file; give a file name")
    return _followed_of_kind(path, stat.S_ISREG, "cannot write", "a regular file")


def output_directory(path: str | os.PathLike[str]) -> Path:
    """The directory that files written into ``path`` go to, checked up front.

    That is ``path`` itself, or for a symbolic link the directory it points to. It need
    not exist yet (the writer creates it).

    Raises
    ------
    ExportError
        If ``path`` exists and is not a directory (nor a symlink to one), or is a symlink
        loop; the message names the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> output_directory(folder / "csv") == folder / "csv"
    True
    >>> (folder / "f.txt").write_text("x")
    1
    >>> output_directory(folder / "f.txt")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: cannot write into .../f.txt: it is a regular file, not a directory
    """
    return _followed_of_kind(Path(path), stat.S_ISDIR, "cannot write into", "a directory")


def replaceable_directory(path: str | os.PathLike[str]) -> Path:
    """The directory that replacing ``path`` as a whole replaces, checked up front.

    That is ``path`` itself, or for a symbolic link the directory it points to (so that
    the target is replaced and the link kept).

    Raises
    ------
    ExportError
        If ``path`` is the current directory or one above it (it cannot be renamed away),
        a symlink loop, or exists and is not a directory; the message names the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()).resolve()
    >>> (folder / "build-1").mkdir()
    >>> (folder / "kg-out").symlink_to("build-1")
    >>> replaceable_directory(folder / "kg-out").name
    'build-1'
    >>> replaceable_directory(".")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: cannot replace .: it is the current directory (or one above it); give another -o directory
    """
    path = Path(path)
    if _is_cwd_or_above(path):
        raise ExportError(f"cannot replace {path}: it is the current directory (or one "
                          f"above it); give another -o directory")
    return _followed_of_kind(path, stat.S_ISDIR, "cannot replace", "a directory")


def _followed_of_kind(path: Path, is_kind, action: str, noun: str) -> Path:
    """``path`` with a symlink followed, refused (``action``) when something other than
    ``noun`` already stands there."""
    target = _follow(path)
    st = _stat(path)
    if st is not None and not is_kind(st.st_mode):
        raise ExportError(f"{action} {path}: {_what(path, target, _kind(st.st_mode))}, "
                          f"not {noun}")
    return target


def _open(fd: int, mode: str) -> IO[Any]:
    if mode == "wb":
        return os.fdopen(fd, "wb", buffering=1 << 20)
    return os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20)


def _set_mode(tmp: str, target: Path) -> None:
    """Give ``tmp`` the permissions of the file it replaces, or the umask's default."""
    try:
        os.chmod(tmp, target.stat().st_mode & 0o7777)  # keep those of an existing file
        return
    except FileNotFoundError:
        pass
    except OSError:
        return
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)


def _message(path: Path, target: Path, exc: OSError) -> str:
    shown = path if target == path else f"{path} (a symlink to {target})"
    return f"cannot write {shown}: {exc.strerror or exc}"


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it onto ``path`` when the block ends.

    ``path`` is checked first (see :func:`output_file`): a directory, FIFO, device or
    socket is refused before anything is written, and a symlink is followed, so that the
    file it points to is replaced and the link kept. On any exception (``KeyboardInterrupt``
    included) the temporary file is removed and an existing ``path`` is left as it was. An
    existing file keeps its permissions. Errors of the file system are raised as
    :class:`~kg.errors.ExportError`.

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
    target = output_file(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            fh = _open(fd, mode)
        except BaseException:
            os.close(fd)
            raise
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        _set_mode(tmp, target)
        output_file(path)  # still a file to replace (nothing swapped in a FIFO meanwhile)
        os.replace(tmp, target)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ExportError(_message(path, target, exc)) from exc
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename.

    The same checks and guarantees as :func:`atomic_output` (UTF-8, ``\\n`` newlines).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "summary.json"
    >>> atomic_write_text(p, "{}")
    >>> p.read_text()
    '{}'
    """
    with atomic_output(path, "w") as fh:
        fh.write(text)
