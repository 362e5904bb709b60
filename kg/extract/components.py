"""The spaCy components of kg: ontology matcher, abbreviation detector, term discovery.

All three work on ``spacy.blank("en")`` and are registered with ``@Language.factory``
(and as ``spacy_factories`` entry points, so ``nlp.add_pipe("kg_ontology_matcher")`` works
in any spaCy program once kg is installed). They write span groups:

``doc.spans["kg_ontology"]``
    ontology mentions; ``span.kb_id_`` is the concept IRI, ``span.label_`` its type.
``doc.spans["kg_abbreviations"]``
    short forms (and discovered long forms) resolved by an abbreviation definition in the
    paper or in the corpus table; ``kb_id_`` is a concept IRI or ``x:<slug>``.
``doc.spans["kg_discovered"]``
    discovered terms; ``kb_id_`` is ``x:<slug>``, ``spans.attrs["scores"]`` their scores.

Examples
--------
>>> import spacy
>>> nlp = spacy.blank("en")
>>> _ = nlp.add_pipe("kg_ontology_matcher")
>>> doc = nlp("Over-parametrized networks and the neural tangent kernel (NTK).")
>>> [(s.text, s.kb_id_.rsplit("/", 1)[1]) for s in doc.spans["kg_ontology"]][-2:]
[('neural tangent kernel', 'neural-tangent-kernel'), ('NTK', 'neural-tangent-kernel')]
"""
from __future__ import annotations

import re
from itertools import compress

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.errors import ExtractionError
from kg.extract.abbreviations import is_short_form, long_form
from kg.extract.tokens import BREAK, HYPHEN, NUMBER, SPACE, WORD, Analysis, analyze, key_of
from kg.extract.discovery import PhraseScorer, chunk, span_score
from kg.extract.lexicon import load_lexicon
from kg.extract.normalize import cased_key
from kg.ontology import load_ontology, match_case

__all__ = [
    "OntologyMatcher",
    "AbbreviationDetector",
    "TermDiscovery",
    "make_ontology_matcher",
    "make_abbreviation_detector",
    "make_term_discovery",
    "discovered_slug",
    "is_term_slug",
    "written_twice",
    "ONTOLOGY_KEY",
    "ABBREV_KEY",
    "DISCOVERED_KEY",
]

ONTOLOGY_KEY = "kg_ontology"
ABBREV_KEY = "kg_abbreviations"
DISCOVERED_KEY = "kg_discovered"
#: ``doc.user_data`` key of the abbreviations found in a doc: ``{short form: (id, long form)}``.
ABBREV_DATA = "kg_abbreviation_defs"
#: ``doc.user_data`` key of all mentions as plain tuples ``(start, end, id, source, score)``
#: (token indices; ``id`` an IRI or ``x:<slug>``; ``score`` None for ontology mentions).
MENTIONS = "kg_mentions"
#: ``doc.user_data`` key of labels of sub-terms (``{"x:<slug>": text}``) whose mentions are
#: the longer terms containing them.
TERM_LABELS = "kg_term_labels"
#: ``doc.user_data`` key of token ranges ``(start, end)`` that name a person ("Adam
#: Smith"), found by the ontology matcher's sense check; no term is discovered over them.
NAMES = "kg_names"
#: Score factor of a sub-term relative to its own termhood score.
SUBTERM_DISCOUNT = 0.6
#: ``doc.user_data`` key of the number of characters of the doc's title (the Extractor's
#: docs are title, blank line, abstract); absent: the doc has no title.
TITLE_END = "kg_title_end"
#: Share of ``min_score`` from which a *topical* candidate is a term: a phrase of two words
#: or more that the title uses or the doc repeats. Authors name their topics there, and
#: the termhood model, learned on SciERC's older abstracts, scores many of them low
#: ("Mean Estimation", "negative sampling" twice in one abstract).
TOPICAL_FACTOR = 0.25
#: Head words that name no concept of their own after a term ("PEFT methods" is PEFT,
#: "stochastic linear bandit problem" the stochastic linear bandit), as word keys.
GENERIC_HEADS = frozenset("""method model layer approach algorithm framework technique
    architecture variant scheme strategy module mechanism paradigm problem task setting
    procedure pipeline system""".split())
#: The generic heads after which the rest of a term names its topic even when it scores
#: low alone ("weight imprinting methods", "unsupervised denoising problem"); not those
#: that make a name with the words before them ("masked language model").
STEM_HEADS = GENERIC_HEADS - frozenset("model layer architecture variant module system".split())
#: Share of ``min_score`` from which the words before a head of :data:`STEM_HEADS` are a term.
STEM_FACTOR = 0.5
#: Entries of the young generation of the termhood cache before it becomes the old one.
_CACHE_GENERATION = 100_000

#: ``{score: its sub-term score}``; scores are rounded to 4 places, so at most 10,001 keys.
_DISCOUNTED: dict[float, float] = {}


def _discounted(score: float) -> float:
    """The score of a sub-term whose own termhood score is ``score`` (4 places)."""
    out = _DISCOUNTED.get(score)
    if out is None:
        out = _DISCOUNTED[score] = round(score * SUBTERM_DISCOUNT, 4)
    return out


def _in_parentheses(a, i: int, j: int) -> bool:
    """Is the candidate ``i:j`` written as "(term)"? (The termhood score then differs.)"""
    st = a.start[i]
    return st > 0 and a.doc_text[st - 1] == "(" and j < len(a.kind) and a.lower[j] == ")"


def _ontology_bounds(mentions: list, n: int) -> tuple[list[int], list[int]] | None:
    """``(first, last)`` over the tokens: the first token and the end of the ontology
    mention over token ``t`` (``n`` and 0 if none), or None when no ontology mention spans
    two tokens or more.

    A stretch ``(s, e)`` cuts into an ontology mention when ``first[s] < s`` or
    ``last[e - 1] > e``: it lies inside one ("language models" in "Large language
    models", whose nested concepts the matcher reports) or crosses its edge ("learning
    models" in "deep learning models"). Such a stretch is never a discovered term: a
    term may contain what the ontology names, not split it.
    """
    spans = sorted({(m[0], m[1]) for m in mentions if m[1] - m[0] > 1 and m[3] == "ontology"})
    if not spans:
        return None
    first, last = [n] * n, [0] * n
    done = 0
    for i, j in spans:
        if i >= done:  # the usual case: the matcher's mentions do not overlap
            first[i:j] = [i] * (j - i)
            last[i:j] = [j] * (j - i)
        else:
            for t in range(i, j):
                first[t] = min(first[t], i)
                last[t] = max(last[t], j)
        done = max(done, j)
    return first, last


