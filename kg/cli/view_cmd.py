"""``kg view``: write an interactive map of a built graph (and, with ``--png``, its picture)."""
from __future__ import annotations

from pathlib import Path

import click

from kg.cli.query_cmd import graph_option


@click.command("view")
@graph_option
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), default=None,
              help="The HTML file to write (default: map.html, or none with --png only).")
@click.option("--view", "view", type=click.Choice(["concepts", "papers", "focus"]),
              default=None, help="concepts: the concept map (default); papers: papers linked "
                                 "by shared concepts; focus: one node and its neighbourhood "
                                 "(implied by --focus).")
@click.option("--focus", default=None, metavar="NAME",
              help="A concept (label or acronym) or paper (id or title) to centre on.")
@click.option("--depth", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Links out from --focus.")
@click.option("--since", default=None, metavar="DATE", help="Papers from this date (YYYY[-MM[-DD]]).")
@click.option("--until", default=None, metavar="DATE", help="Papers up to this date (YYYY[-MM[-DD]]).")
@click.option("--type", "types", multiple=True, metavar="TYPE",
              help="Concepts of this type only (repeatable), e.g. --type Method --type Task.")
@click.option("--min-papers", type=click.IntRange(1), default=None,
              help="Concepts in at least this many papers (default: 2 on the concept map, 1 "
                   "elsewhere).")
@click.option("--color", type=click.Choice(["community", "year"]), default="community",
              show_default=True, help="Colour of the paper map.")
@click.option("--max-nodes", type=click.IntRange(1), default=None,
              help="Most nodes drawn (default: 35,000 concepts, those in most papers; 30,000 "
                   "papers; 200 around a focus).")
@click.option("--title", default=None, help="Page title.")
@click.option("--png", "png", type=click.Path(path_type=Path), default=None,
              help="Also write a picture of the map (needs Chromium).")
def view(graph_dir, out, view, focus, depth, since, until, types, min_papers, color,
         max_nodes, title, png):
    """Write an interactive map of the graph in DIR as one self-contained HTML file.

    The page works offline: search (concepts, acronyms, paper titles), click a node
    for its definition, trend, papers and evidence sentences, filter by type,
    community and year.

    \b
    Examples:
      kg view --graph kg-out -o concepts.html
      kg view --graph kg-out --focus LoRA --depth 2 -o lora.html --png lora.png
      kg view --graph kg-out --view papers --color year --since 2024 -o papers.html
    """
    import tempfile

    from kg.export.html import ViewFilters, screenshot, write_view
    from kg.files import output_file
    from kg.model.store import load_model

    if view is None:
        view = "focus" if focus else "concepts"
    if view == "focus" and not focus:
        raise click.UsageError("--view focus needs --focus NAME")
    if focus and view != "focus":
        raise click.UsageError(f"--focus goes with the focus view, not --view {view}")
    if view != "papers" and color != "community":
        raise click.UsageError("--color year is for --view papers")
    if depth != 1 and not focus:
        raise click.UsageError("--depth goes with --focus")
    if out is None and png is None:
        out = Path("map.html")
    for target in (out, png):  # refused before any work: a directory, a FIFO, a device
        if target is not None:
            output_file(target)
    filters = ViewFilters(since=since, until=until, types=tuple(types),
                          min_papers=min_papers or (2 if view == "concepts" else 1))
    M = load_model(graph_dir)
    options = dict(filters=filters, focus=focus, depth=depth, color=color, title=title,
                   max_nodes=max_nodes)
    if out is not None:
        write_view(M, out, view, **options)
        click.echo(f"wrote {out}")
    if png is not None:
        if out is not None:
            screenshot(out, png)
        else:
            with tempfile.TemporaryDirectory(prefix="kg-view-") as tmp:
                page = write_view(M, Path(tmp) / "map.html", view, **options)
                screenshot(page, png)
        click.echo(f"wrote {png}")


COMMANDS = [view]
