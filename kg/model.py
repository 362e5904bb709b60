"""The compact graph model: papers, concepts and authors in columns, links in arrays.

:class:`GraphModel` holds the kg graph (the model of ``docs/architecture.md``) in a form
that stays small at corpus scale: one row per paper, concept and author (sorted by IRI,
so an integer index is a stable position), relations as CSR arrays of integer indices,
and mention evidence *by reference*: each evidence sentence is an offset and a length
into its paper's abstract or title, not a string of its own. The records it is built
from are streamed once and never held.

Everything else is a view of it:

- :meth:`GraphModel.to_networkx` gives the :class:`networkx.MultiDiGraph` of
  :func:`kg.graph.build_graph` (the same nodes, edges, attributes and insertion order);
- :meth:`GraphModel.view` gives a read-only, networkx-shaped facade whose node and edge
  attributes are made on demand, one node at a time, which the exporters (Turtle,
  GraphML, JSON Lines) stream without ever building the whole graph;
- :meth:`GraphModel.stats` and :meth:`GraphModel.subgraph` serve ``summary.json`` and the
  HTML map (a few thousand nodes) without the full networkx graph.

Examples
--------
>>> from kg.graph import CONCEPT_BASE, paper_iri
>>> recs = [{"id": p, "title": p, "abstract": "We study grokking.", "concepts": [
...     {"iri": CONCEPT_BASE + "grokking", "label": "grokking", "source": "ontology",
...      "mentions": [{"field": "abstract", "start": 9, "end": 17, "text": "grokking",
...                    "sentence": "We study grokking."}]}]} for p in "ab"]
>>> M = GraphModel.build([], recs, max_df=1.0)
>>> M.counts()["edges"]
{'mentions': 2, 'similar': 1}
>>> V = M.view()
>>> V.nodes[paper_iri("a")]["title"], V._adj[paper_iri("a")][CONCEPT_BASE + "grokking"]
('a', {'mentions': {'count': 1, 'score': None, 'fields': ('abstract',), 'evidence': ('We study grokking.',)}})
"""
from __future__ import annotations

import bisect
import contextlib
import gc
import operator
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, Iterable

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.errors import GraphError
from kg.types import Paper

__all__ = ["GraphModel", "ModelView", "summarize_record", "summarize_jsonl"]

_BLOCK_ROWS = 2048
_FIELD_ORDER = {"title": 0, "abstract": 1}
# where an evidence sentence lives: in the abstract, the title, or (not found in either)
# in the model's own list of extra sentences
_IN_ABSTRACT, _IN_TITLE, _EXTRA = 0, 1, 2


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


class _PaperColumns:
    """What the model keeps of each paper while it is built, in columns by arrival
    number: no object per paper beyond its strings, authors as numbers (a flat array),
    and, for the papers of a ``papers.jsonl`` file, the abstract's place in the file
    instead of its text (:class:`kg.store.TextColumn`): at millions of papers the texts
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
        from kg.graph import paper_iri

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
        from kg.graph import author_iri

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
            from kg.store import TextColumn

            self._file = TextColumn(self.path, [], [])
        return self._file.read_at(self.offsets[k], self.lengths[k])


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: building millions of small containers (which
    form no cycles) otherwise triggers repeated full collections."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _csr(rows: np.ndarray, n: int) -> np.ndarray:
    """CSR pointer array of ``n`` rows from the (sorted) row index of each entry."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


