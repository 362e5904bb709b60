"""Measure how specific the discovered terms of the arXiv corpus are; write the generic list.

    python benchmarks/generic_terms.py              # all 74,728 papers, a few minutes
    python benchmarks/generic_terms.py -n 20000     # the first 20,000
    python benchmarks/generic_terms.py --show 60    # print the 60 most frequent verdicts

Extracts the arXiv CS papers of ../shared with generic terms kept
(``ExtractSettings(drop_generic=False)``), counts each discovered term's papers per arXiv
primary category, and applies :func:`kg.extract.specificity.is_generic`. Unless
``--dry-run``, writes the generic slugs to ``kg/extract/data/generic_terms.txt``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict

from _common import arxiv_files

from kg.extract import ExtractSettings, Extractor
from kg.extract.specificity import GENERIC_TERMS_PATH, is_generic, topic_divergence
from kg.iris import DISCOVERED_NS
from kg.text import clean_text
from kg.types import Paper


def read_papers(limit: int | None) -> tuple[list[Paper], dict[str, str]]:
    papers, topic = [], {}
    for path in arxiv_files():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                if d["id"] in topic:
                    continue
                topic[d["id"]] = (d.get("categories") or ["?"])[0]
                papers.append(Paper(id=d["id"], title=clean_text(d["title"]),
                                    abstract=clean_text(d["summary"])))
                if limit and len(papers) >= limit:
                    return papers, topic
    return papers, topic


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=None, help="only the first N papers")
    ap.add_argument("--show", type=int, default=40, help="print the N most frequent terms")
    ap.add_argument("--dry-run", action="store_true", help="do not write the list")
    args = ap.parse_args()
    papers, topic = read_papers(args.n)
    t0 = time.perf_counter()
    papers_of: Counter = Counter()
    defined: Counter = Counter()
    by_topic: dict[str, Counter] = defaultdict(Counter)
    labels: dict[str, Counter] = defaultdict(Counter)
    ex = Extractor(ExtractSettings(drop_generic=False))
    for rec in ex.extract(papers):
        t = topic[rec["id"]]
        for c in rec["concepts"]:
            if c["source"] != "discovered":
                continue
            slug = c["iri"][len(DISCOVERED_NS):]
            papers_of[slug] += 1
            by_topic[slug][t] += 1
            labels[slug][c["label"]] += 1
            defined[slug] += bool(c["alt_labels"])
    base = Counter(topic[p.id] for p in papers)
    n = len(papers)
    rows = []
    for slug, k in papers_of.items():
        label = labels[slug].most_common(1)[0][0]
        spread = topic_divergence(by_topic[slug], base)
        rows.append((k, slug, label, spread, is_generic(label, k, n, spread, defined[slug])))
    rows.sort(key=lambda r: (-r[0], r[1]))
    generic = sorted(r[1] for r in rows if r[4])
    print(f"{n:,} papers, {len(rows):,} discovered terms, extracted in "
          f"{time.perf_counter() - t0:.0f} s; generic: {len(generic)}")
    print(f"{'papers':>7} {'spread':>6}  verdict  term")
    for k, slug, label, spread, gen in rows[:args.show]:
        print(f"{k:>7} {spread:>6.2f}  {'generic' if gen else '':7}  {label}")
    if not args.dry_run:
        header = ("# Generic discovered terms (slugs), left out of kg's records.\n"
                  f"# Written by `python benchmarks/generic_terms.py` from {n:,} arXiv CS "
                  "papers; see kg/extract/specificity.py for the rule.\n")
        GENERIC_TERMS_PATH.write_text(header + "\n".join(generic) + "\n", encoding="utf-8")
        print(f"wrote {len(generic)} terms to {GENERIC_TERMS_PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
