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


def test_concept_over_parameterization_finds_every_spelling(demo_build):
    """Every paper whose text spells over-parameterization in any way is listed."""
    papers = [json.loads(l) for l in (demo_build / "papers.jsonl").read_text().splitlines()]
    spelled = {p["id"] for p in papers if OVERPARAM.search(p["title"] + " " + p["abstract"])}
    spellings = {m.group(0).lower() for p in papers
                 for m in OVERPARAM.finditer(p["title"] + " " + p["abstract"])}
    assert len(spellings) >= 3  # the corpus really uses several spellings
    out = query(demo_build, "concept", "over-parameterization")
    assert {p["id"] for p in out["papers"]} == spelled


def test_unknown_concept_suggests_close_matches(demo_build):
    result = CliRunner().invoke(cli, ["concept", "overparametrisaton", "--graph", str(demo_build)])
    assert result.exit_code == 1
    assert "over-parameterization" in result.output and "Traceback" not in result.output


def test_stats_reports_the_demo_graph(demo_build):
    out = query(demo_build, "stats")
    assert out["nodes"]["paper"] == 55
    assert out["nodes"]["concept"] > 100
