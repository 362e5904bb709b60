"""``kg sparql``, ``kg serve`` and ``kg push``: SPARQL over a built graph (thin wrappers
over :mod:`kg.sparql`)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from kg.cli.query_cmd import DEFAULT_GRAPH

named_graphs_option = click.option(
    "--named-graphs", is_flag=True,
    help="Keep each of the build's graphs (ontology, papers, evidence, links, build) in its "
         "named graph, for GRAPH queries; the store is made again if it holds their union "
         "alone, and takes about 1.5 times as long to make.",
)

graph_option = click.option(
    "--graph", "graph_dir", type=click.Path(path_type=Path), default=DEFAULT_GRAPH,
    show_default=True, metavar="DIR", help="Build directory written by `kg build -o DIR`.",
)


_GRAPH_KEYWORD = re.compile(r"\bGRAPH\s*[?$<]", re.IGNORECASE)


def _list_saved() -> str:
    from kg.sparql.saved import SAVED_QUERIES

    width = max(len(q.usage()) for q in SAVED_QUERIES)
    return "\n".join(f"{q.usage():<{width}}  {q.description}" for q in SAVED_QUERIES)


@click.command("sparql")
@click.argument("query", required=False)
@click.argument("args", nargs=-1)
@graph_option
@click.option("-f", "--format", "fmt", default=None, metavar="FORMAT",
              help="table (default on a terminal), csv, tsv, json or xml (the W3C SPARQL "
                   "1.1 results formats); turtle or ntriples for CONSTRUCT and DESCRIBE.")
@click.option("--list", "list_saved", is_flag=True, help="List the saved queries and exit.")
@click.option("--show", is_flag=True, help="Print the SPARQL text of the query instead of "
                                            "running it (saved queries with their arguments).")
@click.option("--refresh", is_flag=True,
              help="Make the build's SPARQL store again from its graph.ttl first.")
@click.option("--limit", type=click.IntRange(1), default=None, metavar="N",
              help="Most rows of a saved query that lists papers (papers-about, "
                   "papers-linking)  [default: 1000]")
@named_graphs_option
def sparql(query, args, graph_dir, fmt, list_saved, show, refresh, limit, named_graphs):
    """Ask the graph a SPARQL question: QUERY is SPARQL text, a .rq file, or the name of
    a saved query followed by its arguments (kg sparql --list).

    The first query makes the build's SPARQL store (DIR/graph.oxigraph, from graph.ttl);
    later ones reuse it. It holds the union of the build's graphs; --named-graphs keeps
    each in its named graph.

    \b
    Examples:
      kg sparql --list
      kg sparql papers-about LoRA --graph kg-out
      kg sparql cooccurring "neural tangent kernel" --format csv
      kg sparql 'SELECT ?c ?n WHERE { ?c <https://w3id.org/paper-kg/vocab#paperCount> ?n }'
      kg sparql my-question.rq --format json > answers.json
    """
    from kg.sparql import labels_of, query_text
    from kg.sparql.results import format_results, run_query
    from kg.sparql.store import make_store, open_store, store_has_named_graphs

    if list_saved:
        if query:
            raise click.UsageError("--list shows the saved queries; do not also give QUERY.")
        click.echo(_list_saved())
        return
    if not query:
        raise click.UsageError("give a QUERY (SPARQL text, a .rq file or a saved query "
                               "name), or --list.")
    if refresh:
        make_store(graph_dir, named_graphs=named_graphs)
    # The concept labels that resolve ARGS are made with the store.
    store = (open_store(graph_dir, named_graphs=True if named_graphs else None)
             if args or not show else None)
    text = query_text(query, args, labels_of(graph_dir) if args else None, limit=limit)
    if show:
        click.echo(text)
        return
    if _GRAPH_KEYWORD.search(text) and not store_has_named_graphs(graph_dir):
        click.echo("Note: this build's SPARQL store holds the union of its graphs only; "
                   "ask with --named-graphs to query them by name.", err=True)
    result = run_query(store, text, union=True)
    if fmt is None:
        fmt = "turtle" if result.kind == "graph" else (
            "table" if sys.stdout.isatty() else "tsv")
    click.echo(format_results(result, fmt.lower()))


@click.command("serve")
@graph_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but this machine only when asked.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True,
              help="Port to listen on.")
@named_graphs_option
def serve(graph_dir, host, port, named_graphs):
    """Serve the graph as a read-only SPARQL 1.1 endpoint (the Oxigraph server).

    Queries go to http://HOST:PORT/query (GET ?query=... or POST with
    Content-Type application/sparql-query); updates are refused. Ctrl-C stops it.
    The store holds the union of the build's graphs; --named-graphs keeps each in its
    named graph.

    \b
    Examples:
      kg serve --graph kg-out
      kg serve --graph kg-out --port 8000
      curl -H 'Content-Type: application/sparql-query' \\
           --data 'SELECT * WHERE { ?s ?p ?o } LIMIT 3' http://127.0.0.1:7878/query
    """
    from kg.sparql.server import LOCAL_HOSTS
    from kg.sparql.server import serve as run_server

    if host not in LOCAL_HOSTS:
        click.echo(f"Warning: serving on {host}: other machines can query this graph.",
                   err=True)

    def started(url: str) -> None:
        click.echo(f"SPARQL endpoint: {url}  (read-only; Ctrl-C stops it)", err=True)

    status = run_server(graph_dir, host=host, port=port, on_start=started,
                        named_graphs=True if named_graphs else None)
    if status:
        raise click.ClickException(f"the SPARQL server stopped with status {status}")


@click.command("push")
@graph_option
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's Graph Store Protocol URL: Oxigraph http://HOST:7878/store, "
                   "Fuseki http://HOST:3030/DATASET/data, GraphDB "
                   "http://HOST:7200/repositories/REPO/rdf-graphs/service.")
@click.option("--graph-iri", default=None, metavar="IRI",
              help="Put the union of the build's graphs into this one named graph instead "
                   "of each into its own.")
@click.option("--default-graph", is_flag=True,
              help="Put the union of the build's graphs into the store's default graph.")
@click.option("--user", default=None, help="HTTP Basic user name.")
@click.option("--password", default=None, help="HTTP Basic password (or $KG_PUSH_PASSWORD).",
              envvar="KG_PUSH_PASSWORD")
@click.option("--token", default=None, help="A bearer token (or $KG_PUSH_TOKEN).",
              envvar="KG_PUSH_TOKEN")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def push(graph_dir, endpoint, graph_iri, default_graph, user, password, token, quiet):
    """Load the graph into a triple store over the SPARQL 1.1 Graph Store Protocol.

    Each named graph of the build (ontology, papers, evidence, links, build; see
    ontology/README.md) replaces the graph of the same IRI in the store (one PUT each),
    so pushing twice leaves the same triples.

    \b
    Examples:
      kg push --graph kg-out --endpoint http://127.0.0.1:7878/store
      kg push --graph kg-out --endpoint http://localhost:3030/papers/data \\
              --graph-iri https://example.org/graphs/my-reading-list --user admin
    """
    from kg.progress import ProgressBar
    from kg.sparql.push import EACH_GRAPH
    from kg.sparql.push import push as run_push
    from kg.sparql.store import SOURCE_FILE

    if default_graph and graph_iri:
        raise click.UsageError("--default-graph and --graph-iri name two targets; give one.")
    if token and (user or password):
        raise click.UsageError("give --user/--password or --token, not both.")
    source = Path(graph_dir) / SOURCE_FILE
    if not source.is_file():
        raise click.ClickException(f"{graph_dir} has no {SOURCE_FILE}: build a graph first "
                                   f"with `kg build INPUT... -o {graph_dir}`")
    target = None if default_graph else (graph_iri or EACH_GRAPH)
    bar = None if quiet else ProgressBar()
    total = source.stat().st_size
    sent = [0]

    def progress(n: int) -> None:
        sent[0] += n
        if bar is not None:
            bar("push", min(sent[0], total), total)  # each graph's PUT repeats the prefixes

    graphs = run_push(source, endpoint, graph_iri=target, user=user, password=password,
                      token=token, progress=progress)
    into = ", ".join("the default graph" if g is None else f"<{g}>" for g in graphs)
    click.echo(f"pushed {source} ({total:,} bytes) into {into} of {endpoint}")


COMMANDS = [sparql, serve, push]
