"""The map views (kg.export.html): selection, communities, layout, page data, the page in
headless Chromium (search, click, panel, filters, no network, no script from the data), and
``kg view``."""
from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import ExportError, NotFoundError
from kg.export.html import (
    ViewFilters,
    build_view,
    concept_map,
    external_references,
    focus_map,
    page_data,
    paper_map,
    render_page,
    render_view,
    safe_url,
    write_html,
    write_page,
    write_view,
)
from kg.export.html.filters import kept_papers
from kg.export.html.groups import node_groups
from kg.export.html.layout import group_layout
from kg.export.html.page import ASSETS
from kg.model import GraphModel
from tests.conftest import FIXTURES, load_module

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_view_pages")

XSS_TITLE = '<img src=x onerror="window.__xss=1"> attacks on LoRA'
XSS_SCRIPT = "<script>window.__xss=2</script> LoRA leaks."
XSS_ABSTRACT = "We study LoRA under the NTK. " + XSS_SCRIPT


def _url(pid: str) -> str:
    return ("https://doi.org/" if pid.startswith("10.") else "https://arxiv.org/abs/") + pid


def _mention(abstract: str, sentence: str, text: str) -> dict:
    start = abstract.index(text, abstract.index(sentence))
    return {"field": "abstract", "start": start, "end": start + len(text), "text": text,
            "sentence": sentence}


@pytest.fixture(scope="module")
def model() -> GraphModel:
    """The fixture graph with paper urls, plus one paper written by an attacker: markup in
    its title and abstract, and a ``javascript:`` url."""
    papers = [dict(p, url=_url(p["id"])) for p in fx.papers()]
    records = fx.records()
    concept = {c["label"]: c for r in records for c in r["concepts"]}
    papers.append({"id": "2501.09999", "title": XSS_TITLE, "abstract": XSS_ABSTRACT,
                   "authors": ["<b>Mallory</b>"], "date": "2025-03-01",
                   "url": "javascript:window.__xss=3", "source": "fixture", "ids": {},
                   "meta": {}})
    records.append({"id": "2501.09999", "title": XSS_TITLE, "abstract": XSS_ABSTRACT,
                    "concepts": [
                        dict(concept["LoRA"], mentions=[_mention(XSS_ABSTRACT, XSS_SCRIPT, "LoRA")]),
                        dict(concept["neural tangent kernel"], mentions=[
                            _mention(XSS_ABSTRACT, "We study LoRA under the NTK.", "NTK")]),
                    ]})
    return GraphModel.build(papers, records, fx.ontology(), **fx.BUILD_OPTIONS)


def _index(data: dict, label: str) -> int:
    return data["nodes"]["l"].index(label)


# ------------------------------------------------------------------------ selection
def test_filters_are_checked_and_applied(model):
    with pytest.raises(ExportError, match="--since must be YYYY"):
        ViewFilters(since="March")
    for impossible in ("2025-13", "2025-02-30", "2025-00"):
        with pytest.raises(ExportError, match=f"not '{impossible}'"):
            ViewFilters(until=impossible)
    assert ViewFilters(since="2024-02-29").since == "2024-02-29"
    with pytest.raises(ExportError, match="is after"):
        ViewFilters(since="2025-05", until="2025-01")
    with pytest.raises(ExportError, match="unknown concept type 'Gadget'; the graph has: "):
        concept_map(model, ViewFilters(types=("Gadget",)))
    keep = kept_papers(model, ViewFilters(since="2025-02", until="2025-03"))
    assert all(d and "2025-02" <= d[:7] <= "2025-03" for d, k in zip(model.dates, keep) if k)
    assert not any(d and "2025-02" <= d[:7] <= "2025-03" for d, k in zip(model.dates, keep)
                   if not k)


def test_concept_map_draws_every_linked_concept_in_two_papers(model):
    data = concept_map(model)
    counts = np.array([a["paper_count"] for a in model.concept_attrs])
    u, v = model.c_u, model.c_v
    ok = (counts[u] >= 2) & (counts[v] >= 2)
    expected = sorted({model.concept_attrs[c]["label"] for c in np.r_[u[ok], v[ok]].tolist()})
    assert sorted(data["nodes"]["l"]) == expected
    unlinked = int(((counts >= 2).sum())) - len(expected)
    assert data["note"].startswith(f"{len(expected)} of {len(model.concept_iris)} concepts: "
                                   "those in ≥ 2 papers")
    assert f"Not shown: {unlinked} in ≥ 2 papers" in data["note"]
    n = len(expected)
    assert all(0 <= s < n and 0 <= t < n for s, t in zip(data["edges"]["s"], data["edges"]["t"]))
    assert np.isfinite(data["nodes"]["x"]).all() and np.isfinite(data["nodes"]["y"]).all()
    assert data["nodes"]["n"] == [int(counts[model.concept_iris.index(
        next(c for c, a in zip(model.concept_iris, model.concept_attrs) if a["label"] == lab))])
        for lab in data["nodes"]["l"]]


