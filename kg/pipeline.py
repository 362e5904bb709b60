"""The whole build: ingest → extract → link → analyze → export, into one directory.

:func:`build` is what ``kg build`` runs. Every stage is a plain call on plain data, so the
same steps can be driven from a notebook.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from kg import __version__
from kg.progress import ProgressFn
from kg.store import (
    EXTRACTIONS_FILE,
    PAPERS_FILE,
    SUMMARY_FILE,
    PapersFile,
    atomic_directory,
    iter_papers,
    papers_path,
)
from kg.types import Paper

DEMO_CORPUS = Path(__file__).resolve().parent / "data" / "demo-daily-papers.txt"


@dataclass
class BuildOptions:
    """Settings of one build; the CLI options map one to one onto these fields."""

    fmt: str | None = None
    strict: bool = False
    model: str | None = None
    discovery: bool = True
    acronym_min_papers: int = 2
    top_k: int = 10
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = True
    html_max_nodes: int = 1500
    exports: tuple[str, ...] = ()
    title: str = "kg: papers and concepts"


@dataclass
class BuildResult:
    """What a build did: counts, rejects, timings and where it wrote."""

    out_dir: Path
    counts: dict[str, int]
    rejects: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, int] = field(default_factory=dict)
    graph: dict[str, Any] = field(default_factory=dict)
    wall_s: float = 0.0

    def summary_line(self) -> str:
        c = self.counts
        return (
            f"read {c['read']}, kept {c['kept']}, merged {c['merged']}, "
            f"rejected {c['rejected']}"
        )


class _Timer:
    """Wall time of each stage, and the process's peak RSS (MiB) when each stage ended."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.peak_rss_mb: dict[str, int] = {}

    def start(self, name: str) -> None:
        self._started = (name, time.perf_counter())

    def stop(self, name: str) -> None:
        started, t0 = self._started
        assert started == name
        self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)
        self.peak_rss_mb[name] = _peak_rss_mb()

    def stage(self, name: str):
        timer = self

        class _Ctx:
            def __enter__(self):
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                timer.timings[name] = round(
                    timer.timings.get(name, 0.0) + time.perf_counter() - self.t0, 3
                )
                timer.peak_rss_mb[name] = _peak_rss_mb()

        return _Ctx()


def _peak_rss_mb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def build(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    options: BuildOptions | None = None,
    *,
    update: bool = False,
    progress: ProgressFn | None = None,
) -> BuildResult:
    """Build the knowledge graph of ``inputs`` into ``out_dir``.

    With ``update=True`` the papers already in ``out_dir`` are read back and the new
    inputs are merged into them; the result equals a fresh build of all inputs together.
    ``out_dir`` is replaced atomically, so a failed build leaves it as it was.
    """
    options = options or BuildOptions()
    out_dir = Path(out_dir)
    timer = _Timer()
    started = time.perf_counter()

    with atomic_directory(out_dir) as tmp:
        with timer.stage("ingest"):
            counts, rejects = _ingest(inputs, options, out_dir, tmp, update)
        # from here on the papers are read from papers.jsonl, never held: the model reads
        # them one at a time (keeping its own columns), extraction cuts the file into
        # byte ranges that the workers read themselves
        papers = PapersFile(tmp / PAPERS_FILE)

        # extraction streams into the model: workers hand over each chunk's JSON Lines,
        # gzip-compressed (appended to extractions.jsonl.gz: gzip members concatenate),
        # and its compact rows (aggregated into the model's columns as they come); "link"
        # is what follows: ordering and the derived links
        extract_stats: dict[str, int] = {}
        with open(tmp / EXTRACTIONS_FILE, "wb") as fh:
            def rows():
                with timer.stage("extract"):
                    for data, chunk_rows in _extract(papers, options, shard_dir(out_dir),
                                                     progress, extract_stats):
                        fh.write(data)
                        yield from chunk_rows
                timer.start("link")

            graph = _link(papers, rows(), options, counts["papers"])
        timer.stop("link")
        counts.update(extract_stats)

        # the writers and the statistics (beside each other with --jobs 2, see _export)
        with timer.stage("export"):
            stats, analyze_s = _export(graph, tmp, options)
        timer.timings["analyze"] = analyze_s
        if options.jobs == 1 and options.engine != "dask":  # else analyze overlapped export
            timer.timings["export"] = round(timer.timings["export"] - analyze_s, 3)
        timer.peak_rss_mb["analyze"] = timer.peak_rss_mb["export"]
        result = BuildResult(
            out_dir=out_dir,
            counts=counts,
            rejects=rejects,
            graph=stats,
        )
        result.timings = timer.timings
        result.wall_s = round(time.perf_counter() - started, 3)
        result.peak_rss_mb = timer.peak_rss_mb
        _write_summary(tmp, result, inputs, options, update)
    return result


