"""Reading many input files into one de-duplicated list of papers."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from kg.errors import InputError, NoValidRecordsError, RecordError
from kg.ingest.common import BadFile
from kg.ingest.merge import MAX_CONFLICTS_LISTED, SpooledMerge, paper_of_line, merge_papers
from kg.ingest.registry import available_readers, detect_format, file_suffix, get_reader
from kg.types import Paper, Reject

__all__ = ["IngestResult", "expand_inputs", "iter_records", "read_inputs", "write_inputs"]

MAX_REASONS_SHOWN = 3


@dataclass
class IngestResult:
    """What :func:`read_inputs` read.

    ``read`` counts every record seen (papers before merging plus rejects), ``kept`` the
    unique papers after merging, ``merged`` the records folded into another one, and
    ``rejected`` the bad records: ``read == kept + merged + rejected`` always holds.
    ``per_file`` maps each file to ``{"format", "read", "papers", "rejected"}``.

    ``conflicts`` lists the first :data:`~kg.ingest.merge.MAX_CONFLICTS_LISTED` (100)
    disagreements between records merged into one paper (different titles or authors,
    each line naming the paper, both values and their files; see
    :func:`~kg.ingest.merge.merge_conflicts`), and ``conflict_count`` counts them all.
    """

    papers: list[Paper]
    rejects: list[Reject]
    read: int
    kept: int
    merged: int
    rejected: int
    per_file: dict[str, dict[str, object]] = field(default_factory=dict)
    #: :func:`write_inputs` only: the papers written (after merging with ``previous``)
    #: and how many previous papers there were
    written: int = 0
    previous: int = 0
    #: disagreements between merged records (first 100 listed, all counted)
    conflicts: list[str] = field(default_factory=list)
    conflict_count: int = 0

    def summary_line(self) -> str:
        """``"read N, kept K, merged M, rejected R"``."""
        return (f"read {self.read}, kept {self.kept}, merged {self.merged}, "
                f"rejected {self.rejected}")


def _known_suffixes() -> set[str]:
    suffixes: set[str] = set()
    for name in available_readers():
        try:
            suffixes.update(get_reader(name).suffixes)
        except Exception:  # a broken plugin must not break directory listing
            continue
    return suffixes


def expand_inputs(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """Files to read: each path as is, each directory as its files (recursively, sorted)
    whose suffix some reader claims. Checks every path exists before anything is read.

    Raises
    ------
    InputError
        If a path does not exist, or a directory holds no readable file.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.jsonl", "notes.xyz"):
    ...     _ = (folder / name).write_text("")
    >>> [p.name for p in expand_inputs(folder)]
    ['a.jsonl', 'b.csv']
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    suffixes: set[str] | None = None
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            suffixes = suffixes if suffixes is not None else _known_suffixes()
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and file_suffix(p) in suffixes
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                raise InputError(f"{path}: directory holds no file of a known format "
                                 f"({', '.join(sorted(suffixes))})")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        elif path.exists():
            raise InputError(f"{path}: not a regular file")
        else:
            raise InputError(f"{path}: no such file or directory")
    return out


def iter_records(path: str | Path, fmt: str | None = None) -> Iterator[Paper | Reject]:
    """Stream the papers and rejects of one file.

    Parameters
    ----------
    path : str or Path
        The input file.
    fmt : str, optional
        A reader name or alias; detected from the file when not given.

    Raises
    ------
    InputError
        If the file is missing or unreadable; :class:`~kg.errors.UnknownFormatError`
        if ``fmt`` is unknown or the format cannot be detected.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.jsonl"
    >>> _ = path.write_text('{"title": "LoRA", "abstract": "We adapt."}\\n{"title": "QLoRA"}\\n')
    >>> [r.title if isinstance(r, Paper) else r.reason for r in iter_records(path)]
    ['LoRA', 'missing or empty abstract']
    """
    path = Path(path)
    reader = get_reader(fmt) if fmt else get_reader(detect_format(path))
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    try:
        yield from reader.read(path)
    except BadFile as exc:  # e.g. an invalid UTF-16 sequence: the file is one reject
        yield Reject(str(path), exc.location, exc.reason)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _no_valid(per_file: dict[str, dict[str, object]], rejects: list[Reject]) -> str:
    lines = ["no valid paper was read from the inputs:"]
    for name, counts in per_file.items():
        mine = [r for r in rejects if r.source == name]
        reasons = "; ".join(f"{r.location}: {r.reason}" for r in mine[:MAX_REASONS_SHOWN])
        more = f" (+{len(mine) - MAX_REASONS_SHOWN} more)" if len(mine) > MAX_REASONS_SHOWN else ""
        detail = f": {reasons}{more}" if mine else ": no records found"
        lines.append(f"  {name} [{counts['format']}]: {counts['rejected']} rejected{detail}")
    return "\n".join(lines)


