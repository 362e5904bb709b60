"""The command line as a whole: help texts, version, formats, ``python -m kg``."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kg import __version__
from kg.cli import cli

COMMANDS = sorted(cli.commands)


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
    assert {"build", "extract", "eval", "formats", "stats", "concept", "related", "path",
            "suggest"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {name}" in result.output or f"Usage: kg {name}" in result.output
    assert "xample" in result.output, f"kg {name} --help shows no example"


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_formats_lists_every_reader():
    from kg.ingest import available_readers

    result = CliRunner().invoke(cli, ["formats", "--json"])
    assert result.exit_code == 0
    names = [row["name"] for row in json.loads(result.output)]
    assert names == available_readers()
    assert {"daily-papers", "arxiv-atom", "bibtex", "openalex", "csv", "jsonl"} <= set(names)


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["bulid"])
    assert result.exit_code == 2 and "No such command" in result.output


def test_python_dash_m_kg_runs():
    proc = subprocess.run([sys.executable, "-m", "kg", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "build" in proc.stdout


@pytest.mark.parametrize("fmt,name", [("gexf", "g.gexf"), ("ttl", "g.ttl"), ("nt", "g.nt"),
                                      ("jsonld", "g.jsonld"), ("graphml", "g.graphml")])
def test_export_writes_each_format(demo_build, tmp_path, fmt, name):
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", "--graph", str(demo_build), "--to", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000


def test_export_gexf_and_csv_open_in_networkx(demo_build, tmp_path):
    import csv

    import networkx as nx

    CliRunner().invoke(cli, ["export", "--graph", str(demo_build), "--to", "gexf", "-o", str(tmp_path / "g.gexf")])
    G = nx.read_gexf(tmp_path / "g.gexf")
    assert sum(1 for _, k in G.nodes(data="kind") if k == "paper") == 55
    result = CliRunner().invoke(cli, ["export", "--graph", str(demo_build), "--to", "csv", "-o", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "csv" / "edges.csv", newline="", encoding="utf-8") as fh:
        relations = {row["relation"] for row in csv.DictReader(fh)}
    assert {"mentions", "similar", "cooccurs", "broader"} <= relations


def test_export_rejects_unknown_format_and_misplaced_detail(demo_build, tmp_path):
    result = CliRunner().invoke(cli, ["export", "--graph", str(demo_build), "--to", "svg", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "graphml" in result.output
    result = CliRunner().invoke(cli, ["export", "--graph", str(demo_build), "--to", "gexf", "--detail", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "RDF" in result.output
