"""The concept map of a build: the time to make it, its size, and how soon it draws.

    python benchmarks/bench_view.py DIR [DIR ...]      # each DIR: a `kg build` output

For each build: the seconds to compute the concept map (selection, communities, layout,
panel data) and to write its page, against the vis-network map the build wrote before
(``view="network"``, 1,500 nodes) and the build's own wall time (``summary.json``); the
page's size; then the page opened in headless Chromium (``/usr/bin/chromium``, every
request but the file aborted): time to first draw (the first animation frame after sigma
drew, from navigation start) and time to a settled, interactive page (wall time from
navigation until the page is ready and two more frames were drawn), median of 3 loads.
Goals beside: the seed map interactive within 1 s; the 75k concept map within 10 MB and
interactive within 5 s; the build at most 10 % slower.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _load_times(path: Path, runs: int = 3) -> tuple[float, float, int]:
    from playwright.sync_api import sync_playwright

    url = path.resolve().as_uri()
    first, ready, blocked = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        for _ in range(runs):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            ctx.route("**/*", lambda r: r.continue_() if r.request.url == url
                      else (blocked.append(r.request.url), r.abort()))
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-state=ready]", timeout=120_000)
            page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            ready.append(time.perf_counter() - t0)
            first.append(page.evaluate("window.kgTimings.firstDraw") / 1000)
            ctx.close()
        browser.close()
    return statistics.median(first), statistics.median(ready), len(blocked)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("builds", type=Path, nargs="+", help="kg build output directories")
    ap.add_argument("--runs", type=int, default=3, help="page loads per build (median)")
    args = ap.parse_args(argv)

    from kg.export.html import build_view, render_page, write_html
    from kg.model.store import load_model

    rows = []
    for build in args.builds:
        M = load_model(build)
        summary = json.loads((build / "summary.json").read_text(encoding="utf-8"))
        data, t_data = _timed(lambda: build_view(M, "concepts"))
        page, t_page = _timed(lambda: render_page(data))
        with tempfile.TemporaryDirectory() as tmp:
            _, t_old = _timed(lambda: write_html(M, Path(tmp) / "old.html", view="network",
                                                 max_nodes=1500))
            out = Path(tmp) / "graph.html"
            out.write_text(page, encoding="utf-8")
            first, ready, blocked = _load_times(out, args.runs)
        big = len(M.paper_iris) > 10_000
        extra = t_data + t_page - t_old
        rows.append({
            "build": str(build), "papers": len(M.paper_iris),
            "concepts drawn": len(data["nodes"]["l"]), "of concepts": len(M.concept_iris),
            "communities": len(data["groups"]),
            "map data s": round(t_data, 2), "page s": round(t_page, 2),
            "old map s": round(t_old, 2), "build wall s": summary.get("wall_s"),
            "build change %": round(100 * extra / summary["wall_s"], 1) if summary.get("wall_s") else None,
            "size MB": round(len(page.encode("utf-8")) / 1e6, 2),
            "first draw s": round(first, 2), "interactive s": round(ready, 2),
            "requests blocked": blocked,
            "goals": ("size <= 10 MB, interactive <= 5 s, build +<= 10 %" if big
                      else "interactive <= 1 s, build +<= 10 %"),
        })
    for row in rows:
        print(f"\n{row['build']}: {row['papers']:,} papers, {row['concepts drawn']:,} of "
              f"{row['of concepts']:,} concepts drawn in {row['communities']} communities")
        for key in ("map data s", "page s", "old map s", "build wall s", "build change %",
                    "size MB", "first draw s", "interactive s", "requests blocked"):
            print(f"  {key:<18} {row[key]}")
        print(f"  {'goals':<18} {row['goals']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