def test_communities_are_named_by_their_top_concepts(model):
    data = concept_map(model)
    nodes = data["nodes"]
    assert len(data["groups"]) >= 2
    for g, group in enumerate(data["groups"]):
        members = [i for i, x in enumerate(nodes["g"]) if x == g]
        assert group["size"] == len(members)
        best = sorted(members, key=lambda i: (-nodes["n"][i], i))[:3]
        assert group["name"] == " · ".join(nodes["l"][i] for i in best)
    # LoRA and NTK sit in different communities in the fixture's topics
    assert nodes["g"][_index(data, "LoRA")] != nodes["g"][_index(data, "neural tangent kernel")]


def test_concept_panel_data_has_definition_trend_papers_and_evidence(model):
    data = concept_map(model)
    i = _index(data, "LoRA")
    info = data["info"][i]
    assert info["d"] == model.concept_attrs[model.concept_iris.index(
        "https://w3id.org/paper-kg/concept/lora")]["definition"]
    assert "low-rank adaptation" in info["a"]
    assert sum(c for _, c in data["nodes"]["tr"][i]) == data["nodes"]["n"][i]
    table = data["papers"]
    assert 1 <= len(info["p"]) <= 5
    for ref, evidence in info["p"]:
        k = model.paper_ids.index(table["i"][ref])
        assert evidence and (evidence in model.abstracts[k] or evidence in model.titles[k])
        assert table["u"][ref] == _url(table["i"][ref]) or table["u"][ref] is None
    xss = table["i"].index("2501.09999") if "2501.09999" in table["i"] else None
    if xss is not None:
        assert table["u"][xss] is None  # a javascript: url is never a link
        assert table["t"][xss] == XSS_TITLE


def test_concept_map_filters(model):
    kept = ("Method", "Model")
    methods = concept_map(model, ViewFilters(types=kept, min_papers=2))
    types = {a["label"]: a.get("type") for a in model.concept_attrs}
    assert sorted(methods["nodes"]["l"]) == ["LoRA", "transformer"]
    assert all(types[lab] in kept for lab in methods["nodes"]["l"])
    assert "types: Method, Model" in methods["note"]
    busy = concept_map(model, min_papers=6)
    assert busy["nodes"]["l"] and all(n >= 6 for n in busy["nodes"]["n"])
    early = concept_map(model, ViewFilters(until="2025-01", min_papers=2))
    assert all(y <= 2025 for tr in early["nodes"]["tr"] for y, _ in tr)
    assert sum(early["nodes"]["n"]) < sum(concept_map(model)["nodes"]["n"])


def test_paper_map_and_focus_map(model):
    papers = paper_map(model, color="year")
    assert papers["colorBy"] == "year" and set(papers["nodes"]["k"]) == {"p"}
    years = {i: int(d[:4]) if d else 0 for i, d in zip(model.paper_ids, model.dates)}
    assert [years[papers["papers"]["i"][r]] for r in papers["nodes"]["r"]] == \
        papers["nodes"]["tr"]
    assert 0 in papers["nodes"]["tr"] and 2025 in papers["nodes"]["tr"]
    refs = papers["nodes"]["r"]
    assert sorted(papers["papers"]["t"][r] for r in refs) == sorted(papers["nodes"]["l"])
    # papers fall in the concept map's communities: one that some concept of theirs is in
    concepts = concept_map(model)
    community_of = dict(zip(concepts["nodes"]["l"], concepts["nodes"]["g"]))
    names = [g["name"] for g in concepts["groups"]]
    by_community = paper_map(model)
    assert {g["name"] for g in by_community["groups"]} <= set(names)
    for i, g in enumerate(by_community["nodes"]["g"]):
        if g < 0:  # none of its concepts is on the concept map
            continue
        name = by_community["groups"][g]["name"]
        assert name in {names[community_of[c]] for c in by_community["info"][i]["c"]
                        if c in community_of}
    focus = focus_map(model, "NTK")
    ntk = model.concept_iris.index("https://w3id.org/paper-kg/concept/neural-tangent-kernel")
    partners = {int(b if a == ntk else a) for a, b in zip(model.c_u.tolist(), model.c_v.tolist())
                if ntk in (a, b)}
    labels = set(focus["nodes"]["l"])
    assert focus["nodes"]["l"][0] == "neural tangent kernel" and focus["focus"] == 0
    assert {model.concept_attrs[c]["label"] for c in partners} <= labels
    deeper = focus_map(model, "NTK", depth=2)
    assert labels < set(deeper["nodes"]["l"])
    with pytest.raises(NotFoundError):
        focus_map(model, "no such concept at all")
    with pytest.raises(ExportError, match="--focus NAME goes with the focus view"):
        build_view(model, "concepts", focus="NTK")