def _mentions(doc: Doc) -> list:
    m = doc.user_data.get(MENTIONS)
    if m is None:
        m = doc.user_data[MENTIONS] = []
    return m


_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


#: Slugs of hyphenated modifiers that are never a term on their own, though the chunker
#: and the termhood model take them for one when nothing follows them ("achieves
#: state-of-the-art", "is high-quality"); they were among the most frequent discovered
#: concepts of the arXiv corpus (state-of-the-art in 1,663 of 74,728 papers).
NOT_TERMS = frozenset("""state-of-the-art high-quality real-world well-known cutting-edge
    user-friendly low-cost large-scale small-scale fine-grained coarse-grained high-fidelity
    open-source off-the-shelf plug-and-play training-free data-driven easy-to-use
    long-standing high-level low-level""".split())


#: Slugs of numbers and sizes ("2D", "7B", "10k", "3D-2D"): never terms on their own.
_NUMBERS = re.compile(r"(?:[0-9]+[a-z]{0,2}-?)+")


def text_slug(text: str) -> str:
    """The slug of a text as discovered ids write it: lower case, runs of other characters
    than letters and digits as one ``-``.

    Examples
    --------
    >>> text_slug("GPT-4o"), text_slug("(ACGMRF)")
    ('gpt-4o', 'acgmrf')
    """
    return _NON_SLUG.sub("-", text.lower()).strip("-")


def discovered_slug(a: Analysis, i: int, j: int) -> str:
    """The slug of a discovered term: word keys joined by ``-`` (hyphenated words too);
    ``""`` (no term) for the modifiers of :data:`NOT_TERMS`.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> discovered_slug(analyze(nlp("Self-Supervised Learning models")), 0, 5)
    'self-supervised-learning-model'
    >>> discovered_slug(analyze(nlp("State-of-the-Art")), 0, 7)
    ''
    >>> discovered_slug(analyze(nlp("2D")), 0, 1), discovered_slug(analyze(nlp("GPT-4o")), 0, 3)
    ('', 'gpt4o')
    """
    kind, low = a.kind, a.low
    if i < j and max(kind[i:j]) <= NUMBER:  # words and numbers only (the usual case)
        joined = "-".join(low[i:j])
    else:
        joined = "-".join([low[t] for t in range(i, j) if kind[t] <= NUMBER])
    if not _SLUG.fullmatch(joined):  # else already a slug (cheaper than rewriting it)
        joined = _NON_SLUG.sub("-", joined).strip("-")
    return joined if is_term_slug(joined) else ""


def is_term_slug(slug: str) -> bool:
    """Whether a slug may name a discovered term: not a modifier of :data:`NOT_TERMS`,
    not a number or size.

    Examples
    --------
    >>> is_term_slug("contextual-linear-bandit"), is_term_slug("data-driven"), is_term_slug("7b")
    (True, False, False)
    """
    # a number or size starts with a digit: most slugs need no regular expression
    return slug not in NOT_TERMS and not ("0" <= slug[:1] <= "9" and _NUMBERS.fullmatch(slug))


