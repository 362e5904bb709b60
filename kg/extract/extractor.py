"""The :class:`Extractor`: papers in, extraction records out (streaming).

Each paper is processed as one doc, ``title + "\\n\\n" + abstract``; mentions are mapped
back to their field with offsets into that field's text, so
``paper.abstract[m["start"]:m["end"]] == m["text"]`` (or ``paper.title``). Papers go
through the pipeline in batches (kg's components stage by stage, see
:meth:`Extractor._docs`). spaCy's tokenizer caches the words it has split, but not
inside ``nlp.memory_zone()``; so batches run outside a zone, their strings kept (the cache
that makes the pipeline tokenize as fast as a plain tokenizer pass), until the string store
holds :data:`WARM_STRINGS` strings (about 150 MB; all 74,728 arXiv CS abstracts need
about 200,000), and inside a zone from then on, so memory stays flat on long runs.

Concepts of one paper: ontology mentions (leftmost-longest label matches; a concept whose
label lies inside a longer discovered term, or inside a longer label whose concept it is
broader than, is evidenced by that longer span, e.g. "reinforcement learning" by "deep
reinforcement learning"), short forms resolved by abbreviation definitions (a definition
"long form (SF)" is one mention), and discovered terms: one concept per discovered span
(see :meth:`Extractor._one_concept_per_span`), whose contained terms become its
``broader`` concepts; a contained head-final term is also a concept of the paper when the
term is in the title, or two terms of the paper contain it, or the paper writes it twice
("anonymous walks" in the title's "Causal Anonymous Walks"). Generic terms
(:mod:`kg.extract.specificity`) are flagged ``"generic": true``. Concepts are ranked by score (termhood or 0.8 for ontology concepts,
raised by repeated and title mentions) and capped at ``settings.max_concepts``.

Long texts (choice documented here): spaCy refuses a text longer than ``nlp.max_length``
(1,000,000 characters by default; error E088), which would lose the whole batch. kg's
readers reject such papers at ingest (``kg.ingest.common.MAX_TEXT_CHARS``), but a paper
given straight to :meth:`Extractor.extract` may be longer: then only its first
``nlp.max_length`` characters (title first) are read for concepts, with a
:class:`UserWarning` naming the paper, and its record is made as usual (the mentions'
offsets are those of the full fields, which start with the part read).

Corpus acronyms (choice documented here): when ``papers`` can be iterated twice (a list,
a tuple, any iterable that is not its own iterator), :meth:`Extractor.extract` first makes
a cheap regex pass over all texts to build an :class:`AcronymTable`, then streams the
records. A one-shot iterator is never read twice: only definitions inside each paper are
used, unless a table is passed (``acronyms=``, e.g. from :meth:`Extractor.learn_acronyms`
over a re-readable source). Either way the output is deterministic.

Examples
--------
>>> from kg.types import Paper
>>> ex = Extractor()
>>> papers = [Paper(id="p1", title="Scaling laws",
...                 abstract="Over-parameterized nets and the neural tangent kernel (NTK).")]
>>> rec = next(ex.extract(papers))
>>> sorted(c["label"] for c in rec["concepts"] if c["source"] == "ontology")
['neural tangent kernel', 'over-parameterization', 'scaling laws']
>>> m = rec["concepts"][0]["mentions"][0]
>>> getattr(papers[0], m["field"])[m["start"]:m["end"]] == m["text"]
True
"""
from __future__ import annotations

import bisect
import gc
import re
import warnings
from collections.abc import Iterable, Iterator

from kg.extract.abbreviations import AcronymTable
from spacy.attrs import LANG, SENT_START
from spacy.util import raise_error

from kg.extract.tokens import TEXT_KEY, analyze, sentence_starts
from kg.extract.components import (ABBREV_DATA, GENERIC_HEADS, MENTIONS, SUBTERM_DISCOUNT,
                                   TERM_LABELS, TITLE_END, AbbreviationDetector,
                                   OntologyMatcher, TermDiscovery, is_term_slug,
                                   ontology_matcher, text_slug, written_twice)
