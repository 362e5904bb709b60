"""Evaluation of concept extraction: SciERC phrase sets and author-keyword recall.

The metric definitions are exactly those of ``../shared/tools/phrase_metrics.py`` (the
project's yardstick): :func:`norm` and :func:`detok` are copies, and :func:`scierc_scores`
and :func:`keyword_scores` compute the same numbers from extraction records. Baselines
(YAKE top 20, spaCy noun chunks, TextRank-style graph ranking) are measured in the same run
through the same scorers.

Examples
--------
>>> norm("The Over-parameterized Networks")
'over parameterized network'
>>> detok(["a", "-LRB-", "NTK", "-RRB-", "model", "."])
'a (NTK) model.'
>>> prf(tp=5, npred=10, ngold=8)["F1"]
0.556
"""
from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from kg.errors import KGError
from kg.extract.abbreviations import find_definitions, fold_long_form, majority_sense
from kg.extract.extractor import Extractor
from kg.extract.settings import ExtractSettings, installed_models
from kg.types import Paper

__all__ = [
    "DETOK",
    "DROP",
    "detok",
    "norm",
    "prf",
    "read_scierc",
    "scierc_papers",
    "read_keyword_tables",
    "scierc_scores",
    "keyword_scores",
    "predicted_phrases",
    "found_keywords",
    "concept_names",
    "eval_scierc",
    "eval_keywords",
    "eval_acronyms",
    "BASELINES",
    "default_scierc_path",
]

DETOK = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
         "``": '"', "''": '"'}
DROP = {"the", "a", "an", "our", "this", "these", "its", "their", "his", "her", "my", "your"}


def detok(toks: Sequence[str]) -> str:
    """Join PTB tokens back into text the way a reader would see it (as phrase_metrics).

    Examples
    --------
    >>> detok(["Jacot", "'s", "kernel", "-LRB-", "NTK", "-RRB-", ",", "see", "-LSB-", "1",
    ...        "-RSB-"])
    "Jacot's kernel (NTK), see [1]"
    """
    s = " ".join(DETOK.get(t, t) for t in toks)
    s = re.sub(r" ([,.;:)\]}?!%])", r"\1", s)
    s = re.sub(r"([(\[{]) ", r"\1", s)
    return s.replace(" 's", "'s")


def norm(p: str) -> str:
    """Lowercase, hyphens to spaces, punctuation dropped, leading articles and possessive
    pronouns dropped, a plural 's' (not 'ss') stripped from words longer than 3 letters.

    Examples
    --------
    >>> norm("Our Deep-Learning Models"), norm("the class of losses")
    ('deep learning model', 'class of losse')
    """
    p = p.lower().replace("-", " ")
    p = re.sub(r"[^\w ]", " ", p)
    w = [x for x in p.split() if x not in DROP]
    w = [x[:-1] if len(x) > 3 and x.endswith("s") and not x.endswith("ss") else x for x in w]
    return " ".join(w)


def prf(tp: int, npred: int, ngold: int) -> dict:
    """Precision, recall and F1 rounded to 3 places, with the counts.

    Examples
    --------
    >>> prf(tp=3, npred=4, ngold=6)
    {'P': 0.75, 'R': 0.5, 'F1': 0.6, 'pred': 4, 'gold': 6}
    """
    p, r = tp / max(npred, 1), tp / max(ngold, 1)
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(2 * p * r / max(p + r, 1e-9), 3),
            "pred": npred, "gold": ngold}


