"""Building the model: extraction records (or their compact rows) into columns and arrays.

:func:`summarize_record` turns one extraction record into the compact row the model keeps
of it (extraction workers make these rows in parallel); :class:`ModelBuilder` makes one
pass over papers and rows into a :class:`kg.model.core.GraphModel`: papers, concepts and
authors sorted by IRI, mentions in paper order, evidence sentences as offsets into the
abstracts.

Examples
--------
>>> rec = {"id": "p1", "title": "T", "abstract": "We use LoRA.", "concepts": [
...     {"iri": "x", "label": "LoRA", "source": "ontology", "mentions": [
...         {"field": "abstract", "start": 7, "end": 11, "sentence": "We use LoRA."}]}]}
>>> summarize_record(rec)[3][0][:7]
('x', 'LoRA', None, 'ontology', (), 1, nan)
"""
from __future__ import annotations

import json
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, Iterable

import numpy as np

from kg.errors import GraphError
from kg.iris import author_iri, paper_iri
from kg.model.arrays import csr_pointers, gc_paused
from kg.model.papers import TextColumn
from kg.types import Paper

__all__ = [
    "MAX_EVIDENCE",
    "IN_ABSTRACT",
    "IN_TITLE",
    "IN_EXTRA",
    "ModelBuilder",
    "PaperColumns",
    "summarize_record",
    "summarize_extracted",
    "summarize_jsonl",
]

#: Evidence sentences kept per ``mentions`` edge.
MAX_EVIDENCE = 3
# where an evidence sentence lives: in the abstract, the title, or (not found in either)
# in the model's own list of extra sentences
IN_ABSTRACT, IN_TITLE, IN_EXTRA = 0, 1, 2

_FIELD_ORDER = {"title": 0, "abstract": 1}


# ----------------------------------------------------------------- record summaries
def _field_key(f: str) -> tuple:
    return (_FIELD_ORDER.get(f, 9), f)


def _best_evidence(candidates, max_evidence: int) -> tuple:
    """Keep the (mention key, sentence) pairs that give the first ``max_evidence`` distinct
    sentences in mention order; the rest can never become evidence, whatever is merged."""
    kept, sentences = [], set()
    for key, sentence in sorted(candidates):
        if sentence in sentences:
            continue
        if len(sentences) == max_evidence:
            break
        sentences.add(sentence)
        kept.append((key, sentence))
    return tuple(kept)


def _mention_summary(concept: Mapping[str, Any], max_evidence: int) -> tuple:
    """(mention ids, best score, evidence candidates) of one record entry."""
    ids, candidates = set(), []
    order = _FIELD_ORDER
    for m in concept.get("mentions") or ():
        get = m.get
        field, start, end = get("field"), get("start") or 0, get("end") or 0
        ids.add((field or "", start, end))
        sentence, text = get("sentence") or "", get("text") or ""
        evidence = (sentence or text).strip()
        if evidence:
            candidates.append(((order.get(field, 9), start, end, sentence, text), evidence))
    score = concept.get("score")
    if len(candidates) > 1 or max_evidence < 1:
        candidates = _best_evidence(candidates, max_evidence)
    return (ids, None if score is None else float(score), tuple(candidates))


def _merge_summaries(a: tuple, b: tuple, max_evidence: int) -> tuple:
    """The summary of a paper's concept seen in two records (no mention counted twice)."""
    scores = [x for x in (a[1], b[1]) if x is not None]
    return (a[0] | b[0], max(scores) if scores else None,
            _best_evidence(a[2] + b[2], max_evidence))


def _most_common(counts: Mapping[Any, int]) -> Any:
    """The most frequent value; ties broken by the smallest value (order independent)."""
    items = [(v, n) for v, n in counts.items() if v not in (None, "")]
    if not items:
        return None
    return min(items, key=lambda kv: (-kv[1], str(kv[0])))[0]


