"""Flat exports (GraphML, GEXF, CSV) and the exporter registry (kg.export)."""
from __future__ import annotations

import csv
from collections import Counter

import networkx as nx
import pytest

import kg.export

from kg import files as kg_files
from kg.export import tables as kg_export
from kg.errors import ExportError
from kg.export import EXPORTERS, export, flat_graph, write_csv, write_gexf, write_graphml
from tests.conftest import FIXTURES, load_module

graphs = load_module(FIXTURES / "export" / "graphs.py", "export_graphs")


@pytest.fixture()
def G():
    return graphs.small_graph()


def relations(H) -> Counter:
    return Counter(d["relation"] for *_, d in H.edges(data=True))


def test_graphml_round_trips_through_networkx(G, tmp_path):
    H = nx.read_graphml(write_graphml(G, tmp_path / "g.graphml"), force_multigraph=True)
    assert set(H.nodes) == set(G.nodes)
    assert H.number_of_edges() == G.number_of_edges()
    assert relations(H) == Counter(k for *_, k in G.edges(keys=True))
    lora = H.nodes[graphs.LORA]
    assert lora["alt_labels"] == "low-rank adaptation|LoRA adapters"
    assert lora["paper_count"] == 2 and isinstance(lora["paper_count"], int)
    assert H.nodes[graphs.NTK]["definition"] == ""  # None -> ""
    assert H.nodes[graphs.P1]["paper_id"] == "2106.09685"
    assert H.nodes[graphs.P1]["abstract"] == G.nodes[graphs.P1]["abstract"]
    (m,) = [d for u, v, d in H.edges(data=True) if (u, v) == (graphs.P1, graphs.LORA)]
    assert m["relation"] == "mentions" and m["count"] == 3 and m["score"] == 0.95
    assert m["fields"] == "title|abstract"
    (sim,) = [d for u, v, d in H.edges(data=True) if (u, v) == (graphs.P1, graphs.P2)]
    assert sim["shared"] == graphs.SPECTRAL and sim["weight"] == pytest.approx(0.4123456789)
    # a mention without a score has no score attribute (never "" where numbers live)
    (nos,) = [d for u, v, d in H.edges(data=True) if (u, v) == (graphs.P2, graphs.SPECTRAL)]
    assert "score" not in nos


def test_graphml_edge_ids_are_unique(G, tmp_path):
    text = write_graphml(G, tmp_path / "g.graphml").read_text(encoding="utf-8")
    import re

    ids = re.findall(r'<edge [^>]*id="([^"]+)"', text)
    assert len(ids) == G.number_of_edges() == len(set(ids))


def test_gexf_round_trips_through_networkx(G, tmp_path):
    H = nx.read_gexf(write_gexf(G, tmp_path / "g.gexf"))
    assert set(H.nodes) == set(G.nodes)
    assert H.number_of_edges() == G.number_of_edges()
    assert relations(H) == Counter(k for *_, k in G.edges(keys=True))
    assert H.nodes[graphs.LORA]["label"] == "LoRA"
    assert H.nodes[graphs.P1]["label"].startswith("LoRA: Low-Rank")  # papers: the title
    assert H.nodes[graphs.ADA]["label"] == "Ada Lovelace"
    assert H.nodes[graphs.P1]["paper_id"] == "2106.09685"
    (sim,) = [d for u, v, d in H.edges(data=True) if (u, v) == (graphs.P1, graphs.P3)]
    assert sim["weight"] == 0.6 and sim["shared"] == graphs.LORA


def test_csv_node_and_edge_lists(G, tmp_path):
    out = write_csv(G, tmp_path / "csv")
    with open(out / "nodes.csv", newline="", encoding="utf-8") as fh:
        nodes = list(csv.DictReader(fh))
    with open(out / "edges.csv", newline="", encoding="utf-8") as fh:
        edges = list(csv.DictReader(fh))
    assert [r["id"] for r in nodes] == sorted(G.nodes)
    assert list(nodes[0])[:2] == ["id", "kind"]
    by_id = {r["id"]: r for r in nodes}
    assert by_id[graphs.P1]["abstract"] == G.nodes[graphs.P1]["abstract"]  # newline, quotes kept
    assert by_id[graphs.LORA]["alt_labels"] == "low-rank adaptation|LoRA adapters"
    assert by_id[graphs.P3]["date"] == ""
    assert by_id[graphs.ADA]["title"] == ""  # attribute it lacks: empty cell
    assert list(edges[0])[:3] == ["source", "target", "relation"]
    assert len(edges) == G.number_of_edges()
    assert Counter(r["relation"] for r in edges) == Counter(k for *_, k in G.edges(keys=True))
    (pos,) = [r for r in edges if r["source"] == graphs.P1 and r["target"] == graphs.GRACE]
    assert pos["relation"] == "author" and pos["position"] == "1"


