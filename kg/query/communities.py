"""Communities of concepts, numbered and named: what ``kg communities`` lists and exports tag.

The communities are the Louvain communities of the ``cooccurs`` graph
(:func:`kg.query.stats.concept_communities`, bounded by
:data:`~kg.query.stats.COMMUNITY_MAX_CONCEPTS` as a build bounds them). Each gets a
deterministic number: 0 for the largest (most concepts), ties by name, and a name made of
its top concepts (most papers first).

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> [(r["id"], r["name"], r["concepts"], r["papers"]) for r in community_table(M)]
[(0, 'infinite width / neural tangent kernel', 2, 3)]
>>> community_ids(M)
{'https://w3id.org/paper-kg/concept/infinite-width': 0, 'https://w3id.org/paper-kg/concept/neural-tangent-kernel': 0}
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from kg.query.evidence import paper_record
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import model_index
from kg.query.resolve import concept_label
from kg.query.stats import COMMUNITY_MAX_CONCEPTS, concept_communities

__all__ = ["NAME_CONCEPTS", "community_table", "community_ids", "community_names"]

#: How many top concepts (most papers first) make a community's name.
NAME_CONCEPTS = 3


_CACHE: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


def _numbered(M, max_concepts: int | None) -> list[tuple[str, list[int]]]:
    """(name, concept numbers by papers descending) of each community, in id order; one
    Louvain pass per model and bound, kept while the model lives."""
    kept = _CACHE.setdefault(M, {})
    if max_concepts not in kept:
        stored = _stored_numbered(M) if max_concepts == COMMUNITY_MAX_CONCEPTS else None
        kept[max_concepts] = stored if stored is not None else _louvain_numbered(M, max_concepts)
    return kept[max_concepts]


def _stored_numbered(M) -> list[tuple[str, list[int]]] | None:
    """The communities a build stored as the concepts' ``community`` attribute (numbered
    as :func:`community_ids` numbers them), or None when the model holds none."""
    members: dict[int, list[int]] = {}
    for c, attrs in enumerate(M.concept_attrs):
        if "community" in attrs:
            members.setdefault(int(attrs["community"]), []).append(c)
    if not members or sorted(members) != list(range(len(members))):
        return None
    pc = model_index(M).paper_count()
    out = []
    for number in range(len(members)):
        cs = sorted(members[number], key=lambda c: (-int(pc[c]), M.concept_iris[c]))
        out.append((" / ".join(concept_label(M, c) for c in cs[:NAME_CONCEPTS]), cs))
    return out


def _louvain_numbered(M, max_concepts: int | None) -> list[tuple[str, list[int]]]:
    ix = model_index(M)
    out = []
    for members in concept_communities(M, max_concepts=max_concepts):
        cs = [ix.concept_index(iri) for iri in members]  # papers descending, then IRI
        name = " / ".join(concept_label(M, c) for c in cs[:NAME_CONCEPTS])
        out.append((name, cs))
    out.sort(key=lambda nc: (-len(nc[1]), nc[0], M.concept_iris[nc[1][0]]))
    return out


def community_table(M, *, top_concepts: int = 10, top_papers: int = 3,
                    max_concepts: int | None = COMMUNITY_MAX_CONCEPTS) -> list[dict[str, Any]]:
    """Every concept community with its number, name, size, top concepts and top papers.

    Parameters
    ----------
    top_concepts, top_papers : int
        How many concepts (most papers first) and papers to list per community. A paper
        ranks by how many of the community's concepts it mentions, then by its mentions
        of them, then by id.
    max_concepts : int or None
        The bound of :func:`~kg.query.stats.concept_communities` (None: the whole graph).

    Returns
    -------
    list of dict
        ``{id, name, concepts, papers, top_concepts, top_papers}`` in ``id`` order:
        ``concepts`` and ``papers`` count the community's concepts and the papers that
        mention at least one of them; ``top_concepts`` rows are ``{iri, label,
        paper_count}``; ``top_papers`` rows are ``{id, iri, title, date, link, concepts}``
        (``concepts``: how many of the community's concepts the paper mentions).

    Examples
    --------
    >>> row = community_table(example_model())[0]
    >>> [p["id"] for p in row["top_papers"]], row["top_papers"][0]["concepts"]
    (['p1', 'p2', 'p4'], 2)
    """
    ix = model_index(M)
    cptr, cpaper, cpos = ix.concept_papers()
    pc = ix.paper_count()
    rows = []
    for i, (name, cs) in enumerate(_numbered(M, max_concepts)):
        papers = np.concatenate([cpaper[cptr[c]:cptr[c + 1]] for c in cs])
        counts = np.concatenate([M.m_count[cpos[cptr[c]:cptr[c + 1]]] for c in cs])
        uniq, hits = np.unique(papers, return_counts=True)
        mentions = np.zeros(uniq.size, np.int64)
        np.add.at(mentions, np.searchsorted(uniq, papers), counts)
        ids = [str(M.paper_ids[p]) for p in uniq.tolist()]
        order = sorted(range(uniq.size), key=lambda j: (-int(hits[j]), -int(mentions[j]), ids[j]))
        tops = []
        for j in order[:top_papers]:
            row = paper_record(M, int(uniq[j]))
            row["concepts"] = int(hits[j])
            tops.append(row)
        rows.append({
            "id": i, "name": name, "concepts": len(cs), "papers": int(uniq.size),
            "top_concepts": [{"iri": M.concept_iris[c], "label": concept_label(M, c),
                              "paper_count": int(pc[c])} for c in cs[:top_concepts]],
            "top_papers": tops,
        })
    return rows


def community_ids(M, *, max_concepts: int | None = COMMUNITY_MAX_CONCEPTS) -> dict[str, int]:
    """The community number of each concept that has one (IRI -> id of
    :func:`community_table`); concepts without a ``cooccurs`` link have none.

    Examples
    --------
    >>> sorted(set(community_ids(example_model()).values()))
    [0]
    """
    return {M.concept_iris[c]: i for i, (_, cs) in enumerate(_numbered(M, max_concepts))
            for c in cs}


def community_names(M, *, max_concepts: int | None = COMMUNITY_MAX_CONCEPTS) -> list[str]:
    """The name of each community, by id (its :data:`NAME_CONCEPTS` top concepts).

    Examples
    --------
    >>> community_names(example_model())
    ['infinite width / neural tangent kernel']
    """
    return [name for name, _ in _numbered(M, max_concepts)]
