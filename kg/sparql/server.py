"""``kg serve``: a SPARQL 1.1 Protocol endpoint over a build's store, read-only.

The endpoint is the Oxigraph server (the ``oxigraph`` package on PyPI ships its binary),
started in read-only mode on the build's store (:mod:`kg.sparql.store`). It listens on
127.0.0.1 unless another address is asked for. Queries go to ``http://HOST:PORT/query``
(GET ``?query=`` or POST ``application/sparql-query``); updates are refused.

Examples
--------
>>> server_command("/tmp/kg-out/graph.oxigraph", "127.0.0.1", 7878)[1:4]
['serve-read-only', '--location', '/tmp/kg-out/graph.oxigraph']
>>> query_url("127.0.0.1", 7878)
'http://127.0.0.1:7878/query'
"""
from __future__ import annotations

import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from kg.errors import KGError
from kg.sparql.store import open_store, store_path

__all__ = ["LOCAL_HOSTS", "oxigraph_binary", "server_command", "query_url", "wait_for_port",
           "serve"]

#: Addresses that only this machine can reach.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def oxigraph_binary() -> str:
    """The path of the Oxigraph server binary (beside this Python first, then on PATH).

    Raises
    ------
    KGError
        If it is not installed, saying how to install it.

    Examples
    --------
    >>> Path(oxigraph_binary()).name
    'oxigraph'
    """
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise KGError("the Oxigraph server is not installed: pip install oxigraph "
                  "(the same 0.5 version as pyoxigraph)")


def server_command(location: str | Path, host: str, port: int) -> list[str]:
    """The command line of a read-only Oxigraph server on store ``location``.

    Examples
    --------
    >>> server_command("s", "127.0.0.1", 1)[-3:]
    ['--bind', '127.0.0.1:1', '--union-default-graph']
    """
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [oxigraph_binary(), "serve-read-only", "--location", str(location),
            "--bind", bind, "--union-default-graph"]


def query_url(host: str, port: int) -> str:
    """The SPARQL query URL of a server on ``host:port``.

    Examples
    --------
    >>> query_url("::1", 8000)
    'http://[::1]:8000/query'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/query"


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool]) -> bool:
    """Wait until something accepts connections on ``host:port``; False if ``alive()``
    turns false or ``timeout`` seconds pass first.

    Examples
    --------
    >>> wait_for_port("127.0.0.1", 9, 0.2, lambda: True)  # nothing listens on port 9
    False
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def serve(directory: str | Path, *, host: str = "127.0.0.1", port: int = 7878,
          on_start: Callable[[str], None] | None = None, timeout: float = 60.0,
          named_graphs: bool | None = None) -> int:
    """Serve build ``directory`` read-only until the server stops or Ctrl-C; return the
    server's exit status (0 after Ctrl-C).

    Parameters
    ----------
    on_start : callable, optional
        Called with the query URL once the server accepts connections.
    named_graphs : bool, optional
        The layout of the store (see :func:`kg.sparql.store.open_store`).

    Raises
    ------
    KGError
        If the build has no graph, the Oxigraph binary is missing, or the server does not
        start (the port is taken, for example); the message carries the server's words.

    Examples
    --------
    >>> import tempfile
    >>> serve(tempfile.mkdtemp() + "/missing")
    Traceback (most recent call last):
    ...
    kg.errors.GraphError: .../missing does not exist: build a graph first with ...
    """
    directory = Path(directory)
    store = open_store(directory, named_graphs=named_graphs)  # made or refreshed here, then closed for the server
    del store
    command = server_command(store_path(directory), host, port)
    log = tempfile.TemporaryFile(mode="w+")  # the server's messages, read if it fails
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, text=True,
                               preexec_fn=_die_with_parent)
    previous = _stop_on_sigterm()
    try:
        probe = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
        if not wait_for_port(probe, port, timeout, lambda: process.poll() is None):
            process.terminate()
            process.wait(timeout=10)
            log.seek(0)
            why = log.read().strip().splitlines()
            raise KGError(f"the SPARQL server did not start on {host}:{port}"
                          + (f": {why[-1]}" if why else ""))
        if on_start is not None:
            on_start(query_url(host, port))
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - a server that hangs
                process.kill()
        log.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _die_with_parent() -> None:
    """In the server's process, before it starts: ask Linux to stop it when kg ends, even
    if kg is killed (elsewhere, the ``finally`` of :func:`serve` stops it)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """Make SIGTERM stop :func:`serve` as Ctrl-C does (the previous handler, to restore;
    None where handlers cannot be set, outside the main thread)."""
    try:
        return signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread
        return None
