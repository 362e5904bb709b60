"""De-duplication rules of merge_papers."""
from __future__ import annotations

import random
import time

from kg.ingest import merge_papers
from kg.types import Paper, stable_id


def paper(title: str, abstract: str = "", *, arxiv: str | None = None, doi: str | None = None,
          own: str | None = None, source: str = "x", authors: tuple[str, ...] = (),
          date: str | None = None, meta: dict | None = None) -> Paper:
    ids = {k: v for k, v in (("arxiv", arxiv), ("doi", doi), ("source", own)) if v}
    return Paper(id=stable_id(arxiv=arxiv, doi=doi, own_id=own, title=title), title=title,
                 abstract=abstract, authors=authors, date=date, source=source, ids=ids,
                 meta=meta or {})


def test_arxiv_versions_merge():
    # readers strip versions, so v1 and v2 records carry the same arXiv id
    a = paper("Attention Is All You Need", "A.", arxiv="1706.03762", source="arxiv-atom")
    b = paper("Attention is all you need", "", arxiv="1706.03762", source="bibtex",
              authors=("A. Vaswani", "N. Shazeer"), date="2017-06")
    result = merge_papers([a, b])
    assert result.merged == 1 and len(result.papers) == 1
    (m,) = result.papers
    assert (m.id, m.title, m.abstract, m.authors, m.date, m.source) == (
        "1706.03762", "Attention Is All You Need", "A.", ("A. Vaswani", "N. Shazeer"),
        "2017-06", "arxiv-atom+bibtex")
    assert result.groups == [(0, 1)]


def test_doi_merge_and_arxiv_plus_doi_joins_doi_only():
    a = paper("Number Parsing at a Gigabyte per Second", "A.", arxiv="2101.11408",
              doi="10.1002/spe.2984", source="arxiv-oai", meta={"categories": ["cs.DS"]})
    b = paper("Number parsing at a gigabyte per second.", "B.", doi="10.1002/spe.2984",
              source="openalex", meta={"venue": "SPE", "categories": ["other"]})
    (m,) = merge_papers([a, b]).papers
    assert m.id == "2101.11408"
    assert m.ids == {"arxiv": "2101.11408", "doi": "10.1002/spe.2984"}
    assert m.meta == {"categories": ["cs.DS"], "venue": "SPE"}  # first wins per key
    assert m.source == "arxiv-oai+openalex"


def test_title_only_record_joins_strong_one():
    weak = paper("Low-Rank Adaptation of Large Language Models!", "Page text.",
                 source="daily-papers")
    strong = paper("LoRA: unrelated", "S.", arxiv="2106.09685")
    strong_same_title = paper("Low-rank adaptation of large language models", "",
                              arxiv="2106.09686", source="arxiv-atom", authors=("E. Hu",))
    result = merge_papers([weak, strong, strong_same_title])
    assert len(result.papers) == 2
    first = result.papers[0]  # the group sits where its first record was
    assert first.id == "2106.09686" and first.source == "daily-papers+arxiv-atom"
    assert first.title == "Low-Rank Adaptation of Large Language Models!"
    assert first.abstract == "Page text." and first.authors == ("E. Hu",)


def test_equal_titles_with_different_arxiv_ids_stay_two():
    a = paper("Scaling Laws", "A.", arxiv="2001.08361")
    b = paper("Scaling Laws", "B.", arxiv="2203.15556")
    c = paper("Scaling Laws", "C.", doi="10.1000/xyz")
    result = merge_papers([a, b, c])
    assert [p.id for p in result.papers] == ["2001.08361", "2203.15556", "10.1000/xyz"]
    assert result.merged == 0


def test_conflicting_strong_ids_are_not_chained():
    a = paper("One", "A.", arxiv="2001.00001", doi="10.1000/shared")
    b = paper("Two", "B.", arxiv="2001.00002", doi="10.1000/shared")
    assert len(merge_papers([a, b]).papers) == 2


def test_weak_duplicates_merge_by_title_and_own_id():
    a = paper("A Study of Things", "A.", source="daily-papers")
    b = paper("a study of things", "", source="jsonl")
    c = paper("Different", "C.", own="OR1", source="csv")
    d = paper("Different (camera ready)", "", own="OR1", source="csv")
    result = merge_papers([a, c, b, d])
    assert [p.title for p in result.papers] == ["A Study of Things", "Different"]
    assert result.papers[1].id == "OR1"
    assert result.merged == 2


def test_single_records_are_returned_unchanged_and_order_kept():
    papers = [paper(f"Title {i}", "A.", own=f"id{i}") for i in range(20)]
    result = merge_papers(papers)
    assert result.papers == papers and result.merged == 0


def test_merge_is_deterministic():
    papers = [paper("Same", str(i), arxiv=None if i % 2 else "2001.00001") for i in range(6)]
    assert merge_papers(papers) == merge_papers(list(papers))


def test_merge_75k_is_fast():
    rng = random.Random(0)
    papers = [paper(f"Paper number {i}", "A.", arxiv=f"25{i % 12 + 1:02d}.{i:05d}")
              for i in range(75_000)]
    papers += [paper(f"Paper number {rng.randrange(75_000)}", "dup") for _ in range(2_000)]
    start = time.perf_counter()
    result = merge_papers(papers)
    elapsed = time.perf_counter() - start
    assert len(result.papers) == 75_000 and result.merged == 2_000
    assert elapsed < 5.0  # ~1 s on the dev machine; generous for CI
