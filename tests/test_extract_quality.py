"""Extraction quality on the real sentences it once got wrong: senses, spans, generic terms,
near-duplicates of ontology concepts, one concept per mention and the broader links that
replace the rest."""
from __future__ import annotations

import json

import pytest

from kg.extract import DISCOVERED_NS, ExtractSettings, Extractor
from kg.extract.specificity import is_generic, load_generic_terms
from kg.model import GraphModel
from kg.ontology import CONCEPT_NS, load_ontology
from kg.types import Paper
from tests.conftest import shared_path



# Excerpts of the project's data (file under ../shared/data, the paper's text as it is there).
REAL = {
    "peft": ("arxiv-cs/arxiv_cs_2025-03_part00.jsonl",
             "Through evaluations on subject-driven image generation, natural language "
             "understanding, and instruction tuning, we show that DeLoRA matches or surpasses "
             "performance of competing PEFT methods, while exhibiting stronger robustness."),
    "peft_method": ("openreview/neurips2022_papers.csv",
                    "In this paper, we propose a new parameter-efficient fine-tuning method "
                    "termed as SSF, representing that researchers only need to Scale and Shift "
                    "the deep Features extracted by a pre-trained model to catch up with the "
                    "performance of full fine-tuning."),
    "lora_layers": ("arxiv-cs/arxiv_cs_2025-03_part00.jsonl",
                    "VoRA internalizes visual capabilities by integrating vision-specific LoRA "
                    "layers directly into the LLM."),
    "length": ("arxiv-cs/arxiv_cs_2025-04_part00.jsonl",
               "This robust length extrapolation is achieved through our novel architecture, "
               "enhanced by a straightforward dynamic scaling of attention scores during "
               "inference."),
    "qwen": ("arxiv-cs/arxiv_cs_2025-07_part00.jsonl",
             "achieving average absolute performance gains of up to 90% for smaller models "
             "(GPT-2) and up to 27% for our largest evaluated model, Qwen-2.5-0.5B. In general, "
             "PERK is more robust"),
    "animal": ("seed/daily-papers-overparameterization.txt",
               "Experiments show that our simple approach can have comparable or even better "
               "performance than the state-of-the-art methods on benchmarks with real-world "
               "label noise including Clothing1M and ANIMAL-10N. Our implementation is "
               "available at https://yingyichen-cyy.github.io/CompressFeatNoisyLabels/."),
    "bandit": ("openreview/neurips2022_papers.csv",
               "We study federated contextual linear bandits, where $M$ agents cooperate with "
               "each other to solve a global contextual linear bandit problem with the help "
               "of a central server."),
    "error_rate": ("openreview/iclr2021_paperlist.tsv",
                   "Sparta: Spatially Attentive and Adversarially Robust Activation, which "
                   "enables DNNs to achieve higher robustness (i.e., lower error rate on "
                   "adversarial examples) and accuracy (i.e., lower error rate on clean "
                   "examples) than the DNNs based on the state-of-the-art activation "
                   "functions."),
    "features": ("openreview/iclr2021_paperlist.tsv",
                 "Representations in large language models such as BERT encode a range of "
                 "features into a single vector, which are predictive in the context of a "
                 "multitude of downstream tasks."),
}
# Not in the data (no abstract there writes a person's name after "Adam"): the example of
# the wrong sense as it was reported.
ADAM_SMITH = "Adam Smith described the division of labour."

PEFT = CONCEPT_NS + "parameter-efficient-fine-tuning"
LORA = CONCEPT_NS + "lora"
ADAM = CONCEPT_NS + "adam"
MAB = CONCEPT_NS + "multi-armed-bandits"


@pytest.fixture(scope="module")
def ex():
    return Extractor()


def concepts(ex, text: str, title: str = "T") -> list[dict]:
    return ex.extract_one(Paper(id="p", title=title, abstract=text))["concepts"]


def by_iri(cs: list[dict]) -> dict[str, dict]:
    return {c["iri"]: c for c in cs}


def test_excerpts_are_the_real_text():
    for name, (path, text) in REAL.items():
        p = shared_path("data", *path.split("/"))
        raw = p.read_text(encoding="utf-8")
        flat = " ".join(raw.replace("\\n", " ").split())
        assert text in flat, name


