"""The RDF of a build is standard RDF: every serialization parses back (rdflib and raptor's
`rapper`) into the same graph, the dataset formats hold the named graphs, the vocabulary is
declared, and the SHACL shapes of ontology/shapes.ttl hold (pySHACL) -- or fail readably."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDF, RDFS, SKOS

from kg.export import export
from kg.export.formats import FORMATS
from kg.iris import (
    BUILD_GRAPH,
    EVIDENCE_GRAPH,
    LINKS_GRAPH,
    NAMED_GRAPHS,
    ONTOLOGY_GRAPH,
    PAPERS_GRAPH,
    VOCAB_NS,
)
from kg.model.store import load_model
from kg.ontology import ontology_files

ONTOLOGY = Path(ontology_files()[0]).parent
SHAPES = ONTOLOGY / "shapes.ttl"
KGV = rdflib.Namespace(VOCAB_NS)
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
#: our format name -> (rdflib parser, rapper parser or None: raptor does not read JSON-LD)
PARSERS = {"turtle": ("turtle", "turtle"), "ntriples": ("nt", "ntriples"),
           "nquads": ("nquads", "nquads"), "trig": ("trig", "trig"),
           "rdfxml": ("xml", "rdfxml"), "jsonld": ("json-ld", None)}
DATASETS = ("nquads", "trig", "jsonld")


@pytest.fixture(scope="module")
def exports(demo_build, tmp_path_factory) -> dict[str, Path]:
    """Every RDF serialization of the seed (demo) build, as `kg export` writes them."""
    out = tmp_path_factory.mktemp("rdf-exports")
    model = load_model(demo_build)
    return {fmt: export(model, fmt, out / FORMATS[fmt].file_name) for fmt in PARSERS}


@pytest.fixture(scope="module")
def reference(demo_build) -> rdflib.Graph:
    """The build's graph.ttl: the union of its named graphs."""
    return rdflib.Graph().parse(demo_build / "graph.ttl", format="turtle")


@pytest.fixture(scope="module")
def canonical(reference) -> set[str]:
    return _canonical(reference)


def _canonical(g: rdflib.Graph) -> set[str]:
    """The triples of ``g`` with canonical blank node labels (pyoxigraph's canonicalization,
    in Rust): two graphs are isomorphic exactly when these sets are equal. (rdflib's own
    isomorphism test takes minutes on a graph of this size.)"""
    data = g.serialize(format="nt", encoding="utf-8")
    dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def _union(path: Path, parser: str, dataset: bool) -> rdflib.Graph:
    if not dataset:
        return rdflib.Graph().parse(path, format=parser)
    ds = rdflib.Dataset()
    ds.parse(path, format=parser)
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")
@pytest.mark.parametrize("fmt", list(PARSERS))
def test_every_serialization_parses_back_with_rdflib(exports, reference, canonical, fmt):
    g = _union(exports[fmt], PARSERS[fmt][0], fmt in DATASETS)
    assert len(g) == len(reference) > 1000
    assert _canonical(g) == canonical


