"""kg.export.rdf's model writer: the Turtle of a GraphModel, written straight from its columns, is
byte for byte what the generic writer makes of the same graph (the model's view and its
networkx graph), and an irregular model falls back to the generic writer."""
from __future__ import annotations

import copy
import io

import pytest

from kg.export.rdf import writer as rdf
from kg.model import GraphModel
from tests.conftest import FIXTURES, load_module

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_rdf_model")
C = "https://w3id.org/paper-kg/concept/"


def generic(G, fmt: str = "turtle") -> bytes:
    """What the generic (networkx-shaped) text writer writes of ``G``."""
    buf = io.BytesIO()
    rdf._write_text(G, buf, fmt, False)
    return buf.getvalue()


@pytest.fixture(scope="module")
def model() -> GraphModel:
    return GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)


def _concept(slug: str, label: str, source: str = "ontology", ctype=None, n: int = 1) -> dict:
    return {"iri": C + slug, "label": label, "source": source, "type": ctype,
            "mentions": [{"field": "abstract", "start": 0, "end": len(label), "text": label,
                          "sentence": label + " here."}] * n}


@pytest.fixture(scope="module")
def odd_model() -> GraphModel:
    """Texts that need escaping, odd dates, URLs and ids, shared and repeated authors."""
    papers = [
        {"id": "2101.00001", "title": 'Quotes " and \\ back\nslash\ttab\r',
         "abstract": "é 😀 \u2028 \x00 \x7f lone \ud800 surrogate", "date": "2025-02-30",
         "url": "not a url", "source": "arxiv",
         "authors": ["Ada Lovelace", "Alan Turing", "Ada  Lovelace", "  "]},
        {"id": "10.1002/spe.2984", "title": "", "abstract": "", "date": "2025",
         "url": " https://example.org/a ", "source": "",
         "authors": ["Alan Turing", "Émilie du Châtelet"]},
        {"id": "p3", "title": "Third", "abstract": "LoRA and NTK.",
         "date": "2025-03-01T10:00:00Z", "url": "https://w3id.org/paper-kg/paper/p3",
         "source": "openalex", "authors": []},
        {"id": "p4", "title": "Fourth", "abstract": "x", "date": "March 2025",
         "url": "https://example.org/has space", "source": "hf", "authors": ["Z"]},
        {"id": "p5", "title": "Fifth", "abstract": "y", "date": "2025-13", "url": None,
         "authors": ["Ada Lovelace"]},
        {"id": "p6", "title": "Sixth", "abstract": "z", "url": "http://arxiv.org:80/abs/./x"},
        {"id": "p7", "title": "Seventh", "abstract": "z", "url": "https://a.b/%41/~x//y?q=1"},
        {"id": "p8", "title": "Eighth", "abstract": "z", "url": "https://a.b/%4/x"},
        {"id": "p9", "title": "Ninth", "abstract": "z", "url": "https://arxiv.org/abs/2101.1v2"},
        {"id": "p10", "title": "Tenth", "abstract": "z", "url": "_:x"},
    ]
    concepts = [
        _concept("lora", "LoRA", ctype="Method"),
        _concept("ntk", "NTK", ctype="theory"),
        _concept("x/weird-thing", 'Weird "thing"', source="discovered"),
        _concept("x/other", "other", source="discovered", ctype="Unknown"),
    ]
    records = [{"id": p["id"], "title": p["title"], "abstract": p["abstract"],
                "concepts": concepts[: 2 + i % 3]} for i, p in enumerate(papers)]
    return GraphModel.build(papers, records, fx.ontology(), max_df=1.0, min_cooccurrence=1,
                            min_npmi=-1.0, min_discovered_papers=1)