# ------------------------------------------------------------------------------ senses
def test_adam_smith_is_no_optimizer_and_no_term(ex):
    cs = concepts(ex, ADAM_SMITH)
    assert ADAM not in by_iri(cs)
    assert not any("adam" in c["label"].lower() for c in cs), cs


def test_adam_in_context_is_the_optimizer(ex):
    cs = by_iri(concepts(ex, "We train the network with Adam and a cosine learning rate "
                             "schedule on ImageNet."))
    assert ADAM in cs


def test_length_extrapolation_is_one_concept(ex):
    cs = concepts(ex, REAL["length"][1])
    hits = [c for c in cs if any(m["text"] == "length extrapolation" for m in c["mentions"])]
    assert [c["label"] for c in hits] == ["length generalization"]


def test_error_rate_is_not_accuracy(ex):
    cs = by_iri(concepts(ex, REAL["error_rate"][1]))
    assert CONCEPT_NS + "error-rate" in cs
    assert all(m["text"].lower() != "error rate"
               for m in cs.get(CONCEPT_NS + "accuracy", {"mentions": []})["mentions"])
    assert "error rate" not in load_ontology().concepts[CONCEPT_NS + "accuracy"].alt_labels


# ------------------------------------------------------------------------------- spans
@pytest.mark.parametrize("name", ["qwen", "animal"])
def test_mentions_and_labels_never_end_in_punctuation(ex, name):
    cs = concepts(ex, REAL[name][1])
    texts = [c["label"] for c in cs] + [m["text"] for c in cs for m in c["mentions"]]
    assert texts and not [t for t in texts if t[-1] in ".,;:!?"], texts
    labels = {c["label"] for c in cs}
    assert ("Qwen-2.5-0.5B" if name == "qwen" else "ANIMAL-10N") in labels


def test_urls_emails_and_numbers_are_never_concepts(ex):
    cs = concepts(ex, REAL["animal"][1] + " Write to first.last@example.org for the 2D and "
                  "3D data.")
    names = [c["label"] for c in cs] + [m["text"] for c in cs for m in c["mentions"]]
    assert not [t for t in names if "://" in t or "github" in t.lower() or "@" in t], names
    assert not {"2D", "3D", "2d", "3d"} & {c["label"] for c in cs}


# ----------------------------------------------------------------------- near-duplicates
@pytest.mark.parametrize("name,iri,text", [("peft", PEFT, "PEFT methods"),
                                           ("peft_method", PEFT,
                                            "parameter-efficient fine-tuning method"),
                                           ("lora_layers", LORA, "LoRA layers")])
def test_head_plus_generic_word_is_the_ontology_concept(ex, name, iri, text):
    cs = concepts(ex, REAL[name][1])
    assert iri in by_iri(cs)
    labels = {c["label"].lower() for c in cs}
    assert text.lower() not in labels and text.lower().rstrip("s") not in labels, labels


# ---------------------------------------------------------------- one mention, one concept
def test_one_discovered_concept_per_span_and_broader_links(ex):
    cs = concepts(ex, REAL["bandit"][1])
    spans: dict[tuple, list] = {}
    for c in cs:
        for m in c["mentions"]:
            if c["source"] == "discovered":
                spans.setdefault((m["start"], m["end"]), []).append(c["label"])
    # each span names one concept of its own ("federated contextual linear bandits" is the
    # better-scoring part); the head-final term both terms contain is a concept of the
    # paper too, evidenced by both spans
    shared = "contextual linear bandits"
    assert {k: sorted(v) for k, v in spans.items()} == {
        (9, 44): [shared], (100, 139): sorted([shared, "global contextual linear bandit"])}
    term = next(c for c in cs if c["label"] == "global contextual linear bandit")
    # "problem" is a generic head; the contained term and the ontology concept are broader
    assert term["broader"][0] == DISCOVERED_NS + "contextual-linear-bandit"
    assert MAB in term["broader"]
    assert not any(c["label"].endswith("problem") for c in cs)


def test_discovered_broader_links_reach_the_model(ex):
    papers = [Paper(id=f"p{k}", title="Bandits", abstract=REAL["bandit"][1]) for k in range(2)]
    papers.append(Paper(id="p2", title="Contextual linear bandits",
                        abstract="We study contextual linear bandits with side information."))
    records = list(ex.extract(papers))
    M = GraphModel.build(papers, records, load_ontology())
    iris = M.concept_iris
    links = {(iris[c], iris[p]) for c, p in M.broader}
    term = DISCOVERED_NS + "global-contextual-linear-bandit"
    assert (term, DISCOVERED_NS + "contextual-linear-bandit") in links
    assert (term, MAB) in links
    G = M.to_networkx()
    assert G.has_edge(term, MAB)


