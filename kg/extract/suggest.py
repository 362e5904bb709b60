"""Ontology candidates from extraction records (used by ``kg suggest``)."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = ["suggest_terms", "recurring_terms", "rank_suggestions", "ORDERS"]

#: Orders of suggestions: ``named`` (default) puts the terms that papers define with an
#: acronym ("magnetic resonance imaging (MRI)") first, each group by papers; ``papers`` is
#: by papers alone. Authors name a concept they mean as one; among the top 50 suggestions
#: of the 74,728 arXiv papers, 40 % against 16 % are topics of the Computer Science
#: Ontology (``benchmarks/suggest_quality.py``), and single words such as "features" fall
#: back.
ORDERS = ("named", "papers")


def rank_suggestions(rows: list[dict], order: str = "named") -> list[dict]:
    """``rows`` (dicts with ``papers``, ``alt_labels``, ``label``, optionally ``score``)
    sorted in place in ``order`` (one of :data:`ORDERS`); returns them.

    Examples
    --------
    >>> rows = [{"label": "features", "alt_labels": [], "papers": 90},
    ...         {"label": "optical flow", "alt_labels": ["OF"], "papers": 12}]
    >>> [r["label"] for r in rank_suggestions(rows)]
    ['optical flow', 'features']
    >>> [r["label"] for r in rank_suggestions(rows, "papers")]
    ['features', 'optical flow']
    >>> rank_suggestions(rows, "size")
    Traceback (most recent call last):
    ...
    ValueError: unknown order 'size'; valid: named, papers
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; valid: {', '.join(ORDERS)}")
    named = order == "named"
    rows.sort(key=lambda d: (named and not d["alt_labels"], -d["papers"],
                             -d.get("score", 0.0), d["label"]))
    return rows

#: A discovered concept's IRI as kg writes records: ``"iri":"..."`` (a build's
#: extractions.jsonl.gz, orjson) or ``"iri": "..."`` (``kg extract``, ``json.dumps``).
_DISCOVERED_IRI = re.compile(r'"iri": ?"(https://w3id\.org/paper-kg/concept/x/[^"\\]*)"')


def recurring_terms(lines: Iterable[str], min_papers: int = 3) -> set[str] | None:
    """IRIs of the discovered terms of at least ``min_papers`` records, found in JSON Lines
    text without parsing it: the cheap first pass of ``kg suggest``, so that the second
    (:func:`suggest_terms` with ``only=``) keeps details of recurring terms only, instead
    of every term of the corpus. A superset of what :func:`suggest_terms` returns; None
    if a line is not laid out as kg writes records (then nothing can be left out).

    Examples
    --------
    >>> import json
    >>> rec = {"id": "1", "concepts": [{"iri": "https://w3id.org/paper-kg/concept/x/a-b",
    ...                                 "source": "discovered"}]}
    >>> recurring_terms([json.dumps(rec)] * 2, min_papers=2)
    {'https://w3id.org/paper-kg/concept/x/a-b'}
    >>> recurring_terms([json.dumps(rec)], min_papers=2)
    set()
    """
    counts: Counter = Counter()
    for line in lines:
        found = set(_DISCOVERED_IRI.findall(line))
        if not found and '"discovered"' in line:
            return None
        counts.update(found)
    return {iri for iri, n in counts.items() if n >= min_papers}


def suggest_terms(records: Iterable[dict], ontology=None, min_papers: int = 3,
                  only: set[str] | None = None, order: str = "named") -> list[dict]:
    """Discovered terms recurring in at least ``min_papers`` papers, best first.

    Parameters
    ----------
    records : iterable of dict
        Extraction records (``Extractor.extract`` output); concepts flagged ``generic``
        are no candidates.
    ontology : Ontology, optional
        Terms whose label (or a surface form) already names an ontology concept
        (``ontology.find``) are left out.
    min_papers : int
        Fewest distinct papers a term must occur in.
    only : set of str, optional
        Consider only these IRIs (e.g. :func:`recurring_terms` of the same records, which
        keeps memory to the recurring terms on a large corpus).
    order : {"named", "papers"}
        See :data:`ORDERS` (ties: mean score, descending, then label).

    Returns
    -------
    list of dict
        ``{"iri", "label", "alt_labels", "papers", "mentions", "score", "forms",
        "examples"}`` in ``order``.

    Examples
    --------
    >>> recs = [{"id": str(i), "concepts": [{"iri": "x/a", "label": "graph sparsifier",
    ...          "alt_labels": [], "source": "discovered", "score": 0.8,
    ...          "mentions": [{"text": "graph sparsifiers", "sentence": "S."}]}]}
    ...         for i in range(3)]
    >>> [(s["label"], s["papers"]) for s in suggest_terms(recs, min_papers=2)]
    [('graph sparsifier', 3)]
    """
    terms: dict[str, dict] = {}
    for rec in records:
        pid = rec.get("id")
        for c in rec.get("concepts", []):
            if c.get("source") != "discovered" or c.get("generic") or (
                    only is not None and c["iri"] not in only):
                continue
            t = terms.setdefault(c["iri"], {"iri": c["iri"], "labels": {}, "alt": {},
                                            "papers": set(), "mentions": 0, "scores": [],
                                            "forms": {}, "examples": []})
            t["papers"].add(pid)
            t["labels"][c["label"]] = t["labels"].get(c["label"], 0) + 1
            for a in c.get("alt_labels") or ():
                t["alt"][a] = t["alt"].get(a, 0) + 1
            t["scores"].append(float(c.get("score", 0.0)))
            for m in c.get("mentions", []):
                t["mentions"] += 1
                t["forms"][m["text"]] = t["forms"].get(m["text"], 0) + 1
                if len(t["examples"]) < 3 and m.get("sentence"):
                    t["examples"].append(m["sentence"])
    out = []
    for t in terms.values():
        if len(t["papers"]) < min_papers:
            continue
        label = sorted(t["labels"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        forms = sorted(t["forms"], key=lambda f: (-t["forms"][f], f))
        if ontology is not None and any(ontology.find(x) for x in [label, *forms]):
            continue
        out.append({"iri": t["iri"], "label": label,
                    "alt_labels": sorted(t["alt"], key=lambda a: (-t["alt"][a], a)),
                    "papers": len(t["papers"]), "mentions": t["mentions"],
                    "score": round(sum(t["scores"]) / len(t["scores"]), 4),
                    "forms": forms[:5], "examples": t["examples"]})
    return rank_suggestions(out, order)
