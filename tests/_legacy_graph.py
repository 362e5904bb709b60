"""The one networkx model of papers, concepts and authors, built from extraction records.

:func:`build_graph` turns papers (:class:`kg.types.Paper`) and extraction records (the
``kg extract`` shape, see ``docs/architecture.md``) into a :class:`networkx.MultiDiGraph`
whose node keys are IRIs and whose edge keys are relation names:

- ``paper --mentions--> concept`` with ``count``, ``score``, ``fields``, ``evidence``;
- ``concept --broader--> concept`` from the ontology, for the concepts present and all
  their ancestors (so that hierarchy navigation works);
- ``paper --author--> author`` with ``position`` (1 for the first author);
- ``paper --similar--> paper`` (derived): IDF-weighted cosine over shared concepts, at most
  k per paper, stored once per pair from the smaller IRI to the larger one;
- ``concept --cooccurs--> concept`` (derived): normalized PMI over papers, with support,
  stored once per pair from the smaller IRI to the larger one.

The build is deterministic and independent of input order: papers, concepts and authors
are indexed in IRI order and every choice between alternatives is made by a fixed rule, so
re-running it over old + new records (``kg build --update``) gives the same graph as a
fresh build.

Examples
--------
>>> papers = [{"id": "p1", "title": "NTK at infinite width", "abstract": "",
...            "authors": ["Ada Lovelace"], "date": "2025-03-01"}]
>>> records = [{"id": "p1", "concepts": [{"iri": CONCEPT_BASE + "ntk", "label": "NTK",
...     "source": "ontology", "score": 0.9,
...     "mentions": [{"field": "title", "start": 0, "end": 3, "text": "NTK",
...                   "sentence": "NTK at infinite width"}]}]}]
>>> G = build_graph(papers, records)
>>> sorted(G.nodes[n]["kind"] for n in G)
['author', 'concept', 'paper']
>>> G.edges[paper_iri("p1"), CONCEPT_BASE + "ntk", "mentions"]["evidence"]
('NTK at infinite width',)
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import re
import unicodedata
import urllib.parse
from collections import Counter, defaultdict
from typing import Any, Iterable, Mapping

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.errors import GraphError, NotFoundError
from kg.types import Paper

__all__ = [
    "BASE",
    "PAPER_BASE",
    "AUTHOR_BASE",
    "CONCEPT_BASE",
    "DISCOVERED_BASE",
    "MAX_EVIDENCE",
    "MAX_SHARED",
    "build_graph",
    "paper_iri",
    "author_iri",
    "slugify",
    "explain_link",
    "node_label",
]

#: Base namespace of every kg IRI.
BASE = "https://w3id.org/paper-kg/"
PAPER_BASE = BASE + "paper/"
AUTHOR_BASE = BASE + "author/"
CONCEPT_BASE = BASE + "concept/"
DISCOVERED_BASE = CONCEPT_BASE + "x/"
#: Evidence sentences kept per ``mentions`` edge.
MAX_EVIDENCE = 3
#: Concept IRIs kept in the ``shared`` attribute of a ``similar`` edge.
MAX_SHARED = 5
#: A concept in at most this many papers is never dropped as "too common" for similarity.
MIN_DF_CAP = 5
_BLOCK_ROWS = 2048
_FIELD_ORDER = {"title": 0, "abstract": 1}


@functools.lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text``: words joined by ``-``.

    Accents are dropped; a text with no ASCII letters or digits at all (for example a
    name in Chinese characters) gets ``u-`` and a short hash, so different names never
    share the empty slug.

    Examples
    --------
    >>> slugify("Léon Bottou")
    'leon-bottou'
    >>> slugify("  Neural Tangent-Kernel (NTK) ")
    'neural-tangent-kernel-ntk'
    >>> slugify("王小明")[:2]
    'u-'
    """
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if slug:
        return slug
    norm = unicodedata.normalize("NFC", " ".join(text.split()))
    return "u-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def paper_iri(paper_id: str) -> str:
    """IRI of the paper with stable id ``paper_id`` (percent-encoded, ``/`` included).

    Examples
    --------
    >>> paper_iri("2509.04664")
    'https://w3id.org/paper-kg/paper/2509.04664'
    >>> paper_iri("10.1002/spe.2984")
    'https://w3id.org/paper-kg/paper/10.1002%2Fspe.2984'
    """
    return PAPER_BASE + urllib.parse.quote(str(paper_id), safe="")


