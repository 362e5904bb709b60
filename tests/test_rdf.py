"""The RDF view (kg.export.rdf): modelling, formats, SPARQL, atomic and deterministic writes."""
from __future__ import annotations


import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS

from kg.export.rdf import writer as rdf
from kg.export.formats import FORMATS
from kg.errors import ExportError, KGError
from kg.export.rdf import graph_to_quads, graph_to_triples, to_rdflib, to_store, write_rdf
from kg.iris import (
    BUILD_GRAPH,
    EVIDENCE_GRAPH,
    LINKS_GRAPH,
    NAMED_GRAPHS,
    ONTOLOGY_GRAPH,
    PAPERS_GRAPH,
)
from tests.conftest import FIXTURES, load_module

graphs = load_module(FIXTURES / "export" / "graphs.py", "export_graphs")

KGV = rdflib.Namespace("https://w3id.org/paper-kg/vocab#")
SCHEMA = rdflib.Namespace("http://schema.org/")
PREFIXES = """
PREFIX kgv: <https://w3id.org/paper-kg/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""
# our name -> rdflib parser name
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                 "rdfxml": "xml", "jsonld": "json-ld"}


@pytest.fixture()
def G():
    return graphs.small_graph()


def parse_ttl(path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


def test_turtle_parses_with_rdflib_and_pyoxigraph(G, tmp_path):
    out = write_rdf(G, tmp_path / "graph.ttl")
    g = parse_ttl(out)
    ox_triples = list(ox.parse(path=str(out), format=ox.RdfFormat.TURTLE))
    assert len(g) == len(ox_triples) == sum(1 for _ in graph_to_triples(G))
    text = out.read_text(encoding="utf-8")
    for prefix in ("kgv", "skos", "dcterms", "foaf", "xsd", "concept", "paper", "prov"):
        assert f"@prefix {prefix}: <" in text


def test_every_paper_has_a_title_and_every_concept_a_preflabel(G, tmp_path):
    g = parse_ttl(write_rdf(G, tmp_path / "graph.ttl"))
    papers = set(g.subjects(RDF.type, KGV.Paper))
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert {str(p) for p in papers} == {graphs.P1, graphs.P2, graphs.P3}
    assert {str(c) for c in concepts} == {graphs.LORA, graphs.NTK, graphs.FINETUNING, graphs.SPECTRAL}
    for p in papers:
        assert g.value(p, DCTERMS.title) is not None
    for c in concepts:
        label = g.value(c, SKOS.prefLabel)
        assert label is not None and label.language == "en"


def test_modelling_of_papers_concepts_and_authors(G):
    g = to_rdflib(G)
    p1, p2, p3 = (rdflib.URIRef(x) for x in (graphs.P1, graphs.P2, graphs.P3))
    assert g.value(p1, DCTERMS.identifier) == rdflib.Literal("2106.09685")
    assert g.value(p1, KGV.arxivId) == rdflib.Literal("2106.09685")
    assert g.value(p2, KGV.arxivId) is None
    assert set(g.objects(p1, RDF.type)) == {KGV.Paper, SCHEMA.ScholarlyArticle}
    assert g.value(p1, DCTERMS.created) == rdflib.Literal("2021-06-17", datatype=rdflib.namespace.XSD.date)
    assert g.value(p2, DCTERMS.created) == rdflib.Literal("2021-05", datatype=rdflib.namespace.XSD.gYearMonth)
    assert g.value(p3, DCTERMS.created) is None
    assert g.value(p1, SCHEMA.url) == rdflib.URIRef("https://arxiv.org/abs/2106.09685")
    assert g.value(p3, SCHEMA.url) == rdflib.Literal("not a url")  # kept, as text
    assert g.value(p3, DCTERMS.abstract) is None  # empty abstract: no triple
    assert str(g.value(p1, DCTERMS.abstract)) == G.nodes[graphs.P1]["abstract"]
    lora, spectral = rdflib.URIRef(graphs.LORA), rdflib.URIRef(graphs.SPECTRAL)
    assert set(g.objects(lora, RDF.type)) == {SKOS.Concept, KGV.Concept, KGV.Method}
    assert set(g.objects(spectral, RDF.type)) == {SKOS.Concept, KGV.Concept, KGV.DiscoveredConcept}
    assert set(g.objects(lora, SKOS.altLabel)) == {
        rdflib.Literal("low-rank adaptation", lang="en"), rdflib.Literal("LoRA adapters", lang="en")}
    assert g.value(lora, SKOS.broader) == rdflib.URIRef(graphs.FINETUNING)
    assert g.value(lora, SKOS.definition).language == "en"
    assert g.value(lora, KGV.paperCount).toPython() == 2
    assert (lora, SKOS.inScheme, rdflib.URIRef("https://w3id.org/paper-kg/ontology")) in g
    assert (spectral, SKOS.inScheme, None) not in g
    # symmetric links in both directions
    assert (lora, KGV.cooccursWith, spectral) in g and (spectral, KGV.cooccursWith, lora) in g
    assert (p1, KGV.similarTo, p2) in g and (p2, KGV.similarTo, p1) in g
    assert set(g.objects(p1, DCTERMS.subject)) == {lora, spectral}
    # the first dated paper mentioning a concept
    assert g.value(spectral, KGV.firstMentioned) == rdflib.Literal(
        "2021-05", datatype=rdflib.namespace.XSD.gYearMonth)
    scheme = rdflib.URIRef("https://w3id.org/paper-kg/ontology")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    # fine-tuning has no broader concept: a top concept; LoRA is under it
    assert set(g.objects(scheme, SKOS.hasTopConcept)) == {
        rdflib.URIRef(graphs.FINETUNING), rdflib.URIRef(graphs.NTK)}
    ada = rdflib.URIRef(graphs.ADA)
    assert set(g.objects(ada, RDF.type)) == {FOAF.Person, KGV.Author}
    assert g.value(ada, FOAF.name) == rdflib.Literal("Ada Lovelace")
    assert set(g.objects(p1, DCTERMS.creator)) == {ada, rdflib.URIRef(graphs.GRACE)}
    # default: no reified details
    assert (None, RDF.type, RDF.Statement) not in g


def test_sparql_finds_papers_mentioning_a_concept(G, tmp_path):
    query = PREFIXES + """
        SELECT ?paper ?title WHERE {
          ?c skos:prefLabel "LoRA"@en . ?paper dcterms:subject ?c ; dcterms:title ?title }
        ORDER BY ?paper"""
    store = to_store(G)
    rows = [(r["paper"].value, r["title"].value)
            for r in store.query(query, use_default_graph_as_union=True)]
    assert [p for p, _ in rows] == sorted([graphs.P1, graphs.P3])
    # the same from the written file
    file_store = ox.Store()
    file_store.load(path=str(write_rdf(G, tmp_path / "g.ttl")), format=ox.RdfFormat.TURTLE)
    assert [r["paper"].value for r in file_store.query(query)] == [p for p, _ in rows]


def test_author_order_through_qualified_attribution(G):
    query = PREFIXES + f"""
        SELECT ?name WHERE {{
          <{graphs.P1}> prov:qualifiedAttribution ?q . ?q prov:agent ?a ; kgv:authorPosition ?pos .
          ?a foaf:name ?name }} ORDER BY ?pos"""
    rows = to_store(G).query(query, use_default_graph_as_union=True)
    assert [r["name"].value for r in rows] == ["Grace Hopper", "Ada Lovelace"]


def test_detail_reifies_edges_with_their_attributes(G):
    store = to_store(G, detail=True, store=None)
    union = {"use_default_graph_as_union": True}
    query = PREFIXES + f"""
        SELECT ?n ?score WHERE {{
          ?m rdf:subject <{graphs.P1}> ; rdf:predicate dcterms:subject ; rdf:object <{graphs.LORA}> ;
             kgv:mentionCount ?n ; kgv:score ?score }}"""
    (row,) = list(store.query(query, **union))
    assert int(row["n"].value) == 3 and float(row["score"].value) == 0.95
    ev = PREFIXES + f"""
        SELECT ?e WHERE {{ ?m rdf:subject <{graphs.P1}> ; rdf:object <{graphs.LORA}> ; kgv:evidence ?e }}"""
    assert {r["e"].value for r in store.query(ev, **union)} == set(
        G.edges[graphs.P1, graphs.LORA, "mentions"]["evidence"])
    sim = PREFIXES + f"""
        SELECT ?w ?c WHERE {{ ?s rdf:subject <{graphs.P1}> ; rdf:predicate kgv:similarTo ;
          rdf:object <{graphs.P2}> ; kgv:similarity ?w ; kgv:sharedConcept ?c }}"""
    (row,) = list(store.query(sim, **union))
    assert float(row["w"].value) == 0.412346 and row["c"].value == graphs.SPECTRAL  # 6 decimals
    co = PREFIXES + """SELECT ?npmi ?support WHERE { ?s rdf:predicate kgv:cooccursWith ;
          kgv:npmi ?npmi ; kgv:support ?support }"""
    (row,) = list(store.query(co, **union))
    assert float(row["npmi"].value) == 0.25 and int(row["support"].value) == 3
    # a mention without a score has no kgv:score, but still its count
    n_plain = sum(1 for _ in graph_to_triples(G))
    assert sum(1 for _ in graph_to_triples(G, detail=True)) > n_plain


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib.*")
@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"])
def test_every_format_round_trips(G, tmp_path, fmt):
    out = write_rdf(G, tmp_path / f"graph.{fmt}", fmt, detail=True)
    reference = to_rdflib(G, detail=True)
    if fmt in ("nquads", "trig", "jsonld"):
        parsed = rdflib.Dataset().parse(out, format=RDFLIB_FORMAT[fmt])
        g = rdflib.Graph()
        for s, p, o, _ in parsed.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        g = rdflib.Graph().parse(out, format=RDFLIB_FORMAT[fmt])
    assert isomorphic(g, reference)
    ox_format = getattr(ox.RdfFormat, FORMATS[fmt].oxigraph)
    assert len(list(ox.parse(path=str(out), format=ox_format))) == len(reference)


@pytest.mark.parametrize("alias,canonical", [
    ("ttl", "turtle"), ("TTL", "turtle"), ("nt", "ntriples"), ("n-triples", "ntriples"),
    ("nq", "nquads"), ("xml", "rdfxml"), ("rdf/xml", "rdfxml"), ("pretty-xml", "rdfxml"),
    ("json-ld", "jsonld"), ("jsonld", "jsonld"), ("trig", "trig")])
def test_format_aliases(G, tmp_path, alias, canonical):
    assert rdf.rdf_format(alias) == canonical
    a = write_rdf(G, tmp_path / "a", alias).read_bytes()
    b = write_rdf(G, tmp_path / "b", canonical).read_bytes()
    assert a == b


def test_unknown_format_names_the_choices(G, tmp_path):
    with pytest.raises(ExportError) as info:
        write_rdf(G, tmp_path / "g.x", "n3")
    assert isinstance(info.value, KGError)
    for name in ("turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"):
        assert name in str(info.value)
    assert not (tmp_path / "g.x").exists()


def test_failed_write_leaves_the_existing_file_intact(G, tmp_path, monkeypatch):
    target = tmp_path / "graph.ttl"
    target.write_text("previous build\n", encoding="utf-8")
    real_groups = rdf._groups

    def failing(*args, **kwargs):
        for i, item in enumerate(real_groups(*args, **kwargs)):
            if i == 20:  # well after the first bytes went out
                raise RuntimeError("disk on fire")
            yield item

    monkeypatch.setattr(rdf, "_groups", failing)
    monkeypatch.setattr(rdf, "_CHUNK_GROUPS", 1)  # flush every group: bytes are out before
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_rdf(G, target)
    assert target.read_text(encoding="utf-8") == "previous build\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]  # no temporary left


def test_failed_pyoxigraph_write_leaves_the_existing_file_intact(G, tmp_path, monkeypatch):
    target = tmp_path / "graph.rdf"
    target.write_bytes(b"<old/>")

    def failing_serialize(items, output, *args, **kwargs):
        output.write(b"<?xml half")
        raise ValueError("boom")

    monkeypatch.setattr(ox, "serialize", failing_serialize)
    with pytest.raises(ExportError, match="boom"):
        write_rdf(G, target, "xml")
    assert target.read_bytes() == b"<old/>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.rdf"]


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "rdfxml", "jsonld"])
def test_output_is_deterministic(G, tmp_path, fmt):
    a = write_rdf(G, tmp_path / "a", fmt, detail=True).read_bytes()
    b = write_rdf(graphs.shuffled_copy(G), tmp_path / "b", fmt, detail=True).read_bytes()
    assert a == b


def test_nquads_lines_are_sorted_by_subject_groups_within_each_graph(G, tmp_path):
    lines = write_rdf(G, tmp_path / "g.nq", "nq").read_text(encoding="utf-8").splitlines()
    by_graph: dict[str, list[str]] = {}
    for ln in lines:
        if ln.startswith("<"):
            by_graph.setdefault(ln.rsplit(" ", 2)[1], []).append(ln.split(" ", 1)[0])
    assert list(by_graph) == [f"<{g}>" for g in NAMED_GRAPHS]  # one block per graph, in order
    for graph, subjects in by_graph.items():
        if graph != f"<{EVIDENCE_GRAPH}>":  # evidence: per paper, in paper order
            firsts = list(dict.fromkeys(subjects))
            assert firsts == sorted(firsts), graph


def test_invalid_node_iri_is_an_export_error(tmp_path):
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node("not an iri", kind="author", name="X")
    with pytest.raises(ExportError, match="not a valid IRI"):
        write_rdf(G, tmp_path / "g.ttl")
    assert not (tmp_path / "g.ttl").exists()


def test_quads_in_a_named_graph(G):
    quads = list(graph_to_quads(G, graph_name="https://w3id.org/paper-kg/graph"))
    assert quads and {str(q.graph_name) for q in quads} == {"<https://w3id.org/paper-kg/graph>"}
    assert {q.graph_name.value for q in graph_to_quads(G)} == set(NAMED_GRAPHS)


def test_each_named_graph_holds_its_part(G):
    parts: dict[str, set] = {}
    for q in graph_to_quads(G):
        parts.setdefault(q.graph_name.value, set()).add(q.predicate.value)
    oa = "http://www.w3.org/ns/oa#"
    assert str(SKOS.prefLabel) in parts[ONTOLOGY_GRAPH] and str(SKOS.broader) in parts[ONTOLOGY_GRAPH]
    assert {str(DCTERMS.title), str(DCTERMS.subject), str(FOAF.name)} <= parts[PAPERS_GRAPH]
    assert {oa + "hasBody", oa + "hasTarget", oa + "exact", oa + "start"} <= parts[EVIDENCE_GRAPH]
    assert {str(KGV.similarTo), str(KGV.cooccursWith), str(KGV.paperCount)} <= parts[LINKS_GRAPH]
    assert "http://www.w3.org/ns/prov#startedAtTime" not in parts[BUILD_GRAPH]  # not given
    assert "http://www.w3.org/ns/prov#wasGeneratedBy" in parts[BUILD_GRAPH]
    # nothing of one part leaks into another
    others = parts[EVIDENCE_GRAPH] | parts[LINKS_GRAPH] | parts[ONTOLOGY_GRAPH]
    assert parts[PAPERS_GRAPH] & others == {str(RDF.type)}


def test_evidence_annotations_select_the_sentence_in_its_field(G):
    store = to_store(G)
    query = PREFIXES + f"""PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?exact ?field ?start ?end WHERE {{ GRAPH <{EVIDENCE_GRAPH}> {{
          ?a a oa:Annotation ; oa:hasBody <{graphs.LORA}> ; oa:hasTarget ?t .
          ?t oa:hasSource <{graphs.P1}> ; kgv:field ?field ;
             oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact ?exact ] ,
                            [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] }} }}"""
    rows = [(r["exact"].value, r["field"].value, int(r["start"].value), int(r["end"].value))
            for r in store.query(query)]
    node = G.nodes[graphs.P1]
    assert sorted(e for e, *_ in rows) == sorted(G.edges[graphs.P1, graphs.LORA, "mentions"]["evidence"])
    for exact, field, start, end in rows:
        assert node[field][start:end] == exact


def test_build_provenance_when_the_graph_carries_it(G):
    G.graph["provenance"] = {"started": "2026-01-02T03:04:05Z", "ended": "2026-01-02T03:05:00Z",
                             "inputs": ["papers.jsonl"], "kg_version": "9.9"}
    g = to_rdflib(G)
    PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
    build = rdflib.URIRef("https://w3id.org/paper-kg/build")
    assert (build, RDF.type, PROV.Activity) in g
    assert g.value(build, PROV.startedAtTime).toPython().minute == 4
    assert str(g.value(build, KGV.kgVersion)) == "9.9"
    assert str(g.value(build, KGV.input)) == "papers.jsonl"
    assert "top_k=10" in {str(o) for o in g.objects(build, KGV.setting)}
    assert (rdflib.URIRef(LINKS_GRAPH), PROV.wasGeneratedBy, build) in g


def test_to_rdflib_matches_the_written_turtle(G, tmp_path):
    g = parse_ttl(write_rdf(G, tmp_path / "g.ttl", detail=True))
    assert isomorphic(g, to_rdflib(G, detail=True))
    assert dict(to_rdflib(G).namespaces())["kgv"] == rdflib.URIRef("https://w3id.org/paper-kg/vocab#")


def test_vocabulary_terms_exist_in_kg_vocab():
    vocab = pytest.importorskip("kg.export.rdf.vocab")
    for term in rdf._KGV_TERMS:
        assert str(getattr(vocab.KGV, term)) == rdf.VOCAB_NS + term
    assert rdf.PAPER_NS == vocab.PAPER_NS and rdf.CONCEPT_NS == vocab.CONCEPT_NS
    assert rdf.AUTHOR_NS == vocab.AUTHOR_NS


def test_empty_graph_writes_valid_turtle(tmp_path):
    import networkx as nx

    out = write_rdf(nx.MultiDiGraph(), tmp_path / "g.ttl")
    g = parse_ttl(out)  # only the concept scheme and the build's description
    assert {str(s) for s in g.subjects()} == {"https://w3id.org/paper-kg/ontology",
                                              "https://w3id.org/paper-kg/build", EVIDENCE_GRAPH,
                                              LINKS_GRAPH}


_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(title=_text, label=_text, evidence=_text)
def test_any_text_round_trips_exactly(title, label, evidence):
    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node(graphs.P1, kind="paper", id="x", title=title, abstract="", date=None, url=None, source="")
    G.add_node(graphs.LORA, kind="concept", label=label, alt_labels=(), type="Method",
               source="ontology", definition=None, paper_count=1)
    G.add_edge(graphs.P1, graphs.LORA, key="mentions", count=1, score=1.0, fields=("title",),
               evidence=(evidence,))
    for fmt in ("turtle", "ntriples"):
        data = rdf.serialize(G, fmt, detail=True)
        g = rdflib.Graph().parse(data=data.decode("utf-8"), format=RDFLIB_FORMAT[fmt])
        assert str(g.value(rdflib.URIRef(graphs.P1), DCTERMS.title)) == title
        assert str(g.value(rdflib.URIRef(graphs.LORA), SKOS.prefLabel)) == label
        assert {str(o) for o in g.objects(None, KGV.evidence)} == {evidence}
        ox_terms = {t.object.value for t in ox.parse(data, format=getattr(
            ox.RdfFormat, FORMATS[fmt].oxigraph)) if t.predicate.value == str(DCTERMS.title)}
        assert ox_terms == {title}
