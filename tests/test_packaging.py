"""What a wheel must carry: the ontology and the demo corpus, inside the package."""
from __future__ import annotations

from pathlib import Path

import kg
from kg.ontology import load_ontology, ontology_files
from kg.build.pipeline import DEMO_CORPUS

PACKAGE = Path(kg.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[1]


def test_ontology_files_are_found_and_load():
    files = ontology_files()
    assert {f.name for f in files} >= {"ml.ttl", "scheme.ttl"}
    assert len(load_ontology()) >= 300


def test_installed_package_carries_its_own_data():
    """Under a non-editable install (as CI runs) nothing is read from the source tree."""
    installed = REPO not in PACKAGE.parents
    assert PACKAGE in DEMO_CORPUS.resolve().parents
    assert DEMO_CORPUS.stat().st_size > 50_000
    if installed:
        assert all(PACKAGE in f.resolve().parents for f in ontology_files())