# ---------------------------------------------------------------------------------- data
def read_scierc(path: str | Path) -> list[dict]:
    """SciERC documents: ``{"id", "text", "gold"}`` with ``gold`` the normalized non-Generic
    phrase set, and ``spans`` the gold phrases as text.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "dev.json"
    >>> _ = path.write_text(json.dumps({"doc_key": "d1", "sentences": [["We", "use", "neural",
    ...     "tangent", "kernels", "for", "this", "task", "."]], "ner": [[[2, 4, "Method"],
    ...     [6, 7, "Generic"]]]}) + "\\n")
    >>> read_scierc(path)
    [{'id': 'd1', 'text': 'We use neural tangent kernels for this task.',
      'gold': {'neural tangent kernel'}, 'spans': ['neural tangent kernels']}]
    """
    p = Path(path)
    if not p.exists():
        raise KGError(f"SciERC file not found: {p}")
    docs = []
    with open(p, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            toks = [t for s in d["sentences"] for t in s]
            phrases = [detok(toks[a:b + 1]) for s in d["ner"] for a, b, t in s if t != "Generic"]
            gold = {norm(x) for x in phrases} - {""}
            docs.append({"id": d["doc_key"], "text": detok(toks), "gold": gold, "spans": phrases})
    return docs


def scierc_papers(docs: Iterable[dict]) -> Iterator[Paper]:
    """The papers ``kg extract`` reads for SciERC (as ``phrase_metrics.py scierc-input``).

    Examples
    --------
    >>> docs = [{"id": "d1", "text": "We use neural tangent kernels.", "gold": set(), "spans": []}]
    >>> [(p.id, p.title, p.abstract, p.source) for p in scierc_papers(docs)]
    [('d1', 'Document d1', 'We use neural tangent kernels.', 'scierc')]
    """
    for d in docs:
        yield Paper(id=d["id"], title="Document " + d["id"], abstract=d["text"], source="scierc")


def read_keyword_tables(paths: Iterable[str | Path], limit: int | None = None) -> list[dict]:
    """Rows ``{"id", "title", "abstract", "gold", "vocab"}`` of OpenReview CSV/TSV tables;
    ``gold`` holds the normalized author keywords that occur in the normalized text, and
    ``vocab`` every normalized author keyword of the row's table (one set shared by the
    rows of a table, read from the whole table even with ``limit``).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "iclr.csv"
    >>> _ = path.write_text("paper_id,title,abstract,keywords\\n"
    ...                     'r1,Pruning,We prune neural nets.,"pruning; neural nets; sparsity"\\n')
    >>> [(r["id"], sorted(r["gold"])) for r in read_keyword_tables([path])]  # sparsity: not in text
    [('r1', ['neural net', 'pruning'])]
    """
    rows = []
    for path in paths:
        p = Path(path)
        if not p.exists():
            raise KGError(f"keyword table not found: {p}")
        delim = "\t" if str(p).endswith(".tsv") else ","
        with open(p, encoding="utf-8") as f:
            table = list(csv.DictReader(f, delimiter=delim))
        keywords = [[k for k in (norm(x) for x in re.split(r"[,;]", r["keywords"] or ""))
                     if k] for r in table]
        vocab = frozenset(k for ks in keywords for k in ks)
        for r, ks in zip(table, keywords):
            text = " " + norm(r["title"] + ". " + r["abstract"]) + " "
            gold = {k for k in ks if " " + k + " " in text}
            rows.append({"id": r["paper_id"], "title": r["title"], "abstract": r["abstract"],
                         "gold": gold, "vocab": vocab})
            if limit and len(rows) >= limit:
                return rows
    return rows


# ------------------------------------------------------------------------------- scoring
def predicted_phrases(record: dict) -> set[str]:
    """Normalized abstract mention texts of one extraction record (the SciERC prediction).

    Examples
    --------
    >>> rec = {"id": "d1", "concepts": [{"label": "NTK", "mentions": [
    ...     {"field": "abstract", "text": "Neural tangent kernels"},
    ...     {"field": "title", "text": "NTK"}]}]}
    >>> predicted_phrases(rec)
    {'neural tangent kernel'}
    """
    out = {norm(m["text"]) for c in record.get("concepts", []) for m in c.get("mentions", [])
           if m.get("field", "abstract") == "abstract"}
    out.discard("")
    return out


def found_keywords(record: dict) -> set[str]:
    """Normalized labels, alt labels and mention texts of a record's concepts.

    Examples
    --------
    >>> rec = {"id": "d1", "concepts": [{"label": "NTK", "alt_labels": ["neural tangent kernel"],
    ...     "mentions": [{"field": "title", "text": "Kernels"}]}]}
    >>> sorted(found_keywords(rec))
    ['kernel', 'neural tangent kernel', 'ntk']
    """
    found: set[str] = set()
    for c in record.get("concepts", []):
        found |= {norm(x) for x in [c.get("label", "")] + list(c.get("alt_labels") or [])}
        found |= {norm(m["text"]) for m in c.get("mentions", [])}
    return found


def _partial(pred: set[str], gold: set[str]) -> int:
    """Gold phrases that share a word-aligned overlap with some predicted phrase."""
    hit = 0
    pw = [set(p.split()) for p in pred]
    for g in gold:
        gw = set(g.split())
        if any(gw & w for w in pw):
            hit += 1
    return hit


def scierc_scores(records: Iterable[dict], docs: Sequence[dict],
                  phrases: Callable[[dict], set[str]] = predicted_phrases) -> dict:
    """Exact phrase-set P/R/F1 (as phrase_metrics.py) plus ``partial_R`` (gold phrases
    sharing at least one word with a prediction) over SciERC ``docs``.

    Examples
    --------
    >>> docs = [{"id": "d", "gold": {"parser", "word alignment model"}}]
    >>> rec = {"id": "d", "concepts": [{"mentions": [{"field": "abstract", "text": "parsers"},
    ...                                              {"field": "abstract", "text": "model"}]}]}
    >>> s = scierc_scores([rec], docs)
    >>> s["P"], s["R"], s["partial_R"]
    (0.5, 0.5, 1.0)
    """
    by_id = {str(r["id"]): r for r in records}
    tp = npred = ngold = part = 0
    for d in docs:
        pred = phrases(by_id.get(str(d["id"]), {"concepts": []}))
        gold = d["gold"]
        tp, npred, ngold = tp + len(pred & gold), npred + len(pred), ngold + len(gold)
        part += _partial(pred, gold)
    out = prf(tp, npred, ngold)
    out["partial_R"] = round(part / max(ngold, 1), 3)
    return out


def concept_names(concept: dict) -> set[str]:
    """Normalized label, alt labels and mention texts of one concept of a record.

    Examples
    --------
    >>> sorted(concept_names({"label": "NTK", "alt_labels": ["neural tangent kernel"],
    ...                       "mentions": [{"text": "NTKs"}]}))
    ['neural tangent kernel', 'ntk']
    """
    names = {norm(x) for x in [concept.get("label", "")] + list(concept.get("alt_labels") or [])}
    names |= {norm(m["text"]) for m in concept.get("mentions", [])}
    names.discard("")
    return names


def keyword_scores(records: Iterable[dict], rows: Sequence[dict],
                   found: Callable[[dict], set[str]] = found_keywords,
                   count: Callable[[dict], int] | None = None) -> dict:
    """Author-keyword recall and concepts per paper (as phrase_metrics.py ``keywords``),
    and the keyword-named share.

    The *keyword-named share* measures concept noise: of all (paper, concept) pairs, the
    share whose concept is named (label, alt label or mention text, normalized as recall
    is) by some author keyword of the paper's table (``row["vocab"]``, see
    :func:`read_keyword_tables`). Higher is better. It is left out when the rows carry no
    ``vocab``.

    Examples
    --------
    >>> rows = [{"id": "p", "gold": {"neural network", "pruning"},
    ...          "vocab": {"neural network", "pruning", "sparsity"}}]
    >>> rec = {"id": "p", "concepts": [{"label": "pruning", "alt_labels": [], "mentions": []},
    ...                                {"label": "features", "alt_labels": [], "mentions": []}]}
    >>> keyword_scores([rec], rows)
    {'recall': 0.5, 'gold': 2, 'concepts_per_paper': 2.0, 'papers': 1, 'named_share': 0.5}
    """
    by_id = {str(r["id"]): r for r in records}
    hit = tot = nconc = 0
    pairs = named = 0
    with_vocab = bool(rows) and all("vocab" in row for row in rows)
    for row in rows:
        rec = by_id.get(str(row["id"]), {"concepts": []})
        f = found(rec)
        nconc += count(rec) if count else len(rec.get("concepts", []))
        tot += len(row["gold"])
        hit += len(row["gold"] & f)
        if with_vocab:
            vocab = row["vocab"]
            for c in rec.get("concepts", []):
                pairs += 1
                named += not vocab.isdisjoint(concept_names(c))
    out = {"recall": round(hit / max(tot, 1), 3), "gold": tot,
           "concepts_per_paper": round(nconc / max(len(rows), 1), 1), "papers": len(rows)}
    if with_vocab:
        out["named_share"] = round(named / max(pairs, 1), 3)
    return out


# ----------------------------------------------------------------------------- baselines
def _phrase_records(papers: Sequence[Paper], fn: Callable[[str], list[str]]) -> list[dict]:
    """Records whose concepts are plain phrases (one per baseline phrase, text as mention)."""
    out = []
    for p in papers:
        seen = {}
        for field in ("title", "abstract"):
            for ph in fn(getattr(p, field)):
                seen.setdefault(ph, []).append({"field": field, "text": ph})
        out.append({"id": p.id, "concepts": [{"label": k, "alt_labels": [], "mentions": v}
                                              for k, v in seen.items()]})
    return out


def _yake_fn(top: int = 20):
    try:
        import yake
    except ImportError:
        return None
    kw = yake.KeywordExtractor(lan="en", n=3, top=top)

    def run(text: str) -> list[str]:
        return [k for k, _ in kw.extract_keywords(text)] if text.strip() else []
    return run


def _yake_records(papers: Sequence[Paper], top: int = 20) -> list[dict] | None:
    """YAKE top-k over title + abstract (as one text) per paper."""
    fn = _yake_fn(top)
    if fn is None:
        return None
    out = []
    for p in papers:
        kws = fn(p.title + ". " + p.abstract)
        out.append({"id": p.id, "concepts": [
            {"label": k, "alt_labels": [], "mentions": [{"field": "abstract", "text": k}]}
            for k in kws]})
    return out


def _model_nlp():
    models = installed_models()
    if not models:
        return None
    import spacy

    return spacy.load(models[0], exclude=["ner", "lemmatizer"])


_NC_DROP = {"DET", "PRON"}


def _noun_chunk_records(papers: Sequence[Paper], nlp) -> list[dict]:
    """spaCy noun chunks (determiners/pronouns trimmed) of title and abstract."""
    out = []
    fields = [(p, f) for p in papers for f in ("title", "abstract")]
    docs = nlp.pipe((getattr(p, f) for p, f in fields), batch_size=64)
    recs: dict[str, dict] = {}
    for (p, f), doc in zip(fields, docs):
        rec = recs.setdefault(p.id, {"id": p.id, "concepts": []})
        for nc in doc.noun_chunks:
            toks = [t for t in nc if t.pos_ not in _NC_DROP]
            if toks:
                text = doc.text[toks[0].idx: toks[-1].idx + len(toks[-1])]
                rec["concepts"].append({"label": text, "alt_labels": [],
                                        "mentions": [{"field": f, "text": text}]})
    for p in papers:
        # one concept per distinct normalized chunk, as a fair concepts-per-paper count
        rec = recs.get(p.id, {"id": p.id, "concepts": []})
        uniq = {}
        for c in rec["concepts"]:
            uniq.setdefault(norm(c["label"]), c)
        out.append({"id": p.id, "concepts": list(uniq.values())})
    return out


def _textrank_records(papers: Sequence[Paper], nlp, top: int = 20) -> list[dict]:
    """TextRank over noun-chunk candidates (words linked within a window of 2, PageRank)."""
    import networkx as nx

    nc = _noun_chunk_records(papers, nlp)
    out = []
    for p, rec in zip(papers, nc):
        words = re.findall(r"\w+", (p.title + ". " + p.abstract).lower())
        g = nx.Graph()
        for a, b in zip(words, words[1:]):
            if a != b:
                g.add_edge(a, b)
        pr = nx.pagerank(g) if g.number_of_nodes() else {}
        scored = sorted(rec["concepts"], key=lambda c: -sum(
            pr.get(w, 0.0) for w in re.findall(r"\w+", c["label"].lower())))
        out.append({"id": p.id, "concepts": scored[:top]})
    return out


#: Baselines measured by ``kg eval`` beside ours.
BASELINES = ("yake", "noun_chunks", "textrank")


def _run_baselines(papers: Sequence[Paper], baselines: Sequence[str], notes: list[str]):
    results: dict[str, list[dict]] = {}
    if "yake" in baselines:
        recs = _yake_records(papers)
        if recs is None:
            notes.append("yake baseline skipped: the yake package is not installed "
                         "(pip install 'paper-kg[baselines]')")
        else:
            results["yake_top20"] = recs
    need_model = [b for b in baselines if b in ("noun_chunks", "textrank")]
    if need_model:
        nlp = _model_nlp()
        if nlp is None:
            notes.append("noun-chunk and TextRank baselines skipped: no spaCy model installed")
        else:
            if "noun_chunks" in baselines:
                results["noun_chunks"] = _noun_chunk_records(papers, nlp)
            if "textrank" in baselines:
                results["textrank_top20"] = _textrank_records(papers, nlp)
    return results


def _check_baselines(baselines: Sequence[str]) -> None:
    for b in baselines:
        if b not in BASELINES:
            raise KGError(f"unknown baseline {b!r}; choose from {', '.join(BASELINES)}")


# ---------------------------------------------------------------------------- front ends
def default_scierc_path(cwd: str | Path | None = None) -> Path | None:
    """``../shared/data/eval/scierc/dev.json`` relative to ``cwd`` if it exists.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> default_scierc_path(root / "main") is None
    True
    >>> (root / "shared/data/eval/scierc").mkdir(parents=True)
    >>> _ = (root / "shared/data/eval/scierc/dev.json").write_text("")
    >>> default_scierc_path(root / "main") == root / "shared/data/eval/scierc/dev.json"
    True
    """
    p = Path(cwd or ".").resolve().parent / "shared" / "data" / "eval" / "scierc" / "dev.json"
    return p if p.exists() else None


def eval_scierc(path: str | Path, settings=None, baselines: Sequence[str] = BASELINES,
                extractor=None) -> dict:
    """Extract SciERC documents and score ours (and baselines) on exact phrase sets.

    Returns ``{"dataset", "docs", "ours": {...}, "baselines": {name: {...}}, "notes",
    "seconds"}``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "dev.json"
    >>> _ = path.write_text(json.dumps({"doc_key": "d1", "sentences": [["We", "use", "neural",
    ...     "tangent", "kernels", "."]], "ner": [[[2, 4, "Method"]]]}) + "\\n")
    >>> eval_scierc(path, baselines=())["ours"]
    {'P': 1.0, 'R': 1.0, 'F1': 1.0, 'pred': 1, 'gold': 1, 'partial_R': 1.0}
    """
    _check_baselines(baselines)
    docs = read_scierc(path)
    papers = list(scierc_papers(docs))
    t0 = time.perf_counter()
    ex = extractor or Extractor(settings)
    records = list(ex.extract(papers))
    secs = time.perf_counter() - t0
    notes: list[str] = []
    out = {"dataset": "scierc", "path": str(path), "docs": len(docs),
           "ours": scierc_scores(records, docs), "baselines": {}, "notes": notes,
           "seconds": round(secs, 2)}
    for name, recs in _run_baselines(papers, baselines, notes).items():
        out["baselines"][name] = scierc_scores(recs, docs)
    return out


def eval_keywords(paths: Sequence[str | Path], settings=None,
                  baselines: Sequence[str] = BASELINES, limit: int | None = None,
                  extractor=None) -> dict:
    """Author-keyword recall, concepts per paper and the keyword-named share (see
    :func:`keyword_scores`) of ours (and baselines).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "iclr.csv"
    >>> _ = path.write_text("paper_id,title,abstract,keywords\\n"
    ...                     'r1,Pruning,We prune neural networks.,"pruning, neural networks"\\n')
    >>> eval_keywords([path], baselines=())["ours"]
    {'recall': 1.0, 'gold': 2, 'concepts_per_paper': 2.0, 'papers': 1, 'named_share': 1.0}
    """
    _check_baselines(baselines)
    rows = read_keyword_tables(paths, limit=limit)
    papers = [Paper(id=r["id"], title=r["title"], abstract=r["abstract"], source="openreview")
              for r in rows]
    t0 = time.perf_counter()
    ex = extractor or Extractor(settings)
    records = list(ex.extract(papers))
    secs = time.perf_counter() - t0
    notes: list[str] = []
    out = {"dataset": "keywords", "paths": [str(p) for p in paths], "papers": len(rows),
           "ours": keyword_scores(records, rows), "baselines": {}, "notes": notes,
           "seconds": round(secs, 2)}
    for name, recs in _run_baselines(papers, baselines, notes).items():
        out["baselines"][name] = keyword_scores(recs, rows)
    return out


def eval_acronyms(texts: Iterable[str], min_papers: Sequence[int] = (1, 2, 3),
                  settings=None) -> dict:
    """How well the corpus acronym table resolves short forms a paper does not define,
    measured on the papers that do define them (leave one out).

    For every paper that defines a short form (``long form (SF)``, counted once per paper),
    the table is rebuilt without that paper's definitions and asked what SF means:

    - *known sense*: the answer is right when its long form equals the paper's own
      (compared by :func:`~kg.extract.abbreviations.fold_long_form`), wrong when it is
      another, missing when the table, or the trust rule of the abbreviation detector
      (:meth:`~kg.extract.components.AbbreviationDetector.trusts`), gives none;
    - *unknown sense*: the same with every definition of the paper's own sense removed, as
      if no other paper used SF that way (an "ID" that means identity in a corpus where
      only "in-distribution (ID)" is ever defined); any answer is then wrong.

    Parameters
    ----------
    texts : iterable of str
        Paper texts (title, blank line, abstract).
    min_papers : sequence of int
        The values of ``ExtractSettings.acronym_min_papers`` compared.
    settings : ExtractSettings, optional
        The extraction settings whose ontology and abbreviation detector are used.

    Returns
    -------
    dict
        ``{"papers", "definitions", "rules": {min_papers: {"precision", "recall",
        "resolved", "unknown_sense_wrong", "unknown_cases"}}}``.

    Examples
    --------
    >>> texts = ["neural tangent kernel (NTK) theory", "the neural tangent kernel (NTK)",
    ...          "Manipulation Transfer Networks (MTN) ...", "Multi-Task Networks (MTN)"]
    >>> r = eval_acronyms(texts, min_papers=(1, 2))
    >>> r["definitions"], r["rules"][1]["precision"], r["rules"][2]["precision"]
    (4, 0.5, 1.0)
    """
    from collections import Counter, defaultdict

    detector = Extractor(settings or ExtractSettings())._abbrev()
    if detector is None:
        raise KGError("eval_acronyms needs the abbreviation detector (abbreviations=True)")
    senses: dict[str, Counter] = defaultdict(Counter)  # SF -> folded long form -> papers
    surface: dict[str, str] = {}
    defined: list[dict[str, str]] = []  # per defining paper: SF -> its folded long form
    papers = 0
    for text in texts:
        papers += 1
        own: dict[str, str] = {}
        for sf, lf, _ in find_definitions(text):
            if sf not in own:
                own[sf] = key = fold_long_form(lf)
                surface.setdefault(key, lf)
        for sf, key in own.items():
            senses[sf][key] += 1
        if own:
            defined.append(own)
    targets: dict[str, str | None] = {}

    def answer(counts: dict[str, int], rule: int) -> str | None:
        sense = majority_sense(counts)
        if sense is None:
            return None
        key, n = sense
        if key not in targets:
            targets[key] = detector._resolve_text(surface[key])
        return key if detector.trusts(targets[key], n, rule) else None

    tallies = {rule: Counter() for rule in min_papers}
    for own in defined:
        for sf, key in own.items():
            others = {k: n - (k == key) for k, n in senses[sf].items() if n - (k == key) > 0}
            if not others:
                continue
            unknown = {k: n for k, n in others.items() if k != key}
            for rule in min_papers:
                t = tallies[rule]
                got = answer(others, rule)
                t["cases"] += 1
                t["none" if got is None else "right" if got == key else "wrong"] += 1
                if unknown:
                    t["unknown_cases"] += 1
                    t["unknown_wrong"] += answer(unknown, rule) is not None
    rules = {}
    for rule, t in tallies.items():
        decided = t["right"] + t["wrong"]
        rules[rule] = {
            "precision": round(t["right"] / decided, 3) if decided else 0.0,
            "recall": round(t["right"] / t["cases"], 3) if t["cases"] else 0.0,
            "resolved": round(decided / t["cases"], 3) if t["cases"] else 0.0,
            "unknown_sense_wrong": (round(t["unknown_wrong"] / t["unknown_cases"], 3)
                                    if t["unknown_cases"] else 0.0),
            "cases": t["cases"], "unknown_cases": t["unknown_cases"]}
    return {"papers": papers, "definitions": sum(map(len, defined)), "rules": rules}


def format_report(result: dict) -> str:
    """A plain-text table of an :func:`eval_scierc` / :func:`eval_keywords` result.

    Examples
    --------
    >>> result = {"dataset": "keywords", "papers": 1, "seconds": 0.2, "baselines": {},
    ...           "ours": {"recall": 0.5, "gold": 2, "concepts_per_paper": 3.0, "papers": 1}}
    >>> print(format_report(result))
    Author-keyword recall, 1 papers
    system            recall  concepts/paper  named share   gold
    kg                 0.500             3.0            -      2
    kg extraction time: 0.2 s
    """
    lines = []
    if result["dataset"] == "scierc":
        lines.append(f"SciERC exact phrase sets (no Generic), {result['docs']} documents")
        lines.append(f"{'system':<16} {'P':>6} {'R':>6} {'F1':>6} {'partR':>6} {'pred':>6} {'gold':>6}")
        rows = [("kg", result["ours"])] + list(result["baselines"].items())
        for name, s in rows:
            lines.append(f"{name:<16} {s['P']:>6.3f} {s['R']:>6.3f} {s['F1']:>6.3f} "
                         f"{s['partial_R']:>6.3f} {s['pred']:>6} {s['gold']:>6}")
    else:
        lines.append(f"Author-keyword recall, {result['papers']} papers")
        lines.append(f"{'system':<16} {'recall':>7} {'concepts/paper':>15} "
                     f"{'named share':>12} {'gold':>6}")
        rows = [("kg", result["ours"])] + list(result["baselines"].items())
        for name, s in rows:
            share = s.get("named_share")
            shown = "-" if share is None else f"{share:.3f}"
            lines.append(f"{name:<16} {s['recall']:>7.3f} {s['concepts_per_paper']:>15.1f} "
                         f"{shown:>12} {s['gold']:>6}")
    for note in result.get("notes", []):
        lines.append("note: " + note)
    lines.append(f"kg extraction time: {result['seconds']} s")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: kg eval scierc|keywords ...")
