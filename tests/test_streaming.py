"""The build never holds the corpus: ingest streams papers into papers.jsonl,
extraction hands the workers byte ranges of that file, and the model reads it one paper
at a time. These tests fail if a stage materialises every paper again."""
from __future__ import annotations

import gc
import json
import pickle
import random
from pathlib import Path

import pytest

from kg.build.engine import extract_jsonl, extract_records
from kg.errors import GraphError
from kg.ingest import SpooledMerge, merge_papers, read_inputs, write_inputs
from kg.model.papers import PaperChunk, PapersFile
from kg.model.store import write_papers
from kg.types import Paper, stable_id

WORDS = ("sparse attention", "low-rank adaptation", "graph neural network", "grokking",
         "neural tangent kernel", "scaling law", "double descent", "diffusion model",
         "contrastive learning", "mixture of experts", "Ünïcode “quotes” — dash")


def _corpus(n: int, seed: int) -> list[Paper]:
    """Records with every kind of duplicate: same id, same arXiv id or DOI, conflicting
    strong ids under one title, and records without strong ids (joined by title)."""
    rng = random.Random(seed)
    titles = [f"On {rng.choice(WORDS)} and {rng.choice(WORDS)} ({k % 37})" for k in range(n)]
    out = []
    for k in range(n):
        title = rng.choice(titles)
        if rng.random() < 0.3:
            title = title.upper() + "!"  # the same title key
        arxiv = f"2501.{rng.randrange(n // 2):05d}" if rng.random() < 0.5 else None
        doi = f"10.1000/x{rng.randrange(n // 3)}" if rng.random() < 0.3 else None
        own = f"own-{rng.randrange(n)}" if rng.random() < 0.3 else None
        ids = {key: v for key, v in (("arxiv", arxiv), ("doi", doi), ("source", own)) if v}
        out.append(Paper(
            id=stable_id(arxiv=arxiv, doi=doi, own_id=own, title=title), title=title,
            abstract=rng.choice(["", f"We study {rng.choice(WORDS)}.", "Abstract."]),
            authors=tuple(f"A{j}" for j in range(rng.randrange(4))),
            date=rng.choice([None, "2025-01-02"]), url=rng.choice([None, "http://x"]),
            source=rng.choice(["arxiv-cs", "bibtex", "csv"]), ids=ids,
            meta=rng.choice([{}, {"categories": ["cs.LG"]}, {"venue": "ICLR", "n": 1.5}])))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_spooled_merge_writes_exactly_what_merge_papers_writes(tmp_path, seed):
    papers = _corpus(300, seed)
    expected = merge_papers(papers)
    write_papers(tmp_path, expected.papers)
    spool = SpooledMerge(tmp_path / "spool.jsonl")
    for p in papers:
        spool.add(p)
    assert spool.write_to(tmp_path / "merged.jsonl") == len(expected.papers)
    assert spool.merged == expected.merged > 0
    assert (tmp_path / "merged.jsonl").read_bytes() == (tmp_path / "papers.jsonl").read_bytes()
    assert not (tmp_path / "spool.jsonl").exists()


def test_spooled_merge_may_write_over_its_spool(tmp_path):
    papers = _corpus(120, 7)
    write_papers(tmp_path, merge_papers(papers).papers)
    spool = SpooledMerge(tmp_path / "out.jsonl")
    for p in papers:
        spool.add(p)
    spool.write_to(tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "papers.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "papers.jsonl"]


def _write_input(path: Path, papers: list[Paper]) -> None:
    path.write_text("".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract,
                                        "authors": list(p.authors)}) + "\n" for p in papers),
                    encoding="utf-8")


