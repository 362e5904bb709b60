"""A small progress reporter for long runs, drawn on stderr only when it is a terminal.

Library code never prints: stages accept a ``progress`` callable
``(stage: str, done: int, total: int | None) -> None`` and the CLI passes a
:class:`ProgressBar` (or nothing, under ``--quiet`` or when stderr is not a TTY).
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Optional, TextIO

ProgressFn = Callable[[str, int, Optional[int]], None]


class ProgressBar:
    """Draw ``stage [#####.....] done/total`` on a terminal, at most ten times a second.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(stream=out, force=True, interval=0)
    >>> bar("extract", 5, 10); bar.close()
    >>> "extract" in out.getvalue() and "5/10" in out.getvalue()
    True
    """

    def __init__(self, stream: TextIO | None = None, *, force: bool = False, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.enabled = force or bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = interval
        self._last = 0.0
        self._drawn = False

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.interval and (total is None or done < total):
            return
        self._last = now
        if total:
            filled = int(30 * min(done, total) / total)
            text = f"\r{stage:<10} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
        else:
            text = f"\r{stage:<10} {done}"
        self.stream.write(text + "\033[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