# ------------------------------------------------------------------------ ontology matcher
class OntologyMatcher:
    """Match ontology labels in a doc, robust to hyphenation, spelling, number and case.

    A stretch of tokens matches a label when their concatenated keys (see
    :mod:`kg.extract.normalize`) equal the label's: "over-parameterized", "over
    parameterized", "Overparametrized" and "over-parameterised" are one key. Labels for
    which :func:`kg.ontology.match_case` is true (acronyms, CamelCase) are matched on
    case-sensitive keys, so "LoRa" or "Sam" never match LoRA or SAM. Matching is
    leftmost-longest. A label shared by several concepts (``ambiguous_labels``) counts only
    when exactly one of them is also mentioned unambiguously in the doc.

    Parameters
    ----------
    nlp : Language
        The pipeline (its tokenizer keys the labels).
    name : str
        Component name.
    ontology_paths : list of str or None
        Ontology files; None loads the packaged ontology.
    spans_key : str
        The span group written.
    """

    def __init__(self, nlp: Language, name: str = "kg_ontology_matcher",
                 ontology_paths: list[str] | None = None, spans_key: str = ONTOLOGY_KEY,
                 write_spans: bool = True, ontology=None) -> None:
        self.name = name
        self.spans_key = spans_key
        self.write_spans = write_spans
        self.ontology = ontology if ontology is not None else load_ontology(ontology_paths)
        self.low: dict[str, tuple[str, ...]] = {}
        self.mixed: dict[str, tuple[str, ...]] = {}
        self.low_prefix: set[str] = set()
        self.mixed_prefix: set[str] = set()
        acc_low: dict[str, list[str]] = {}
        acc_mixed: dict[str, list[str]] = {}
        first: set[str] = set()
        for concept in self.ontology:
            for label in dict.fromkeys(concept.labels + tuple(concept.ambiguous_labels)):
                cased = match_case(label)
                key = self.label_key(nlp, label, cased)
                if not key:
                    continue
                first.update(self._first_keys(nlp, label, cased))
                acc = acc_mixed if cased else acc_low
                if concept.iri not in acc.setdefault(key, []):
                    acc[key].append(concept.iri)
        for acc, index, prefixes in ((acc_low, self.low, self.low_prefix),
                                     (acc_mixed, self.mixed, self.mixed_prefix)):
            for key, iris in acc.items():
                index[key] = tuple(sorted(iris))
                prefixes.update(key[:k] for k in range(1, len(key) + 1))
        #: keys a match may start with: a label's first token, or its first hyphenated
        #: word closed up ("overparameterized" for "over-parameterized ...")
        self.first = frozenset(first)
        self._names: list[tuple[int, int]] = []
        self._ancestors: dict[str, frozenset] = {}
        self._label_words: frozenset | None = None
        #: one-word labels written as a name ("Adam"), lower-cased
        self.name_like = frozenset(
            label.lower() for concept in self.ontology for label in concept.labels
            if " " not in label and len(label) > 1 and label[0].isupper() and label[1:].islower())

    def _is_term_word(self, word: str) -> bool:
        """Whether a capitalized word is known from terms (a word of an ontology label, or
        one the termhood model knows: "Inference" in "Bayesian Inference"), not a name."""
        low = word.lower()
        if self._label_words is None:
            words = {w for c in self.ontology for label in c.labels
                     for w in label.lower().replace("-", " ").split()}
            phrase = load_lexicon().phrase
            words.update(k[2:] for k in phrase if k[:2] in ("h=", "f=", "u="))
            self._label_words = frozenset(words)
        return low in self._label_words or low.rstrip("s") in self._label_words

    def ancestors(self, iri: str) -> frozenset:
        """The IRIs of the concepts broader than ``iri``, transitively (cached)."""
        found = self._ancestors.get(iri)
        if found is None:
            concepts = self.ontology.concepts
            seen: set[str] = set()
            todo = list(getattr(concepts.get(iri), "broader", ()) or ())
            while todo:
                parent = todo.pop()
                if parent not in seen:
                    seen.add(parent)
                    todo.extend(getattr(concepts.get(parent), "broader", ()) or ())
            found = self._ancestors[iri] = frozenset(seen)
        return found

    @staticmethod
    def label_key(nlp: Language, label: str, cased: bool) -> str | None:
        """The key of a label as tokenized by ``nlp`` (None if it cannot be matched)."""
        doc = nlp.make_doc(label)
        return key_of(Analysis(doc), 0, len(doc), cased)

    @staticmethod
    def _first_keys(nlp: Language, label: str, cased: bool) -> set[str]:
        a = Analysis(nlp.make_doc(label))
        keys = a.mixed if cased else a.low
        out = set()
        if not keys:
            return out
        out.add(keys[0])
        t, unit = 0, keys[0]
        while t + 2 < len(keys) and a.joined[t + 1]:
            unit += keys[t + 2]
            t += 2
        out.add(unit)
        return out

    def lookup(self, a: Analysis, i: int, j: int) -> tuple[str, ...]:
        """IRIs whose label key equals the key of tokens ``i:j`` (exact stretch)."""
        found = ()
        k = key_of(a, i, j, True)
        if k:
            found = self.mixed.get(k, ())
        k = key_of(a, i, j, False)
        if k:
            found = found + tuple(x for x in self.low.get(k, ()) if x not in found)
        return found

    def find(self, a: Analysis) -> list[tuple[int, int, tuple[str, ...], tuple | None]]:
        """Matches ``(start, end, iris, outer)`` in an analysed doc.

        Top-level matches are leftmost-longest (``outer`` None); matches nested inside one
        ("reinforcement learning" in "deep reinforcement learning") carry the top-level
        match's ``(start, end)`` as ``outer``.
        """
        low, mixed, kind, joined = a.low, a.mixed, a.kind, a.joined
        ilow, imix, plow, pmix = self.low, self.mixed, self.low_prefix, self.mixed_prefix
        first = self.first
        n = len(kind)
        out = []
        # candidate starts, tested at C speed (no per-token Python loop)
        has = first.__contains__
        cands = set(compress(range(n), map(has, low)))
        cands.update(compress(range(n), map(has, mixed)))
        cands.update(h - 1 for h in a.hyphens if low[h - 1] in plow or mixed[h - 1] in pmix)
        done = 0
        outer = None
        for i in sorted(cands):
            if kind[i] > NUMBER:
                continue
            sl = sm = ""
            al = am = True
            best = None
            hits = []
            j = i
            while j < n:
                k = kind[j]
                if k == SPACE:
                    j += 1
                    continue
                if k == HYPHEN and joined[j]:
                    j += 1
                    continue
                if k == BREAK or k == HYPHEN:
                    break
                if al:
                    sl += low[j]
                    if sl in ilow:
                        best = (j + 1, ilow[sl])
                        hits.append(best)
                    al = sl in plow
                if am:
                    sm += mixed[j]
                    if sm in imix:
                        best = (j + 1, imix[sm])
                        hits.append(best)
                    am = sm in pmix
                if not (al or am):
                    break
                j += 1
            if not best:
                continue
            if i < done:  # inside the current top-level match
                if best[0] <= done:
                    out.append((i, best[0], best[1], outer))
                continue
            outer = (i, best[0])
            done = best[0]
            out.append((i, best[0], best[1], None))
            for end, iris in hits[:-1]:
                if end < best[0]:
                    out.append((i, end, iris, outer))
        return out

    def _in_context(self, a: Analysis, matches: list) -> list:
        """``matches`` without the one-word mentions whose sense the context does not
        support: a short label (three characters or fewer: SAM, MAE, RAG) or a label
        written as a name ("Adam", "Mamba") counts only when the doc mentions another concept of
        the ontology that needs no such check, and a name-like word not when a capitalized
        word follows it ("Adam Smith described the division of labour")."""
        checked, sure = [], False
        texts, kind, n = a.infos, a.kind, len(a.kind)
        names = self._names
        for m in matches:
            i, j = m[0], m[1]
            word = texts[i][5] if j - i == 1 else ""
            if word and (len(word) <= 3 or word.lower() in self.name_like):
                checked.append(m)
            else:
                sure = True
        if not checked:
            return matches
        drop = set()
        for m in checked:
            i = m[0]
            word = texts[i][5]
            if word.lower() in self.name_like:  # is a surname next?
                t = i + 1
                while t < n and kind[t] == SPACE:
                    t += 1
                nxt = texts[t][5] if t < n and kind[t] == WORD else ""
                if nxt[:1].isupper() and nxt[1:].islower() and not self._is_term_word(nxt):
                    drop.add(i)
                    names.append((i, t + 1))
            if not sure:
                drop.add(i)
        return [m for m in matches if not (m[1] - m[0] == 1 and m[0] in drop)]

    def __call__(self, doc: Doc) -> Doc:
        a = analyze(doc)
        self._names = []
        matches = self._in_context(a, self.find(a))
        if self._names:  # a person's name is no term either
            doc.user_data[NAMES] = self._names
        sure = {iris[0] for _, _, iris, _ in matches if len(iris) == 1}
        out = _mentions(doc)
        top = {}
        nested = []
        for i, j, iris, outer in matches:
            if len(iris) > 1:
                chosen = [x for x in iris if x in sure]
                if len(chosen) != 1:
                    continue
                iris = tuple(chosen)
            if outer is None:
                top[(i, j)] = iris[0]
                out.append((i, j, iris[0], "ontology", None))
            else:
                nested.append((outer, iris[0]))
        # a concept nested in a longer label is evidenced by the longer mention's span when
        # the ontology makes it broader than the longer one ("reinforcement learning" in
        # "deep reinforcement learning"); else the word is part of another concept's name
        # ("extrapolation" in "length extrapolation")
        for (i, j), iri in nested:
            outer = top.get((i, j))
            if outer is not None and outer != iri and iri in self.ancestors(outer):
                out.append((i, j, iri, "ontology", None))
        if self.write_spans:
            concepts = self.ontology.concepts
            doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=[
                Span(doc, i, j, label=concepts[x].type, kb_id=x)
                for i, j, x, src, _ in out if src == "ontology"])
        return doc