def test_write_inputs_equals_read_inputs_and_update_merges_like_before(tmp_path):
    src = tmp_path / "in.jsonl"
    papers = [p for p in _corpus(200, 3) if p.abstract]
    _write_input(src, papers + papers[:20])
    with open(src, "a", encoding="utf-8") as fh:
        fh.write("not json\n")
    result = read_inputs([src])
    write_papers(tmp_path, result.papers)
    streamed = write_inputs([src], tmp_path / "streamed.jsonl")
    assert (tmp_path / "streamed.jsonl").read_bytes() == (tmp_path / "papers.jsonl").read_bytes()
    assert (streamed.read, streamed.kept, streamed.merged, streamed.rejected) == (
        result.read, result.kept, result.merged, result.rejected)
    assert streamed.read == streamed.kept + streamed.merged + streamed.rejected
    assert [str(r) for r in streamed.rejects] == [str(r) for r in result.rejects]
    assert "line" in str(streamed.rejects[0]) and str(src) in str(streamed.rejects[0])
    # --update: previous papers first, then the (merged) inputs
    previous = merge_papers(_corpus(150, 4)).papers
    both = merge_papers(list(previous) + list(result.papers))
    write_papers(tmp_path, both.papers)
    updated = write_inputs([src], tmp_path / "updated.jsonl", previous=iter(previous))
    assert (tmp_path / "updated.jsonl").read_bytes() == (tmp_path / "papers.jsonl").read_bytes()
    assert updated.previous == len(previous) and updated.written == len(both.papers)
    assert updated.merged == result.merged + both.merged
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.jsonl", "papers.jsonl", "streamed.jsonl", "updated.jsonl"]


def test_ingest_streams_papers_to_disk(tmp_path, monkeypatch):
    """The build's ingest holds no more than a few parsed papers at any time."""
    import weakref

    import kg.ingest.driver as driver
    from kg.build.pipeline import BuildOptions, _ingest

    src = tmp_path / "in.jsonl"
    src.write_text("{}\n", encoding="utf-8")
    alive: list = []
    most = [0]

    def records(path, fmt=None):
        for k in range(3000):
            p = Paper(id=f"2501.{k:05d}", title=f"Paper {k}", abstract="Text.",
                      ids={"arxiv": f"2501.{k:05d}"})
            alive.append(weakref.ref(p))
            yield p
            del p
            if k % 100 == 99:
                most[0] = max(most[0], sum(r() is not None for r in alive))

    monkeypatch.setattr(driver, "iter_records", records)
    counts, rejects, _ = _ingest([src], BuildOptions(), tmp_path / "out", tmp_path, False)
    assert counts["papers"] == counts["kept"] == 3000 and not rejects
    assert most[0] <= 2, f"{most[0]} papers alive at once during ingest"
    assert len((tmp_path / "papers.jsonl").read_text().splitlines()) == 3000


def _papers_alive(prefix: str) -> int:
    """Paper objects alive in this process whose id starts with ``prefix`` (other
    tests' fixtures may hold papers of their own)."""
    return sum(1 for o in gc.get_objects() if type(o) is Paper and o.id.startswith(prefix))


def test_build_never_holds_all_papers_during_extraction(tmp_path, monkeypatch):
    """Extraction in the build's own process (jobs 1) sees each chunk's papers, and the
    papers of earlier chunks are gone by then: nothing holds the corpus."""
    import kg.build.engine as engine
    from kg.build.pipeline import BuildOptions, build

    src = tmp_path / "in.jsonl"
    n = 1250  # three chunks of DEFAULT_CHUNK (500)
    _write_input(src, [Paper(id=f"held-{k}", title=f"Sparse attention study {k}",
                             abstract="We study sparse attention in transformers.")
                       for k in range(n)])
    seen: list[int] = []
    original = engine.extract_chunk

    def extract_chunk(chunk):
        papers = list(chunk)
        seen.append(_papers_alive("held-"))
        return original(papers)

    monkeypatch.setattr(engine, "extract_chunk", extract_chunk)
    result = build([src], tmp_path / "out", BuildOptions(jobs=1))
    assert result.counts["papers"] == n and len(seen) == 3
    assert max(seen) <= engine.DEFAULT_CHUNK + 10, f"papers alive per chunk: {seen}"


def test_pool_workers_get_byte_ranges_not_papers(tmp_path, monkeypatch):
    import kg.build.engine as engine

    papers = [Paper(id=f"p{k}", title=f"Title {k}", abstract="We study grokking. " * 20)
              for k in range(25)]
    write_papers(tmp_path, papers)
    sent: list = []
    original = engine._run_pool

    def run_pool(chunks, *args, **kwargs):
        sent.extend(chunks)
        return original(chunks, *args, **kwargs)

    monkeypatch.setattr(engine, "_run_pool", run_pool)
    got = list(extract_jsonl(PapersFile(tmp_path / "papers.jsonl"), jobs=2, chunk_size=10))
    assert [len(c) for c in sent] == [10, 10, 5]
    assert all(type(c) is PaperChunk and len(pickle.dumps(c)) < 300 for c in sent)
    assert got == list(extract_jsonl(papers, chunk_size=10))


