"""The graph model built from extraction records, and its derived links, seen as networkx
(``kg.model.build_graph``, the model's ``to_networkx()``)."""
from __future__ import annotations

import math
import random
from collections import Counter

import networkx as nx
import pytest

from kg.errors import GraphError
from kg.iris import author_iri, paper_iri, slugify
from kg.model import MAX_EVIDENCE, MAX_SHARED, MIN_DF_CAP, build_graph
from tests.conftest import FIXTURES, load_module


fx = load_module(FIXTURES / "graph" / "loader.py", "kg_graph_fixture_loader")
C, P = fx.C, fx.P


@pytest.fixture(scope="session")
def G():
    return fx.graph()


def _edges(G, key):
    return [(u, v, d) for u, v, k, d in G.edges(keys=True, data=True) if k == key]


def _concepts_of(G, paper):
    return {v for _, v, k in G.out_edges(paper, keys=True) if k == "mentions"}


# ----------------------------------------------------------------------------- IRIs


def test_iris():
    assert paper_iri("2501.00001") == P + "2501.00001"
    assert paper_iri("10.1000/kg.15") == P + "10.1000%2Fkg.15"
    assert paper_iri("a b#c") == P + "a%20b%23c"
    assert author_iri("Léon Bottou") == author_iri("Leon  Bottou") == (
        "https://w3id.org/paper-kg/author/leon-bottou")
    assert slugify("王小明") != slugify("李华") and slugify("王小明").startswith("u-")


# ----------------------------------------------------------------------------- nodes


def test_node_kinds_and_attributes(G):
    kinds = Counter(k for _, k in G.nodes(data="kind"))
    assert kinds["paper"] == 24  # 23 papers + one record without a paper entry
    for n, attrs in G.nodes(data=True):
        assert attrs["kind"] in {"paper", "concept", "author"}
        if attrs["kind"] == "paper":
            assert set(attrs) == {"kind", "id", "title", "abstract", "date", "url", "source"}
            assert n == paper_iri(attrs["id"])
        elif attrs["kind"] == "concept":
            assert set(attrs) == {"kind", "label", "alt_labels", "type", "source",
                                  "definition", "paper_count"}
            assert isinstance(attrs["alt_labels"], tuple)
            assert attrs["source"] in {"ontology", "discovered"}
            assert attrs["paper_count"] == len(
                [1 for _, _, k in G.in_edges(n, keys=True) if k == "mentions"])
        else:
            assert set(attrs) == {"kind", "name"}


def test_concept_attributes_come_from_the_ontology(G):
    ntk = G.nodes[C + "neural-tangent-kernel"]
    assert ntk["label"] == "neural tangent kernel"
    assert ntk["alt_labels"] == ("NTK",)
    assert ntk["type"] == "Theory" and ntk["definition"] == "The NTK."
    assert ntk["paper_count"] == 6


def test_record_only_paper_and_paper_without_record(G):
    r24 = G.nodes[P + "r-24"]
    assert r24["title"].startswith("On generalization") and r24["date"] is None
    assert _concepts_of(G, P + "r-24")
    assert P + "2501.00023" in G and not _concepts_of(G, P + "2501.00023")


def test_discovered_concepts_need_min_papers(G):
    assert G.nodes[C + "x/spectral-bias"]["source"] == "discovered"
    assert G.nodes[C + "x/spectral-bias"]["paper_count"] == 3
    assert C + "x/lazy-regime" not in G  # in one paper only
    H = build_graph(fx.papers(), fx.records(), fx.ontology(), min_discovered_papers=1)
    assert H.has_edge(P + "2501.00021", C + "x/lazy-regime", "mentions")
    H4 = build_graph(fx.papers(), fx.records(), fx.ontology(), min_discovered_papers=4)
    assert C + "x/spectral-bias" not in H4
    # ontology concepts are kept however rare
    assert C + "grokking" in H4