def author_iri(name: str) -> str:
    """IRI of an author, from the slug of the name.

    Examples
    --------
    >>> author_iri("Geoffrey E. Hinton")
    'https://w3id.org/paper-kg/author/geoffrey-e-hinton'
    """
    return AUTHOR_BASE + slugify(name)


def node_label(G: nx.MultiDiGraph, node: str) -> str:
    """A short human name of a node: concept label, paper title or author name.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("c", kind="concept", label="LoRA")
    >>> node_label(G, "c"), node_label(G, "missing")
    ('LoRA', 'missing')
    """
    if node not in G:
        return str(node)
    attrs = G.nodes[node]
    return str(attrs.get("label") or attrs.get("title") or attrs.get("name") or node)


# ----------------------------------------------------------------------------- build


def _paper_fields(paper: Any) -> dict[str, Any]:
    if isinstance(paper, Paper):
        return {
            "id": paper.id, "title": paper.title, "abstract": paper.abstract,
            "date": paper.date, "url": paper.url, "source": paper.source,
            "authors": tuple(paper.authors),
        }
    if isinstance(paper, Mapping):
        return {
            "id": str(paper["id"]), "title": paper.get("title") or "",
            "abstract": paper.get("abstract") or "", "date": paper.get("date"),
            "url": paper.get("url"), "source": paper.get("source") or "",
            "authors": tuple(paper.get("authors") or ()),
        }
    raise GraphError(f"not a paper: {paper!r}")


def _most_common(counts: Mapping[Any, int]) -> Any:
    """The most frequent value; ties broken by the smallest value (order independent)."""
    items = [(v, n) for v, n in counts.items() if v not in (None, "")]
    if not items:
        return None
    return min(items, key=lambda kv: (-kv[1], str(kv[0])))[0]


def _mention_key(m: Mapping[str, Any]) -> tuple:
    return (_FIELD_ORDER.get(m.get("field"), 9), m.get("start") or 0, m.get("end") or 0,
            m.get("sentence") or "", m.get("text") or "")


def _field_key(f: str) -> tuple:
    return (_FIELD_ORDER.get(f, 9), f)


def _best_evidence(candidates) -> tuple:
    """Keep the (mention key, sentence) pairs that give the first MAX_EVIDENCE distinct
    sentences in mention order; the rest can never become evidence, whatever is merged."""
    kept, sentences = [], set()
    for key, sentence in sorted(candidates):
        if sentence in sentences:
            continue
        if len(sentences) == MAX_EVIDENCE:
            break
        sentences.add(sentence)
        kept.append((key, sentence))
    return tuple(kept)


def _mention_summary(concept: Mapping[str, Any]) -> tuple:
    """What a ``mentions`` edge needs from one record entry, small enough to keep for a
    whole corpus: (mention ids, best score, fields, evidence candidates)."""
    ids, candidates = set(), []
    for m in concept.get("mentions") or ():
        ids.add((m.get("field") or "", m.get("start") or 0, m.get("end") or 0))
        sentence = (m.get("sentence") or m.get("text") or "").strip()
        if sentence:
            candidates.append((_mention_key(m), sentence))
    score = concept.get("score")
    return (tuple(sorted(ids)), None if score is None else float(score),
            _best_evidence(candidates))


def _merge_summaries(a: tuple, b: tuple) -> tuple:
    """The summary of a paper's concept seen in two records (no mention counted twice)."""
    scores = [x for x in (a[1], b[1]) if x is not None]
    return (tuple(sorted(set(a[0]) | set(b[0]))), max(scores) if scores else None,
            _best_evidence(a[2] + b[2]))


def _summary_edge(summary: tuple) -> dict[str, Any]:
    ids, score, evidence = summary
    fields = {f for f, _, _ in ids if f}
    return {
        "count": len(ids),
        "score": score,
        "fields": tuple(sorted(fields, key=_field_key)),
        "evidence": tuple(sentence for _, sentence in evidence),
    }