def test_papers_file_chunks_cover_the_file_and_name_bad_lines(tmp_path):
    papers = [Paper(id=f"p{k}", title=f"T{k}", abstract="A.", authors=("X",), ids={"s": "1"},
                    meta={"m": 1}) for k in range(7)]
    write_papers(tmp_path, papers)
    path = tmp_path / "papers.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]) + "\n" + "".join(lines[3:]), encoding="utf-8")  # a blank
    pf = PapersFile(path)
    slim = [Paper(p.id, p.title, p.abstract, p.authors, p.date, p.url, p.source) for p in papers]
    assert list(pf) == slim
    pieces = list(pf.chunks(3))
    assert [len(c) for c, _ in pieces] == [3, 3, 1]
    assert [p for _, loaded in pieces for p in loaded] == slim
    assert [p for c, _ in pieces for p in pickle.loads(pickle.dumps(c))] == slim
    assert pieces[0][0].start == 0 and pieces[-1][0].end == path.stat().st_size
    assert all(a.end == b.start for (a, _), (b, _) in zip(pieces, pieces[1:]))
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text[5] = '{"id": "broken"\n'  # file line 6: a paper of the second chunk
    path.write_text("".join(text), encoding="utf-8")
    with pytest.raises(GraphError, match=r"papers.jsonl, line 6"):
        list(pf.chunks(3))
    with pytest.raises(GraphError, match=r"papers.jsonl, line 6"):
        pieces[1][0].load()


def test_file_and_list_share_shards(seed_path, tmp_path):
    """A PapersFile's chunks are named by their content like in-memory chunks, so shards
    made from either are reused by the other, and the records are the same."""
    papers = read_inputs([seed_path]).papers
    write_papers(tmp_path, papers)
    stats: dict = {}
    first = list(extract_records(papers, chunk_size=20, cache_dir=tmp_path / "c", stats=stats))
    assert stats == {"chunks": 3, "chunks_cached": 0}
    second = list(extract_records(PapersFile(tmp_path / "papers.jsonl"), chunk_size=20,
                                  cache_dir=tmp_path / "c", stats=stats))
    assert stats == {"chunks": 3, "chunks_cached": 3}
    assert first == second


def test_dask_reads_file_chunks_in_this_process(tmp_path):
    pytest.importorskip("dask.distributed")
    papers = [Paper(id=f"p{k}", title=f"Title {k}", abstract="We study grokking.")
              for k in range(12)]
    write_papers(tmp_path, papers)
    got = list(extract_jsonl(PapersFile(tmp_path / "papers.jsonl"), engine="dask", jobs=1,
                             chunk_size=5))
    assert got == list(extract_jsonl(papers, chunk_size=5))


def _spans(chunks):
    return [(c.start, c.end, c.count, c.line) for c in chunks]


def test_first_pass_in_parallel_gives_the_same_chunks_acronyms_and_shards(seed_path, tmp_path,
                                                                          monkeypatch):
    """With --jobs 2 the pass over a papers file (shard digests, corpus acronyms) runs in
    the workers; this process only cuts byte ranges. Same records, and the shards of a
    one-process run are all reused."""
    import kg.build.engine as engine

    papers = read_inputs([seed_path]).papers
    write_papers(tmp_path, papers)
    path = tmp_path / "papers.jsonl"
    pf = PapersFile(path)
    assert _spans(pf.ranges(20)) == _spans(c for c, _ in pf.chunks(20))
    learned: list = []
    real = engine._scan_in_parallel

    def spy(*args, **kwargs):
        learned.append(real(*args, **kwargs))
        return learned[-1]

    monkeypatch.setattr(engine, "_scan_in_parallel", spy)
    stats: dict = {}
    one = list(extract_records(pf, chunk_size=20, cache_dir=tmp_path / "c", stats=stats))
    assert not learned and stats["chunks_cached"] == 0
    two = list(extract_records(pf, jobs=2, chunk_size=20, cache_dir=tmp_path / "c",
                               stats=stats))
    assert len(learned) == 1 and stats == {"chunks": 3, "chunks_cached": 3}
    assert two == one
    from kg.extract import ExtractSettings, Extractor

    digests, acronyms = learned[0]
    assert acronyms == Extractor(ExtractSettings()).learn_acronyms(papers).entries
    assert acronyms  # the seed page defines acronyms (NTK, LoRA, ...)
    assert len(digests) == 3