def test_mentions_edges(G):
    papers = {p["id"]: p for p in fx.papers()}
    for u, v, d in _edges(G, "mentions"):
        assert G.nodes[u]["kind"] == "paper" and G.nodes[v]["kind"] == "concept"
        assert d["count"] >= 1
        assert set(d["fields"]) <= {"title", "abstract"} and isinstance(d["fields"], tuple)
        assert isinstance(d["evidence"], tuple) and 1 <= len(d["evidence"]) <= MAX_EVIDENCE
        paper = papers.get(G.nodes[u]["id"])
        if paper:
            for sentence in d["evidence"]:
                assert sentence in paper["title"] or sentence in paper["abstract"]
    d = G.edges[P + "2501.00001", C + "neural-tangent-kernel", "mentions"]
    assert d["count"] == 2 and d["fields"] == ("title", "abstract")
    assert d["evidence"][0] == "On neural tangent kernel: study 2501.00001"


def test_broader_hierarchy_includes_ancestors(G):
    chain = ["lora", "parameter-efficient-fine-tuning", "fine-tuning", "deep-learning",
             "machine-learning"]
    for child, parent in zip(chain, chain[1:]):
        assert G.has_edge(C + child, C + parent, "broader")
    assert G.nodes[C + "fine-tuning"]["paper_count"] == 0
    assert C + "qlora" not in G  # narrower, never mentioned
    for u, v, _ in _edges(G, "broader"):
        assert G.nodes[u]["kind"] == G.nodes[v]["kind"] == "concept"


def test_without_ontology_there_is_no_hierarchy():
    H = build_graph(fx.papers(), fx.records(), **fx.BUILD_OPTIONS)
    assert not _edges(H, "broader")
    assert H.nodes[C + "lora"]["label"] == "LoRA" and H.nodes[C + "lora"]["definition"] is None


def test_authors(G):
    bottou = author_iri("Leon Bottou")
    assert G.nodes[bottou]["name"] == "Leon Bottou"  # smallest of the spellings
    papers = {G.nodes[p]["id"] for p, _, k in G.in_edges(bottou, keys=True) if k == "author"}
    assert papers == {"2501.00001", "2501.00007", "2501.00012"}
    assert G.edges[P + "2501.00001", bottou, "author"]["position"] == 1
    assert G.edges[P + "2501.00001", author_iri("Ada Lovelace"), "author"]["position"] == 2


# ----------------------------------------------------------------------------- similar


def _brute_force_similar(G, top_k, max_df):
    """Reference implementation of the documented similarity, in plain Python."""
    papers = sorted(n for n, k in G.nodes(data="kind") if k == "paper")
    concepts_of = {p: _concepts_of(G, p) for p in papers}
    concepts_of = {p: cs for p, cs in concepts_of.items() if cs}
    n = len(concepts_of)
    df = Counter(c for cs in concepts_of.values() for c in cs)
    cap = max(max_df * n, MIN_DF_CAP)
    idf = {c: math.log((1 + n) / (1 + f)) + 1 for c, f in df.items() if 2 <= f <= cap}
    vec = {p: {c: idf[c] for c in cs if c in idf} for p, cs in concepts_of.items()}
    norm = {p: math.sqrt(sum(w * w for w in v.values())) for p, v in vec.items()}
    chosen = {}
    for p in vec:
        scores = []
        for q in vec:
            if q == p or not norm[p] or not norm[q]:
                continue
            dot = sum(w * vec[q][c] for c, w in vec[p].items() if c in vec[q])
            if dot > 0:
                scores.append((round(dot / (norm[p] * norm[q]), 9), q))
        scores.sort(key=lambda t: (-t[0], t[1]))
        chosen[p] = scores[:top_k]
    return chosen, idf


def _greedy_bounded(chosen, top_k):
    """Accept proposals strongest first while both papers have fewer than top_k links."""
    proposals = {tuple(sorted((p, q))): w for p, qs in chosen.items() for w, q in qs}
    degree, kept = Counter(), set()
    for (p, q), _ in sorted(proposals.items(), key=lambda kv: (-kv[1], kv[0])):
        if degree[p] < top_k and degree[q] < top_k:
            degree[p] += 1
            degree[q] += 1
            kept.add((p, q))
    return kept