def test_groups_and_layout_separate_two_cliques():
    a = [(i, j) for i in range(6) for j in range(i + 1, 6)]
    b = [(i + 6, j + 6) for i, j in a]
    u, v = np.array([x for x, _ in a + b] + [0]), np.array([y for _, y in a + b] + [6])
    w = np.r_[np.ones(len(a + b)), 0.05]
    groups = node_groups(12, u, v, w, core=8)  # four nodes join by their links
    assert len(set(groups[:6].tolist())) == 1 and len(set(groups[6:].tolist())) == 1
    assert groups[0] != groups[6]
    pos = group_layout(12, u, v, w, groups, np.ones(12))
    again = group_layout(12, u, v, w, groups, np.ones(12))
    assert np.array_equal(pos, again)
    inside = np.linalg.norm(pos[:6] - pos[:6].mean(axis=0), axis=1).max()
    apart = np.linalg.norm(pos[:6].mean(axis=0) - pos[6:].mean(axis=0))
    assert apart > 2 * inside


def test_safe_url_only_keeps_http():
    assert safe_url("https://arxiv.org/abs/1") == "https://arxiv.org/abs/1"
    assert safe_url("HTTP://x.org/a") == "HTTP://x.org/a"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "//x.org",
                "not a url", None, 3, 'https://x.org/"onmouseover="x'):
        assert safe_url(bad) is None


# ----------------------------------------------------------------------------- page
def test_page_is_self_contained_and_carries_the_data_as_data(model):
    page = render_view(model)
    assert external_references(page) == []
    assert not re.search(r"<script[^>]+\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "<img" not in page and "window.__xss" not in page and "Mallory" not in page
    data = page_data(page)
    assert data == build_view(model)  # the page holds exactly the view's data
    assert render_view(model) == page  # same graph, same page
    for name in ("sigma.min.js", "graphology.umd.min.js", "LICENSE-sigma.txt",
                 "LICENSE-graphology.txt"):
        assert (ASSETS / name).stat().st_size > 1000
        assert (ASSETS / name).read_text(encoding="utf-8")[:200] in page or name.startswith(
            "LICENSE")
    assert "<title>&lt;b&gt;</title>" in render_page({"title": "<b>"})


def test_write_html_draws_the_concept_map_of_a_model(model, tmp_path):
    out = write_html(model, tmp_path / "graph.html")
    assert page_data(out.read_text(encoding="utf-8"))["view"] == "concepts"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.html"]


def test_kg_build_writes_the_concept_map(demo_build):
    data = page_data((demo_build / "graph.html").read_text(encoding="utf-8"))
    assert data["view"] == "concepts" and len(data["nodes"]["l"]) >= 20


def test_kg_build_html_max_nodes_caps_the_concept_map(demo_build, tmp_path):
    from click.testing import CliRunner

    from kg.cli import cli

    everything = page_data((demo_build / "graph.html").read_text(encoding="utf-8"))
    out = tmp_path / "capped"
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "--quiet",
                                      "--html-max-nodes", "10"])
    assert result.exit_code == 0, result.output
    data = page_data((out / "graph.html").read_text(encoding="utf-8"))
    assert len(data["nodes"]["l"]) == 10 < len(everything["nodes"]["l"])
    assert "--max-nodes 10" in data["note"]
    assert all(n >= 2 for n in data["nodes"]["n"])


# ------------------------------------------------------------------------------ CLI
def test_kg_view_writes_each_view(demo_build, tmp_path):
    runner = CliRunner()
    for args, view in ((["--view", "concepts"], "concepts"),
                       (["--view", "papers", "--color", "year"], "papers"),
                       (["--focus", "NTK", "--depth", "2"], "focus"),
                       (["--type", "Method", "--min-papers", "3"], "concepts")):
        out = tmp_path / f"{view}.html"
        result = runner.invoke(cli, ["view", "--graph", str(demo_build), "-o", str(out), *args])
        assert result.exit_code == 0, result.output
        assert page_data(out.read_text(encoding="utf-8"))["view"] == view
    assert "types: Method" in page_data((tmp_path / "concepts.html").read_text())["note"]


