"""Issue #16, build and crash rows: nothing a dead worker, a damaged shard, a second
build, a damaged build, a full or read-only disk, SIGTERM or a tampered model file can do
loses good data or ends in a hang or a traceback.

Kills and signals run ``python -m kg build`` in a subprocess with a timeout, so that a
regression fails instead of hanging. Subprocesses carry a marker in their environment
(inherited by their workers), so a test can tell that no worker outlived its build.

A read-only or full disk is tested two ways: simulated (monkeypatching ``os.fsync`` to
raise ``ENOSPC``, as a file system with delayed allocation does, or ``os.replace`` to
raise ``EROFS``), which runs anywhere, and real, on a small tmpfs mounted for the test
(read-only, or too small), which needs root with ``CAP_SYS_ADMIN`` and skips without it:
tests run as root, where ``chmod`` does not stop writes.
"""
from __future__ import annotations

import errno
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kg.build import DEMO_CORPUS, BuildOptions, build
from kg.build.engine import ShardCache, ShardWarning
from kg.cli import cli
from kg.model.store import OutputBusyError, load_model, load_summary, output_lock

#: every file a build writes but summary.json (timings differ)
COMPARED = ("papers.jsonl", "extractions.jsonl.gz", "graph.kg.npz", "graph.ttl", "graph.html")
TIMEOUT = 120