class _Reading:
    """Reading many files: the papers stream out, the counts and rejects stay here."""

    def __init__(self, paths, fmt: str | None, strict: bool) -> None:
        self.files = expand_inputs(paths)
        if not self.files:
            raise InputError("no input files given")
        # every file's format is known (or refused) before anything is read
        self.readers = {f: get_reader(fmt) if fmt else get_reader(detect_format(f))
                        for f in self.files}
        self.strict = strict
        self.rejects: list[Reject] = []
        self.per_file: dict[str, dict[str, object]] = {}
        self.papers = 0
        self.current = ""  # the file being read (the origin of the papers yielded)

    def __iter__(self) -> Iterator[Paper]:
        for path in self.files:
            counts = {"format": self.readers[path].name, "read": 0, "papers": 0, "rejected": 0}
            self.current = str(path)
            self.per_file[self.current] = counts
            for record in iter_records(path, self.readers[path].name):
                counts["read"] += 1
                if isinstance(record, Reject):
                    if self.strict:
                        raise RecordError(str(record))
                    self.rejects.append(record)
                    counts["rejected"] += 1
                else:
                    counts["papers"] += 1
                    self.papers += 1
                    yield record
        if not self.papers:
            raise NoValidRecordsError(_no_valid(self.per_file, self.rejects))

    def result(self, papers: list[Paper], kept: int, merged: int) -> IngestResult:
        return IngestResult(papers=papers, rejects=self.rejects,
                            read=self.papers + len(self.rejects), kept=kept, merged=merged,
                            rejected=len(self.rejects), per_file=self.per_file)


def read_inputs(
    paths: Iterable[str | Path] | str | Path,
    fmt: str | None = None,
    strict: bool = False,
) -> IngestResult:
    """Read every input file, collect rejects, and merge duplicate papers.

    Parameters
    ----------
    paths : path or iterable of paths
        Files or directories (read recursively) in any supported format.
    fmt : str, optional
        Format for all inputs; detected per file when not given.
    strict : bool
        Raise :class:`~kg.errors.RecordError` at the first bad record.

    Returns
    -------
    IngestResult

    Raises
    ------
    InputError
        A path is missing or unreadable, or its format is unknown (checked before reading).
    RecordError
        Under ``strict``, at the first bad record (message names file and location).
    NoValidRecordsError
        If no input held a single valid paper.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.jsonl").write_text('{"id": "2106.09685", "title": "LoRA", '
    ...                                     '"abstract": "A."}\\n')
    >>> _ = (folder / "b.csv").write_text("id,title,abstract\\n"
    ...                                   "2106.09685,LoRA,A.\\nr2,QLoRA,B.\\n")
    >>> result = read_inputs(folder)
    >>> result.summary_line(), [p.id for p in result.papers]
    ('read 3, kept 2, merged 1, rejected 0', ['2106.09685', 'r2'])
    """
    reading = _Reading(paths, fmt, strict)
    papers: list[Paper] = []
    origins: list[str] = []
    for paper in reading:
        papers.append(paper)
        origins.append(reading.current)
    merged = merge_papers(papers, origins)
    result = reading.result(merged.papers, len(merged.papers), merged.merged)
    result.conflicts, result.conflict_count = merged.conflicts, merged.conflict_count
    return result


def write_inputs(
    paths: Iterable[str | Path] | str | Path,
    dest: str | Path,
    fmt: str | None = None,
    strict: bool = False,
    *,
    previous: Iterable[Paper] | None = None,
) -> IngestResult:
    """:func:`read_inputs`, written to ``dest`` as ``papers.jsonl`` instead of returned:
    the papers stream from the readers into the file, and only their keys stay in memory
    (:class:`~kg.ingest.merge.SpooledMerge`), so memory does not grow with the papers.

    The file holds exactly what ``write_papers(read_inputs(...).papers)`` would; the
    result's ``papers`` is empty. ``previous`` papers (those of an earlier build, for
    ``kg build --update``) are merged with the inputs as ``merge_papers(previous +
    read_inputs(...).papers)`` would; they count in neither ``read`` nor ``kept``, and
    the records they absorb count in ``merged``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "b.csv").write_text("id,title,abstract\\n"
    ...                                   "r1,LoRA,A.\\nr1,LoRA,A.\\nr2,,B.\\n")
    >>> result = write_inputs(folder / "b.csv", folder / "papers.jsonl")
    >>> lines = (folder / "papers.jsonl").read_text().splitlines()
    >>> result.summary_line(), result.written, len(lines)
    ('read 3, kept 1, merged 1, rejected 1', 1, 1)
    """
    dest = Path(dest)
    reading = _Reading(paths, fmt, strict)
    spool = SpooledMerge(dest.with_name(dest.name + ".spool"))
    try:
        for paper in reading:
            spool.add(paper, reading.current)
    except BaseException:
        spool.close()
        spool.spool.unlink(missing_ok=True)
        raise
    result = reading.result([], 0, 0)
    if previous is None:
        result.kept = result.written = spool.write_to(dest)
        result.merged = spool.merged
        result.conflicts, result.conflict_count = spool.conflicts, spool.conflict_count
        return result
    # two merges, as kg build --update did: the inputs among themselves, then all
    new = dest.with_name(dest.name + ".new")
    result.kept = spool.write_to(new)
    result.merged = spool.merged
    everything = SpooledMerge(dest.with_name(dest.name + ".all"))
    try:
        for paper in previous:
            everything.add(paper, "the previous build")
            result.previous += 1
        with open(new, "rb") as fh:
            for line in fh:
                everything.add(paper_of_line(line), "the inputs")
    except BaseException:
        everything.close()
        everything.spool.unlink(missing_ok=True)
        raise
    finally:
        new.unlink(missing_ok=True)
    result.written = everything.write_to(dest)
    result.merged += everything.merged
    result.conflicts = (spool.conflicts + everything.conflicts)[:MAX_CONFLICTS_LISTED]
    result.conflict_count = spool.conflict_count + everything.conflict_count
    return result