# ---------------------------------------------------------------------------- model
class GraphModel:
    """The kg graph in columns (see the module docstring). Build it with :meth:`build`.

    Attributes
    ----------
    params : dict
        The build parameters (``G.graph`` of the networkx view).
    paper_iris, concept_iris, author_iris : list of str
        Node IRIs of each kind, sorted; a node's index is its position here.
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        # papers (sorted by IRI) and their fields
        self.paper_iris: list[str] = []
        self.paper_ids: list[str] = []
        self.titles: list[str] = []
        self.abstracts: list[str] = []
        self.dates: list[Any] = []
        self.urls: list[Any] = []
        self.sources: list[Any] = []
        # concepts (sorted by IRI): attribute dicts
        self.concept_iris: list[str] = []
        self.concept_attrs: list[dict[str, Any]] = []
        # authors (sorted by IRI)
        self.author_iris: list[str] = []
        self.author_names: list[str] = []
        # mentions: CSR over papers; concepts ascending within a paper
        self.m_ptr = np.zeros(1, np.int64)
        self.m_concept = np.zeros(0, np.int32)
        self.m_count = np.zeros(0, np.int32)
        self.m_score = np.zeros(0, np.float64)  # nan: no score
        self.m_fields = np.zeros(0, np.int32)  # index into field_sets
        self.field_sets: list[tuple[str, ...]] = []
        self.ev_ptr = np.zeros(1, np.int64)  # CSR over mentions
        self.ev_where = np.zeros(0, np.int8)
        self.ev_start = np.zeros(0, np.int32)
        self.ev_len = np.zeros(0, np.int32)
        self.extra_sentences: list[str] = []
        # authors of each paper: CSR over papers, in author order
        self.a_ptr = np.zeros(1, np.int64)
        self.a_author = np.zeros(0, np.int32)
        self.a_pos = np.zeros(0, np.int32)
        # broader: (child, parent) concept indices, sorted by IRI pair
        self.broader: list[tuple[int, int]] = []
        # similar: paper index pairs i < j, sorted; weight; up to MAX_SHARED shared concepts
        self.s_u = np.zeros(0, np.int32)
        self.s_v = np.zeros(0, np.int32)
        self.s_weight = np.zeros(0, np.float64)
        self.s_shared = np.zeros((0, 0), np.int32)  # -1 pads
        # cooccurs: concept index pairs, sorted by IRI pair; npmi, support
        self.c_u = np.zeros(0, np.int32)
        self.c_v = np.zeros(0, np.int32)
        self.c_npmi = np.zeros(0, np.float64)
        self.c_support = np.zeros(0, np.int64)
        self._index: dict[str, tuple[str, int]] | tuple | None = None

    # ------------------------------------------------------------------------ build
    @classmethod
    def build(
        cls,
        papers: Iterable[Paper | Mapping[str, Any]],
        records: Iterable[Mapping[str, Any]],
        ontology: Any = None,
        *,
        top_k: int = 10,
        min_cooccurrence: int = 3,
        min_npmi: float = 0.1,
        min_discovered_papers: int = 2,
        max_df: float = 0.2,
        max_concept_papers: int | None = 2000,
        cooccurs_top_k: int | None = 50,
        rows: Iterable[tuple] | None = None,
        jobs: int = 1,
    ) -> "GraphModel":
        """Build the model; the parameters are those of :func:`kg.graph.build_graph`.

        ``records`` is read once, as a stream. Several records of one paper are merged;
        when ``records`` is a one-shot iterator that cannot be read twice, a paper id seen
        twice raises :class:`~kg.errors.GraphError` (pass a list to merge duplicates).
        Instead of records, ``rows`` may give their compact rows (:func:`summarize_record`,
        made by extraction workers in ``kg build``); then pass ``records=None``. With
        ``jobs`` > 1 the similarity search runs in two processes (a forked child takes half
        the papers); the model is the same.
        """
        if rows is not None and records is not None:
            raise GraphError("give records or rows, not both")
        if top_k < 0 or min_cooccurrence < 1 or min_discovered_papers < 1:
            raise GraphError("top_k must be >= 0, min_cooccurrence and min_discovered_papers >= 1")
        if cooccurs_top_k is not None and cooccurs_top_k < 1:
            raise GraphError(f"cooccurs_top_k must be >= 1 or None, not {cooccurs_top_k}")
        with _gc_paused():
            m = cls()
            m.params = {
                "base": _base(), "top_k": top_k, "min_cooccurrence": min_cooccurrence,
                "min_npmi": min_npmi, "min_discovered_papers": min_discovered_papers,
                "max_df": max_df, "max_concept_papers": max_concept_papers,
                "cooccurs_top_k": cooccurs_top_k,
            }
            _Builder(m, ontology).run(papers, records, rows)
            m._derive(top_k=top_k, min_cooccurrence=min_cooccurrence, min_npmi=min_npmi,
                      max_df=max_df, max_concept_papers=max_concept_papers,
                      cooccurs_top_k=cooccurs_top_k, jobs=jobs)
        return m

    def _derive(self, *, top_k, min_cooccurrence, min_npmi, max_df, max_concept_papers,
                cooccurs_top_k, jobs=1) -> None:
        """The derived links: ``similar`` (top-k cosine) and ``cooccurs`` (NPMI)."""
        nconc = len(self.concept_iris)
        lens = np.diff(self.m_ptr)
        rows = np.flatnonzero(lens > 0)
        if rows.size == 0 or nconc == 0:
            return
        # 0/1 paper x concept, 8 bytes a mention (int32 counts and indices): a float64
        # matrix and its copies were the peak of this stage at millions of papers
        X = sp.csr_matrix(
            (np.ones(self.m_concept.size, np.int32), self.m_concept,
             np.concatenate([[0], np.cumsum(lens[rows])]).astype(np.int64)),
            shape=(rows.size, nconc))
        if top_k:
            self._similar(X, rows, top_k, max_df, max_concept_papers, jobs)
        self._cooccurs(X, min_cooccurrence, min_npmi, cooccurs_top_k)

    def _similar(self, X, rows, top_k, max_df, max_concept_papers, jobs=1) -> None:
        from kg.graph import MAX_SHARED, MIN_DF_CAP

        n = X.shape[0]
        df = np.asarray(X.sum(axis=0)).ravel()
        cap = max(max_df * n, MIN_DF_CAP)
        if max_concept_papers is not None:
            cap = min(cap, max(max_concept_papers, MIN_DF_CAP))
        eligible = (df >= 2) & (df <= cap)
        idf = np.where(eligible, np.log((1.0 + n) / (1.0 + df)) + 1.0, 0.0)
        # X @ diag(idf) without zeros, then rows scaled to unit length (each value one
        # product, so the same bits as the sparse products), made in place
        kept = eligible[X.indices]
        indptr = np.concatenate([[0], np.cumsum(kept)])[X.indptr]
        W = sp.csr_matrix((idf[X.indices[kept]], X.indices[kept], indptr), shape=X.shape)
        del kept, indptr
        norms = np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        W.data *= np.repeat(inv, np.diff(W.indptr))
        WT = W.T.tocsr()
        lo, hi, w = _degree_bounded_arrays(*_similar_candidates(W, WT, top_k, jobs), n,
                                                 top_k)
        if lo.size == 0:
            return
        # shared concepts: eligible ones in both papers, rarest (highest IDF) first
        ecols = np.flatnonzero(eligible)
        rank = np.empty(nconc := X.shape[1], np.int64)  # position by (-idf, IRI)
        order = np.lexsort((np.arange(nconc), -idf))
        rank[order] = np.arange(nconc)
        self.s_u = rows[lo].astype(np.int32)
        self.s_v = rows[hi].astype(np.int32)
        self.s_weight = _round6(w)
        self.s_shared = _shared_concepts(X[:, ecols].tocsr(), lo, hi, rank[ecols], MAX_SHARED,
                                         names=ecols)

    def _cooccurs(self, X, min_support, min_npmi, top_k) -> None:
        n = X.shape[0]
        df = np.asarray(X.sum(axis=0)).ravel()
        keep = np.flatnonzero(df >= min_support)
        if keep.size < 2:
            return
        B = X[:, keep].tocsc()
        BT = B.T.tocsr()
        parts = []  # per block of concepts: the pairs that pass both thresholds
        for start in range(0, keep.size, _COOCCURS_BLOCK):
            C = BT[start:start + _COOCCURS_BLOCK] @ B
            if top_k is None:
                parts.append(_npmi_pairs(C, start, keep, df, n, min_support, min_npmi))
            else:  # only the pairs that can be kept: a block row's own top k
                parts.append(_npmi_top_k(C, start, keep, df, n, min_support, min_npmi, top_k))
            del C
        ri, ci, support, npmi = (np.concatenate(a) for a in zip(*parts))
        del parts
        if top_k is None:
            sel = np.lexsort((ci, ri))  # IRI order == index order
        else:
            # a pair among the top k of both its ends came from both: keep it once
            _, sel = np.unique(ri.astype(np.int64) * X.shape[1] + ci, return_index=True)
        self.c_u = ri[sel].astype(np.int32)
        self.c_v = ci[sel].astype(np.int32)
        self.c_npmi = _round6(npmi[sel])  # as published
        self.c_support = support[sel].astype(np.int64)

    # ---------------------------------------------------------------------- lookups
    def _kind_index(self, iri: str) -> tuple[str, int] | None:
        """``(kind, index)`` of a node IRI, or None. The IRI lists of a built model are
        sorted, and are then searched by bisection (no table of every node); a dict is
        made only for lists that are not."""
        if self._index is None:
            lists = (("author", self.author_iris), ("concept", self.concept_iris),
                     ("paper", self.paper_iris))
            if all(_strictly_sorted(iris) for _, iris in lists):
                self._index = lists
            else:
                self._index = {x: (kind, k) for kind, iris in lists for k, x in enumerate(iris)}
        if isinstance(self._index, dict):
            return self._index.get(iri)
        for kind, iris in self._index:
            k = bisect.bisect_left(iris, iri)
            if k < len(iris) and iris[k] == iri:
                return kind, k
        return None

    def __contains__(self, iri: object) -> bool:
        return isinstance(iri, str) and self._kind_index(iri) is not None

    def number_of_nodes(self) -> int:
        return len(self.paper_iris) + len(self.concept_iris) + len(self.author_iris)

    def paper_attrs(self, k: int) -> dict[str, Any]:
        return {"kind": "paper", "id": self.paper_ids[k], "title": self.titles[k],
                "abstract": self.abstracts[k], "date": self.dates[k], "url": self.urls[k],
                "source": self.sources[k]}

    def author_attrs(self, k: int) -> dict[str, Any]:
        return {"kind": "author", "name": self.author_names[k]}

    def node_attrs(self, iri: str) -> dict[str, Any]:
        found = self._kind_index(iri)
        if found is None:
            raise KeyError(iri)
        kind, k = found
        if kind == "paper":
            return self.paper_attrs(k)
        if kind == "concept":
            return self.concept_attrs[k]
        return self.author_attrs(k)

    def _sentence(self, paper: int, e: int) -> str:
        where, start = self.ev_where[e], int(self.ev_start[e])
        if where == _IN_ABSTRACT:
            return self.abstracts[paper][start:start + int(self.ev_len[e])]
        if where == _IN_TITLE:
            return self.titles[paper][start:start + int(self.ev_len[e])]
        return self.extra_sentences[start]

    def mention_attrs(self, paper: int, t: int) -> dict[str, Any]:
        """Attributes of mention ``t`` (a position in the mention arrays) of ``paper``."""
        score = float(self.m_score[t])
        return {
            "count": int(self.m_count[t]),
            "score": None if score != score else score,
            "fields": self.field_sets[self.m_fields[t]],
            "evidence": tuple(self._sentence(paper, e)
                              for e in range(self.ev_ptr[t], self.ev_ptr[t + 1])),
        }

    def similar_attrs(self, t: int) -> dict[str, Any]:
        iris = self.concept_iris
        return {"weight": float(self.s_weight[t]),
                "shared": tuple(iris[c] for c in self.s_shared[t].tolist() if c >= 0)}

    def cooccurs_attrs(self, t: int) -> dict[str, Any]:
        return {"npmi": float(self.c_npmi[t]), "support": int(self.c_support[t])}

    # -------------------------------------------------------------------- adjacency
    def _out_tables(self):
        """Per-node out-edge CSR for similar (by u), broader and cooccurs (by child / u)."""
        if getattr(self, "_outs", None) is None:
            np_, nc = len(self.paper_iris), len(self.concept_iris)
            s_ptr = _csr(self.s_u.astype(np.int64), np_)  # s_u sorted (pairs sorted)
            b_child = np.array([c for c, _ in self.broader], np.int64)
            b_ptr = _csr(b_child, nc)
            c_ptr = _csr(self.c_u.astype(np.int64), nc)
            self._outs = (s_ptr, b_ptr, c_ptr)
        return self._outs

    def out_edges(self, kind: str, k: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(target, relation, attrs)`` of node ``k`` of ``kind``, in the insertion order
        of the networkx view (mentions, author, similar; broader, cooccurs)."""
        s_ptr, b_ptr, c_ptr = self._out_tables()
        if kind == "paper":
            ciris = self.concept_iris
            for t in range(self.m_ptr[k], self.m_ptr[k + 1]):
                yield ciris[self.m_concept[t]], "mentions", self.mention_attrs(k, t)
            airis = self.author_iris
            for t in range(self.a_ptr[k], self.a_ptr[k + 1]):
                yield airis[self.a_author[t]], "author", {"position": int(self.a_pos[t])}
            piris = self.paper_iris
            for t in range(s_ptr[k], s_ptr[k + 1]):
                yield piris[self.s_v[t]], "similar", self.similar_attrs(t)
        elif kind == "concept":
            ciris = self.concept_iris
            for t in range(b_ptr[k], b_ptr[k + 1]):
                yield ciris[self.broader[t][1]], "broader", {}
            for t in range(c_ptr[k], c_ptr[k + 1]):
                yield ciris[self.c_v[t]], "cooccurs", self.cooccurs_attrs(t)

    def adjacency(self, iri: str) -> dict[str, dict[str, dict[str, Any]]]:
        """``{target: {relation: attrs}}`` of one node, as networkx's ``G._adj[iri]``."""
        found = self._kind_index(iri)
        if found is None:
            raise KeyError(iri)
        adj: dict[str, dict[str, dict[str, Any]]] = {}
        for v, key, attrs in self.out_edges(*found):
            keydict = adj.get(v)
            if keydict is None:
                keydict = adj[v] = {}
            keydict[key] = attrs
        return adj

    def nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(iri, attrs)`` in the networkx view's order: papers, concepts, authors."""
        for k, iri in enumerate(self.paper_iris):
            yield iri, self.paper_attrs(k)
        yield from zip(self.concept_iris, self.concept_attrs)
        for k, iri in enumerate(self.author_iris):
            yield iri, self.author_attrs(k)

    def edges(self) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """``(u, v, relation, attrs)`` in the order ``G.edges(keys=True, data=True)`` of
        the networkx view gives them."""
        for kind, iris in (("paper", self.paper_iris), ("concept", self.concept_iris)):
            for k, u in enumerate(iris):
                adj = self.adjacency(u) if kind == "concept" else None
                if adj is not None:  # broader and cooccurs may join one target
                    for v, keydict in adj.items():
                        for key, attrs in keydict.items():
                            yield u, v, key, attrs
                    continue
                for v, key, attrs in self.out_edges(kind, k):
                    yield u, v, key, attrs

    # ------------------------------------------------------------------------ views
    def counts(self) -> dict[str, dict[str, int]]:
        """Nodes per kind and edges per relation (non-zero only, sorted)."""
        nodes = {"author": len(self.author_iris), "concept": len(self.concept_iris),
                 "paper": len(self.paper_iris)}
        edges = {"author": int(self.a_author.size), "broader": len(self.broader),
                 "cooccurs": int(self.c_u.size), "mentions": int(self.m_concept.size),
                 "similar": int(self.s_u.size)}
        return {"nodes": {k: v for k, v in nodes.items() if v},
                "edges": {k: v for k, v in edges.items() if v}}

    def view(self) -> "ModelView":
        """A read-only networkx-shaped facade (see :class:`ModelView`)."""
        return ModelView(self)

    def to_networkx(self) -> nx.MultiDiGraph:
        """The full :class:`networkx.MultiDiGraph` (what :func:`kg.graph.build_graph` returns)."""
        from kg.graph import _add_edges

        with _gc_paused():
            G = nx.MultiDiGraph()
            G.graph.update(self.params)
            for iri, attrs in self.nodes():
                G.add_node(iri, **attrs)
            # relation by relation, as the graph has always been built (pred order)
            piris, ciris = self.paper_iris, self.concept_iris
            _add_edges(G, (
                (piris[k], ciris[self.m_concept[t]], "mentions", self.mention_attrs(k, t))
                for k in range(len(piris)) for t in range(self.m_ptr[k], self.m_ptr[k + 1])))
            _add_edges(G, ((ciris[c], ciris[p], "broader", {}) for c, p in self.broader))
            airis = self.author_iris
            _add_edges(G, (
                (piris[k], airis[self.a_author[t]], "author", {"position": int(self.a_pos[t])})
                for k in range(len(piris)) for t in range(self.a_ptr[k], self.a_ptr[k + 1])))
            _add_edges(G, ((piris[self.s_u[t]], piris[self.s_v[t]], "similar",
                            self.similar_attrs(t)) for t in range(self.s_u.size)))
            _add_edges(G, ((ciris[self.c_u[t]], ciris[self.c_v[t]], "cooccurs",
                            self.cooccurs_attrs(t)) for t in range(self.c_u.size)))
        return G

    def subgraph(self, nodes: Iterable[str]) -> nx.MultiDiGraph:
        """The networkx graph induced by ``nodes`` (for the HTML map: a few thousand)."""
        keep = set(nodes)
        H = nx.MultiDiGraph()
        H.graph.update(self.params)
        for iri in sorted(keep):
            H.add_node(iri, **self.node_attrs(iri))
        edges = []
        for u in sorted(keep):
            for v, keydict in self.adjacency(u).items():
                if v in keep:
                    edges.extend((u, v, key, attrs) for key, attrs in keydict.items())
        from kg.graph import _add_edges

        _add_edges(H, edges)
        return H

    def papers_of(self) -> list[np.ndarray]:
        """Paper indices of each concept (ascending), by concept index."""
        nconc = len(self.concept_iris)
        paper_of_mention = np.repeat(np.arange(len(self.paper_iris)), np.diff(self.m_ptr))
        order = np.argsort(self.m_concept, kind="stable")
        ptr = _csr(np.sort(self.m_concept).astype(np.int64), nconc)
        sorted_papers = paper_of_mention[order]
        return [sorted_papers[ptr[c]:ptr[c + 1]] for c in range(nconc)]


