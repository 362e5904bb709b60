"""Benchmark: kg.export.rdf.write_rdf (pyoxigraph) against rdflib's own Turtle serializer.

Builds a synthetic graph that follows the graph model of ``docs/architecture.md`` at the
scale of the arXiv CS corpus (default 75,000 papers x 15 concepts, 5 authors per paper,
top-5 similar papers, 3,000 concepts with co-occurrences), then times:

1. ``write_rdf(G, "graph.ttl")`` on the whole graph (every triple);
2. on the same triples -- the RDF view of a random sample of papers with their concepts and
   authors, at least ``--rdflib-triples`` (default 200,000) -- ``write_rdf`` against
   ``rdflib.Graph.serialize(format="turtle")``. Building the ``rdflib.Graph`` is not
   counted against rdflib; only its serializer is timed.

Times are CPU seconds of the process (``time.process_time``), wall seconds in brackets:
on a shared machine wall time depends on what else runs.

With ``--build DIR`` (a ``kg build`` output directory) it times instead what ``kg build``
does at its export stage, on the model of that build (``graph.kg.npz``): kg's Turtle writer
on the model (what ``kg build`` writes ``graph.ttl`` with), the generic writer on the
model's networkx-shaped view (the writer ``kg build`` used before the model writer) and
rdflib's serializer on ``--rdflib-triples`` of the same triples -- the first ones of the
file, as ``bench_build.py`` takes them, and a sample of whole subjects spread over the
file, a representative mix (papers with their abstracts) -- in interleaved repeated runs;
then the other steps of the export stage (the model file, the HTML map).

Run it from the repository root::

    python benchmarks/bench_rdf.py            # full size (~1-2 min)
    python benchmarks/bench_rdf.py --papers 5000 --rdflib-triples 50000
    python benchmarks/bench_rdf.py --build kg-out     # a built graph
"""
from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import networkx as nx

BASE = "https://w3id.org/paper-kg/"
TYPES = ("Method", "Model", "Task", "Dataset", "Metric", "Phenomenon", "Theory", "Field")
WORDS = (
    "neural tangent kernel low rank adaptation double descent scaling law grokking lottery "
    "ticket implicit bias sharpness minima transformer diffusion benign overfitting mean field "
    "feature learning lazy regime infinite width pruning distillation quantization attention "
    "sparse mixture experts contrastive retrieval augmented generation reinforcement reward"
).split()


def synthetic_graph(
    n_papers: int = 75_000,
    concepts_per_paper: int = 15,
    n_concepts: int = 3_000,
    authors_per_paper: int = 5,
    n_authors: int = 150_000,
    top_k: int = 5,
    seed: int = 0,
) -> nx.MultiDiGraph:
    """A random graph with the node and edge attributes of the kg graph model."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    concepts = []
    for i in range(n_concepts):
        label = " ".join(rng.sample(WORDS, 2)) + f" {i}"
        discovered = i % 5 == 0
        iri = BASE + ("concept/x/" if discovered else "concept/") + label.replace(" ", "-")
        concepts.append(iri)
        G.add_node(iri, kind="concept", label=label, alt_labels=(label.upper(),),
                   type=None if discovered else TYPES[i % len(TYPES)],
                   source="discovered" if discovered else "ontology",
                   definition=None if discovered else f"The concept {label}.", paper_count=0)
    for i in range(1, n_concepts, 7):
        G.add_edge(concepts[i], concepts[i // 7], key="broader")
    # Zipf-like popularity, as in real corpora
    weights = [1.0 / (r + 1) ** 0.8 for r in range(n_concepts)]
    papers = []
    for i in range(n_papers):
        pid = f"25{(i // 10000) % 100:02d}.{i:05d}"
        iri = BASE + "paper/" + pid
        papers.append(iri)
        title = " ".join(rng.choices(WORDS, k=8)).capitalize()
        abstract = " ".join(rng.choices(WORDS, k=150)) + "."
        G.add_node(iri, kind="paper", id=pid, title=title, abstract=abstract,
                   date=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                   url=f"https://arxiv.org/abs/{pid}", source="arxiv")
        for pos in range(1, authors_per_paper + 1):
            a = rng.randrange(n_authors)
            airi = BASE + f"author/author-{a}"
            if airi not in G:
                G.add_node(airi, kind="author", name=f"Author {a}")
            G.add_edge(iri, airi, key="author", position=pos)
        for c in set(rng.choices(concepts, weights=weights, k=concepts_per_paper)):
            G.nodes[c]["paper_count"] += 1
            G.add_edge(iri, c, key="mentions", count=rng.randint(1, 4),
                       score=round(rng.random(), 6), fields=("abstract",),
                       evidence=(title + ".",))
    for i, p in enumerate(papers):
        for _ in range(top_k // 2 + 1):
            q = papers[rng.randrange(n_papers)]
            if q != p:
                u, v = min(p, q), max(p, q)
                G.add_edge(u, v, key="similar", weight=round(rng.random(), 6),
                           shared=tuple(rng.sample(concepts[:50], 2)))
    for i in range(n_concepts * 3):
        a, b = sorted(rng.sample(concepts[:1000], 2))
        G.add_edge(a, b, key="cooccurs", npmi=round(rng.random(), 6), support=rng.randint(3, 99))
    return G


def _timed(fn):
    """Run ``fn``; return (result, CPU seconds, wall seconds)."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - w0