def ontology_matcher(nlp: Language) -> OntologyMatcher | None:
    """The pipeline's :class:`OntologyMatcher` (whatever its name), or None.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> ontology_matcher(nlp) is None
    True
    >>> matcher = nlp.add_pipe("kg_ontology_matcher", name="concepts")
    >>> ontology_matcher(nlp) is matcher
    True
    """
    for _, proc in nlp.pipeline:
        if isinstance(proc, OntologyMatcher):
            return proc
    return None


@Language.factory(
    "kg_ontology_matcher",
    default_config={"ontology_paths": None, "spans_key": ONTOLOGY_KEY, "write_spans": True},
)
def make_ontology_matcher(nlp: Language, name: str, ontology_paths: list[str] | None,
                          spans_key: str, write_spans: bool) -> OntologyMatcher:
    """Factory of :class:`OntologyMatcher` (``nlp.add_pipe("kg_ontology_matcher")``).

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("kg_ontology_matcher")  # calls this factory
    >>> doc = nlp("We fine-tune with low-rank adaptation (LoRA).")
    >>> [(s.text, s.label_) for s in doc.spans["kg_ontology"]]
    [('fine-tune', 'Method'), ('low-rank adaptation', 'Method'), ('LoRA', 'Method')]
    """
    return OntologyMatcher(nlp, name, ontology_paths=ontology_paths, spans_key=spans_key,
                           write_spans=write_spans)


