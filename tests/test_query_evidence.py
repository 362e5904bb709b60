"""Answers that show their evidence, on the fixture model: paper links and evidence sentences,
papers rolled up the ``broader`` hierarchy, ontology concepts absent from the graph, named
communities and paths that avoid hubs (checked against the networkx graph of the model)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import NotFoundError
from kg.model import GraphModel
from kg.model.store import save_model
from kg.query import (
    community_ids,
    community_names,
    community_table,
    concept_communities,
    concept_summary,
    link_of,
    related_papers,
    shortest_path,
)
from kg.query.index import model_index
from tests.conftest import FIXTURES, load_module

# modules that bind kg.ontology.load_ontology when first imported: import them before a
# test patches it, so that the session's demo build (conftest) gets the real ontology
import kg.build.pipeline  # noqa: E402,F401
import kg.extract.components  # noqa: E402,F401

fx = load_module(FIXTURES / "graph" / "loader.py", "kg_graph_fixture_loader")
C, P = fx.C, fx.P


@pytest.fixture(scope="module")
def M():
    return fx.model()


@pytest.fixture(scope="module")
def G():
    return fx.graph()


def _papers_of(G, c):
    return {p for p, _, k in G.in_edges(c, keys=True) if k == "mentions"}


def _narrower_closure(G, c):
    seen, todo = set(), [c]
    while todo:
        n = todo.pop()
        for child, _, k in G.in_edges(n, keys=True):
            if k == "broader" and child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _evidence_of(G, paper, concept):
    """The sentence an answer shows: the first evidence sentence that is not the title
    (the answer shows the title anyway), else the title."""
    evidence = G.get_edge_data(paper, concept, "mentions")["evidence"]
    title = G.nodes[paper]["title"]
    return next((e for e in evidence if e != title), evidence[0])


# ----------------------------------------------------------------------------- links


@pytest.mark.parametrize("paper_id, url, link", [
    ("2106.09685v2", None, "https://arxiv.org/abs/2106.09685"),
    ("t-1", "https://arxiv.org/pdf/2106.09685", "https://arxiv.org/abs/2106.09685"),
    ("10.1000/KG.15", None, "https://doi.org/10.1000/kg.15"),
    ("W42", "https://openalex.org/W42", "https://openalex.org/W42"),
    ("W42", "javascript:alert(1)", None),
    ("t-1", None, None),
])
def test_a_paper_links_to_arxiv_then_doi_then_its_own_http_url(paper_id, url, link):
    assert link_of(paper_id, url) == link


# ----------------------------------------------------------------------------- concept


def test_each_paper_of_a_concept_carries_its_link_and_evidence_sentence(M, G):
    s = concept_summary(M, "NTK")
    assert {p["iri"] for p in s["papers"]} == _papers_of(G, C + "neural-tangent-kernel")
    for p in s["papers"]:
        assert p["evidence"] == _evidence_of(G, p["iri"], C + "neural-tangent-kernel")
        assert p["link"] == link_of(p["id"])
        assert p["via"] is None
    assert s["papers"][0]["link"] == "https://arxiv.org/abs/" + s["papers"][0]["id"]


def test_the_evidence_shown_is_a_sentence_beyond_the_title_when_there_is_one(M, G):
    s = concept_summary(M, "generalization", papers=100)
    both = [p for p in s["papers"]
            if len(G.get_edge_data(p["iri"], C + "generalization", "mentions")["evidence"]) > 1]
    assert both
    for p in both:
        assert p["evidence"] != p["title"]
        assert p["evidence"] in G.get_edge_data(p["iri"], C + "generalization",
                                                "mentions")["evidence"]


def test_papers_roll_up_the_broader_hierarchy_with_the_split(M, G):
    top = C + "learning-theory"
    below = _narrower_closure(G, top)
    expected = set().union(*(_papers_of(G, c) for c in below))
    s = concept_summary(M, "learning theory", include_narrower=True, papers=100)
    r = s["rollup"]
    assert r["own"] == s["paper_count"] == 0
    assert r["total"] == r["via_narrower"] == len(expected) == len(s["papers"])
    assert {p["iri"] for p in s["papers"]} == expected
    assert sum(n["added"] for n in r["narrower"]) == r["via_narrower"]
    assert {n["iri"] for n in r["narrower"]} == {c for c in below if _papers_of(G, c)}
    labels = {n["label"] for n in r["narrower"]}
    for p in s["papers"]:  # each rolled-up paper names the narrower concept it comes from
        assert p["via"] in labels
        via = next(n["iri"] for n in r["narrower"] if n["label"] == p["via"])
        assert p["iri"] in _papers_of(G, via)
        assert p["evidence"] == _evidence_of(G, p["iri"], via)
    # without the roll-up: the concept's own papers only
    plain = concept_summary(M, "learning theory")
    assert plain["rollup"] is None and plain["papers"] == []


def test_a_concept_with_papers_of_its_own_lists_them_first(M, G):
    s = concept_summary(M, "generalization", include_narrower=True, papers=100)
    own = _papers_of(G, C + "generalization")
    r = s["rollup"]
    assert r["own"] == len(own) and r["total"] == len(own | set().union(
        *(_papers_of(G, c) for c in _narrower_closure(G, C + "generalization"))))
    vias = [p["via"] for p in s["papers"]]
    assert vias[:len(own)] == [None] * len(own) and None not in vias[len(own):]


def test_an_ontology_concept_absent_from_the_graph_is_known(M, G):
    assert C + "qlora" not in G
    with pytest.raises(NotFoundError):
        concept_summary(M, "QLoRA")
    s = concept_summary(M, "QLoRA", ontology=fx.ontology())
    assert (s["iri"], s["in_graph"], s["paper_count"]) == (C + "qlora", False, 0)
    assert s["definition"] == "Quantized LoRA." and [b["label"] for b in s["broader"]] == ["LoRA"]
    json.dumps(s)
    with pytest.raises(NotFoundError):
        concept_summary(M, "no such thing", ontology=fx.ontology())


def test_every_discovered_concept_resolves_by_each_of_its_labels(M):
    from kg.query import resolve_concept

    for iri, attrs in zip(M.concept_iris, M.concept_attrs):
        if attrs.get("source") == "discovered":
            for label in (attrs["label"], *attrs.get("alt_labels", ())):
                assert resolve_concept(M, label) == iri


# ----------------------------------------------------------------------------- related


def test_related_papers_show_both_sentences_of_each_shared_concept(M, G):
    rows = related_papers(M, "2501.00018")
    assert rows
    for r in rows:
        assert r["link"] == link_of(r["id"])
        assert [e["label"] for e in r["evidence"]] == r["shared"]
        for e in r["evidence"]:
            assert e["paper"] == _evidence_of(G, P + "2501.00018", e["iri"])
            assert e["other"] == _evidence_of(G, r["iri"], e["iri"])


# ----------------------------------------------------------------------------- communities


def test_communities_are_numbered_named_and_sized(M, G):
    rows = community_table(M, top_concepts=100, top_papers=100)
    comms = concept_communities(M)
    assert [r["id"] for r in rows] == list(range(len(comms)))
    assert sorted(sorted(c["iri"] for c in r["top_concepts"]) for r in rows) == sorted(
        sorted(c) for c in comms)
    sizes = [(-r["concepts"], r["name"]) for r in rows]
    assert sizes == sorted(sizes)
    ids = community_ids(M)
    for r in rows:
        members = [c["iri"] for c in r["top_concepts"]]
        assert r["name"] == " / ".join(G.nodes[c]["label"] for c in members[:3])
        assert all(ids[c] == r["id"] for c in members)
        papers = set().union(*(_papers_of(G, c) for c in members))
        assert r["papers"] == len(papers) == len(r["top_papers"])
        hits = [p["concepts"] for p in r["top_papers"]]
        assert hits == sorted(hits, reverse=True)
        for p in r["top_papers"]:
            assert p["concepts"] == sum(p["iri"] in _papers_of(G, c) for c in members)
    assert community_names(M) == [r["name"] for r in rows]
    assert set(ids) == {n for u, v, k in G.edges(keys=True) if k == "cooccurs" for n in (u, v)}


def test_community_numbers_are_the_same_every_time():
    first = community_ids(GraphModel.build(fx.papers(), fx.records(), fx.ontology(),
                                           **fx.BUILD_OPTIONS))
    second = community_ids(GraphModel.build(fx.papers(), fx.records(), fx.ontology(),
                                            **fx.BUILD_OPTIONS))
    assert first == second and first


def test_community_numbers_stored_by_a_build_are_read_back():
    fresh = lambda: GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)
    computed = community_ids(fresh())
    assert len(set(computed.values())) >= 2
    # a build stores the numbers as the concepts' "community"; swap two to see them followed
    stored = fresh()
    swap = {0: 1, 1: 0}
    for c, iri in enumerate(stored.concept_iris):
        if iri in computed:
            stored.concept_attrs[c]["community"] = swap.get(computed[iri], computed[iri])
    assert community_ids(stored) == {iri: swap.get(n, n) for iri, n in computed.items()}
    names = community_names(fresh())
    assert community_names(stored)[:2] == [names[1], names[0]]


def test_an_empty_graph_has_no_community():
    E = GraphModel.build([], [])
    assert community_table(E) == [] and community_ids(E) == {} and community_names(E) == []


# ----------------------------------------------------------------------------- path


def _share(M, iri):
    ix = model_index(M)
    return int(ix.paper_count()[ix.concept_index(iri)]) / len(M.paper_iris)


def test_a_path_avoids_the_generic_hub(M, G):
    """"Generic" is measured: a concept more than the model's max_df share of papers
    mention (ignored for similarity too). NTK and LoRA share no paper and no specific
    concept; the path must not go through such a hub."""
    hub = C + "neural-network"
    assert _share(M, hub) > M.params["max_df"]
    steps = shortest_path(M, "NTK", "LoRA")
    inner = [s["to"] for s in steps[:-1] if s["to"].startswith(C)]
    assert hub not in inner
    assert all(_share(M, c) <= M.params["max_df"] for c in inner
               if model_index(M).paper_count()[model_index(M).concept_index(c)] > 0)


def test_a_shared_broader_concept_is_a_cheap_step(M, G):
    # generalization and double descent share no paper with NTK's scaling-law partner
    # directly; the path goes through the specific broader link double descent -> generalization
    steps = shortest_path(M, "NTK", "scaling law")
    assert [s["relation"] for s in steps].count("broader") == 1
    step = next(s for s in steps if s["relation"] == "broader")
    assert {step["from"], step["to"]} == {C + "double-descent", C + "generalization"}
    assert step["explanation"] == "double descent is a kind of generalization"


# ----------------------------------------------------------------------------- cli


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("kg-out")
    save_model(fx.model(), out)
    return out


@pytest.fixture
def fixture_ontology(monkeypatch):
    import kg.ontology

    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)


def run(graph_dir, *args):
    return CliRunner().invoke(cli, [*args, "--graph", str(graph_dir)])


def test_kg_concept_leads_with_definition_and_count(graph_dir, fixture_ontology):
    out = run(graph_dir, "concept", "learning theory").output.splitlines()
    assert out[1] == "  Theory of learning."
    assert out[2].startswith("  14 papers: 0 learning theory itself, 14 via narrower concepts: ")
    assert "generalization 6" in out[2]
    plain = run(graph_dir, "concept", "learning theory", "--no-include-narrower").output
    assert plain.splitlines()[2] == "  0 papers"


def test_kg_concept_shows_a_few_spellings_and_json_all(graph_dir, fixture_ontology, monkeypatch):
    """A concept with many spellings shows three of them; --json has every one."""
    many = tuple(f"spelling {i}" for i in range(10))
    import kg.ontology

    base = fx.ontology()
    from kg.ontology import Concept, Ontology

    concepts = [Concept(c.iri, c.label, many if c.label == "QLoRA" else c.alt_labels, c.type,
                        c.broader, c.definition) for c in base]
    monkeypatch.setattr(kg.ontology, "load_ontology", lambda: Ontology(concepts))
    text = run(graph_dir, "concept", "QLoRA").output
    assert "  also: spelling 0, spelling 1, spelling 2 (+7 more with --json)" in text
    assert "known concept, 0 papers in this graph" in text
    data = json.loads(run(graph_dir, "concept", "spelling 9", "--json").output)
    assert data["alt_labels"] == list(many) and data["in_graph"] is False


def test_kg_concept_of_a_title_word_names_the_paper(graph_dir, fixture_ontology):
    result = run(graph_dir, "concept", "unrelated")
    assert result.exit_code == 1
    assert "names the paper 2501.00023" in result.output and "kg related 2501.00023" in result.output


def test_kg_path_to_a_known_absent_concept_says_so(graph_dir, fixture_ontology):
    result = run(graph_dir, "path", "NTK", "QLoRA")
    assert result.exit_code == 1
    assert "'QLoRA' is a known concept, 0 papers in this graph" in result.output


def test_kg_communities_lists_names_sizes_and_papers(graph_dir, M):
    data = json.loads(run(graph_dir, "communities", "--json", "--papers", "2").output)
    assert data == community_table(M, top_papers=2)
    text = run(graph_dir, "communities", "--top", "1").output
    assert text.startswith(f"{len(data)} concept communities in ")
    assert f"#0  {data[0]['name']}  ({data[0]['concepts']} concepts, {data[0]['papers']} papers)" in text
    assert "#1 " not in text


def test_the_roll_up_follows_any_broader_link_of_the_model():
    """A discovered concept linked under an ontology concept rolls up like any other."""
    M = GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)
    G = M.to_networkx()
    child = M.concept_iris.index(C + "x/spectral-bias")
    parent = M.concept_iris.index(C + "lora")
    M.broader = sorted([*M.broader, (child, parent)],
                       key=lambda cp: (M.concept_iris[cp[0]], M.concept_iris[cp[1]]))
    s = concept_summary(M, "LoRA", include_narrower=True, papers=100)
    own = _papers_of(G, C + "lora")
    added = _papers_of(G, C + "x/spectral-bias") - own
    assert added
    assert s["rollup"]["own"] == len(own) and s["rollup"]["via_narrower"] == len(added)
    assert [n["label"] for n in s["rollup"]["narrower"]] == ["spectral bias"]
    assert {p["iri"] for p in s["papers"] if p["via"] == "spectral bias"} == added
