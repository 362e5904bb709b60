"""kg sparql / kg serve / kg push on the demo build, against a real Oxigraph server."""
from __future__ import annotations

import csv
import http.server
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.iris import NAMED_GRAPHS
from kg.sparql import labels_of, query, query_text
from kg.sparql.saved import SAVED_QUERIES
from kg.sparql.server import oxigraph_binary
from kg.sparql.store import (STORE_DIR, make_store, open_store, store_has_named_graphs,
                             store_is_current)

#: Arguments of each saved query on the demo corpus.
ARGS = {"papers-about": ["parameter-efficient fine-tuning"], "cooccurring": ["NTK"],
        "papers-linking": ["neural tangent kernel", "over-parameterization"],
        "new-concepts-per-month": [], "top-concepts": [], "concept": ["lora"],
        "evidence": ["t-1953c226a35ea7ec", "lora"], "community": ["NTK"]}


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def build(demo_build, tmp_path_factory) -> Path:
    """A copy of the demo build (the store is written into the build directory)."""
    out = tmp_path_factory.mktemp("sparql") / "kg-out"
    shutil.copytree(demo_build, out)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _post_query(url: str, text: str, accept: str = "text/csv") -> tuple[int, str]:
    request = urllib.request.Request(url, data=text.encode("utf-8"), method="POST", headers={
        "Content-Type": "application/sparql-query", "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _local_csv(build: Path, name: str) -> list[list[str]]:
    result = run("sparql", name, *ARGS[name], "--graph", build, "--format", "csv")
    assert result.exit_code == 0, result.output
    return _csv_rows(result.output)


# ----------------------------------------------------------------------------- kg sparql


def test_every_saved_query_answers_on_the_demo_build(build):
    assert {q.name for q in SAVED_QUERIES} == set(ARGS)
    for q in SAVED_QUERIES:
        rows = query(build, q.name, *ARGS[q.name])
        # the demo page gives no dates: nothing is new in any month
        assert rows or q.name == "new-concepts-per-month", f"{q.name} found nothing"
    assert (build / STORE_DIR).is_dir() and store_is_current(build)


def test_new_concepts_per_month_count_each_concept_once_at_its_first_paper():
    from kg.query import concept_trend
    from tests.conftest import FIXTURES, load_module

    fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_sparql")
    M = fx.model()
    rows = query(M, "new-concepts-per-month")
    firsts: dict[str, int] = {}
    for iri in M.concept_iris:
        months = [m for m, n in concept_trend(M, iri) if m and n]
        if months:
            firsts[months[0]] = firsts.get(months[0], 0) + 1
    assert rows and {r["month"]: r["new"] for r in rows} == firsts


def test_papers_about_a_concept_include_its_narrower_concepts(build):
    from kg.model.store import load_model
    from kg.query import concept_summary

    M = load_model(build)
    rows = query(build, "papers-about", "PEFT")
    via = {r["via"] for r in rows}
    assert "LoRA" in via and "parameter-efficient fine-tuning" in via
    lora = {p["id"] for p in concept_summary(M, "LoRA", papers=1000)["papers"]}
    found = {r["paper"].rsplit("/", 1)[1] for r in rows}
    assert lora and lora <= found


def test_concepts_are_named_by_label_acronym_or_iri_in_any_case(build):
    by_acronym = query(build, "concept", "ntk")
    by_label = query(build, "concept", "Neural Tangent Kernel")
    by_iri = query(build, "concept", "https://w3id.org/paper-kg/concept/neural-tangent-kernel")
    assert by_acronym == by_label == by_iri and by_iri[0]["label"] == "neural tangent kernel"


def test_cooccurring_concepts_are_found_in_either_direction(build):
    rows = query(build, "cooccurring", "NTK")
    labels = [r["label"] for r in rows]
    counts = [r["papers"] for r in rows]
    assert counts == sorted(counts, reverse=True) and all(n >= 1 for n in counts)
    # a partner stored before NTK (smaller IRI) and one after are both there
    iris = [r["other"] for r in rows]
    ntk = "https://w3id.org/paper-kg/concept/neural-tangent-kernel"
    assert any(i < ntk for i in iris) and any(i > ntk for i in iris), labels
    # the same counts as the plain join of the links with the papers of both concepts
    plain = query(build, f"""SELECT ?other (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{
        <{ntk}> <https://w3id.org/paper-kg/vocab#cooccursWith> ?other .
        ?paper <http://purl.org/dc/terms/subject> <{ntk}>, ?other }} GROUP BY ?other""")
    assert {r["other"]: r["papers"] for r in rows} == {r["other"]: r["papers"] for r in plain}


def test_evidence_gives_each_sentence_and_its_place_in_the_field(build):
    from kg.model.store import load_model

    M = load_model(build)
    paper, concept = ARGS["evidence"]
    k = M.paper_ids.index(paper)
    rows = query(build, "evidence", paper, concept)
    texts = {"abstract": M.abstracts[k], "title": M.titles[k]}
    assert rows
    for r in rows:
        assert texts[r["field"]][r["start"]:r["end"]] == r["sentence"]
    view = M.view()
    lora = "https://w3id.org/paper-kg/concept/lora"
    assert {r["sentence"] for r in rows} == set(
        view._adj[M.paper_iris[k]][lora]["mentions"]["evidence"])


def test_community_lists_the_top_concepts_of_a_concepts_community(build):
    from kg.model.store import load_model

    M = load_model(build)
    ntk = M.concept_iris.index("https://w3id.org/paper-kg/concept/neural-tangent-kernel")
    number = M.concept_attrs[ntk]["community"]
    rows = query(build, "community", "NTK")
    assert rows == query(build, "community", str(number))
    assert {r["community"] for r in rows} == {number}
    members = {M.concept_iris[k] for k, a in enumerate(M.concept_attrs)
               if a.get("community") == number}
    assert {r["concept"] for r in rows} <= members and len(rows) == min(25, len(members))
    papers = [r["papers"] for r in rows]
    assert papers == sorted(papers, reverse=True)


def test_saved_paper_lists_take_a_limit(build):
    everything = query(build, "papers-about", "PEFT")
    assert len(everything) > 2
    assert query(build, "papers-about", "PEFT", limit=2) == everything[:2]
    result = run("sparql", "papers-about", "PEFT", "--limit", "1", "--graph", build,
                 "--format", "csv")
    assert result.exit_code == 0 and len(_csv_rows(result.output)) == 2
    result = run("sparql", "top-concepts", "--limit", "1", "--graph", build)
    assert result.exit_code == 1 and "takes no limit" in result.output


@pytest.fixture(scope="module")
def dated_model():
    """The hand-made fixture graph with its papers on four dates (so papers tie on a
    date) and two undated."""
    from kg.model import GraphModel
    from tests.conftest import FIXTURES, load_module

    fx = load_module(FIXTURES / "graph" / "loader.py", "graph_fixture_loader_limits")
    papers = [dict(p, date=p["date"] and f"2025-0{1 + i % 4}-01")
              for i, p in enumerate(fx.papers())]
    return GraphModel.build(papers, fx.records(), fx.ontology(), **fx.BUILD_OPTIONS)


@pytest.mark.parametrize("name, args", [("papers-about", ["neural network"]),
                                        ("papers-linking", ["neural network", "transformer"])])
def test_a_limit_keeps_the_newest_papers_of_the_whole_list(dated_model, name, args):
    """The lists find the date of the last paper within the limit first, then sort only
    the papers from that date on: the same rows as sorting every paper."""
    everything = query(dated_model, name, *args, limit=10_000)
    dated = {r["paper"]: r["date"] for r in everything if r.get("date")}
    assert len(set(dated.values())) < len(dated)  # papers tie on a date
    assert name != "papers-about" or len(dated) < len({r["paper"] for r in everything})
    by_paper = sorted(everything, key=lambda r: (r["paper"], r.get("via", "")))
    assert everything == sorted(by_paper, key=lambda r: r.get("date") or "", reverse=True)
    for limit in range(1, len(everything) + 1):
        assert query(dated_model, name, *args, limit=limit) == everything[:limit], limit


def test_the_store_holds_the_union_unless_asked_for_named_graphs(build, tmp_path):
    copy = tmp_path / "kg-out"
    shutil.copytree(build, copy)
    make_store(copy)
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert not store_has_named_graphs(copy) and query(copy, graphs) == []
    union = query(copy, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    result = run("sparql", graphs, "--graph", copy, "--format", "csv")
    assert result.exit_code == 0 and "--named-graphs" in result.output  # a note, on stderr
    result = run("sparql", graphs, "--graph", copy, "--format", "csv", "--named-graphs")
    assert result.exit_code == 0 and "--named-graphs" not in result.output
    assert sorted(_csv_rows(result.output)[1:]) == [[g] for g in sorted(NAMED_GRAPHS)]
    assert store_has_named_graphs(copy)
    # later questions keep the store there is; both answer the same over the union
    assert query(copy, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == union
    assert store_has_named_graphs(copy)
    for q in SAVED_QUERIES:
        named_rows = query(copy, q.name, *ARGS[q.name])
        assert named_rows == query(open_store(copy, named_graphs=False), q.name,
                                   *ARGS[q.name]), q.name
    assert not store_has_named_graphs(copy)


def _older(build: Path, tmp_path: Path, how: str) -> Path:
    copy = tmp_path / f"old-{how}"
    shutil.copytree(build, copy)
    ttl = copy / "graph.ttl"
    text = ttl.read_text(encoding="utf-8")
    if how == "no-graphs":
        text = "".join(ln for ln in text.splitlines(True) if not ln.startswith("# graph: "))
    else:
        text = text.replace("kgv:rdfModelVersion 2", "kgv:rdfModelVersion 1")
    ttl.write_text(text, encoding="utf-8")
    return copy


@pytest.mark.parametrize("how", ["no-graphs", "model-1"])
def test_a_build_from_an_older_kg_is_told_to_rebuild(build, tmp_path, how):
    old = _older(build, tmp_path, how)
    for args in (["sparql", "top-concepts"], ["serve", "--port", str(_free_port())],
                 ["push", "--endpoint", "http://127.0.0.1:9/store"]):
        if how == "model-1" and args[0] == "push":
            continue  # push sends the file as it is; the store says what it holds
        result = run(*args, "--graph", old)
        assert result.exit_code == 1, (args, result.output)
        assert f"rebuild it with `kg build INPUT... -o {old}`" in result.output, result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not list(old.glob(f".{STORE_DIR}.tmp-*"))


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_result_formats_parse_back(build, fmt):
    result = run("sparql", "top-concepts", "--graph", build, "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.output
    if fmt == "csv":
        rows = _csv_rows(out)
        assert rows[0] == ["concept", "label", "papers"] and len(rows) == 26
    elif fmt == "tsv":
        lines = out.strip().split("\n")
        assert lines[0].split("\t") == ["?concept", "?label", "?papers"] and len(lines) == 26
    elif fmt == "json":
        doc = json.loads(out)
        assert doc["head"]["vars"] == ["concept", "label", "papers"]
        assert len(doc["results"]["bindings"]) == 25
    elif fmt == "xml":
        root = ET.fromstring(out)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(root.find(ns + "results").findall(ns + "result")) == 25
    else:
        lines = out.rstrip("\n").split("\n")
        assert lines[0].split() == ["concept", "label", "papers"] and set(lines[1]) <= {"-", " "}
        assert len(lines) == 27


def test_construct_and_ask(build):
    text = "CONSTRUCT { ?c a ?t } WHERE { ?c a ?t } LIMIT 5"
    result = run("sparql", text, "--graph", build)
    assert result.exit_code == 0 and result.output.count(" a ") >= 1
    nt = run("sparql", text, "--graph", build, "--format", "ntriples")
    assert len(nt.output.strip().splitlines()) == 5
    bad = run("sparql", text, "--graph", build, "--format", "csv")
    assert bad.exit_code == 1 and "turtle or ntriples" in bad.output
    assert query(build, "ASK { ?s a <http://www.w3.org/2004/02/skos/core#Concept> }") is True


def test_a_query_file_and_show(build, tmp_path):
    rq = tmp_path / "count.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", encoding="utf-8")
    rows = query(build, str(rq))
    assert rows[0]["n"] > 1000
    shown = run("sparql", "papers-about", "LoRA", "--show", "--graph", build)
    assert shown.exit_code == 0, shown.output
    assert "VALUES ?c { <https://w3id.org/paper-kg/concept/lora> }" in shown.output


def test_the_list_names_every_saved_query():
    result = run("sparql", "--list")
    assert result.exit_code == 0
    for q in SAVED_QUERIES:
        assert q.usage() in result.output and q.description in result.output


@pytest.mark.parametrize("args, message", [
    (["SELEC ?x WHERE { ?x ?y ?z }"], "SPARQL syntax error at line 1, column"),
    (["SELECT ?x\nWHERE { ?x ?y }"], "SPARQL syntax error at line 2, column"),
    (["SELECT ?x WHERE {"], "SPARQL syntax error at line 1, column 18: expected one of"),
    (["INSERT DATA { <urn:a> <urn:b> <urn:c> }"], "updates"),
    (["paper-about", "LoRA"], "did you mean: papers-about"),
    (["papers-linking", "LoRA"], "takes 2 arguments"),
    (["papers-about", "neural tangent kernal"], "did you mean: neural tangent kernel"),
    (["missing.rq"], "cannot read missing.rq"),
])
def test_bad_queries_are_one_line(build, args, message):
    result = run("sparql", *args, "--graph", build)
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_directory_that_is_not_a_build_is_one_line(tmp_path):
    result = run("sparql", "top-concepts", "--graph", tmp_path / "nope")
    assert result.exit_code == 1 and "build a graph first" in result.output
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "graph.kg.jsonl.gz").write_bytes(b"")
    result = run("sparql", "top-concepts", "--graph", tmp_path / "old")
    assert result.exit_code == 1 and "has no graph.ttl" in result.output
    assert not (tmp_path / "old" / STORE_DIR).exists()


def test_the_store_is_reused_and_remade_when_the_build_changes(build, tmp_path):
    copy = tmp_path / "kg-out"
    shutil.copytree(build, copy)
    open_store(copy)
    made = (copy / STORE_DIR).stat().st_mtime_ns
    open_store(copy)
    assert (copy / STORE_DIR).stat().st_mtime_ns == made  # reused
    ttl = copy / "graph.ttl"
    ttl.write_text(ttl.read_text(encoding="utf-8") +
                   "<urn:x> <urn:y> <urn:z> .\n", encoding="utf-8")
    assert not store_is_current(copy)
    assert query(copy, "ASK { <urn:x> <urn:y> <urn:z> }") is True
    assert not list(copy.glob(f".{STORE_DIR}.tmp-*"))


def test_the_python_api_takes_the_model_too(build):
    from kg.export.rdf import to_rdflib, to_store
    from kg.model.store import load_model

    M = load_model(build)
    assert query(M, "top-concepts") == query(build, "top-concepts")
    assert len(to_store(M)) == len(open_store(build))
    assert len(to_rdflib(M)) == len(open_store(build))


# ----------------------------------------------------------------------------- kg serve


@pytest.fixture(scope="module")
def served(build):
    """`kg serve` on the build, in its own process, on a free port."""
    oxigraph_binary()  # skips nothing: the binary ships with the oxigraph dependency
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--graph", str(build), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait(port, process)
        assert _servers_on(port), "kg serve did not start the Oxigraph server"
        yield f"http://127.0.0.1:{port}/query"
    finally:
        _stop(process)
    assert "Traceback" not in process.stderr.read()
    deadline = time.monotonic() + 10
    while _servers_on(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _servers_on(port), "the Oxigraph server outlived kg serve"


def _servers_on(port: int) -> list[str]:
    """Command lines of the Oxigraph servers bound to ``port`` (from /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if "serve-read-only" in text and f"127.0.0.1:{port}" in text:
            found.append(text)
    return found


def test_serve_answers_every_saved_query_as_kg_sparql(build, served):
    for q in SAVED_QUERIES:
        status, text = _post_query(served, query_text(q.name, ARGS[q.name], labels_of(build)))
        assert status == 200, text
        assert _csv_rows(text) == _local_csv(build, q.name), q.name


def test_serve_answers_sparqlwrapper_and_curl(served):
    SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
    sw = SPARQLWrapper.SPARQLWrapper(served)
    sw.setQuery(query_text("top-concepts"))
    sw.setReturnFormat(SPARQLWrapper.JSON)
    bindings = sw.query().convert()["results"]["bindings"]
    assert len(bindings) == 25 and bindings[0]["label"]["value"]
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    out = subprocess.run([curl, "-s", "-H", "Content-Type: application/sparql-query",
                          "-H", "Accept: text/csv", "--data", query_text("top-concepts"),
                          served], capture_output=True, text=True, timeout=60)
    assert _csv_rows(out.stdout)[1][1] == bindings[0]["label"]["value"]


def test_serve_refuses_updates(served):
    base = served.rsplit("/", 1)[0]
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    request = urllib.request.Request(base + "/update", data=update.encode(), method="POST",
                                     headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= info.value.code < 500
    status, _ = _post_query(served, "ASK { <urn:a> <urn:b> <urn:c> }", "application/json")
    assert status == 200


def test_serve_warns_when_asked_for_another_address(build, monkeypatch):
    import kg.sparql.server as server

    seen = {}
    monkeypatch.setattr(server, "serve", lambda d, **kw: seen.update(kw) or 0)
    result = CliRunner().invoke(cli, ["serve", "--graph", str(build), "--host", "0.0.0.0"])
    assert result.exit_code == 0 and seen["host"] == "0.0.0.0"
    assert "Warning: serving on 0.0.0.0" in result.output


# ----------------------------------------------------------------------------- kg push


@pytest.fixture(scope="module")
def store_server(tmp_path_factory):
    """A real, writable Oxigraph server on 127.0.0.1 (what `kg push` pushes into)."""
    location = tmp_path_factory.mktemp("oxigraph")
    port = _free_port()
    process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def test_push_twice_then_the_store_answers_as_kg_sparql(build, store_server):
    for _ in range(2):
        result = run("push", "--graph", build, "--endpoint", store_server + "/store", "-q")
        assert result.exit_code == 0, result.output
        for iri in NAMED_GRAPHS:  # named graph by named graph
            assert f"<{iri}>" in result.output
    count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    _, text = _post_query(store_server + "/query", count)
    local = query(open_store(build, named_graphs=True), count)
    assert [r["g"] for r in local] == sorted(NAMED_GRAPHS)
    assert _csv_rows(text)[1:] == [[r["g"], str(r["n"])] for r in local]
    for q in SAVED_QUERIES:
        text_of = query_text(q.name, ARGS[q.name], labels_of(build))
        status, text = _post_query(store_server + "/query", text_of)
        assert status == 200, text
        assert _csv_rows(text) == _local_csv(build, q.name), q.name


def test_push_in_small_chunks_leaves_the_same_triples(build, store_server):
    """A graph goes in requests cut between statements (PUT, then POSTs): pushed twice,
    in chunks of a few kilobytes, the store holds each graph as the build has it."""
    from kg.sparql.push import push, statement_chunks
    from kg.sparql.store import graph_sections

    ttl = build / "graph.ttl"
    _, sections = graph_sections(ttl)
    evidence = [s for s in sections if s[0].endswith("/evidence")][0]
    chunks = statement_chunks(ttl, evidence[1], evidence[2], chunk_bytes=4096)
    assert len(chunks) > 10 and chunks[0][0] == evidence[1] and chunks[-1][1] == evidence[2]
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    for _ in range(2):
        assert push(ttl, store_server + "/store", chunk_bytes=4096) == list(NAMED_GRAPHS)
    count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    _, text = _post_query(store_server + "/query", count)
    local = query(open_store(build, named_graphs=True), count)
    assert _csv_rows(text)[1:] == [[r["g"], str(r["n"])] for r in local]


def test_push_into_another_named_graph(build, store_server):
    iri = "https://example.org/graphs/reading-list"
    result = run("push", "--graph", build, "--endpoint", store_server + "/store",
                 "--graph-iri", iri, "-q")
    assert result.exit_code == 0, result.output
    ask = f"ASK {{ GRAPH <{iri}> {{ ?s a <http://www.w3.org/2004/02/skos/core#Concept> }} }}"
    _, text = _post_query(store_server + "/query", ask, "application/json")
    assert json.loads(text)["boolean"] is True


class _Refusing(http.server.BaseHTTPRequestHandler):
    status = 401

    def do_PUT(self):  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"internal trouble\n")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("status, message", [(401, "refused the push (HTTP 401)"),
                                             (500, "answered HTTP 500")])
def test_push_to_a_store_that_refuses_or_fails_is_one_line(build, status, message):
    handler = type("Handler", (_Refusing,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}/store"
        result = run("push", "--graph", build, "--endpoint", endpoint, "--user", "u",
                     "--password", "p", "-q")
    finally:
        server.shutdown()
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_push_to_nothing_and_conflicting_options(build):
    result = run("push", "--graph", build, "--endpoint", f"http://127.0.0.1:{_free_port()}/store")
    assert result.exit_code == 1 and "connection refused" in result.output
    result = run("push", "--graph", build, "--endpoint", "http://x/store", "--default-graph",
                 "--graph-iri", "urn:g")
    assert result.exit_code == 2 and "give one" in result.output
    result = run("push", "--graph", build, "--endpoint", "http://x/store", "--token", "t",
                 "--user", "u")
    assert result.exit_code == 2 and "not both" in result.output


def test_the_example_queries_of_the_ontology_page_answer(build):
    from kg.ontology import ontology_files

    page = (Path(ontology_files()[0]).parent / "README.md").read_text(encoding="utf-8")
    examples = [block.split("```", 1)[0] for block in page.split("```sparql\n")[1:]]
    assert len(examples) == 3
    store = open_store(build, named_graphs=True)  # one example asks a named graph
    for text in examples:
        assert query(store, text), text