def build_graph(
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
) -> nx.MultiDiGraph:
    """Build the knowledge graph of ``papers`` from their extraction ``records``.

    Parameters
    ----------
    papers : iterable of Paper or dict
        The papers (``papers.jsonl`` dicts are accepted too). A paper id given twice keeps
        the fields of the last one. A record whose id is not among ``papers`` still makes
        a paper node from the record's ``title`` and ``abstract``.
    records : iterable of dict
        Extraction records (``{"id", "title", "abstract", "concepts": [...]}``). When
        several records share an id, their concepts are merged.
    ontology : kg.ontology.Ontology, optional
        Gives concept labels, types and definitions, and the ``broader`` hierarchy. Without
        it, concept attributes come from the records and there are no ``broader`` edges.
    top_k : int
        Most ``similar`` links per paper. Each paper proposes its ``top_k`` nearest papers;
        proposals are accepted from the strongest down while both papers have fewer than
        ``top_k`` links, so every paper ends with at most ``top_k`` (the projection has at
        most ``top_k * n / 2`` edges: linear in the corpus size).
    min_cooccurrence : int
        Fewest papers two concepts must share to get a ``cooccurs`` edge (its support).
    min_npmi : float
        Smallest normalized PMI of a ``cooccurs`` edge.
    min_discovered_papers : int
        A discovered concept (``source == "discovered"``) is kept only when this many papers
        mention it; ontology concepts are always kept.
    max_df : float
        Concepts in more than this fraction of the papers (and in more than
        :data:`MIN_DF_CAP` papers) are ignored for similarity, as are concepts in one paper.
    max_concept_papers : int or None
        Concepts in more than this many papers are ignored for similarity too. The cost of
        the similarity step grows with (mentions x the largest paper count considered), so
        this bound keeps it about linear in the corpus size; such common concepts weigh
        little in the IDF-weighted cosine anyway. None: no absolute bound.

    Returns
    -------
    networkx.MultiDiGraph
        The graph model of ``docs/architecture.md``. ``G.graph`` records the parameters.

    Examples
    --------
    >>> c = CONCEPT_BASE
    >>> def rec(pid, *slugs):
    ...     return {"id": pid, "title": pid, "abstract": "", "concepts": [
    ...         {"iri": c + s, "label": s, "source": "ontology", "score": 1.0,
    ...          "mentions": []} for s in slugs]}
    >>> recs = [rec("a", "ntk", "width"), rec("b", "ntk", "width"), rec("c", "lora")]
    >>> G = build_graph([], recs, top_k=1, min_cooccurrence=2, max_df=1.0)
    >>> [(u[-1], v[-1]) for u, v, k in G.edges(keys=True) if k == "similar"]
    [('a', 'b')]
    >>> G.edges[c + "ntk", c + "width", "cooccurs"]["support"]
    2
    """
    if top_k < 0 or min_cooccurrence < 1 or min_discovered_papers < 1:
        raise GraphError("top_k must be >= 0, min_cooccurrence and min_discovered_papers >= 1")
    with _gc_paused():
        return _build(papers, records, ontology, top_k=top_k, min_cooccurrence=min_cooccurrence,
                      min_npmi=min_npmi, min_discovered_papers=min_discovered_papers,
                      max_df=max_df, max_concept_papers=max_concept_papers)


