"""Saved SPARQL queries: the questions people ask a paper graph, ready to run.

Each :class:`SavedQuery` has a name, one line of description, named parameters and a
query template. :func:`render` fills the parameters in, so the text it returns is a plain
SPARQL query: ``kg sparql NAME ARGS`` runs it on the build's store, and any SPARQL endpoint
holding the same graph gives the same answers (``kg push``, ``kg serve``).

A concept argument names a concept by its IRI, or by its preferred or alternative label
ignoring case ("lora", "NTK", "neural tangent kernel"); :func:`render` looks it up in the
graph's labels (:class:`ConceptLabels`) and writes the concepts' IRIs into the query, so
the store answers from its indexes instead of comparing every label. A name that matches
nothing is an error with close labels suggested.

Examples
--------
>>> [q.name for q in SAVED_QUERIES][:2]
['papers-about', 'cooccurring']
>>> labels = ConceptLabels({"https://w3id.org/paper-kg/concept/lora": ["LoRA"]})
>>> "VALUES ?c { <https://w3id.org/paper-kg/concept/lora> }" in render("papers-about", ["lora"], labels)
True
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Mapping, Sequence

from kg.errors import KGError
from kg.iris import VOCAB_NS, paper_iri

__all__ = ["ConceptLabels", "SavedQuery", "SAVED_QUERIES", "PREFIXES", "DEFAULT_LIMIT",
           "get_saved_query", "render", "sparql_literal"]

#: Prefixes every saved query declares.
PREFIXES = f"""PREFIX kgv: <{VOCAB_NS}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

#: Rows a saved query with a ``limit`` gives unless asked for more (``kg sparql --limit``).
DEFAULT_LIMIT = 1000



class ConceptLabels:
    """The concepts of a graph by IRI and by label (any case), for concept arguments.

    Parameters
    ----------
    labels : mapping
        ``{concept IRI: [its labels]}`` (preferred and alternative).

    Examples
    --------
    >>> labels = ConceptLabels({"urn:ntk": ["neural tangent kernel", "NTK"]})
    >>> labels.resolve("ntk"), labels.resolve("urn:ntk")
    (['urn:ntk'], ['urn:ntk'])
    >>> labels.resolve("neural tangent kernal")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: no concept 'neural tangent kernal' in the graph; did you mean: neural tangent kernel?
    """

    def __init__(self, labels: Mapping[str, Sequence[str]]) -> None:
        self.iris = set(labels)
        self.by_key: dict[str, list[str]] = {}
        self.shown: dict[str, str] = {}
        for iri in sorted(labels):
            for label in labels[iri]:
                key = label.casefold()
                found = self.by_key.setdefault(key, [])
                if iri not in found:
                    found.append(iri)
                self.shown.setdefault(key, label)

    def resolve(self, name: str) -> list[str]:
        """The IRIs of the concepts ``name`` names (an IRI, or a label in any case)."""
        name = str(name).strip()
        if name in self.iris:
            return [name]
        found = self.by_key.get(name.casefold())
        if found:
            return found
        close = difflib.get_close_matches(name.casefold(), list(self.by_key), n=5, cutoff=0.75)
        hint = f"; did you mean: {', '.join(self.shown[k] for k in close)}?" if close else ""
        raise KGError(f"no concept {name!r} in the graph{hint}")


def _values(var: str, iris: Sequence[str]) -> str:
    return f"VALUES ?{var} {{ {' '.join(f'<{iri}>' for iri in iris)} }}"


def _newest(papers: str) -> str:
    """The ``{limit}`` newest of the papers a ``SELECT DISTINCT ?paper`` subquery finds,
    as ``?paper ?date`` (ties by IRI, papers without a date last).

    The date of the ``{limit}``-th newest paper is found first with a sort on dates alone,
    so the sort whose ties are broken by IRI (slow to compare) sees only the papers that
    can be among the newest.
    """
    inner = papers.replace("\n", "\n  ")
    return f"""  {{ SELECT ?paper ?date WHERE {{
    OPTIONAL {{ SELECT ?cut WHERE {{
      {inner}
      ?paper dcterms:created ?cut .
    }} ORDER BY DESC(?cut) OFFSET {{cut}} LIMIT 1 }}
    {papers}
    OPTIONAL {{ ?paper dcterms:created ?date }}
    FILTER(!BOUND(?cut) || ?date >= ?cut)
  }} ORDER BY DESC(?date) ?paper LIMIT {{limit}} }}"""