def _base() -> str:
    from kg.graph import BASE

    return BASE


#: Concepts whose co-occurrence counts are made at a time (a block of rows of the
#: concept x concept product): the whole product of a duplicated 250 k-paper corpus held
#: tens of millions of pairs, several GB, before the thresholds cut it down.
_COOCCURS_BLOCK = 8192


def _npmi_pairs(C, start: int, keep: np.ndarray, df: np.ndarray, n: int, min_support: int,
                min_npmi: float, upper: bool = True) -> tuple:
    """The pairs of a block of rows ``C`` (rows ``start``..., columns: all concepts of
    ``keep``) of the co-occurrence counts, upper triangle only (or, with ``upper=False``,
    every pair but the diagonal), with ``support >= min_support`` and ``npmi >=
    min_npmi``: ``(ri, ci, support, npmi)``, concept indices."""
    C = C.tocoo()
    row = C.row.astype(np.int64) + start
    mask = ((C.col > row) if upper else (C.col != row)) & (C.data >= min_support)
    ri, ci = keep[row[mask]], keep[C.col[mask]]
    support = C.data[mask].astype(np.float64)
    p_ij = support / n
    p_i, p_j = df[ri] / n, df[ci] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
    npmi = np.where(p_ij >= 1.0, 0.0, npmi)  # both in every paper: no information
    sel = np.flatnonzero(npmi >= min_npmi)
    return ri[sel], ci[sel], support[sel], npmi[sel]


