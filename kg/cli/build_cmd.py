"""``kg build``: run the whole pipeline into an output directory."""
from __future__ import annotations

from pathlib import Path

import click

MAX_REJECTS_SHOWN = 50


@click.command("build")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output directory (default: kg-out). Replaced atomically; a symlink is "
                   "followed (its target is replaced, the link kept).")
@click.option("--demo", is_flag=True, help="Build the bundled demo corpus (a Daily Papers page).")
@click.option("--update", "update_dir", type=click.Path(path_type=Path), default=None,
              help="Add INPUTS to the graph already built in this directory.")
@click.option("-f", "--format", "fmt", default=None, metavar="FORMAT",
              help="Input format for all INPUTS (default: detect per file). See `kg formats`.")
@click.option("--strict", is_flag=True, help="Stop at the first bad record instead of skipping it.")
@click.option("--model", default=None, metavar="NAME",
              help="spaCy pipeline to use for extraction (default: none, rule-based).")
@click.option("--no-discovery", is_flag=True, help="Only ontology concepts; no discovered terms.")
@click.option("--acronym-min-papers", type=click.IntRange(1), default=2, show_default=True,
              help="Papers that must define a short form alike before it resolves in other "
                   "papers, when the ontology does not name its long form (see kg eval "
                   "acronyms).")
@click.option("--top-k", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Similar-paper links kept per paper.")
@click.option("--html-max-nodes", type=click.IntRange(10), default=None,
              help="Most concepts drawn on graph.html's concept map (those in most papers). "
                   "Default: up to 35,000 of the concepts in at least 2 papers that co-occur "
                   "with another.")
@click.option("--export", "exports", multiple=True, metavar="FORMAT",
              help="Also write the graph as FORMAT (repeatable): graphml, gexf, csv, nt, nq, "
                   "trig, rdfxml, jsonld. graph.ttl and graph.html are always written.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Extraction processes (output is identical for any N)  [default: one per "
                   "usable core, at most 8, and at most one per 500 papers; 1 runs in this "
                   "process]")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run extraction locally or on a Dask cluster (needs paper-kg[dask]).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786); default: a local cluster of --jobs workers.")
@click.option("--fresh", is_flag=True,
              help="Ignore extraction shards kept from an earlier or interrupted build.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no per-record messages.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also list the papers whose records disagreed (title or authors) when "
                   "they were merged; summary.json lists them too.")
def build(inputs, out_dir, demo, update_dir, fmt, strict, model, no_discovery,
          acronym_min_papers, top_k, html_max_nodes, exports, jobs, engine, scheduler, fresh,
          quiet, verbose):
    """Build a knowledge graph from paper lists INPUTS into a directory.

    INPUTS are files in any supported format (Daily Papers page text, arXiv Atom/JSONL,
    Hugging Face, Semantic Scholar, OpenAlex, BibTeX, CSV/TSV, JSON/JSONL), detected per
    file unless --format is given. The directory receives papers.jsonl,
    extractions.jsonl.gz, graph.kg.npz (the model the query commands read), graph.ttl,
    graph.html and summary.json, plus any --export formats.

    \b
    Examples:
      kg build --demo -o kg-out
      kg build papers.bib listing.xml -o kg-out
      kg build arxiv.jsonl --jobs 2 --export graphml -o kg-out
      kg build --update kg-out new-papers.jsonl
    """
    from kg.errors import KGError
    from kg.build.pipeline import DEMO_CORPUS, BuildOptions, export_format
    from kg.build.pipeline import build as run_build
    from kg.files import replaceable_directory
    from kg.progress import ProgressBar

    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose contradict each other; give one.")
    if demo and inputs:
        raise click.UsageError("--demo builds the bundled corpus; do not also give INPUTS.")
    if update_dir and out_dir and Path(out_dir) != Path(update_dir):
        raise click.UsageError("--update DIR writes into DIR; do not also give a different -o.")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler is for --engine dask.")
    try:
        exports = tuple(export_format(f) for f in exports)
    except KGError as exc:
        raise click.BadParameter(str(exc), param_hint="--export") from None
    if demo:
        inputs = (DEMO_CORPUS,)
        fmt = fmt or "daily-papers"
    if not inputs:
        raise click.UsageError("give at least one INPUT file, or --demo.")
    target = update_dir or out_dir or Path("kg-out")
    # checked before any work; a symlink is followed: its target is replaced, the link kept
    real = replaceable_directory(target)

    bar = ProgressBar() if not quiet else None
    options = BuildOptions(fmt=fmt, strict=strict, model=model, discovery=not no_discovery,
                           acronym_min_papers=acronym_min_papers, top_k=top_k, html_max_nodes=html_max_nodes, exports=exports, jobs=jobs,
                           engine=engine, scheduler=scheduler, resume=not fresh)
    try:
        result = run_build(inputs, real, options, update=bool(update_dir), progress=bar)
    finally:
        if bar:
            bar.close()
    if not quiet:
        _report_rejects(result.rejects, target)
    if result.counts.get("conflicts"):
        click.echo(f"{result.counts['conflicts']} merged papers had records that disagree "
                   f"(the first was kept){': see --verbose or' if not verbose else '; all in'} "
                   f"{target}/summary.json", err=True)
        if verbose:
            for line in result.conflicts:
                click.echo(f"conflict: {line}", err=True)
    click.echo(result.summary_line(), err=True)
    g = result.graph
    shown = target if real == target else f"{target} -> {real}"
    click.echo(
        f"wrote {shown}/ : {result.counts['papers']} papers, "
        f"{g.get('nodes', {}).get('concept', 0)} concepts, "
        f"{sum(g.get('edges', {}).values()) if g.get('edges') else 0} edges "
        f"({result.wall_s:.1f} s)"
    )


