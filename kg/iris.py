"""Every IRI kg mints: the namespaces, and the IRIs of papers, authors and concepts.

kg's IRIs live under one base, ``https://w3id.org/paper-kg/``; this module is the only
place that spells it. A paper's IRI comes from its stable id (:mod:`kg.types`), an
author's from the slug of the name, an ontology concept's from its slug (the ontology
files give them), a discovered concept's from the slug of its normalized label.

Examples
--------
>>> paper_iri("2509.04664")
'https://w3id.org/paper-kg/paper/2509.04664'
>>> discovered_iri("perk")
'https://w3id.org/paper-kg/concept/x/perk'
"""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import urllib.parse

__all__ = [
    "BASE",
    "PAPER_NS",
    "AUTHOR_NS",
    "CONCEPT_NS",
    "DISCOVERED_NS",
    "VOCAB_NS",
    "ONTOLOGY_SCHEME",
    "GRAPH_NS",
    "ONTOLOGY_GRAPH",
    "PAPERS_GRAPH",
    "EVIDENCE_GRAPH",
    "LINKS_GRAPH",
    "BUILD_GRAPH",
    "NAMED_GRAPHS",
    "EVIDENCE_NS",
    "BUILD_ACTIVITY",
    "RDF_MODEL_VERSION",
    "slugify",
    "paper_iri",
    "author_iri",
    "concept_iri",
    "discovered_iri",
]

#: Base of every kg IRI.
BASE = "https://w3id.org/paper-kg/"
#: Papers: ``PAPER_NS + percent-encoded stable id``.
PAPER_NS = BASE + "paper/"
#: Authors: ``AUTHOR_NS + slug of the name``.
AUTHOR_NS = BASE + "author/"
#: Ontology concepts: ``CONCEPT_NS + slug``.
CONCEPT_NS = BASE + "concept/"
#: Discovered (non-ontology) concepts: ``DISCOVERED_NS + slug of the normalized label``.
DISCOVERED_NS = CONCEPT_NS + "x/"
#: The kg vocabulary (prefix ``kgv:``).
VOCAB_NS = BASE + "vocab#"
#: The SKOS concept scheme of the packaged ontology.
ONTOLOGY_SCHEME = BASE + "ontology"
#: Named graphs of a build (prefix ``graph:``), in the order they are written.
GRAPH_NS = BASE + "graph/"
#: The concept scheme and the concepts (SKOS: types, labels, definitions, broader).
ONTOLOGY_GRAPH = GRAPH_NS + "ontology"
#: Papers and authors, and which concepts each paper is about (``dcterms:subject``).
PAPERS_GRAPH = GRAPH_NS + "papers"
#: The evidence of every mention: W3C Web Annotations with text selectors.
EVIDENCE_GRAPH = GRAPH_NS + "evidence"
#: What the build derives: similar papers, co-occurring concepts, concept statistics.
LINKS_GRAPH = GRAPH_NS + "links"
#: The provenance of the build (PROV-O).
BUILD_GRAPH = GRAPH_NS + "build"
#: Every named graph of a build.
NAMED_GRAPHS = (ONTOLOGY_GRAPH, PAPERS_GRAPH, EVIDENCE_GRAPH, LINKS_GRAPH, BUILD_GRAPH)
#: Evidence annotations and their targets (prefix ``ev:``).
EVIDENCE_NS = BASE + "evidence/"
#: The build activity (``prov:Activity``) the derived links and evidence come from.
BUILD_ACTIVITY = BASE + "build"
#: Version of the RDF model kg writes (``kgv:rdfModelVersion`` of the build activity); a
#: build written with another model must be rebuilt before SPARQL uses it.
RDF_MODEL_VERSION = 2


@functools.lru_cache(maxsize=1 << 16)
def slugify(text: str) -> str:
    """Lower-case ASCII slug of ``text``: words joined by ``-``.

    Accents are dropped; a text with no ASCII letters or digits at all (for example a
    name in Chinese characters) gets ``u-`` and a short hash, so different names never
    share the empty slug.

    Examples
    --------
    >>> slugify("Léon Bottou")
    'leon-bottou'
    >>> slugify("  Neural Tangent-Kernel (NTK) ")
    'neural-tangent-kernel-ntk'
    >>> slugify("王小明")[:2]
    'u-'
    """
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if slug:
        return slug
    norm = unicodedata.normalize("NFC", " ".join(text.split()))
    return "u-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def paper_iri(paper_id: str) -> str:
    """IRI of the paper with stable id ``paper_id`` (percent-encoded, ``/`` included).

    Examples
    --------
    >>> paper_iri("2509.04664")
    'https://w3id.org/paper-kg/paper/2509.04664'
    >>> paper_iri("10.1002/spe.2984")
    'https://w3id.org/paper-kg/paper/10.1002%2Fspe.2984'
    """
    return PAPER_NS + urllib.parse.quote(str(paper_id), safe="")


def author_iri(name: str) -> str:
    """IRI of an author, from the slug of the name.

    Examples
    --------
    >>> author_iri("Geoffrey E. Hinton")
    'https://w3id.org/paper-kg/author/geoffrey-e-hinton'
    """
    return AUTHOR_NS + slugify(name)


def concept_iri(slug: str) -> str:
    """IRI of the ontology concept with slug ``slug``.

    Examples
    --------
    >>> concept_iri("lora")
    'https://w3id.org/paper-kg/concept/lora'
    """
    return CONCEPT_NS + slug


def discovered_iri(slug: str) -> str:
    """IRI of a discovered concept, from the slug of its normalized label.

    Examples
    --------
    >>> discovered_iri("layered-self-supervised-knowledge-distillation")[-20:]
    'owledge-distillation'
    """
    return DISCOVERED_NS + slug
