"""The query functions answer from the graph model exactly as from its networkx graph
(kg concept / related / path / suggest read the model of a build, not a networkx graph)."""
from __future__ import annotations

import itertools
import json
import math

import pytest
from click.testing import CliRunner

from kg import analyze, model_query
from kg.cli import cli
from kg.errors import GraphError, NotFoundError
from kg.model import GraphModel
from kg.store import MODEL_FILE, load_graph, load_model, save_graph, save_model
from tests.conftest import FIXTURES, load_module

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_model_query")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The fixture graph saved as a model (as ``kg build`` writes it), and loaded back."""
    out = tmp_path_factory.mktemp("model")
    M = GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)
    save_model(M, out)
    return out


@pytest.fixture(scope="module")
def pair(model_dir):
    """(model loaded from disk, the networkx graph of the same build)."""
    return load_model(model_dir), load_graph(model_dir)


def _same(f, M, G, *args, **kwargs):
    """f over the model and over the graph: the same answer, or the same error."""
    try:
        want = f(G, *args, **kwargs)
    except (NotFoundError, GraphError) as exc:
        with pytest.raises(type(exc)) as got:
            f(M, *args, **kwargs)
        assert str(got.value) == str(exc)
        assert getattr(got.value, "suggestions", None) == getattr(exc, "suggestions", None)
        return None
    got = f(M, *args, **kwargs)
    assert json.dumps(got) == json.dumps(want)
    return got


def _names(M):
    """Everything a user may type for a concept or a paper of ``M``, and some misses."""
    names = list(M.concept_iris)
    for a in M.concept_attrs:
        names += [a["label"], a["label"].upper(), a["label"].replace(" ", "-"), *a["alt_labels"]]
    names += list(M.paper_ids) + list(M.paper_iris) + [t for t in M.titles if t]
    names += [t.split(":")[0].lower() for t in M.titles if t]  # title prefixes / fragments
    names += ["neural tangent kernal", "infinte width", "2501.00099", "arXiv:2501.00018v2",
              "kernel", "the", "", "grokking", "NTK", "lora", "LoRA"]
    return sorted(set(names))


def test_resolvers_agree(pair):
    M, G = pair
    for name in _names(M):
        _same(analyze.resolve_concept, M, G, name)
        _same(analyze.resolve_paper, M, G, name)
        _same(analyze.resolve_paper, M, G, name, fragments=False)
        _same(analyze.resolve_node, M, G, name)


@pytest.mark.parametrize("freq", ["month", "week"])
def test_concept_summaries_agree(pair, freq):
    M, G = pair
    for c in M.concept_iris:
        _same(analyze.concept_summary, M, G, c, freq=freq)
        _same(analyze.concept_trend, M, G, c, freq)
    _same(analyze.concept_summary, M, G, "ntk", papers=2, neighbours=1)
    _same(analyze.concept_summary, M, G, "nope nope")


def test_related_papers_agree(pair):
    M, G = pair
    for p, top in itertools.product(M.paper_ids, (1, 3, 10)):
        _same(analyze.related_papers, M, G, p, top)


@pytest.mark.parametrize("min_papers", [1, 2, 3, 5])
def test_discovered_concepts_agree(pair, min_papers):
    M, G = pair
    _same(analyze.discovered_concepts, M, G, min_papers, None)
    _same(analyze.discovered_concepts, M, G, min_papers, 2)


def _path_cost(G, steps):
    return sum(min(analyze._step_cost(G, s["from"], s["to"], k, d)
                   for k, d in G.to_undirected(as_view=True)[s["from"]][s["to"]].items()
                   if k in analyze.PATH_RELATIONS) for s in steps)


def _explained_as_networkx_would(G, steps):
    """The steps networkx's shortest_path gives for the same nodes."""
    U = G.to_undirected(as_view=True)
    out = []
    for s in steps:
        u, v, data = s["from"], s["to"], U[s["from"]][s["to"]]
        key = min((k for k in data if k in analyze.PATH_RELATIONS),
                  key=lambda k: (analyze._step_cost(G, u, v, k, data[k]), k))
        out.append({"from": u, "to": v, "from_label": analyze.node_label(G, u),
                    "to_label": analyze.node_label(G, v), "relation": key,
                    "explanation": analyze._explain_step(G, u, v, key)})
    return out


def _check_path(M, G, a, b):
    """The model's path is as cheap as networkx's (the same one unless several are
    cheapest: networkx then picks by set order, which varies between runs), and every
    step is explained as networkx explains it."""
    try:
        want = analyze.shortest_path(G, a, b)
    except (NotFoundError, GraphError) as exc:
        with pytest.raises(type(exc), match="^" + __import__("re").escape(str(exc)) + "$"):
            model_query.shortest_path(M, a, b)
        return "error"
    got = model_query.shortest_path(M, a, b)
    if not want:
        assert got == []
        return "same"
    assert got[0]["from"] == want[0]["from"] and got[-1]["to"] == want[-1]["to"]
    for x, y in zip(got, got[1:]):
        assert x["to"] == y["from"]
    assert got == _explained_as_networkx_would(G, got)
    assert math.isclose(_path_cost(G, got), _path_cost(G, want), rel_tol=1e-12)
    return "same" if got == want else "tie"


