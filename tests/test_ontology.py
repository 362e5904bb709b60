"""The packaged ontology is well formed, and the loader finds, parses and indexes it."""
from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path

import pyoxigraph
import pytest

from kg.errors import KGError, OntologyError
from kg.ontology import (
    CONCEPT_NS,
    CONCEPT_TYPES,
    VOCAB_NS,
    Concept,
    Ontology,
    load_ontology,
    match_case,
    ontology_files,
)

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SCHEME = "https://w3id.org/paper-kg/ontology"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PREFIXES = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix kgv: <https://w3id.org/paper-kg/vocab#> .
@prefix concept: <https://w3id.org/paper-kg/concept/> .
"""


def iri(slug: str) -> str:
    return CONCEPT_NS + slug


@pytest.fixture(scope="module")
def onto() -> Ontology:
    return load_ontology()


@pytest.fixture(scope="module")
def triples() -> list[tuple[str, str, object]]:
    """The raw triples of the packaged files, read independently of the loader."""
    out = []
    for path in ontology_files():
        for q in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            out.append((q.subject.value, q.predicate.value, q.object))
    return out


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- packaging
def test_ontology_files_found():
    files = ontology_files()
    assert files, "no packaged ontology files"
    assert all(p.suffix == ".ttl" and p.is_file() for p in files)
    assert {p.name for p in files} >= {"ml.ttl", "scheme.ttl"}
    assert files == sorted(files)


def test_load_time_reported(capsys):
    """Not a speed assertion: prints the cold parse time of the packaged files (-s to see)."""
    from kg import ontology as module

    start = time.perf_counter()
    fresh = Ontology(module._read_concepts(ontology_files()))
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[ontology] {len(fresh)} concepts parsed and indexed in {elapsed * 1e3:.1f} ms")
    assert len(fresh) == len(load_ontology())


def test_default_load_is_cached(onto):
    assert load_ontology() is onto


# ----------------------------------------------------------------------------- well-formedness
def test_size_and_types(onto):
    assert len(onto) >= 300
    counts = Counter(c.type for c in onto)
    assert set(counts) == set(CONCEPT_TYPES), counts
    assert all(counts[t] >= 10 for t in CONCEPT_TYPES), counts


def test_every_concept_has_one_preflabel_type_and_definition(triples):
    concepts = {s for s, p, o in triples if p == RDF_TYPE and o.value == SKOS + "Concept"}
    type_classes = {VOCAB_NS + t for t in CONCEPT_TYPES}
    by_subject: dict[str, list] = {}
    for s, p, o in triples:
        by_subject.setdefault(s, []).append((p, o))
    for c in concepts:
        facts = by_subject[c]
        prefs = [o for p, o in facts if p == SKOS + "prefLabel"]
        assert len(prefs) == 1 and prefs[0].language == "en", (c, prefs)
        types = [o.value for p, o in facts if p == RDF_TYPE and o.value in type_classes]
        assert len(types) == 1, (c, types)
        definitions = [o for p, o in facts if p == SKOS + "definition"]
        assert len(definitions) == 1 and definitions[0].language == "en", c
        text = definitions[0].value
        assert text[0].isupper() and text.endswith(".") and 20 <= len(text) <= 250, (c, text)
        assert (SKOS + "inScheme", pyoxigraph.NamedNode(SCHEME)) in facts, c
        for p, o in facts:  # every label is an English literal
            if p in (SKOS + "altLabel", SKOS + "hiddenLabel", VOCAB_NS + "ambiguousLabel"):
                assert isinstance(o, pyoxigraph.Literal) and o.language == "en", (c, o)
                assert o.value == o.value.strip() and o.value, (c, o)


def test_scheme_and_type_classes_declared(triples):
    assert (SCHEME, RDF_TYPE, pyoxigraph.NamedNode(SKOS + "ConceptScheme")) in triples
    declared = {s for s, p, o in triples if p.endswith("#subClassOf") and o.value == SKOS + "Concept"}
    # the type classes, and kgv:Concept (vocab.ttl), whose instances are every concept of a build
    assert declared == {VOCAB_NS + t for t in CONCEPT_TYPES} | {VOCAB_NS + "Concept"}


def test_iris_unique_and_slug_safe(onto, triples):
    for c in onto:
        assert c.iri.startswith(CONCEPT_NS), c.iri
        assert SLUG.fullmatch(c.slug), c.iri
        assert c.type in CONCEPT_TYPES
        assert c.definition
    pref_subjects = [s for s, p, o in triples if p == SKOS + "prefLabel"]
    assert len(pref_subjects) == len(set(pref_subjects)) == len(onto)


def test_no_label_shared_unless_declared_ambiguous(onto):
    assert onto.label_conflicts() == []


def test_ambiguous_labels_are_labels_and_really_shared(onto):
    for c in onto:
        for label in c.ambiguous_labels:
            assert label in c.labels, (c.iri, label)
            others = [x for x in onto.find(label) if x.iri != c.iri]
            assert others, f"{label!r} is declared ambiguous on {c.iri} but no other concept has it"


def test_no_duplicate_labels_within_a_concept(onto):
    for c in onto:
        keys = [x if match_case(x) else x.casefold() for x in c.labels]
        dupes = [k for k, n in Counter(keys).items() if n > 1]
        assert not dupes, (c.iri, dupes)


def test_broader_targets_exist_and_form_no_cycle(onto):
    for c in onto:
        for parent in c.broader:
            assert parent in onto, (c.iri, parent)
        assert c.iri not in onto.ancestors(c.iri)


def test_hierarchy_is_connected_to_few_roots(onto):
    roots = [c for c in onto if not c.broader]
    assert len(roots) <= 40, [c.slug for c in roots]


# ----------------------------------------------------------------------------- pinned content
def test_lora(onto):
    (lora,) = onto.find("LoRA")
    assert lora.iri == iri("lora") and lora.type == "Method"
    assert {"low-rank adaptation", "low-rank adapter", "low-rank adapters"} <= set(lora.labels)
    ancestors = onto.ancestors(lora.iri)
    assert iri("parameter-efficient-fine-tuning") in ancestors
    assert iri("fine-tuning") in ancestors
    assert onto.find("low-rank adaptation") == [lora]
    assert onto.find("Low-Rank Adaptation") == [lora]
    assert onto.get(iri("qlora")).broader[0] == lora.iri
    assert onto.find("LoRa") == [] and onto.find("lora") == []  # LoRa is a radio standard


def test_over_parameterization_spellings(onto):
    concept = onto.get(iri("over-parameterization"))
    spellings = {
        "overparameterization", "over-parametrization", "overparametrization",
        "over-parameterisation", "overparameterized", "over-parameterized",
        "over-parametrized", "overparametrized", "overparameterised", "over-parameterised",
    }
    assert spellings <= set(concept.alt_labels)
    for spelling in spellings | {"Over-Parameterized", "OVERPARAMETERIZED"}:
        assert onto.find(spelling) == [concept], spelling


def test_ntk_is_one_concept(onto):
    (ntk,) = onto.find("NTK")
    assert onto.find("neural tangent kernel") == [ntk]
    assert onto.find("Neural Tangent Kernel") == [ntk]
    assert ntk.type == "Theory"
    assert onto.find("ntk") == []


def test_sam_is_exact_case_and_declared_ambiguous(onto):
    found = onto.find("SAM")
    assert {c.iri for c in found} == {iri("sharpness-aware-minimization"), iri("segment-anything")}
    assert all("SAM" in c.ambiguous_labels for c in found)
    assert onto.find("sam") == onto.find("Sam") == []
    assert onto.find("sharpness-aware minimization")[0].iri == iri("sharpness-aware-minimization")


@pytest.mark.parametrize(
    ("label", "slug", "type_"),
    [
        ("Adam", "adam", "Method"), ("adam", "adam", "Method"), ("SGD", "sgd", "Method"),
        ("AdamW", "adamw", "Method"), ("ImageNet", "imagenet", "Dataset"),
        ("CIFAR-10", "cifar-10", "Dataset"), ("CIFAR-100", "cifar-100", "Dataset"),
        ("transformer", "transformer", "Model"), ("Transformers", "transformer", "Model"),
        ("fine-tuning", "fine-tuning", "Method"), ("finetuning", "fine-tuning", "Method"),
        ("PEFT", "parameter-efficient-fine-tuning", "Method"), ("QLoRA", "qlora", "Method"),
        ("scaling laws", "scaling-laws", "Phenomenon"), ("scaling law", "scaling-laws", "Phenomenon"),
        ("double descent", "double-descent", "Phenomenon"), ("grokking", "grokking", "Phenomenon"),
        ("implicit regularization", "implicit-bias", "Phenomenon"),
        ("benign overfitting", "benign-overfitting", "Phenomenon"),
        ("PAC-Bayes", "pac-bayes", "Theory"), ("VC dimension", "vc-dimension", "Theory"),
        ("GPT-4", "gpt", "Model"), ("LLM", "large-language-model", "Model"),
        ("GSM8K", "gsm8k", "Dataset"), ("BLEU", "bleu", "Metric"), ("perplexity", "perplexity", "Metric"),
        ("RLHF", "rlhf", "Method"), ("GRPO", "grpo", "Method"), ("DPO", "dpo", "Method"),
        ("chain-of-thought", "chain-of-thought", "Method"), ("MoE", "mixture-of-experts", "Method"),
        ("deep learning", "deep-learning", "Field"), ("matrix sensing", "matrix-completion", "Task"),
    ],
)
def test_find_pins(onto, label, slug, type_):
    found = onto.find(label)
    assert [c.iri for c in found] == [iri(slug)], (label, found)
    assert found[0].type == type_


@pytest.mark.parametrize(
    ("slug", "ancestor"),
    [
        ("qlora", "fine-tuning"), ("adam", "stochastic-optimization"), ("adamw", "optimization"),
        ("sgd", "gradient-descent"), ("cifar-10", "image-classification"), ("dpo", "alignment"),
        ("neural-tangent-kernel", "infinite-width-limit"), ("bert", "transformer"),
        ("vision-transformer", "transformer"), ("lazy-training", "neural-tangent-kernel"),
    ],
)
def test_hierarchy_pins(onto, slug, ancestor):
    assert iri(ancestor) in onto.ancestors(iri(slug))
    assert iri(slug) in onto.descendants(iri(ancestor))


def test_seed_topics_are_covered(onto, seed_path):
    """Every concept the seed corpus is about is matched by some label in its text."""
    text = seed_path.read_text(encoding="utf-8")
    low = text.lower()
    wanted = [
        "over-parameterization", "neural-tangent-kernel", "lora", "scaling-laws",
        "generalization", "memorization", "gradient-descent", "implicit-bias",
    ]
    for slug in wanted:
        concept = onto.get(iri(slug))
        hit = any((lab in text) if match_case(lab) else (lab.lower() in low) for lab in concept.labels)
        assert hit, slug


# ----------------------------------------------------------------------------- API behaviour
def test_match_case():
    for label in ("LoRA", "SAM", "NTK", "CIFAR-10", "GPT-4", "QLoRA", "ImageNet", "t-SNE"):
        assert match_case(label), label
    for label in ("scaling law", "Adam", "dropout", "Q-learning", "C4", ""):
        assert not match_case(label), label


def test_find_normalizes_space_and_sorts(onto):
    assert onto.find("  scaling \n laws ") == onto.find("scaling laws")
    assert onto.find("no such concept at all") == []
    assert onto.find("") == []


def test_container_protocol(onto):
    concepts = list(onto)
    assert len(concepts) == len(onto)
    assert [c.iri for c in concepts] == sorted(c.iri for c in concepts)
    assert iri("lora") in onto and "https://example.org/x" not in onto
    assert onto.get("https://example.org/x") is None
    assert isinstance(onto.get(iri("lora")), Concept)
    assert repr(onto).startswith("<Ontology of ")


def test_narrower_and_by_type(onto):
    assert iri("lora") in onto.narrower(iri("parameter-efficient-fine-tuning"))
    assert all(onto.get(i).broader.count(iri("lora")) == 1 for i in onto.narrower(iri("lora")))
    datasets = onto.by_type("Dataset")
    assert datasets and all(c.type == "Dataset" for c in datasets)
    with pytest.raises(OntologyError):
        onto.by_type("Gadget")


def test_unknown_iri_raises(onto):
    with pytest.raises(OntologyError, match="not an ontology concept"):
        onto.ancestors("https://example.org/x")
    with pytest.raises(KGError):
        onto.narrower("https://example.org/x")


def test_vocab_agrees_with_ontology():
    from kg.export.rdf import vocab

    assert vocab.CONCEPT_NS == CONCEPT_NS
    assert vocab.VOCAB_NS == VOCAB_NS
    assert str(vocab.ONTOLOGY_SCHEME) == SCHEME
    assert list(vocab.CONCEPT_TYPE_CLASSES) == list(CONCEPT_TYPES)
    for name in ("Paper", "Concept", "Author", "DiscoveredConcept", "community", "mentionCount",
                 "score", "evidence", "field", "similarTo", "similarity", "sharedConcept",
                 "cooccursWith", "npmi", "support", "hasAuthor", "authorPosition", "paperCount",
                 "source", "ambiguousLabel", "arxivId", *CONCEPT_TYPES):
        assert str(getattr(vocab.KGV, name)) == VOCAB_NS + name
    with pytest.raises(AttributeError):
        vocab.KGV.notAProperty  # noqa: B018
    for ns in (vocab.PAPER_NS, vocab.CONCEPT_NS, vocab.AUTHOR_NS):
        assert ns.startswith(vocab.BASE) and ns.endswith("/")


# ----------------------------------------------------------------------------- user files
def test_extension_file_adds_concepts_and_labels(tmp_path, onto):
    extra = write(tmp_path, "extra.ttl", """
