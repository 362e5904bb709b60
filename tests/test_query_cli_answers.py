"""The query commands answer from the graph model of a build, and their answers are pinned.

``tests/fixtures/graph/cli_answers.json`` holds what ``kg concept / related / path /
suggest / stats`` print (text and ``--json``) over the fixture model saved as ``kg build``
saves it; the exit code is part of each answer. After a deliberate change of an answer,
regenerate the file and review its diff::

    python -m tests.test_query_cli_answers     # from the repository root
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.model import GraphModel
from kg.model.store import load_model, save_model
from kg.query import node_attrs, node_label
from tests.conftest import FIXTURES, load_module

# modules that bind kg.ontology.load_ontology when first imported: import them before a
# test patches it, so that the session's demo build (conftest) gets the real ontology
import kg.build.pipeline  # noqa: E402,F401
import kg.extract.components  # noqa: E402,F401

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_cli_answers")
ANSWERS_FILE = FIXTURES / "graph" / "cli_answers.json"
ANSWERS = json.loads(ANSWERS_FILE.read_text(encoding="utf-8"))

#: The pinned questions (what the generator below asks).
QUESTIONS = [
    ["concept", "NTK"],
    ["concept", "ntk", "--json"],
    ["concept", "LoRA", "--freq", "week"],
    ["concept", "learning theory", "--json", "--limit", "2"],
    ["concept", "parameter-efficient fine-tuning"],
    ["concept", "PEFT", "--no-include-narrower"],
    ["concept", "QLoRA"],
    ["concept", "QLoRA", "--json"],
    ["concept", "neural tangent kernal"],
    ["related", "2501.00018"],
    ["related", "arXiv:2501.00018v2", "--json", "--top", "1"],
    ["related", "2501.00023"],
    ["related", "2501.00099"],
    ["path", "2501.00018", "grokking", "--json"],
    ["path", "NTK", "LoRA", "--json"],
    ["path", "NTK", "scaling law"],
    ["path", "2501.00023", "LoRA"],
    ["path", "NTK", "NTK"],
    ["path", "nope", "LoRA"],
    ["path", "QLoRA", "LoRA"],
    ["communities"],
    ["communities", "--json", "--top", "1", "--papers", "1"],
    ["suggest", "--min-papers", "2"],
    ["suggest", "--json", "--min-papers", "1"],
    ["stats", "--json"],
    ["stats"],
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """The fixture model saved as ``kg build`` writes it."""
    out = tmp_path_factory.mktemp("model")
    save_model(GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS),
               out)
    return out


@pytest.fixture
def fixture_ontology(monkeypatch):
    import kg.ontology

    monkeypatch.setattr(kg.ontology, "load_ontology", fx.ontology)


@pytest.mark.parametrize("answer", ANSWERS, ids=[" ".join(a["args"]) for a in ANSWERS])
def test_cli_answers_are_the_pinned_ones(answer, model_dir, fixture_ontology):
    result = CliRunner().invoke(cli, [*answer["args"], "--graph", str(model_dir)])
    assert result.exit_code == answer["exit_code"], result.output
    assert result.output.replace(str(model_dir), "DIR") == answer["output"]


def test_cli_does_not_make_a_networkx_graph_of_a_model(model_dir, monkeypatch, fixture_ontology):
    def refuse(*args, **kwargs):
        raise AssertionError("the query made the whole networkx graph")

    monkeypatch.setattr(GraphModel, "to_networkx", refuse)
    for args in (["concept", "NTK"], ["related", "2501.00018"], ["path", "NTK", "LoRA"],
                 ["suggest", "--min-papers", "2"], ["stats"]):
        result = CliRunner().invoke(cli, [*args, "--graph", str(model_dir)])
        assert result.exit_code == 0, result.output


def test_node_attrs_and_labels_are_those_of_the_networkx_graph(model_dir):
    M = load_model(model_dir)
    G = M.to_networkx()
    for n in G:
        assert node_attrs(M, n) == G.nodes[n]
        attrs = G.nodes[n]
        assert node_label(M, n) == str(attrs.get("label") or attrs.get("title")
                                       or attrs.get("name") or n)
    assert node_label(M, "missing") == "missing"
    with pytest.raises(KeyError):
        node_attrs(M, "missing")


def test_an_old_build_directory_says_rebuild(tmp_path):
    (tmp_path / "graph.kg.jsonl.gz").write_bytes(b"")
    result = CliRunner().invoke(cli, ["concept", "LoRA", "--graph", str(tmp_path)])
    assert result.exit_code != 0
    assert "older kg" in result.output and "rebuild" in result.output
    assert "Traceback" not in result.output


def test_the_pinned_questions_are_those_the_generator_asks():
    assert [a["args"] for a in ANSWERS] == QUESTIONS


def write_answers() -> None:
    """Ask :data:`QUESTIONS` of the fixture model (fixture ontology) and write the answers."""
    import tempfile
    from pathlib import Path

    import kg.ontology

    saved, kg.ontology.load_ontology = kg.ontology.load_ontology, fx.ontology
    try:
        with tempfile.TemporaryDirectory() as tmp:
            save_model(GraphModel.build(fx.papers(), fx.records(), fx.ontology(),
                                        **fx.BUILD_OPTIONS), Path(tmp))
            answers = []
            for args in QUESTIONS:
                result = CliRunner().invoke(cli, [*args, "--graph", tmp])
                answers.append({"args": args, "exit_code": result.exit_code,
                                "output": result.output.replace(tmp, "DIR")})
    finally:
        kg.ontology.load_ontology = saved
    ANSWERS_FILE.write_text(json.dumps(answers, indent=1, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    print(f"wrote {len(answers)} answers to {ANSWERS_FILE}")


if __name__ == "__main__":
    write_answers()
