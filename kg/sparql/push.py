"""``kg push``: load a build into any triple store over the SPARQL 1.1 Graph Store Protocol.

Oxigraph (``/store``), Fuseki (``/DATASET/data``), GraphDB
(``/repositories/REPO/rdf-graphs/service``) and Virtuoso (``/sparql-graph-crud``) accept it.
The build's RDF is sent named graph by named graph (``?graph=IRI``: the ontology, papers,
evidence, links and build graphs of :data:`kg.iris.NAMED_GRAPHS`, each the part of
``graph.ttl`` after its ``# graph: <IRI>`` line), in requests of at most about
:data:`CHUNK_BYTES` cut between statements: a ``PUT`` of the first chunk replaces the
graph's content and a ``POST`` of each further one adds to it, so pushing twice leaves the
same triples, one part can be pushed or dropped alone, and a store takes a large graph
one bounded transaction at a time (the evidence of 75 k papers is 400 MB of Turtle; the
Oxigraph server held over 7 GB taking it in one request). Each request is streamed from
the file in pieces of :data:`PIECE_BYTES` with a progress callback. The union of the parts can go into one named graph or the default graph instead.
Every failure is one :class:`PushError` line: the store is down, refuses the credentials,
or answers an error (with the start of its answer).

Examples
--------
>>> graph_url("http://127.0.0.1:7878/store", "https://w3id.org/paper-kg/graph")
'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fw3id.org%2Fpaper-kg%2Fgraph'
>>> graph_url("http://h/data?x=1", None)
'http://h/data?x=1&default'
"""
from __future__ import annotations

import base64
import mmap
import socket
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

from kg.errors import KGError
from kg.iris import BASE
from kg.sparql.store import REBUILD, SectionsError, graph_sections, section_reader

__all__ = ["DEFAULT_GRAPH_IRI", "CHUNK_BYTES", "PIECE_BYTES", "PushError", "graph_url",
           "statement_chunks", "push"]

#: A named graph for the union of a build's graphs (``kg push --graph-iri`` names another).
DEFAULT_GRAPH_IRI = BASE + "graph"
#: ``push(..., graph_iri=EACH_GRAPH)``: every named graph of the build into its own.
EACH_GRAPH = "each"
#: Bytes read from the file and sent at a time.
PIECE_BYTES = 1 << 20
#: The most bytes of statements in one request (a statement longer than it goes alone).
CHUNK_BYTES = 32 << 20
_END = b" .\n"
_TIMEOUT = 600


class PushError(KGError):
    """The store could not be reached, or refused or failed the push."""


def graph_url(endpoint: str, graph_iri: str | None) -> str:
    """The Graph Store Protocol URL of graph ``graph_iri`` (None: the default graph).

    Examples
    --------
    >>> graph_url("http://h/store", "urn:x")
    'http://h/store?graph=urn%3Ax'
    """
    joiner = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    if graph_iri is None:
        return f"{endpoint}{joiner}default"
    return f"{endpoint}{joiner}graph={urllib.parse.quote(graph_iri, safe='')}"


