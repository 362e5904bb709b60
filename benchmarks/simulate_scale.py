"""arXiv scale by simulation: the 74,728 arXiv CS papers repeated with distinct ids.

    python benchmarks/simulate_scale.py --papers 250000         # about 10 minutes here
    python benchmarks/simulate_scale.py --papers 2500000        # the issue's target size

Writes the synthetic corpus (copy k of a paper gets a distinct arXiv-style id; texts,
authors and dates unchanged), runs ``kg build --jobs 2`` on it and prints wall time, peak memory of the
process tree (summed RSS and PSS), each stage's time and the process's RSS after it, and
the disk the build used (output directory and extraction shards), with the per-paper rates
and a linear projection to 2.5 million papers beside them. Targets: the 2.5 M
build completes with peak RSS under 12 GB.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import arxiv_files, machine, run_measured_pss, table  # noqa: E402

TARGET_PAPERS = 2_500_000
TARGET_RSS_MB = 12 * 1024


def synthetic_id(arxiv_id: str, copy: int) -> str:
    """A distinct arXiv-style id for copy ``copy`` (the year digits encode it), so copies
    stay distinct papers: records with different arXiv ids are never merged.

    >>> synthetic_id("2503.11677", 1), synthetic_id("2603.11677", 1)
    ('3203.11677', '3303.11677')
    """
    year = int(arxiv_id[:2]) - 25  # the corpus spans 2025-2026
    return f"{30 + 2 * copy + year:02d}{arxiv_id[2:]}"


def write_corpus(n: int, path: Path) -> int:
    lines = []
    for f in arxiv_files():
        with open(f, encoding="utf-8") as fh:
            lines.extend(line for line in fh if line.strip())
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        copy = 0
        while written < n:
            for line in lines:
                if written >= n:
                    break
                if copy:
                    d = json.loads(line)
                    d["id"] = synthetic_id(d["id"], copy)
                    for key in ("abs", "pdf"):
                        d.pop(key, None)
                    line = json.dumps(d, ensure_ascii=False) + "\n"
                out.write(line)
                written += 1
            copy += 1
    return written


def du_mb(path: Path) -> float:
    if not path.exists():
        return 0.0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=250_000, help="corpus size (default 250000)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None, help="where to write (default: a temp dir)")
    args = ap.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kg-sim-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus.jsonl"
    n = write_corpus(args.papers, corpus)
    out = work / "out"
    cmd = [sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "-q", "--fresh",
           "--jobs", str(args.jobs)]
    seconds, rss, pss, res = run_measured_pss(cmd)
    print(f"simulated corpus: {n:,} papers ({corpus.stat().st_size / 2**20:,.0f} MB); "
          f"machine: {machine()}")
    if res.returncode != 0:
        print(f"build FAILED after {seconds:.0f} s (exit {res.returncode}):\n{res.stderr[-3000:]}")
        sys.exit(1)
    summary = json.loads((out / "summary.json").read_text())
    shards = work / ".out.shards"
    out_mb, shard_mb = du_mb(out), du_mb(shards)
    scale = TARGET_PAPERS / n
    rows = [
        ("wall time", f"{seconds:,.0f} s", f"{1000 * seconds / n:.2f} ms/paper",
         f"{seconds * scale / 3600:.1f} h", ""),
        ("peak RSS, process tree (sum)", f"{rss:,} MB", f"{1024 * rss / n:.1f} KB/paper",
         f"{rss * scale / 1024:.1f} GB (linear)", f"< {TARGET_RSS_MB // 1024} GB"),
        ("peak PSS, process tree", f"{pss:,} MB", f"{1024 * pss / n:.1f} KB/paper",
         f"{pss * scale / 1024:.1f} GB (linear)", f"< {TARGET_RSS_MB // 1024} GB"),
        ("output directory", f"{out_mb:,.0f} MB", f"{1024 * out_mb / n:.1f} KB/paper",
         f"{out_mb * scale / 1024:.0f} GB", ""),
        ("extraction shards", f"{shard_mb:,.0f} MB", f"{1024 * shard_mb / n:.1f} KB/paper",
         f"{shard_mb * scale / 1024:.0f} GB", ""),
    ]
    print(table(rows, ("measure", f"{n:,} papers", "per paper", "2.5 M, projected", "target")))
    print("\nstages (seconds; RSS of the main process after each, MB):")
    rss_after = summary.get("peak_rss_mb_after", {})
    print(table([(k, f"{v:.1f}", rss_after.get(k, "-")) for k, v in summary["timings_s"].items()],
                ("stage", "seconds", "RSS after")))
    g = summary["graph"]
    print(f"\ngraph: {g['nodes']}, edges {g['edges']}")
    print(f"work directory: {work} (delete it to reclaim the disk)")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
        print("(temporary work directory removed)")


if __name__ == "__main__":
    main()
