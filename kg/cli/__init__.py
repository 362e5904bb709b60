"""The ``kg`` command line: a thin layer over the library.

Each command module defines click commands; this module gathers them into one group and
turns :class:`kg.errors.KGError` into a one-line message and exit status 1.
"""
from __future__ import annotations

import sys

import click

from kg import __version__
from kg.errors import KGError


class KGGroup(click.Group):
    """A click group that shows KGError messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KGError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Turn lists of papers into a knowledge graph of papers and ML concepts.

    Typical use: ``kg build papers.jsonl -o kg-out`` then ``kg stats --graph kg-out``,
    ``kg concept LoRA --graph kg-out`` or open ``kg-out/graph.html``.
    """


def _register_commands() -> None:
    from kg.cli import build_cmd, extract_cmd, query_cmd

    for module in (build_cmd, extract_cmd, query_cmd):
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_register_commands()


def main() -> None:
    """Console-script entry point.

    Examples
    --------
    >>> saved, sys.argv = sys.argv, ["kg", "--version"]
    >>> try:
    ...     main()
    ... except SystemExit as stop:
    ...     print("exit status", stop.code)
    ... finally:
    ...     sys.argv = saved
    kg, version ...
    exit status 0
    """
    cli(prog_name="kg")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
