"""kg.query on the fixture model: behaviour, not just shapes (answers checked against the
model's networkx graph)."""
from __future__ import annotations

import json

import pytest

from kg.query import (
    centrality,
    concept_communities,
    concept_summary,
    concept_trend,
    discovered_concepts,
    emerging_concepts,
    graph_stats,
    paper_communities,
    period_of,
    related_papers,
    resolve_concept,
    resolve_node,
    resolve_paper,
    shortest_path,
)
from kg.errors import GraphError, NotFoundError
from tests.conftest import FIXTURES, load_module


fx = load_module(FIXTURES / "graph" / "loader.py", "kg_graph_fixture_loader")
C, P = fx.C, fx.P


@pytest.fixture(scope="session")
def M():
    return fx.model()


@pytest.fixture(scope="session")
def G():
    return fx.graph()


def _papers_of(G, c):
    return {p for p, _, k in G.in_edges(c, keys=True) if k == "mentions"}


# ----------------------------------------------------------------------------- resolve


@pytest.mark.parametrize("name", [
    C + "neural-tangent-kernel", "neural tangent kernel", "NTK", "Neural Tangent Kernel",
    "neural-tangent-kernel", "  ntk ",
])
def test_resolve_concept_variants(M, G, name):
    assert resolve_concept(M, name) == C + "neural-tangent-kernel"


def test_resolve_concept_alt_label_and_hyphens(M, G):
    assert resolve_concept(M, "low rank adaptation") == C + "lora"
    assert resolve_concept(M, "lora") == C + "lora"
    assert resolve_concept(M, "overparameterized") == C + "over-parameterization"
    assert resolve_concept(M, "spectral bias") == C + "x/spectral-bias"


def test_unknown_concept_suggests_close_matches(M, G):
    with pytest.raises(NotFoundError) as info:
        resolve_concept(M, "neural tangent kernal")
    assert "neural tangent kernel" in info.value.suggestions
    assert "did you mean" in str(info.value) and "neural tangent kernel" in str(info.value)
    assert len(info.value.suggestions) <= 5
    with pytest.raises(NotFoundError) as info:
        resolve_concept(M, "zzzzqqqq")
    assert info.value.suggestions == [] and "did you mean" not in str(info.value)


def test_resolve_paper(M, G):
    iri = P + "2501.00001"
    for name in ("2501.00001", iri, "arXiv:2501.00001v3", "https://arxiv.org/abs/2501.00001v1",
                 "on neural tangent kernel: study 2501.00001"):
        assert resolve_paper(M, name) == iri
    assert resolve_paper(M, "https://doi.org/10.1000/KG.15") == P + "10.1000%2Fkg.15"
    with pytest.raises(NotFoundError) as info:
        resolve_paper(M, "2501.00099")
    assert info.value.suggestions and all(s.startswith("2501.000") for s in info.value.suggestions)
    with pytest.raises(NotFoundError):
        resolve_paper(M, C + "lora")  # a concept is not a paper


def test_resolve_node(M, G):
    assert resolve_node(M, "2501.00002") == P + "2501.00002"
    assert resolve_node(M, "LoRA") == C + "lora"
    with pytest.raises(NotFoundError, match="no paper or concept"):
        resolve_node(M, "nothing at all")


# ----------------------------------------------------------------------------- communities


def test_concept_communities(M, G):
    comms = concept_communities(M)
    assert comms == concept_communities(M)  # deterministic
    members = [c for comm in comms for c in comm]
    assert len(members) == len(set(members))
    with_edges = {n for u, v, k in G.edges(keys=True) if k == "cooccurs" for n in (u, v)}
    assert set(members) == with_edges
    where = {c: i for i, comm in enumerate(comms) for c in comm}
    assert where[C + "neural-tangent-kernel"] == where[C + "infinite-width"]
    assert where[C + "lora"] != where[C + "neural-tangent-kernel"]
    assert [len(c) for c in comms] == sorted((len(c) for c in comms), reverse=True)


def test_paper_communities(M, G):
    comms = paper_communities(M)
    assert comms == paper_communities(M, seed=0)
    where = {p: i for i, comm in enumerate(comms) for p in comm}
    ntk = [P + f"2501.0000{i}" for i in range(1, 6)]
    assert len({where[p] for p in ntk}) == 1
    assert where[P + "2501.00008"] != where[P + "2501.00001"]
    assert P + "2501.00023" not in where  # no concepts, no similar edges


# ----------------------------------------------------------------------------- centrality