# ------------------------------------------------------------------------------ helpers
def corpus(path: Path, copies: int) -> Path:
    """The demo's 55 papers ``copies`` times, with distinct ids and titles (JSON Lines)."""
    from kg.ingest import read_inputs

    papers = read_inputs([DEMO_CORPUS], fmt="daily-papers").papers
    rows = [{"id": f"p{i}-{j}", "title": f"{p.title} (copy {i})", "abstract": p.abstract}
            for i in range(copies) for j, p in enumerate(papers)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def outputs(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in COMPARED}


def start_build(*args: str, marker: str) -> subprocess.Popen:
    env = dict(os.environ, KG_FAULT_TEST=marker)
    return subprocess.Popen([sys.executable, "-m", "kg", "build", *args, "-q"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kg_run(*args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          timeout=timeout)


def wait_for(condition, proc: subprocess.Popen | None = None, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the build ended first: {proc.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def shards(out: Path) -> list[Path]:
    return sorted((out.parent / f".{out.name}.shards").glob("*.jsonl.gz"))


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def marked(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (a build and the workers it forked)."""
    found = []
    needle = f"KG_FAULT_TEST={marker}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def assert_no_leftovers(out: Path, marker: str | None = None) -> None:
    parent = out.parent
    assert not list(parent.glob(f".{out.name}.tmp-*")), "temporary directory left"
    assert not (parent / f".{out.name}.lock").exists(), "lock file left"
    assert not list((parent / f".{out.name}.shards").glob("*.tmp")), "temporary shard left"
    if marker is not None:
        deadline = time.monotonic() + 10
        while marked(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not marked(marker), "a worker process outlived its build"


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    return lines[0]


# ------------------------------------------------------- 1. a worker killed (OOM killer)
def test_a_killed_worker_fails_the_build_at_once_and_a_rerun_resumes(tmp_path):
    """SIGKILL of one extraction worker under --jobs 2: the build fails within seconds
    with one line (it used to wait forever), keeps its finished shards, and a rerun
    reuses them."""
    src = corpus(tmp_path / "in.jsonl", 50)  # 2,750 papers: 6 chunks
    out = tmp_path / "out"
    marker = uuid.uuid4().hex
    proc = start_build(str(src), "-o", str(out), "--jobs", "2", marker=marker)
    try:
        wait_for(lambda: shards(out) and children(proc.pid), proc)  # extracting
        victim = children(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed_at = time.monotonic()
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert time.monotonic() - killed_at < 30
    assert proc.returncode == 1
    line = one_line(stderr)
    assert "an extraction worker died (killed by signal 9), probably out of memory" in line
    assert "--jobs 1" in line
    assert not out.exists()
    assert_no_leftovers(out, marker)
    kept = len(shards(out))
    assert kept >= 1
    result = kg_run("build", str(src), "-o", str(out), "-q", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    counts = load_summary(out)["counts"]
    assert counts["papers"] == 2750 and counts["chunks_cached"] >= kept


def test_a_worker_killed_in_a_pool_raises_instead_of_hanging():
    """The engine's pool itself: a worker that dies raises WorkerDiedError naming how."""
    import kg.build.engine as engine

    def run():
        return list(engine._ordered_map(_kill_self_on_two, [1, 2, 3, 4], 2, _nothing))

    t0 = time.monotonic()
    with pytest.raises(engine.WorkerDiedError, match=r"killed by signal 9"):
        run()
    assert time.monotonic() - t0 < 30


def _nothing() -> None:
    pass


def _kill_self_on_two(item: int) -> int:
    if item == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.2)
    return item


def test_a_workers_setup_error_is_raised_not_reported_as_a_dead_worker():
    import kg.build.engine as engine

    with pytest.raises(ValueError, match="no model here"):
        list(engine._ordered_map(abs, [1, 2], 2, _failing_setup))


def _failing_setup() -> None:
    raise ValueError("no model here")


# ------------------------------------------------------- 2. damaged or truncated shards
@pytest.mark.parametrize("damage", ["empty", "truncated"])
def test_a_damaged_shard_is_extracted_again_with_a_warning(tmp_path, damage):
    """A zero-length shard used to give 500 papers without concepts (exit 0), a truncated
    one "Aborted!"; now the shard is checked, extracted again with a warning, and the
    build is the same as before."""
    out = tmp_path / "out"
    options = BuildOptions(fmt="daily-papers")
    build([DEMO_CORPUS], out, options)
    before = outputs(out)
    (shard,) = shards(out)
    whole = shard.read_bytes()
    shard.write_bytes(b"" if damage == "empty" else whole[:len(whole) // 2])
    with pytest.warns(ShardWarning, match="damaged extraction shard"):
        result = build([DEMO_CORPUS], out, options)
    assert result.counts["chunks_damaged"] == 1 and result.counts["chunks_cached"] == 0
    assert outputs(out) == before
    assert shard.read_bytes() == whole  # written whole again


def test_a_damaged_shard_is_one_warning_line_on_the_command_line(tmp_path):
    out = tmp_path / "out"
    assert kg_run("build", "--demo", "-o", str(out), "-q").returncode == 0
    before = outputs(out)
    (shard,) = shards(out)
    shard.write_bytes(b"")
    result = kg_run("build", "--demo", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    line, summary = result.stderr.splitlines()  # the warning, then the build's own line
    assert summary == "read 55, kept 55, merged 0, rejected 0"
    assert line.startswith("Warning: ") and str(shard) in line
    assert "damaged extraction shard (0 records for 55 papers)" in line
    assert outputs(out) == before


def test_a_shard_counts_only_once_flushed_and_renamed(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (events.append(("replace", Path(b).name)),
                                      real_replace(a, b))[1])
    cache = ShardCache(tmp_path, "base")
    cache.put("k", "{}\n")
    assert events == ["fsync", ("replace", "k.jsonl.gz")]
    assert [p.name for p in tmp_path.iterdir()] == ["k.jsonl.gz"]
    assert gzip.decompress((tmp_path / "k.jsonl.gz").read_bytes()) == b"{}\n"


# ------------------------------------------------------- 3. two builds into one output
def test_a_second_build_into_the_same_output_fails_at_once(tmp_path):
    """The second build used to delete the first one's temporary directory."""
    src = corpus(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out"
    first = start_build(str(src), "-o", str(out), "--jobs", "1", marker=uuid.uuid4().hex)
    try:
        wait_for(lambda: list(tmp_path.glob(".out.tmp-*/papers.jsonl")), first)
        (tmp_dir,) = tmp_path.glob(".out.tmp-*")
        t0 = time.monotonic()
        second = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"])
        assert time.monotonic() - t0 < 10
        assert tmp_dir.exists()  # the first build's work is untouched
        _, stderr = first.communicate(timeout=TIMEOUT)
    finally:
        first.kill()
    assert second.exit_code == 1
    assert second.output.strip() == (f"Error: another kg build is writing {out} "
                                     f"(pid {first.pid}); wait for it or choose another -o")
    assert first.returncode == 0, stderr
    assert load_summary(out)["counts"]["papers"] == 1100
    assert_no_leftovers(out)


def test_the_lock_is_the_output_directorys_and_is_released(tmp_path):
    out = tmp_path / "out"
    with output_lock(out):
        with pytest.raises(OutputBusyError, match=f"pid {os.getpid()}"):
            with output_lock(out):
                pass
        with output_lock(tmp_path / "other"):  # another output: no conflict
            pass
    with output_lock(out):  # released
        pass


# ------------------------------------------------------- 4. --update of a damaged build
@pytest.mark.parametrize("damage", ["truncated", "same-size"])
def test_update_refuses_a_build_whose_papers_changed(tmp_path, damage):
    """--update of a build whose papers.jsonl was truncated used to keep 100 of 2,207
    papers and exit 0."""
    out = tmp_path / "out"
    build([DEMO_CORPUS], out, BuildOptions(fmt="daily-papers"))
    papers = out / "papers.jsonl"
    data = papers.read_bytes()
    if damage == "truncated":
        papers.write_bytes(b"".join(data.splitlines(True)[:10]))
        why = f"({papers.stat().st_size} bytes, expected {len(data)})"
    else:
        papers.write_bytes(data.replace(b'"abstract"', b'"abstrakt"', 1))  # same size
        why = "(its SHA-256 is not the one the build recorded)"
    damaged = outputs(out)
    extra = corpus(tmp_path / "extra.jsonl", 1)
    result = CliRunner().invoke(cli, ["build", "--update", str(out), str(extra), "-q"])
    assert result.exit_code == 1
    assert result.output.strip() == (f"Error: {papers} changed since it was built {why}; "
                                     f"rebuild it with `kg build INPUT... -o {out}`")
    assert outputs(out) == damaged  # left as it was
    assert_no_leftovers(out)


def test_summary_records_the_papers_file(tmp_path):
    import hashlib

    out = tmp_path / "out"
    build([DEMO_CORPUS], out, BuildOptions(fmt="daily-papers"))
    data = (out / "papers.jsonl").read_bytes()
    assert load_summary(out)["papers_file"] == {"bytes": len(data),
                                                "sha256": hashlib.sha256(data).hexdigest()}


# ------------------------------------------------------- 5. a full or read-only disk
def test_a_full_disk_is_one_line_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Simulated: the first fsync (a shard's) fails with ENOSPC, as a file system with
    delayed allocation reports a full disk."""
    out = tmp_path / "out"

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"])
    assert result.exit_code == 1, result.output
    line = one_line(result.output)
    assert line.startswith(f"Error: cannot write {tmp_path / '.out.shards'}/")
    assert line.endswith(".jsonl.gz: No space left on device")
    assert not out.exists()
    assert_no_leftovers(out)
    monkeypatch.undo()
    assert CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"]).exit_code == 0


def test_a_full_disk_while_writing_an_output_names_it_in_the_output(tmp_path, monkeypatch):
    """Simulated ENOSPC at the summary (a plain write): the message names the file in the
    output directory, not in the temporary one."""
    import kg.build.pipeline as pipeline

    out = tmp_path / "out"
    real = pipeline._write_summary

    def full(tmp, *args):
        real(tmp, *args)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp / "summary.json"))

    monkeypatch.setattr(pipeline, "_write_summary", full)
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert one_line(result.output) == (f"Error: cannot write {out}/summary.json: "
                                       "No space left on device")
    assert_no_leftovers(out)


def test_a_read_only_output_keeps_the_previous_build(tmp_path, monkeypatch):
    """Simulated: the final swap of the output directory fails with EROFS."""
    out = tmp_path / "out"
    build([DEMO_CORPUS], out, BuildOptions(fmt="daily-papers"))
    before = outputs(out)
    real = os.replace

    def read_only(src, dst):
        if Path(src).name.startswith(".out.tmp-"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(src))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", read_only)
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert one_line(result.output) == f"Error: cannot write {out}: Read-only file system"
    assert outputs(out) == before
    assert_no_leftovers(out)


def test_a_temporary_shard_left_by_a_killed_build_is_pruned(tmp_path):
    out = tmp_path / "out"
    stale = tmp_path / ".out.shards" / ("0" * 40 + ".jsonl.gz.x1y2.tmp")
    stale.parent.mkdir()
    stale.write_bytes(b"half a shard")
    build([DEMO_CORPUS], out, BuildOptions(fmt="daily-papers"))
    assert not stale.exists()


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs (real faults of a file system); skip where mounting is not allowed."""
    mount = tmp_path / "mnt"
    mount.mkdir()

    def mount_(options: str) -> None:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")

    yield mount, mount_
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_real_read_only_file_system(tmpfs):
    mount, mount_ = tmpfs
    mount_("size=8m,ro")
    out = mount / "out"
    result = kg_run("build", "--demo", "-o", str(out), "-q")
    assert result.returncode == 1
    assert one_line(result.stderr) == f"Error: cannot write {out}: Read-only file system"


def test_a_real_full_disk(tmpfs, tmp_path):
    """A tmpfs too small for the build: one line, nothing half-written left; with room
    made (remounted larger) the rerun gives the build of a roomy disk."""
    mount, mount_ = tmpfs
    mount_("size=256k")
    out = mount / "out"
    result = kg_run("build", "--demo", "-o", str(out), "-q")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("Error: cannot write ") and line.endswith("No space left on device")
    assert not out.exists()
    assert_no_leftovers(out)
    subprocess.run(["mount", "-o", "remount,size=16m", str(mount)], check=True)
    assert kg_run("build", "--demo", "-o", str(out), "-q").returncode == 0
    roomy = tmp_path / "roomy"
    build([DEMO_CORPUS], roomy, BuildOptions(fmt="daily-papers"))
    assert outputs(out) == outputs(roomy)


# ------------------------------------------------------- 6. SIGTERM
def test_sigterm_stops_the_build_like_ctrl_c(tmp_path):
    """SIGTERM used to leave the temporary directory (and 34 lines of BrokenPipeError
    with --jobs 2): now one line, exit status 143, no temporary file, no worker left,
    and the rerun resumes from the shards."""
    src = corpus(tmp_path / "in.jsonl", 50)
    out = tmp_path / "out"
    marker = uuid.uuid4().hex
    proc = start_build(str(src), "-o", str(out), "--jobs", "2", marker=marker)
    try:
        wait_for(lambda: shards(out), proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143
    assert "terminated (SIGTERM)" in one_line(stderr)
    assert not out.exists()
    assert_no_leftovers(out, marker)
    result = kg_run("build", str(src), "-o", str(out), "-q", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert load_summary(out)["counts"]["chunks_cached"] >= 1


# ------------------------------------------------------- 7. a tampered graph.kg.npz
def _tamper(path: Path, change) -> None:
    with np.load(path) as data:
        arrays = {name: data[name].copy() for name in data.files}
    change(arrays)
    np.savez(path, **arrays)


TAMPERING = {
    "negative concept": (lambda a: a["m_concept"].__setitem__(0, -5), "m_concept holds -5"),
    "concept too large": (lambda a: a["m_concept"].__setitem__(-1, 10**6),
                          "m_concept holds 1000000"),
    "pointers falling": (lambda a: a["m_ptr"].__setitem__(1, a["m_ptr"][-1] + 1),
                         "m_ptr is not rising"),
    "pointers short": (lambda a: a.__setitem__("a_ptr", a["a_ptr"][:-1]), "a_ptr has"),
    "column length": (lambda a: a.__setitem__("m_count", a["m_count"][:-1]), "m_count has"),
    "similar pair": (lambda a: a["s_u"].__setitem__(0, -1), "s_u holds -1"),
    "float indices": (lambda a: a.__setitem__("c_u", a["c_u"].astype(float)),
                      "c_u is not a 1-d array of integers"),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_tampered_model_file_is_a_clear_error(demo_build, tmp_path, how):
    """A graph.kg.npz with bad arrays used to give `kg path` a traceback, and other
    commands answers from bad data."""
    graph = tmp_path / "kg-out"
    shutil.copytree(demo_build, graph)
    change, problem = TAMPERING[how]
    _tamper(graph / "graph.kg.npz", change)
    for command in (["path", "NTK", "scaling laws"], ["stats"], ["concept", "NTK"]):
        result = CliRunner().invoke(cli, [*command, "--graph", str(graph)])
        assert result.exit_code == 1, (command, result.output)
        line = one_line(result.output)
        assert line.startswith(f"Error: {graph / 'graph.kg.npz'}: damaged (")
        assert problem in line and line.endswith("; rebuild it with kg build")


def test_an_untouched_model_file_still_loads(demo_build, tmp_path):
    graph = tmp_path / "kg-out"
    shutil.copytree(demo_build, graph)
    _tamper(graph / "graph.kg.npz", lambda a: None)  # rewritten, same arrays
    assert load_model(graph).paper_ids == load_model(demo_build).paper_ids


def test_a_library_build_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    from kg.build import DEMO_CORPUS, build

    real = tmp_path / "build-1"
    real.mkdir()
    link = tmp_path / "kg-out"
    link.symlink_to("build-1")
    build([DEMO_CORPUS], link)
    assert link.is_symlink() and (real / "graph.ttl").is_file()
    build([DEMO_CORPUS], link)  # again: still the link, still the same target
    assert link.is_symlink() and link.resolve() == real.resolve()
