"""Ingest: read paper lists in many formats into :class:`~kg.types.Paper` records.

Readers are looked up by name (``get_reader``) or detected per file (``detect_format``);
``read_inputs`` reads many files, reports bad records as :class:`~kg.types.Reject`,
and merges duplicates (``merge_papers``); ``write_inputs`` does the same straight into a
``papers.jsonl`` file, holding only the papers' keys. Third-party readers register through the
``kg.readers`` entry-point group (see :mod:`kg.ingest.registry`).
"""
from kg.ingest.driver import (
    IngestResult,
    expand_inputs,
    iter_records,
    read_inputs,
    write_inputs,
)
from kg.ingest.merge import MergeResult, SpooledMerge, merge_papers
from kg.ingest.registry import (
    Reader,
    available_readers,
    detect_format,
    get_reader,
    register_reader,
)

__all__ = [
    "IngestResult",
    "MergeResult",
    "SpooledMerge",
    "Reader",
    "available_readers",
    "detect_format",
    "expand_inputs",
    "get_reader",
    "iter_records",
    "merge_papers",
    "read_inputs",
    "register_reader",
    "write_inputs",
]
