"""Interactive HTML maps of the graph: self-contained pages that work offline.

Views of a :class:`kg.model.GraphModel` (:func:`build_view`, :func:`write_view`):

- ``concepts`` (the default, ``graph.html`` of ``kg build``): concepts linked by
  co-occurrence, in named communities, drawn with WebGL (sigma.js) so that a 40,000-concept
  map stays fluid; search, click-to-highlight, a side panel with definitions, trends,
  papers and their evidence sentences, filters and a reset button;
- ``papers``: papers linked by shared concepts, coloured by community or year;
- ``focus``: one concept or paper and its neighbourhood;
- ``network``: the earlier vis-network map of papers and concepts together
  (:mod:`kg.export.html.map`), capped at ``max_nodes``; also what a networkx graph gets.

One job per module: :mod:`~kg.export.html.filters` (what is kept),
:mod:`~kg.export.html.groups` (communities and their names),
:mod:`~kg.export.html.layout` (positions), :mod:`~kg.export.html.views` (page data),
:mod:`~kg.export.html.page` (the page), :mod:`~kg.export.html.png` (pictures).

Examples
--------
>>> from kg.query.examples import example_model
>>> html = render_view(example_model(), min_papers=1)
>>> external_references(html), page_data(html)["view"]
([], 'concepts')
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kg.errors import ExportError
from kg.export.html.filters import ViewFilters
from kg.export.html.map import (
    DEFAULT_MAX_NODES,
    TYPE_COLORS,
    ViewSelection,
    external_references,
    render_html as render_network,
    select_view,
)
from kg.export.html.page import page_data, render_page, write_page
from kg.export.html.png import screenshot
from kg.export.html.views import concept_map, focus_map, paper_map, safe_url
from kg.files import atomic_output
from kg.model import GraphModel

__all__ = [
    "DEFAULT_MAX_NODES",
    "TYPE_COLORS",
    "VIEWS",
    "ViewFilters",
    "ViewSelection",
    "build_view",
    "concept_map",
    "external_references",
    "focus_map",
    "page_data",
    "paper_map",
    "render_html",
    "render_page",
    "render_view",
    "safe_url",
    "screenshot",
    "select_view",
    "write_html",
    "write_page",
    "write_view",
]

#: The views :func:`build_view` knows.
VIEWS = ("concepts", "papers", "focus")


def build_view(M, view: str = "concepts", *, filters: ViewFilters | None = None,
               min_papers: int | None = None, focus: str | None = None, depth: int = 1,
               color: str = "community", title: str | None = None,
               max_nodes: int | None = None) -> dict[str, Any]:
    """The page data of one view of model ``M`` (see :mod:`kg.export.html.views`).

    Parameters
    ----------
    M : kg.model.GraphModel
    view : {"concepts", "papers", "focus"}
    filters : ViewFilters, optional
        ``--since/--until``, ``--type``, ``--min-papers``.
    min_papers : int, optional
        Overrides ``filters.min_papers`` (the concept map's default is 2, the others' 1).
    focus : str, optional
        The concept or paper of the focus view (required there, refused elsewhere).
    depth : int
        Links out from the focus.
    color : {"community", "year"}
        Colour of the paper map.
    title : str, optional
    max_nodes : int, optional
        Most nodes drawn (default: 35,000 concepts; 30,000 papers; 200 focus nodes).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> build_view(example_model(), "focus", focus="LoRA")["note"]
    'LoRA: 3 nodes within 1 link.'
    >>> build_view(example_model(), "maps")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: unknown view 'maps'; choose one of: concepts, papers, focus
    """
    if view not in VIEWS:
        raise ExportError(f"unknown view {view!r}; choose one of: " + ", ".join(VIEWS))
    if not isinstance(M, GraphModel):
        raise ExportError("map views need a GraphModel (kg.model.store.load_model)")
    if (focus is not None) != (view == "focus"):
        raise ExportError("--focus NAME goes with the focus view (and only with it)")
    if view == "concepts" and filters is None:
        filters = ViewFilters(min_papers=2)
    filters = filters or ViewFilters()
    if min_papers is not None:
        filters = ViewFilters(filters.since, filters.until, filters.types, min_papers)
    if max_nodes is not None and max_nodes < 1:
        raise ExportError(f"--max-nodes must be at least 1, not {max_nodes}")
    if view == "concepts":
        kwargs = {} if max_nodes is None else {"max_concepts": max_nodes}
        return concept_map(M, filters, title=title, **kwargs)
    if view == "papers":
        kwargs = {} if max_nodes is None else {"max_papers": max_nodes}
        return paper_map(M, filters, color=color, title=title, **kwargs)
    kwargs = {} if max_nodes is None else {"max_nodes": max_nodes}
    return focus_map(M, focus, depth=depth, filters=filters, title=title, **kwargs)


def render_view(M, view: str = "concepts", **options) -> str:
    """The HTML page of :func:`build_view` (same options).

    Examples
    --------
    >>> from kg.query.examples import example_model
    >>> "<!DOCTYPE html>" in render_view(example_model(), "papers")
    True
    """
    return render_page(build_view(M, view, **options))


def write_view(M, path: str | os.PathLike[str], view: str = "concepts", **options) -> Path:
    """Write the page of :func:`build_view` (same options) atomically to ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.query.examples import example_model
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "map.html"
    >>> page_data(write_view(example_model(), out, min_papers=1).read_text())["view"]
    'concepts'
    """
    return write_page(build_view(M, view, **options), path)


def render_html(G, *, view: str | None = None, max_nodes: int = DEFAULT_MAX_NODES,
                title: str | None = None, include_authors: bool = False) -> str:
    """The map page of ``G``: the concept map of a GraphModel, else the network map.

    ``view="network"`` (or a networkx graph) gives the vis-network map of papers and
    concepts capped at ``max_nodes`` (see :func:`kg.export.html.map.render_html`); any
    other view is drawn with WebGL and shows every node it selects.

    Examples
    --------
    >>> import networkx as nx
    >>> "vis.Network" in render_html(nx.MultiDiGraph())
    True
    """
    if view == "network" or not isinstance(G, GraphModel):
        if view not in (None, "network"):
            raise ExportError(f"the {view} view needs a GraphModel, not a networkx graph")
        return render_network(G, max_nodes=max_nodes, title=title,
                              include_authors=include_authors)
    return render_view(G, view or "concepts", title=title)


def write_html(G, path: str | os.PathLike[str], *, view: str | None = None,
               max_nodes: int = DEFAULT_MAX_NODES, title: str | None = None,
               include_authors: bool = False) -> Path:
    """Write the map of ``G`` as one self-contained HTML file (``graph.html``).

    Parameters
    ----------
    G : kg.model.GraphModel or networkx.MultiDiGraph
    path : path-like
        Written atomically (temporary file, then rename).
    view : str, optional
        ``"concepts"`` (default for a GraphModel), ``"papers"`` or ``"network"`` (the
        vis-network map; the only one for a networkx graph).
    max_nodes : int
        Most nodes of the network map (the WebGL views draw all they select).
    title : str, optional
    include_authors : bool
        Authors on the network map.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.query.examples import example_model
    >>> out = write_html(example_model(), pathlib.Path(tempfile.mkdtemp()) / "g.html")
    >>> page_data(out.read_text(encoding="utf-8"))["view"]
    'concepts'
    """
    page = render_html(G, view=view, max_nodes=max_nodes, title=title,
                       include_authors=include_authors)
    with atomic_output(path, "w") as fh:
        fh.write(page)
    return Path(path)