def statement_chunks(path: str | Path, start: int, end: int,
                     chunk_bytes: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    r"""Cut bytes ``start:end`` of a build's Turtle into ranges of about ``chunk_bytes``
    that each end after a statement (a line ending with `` .``; the writer puts no line
    break inside a literal).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> ttl = pathlib.Path(tempfile.mkdtemp()) / "g.ttl"
    >>> _ = ttl.write_bytes(b"<a> <p> 1 .\n<b> <p> 2 ;\n\t<q> 3 .\n<c> <p> 4 .\n")
    >>> statement_chunks(ttl, 0, ttl.stat().st_size, chunk_bytes=5)
    [(0, 12), (12, 33), (33, 45)]
    """
    chunks = []
    with open(path, "rb") as fh:
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            at = start
            while at < end:
                cut = mm.find(_END, min(at + chunk_bytes, end) - len(_END), end)
                cut = end if cut < 0 else cut + len(_END)
                chunks.append((at, cut))
                at = cut
    return chunks


def _auth_header(user: str | None, password: str | None, token: str | None) -> dict[str, str]:
    if token:
        return {"Authorization": f"Bearer {token}"}
    if user is not None:
        raw = f"{user}:{password or ''}".encode("utf-8")
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
    return {}


def push(path: str | Path, endpoint: str, *, graph_iri: str | None = EACH_GRAPH,
         user: str | None = None, password: str | None = None, token: str | None = None,
         progress: Callable[[int], None] | None = None,
         chunk_bytes: int = CHUNK_BYTES) -> list[str | None]:
    """PUT the build's Turtle file ``path`` (its ``graph.ttl``) into the store at
    ``endpoint`` (its Graph Store Protocol URL); return the graphs replaced.

    Parameters
    ----------
    graph_iri : str or None
        :data:`EACH_GRAPH` (the default): each named graph of the build into the graph of
        the same IRI; another IRI: the union of them into that graph; None: the union
        into the store's default graph.
    user, password, token : str, optional
        HTTP Basic credentials, or a bearer token (not both).
    progress : callable, optional
        Called with the bytes of each piece sent.
    chunk_bytes : int
        The most bytes of statements in one request (see :func:`statement_chunks`).

    Raises
    ------
    PushError
        When the store cannot be reached or answers with an error status, or the file was
        written by an older kg.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kg.export import write_rdf
    >>> from kg.query.examples import example_model
    >>> ttl = write_rdf(example_model(), pathlib.Path(tempfile.mkdtemp()) / "graph.ttl")
    >>> push(ttl, "http://127.0.0.1:9/store")  # nothing listens on port 9
    Traceback (most recent call last):
    ...
    kg.sparql.push.PushError: cannot reach http://127.0.0.1:9/store: connection refused ...
    """
    if token and user is not None:
        raise PushError("give --user/--password or --token, not both")
    path = Path(path)
    try:
        header, sections = graph_sections(path)
    except SectionsError as exc:
        raise PushError(f"{exc}; {REBUILD.format(dir=path.parent)}") from None
    if graph_iri == EACH_GRAPH:
        parts = [(iri, [(iri, start, end)]) for iri, start, end in sections]
    else:
        parts = [(graph_iri, sections)]
    headers = {"Content-Type": "text/turtle", **_auth_header(user, password, token)}
    for target, ranges in parts:
        chunks = [(iri, a, b) for iri, start, end in ranges
                  for a, b in statement_chunks(path, start, end, chunk_bytes)]
        url = graph_url(endpoint, target)
        for n, chunk in enumerate(chunks or [("", 0, 0)]):
            size = header + chunk[2] - chunk[1]
            with section_reader(path, [chunk], header=header, progress=progress) as body:
                _send(endpoint, url, body, {**headers, "Content-Length": str(size)},
                      "PUT" if n == 0 else "POST")
    return [target for target, _ in parts]


def _send(endpoint: str, url: str, body, headers: dict[str, str], method: str) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        raise PushError(_http_error(endpoint, exc)) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            why = "connection refused (is the store running?)"
        elif isinstance(reason, (socket.timeout, TimeoutError)):
            why = "timed out"
        else:
            why = str(reason)
        raise PushError(f"cannot reach {endpoint}: {why}") from None


def _http_error(endpoint: str, exc: urllib.error.HTTPError) -> str:
    if exc.code in (401, 403):
        return (f"{endpoint} refused the push (HTTP {exc.code}): check --user/--password "
                "or --token")
    try:
        text = exc.read(300).decode("utf-8", "replace").strip().splitlines()
    except OSError:  # pragma: no cover - the answer broke off
        text = []
    detail = f": {text[0]}" if text else ""
    return f"{endpoint} answered HTTP {exc.code} {exc.reason}{detail}"
