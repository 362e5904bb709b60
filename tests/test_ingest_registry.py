"""Reader registry: names, aliases, plugins through the kg.readers entry-point group."""
from __future__ import annotations

import importlib.metadata
import textwrap

import pytest

from kg.errors import PluginError, UnknownFormatError
from kg.ingest import available_readers, get_reader, iter_records, register_reader, registry
from kg.ingest.registry import Reader, reader_aliases

BUILTIN = ["daily-papers", "arxiv-atom", "arxiv-oai", "arxiv-cs", "hf-papers",
           "semantic-scholar", "openalex", "bibtex", "csv", "tsv", "json", "jsonl"]


def test_builtin_names_and_aliases():
    assert available_readers()[:len(BUILTIN)] == BUILTIN
    for alias, name in [("json-lines", "jsonl"), ("JSONL", "jsonl"), ("ndjson", "jsonl"),
                        ("s2", "semantic-scholar"), ("atom", "arxiv-atom"), ("bib", "bibtex"),
                        ("hf", "hf-papers"), ("daily_papers", "daily-papers"),
                        ("arxiv-kaggle", "arxiv-oai")]:
        assert get_reader(alias).name == name
    assert "json-lines" in reader_aliases()["jsonl"]
    assert all(get_reader(n).description for n in BUILTIN)


def test_unknown_name_lists_choices():
    with pytest.raises(UnknownFormatError) as info:
        get_reader("endnote")
    message = str(info.value)
    assert "'endnote'" in message and all(name in message for name in BUILTIN)


@pytest.fixture
def clean_registry(monkeypatch):
    """Isolate registry state so plugin tests do not leak readers."""
    monkeypatch.setattr(registry, "_READERS", dict(registry._READERS))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))
    monkeypatch.setattr(registry, "_plugins_loaded", False)


def fake_entry_points(monkeypatch, *eps):
    def entry_points(group=None):
        assert group == registry.ENTRY_POINT_GROUP
        return list(eps)
    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_plugin_reader_loads_lazily(clean_registry, monkeypatch, tmp_path):
    module = tmp_path / "kgplugin_lines.py"
    module.write_text(textwrap.dedent('''
        from kg.ingest import Reader
        from kg.types import Paper
        LOADS = []
        def read(path):
            for i, line in enumerate(open(path, encoding="utf-8"), 1):
                title, _, abstract = line.strip().partition("|")
                yield Paper(id=f"L{i}", title=title, abstract=abstract, source="lines")
        def make():
            LOADS.append(1)
            return Reader(name="lines", read=read, suffixes=(".lines",),
                          sniff=lambda path, head: "|" in head, description="title|abstract")
    '''), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = importlib.metadata.EntryPoint("lines", "kgplugin_lines:make", registry.ENTRY_POINT_GROUP)
    fake_entry_points(monkeypatch, ep)
    import kgplugin_lines

    assert "lines" in available_readers()
    assert kgplugin_lines.LOADS == []  # listed without loading
    data = tmp_path / "papers.lines"
    data.write_text("A title|An abstract\n", encoding="utf-8")
    (paper,) = iter_records(data)  # detection falls back to plugins
    assert (paper.id, paper.title, paper.source) == ("L1", "A title", "lines")
    assert get_reader("lines").plugin == "kgplugin_lines:make"
    assert kgplugin_lines.LOADS == [1]


def test_broken_plugin_is_named(clean_registry, monkeypatch):
    ep = importlib.metadata.EntryPoint("broken", "no_such_module_kg:READER",
                                       registry.ENTRY_POINT_GROUP)
    fake_entry_points(monkeypatch, ep)
    with pytest.raises(PluginError) as info:
        get_reader("broken")
    assert "'broken'" in str(info.value) and "no_such_module_kg:READER" in str(info.value)
    assert get_reader("jsonl").name == "jsonl"  # built-ins unaffected


def test_register_reader_rejects_taken_names(clean_registry):
    reader = Reader(name="jsonl", read=lambda path: iter(()))
    with pytest.raises(PluginError, match="already registered"):
        register_reader(reader)
    with pytest.raises(PluginError, match="already used"):
        register_reader(Reader(name="mine", read=lambda path: iter(()), aliases=("bib",)))
    mine = register_reader(Reader(name="mine", read=lambda path: iter(()), aliases=("mine2",)))
    assert get_reader("MINE2") is mine


def test_plugin_that_is_not_a_reader_or_clashes(clean_registry, monkeypatch):
    not_reader = importlib.metadata.EntryPoint("weird", "os:getcwd", registry.ENTRY_POINT_GROUP)
    clash = importlib.metadata.EntryPoint("clash", "kg.ingest.generic:JSONL",
                                          registry.ENTRY_POINT_GROUP)
    fake_entry_points(monkeypatch, not_reader, clash)
    with pytest.raises(PluginError, match="'weird'.*not a kg.ingest.Reader"):
        get_reader("weird")
    with pytest.raises(PluginError, match="already registered"):
        get_reader("clash")
