"""Faults during ``kg build`` and what they cost.

    python benchmarks/faults.py                  # 20,000 arXiv papers, about 4 minutes here
    python benchmarks/faults.py --papers 2000    # a quick look (under a minute)

Builds the first N papers of the arXiv CS corpus (``../shared``) with ``kg build --jobs 2``
in a temporary folder: a clean build, then an unchanged rebuild (every chunk from its
shard), then each fault followed by a rerun, each fault in a folder of its own:

- ``worker killed``: SIGKILL to one extraction worker (what the out-of-memory killer does)
  once the first shards exist;
- ``shard zeroed``: one shard of a finished build truncated to zero bytes, then a rebuild;
- ``SIGTERM``: SIGTERM to the build at a random moment of a clean build's duration
  (``--seed``);
- ``full disk``: the build on a tmpfs too small for it (mounted here; needs root with
  CAP_SYS_ADMIN), then the tmpfs remounted larger (room made) and the build rerun. Where
  mounting is refused (or with ``--simulate-disk``), the disk is *simulated*: the build
  runs with ``os.fsync`` raising ``ENOSPC`` from the Nth call on (the Nth shard; a file
  system with delayed allocation reports a full disk there), and the row says so.

For each: how the faulty run ended (exit status, its last line), what it left behind
(temporary directory, lock file, ``*.tmp`` shards, worker processes), whether the
rerun's output is byte-identical to the clean build (every file but ``summary.json``),
and the time lost: the faulty run plus the rerun, minus the clean build (for ``shard
zeroed``, the rebuild minus the unchanged rebuild).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import arxiv_files, machine, table  # noqa: E402

#: ``python -c`` program: ``kg`` with ``os.fsync`` failing (ENOSPC) from the Nth call on
SIMULATED_FULL_DISK = """
import errno, os, sys
calls, real = [0], os.fsync
def fsync(fd):
    calls[0] += 1
    if calls[0] >= int(os.environ["KG_FAULT_FSYNC_FAILS_AT"]):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real(fd)