@pytest.mark.parametrize("top_k", [1, 2, 3, 5])
def test_similar_edges_are_degree_bounded_top_k_proposals(top_k):
    H = build_graph(fx.papers(), fx.records(), fx.ontology(), top_k=top_k, max_df=0.3)
    chosen, _ = _brute_force_similar(H, top_k, 0.3)
    got = {(u, v) for u, v, _ in _edges(H, "similar")}
    assert got == _greedy_bounded(chosen, top_k)
    degree = Counter(x for pair in got for x in pair)
    assert degree and max(degree.values()) <= top_k  # the top-k bound holds for every paper


def test_similar_edge_attributes(G):
    _, idf = _brute_force_similar(G, 3, 0.3)
    edges = _edges(G, "similar")
    assert edges
    for u, v, d in edges:
        assert u < v and not G.has_edge(v, u, "similar")  # once per pair
        assert 0 < d["weight"] <= 1.0 + 1e-9
        shared = d["shared"]
        assert isinstance(shared, tuple) and 1 <= len(shared) <= MAX_SHARED
        assert set(shared) <= _concepts_of(G, u) & _concepts_of(G, v)
        assert [idf[c] for c in shared] == sorted((idf[c] for c in shared), reverse=True)
    # the ubiquitous concept never explains a similarity
    assert all(C + "neural-network" not in d["shared"] for _, _, d in edges)


def test_rare_shared_concept_outranks_common_one(G):
    p18 = P + "2501.00018"
    weights = {}
    for u, v, d in _edges(G, "similar"):
        if p18 in (u, v):
            weights[v if u == p18 else u] = d
    best = max(weights, key=lambda q: weights[q]["weight"])
    assert best == P + "2501.00019" and weights[best]["shared"] == (C + "grokking",)
    # a paper sharing only the common "generalization" ranks lower
    gen_only = [q for q, d in weights.items() if d["shared"] == (C + "generalization",)]
    assert gen_only and all(weights[q]["weight"] < weights[best]["weight"] for q in gen_only)


def test_top_k_zero_means_no_similar_edges():
    H = build_graph(fx.papers(), fx.records(), top_k=0)
    assert not _edges(H, "similar")


# ----------------------------------------------------------------------------- cooccurs


def test_cooccurrence_thresholds(G):
    edges = _edges(G, "cooccurs")
    assert edges
    for u, v, d in edges:
        assert u < v
        assert d["support"] >= 3 and d["npmi"] >= 0.1
        assert d["support"] == len(
            {p for p, _, k in G.in_edges(u, keys=True) if k == "mentions"}
            & {p for p, _, k in G.in_edges(v, keys=True) if k == "mentions"})
    ntk = G.edges[C + "infinite-width", C + "neural-tangent-kernel", "cooccurs"]
    assert ntk["support"] == 5 and ntk["npmi"] > 0.5


def test_npmi_value_and_ubiquitous_pair_dropped(G):
    papers_with = lambda c: {p for p, _, k in G.in_edges(c, keys=True) if k == "mentions"}
    n = sum(1 for p, k in G.nodes(data="kind") if k == "paper" and _concepts_of(G, p))
    a, b = C + "infinite-width", C + "neural-tangent-kernel"
    pa, pb = len(papers_with(a)) / n, len(papers_with(b)) / n
    pab = len(papers_with(a) & papers_with(b)) / n
    expected = math.log(pab / (pa * pb)) / -math.log(pab)
    assert G.edges[a, b, "cooccurs"]["npmi"] == pytest.approx(expected, abs=1e-6)
    # "neural network" shares >= 3 papers with several concepts but carries no information
    nn_ = C + "neural-network"
    assert len(papers_with(nn_) & papers_with(C + "transformer")) >= 3
    assert not [1 for u, v, _ in _edges(G, "cooccurs") if nn_ in (u, v)]


