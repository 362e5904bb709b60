"""The RDF vocabularies of kg, as rdflib ``DefinedNamespace`` classes and IRI strings.

``KGV`` (prefix ``kgv:``) names the classes and properties kg writes; the namespace strings
give the IRI scheme of papers, concepts and authors (see ``docs/architecture.md``).
Importing this module imports rdflib (about 0.1 s); code that needs only the strings on a
hot path can use :data:`kg.ontology.CONCEPT_NS` and :data:`kg.ontology.VOCAB_NS`.

Examples
--------
>>> str(KGV.cooccursWith)
'https://w3id.org/paper-kg/vocab#cooccursWith'
>>> KGV.Method in CONCEPT_TYPE_CLASSES.values()
True
>>> KGV.noSuchTerm
Traceback (most recent call last):
...
AttributeError: term 'noSuchTerm' not in namespace 'https://w3id.org/paper-kg/vocab#'
"""
from __future__ import annotations

from rdflib import namespace as _rdfns
from rdflib.term import URIRef

from kg import iris as _iris
from kg.iris import AUTHOR_NS, BASE, CONCEPT_NS, DISCOVERED_NS, PAPER_NS, VOCAB_NS

__all__ = [
    "AUTHOR_NS",
    "BASE",
    "CONCEPT_NS",
    "CONCEPT_TYPE_CLASSES",
    "DISCOVERED_NS",
    "KGV",
    "ONTOLOGY_SCHEME",
    "PAPER_NS",
    "PREFIXES",
    "VOCAB_NS",
]

#: The SKOS concept scheme of the packaged ontology, as an rdflib term.
ONTOLOGY_SCHEME = URIRef(_iris.ONTOLOGY_SCHEME)


class KGV(_rdfns.DefinedNamespace):
    """The kg vocabulary, ``https://w3id.org/paper-kg/vocab#``.

    Classes: ``Paper``, ``Author``, ``Concept`` and ``DiscoveredConcept``, and the concept
    type classes ``Method``, ``Model``, ``Task``, ``Dataset``, ``Metric``, ``Phenomenon``,
    ``Theory``, ``Field`` (subclasses of ``skos:Concept``; see ``ontology/scheme.ttl``).
    Using a name not listed here raises ``AttributeError``.

    Examples
    --------
    >>> KGV.Paper
    rdflib.term.URIRef('https://w3id.org/paper-kg/vocab#Paper')
    """

    _NS = _rdfns.Namespace(VOCAB_NS)
    _fail = True

    # classes
    Paper: URIRef  # a paper (article, preprint)
    Author: URIRef  # a person who wrote a paper
    Concept: URIRef  # any concept a paper mentions (ontology or discovered)
    DiscoveredConcept: URIRef  # a concept found in the corpus, not in the ontology
    Method: URIRef  # concept type: technique or algorithm
    Model: URIRef  # concept type: model family or architecture
    Task: URIRef  # concept type: problem to solve
    Dataset: URIRef  # concept type: dataset or benchmark
    Metric: URIRef  # concept type: measure of quality or cost
    Phenomenon: URIRef  # concept type: observed behaviour of learning systems
    Theory: URIRef  # concept type: theoretical framework or tool
    Field: URIRef  # concept type: research area

    # paper -> concept (the link itself is dcterms:subject) and its evidence
    mentionCount: URIRef  # how many times a paper mentions a concept (on its annotation)
    score: URIRef  # relevance of a concept to a paper
    evidence: URIRef  # a sentence of the paper that mentions the concept (detail export)
    field: URIRef  # where a mention is: "title" or "abstract"
    # paper -> paper
    similarTo: URIRef  # paper similar to another paper (written in both directions)
    similarity: URIRef  # weight of a similarity link
    sharedConcept: URIRef  # a concept two similar papers share
    # concept -> concept
    cooccursWith: URIRef  # two concepts mentioned together more than chance (both directions)
    npmi: URIRef  # normalized pointwise mutual information of a co-occurrence
    support: URIRef  # number of papers a co-occurrence rests on
    # papers and authors
    hasAuthor: URIRef  # paper -> author
    authorPosition: URIRef  # 1-based position of the author in the author list
    arxivId: URIRef  # arXiv identifier of a paper
    # concepts
    paperCount: URIRef  # number of papers mentioning a concept
    firstMentioned: URIRef  # date of the first paper mentioning a concept
    community: URIRef  # the concept's community (Louvain on the co-occurrence graph)
    source: URIRef  # where a record or concept comes from ("ontology", "discovered", reader)
    ambiguousLabel: URIRef  # a label the concept deliberately shares with another concept
    conceptType: URIRef  # the type name of a concept as a literal ("Method", ...)
    # the build (a prov:Activity)
    rdfModelVersion: URIRef  # version of kg's RDF model the build was written with
    kgVersion: URIRef  # version of kg that made the build
    setting: URIRef  # one build setting, "name=value"
    input: URIRef  # an input file of the build


#: The type class of each concept type name (the names of :data:`kg.ontology.CONCEPT_TYPES`).
CONCEPT_TYPE_CLASSES: dict[str, URIRef] = {
    name: KGV[name]
    for name in ("Method", "Model", "Task", "Dataset", "Metric", "Phenomenon", "Theory", "Field")
}

#: Prefixes kg binds when it writes RDF.
PREFIXES: dict[str, str] = {
    "kgv": VOCAB_NS,
    "paper": PAPER_NS,
    "concept": CONCEPT_NS,
    "author": AUTHOR_NS,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
}