# -------------------------------------------------------------------- abbreviation detector
class AbbreviationDetector:
    """Find ``long form (SF)`` definitions and resolve the short form's uses.

    Within a doc, a definition maps SF to the ontology concept its long form (or SF itself)
    matches, otherwise to a discovered term named by the long form (``x:<slug>``); every
    use of SF in the doc becomes a mention of that concept. Short forms the doc uses but
    does not define are resolved through :attr:`corpus` (``{SF: long form}``, see
    :class:`kg.extract.abbreviations.AcronymTable`), set by the Extractor before a run.
    A corpus long form that the ontology does not name is trusted only when at least
    ``corpus_min_papers`` papers define the short form so: measured by leaving each
    defining paper's own definition out (``benchmarks/acronym_senses.py``), a short form
    resolved on one other paper's word was wrong three times in four.

    Parameters
    ----------
    nlp : Language
        The pipeline.
    name : str
        Component name.
    spans_key : str
        The span group written.
    ontology_key : str
        The span group of ontology mentions read (the matcher must run first).
    write_spans : bool
        Also write ``doc.spans[spans_key]``.
    discover : bool
        Create discovered terms from long forms that are not ontology labels.
    corpus_min_papers : int
        Fewest papers of the corpus table behind a long form that is not an ontology
        concept (a table whose values are bare long forms is trusted as given).
    """

    def __init__(self, nlp: Language, name: str = "kg_abbreviations",
                 spans_key: str = ABBREV_KEY, ontology_key: str = ONTOLOGY_KEY,
                 write_spans: bool = True, discover: bool = True,
                 corpus_min_papers: int = 2) -> None:
        self.name = name
        self.corpus_min_papers = int(corpus_min_papers)
        self.nlp = nlp
        self.discover = discover
        self.spans_key = spans_key
        self.write_spans = write_spans
        self.ontology_key = ontology_key
        self._corpus: dict[str, tuple[str, str]] = {}
        self._corpus_raw: dict[str, str | tuple[str, int]] = {}
        self._corpus_for = None

    # corpus table -------------------------------------------------------------------
    @property
    def corpus(self) -> dict[str, str]:
        """``{short form: long form}`` learned from the corpus (empty by default)."""
        return {sf: v if isinstance(v, str) else v[0] for sf, v in self._corpus_raw.items()}

    def set_corpus(self, table: dict | None) -> None:
        """Install a corpus acronym table (None clears it): ``{SF: (long form, papers)}``
        (:attr:`kg.extract.abbreviations.AcronymTable.entries`), or ``{SF: long form}``,
        whose entries are all trusted."""
        raw = dict(table or {})
        if raw == self._corpus_raw and self._corpus_for is self._matcher():
            return  # same table, same matcher: the resolved table is unchanged
        self._corpus_raw = raw
        self._corpus = {}
        self._corpus_for = self._matcher()
        for sf, value in self._corpus_raw.items():
            lf, papers = _corpus_entry(sf, value)
            target = self._resolve_text(lf)
            if self.trusts(target, papers):
                self._corpus[cased_key(sf)] = (target, lf)

    def trusts(self, target: str | None, papers: int | None,
               min_papers: int | None = None) -> bool:
        """Whether a corpus long form resolving to ``target`` (an ontology IRI, ``x:<slug>``
        or None), given by ``papers`` papers (None: a table given as is), resolves its
        short form in papers that do not define it (``min_papers``: instead of
        ``corpus_min_papers``)."""
        if not target:
            return False
        if not target.startswith("x:"):
            return True
        least = self.corpus_min_papers if min_papers is None else min_papers
        return self.discover and (papers is None or papers >= least)

    def _matcher(self) -> OntologyMatcher | None:
        return ontology_matcher(self.nlp)

    def _resolve_text(self, lf: str) -> str | None:
        doc = self.nlp.make_doc(lf)
        a = Analysis(doc)
        if not len(doc):
            return None
        m = self._matcher()
        if m is not None:
            iris = m.lookup(a, 0, len(doc))
            if len(iris) == 1:
                return iris[0]
        slug = discovered_slug(a, 0, len(doc))
        return "x:" + slug if slug else None

    # per doc -------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        a = analyze(doc)
        text = a.doc_text
        kind, lower = a.kind, a.lower
        n = len(kind)
        mentions = _mentions(doc)
        onto = [m for m in mentions if m[3] == "ontology"]
        onto_by_end = {m[1]: m for m in onto}
        onto_by_start = {m[0]: m for m in onto}
        defs: dict[str, tuple[str, str]] = {}
        spans: list[tuple] = []
        opens = []
        if "(" in text:
            k = -1
            index = lower.index
            try:
                while True:
                    k = index("(", k + 1)
                    opens.append(k)
            except ValueError:
                pass
        for i in opens:
            if i >= n - 2:
                continue
            close = None
            for j in range(i + 2, min(i + 6, n)):
                if lower[j] == ")":
                    close = j
                    break
                if kind[j] == BREAK or kind[j] == SPACE:
                    break
            if close is None:
                continue
            sf = text[a.end[i]:a.start[close]]
            if sf.endswith("s") and is_short_form(sf[:-1]) and sf[-2].isupper():
                sf = sf[:-1]
            if not is_short_form(sf) or cased_key(sf) in defs:
                continue
            # the clause before "(": back to the previous break
            b = i - 1
            while b >= 0 and kind[b] != BREAK and i - b <= 2 * len(sf) + 2:
                b -= 1
            first = b + 1
            if first >= i:
                continue
            clause = text[a.start[first]:a.start[i]].rstrip()
            lf = long_form(sf, clause)
            if not lf:
                continue
            lf_start = a.start[first] + clause.rfind(lf)
            lf_tok = next((t for t in range(first, i) if a.start[t] == lf_start), None)
            if lf_tok is None:
                continue
            lf_end = i
            while lf_end > lf_tok and kind[lf_end - 1] == SPACE:
                lf_end -= 1
            target = None
            span = onto_by_end.get(lf_end)
            if span is not None and span[0] == lf_tok:  # the whole long form is a label
                target = span[2]
            elif i + 2 == close and (i + 1) in onto_by_start:
                target = onto_by_start[i + 1][2]
            if target is None:
                slug = discovered_slug(a, lf_tok, lf_end) if self.discover else ""
                if not slug:
                    continue
                target = "x:" + slug
                spans.append((lf_tok, lf_end, target, "discovered", 0.9))
            defs[cased_key(sf)] = (target, lf)
        # uses of short forms (defined here, or in the corpus)
        corpus = self._corpus
        if defs or corpus:
            mixed = a.mixed
            mset = set(mixed)
            present = corpus.keys() & mset
            present.update(k for k in defs if k in mset)
            # token positions of the present short forms, found at C speed
            uses = list(compress(range(n), map(present.__contains__, mixed))) if present else []
            if uses:
                taken = {t for s in onto for t in range(s[0], s[1])}
                taken.update(t for s in spans for t in range(s[0], s[1]))
            for t in uses:
                if kind[t] != WORD or t in taken:
                    continue
                key = mixed[t]
                hit = defs.get(key)
                if hit is None:
                    hit = corpus.get(key)
                    if hit is None:
                        continue
                    defs.setdefault(key, hit)
                onto_target = not hit[0].startswith("x:")
                spans.append((t, t + 1, hit[0], "ontology" if onto_target else "discovered",
                              None if onto_target else 0.9))
        spans.sort(key=lambda s: (s[0], s[1]))
        mentions.extend(spans)
        if self.write_spans:
            doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=[
                Span(doc, i, j, label="ABBREVIATION", kb_id=x) for i, j, x, _, _ in spans])
        doc.user_data[ABBREV_DATA] = defs
        return doc


def _corpus_entry(sf, value) -> tuple[str, int | None]:
    """``(long form, papers or None)`` of one corpus table entry, or a clear error."""
    if isinstance(value, str):
        return value, None
    if (isinstance(value, (tuple, list)) and len(value) == 2 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool)):
        return value[0], value[1]
    raise ExtractionError(
        f"corpus acronym table: the entry of {sf!r} is {value!r}; expected a long form "
        "(str) or a (long form, papers) pair, as AcronymTable.entries gives")


@Language.factory(
    "kg_abbreviations",
    default_config={"spans_key": ABBREV_KEY, "ontology_key": ONTOLOGY_KEY, "write_spans": True,
                    "discover": True, "corpus_min_papers": 2},
)
def make_abbreviation_detector(nlp: Language, name: str, spans_key: str,
                               ontology_key: str, write_spans: bool,
                               discover: bool, corpus_min_papers: int) -> AbbreviationDetector:
    """Factory of :class:`AbbreviationDetector` (``nlp.add_pipe("kg_abbreviations")``).

    ``discover=False`` keeps only short forms that resolve to ontology concepts.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("kg_abbreviations")  # calls this factory
    >>> doc = nlp("We propose sparse spectral tuning (SST). SST is fast.")
    >>> [(s.text, s.kb_id_) for s in doc.spans["kg_abbreviations"]]
    [('sparse spectral tuning', 'x:sparse-spectral-tuning'), ('SST', 'x:sparse-spectral-tuning'),
     ('SST', 'x:sparse-spectral-tuning')]
    """
    return AbbreviationDetector(nlp, name, spans_key=spans_key, ontology_key=ontology_key,
                                write_spans=write_spans, discover=discover,
                                corpus_min_papers=corpus_min_papers)