def _concept_attrs(iri: str, obs: Mapping[str, Counter] | None, alt_labels: Iterable[str],
                   onto: Any, source: str, count: int) -> dict[str, Any]:
    obs = obs or {"label": Counter(), "type": Counter()}
    if onto is not None:
        label = onto.label
        alt = tuple(onto.alt_labels)
        ctype = onto.type
        definition = getattr(onto, "definition", None) or None
    else:
        label = _most_common(obs["label"]) or iri.rstrip("/").rsplit("/", 1)[-1]
        alt = tuple(sorted({a for a in alt_labels if a and a != label}
                           | {lab for lab in obs["label"] if lab and lab != label}))
        ctype = _most_common(obs["type"])
        definition = None
    return {"kind": "concept", "label": label, "alt_labels": alt, "type": ctype,
            "source": source, "definition": definition, "paper_count": count}


def _paper_fields(paper: Any) -> tuple:
    """``(id, title, abstract, date, url, source, authors)`` of a paper or paper dict."""
    if isinstance(paper, Paper):
        return (paper.id, paper.title, paper.abstract, paper.date, paper.url, paper.source,
                paper.authors)
    if isinstance(paper, Mapping):
        return (str(paper["id"]), paper.get("title") or "", paper.get("abstract") or "",
                paper.get("date"), paper.get("url"), paper.get("source") or "",
                paper.get("authors") or ())
    raise GraphError(f"not a paper: {paper!r}")


class PaperColumns:
    """What the model keeps of each paper while it is built, in columns by arrival
    number: no object per paper beyond its strings, authors as numbers (a flat array),
    and, for the papers of a ``papers.jsonl`` file, the abstract's place in the file
    instead of its text (:class:`kg.model.store.TextColumn`): at millions of papers the texts
    and per-paper tuples were most of the build's memory."""

    def __init__(self, source: Any = None) -> None:
        self.number: dict[str, int] = {}  # paper IRI -> arrival number
        self.iris: list[str] = []
        self.ids: list[str] = []
        self.titles: list[str] = []
        self.dates: list[Any] = []
        self.urls: list[Any] = []
        self.sources: list[Any] = []
        self.abstracts: list[str] = []  # in memory, or
        self.path = source  # ... the file whose lines these offsets point at
        self.offsets, self.lengths = array("q"), array("q")
        self.has_row = bytearray()
        # authors: each paper's range in the flat arrays (a paper given twice gets a new one)
        self.a_start, self.a_end = array("q"), array("q")
        self.a_spelling, self.a_pos = array("i"), array("i")
        self.spelling_number: dict[str, int] = {}  # author name as written -> number
        self.spelling_author = array("i")  # spelling number -> author number
        self.author_number: dict[str, int] = {}  # author IRI -> number
        self._interned: dict[Any, Any] = {}
        self._file: Any = None  # a reader of the file, once an abstract is asked for
        self.loose: dict[int, str] = {}  # abstracts of papers that have no line in it

    def add(self, fields: tuple, offset: int = -1, length: int = 0) -> int:
        """Add (or, for a paper IRI seen before, replace) a paper; its arrival number."""
        pid, title, abstract, date, url, source, authors = fields
        intern = self._interned.setdefault
        piri = paper_iri(pid)
        k = self.number.get(piri)
        if k is None:
            k = self.number[piri] = len(self.iris)
            self.iris.append(piri)
            for column in (self.ids, self.titles, self.dates, self.urls, self.sources):
                column.append(None)
            if self.path is None:
                self.abstracts.append("")
            else:
                self.offsets.append(offset)
                self.lengths.append(length)
            self.has_row.append(0)
            self.a_start.append(0)
            self.a_end.append(0)
        self.ids[k], self.titles[k], self.urls[k] = pid, title, url
        self.dates[k], self.sources[k] = intern(date, date), intern(source, source)
        if self.path is None:
            self.abstracts[k] = abstract
        else:
            self.offsets[k], self.lengths[k] = offset, length
            if offset < 0:
                self.loose[k] = abstract
            else:
                self.loose.pop(k, None)
        self.a_start[k] = len(self.a_spelling)
        self._add_authors(authors)
        self.a_end[k] = len(self.a_spelling)
        return k

    def _add_authors(self, authors: Iterable[str]) -> None:
        """Append a paper's author occurrences: spelling numbers, with the position, or
        -1 for a second spelling of an author already on the paper (it has no edge of its
        own, but its name counts when the author's name is chosen)."""
        done = set()
        for position, name in enumerate(authors, 1):
            name = " ".join(str(name).split())
            if not name:
                continue
            s = self.spelling_number.get(name)
            if s is None:
                s = self.spelling_number[name] = len(self.spelling_author)
                self.spelling_author.append(
                    self.author_number.setdefault(author_iri(name), len(self.author_number)))
            a = self.spelling_author[s]
            self.a_spelling.append(s)
            self.a_pos.append(-1 if a in done else position)
            done.add(a)

    def abstract(self, k: int) -> str:
        if self.path is None:
            return self.abstracts[k]
        if k in self.loose:
            return self.loose[k]
        if self._file is None:
            self._file = TextColumn(self.path, [], [])
        return self._file.read_at(self.offsets[k], self.lengths[k])


