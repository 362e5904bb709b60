"""The graph model of the hand-made fixtures, pinned: nodes, edges, attributes and order.

``tests/fixtures/graph/snapshot.json`` holds the networkx graph of the fixture model at
the default build options and at the fixtures' own options. A change of what the model
holds (a link rule, an attribute, an order) fails here; when the change is meant, rewrite
the snapshot with ``KG_UPDATE_SNAPSHOT=1 pytest tests/test_model_snapshot.py`` and review
the diff.
"""
from __future__ import annotations

import json
import os

import pytest

from kg.model import GraphModel, build_graph
from tests.conftest import FIXTURES, load_module

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_snapshot")
SNAPSHOT = FIXTURES / "graph" / "snapshot.json"
OPTIONS = {"default": {}, "fixture_options": fx.BUILD_OPTIONS}


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _as_data(G) -> dict:
    return {
        "graph": _plain(dict(G.graph)),
        "nodes": [[n, _plain(d)] for n, d in G.nodes(data=True)],
        "edges": [[u, v, k, _plain(d)] for u, v, k, d in G.edges(keys=True, data=True)],
        "in_edges": [[v, [[u, list(kd)] for u, kd in G._pred[v].items()]] for v in G],
    }


def _built(name: str):
    return GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **OPTIONS[name])


@pytest.fixture(scope="module")
def snapshot() -> dict:
    if os.environ.get("KG_UPDATE_SNAPSHOT"):
        data = {name: _as_data(_built(name).to_networkx()) for name in OPTIONS}
        SNAPSHOT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(OPTIONS))
def test_the_fixture_model_is_the_snapshot(snapshot, name):
    got = _as_data(_built(name).to_networkx())
    want = snapshot[name]
    assert got["graph"] == want["graph"]
    assert got["nodes"] == want["nodes"]
    assert got["edges"] == want["edges"]
    assert got["in_edges"] == want["in_edges"]


def test_build_graph_is_the_models_networkx_graph(snapshot):
    G = build_graph(fx.papers(), fx.records(), fx.ontology())
    assert _as_data(G) == snapshot["default"]


def test_the_snapshot_holds_every_relation(snapshot):
    """A snapshot that lost a relation would pin nothing about it."""
    for data in snapshot.values():
        assert {e[2] for e in data["edges"]} == {"mentions", "broader", "author", "similar",
                                                 "cooccurs"}