# --------------------------------------------------------------------------- term discovery
_NC_SKIP = {"DET", "PRON", "PUNCT", "SPACE", "CCONJ", "ADP"}


def written_twice(text: str, phrase: str) -> bool:
    """Whether ``text`` writes ``phrase`` twice or more as whole words, in the singular or
    the plural (also inside a longer phrase: "linear regions" in "piecewise linear
    regions", not in "nonlinear regions").

    Examples
    --------
    >>> written_twice("piecewise linear regions ... linear regions", "linear regions")
    True
    >>> written_twice("nonlinear regions ... linear regions", "linear regions")
    False
    >>> written_twice("an anonymous walk ... anonymous walks", "anonymous walks")
    True
    """
    if phrase.endswith("es") and len(phrase) > 4 and phrase[-3] in "sxz":
        phrase = phrase[:-2]  # "biases": "bias" or "biases"
    elif phrase.endswith("s") and not phrase.endswith("ss") and len(phrase) > 3:
        phrase = phrase[:-1]
    if not phrase:
        return False
    k = text.find(phrase)
    found = 0
    n = len(phrase)
    size = len(text)
    while k >= 0:
        end = k + n
        if end < size and text[end] == "s":  # the plural
            end += 1
        elif text.startswith("es", end) and phrase[-1] in "sxz":
            end += 2
        if (k == 0 or not text[k - 1].isalnum()) and (end == size or not text[end].isalnum()):
            found += 1
            if found == 2:
                return True
        k = text.find(phrase, k + 1)
    return False


def _topic_slug(a: Analysis, i: int, j: int, key: str, title_end: int,
                lowered: list[str]) -> str:
    """The slug of candidate ``key`` (tokens ``i:j``), scoring under the bar but within
    :data:`TOPICAL_FACTOR` of it, when the paper names it as a topic: in its title, or
    written twice in its text; else "". ``lowered`` holds the lower-cased text once made."""
    if a.start[i] >= title_end:
        if not lowered:
            lowered.append(a.doc_text.lower())
        if not written_twice(lowered[0], key.lower()):
            return ""
    return discovered_slug(a, i, j)


