"""Author-keyphrase recall on the 755 KDD abstracts of ../shared (a held-out check).

    python benchmarks/keyphrase_kdd.py
    python benchmarks/keyphrase_kdd.py --baselines     # YAKE beside kg

The same measure as ``kg eval keywords`` (recall of the author keyphrases that occur in the
text, normalized as ``kg.extract.evaluate.norm``; concepts per paper), on data the
extraction was never tuned on: ``data/eval/keyphrase-kdd`` (``docsutf8/ID.txt``: title line,
then the abstract; ``keys/ID.key``: one keyphrase a line). The keyword-named share is not
given: the set has no keyword list of its own beyond each paper's.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import SHARED

from kg.extract import Extractor
from kg.extract.evaluate import _yake_records, keyword_scores, norm
from kg.types import Paper

DATA = SHARED / "data" / "eval" / "keyphrase-kdd"


def read_rows() -> list[dict]:
    rows = []
    for doc in sorted((DATA / "docsutf8").glob("*.txt")):
        text = doc.read_text(encoding="utf-8", errors="replace")
        keys = (DATA / "keys" / (doc.stem + ".key")).read_text(encoding="utf-8",
                                                                errors="replace")
        flat = " " + norm(text) + " "
        gold = {k for k in (norm(x) for x in keys.splitlines() if x.strip())
                if k and " " + k + " " in flat}
        title, _, abstract = text.partition("\n")
        rows.append({"id": doc.stem, "title": title.strip(), "abstract": abstract.strip(),
                     "gold": gold})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baselines", action="store_true", help="also run YAKE top 20")
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"no data at {DATA}: the benchmark needs ../shared")
    rows = read_rows()
    papers = [Paper(id=r["id"], title=r["title"], abstract=r["abstract"], source="kdd")
              for r in rows]
    t0 = time.perf_counter()
    records = list(Extractor().extract(papers))
    secs = time.perf_counter() - t0
    print(f"KDD author keyphrases, {len(rows)} abstracts")
    print(f"{'system':<12} {'recall':>7} {'concepts/paper':>15} {'gold':>6}")
    results = [("kg", keyword_scores(records, rows))]
    if args.baselines:
        yake = _yake_records(papers)
        if yake is not None:
            results.append(("yake_top20", keyword_scores(yake, rows)))
    for name, s in results:
        print(f"{name:<12} {s['recall']:>7.3f} {s['concepts_per_paper']:>15.1f} {s['gold']:>6}")
    print(f"kg extraction time: {secs:.1f} s")


if __name__ == "__main__":
    main()