from kg.extract.normalize import word_key
from kg.extract.settings import ExtractSettings, build_nlp
from kg.extract.specificity import load_generic_terms
from kg.iris import DISCOVERED_NS, discovered_iri
from kg.types import Paper

__all__ = ["Extractor", "DISCOVERED_NS", "SEPARATOR", "discovered_iri"]

#: What joins title and abstract into one doc.
SEPARATOR = "\n\n"
DISCOVERED_TYPE = "Term"
_DECAY = [0.75 ** max(k - 1, 0) for k in range(17)]
#: Size of the string store up to which batches run outside ``nlp.memory_zone()``.
WARM_STRINGS = 500_000
#: Most entries of the Extractor's cache of discovered ids naming ontology concepts.
_CACHE_LIMIT = 200_000
#: Punctuation a mention or label never ends with (spaCy leaves "ANIMAL-10N." one token).
_TRAILING = ".,;:!?"
_WORD_AFTER = re.compile(r" ([A-Za-z]+)\b")
#: The components that run stage by stage over a batch (see Extractor._docs).
_OWN_COMPONENTS = (OntologyMatcher, AbbreviationDetector, TermDiscovery)
#: Move what survives a batch to the garbage collector's permanent generation (see _run).
FREEZE_BATCHES = True



#: ``{-score: score rounded to 4 places}`` of the concept scores seen; a concept's score
#: comes from a few values (4-place termhood scores, mention counts, the title flag).
_ROUNDED: dict[float, float] = {}


def _rounded(neg: float) -> float:
    """``round(-neg, 4)``, remembered in :data:`_ROUNDED`."""
    if len(_ROUNDED) > _CACHE_LIMIT:
        _ROUNDED.clear()
    out = _ROUNDED[neg] = round(-neg, 4)
    return out


def _label_of(text: str) -> str:
    """Preferred label of a discovered term from a surface form: lower-cased unless a word
    has a capital after its first letter (acronyms, CamelCase), white space collapsed.
    (Not cached: most surface forms come once, and a cache lookup costs about as much.)"""
    if text.endswith(")") and " (" in text:  # a definition "long form (SF)"
        text = text[:text.rindex(" (")]
    words = text.rstrip(_TRAILING).split() or text.split()
    text = " ".join(words)
    if text.lower() == text:  # nothing to keep cased
        return text
    # a word whose letters after the first are lower case ("Learning") is lower-cased
    # without looking at its hyphenated parts
    return " ".join([w if w[1:].lower() != w[1:]
                     and any(p[1:].lower() != p[1:] for p in w.split("-")) else w.lower()
                     for w in words])


def _generic_head_after(text: str, end: int) -> int:
    """The end of a generic head word right after ``end`` ("(EM) algorithm"), else ``end``.

    Examples
    --------
    >>> text = "the expectation maximization (EM) algorithms converge"
    >>> text[:_generic_head_after(text, 33)]
    'the expectation maximization (EM) algorithms'
    >>> _generic_head_after("the (EM) steps", 8)
    8
    """
    m = _WORD_AFTER.match(text, end)
    return m.end() if m is not None and word_key(m.group(1)) in GENERIC_HEADS else end


def _join_definitions(spans: dict[int, int], text: str, joined: dict) -> None:
    """Join a concept's mention and the short form right after it in parentheses into one
    mention, in place: "convolutional neural network (CNN)" is one mention of one concept.
    A generic head word after the parentheses ends the noun phrase, so it ends the mention
    too, as it does without them: "expectation maximization (EM) algorithm". ``joined``
    gets ``{(start, old end): new end}``."""
    starts = sorted(spans)
    for a, b in zip(starts, starts[1:]):
        end = spans.get(a)
        if end is None or b not in spans:
            continue
        between = text[end:b]
        if between.strip() == "(" and text[spans[b]:spans[b] + 1] == ")":
            spans[a] = joined[(a, end)] = _generic_head_after(text, spans.pop(b) + 1)


