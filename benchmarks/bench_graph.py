"""Benchmark :meth:`kg.model.GraphModel.build` and the queries at arXiv-CS scale on synthetic records.

75,000 papers x 15 concepts drawn Zipf-like (exponent 1.0) from 20,000 concepts, 10 % of
them discovered, 4 authors per paper, dates over 16 months. Prints the time of each step
and the peak RSS of the process (``resource.getrusage``).

Usage::

    python benchmarks/bench_graph.py [--papers 75000] [--concepts 20000] [--per-paper 15] [--store]
"""
from __future__ import annotations

import argparse
import resource
import sys
import time

import numpy as np


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def synthetic(n_papers: int, n_concepts: int, per_paper: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_concepts + 1)
    weights /= weights.sum()
    base = "https://w3id.org/paper-kg/concept/"
    iris = [f"{base}x/term-{j}" if j % 10 == 9 else f"{base}c{j}" for j in range(n_concepts)]
    papers, records = [], []
    for i in range(n_papers):
        pid = f"25{i // 5000:02d}.{i % 100000:05d}"
        month = 1 + i % 16
        date = f"{2025 + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}-{1 + i % 28:02d}"
        picks = np.unique(rng.choice(n_concepts, size=per_paper, p=weights))
        papers.append({"id": pid, "title": f"Paper {i}", "abstract": "An abstract.",
                       "authors": [f"Author {rng.integers(0, 60000)}" for _ in range(4)],
                       "date": date})
        concepts = []
        for j in picks.tolist():
            concepts.append({
                "iri": iris[j], "label": f"concept {j}", "alt_labels": [], "type": "Method",
                "source": "discovered" if j % 10 == 9 else "ontology", "score": 0.5,
                "mentions": [{"field": "abstract", "start": 0, "end": 2, "text": "An",
                              "sentence": f"Sentence about concept {j}."}],
            })
        records.append({"id": pid, "title": f"Paper {i}", "abstract": "An abstract.",
                        "concepts": concepts})
    return papers, records


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=75_000)
    ap.add_argument("--concepts", type=int, default=20_000)
    ap.add_argument("--per-paper", type=int, default=15)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--store", action="store_true", help="also time save_model/load_model")
    args = ap.parse_args(argv)

    from kg.model import GraphModel
    from kg.query import (concept_communities, concept_trend, emerging_concepts, graph_stats,
                          related_papers, shortest_path)

    def report(text: str) -> None:
        print(f"{text}; peak RSS {peak_rss_mb():.0f} MB", flush=True)

    t0 = time.perf_counter()
    papers, records = synthetic(args.papers, args.concepts, args.per_paper)
    t1 = time.perf_counter()
    report(f"synthetic records: {len(records)} papers x <= {args.per_paper} concepts "
           f"from {args.concepts} in {t1 - t0:.1f} s")
    G = GraphModel.build(papers, records, top_k=args.top_k)
    t2 = time.perf_counter()
    kinds = G.counts()["edges"]
    report(f"GraphModel.build: {t2 - t1:.1f} s; {G.number_of_nodes()} nodes, edges {kinds}")
    timings = {}
    for name, fn in [
        ("concept_communities", lambda: concept_communities(G)),
        ("graph_stats", lambda: graph_stats(G)),
        ("emerging_concepts", lambda: emerging_concepts(G)),
        ("concept_trend", lambda: concept_trend(G, "concept 500")),
        ("related_papers", lambda: related_papers(G, papers[0]["id"])),
        ("shortest_path", lambda: shortest_path(G, papers[0]["id"], papers[-1]["id"])),
    ]:
        t = time.perf_counter()
        fn()
        timings[name] = time.perf_counter() - t
    report("analytics: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    if args.store:
        import tempfile

        from kg.model.store import load_model, save_model

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            save_model(G, tmp)
            t_save = time.perf_counter() - t
            del G
            t = time.perf_counter()
            load_model(tmp)
            report(f"kg.model.store: save_model {t_save:.1f} s, load_model (what each query "
                   f"command does) {time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
