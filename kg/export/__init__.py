"""Writers of the graph: RDF, the HTML map, GraphML, GEXF and CSV.

Every output format is a row of :data:`kg.export.formats.FORMATS` (name, aliases, the
file a build writes); :data:`EXPORTERS` maps each name to its writer, and :func:`export`
writes a :class:`kg.model.GraphModel` in any of them. The writers themselves live in
:mod:`kg.export.rdf`, :mod:`kg.export.html` and :mod:`kg.export.tables`.

Examples
--------
>>> import tempfile, pathlib
>>> from kg.query.examples import example_model
>>> out = export(example_model(), "ttl", pathlib.Path(tempfile.mkdtemp()) / "g.ttl")
>>> out.read_text().startswith("@prefix")
True
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg.errors import ExportError, KGError
from kg.export.formats import ALIASES, FORMATS, canonical_format
from kg.export.html import write_html
from kg.export.rdf import write_rdf
from kg.export.tables import CSV_FILES, flat_graph, write_csv, write_gexf, write_graphml
from kg.files import output_directory, output_file

__all__ = [
    "ALIASES",
    "EXPORTERS",
    "FORMATS",
    "check_output",
    "export",
    "exporter",
    "flat_graph",
    "write_csv",
    "write_gexf",
    "write_graphml",
    "write_html",
    "write_rdf",
]


def _rdf_writer(fmt: str) -> Callable[..., Path]:
    def write(G, path, **options):
        return write_rdf(G, path, format=fmt, **options)

    write.__name__ = f"write_{fmt}"
    write.__doc__ = f"Write the RDF view of ``G`` as {fmt} (see :func:`kg.export.rdf.write_rdf`)."
    return write


def _writer(fmt: str) -> Callable[..., Path]:
    kind = FORMATS[fmt].kind
    if kind == "rdf":
        return _rdf_writer(fmt)
    if kind == "html":
        return write_html
    return {"graphml": write_graphml, "gexf": write_gexf, "csv": write_csv}[fmt]


#: Every output format by name: ``name -> writer(G, path, **options)``.
EXPORTERS: dict[str, Callable[..., Path]] = {name: _writer(name) for name in FORMATS}


def exporter(fmt: str) -> Callable[..., Path]:
    """The writer of format ``fmt`` (a name of :data:`EXPORTERS` or an alias).

    Raises
    ------
    ExportError
        If ``fmt`` is unknown; the message lists the valid names.

    Examples
    --------
    >>> exporter("TTL").__name__
    'write_turtle'
    >>> exporter("svg")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: unknown export format 'svg'; choose one of: csv, gexf, graphml, html, jsonld, nquads, ntriples, rdfxml, trig, turtle (aliases: htm, json, json-ld, n-quads, n-triples, nq, nt, nt11, owl, pretty-xml, rdf, rdf/xml, ttl, xml)
    """
    return EXPORTERS[canonical_format(fmt)]


def check_output(fmt: str, path: str | os.PathLike[str]) -> Path:
    """Check, before anything is computed, that format ``fmt`` can be written to ``path``.

    A file format needs a regular file or a new name (a symlink is followed: its target
    is replaced, the link kept); ``csv`` needs a directory, existing or not, whose
    ``nodes.csv`` and ``edges.csv`` are regular files or new. Nothing is written.

    Returns
    -------
    pathlib.Path
        What will be replaced: ``path``, or the target of a symlink ``path``.

    Raises
    ------
    ExportError
        For an unknown format, or a ``path`` that is a directory (the current one
        included), a FIFO, a device, a socket or a symlink loop (a file, for ``csv``);
        the message names the path.

    Examples
    --------
    >>> check_output("gexf", "graph.gexf").name
    'graph.gexf'
    >>> check_output("gexf", ".")
    Traceback (most recent call last):
    ...
    kg.errors.ExportError: cannot write .: it is the current directory (or one above it), not a file; give a file name
    """
    name = canonical_format(fmt)
    if not FORMATS[name].directory:
        return output_file(path)
    target = output_directory(path)
    for file_name in CSV_FILES:
        output_file(Path(path) / file_name)
    return target


def export(G, fmt: str, path: str | os.PathLike[str], **options: Any) -> Path:
    """Write ``G`` in format ``fmt`` to ``path`` (a directory for ``csv``).

    Parameters
    ----------
    G : kg.model.GraphModel
        The graph (a networkx graph of the same shape works too).
    fmt : str
        A name of :data:`EXPORTERS` or an alias such as ``ttl``, ``nt``, ``json-ld``.
    path : path-like
        The output file (or directory for ``csv``).
    **options
        Passed to the writer (e.g. ``detail=True`` for RDF, ``max_nodes`` for HTML).

    Returns
    -------
    pathlib.Path
        What was written.

    Raises
    ------
    ExportError
        For an unknown format (the message lists the valid ones), a ``path`` that cannot
        be written (see :func:`check_output`; checked before anything is computed) or a
        failed write.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> out = export(nx.MultiDiGraph(), "gexf", pathlib.Path(tempfile.mkdtemp()) / "g.gexf")
    >>> out.suffix
    '.gexf'
    """
    writer = exporter(fmt)
    check_output(fmt, path)
    try:
        return writer(G, path, **options)
    except KGError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
