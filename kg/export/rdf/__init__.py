"""The RDF view of the graph: Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD.

:mod:`kg.export.rdf.writer` writes it (kg's streaming text writer for the line formats,
pyoxigraph for the others); :mod:`kg.export.rdf.vocab` declares the ``kgv:`` vocabulary
as rdflib namespaces. Every function takes a :class:`kg.model.GraphModel` (or a networkx
graph of the same shape).

Examples
--------
>>> from kg.query.examples import example_model
>>> text = serialize(example_model(), "nt").decode()
>>> "<https://w3id.org/paper-kg/paper/p1>" in text
True
"""
from kg.export.rdf.writer import (
    AUTHOR_NS,
    BASE,
    CONCEPT_NS,
    PAPER_NS,
    PREFIXES,
    as_graph,
    graph_to_quads,
    graph_to_triples,
    rdf_format,
    serialize,
    statements,
    to_rdflib,
    to_store,
    write_rdf,
)

__all__ = [
    "AUTHOR_NS",
    "BASE",
    "CONCEPT_NS",
    "PAPER_NS",
    "PREFIXES",
    "as_graph",
    "graph_to_quads",
    "graph_to_triples",
    "rdf_format",
    "serialize",
    "statements",
    "to_rdflib",
    "to_store",
    "write_rdf",
]
