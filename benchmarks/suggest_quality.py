"""How many of ``kg suggest``'s top terms are topics of the Computer Science Ontology.

    python benchmarks/suggest_quality.py DIR       # DIR: a kg build directory

There is no gold list of what the ontology lacks, so CSO 3.4.1's 14,612 topic labels
(../shared/data/vocab, CC BY 4.0) stand in: a suggestion counts when its label, one of its
acronyms, or its label without a plural "s" is a CSO label (hyphens as spaces, any case).
CSO is older and broader than kg's ontology, so the share is a floor of what is useful,
for comparing orders, not an absolute precision.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

CSO = Path(__file__).resolve().parents[2] / "shared" / "data" / "vocab" / "cso-3.4.1-labels.csv"
TOPS = (50, 100, 200, 500)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[-_]", " ", text.lower()).split())


def in_cso(row: dict, labels: set[str]) -> bool:
    """Whether a suggestion names a CSO topic (see the module docstring)."""
    label = _norm(row["label"])
    forms = [label, label[:-1] if label.endswith("s") else label]
    forms += [_norm(a) for a in row["alt_labels"]]
    return any(f in labels for f in forms)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="a kg build directory")
    ap.add_argument("--min-papers", type=int, default=3)
    args = ap.parse_args(argv)
    if not CSO.exists():
        sys.exit(f"no CSO labels at {CSO}: this benchmark needs ../shared")

    from kg.cli.query_cmd import _suggestions
    from kg.extract.suggest import ORDERS, rank_suggestions

    labels = {_norm(line) for line in CSO.read_text(encoding="utf-8").splitlines() if line}
    rows = _suggestions(Path(args.build), args.min_papers)
    print(f"{len(rows)} suggestions (min papers {args.min_papers}); share that are CSO topics:")
    print(f"{'order':>8} " + " ".join(f"{'top ' + str(k):>8}" for k in TOPS))
    for order in ORDERS:
        ranked = rank_suggestions(list(rows), order)
        shares = [sum(in_cso(r, labels) for r in ranked[:k]) / max(min(k, len(ranked)), 1)
                  for k in TOPS]
        print(f"{order:>8} " + " ".join(f"{s:>8.2f}" for s in shares)
              + ("  (default)" if order == ORDERS[0] else ""))
        print("          first 10: " + ", ".join(r["label"] for r in ranked[:10]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
