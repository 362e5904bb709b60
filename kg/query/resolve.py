"""Turn what a user types (a label, an acronym, an arXiv id, a title) into a node of the model.

Every query command starts here: :func:`resolve_concept`, :func:`resolve_paper` and
:func:`resolve_node` return an IRI or raise :class:`~kg.errors.NotFoundError` with close
matches suggested.

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> resolve_concept(M, "ntk")
'https://w3id.org/paper-kg/concept/neural-tangent-kernel'
>>> resolve_node(M, "p1")
'https://w3id.org/paper-kg/paper/p1'
"""
from __future__ import annotations

import contextlib
import difflib
from typing import Any

from kg.errors import NotFoundError
from kg.iris import paper_iri
from kg.query.examples import example_model  # noqa: F401  (the examples' model)
from kg.query.index import fold_spaces, model_index, squash
from kg.types import arxiv_id, normalize_doi, title_key

__all__ = [
    "resolve_concept",
    "resolve_paper",
    "resolve_node",
    "node_attrs",
    "node_label",
    "concept_label",
    "paper_label",
    "not_found",
]


def node_attrs(M, iri: str) -> dict[str, Any]:
    """The attributes of a node of the model (those of ``M.to_networkx().nodes[iri]``).

    Raises
    ------
    KeyError
        If ``iri`` is not a node.

    Examples
    --------
    >>> node_attrs(example_model(), "https://w3id.org/paper-kg/paper/p1")["title"]
    'NTK one'
    """
    return M.node_attrs(iri)


def node_label(M, iri: str) -> str:
    """A short human name of a node: concept label, paper title or author name (or the IRI).

    Examples
    --------
    >>> node_label(example_model(), "https://w3id.org/paper-kg/concept/lora")
    'LoRA'
    """
    try:
        attrs = node_attrs(M, iri)
    except KeyError:
        return str(iri)
    return str(attrs.get("label") or attrs.get("title") or attrs.get("name") or iri)


def concept_label(M, c: int) -> str:
    """The label of concept number ``c`` (its IRI when it has none).

    Examples
    --------
    >>> concept_label(example_model(), 1)
    'LoRA'
    """
    return str(M.concept_attrs[c].get("label") or M.concept_iris[c])


def paper_label(M, p: int) -> str:
    """The title of paper number ``p`` (its IRI when it has none).

    Examples
    --------
    >>> paper_label(example_model(), 0)
    'NTK one'
    """
    return str(M.titles[p] or M.paper_iris[p])


def not_found(message: str, suggestions: list[str]) -> NotFoundError:
    """A :class:`~kg.errors.NotFoundError` carrying its close matches as ``suggestions``.

    Examples
    --------
    >>> not_found("no concept 'x'", ["y"]).suggestions
    ['y']
    """
    exc = NotFoundError(message)
    exc.suggestions = suggestions
    return exc


def resolve_concept(M, name: str) -> str:
    """The IRI of the concept a user means by ``name``.

    Tried in order: the IRI itself, the exact label, the exact alternative label (acronyms
    such as ``NTK``), then the same ignoring case, hyphens and spaces, then ignoring all
    punctuation. Among several matches the concept with more papers wins.

    Raises
    ------
    NotFoundError
        If nothing matches; the message lists up to 5 close labels (``difflib``), which are
        also in the exception's ``suggestions`` attribute.

    Examples
    --------
    >>> M = example_model()
    >>> resolve_concept(M, "Low-Rank Adaptation").rsplit("/", 1)[1]
    'lora'
    >>> try:
    ...     resolve_concept(M, "infinte width")
    ... except NotFoundError as e:
    ...     print(e)
    no concept 'infinte width' in the graph; did you mean: infinite width?
    """

    name = str(name).strip()
    ix = model_index(M)
    if ix.concept_index(name) is not None:
        return name
    attrs = M.concept_attrs
    key, sq = fold_spaces(name), squash(name)
    # the first tier with a match wins, so each tier is only looked at if those before
    # it are empty (a concept then matches no earlier tier's rule)
    rules = (
        lambda label, alts: label == name,
        lambda label, alts: name in alts,
        lambda label, alts: fold_spaces(label) == key or any(fold_spaces(a) == key for a in alts),
        lambda label, alts: bool(sq) and (squash(label) == sq
                                          or any(squash(a) == sq for a in alts)),
    )
    for rule in rules:
        tier = [c for c, a in enumerate(attrs)
                if rule(a.get("label") or "", a.get("alt_labels") or ())]
        if tier:
            pc = ix.paper_count()
            return M.concept_iris[min(tier, key=lambda c: (-int(pc[c]), M.concept_iris[c]))]
    labels: dict[str, str] = {}
    for a in attrs:
        for lab in (a.get("label"), *(a.get("alt_labels") or ())):
            if lab:
                labels.setdefault(lab.casefold(), a.get("label"))
    close = difflib.get_close_matches(name.casefold(), list(labels), n=10, cutoff=0.6)
    suggestions: list[str] = []
    for lab in close:
        if labels[lab] not in suggestions:
            suggestions.append(labels[lab])
    suggestions = suggestions[:5]
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise not_found(f"no concept {name!r} in the graph{hint}", suggestions)


