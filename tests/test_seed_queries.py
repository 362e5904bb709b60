"""The graph questions of the demo corpus, answered from one ``kg build --demo``."""
from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kg.cli import cli

OVERPARAM = re.compile(r"over[- ]?param[ea]?t(?:e)?ri[sz]", re.I)


def query(demo_build, *args):
    result = CliRunner().invoke(cli, [*args, "--graph", str(demo_build), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_related_perk_lists_papers_with_the_shared_concepts(demo_build):
    out = query(demo_build, "related", "PERK")
    assert out["paper"]["title"].startswith("PERK:")
    assert len(out["related"]) >= 3
    for row in out["related"]:
        assert row["shared"], f"{row['title']} is listed without a shared concept"
    weights = [row["weight"] for row in out["related"]]
    assert weights == sorted(weights, reverse=True)


def test_path_from_ntk_to_scaling_laws_is_explained(demo_build):
    out = query(demo_build, "path", "NTK", "scaling laws")
    steps = out["steps"]
    assert steps[0]["from"].endswith("/neural-tangent-kernel")
    assert steps[-1]["to"].endswith("/scaling-laws")
    for a, b in zip(steps, steps[1:]):
        assert a["to"] == b["from"]
    assert all(step["explanation"] for step in steps)


def _paper_share(demo_build, concept_iri):
    """The share of the demo's papers that mention a concept (its document frequency)."""
    from kg.model.store import load_model
    from kg.query.index import model_index

    M = load_model(demo_build)
    ix = model_index(M)
    return int(ix.paper_count()[ix.concept_index(concept_iri)]) / len(M.paper_iris)


def test_path_from_ntk_to_scaling_laws_goes_through_a_specific_concept(demo_build):
    """No generic hub on the way: every concept between the two ends, and the concept that
    makes two papers similar, is mentioned by at most 10 % of the papers (half the build's
    max_df, above which similarity ignores a concept)."""
    steps = query(demo_build, "path", "NTK", "scaling laws")["steps"]
    inner = [s["to"] for s in steps[:-1] if "/concept/" in s["to"]]
    assert all(_paper_share(demo_build, c) <= 0.10 for c in inner)
    assert [s["relation"] for s in steps] == ["mentions", "similar", "mentions"]
    assert "sharing heavy-tailed distribution" in steps[1]["explanation"]
    assert _paper_share(demo_build, "https://w3id.org/paper-kg/concept/heavy-tails") <= 0.10


def test_concept_rolls_up_narrower_papers_and_shows_evidence(demo_build):
    out = query(demo_build, "concept", "PEFT")
    r = out["rollup"]
    assert r["own"] == out["paper_count"] and r["total"] == r["own"] + r["via_narrower"]
    assert r["via_narrower"] > 0 and "LoRA" in {n["label"] for n in r["narrower"]}
    assert all(p["evidence"] for p in out["papers"])
    result = CliRunner().invoke(cli, ["concept", "PEFT", "--graph", str(demo_build)])
    line = result.output.splitlines()[2]
    assert line.startswith(f"  {r['total']} papers: {r['own']} parameter-efficient "
                           f"fine-tuning itself, {r['via_narrower']} via narrower concepts: ")


def test_an_ontology_concept_no_demo_paper_mentions_is_known(demo_build):
    for name in ("double descent", "RLHF"):
        result = CliRunner().invoke(cli, ["concept", name, "--graph", str(demo_build)])
        assert result.exit_code == 0, result.output
        assert "known concept, 0 papers in this graph" in result.output
        assert "did you mean" not in result.output


def test_perk_names_a_paper(demo_build):
    result = CliRunner().invoke(cli, ["concept", "PERK", "--graph", str(demo_build)])
    assert result.exit_code == 1
    assert "names the paper" in result.output and "PERK: Long-Context" in result.output


def test_communities_of_the_demo_are_named(demo_build):
    rows = query(demo_build, "communities")
    assert len(rows) == query(demo_build, "stats")["concept_communities"]
    for row in rows:
        assert row["name"] and row["concepts"] >= 2 and row["top_papers"]


def test_concept_over_parameterization_finds_every_spelling(demo_build):
    """Every paper whose text spells over-parameterization in any way is listed."""
    papers = [json.loads(l) for l in (demo_build / "papers.jsonl").read_text().splitlines()]
    spelled = {p["id"] for p in papers if OVERPARAM.search(p["title"] + " " + p["abstract"])}
    spellings = {m.group(0).lower() for p in papers
                 for m in OVERPARAM.finditer(p["title"] + " " + p["abstract"])}
    assert len(spellings) >= 3  # the corpus really uses several spellings
    out = query(demo_build, "concept", "over-parameterization", "--limit", "1000")
    assert {p["id"] for p in out["papers"] if p["via"] is None} == spelled


def test_unknown_concept_suggests_close_matches(demo_build):
    result = CliRunner().invoke(cli, ["concept", "overparametrisaton", "--graph", str(demo_build)])
    assert result.exit_code == 1
    assert "over-parameterization" in result.output and "Traceback" not in result.output


def test_stats_reports_the_demo_graph(demo_build):
    out = query(demo_build, "stats")
    assert out["nodes"]["paper"] == 55
    assert out["nodes"]["concept"] > 100