@contextlib.contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector: building millions of small dicts (which form no
    cycles) otherwise triggers repeated full collections, about 40 % of the build time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(papers, records, ontology, *, top_k, min_cooccurrence, min_npmi,
           min_discovered_papers, max_df, max_concept_papers) -> nx.MultiDiGraph:

    paper_info: dict[str, dict[str, Any]] = {}
    for paper in papers:
        info = _paper_fields(paper)
        paper_info[paper_iri(info["id"])] = info

    # paper IRI -> concept IRI -> mention summary (records are not kept: they are large)
    mentions: dict[str, dict[str, tuple]] = defaultdict(dict)
    # concept IRI -> Counter of (label, type, source) as the records give them; alt labels
    seen: dict[str, Counter] = defaultdict(Counter)
    seen_alts: dict[str, set[str]] = defaultdict(set)
    for record in records:
        if "id" not in record:
            raise GraphError("an extraction record has no 'id'")
        piri = paper_iri(record["id"])
        if piri not in paper_info:
            paper_info[piri] = _paper_fields(
                {"id": record["id"], "title": record.get("title"), "abstract": record.get("abstract")}
            )
        for concept in record.get("concepts") or ():
            ciri = concept.get("iri")
            if not ciri:
                raise GraphError(f"record {record['id']}: a concept has no 'iri'")
            seen[ciri][(concept.get("label"), concept.get("type"), concept.get("source"))] += 1
            alts = concept.get("alt_labels")
            if alts:
                seen_alts[ciri].update(alts)
            summary = _mention_summary(concept)
            previous = mentions[piri].get(ciri)
            mentions[piri][ciri] = summary if previous is None else _merge_summaries(previous, summary)

    # paper counts and which concepts survive
    paper_count: Counter[str] = Counter()
    for piri, cmap in mentions.items():
        paper_count.update(cmap.keys())
    onto_concepts = getattr(ontology, "concepts", None) or {}
    concept_attrs: dict[str, dict[str, Any]] = {}
    for ciri, triples in seen.items():
        obs: dict[str, Counter] = {"label": Counter(), "type": Counter(), "source": Counter()}
        for (label, ctype, source), n in triples.items():
            obs["label"][label] += n
            obs["type"][ctype] += n
            obs["source"][source] += n
        in_onto = ciri in onto_concepts
        source = "ontology" if in_onto or obs["source"]["ontology"] else (
            _most_common(obs["source"]) or "discovered")
        if source == "discovered" and paper_count[ciri] < min_discovered_papers:
            continue
        concept_attrs[ciri] = _concept_attrs(ciri, obs, seen_alts.get(ciri, ()),
                                             onto_concepts.get(ciri), source, paper_count[ciri])

    # ontology ancestors of the concepts present
    broader_edges: set[tuple[str, str]] = set()
    frontier = sorted(c for c in concept_attrs if c in onto_concepts)
    while frontier:
        nxt = []
        for ciri in frontier:
            for parent in getattr(onto_concepts[ciri], "broader", ()) or ():
                if parent not in onto_concepts:
                    continue
                broader_edges.add((ciri, parent))
                if parent not in concept_attrs:
                    concept_attrs[parent] = _concept_attrs(parent, None, (), onto_concepts[parent],
                                                           "ontology", 0)
                    nxt.append(parent)
        frontier = sorted(nxt)

    # authors: slug -> names seen; the smallest name is shown (order independent)
    author_names: dict[str, set[str]] = defaultdict(set)
    author_edges: list[tuple[str, str, int]] = []
    for piri in sorted(paper_info):
        done = set()
        for pos, name in enumerate(paper_info[piri]["authors"], 1):
            name = " ".join(str(name).split())
            if not name:
                continue
            airi = author_iri(name)
            author_names[airi].add(name)
            if airi not in done:
                done.add(airi)
                author_edges.append((piri, airi, pos))

    G = nx.MultiDiGraph()
    G.graph.update({
        "base": BASE, "top_k": top_k, "min_cooccurrence": min_cooccurrence,
        "min_npmi": min_npmi, "min_discovered_papers": min_discovered_papers, "max_df": max_df,
        "max_concept_papers": max_concept_papers,
    })
    for piri in sorted(paper_info):
        info = paper_info[piri]
        G.add_node(piri, kind="paper", id=info["id"], title=info["title"],
                   abstract=info["abstract"], date=info["date"] or None, url=info["url"],
                   source=info["source"])
    for ciri in sorted(concept_attrs):
        G.add_node(ciri, **concept_attrs[ciri])
    for airi in sorted(author_names):
        G.add_node(airi, kind="author", name=min(author_names[airi]))

    _add_edges(G, (
        (piri, ciri, "mentions", _summary_edge(mentions[piri][ciri]))
        for piri in sorted(mentions) for ciri in sorted(mentions[piri]) if ciri in concept_attrs
    ))
    _add_edges(G, ((child, parent, "broader", {}) for child, parent in sorted(broader_edges)))
    _add_edges(G, ((piri, airi, "author", {"position": pos}) for piri, airi, pos in author_edges))

    kept = {p: sorted(c for c in cmap if c in concept_attrs) for p, cmap in mentions.items()}
    paper_rows = sorted(p for p, cs in kept.items() if cs)
    concept_cols = sorted({c for p in paper_rows for c in kept[p]})
    if paper_rows and concept_cols:
        col = {c: j for j, c in enumerate(concept_cols)}
        X = _incidence(paper_rows, concept_cols, kept, col)
        _add_edges(G, (
            (u, v, "similar", attrs) for u, v, attrs in
            _similar_edges(X, paper_rows, concept_cols, kept, top_k, max_df, max_concept_papers)))
        _add_edges(G, (
            (u, v, "cooccurs", attrs) for u, v, attrs in
            _cooccurrence_edges(X, concept_cols, min_cooccurrence, min_npmi)))
    return G