def summarize_record(record: Mapping[str, Any], max_evidence: int | None = None, *,
                     text: bool = True) -> tuple:
    """The compact row of one extraction record: what the model keeps of it.

    ``(id, title, abstract, entries)`` with one entry per concept: ``(iri, label, type,
    source, alt_labels, count, score, fields, evidence)``, where ``evidence`` holds
    ``(where, start, length)`` triples locating each sentence in the record's abstract
    (where 0) or title (1), or ``(2, sentence)`` for a sentence found in neither. Rows are
    small and picklable, so extraction workers can make them in parallel
    (:func:`summarize_jsonl`). With ``text=False`` the row carries None for the title and
    abstract: the caller vouches that the paper's own text is the record's (as in
    ``kg build``, where the records are extracted from those papers), which keeps rows small.

    Raises
    ------
    GraphError
        If the record has no ``id`` or a concept has no ``iri``.

    Examples
    --------
    >>> rec = {"id": "p1", "title": "T", "abstract": "We use LoRA. It helps.", "concepts": [
    ...     {"iri": "x", "label": "LoRA", "type": "Method", "source": "ontology", "score": 0.9,
    ...      "mentions": [{"field": "abstract", "start": 7, "end": 11,
    ...                    "sentence": "We use LoRA."}]}]}
    >>> summarize_record(rec, text=False)
    ('p1', None, None,
     [('x', 'LoRA', 'Method', 'ontology', (), 1, 0.9, ('abstract',), ((0, 0, 12),))])
    """
    max_ev = MAX_EVIDENCE if max_evidence is None else max_evidence
    if "id" not in record:
        raise GraphError("an extraction record has no 'id'")
    rid = str(record["id"])
    title, abstract = record.get("title") or "", record.get("abstract") or ""
    entries = []
    for concept in record.get("concepts") or ():
        iri = concept.get("iri")
        if not iri:
            raise GraphError(f"record {record['id']}: a concept has no 'iri'")
        entries.append((iri, concept.get("label"), concept.get("type"), _source_of(concept),
                        tuple(concept.get("alt_labels") or ()),
                        *_compact(_mention_summary(concept, max_ev), title, abstract),
                        *_broader_of(concept)))
    if not text:
        return rid, None, None, entries
    return rid, title, abstract, entries