class TermDiscovery:
    """Discover terms outside the ontology and score their termhood.

    Candidates come from the lexicon chunker (:func:`kg.extract.discovery.chunk`) on a
    blank pipeline, or from spaCy noun chunks when the doc is parsed and
    ``use_noun_chunks`` is true. A candidate equal to an ontology or abbreviation span is
    skipped (it is already a concept); the rest are kept when their termhood score is at
    least ``min_score``, or, for a *topical* candidate (two words or more, in the title,
    ``doc.user_data[TITLE_END]``, or twice in the doc), at least ``TOPICAL_FACTOR *
    min_score`` (then scored ``min_score``).

    Parameters
    ----------
    nlp : Language
        The pipeline.
    name : str
        Component name.
    min_score : float
        Lowest termhood score kept.
    use_noun_chunks : bool
        Use the parser's noun chunks when available.
    spans_key : str
        The span group written (scores in ``doc.spans[key].attrs["scores"]``).
    subterms : bool
        Also emit sub-phrases of a term that score as terms themselves, as concepts of
        their own evidenced by the whole term (see :meth:`_subterms`).
    """

    def __init__(self, nlp: Language, name: str = "kg_term_discovery", min_score: float = 0.4,
                 use_noun_chunks: bool = True, spans_key: str = DISCOVERED_KEY,
                 lexicon_path: str | None = None, write_spans: bool = True,
                 subterms: bool = True) -> None:
        self.name = name
        self.write_spans = write_spans
        self.subterms = subterms
        self.nlp = nlp
        self.min_score = float(min_score)
        self.use_noun_chunks = bool(use_noun_chunks)
        self.spans_key = spans_key
        self.lexicon = load_lexicon(lexicon_path)
        self.weights = self.lexicon.phrase
        # The termhood cache, keyed by the candidate's text, context-free values only, in
        # two generations: when the young one is full it becomes the old one (dropping the
        # previous old one) and a hit in the old one is promoted, so frequent keys survive.
        self._cache: dict[str, tuple[float, str]] = {}
        self._cache_old: dict[str, tuple[float, str]] = {}
        self._scorer = PhraseScorer(self.weights)
        # The term cache of the chunker path (see _chunk_terms): candidate text ->
        # (token keys, context-free score, id, sub-terms or None), two generations too.
        self._terms: dict[str, list] = {}
        self._terms_old: dict[str, list] = {}

    def _concept_cut(self, a: Analysis, s: int, e: int, bounds: tuple) -> str | None:
        """The ontology concept of the stretch ``s:e``, which cuts into an ontology mention:
        its IRI when the stretch crosses the edge of one (not inside one) and its words are
        one ontology label, which the matcher missed where a longer label overlapped it
        ("Image Classification" in "Whole-Slide Image Classification"); else None."""
        if bounds[1][s] >= e:  # inside a mention: its nested concepts are reported
            return None
        matcher = ontology_matcher(self.nlp)
        iris = matcher.lookup(a, s, e) if matcher is not None else ()
        return iris[0] if len(iris) == 1 else None

    def _subterms(self, a: Analysis, i: int, j: int, known: set, bounds: tuple | None,
                  spans: list, labels: dict) -> None:
        """Head-final and leading sub-phrases of the term ``i:j`` that score as terms
        themselves ("reinforcement learning" in "deep reinforcement learning"); their
        mention is the whole term, their label the sub-phrase."""
        kind, joined = a.kind, a.joined
        starts = [t for t in range(i, j) if kind[t] != HYPHEN and not (t > i and joined[t - 1])]
        if len(starts) < 2:
            return
        ends = [t + 1 for t in range(i, j)
                if kind[t] != HYPHEN and not (t + 1 < j and joined[t + 1])]
        subs = [(s, j) for s in starts[1:]] + [(i, e) for e in ends[1:-1]]
        text, start, end = a.doc_text, a.start, a.end
        for s, e in subs:
            if (s, e) in known:
                continue
            iri = None
            if bounds is not None and (bounds[0][s] < s or bounds[1][e - 1] > e):
                iri = self._concept_cut(a, s, e, bounds)
                if iri is None:
                    continue
            key = text[start[s]:end[e - 1]]
            score, slug = self._score(a, s, e, key)
            if score < self.min_score or not slug:
                continue
            if iri is not None:
                spans.append((i, j, iri, "ontology", None))
                continue
            cid = "x:" + slug
            spans.append((i, j, cid, "discovered", round(score * SUBTERM_DISCOUNT, 4)))
            labels.setdefault(cid, key)

    def _score(self, a: Analysis, i: int, j: int, key: str) -> tuple[float, str]:
        """``(termhood score, slug)`` of the candidate ``i:j`` whose text is ``key``.

        The cache holds context-free scores only: a term in parentheses is scored anew, so
        that a paper's result never depends on which papers came before it.
        """
        if not _in_parentheses(a, i, j):
            hit = self._cache.get(key)
            if hit is not None:
                return hit
            hit = self._cache_old.get(key)
            if hit is not None:
                self._cache[key] = hit
                return hit
        score, free = span_score(a, i, j, self.weights)
        score = round(score, 4)
        slug = discovered_slug(a, i, j) if score >= self.min_score else ""
        if free:
            self._cache[key] = (score, slug)
        return score, slug

    def candidates(self, doc: Doc, a: Analysis) -> list[tuple[int, int]]:
        """Candidate spans ``(start, end)`` of a doc."""
        if self.use_noun_chunks and doc.has_annotation("DEP"):
            out = []
            for nc in doc.noun_chunks:
                i, j = nc.start, nc.end
                while i < j and doc[i].pos_ in _NC_SKIP:
                    i += 1
                while j > i and doc[j - 1].pos_ in _NC_SKIP:
                    j -= 1
                if i < j and any(a.kind[t] <= NUMBER for t in range(i, j)):
                    out.append((i, j))
            return out
        return chunk(a, self.lexicon)

    def _sub_entries(self, a: Analysis, i: int, j: int) -> tuple:
        """The sub-terms of the term ``i:j`` that score as terms, as
        ``(start - i, end - i, id, score, text)``. They depend on the term's text alone (a
        sub-phrase is never written in parentheses), so they are cached with the term."""
        kind = a.kind
        text, start, end = a.doc_text, a.start, a.end
        min_score = self.min_score
        discounted = _discounted
        out = []
        # the term without its generic head word ("weight imprinting" of "weight
        # imprinting methods") names what the term is about: a lower bar
        stem_end = j - 1 if kind[j - 1] == WORD and a.low[j - 1] in STEM_HEADS else -1
        stem_min = STEM_FACTOR * min_score
        if HYPHEN not in kind[i:j]:  # one unit per token: scored directly, not cached
            for s, e, score in self._scorer.sub_scores(a, i, j):
                if score < min_score and e == stem_end and s == i and score >= stem_min:
                    score = min_score
                if score >= min_score:
                    slug = discovered_slug(a, s, e)
                    if slug:
                        out.append((s - i, e - i, "x:" + slug, discounted(score),
                                    text[start[s]:end[e - 1]]))
            return tuple(out)
        joined = a.joined
        starts = [t for t in range(i + 1, j) if kind[t] != HYPHEN and not joined[t - 1]]
        ends = [t + 1 for t in range(i, j - 1) if kind[t] != HYPHEN and not joined[t + 1]]
        if not starts:
            return ()
        subs = [(s, j) for s in starts] + [(i, e) for e in ends[1:]]
        entry_of = self._term_entry
        for s, e in subs:
            sub_text = text[start[s]:end[e - 1]]
            _, score, cid, _ = entry_of(a, s, e, sub_text)
            if not cid and e == stem_end and s == i and score >= stem_min:
                slug = discovered_slug(a, s, e)
                cid = "x:" + slug if slug else ""
                score = min_score if cid else score
            if score >= min_score and cid:
                out.append((s - i, e - i, cid, discounted(score), sub_text))
        return tuple(out)

    def _term_entry(self, a: Analysis, i: int, j: int, key: str) -> tuple:
        """The cached ``(token keys, score, id, sub-terms)`` of the candidate ``i:j`` (id:
        ``x:<slug>``, or "" when the score is under ``min_score``)."""
        entry = self._terms.get(key)
        if entry is None or entry[0] != a.low[i:j]:
            entry = self._missed_entry(a, i, j, key)
        return entry

    def _missed_entry(self, a: Analysis, i: int, j: int, key: str) -> tuple:
        """:meth:`_term_entry` of a candidate the young generation of the cache lacks, or
        holds tokenized otherwise: from the old generation, or scored."""
        low = a.low[i:j]
        entry = self._terms_old.get(key)
        if entry is None or entry[0] != low:  # new, or the same text tokenized otherwise
            score = round(self._scorer.score(a, i, j, False), 4)
            slug = discovered_slug(a, i, j) if score >= self.min_score else ""
            # a tuple, not a list: the garbage collector stops tracking tuples of atoms
            entry = (low, score, "x:" + slug if slug else "", None)
        self._terms[key] = entry
        return entry

    def _chunk_terms(self, a: Analysis, known: set, bounds: tuple | None, spans: list,
                     labels: dict, title_end: int = 0) -> None:
        """Term discovery over the lexicon chunker's candidates (the path without a parser):
        the same result as scoring each candidate and sub-term with :func:`span_score`,
        with every context-free result cached per candidate text."""
        if len(self._terms) > _CACHE_GENERATION:
            self._terms_old = self._terms
            self._terms = {}
        text, start, end, lower = a.doc_text, a.start, a.end, a.lower
        n = len(lower)
        min_score, subterms = self.min_score, self.subterms
        terms, low = self._terms, a.low
        first, last = bounds or (None, None)
        floor, lowered = TOPICAL_FACTOR * min_score, []
        chunks = chunk(a, self.lexicon)
        for i, j in chunks:
            if (i, j) in known:
                continue
            iri = None
            if first is not None and (first[i] < i or last[j - 1] > j):
                iri = self._concept_cut(a, i, j, bounds)
                if iri is None:
                    continue
            key = text[start[i]:end[j - 1]]
            entry = terms.get(key)
            if entry is None or entry[0] != low[i:j]:
                entry = self._missed_entry(a, i, j, key)
            score, cid = entry[1], entry[2]
            st = start[i]
            if st and text[st - 1] == "(" and j < n and lower[j] == ")":
                score = round(self._scorer.score(a, i, j, True), 4)
                slug = discovered_slug(a, i, j) if score >= min_score else ""
                cid = "x:" + slug if slug else ""
            if floor <= score < min_score and " " in key:  # topical (TOPICAL_FACTOR)?
                slug = _topic_slug(a, i, j, key, title_end, lowered)
                if not slug:
                    continue
                cid, score = "x:" + slug, min_score
            if score < min_score or not cid:
                continue
            if iri is None:
                spans.append((i, j, cid, "discovered", score))
            else:
                spans.append((i, j, iri, "ontology", None))
            if subterms and j - i > 1:
                subs = entry[3]
                if subs is None:
                    subs = self._sub_entries(a, i, j)
                    self._terms[key] = entry[:3] + (subs,)
                for ds, de, cid, sub_score, sub_text in subs:
                    s, e = i + ds, i + de
                    if (s, e) in known:
                        continue
                    if first is not None and (first[s] < s or last[e - 1] > e):
                        iri = self._concept_cut(a, s, e, bounds)
                        if iri is not None:  # evidenced by the whole term
                            spans.append((i, j, iri, "ontology", None))
                        continue
                    spans.append((i, j, cid, "discovered", sub_score))
                    labels.setdefault(cid, sub_text)

    def __call__(self, doc: Doc) -> Doc:
        a = analyze(doc)
        mentions = _mentions(doc)
        known = {(m[0], m[1]) for m in mentions}
        bounds = _ontology_bounds(mentions, len(a.kind))
        spans = []
        labels: dict[str, str] = {}
        if not (self.use_noun_chunks and doc.has_annotation("DEP")):
            self._chunk_terms(a, known, bounds, spans, labels, doc.user_data.get(TITLE_END, 0))
            self._finish(doc, mentions, spans, labels)
            return doc
        if len(self._cache) > _CACHE_GENERATION:
            self._cache_old = self._cache
            self._cache = {}
        text, start, end = a.doc_text, a.start, a.end
        first, last = bounds or (None, None)
        min_score = self.min_score
        floor, lowered = TOPICAL_FACTOR * min_score, []
        title_end = doc.user_data.get(TITLE_END, 0)
        chunks = self.candidates(doc, a)
        for i, j in chunks:
            if (i, j) in known:
                continue
            iri = None
            if first is not None and (first[i] < i or last[j - 1] > j):
                iri = self._concept_cut(a, i, j, bounds)
                if iri is None:
                    continue
            key = text[start[i]:end[j - 1]]
            score, slug = self._score(a, i, j, key)
            if floor <= score < min_score and " " in key:  # topical (TOPICAL_FACTOR)?
                slug = _topic_slug(a, i, j, key, title_end, lowered)
                if not slug:
                    continue
                score = min_score
            if score < self.min_score or not slug:
                continue
            if iri is not None:
                spans.append((i, j, iri, "ontology", None))
            else:
                spans.append((i, j, "x:" + slug, "discovered", score))
            if self.subterms and j - i > 1:
                self._subterms(a, i, j, known, bounds, spans, labels)
        self._finish(doc, mentions, spans, labels)
        return doc

    def _finish(self, doc: Doc, mentions: list, spans: list, labels: dict) -> None:
        names = doc.user_data.get(NAMES)
        if names:
            spans[:] = [m for m in spans if not any(m[0] < e and s < m[1] for s, e in names)]
        mentions.extend(spans)
        if labels:
            doc.user_data.setdefault(TERM_LABELS, {}).update(labels)
        if self.write_spans:
            terms = [m for m in spans if m[3] == "discovered"]
            group = SpanGroup(doc, name=self.spans_key, spans=[
                Span(doc, i, j, label="TERM", kb_id=x) for i, j, x, _, _ in terms])
            group.attrs["scores"] = [sc for *_, sc in terms]
            doc.spans[self.spans_key] = group


