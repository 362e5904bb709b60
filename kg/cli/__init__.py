"""The ``kg`` command line: a thin layer over the library.

Each command module defines click commands; this module gathers them into one group and
turns :class:`kg.errors.KGError` into a one-line message and exit status 1.

:func:`main` (the ``kg`` command) also handles SIGTERM like Ctrl-C: the command stops
with :class:`Terminated` raised where it is, so that its temporary files are removed and
its worker processes stopped on the way out, and ends with one line and exit status 143
(128 + 15, what a process killed by SIGTERM reports; Ctrl-C stays click's "Aborted!",
status 1). A second SIGTERM ends the process at once. Warnings of kg (a damaged
extraction shard) are printed as one line each.
"""
from __future__ import annotations

import signal
import sys
import threading
import warnings

import click

from kg import __version__
from kg.errors import KGError


#: exit status after SIGTERM (128 + the signal's number, as the shell reports a kill)
TERMINATED_STATUS = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process gets SIGTERM (see :func:`main`): it
    unwinds like Ctrl-C, through every ``finally`` and ``except BaseException``."""


class KGGroup(click.Group):
    """A click group that shows KGError messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KGError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except Terminated:
            click.echo("Error: terminated (SIGTERM); stopped, and removed its temporary "
                       "files (a build's finished extraction chunks are kept)", err=True)
            ctx.exit(TERMINATED_STATUS)


@click.group(cls=KGGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Turn lists of papers into a knowledge graph of papers and ML concepts.

    Typical use: ``kg build papers.jsonl -o kg-out`` then ``kg stats --graph kg-out``,
    ``kg concept LoRA --graph kg-out`` or open ``kg-out/graph.html``.
    """


def _register_commands() -> None:
    from kg.cli import build_cmd, extract_cmd, query_cmd, sparql_cmd, view_cmd

    for module in (build_cmd, extract_cmd, query_cmd, sparql_cmd, view_cmd):
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
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    showwarning, warnings.showwarning = warnings.showwarning, _show_warning
    try:
        cli(prog_name="kg")
    finally:  # as they were (main may be called from Python)
        warnings.showwarning = showwarning
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process
    raise Terminated()


_default_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """kg's warnings as one line (``Warning: ...``), others as Python shows them."""
    if getattr(category, "__module__", "").split(".")[0] == "kg":
        click.echo(f"Warning: {message}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