concept:muon-optimizer a skos:Concept, kgv:Method ;
    skos:prefLabel "Muon"@en ; skos:altLabel "Muon optimizer"@en ;
    skos:broader concept:stochastic-optimization ;
    skos:definition "An optimizer that orthogonalizes momentum updates of matrix weights."@en .
concept:lora skos:altLabel "LoRA-style adapters"@en .
""")
    extended = load_ontology([extra])
    assert len(extended) == len(onto) + 1
    (muon,) = extended.find("muon optimizer")
    assert iri("optimization") in extended.ancestors(muon.iri)
    assert extended.find("LoRA-style adapters")[0].iri == iri("lora")
    assert load_ontology() is onto and not onto.find("Muon")  # the cached default is untouched


def test_extension_alone(tmp_path):
    extra = write(tmp_path, "alone.ttl", """
concept:thing a skos:Concept, kgv:Task ; skos:prefLabel "thing"@en .
concept:lora skos:altLabel "LoRA-style adapters"@en .
""")
    alone = load_ontology([extra], include_default=False)
    assert [c.slug for c in alone] == ["thing"] and alone.get(iri("lora")) is None


def test_dangling_broader_rejected(tmp_path):
    extra = write(tmp_path, "orphan.ttl", """
concept:thing a skos:Concept, kgv:Task ; skos:prefLabel "thing"@en ;
    skos:broader concept:not-defined-anywhere .