def _add_edges(G: nx.MultiDiGraph, edges: Iterable[tuple[str, str, str, dict]]) -> None:
    """Add keyed edges between existing nodes, fast.

    Equivalent to ``G.add_edge(u, v, key, **attrs)`` for each edge, filling networkx's
    documented adjacency structure (``G._succ[u][v][key]`` shared with
    ``G._pred[v][u][key]``) directly: ``add_edges_from`` costs about three times more
    through its views, which matters at a million edges.
    """
    succ, pred = G._succ, G._pred
    attr_factory, key_factory = G.edge_attr_dict_factory, G.edge_key_dict_factory
    for u, v, key, attrs in edges:
        if u not in succ or v not in succ:
            raise GraphError(f"edge between unknown nodes: {u} -> {v}")
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = key_factory()
            succ[u][v] = keydict
            pred[v][u] = keydict
        data = attr_factory()
        data.update(attrs)
        keydict[key] = data
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


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


def _incidence(rows: list[str], cols: list[str], kept: Mapping[str, list[str]],
               col: Mapping[str, int]) -> sp.csr_matrix:
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indices: list[int] = []
    for i, p in enumerate(rows):
        indices.extend(col[c] for c in kept[p])
        indptr[i + 1] = len(indices)
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix((data, np.asarray(indices, dtype=np.int64), indptr),
                         shape=(len(rows), len(cols)))


def _similar_edges(X: sp.csr_matrix, rows: list[str], cols: list[str],
                   kept: Mapping[str, list[str]], top_k: int, max_df: float,
                   max_concept_papers: int | None):
    """Top-k IDF-weighted cosine neighbours per paper; one edge per pair, u < v."""
    if top_k == 0:
        return []
    n = X.shape[0]
    df = np.asarray(X.sum(axis=0)).ravel()
    cap = max(max_df * n, MIN_DF_CAP)
    if max_concept_papers is not None:
        cap = min(cap, max(max_concept_papers, MIN_DF_CAP))
    eligible = (df >= 2) & (df <= cap)
    idf = np.where(eligible, np.log((1.0 + n) / (1.0 + df)) + 1.0, 0.0)
    W = (X @ sp.diags(idf)).tocsr()
    W.eliminate_zeros()
    norms = np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    W = (sp.diags(inv) @ W).tocsr()
    WT = W.T.tocsr()

    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, n, _BLOCK_ROWS):
        S = (W[start:start + _BLOCK_ROWS] @ WT).tocsr()
        indptr, indices, data = S.indptr, S.indices, S.data
        for r in range(S.shape[0]):
            i = start + r
            lo, hi = indptr[r], indptr[r + 1]
            if lo == hi:
                continue
            cand = indices[lo:hi]
            w = data[lo:hi]
            mask = (cand != i) & (w > 0)
            cand, w = cand[mask], w[mask]
            if cand.size == 0:
                continue
            if cand.size > top_k:
                kth = np.partition(w, cand.size - top_k)[cand.size - top_k]
                keep = w >= kth
                cand, w = cand[keep], w[keep]
            order = np.lexsort((cand, -w))[:top_k]
            for j, wij in zip(cand[order].tolist(), w[order].tolist()):
                key = (i, j) if i < j else (j, i)
                if key not in pairs:
                    pairs[key] = wij
    pairs = _degree_bounded(pairs, n, top_k)
    idf_of = {cols[j]: idf[j] for j in np.flatnonzero(eligible)}
    eligible_of = [[c for c in kept[p] if c in idf_of] for p in rows]
    out = []
    for (i, j) in sorted(pairs):
        u, v = rows[i], rows[j]
        common = set(eligible_of[i]).intersection(eligible_of[j])
        shared = tuple(sorted(common, key=lambda c: (-idf_of[c], c))[:MAX_SHARED])
        out.append((u, v, {"weight": round(float(pairs[(i, j)]), 6), "shared": shared}))
    return out


