"""The built-in readers, in the order ``kg formats`` lists them."""
from __future__ import annotations

from kg.ingest.arxiv_atom import READER as ARXIV_ATOM
from kg.ingest.arxiv_cs import READER as ARXIV_CS
from kg.ingest.arxiv_oai import READER as ARXIV_OAI
from kg.ingest.bibtex import READER as BIBTEX
from kg.ingest.daily_papers import READER as DAILY_PAPERS
from kg.ingest.delimited import CSV, TSV
from kg.ingest.generic import JSON, JSONL
from kg.ingest.hf_papers import READER as HF_PAPERS
from kg.ingest.openalex import READER as OPENALEX
from kg.ingest.semantic_scholar import READER as SEMANTIC_SCHOLAR

__all__ = ["BUILTIN_READERS"]

#: Every reader kg ships, in listing order.
BUILTIN_READERS = (
    DAILY_PAPERS,
    ARXIV_ATOM,
    ARXIV_OAI,
    ARXIV_CS,
    HF_PAPERS,
    SEMANTIC_SCHOLAR,
    OPENALEX,
    BIBTEX,
    CSV,
    TSV,
    JSON,
    JSONL,
)
