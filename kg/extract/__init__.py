"""Concept extraction: spaCy components, settings, the :class:`Extractor`.

Public API::

    from kg.extract import ExtractSettings, build_nlp, Extractor, suggest_terms

``Extractor(settings).extract(papers)`` yields one record per paper (see
``docs/architecture.md``); ``build_nlp(settings)`` gives the spaCy pipeline alone;
``suggest_terms(records, ontology, min_papers)`` lists discovered terms worth adding to the
ontology.
"""
from kg.extract.abbreviations import AcronymTable
from kg.extract.extractor import DISCOVERED_NS, Extractor, discovered_iri
from kg.extract.settings import ExtractSettings, build_nlp, installed_models
from kg.extract.suggest import suggest_terms

__all__ = [
    "AcronymTable",
    "DISCOVERED_NS",
    "ExtractSettings",
    "Extractor",
    "build_nlp",
    "discovered_iri",
    "installed_models",
    "suggest_terms",
]
