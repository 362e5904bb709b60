"""The graph model of papers, concepts and authors, built from extraction records.

:meth:`GraphModel.build` turns papers (:class:`kg.types.Paper`) and extraction records (the
``kg extract`` shape, see ``docs/architecture.md``) into a :class:`GraphModel`: columns
and arrays (:mod:`kg.model.core`), built in one pass (:mod:`kg.model.builder`), with the
derived links of :mod:`kg.model.links`, saved and loaded by :mod:`kg.model.store`. As a
graph (:meth:`GraphModel.to_networkx`, or :func:`build_graph`) it is a
:class:`networkx.MultiDiGraph` whose node keys are IRIs and whose edge keys are relation
names:

- ``paper --mentions--> concept`` with ``count``, ``score``, ``fields``, ``evidence``;
- ``concept --broader--> concept`` from the ontology, for the concepts present and all
  their ancestors (so that hierarchy navigation works), and from the records' ``broader``
  lists of discovered concepts (to the ontology concepts and the discovered concepts of
  the graph that a discovered term contains); a concept the Extractor flags ``generic``
  is no concept of the model;
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
>>> from kg.iris import concept_iri, paper_iri
>>> papers = [{"id": "p1", "title": "NTK at infinite width", "abstract": "",
...            "authors": ["Ada Lovelace"], "date": "2025-03-01"}]
>>> records = [{"id": "p1", "concepts": [{"iri": concept_iri("ntk"), "label": "NTK",
...     "source": "ontology", "score": 0.9,
...     "mentions": [{"field": "title", "start": 0, "end": 3, "text": "NTK",
...                   "sentence": "NTK at infinite width"}]}]}]
>>> M = GraphModel.build(papers, records)
>>> M.counts()["nodes"]
{'author': 1, 'concept': 1, 'paper': 1}
>>> G = M.to_networkx()
>>> G.edges[paper_iri("p1"), concept_iri("ntk"), "mentions"]["evidence"]
('NTK at infinite width',)
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import networkx as nx

from kg.model.builder import MAX_EVIDENCE, summarize_extracted, summarize_jsonl, summarize_record
from kg.model.core import GraphModel
from kg.model.links import MAX_SHARED, MIN_DF_CAP
from kg.model.networkx import ModelView
from kg.model.store import load_graph, load_model, save_model
from kg.types import Paper

__all__ = [
    "GraphModel",
    "ModelView",
    "MAX_EVIDENCE",
    "MAX_SHARED",
    "MIN_DF_CAP",
    "build_graph",
    "load_graph",
    "load_model",
    "save_model",
    "summarize_extracted",
    "summarize_jsonl",
    "summarize_record",
]


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
    cooccurs_top_k: int | None = 50,
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
        it, concept attributes come from the records and the only ``broader`` edges are
        the records' own, between concepts of the graph.
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
        :data:`kg.model.links.MIN_DF_CAP` papers) are ignored for similarity, as are concepts in one paper.
    max_concept_papers : int or None
        Concepts in more than this many papers are ignored for similarity too. The cost of
        the similarity step grows with (mentions x the largest paper count considered), so
        this bound keeps it about linear in the corpus size; such common concepts weigh
        little in the IDF-weighted cosine anyway. None: no absolute bound.
    cooccurs_top_k : int or None
        A ``cooccurs`` pair is kept only when it is among the ``cooccurs_top_k`` strongest
        (NPMI, then support) of one of its two concepts, so the co-occurrence graph has at
        most ``cooccurs_top_k`` edges per concept (linear in the corpus, however often
        concepts meet). None: no bound.

    Returns
    -------
    networkx.MultiDiGraph
        The graph model of ``docs/architecture.md``. ``G.graph`` records the parameters.
        It is ``GraphModel.build(...).to_networkx()``: the queries (:mod:`kg.query`) and
        writers (:mod:`kg.export`) take the :class:`GraphModel` itself.

    Examples
    --------
    >>> from kg.iris import CONCEPT_NS as c
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
    if iter(records) is records:  # one-shot: held here, so repeated ids can be merged
        records = list(records)
    return GraphModel.build(
        papers, records, ontology, top_k=top_k, min_cooccurrence=min_cooccurrence,
        min_npmi=min_npmi, min_discovered_papers=min_discovered_papers, max_df=max_df,
        max_concept_papers=max_concept_papers, cooccurs_top_k=cooccurs_top_k,
    ).to_networkx()
