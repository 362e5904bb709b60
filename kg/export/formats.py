"""The one table of output formats: name, aliases, file name in a build, what writes it.

Every part of kg that names an output format reads this table: ``kg export --to``,
``kg build --export``, :func:`kg.export.export` and :func:`kg.export.rdf.write_rdf`. A
format's ``kind`` says which writer family makes it (``rdf``, ``table`` or ``html``);
:mod:`kg.export` maps each name to its writer function.

Examples
--------
>>> canonical_format("TTL"), canonical_format("json-ld"), canonical_format("nt")
('turtle', 'jsonld', 'ntriples')
>>> FORMATS["graphml"].file_name
'graph.graphml'
>>> canonical_format("n3", kind="rdf")
Traceback (most recent call last):
...
kg.errors.ExportError: unknown RDF format 'n3'; choose one of: turtle, ntriples, nquads, trig, rdfxml, jsonld (aliases: json, json-ld, n-quads, n-triples, nq, nt, nt11, owl, pretty-xml, rdf, rdf/xml, ttl, xml)
"""
from __future__ import annotations

from dataclasses import dataclass

from kg.errors import ExportError

__all__ = ["OutputFormat", "FORMATS", "ALIASES", "canonical_format", "names_of_kind"]


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    Attributes
    ----------
    name : str
        The canonical name (``--to``, ``--export``).
    aliases : tuple of str
        Other accepted names: file extensions and rdflib's format names.
    file_name : str
        The file (a directory for ``csv``) a build writes it to.
    kind : {"rdf", "table", "html"}
        The writer family.
    oxigraph : str or None
        For RDF formats, the ``pyoxigraph.RdfFormat`` member that parses and writes it.
    directory : bool
        Whether it is written as a directory of files (``csv``) rather than one file.
    """

    name: str
    aliases: tuple[str, ...]
    file_name: str
    kind: str
    oxigraph: str | None = None
    directory: bool = False


#: Every output format, in the order help texts list them.
FORMATS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("turtle", ("ttl",), "graph.ttl", "rdf", "TURTLE"),
    OutputFormat("ntriples", ("nt", "nt11", "n-triples"), "graph.nt", "rdf", "N_TRIPLES"),
    OutputFormat("nquads", ("nq", "n-quads"), "graph.nq", "rdf", "N_QUADS"),
    OutputFormat("trig", (), "graph.trig", "rdf", "TRIG"),
    OutputFormat("rdfxml", ("xml", "rdf", "rdf/xml", "pretty-xml", "owl"), "graph.rdf", "rdf",
                 "RDF_XML"),
    OutputFormat("jsonld", ("json-ld", "json"), "graph.jsonld", "rdf", "JSON_LD"),
    OutputFormat("graphml", (), "graph.graphml", "table"),
    OutputFormat("gexf", (), "graph.gexf", "table"),
    OutputFormat("csv", (), "graph-csv", "table", directory=True),
    OutputFormat("html", ("htm",), "graph.html", "html"),
)}

#: Alias -> canonical name, for every format.
ALIASES: dict[str, str] = {alias: f.name for f in FORMATS.values() for alias in f.aliases}

_KIND_WORDS = {"rdf": "RDF format", "table": "table format", "html": "page format",
               None: "export format"}


def names_of_kind(kind: str | None = None) -> list[str]:
    """The canonical names of the formats of ``kind`` (all when None), in table order.

    Examples
    --------
    >>> names_of_kind("table")
    ['graphml', 'gexf', 'csv']
    """
    return [f.name for f in FORMATS.values() if kind is None or f.kind == kind]


def canonical_format(name: str, *, kind: str | None = None) -> str:
    """The canonical name of format ``name`` (an alias, any case), of ``kind`` if given.

    Raises
    ------
    ExportError
        If ``name`` is not a format (of that kind); the message lists the valid names
        and aliases.

    Examples
    --------
    >>> canonical_format("XML"), canonical_format("htm")
    ('rdfxml', 'html')
    """
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    valid = names_of_kind(kind)
    if key not in valid:
        aliases = sorted(a for a, n in ALIASES.items() if n in valid)
        order = valid if kind else sorted(valid)
        raise ExportError(
            f"unknown {_KIND_WORDS[kind]} {name!r}; choose one of: "
            f"{', '.join(order)} (aliases: {', '.join(aliases)})"
        )
    return key
