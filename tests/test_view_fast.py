"""The HTML map's fast path gives the same page: the drawn part of a model found in its
arrays."""
from __future__ import annotations

import pytest

from kg.export.html import map as view
from kg.model import GraphModel
from tests.conftest import FIXTURES, load_module

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_view_fast")


@pytest.fixture(scope="module")
def model() -> GraphModel:
    return GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)


@pytest.mark.parametrize("max_nodes", [10, 15, 25, 100_000])
def test_map_of_a_model_equals_the_map_of_its_networkx_graph(model, max_nodes):
    G = model.to_networkx()
    sel = view.select_view(model, max_nodes)
    assert sel == view.select_view(G, max_nodes)
    assert view.render_html(model, max_nodes=max_nodes) == view.render_html(G, max_nodes=max_nodes)


def test_drawn_part_of_a_model_is_its_subgraph(model):
    sel = view.select_view(model, 12)
    assert sel.truncated
    H, papers_of, concepts_of = view._drawn_part_of_model(model, sel)
    ref = model.subgraph(sel.nodes)
    assert sorted(H.edges(keys=True, data=True)) == sorted(ref.edges(keys=True, data=True))
    assert {n: H.nodes[n] for n in ref} == dict(ref.nodes(data=True))
    for p, cs in concepts_of.items():  # every concept a drawn paper names is there
        assert all(c in H for c in cs)
    assert set(papers_of) == {n for n in sel.nodes if H.nodes[n]["kind"] == "concept"}