@pytest.mark.parametrize("chunk", [None, 3])
@pytest.mark.parametrize("which", ["model", "odd_model"])
def test_model_turtle_is_the_generic_writers_turtle(which, chunk, request, monkeypatch):
    m = request.getfixturevalue(which)
    if chunk:  # papers' edges are read a block of papers at a time
        monkeypatch.setattr(rdf, "_CHUNK_NODES", chunk)
    assert m.counts()["edges"].get("mentions")
    fast = rdf.serialize(m.view(), "turtle")
    assert fast == generic(m.view())
    assert fast == generic(m.to_networkx())
    assert rdf.serialize(m, "turtle") == fast  # the model itself is accepted too
    trig = rdf.serialize(m.view(), "trig")
    assert trig == generic(m.view(), "trig") == generic(m.to_networkx(), "trig")


def test_model_turtle_round_trips_every_triple(odd_model):
    import pyoxigraph as ox

    fast = rdf.serialize(odd_model.view(), "turtle")
    nt = rdf.serialize(odd_model.view(), "nt")
    a = ox.Store()
    a.load(fast, format=ox.RdfFormat.TURTLE)
    b = ox.Store()
    b.load(nt, format=ox.RdfFormat.N_TRIPLES)
    assert len(a) == len(b) > 50
    assert b"?" in fast  # the lone surrogate, as the generic writer writes it


def test_the_model_writer_is_what_write_rdf_uses(model, tmp_path, monkeypatch):
    calls = []
    real = rdf._write_model_turtle

    def spy(m, fh, fmt):
        calls.append(m)
        return real(m, fh, fmt)

    monkeypatch.setattr(rdf, "_write_model_turtle", spy)
    rdf.write_rdf(model.view(), tmp_path / "g.ttl")
    assert calls == [model]
    rdf.write_rdf(model.view(), tmp_path / "g.nt", "nt")  # other formats: generic writer
    rdf.write_rdf(model.view(), tmp_path / "d.ttl", detail=True)
    assert calls == [model]


def test_an_irregular_model_falls_back_to_the_generic_writer(model):
    # authors no longer sort before concepts: the nodes' sorted order interleaves kinds
    m = copy.copy(model)
    m.author_iris = ["https://w3id.org/paper-kg/zz/" + a.rsplit("/", 1)[1]
                     for a in model.author_iris]
    m._index = None
    assert not rdf._model_is_regular(m)
    assert rdf._write_model_turtle(m, io.BytesIO()) is False
    assert rdf.serialize(m.view(), "turtle") == generic(m.view())
    # a paper mentioning one concept twice
    m = copy.copy(model)
    m.m_concept = model.m_concept.copy()
    k = next(k for k in range(len(m.paper_iris)) if m.m_ptr[k + 1] - m.m_ptr[k] >= 2)
    m.m_concept[m.m_ptr[k] + 1] = m.m_concept[m.m_ptr[k]]
    assert not rdf._model_is_regular(m)
    assert rdf._model_is_regular(model)


def test_an_invalid_iri_in_a_model_is_an_export_error(model):
    m = copy.copy(model)
    m.paper_iris = [*model.paper_iris[:-1], model.paper_iris[-1] + " x"]
    m._index = None
    with pytest.raises(rdf.ExportError, match="not a valid IRI"):
        rdf.serialize(m.view(), "turtle")


@pytest.mark.parametrize("turtle", [True, False])
def test_render_nodes_is_render(turtle):
    base = rdf.BASE
    iris = [
        base + "paper/2101.00001", base + "paper/10.1002%2Fspe.2984", base + "paper/a%zz",
        base + "paper/.hidden", base + "paper/..", base + "concept/x/weird-thing",
        base + "concept/x/", base + "concept/", base + "author/ada~lovelace",
        base + "author/émilie", base + "author/a b", base + "paper/x#frag", base + "paper/-x",
        base + "paper/x.", base + "paper/x_y", base + "zz/other", base + "paper//x",
        "https://example.org/a", "_:au123", rdf.VOCAB_NS + "Paper",
    ]
    w = rdf._TextWriter("turtle" if turtle else "ntriples")
    expected = []
    for v in iris:
        try:
            expected.append(w.render(v))
        except rdf.ExportError:
            expected.append("error")
    got = []
    for v in iris:
        try:
            got.append(w.render_nodes([v])[0])
        except rdf.ExportError:
            got.append("error")
    assert got == expected
    assert "error" in expected and any(t.startswith("paper:") for t in expected) == turtle