def test_paths_agree_between_every_pair_of_nodes(pair):
    M, G = pair
    nodes = list(M.paper_iris) + list(M.concept_iris)
    outcomes = [_check_path(M, G, a, b) for a, b in itertools.combinations(nodes, 2)]
    assert outcomes.count("same") > 0.9 * len(outcomes), outcomes.count("tie")
    assert "error" in outcomes  # an isolated paper: not connected


def test_paths_by_name_agree(pair):
    M, G = pair
    for a, b in [("NTK", "LoRA"), ("2501.00018", "grokking"), ("2501.00023", "LoRA"),
                 ("NTK", "NTK"), ("nope", "LoRA"), ("NTK", "neural tangent kernal")]:
        _check_path(M, G, a, b)


def test_the_example_model_answers_as_the_example_graph():
    M, G = analyze._example_model(), analyze._example_graph()
    for a, b in itertools.combinations(["p1", "p2", "p3", "p4", "NTK", "LoRA",
                                        "infinite width"], 2):
        _check_path(M, G, a, b)


def test_node_attrs_and_labels(pair):
    M, G = pair
    for n in G:
        assert model_query.node_attrs(M, n) == G.nodes[n]
        assert model_query.node_label(M, n) == analyze.node_label(G, n)
    assert model_query.node_label(M, "missing") == "missing"
    with pytest.raises(KeyError):
        model_query.node_attrs(M, "missing")


# ----------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def graph_dir(model_dir, tmp_path_factory):
    """The same build as a networkx graph file (no model: the old query path)."""
    out = tmp_path_factory.mktemp("graph")
    save_graph(load_graph(model_dir), out)
    assert not (out / MODEL_FILE).exists()
    return out


QUERIES = [
    ["concept", "NTK"], ["concept", "ntk", "--json"], ["concept", "LoRA", "--freq", "week"],
    ["concept", "learning theory", "--json", "--limit", "2"],
    ["concept", "neural tangent kernal"],
    ["related", "2501.00018"], ["related", "arXiv:2501.00018v2", "--json", "--top", "1"],
    ["related", "2501.00023"], ["related", "2501.00099"],
    ["path", "2501.00018", "grokking", "--json"], ["path", "2501.00023", "LoRA"],
    ["path", "NTK", "NTK"], ["path", "nope", "LoRA"],
    ["suggest", "--min-papers", "2"], ["suggest", "--json", "--min-papers", "1"],
]


@pytest.mark.parametrize("args", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_cli_prints_the_same_from_the_model_and_from_networkx(args, model_dir, graph_dir,
                                                              monkeypatch):
    import kg.ontology

    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)
    runner = CliRunner()
    got = runner.invoke(cli, [*args, "--graph", str(model_dir)])
    want = runner.invoke(cli, [*args, "--graph", str(graph_dir)])
    assert (got.exit_code, got.output) == (want.exit_code, want.output)


def test_cli_does_not_make_a_networkx_graph_of_a_model(model_dir, monkeypatch):
    import kg.ontology
    import kg.store

    def refuse(*args, **kwargs):
        raise AssertionError("the query loaded the whole networkx graph")

    monkeypatch.setattr(kg.store, "load_graph", refuse)
    monkeypatch.setattr(GraphModel, "to_networkx", refuse)
    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)
    for args in (["concept", "NTK"], ["related", "2501.00018"], ["path", "NTK", "LoRA"],
                 ["suggest", "--min-papers", "2"], ["stats"]):
        result = CliRunner().invoke(cli, [*args, "--graph", str(model_dir)])
        assert result.exit_code == 0, result.output


# ----------------------------------------------------------------------------- seed corpus


def test_seed_corpus_answers_agree(demo_build):
    """The demo build (the seed corpus): every concept, every paper, paths between many."""
    M, G = load_model(demo_build), load_graph(demo_build)
    for c in M.concept_iris:
        _same(analyze.concept_summary, M, G, c)
    for name in ("NTK", "scaling laws", "over-parameterization", "overparametrisaton", "PERK",
                 "LoRA", "double descent", "grokking"):
        _same(analyze.resolve_node, M, G, name)
    for p in M.paper_ids:
        _same(analyze.related_papers, M, G, p, 10)
    _same(analyze.discovered_concepts, M, G, 2, None)
    nodes = list(M.paper_iris) + list(M.concept_iris)
    pairs = list(itertools.combinations(nodes, 2))[::37]
    outcomes = [_check_path(M, G, a, b) for a, b in pairs]
    assert outcomes.count("same") > 0.8 * len(outcomes)
    _check_path(M, G, "NTK", "scaling laws")