def _subject_sample(path: Path, n: int, first: bool):
    """About ``n`` triples of the Turtle file ``path`` and the file's number of triples:
    the first ``n``, or every triple of every k-th subject (a spread sample of whole
    subjects, with their qualified blank nodes). Streams the file twice."""
    import pyoxigraph as ox

    def parse():
        return ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)

    total, subjects, out = 0, {}, []
    for t in parse():
        total += 1
        if first and len(out) < n:
            out.append(t)
        if not first and type(t.subject) is ox.NamedNode:
            subjects[t.subject.value] = None
    if first:
        return out, total
    subjects = list(subjects)
    wanted = max(1, len(subjects) * n // max(1, total))  # subjects for about n triples
    keep = set(subjects[::max(1, len(subjects) // wanted)])
    pending: dict = {}  # a blank node's triples come before the triple naming it
    for t in parse():  # the qualified (blank) nodes go with their subject
        s = t.subject
        if type(s) is ox.NamedNode:
            inner = pending.pop(t.object, ()) if type(t.object) is ox.BlankNode else ()
            if s.value in keep:
                out.extend(inner)
                out.append(t)
        else:
            pending.setdefault(s, []).append(t)
    return out, total


def bench_build_dir(directory: Path, n: int, repeat: int) -> None:
    import io

    import pyoxigraph as ox
    import rdflib

    from kg.export.rdf import writer as rdf
    from kg.model.store import load_model, save_model
    from kg.export.html import write_html

    model, cpu, wall = _timed(lambda: load_model(directory))
    view = model.view()
    print(f"model of {directory}: {model.counts()} (loaded in {cpu:.1f} s CPU)")
    with tempfile.TemporaryDirectory() as tmp:
        ttl = Path(tmp) / "graph.ttl"
        rdf.write_rdf(view, ttl)
        same = ttl.read_bytes() == (directory / "graph.ttl").read_bytes()
        samples = {}
        for first in (True, False):
            triples, total = _subject_sample(ttl, n, first)
            g = rdflib.Graph()
            g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
            samples["first" if first else "spread"] = g
        print(f"{total:,} triples; written Turtle identical to {directory / 'graph.ttl'}: {same}")

        def generic():
            with open(Path(tmp) / "generic.ttl", "wb") as fh:
                rdf._write_text(view, fh, "turtle", False)

        runs: dict[str, list] = {"kg model writer": [], "kg generic writer (view)": [],
                                 "rdflib, first triples": [], "rdflib, spread subjects": []}
        for _ in range(repeat):  # interleaved; best of each (the machine is shared)
            runs["kg model writer"].append(_timed(lambda: rdf.write_rdf(view, ttl))[1:])
            runs["kg generic writer (view)"].append(_timed(generic)[1:])
            for key, label in (("first", "rdflib, first triples"),
                               ("spread", "rdflib, spread subjects")):
                g = samples[key]
                runs[label].append(_timed(lambda: g.serialize(
                    destination=io.BytesIO(), format="turtle"))[1:])
        assert (Path(tmp) / "generic.ttl").read_bytes() == ttl.read_bytes()
        rate = {}
        print(f"best of {repeat} interleaved runs (CPU s [wall s]):")
        for label, times in runs.items():
            cpu, wall = min(times)
            m = len(samples["first" if "first" in label else "spread"]) if "rdflib" in label \
                else total
            rate[label] = m / cpu
            print(f"  {label:28s} {m:>10,} triples {cpu:7.2f} s [{wall:6.2f} s] "
                  f"= {m / cpu:>10,.0f} triples/s")
        for label in ("rdflib, first triples", "rdflib, spread subjects"):
            print(f"speed-up of the model writer vs {label}: "
                  f"{rate['kg model writer'] / rate[label]:.1f}x (target >= 20x); "
                  f"generic writer: {rate['kg generic writer (view)'] / rate[label]:.1f}x")
        # the other steps of the export stage of kg build (see kg.build.pipeline._export)
        import json

        summary = directory / "summary.json"
        options = json.loads(summary.read_text())["options"] if summary.exists() else {}
        steps = {"save_model (graph.kg.npz)": lambda: save_model(model, tmp),
                 "write_rdf (graph.ttl)": lambda: rdf.write_rdf(view, ttl),
                 "write_html (graph.html)": lambda: write_html(
                     model, Path(tmp) / "g.html", max_nodes=options.get("html_max_nodes", 1500),
                     title=options.get("title"))}
        print("export steps (CPU s [wall s]):")
        for label, fn in steps.items():
            _, cpu, wall = _timed(fn)
            print(f"  {label:28s} {cpu:7.2f} s [{wall:6.2f} s]")
        if (directory / "graph.html").exists():
            same = (Path(tmp) / "g.html").read_bytes() == (directory / "graph.html").read_bytes()
            print(f"graph.html identical to {directory / 'graph.html'}: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=75_000)
    parser.add_argument("--concepts-per-paper", type=int, default=15)
    parser.add_argument("--rdflib-triples", type=int, default=200_000)
    parser.add_argument("--detail", action="store_true", help="also time detail=True")
    parser.add_argument("--repeat", type=int, default=3, help="runs on the sample (best is kept)")
    parser.add_argument("--build", type=Path, metavar="DIR",
                        help="time the export of the model of this kg build directory")
    args = parser.parse_args()
    if args.build:
        bench_build_dir(args.build, args.rdflib_triples, args.repeat)
        return

    from kg.export.rdf import graph_to_triples, to_rdflib, write_rdf

    G, cpu, _ = _timed(lambda: synthetic_graph(args.papers, args.concepts_per_paper))
    print(f"synthetic graph: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges "
          f"({cpu:.1f} s CPU to build)")
    print("times are CPU seconds of this process (wall seconds in brackets; other work on the "
          "machine inflates wall time)")

    with tempfile.TemporaryDirectory() as tmp:
        for detail in ([False, True] if args.detail else [False]):
            path = Path(tmp) / "graph.ttl"
            _, cpu, wall = _timed(lambda: write_rdf(G, path, "turtle", detail=detail))
            n = sum(1 for _ in graph_to_triples(G, detail=detail))
            print(f"kg write_rdf turtle, whole graph, detail={detail}: {n:,} triples in {cpu:.1f} s "
                  f"[{wall:.1f} s] = {n / cpu:,.0f} triples/s, {os.path.getsize(path) / 1e6:.0f} MB")
            if not detail:
                whole_rate, n_plain = n / cpu, n

        # The same triples for both: the RDF view of a random sample of papers with their
        # concepts and authors (a representative mix), grown until it has enough triples.
        rng = random.Random(1)
        papers = [n for n, d in G.nodes(data=True) if d["kind"] == "paper"]
        rng.shuffle(papers)
        per_paper = n_plain / len(papers)
        k = min(len(papers), int(args.rdflib_triples / max(per_paper, 1) * 1.05) + 1)
        while True:
            keep = set(papers[:k])
            for p in papers[:k]:
                keep.update(G.successors(p))
            sub = G.subgraph(keep).copy()
            m = sum(1 for _ in graph_to_triples(sub))
            if m >= args.rdflib_triples or k == len(papers):
                break
            k = min(len(papers), int(k * 1.2) + 1)
        sub_path = Path(tmp) / "sample.ttl"
        g, build_cpu, _ = _timed(lambda: to_rdflib(sub))
        kg_runs, rl_runs = [], []
        for _ in range(args.repeat):  # interleaved, best of each: the machine may be shared
            kg_runs.append(_timed(lambda: write_rdf(sub, sub_path, "turtle"))[1:])
            rl_runs.append(_timed(lambda: g.serialize(Path(tmp) / "rdflib.ttl", format="turtle"))[1:])
        kg_cpu, kg_wall = min(kg_runs)
        rl_cpu, rl_wall = min(rl_runs)
        assert len(g) == m
        print(f"sample of {k:,} papers: {m:,} triples (best of {args.repeat} interleaved runs)")
        print(f"  kg write_rdf turtle:      {kg_cpu:6.2f} s [{kg_wall:.2f} s] = {m / kg_cpu:,.0f} triples/s")
        print(f"  rdflib Graph.serialize:   {rl_cpu:6.2f} s [{rl_wall:.2f} s] = {m / rl_cpu:,.0f} triples/s"
              f" (building the rdflib.Graph, {build_cpu:.1f} s, not counted)")
    scaled = whole_rate / (m / rl_cpu)
    same = rl_cpu / kg_cpu
    print(f"speed-up, kg on the whole graph vs rdflib's rate on the sample (scaled): {scaled:.1f}x "
          f"(target >= 20x: {'meets' if scaled >= 20 else 'MISSES'})")
    print(f"speed-up on exactly the same sample triples: {same:.1f}x CPU, "
          f"{rl_wall / kg_wall:.1f}x wall")
    print(f"rdflib would need about {n_plain / (m / rl_cpu) / 60:.1f} min (CPU) for the whole "
          f"graph; kg needs {n_plain / whole_rate:.1f} s")

if __name__ == "__main__":
    main()
