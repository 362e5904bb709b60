"""kg: build knowledge graphs of papers and the concepts they discuss.

The pipeline flows one way: ingest -> extract -> link -> analyze -> export/query/view.
Import what you need from the stage modules (``kg.ingest``, ``kg.extract``, ``kg.model.networkx``,
``kg.query.analyze``, ``kg.export.rdf``, ``kg.export.html``, ``kg.model.store``); this package imports nothing heavy.
"""
from kg.errors import KGError
from kg.types import Paper, Reject

__version__ = "0.1.0"
__all__ = ["KGError", "Paper", "Reject", "__version__"]