def _report_rejects(rejects: list[str], target: Path) -> None:
    for line in rejects[:MAX_REJECTS_SHOWN]:
        click.echo(f"rejected: {line}", err=True)
    if len(rejects) > MAX_REJECTS_SHOWN:
        click.echo(f"... and {len(rejects) - MAX_REJECTS_SHOWN} more rejects, all listed in "
                   f"{target}/summary.json", err=True)


@click.command("formats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def formats(as_json):
    """List the input formats: --format names, aliases and file suffixes.

    \b
    Example:
      kg formats
    """
    import json

    from kg.ingest import available_readers, get_reader

    rows = []
    for name in available_readers():
        reader = get_reader(name)
        rows.append({"name": reader.name, "aliases": list(reader.aliases),
                     "suffixes": list(reader.suffixes), "description": reader.description})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        aliases = f" (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
        click.echo(f"{r['name']:<{width}}  {r['description']}{aliases}")


@click.command("export")
@click.option("--graph", "graph_dir", type=click.Path(path_type=Path), default=Path("kg-out"),
              show_default=True, help="A directory written by kg build.")
@click.option("-t", "--to", "fmt", required=True, metavar="FORMAT",
              help="graphml, gexf, csv, turtle (ttl), ntriples (nt), nquads, trig, rdfxml, "
                   "jsonld or html.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="The file to write (a directory for csv: nodes.csv and edges.csv). A "
                   "symlink is followed (its target is replaced, the link kept); a "
                   "directory, FIFO or device is refused.")
@click.option("--detail", is_flag=True,
              help="RDF only: add mention counts, scores, evidence and link weights.")
def export_(graph_dir, fmt, output, detail):
    """Write a built graph in another format (Gephi, igraph, triple stores, browsers).

    \b
    Examples:
      kg export --graph kg-out --to gexf -o kg.gexf
      kg export --graph kg-out --to csv -o kg-csv/
      kg export --graph kg-out --to jsonld --detail -o kg.jsonld
    """
    from kg.errors import ExportError
    from kg.export import check_output, export
    from kg.export.formats import FORMATS, canonical_format
    from kg.model.store import load_model

    try:
        name = canonical_format(fmt)
    except ExportError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from None
    if detail and FORMATS[name].kind != "rdf":
        raise click.UsageError("--detail applies to RDF formats only.")
    check_output(name, output)  # before the model is loaded: a bad -o costs nothing
    graph = load_model(graph_dir)  # writers stream from the compact model
    options = {"detail": True} if detail else {}
    written = export(graph, name, output, **options)
    click.echo(f"wrote {written}")


COMMANDS = [build, formats, export_]