def test_flat_graph_keeps_relation_and_renames_paper_id(G):
    F = flat_graph(G)
    assert all("relation" in d for *_, d in F.edges(data=True))
    assert all(isinstance(v, (str, int, float, bool)) for _, d in F.nodes(data=True) for v in d.values())
    assert "id" not in F.nodes[graphs.P1]


@pytest.mark.parametrize("writer,suffix", [(write_graphml, "graphml"), (write_gexf, "gexf")])
def test_output_is_deterministic(G, tmp_path, writer, suffix):
    a = writer(G, tmp_path / f"a.{suffix}").read_bytes()
    b = writer(graphs.shuffled_copy(G), tmp_path / f"b.{suffix}").read_bytes()
    assert a == b


def test_failed_graphml_write_leaves_the_existing_file_intact(G, tmp_path, monkeypatch):
    target = tmp_path / "graph.graphml"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(fh, *args, **kwargs):
        fh.write("<?xml version='1.0'?><graphml>")
        raise OSError("interrupted")

    monkeypatch.setattr(kg_export, "_write_graphml_rows", half_then_fail)
    with pytest.raises(ExportError, match="interrupted"):
        write_graphml(G, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.graphml"]


def test_atomic_output_cleans_up_on_error(tmp_path):
    target = tmp_path / "x.txt"
    with pytest.raises(KeyError):
        with kg_files.atomic_output(target, "w") as fh:
            fh.write("partial")
            raise KeyError("stop")
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_missing_directory_is_an_export_error(G, tmp_path):
    with pytest.raises(ExportError, match="cannot write"):
        write_graphml(G, tmp_path / "missing" / "g.graphml")


def test_registry_names_and_dispatch(G, tmp_path):
    assert {"graphml", "gexf", "csv", "turtle", "html"} <= set(EXPORTERS)
    assert export(G, "ttl", tmp_path / "g.ttl").read_text(encoding="utf-8").startswith("@prefix")
    assert nx.read_graphml(export(G, "GraphML", tmp_path / "g.graphml")).number_of_nodes() == 10
    assert (export(G, "csv", tmp_path / "csv") / "edges.csv").exists()
    html = export(G, "html", tmp_path / "g.html", max_nodes=5).read_text(encoding="utf-8")
    assert "Showing 5 of 7 nodes" in html


def test_unknown_format_names_the_choices(G, tmp_path):
    with pytest.raises(ExportError) as info:
        export(G, "svg", tmp_path / "g.svg")
    for name in EXPORTERS:
        assert name in str(info.value)
    assert not (tmp_path / "g.svg").exists()


def test_the_community_of_each_concept_is_in_every_export_of_a_build(demo_build, tmp_path):
    """kg build labels each concept with its community: an attribute of every format."""
    from kg.model.store import load_model

    M = load_model(demo_build)
    communities = {iri: a["community"] for iri, a in zip(M.concept_iris, M.concept_attrs)
                   if "community" in a}
    assert communities and set(communities.values()) == set(range(max(communities.values()) + 1))
    iri, number = next(iter(sorted(communities.items())))
    H = nx.read_graphml(export(M, "graphml", tmp_path / "g.graphml"))
    assert H.nodes[iri]["community"] == number
    H = nx.read_gexf(export(M, "gexf", tmp_path / "g.gexf"))
    assert int(H.nodes[iri]["community"]) == number
    with open(export(M, "csv", tmp_path / "csv") / "nodes.csv", encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert int(rows[iri]["community"]) == number
    ttl = export(M, "turtle", tmp_path / "g.ttl").read_text(encoding="utf-8")
    assert "kgv:community" in ttl
    jsonld = export(M, "jsonld", tmp_path / "g.jsonld").read_text(encoding="utf-8")
    assert "https://w3id.org/paper-kg/vocab#community" in jsonld