def _npmi_top_k(C, start: int, keep: np.ndarray, df: np.ndarray, n: int, min_support: int,
                min_npmi: float, k: int) -> tuple:
    """The pairs of a block of rows ``C`` (as :func:`_npmi_pairs`) that are among the ``k``
    strongest of their row's concept, as ``(lo, hi, support, npmi)`` with ``lo < hi``.

    A block row holds all of its concept's pairs (the counts are symmetric), so this is
    :func:`_top_k_either_end` done one end at a time: a pair is kept when either of its
    ends ranks it in its top ``k``, and is then found in the block of that end (in both
    blocks when both do, with the same values). Only these pairs are held, not every
    pair that passes the thresholds (16.8 M at 250 k simulated papers).

    >>> import scipy.sparse as sp
    >>> X = sp.csc_matrix((np.random.default_rng(0).random((60, 12)) < 0.3).astype(np.int32))
    >>> df, keep, C = np.asarray(X.sum(axis=0)).ravel(), np.arange(12), (X.T @ X).tocsr()
    >>> ri, ci, sup, w = _npmi_pairs(C, 0, keep, df, 60, 2, 0.0)
    >>> sel = _top_k_either_end(ri, ci, _round6(w), sup, 2)
    >>> blocks = [_npmi_top_k(C[s:s + 5], s, keep, df, 60, 2, 0.0, 2) for s in (0, 5, 10)]
    >>> got = {(a, b) for lo, hi, _, _ in blocks for a, b in zip(lo.tolist(), hi.tolist())}
    >>> sorted(got) == sorted(zip(ri[sel].tolist(), ci[sel].tolist())), len(got) < ri.size
    (True, True)
    """
    ri, ci, support, npmi = _npmi_pairs(C, start, keep, df, n, min_support, min_npmi,
                                        upper=False)
    # ranked as _top_k_either_end ranks: published NPMI, then support, then the other end
    order = np.lexsort((ci, -support, -_round6(npmi), ri))
    ends = ri[order]
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    rank = np.arange(ends.size) - np.repeat(first, np.diff(np.r_[first, ends.size]))
    sel = order[rank < k]
    del order, ends, rank
    ri, ci = ri[sel], ci[sel]
    # 20 bytes a pair (indices and counts fit 4 bytes)
    return (np.minimum(ri, ci).astype(np.int32), np.maximum(ri, ci).astype(np.int32),
            support[sel].astype(np.int32), npmi[sel])