def summarize_extracted(record: Mapping[str, Any]) -> tuple:
    """``summarize_record(record, text=False)`` of a record made by kg's Extractor, faster.

    Such a record is well formed (every concept has its ``iri``, ``score`` and mentions,
    every mention its ``field``, ``start``, ``end``, ``text`` and ``sentence``), so the
    checks and defaults of :func:`summarize_record` are skipped, and a concept with one
    mention (most of them) takes a short path. The rows are the same (tested).

    Examples
    --------
    >>> rec = {"id": "p1", "title": "T", "abstract": "We use LoRA. LoRA helps.",
    ...        "concepts": [{"iri": "x", "label": "LoRA", "alt_labels": [], "type": "Method",
    ...                      "source": "ontology", "score": 0.9, "mentions": [
    ...                          {"field": "abstract", "start": 7, "end": 11, "text": "LoRA",
    ...                           "sentence": "We use LoRA."},
    ...                          {"field": "abstract", "start": 13, "end": 17, "text": "LoRA",
    ...                           "sentence": "LoRA helps."}]}]}
    >>> summarize_extracted(rec) == summarize_record(rec, text=False)
    True
    """
    title, abstract = record["title"] or "", record["abstract"] or ""
    entries = []
    for concept in record["concepts"]:
        mentions = concept["mentions"]
        if len(mentions) == 1 and MAX_EVIDENCE >= 1:
            m, score = mentions[0], concept["score"]
            field = m["field"] or ""
            evidence = (m["sentence"] or m["text"] or "").strip()
            compact = (1, float("nan") if score is None else float(score),
                       (field,) if field else (),
                       (_locate(evidence, title, abstract),) if evidence else ())
        else:
            compact = _compact(_mention_summary(concept, MAX_EVIDENCE), title, abstract)
        entries.append((concept["iri"], concept["label"], concept["type"], _source_of(concept),
                        tuple(concept["alt_labels"] or ()), *compact, *_broader_of(concept)))
    return str(record["id"]), None, None, entries


#: The source a row gives a concept the Extractor flags as generic ("features"): such a
#: concept is no concept of the model (its mentions stay in the extraction records).
GENERIC = "generic"


def _source_of(concept: Mapping[str, Any]) -> Any:
    return GENERIC if concept.get("generic") else concept.get("source")


def _broader_of(concept: Mapping[str, Any]) -> tuple:
    """The optional last item of an entry: the concept's ``broader`` IRIs, as a tuple in a
    1-tuple (empty when the record gives none, which keeps most entries at nine items)."""
    parents = concept.get("broader")
    return (tuple(parents),) if parents else ()


def summarize_jsonl(jsonl: str, *, text: bool = True) -> list[tuple]:
    """:func:`summarize_record` of every record in a JSON Lines text (a worker's chunk).

    Examples
    --------
    >>> summarize_jsonl('{"id": "p1", "title": "T", "abstract": "A."}\\n{"id": "p2"}\\n')
    [('p1', 'T', 'A.', []), ('p2', '', '', [])]
    """
    return [summarize_record(json.loads(line), text=text) for line in jsonl.split("\n") if line]


def _locate(sentence: str, title: str, abstract: str) -> tuple:
    i = abstract.find(sentence)
    if i >= 0:
        return (IN_ABSTRACT, i, len(sentence))
    i = title.find(sentence)
    if i >= 0:
        return (IN_TITLE, i, len(sentence))
    return (IN_EXTRA, sentence)


def _sentence_of(code: tuple, title: str, abstract: str) -> str:
    if code[0] == IN_ABSTRACT:
        return abstract[code[1]:code[1] + code[2]]
    if code[0] == IN_TITLE:
        return title[code[1]:code[1] + code[2]]
    return code[1]


def _compact(summary: tuple, title: str, abstract: str) -> tuple:
    """(count, score, fields, located evidence) of a mention summary."""
    ids, score, evidence = summary
    fields = tuple(sorted({f for f, _, _ in ids if f}, key=_field_key))
    return (len(ids), float("nan") if score is None else score, fields,
            tuple(_locate(sentence, title, abstract) for _, sentence in evidence))