def _degree_bounded(pairs: dict[tuple[int, int], float], n: int, top_k: int):
    """Keep the strongest candidate pairs such that no paper has more than ``top_k`` links.

    Candidates are each paper's own top k; they are accepted greedily from the highest
    weight down (ties by index), skipping a pair once either paper has ``top_k`` links.

    >>> _degree_bounded({(0, 1): 0.9, (0, 2): 0.8, (1, 2): 0.7}, 3, 1)
    {(0, 1): 0.9}
    """
    degree = [0] * n
    kept = {}
    for (i, j), w in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if degree[i] < top_k and degree[j] < top_k:
            degree[i] += 1
            degree[j] += 1
            kept[(i, j)] = w
    return kept


def _cooccurrence_edges(X: sp.csr_matrix, cols: list[str], min_support: int, min_npmi: float):
    """Concept pairs sharing at least ``min_support`` papers with NPMI >= ``min_npmi``."""
    n = X.shape[0]
    df = np.asarray(X.sum(axis=0)).ravel()
    keep = np.flatnonzero(df >= min_support)
    if keep.size < 2:
        return []
    B = X[:, keep].tocsc().astype(np.int32)
    C = sp.triu(B.T @ B, k=1).tocoo()
    mask = C.data >= min_support
    ri, ci, support = keep[C.row[mask]], keep[C.col[mask]], C.data[mask].astype(np.float64)
    p_ij = support / n
    p_i, p_j = df[ri] / n, df[ci] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log(p_ij / (p_i * p_j)) / -np.log(p_ij)
    npmi = np.where(p_ij >= 1.0, 0.0, npmi)  # both in every paper: no information
    sel = np.flatnonzero(npmi >= min_npmi)
    order = sorted(sel.tolist(), key=lambda t: (cols[ri[t]], cols[ci[t]]))
    return [
        (cols[ri[t]], cols[ci[t]], {"npmi": round(float(npmi[t]), 6), "support": int(support[t])})
        for t in order
    ]


# ----------------------------------------------------------------------------- explain


def _as_node(G: nx.MultiDiGraph, node: str) -> str:
    if node in G:
        return node
    iri = paper_iri(node)
    if iri in G:
        return iri
    raise NotFoundError(f"{node!r} is not a node of the graph")


def _mentions_of(G: nx.MultiDiGraph, paper: str) -> dict[str, dict[str, Any]]:
    return {v: d for _, v, k, d in G.out_edges(paper, keys=True, data=True) if k == "mentions"}


def _papers_of(G: nx.MultiDiGraph, concept: str) -> set[str]:
    return {p for p, _, k in G.in_edges(concept, keys=True) if k == "mentions"}


def _edge(G: nx.MultiDiGraph, u: str, v: str, key: str) -> tuple[dict[str, Any] | None, bool]:
    """Attributes of edge (u, v, key) in either direction, and whether it runs v -> u."""
    if G.has_edge(u, v, key):
        return G.edges[u, v, key], False
    if G.has_edge(v, u, key):
        return G.edges[v, u, key], True
    return None, False


