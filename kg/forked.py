"""Run a step in a forked child process while this process goes on.

``kg build --jobs 2`` uses this to overlap the steps after extraction that do not depend
on each other (the summary statistics and the Turtle file beside the other writers): the
child sees the built model without a copy, as the fork shares its memory.

Sharing is only cheap while neither process writes to the shared pages, so the child
turns its garbage collector off (a collection writes to every container it scans) and
the parent moves its objects out of the collector's reach (:func:`gc.freeze`) until the
child is done. Where ``os.fork`` does not exist the step runs in place.

Examples
--------
>>> step = Forked(sum, [1, 2, 3])
>>> step.result()
6
"""
from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import tempfile
import traceback
from typing import Any, Callable

from kg.errors import KGError

__all__ = ["Forked", "ForkedStepError"]


class ForkedStepError(KGError):
    """A forked step failed or its process died."""


class Forked:
    """``fn(*args, **kwargs)`` run in a forked child; :meth:`result` waits for its value
    (passed back pickled through a temporary file) or raises what it raised."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.name = getattr(fn, "__name__", repr(fn))
        self._pid: int | None = None
        if not hasattr(os, "fork"):
            self._outcome = _run(fn, args, kwargs)
            return
        fd, self._path = tempfile.mkstemp(prefix="kg-step-", suffix=".pickle")
        gc.freeze()
        pid = os.fork()
        if pid == 0:  # the child: run, write the outcome, leave without cleanup
            status = 1
            try:
                gc.disable()
                with open(fd, "wb") as out:
                    pickle.dump(_run(fn, args, kwargs), out, protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                os._exit(status)
        os.close(fd)
        self._pid = pid

    def cancel(self) -> None:
        """Stop the child if it still runs and forget its outcome (on the parent's error)."""
        if self._pid is not None:
            pid, self._pid = self._pid, None
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            gc.unfreeze()
            os.unlink(self._path)
        self._outcome = (True, None)

    def result(self) -> Any:
        if self._pid is not None:
            pid, self._pid = self._pid, None
            try:
                try:
                    _, status = os.waitpid(pid, 0)
                except BaseException:  # interrupted (Ctrl-C, SIGTERM): the child goes too
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                    with contextlib.suppress(ChildProcessError):
                        os.waitpid(pid, 0)
                    raise
                code = os.waitstatus_to_exitcode(status)
                if code != 0:
                    raise ForkedStepError(
                        f"the process of step {self.name!r} died ({_died(code)})")
                with open(self._path, "rb") as fh:
                    self._outcome = pickle.load(fh)
            finally:
                gc.unfreeze()
                os.unlink(self._path)
        ok, value = self._outcome
        if ok:
            return value
        raise value


def _run(fn, args, kwargs) -> tuple[bool, Any]:
    try:
        return True, fn(*args, **kwargs)
    except Exception as exc:  # passed back to the parent, which raises it
        try:
            pickle.dumps(exc)
            return False, exc
        except Exception:
            return False, ForkedStepError("".join(traceback.format_exception(exc)))


def _died(code: int) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    return f"exit status {code}"
