"""The interactive HTML map of the graph: self-contained, usable offline.

See :mod:`kg.export.html.map`. :func:`write_html` takes a :class:`kg.model.GraphModel`
and draws a selection of it.

Examples
--------
>>> from kg.query.examples import example_model
>>> html = render_html(example_model())
>>> external_references(html)
[]
"""
from kg.export.html.map import (
    DEFAULT_MAX_NODES,
    TYPE_COLORS,
    ViewSelection,
    external_references,
    render_html,
    select_view,
    write_html,
)

__all__ = [
    "DEFAULT_MAX_NODES",
    "TYPE_COLORS",
    "ViewSelection",
    "external_references",
    "render_html",
    "select_view",
    "write_html",
]