@pytest.mark.parametrize("fmt", [f for f, (_, r) in PARSERS.items() if r])
def test_every_serialization_parses_back_with_rapper(exports, canonical, fmt, tmp_path):
    rapper = shutil.which("rapper")
    if rapper is None:
        pytest.skip("rapper (Debian raptor2-utils) is not installed; .ci/run installs it")
    done = subprocess.run([rapper, "-q", "-i", PARSERS[fmt][1], "-o", "nquads",
                           str(exports[fmt])], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    quads = tmp_path / "rapper.nq"
    quads.write_bytes(done.stdout)
    assert _canonical(_union(quads, "nquads", True)) == canonical
    if fmt in DATASETS:  # raptor sees the same named graphs
        contexts = {line.rsplit(" ", 2)[1] for line in done.stdout.decode().splitlines()}
        assert contexts == {f"<{iri}>" for iri in NAMED_GRAPHS}


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")
@pytest.mark.parametrize("fmt", DATASETS)
def test_dataset_formats_hold_each_part_in_its_named_graph(exports, fmt):
    ds = rdflib.Dataset()
    ds.parse(exports[fmt], format=PARSERS[fmt][0])
    graphs = {str(g.identifier): g for g in ds.graphs() if len(g)}
    assert set(graphs) == set(NAMED_GRAPHS)
    ontology, papers, evidence, links, build = (graphs[i] for i in (
        ONTOLOGY_GRAPH, PAPERS_GRAPH, EVIDENCE_GRAPH, LINKS_GRAPH, BUILD_GRAPH))
    assert set(ontology.subjects(RDF.type, SKOS.Concept)) and not set(papers.subjects(RDF.type, SKOS.Concept))
    assert set(papers.subjects(RDF.type, KGV.Paper)) and not set(evidence.subjects(RDF.type, KGV.Paper))
    assert set(evidence.subjects(RDF.type, OA.Annotation))
    assert set(links.triples((None, KGV.cooccursWith, None)))
    assert not set(papers.triples((None, KGV.similarTo, None)))
    assert set(build.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/prov#Activity")))
    # each annotation's body and each target's paper are in the ontology and papers graphs
    assert set(evidence.objects(None, OA.hasBody)) <= set(ontology.subjects(RDF.type, SKOS.Concept))
    assert set(evidence.objects(None, OA.hasSource)) <= set(papers.subjects(RDF.type, KGV.Paper))


def test_every_kgv_term_is_declared_with_label_comment_domain_and_range():
    from kg.export.rdf.vocab import KGV as VOCAB

    declared = rdflib.Graph().parse(ONTOLOGY / "vocab.ttl", format="turtle")
    declared.parse(ONTOLOGY / "scheme.ttl", format="turtle")  # the concept type classes
    classes = {"Paper", "Author", "Concept", "DiscoveredConcept", "Method", "Model", "Task",
               "Dataset", "Metric", "Phenomenon", "Theory", "Field"}
    terms = [t for t in VOCAB.__annotations__ if not t.startswith("_")]
    assert {"cooccursWith", "firstMentioned", "community", "rdfModelVersion"} <= set(terms)
    for term in terms:
        iri = KGV[term]
        assert declared.value(iri, RDFS.label) is not None, term
        assert declared.value(iri, RDFS.comment) is not None, term
        if term not in classes:
            assert declared.value(iri, RDFS.domain) is not None, term
            assert declared.value(iri, RDFS.range) is not None or term == "firstMentioned", term


def _validate(data: rdflib.Graph) -> tuple[bool, str]:
    from pyshacl import validate

    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, _, text = validate(data, shacl_graph=shapes, inference="none")
    return conforms, text


def test_the_seed_build_conforms_to_the_shapes(reference):
    conforms, report = _validate(reference)
    assert conforms, report


def test_the_fixture_model_conforms_to_the_shapes():
    from kg.export.rdf import to_rdflib
    from tests.conftest import FIXTURES, load_module

    fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_shapes")
    conforms, report = _validate(to_rdflib(fx.model()))
    assert conforms, report


def test_a_broken_graph_fails_with_a_readable_report(reference):
    g = rdflib.Graph()
    for t in reference:
        g.add(t)
    a, b = next(iter(g.subject_objects(KGV.cooccursWith)))
    g.remove((b, KGV.cooccursWith, a))  # a link in one direction only
    concept = next(iter(g.subjects(RDF.type, SKOS.Concept)))
    g.add((concept, SKOS.prefLabel, rdflib.Literal("second label", lang="en")))
    annotation = next(iter(g.subjects(RDF.type, OA.Annotation)))
    g.remove((annotation, OA.hasBody, None))
    position = next(iter(g.subjects(RDF.type, OA.TextPositionSelector)))
    g.set((position, OA.start, rdflib.Literal(10 ** 6)))
    conforms, report = _validate(g)
    assert not conforms
    assert "kgv:cooccursWith is written in both directions" in report
    assert "exactly one skos:prefLabel in English" in report
    assert "an annotation has one body: the concept mentioned" in report
    assert "LessThan" in report
    assert str(b) in report and str(concept) in report and str(annotation) in report


@pytest.mark.slow
def test_a_2000_paper_arxiv_build_conforms(tmp_path):
    """A build of 2,000 real arXiv CS abstracts (../shared) satisfies the shapes too."""
    from click.testing import CliRunner

    from kg.cli import cli
    from tests.conftest import SHARED

    source = next(iter(sorted((SHARED / "data" / "arxiv-cs").glob("*.jsonl"))), None)
    if source is None:
        pytest.skip("the shared arXiv CS abstracts are not here")
    subset = tmp_path / "arxiv-2000.jsonl"
    with open(source, encoding="utf-8") as fh, open(subset, "w", encoding="utf-8") as out:
        for i, line in enumerate(fh):
            if i == 2000:
                break
            json.loads(line)
            out.write(line)
    result = CliRunner().invoke(cli, ["build", str(subset), "-o", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 0, result.output
    g = rdflib.Graph().parse(tmp_path / "out" / "graph.ttl", format="turtle")
    assert len(set(g.subjects(RDF.type, KGV.Paper))) == 2000
    conforms, report = _validate(g)
    assert conforms, report[:3000]
