"""Each real format sample reads into the right papers; detection picks the right reader."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import shared_path
from kg.ingest import detect_format, iter_records, read_inputs
from kg.text import clean_text, clean_title
from kg.types import Paper, Reject, stable_id, title_hash_id


def papers_of(path: Path, fmt: str | None = None) -> list[Paper]:
    records = list(iter_records(path, fmt))
    rejects = [r for r in records if isinstance(r, Reject)]
    assert not rejects, rejects
    return records


# --------------------------------------------------------------------- Daily Papers page


def test_seed_page_yields_exactly_its_55_papers(seed_path):
    papers = papers_of(seed_path)
    assert len(papers) == 55
    first, last = papers[0], papers[-1]
    assert first.title == "Does Learning Require Memorization? A Short Tale about a Long Tail"
    assert first.abstract.startswith("State-of-the-art results on image recognition tasks")
    assert first.abstract.endswith("privacy and model compression have on different subgroups.")
    assert last.title == ("CodeGen2: Lessons for Training LLMs on Programming and Natural "
                          "Languages")
    assert last.abstract.startswith("Large language models (LLMs) have demonstrated")
    assert last.abstract.endswith("https://github.com/salesforce/CodeGen2.")
    assert all(p.source == "daily-papers" and p.id == title_hash_id(p.title) for p in papers)
    assert all(p.ids == {} for p in papers)


def test_seed_page_has_no_chrome_as_paper(seed_path):
    titles = {p.title for p in papers_of(seed_path)}
    chrome = {"new", "Get trending papers in your email inbox!", "Subscribe", "Daily Papers",
              "byAK and the research community", "Sep 9"}
    assert not titles & chrome
    assert all(len(p.abstract.split()) >= 25 for p in papers_of(seed_path))
    assert len({p.id for p in papers_of(seed_path)}) == 55


def test_daily_page_with_other_chrome(tmp_path):
    abstract = "This is a long enough abstract paragraph with plenty of words in it. " * 3
    page = tmp_path / "page.txt"
    page.write_text(
        "Trending\n\nOct 12, 2025\n\nSubmitted by someone\n\nA Real Title\n\n"
        f"{abstract}\n\n123\n\nAnother Title\nwrapped abstract line one\n{abstract}\n",
        encoding="utf-8",
    )
    papers = papers_of(page, "daily-papers")
    assert [p.title for p in papers] == ["A Real Title", "Another Title"]
    assert papers[1].abstract.startswith("wrapped abstract line one This is")


# ------------------------------------------------------------------------- arXiv Atom


def test_arxiv_atom_sample(formats_dir):
    papers = papers_of(formats_dir / "arxiv_api_atom_query_response.xml")
    assert len(papers) == 10
    first = papers[0]
    assert first.id == "nucl-ex/0408020"
    assert first.ids == {"arxiv": "nucl-ex/0408020"}
    assert first.title.startswith("Two-photon exchange and elastic scattering")
    assert first.abstract.startswith("It has been suggested that two-photon exchange")
    assert first.abstract.endswith("able to explain the discrepancy.")
    assert first.authors[0] == "J. Arrington" and first.authors[-1] == "H. de Vries"
    assert len(first.authors) == 9
    assert first.date == "2004-08-18"
    assert first.meta["categories"] == ["nucl-ex", "hep-ph"]
    second = papers[1]
    assert second.id == "1309.4668"
    assert second.ids["doi"] == "10.5170/cern-2013-002.237"
    assert all(p.source == "arxiv-atom" for p in papers)
    assert all("\n" not in p.title for p in papers)


# ---------------------------------------------------------------------- arXiv JSONL


def test_arxiv_oai_sample(formats_dir):
    (paper,) = papers_of(formats_dir / "arxiv_kaggle_oai_metadata_record.jsonl")
    assert paper.id == "2101.11408"
    assert paper.ids == {"arxiv": "2101.11408", "doi": "10.1002/spe.2984"}
    assert paper.title == "Number Parsing at a Gigabyte per Second"
    assert paper.abstract == "With disks and networks providing gigabytes per second ...."
    assert paper.authors == ("Daniel Lemire",)
    assert paper.date == "2021-01-11"  # first version, not update_date
    assert paper.meta["categories"] == ["cs.DS", "cs.MS"]
    assert paper.meta["versions"] == ["v1", "v2"]
    assert paper.source == "arxiv-oai"


def test_arxiv_cs_first_file():
    path = shared_path("data", "arxiv-cs", "arxiv_cs_2025-03_part00.jsonl")
    first_line = json.loads(path.open(encoding="utf-8").readline())
    records = iter_records(path)
    paper = next(records)
    assert paper.id == first_line["id"] == "2503.11677"
    assert paper.source == "arxiv-cs"
    assert paper.title == first_line["title"]
    assert paper.abstract == clean_text(first_line["summary"])
    assert "\n" not in paper.abstract and paper.abstract.startswith("Objective. Patients")
    assert paper.authors == tuple(first_line["authors"])
    assert paper.date == first_line["crawl_date"]
    assert paper.meta["categories"] == ["cs.HC", "cs.CV"]
    assert paper.url == "https://arxiv.org/abs/2503.11677"


@pytest.mark.slow
def test_all_arxiv_cs_files_read_without_rejects():
    folder = shared_path("data", "arxiv-cs")
    result = read_inputs([folder])
    assert len(result.per_file) == 46
    assert result.rejected == 0
    assert result.read == 74_728
    assert result.kept == 74_728 and result.merged == 0
    assert result.read == result.kept + result.merged + result.rejected
    assert {c["format"] for c in result.per_file.values()} == {"arxiv-cs"}


# ------------------------------------------------------------------- Hugging Face API


def test_hf_paper_object(formats_dir):
    (paper,) = papers_of(formats_dir / "hf_paper_object_2509.04664.json")
    assert paper.id == "2509.04664"
    assert paper.ids == {"hf": "2509.04664", "arxiv": "2509.04664"}
    assert paper.title == "Why Language Models Hallucinate"
    assert paper.authors == ("Adam Tauman Kalai", "Ofir Nachum", "Santosh S. Vempala",
                             "Edwin Zhang")
    assert paper.date == "2025-09-04"
    assert paper.abstract.startswith("Like students facing hard exam questions, large language "
                                     "models sometimes guess when uncertain")
    assert paper.abstract.endswith("steer the field toward more trustworthy AI systems.")
    assert paper.meta["ai_keywords"] == ["hallucinations", "binary classification",
                                         "uncertain responses", "trustworthy AI systems"]


def test_hf_daily_list_and_bare_list(tmp_path, formats_dir):
    obj = json.loads((formats_dir / "hf_paper_object_2509.04664.json").read_text("utf-8"))
    daily = tmp_path / "daily.json"
    daily.write_text(json.dumps([{"paper": obj, "numComments": 3}]), encoding="utf-8")
    bare = tmp_path / "bare.json"
    other = {**obj, "id": "2509.00001", "title": "Another"}
    bare.write_text(json.dumps([obj, other]), encoding="utf-8")
    assert detect_format(daily) == detect_format(bare) == "hf-papers"
    assert [p.id for p in papers_of(daily)] == ["2509.04664"]
    assert [p.id for p in papers_of(bare)] == ["2509.04664", "2509.00001"]


# ---------------------------------------------------------------- Semantic Scholar


def test_semantic_scholar_paper(formats_dir):
    (paper,) = papers_of(formats_dir / "semantic_scholar_graph_paper.json")
    assert paper.title == "Computing Machinery and Intelligence"
    assert paper.ids == {"s2": "2d5673caa9e6af3a7b82a43f19ee920992db07ad",
                         "doi": "10.1093/mind/lix.236.433"}
    assert paper.id == "10.1093/mind/lix.236.433"
    assert paper.authors == ("A. Turing",)
    assert paper.date == "1950-10-01"
    assert paper.abstract.startswith("I propose to consider the question, “Can machines think?”")
    assert paper.abstract.endswith("a statistical survey such as a Gallup poll.")
    assert paper.meta["year"] == 1950


def test_semantic_scholar_envelope(tmp_path):
    path = tmp_path / "s2.json"
    path.write_text(json.dumps({"data": [
        {"paperId": "abc", "title": "One", "abstract": "First.", "externalIds": {"ArXiv": "2001.00001"}},
        {"paperId": "def", "title": "Two", "abstract": None, "year": 2020},
    ]}), encoding="utf-8")
    assert detect_format(path) == "semantic-scholar"
    records = list(iter_records(path))
    assert records[0].id == "2001.00001" and records[0].ids["s2"] == "abc"
    assert isinstance(records[1], Reject) and records[1].location == "record 2"
    assert "abstract" in records[1].reason


# ------------------------------------------------------------------------- OpenAlex


def test_openalex_work(formats_dir):
    (paper,) = papers_of(formats_dir / "openalex_work_W2741809807.json")
    assert paper.ids == {"openalex": "W2741809807", "doi": "10.7717/peerj.4375"}
    assert paper.id == "10.7717/peerj.4375"
    assert paper.title.startswith("The state of OA: a large-scale analysis")
    assert paper.abstract.startswith("Despite growing interest in Open Access (OA) to scholarly "
                                     "literature, there is a")
    assert paper.abstract.endswith("as a way to inform OA policy and practice.")
    assert paper.authors[0] == "Heather A. Piwowar" and "Vincent Larivière" in paper.authors
    assert paper.date == "2018-02-13"


def test_openalex_results_envelope(tmp_path):
    path = tmp_path / "works.json"
    path.write_text(json.dumps({"meta": {"count": 1}, "results": [
        {"id": "https://openalex.org/W1", "display_name": "Shown Title",
         "abstract_inverted_index": {"b": [1], "a": [0], "c": [2]}, "publication_year": 2001},
    ]}), encoding="utf-8")
    (paper,) = papers_of(path)
    assert (paper.id, paper.title, paper.abstract, paper.date) == ("W1", "Shown Title", "a b c", "2001")


# --------------------------------------------------------------------------- BibTeX


def test_bibtex_sample(formats_dir):
    first, second = papers_of(formats_dir / "acl_anthology_entries_with_abstract.bib")
    assert first.title == "Query Rewriting in Retrieval-Augmented Large Language Models"
    assert first.authors == ("Xinbei Ma", "Yeyun Gong", "Pengcheng He", "Hai Zhao", "Nan Duan")
    assert first.date == "2023-12"
    assert first.id == first.ids["doi"] == "10.18653/v1/2023.emnlp-main.322"
    assert first.url == "https://aclanthology.org/2023.emnlp-main.322"
    assert first.abstract.startswith("Large Language Models (LLMs) play powerful, black-box")
    assert first.abstract.endswith("a new framework for retrieval-augmented LLM.")
    assert first.meta["bibtex_key"] == "ma-etal-2023-query"
    assert "\\textit" not in second.abstract and "do models represent the fact" in second.abstract


def test_bibtex_latex_and_macros(tmp_path):
    path = tmp_path / "x.bib"
    path.write_text(r'''@string{conf = "Conf"}
@article{k1,
  title = {{BERT} and G{\"o}del: $O(n^{2})$ {Bounds}},
  author = {{\"O}zt{\"u}rk, Ay{\c{s}}e and van der Berg, Jan},
  journal = conf # " 2020",
  year = 2020, month = {March},
  eprint = {2003.00001v2}, archivePrefix = {arXiv},
  abstract = "We show {\em nothing} new: 50\% of $\alpha$-nets fail."
}''', encoding="utf-8")
    (paper,) = papers_of(path)
    assert paper.title == "BERT and Gödel: $O(n^{2})$ Bounds"
    assert paper.authors == ("Ayşe Öztürk", "Jan van der Berg")
    assert paper.meta["venue"] == "Conf 2020"
    assert paper.date == "2020-03"
    assert paper.id == "2003.00001"
    assert "50% of $\\alpha$-nets fail" in paper.abstract


# ------------------------------------------------------------------ OpenReview CSV/TSV


@pytest.mark.parametrize(("name", "fmt", "rows"), [
    ("neurips2022_papers.csv", "csv", 2795),
    ("iclr2021_paperlist.tsv", "tsv", 2966),
])
def test_openreview_tables(name, fmt, rows):
    path = shared_path("data", "openreview", name)
    assert detect_format(path) == fmt
    result = read_inputs([path])
    assert result.read == rows
    assert result.rejected == len(result.rejects) == 0
    assert result.read == result.kept + result.merged + result.rejected
    first = result.papers[0]
    with path.open(encoding="utf-8", newline="") as fh:
        header = fh.readline()
        line = fh.readline()
    assert first.id == line.split("\t" if fmt == "tsv" else ",")[0]  # paper_id verbatim
    assert first.ids == {"openreview": first.id}
    assert first.url == f"https://openreview.net/forum?id={first.id}"
    assert isinstance(first.meta["keywords"], list) and len(first.meta["keywords"]) > 1
    assert header.startswith("paper_id")


def test_openreview_csv_values():
    path = shared_path("data", "openreview", "neurips2022_papers.csv")
    first = next(iter_records(path))
    assert first.id == "09QFnDWPF8"
    assert first.title == "Statistical Learning and Inverse Problems: A Stochastic Gradient Approach"
    assert first.meta["keywords"] == ["Statistical Learning", "Inverse Problems",
                                      "Stochastic Gradient Descent"]
    assert first.abstract.startswith("Inverse problems are paramount in Science and Engineering.")


def test_generic_csv_columns(tmp_path):
    path = tmp_path / "generic.csv"
    path.write_text("id,title,summary,authors,year,url,venue\n"
                    "P05-1044,A Title,An abstract.,A One and B Two,2005,http://x.org/1,ACL\n"
                    "2101.11408v2,Other,Text.,,2021,,\n", encoding="utf-8")
    one, two = papers_of(path)
    assert (one.id, one.ids, one.authors, one.date, one.meta) == (
        "P05-1044", {"source": "P05-1044"}, ("A One", "B Two"), "2005", {"venue": "ACL"})
    assert two.id == "2101.11408" and two.ids == {"arxiv": "2101.11408"}


# ------------------------------------------------------------------- generic JSON(L)


def test_generic_jsonl_ids_and_aliases(tmp_path):
    path = tmp_path / "x.jsonl"
    rows = [
        {"id": "P05-1044", "title": "SciERC doc", "abstract": "A."},
        {"id": "arXiv:2106.09685v2", "title": "LoRA", "summary": "B.", "authors": "E. Hu, Y. Shen"},
        {"id": "https://doi.org/10.1000/XYZ", "title": "DOI one", "abstract": "C.",
         "authors": "Hu, Edward and Shen, Yelong", "date": "2021-06"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert detect_format(path) == "jsonl"
    a, b, c = papers_of(path)
    assert (a.id, a.ids) == ("P05-1044", {"source": "P05-1044"})
    assert (b.id, b.ids, b.abstract, b.authors) == ("2106.09685", {"arxiv": "2106.09685"}, "B.",
                                                    ("E. Hu", "Y. Shen"))
    assert (c.id, c.ids, c.authors, c.date) == ("10.1000/xyz", {"doi": "10.1000/xyz"},
                                                ("Edward Hu", "Yelong Shen"), "2021-06")


def test_generic_json_document_envelope(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"papers": [{"id": "a1", "title": "T", "abstract": "A."}]}),
                    encoding="utf-8")
    assert detect_format(path) == "json"
    assert [p.id for p in papers_of(path)] == ["a1"]


def test_jsonl_saved_as_json_still_reads(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text('{"id": "a", "title": "T", "abstract": "A."}\n'
                    '{"id": "b", "title": "U", "abstract": "B."}\n', encoding="utf-8")
    assert [p.id for p in papers_of(path, "json")] == ["a", "b"]


# ---------------------------------------------------------------------- detection


@pytest.mark.parametrize(("parts", "expected"), [
    (("data", "seed", "daily-papers-overparameterization.txt"), "daily-papers"),
    (("data", "formats", "arxiv_api_atom_query_response.xml"), "arxiv-atom"),
    (("data", "formats", "arxiv_kaggle_oai_metadata_record.jsonl"), "arxiv-oai"),
    (("data", "formats", "hf_paper_object_2509.04664.json"), "hf-papers"),
    (("data", "formats", "semantic_scholar_graph_paper.json"), "semantic-scholar"),
    (("data", "formats", "openalex_work_W2741809807.json"), "openalex"),
    (("data", "formats", "acl_anthology_entries_with_abstract.bib"), "bibtex"),
    (("data", "openreview", "neurips2022_papers.csv"), "csv"),
    (("data", "openreview", "iclr2021_paperlist.tsv"), "tsv"),
    (("data", "arxiv-cs", "arxiv_cs_2026-07_part00.jsonl"), "arxiv-cs"),
])
def test_detection_picks_the_right_reader(parts, expected):
    assert detect_format(shared_path(*parts)) == expected


def test_detection_by_content_without_suffix(tmp_path, formats_dir):
    for name, expected in [("arxiv_api_atom_query_response.xml", "arxiv-atom"),
                           ("acl_anthology_entries_with_abstract.bib", "bibtex"),
                           ("openalex_work_W2741809807.json", "openalex")]:
        copy = tmp_path / (name.split(".")[0] + ".data")
        copy.write_bytes((formats_dir / name).read_bytes())
        assert detect_format(copy) == expected


# ------------------------------------------------------------ round trip (hypothesis)

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
_clean = _text.map(clean_title).filter(bool)
_arxiv = st.from_regex(r"\A(1[0-9]|2[0-5])(0[1-9]|1[0-2])\.[0-9]{5}\Z")
_doi = st.from_regex(r"\A10\.[0-9]{4}/[a-z0-9.]{1,12}[a-z0-9]\Z")
_date = st.dates().map(lambda d: d.isoformat()).filter(lambda s: s[0] in "12")


@st.composite
def papers(draw) -> Paper:
    title, abstract = draw(_clean), draw(_clean)
    arxiv = draw(st.none() | _arxiv)
    doi = draw(st.none() | _doi)
    own = draw(st.none() | st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{2,12}\Z"))
    ids = {k: v for k, v in (("arxiv", arxiv), ("doi", doi), ("source", own)) if v}
    meta = draw(st.dictionaries(st.sampled_from(["venue", "note", "kind"]), _clean, max_size=2))
    return Paper(
        id=stable_id(arxiv=arxiv, doi=doi, own_id=own, title=title),
        title=title,
        abstract=abstract,
        authors=tuple(draw(st.lists(_clean.filter(lambda s: "," not in s), max_size=4))),
        date=draw(st.none() | _date),
        url=draw(st.none() | st.just("https://example.org/p")),
        source="jsonl",
        ids=ids,
        meta=meta,
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow], deadline=None)
@given(st.lists(papers(), min_size=1, max_size=5))
def test_generic_jsonl_round_trip(tmp_path, written):
    path = tmp_path / "round.jsonl"
    path.write_text("\n".join(json.dumps(p.to_dict()) for p in written) + "\n", encoding="utf-8")
    assert papers_of(path) == written


def test_detection_prefers_content_over_a_misleading_suffix(tmp_path):
    path = tmp_path / "papers.txt"
    path.write_text('{"id": "a", "title": "T", "abstract": "A."}\n', encoding="utf-8")
    assert detect_format(path) == "jsonl"


def test_broken_first_line_falls_back_to_the_suffix_reader(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text('{"id": "a", "tit\n{"id": "b", "title": "T", "abstract": "A."}\n',
                    encoding="utf-8")
    assert detect_format(path) == "jsonl"
    records = list(iter_records(path))
    assert isinstance(records[0], Reject) and records[1].id == "b"


def test_daily_page_short_abstract_after_a_title(tmp_path):
    long = "A paragraph long enough to be an abstract without any doubt at all here. " * 3
    page = tmp_path / "page.txt"
    page.write_text(f"Sep 9\n\nFirst Title\n\n{long}\n\nShort One\n\n"
                    f"We show that a tiny abstract still counts.\n\nThird\n\n{long}\n",
                    encoding="utf-8")
    papers = papers_of(page, "daily-papers")
    assert [p.title for p in papers] == ["First Title", "Short One", "Third"]
    assert papers[1].abstract == "We show that a tiny abstract still counts."
