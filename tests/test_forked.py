"""Steps run in forked processes (kg.forked): values, errors and dead children come back."""
from __future__ import annotations

import gc
import os
import signal

import pytest

from kg import forked
from kg.errors import GraphError
from kg.forked import Forked, ForkedStepError


def _pid_and(x):
    return os.getpid(), x * 2


def _fail(message):
    raise GraphError(message)


class _Unpicklable(Exception):
    def __init__(self, handle):
        super().__init__("cannot travel")
        self.handle = handle

    def __reduce__(self):
        raise TypeError("no pickling")


def _fail_unpicklably():
    raise _Unpicklable(lambda: None)


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _sleep_forever():
    import time

    time.sleep(600)


def test_a_step_runs_in_another_process_and_its_value_comes_back():
    step = Forked(_pid_and, 21)
    pid, value = step.result()
    assert value == 42 and pid != os.getpid()
    assert step.result() == (pid, 42)  # asked again: the same outcome


def test_the_child_shares_the_parents_data_without_a_copy_being_passed():
    big = list(range(200_000))
    assert Forked(sum, big).result() == sum(big)


def test_an_error_of_the_step_is_raised_in_the_parent():
    with pytest.raises(GraphError, match="bad record 7"):
        Forked(_fail, "bad record 7").result()


def test_an_error_that_cannot_be_pickled_comes_back_as_its_traceback():
    with pytest.raises(ForkedStepError, match="_Unpicklable: cannot travel"):
        Forked(_fail_unpicklably).result()


def test_a_child_that_dies_is_reported_with_the_step_and_the_signal():
    with pytest.raises(ForkedStepError, match=r"'_die' died \(killed by signal 9\)"):
        Forked(_die).result()


def test_cancel_stops_a_running_child_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(forked.tempfile, "tempdir", str(tmp_path))
    step = Forked(_sleep_forever)
    assert list(tmp_path.iterdir())
    step.cancel()
    assert list(tmp_path.iterdir()) == []
    assert gc.get_freeze_count() == 0  # the parent's objects are back in reach of gc


def test_without_fork_the_step_runs_in_place(monkeypatch):
    monkeypatch.delattr(forked.os, "fork")
    pid, value = Forked(_pid_and, 1).result()
    assert (pid, value) == (os.getpid(), 2)
    with pytest.raises(GraphError):
        Forked(_fail, "x").result()


def test_an_interrupted_wait_stops_the_child(monkeypatch):
    """Ctrl-C or SIGTERM while the parent waits for a step: the child does not outlive it."""
    import os
    import time

    from kg.forked import Forked

    step = Forked(time.sleep, 30)
    pid = step._pid
    real_waitpid = os.waitpid
    calls = []

    def interrupted(p, flags):
        calls.append(p)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_waitpid(p, flags)

    monkeypatch.setattr(os, "waitpid", interrupted)
    with pytest.raises(KeyboardInterrupt):
        step.result()
    monkeypatch.setattr(os, "waitpid", real_waitpid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: gone