@pytest.mark.parametrize("kind", ["pagerank", "degree"])
@pytest.mark.parametrize("nodes", ["concept", "paper"])
def test_centrality(M, G, kind, nodes):
    rows = centrality(M, kind, nodes, top=4)
    assert 1 <= len(rows) <= 4
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for r in rows:
        assert G.nodes[r["iri"]]["kind"] == nodes and r["label"]
    everything = centrality(M, kind, nodes, top=1000)
    assert rows == everything[:4]


def test_centrality_degree_counts_neighbours(M, G):
    rows = centrality(M, "degree", "concept", top=1)
    co = [(u, v) for u, v, k in G.edges(keys=True) if k == "cooccurs"]
    nodes = {n for e in co for n in e}
    deg = {n: sum(n in e for e in co) for n in nodes}
    assert rows[0]["score"] == pytest.approx(max(deg.values()) / (len(nodes) - 1))


def test_centrality_bad_arguments(M, G):
    with pytest.raises(GraphError):
        centrality(M, "eigen")
    with pytest.raises(GraphError):
        centrality(M, nodes="author")


# ----------------------------------------------------------------------------- time


def test_period_of():
    assert period_of("2025-01-05") == "2025-01"
    assert period_of("2025-01-05", "week") == "2025-W01"
    assert period_of("2024-12-30", "week") == "2025-W01"
    assert period_of(None) is None and period_of("2025-01", "week") is None
    with pytest.raises(GraphError):
        period_of("2025-01-01", "year")


@pytest.mark.parametrize("concept", ["neural-tangent-kernel", "generalization", "lora",
                                     "x/spectral-bias", "fine-tuning"])
def test_trend_counts_sum_to_the_papers(M, G, concept):
    c = C + concept
    trend = concept_trend(M, c)
    dated = [p for p in _papers_of(G, c) if G.nodes[p]["date"]]
    undated = len(_papers_of(G, c)) - len(dated)
    assert sum(n for period, n in trend if period) == len(dated)
    assert dict(trend).get(None, 0) == undated
    periods = [period for period, _ in trend if period]
    assert periods == ["2025-01", "2025-02", "2025-03", "2025-04"]  # whole range, zeros kept


def test_trend_by_week_and_by_label(M, G):
    weekly = concept_trend(M, "LoRA", freq="week")
    assert sum(n for _, n in weekly) == 5
    weeks = [w for w, _ in weekly]
    assert weeks == sorted(weeks) and len(weeks) == len(set(weeks)) > 4
    assert concept_trend(M, "generalization")[-1] == (None, 2)  # 2501.00020 and r-24


def test_emerging_concepts(M, G):
    rows = emerging_concepts(M)
    assert rows[0]["label"] == "scaling law" and rows[0]["new"] is True
    assert rows[0]["recent"] == 5 and rows[0]["before"] == 0
    assert [r["growth"] for r in rows] == sorted((r["growth"] for r in rows), reverse=True)
    labels = [r["label"] for r in rows]
    assert "neural tangent kernel" not in labels  # no paper in the last month
    by_ratio = emerging_concepts(M, rank_by="ratio")
    assert [r["ratio"] for r in by_ratio] == sorted((r["ratio"] for r in by_ratio), reverse=True)
    assert by_ratio[0]["new"] and all(r["ratio"] > 1 for r in by_ratio if r["new"])
    with pytest.raises(GraphError):
        emerging_concepts(M, rank_by="size")
    since = emerging_concepts(M, since="2025-03-01", min_papers=2)
    assert {"LoRA", "grokking"} <= {r["label"] for r in since}
    assert all(r["recent"] >= 2 for r in since)


# ----------------------------------------------------------------------------- related


def test_related_papers(M, G):
    rows = related_papers(M, "2501.00018", top=10)
    assert rows[0]["id"] == "2501.00019" and rows[0]["shared"] == ["grokking"]
    assert [r["weight"] for r in rows] == sorted((r["weight"] for r in rows), reverse=True)
    labels_of = lambda iri: {G.nodes[c]["label"] for _, c, k in G.out_edges(iri, keys=True)
                             if k == "mentions"}
    for r in rows:
        assert set(r["shared"]) <= labels_of(P + "2501.00018") & labels_of(r["iri"])
    assert len(related_papers(M, "2501.00018", top=1)) == 1
    assert related_papers(M, "2501.00023") == []


# ----------------------------------------------------------------------------- path