def _without_generic_head(cid: str) -> str:
    """A discovered id without a last word of :data:`GENERIC_HEADS`."""
    cut = cid.rfind("-")
    if cut > 1 and cid[cut + 1:] in GENERIC_HEADS and cid.startswith("x:"):
        return cid[:cut]
    return cid


def _head_final_parts(cands: list, labels: dict) -> dict[str, float]:
    """The discovered ids among a span's candidates (``cands[0]`` the whole term) that end
    the whole term, without a generic head word, with their scores: "linear bandit" and
    "contextual linear bandit" in "global contextual linear bandit problem". ``labels``
    (``{id: text}``, the sub-terms' texts) gets the labels of the ids made by dropping a
    head word."""
    whole = cands[0][2]
    headed = _without_generic_head(whole) != whole
    out: dict[str, float] = {}
    for m in cands:
        c = m[2]
        if not whole.endswith("-" + c[2:]):  # not a suffix (the whole term, a prefix)
            continue
        if headed:  # "linear bandit problem" names "linear bandit"
            stem = c.rpartition("-")[0]
            if not stem.startswith("x:") or not is_term_slug(stem[2:]):
                continue
            if stem not in labels:
                text = labels.get(c, "")
                if " " not in text:
                    continue
                labels[stem] = text.rsplit(" ", 1)[0]
            c = stem
        if m[4] > out.get(c, -1.0):
            out[c] = m[4]
    return out


def _skip_lexical_attributes(nlp) -> None:
    """Stop ``nlp``'s vocab from computing the lexical attributes of new words (``is_stop``,
    ``like_num``, ``shape_``, ``norm_`` ... all but the language).

    spaCy computes some 20 of them, in Python, for every word its tokenizer meets for the
    first time (about 15 µs a word; 0.04 ms a paper over the 74,728 arXiv abstracts, about
    3 % of the extraction). kg's components read only the tokens' texts and spaces, so the
    Extractor's own blank pipeline goes without them (its docs never leave the Extractor);
    the tokens, and so the records, are the same.
    """
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {LANG: getters[LANG]} if LANG in getters else {}


def _shortened(paper: Paper, text: str, limit: int) -> str:
    """The first ``limit`` characters of a paper's text, with a warning naming the paper."""
    warnings.warn(f"paper {paper.id!r}: its title and abstract are {len(text):,} characters, "
                  f"more than the pipeline's nlp.max_length ({limit:,}); concepts are "
                  f"extracted from the first {limit:,} only", UserWarning, stacklevel=2)
    return text[:limit]


