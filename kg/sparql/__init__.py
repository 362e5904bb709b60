"""SPARQL over a built graph: ask it questions, serve it, push it to any triple store.

- :func:`query`: run a SPARQL query (or a saved one) on a build directory or a
  :class:`kg.model.GraphModel`, and get plain rows back (``pandas.DataFrame(rows)``);
- :mod:`kg.sparql.store`: the Oxigraph store a build keeps in ``DIR/graph.oxigraph/``;
- :mod:`kg.sparql.saved`: the saved queries (``kg sparql --list``);
- :mod:`kg.sparql.server`: ``kg serve``, a read-only SPARQL endpoint;
- :mod:`kg.sparql.push`: ``kg push``, the Graph Store Protocol client.

Examples
--------
>>> from kg.query.examples import example_model
>>> rows = query(example_model(), "top-concepts")
>>> [(r["label"], r["papers"]) for r in rows]
[('infinite width', 3), ('LoRA', 2), ('neural tangent kernel', 2)]
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pyoxigraph as ox

from kg.errors import KGError
from kg.export.rdf import to_store
from kg.model import GraphModel
from kg.sparql.results import QueryResult, run_query, to_python
from kg.sparql.saved import SAVED_QUERIES, ConceptLabels, get_saved_query, render
from kg.sparql.store import build_labels, concept_labels, open_store

__all__ = ["query", "query_text", "results_of", "labels_of", "SAVED_QUERIES"]


def query_text(text_or_name: str, args: Sequence[str] = (),
               labels: ConceptLabels | None = None, *, limit: int | None = None) -> str:
    """The SPARQL text of a query given as text, as a ``.rq`` file, or as the name of a
    saved query with its ``args`` (``labels``: the graph's concepts, for concept
    arguments; see :func:`labels_of`; ``limit``: the most rows of a saved query that
    takes a limit).

    Examples
    --------
    >>> query_text("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    >>> query_text("top-concepts").splitlines()[-1]
    'LIMIT 25'
    """
    if text_or_name in {q.name for q in SAVED_QUERIES}:
        return render(text_or_name, args, labels, limit=limit)
    if limit is not None:
        raise KGError("--limit goes with a saved query; write LIMIT in your own query")
    if text_or_name.endswith(".rq") and "\n" not in text_or_name:
        path = Path(text_or_name)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KGError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        text = text_or_name
    if args:
        get_saved_query(text_or_name)  # arguments go with a saved query: name close ones
        raise KGError("arguments go with a saved query name (kg sparql --list)")
    if not any(ch.isspace() for ch in text.strip()) and text.strip():
        get_saved_query(text.strip())  # a single word: a saved query name misspelt
    return text


def _store_of(source: Any) -> ox.Store:
    if isinstance(source, GraphModel):
        return to_store(source)
    if isinstance(source, ox.Store):
        return source
    return open_store(source)


def labels_of(source: Any) -> ConceptLabels:
    """The concepts of a graph by IRI and label: of a build directory (kept beside its
    store), a model or a store.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> labels_of(example_model()).resolve("ntk")
    ['https://w3id.org/paper-kg/concept/neural-tangent-kernel']
    """
    if isinstance(source, (GraphModel, ox.Store)):
        return ConceptLabels(concept_labels(_store_of(source)))
    return ConceptLabels(build_labels(source))


def results_of(source: Any, text_or_name: str, args: Sequence[str] = (), *,
               limit: int | None = None) -> QueryResult:
    """The :class:`~kg.sparql.results.QueryResult` of a query (see :func:`query`).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> results_of(example_model(), "ASK { ?s ?p ?o }").rows
    [True]
    """
    store = _store_of(source)
    labels = None
    if args:  # a saved query with arguments may name concepts
        labels = ConceptLabels(concept_labels(store)) if isinstance(source, (GraphModel, ox.Store)) \
            else labels_of(source)
    return run_query(store, query_text(text_or_name, args, labels, limit=limit), union=True)


def query(source: Any, text_or_name: str, *args: str, limit: int | None = None) -> Any:
    """Run a SPARQL query on a graph and return plain Python values.

    Parameters
    ----------
    source : path-like, kg.model.GraphModel or pyoxigraph.Store
        A build directory (its store is made on first use and kept), a model (loaded into
        an in-memory store), or a store.
    text_or_name : str
        SPARQL text, a ``.rq`` file, or the name of a saved query.
    *args : str
        The saved query's arguments.
    limit : int, optional
        The most rows of a saved query that takes a limit (``papers-about``,
        ``papers-linking``: :data:`kg.sparql.saved.DEFAULT_LIMIT` unless given).

    Returns
    -------
    list of dict, bool or list of tuple
        SELECT: one ``{variable: value}`` dict per row (``pandas.DataFrame(rows)`` makes a
        table); ASK: a bool; CONSTRUCT and DESCRIBE: ``(subject, predicate, object)``.

    Raises
    ------
    KGError
        For a syntax error (with its position), an unknown saved query (close names
        suggested), wrong arguments, or a directory that is not a build.

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> [r["title"] for r in query(example_model(), "papers-about", "NTK")]
    ['NTK two', 'NTK one']
    """
    return to_python(results_of(source, text_or_name, args, limit=limit))