def explain_link(G: nx.MultiDiGraph, u: str, v: str, *, limit: int = 5) -> dict[str, Any]:
    """Why two nodes are linked, as plain data.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph made by :func:`build_graph`.
    u, v : str
        Node IRIs (paper ids are accepted for papers).
    limit : int
        Most shared concepts (paper pair) or common papers (concept pair) listed.

    Returns
    -------
    dict
        Always ``source``, ``target``, ``relation`` (the edge key linking them, or None)
        and ``kind`` (``papers``, ``concepts``, ``paper-concept`` or ``other``). For two
        papers: ``weight`` and ``shared``, a list of ``{iri, label, paper_count,
        evidence: {source: [...], target: [...]}}``, rarest concept first. For two
        concepts: ``npmi``, ``support``, ``papers`` (``{id, title}``, at most ``limit``),
        and ``broader`` (the broader of the two, if one is). For a paper and a concept:
        ``count``, ``fields``, ``evidence``.

    Raises
    ------
    NotFoundError
        If ``u`` or ``v`` is not in the graph.

    Examples
    --------
    >>> c = CONCEPT_BASE
    >>> recs = [{"id": p, "concepts": [{"iri": c + "grokking", "label": "grokking",
    ...     "source": "ontology", "mentions": [{"field": "abstract", "start": 0, "end": 8,
    ...     "text": "grokking", "sentence": f"Grokking in {p}."}]}]} for p in "ab"]
    >>> G = build_graph([], recs, min_cooccurrence=1, max_df=1.0)
    >>> e = explain_link(G, "a", "b")
    >>> e["relation"], [s["label"] for s in e["shared"]], e["shared"][0]["evidence"]["target"]
    ('similar', ['grokking'], ['Grokking in b.'])
    """
    u, v = _as_node(G, u), _as_node(G, v)
    ku, kv = G.nodes[u].get("kind"), G.nodes[v].get("kind")
    out: dict[str, Any] = {"source": u, "target": v, "relation": None}
    if ku == kv == "paper":
        out["kind"] = "papers"
        attrs, _ = _edge(G, u, v, "similar")
        out["relation"] = "similar" if attrs is not None else None
        out["weight"] = attrs["weight"] if attrs is not None else None
        mu, mv = _mentions_of(G, u), _mentions_of(G, v)
        common = sorted(set(mu) & set(mv), key=lambda c: (G.nodes[c].get("paper_count") or 0, c))
        out["shared"] = [
            {"iri": c, "label": node_label(G, c), "paper_count": G.nodes[c].get("paper_count"),
             "evidence": {"source": list(mu[c].get("evidence", ())),
                          "target": list(mv[c].get("evidence", ()))}}
            for c in common[:limit]
        ]
        out["shared_total"] = len(common)
    elif ku == kv == "concept":
        out["kind"] = "concepts"
        attrs, _ = _edge(G, u, v, "cooccurs")
        b_attrs, reverse = _edge(G, u, v, "broader")
        if attrs is not None:
            out["relation"] = "cooccurs"
        elif b_attrs is not None:
            out["relation"] = "broader"
        out["npmi"] = attrs["npmi"] if attrs is not None else None
        out["support"] = attrs["support"] if attrs is not None else None
        out["broader"] = (u if reverse else v) if b_attrs is not None else None
        both = sorted(_papers_of(G, u) & _papers_of(G, v))
        out["papers"] = [{"id": G.nodes[p].get("id"), "title": G.nodes[p].get("title")}
                         for p in both[:limit]]
        out["papers_total"] = len(both)
    elif {ku, kv} == {"paper", "concept"}:
        out["kind"] = "paper-concept"
        paper, concept = (u, v) if ku == "paper" else (v, u)
        attrs = G.get_edge_data(paper, concept, "mentions")
        out["relation"] = "mentions" if attrs is not None else None
        out["count"] = attrs["count"] if attrs else 0
        out["fields"] = list(attrs["fields"]) if attrs else []
        out["evidence"] = list(attrs["evidence"]) if attrs else []
    else:
        out["kind"] = "other"
        data = G.get_edge_data(u, v) or G.get_edge_data(v, u) or {}
        if data:
            key = sorted(data)[0]
            out["relation"] = key
            out.update({k: val for k, val in data[key].items() if k not in out})
    return out