os.fsync = fsync
sys.argv[0] = "kg"
from kg.cli import main
main()
"""


def write_corpus(n: int, path: Path) -> int:
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for f in arxiv_files():
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        out.write(line)
                        written += 1
                        if written >= n:
                            return written
    return written


def kg_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", "build", *args, "-q"]


class Run:
    """One ``kg build`` in a subprocess, timed; marked so that its workers can be found."""

    def __init__(self, args: list[str], env: dict | None = None) -> None:
        self.marker = uuid.uuid4().hex
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=dict(os.environ, **(env or {}),
                                                         KG_FAULT_RUN=self.marker))
        self.wall = 0.0
        self.stderr = ""

    def wait(self, timeout: float = 1800) -> "Run":
        _, self.stderr = self.proc.communicate(timeout=timeout)
        self.wall = time.perf_counter() - self.t0
        return self

    @property
    def code(self) -> int:
        return self.proc.returncode

    def last_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def workers_left(self) -> int:
        time.sleep(1)  # a stopped worker takes a moment to go
        needle = f"KG_FAULT_RUN={self.marker}".encode()
        found = 0
        for environ in Path("/proc").glob("[0-9]*/environ"):
            try:
                found += needle in environ.read_bytes().split(b"\0")
            except OSError:
                pass
        return found


def build(src: Path, out: Path, jobs: int, env: dict | None = None, wrap: str | None = None) -> Run:
    args = kg_command(str(src), "-o", str(out), "--jobs", str(jobs))
    if wrap is not None:  # the same command through a python -c program
        args = [sys.executable, "-c", wrap, *args[3:]]
    return Run(args, env)


def digests(out: Path) -> dict[str, str]:
    found = {}
    for path in sorted(out.iterdir()):
        if path.name != "summary.json":
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
            found[path.name] = h.hexdigest()
    return found


def shards_of(out: Path) -> list[Path]:
    return sorted((out.parent / f".{out.name}.shards").glob("*.jsonl.gz"))


def leftovers(out: Path, run: Run) -> str:
    parent = out.parent
    found = []
    if list(parent.glob(f".{out.name}.tmp-*")):
        found.append("tmp dir")
    if (parent / f".{out.name}.lock").exists():
        found.append("lock")
    tmp_shards = list((parent / f".{out.name}.shards").glob("*.tmp"))
    if tmp_shards:
        found.append(f"{len(tmp_shards)} .tmp shards")
    workers = run.workers_left()
    if workers:
        found.append(f"{workers} processes")
    return ", ".join(found) or "nothing"


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return found


def wait_until(condition, run: Run, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if run.proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def short(text: str, width: int = 72) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


# -------------------------------------------------------------------------- scenarios
def worker_killed(src: Path, work: Path, jobs: int) -> tuple[Run, Path, str]:
    out = work / "out"
    run = build(src, out, jobs)
    note = "SIGKILL to a worker after the first shard"
    if wait_until(lambda: shards_of(out) and children(run.proc.pid), run):
        os.kill(children(run.proc.pid)[0], signal.SIGKILL)
    else:
        note = "the build ended before a worker could be killed"
    return run.wait(), out, note


def shard_zeroed(clean: Path, work: Path, jobs: int, src: Path, rng: random.Random):
    out = work / "out"
    shutil.copytree(clean, out)
    shutil.copytree(clean.parent / f".{clean.name}.shards", work / f".{out.name}.shards")
    victim = rng.choice(shards_of(out))
    victim.write_bytes(b"")
    return out, f"{victim.name[:12]}... zeroed in a finished build"


def sigterm(src: Path, work: Path, jobs: int, clean_s: float, rng: random.Random):
    out = work / "out"
    delay = rng.uniform(1.0, 0.9 * clean_s)
    run = build(src, out, jobs)
    try:
        run.proc.wait(timeout=delay)
        note = f"none: the build ended before {delay:.1f} s"
    except subprocess.TimeoutExpired:
        run.proc.send_signal(signal.SIGTERM)
        note = f"SIGTERM after {delay:.1f} s"
    return run.wait(), out, note


def mount_tmpfs(where: Path, size: int) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


def full_disk(src: Path, work: Path, jobs: int, clean: Path, simulate: bool = False):
    """A real full disk on a small tmpfs, or a simulated one; returns the faulty run, the
    output, a note, and how to make room (a callable) before the rerun."""
    mnt = work / "mnt"
    papers = (clean / "papers.jsonl").stat().st_size
    shards = sum(p.stat().st_size for p in shards_of(clean))
    size = 2 * papers + shards  # extraction writes each shard twice: fails about midway
    if not simulate and mount_tmpfs(mnt, size):
        out = mnt / "out"
        run = build(src, out, jobs).wait()

        def make_room() -> None:
            subprocess.run(["mount", "-o", f"remount,size={20 * size}", str(mnt)], check=True)

        return run, out, f"real: a tmpfs of {size / 1e6:.0f} MB", make_room
    out = work / "out"
    fails_at = max(2, len(shards_of(clean)) // 2)
    env = {"KG_FAULT_FSYNC_FAILS_AT": str(fails_at)}
    run = build(src, out, jobs, env=env, wrap=SIMULATED_FULL_DISK).wait()
    why = "asked for" if simulate else "no mount here"
    return (run, out, f"SIMULATED ({why}): ENOSPC at fsync #{fails_at}",
            lambda: None)


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--simulate-disk", action="store_true",
                        help="simulate the full disk (ENOSPC at an fsync) even where a tmpfs "
                             "can be mounted")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to build (default: a temporary folder, removed after)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = Path(args.workdir or tempfile.mkdtemp(prefix="kg-faults-"))
    root.mkdir(parents=True, exist_ok=True)
    mounts: list[Path] = []
    try:
        src = root / "input.jsonl"
        n = write_corpus(args.papers, src)
        print(f"faults: {n} arXiv papers, kg build --jobs {args.jobs}; {machine()}", flush=True)

        clean = root / "clean" / "out"
        first = build(src, clean, args.jobs).wait()
        if first.code != 0:
            raise SystemExit(f"the clean build failed: {first.stderr}")
        reference = digests(clean)
        # the reference time: the faster of two clean builds (the second with --fresh)
        second = Run([*kg_command(str(src), "-o", str(clean), "--jobs", str(args.jobs)),
                      "--fresh"]).wait()
        first.wall = min(first.wall, second.wall)
        again = build(src, clean, args.jobs).wait()
        print(f"clean build {first.wall:.1f} s (the faster of two), unchanged rebuild "
              f"{again.wall:.1f} s (identical: "
              f"{digests(clean) == reference and second.code == again.code == 0})", flush=True)

        rows, notes = [], []

        def rerun(out: Path, fault: Run | None, note: str, base: float, env=None, wrap=None):
            left = leftovers(out, fault) if fault else "-"  # before the rerun cleans up
            redo = build(src, out, args.jobs, env=env, wrap=wrap).wait()
            same = redo.code == 0 and digests(out) == reference
            lost = (fault.wall if fault else 0.0) + redo.wall - base
            rows.append((
                name, note,
                f"{fault.code}" if fault else "-",
                short(fault.last_line(), 60) if fault else "-",
                left, f"{redo.code}", short(redo.last_line(), 50) or "-",
                "yes" if same else "NO", f"{fault.wall:.1f}" if fault else "-",
                f"{redo.wall:.1f}", f"{lost:+.1f}"))
            print(" | ".join(rows[-1]), flush=True)
            if fault is not None:
                notes.append(f"{name}, faulty run: " + " / ".join(
                    line for line in fault.stderr.splitlines() if line.strip()))
            warned = [line for line in redo.stderr.splitlines() if line.startswith("Warning")]
            if warned:
                notes.append(f"{name}, rerun: " + " / ".join(warned))

        name = "worker killed"
        run, out, note = worker_killed(src, root / "kill", args.jobs)
        rerun(out, run, note, first.wall)

        name = "shard zeroed"
        out, note = shard_zeroed(clean, root / "zero", args.jobs, src, rng)
        rerun(out, None, note, again.wall)

        name = "SIGTERM"
        run, out, note = sigterm(src, root / "term", args.jobs, first.wall, rng)
        rerun(out, run, note, first.wall)

        name = "full disk"
        run, out, note, make_room = full_disk(src, root / "disk", args.jobs, clean,
                                             args.simulate_disk)
        if out.parent.name == "mnt":
            mounts.append(out.parent)
        make_room()  # remounted larger: the files are as the faulty run left them
        rerun(out, run, note, first.wall)

        print()
        print(table(rows, ("fault", "how", "exit", "its last line", "left behind",
                           "rerun exit", "rerun's last line", "identical", "fault s",
                           "rerun s", "lost s")))
        print(f"\nclean build {first.wall:.1f} s; unchanged rebuild {again.wall:.1f} s; "
              f"lost = fault run + rerun - clean build (shard zeroed: rerun - unchanged "
              f"rebuild)\n")
        print("\n".join(notes))
    finally:
        for mnt in mounts:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        if args.workdir is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
