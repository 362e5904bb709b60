"""The query commands (kg stats / concept / related / path / suggest) on a saved model."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.model.store import load_graph, save_model
from tests.conftest import FIXTURES, load_module

# modules that bind kg.ontology.load_ontology when first imported: import them before a
# test patches it, so that the session's demo build (conftest) gets the real ontology
import kg.build.pipeline  # noqa: E402,F401
import kg.extract.components  # noqa: E402,F401


fx = load_module(FIXTURES / "graph" / "loader.py", "kg_graph_fixture_loader")
COMMANDS = ["stats", "concept", "related", "path", "communities", "suggest"]


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("kg-out")
    save_model(fx.model(), out)
    return out


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_saved_graph_round_trips(graph_dir):
    G = load_graph(graph_dir)
    H = fx.graph()
    assert sorted(G.nodes(data=True)) == sorted(H.nodes(data=True))
    assert sorted(G.edges(keys=True, data=True)) == sorted(H.edges(keys=True, data=True))


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output and "--graph" in result.output
    assert "--json" in result.output


def test_commands_are_registered():
    assert set(COMMANDS) <= set(cli.commands)


def test_stats(graph_dir):
    result = run("stats", "--graph", graph_dir)
    assert result.exit_code == 0, result.output
    assert "24 papers" in result.output and "neural network" in result.output
    data = json.loads(run("stats", "--graph", graph_dir, "--json").output)
    assert data["nodes"]["paper"] == 24 and data["dates"]["undated"] == 3


def test_missing_graph_dir_says_how_to_build(tmp_path):
    result = CliRunner().invoke(cli, ["stats", "--graph", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "kg build" in result.output and "Traceback" not in result.output


def test_concept(graph_dir):
    result = run("concept", "NTK", "--graph", graph_dir)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "neural tangent kernel" in out and "2501.00001" in out
    assert "infinite width" in out  # co-occurring
    assert "learning theory" in out  # broader
    assert "2025-01" in out
    data = json.loads(run("concept", "ntk", "--graph", graph_dir, "--json").output)
    assert data["paper_count"] == 6 and len(data["papers"]) == 6
    assert data["cooccurs"][0]["label"] == "infinite width"
    assert sum(n for _, n in data["trend"]) == 6


def test_concept_week_trend_and_limit(graph_dir):
    data = json.loads(run("concept", "LoRA", "--graph", graph_dir, "--json", "--freq", "week",
                          "--limit", "2").output)
    assert len(data["papers"]) == 2 and data["paper_count"] == 5
    assert all("-W" in p for p, _ in data["trend"] if p)


def test_unknown_concept_is_a_clear_message(graph_dir):
    result = CliRunner().invoke(cli, ["concept", "neural tangent kernal", "--graph", str(graph_dir)])
    assert result.exit_code == 1
    assert "did you mean" in result.output and "neural tangent kernel" in result.output
    assert "Traceback" not in result.output


def test_related(graph_dir):
    result = run("related", "2501.00018", "--graph", graph_dir)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "2501.00019" in lines[2] and "grokking" in lines[2]  # title, header, best
    data = json.loads(run("related", "arXiv:2501.00018v2", "--graph", graph_dir, "--json",
                          "--top", "1").output)
    assert [r["id"] for r in data["related"]] == ["2501.00019"]
    assert data["related"][0]["shared"] == ["grokking"]


def test_related_unknown_paper(graph_dir):
    result = CliRunner().invoke(cli, ["related", "2501.00099", "--graph", str(graph_dir)])
    assert result.exit_code == 1 and "no paper" in result.output and "did you mean" in result.output


def test_related_isolated_paper(graph_dir):
    result = run("related", "2501.00023", "--graph", graph_dir)
    assert result.exit_code == 0 and "no similar papers" in result.output


def test_path(graph_dir):
    result = run("path", "NTK", "LoRA", "--graph", graph_dir)
    assert result.exit_code == 0, result.output
    steps = [line for line in result.output.splitlines() if line.lstrip()[:2].rstrip(".").isdigit()]
    assert steps and all("[" in s for s in steps)
    data = json.loads(run("path", "2501.00018", "grokking", "--graph", graph_dir, "--json").output)
    assert [s["relation"] for s in data["steps"]] == ["mentions"]


def test_path_not_connected(graph_dir):
    result = CliRunner().invoke(cli, ["path", "2501.00023", "LoRA", "--graph", str(graph_dir)])
    assert result.exit_code == 1 and "not connected" in result.output


def test_suggest_from_graph(graph_dir, monkeypatch):
    import kg.ontology

    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)
    result = run("suggest", "--graph", graph_dir, "--min-papers", "2")
    assert result.exit_code == 0 and "spectral bias" in result.output
    data = json.loads(run("suggest", "--graph", graph_dir, "--json", "--min-papers", "2").output)
    assert data[0]["label"] == "spectral bias" and data[0]["papers"] == 3
    result = run("suggest", "--graph", graph_dir, "--min-papers", "4")
    assert result.exit_code == 0 and "No discovered term" in result.output


def test_suggest_from_extraction_records(tmp_path, monkeypatch):
    import kg.ontology
    from kg.model.papers import write_jsonl
    from kg.model.store import EXTRACTIONS_FILE

    # the fixture ontology, so the test does not depend on what ontology/ holds today
    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)

    save_model(fx.model(), tmp_path)
    write_jsonl(tmp_path / EXTRACTIONS_FILE, fx.records())
    data = json.loads(run("suggest", "--graph", tmp_path, "--json", "--min-papers", "1").output)
    labels = [r["label"] for r in data]
    # the records still hold "lazy regime" (one paper), which the graph dropped
    assert labels[0] == "spectral bias" and "lazy regime" in labels
    assert data[0]["papers"] == 3 and data[0]["examples"]


def test_suggest_puts_terms_named_with_an_acronym_first(tmp_path, monkeypatch):
    """--order named (the default): a term papers define with an acronym comes before a more
    frequent one that none names so; --order papers ranks by papers alone."""
    import copy

    import kg.ontology
    from kg.model.papers import write_jsonl
    from kg.model.store import EXTRACTIONS_FILE

    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)
    records = copy.deepcopy(fx.records())
    named = {"iri": "https://w3id.org/paper-kg/concept/x/optical-flow", "label": "optical flow",
             "alt_labels": ["OF"], "type": "Term", "source": "discovered", "score": 0.9,
             "mentions": [{"field": "abstract", "start": 0, "end": 12, "text": "optical flow",
                           "sentence": "Optical flow (OF) helps."}]}
    for rec in records[:2]:
        rec["concepts"].append(copy.deepcopy(named))
    save_model(fx.model(), tmp_path)
    write_jsonl(tmp_path / EXTRACTIONS_FILE, records)

    def labels(*opts):
        out = run("suggest", "--graph", tmp_path, "--json", "--min-papers", "1", *opts)
        assert out.exit_code == 0, out.output
        return [(r["label"], r["papers"]) for r in json.loads(out.output)]

    assert labels()[:2] == [("optical flow", 2), ("spectral bias", 3)]
    assert labels("--order", "named") == labels()
    assert labels("--order", "papers")[:2] == [("spectral bias", 3), ("optical flow", 2)]
    bad = run("suggest", "--graph", tmp_path, "--order", "size")
    assert bad.exit_code == 2 and "named" in bad.output and "papers" in bad.output


def test_suggest_leaves_out_terms_the_ontology_names(graph_dir, monkeypatch):
    import kg.ontology
    from kg.ontology import Concept, Ontology

    named = Ontology([*fx.ontology(), Concept(fx.C + "spectral-bias", "spectral bias", (),
                                              "Phenomenon", (), "")])
    monkeypatch.setattr(kg.ontology, "load_ontology", lambda: named)
    data = json.loads(run("suggest", "--graph", graph_dir, "--json", "--min-papers", "2").output)
    assert data == []


def test_stats_of_a_build_takes_the_community_count_from_its_summary(demo_build, tmp_path,
                                                                       monkeypatch):
    """Louvain is the slow part of kg stats (7.6 s with it, 1.6 s without at 75 k papers); the build already
    counted the communities of this very graph. A summary that does not describe the graph
    (other counts) is not trusted: the count is made again."""
    import shutil

    from kg.query import graph_stats, stats
    from kg.model.store import load_model

    expected = graph_stats(load_model(demo_build))["concept_communities"]
    assert expected >= 1
    calls = []
    real = stats._louvain
    monkeypatch.setattr(stats, "_louvain", lambda *a: calls.append(1) or real(*a))
    out = CliRunner().invoke(cli, ["stats", "--json", "--graph", str(demo_build)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["concept_communities"] == expected and not calls

    other = tmp_path / "other"
    shutil.copytree(demo_build, other)
    summary = json.loads((other / "summary.json").read_text())
    summary["graph"]["concept_communities"] = expected + 100
    summary["graph"]["edges"]["similar"] += 1  # not this graph's summary any more
    (other / "summary.json").write_text(json.dumps(summary))
    out = CliRunner().invoke(cli, ["stats", "--json", "--graph", str(other)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["concept_communities"] == expected and calls
