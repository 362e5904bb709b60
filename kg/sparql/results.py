"""Running a SPARQL query on a store, and its results as text or plain Python values.

:func:`run_query` executes a query (SELECT, ASK, CONSTRUCT or DESCRIBE; updates are
refused) and turns Oxigraph's syntax errors into one line with the position.
:func:`format_results` writes the results in the W3C SPARQL 1.1 results formats (``csv``,
``tsv``, ``json``, ``xml``), as an aligned ``table``, or, for graph results, as
``turtle`` or ``ntriples``. :func:`to_python` gives rows of plain values
(``pandas.DataFrame(rows)`` makes a table of them).

Examples
--------
>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"), ox.Literal("1")))
>>> result = run_query(store, "SELECT ?s ?o WHERE { ?s ?p ?o }")
>>> print(format_results(result, "table"))
s           o
----------  -
http://x/a  1
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.errors import KGError

__all__ = ["QueryResult", "SparqlSyntaxError", "RESULT_FORMATS", "GRAPH_FORMATS",
           "run_query", "format_results", "to_python", "term_text"]

#: Formats of SELECT and ASK results.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
#: Formats of CONSTRUCT and DESCRIBE results.
GRAPH_FORMATS = ("turtle", "ntriples")

_ERROR_AT = re.compile(r"error at (\d+):(\d+)(?:-\d+:\d+)?:?\s*(.*)", re.S)
_UPDATE = re.compile(r"^\s*(?:(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*"
                     r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.I)


class SparqlSyntaxError(KGError):
    """A query kg cannot run: a syntax error (with its line and column) or an update."""


@dataclass
class QueryResult:
    """The results of one query.

    Attributes
    ----------
    kind : {"select", "ask", "graph"}
    variables : list of str
        The SELECT variables (empty otherwise).
    rows : list
        SELECT: a tuple of terms (or None) per solution; ASK: ``[bool]``; graph results:
        the triples.
    """

    kind: str
    variables: list[str]
    rows: list


def run_query(store: ox.Store, text: str, *, union: bool = False) -> QueryResult:
    """Run SPARQL ``text`` on ``store``.

    Parameters
    ----------
    union : bool
        Let the default graph be the union of every graph of the store.

    Raises
    ------
    SparqlSyntaxError
        For a syntax error (line and column in the message) or an update.

    Examples
    --------
    >>> run_query(ox.Store(), "ASK { ?s ?p ?o }").rows
    [False]
    >>> run_query(ox.Store(), "SELECT ?x WHERE { ?x }")
    Traceback (most recent call last):
    ...
    kg.sparql.results.SparqlSyntaxError: SPARQL syntax error at line 1, column 23: ...
    """
    if _UPDATE.match(text):
        raise SparqlSyntaxError("kg sparql asks questions; SPARQL updates (INSERT, DELETE, "
                                "LOAD, ...) are refused")
    try:
        result = store.query(text, use_default_graph_as_union=union)
    except SyntaxError as exc:
        raise SparqlSyntaxError(_syntax_message(str(exc))) from None
    except OSError as exc:  # pragma: no cover - a store that fails while reading
        raise KGError(f"the SPARQL store failed: {exc}") from exc
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [tuple(solution[i] for i in range(len(variables))) for solution in result]
        return QueryResult("select", variables, rows)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", [], [bool(result)])
    return QueryResult("graph", [], list(result))


def _syntax_message(raw: str) -> str:
    match = _ERROR_AT.search(raw)
    if not match:
        return f"SPARQL syntax error: {raw}"
    line, column, what = match.groups()
    what = " ".join(what.split())
    if len(what) > 120:  # Oxigraph lists every token it could take: keep the start
        what = what[:117].rsplit(" ", 1)[0] + " ..."
    return f"SPARQL syntax error at line {line}, column {column}: {what}"


def term_text(term: Any) -> str:
    """A term as a table shows it: an IRI or a blank node as is, a literal's value.

    Examples
    --------
    >>> term_text(ox.Literal("LoRA", language="en")), term_text(ox.NamedNode("http://x/a"))
    ('LoRA', 'http://x/a')
    >>> term_text(None)
    ''
    """
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def _python_value(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        kind = term.datatype.value.rsplit("#", 1)[-1]
        try:
            if kind in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger"):
                return int(term.value)
            if kind in ("double", "decimal", "float"):
                return float(term.value)
            if kind == "boolean":
                return term.value in ("true", "1")
        except ValueError:
            return term.value
    return term_text(term)


def to_python(result: QueryResult) -> Any:
    """Plain Python values: a list of ``{variable: value}`` dicts for SELECT (numbers as
    numbers, IRIs and other literals as strings, unbound as None), a bool for ASK, and a
    list of ``(subject, predicate, object)`` string tuples for graph results.

    Examples
    --------
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/n"), ox.Literal(3)))
    >>> to_python(run_query(store, "SELECT ?s ?n WHERE { ?s ?p ?n }"))
    [{'s': 'http://x/a', 'n': 3}]
    """
    if result.kind == "select":
        return [dict(zip(result.variables, map(_python_value, row))) for row in result.rows]
    if result.kind == "ask":
        return result.rows[0]
    return [(term_text(t.subject), term_text(t.predicate), term_text(t.object))
            for t in result.rows]


def _table(result: QueryResult) -> str:
    if result.kind == "ask":
        return "true" if result.rows[0] else "false"
    headers = result.variables
    cells = [[term_text(t).replace("\n", " ") for t in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def format_results(result: QueryResult, fmt: str = "table") -> str:
    """The results of a query as text in format ``fmt``.

    Raises
    ------
    KGError
        If ``fmt`` does not suit the results (a graph as csv, a table as turtle); the
        message lists the formats that do.

    Examples
    --------
    >>> store = ox.Store()
    >>> print(format_results(run_query(store, "ASK { ?s ?p ?o }"), "json"))
    {"head":{},"boolean":false}
    """
    if result.kind == "graph":
        if fmt not in GRAPH_FORMATS:
            raise KGError(f"a CONSTRUCT or DESCRIBE result is a graph: use --format "
                          f"{' or '.join(GRAPH_FORMATS)}, not {fmt!r}")
        rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
        return ox.serialize(result.rows, format=rdf_format).decode("utf-8")
    if fmt not in RESULT_FORMATS:
        raise KGError(f"use --format {', '.join(RESULT_FORMATS)} for SELECT and ASK "
                      f"results, not {fmt!r}")
    if fmt == "table":
        return _table(result)
    out = io.BytesIO()
    results_format = getattr(ox.QueryResultsFormat, fmt.upper())
    _parsed(result).serialize(out, results_format)
    return out.getvalue().decode("utf-8").rstrip("\n")


def _parsed(result: QueryResult):
    """The results as Oxigraph results objects, to write them with Oxigraph's own W3C
    serializers: re-read from a SPARQL JSON document kg writes, since the iterator the
    query gave is consumed."""
    if result.kind == "ask":
        doc: dict[str, Any] = {"head": {}, "boolean": bool(result.rows[0])}
    else:
        doc = {"head": {"vars": result.variables},
               "results": {"bindings": [_binding(result.variables, row) for row in result.rows]}}
    return ox.parse_query_results(json.dumps(doc).encode("utf-8"),
                                  format=ox.QueryResultsFormat.JSON)


def _binding(variables: list[str], row: tuple) -> dict[str, dict[str, str]]:
    binding = {}
    for var, term in zip(variables, row):
        if term is None:
            continue
        if isinstance(term, ox.NamedNode):
            binding[var] = {"type": "uri", "value": term.value}
        elif isinstance(term, ox.BlankNode):
            binding[var] = {"type": "bnode", "value": term.value}
        else:
            value = {"type": "literal", "value": term.value}
            if term.language:
                value["xml:lang"] = term.language
            elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                value["datatype"] = term.datatype.value
            binding[var] = value
    return binding
