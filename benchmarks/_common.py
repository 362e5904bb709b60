"""Helpers shared by the benchmark scripts (not part of the kg package)."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ARXIV_GLOB = str(SHARED / "data" / "arxiv-cs" / "*.jsonl")


def arxiv_files() -> list[str]:
    files = sorted(glob.glob(ARXIV_GLOB))
    if not files:
        raise SystemExit(f"no corpus at {ARXIV_GLOB}: the benchmarks need ../shared")
    return files


def arxiv_texts(limit: int | None = None) -> list[str]:
    """Title + abstract of the arXiv CS papers, as kg sees them (hard wraps joined)."""
    from kg.text import clean_text

    out = []
    for path in arxiv_files():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                out.append(clean_text(d["title"]) + "\n\n" + clean_text(d["summary"]))
                if limit and len(out) >= limit:
                    return out
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE") // 1024
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def tree_pids(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [pid]
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process tree, in KiB: pages shared by forked workers
    (copy-on-write) are split between them instead of counted once per process."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def run_measured(cmd: list[str], **kwargs) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run ``cmd``; return wall seconds, peak RSS of its process tree (MiB, the sum over
    processes) and the result (:func:`run_measured_pss` also gives the peak PSS)."""
    seconds, rss, _pss, res = run_measured_pss(cmd, **kwargs)
    return seconds, rss, res


def run_measured_pss(cmd: list[str], **kwargs):
    """Run ``cmd``; return wall seconds, peak summed RSS and peak PSS of its process tree
    (MiB), and the result."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    peak = peak_pss = 0
    done = threading.Event()

    def sample():
        nonlocal peak, peak_pss
        k = 0
        while not done.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            if k % 5 == 0:  # reading smaps_rollup of big processes costs CPU: once a second
                peak_pss = max(peak_pss, tree_pss_kb(proc.pid))
            k += 1
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = proc.communicate()
    done.set()
    thread.join()
    elapsed = time.perf_counter() - t0
    return (elapsed, peak // 1024, peak_pss // 1024,
            subprocess.CompletedProcess(cmd, proc.returncode, out, err))


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*(str(x) for x in r)) for r in rows]
    return "\n".join(lines)


def machine() -> str:
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