@pytest.mark.parametrize("args, message", [
    (["--view", "papers", "--focus", "NTK"], "--focus goes with the focus view"),
    (["--view", "focus"], "--view focus needs --focus NAME"),
    (["--depth", "2"], "--depth goes with --focus"),
    (["--color", "year"], "--color year is for --view papers"),
])
def test_kg_view_rejects_conflicting_options(demo_build, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["view", "--graph", str(demo_build),
                                      "-o", str(tmp_path / "m.html"), *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize("args, message", [
    (["--since", "last year"], "--since must be YYYY, YYYY-MM or YYYY-MM-DD, not 'last year'"),
    (["--type", "Gadget"], "unknown concept type 'Gadget'; the graph has: "),
    (["--focus", "zzzz-no-such-thing"], "zzzz-no-such-thing"),
])
def test_kg_view_bad_input_is_one_clear_line(demo_build, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["view", "--graph", str(demo_build),
                                      "-o", str(tmp_path / "m.html"), *args])
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m.html").exists()


def test_kg_view_refuses_an_output_that_is_not_a_file(demo_build, tmp_path):
    for args in (["-o", str(tmp_path)], ["--png", str(tmp_path)]):
        result = CliRunner().invoke(cli, ["view", "--graph", str(demo_build), *args])
        assert result.exit_code == 1 and f"cannot write {tmp_path}" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_kg_view_png_without_chromium_says_so(demo_build, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("KG_CHROMIUM", raising=False)
    result = CliRunner().invoke(cli, ["view", "--graph", str(demo_build), "--png",
                                      str(tmp_path / "m.png")])
    assert result.exit_code == 1 and "--png needs Chromium" in result.output
    assert not (tmp_path / "m.png").exists()


# -------------------------------------------------------------------------- browser
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync",
                  "--use-angle=swiftshader", "--enable-unsafe-swiftshader"]


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class Opened:
    """A page opened offline: every request that is not the file itself is aborted and kept."""

    def __init__(self, browser, path):
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-state=ready], body[data-state=error]",
                                    timeout=60_000)

    def _route(self, route):
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def js(self, expr, arg=None):
        return self.page.evaluate(expr, arg)

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def concept_page(model, browser, tmp_path_factory):
    # every paper of a concept listed in its panel, so that the attacker's paper is
    path = write_page(concept_map(model, papers_per_concept=100),
                      tmp_path_factory.mktemp("map") / "concepts.html")
    opened = Opened(browser, path)
    yield opened
    opened.close()


def _not_blank(png: bytes) -> int:
    Image = pytest.importorskip("PIL.Image")
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return len(img.getcolors(maxcolors=1 << 20) or [])


@pytest.mark.browser
def test_concept_map_draws_offline_without_errors(concept_page, model):
    p = concept_page
    assert p.page.get_attribute("body", "data-state") == "ready"
    assert p.errors == [] and p.blocked == []
    data = concept_map(model)
    assert p.js("kgMap.graph.order") == len(data["nodes"]["l"])
    assert p.js("kgMap.graph.nodes().filter(n => !kgMap.renderer.getNodeDisplayData(n).hidden)"
                ".length") == len(data["nodes"]["l"])
    assert p.js("document.getElementById('kg-note').textContent").startswith(data["note"][:40])
    assert _not_blank(p.page.locator("#kg-map").screenshot()) > 20


@pytest.mark.browser
@pytest.mark.parametrize("query, label", [("LoRA", "LoRA"), ("NTK", "neural tangent kernel")])
def test_search_finds_and_highlights(concept_page, query, label):
    p = concept_page
    p.page.fill("#kg-search", query)
    first = p.page.locator("#kg-results li").first
    assert first.locator(".label").inner_text().startswith(label)
    p.page.press("#kg-search", "Enter")
    p.page.wait_for_selector("#kg-panel.open")
    assert p.page.locator("#kg-panel h2").inner_text() == label
    i = p.js("l => kgMap.data.nodes.l.indexOf(l)", label)
    assert p.js("i => kgMap.renderer.getNodeDisplayData(String(i)).highlighted", i) is True
    assert p.js("i => kgMap.state.near.has(i)", i)
    p.page.click("#kg-reset")
    assert p.js("kgMap.state.near") is None and not p.page.locator("#kg-panel.open").count()
    p.page.wait_for_timeout(400)  # the camera's reset animation


