"""Read rate of the ingest stage over the arXiv CS corpus in ../shared/data/arxiv-cs.

Run: ``python benchmarks/bench_ingest.py [DIR]``. Prints papers/s for reading (parse,
validate, clean) and for the whole ``read_inputs`` (reading plus de-duplication).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from kg.ingest import iter_records, merge_papers, read_inputs
from kg.ingest.driver import expand_inputs

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv-cs"


def main(folder: Path) -> None:
    files = expand_inputs([folder])
    size = sum(f.stat().st_size for f in files)

    start, cpu = time.perf_counter(), time.process_time()
    papers = [r for f in files for r in iter_records(f)]
    read_s, read_cpu = time.perf_counter() - start, time.process_time() - cpu

    start = time.perf_counter()
    merged = merge_papers(papers)
    merge_s = time.perf_counter() - start

    start = time.perf_counter()
    result = read_inputs([folder])
    total_s = time.perf_counter() - start

    print(f"files: {len(files)} ({size / 1e6:.0f} MB), records: {len(papers)}")
    print(f"read:  {read_s:6.2f} s  {len(papers) / read_s:9,.0f} papers/s  "
          f"{size / 1e6 / read_s:5.1f} MB/s  (CPU {read_cpu:.2f} s: "
          f"{len(papers) / read_cpu:,.0f} papers/s)")
    print(f"merge: {merge_s:6.2f} s  ({merged.merged} merged)")
    print(f"read_inputs: {total_s:6.2f} s  {result.read / total_s:9,.0f} papers/s  "
          f"[{result.summary_line()}]")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not target.exists():
        sys.exit(f"no corpus at {target}; pass the arxiv-cs directory")
    main(target)