def test_min_cooccurrence_and_min_npmi_are_applied():
    H = build_graph(fx.papers(), fx.records(), min_cooccurrence=6, min_npmi=-1.0)
    assert not _edges(H, "cooccurs") or all(d["support"] >= 6 for _, _, d in _edges(H, "cooccurs"))
    H = build_graph(fx.papers(), fx.records(), min_cooccurrence=2, min_npmi=-1.0)
    nn_ = C + "neural-network"
    assert [1 for u, v, _ in _edges(H, "cooccurs") if nn_ in (u, v)]


# ----------------------------------------------------------------------------- determinism


def _snapshot(H):
    return (
        list(H.nodes(data=True)),
        list(H.edges(keys=True, data=True)),
        dict(H.graph),
    )


def test_build_is_order_independent_and_incremental_equals_fresh():
    papers, records = fx.papers(), fx.records()
    fresh = build_graph(papers, records, fx.ontology(), **fx.BUILD_OPTIONS)
    # "kg build --update": first A, then A + B re-run in another order
    half = len(records) // 2
    rng = random.Random(7)
    first = build_graph(papers[:half], records[:half], fx.ontology(), **fx.BUILD_OPTIONS)
    assert first.number_of_nodes() < fresh.number_of_nodes()
    papers2, records2 = papers[:], records[:]
    rng.shuffle(papers2)
    rng.shuffle(records2)
    for r in records2:
        rng.shuffle(r["concepts"])
        for c in r["concepts"]:
            rng.shuffle(c["mentions"])
    updated = build_graph(papers2, records2, fx.ontology(), **fx.BUILD_OPTIONS)
    assert _snapshot(updated) == _snapshot(fresh)
    assert nx.utils.graphs_equal(updated, fresh)


def test_errors():
    with pytest.raises(GraphError):
        build_graph([], [{"concepts": []}])
    with pytest.raises(GraphError):
        build_graph([], [{"id": "a", "concepts": [{"label": "no iri"}]}])
    with pytest.raises(GraphError):
        build_graph([], [], top_k=-1)


def test_duplicate_records_merge_concepts():
    rec = lambda cs: {"id": "a", "concepts": [
        {"iri": C + s, "label": s, "source": "ontology", "mentions": [
            {"field": "abstract", "start": 0, "end": 1, "text": "x", "sentence": f"{s}."}]}
        for s in cs]}
    H = build_graph([], [rec(["x", "y"]), rec(["y", "z"])])
    assert _concepts_of(H, P + "a") == {C + "x", C + "y", C + "z"}
    assert H.edges[P + "a", C + "y", "mentions"]["count"] == 1  # the same mention twice
    # the same record twice, in any order, changes nothing
    once = build_graph([], [rec(["x", "y"])])
    twice = build_graph([], [rec(["x", "y"]), rec(["x", "y"])])
    assert _snapshot(once) == _snapshot(twice)
    # two different mentions merge, whichever record comes first
    other = {"id": "a", "concepts": [{"iri": C + "y", "label": "y", "score": 0.9, "mentions": [
        {"field": "title", "start": 0, "end": 1, "text": "y", "sentence": "Y title."}]}]}
    ab = build_graph([], [rec(["y"]), other])
    ba = build_graph([], [other, rec(["y"])])
    assert _snapshot(ab) == _snapshot(ba)
    d = ab.edges[P + "a", C + "y", "mentions"]
    assert d["count"] == 2 and d["fields"] == ("title", "abstract") and d["score"] == 0.9
    assert d["evidence"] == ("Y title.", "y.")


def test_absolute_cap_on_concept_papers_for_similarity():
    H = build_graph(fx.papers(), fx.records(), max_df=1.0, max_concept_papers=5)
    chosen, idf = _brute_force_similar(H, 10, 5 / 23)  # same cap: 5 papers
    assert C + "transformer" not in idf and C + "lora" in idf
    for _, _, d in _edges(H, "similar"):
        assert C + "transformer" not in d["shared"]
    assert {(u, v) for u, v, _ in _edges(H, "similar")} == _greedy_bounded(chosen, 10)
