"""The whole build: ingest → extract → link → analyze → export, into one directory.

:func:`build` is what ``kg build`` runs. Every stage is a plain call on plain data, so the
same steps can be driven from a notebook.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import resource
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from kg import __version__
from kg.build.engine import DEFAULT_CHUNK, extract_jsonl
from kg.errors import ExportError, KGError
from kg.export import export, write_rdf
from kg.export.html import write_view
from kg.export.formats import FORMATS, canonical_format, names_of_kind
from kg.extract import ExtractSettings
from kg.files import replaceable_directory
from kg.forked import Forked
from kg.ingest import write_inputs
from kg.model import GraphModel, save_model
from kg.model.papers import PapersFile
from kg.model.store import (
    EXTRACTIONS_FILE,
    PAPERS_FILE,
    SUMMARY_FILE,
    atomic_directory,
    check_papers,
    file_record,
    iter_papers,
)
from kg.ontology import load_ontology
from kg.progress import ProgressFn
from kg.query import graph_stats
from kg.query.communities import community_ids
from kg.types import Paper

__all__ = ["DEMO_CORPUS", "BuildOptions", "BuildResult", "StageTimer", "build", "default_jobs",
           "export_format", "shard_dir"]

#: The bundled demo corpus (a Daily Papers page): ``kg build --demo``.
DEMO_CORPUS = Path(__file__).resolve().parent.parent / "data" / "demo-daily-papers.txt"
#: Most extraction processes :func:`default_jobs` picks.
MAX_DEFAULT_JOBS = 8


@dataclass
class BuildOptions:
    """Settings of one build; the CLI options map one to one onto these fields.

    ``jobs`` is the number of extraction processes; None picks :func:`default_jobs` for
    the papers read (the CLI's default), and the summary records the number used.
    """

    fmt: str | None = None
    strict: bool = False
    model: str | None = None
    discovery: bool = True
    acronym_min_papers: int = 2
    top_k: int = 10
    jobs: int | None = 1
    engine: str = "local"
    scheduler: str | None = None
    resume: bool = True
    html_max_nodes: int | None = None
    exports: tuple[str, ...] = ()
    title: str = "kg: papers and concepts"


@dataclass
class BuildResult:
    """What a build did: counts, rejects, timings and where it wrote."""

    out_dir: Path
    counts: dict[str, int]
    rejects: list[str]
    conflicts: list[str] = field(default_factory=list)
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


class StageTimer:
    """Wall time of each stage of a build, and the process's peak RSS (MiB) at its end.

    A stage is timed between :meth:`start` and :meth:`stop`, or over a ``with
    timer.stage(name):`` block; a stage timed twice adds up.

    Examples
    --------
    >>> timer = StageTimer()
    >>> with timer.stage("ingest"):
    ...     pass
    >>> list(timer.timings), timer.timings["ingest"] >= 0
    (['ingest'], True)
    """

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.peak_rss_mb: dict[str, int] = {}
        self._started: tuple[str, float] | None = None

    def start(self, name: str) -> None:
        self._started = (name, time.perf_counter())

    def stop(self, name: str) -> None:
        if self._started is None or self._started[0] != name:
            raise RuntimeError(f"stage {name!r} was not started")
        t0 = self._started[1]
        self._started = None
        self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t0, 3)
        self.peak_rss_mb[name] = _peak_rss_mb()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.start(name)
        yield
        self.stop(name)


def _peak_rss_mb() -> int:
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

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "papers.jsonl").write_text(
    ...     '{"id": "p1", "title": "LoRA", "abstract": "We fine-tune with LoRA."}\\n'
    ...     '{"id": "p2", "title": "QLoRA", "abstract": "We fine-tune quantized LoRA models."}\\n')
    >>> result = build([folder / "papers.jsonl"], folder / "out")
    >>> result.summary_line(), result.graph["nodes"]
    ('read 2, kept 2, merged 0, rejected 0', {'concept': 9, 'paper': 2})
    >>> sorted(p.name for p in (folder / "out").iterdir())
    ['extractions.jsonl.gz', 'graph.html', 'graph.kg.npz', 'graph.ttl', 'papers.jsonl',
     'summary.json']
    """
    options = options or BuildOptions()
    # checked before any work; a symlink is followed: its target is replaced, the link kept
    out_dir = replaceable_directory(Path(out_dir))
    try:
        return _build(inputs, out_dir, options, update, progress)
    except OSError as exc:  # a full disk, a read-only file system: one line naming the file
        raise _os_error(exc, out_dir) from exc
    except KGError as exc:
        raise _in_output(exc, out_dir)


def _build(inputs, out_dir: Path, options: BuildOptions, update: bool,
           progress: ProgressFn | None) -> BuildResult:
    timer = StageTimer()
    started = time.perf_counter()

    with atomic_directory(out_dir) as tmp:
        with timer.stage("ingest"):
            counts, rejects, conflicts = _ingest(inputs, options, out_dir, tmp, update)
        if options.jobs is None:
            options = replace(options, jobs=default_jobs(counts["papers"]))
        # from here on the papers are read from papers.jsonl, never held: the model reads
        # them one at a time (keeping its own columns), extraction cuts the file into
        # byte ranges that the workers read themselves
        papers = PapersFile(tmp / PAPERS_FILE)

        # extraction streams into the model: workers hand over each chunk's JSON Lines,
        # gzip-compressed (appended to extractions.jsonl.gz: gzip members concatenate),
        # and its compact rows (aggregated into the model's columns as they come); "link"
        # is what follows: ordering and the derived links
        extract_stats: dict[str, int] = {}
        extraction = _extract(papers, options, shard_dir(out_dir), progress, extract_stats)
        try:
            with _naming(tmp / EXTRACTIONS_FILE), open(tmp / EXTRACTIONS_FILE, "wb") as fh:
                def rows():
                    with timer.stage("extract"):
                        for data, chunk_rows in extraction:
                            with _naming(tmp / EXTRACTIONS_FILE):
                                fh.write(data)
                            yield from chunk_rows
                    timer.start("link")

                graph = _link(papers, rows(), options, counts["papers"])
        finally:  # on any error (or SIGTERM) the extraction workers stop now
            extraction.close()
        timer.stop("link")
        counts.update(extract_stats)

        # the writers and the statistics (beside each other with --jobs 2, see _export)
        with timer.stage("export"):
            graph.params["provenance"] = {"kg_version": __version__,
                                          "inputs": sorted(Path(p).name for p in inputs)}
            _label_communities(graph)
            stats, analyze_s = _export(graph, tmp, options)
        timer.timings["analyze"] = analyze_s
        if options.jobs == 1 and options.engine != "dask":  # else analyze overlapped export
            timer.timings["export"] = round(timer.timings["export"] - analyze_s, 3)
        timer.peak_rss_mb["analyze"] = timer.peak_rss_mb["export"]
        result = BuildResult(
            out_dir=out_dir,
            counts=counts,
            rejects=rejects,
            conflicts=conflicts,
            graph=stats,
        )
        result.timings = timer.timings
        result.wall_s = round(time.perf_counter() - started, 3)
        result.peak_rss_mb = timer.peak_rss_mb
        with _naming(tmp / SUMMARY_FILE):
            _write_summary(tmp, result, inputs, options, update)
    return result


@contextlib.contextmanager
def _naming(path: Path) -> Iterator[None]:
    """Give an error of the file system in the block the file's name if it has none (a
    write to a full disk names no file)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


#: errors of the file system that mean "cannot write here"
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                 errno.EFBIG}


def _os_error(exc: OSError, out_dir: Path) -> ExportError:
    """One line for an error of the file system during a build: the file (its place in
    ``out_dir`` rather than in the temporary directory) and the reason."""
    where = _output_path(str(exc.filename), out_dir) if exc.filename else str(out_dir)
    reason = exc.strerror or str(exc)
    if exc.errno in _WRITE_ERRORS:
        return ExportError(f"cannot write {where}: {reason}")
    return ExportError(f"{where}: {reason}")


def _output_path(text: str, out_dir: Path) -> str:
    """``text`` with the build's temporary directory (``.NAME.tmp-XXXX``) named as
    ``out_dir``, the place its files were to have."""
    prefix = re.escape(str(out_dir.parent / f".{out_dir.name}.tmp-")) + r"[^/\s:]+"
    return re.sub(prefix, lambda _: str(out_dir), text)


def _in_output(exc: KGError, out_dir: Path) -> KGError:
    """``exc``, or the same error naming ``out_dir`` instead of the temporary directory."""
    message = str(exc)
    renamed = _output_path(message, out_dir)
    if renamed == message:
        return exc
    try:
        new = type(exc)(renamed)
    except TypeError:
        return exc
    new.__cause__ = exc
    return new


def _ingest(inputs, options: BuildOptions, out_dir: Path, tmp: Path,
            update: bool) -> tuple[dict[str, int], list[str], list[str]]:
    """Read (and with ``update`` merge) the papers straight into ``papers.jsonl``.

    The papers stream from the readers to the file; only their keys (for merging
    duplicates) are held meanwhile, so memory does not grow with the papers
    (:func:`kg.ingest.write_inputs`). Returns the counts, the rejects as text, and the
    merge conflicts (two records of one paper that disagree on the title or authors).
    """
    previous = None
    if update:
        # a GraphError naming out_dir if there is no build to update, or if its papers
        # changed since it was built (a truncated file would silently lose papers)
        check_papers(out_dir)
        previous = iter_papers(out_dir)
    ingest = write_inputs([Path(p) for p in inputs], tmp / PAPERS_FILE, fmt=options.fmt,
                          strict=options.strict, previous=previous)
    counts = {"read": ingest.read, "kept": ingest.kept, "merged": ingest.merged,
              "rejected": ingest.rejected, "conflicts": ingest.conflict_count}
    if update:
        counts["previous"] = ingest.previous
    counts["papers"] = ingest.written
    return counts, [str(r) for r in ingest.rejects], list(ingest.conflicts)


def shard_dir(out_dir: Path) -> Path:
    """Where finished extraction chunks of a build into ``out_dir`` are kept.

    A hidden sibling (``.NAME.shards``), so that a killed build resumes from the chunks it
    finished and the atomic swap of ``out_dir`` never touches it.

    Examples
    --------
    >>> str(shard_dir(Path("/data/kg-out")))
    '/data/.kg-out.shards'
    """
    return out_dir.parent / f".{out_dir.name}.shards"


def _extract(papers: PapersFile, options: BuildOptions, shards: Path,
             progress: ProgressFn | None, stats: dict) -> Iterable[tuple[bytes, list]]:
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

    With --jobs > 1 the similarity search forks (see :func:`kg.model.links.similar_candidates`),
    up to :data:`FORK_MAX_PAPERS` papers, as the export steps do: the 2.5 M simulation's
    peak memory is in this stage and was measured without a fork.
    """
    jobs = options.jobs if n_papers <= FORK_MAX_PAPERS else 1
    return GraphModel.build(papers, None, load_ontology(), top_k=options.top_k, rows=rows,
                            jobs=jobs)


def _label_communities(graph) -> None:
    """Give each concept its community number (:func:`kg.query.community_ids`: Louvain on
    the co-occurrence graph, 0 the largest) as the node attribute ``community``, which every
    export writes and ``kg communities`` reads back."""
    for attrs in graph.concept_attrs:
        attrs.pop("community", None)
    index = {iri: k for k, iri in enumerate(graph.concept_iris)}
    for iri, number in community_ids(graph).items():
        graph.concept_attrs[index[iri]]["community"] = number


def _analyze(graph) -> tuple[dict[str, Any], float]:
    """The summary statistics of the model (its communities counted from the concepts'
    ``community``), and the seconds they took."""
    t0 = time.perf_counter()
    stats = graph_stats(graph, communities=False)
    stats["concept_communities"] = len({a["community"] for a in graph.concept_attrs
                                        if "community" in a})
    return stats, round(time.perf_counter() - t0, 3)


#: Files every build writes beside papers.jsonl and extractions.jsonl.gz.
CORE_OUTPUTS = ("graph.kg.npz", FORMATS["turtle"].file_name, FORMATS["html"].file_name)
#: The formats ``kg build --export`` adds (the others are always written).
OPTIONAL_EXPORTS = tuple(n for n in names_of_kind() if n not in ("turtle", "html"))


def export_format(fmt: str) -> str:
    """The canonical name of an optional build export (``--export``), or ExportError
    naming the valid ones.

    Examples
    --------
    >>> export_format("nt"), export_format("GraphML")
    ('ntriples', 'graphml')
    """
    try:
        name = canonical_format(fmt)
    except ExportError:
        name = None
    if name not in OPTIONAL_EXPORTS:
        raise ExportError(
            f"unknown --export format {fmt!r}; choose from {', '.join(sorted(OPTIONAL_EXPORTS))} "
            "(graph.ttl and graph.html are always written)")
    return name


def default_jobs(papers: int | None = None) -> int:
    """Extraction processes of a build when none are asked for: one per usable core
    (the cores this process may run on), at most :data:`MAX_DEFAULT_JOBS`, and no more
    than the chunks of ``papers`` to extract (a process per chunk of
    :data:`~kg.build.engine.DEFAULT_CHUNK` papers; a small list runs in this process).

    Examples
    --------
    >>> 1 <= default_jobs() <= MAX_DEFAULT_JOBS
    True
    >>> default_jobs(papers=55)  # one chunk: nothing to share out
    1
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    jobs = min(cores, MAX_DEFAULT_JOBS)
    if papers is not None:
        jobs = min(jobs, -(-papers // DEFAULT_CHUNK))
    return max(1, jobs)


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
    beside = ((options.jobs > 1 or options.engine == "dask")
              and len(graph.paper_iris) <= FORK_MAX_PAPERS)
    if not beside:
        save_model(graph, tmp)
        write_rdf(graph, tmp / FORMATS["turtle"].file_name, format="turtle")
        _other_exports(graph, tmp, options)
        return _analyze(graph)
    steps = [Forked(_analyze, graph),
             Forked(write_rdf, graph, tmp / FORMATS["turtle"].file_name, format="turtle")]
    try:
        save_model(graph, tmp)
        _other_exports(graph, tmp, options)
        steps[1].result()
        return steps[0].result()
    finally:
        for step in steps:
            step.cancel()  # only those still running, after an error


def _other_exports(graph, tmp: Path, options: BuildOptions) -> None:
    """The ``--export`` formats and the HTML map."""
    for fmt in dict.fromkeys(export_format(f) for f in options.exports):
        export(graph, fmt, tmp / FORMATS[fmt].file_name)
    write_view(graph, tmp / FORMATS["html"].file_name, "concepts",
               max_nodes=options.html_max_nodes, title=options.title)


def _write_summary(tmp: Path, result: BuildResult, inputs, options: BuildOptions, update: bool) -> None:
    summary = {
        "kg_version": __version__,
        "inputs": [str(p) for p in inputs],
        "update": update,
        "options": asdict(options),
        "counts": result.counts,
        "summary": result.summary_line(),
        "rejects": result.rejects,
        "conflicts": result.conflicts,
        "graph": result.graph,
        "timings_s": result.timings,
        "wall_s": result.wall_s,
        "peak_rss_mb_after": result.peak_rss_mb,
        # checked by kg build --update before it reads the papers back
        "papers_file": file_record(tmp / PAPERS_FILE),
    }
    (tmp / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
