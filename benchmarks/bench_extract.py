"""Extraction speed: the default kg pipeline vs a bare ``spacy.blank("en")`` tokenizer pass.

Both run in this one process over the same texts (title + blank line + abstract, arXiv hard
wraps joined), interleaved in slices of 1,000 papers so that load changes on the machine
hit both alike. kg's time includes its corpus acronym pass. Target: kg takes at most 3x
the bare pass. A third pass, the same bare tokenizer with kg's tokenizer cache setting
(``ExtractSettings.tokenizer_cache``; spaCy's default cache is full after a few hundred
abstracts), shows the share of kg's own components apart from that setting.

    python benchmarks/bench_extract.py                 # 5,000 papers spread over the files
    python benchmarks/bench_extract.py --all           # all 74,728 papers
    python benchmarks/bench_extract.py -n 20000 --data ../shared/data/arxiv-cs
    python benchmarks/bench_extract.py --breakdown     # also without sub-terms / discovery
    python benchmarks/bench_extract.py --all --stages  # kg's time split by stage
    python benchmarks/bench_extract.py --all --cpu-time  # CPU time, for a busy machine

``--breakdown`` runs two reduced pipelines in the same interleaved loop (the default one
without sub-terms, and without term discovery at all), to show where the time goes.
``--stages`` times each stage of kg's pass from inside (the tokenizer, the token analysis,
each component, the record building); the timers add a few microseconds a paper.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import sys
import time

TARGET_RATIO = 3.0


def load(data: str, n: int | None):
    from kg.types import Paper

    files = sorted(glob.glob(os.path.join(data, "*.jsonl")))
    if not files:
        sys.exit(f"no *.jsonl files under {data}")
    rows = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            rows.append([line for line in fh if line.strip()])
    total = sum(len(r) for r in rows)
    papers = []
    for r in rows:
        k = len(r) if n is None else max(1, round(n * len(r) / total))
        step = max(1, len(r) // k)
        for line in r[::step][:k]:
            d = json.loads(line)
            papers.append(Paper(id=d["id"], title=" ".join(d["title"].split()),
                                abstract=" ".join(d["summary"].split())))
    return papers[:n] if n else papers


def _variants(Extractor, ExtractSettings) -> dict:
    """Reduced pipelines for ``--breakdown``: without sub-terms, without discovery."""
    no_sub = Extractor(ExtractSettings())
    no_sub.nlp.get_pipe("kg_term_discovery").subterms = False
    no_disc = Extractor(ExtractSettings(discovery=False))
    no_disc.nlp
    return {"without_subterms": no_sub, "without_discovery": no_disc}


def _stage_timers(ex, clock) -> dict:
    """Wrap the stages of ``ex``'s pass in timers; returns ``{stage: seconds}`` (filled as
    the pass runs). The token analysis is timed on its own, also when a component
    triggers it (that component's time is given without it)."""
    from kg.extract import tokens as analysis

    times: dict[str, float] = {}
    own = "token analysis"

    def timed(name, fn, exclusive=False):
        def call(*args):
            t0 = clock()
            inner = times.get(own, 0.0)
            try:
                return fn(*args)
            finally:
                spent = clock() - t0
                if exclusive:
                    spent -= times.get(own, 0.0) - inner
                times[name] = times.get(name, 0.0) + spent
        return call

    nlp = ex.nlp
    nlp.make_doc = timed("tokenizer (make_doc)", nlp.make_doc)
    for name, proc in nlp.pipeline:  # spaCy calls proc(doc): the class's __call__
        cls = type(proc)
        cls.__call__ = timed(name, cls.__call__, exclusive=True)
    analysis.Analysis.__init__ = timed(own, analysis.Analysis.__init__)
    ex._record = timed("records", ex._record)
    return times


def _print_stages(times: dict, total: float, n: int) -> None:
    print(f"kg's time by stage ({1e3 * total / n:.2f} ms a paper):")
    for name, t in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:28s} {1e3 * t / n:6.3f} ms a paper  {100 * t / total:5.1f} %")
    rest = total - sum(times.values())
    print(f"  {'rest (pipe, acronym pass)':28s} {1e3 * rest / n:6.3f} ms a paper  "
          f"{100 * rest / total:5.1f} %")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "arxiv-cs"))
    ap.add_argument("-n", type=int, default=5000, help="papers to sample (default 5000)")
    ap.add_argument("--all", action="store_true", help="use every paper")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--slice", type=int, default=1000, help="papers per interleaved slice")
    ap.add_argument("--breakdown", action="store_true",
                    help="also time the pipeline without sub-terms and without discovery")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time by this process's CPU time instead of the wall clock (on a "
                         "shared machine the wall clock also counts the waits for a core)")
    ap.add_argument("--stages", action="store_true",
                    help="time each stage of kg's pass (tokenizer, components, records)")
    args = ap.parse_args(argv)
    if args.stages and args.breakdown:
        ap.error("--stages and --breakdown time different pipelines; use one at a time")

    import spacy

    clock = time.process_time if args.cpu_time else time.perf_counter
    from kg.extract import Extractor, ExtractSettings
    from kg.extract.extractor import SEPARATOR

    papers = load(args.data, None if args.all else args.n)
    texts = [p.title + SEPARATOR + p.abstract for p in papers]
    # kg's corpus acronym pass (a regex scan) over all papers, timed and counted as ours
    t0 = clock()
    table = Extractor(ExtractSettings()).learn_acronyms(papers)
    acr = clock() - t0

    # The two passes are interleaved slice by slice (each keeps its own state across
    # slices), so a change in machine load hits both alike.
    nlp = spacy.blank("en")
    # the same tokenizer with kg's cache setting (ExtractSettings.tokenizer_cache): shows how
    # much of kg's time is its components, apart from the tokenizer's cache
    nlp_kg_tok = spacy.blank("en")
    nlp_kg_tok.tokenizer.max_cache_size = ExtractSettings().tokenizer_cache
    ex = Extractor(ExtractSettings())
    ex.nlp  # build outside the timing (ontology parse, label keys)
    stages = _stage_timers(ex, clock) if args.stages else None
    variants = _variants(Extractor, ExtractSettings) if args.breakdown else {}
    extra = dict.fromkeys(variants, 0.0)
    bare = ours = kg_tok = 0.0
    ntok = nconc = 0
    step = args.slice
    for k in range(0, len(papers), step):
        t0 = clock()
        for doc in nlp.pipe(texts[k:k + step], batch_size=256):
            ntok += len(doc)
        bare += clock() - t0
        t0 = clock()
        for doc in nlp_kg_tok.pipe(texts[k:k + step], batch_size=256):
            pass
        kg_tok += clock() - t0
        t0 = clock()
        for rec in ex.extract(papers[k:k + step], acronyms=table):
            nconc += len(rec["concepts"])
        ours += clock() - t0
        for name, variant in variants.items():
            t0 = clock()
            for _ in variant.extract(papers[k:k + step], acronyms=table):
                pass
            extra[name] += clock() - t0
    ours += acr

    res = {
        "papers": len(papers),
        "tokens": ntok,
        "bare_per_s": round(len(papers) / bare, 1),
        "kg_per_s": round(len(papers) / ours, 1),
        "ratio": round(ours / bare, 2),
        "kg_tokenizer_per_s": round(len(papers) / kg_tok, 1),
        "ratio_to_kg_tokenizer": round(ours / kg_tok, 2),
        "target_ratio": TARGET_RATIO,
        "concepts_per_paper": round(nconc / max(len(papers), 1), 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    for name, t in extra.items():
        res[f"ratio_{name}"] = round((t + acr) / bare, 2)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"papers {res['papers']}  tokens {res['tokens']}")
        print(f"bare spacy.blank('en') tokenizer: {res['bare_per_s']:>8.1f} abstracts/s")
        print(f"the same tokenizer, kg's cache:   {res['kg_tokenizer_per_s']:>8.1f} abstracts/s")
        print(f"kg default extraction:            {res['kg_per_s']:>8.1f} abstracts/s")
        ok = "OK" if res["ratio"] <= TARGET_RATIO else "ABOVE TARGET"
        print(f"time ratio kg/bare: {res['ratio']:.2f} (target <= {TARGET_RATIO}) {ok}")
        print(f"time ratio kg / tokenizer with kg's cache: {res['ratio_to_kg_tokenizer']:.2f}")
        print(f"concepts/paper {res['concepts_per_paper']}  max RSS {res['max_rss_mb']} MB")
        for name in extra:
            print(f"time ratio {name.replace('_', ' ')}: {res['ratio_' + name]:.2f}")
        if stages is not None:
            _print_stages(stages, ours, len(papers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