def _check_path(G, steps, a, b):
    assert steps[0]["from"] == a and steps[-1]["to"] == b
    for s, t in zip(steps, steps[1:]):
        assert s["to"] == t["from"]
    for s in steps:
        assert s["relation"] in {"mentions", "similar", "cooccurs", "broader"}
        assert s["explanation"] and s["from_label"] and s["to_label"]
        assert G.has_edge(s["from"], s["to"], s["relation"]) or G.has_edge(
            s["to"], s["from"], s["relation"])


def test_path_between_concepts(M, G):
    steps = shortest_path(M, "NTK", "LoRA")
    _check_path(G, steps, C + "neural-tangent-kernel", C + "lora")
    # the ubiquitous concept is a hub: the informative path avoids it
    assert all(C + "neural-network" not in (s["from"], s["to"]) for s in steps)


def test_path_between_papers_and_mixed(M, G):
    a, b = P + "2501.00001", P + "2501.00010"
    _check_path(G, shortest_path(M, "2501.00001", "2501.00010"), a, b)
    steps = shortest_path(M, "2501.00018", "grokking")
    assert len(steps) == 1 and steps[0]["relation"] == "mentions"
    assert "grokking" in steps[0]["explanation"]
    steps = shortest_path(M, "lora", "fine-tuning")
    _check_path(G, steps, C + "lora", C + "fine-tuning")
    assert all(s["relation"] == "broader" for s in steps)
    assert "is a kind of" in steps[0]["explanation"]


def test_path_explanations_name_the_evidence(M, G):
    steps = shortest_path(M, "neural tangent kernel", "infinite width")
    assert len(steps) == 1 and steps[0]["relation"] == "cooccurs"
    assert "5 papers" in steps[0]["explanation"]


def test_path_errors(M, G):
    assert shortest_path(M, "LoRA", "lora") == []
    with pytest.raises(GraphError, match="not connected"):
        shortest_path(M, "2501.00023", "LoRA")  # a paper with no concepts
    with pytest.raises(NotFoundError):
        shortest_path(M, "LoRA", "no such thing")


# ----------------------------------------------------------------------------- summaries


def test_discovered_concepts(M, G):
    rows = discovered_concepts(M)
    assert [r["label"] for r in rows] == ["spectral bias"]
    assert rows[0]["paper_count"] == 3 and len(rows[0]["examples"]) == 3
    assert discovered_concepts(M, min_papers=4) == []


def test_concept_summary(M, G):
    s = concept_summary(M, "LoRA")
    assert s["iri"] == C + "lora" and s["paper_count"] == 5 and len(s["papers"]) == 5
    assert [b["label"] for b in s["broader"]] == ["parameter-efficient fine-tuning"]
    assert s["narrower"] == []
    assert [c["label"] for c in s["cooccurs"]] == ["transformer"]
    assert sum(n for _, n in s["trend"]) == 5
    json.dumps(s)
    peft = concept_summary(M, "PEFT")
    assert [n["label"] for n in peft["narrower"]] == ["LoRA"] and peft["papers"] == []


def test_graph_stats(M, G):
    s = graph_stats(M)
    json.dumps(s)
    assert s["nodes"]["paper"] == 24
    assert s["nodes"]["concept"] == sum(1 for _, k in G.nodes(data="kind") if k == "concept")
    assert sum(s["edges"].values()) == G.number_of_edges()
    assert set(s["edges"]) == {"mentions", "broader", "author", "similar", "cooccurs"}
    assert s["top_concepts"][0]["label"] == "neural network"
    counts = [c["paper_count"] for c in s["top_concepts"]]
    assert counts == sorted(counts, reverse=True)
    assert s["concept_communities"] == len(concept_communities(M))
    assert s["dates"] == {"first": "2025-01-05", "last": "2025-04-22", "undated": 3}
    assert s["papers_without_concepts"] == 1
    assert s["concepts"] == {"discovered": 1, "ontology": s["nodes"]["concept"] - 1}
    assert graph_stats(M, communities=False)["concept_communities"] is None


def test_empty_graph():
    from kg.model import GraphModel

    E = GraphModel.build([], [])
    assert E.number_of_nodes() == 0
    s = graph_stats(E)
    assert s["nodes"] == {} and s["dates"] == {"first": None, "last": None, "undated": 0}
    assert concept_communities(E) == [] and paper_communities(E) == []
    assert centrality(E) == [] and emerging_concepts(E) == []
    with pytest.raises(NotFoundError):
        resolve_concept(E, "LoRA")