@Language.factory(
    "kg_term_discovery",
    default_config={"min_score": 0.4, "use_noun_chunks": True, "spans_key": DISCOVERED_KEY,
                    "lexicon_path": None, "write_spans": True, "subterms": True},
)
def make_term_discovery(nlp: Language, name: str, min_score: float, use_noun_chunks: bool,
                        spans_key: str, lexicon_path: str | None,
                        write_spans: bool, subterms: bool) -> TermDiscovery:
    """Factory of :class:`TermDiscovery` (``nlp.add_pipe("kg_term_discovery")``).

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("kg_term_discovery", config={"subterms": False})  # calls this factory
    >>> doc = nlp("We study rank decomposition matrices for sparse spectral tuning.")
    >>> [(s.text, s.kb_id_) for s in doc.spans["kg_discovered"]], doc.spans["kg_discovered"].attrs
    ([('rank decomposition matrices', 'x:rank-decomposition-matrice'),
      ('sparse spectral tuning', 'x:sparse-spectral-tuning')], {'scores': [0.8369, 0.6185]})
    """
    return TermDiscovery(nlp, name, min_score=min_score, use_noun_chunks=use_noun_chunks,
                         spans_key=spans_key, lexicon_path=lexicon_path,
                         write_spans=write_spans, subterms=subterms)