@pytest.mark.browser
def test_click_opens_the_panel_with_evidence_and_a_link(concept_page):
    p = concept_page
    i = p.js("kgMap.data.nodes.l.indexOf('LoRA')")
    xy = p.js("""i => { const a = kgMap.graph.getNodeAttributes(String(i));
                        const v = kgMap.renderer.graphToViewport(a);
                        const r = document.getElementById('kg-map').getBoundingClientRect();
                        return [r.left + v.x, r.top + v.y]; }""", i)
    p.page.mouse.click(*xy)
    p.page.wait_for_selector("#kg-panel.open")
    assert p.page.locator("#kg-panel h2").inner_text() == "LoRA"
    assert "Low-rank updates." in p.page.locator("#kg-panel .def").inner_text()
    assert p.page.locator("#kg-panel svg rect").count() >= 1  # the trend
    evidence = p.page.locator("#kg-panel blockquote.evidence")
    assert evidence.count() >= 1 and "LoRA" in evidence.first.inner_text()
    links = p.page.locator("#kg-panel ol a")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    assert re.match(r"https://(arxiv\.org/abs|doi\.org)/", href)
    assert p.page.locator("#kg-panel a[href^='javascript']").count() == 0
    # filters: one community only, then reset
    g = p.js("i => kgMap.data.nodes.g[i]", i)
    p.page.select_option("#kg-group", str(g))
    shown = p.js("kgMap.graph.nodes().filter(n => !kgMap.renderer.getNodeDisplayData(n).hidden)"
                 ".map(Number)")
    assert shown and all(p.js("i => kgMap.data.nodes.g[i]", j) == g for j in shown)
    p.page.click("#kg-reset")
    assert p.js("kgMap.graph.nodes().filter(n => kgMap.renderer.getNodeDisplayData(n).hidden)"
                ".length") == 0
    assert p.errors == [] and p.blocked == []


@pytest.mark.browser
def test_markup_in_the_data_stays_text(concept_page):
    p = concept_page
    p.page.fill("#kg-search", "img src=x")
    hit = p.page.locator("#kg-results li").first
    assert XSS_TITLE in hit.inner_text()
    p.page.press("#kg-search", "Enter")
    p.page.wait_for_selector("#kg-panel.open")
    assert p.page.locator("#kg-panel h2").inner_text() == XSS_TITLE
    assert p.page.locator("#kg-panel a").count() == 0  # its javascript: url is not a link
    p.page.fill("#kg-search", "LoRA")
    p.page.press("#kg-search", "Enter")
    quotes = p.page.locator("#kg-panel blockquote.evidence").all_inner_texts()
    assert XSS_SCRIPT in quotes
    assert p.js("document.querySelectorAll('img, #kg-panel script, #kg-results script')"
                ".length") == 0
    assert p.js("window.__xss") is None
    assert p.errors == [] and p.blocked == []


@pytest.mark.browser
def test_a_big_map_draws_points_and_shows_links_when_zoomed_in(model, browser, tmp_path):
    """A map of more than BIG_MAP concepts takes another path in the page (GL points, links
    only once zoomed in, search when typing pauses): the same checks on the fixture."""
    data = concept_map(model)
    data["big"] = True
    p = Opened(browser, write_page(data, tmp_path / "big.html"))
    try:
        visible = ("kgMap.graph.edges().filter(e => !kgMap.renderer.getEdgeDisplayData(e).hidden)"
                   ".length")
        assert p.js("kgMap.graph.size") > 0 and p.js(visible) == 0
        p.js("kgMap.renderer.getCamera().setState({ratio: 0.1})")
        p.page.wait_for_function(f"{visible} === kgMap.graph.size")
        p.js("kgMap.renderer.getCamera().setState({ratio: 1, x: 0.5, y: 0.5})")
        p.page.fill("#kg-search", "NTK")
        p.page.wait_for_selector("#kg-results li")
        p.page.press("#kg-search", "Enter")
        p.page.wait_for_selector("#kg-panel.open")
        assert p.page.locator("#kg-panel h2").inner_text() == "neural tangent kernel"
        assert p.errors == [] and p.blocked == []
        assert _not_blank(p.page.locator("#kg-map").screenshot()) > 20
    finally:
        p.close()


@pytest.mark.browser
def test_kg_view_png_pictures_the_map(demo_build, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    out = tmp_path / "seed.png"
    result = CliRunner().invoke(cli, ["view", "--graph", str(demo_build), "--png", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _not_blank(out.read_bytes()) > 50
    assert not (tmp_path / "map.html").exists()