def _ingest(inputs, options: BuildOptions, out_dir: Path, tmp: Path,
            update: bool) -> tuple[dict[str, int], list[str]]:
    """Read (and with ``update`` merge) the papers straight into ``papers.jsonl``.

    The papers stream from the readers to the file; only their keys (for merging
    duplicates) are held meanwhile, so memory does not grow with the papers
    (:func:`kg.ingest.write_inputs`). Returns the counts and the rejects as text.
    """
    from kg.ingest import write_inputs

    previous = None
    if update:
        papers_path(out_dir)  # a GraphError naming out_dir if there is no build to update
        previous = iter_papers(out_dir)
    ingest = write_inputs([Path(p) for p in inputs], tmp / PAPERS_FILE, fmt=options.fmt,
                          strict=options.strict, previous=previous)
    counts = {"read": ingest.read, "kept": ingest.kept, "merged": ingest.merged,
              "rejected": ingest.rejected}
    if update:
        counts["previous"] = ingest.previous
    counts["papers"] = ingest.written
    return counts, [str(r) for r in ingest.rejects]


def shard_dir(out_dir: Path) -> Path:
    """Where finished extraction chunks of a build into ``out_dir`` are kept.

    A hidden sibling (``.NAME.shards``), so that a killed build resumes from the chunks it
    finished and the atomic swap of ``out_dir`` never touches it.
    """
    return out_dir.parent / f".{out_dir.name}.shards"


def _extract(papers: PapersFile, options: BuildOptions, shards: Path,
             progress: ProgressFn | None, stats: dict) -> Iterable[tuple[bytes, list]]:
    from kg.engine import extract_jsonl
    from kg.extract import ExtractSettings

    settings = ExtractSettings(model=options.model, discovery=options.discovery,
                               acronym_min_papers=options.acronym_min_papers)
    if not options.resume:
        shutil.rmtree(shards, ignore_errors=True)
    return extract_jsonl(papers, settings, jobs=options.jobs, engine=options.engine,
                         scheduler=options.scheduler, cache_dir=shards, progress=progress,
                         stats=stats, rows=True, compressed=True)


def _link(papers: Iterable[Paper], rows: Iterable[tuple], options: BuildOptions,
          n_papers: int):
    """The compact graph model, from the records' compact rows (streamed, never held).

    With --jobs > 1 the similarity search forks (see :func:`kg.model._similar_candidates`),
    up to :data:`FORK_MAX_PAPERS` papers, as the export steps do: the 2.5 M simulation's
    peak memory is in this stage and was measured without a fork.
    """
    from kg.model import GraphModel
    from kg.ontology import load_ontology

    jobs = options.jobs if n_papers <= FORK_MAX_PAPERS else 1
    return GraphModel.build(papers, None, load_ontology(), top_k=options.top_k, rows=rows,
                            jobs=jobs)


def _analyze(graph) -> tuple[dict[str, Any], float]:
    """The summary statistics of the model, and the seconds they took."""
    from kg.analyze import graph_stats

    t0 = time.perf_counter()
    stats = graph_stats(graph)
    return stats, round(time.perf_counter() - t0, 3)


