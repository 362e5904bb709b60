"""The built-in readers, in the order ``kg formats`` lists them."""
from __future__ import annotations

from kg.ingest import (
    arxiv_atom,
    arxiv_cs,
    arxiv_oai,
    bibtex,
    daily_papers,
    delimited,
    generic,
    hf_papers,
    openalex,
    semantic_scholar,
)

BUILTIN_READERS = (
    daily_papers.READER,
    arxiv_atom.READER,
    arxiv_oai.READER,
    arxiv_cs.READER,
    hf_papers.READER,
    semantic_scholar.READER,
    openalex.READER,
    bibtex.READER,
    delimited.CSV,
    delimited.TSV,
    generic.JSON,
    generic.JSONL,
)