def resolve_paper(M, id_or_iri: str, *, fragments: bool = True) -> str:
    """The IRI of the paper named by its id, IRI, arXiv id/URL (any version), DOI or title.

    A whole title matches (ignoring case and punctuation); with ``fragments``, so does a
    unique title prefix or a unique whole-word title fragment ("PERK").

    Raises
    ------
    NotFoundError
        If no paper matches (or a title fragment matches several); close ids are suggested.

    Examples
    --------
    >>> M = example_model()
    >>> resolve_paper(M, "p3"), resolve_paper(M, "lora three")
    ('https://w3id.org/paper-kg/paper/p3', 'https://w3id.org/paper-kg/paper/p3')
    >>> resolve_paper(M, "ntk")  # a title fragment must be unique
    Traceback (most recent call last):
    ...
    kg.errors.NotFoundError: 'ntk' matches 2 paper titles: ...
    """
    name = str(id_or_iri).strip()
    ix = model_index(M)
    candidates = [name, paper_iri(name)]
    for alt in (arxiv_id(name), normalize_doi(name)):
        if alt:
            candidates.append(paper_iri(alt))
    for c in candidates:
        if ix.paper_index(c) is not None:
            return c
    tkey = title_key(name)
    if tkey:
        titles = ix.title_keys()  # papers in IRI order, as sorted(papers)
        for p, t in enumerate(titles):
            if t == tkey:
                return M.paper_iris[p]
        for match in () if not fragments else (lambda t: t.startswith(tkey + " "),
                                               lambda t: f" {tkey} " in f" {t} "):
            found = [p for p, t in enumerate(titles) if match(t)]
            if len(found) == 1:
                return M.paper_iris[found[0]]
            if len(found) > 1:
                shown = "; ".join(f"{M.paper_ids[p]} ({M.titles[p]})" for p in found[:5])
                raise not_found(f"{name!r} matches {len(found)} paper titles: {shown}; "
                                 "give a paper id or more of the title",
                                 [str(M.paper_ids[p]) for p in found[:5]])
    ids = {str(pid): p for p, pid in enumerate(M.paper_ids)}
    suggestions = difflib.get_close_matches(name, list(ids), n=5, cutoff=0.6)
    hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise not_found(f"no paper {name!r} in the graph{hint}", suggestions)


def resolve_node(M, name: str) -> str:
    """The paper or concept named by ``name``; see the two resolvers.

    Paper ids, IRIs and whole titles are tried first, then concepts, then title fragments,
    so that "LoRA" names the concept even when a title contains the word.

    Examples
    --------
    >>> resolve_node(example_model(), "LoRA").rsplit("/", 1)[1]
    'lora'
    """
    try:
        return resolve_paper(M, name, fragments=False)
    except NotFoundError as paper_error:
        try:
            return resolve_concept(M, name)
        except NotFoundError as concept_error:
            with contextlib.suppress(NotFoundError):
                return resolve_paper(M, name)
            suggestions = (concept_error.suggestions + paper_error.suggestions)[:5]
            hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
            raise not_found(f"no paper or concept {name!r} in the graph{hint}",
                             suggestions) from None