@dataclass(frozen=True)
class SavedQuery:
    """One saved query.

    Attributes
    ----------
    name : str
        What ``kg sparql NAME`` calls it.
    description : str
        One line for ``kg sparql --list``.
    params : tuple of str
        The names of its arguments, in order (``concept`` parameters name a concept).
    template : str
        The query, with ``{param}`` where each argument goes (as a SPARQL literal), or,
        for a concept argument, ``{concept:param}`` / ``{concept2:param}`` where the
        ``VALUES`` of ``?c`` / ``?c2`` go; ``{paper:param}``: the ``VALUES`` of ``?p`` (a
        paper id or IRI); ``{community:param}``: ``?community``, a community number or the
        community of a concept; ``{limit}``: the row limit (``{cut}``: one less).
    limit : bool
        Whether the query takes a row limit (:data:`DEFAULT_LIMIT` unless given).
    """

    name: str
    description: str
    params: tuple[str, ...]
    template: str
    limit: bool = False

    def usage(self) -> str:
        """``NAME ARG...`` as the command line takes it.

        Examples
        --------
        >>> get_saved_query("papers-linking").usage()
        'papers-linking CONCEPT_A CONCEPT_B'
        """
        return " ".join([self.name, *(p.upper() for p in self.params)])


SAVED_QUERIES: tuple[SavedQuery, ...] = (
    SavedQuery(
        "papers-about",
        "papers about a concept, its narrower concepts included (via: the concept mentioned), "
        "newest first",
        ("concept",),
        # the newest papers first (below), then their titles and the concepts mentioned:
        # sorting every (paper, concept) row with ties broken by IRI took seconds for a
        # concept with tens of thousands of papers
        """SELECT ?paper ?title ?date ?via WHERE {
""" + _newest("""{ SELECT DISTINCT ?paper WHERE {
      {concept:concept}
      ?sub skos:broader* ?c .
      ?paper dcterms:subject ?sub .
    } }""") + """
  ?paper dcterms:subject ?sub .
  ?sub skos:broader* ?c .
  {concept:concept}
  ?paper dcterms:title ?title .
  ?sub skos:prefLabel ?via .
}
ORDER BY DESC(?date) ?paper ?via
LIMIT {limit}""",
        limit=True,
    ),
    SavedQuery(
        "cooccurring",
        "concepts co-occurring with a concept, with the papers that mention both",
        ("concept",),
        # the concepts mentioned with it first (from its papers), then those that co-occur:
        # joining the co-occurrence links with every paper of each partner first took
        # 30 times longer
        """SELECT ?other ?label ?papers WHERE {
  { SELECT ?other (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
      {concept:concept}
      ?paper dcterms:subject ?c .
      ?paper dcterms:subject ?other .
    } GROUP BY ?other }
  FILTER EXISTS { {concept:concept} ?c kgv:cooccursWith ?other }
  ?other skos:prefLabel ?label .
}
ORDER BY DESC(?papers) ?other""",
    ),
    SavedQuery(
        "papers-linking",
        "papers that mention two concepts (or narrower ones of each), newest first",
        ("concept_a", "concept_b"),
        # the papers of the first concept, then those of them about the second: one join
        # of both took up to 40 s for two broad concepts
        """SELECT ?paper ?title ?date WHERE {
""" + _newest("""{ SELECT DISTINCT ?paper WHERE {
      { SELECT DISTINCT ?paper WHERE {
          {concept:concept_a}
          ?a skos:broader* ?c .
          ?paper dcterms:subject ?a .
      } }
      ?paper dcterms:subject ?b .
      ?b skos:broader* ?c2 .
      {concept2:concept_b}
    } }""") + """
  ?paper dcterms:title ?title .
}
ORDER BY DESC(?date) ?paper
LIMIT {limit}""",
        limit=True,
    ),
    SavedQuery(
        "new-concepts-per-month",
        "concepts first mentioned in each month (by the date of their first paper)",
        (),
        """SELECT ?month (COUNT(?concept) AS ?new) WHERE {
  ?concept kgv:firstMentioned ?first .
  BIND(SUBSTR(STR(?first), 1, 7) AS ?month)
}
GROUP BY ?month
ORDER BY ?month""",
    ),
    SavedQuery(
        "top-concepts",
        "the concepts with the most papers",
        (),
        # the 25th largest count first (a numeric sort), so that the final sort, whose
        # ties are broken by IRI (slow to compare), sees only the concepts that can be in
        # the top 25
        """SELECT ?concept ?label ?papers WHERE {
  OPTIONAL { SELECT ?cut WHERE { ?any kgv:paperCount ?cut } ORDER BY DESC(?cut) OFFSET 24 LIMIT 1 }
  ?concept kgv:paperCount ?papers . FILTER(!BOUND(?cut) || ?papers >= ?cut)
  ?concept skos:prefLabel ?label .
}
ORDER BY DESC(?papers) ?concept
LIMIT 25""",
    ),
    SavedQuery(
        "concept",
        "one concept: its labels, definition, broader concepts, paper count and community",
        ("concept",),
        """SELECT ?c ?label ?definition ?broader ?papers ?community WHERE {
  {concept:concept}
  ?c skos:prefLabel ?label .
  OPTIONAL { ?c skos:definition ?definition }
  OPTIONAL { ?c skos:broader/skos:prefLabel ?broader }
  OPTIONAL { ?c kgv:paperCount ?papers }
  OPTIONAL { ?c kgv:community ?community }
}
ORDER BY ?c ?broader""",
    ),
    SavedQuery(
        "evidence",
        "the sentences of a paper that mention a concept, with their place in the field",
        ("paper", "concept"),
        # one small OPTIONAL per value: a single OPTIONAL of several patterns is joined
        # with every target of the store (seconds at 75 k papers)
        """SELECT ?sentence ?field ?start ?end WHERE {
  {paper:paper}
  {concept:concept}
  ?target oa:hasSource ?p .
  ?annotation oa:hasTarget ?target ; oa:hasBody ?c .
  ?target oa:hasSelector ?quote .
  ?quote oa:exact ?sentence .
  OPTIONAL { ?target kgv:field ?field }
  OPTIONAL { ?target oa:hasSelector/oa:start ?start }
  OPTIONAL { ?target oa:hasSelector/oa:end ?end }
}
ORDER BY ?field ?start ?sentence""",
    ),
    SavedQuery(
        "community",
        "the top concepts of a community (its number, or a concept in it)",
        ("community",),
        """SELECT ?community ?concept ?label ?papers WHERE {
  {community:community}
  ?concept kgv:community ?community ; kgv:paperCount ?papers ; skos:prefLabel ?label .
}
ORDER BY DESC(?papers) ?concept
LIMIT 25""",
    ),
)

