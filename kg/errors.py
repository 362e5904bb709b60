"""Exceptions raised by kg.

Every error a user can cause derives from :class:`KGError`, so callers (and the CLI) catch
one class and show its message instead of a traceback.
"""
from __future__ import annotations


class KGError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KGError):
    """An input file cannot be read at all (missing, unreadable, unknown format)."""


class UnknownFormatError(InputError):
    """A format name, or a file whose format cannot be detected."""


class RecordError(InputError):
    """One bad record; raised only under ``strict`` reading, otherwise reported as a reject."""


class NoValidRecordsError(InputError):
    """Nothing valid was read from any input."""


class OntologyError(KGError):
    """The ontology files are malformed or inconsistent."""


class ExtractionError(KGError):
    """Concept extraction cannot run (bad settings, missing spaCy model)."""


class GraphError(KGError):
    """A built graph is missing, unreadable, or asked for something it does not hold."""


class NotFoundError(GraphError):
    """A paper or concept named by the user is not in the graph."""


class ExportError(KGError):
    """An output cannot be written."""


class PluginError(KGError):
    """A plugin registered through an entry point fails to load."""