def _round6(x: np.ndarray) -> np.ndarray:
    """``round(v, 6)`` of every value, exactly as Python rounds (the published figures),
    without a Python float per value: numpy's ``rint(v * 1e6) / 1e6`` is the same except
    where ``v * 1e6`` lies within a rounding error of a half, and those few are rounded
    by Python.

    >>> _round6(np.array([0.1234565, 2.5e-07, 0.0000015, -0.30000049999])).tolist() == [
    ...     round(0.1234565, 6), round(2.5e-07, 6), round(0.0000015, 6), round(-0.30000049999, 6)]
    True
    """
    x = np.asarray(x, np.float64)
    out = np.round(x, 6)
    scaled = x * 1e6
    # v * 1e6 is off by at most |v| * 1e6 * 2**-53 (1e-10 for |v| <= 1): a wide margin
    near = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6 + np.abs(scaled) * 1e-12)
    if near.size:
        out[near] = [round(v, 6) for v in x[near].tolist()]
    return out


def _top_k_either_end(u: np.ndarray, v: np.ndarray, weight: np.ndarray, support: np.ndarray,
                      k: int) -> np.ndarray:
    """Positions of the pairs that are among the ``k`` strongest of ``u`` or of ``v``
    (strongest: highest weight, then support, then the other end's index), so a graph of
    n nodes keeps at most k * n of them.

    >>> _top_k_either_end(np.array([0, 0, 0]), np.array([1, 2, 3]),
    ...                   np.array([0.9, 0.5, 0.7]), np.array([3, 3, 3]), 1).tolist()
    [0, 1, 2]
    >>> _top_k_either_end(np.array([0, 0, 0, 1]), np.array([1, 2, 3, 2]),
    ...                   np.array([0.9, 0.5, 0.7, 0.8]), np.array([3, 3, 3, 3]), 1).tolist()
    [0, 2, 3]
    """
    # each pair once from each end; a node's pairs are ranked together, whichever end it is
    end, other = np.concatenate([u, v]), np.concatenate([v, u])
    pair = np.concatenate([np.arange(u.size), np.arange(u.size)])
    w, sup = np.concatenate([weight, weight]), np.concatenate([support, support])
    order = np.lexsort((other, -sup, -w, end))
    ends = end[order]
    first = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]])
    rank = np.arange(ends.size) - np.repeat(first, np.diff(np.r_[first, ends.size]))
    keep = np.zeros(u.size, bool)
    keep[pair[order[rank < k]]] = True
    return np.flatnonzero(keep)