""")
    with pytest.raises(OntologyError, match="not-defined-anywhere"):
        load_ontology([extra], include_default=False)


def test_parse_error_names_file_and_line(tmp_path):
    bad = write(tmp_path, "bad.ttl", """
concept:a a skos:Concept, kgv:Task ;
    skos:prefLabel "a"@en
concept:b a skos:Concept .
""")
    with pytest.raises(OntologyError) as info:
        load_ontology([bad])
    message = str(info.value)
    assert "bad.ttl" in message and "line 7" in message


def test_missing_file(tmp_path):
    with pytest.raises(OntologyError, match="cannot read"):
        load_ontology([tmp_path / "nope.ttl"])


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('concept:a a skos:Concept, kgv:Task .', "prefLabel"),
        ('concept:a a skos:Concept, kgv:Task ; skos:prefLabel "a"@en, "b"@en .', "prefLabel"),
        ('concept:a a skos:Concept ; skos:prefLabel "a"@en .', "type"),
        ('concept:a a skos:Concept, kgv:Task, kgv:Model ; skos:prefLabel "a"@en .', "type"),
        ('concept:a a skos:Concept, kgv:Task ; skos:prefLabel "a"@en ; skos:broader concept:b .\n'
         'concept:b a skos:Concept, kgv:Task ; skos:prefLabel "b"@en ; skos:broader concept:a .',
         "cycle"),
    ],
)
def test_inconsistent_concepts_rejected(tmp_path, body, match):
    path = write(tmp_path, "x.ttl", body)
    with pytest.raises(OntologyError, match=match):
        load_ontology([path], include_default=False)


def test_untagged_preflabel_accepted_and_other_languages_ignored(tmp_path):
    path = write(tmp_path, "x.ttl", """
concept:a a skos:Concept, kgv:Task ; skos:prefLabel "thing" ;
    skos:altLabel "Ding"@de, "stuff"@en .
""")
    (a,) = load_ontology([path], include_default=False)
    assert a.label == "thing" and a.alt_labels == ("stuff",) and a.definition == ""


def test_constructor_rejects_duplicates_and_cycles():
    a = Concept(iri("a"), "a", (), "Task", (iri("b"),), "")
    b = Concept(iri("b"), "b", (), "Task", (iri("a"),), "")
    with pytest.raises(OntologyError, match="twice"):
        Ontology([a, a])
    with pytest.raises(OntologyError, match="cycle"):
        Ontology([a, b])
    self_loop = Concept(iri("c"), "c", (), "Task", (iri("c"),), "")
    with pytest.raises(OntologyError, match="cycle"):
        Ontology([self_loop])
