"""Corpus acronyms: how often a short form that a paper does not define is resolved right.

    python benchmarks/acronym_senses.py            # all 74,728 arXiv CS papers
    python benchmarks/acronym_senses.py -n 20000   # the first 20,000

Leave one out (:func:`kg.extract.evaluate.eval_acronyms`): every paper that defines a short form is
asked what the corpus table, built without its definitions, makes of it. "Known sense":
precision and recall against the paper's own long form. "Unknown sense": the paper's sense
is removed from the corpus too (as "ID" for identity, never defined, beside the defined
"in-distribution (ID)"); any answer is wrong. One row per value of
``ExtractSettings.acronym_min_papers`` (kg's default: 2; 1 was the rule before).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import arxiv_texts  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=None, help="papers (default: all)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)

    from kg.extract.evaluate import eval_acronyms
    from kg.extract import ExtractSettings

    texts = arxiv_texts(args.n)
    t0 = time.perf_counter()
    result = eval_acronyms(texts, min_papers=(1, 2, 3))
    result["seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        print(json.dumps(result))
        return 0
    default = ExtractSettings().acronym_min_papers
    print(f"{result['papers']} papers, {result['definitions']} definitions "
          f"({result['seconds']} s)")
    print(f"{'acronym_min_papers':>18} {'precision':>9} {'recall':>7} {'resolved':>8} "
          f"{'cases':>7} {'unknown sense: wrong':>21} {'cases':>7}")
    for rule, r in result["rules"].items():
        mark = "  (default)" if rule == default else ""
        print(f"{rule:>18} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['resolved']:>8.3f} "
              f"{r['cases']:>7} {r['unknown_sense_wrong']:>21.3f} {r['unknown_cases']:>7}{mark}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