# -------------------------------------------------------------------------- generic terms
def test_generic_terms_are_flagged_and_left_out_of_the_graph(ex):
    text = REAL["features"][1]
    cs = by_iri(concepts(ex, text))
    flagged = {c["label"] for c in cs.values() if c.get("generic")}
    assert {"features", "downstream tasks"} <= flagged, flagged
    papers = [Paper(id=f"p{k}", title="Representations", abstract=text) for k in range(3)]
    M = GraphModel.build(papers, list(ex.extract(papers)), load_ontology())
    labels = {a["label"] for a in M.concept_attrs}
    assert not {"features", "downstream tasks"} & labels
    assert "large language model" in labels


def test_generic_terms_kept_when_asked():
    cs = Extractor(ExtractSettings(drop_generic=False)).extract_one(
        Paper(id="p", title="T", abstract=REAL["features"][1]))["concepts"]
    assert not any(c.get("generic") for c in cs)


def test_measured_generic_list_has_the_reported_hubs():
    generic = load_generic_terms()
    reported = ["feature", "policy", "downstream-task", "behavior", "real-world-dataset",
                "real-world-application", "rule", "supervision", "layer", "trade-off",
                "model-parameter", "computational-cost", "real-world-scenario", "recall",
                "learning-process", "prior-method", "scalable-approach"]
    missing = [t for t in reported if t not in generic]
    assert not missing, missing
    # specific terms used as often are not in it
    assert not {"magnetic-resonance-imaging", "computed-tomography", "virtual-reality"} & generic


def test_is_generic_rule_needs_frequency_and_spread():
    assert not is_generic("downstream tasks", 10, 74728, 0.1)       # rare: not judged
    assert is_generic("downstream tasks", 900, 74728, 0.1)
    assert not is_generic("sign language", 900, 74728, 1.2)         # one topic
    assert not is_generic("LoRA", 900, 74728, 0.1)                  # names are not judged


def test_seed_generic_hubs_are_not_graph_concepts(seed_path):
    from kg.ingest import read_inputs

    papers = read_inputs([str(seed_path)]).papers
    records = list(Extractor().extract(papers))
    M = GraphModel.build(papers, records, load_ontology())
    labels = {a["label"] for a in M.concept_attrs}
    assert not {"feature", "features", "behavior", "behaviors", "recall", "scalable approach",
                "2D"} & labels, labels & {"feature", "features", "behavior", "recall", "2D"}


def test_records_stay_json(ex):
    rec = ex.extract_one(Paper(id="p", title="T", abstract=REAL["bandit"][1]))
    assert json.loads(json.dumps(rec)) == rec


