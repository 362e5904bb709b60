"""SPARQL on a build: the time to make its store, and each saved query, first and warm.

    python benchmarks/bench_sparql.py DIR                 # DIR: a `kg build` output
    python benchmarks/bench_sparql.py DIR --rdflib        # also rdflib's in-memory graph
    python benchmarks/bench_sparql.py DIR --named-graphs  # also the store with named graphs

Prints one table. For each saved query (with the arguments of RUNS): the first answer, in a
fresh process (`kg sparql NAME ARGS --graph DIR`, wall time: start-up, opening the store
and the query), and warm (the median of 3 runs in one process after a first one), with the
number of rows. With ``--rdflib``, the same query text on an ``rdflib.Graph`` parsed from
the same ``graph.ttl`` in the same run (each query in a forked child, stopped after
``--rdflib-timeout`` seconds). With ``--named-graphs``, the store that keeps each named
graph (``kg sparql --named-graphs``) is made too, and each query timed warm on it. Targets printed beside: every saved query warm under 1 s
at 75 k papers; store creation under 60 s.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The saved queries timed, with their arguments (concepts of any arXiv CS build); the
#: second papers-about is a concept under which tens of thousands of papers are (the
#: query returns the default limit of them, newest first). ``PAPER``: the newest paper
#: about LoRA, found when the benchmark runs.
PAPER = "PAPER"
RUNS = [("papers-about", ["LoRA"]), ("papers-about", ["large language model"]),
        ("cooccurring", ["LoRA"]), ("papers-linking", ["LoRA", "diffusion model"]),
        ("new-concepts-per-month", []), ("top-concepts", []), ("concept", ["NTK"]),
        ("evidence", [PAPER, "LoRA"]), ("community", ["LoRA"])]


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _rdflib_child(graph, text, conn) -> None:
    t0 = time.perf_counter()
    rows = len(list(graph.query(text)))
    conn.send((rows, time.perf_counter() - t0))


def _rdflib_time(graph, text: str, timeout: float) -> str:
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_rdflib_child, args=(graph, text, child))
    proc.start()
    if parent.poll(timeout):
        rows, seconds = parent.recv()
        proc.join()
        return f"{seconds:8.2f} s ({rows} rows)"
    proc.kill()
    proc.join()
    return f"  > {timeout:.0f} s (stopped)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", type=Path, help="a kg build output directory")
    ap.add_argument("--rdflib", action="store_true", help="also time rdflib's memory graph")
    ap.add_argument("--rdflib-timeout", type=float, default=120.0)
    ap.add_argument("--named-graphs", action="store_true",
                    help="also make and query the store with named graphs")
    args = ap.parse_args(argv)

    from kg.sparql import labels_of, query, query_text
    from kg.sparql.results import run_query
    from kg.sparql.saved import SAVED_QUERIES
    from kg.sparql.store import make_store, open_store

    with tempfile.TemporaryDirectory() as tmp:  # a copy: the build itself is not touched
        build = Path(tmp) / args.build.name
        build.mkdir()
        for name in ("graph.ttl", "summary.json"):
            shutil.copy2(args.build / name, build / name)
        _, made = _timed(lambda: make_store(build))
        store = open_store(build)
        labels = labels_of(build)
        print(f"{args.build}: {len(store):,} triples; store made in {made:.1f} s "
              f"(target < 60 s)", flush=True)
        named = None
        if args.named_graphs:
            other = Path(tmp) / "named" / args.build.name
            other.mkdir(parents=True)
            shutil.copy2(build / "graph.ttl", other / "graph.ttl")
            _, made_named = _timed(lambda: make_store(other, named_graphs=True))
            named = open_store(other)
            print(f"with named graphs: store made in {made_named:.1f} s", flush=True)
        kg = str(Path(sys.executable).parent / "kg")
        rdflib_graph = None
        if args.rdflib:
            import rdflib

            rdflib_graph = rdflib.Graph()
            _, parsed = _timed(lambda: rdflib_graph.parse(build / "graph.ttl", format="turtle"))
            print(f"rdflib: graph.ttl parsed in {parsed:.1f} s")
        print(f"{'saved query':<40} {'rows':>7} {'first':>9} {'warm':>9}"
              + ("  named g." if named is not None else "")
              + ("   rdflib" if rdflib_graph is not None else "") + "   (target: warm < 1 s)")
        assert {name for name, _ in RUNS} == {q.name for q in SAVED_QUERIES}
        paper = query(store, "papers-about", "LoRA", limit=1)[0]["paper"]
        for name, qargs in RUNS:
            qargs = [paper if a == PAPER else a for a in qargs]
            text = query_text(name, qargs, labels)
            t0 = time.perf_counter()
            first = subprocess.run([kg, "sparql", name, *qargs, "--graph", str(build),
                                    "--format", "csv"], capture_output=True, text=True)
            t_first = time.perf_counter() - t0 if first.returncode == 0 else None
            result = run_query(store, text, union=True)
            warm = statistics.median(_timed(lambda: run_query(store, text, union=True))[1]
                                     for _ in range(3))
            shown = " ".join([name, *(f'"{a}"' for a in qargs)])
            line = (f"{shown:<40} {len(result.rows):>7} "
                    f"{(f'{t_first:7.2f} s' if t_first is not None else '  failed'):>9} "
                    f"{warm:7.3f} s")
            if named is not None:
                run_query(named, text, union=True)
                line += f" {statistics.median(_timed(lambda: run_query(named, text, union=True))[1] for _ in range(3)):7.3f} s"
            if rdflib_graph is not None:
                line += "  " + _rdflib_time(rdflib_graph, text, args.rdflib_timeout)
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