#: Files every build writes beside papers.jsonl and extractions.jsonl.gz.
CORE_OUTPUTS = ("graph.kg.npz", "graph.ttl", "graph.html")
#: File (or directory) name of each optional export format (``kg build --export``).
EXPORT_NAMES = {"graphml": "graph.graphml", "gexf": "graph.gexf", "csv": "graph-csv",
                "ntriples": "graph.nt", "nquads": "graph.nq", "trig": "graph.trig",
                "rdfxml": "graph.rdf", "jsonld": "graph.jsonld"}


def export_format(fmt: str) -> str:
    """The canonical name of an optional build export (``--export``), or ExportError
    naming the valid ones.

    >>> export_format("nt"), export_format("GraphML")
    ('ntriples', 'graphml')
    """
    from kg.errors import ExportError
    from kg.export import ALIASES

    name = ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in EXPORT_NAMES:
        raise ExportError(
            f"unknown --export format {fmt!r}; choose from {', '.join(sorted(EXPORT_NAMES))} "
            "(graph.ttl and graph.html are always written)")
    return name


#: Papers up to which ``--jobs 2`` forks the statistics and the Turtle writer (see
#: :func:`_export`). Each forked step copies the pages it touches (reading a Python object
#: writes its reference count): measured at 150 k simulated papers with 734 k concepts,
#: the export's peak PSS went from 1.21 GB to 2.68 GB (and its time from 81 s to 55 s).
#: Beyond this size the steps run one after the other, so memory stays the link stage's.
FORK_MAX_PAPERS = 500_000


def _export(graph, tmp: Path, options: BuildOptions) -> tuple[dict[str, Any], float]:
    """Write every output of the model and compute its summary statistics; return the
    statistics and the seconds they took.

    With one process (``--jobs 1``) the steps run one after the other. With more, the
    statistics and the Turtle file are made in forked processes while this one writes
    the rest: a fork shares the model's memory, and copies only the pages a process
    writes to (the children keep their garbage collector off, see :mod:`kg.forked`);
    above :data:`FORK_MAX_PAPERS` papers those copies would cost GBs, and the steps run
    one after the other again.
    """
    from kg.forked import Forked
    from kg.rdf import write_rdf
    from kg.store import save_model

    view = graph.view()  # streaming writers: attributes made one node at a time
    beside = ((options.jobs > 1 or options.engine == "dask")
              and len(graph.paper_iris) <= FORK_MAX_PAPERS)
    if not beside:
        save_model(graph, tmp)
        write_rdf(view, tmp / "graph.ttl", format="turtle")
        _other_exports(graph, view, tmp, options)
        return _analyze(graph)
    steps = [Forked(_analyze, graph),
             Forked(write_rdf, view, tmp / "graph.ttl", format="turtle")]
    try:
        save_model(graph, tmp)
        _other_exports(graph, view, tmp, options)
        steps[1].result()
        return steps[0].result()
    finally:
        for step in steps:
            step.cancel()  # only those still running, after an error


def _other_exports(graph, view, tmp: Path, options: BuildOptions) -> None:
    """The ``--export`` formats and the HTML map."""
    from kg.export import export
    from kg.view import write_html

    for fmt in dict.fromkeys(export_format(f) for f in options.exports):
        streams = fmt not in ("gexf", "csv")  # those two copy the graph in networkx anyway
        export(view if streams else graph.to_networkx(), fmt, tmp / EXPORT_NAMES[fmt])
    write_html(graph, tmp / "graph.html", max_nodes=options.html_max_nodes, title=options.title)


def _write_summary(tmp: Path, result: BuildResult, inputs, options: BuildOptions, update: bool) -> None:
    summary = {
        "kg_version": __version__,
        "inputs": [str(p) for p in inputs],
        "update": update,
        "options": asdict(options),
        "counts": result.counts,
        "summary": result.summary_line(),
        "rejects": result.rejects,
        "graph": result.graph,
        "timings_s": result.timings,
        "wall_s": result.wall_s,
        "peak_rss_mb_after": result.peak_rss_mb,
    }
    (tmp / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