class ModelBuilder:
    """One pass over papers and compact record rows into a :class:`GraphModel`.

    Rows are aggregated into flat arrays in arrival order (no per-mention Python object is
    kept); the arrays are put in paper and concept order at the end.
    """

    def __init__(self, model: Any, ontology: Any) -> None:
        self.m = model
        self.ontology = ontology
        self.max_evidence = MAX_EVIDENCE

    def run(self, papers, records=None, rows=None) -> None:
        located = getattr(papers, "located", None)
        if located is not None:  # a papers.jsonl file: abstracts stay there
            info = PaperColumns(papers.path)
            for offset, length, paper in located():
                info.add(_paper_fields(paper), offset, length)
        else:
            info = PaperColumns()
            for paper in papers:
                info.add(_paper_fields(paper))
        if rows is None:
            rows = self._rows(records)

        concept_no: dict[str, int] = {}
        seen: list = []
        seen_alts: dict[int, set[str]] = defaultdict(set)
        seen_broader: dict[int, set[str]] = defaultdict(set)
        field_no: dict[tuple, int] = {}
        names: dict[Any, Any] = {}
        extra: dict[str, int] = {}
        rec_paper = array("q")  # arrival number of each row's paper
        # flat typed arrays (4-8 bytes an entry, no Python object per mention)
        rec_ptr = array("q", [0])
        # (4 bytes where a value is below 2**31: concept numbers, counts, offsets into a
        # paper's text; an overflow raises instead of wrapping)
        e_concept, e_count, e_fields = array("i"), array("i"), array("i")
        e_score, e_evptr = array("d"), array("q", [0])
        ev_where, ev_start, ev_len = array("b"), array("i"), array("i")
        for rid, title, abstract, entries in rows:
            k = info.number.get(paper_iri(rid))
            if k is None:
                if title is None:
                    raise GraphError(f"extraction record {rid!r} has no paper")
                k = info.add(_paper_fields({"id": rid, "title": title, "abstract": abstract}))
            elif info.has_row[k]:
                raise GraphError(
                    f"extraction record {rid!r} appears twice in a one-shot stream; "
                    "pass a list of records to merge them")
            info.has_row[k] = 1
            # evidence is located in the record's text; the paper's may differ
            same_text = title is None or (info.titles[k] == title
                                          and info.abstract(k) == abstract)
            if not same_text:
                paper_title, paper_abstract = info.titles[k], info.abstract(k)
            for iri, label, ctype, source, alts, count, score, fields, evidence, *parents \
                    in entries:
                # observed (label, type, source): a tuple while seen once (most discovered
                # terms are), a Counter from the second time on
                c = concept_no.get(iri)
                if c is None:
                    c = concept_no[iri] = len(seen)
                    # one object per type and source name (rows bring copies of each):
                    # these tuples are most of the model's memory growth per paper
                    seen.append((label, names.setdefault(ctype, ctype),
                                 names.setdefault(source, source)))
                else:
                    obs = seen[c]
                    if type(obs) is tuple:
                        obs = seen[c] = Counter((obs,))
                    obs[(label, ctype, source)] += 1
                if alts:
                    seen_alts[c].update(alts)
                if parents:
                    seen_broader[c].update(parents[0])
                e_concept.append(c)
                e_count.append(count)
                e_score.append(score)
                f = field_no.get(fields)
                if f is None:
                    f = field_no[fields] = len(field_no)
                e_fields.append(f)
                for code in evidence:
                    if not same_text and code[0] != IN_EXTRA:
                        code = _locate(_sentence_of(code, title, abstract),
                                       paper_title, paper_abstract)
                    ev_where.append(code[0])
                    if code[0] == IN_EXTRA:
                        ev_start.append(extra.setdefault(code[1], len(extra)))
                        ev_len.append(len(code[1]))
                    else:
                        ev_start.append(code[1])
                        ev_len.append(code[2])
                e_evptr.append(len(ev_where))
            rec_paper.append(k)
            rec_ptr.append(len(e_concept))

        self.m.field_sets = list(field_no)
        self.m.extra_sentences = list(extra)
        rec_ptr_a = np.frombuffer(rec_ptr, np.int64)
        e_concept_a = np.frombuffer(e_concept, np.int32)
        e_count_a = np.frombuffer(e_count, np.int32)
        # papers per concept: label-only entries of merged papers (count -1) do not count
        paper_count = np.bincount(e_concept_a[e_count_a >= 0], minlength=len(seen))
        self._concepts(concept_no, seen, seen_alts, paper_count, seen_broader)
        self._papers(info)
        self._mentions(np.frombuffer(rec_paper, np.int64), rec_ptr_a, e_concept_a, e_count_a,
                       np.frombuffer(e_score, np.float64), np.frombuffer(e_fields, np.int32),
                       np.frombuffer(e_evptr, np.int64), np.frombuffer(ev_where, np.int8),
                       np.frombuffer(ev_start, np.int32), np.frombuffer(ev_len, np.int32))
        self._authors(info)

    def _rows(self, records) -> Iterator[tuple]:
        """Compact rows of ``records``; records of one paper are merged into one row (a
        re-iterable ``records`` is read twice to find them)."""
        max_ev = self.max_evidence
        if iter(records) is records:
            for record in records:
                yield summarize_record(record, max_ev)
            return
        ids: set[str] = set()
        repeated: set[str] = set()
        for record in records:
            if "id" not in record:
                raise GraphError("an extraction record has no 'id'")
            rid = str(record["id"])
            (repeated if rid in ids else ids).add(rid)
        merged: dict[str, list] = {}
        for record in records:
            rid = str(record["id"])
            if rid not in repeated:
                yield summarize_record(record, max_ev)
                continue
            # several records of one paper: merge full summaries (mention ids included)
            title, abstract = record.get("title") or "", record.get("abstract") or ""
            row = merged.setdefault(rid, [title, abstract, {}])
            for concept in record.get("concepts") or ():
                iri = concept.get("iri")
                if not iri:
                    raise GraphError(f"record {record['id']}: a concept has no 'iri'")
                summary = _mention_summary(concept, max_ev)
                seen = row[2].setdefault(iri, [])
                seen.append(((concept.get("label"), concept.get("type"), _source_of(concept),
                              tuple(concept.get("alt_labels") or ())), summary,
                             _broader_of(concept)))
        for rid, (title, abstract, concepts) in merged.items():
            entries = []
            for iri, seen in concepts.items():
                summary = seen[0][1]
                for _, other, _ in seen[1:]:
                    summary = _merge_summaries(summary, other, max_ev)
                compact = _compact(summary, title, abstract)
                for k, (meta, _, parents) in enumerate(seen):  # every label observation counts
                    entries.append((iri, *meta, *(compact if k == 0 else _NO_MENTION), *parents))
            yield rid, title, abstract, entries

    def _concepts(self, concept_no, seen, seen_alts, paper_count, seen_broader=None) -> None:
        m = self.m
        params = m.params
        onto = getattr(self.ontology, "concepts", None) or {}
        attrs: dict[str, dict[str, Any]] = {}
        min_papers = params["min_discovered_papers"]
        papers = paper_count.tolist()
        for ciri, c in concept_no.items():
            observed = seen[c]
            if type(observed) is tuple:  # seen once (most discovered terms): no Counters
                once = observed[2]
                source = "ontology" if once == "ontology" or ciri in onto else (
                    once if once not in (None, "") else "discovered")
                if source == GENERIC or (source == "discovered" and papers[c] < min_papers):
                    continue
                pairs = ((observed, 1),)
            else:
                pairs = observed.items()
                source = None
            obs: dict[str, Counter] = {"label": Counter(), "type": Counter(), "source": Counter()}
            for (label, ctype, src), n in pairs:
                obs["label"][label] += n
                obs["type"][ctype] += n
                obs["source"][src] += n
            if source is None:
                source = "ontology" if ciri in onto or obs["source"]["ontology"] else (
                    _most_common(obs["source"]) or "discovered")
                if source == GENERIC or (source == "discovered" and papers[c] < min_papers):
                    continue
            attrs[ciri] = _concept_attrs(ciri, obs, seen_alts.get(c, ()), onto.get(ciri),
                                         source, papers[c])
        broader: set[tuple[str, str]] = set()
        # a discovered concept's broader concepts from the records: the ontology concepts
        # and the shorter discovered terms it contains (those in the graph)
        for ciri, c in concept_no.items():
            parents = seen_broader.get(c) if seen_broader else None
            if not parents or ciri not in attrs or ciri in onto:
                continue
            for parent in parents:
                if parent in onto or parent in attrs:
                    broader.add((ciri, parent))
                    if parent in onto and parent not in attrs:
                        attrs[parent] = _concept_attrs(parent, None, (), onto[parent],
                                                       "ontology", 0)
        frontier = sorted(c for c in attrs if c in onto)
        while frontier:
            nxt = []
            for ciri in frontier:
                for parent in getattr(onto[ciri], "broader", ()) or ():
                    if parent not in onto:
                        continue
                    broader.add((ciri, parent))
                    if parent not in attrs:
                        attrs[parent] = _concept_attrs(parent, None, (), onto[parent],
                                                       "ontology", 0)
                        nxt.append(parent)
            frontier = sorted(nxt)
        m.concept_iris = sorted(attrs)
        m.concept_attrs = [attrs[c] for c in m.concept_iris]
        final = {c: k for k, c in enumerate(m.concept_iris)}
        m.broader = [(final[c], final[p]) for c, p in sorted(broader)]
        # provisional number -> final index (-1: dropped)
        self.remap = np.full(len(seen), -1, np.int64)
        for ciri, c in concept_no.items():
            k = final.get(ciri)
            if k is not None:
                self.remap[c] = k

    def _papers(self, info: PaperColumns) -> None:
        m = self.m
        order = sorted(range(len(info.iris)), key=info.iris.__getitem__)
        self.order = np.array(order, np.int64)  # sorted position -> arrival number
        m.paper_iris = [info.iris[a] for a in order]
        m.paper_ids = [info.ids[a] for a in order]
        m.titles = [info.titles[a] for a in order]
        m.dates = [info.dates[a] or None for a in order]
        m.urls = [info.urls[a] for a in order]
        m.sources = [info.sources[a] for a in order]
        if info.path is None:
            m.abstracts = [info.abstracts[a] for a in order]
        else:
            position = {a: p for p, a in enumerate(order)} if info.loose else {}
            m.abstracts = TextColumn(info.path, np.frombuffer(info.offsets, np.int64)[self.order],
                                     np.frombuffer(info.lengths, np.int64)[self.order],
                                     loose={position[a]: text for a, text in info.loose.items()})

    def _mentions(self, rec_paper, rec_ptr, e_concept, e_count, e_score, e_fields, e_evptr,
                  ev_where, ev_start, ev_len) -> None:
        """Entries (arrival order) -> mention CSR in (paper, concept) order.

        Done a block of rows at a time into arrays allocated once: the entry arrays
        are as long as the corpus's mentions (61 M at 2.5 M papers), and sorting them
        whole held several times their size at once."""
        m = self.m
        remap = self.remap
        position = np.empty(self.order.size, np.int64)  # arrival number -> sorted position
        position[self.order] = np.arange(self.order.size)
        row_pos = position[rec_paper]
        del position
        row_len = np.diff(rec_ptr)
        # pass 1: kept entries and evidence of each row
        kept = np.zeros(row_len.size, np.int64)
        kept_ev = np.zeros(row_len.size, np.int64)
        for r0 in range(0, row_len.size, MENTION_BLOCK_ROWS):
            r1 = min(r0 + MENTION_BLOCK_ROWS, row_len.size)
            a, b = rec_ptr[r0], rec_ptr[r1]
            keep = (remap[e_concept[a:b]] >= 0) & (e_count[a:b] >= 0)
            row = np.repeat(np.arange(r1 - r0), row_len[r0:r1])
            kept[r0:r1] = np.bincount(row, weights=keep, minlength=r1 - r0)
            kept_ev[r0:r1] = np.bincount(row, weights=np.diff(e_evptr[a:b + 1]) * keep,
                                         minlength=r1 - r0)
        per_paper = np.zeros(self.order.size, np.int64)
        per_paper[row_pos] = kept
        m.m_ptr = np.concatenate([[0], np.cumsum(per_paper)]).astype(np.int64)
        del per_paper
        total, total_ev = int(kept.sum()), int(kept_ev.sum())
        del kept, kept_ev
        m.m_concept = np.empty(total, np.int32)
        m.m_count = np.empty(total, np.int32)
        m.m_score = np.empty(total, np.float64)
        m.m_fields = np.empty(total, np.int32)
        m.ev_ptr = np.zeros(total + 1, np.int64)
        m.ev_where = np.empty(total_ev, np.int8)
        m.ev_start = np.empty(total_ev, np.int32)
        m.ev_len = np.empty(total_ev, np.int32)
        # pass 2: rows in paper order (a paper has at most one row), a block at a time
        rows = np.argsort(row_pos, kind="stable")
        del row_pos
        out = out_ev = 0
        for i0 in range(0, rows.size, MENTION_BLOCK_ROWS):
            block = rows[i0:i0 + MENTION_BLOCK_ROWS]
            lens = row_len[block]
            starts = rec_ptr[block]
            local = np.repeat(np.arange(block.size), lens)
            entry = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
            final = remap[e_concept[entry]]
            keep = np.flatnonzero((final >= 0) & (e_count[entry] >= 0))
            entry, final, local = entry[keep], final[keep], local[keep]
            order = np.lexsort((final, local))
            entry, final = entry[order], final[order]
            n = entry.size
            m.m_concept[out:out + n] = final
            m.m_count[out:out + n] = e_count[entry]
            m.m_score[out:out + n] = e_score[entry]
            m.m_fields[out:out + n] = e_fields[entry]
            # evidence ranges of the kept entries, gathered in the new order
            lo, hi = e_evptr[entry], e_evptr[entry + 1]
            ev_lens = hi - lo
            ev_end = np.cumsum(ev_lens)
            m.ev_ptr[out + 1:out + n + 1] = out_ev + ev_end
            gather = np.repeat(lo - ev_end + ev_lens, ev_lens) + np.arange(int(ev_lens.sum()))
            k = gather.size
            m.ev_where[out_ev:out_ev + k] = ev_where[gather]
            m.ev_start[out_ev:out_ev + k] = ev_start[gather]
            m.ev_len[out_ev:out_ev + k] = ev_len[gather]
            out, out_ev = out + n, out_ev + k
        assert out == total and out_ev == total_ev

    def _authors(self, info: PaperColumns) -> None:
        """Authors of the papers' (final) occurrences, sorted by IRI, each named by its
        smallest spelling among them; the author CSR in paper order."""
        m = self.m
        start = np.frombuffer(info.a_start, np.int64)[self.order]
        lens = np.frombuffer(info.a_end, np.int64)[self.order] - start
        occ_ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        gather = np.repeat(start - occ_ptr[:-1], lens) + np.arange(int(lens.sum()))
        spelling = np.frombuffer(info.a_spelling, np.int32)[gather].astype(np.int64)
        pos = np.frombuffer(info.a_pos, np.int32)[gather]
        spelling_author = np.frombuffer(info.spelling_author, np.int32).astype(np.int64)
        spelled = list(info.spelling_number)  # spelling number -> name
        iri_of = list(info.author_number)  # author number -> IRI
        best: dict[int, str] = {}
        for s in np.unique(spelling).tolist():
            a = int(spelling_author[s])
            if a not in best or spelled[s] < best[a]:
                best[a] = spelled[s]
        by_iri = sorted((iri_of[a], a) for a in best)
        m.author_iris = [iri for iri, _ in by_iri]
        m.author_names = [best[a] for _, a in by_iri]
        final = np.full(len(iri_of), -1, np.int64)  # author number -> sorted position
        final[np.array([a for _, a in by_iri], np.int64)] = np.arange(len(by_iri))
        edge = pos >= 0
        rows = np.repeat(np.arange(lens.size), lens)[edge]
        m.a_ptr = csr_pointers(rows, lens.size)
        m.a_author = final[spelling_author[spelling[edge]]].astype(np.int32)
        m.a_pos = pos[edge].astype(np.int32)


#: Rows (papers) whose mention entries are put in order at a time (see ``_mentions``).
MENTION_BLOCK_ROWS = 16384


#: The tail of an entry that only records a label observation (a merged paper's
#: concept seen in a second record): no mention of its own, ignored as a mention.
_NO_MENTION = (-1, float("nan"), (), ())