def test_a_definition_is_one_mention(ex):
    text = "We train a convolutional neural network (CNN) on the images. The CNN is small."
    cs = by_iri(concepts(ex, text))
    cnn = cs[CONCEPT_NS + "convolutional-neural-network"]
    assert [m["text"] for m in cnn["mentions"]] == ["convolutional neural network (CNN)", "CNN"]
    for c in cs.values():
        for m in c["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]


def test_generic_terms_are_no_ontology_suggestions(ex):
    from kg.extract import suggest_terms

    papers = [Paper(id=f"p{k}", title="Representations", abstract=REAL["features"][1])
              for k in range(3)]
    labels = {s["label"] for s in suggest_terms(ex.extract(papers), min_papers=2)}
    assert not {"features", "downstream tasks"} & labels


# ------------------------------------------------------------- the terms of a paper's topics
def openreview_row(paper_id: str) -> dict:
    """A row (title, abstract) of the OpenReview tables in ../shared, by its paper id."""
    from kg.extract.evaluate import read_keyword_tables

    tables = [shared_path("data", "openreview", "iclr2021_paperlist.tsv"),
              shared_path("data", "openreview", "neurips2022_papers.csv")]
    return next(r for r in read_keyword_tables(tables) if r["id"] == paper_id)


def labels_of(ex, title: str, abstract: str) -> dict[str, dict]:
    return {c["label"]: c for c in concepts(ex, abstract, title=title)}


def test_a_phrase_the_title_uses_is_a_term(ex):
    # "Mean Estimation with User-level Privacy under Data Heterogeneity": the termhood
    # model scores "Mean Estimation" under min_score; the title makes it a topic
    row = openreview_row("dYhB_alLyCO")
    assert "mean estimation" in labels_of(ex, row["title"], row["abstract"])
    assert "mean estimation" not in labels_of(ex, "T", row["title"] + ". " + row["abstract"])


def test_a_phrase_the_abstract_repeats_is_a_term(ex):
    # TropEx: "linear regions" twice in the abstract (scored under min_score once)
    row = openreview_row("IqtonxWI0V3")
    assert "linear regions" in labels_of(ex, row["title"], row["abstract"])
    first = row["abstract"].split(". ")[0] + "."
    assert "linear regions" in first and "linear regions" not in labels_of(ex, "T", first)


def test_the_head_final_part_of_a_title_term_is_a_concept(ex):
    # "... via Causal Anonymous Walks": the paper's walks are anonymous walks
    row = openreview_row("KYPz4YsCPj")
    found = labels_of(ex, row["title"], row["abstract"])
    assert "causal anonymous walks" in found
    walks = found["anonymous walks"]
    assert [(m["field"], m["text"]) for m in walks["mentions"]] == [
        ("title", "Causal Anonymous Walks")]
    assert "anonymous walks" not in labels_of(ex, "T", row["abstract"])


# ------------------------------------------------------------ spans as a reader delimits them
def scierc_text(doc_id: str) -> str:
    """The text of a SciERC dev document in ../shared, by its id."""
    from kg.extract.evaluate import read_scierc

    docs = read_scierc(shared_path("data", "eval", "scierc", "dev.json"))
    return next(d["text"] for d in docs if d["id"] == doc_id)


def test_latex_markup_leaves_its_words_their_terms(ex):
    # "ii) \textit{mutual information} from information theory": the markup was one token
    # with the first word, which hid the term
    row = openreview_row("i7aDkDEXJQU")
    assert "\\textit{mutual information}" in row["abstract"]
    cs = concepts(ex, row["abstract"], title=row["title"])
    texts = [m["text"] for c in cs for m in c["mentions"]]
    assert "mutual information" in texts
    assert not [t for t in texts if "\\" in t or "{" in t or "}" in t], texts


def test_a_definition_runs_to_the_generic_head_of_its_noun_phrase(ex):
    text = scierc_text("CVPR_2003_11_abs")
    cs = concepts(ex, text)
    texts = {m["text"] for c in cs for m in c["mentions"]}
    assert {"least squares estimate (LSE) method", "Markov random field (MRF) models",
            "anisotropic circular Gaussian MRF (ACGMRF) model"} <= texts
    assert "least squares estimate (LSE)" not in texts
    # "ACGMRF model" is the concept the paper defines, not a concept of its own
    (acgmrf,) = [c for c in cs if "ACGMRF" in c["alt_labels"]]
    assert acgmrf["label"] == "anisotropic circular gaussian MRF"
    assert [m["text"] for m in acgmrf["mentions"]].count("ACGMRF model") == 2
    assert not [c for c in cs if c["label"].lower() == "acgmrf model"]
    for c in cs:
        for m in c["mentions"]:
            assert text[m["start"]:m["end"]] == m["text"]


def test_the_words_before_a_generic_head_name_the_concept(ex):
    # "weight imprinting methods": the paper is about weight imprinting, a phrase the
    # termhood model scores under min_score alone
    row = openreview_row("hciwLGxCt6S")
    found = labels_of(ex, row["title"], row["abstract"])
    assert "weight imprinting" in found
    assert [m["text"] for m in found["weight imprinting"]["mentions"]] == [
        "weight imprinting methods"]
    assert "weight imprinting methods" not in found


@pytest.mark.parametrize("doc_id,term,word", [
    ("P04-1030", "word error rates", "competitive"),
    ("H01-1041", None, "sufficient"),
    ("H01-1041", "generation modules", "mediated")])
def test_adjectives_and_participles_never_end_a_term(ex, doc_id, term, word):
    cs = concepts(ex, scierc_text(doc_id))
    texts = [m["text"] for c in cs for m in c["mentions"]]
    assert not [t for t in texts if t.endswith(" " + word)], texts
    assert term is None or any(t.endswith(term) for t in texts), texts