class Extractor:
    """Extract concept records from papers.

    A paper longer than the pipeline's ``nlp.max_length`` is read up to that length, with
    a warning (see the module docs), instead of failing its batch.

    Parameters
    ----------
    settings : ExtractSettings, optional
        The extraction settings (defaults need no spaCy model).
    nlp : Language, optional
        A pipeline built by :func:`build_nlp` (built lazily from ``settings`` otherwise).

    Notes
    -----
    The extractor pickles without its pipeline (only the settings travel); a worker process
    rebuilds the pipeline from the settings on first use.
    """

    def __init__(self, settings: ExtractSettings | None = None, nlp=None) -> None:
        self.settings = settings or ExtractSettings()
        self._nlp = nlp
        self._foreign_pipes = True  # other components than kg's: a parser may set sentences
        self._concepts: dict = {}  # the ontology's concepts, set for each batch

    def __getstate__(self) -> dict:
        return {"settings": self.settings}

    def __setstate__(self, state: dict) -> None:
        self.settings = state["settings"]
        self._nlp = None
        self._foreign_pipes = True
        self._concepts = {}

    @property
    def _generic(self) -> frozenset:
        """Slugs of the generic discovered terms left out (empty when kept)."""
        return load_generic_terms() if self.settings.drop_generic else frozenset()

    @property
    def nlp(self):
        """The spaCy pipeline (built on first use; see :func:`_skip_lexical_attributes`)."""
        if self._nlp is None:
            nlp = build_nlp(self.settings)
            if not self.settings.model:
                _skip_lexical_attributes(nlp)
            self._nlp = nlp
        return self._nlp

    @property
    def ontology(self):
        return ontology_matcher(self.nlp).ontology

    def _label_index(self) -> dict[str, tuple[str, ...]]:
        """The matcher's case-insensitive label keys: ``{key: IRIs}``."""
        index = getattr(self, "_low_index", None)
        if index is None:
            index = self._low_index = ontology_matcher(self.nlp).low
        return index

    def _abbrev(self) -> AbbreviationDetector | None:
        for _, proc in self.nlp.pipeline:
            if isinstance(proc, AbbreviationDetector):
                return proc
        return None

    # ---------------------------------------------------------------------------- API
    def learn_acronyms(self, papers: Iterable[Paper]) -> AcronymTable:
        """The corpus acronym table of ``papers`` (one cheap regex pass, no spaCy)."""
        table = AcronymTable()
        for p in papers:
            table.add_text(p.title + SEPARATOR + p.abstract)
        return table

    def extract(self, papers: Iterable[Paper],
                acronyms: AcronymTable | dict | None = None) -> Iterator[dict]:
        """Yield one extraction record per paper, in input order.

        Parameters
        ----------
        papers : iterable of Paper
            The papers; if re-iterable and ``settings.corpus_acronyms`` is on, read twice
            (acronym pass, then extraction).
        acronyms : AcronymTable or dict, optional
            A corpus acronym table to use instead of building one.

        Yields
        ------
        dict
            ``{"id", "title", "abstract", "concepts": [...]}`` (see docs/architecture.md).
        """
        s = self.settings
        abbrev = self._abbrev() if s.abbreviations else None
        if abbrev is not None:
            if acronyms is None and s.corpus_acronyms and iter(papers) is not papers:
                acronyms = self.learn_acronyms(papers)
            if isinstance(acronyms, AcronymTable):
                acronyms = acronyms.entries
            abbrev.set_corpus(acronyms if s.corpus_acronyms else None)
        batch: list[Paper] = []
        for paper in papers:
            batch.append(paper)
            if len(batch) >= s.batch_size:
                yield from self._run(batch)
                batch = []
        if batch:
            yield from self._run(batch)

    def extract_one(self, paper: Paper) -> dict:
        """The record of a single paper (no corpus pass)."""
        return next(iter(self._run([paper])))

    # ---------------------------------------------------------------------- internals
    def _run(self, batch: list[Paper]) -> list[dict]:
        # The cyclic garbage collector is paused for one batch: a batch allocates many
        # small containers and makes no reference cycles (a test checks it). What survives
        # a batch is mostly new cache entries (~100 tuples a paper); the first collection
        # after it would scan them all (5-8 % of extraction time) only to find no garbage,
        # so they are moved to the permanent generation instead (gc.freeze: objects there
        # are still freed by reference counting, just never scanned for cycles).
        enabled = gc.isenabled()
        if enabled:
            gc.disable()
        try:
            return self._run_batch(batch)
        finally:
            if enabled:
                if FREEZE_BATCHES:
                    gc.freeze()
                gc.enable()

    def _run_batch(self, batch: list[Paper]) -> list[dict]:
        nlp = self.nlp
        self._foreign_pipes = any(not name.startswith("kg_") for name in nlp.pipe_names)
        self._concepts = self.ontology.concepts  # looked up once a batch, not once a paper
        texts = [p.title + SEPARATOR + p.abstract for p in batch]
        limit = nlp.max_length
        for k, t in enumerate(texts):
            if len(t) > limit:
                texts[k] = _shortened(batch[k], t, limit)

        if len(nlp.vocab.strings) < WARM_STRINGS:
            # outside a zone the tokenizer caches the new words (their strings stay: a
            # bounded cost, see the module docstring)
            return [self._record(p, doc)
                    for p, doc in zip(batch, self._docs(batch, texts))]
        with nlp.memory_zone():
            records = [self._record(p, doc)
                       for p, doc in zip(batch, self._docs(batch, texts))]
        return records

    def _docs(self, batch: list[Paper], texts: list[str]) -> list:
        """The docs of one batch through the pipeline. kg's own components run stage by
        stage (the tokenizer over the whole batch, then the token analysis, then each
        component over it), not one doc at a time through ``nlp.pipe``: each stage's code
        and caches stay in the processor's caches (about 15 % less time, the same docs).
        Other components (a parser) or another error handler than spaCy's default go
        through ``nlp.pipe``."""
        nlp = self.nlp
        docs = []
        for p, t in zip(batch, texts):
            doc = nlp.make_doc(t)
            doc.user_data[TEXT_KEY] = t  # spares the components rebuilding doc.text
            doc.user_data[TITLE_END] = len(p.title)
            docs.append(doc)
        pipeline = nlp.pipeline
        if nlp.default_error_handler is not raise_error or not all(
                type(proc) in _OWN_COMPONENTS for _, proc in pipeline):  # not subclasses
            return list(nlp.pipe(docs))
        for doc in docs:  # the token analysis the components share is a stage of its own
            analyze(doc)
        for _, proc in pipeline:
            docs = [proc(doc) for doc in docs]
        return docs

    @property
    def _term_concepts(self) -> dict:
        """Cache: discovered id -> the ontology concept it names, or None."""
        cache = getattr(self, "_term_cache", None)
        if cache is None:
            cache = self._term_cache = {}
        return cache

    def _ontology_of_term(self, slug: str) -> str | None:
        """The ontology concept a discovered term's slug names: its words are one label
        (matched without case), or one label followed by a generic head word ("PEFT
        methods", "LoRA layers", "image classification tasks"); else None."""
        index = self._slug_index()
        iris = index.get(slug.replace("-", ""))
        if iris is None:
            stem, _, head = slug.rpartition("-")
            if head in GENERIC_HEADS and stem:
                iris = index.get(stem.replace("-", ""))
        return iris[0] if iris is not None and len(iris) == 1 else None

    def _slug_index(self) -> dict[str, tuple[str, ...]]:
        """The label keys discovered slugs are looked up by, in one dict: the matcher's
        case-insensitive keys, else its case-sensitive ones lower-cased (no entry is
        empty, so one lookup gives what the first of the two indexes that has the key
        gives)."""
        index = getattr(self, "_slugs", None)
        if index is None:
            index = dict(self._folded_index())
            index.update(self._label_index())
            self._slugs = index
        return index

    def _folded_index(self) -> dict[str, tuple[str, ...]]:
        """The matcher's case-sensitive label keys (acronyms, CamelCase) lower-cased, for
        discovered slugs ("peft" for PEFT)."""
        index = getattr(self, "_folded", None)
        if index is None:
            acc: dict[str, set] = {}
            for key, iris in ontology_matcher(self.nlp).mixed.items():
                acc.setdefault(key.lower(), set()).update(iris)
            index = self._folded = {k: tuple(sorted(v)) for k, v in acc.items()}
        return index

    def _one_concept_per_span(self, doc, a, title_end: int = 0) -> tuple[list, dict]:
        """The doc's mentions with one concept per span, and the ``broader`` links of the
        discovered concepts kept: ``{id: [ids]}``.

        A discovered term and its sub-terms share the term's span: the span keeps one of
        them, the term itself, or the term without a generic head word ("stochastic linear
        bandit problem" is "stochastic linear bandit"); the others it contains become its
        broader concepts (the longest head-final one: "linear bandit"), as do the ontology
        concepts mentioned inside the span. A discovered term that an ontology label names
        (with or without a generic head) is that ontology concept.

        A head-final term it contains (scored as a term itself, not generic, not an ontology
        concept) keeps the span too, as a concept of its own, when the span is in the title,
        another term of the paper also contains it or the text writes it twice (whole
        words): what a paper's title names or its text repeats is one of its topics
        ("contextual linear bandit" in "federated contextual linear bandits" and "global
        contextual linear bandit problem").
        """
        mentions = doc.user_data.get(MENTIONS, ())
        # discovered mentions of one span come one after the other: a term, then its
        # sub-terms (term discovery skips the spans the earlier components cover)
        groups: list[list] = []
        out = []
        last = None
        for m in mentions:
            if m[3] == "discovered":
                if last is not None and m[0] == last[0] and m[1] == last[1]:
                    groups[-1].append(m)
                else:
                    groups.append([m])
                last = m
            else:
                out.append(m)
        broader: dict[str, list] = {}
        if not groups:
            return out, broader
        # head-final sub-terms, and the terms that contain them
        inside: dict[str, set] = {}
        labels = doc.user_data.setdefault(TERM_LABELS, {})
        parts = []
        for cands in groups:
            found = _head_final_parts(cands, labels) if len(cands) > 1 else None
            parts.append(found)
            if found:
                for c in found:
                    terms = inside.get(c)
                    if terms is None:
                        inside[c] = {cands[0][2]}
                    else:
                        terms.add(cands[0][2])
        generic = self._generic
        start = a.start
        low_text = None
        # ontology mentions by start token, for the ones inside a discovered span
        onto = sorted([m[:3] for m in out]) if out else []
        onto_starts = [m[0] for m in onto]
        bisect_left = bisect.bisect_left
        resolved = self._term_concepts
        if len(resolved) > _CACHE_LIMIT:
            resolved.clear()
        ontology_of = self._ontology_of_term
        defs = doc.user_data.get(ABBREV_DATA)
        short_forms = {"x:" + text_slug(sf): target for sf, (target, _) in defs.items()
                       } if defs else None
        for cands, found in zip(groups, parts):
            i, j = cands[0][0], cands[0][1]
            # the first candidate of a span is the whole term (discovery adds its sub-terms
            # after it), or, when the whole scored too low, its first part
            first = cands[0]
            chosen = first[2]
            iri = resolved.get(chosen, "")
            if iri == "":
                iri = resolved[chosen] = ontology_of(chosen[2:])
            if iri is not None:  # the whole term names an ontology concept
                out.append((i, j, iri, "ontology", None))
                continue
            if short_forms:  # a short form of the paper with a generic head: "ACGMRF model"
                target = short_forms.get(_without_generic_head(chosen))
                if target is not None:
                    out.append((i, j, target, "discovered", first[4]) if target[:2] == "x:"
                               else (i, j, target, "ontology", None))
                    continue
            if len(cands) > 1:
                # the best term of the span: the whole term, or a part of it that scores
                # higher as a term (un-discounted) than the whole ("Provable Fictitious
                # Play" is "fictitious play"), without a generic head word
                scores = {}
                for m in cands:
                    scores.setdefault(m[2], m[4])
                best, whole = first[4], first[2]
                for c in scores:
                    # a part of the whole id: its last or first words
                    if c != whole and (whole.endswith("-" + c[2:])
                                       or whole.startswith(c[2:] + "-", 2)):
                        score = scores[c] / SUBTERM_DISCOUNT
                        if score > best:
                            best, chosen = score, c
                stem = _without_generic_head(chosen)
                if stem != chosen and stem in scores:  # the same concept, as central
                    score = max(scores[chosen], scores[stem])
                    chosen = stem
                else:
                    score = scores[chosen]
            else:
                score = first[4]
            if chosen is not first[2]:
                iri = resolved.get(chosen, "")
                if iri == "":
                    iri = resolved[chosen] = ontology_of(chosen[2:])
                if iri is not None:
                    if chosen == _without_generic_head(first[2]):  # "PEFT methods"
                        out.append((i, j, iri, "ontology", None))
                        continue
                    chosen, score = first[2], first[4]  # a part the ontology names
            out.append(first if chosen is first[2] else (i, j, chosen, "discovered", score))
            if found:
                # a head-final sub-term of a title term, of two terms of the paper, or that
                # the paper writes twice, is a concept of the paper too ("anonymous walks"
                # in the title's "Causal Anonymous Walks"), evidenced by the term
                for c, sub_score in found.items():
                    if c == chosen or c[2:] in generic:
                        continue
                    if not (start[i] < title_end or len(inside[c]) > 1):
                        if low_text is None:
                            low_text = a.doc_text.lower()
                        if not written_twice(low_text, labels.get(c, "").lower()):
                            continue
                    named = resolved.get(c, "")
                    if named == "":
                        named = resolved[c] = ontology_of(c[2:])
                    if named is None:
                        out.append((i, j, c, "discovered", sub_score))
            parents = []
            if len(cands) > 1:
                suffixes = [c for c in map(_without_generic_head, scores) if c != chosen
                            and chosen.endswith("-" + c[2:])]
                if suffixes:
                    parent = max(suffixes, key=len)
                    named = resolved.get(parent, "")
                    if named == "":
                        named = resolved[parent] = ontology_of(parent[2:])
                    parents.append(named or parent)
            if j - i > 1 and onto:
                k = bisect_left(onto_starts, i)
                while k < len(onto) and onto_starts[k] < j:
                    s, e, iri = onto[k]
                    if e <= j and (s, e) != (i, j):
                        parents.append(iri)
                    k += 1
            if parents:
                known = broader.setdefault(chosen, [])
                known.extend(p for p in dict.fromkeys(parents) if p not in known)
        return out, broader

    @staticmethod
    def _widen(m: tuple, cover: dict) -> tuple:
        """An ontology mention inside a longer discovered term spans the whole term."""
        span = cover.get(m[0])
        if span is not None and m[1] <= span[1] and (span[0], span[1]) != (m[0], m[1]):
            return span + m[2:]
        return m

    def _record(self, paper: Paper, doc) -> dict:
        title, abstract = paper.title, paper.abstract
        off = len(title) + len(SEPARATOR)
        a = analyze(doc)
        text = a.doc_text
        tstart, tend = a.start, a.end
        # sentence boundaries (chars): the parser's if any, else the rule splitter
        if self._foreign_pipes and len(doc) and doc.has_annotation("SENT_START"):
            flags = doc.to_array([SENT_START]).tolist()
            starts = [tstart[k] for k, f in enumerate(flags) if f == 1 or k == 0]
        else:
            starts = sentence_starts(a)
        ends = starts[1:] + [len(text)]

        sent_cache: dict[int, str] = {}  # sentence index -> its text (abstract part)
        bisect_right = bisect.bisect_right

        ontology = self._concepts
        mentions, broader = self._one_concept_per_span(doc, a, len(title))
        # cover[t]: the last discovered mention over token t (slice writes, no token loop;
        # a sub-term repeats its term's span, which is written once)
        cover = None
        last = None
        for m in mentions:
            if m[3] == "discovered" and m[0] < m[1]:
                if cover is None:
                    cover = [None] * len(tstart)
                span = (m[0], m[1])
                if span != last:
                    cover[m[0]:m[1]] = [span] * (m[1] - m[0])
                    last = span
        # group by concept: char spans, scores, title flag (cheap), then rank and cap; an
        # ontology mention inside a longer discovered term spans the whole term (a
        # discovered term whose words are an ontology label is that concept already, see
        # _one_concept_per_span: the matcher misses a label where a longer one overlaps it,
        # "image classification" in "Whole-Slide Image Classification")
        groups: dict[str, list] = {}
        for i, j, cid, source, score in mentions:
            if cover is not None and source == "ontology":
                span = cover[i]
                if span is not None and j <= span[1] and span != (i, j):
                    i, j = span
            start, end = tstart[i], tend[j - 1]
            while end > start + 1 and text[end - 1] in _TRAILING:  # "Qwen-2.5-0.5B."
                end -= 1
            if start < off <= end or end <= start:
                continue
            g = groups.get(cid)
            if g is None:
                g = groups[cid] = [source, {}, -1.0, False, start]
            if start in g[1]:  # one concept, two spans from one start: the longer one
                if end > g[1][start]:
                    g[1][start] = end
                continue
            g[1][start] = end
            if score is not None and score > g[2]:
                g[2] = score
            if start < off:
                g[3] = True
        if doc.user_data.get(ABBREV_DATA):  # short forms defined or resolved here
            joined: dict[tuple, int] = {}
            for g in groups.values():
                if len(g[1]) > 1:
                    _join_definitions(g[1], text, joined)
            if joined:  # the concepts evidenced by the same long form join it too
                for g in groups.values():
                    for start, end in list(g[1].items()):
                        if (start, end) in joined:
                            g[1][start] = joined[(start, end)]
        ranked = []
        generic = self._generic
        for cid, (source, spans, best, in_title, first) in groups.items():
            if source == "ontology":
                if cid not in ontology:
                    continue
                base = 0.8
            else:
                base = best if best >= 0 else 0.5
            # more mentions and a title mention make a concept more central to the paper
            score = 1.0 - (1.0 - base) * _DECAY[min(len(spans), 16)] * (0.6 if in_title else 1.0)
            ranked.append((-score, first, cid))
        ranked.sort()
        cap = self.settings.max_concepts
        if cap:
            ranked = ranked[:cap]
        sublabels = doc.user_data.get(TERM_LABELS, {})
        defs = doc.user_data.get(ABBREV_DATA, {})
        long_forms = {target: (sf, lf) for sf, (target, lf) in defs.items()} if defs else {}
        concepts = []
        rounded = _ROUNDED
        for neg, _, cid in ranked:
            source, spans = groups[cid][:2]
            ms = []
            for start in sorted(spans):
                end = spans[start]
                mtext = text[start:end]
                if start < off:
                    ms.append({"field": "title", "start": start, "end": end, "text": mtext,
                               "sentence": title})
                else:
                    k = bisect_right(starts, start) - 1
                    sent = sent_cache.get(k)
                    if sent is None:
                        sent = sent_cache[k] = text[max(starts[k], off):ends[k]].strip()
                    ms.append({"field": "abstract", "start": start - off, "end": end - off,
                               "text": mtext, "sentence": sent})
            if source == "ontology":
                c = ontology[cid]
                iri, label, alts, ctype = cid, c.label, list(c.alt_labels), c.type
            else:
                iri = DISCOVERED_NS + cid[2:]
                sf_lf = long_forms.get(cid) if long_forms else None
                if sf_lf:
                    label, alts = _label_of(sf_lf[1]), [sf_lf[0]]
                    if label == sf_lf[0]:
                        alts = []
                elif cid in sublabels:
                    label, alts = _label_of(sublabels[cid]), []
                else:
                    if len(ms) == 1:
                        best_text = ms[0]["text"]
                    else:
                        # the most frequent surface form, ties by text
                        texts: dict[str, int] = {}
                        for mm in ms:
                            texts[mm["text"]] = texts.get(mm["text"], 0) + 1
                        best_text = sorted(texts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                    label, alts = _label_of(best_text), []
                ctype = DISCOVERED_TYPE
            concept = {"iri": iri, "label": label, "alt_labels": alts, "type": ctype,
                       "source": source, "score": rounded.get(neg) or _rounded(neg),
                       "mentions": ms}
            if source != "ontology" and cid[2:] in generic:
                concept["generic"] = True
            parents = broader.get(cid)
            if parents:
                parents = [p if not p.startswith("x:") else DISCOVERED_NS + p[2:]
                           for p in parents if p[2:] not in generic]
                if parents:
                    concept["broader"] = parents
            concepts.append(concept)
        return {"id": paper.id, "title": title, "abstract": abstract, "concepts": concepts}