def test_first_pass_in_parallel_names_a_bad_line(tmp_path):
    write_papers(tmp_path, _corpus(30, 3))
    path = tmp_path / "papers.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[24] = '{"id": "broken"\n'
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(GraphError, match=r"papers.jsonl, line 25"):
        list(extract_jsonl(PapersFile(path), jobs=2, chunk_size=10))


# ------------------------------------------------ the model file reads abstracts in place
def _strings_of(model_file: Path) -> dict:
    import gzip

    import numpy as np

    with np.load(model_file) as data:
        return json.loads(gzip.decompress(data["strings"].tobytes()))


def test_a_builds_model_keeps_its_abstracts_in_papers_jsonl(demo_build, tmp_path):
    """The model file holds offsets into papers.jsonl, not the abstracts (two thirds of its
    strings); loading it gives the same texts, also after the directory is moved."""
    import shutil

    from kg.model import GraphModel
    from kg.model.papers import TextColumn
    from kg.model.store import MODEL_FILE, iter_papers, load_model, save_model

    strings = _strings_of(demo_build / MODEL_FILE)
    assert strings["abstracts"] is None and strings["abstracts_in"]["file"] == "papers.jsonl"
    moved = tmp_path / "moved"
    shutil.copytree(demo_build, moved)
    model = load_model(moved)
    assert isinstance(model.abstracts, TextColumn) and Path(model.abstracts.path).parent == moved
    by_id = {p.id: p.abstract for p in iter_papers(moved)}
    assert list(model.abstracts) == [by_id[i] for i in model.paper_ids]
    assert any(model.abstracts)
    # saved anywhere else (no papers.jsonl beside it), the abstracts go into the file
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    save_model(model, elsewhere)
    assert _strings_of(elsewhere / MODEL_FILE)["abstracts"] == list(model.abstracts)
    again = load_model(elsewhere)
    assert again.abstracts == list(model.abstracts) and isinstance(again.abstracts, list)
    # a model built in memory keeps them inline too
    inline = GraphModel.build([{"id": "p1", "title": "T", "abstract": "About grokking."}], [])
    save_model(inline, elsewhere)
    assert load_model(elsewhere).abstracts == ["About grokking."]


def test_a_model_without_its_papers_file_is_a_clear_error(demo_build, tmp_path):
    import shutil

    from click.testing import CliRunner

    from kg.cli import cli
    from kg.model.store import load_model

    broken = tmp_path / "b"
    shutil.copytree(demo_build, broken)
    (broken / "papers.jsonl").unlink()
    with pytest.raises(GraphError, match=r"papers\.jsonl: missing; the graph model"):
        load_model(broken)
    result = CliRunner().invoke(cli, ["concept", "LoRA", "--graph", str(broken)])
    assert result.exit_code != 0 and "papers.jsonl: missing" in result.output
    assert "Traceback" not in result.output

    changed = tmp_path / "c"
    shutil.copytree(demo_build, changed)
    with open(changed / "papers.jsonl", "ab") as fh:
        fh.write(b"\n")
    with pytest.raises(GraphError, match=r"changed since the graph model was built"):
        load_model(changed)


def test_queries_answer_the_same_with_abstracts_in_place(demo_build):
    """Evidence sentences come from the abstracts: the loaded model (reading them from
    papers.jsonl) answers as a model holding them in memory."""
    from kg.query import concept_summary, shortest_path
    from kg.model.store import load_model

    on_disk = load_model(demo_build)
    in_memory = load_model(demo_build)
    in_memory.abstracts = list(in_memory.abstracts)
    for concept in ("LoRA", "neural tangent kernel", "scaling laws"):
        assert concept_summary(on_disk, concept) == concept_summary(in_memory, concept)
    path = shortest_path(on_disk, "NTK", "LoRA")
    assert path == shortest_path(in_memory, "NTK", "LoRA")
    evidence = [on_disk.mention_attrs(p, e)["evidence"]
                for p in range(len(on_disk.paper_ids))
                for e in range(int(on_disk.m_ptr[p]), int(on_disk.m_ptr[p + 1]))]
    assert evidence == [in_memory.mention_attrs(p, e)["evidence"]
                        for p in range(len(in_memory.paper_ids))
                        for e in range(int(in_memory.m_ptr[p]), int(in_memory.m_ptr[p + 1]))]
    assert sum(len(x) for x in evidence) > 100
