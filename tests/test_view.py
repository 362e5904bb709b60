"""The network map (kg.export.html.map, vis-network): self-contained, capped, plain-text
tooltips, renders in Chromium."""
from __future__ import annotations

import html.parser
import json
import re
import shutil
import subprocess

import pytest

import kg.export.html

from kg.export.html import map as view
from kg.errors import ExportError
from kg.export.html import external_references, render_html, select_view, write_html
from tests.conftest import FIXTURES, load_module

graphs = load_module(FIXTURES / "export" / "graphs.py", "export_graphs")


class _Resources(html.parser.HTMLParser):
    """Collects every attribute through which a page could load something."""

    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "data", "srcset", "poster", "action") and value:
                self.refs.append((tag, name, value))


def drawn_nodes(page: str) -> list[dict]:
    match = re.search(r"nodes = new vis\.DataSet\((\[.*?\])\);", page, re.S)
    assert match, "no vis nodes in the page"
    return json.loads(match.group(1))


def test_page_is_self_contained(tmp_path):
    page = write_html(graphs.small_graph(), tmp_path / "g.html").read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    remote = [r for r in parser.refs if re.match(r"\s*(https?:)?//", r[2], re.I)]
    assert remote == []
    assert external_references(page) == []
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "bootstrap.min" not in page
    assert not re.search(r"<script[^>]+src=", page, re.I)
    assert not re.search(r"<link[^>]+href=", page, re.I)
    assert "vis.Network" in page and "<style>" in page  # vis-network inlined


def test_external_references_detects_remote_loads():
    assert external_references('<link rel="stylesheet" href="https://cdn.x/b.css">')
    assert external_references("<script src='//cdn.x/a.js'></script>")
    assert external_references("<style>@import url(https://fonts.x/css);</style>")
    assert external_references('<p>https://arxiv.org/abs/1</p>') == []


def test_tooltips_are_plain_text(tmp_path):
    G = graphs.small_graph()
    page = render_html(G)
    nodes = {n["id"]: n for n in drawn_nodes(page)}
    tip = nodes[graphs.P1]["title"]
    assert tip.splitlines()[0] == G.nodes[graphs.P1]["title"]
    assert "Paper · 2106.09685 · 2021-06-17" in tip
    assert "Concepts: LoRA, spectral bias" in tip
    lora = nodes[graphs.LORA]["title"]
    assert lora.startswith("LoRA\nMethod · ontology\nPapers: 2")
    assert "Also: low-rank adaptation, LoRA adapters" in lora
    # a title with markup stays text: no innerHTML popup, and no raw markup in the data
    G.nodes[graphs.P1]["title"] = 'Attacks via <img src=x onerror="alert(1)"> href tricks'
    page = render_html(G)
    assert "popup.innerHTML" not in page
    assert '<img src=x onerror' not in page


def test_colours_sizes_and_legend():
    page = render_html(graphs.small_graph(), title="Seed <map>")
    nodes = {n["id"]: n for n in drawn_nodes(page)}
    assert nodes[graphs.LORA]["color"] == view.TYPE_COLORS["Method"]
    assert nodes[graphs.NTK]["color"] == view.TYPE_COLORS["Theory"]
    assert nodes[graphs.SPECTRAL]["color"] == view.TYPE_COLORS["Concept"]
    assert nodes[graphs.P1]["color"] == view.TYPE_COLORS["paper"]
    assert nodes[graphs.LORA]["size"] > nodes[graphs.FINETUNING]["size"]  # more papers
    assert graphs.ADA not in nodes  # authors only on request
    assert "<title>Seed &lt;map&gt;</title>" in page and '<ul id="kg-legend">' in page
    for name in ("Method", "Theory", "Paper", "mentions", "similar papers", "broader concept"):
        assert name in page
    assert "Showing 7 of 7 nodes (3 papers, 4 concepts)." in page
    with_authors = render_html(graphs.small_graph(), include_authors=True)
    assert graphs.ADA in {n["id"] for n in drawn_nodes(with_authors)}


def test_node_cap_and_note_for_large_graphs():
    G = graphs.random_graph(n_papers=400, n_concepts=120)
    page = render_html(G, max_nodes=100)
    nodes = drawn_nodes(page)
    assert len(nodes) == 100
    assert "Showing 100 of 520 nodes" in page
    ids = {n["id"] for n in nodes}
    top = sorted((n for n, d in G.nodes(data=True) if d["kind"] == "concept"),
                 key=lambda c: (-G.nodes[c]["paper_count"], c))[:20]
    assert set(top) <= ids  # the concepts in most papers are shown
    edges = json.loads(re.search(r"edges = new vis\.DataSet\((\[.*?\])\);", page, re.S).group(1))
    assert all(e["from"] in ids and e["to"] in ids for e in edges)
    assert all(n.get("x") is not None for n in nodes)  # precomputed layout, physics off
    assert '"physics": {"enabled": false}' in page


def test_select_view_is_deterministic_and_fills_the_budget():
    G = graphs.random_graph(n_papers=300, n_concepts=80, seed=3)
    a = select_view(G, 60)
    b = select_view(graphs.shuffled_copy(G), 60)
    assert a.nodes == b.nodes and len(a.nodes) == 60 and a.truncated
    assert a.concepts == 12 and a.papers == 48
    whole = select_view(G, 10_000)
    assert not whole.truncated and len(whole.nodes) == whole.total == 380
    with pytest.raises(ExportError):
        select_view(G, 0)


def test_same_graph_same_page(tmp_path):
    a = render_html(graphs.small_graph())
    b = render_html(graphs.shuffled_copy(graphs.small_graph()))
    assert a == b


def test_failed_write_leaves_the_existing_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "graph.html"
    target.write_text("old map", encoding="utf-8")

    def broken(*args, **kwargs):
        raise ExportError("template missing")

    monkeypatch.setattr(kg.export.html, "render_html", broken)
    with pytest.raises(ExportError):
        write_html(graphs.small_graph(), target)
    assert target.read_text(encoding="utf-8") == "old map"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


@pytest.mark.browser
def test_map_renders_offline_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = write_html(graphs.small_graph(), tmp_path / "g.html")
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no host resolves: any remote load would fail
        "--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri(),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    network = re.search(r'<div id="mynetwork".*?</div>\s*</div>', dom, re.S)
    assert network, dom[:2000]
    assert "<canvas" in network.group(0)
    assert "vis-network" in network.group(0)
