"""Shared test fixtures. Data from ../shared is optional: tests needing it skip cleanly."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """Path under ../shared, skipping the calling test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared data not available: {path}")
    return path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The Daily Papers seed page (the demo corpus)."""
    return shared_path("data", "seed", "daily-papers-overparameterization.txt")


@pytest.fixture(scope="session")
def formats_dir() -> Path:
    return shared_path("data", "formats")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """``kg build --demo`` run once per test session; tests must not modify it."""
    from click.testing import CliRunner

    from kg.cli import cli

    out = tmp_path_factory.mktemp("demo") / "kg-out"
    result = CliRunner().invoke(cli, ["build", "--demo", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def load_module(path: Path, name: str):
    """Import a helper module by file path (tests/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
