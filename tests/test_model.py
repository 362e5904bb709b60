"""The compact graph model on real data: its views, rows, files and link algorithms.

What the model holds is pinned by the snapshot of the fixture graph
(``tests/test_model_snapshot.py``); here its views must agree with each other (the
networkx graph, the streaming facade, the writers of both) and its link algorithms with
small references written in the tests.
"""
from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, load_module, shared_path
from kg.errors import GraphError
from kg.iris import CONCEPT_NS as CONCEPT_BASE, paper_iri
from kg.model import GraphModel

fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_model")


def _snapshot(G):
    """Everything of a graph, order included: nodes, out-edges and in-edge order."""
    return (
        dict(G.graph),
        [(n, dict(d)) for n, d in G.nodes(data=True)],
        [(u, v, k, dict(d)) for u, v, k, d in G.edges(keys=True, data=True)],
        [(v, [(u, list(kd)) for u, kd in G._pred[v].items()]) for v in G],
    )


@pytest.fixture(scope="module")
def arxiv_sample(tmp_path_factory):
    """800 real arXiv CS papers (two months) and their extraction records."""
    from kg.build.engine import extract_records
    from kg.ingest import read_inputs
    from kg.ontology import load_ontology

    files = sorted(shared_path("data", "arxiv-cs").glob("*.jsonl"))
    sample = tmp_path_factory.mktemp("model") / "sample.jsonl"
    with open(sample, "w", encoding="utf-8") as out:
        for f in (files[0], files[len(files) // 2]):
            with open(f, encoding="utf-8") as fh:
                out.write("".join(next(fh) for _ in range(400)))
    papers = list(read_inputs([sample]).papers)
    return papers, list(extract_records(papers)), load_ontology()








@pytest.fixture(scope="module")
def sample_model(arxiv_sample):
    """The model of the arXiv sample at default options, built once (do not mutate it)."""
    papers, records, onto = arxiv_sample
    return GraphModel.build(papers, records, onto)


def test_facade_streams_the_same_nodes_and_edges(arxiv_sample, sample_model):
    papers, records, onto = arxiv_sample
    M = sample_model
    G, V = M.to_networkx(), M.view()
    assert list(V.nodes(data=True)) == list(G.nodes(data=True))
    assert list(V.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    assert len(V) == len(G) and V.graph == G.graph
    for node in list(G)[::97]:
        assert V.nodes[node] == G.nodes[node]
        assert V._adj[node] == {v: dict(kd) for v, kd in G._adj[node].items()}
        assert list(V._adj[node]) == list(G._adj[node])
    assert "nope" not in V and next(iter(G)) in V


def test_evidence_is_kept_by_reference_and_decoded_exactly(arxiv_sample, sample_model):
    papers, records, onto = arxiv_sample
    M = sample_model
    # every sentence of a real build is found in its paper's text: no string is stored
    assert M.ev_where.size > 1000 and M.extra_sentences == []
    # a sentence that is in neither text (a record from another source) is kept as is
    rec = {"id": "z", "title": "T", "abstract": "A b.", "concepts": [
        {"iri": CONCEPT_BASE + "grokking", "label": "grokking", "source": "ontology",
         "mentions": [{"field": "abstract", "start": 0, "end": 1, "text": "A",
                       "sentence": "Not in the text."}]}]}
    G = GraphModel.build([], [rec]).to_networkx()
    assert G.edges[paper_iri("z"), CONCEPT_BASE + "grokking", "mentions"]["evidence"] == \
        ("Not in the text.",)


def test_one_shot_stream_with_a_repeated_id_is_refused_not_silently_merged():
    rec = {"id": "a", "concepts": []}
    with pytest.raises(GraphError, match="'a' appears twice"):
        GraphModel.build([], iter([rec, dict(rec)]))
    # a list is read twice, so repeated records are merged (see test_graph)
    assert GraphModel.build([], [rec, dict(rec)]).counts()["nodes"] == {"paper": 1}


def test_counts_match_the_networkx_view(arxiv_sample, sample_model):
    from collections import Counter

    papers, records, onto = arxiv_sample
    M = sample_model
    G = M.to_networkx()
    c = M.counts()
    assert c["nodes"] == dict(sorted(Counter(k for _, k in G.nodes(data="kind")).items()))
    assert c["edges"] == dict(sorted(Counter(k for _, _, k in G.edges(keys=True)).items()))


def test_exports_from_the_facade_are_byte_identical(arxiv_sample, sample_model, tmp_path):
    from kg.export import write_graphml
    from kg.export.rdf import write_rdf
    papers, records, onto = arxiv_sample
    M = sample_model
    G = M.to_networkx()
    for name, source in (("nx", G), ("model", M)):
        d = tmp_path / name
        d.mkdir()
        write_rdf(source, d / "graph.ttl", format="turtle")
        write_graphml(source, d / "graph.graphml")
    for f in ("graph.ttl", "graph.graphml"):
        assert (tmp_path / "nx" / f).read_bytes() == (tmp_path / "model" / f).read_bytes(), f


@pytest.mark.parametrize("max_nodes", [40, 300, 100_000])
def test_html_map_from_the_model_equals_the_one_from_networkx(arxiv_sample, sample_model, max_nodes):
    from kg.export.html import render_html, select_view

    papers, records, onto = arxiv_sample
    M = sample_model
    G = M.to_networkx()
    assert select_view(M, max_nodes) == select_view(G, max_nodes)
    if max_nodes < 1000:  # the full map of 800 papers is slow to lay out: selection only
        assert render_html(M, view="network", max_nodes=max_nodes) == render_html(G, max_nodes=max_nodes)




def test_rows_made_apart_build_the_same_model(arxiv_sample):
    """What kg build does: workers summarize JSON Lines chunks, the parent builds from rows."""
    import json

    from kg.model import summarize_jsonl

    papers, records, onto = arxiv_sample
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    lines = text.splitlines(keepends=True)
    chunks = ["".join(lines[i:i + 150]) for i in range(0, len(lines), 150)]
    rows = [row for chunk in chunks for row in summarize_jsonl(chunk)]
    a = GraphModel.build(papers, None, onto, rows=iter(rows)).to_networkx()
    b = GraphModel.build(papers, records, onto).to_networkx()
    assert _snapshot(a) == _snapshot(b)
    with pytest.raises(GraphError, match="not both"):
        GraphModel.build(papers, records, onto, rows=rows)


def test_rows_of_extracted_records_take_a_short_path_to_the_same_rows(arxiv_sample):
    """kg build's workers summarize their own records with summarize_extracted: the rows
    must be those of summarize_record, concept by concept (one mention or several)."""
    from kg.model import summarize_extracted, summarize_record

    _, records, _ = arxiv_sample
    multi = sum(len(c["mentions"]) > 1 for r in records for c in r["concepts"])
    single = sum(len(c["mentions"]) == 1 for r in records for c in r["concepts"])
    assert multi > 1000 and single > 1000  # both paths are exercised
    for record in records:
        assert summarize_extracted(record) == summarize_record(record, text=False)


def test_rows_of_extracted_records_on_the_demo_corpus():
    """The same without ../shared: the demo papers, and a title-only mention."""
    from kg.build.engine import extract_records
    from kg.ingest import read_inputs
    from kg.model import summarize_extracted, summarize_record

    from kg.build.pipeline import DEMO_CORPUS

    papers = list(read_inputs([DEMO_CORPUS]).papers)
    records = list(extract_records(papers))
    assert any(m["field"] == "title" for r in records for c in r["concepts"]
               for m in c["mentions"])
    for record in records:
        assert summarize_extracted(record) == summarize_record(record, text=False)


def test_evidence_is_relocated_when_the_paper_text_differs_from_the_record():
    from kg.types import Paper

    rec = {"id": "p", "title": "T", "abstract": "First. Grokking here.", "concepts": [
        {"iri": CONCEPT_BASE + "grokking", "label": "grokking", "source": "ontology",
         "mentions": [{"field": "abstract", "start": 7, "end": 15, "text": "Grokking",
                       "sentence": "Grokking here."}]}]}
    paper = Paper(id="p", title="T", abstract="Grokking here. And more.")
    G = GraphModel.build([paper], [rec]).to_networkx()
    assert G.edges[paper_iri("p"), CONCEPT_BASE + "grokking", "mentions"]["evidence"] == \
        ("Grokking here.",)


def test_saved_model_loads_back_identical(arxiv_sample, sample_model, tmp_path):
    from kg.model.store import MODEL_FILE, load_graph, load_model, save_model

    papers, records, onto = arxiv_sample
    M = sample_model
    path = save_model(M, tmp_path)
    assert path.name == MODEL_FILE
    again = load_model(tmp_path)
    assert _snapshot(again.to_networkx()) == _snapshot(M.to_networkx())
    assert _snapshot(load_graph(tmp_path)) == _snapshot(M.to_networkx())
    # the same model gives the same bytes (reproducible builds)
    other = tmp_path / "again"
    other.mkdir()
    assert save_model(again, other).read_bytes() == path.read_bytes()


def test_a_damaged_model_file_is_a_clear_error(tmp_path):
    from kg.model.store import MODEL_FILE, load_graph

    (tmp_path / MODEL_FILE).write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(GraphError, match="unreadable graph model.*rebuild it with kg build"):
        load_graph(tmp_path)



@pytest.mark.parametrize("k", [1, 3, 10])
def test_cooccurs_keep_each_concepts_strongest_partners_only(arxiv_sample, k):
    """Every kept pair is in the top k of one of its concepts; every pair in the top k of
    a concept (among all pairs passing the thresholds) is kept; at most k * n edges."""
    from collections import defaultdict

    papers, records, onto = arxiv_sample
    G_all = GraphModel.build(papers, records, onto, cooccurs_top_k=None).to_networkx()
    G_k = GraphModel.build(papers, records, onto, cooccurs_top_k=k).to_networkx()
    pairs = {(u, v): (d["npmi"], d["support"]) for u, v, key, d in
             G_all.edges(keys=True, data=True) if key == "cooccurs"}
    kept = {(u, v) for u, v, key in G_k.edges(keys=True) if key == "cooccurs"}
    by_concept = defaultdict(list)
    for (u, v), (npmi, support) in pairs.items():
        by_concept[u].append((-npmi, -support, v, (u, v)))
        by_concept[v].append((-npmi, -support, u, (u, v)))
    best = {p for ranked in by_concept.values() for *_, p in sorted(ranked)[:k]}
    assert len(pairs) > len(kept) > 0
    assert kept == best
    assert len(kept) <= k * len(by_concept)
    # everything else is unchanged
    rest = lambda G: [(u, v, key) for u, v, key in G.edges(keys=True) if key != "cooccurs"]
    assert rest(G_k) == rest(G_all)


@pytest.mark.parametrize("block", [7, 64, 8192])
def test_cooccurs_made_block_by_block_keep_only_candidates_and_match_the_global_ranking(
        arxiv_sample, monkeypatch, block):
    """The link stage holds only each block's own top-k pairs (not every pair passing the
    thresholds); the edges equal a global top-k-of-either-end ranking of all pairs,
    whatever the block size."""
    import numpy as np

    import kg.model.core as core
    from kg.model.links import top_k_either_end

    papers, records, onto = arxiv_sample
    monkeypatch.setattr(core, "COOCCURS_BLOCK", block)
    held: list[int] = []
    original = core.npmi_top_k

    def top_k(*args):
        out = original(*args)
        held.append(out[0].size)
        return out

    monkeypatch.setattr(core, "npmi_top_k", top_k)
    m = GraphModel.build(papers, records, onto, cooccurs_top_k=3)
    everything = GraphModel.build(papers, records, onto, cooccurs_top_k=None)
    ri, ci, w, sup = everything.c_u, everything.c_v, everything.c_npmi, everything.c_support
    sel = np.sort(top_k_either_end(ri, ci, w, sup, 3))
    assert (m.c_u.tolist(), m.c_v.tolist()) == (ri[sel].tolist(), ci[sel].tolist())
    assert m.c_npmi.tolist() == w[sel].tolist() and m.c_support.tolist() == sup[sel].tolist()
    assert sum(held) <= 2 * m.c_u.size < ri.size


def _bounded_reference(G, k):
    """Louvain (networkx) on the cooccurs graph of the ``k`` concepts with a cooccurs edge
    that have the most papers (ties: IRI), made here independently of kg.query."""
    import networkx as nx

    edges = [(u, v, d["npmi"]) for u, v, key, d in G.edges(keys=True, data=True)
             if key == "cooccurs"]
    ends = sorted({n for u, v, _ in edges for n in (u, v)},
                  key=lambda n: (-G.nodes[n]["paper_count"], n))[:k]
    keep = set(ends)
    H = nx.Graph()
    kept = sorted((u, v, w) for u, v, w in edges if u in keep and v in keep)
    H.add_nodes_from(sorted({n for u, v, _ in kept for n in (u, v)}))
    H.add_weighted_edges_from(kept, weight="weight")
    comms = nx.community.louvain_communities(H, weight="weight", seed=0) if len(H) else []
    return H, sorted(sorted(c) for c in comms)


@pytest.mark.parametrize("k", [40, 300])
def test_communities_over_the_bound_are_those_of_the_most_frequent_concepts(arxiv_sample, sample_model, k):
    """A graph with more cooccurs concepts than the bound: the communities are networkx
    Louvain's on the bounded subgraph."""
    from kg.query import concept_communities

    papers, records, onto = arxiv_sample
    M = sample_model
    G = M.to_networkx()
    n_concepts = len({n for u, v, key in G.edges(keys=True) if key == "cooccurs" for n in (u, v)})
    assert n_concepts > k
    H, expected = _bounded_reference(G, k)
    assert 0 < len(H) <= k
    got = concept_communities(M, max_concepts=k)
    assert sorted(sorted(c) for c in got) == expected
    assert sum(map(len, got)) == len(H)
    assert len(concept_communities(M)) != 0  # unbounded: the whole graph
    assert sum(map(len, concept_communities(M))) == n_concepts


def test_build_statistics_run_louvain_on_the_bounded_graph_only(arxiv_sample, sample_model, monkeypatch):
    """graph_stats (summary.json, kg stats) never hands Louvain more than
    COMMUNITY_MAX_CONCEPTS concepts."""
    import networkx as nx

    import kg.query.stats as stats

    papers, records, onto = arxiv_sample
    M = sample_model
    G = M.to_networkx()
    louvain = nx.community.louvain_communities
    sizes = []

    def spy(H, **kwargs):
        sizes.append(H.number_of_nodes())
        return louvain(H, **kwargs)

    monkeypatch.setattr(stats, "COMMUNITY_MAX_CONCEPTS", 50)
    monkeypatch.setattr(nx.community, "louvain_communities", spy)
    a = stats.graph_stats(M)
    assert sizes and max(sizes) <= 50
    assert a["concept_communities"] == len(_bounded_reference(G, 50)[1])


def test_model_file_is_streamed_yet_equals_the_one_shot_archive(arxiv_sample, sample_model, tmp_path,
                                                                monkeypatch):
    """save_model encodes and compresses the strings piece by piece (flat memory), and
    writes the bytes np.savez wrote with the whole document made in one piece."""
    import gzip
    import json

    import numpy as np

    import kg.model.store as store

    papers, records, onto = arxiv_sample
    M = sample_model
    strings = {name: getattr(M, name) for name in store._MODEL_STRINGS}
    strings["format"] = store.MODEL_FORMAT
    blob = gzip.compress(json.dumps(strings, ensure_ascii=False).encode("utf-8"),
                         compresslevel=1, mtime=0)
    with open(tmp_path / "one-shot.npz", "wb") as fh:
        np.savez(fh, strings=np.frombuffer(blob, dtype=np.uint8),
                 **{name: getattr(M, name) for name in store._MODEL_ARRAYS})
    monkeypatch.setattr(store, "_JSON_SLICE", 50)  # many slices and zlib calls
    monkeypatch.setattr(store, "_ZLIB_PIECE", 10_000)
    streamed = store.save_model(M, tmp_path)
    assert streamed.read_bytes() == (tmp_path / "one-shot.npz").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.kg.npz", "one-shot.npz"]


def _degree_bounded(pairs: dict[tuple[int, int], float], n: int, top_k: int) -> dict:
    """The greedy degree bound, pair by pair: accept pairs from the highest weight down
    (ties by pair) while both papers have fewer than ``top_k`` links."""
    degree = [0] * n
    kept = {}
    for (i, j), w in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if degree[i] < top_k and degree[j] < top_k:
            degree[i] += 1
            degree[j] += 1
            kept[(i, j)] = w
    return kept


@pytest.mark.parametrize("seed", range(5))
def test_degree_bounded_arrays_accept_what_the_reference_accepts(seed):
    """The array version of the greedy degree bound keeps exactly the pairs of the
    reference (a dict of pairs, sorted by weight then pair), ties included."""
    import numpy as np

    from kg.model.links import degree_bounded_arrays

    rng = np.random.default_rng(seed)
    n, top_k = 60, 3
    pairs = {}
    for _ in range(400):
        i, j = sorted(rng.choice(n, 2, replace=False).tolist())
        pairs.setdefault((i, j), float(rng.choice([0.25, 0.5, 0.75, rng.random()])))
    keys = sorted(pairs)
    lo, hi, w = degree_bounded_arrays(np.array([k[0] for k in keys]),
                                       np.array([k[1] for k in keys]),
                                       np.array([pairs[k] for k in keys]), n, top_k)
    expected = sorted(_degree_bounded(pairs, n, top_k).items())
    assert list(zip(zip(lo.tolist(), hi.tolist()), w.tolist())) == expected


@pytest.mark.parametrize("seed", range(3))
def test_shared_concepts_in_blocks_equal_a_pair_by_pair_intersection(seed):
    import numpy as np
    import scipy.sparse as sp

    from kg.model.links import shared_concepts

    rng = np.random.default_rng(seed)
    X = sp.csr_matrix((rng.random((80, 40)) < 0.2).astype(np.float64))
    rank = rng.permutation(40)
    names = np.arange(100, 140)
    lo = rng.integers(0, 80, 300)
    hi = rng.integers(0, 80, 300)
    got = shared_concepts(X, lo, hi, rank, 5, names=names, block=7)
    for t, (i, j) in enumerate(zip(lo.tolist(), hi.tolist())):
        common = np.intersect1d(X[i].indices, X[j].indices)
        best = names[common[np.argsort(rank[common])]][:5].tolist()
        assert got[t].tolist() == best + [-1] * (5 - len(best))


def test_vectorized_rounding_equals_pythons_round():
    """Published NPMI and similarity weights are Python's round(v, 6); the vectorized
    version agrees on random values and on values at and around every kind of half."""
    import numpy as np

    from kg.model.links import round6

    rng = np.random.default_rng(0)
    halves = (np.arange(-200_000, 200_000) + 0.5) / 1e6
    values = np.concatenate([rng.uniform(-1, 1, 300_000), rng.uniform(0, 1e-5, 50_000),
                             halves, np.nextafter(halves, 2), np.nextafter(halves, -2),
                             [0.0, -0.0, 1.0, -1.0, 1e-12]])
    assert round6(values).tolist() == [round(v, 6) for v in values.tolist()]


def test_node_lookup_by_bisection_and_by_table_agree():
    """A built model's IRI lists are sorted and searched by bisection; a model whose
    lists are not sorted falls back to a table, with the same answers."""
    M = GraphModel.build(fx.papers(), fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)
    nodes = [*M.author_iris, *M.concept_iris, *M.paper_iris]
    found = [M.kind_index(n) for n in nodes]
    assert isinstance(M._index, tuple)  # bisection: no table of every node
    assert all(f is not None and nodes[i] in M for i, f in enumerate(found))
    assert M.kind_index("https://w3id.org/paper-kg/concept/no-such") is None
    M.concept_iris = list(reversed(M.concept_iris))
    M._index = None
    M.kind_index(nodes[0])
    assert isinstance(M._index, dict)
    for kind, iris in (("concept", M.concept_iris), ("paper", M.paper_iris)):
        assert [M.kind_index(x) for x in iris] == [(kind, k) for k in range(len(iris))]


@pytest.mark.parametrize("block", [3, 16384])
def test_model_of_a_papers_file_keeps_abstracts_on_disk_and_equals_the_in_memory_one(
        arxiv_sample, tmp_path, monkeypatch, block):
    """kg build hands the model papers.jsonl: the abstracts stay in the file (read back by
    offset), authors are kept as numbers, mentions are ordered a few rows at a time, and
    the model is the one built from the papers in memory, down to the saved bytes."""
    import random

    from kg.model import builder
    from kg.model.papers import PapersFile, TextColumn
    from kg.model.store import save_model, write_papers

    papers, records, onto = arxiv_sample
    shuffled = list(papers)
    random.Random(7).shuffle(shuffled)  # arrival order is not IRI order
    write_papers(tmp_path, shuffled)
    monkeypatch.setattr(builder, "MENTION_BLOCK_ROWS", block)
    on_disk = GraphModel.build(PapersFile(tmp_path / "papers.jsonl"), records, onto)
    in_memory = GraphModel.build(papers, records, onto)
    assert isinstance(on_disk.abstracts, TextColumn) and isinstance(in_memory.abstracts, list)
    assert on_disk.abstracts == in_memory.abstracts
    assert on_disk.abstracts[-1] == in_memory.abstracts[-1] != ""
    assert _snapshot(on_disk.to_networkx()) == _snapshot(in_memory.to_networkx())
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    assert save_model(on_disk, a).read_bytes() == save_model(in_memory, b).read_bytes()


def test_authors_are_named_by_their_smallest_spelling_on_the_papers_kept():
    """Two spellings of one author (same IRI) on a paper: one edge, the smaller name; the
    authors of a paper given twice are those of its last version only."""
    from kg.iris import author_iri

    papers = [
        {"id": "p1", "title": "A", "abstract": "", "authors": ["Ann  Lee", "ann lee", "Bo"]},
        {"id": "p2", "title": "B", "abstract": "", "authors": ["Zed"]},
        {"id": "p2", "title": "B", "abstract": "", "authors": ["Bo", "Cy"]},
    ]
    M = GraphModel.build(papers, [])
    assert M.author_iris == sorted(author_iri(n) for n in ("Ann Lee", "Bo", "Cy"))
    assert dict(zip(M.author_iris, M.author_names))[author_iri("Ann Lee")] == "Ann Lee"
    G = M.to_networkx()
    assert [(v, d["position"]) for _, v, k, d in G.out_edges(paper_iri("p1"), keys=True, data=True)
            if k == "author"] == [(author_iri("Ann Lee"), 1), (author_iri("Bo"), 3)]
    assert {v for _, v, k in G.out_edges(paper_iri("p2"), keys=True) if k == "author"} == \
        {author_iri("Bo"), author_iri("Cy")}


def test_a_record_without_a_line_in_the_papers_file_keeps_its_own_abstract(tmp_path):
    from kg.model.papers import PapersFile
    from kg.model.store import write_papers
    from kg.types import Paper

    write_papers(tmp_path, [Paper(id="p1", title="One", abstract="Grokking here.")])
    recs = [{"id": pid, "title": pid.upper(), "abstract": f"{pid}: we study grokking.",
             "concepts": [{"iri": CONCEPT_BASE + "grokking", "label": "grokking",
                           "source": "ontology", "mentions": [
                               {"field": "abstract", "start": 0, "end": 8, "text": "grokking",
                                "sentence": "we study grokking."}]}]}
            for pid in ("p0", "p1", "p2")]
    M = GraphModel.build(PapersFile(tmp_path / "papers.jsonl"), recs)
    assert list(M.abstracts) == ["p0: we study grokking.", "Grokking here.",
                                 "p2: we study grokking."]
    G = M.to_networkx()
    assert G.nodes[paper_iri("p2")]["abstract"] == "p2: we study grokking."
    # p1's record text differs from its paper's: not found there, the sentence is kept
    assert G.edges[paper_iri("p1"), CONCEPT_BASE + "grokking", "mentions"]["evidence"] == \
        ("we study grokking.",)


def test_a_papers_file_changed_under_the_model_is_a_clear_error(tmp_path):
    from kg.model.papers import PapersFile
    from kg.model.store import write_papers
    from kg.types import Paper

    write_papers(tmp_path, [Paper(id="p1", title="One", abstract="A long abstract.")])
    M = GraphModel.build(PapersFile(tmp_path / "papers.jsonl"), [])
    (tmp_path / "papers.jsonl").write_text("{}\n" * 3, encoding="utf-8")
    with pytest.raises(GraphError, match="papers.jsonl: unreadable paper at byte 0"):
        M.abstracts[0]


@pytest.mark.parametrize("block", [64, 256])
def test_similarity_search_in_two_processes_gives_the_same_model(arxiv_sample, monkeypatch,
                                                                  block):
    """kg build --jobs 2: a forked child takes the second half of the similarity blocks."""
    import numpy as np

    from kg.model import links

    papers, records, onto = arxiv_sample
    monkeypatch.setattr(links, "SIMILAR_BLOCK_ROWS", block)
    one = GraphModel.build(papers, records, onto)
    two = GraphModel.build(papers, records, onto, jobs=2)
    assert one.s_u.size > 1000
    for name in ("s_u", "s_v", "s_weight", "s_shared"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name


def test_similarity_search_in_two_processes_on_the_demo_corpus(monkeypatch):
    from kg.model import links
    from kg.build.engine import extract_records
    from kg.ingest import read_inputs
    from kg.ontology import load_ontology
    from kg.build.pipeline import DEMO_CORPUS

    papers = list(read_inputs([DEMO_CORPUS]).papers)
    records = list(extract_records(papers))
    monkeypatch.setattr(links, "SIMILAR_BLOCK_ROWS", 8)
    one = GraphModel.build(papers, records, load_ontology()).to_networkx()
    two = GraphModel.build(papers, records, load_ontology(), jobs=2).to_networkx()
    assert sum(1 for *_, k in one.edges(keys=True) if k == "similar") > 20
    assert _snapshot(one) == _snapshot(two)
