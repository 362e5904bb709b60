"""Query commands over a built graph: ``kg stats``, ``concept``, ``related``, ``path``,
``communities``, ``suggest``.

Each reads the graph that ``kg build -o DIR`` wrote (``--graph DIR``, default ``kg-out``)
and prints a plain-text table, or JSON with ``--json`` for scripts. Unknown papers or
concepts raise :class:`kg.errors.NotFoundError`, which the ``kg`` group shows as a one-line
message with close matches.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import click

DEFAULT_GRAPH = "kg-out"

graph_option = click.option(
    "--graph", "graph_dir", type=click.Path(path_type=Path), default=DEFAULT_GRAPH,
    show_default=True, metavar="DIR", help="Build directory written by `kg build -o DIR`.",
)
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON (for scripts) instead of a table.")


def _load(graph_dir: Path):
    """The graph model of a build (``graph.kg.npz``), which every query answers from."""
    from kg.model.store import load_model

    return load_model(graph_dir)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _width() -> int:
    """Terminal width for tables; wide when the output goes to a file or a pipe."""
    if not sys.stdout.isatty():
        return 200
    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 200))


def _cut(text: Any, width: int) -> str:
    text = " ".join(str("" if text is None else text).split())
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, flex: int = -1) -> str:
    """Left-aligned columns; column ``flex`` is shortened to fit the terminal."""
    rows = [[("" if v is None else str(v)) for v in row] for row in rows]
    if not rows:
        return "  (none)"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    flex = flex % len(headers)
    others = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (len(headers) - 1) + 2
    widths[flex] = max(len(headers[flex]), min(widths[flex], _width() - others))
    lines = ["  " + "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    for r in rows:
        cells = [_cut(v, widths[i]).ljust(widths[i]) for i, v in enumerate(r)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


# ----------------------------------------------------------------------------- stats


@click.command("stats")
@graph_option
@json_option
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many top concepts to list.")
def stats(graph_dir: Path, as_json: bool, top: int) -> None:
    """Counts of a built graph: nodes, edges, top concepts, communities, dates.

    \b
    Example:
      kg stats --graph kg-out
      kg stats --json | jq .nodes
    """
    from kg.query import graph_stats

    graph = _load(graph_dir)
    s = graph_stats(graph, top=top, communities=False)
    s["concept_communities"] = _built_communities(graph_dir, s)
    if s["concept_communities"] is None:  # not the build's summary: count them (Louvain)
        s["concept_communities"] = graph_stats(graph, top=0)["concept_communities"]
    if as_json:
        _echo_json(s)
        return
    click.echo(f"Graph in {graph_dir}/")
    click.echo("Nodes:  " + ", ".join(f"{v} {k}s" for k, v in s["nodes"].items()))
    click.echo("Edges:  " + ", ".join(f"{v} {k}" for k, v in s["edges"].items()))
    click.echo("Concepts by source:  " + ", ".join(f"{v} {k}" for k, v in s["concepts"].items()))
    d = s["dates"]
    click.echo(f"Dates:  {d['first'] or '-'} to {d['last'] or '-'} ({d['undated']} undated)")
    click.echo(f"Concept communities:  {s['concept_communities']}  (`kg communities` lists "
               "them)")
    click.echo(f"Papers without concepts:  {s['papers_without_concepts']}")
    click.echo("\nTop concepts:")
    click.echo(_table(["papers", "concept", "iri"],
                      ([c["paper_count"], c["label"], c["iri"]] for c in s["top_concepts"]),
                      flex=2))


def _built_communities(graph_dir: Path, stats: dict[str, Any]) -> int | None:
    """The concept community count the build wrote to summary.json, if that summary
    describes this graph: the same kg version, node and edge counts. (Louvain is the slow
    part of the statistics: at 75 k papers kg stats took 7.6 s with it, 1.6 s without.)"""
    from kg import __version__
    from kg.errors import GraphError
    from kg.model.store import load_summary

    try:
        summary = load_summary(graph_dir)
    except (GraphError, OSError, ValueError):
        return None
    built = summary.get("graph") if isinstance(summary, dict) else None
    if (not isinstance(built, dict) or summary.get("kg_version") != __version__
            or built.get("nodes") != stats["nodes"] or built.get("edges") != stats["edges"]):
        return None
    count = built.get("concept_communities")
    return count if isinstance(count, int) else None


# ----------------------------------------------------------------------------- concept


@click.command("concept")
@click.argument("name")
@graph_option
@json_option
@click.option("--limit", type=click.IntRange(1, 10000), default=20, show_default=True,
              help="Most papers and neighbours listed.")
@click.option("--freq", type=click.Choice(["month", "week"]), default="month",
              show_default=True, help="Period of the trend.")
@click.option("--include-narrower/--no-include-narrower", default=True, show_default=True,
              help="Count and list the papers of the narrower concepts too (QLoRA's "
                   "papers under LoRA), with the split shown.")
def concept(name: str, graph_dir: Path, as_json: bool, limit: int, freq: str,
            include_narrower: bool) -> None:
    """Show a concept: definition, papers with their evidence, neighbours, hierarchy, trend.

    NAME is a label, an alternative label or acronym (any case), or the concept IRI. Each
    paper is shown with its link and the sentence that names the concept. A concept of the
    ontology that no paper of this graph mentions is shown as such.

    \b
    Example:
      kg concept NTK --graph kg-out
      kg concept "low-rank adaptation" --json
      kg concept PEFT --no-include-narrower
    """
    from kg.errors import NotFoundError
    from kg.ontology import load_ontology
    from kg.query import concept_summary

    M = _load(graph_dir)
    try:
        s = concept_summary(M, name, papers=limit, neighbours=limit, freq=freq,
                            include_narrower=include_narrower, ontology=load_ontology())
    except NotFoundError as exc:
        raise _with_paper_hint(M, name, exc) from None
    if as_json:
        _echo_json(s)
        return
    click.echo(f"{s['label']}  [{s['type'] or 'concept'}, {s['source']}]")
    if s["definition"]:
        click.echo("  " + s["definition"])
    click.echo("  " + _paper_count_line(s))
    if s["alt_labels"]:
        more = len(s["alt_labels"]) - _SPELLINGS
        click.echo("  also: " + ", ".join(s["alt_labels"][:_SPELLINGS])
                   + (f" (+{more} more with --json)" if more > 0 else ""))
    click.echo(f"  {s['iri']}")
    total = s["rollup"]["total"] if s["rollup"] else s["paper_count"]
    if s["papers"]:
        click.echo(f"\nPapers ({total}, {len(s['papers'])} shown):")
        for p in s["papers"]:
            via = f"  [via {p['via']}]" if p["via"] else ""
            click.echo(f"  {p['id']}  {p['date'] or '-'}  {_cut(p['title'], _width() - 40)}{via}")
            if p["link"]:
                click.echo(f"      {p['link']}")
            if p["evidence"]:
                click.echo(f"      \"{_cut(p['evidence'], _width() - 8)}\"")
    if s["in_graph"]:
        click.echo("\nCo-occurring concepts:")
        click.echo(_table(["npmi", "papers", "concept"],
                          ([f"{c['npmi']:.2f}", c["support"], c["label"]] for c in s["cooccurs"])))
    click.echo("\nBroader:  " + (", ".join(b["label"] for b in s["broader"]) or "-"))
    click.echo("Narrower:  " + (", ".join(n["label"] for n in s["narrower"]) or "-"))
    if not s["trend"]:
        return
    click.echo(f"\nTrend ({freq}, {s['label']} itself):")
    peak = max((n for _, n in s["trend"]), default=0) or 1
    for period, n in s["trend"]:
        bar = "#" * max(0, round(30 * n / peak))
        click.echo(f"  {period or 'undated':>8}  {n:>5}  {bar}")


#: spellings ``kg concept`` shows (``--json`` has them all)
_SPELLINGS = 3
#: narrower concepts named in the paper-count line
_SPLIT_SHOWN = 5


def _paper_count_line(s: dict[str, Any]) -> str:
    """"198 papers: 75 LoRA itself, 123 via narrower concepts: QLoRA 12, ..." (or less)."""
    if not s["in_graph"]:
        line = "known concept, 0 papers in this graph"
        r = s["rollup"]
        if r and r["total"]:
            line += f"; {_papers(r['total'])} via narrower concepts: " + _split(r)
        return line
    r = s["rollup"]
    if not r or not r["via_narrower"]:
        return _papers(s["paper_count"])
    return (f"{_papers(r['total'])}: {r['own']} {s['label']} itself, {r['via_narrower']} via "
            f"narrower concepts: " + _split(r))


def _split(rollup: dict[str, Any]) -> str:
    """The narrower concepts that bring papers, with how many each adds (they sum up)."""
    adding = [n for n in rollup["narrower"] if n["added"]]
    adding.sort(key=lambda n: -n["added"])  # stable: ties keep the papers order
    named = [f"{n['label']} {n['added']}" for n in adding[:_SPLIT_SHOWN]]
    return ", ".join(named) + (", …" if len(adding) > _SPLIT_SHOWN else "")


def _papers(n: int) -> str:
    return f"{n} paper" if n == 1 else f"{n} papers"


def _with_known_concept_hint(name: str, exc):
    """``exc``, saying so when NAME is an ontology concept no paper of the graph mentions."""
    from kg.errors import NotFoundError
    from kg.ontology import load_ontology

    ontology = load_ontology()
    known = ontology.find(name) or ([ontology.get(name)] if ontology.get(name) else [])
    if not known:
        return exc
    named = "" if known[0].label == name else f" ({known[0].label})"
    hint = NotFoundError(f"{name!r} is a known concept{named}, 0 papers in this graph")
    hint.suggestions = getattr(exc, "suggestions", [])
    return hint


def _with_paper_hint(M, name: str, exc):
    """``exc``, saying so when NAME is a word of a paper title (a method a paper names)."""
    from kg.errors import NotFoundError
    from kg.query import resolve_paper

    try:
        iri = resolve_paper(M, name)
    except NotFoundError:
        return exc
    k = M.paper_iris.index(iri)
    hint = NotFoundError(f"{exc}; {name!r} names the paper {M.paper_ids[k]} "
                         f"({M.titles[k]!r}): see `kg related {M.paper_ids[k]}`")
    hint.suggestions = getattr(exc, "suggestions", [])
    return hint


# ----------------------------------------------------------------------------- related


@click.command("related")
@click.argument("paper")
@graph_option
@json_option
@click.option("--top", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="How many related papers.")
def related(paper: str, graph_dir: Path, as_json: bool, top: int) -> None:
    """Papers most similar to PAPER, with the shared concepts that explain each link.

    PAPER is a paper id (arXiv id with or without version, DOI, ...), its IRI or its title.
    For each shared concept the sentences of both papers that name it are shown.

    \b
    Example:
      kg related 2509.04664 --top 5 --graph kg-out
    """
    from kg.query import node_attrs, paper_link, related_papers, resolve_paper

    G = _load(graph_dir)
    iri = resolve_paper(G, paper)
    rows = related_papers(G, iri, top=top)
    attrs = node_attrs(G, iri)
    if as_json:
        _echo_json({"paper": {"id": attrs.get("id"), "iri": iri, "title": attrs.get("title"),
                              "link": paper_link(G, G.paper_iris.index(iri))},
                    "related": rows})
        return
    click.echo(f"{attrs.get('id')}  {attrs.get('title')}")
    if not rows:
        click.echo("  no similar papers (it shares no specific concept with another paper)")
        return
    for i, r in enumerate(rows, 1):
        click.echo(f"\n{i}. {r['weight']:.3f}  {r['id']}  {_cut(r['title'], _width() - 30)}")
        if r["link"]:
            click.echo(f"   {r['link']}")
        for e in r["evidence"][:_SHARED_SHOWN]:
            click.echo(f"   shared {e['label']}:")
            click.echo(f"     this:  \"{_cut(e['paper'] or '-', _width() - 14)}\"")
            click.echo(f"     that:  \"{_cut(e['other'] or '-', _width() - 14)}\"")


#: shared concepts ``kg related`` shows per paper, each with its two sentences
_SHARED_SHOWN = 3


# ----------------------------------------------------------------------------- path


@click.command("path")
@click.argument("a")
@click.argument("b")
@graph_option
@json_option
def path(a: str, b: str, graph_dir: Path, as_json: bool) -> None:
    """How A and B are connected, every step explained.

    A and B are paper ids or concept names (labels, acronyms, IRIs). The path prefers
    specific links: a shared paper, a specific co-occurring or shared broader concept;
    going through a concept costs more the more papers mention it.

    \b
    Example:
      kg path NTK LoRA --graph kg-out
      kg path 2509.04664 "scaling law"
    """
    from kg.errors import NotFoundError
    from kg.query import resolve_node, shortest_path

    M = _load(graph_dir)
    for name in (a, b):
        try:
            resolve_node(M, name)
        except NotFoundError as exc:
            raise _with_known_concept_hint(name, exc) from None
    steps = shortest_path(M, a, b)
    if as_json:
        _echo_json({"steps": steps})
        return
    if not steps:
        click.echo("A and B are the same node.")
        return
    click.echo(f"{steps[0]['from_label']}  →  {steps[-1]['to_label']}  ({len(steps)} steps)")
    for i, s in enumerate(steps, 1):
        click.echo(f"  {i}. [{s['relation']}] {s['explanation']}")


# ----------------------------------------------------------------------------- communities


@click.command("communities")
@graph_option
@json_option
@click.option("--top", type=click.IntRange(1, 100000), default=20, show_default=True,
              help="Most communities listed (largest first).")
@click.option("--papers", "n_papers", type=click.IntRange(0, 1000), default=3,
              show_default=True, help="Top papers listed per community.")
def communities(graph_dir: Path, as_json: bool, top: int, n_papers: int) -> None:
    """Communities of co-occurring concepts, each with a name, its size and top papers.

    A community is a Louvain community of the concepts' co-occurrence graph; it is named by
    its three concepts with the most papers. Community 0 is the largest (most concepts),
    ties by name; the numbers are those exports give each concept node.

    \b
    Example:
      kg communities --graph kg-out --top 5
      kg communities --json | jq '.[0].name'
    """
    from kg.query import community_table

    rows = community_table(_load(graph_dir), top_papers=n_papers)
    if as_json:
        _echo_json(rows[:top])
        return
    click.echo(f"{len(rows)} concept communities in {graph_dir}/"
               + (f" ({top} largest shown)" if len(rows) > top else ""))
    for r in rows[:top]:
        click.echo(f"\n#{r['id']}  {r['name']}  ({r['concepts']} concepts, {r['papers']} papers)")
        click.echo("  concepts: " + _cut(", ".join(f"{c['label']} {c['paper_count']}"
                                                    for c in r["top_concepts"]), _width() - 12))
        for p in r["top_papers"]:
            click.echo(f"  {p['id']}  {_cut(p['title'], _width() - 24)}")


# ----------------------------------------------------------------------------- suggest


@click.command("suggest")
@graph_option
@json_option
@click.option("--min-papers", type=click.IntRange(1, None), default=3, show_default=True,
              help="Fewest papers a term must appear in.")
@click.option("--top", type=click.IntRange(1, 100000), default=50, show_default=True,
              help="Most terms listed.")
@click.option("--order", type=click.Choice(["named", "papers"]), default="named",
              show_default=True,
              help="named: terms papers define with an acronym first, then the rest, each "
                   "by papers; papers: by papers alone.")
def suggest(graph_dir: Path, as_json: bool, min_papers: int, top: int, order: str) -> None:
    """Frequent discovered terms the ontology lacks: candidates for ontology/*.ttl.

    Reads the extraction records of the build (extractions.jsonl.gz) when present, so terms
    below the graph's own threshold are seen too; otherwise the discovered concepts of the
    graph. Terms the current ontology already names are left out. Terms that papers define
    with an acronym come first (--order named), as authors name the concepts they mean.

    \b
    Example:
      kg suggest --min-papers 5 --graph kg-out
    """
    from kg.extract.suggest import rank_suggestions

    rows = rank_suggestions(_suggestions(graph_dir, min_papers), order)[:top]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo(f"No discovered term in {min_papers} or more papers.")
        return
    click.echo(_table(["papers", "term", "also", "example"],
                      ([r["papers"], r["label"], ", ".join(r["alt_labels"][:3]),
                        (r["examples"] or [""])[0]] for r in rows), flex=3))


def _recurring_terms(records: Path, min_papers: int) -> set[str] | None:
    """:func:`kg.extract.suggest.recurring_terms` of an extraction file (gzip or not)."""
    import gzip

    from kg.errors import GraphError
    from kg.extract.suggest import recurring_terms

    opener = gzip.open if str(records).endswith(".gz") else open
    try:
        with opener(records, "rt", encoding="utf-8") as fh:
            return recurring_terms(fh, min_papers)
    except (OSError, EOFError, ValueError) as exc:  # damaged gzip, truncated file
        raise GraphError(f"{records}: unreadable ({exc}); rebuild it with kg build") from exc


def _suggestions(graph_dir: Path, min_papers: int) -> list[dict[str, Any]]:
    """Rows ``{iri, label, alt_labels, papers, examples}`` (ranked by the caller)."""
    from kg.model.papers import read_jsonl
    from kg.model.store import extractions_path

    records = extractions_path(graph_dir)
    if records is not None:
        from kg.extract.suggest import suggest_terms
        from kg.ontology import load_ontology

        # two streamed passes: the recurring terms (a regex over the text), then the
        # records one at a time, keeping details of those terms only
        only = _recurring_terms(records, min_papers)
        terms = suggest_terms(read_jsonl(records), load_ontology(), min_papers=min_papers,
                              only=only)
        return [{"iri": t["iri"], "label": t["label"], "alt_labels": list(t.get("alt_labels", ())),
                 "papers": t["papers"], "examples": list(t.get("examples", ()))} for t in terms]
    from kg.query import discovered_concepts
    from kg.ontology import load_ontology

    G = _load(graph_dir)
    ontology = load_ontology()
    rows = discovered_concepts(G, min_papers=min_papers, top=None)
    return [{"iri": r["iri"], "label": r["label"], "alt_labels": r["alt_labels"],
             "papers": r["paper_count"],
             "examples": [f"paper {pid}" for pid in r["examples"]]}
            for r in rows if not ontology.find(r["label"])]


COMMANDS = [stats, concept, related, path, communities, suggest]