def _similar_candidates(W, WT, top_k: int, jobs: int = 1):
    """Every paper's ``top_k`` most similar papers (ties: smaller index), as arrays
    ``(lo, hi, weight)`` of pairs ``lo < hi``, each pair once, with the weight of its
    first proposal (rows are visited in index order), in (lo, hi) order.

    The cosine matrix is made ``_BLOCK_ROWS`` rows at a time; candidates are kept in
    arrays (about 20 bytes each, at most ``top_k`` a paper), not in a dict of tuples.
    With ``jobs`` > 1 a forked child does the second half of the blocks (it reads W and
    WT where they are: the fork shares them); the parts join in row order, so the result
    is the same.
    """
    n = W.shape[0]
    blocks = -(-n // _BLOCK_ROWS)
    middle = (blocks + 1) // 2 * _BLOCK_ROWS  # a block boundary
    if jobs > 1 and 0 < middle < n:
        from kg.forked import Forked

        second = Forked(_candidate_rows, W, WT, top_k, middle, n)
        try:
            first = _candidate_rows(W, WT, top_k, 0, middle)
        except BaseException:
            second.cancel()
            raise
        lo, hi, w = (np.concatenate(pair) for pair in zip(first, second.result()))
        del first  # the first half's arrays
    else:
        lo, hi, w = _candidate_rows(W, WT, top_k, 0, n)
    if lo.size == 0:
        return lo, hi, w
    order = np.lexsort((np.arange(lo.size), hi, lo))  # a pair's first proposal first
    lo, hi, w = lo[order], hi[order], w[order]
    new = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
    return lo[new], hi[new], w[new]


def _candidate_rows(W, WT, top_k: int, begin: int, stop: int):
    """The ``top_k`` proposals ``(lo, hi, weight)`` of rows ``begin:stop``, row by row
    (``begin`` on a block boundary)."""
    lo_parts, hi_parts, w_parts = [], [], []
    for start in range(begin, stop, _BLOCK_ROWS):
        S = (W[start:start + _BLOCK_ROWS] @ WT).tocsr()
        indptr, indices, data = S.indptr, S.indices, S.data
        for r in range(S.shape[0]):
            i = start + r
            a, b = indptr[r], indptr[r + 1]
            if a == b:
                continue
            cand = indices[a:b]
            w = data[a:b]
            mask = (cand != i) & (w > 0)
            cand, w = cand[mask], w[mask]
            if cand.size == 0:
                continue
            if cand.size > top_k:
                kth = np.partition(w, cand.size - top_k)[cand.size - top_k]
                keep = w >= kth
                cand, w = cand[keep], w[keep]
            order = np.lexsort((cand, -w))[:top_k]
            cand = cand[order].astype(np.int64)
            lo_parts.append(np.minimum(cand, i))
            hi_parts.append(np.maximum(cand, i))
            w_parts.append(w[order])
    if not lo_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    return np.concatenate(lo_parts), np.concatenate(hi_parts), np.concatenate(w_parts)


def _degree_bounded_arrays(lo: np.ndarray, hi: np.ndarray, w: np.ndarray, n: int,
                           top_k: int):
    """Keep the strongest candidate pairs such that no paper has more than ``top_k`` links;
    return them in (lo, hi) order.

    Candidates (each paper's own top k) are accepted greedily from the highest weight down
    (ties by (lo, hi)), skipping a pair once either paper has ``top_k`` links.

    >>> [a.tolist() for a in _degree_bounded_arrays(
    ...     np.array([0, 0, 1]), np.array([1, 2, 2]), np.array([0.9, 0.8, 0.7]), 3, 1)]
    [[0], [1], [0.9]]
    """
    order = np.lexsort((hi, lo, -w))
    degree = [0] * n
    accepted = []
    for t, i, j in zip(order.tolist(), lo[order].tolist(), hi[order].tolist()):
        if degree[i] < top_k and degree[j] < top_k:
            degree[i] += 1
            degree[j] += 1
            accepted.append(t)
    keep = np.sort(np.array(accepted, np.int64))  # candidates are in (lo, hi) order
    return lo[keep], hi[keep], w[keep]


def _shared_concepts(Xe, lo: np.ndarray, hi: np.ndarray, rank: np.ndarray,
                     max_shared: int, names: np.ndarray | None = None,
                     block: int = 65536) -> np.ndarray:
    """For each pair (lo, hi) of papers, up to ``max_shared`` columns of ``Xe`` (a 0/1
    paper x concept CSR matrix) that both rows have, by ascending ``rank`` of the column;
    -1 pads. ``names`` gives the number stored for each column (default: its index).
    Pairs are done ``block`` at a time, with sparse products, not one by one.

    >>> Xe = sp.csr_matrix(np.array([[1, 1, 1], [1, 0, 1], [0, 1, 1]]))
    >>> _shared_concepts(Xe, np.array([0, 0]), np.array([1, 2]), np.array([2, 1, 0]), 2).tolist()
    [[2, 0], [2, 1]]
    """
    out = np.full((lo.size, max_shared), -1, np.int32)
    for start in range(0, lo.size, block):
        a, b = lo[start:start + block], hi[start:start + block]
        C = Xe[a].multiply(Xe[b]).tocsr()  # a common concept: both rows have it
        C.eliminate_zeros()
        C.sort_indices()
        row = np.repeat(np.arange(C.shape[0]), np.diff(C.indptr))
        col = C.indices.astype(np.int64)
        order = np.lexsort((rank[col], row))
        row, col = row[order], col[order]
        first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        pos = np.arange(row.size) - np.repeat(first, np.diff(np.r_[first, row.size]))
        sel = pos < max_shared
        out[start + row[sel], pos[sel]] = col[sel] if names is None else names[col[sel]]
    return out


# -------------------------------------------------------------------------- builder
def _strictly_sorted(items: Sequence[str]) -> bool:
    """Whether ``items`` are strings in strictly ascending order."""
    try:
        return all(map(operator.lt, items, islice(items, 1, None)))
    except TypeError:  # not all strings
        return False


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
    """
    from kg.graph import MAX_EVIDENCE

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
        entries.append((iri, concept.get("label"), concept.get("type"), concept.get("source"),
                        tuple(concept.get("alt_labels") or ()),
                        *_compact(_mention_summary(concept, max_ev), title, abstract)))
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
    from kg.graph import MAX_EVIDENCE

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
        entries.append((concept["iri"], concept["label"], concept["type"], concept["source"],
                        tuple(concept["alt_labels"] or ()), *compact))
    return str(record["id"]), None, None, entries


def summarize_jsonl(jsonl: str, *, text: bool = True) -> list[tuple]:
    """:func:`summarize_record` of every record in a JSON Lines text (a worker's chunk)."""
    import json

    return [summarize_record(json.loads(line), text=text) for line in jsonl.split("\n") if line]


def _locate(sentence: str, title: str, abstract: str) -> tuple:
    i = abstract.find(sentence)
    if i >= 0:
        return (_IN_ABSTRACT, i, len(sentence))
    i = title.find(sentence)
    if i >= 0:
        return (_IN_TITLE, i, len(sentence))
    return (_EXTRA, sentence)


def _sentence_of(code: tuple, title: str, abstract: str) -> str:
    if code[0] == _IN_ABSTRACT:
        return abstract[code[1]:code[1] + code[2]]
    if code[0] == _IN_TITLE:
        return title[code[1]:code[1] + code[2]]
    return code[1]


def _compact(summary: tuple, title: str, abstract: str) -> tuple:
    """(count, score, fields, located evidence) of a mention summary."""
    ids, score, evidence = summary
    fields = tuple(sorted({f for f, _, _ in ids if f}, key=_field_key))
    return (len(ids), float("nan") if score is None else score, fields,
            tuple(_locate(sentence, title, abstract) for _, sentence in evidence))


class _Builder:
    """One pass over papers and compact record rows into a :class:`GraphModel`.

    Rows are aggregated into flat arrays in arrival order (no per-mention Python object is
    kept); the arrays are put in paper and concept order at the end.
    """

    def __init__(self, model: GraphModel, ontology: Any) -> None:
        from kg.graph import MAX_EVIDENCE

        self.m = model
        self.ontology = ontology
        self.max_evidence = MAX_EVIDENCE

    def run(self, papers, records=None, rows=None) -> None:
        from kg.graph import paper_iri

        located = getattr(papers, "located", None)
        if located is not None:  # a papers.jsonl file: abstracts stay there
            info = _PaperColumns(papers.path)
            for offset, length, paper in located():
                info.add(_paper_fields(paper), offset, length)
        else:
            info = _PaperColumns()
            for paper in papers:
                info.add(_paper_fields(paper))
        if rows is None:
            rows = self._rows(records)

        concept_no: dict[str, int] = {}
        seen: list = []
        seen_alts: dict[int, set[str]] = defaultdict(set)
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
            for iri, label, ctype, source, alts, count, score, fields, evidence in entries:
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
                e_concept.append(c)
                e_count.append(count)
                e_score.append(score)
                f = field_no.get(fields)
                if f is None:
                    f = field_no[fields] = len(field_no)
                e_fields.append(f)
                for code in evidence:
                    if not same_text and code[0] != _EXTRA:
                        code = _locate(_sentence_of(code, title, abstract),
                                       paper_title, paper_abstract)
                    ev_where.append(code[0])
                    if code[0] == _EXTRA:
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
        self._concepts(concept_no, seen, seen_alts, paper_count)
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
                seen.append(((concept.get("label"), concept.get("type"), concept.get("source"),
                              tuple(concept.get("alt_labels") or ())), summary))
        for rid, (title, abstract, concepts) in merged.items():
            entries = []
            for iri, seen in concepts.items():
                summary = seen[0][1]
                for _, other in seen[1:]:
                    summary = _merge_summaries(summary, other, max_ev)
                compact = _compact(summary, title, abstract)
                for k, (meta, _) in enumerate(seen):  # every observation of the label counts
                    entries.append((iri, *meta, *(compact if k == 0 else _NO_MENTION)))
            yield rid, title, abstract, entries

    def _concepts(self, concept_no, seen, seen_alts, paper_count) -> None:
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
                if source == "discovered" and papers[c] < min_papers:
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
                if source == "discovered" and papers[c] < min_papers:
                    continue
            attrs[ciri] = _concept_attrs(ciri, obs, seen_alts.get(c, ()), onto.get(ciri),
                                         source, papers[c])
        broader: set[tuple[str, str]] = set()
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

    def _papers(self, info: _PaperColumns) -> None:
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
            from kg.store import TextColumn

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
        for r0 in range(0, row_len.size, _MENTION_BLOCK_ROWS):
            r1 = min(r0 + _MENTION_BLOCK_ROWS, row_len.size)
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
        for i0 in range(0, rows.size, _MENTION_BLOCK_ROWS):
            block = rows[i0:i0 + _MENTION_BLOCK_ROWS]
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

    def _authors(self, info: _PaperColumns) -> None:
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
        m.a_ptr = _csr(rows, lens.size)
        m.a_author = final[spelling_author[spelling[edge]]].astype(np.int32)
        m.a_pos = pos[edge].astype(np.int32)


#: Rows (papers) whose mention entries are put in order at a time (see ``_mentions``).
_MENTION_BLOCK_ROWS = 16384

#: The tail of an entry that only records a label observation (a merged paper's
#: concept seen in a second record): no mention of its own, ignored as a mention.
_NO_MENTION = (-1, float("nan"), (), ())


# --------------------------------------------------------------------------- facade
class _Nodes(Mapping):
    """``G._node`` / ``G.nodes`` of :class:`ModelView`: attributes made on demand."""

    def __init__(self, model: GraphModel) -> None:
        self._m = model

    def __getitem__(self, iri: str) -> dict[str, Any]:
        return self._m.node_attrs(iri)

    def __iter__(self) -> Iterator[str]:
        m = self._m
        yield from m.paper_iris
        yield from m.concept_iris
        yield from m.author_iris

    def __len__(self) -> int:
        return self._m.number_of_nodes()

    def __contains__(self, iri: object) -> bool:
        return iri in self._m

    def __call__(self, data: bool | str = False, default: Any = None):
        if data is False:
            return iter(self)
        if data is True:
            return self._m.nodes()
        return ((n, attrs.get(data, default)) for n, attrs in self._m.nodes())


class _Adjacency(Mapping):
    """``G._adj`` / ``G._succ`` of :class:`ModelView`: one node's out-edges on demand."""

    def __init__(self, model: GraphModel) -> None:
        self._m = model

    def __getitem__(self, iri: str) -> dict[str, dict[str, dict[str, Any]]]:
        return self._m.adjacency(iri)

    def __iter__(self) -> Iterator[str]:
        return iter(_Nodes(self._m))

    def __len__(self) -> int:
        return self._m.number_of_nodes()


class ModelView:
    """A read-only, networkx-shaped view of a :class:`GraphModel` for streaming writers.

    It offers what the exporters read from a :class:`networkx.MultiDiGraph`: ``graph``,
    ``nodes`` (iterable, ``nodes[iri]``, ``nodes(data=True)``), ``_node``, ``_adj`` and
    ``_succ`` (``_adj[u][v][relation]``), ``edges(keys=True, data=True)``,
    ``is_multigraph``, ``is_directed``, ``len`` and ``in``. Attributes are built per call
    and not kept, so memory stays that of the model. Use :meth:`GraphModel.to_networkx`
    for anything else (analysis, mutation).
    """

    def __init__(self, model: GraphModel) -> None:
        self.model = model
        self.graph = dict(model.params)
        self._node = self.nodes = _Nodes(model)
        self._adj = self._succ = _Adjacency(model)

    def is_multigraph(self) -> bool:
        return True

    def is_directed(self) -> bool:
        return True

    def __len__(self) -> int:
        return self.model.number_of_nodes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __contains__(self, iri: object) -> bool:
        return iri in self.model

    def number_of_nodes(self) -> int:
        return self.model.number_of_nodes()

    def edges(self, keys: bool = False, data: bool = False):
        for u, v, key, attrs in self.model.edges():
            if keys and data:
                yield u, v, key, attrs
            elif keys:
                yield u, v, key
            elif data:
                yield u, v, attrs
            else:
                yield u, v