_BY_NAME = {q.name: q for q in SAVED_QUERIES}


def get_saved_query(name: str) -> SavedQuery:
    """The saved query ``name``.

    Raises
    ------
    KGError
        If there is none; the message suggests close names and points to ``--list``.

    Examples
    --------
    >>> get_saved_query("papers-about").params
    ('concept',)
    >>> get_saved_query("paper-about")
    Traceback (most recent call last):
    ...
    kg.errors.KGError: no saved query 'paper-about'; did you mean: papers-about? (kg sparql --list shows them all)
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_BY_NAME), n=3, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        raise KGError(f"no saved query {name!r}{hint} (kg sparql --list shows them all)") from None


def sparql_literal(value: str) -> str:
    """``value`` as a SPARQL string literal (quotes, backslashes and line breaks escaped).

    Examples
    --------
    >>> print(sparql_literal('say "hi"\\n'))
    "say \\"hi\\"\\n"
    """
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


def render(name: str, args: Sequence[str], labels: ConceptLabels | None = None, *,
           limit: int | None = None) -> str:
    """The SPARQL text of saved query ``name`` with ``args`` filled in.

    Parameters
    ----------
    labels : ConceptLabels, optional
        The graph's concepts, to look concept arguments up in; needed when the query has
        one.
    limit : int, optional
        The most rows of a query that takes a limit (:data:`DEFAULT_LIMIT` if None).

    Raises
    ------
    KGError
        For an unknown query, the wrong number of arguments (the usage is shown), or a
        concept argument the graph has no concept for (close labels suggested).

    Examples
    --------
    >>> print(render("top-concepts", []).splitlines()[-1])
    LIMIT 25
    >>> render("papers-about", [])
    Traceback (most recent call last):
    ...
    kg.errors.KGError: papers-about takes 1 argument (usage: kg sparql papers-about CONCEPT); got 0
    """
    query = get_saved_query(name)
    if len(args) != len(query.params):
        n = len(query.params)
        raise KGError(f"{name} takes {n} argument{'s' if n != 1 else ''} "
                      f"(usage: kg sparql {query.usage()}); got {len(args)}")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise KGError(f"the limit must be a positive number of rows, not {limit!r}")
    if limit is not None and not query.limit:
        raise KGError(f"{name} takes no limit")
    limit = limit or DEFAULT_LIMIT
    text = query.template.replace("{limit}", str(limit)).replace("{cut}", str(limit - 1))
    for param, value in zip(query.params, args):
        value = str(value).strip()
        marker = f"{{community:{param}}}"
        if marker in text:
            if value.isdigit():
                text = text.replace(marker, f"VALUES ?community {{ {int(value)} }}")
            else:
                text = text.replace(marker, f"{{concept:{param}}}\n  ?c kgv:community ?community .")
        marker = f"{{paper:{param}}}"
        if marker in text:
            iri = value if value.startswith(("http://", "https://", "urn:")) else paper_iri(value)
            if any(ch in iri for ch in '<>"{}|^`\\ '):
                raise KGError(f"not a paper id or IRI: {value!r}")
            text = text.replace(marker, _values("p", [iri]))
        for marker, var in ((f"{{concept:{param}}}", "c"), (f"{{concept2:{param}}}", "c2")):
            if marker in text:
                if labels is None:
                    raise KGError(f"{name} needs the graph's concepts to look {value!r} up")
                text = text.replace(marker, _values(var, labels.resolve(value)))
        text = text.replace(f"{{{param}}}", sparql_literal(value))
    return PREFIXES + text
