"""Discovered concepts of a build that an ontology label names (each would be a second node
for an ontology concept), with the papers each is in.

    python benchmarks/duplicate_concepts.py DIR        # DIR: a kg build directory

Ambiguous labels (shared by two concepts, e.g. "MAE") and case-sensitive ones written in
another case are expected to stay discovered; anything else is a bug.
"""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="a kg build directory (graph.kg.npz)")
    ap.add_argument("--show", type=int, default=20, help="rows shown (default 20)")
    args = ap.parse_args(argv)

    import numpy as np

    from kg.ontology import load_ontology
    from kg.model.store import load_model

    model = load_model(args.build)
    onto = load_ontology()
    papers = np.bincount(model.m_concept, minlength=len(model.concept_iris))
    rows = []
    discovered = 0
    for k, (iri, attrs) in enumerate(zip(model.concept_iris, model.concept_attrs)):
        if "/concept/x/" not in iri:
            continue
        discovered += 1
        hits = onto.find(attrs["label"])
        if hits:
            rows.append((int(papers[k]), attrs["label"], ", ".join(c.slug for c in hits)))
    rows.sort(key=lambda r: (-r[0], r[1]))
    print(f"{len(rows)} of {discovered} discovered concepts are named by an ontology label "
          f"(in {sum(r[0] for r in rows)} papers, counted per concept)")
    for n, label, slugs in rows[:args.show]:
        print(f"  {n:7d}  {label}  ->  {slugs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
