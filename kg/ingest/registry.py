"""The reader registry: input formats by name, alias, file suffix and content sniffing.

Built-in readers are registered in code (:mod:`kg.ingest.formats`). Third-party readers
register through the ``kg.readers`` entry-point group; each entry point names a
:class:`Reader` instance (or a zero-argument callable returning one) and is loaded only
when it is needed: when asked for by name, or when no built-in reader recognizes a file.

Examples
--------
>>> get_reader("json-lines").name
'jsonl'
>>> "bibtex" in available_readers()
True
"""
from __future__ import annotations

import importlib.metadata
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from kg.errors import InputError, PluginError, UnknownFormatError
from kg.ingest.common import sniff_encoding
from kg.ingest.formats import BUILTIN_READERS
from kg.ingest.reader import Reader

__all__ = [
    "ENTRY_POINT_GROUP",
    "Reader",
    "available_readers",
    "detect_format",
    "get_reader",
    "register_reader",
]

ENTRY_POINT_GROUP = "kg.readers"
HEAD_BYTES = 16384

_READERS: dict[str, Reader] = {}
_ALIASES: dict[str, str] = {}
_builtins_loaded = False
_plugins_loaded = False


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def register_reader(reader: Reader, *, replace: bool = False) -> Reader:
    """Add ``reader`` to the registry under its name and aliases and return it.

    Raises
    ------
    PluginError
        If the name or an alias is taken by another reader and ``replace`` is false.

    Examples
    --------
    >>> csv = get_reader("csv")
    >>> register_reader(csv, replace=True) is csv
    True
    >>> register_reader(Reader("my-csv", read=csv.read, aliases=("tsv",)))
    Traceback (most recent call last):
    kg.errors.PluginError: reader name 'tsv' is already used by reader 'tsv'
    """
    names = [_key(reader.name), *(_key(a) for a in reader.aliases)]
    if not replace:
        for n in names:
            owner = _ALIASES.get(n) or (n if n in _READERS else None)
            if owner and owner != _key(reader.name):
                raise PluginError(f"reader name {n!r} is already used by reader {owner!r}")
            if n == _key(reader.name) and n in _READERS:
                raise PluginError(f"a reader named {n!r} is already registered")
    _READERS[names[0]] = reader
    for alias in names[1:]:
        _ALIASES[alias] = names[0]
    return reader


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        for reader in BUILTIN_READERS:
            if _key(reader.name) not in _READERS:
                register_reader(reader)


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)


def _load_entry_point(ep: importlib.metadata.EntryPoint) -> Reader:
    try:
        obj = ep.load()
        reader = obj if isinstance(obj, Reader) else obj()
    except Exception as exc:  # any failure inside third-party code
        raise PluginError(
            f"reader plugin {ep.name!r} ({ep.value}) from entry-point group "
            f"{ENTRY_POINT_GROUP!r} failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(reader, Reader):
        raise PluginError(
            f"reader plugin {ep.name!r} ({ep.value}) is not a kg.ingest.Reader "
            f"(got {type(reader).__name__})"
        )
    aliases = reader.aliases
    if _key(reader.name) != _key(ep.name) and ep.name not in aliases:
        aliases = (*aliases, ep.name)
    return replace(reader, aliases=aliases, plugin=ep.value)


def _plugin_for(name: str) -> Reader | None:
    for ep in _entry_points():
        if _key(ep.name) == name:
            return register_reader(_load_entry_point(ep))
    return None


def _load_plugins() -> None:
    global _plugins_loaded
    if not _plugins_loaded:
        for ep in _entry_points():
            if _key(ep.name) not in _READERS and _key(ep.name) not in _ALIASES:
                register_reader(_load_entry_point(ep))
        _plugins_loaded = True


def available_readers() -> list[str]:
    """Names of every reader: built-in ones first, then plugin entry points (not loaded).

    >>> available_readers()[:2]
    ['daily-papers', 'arxiv-atom']
    """
    _load_builtins()
    names = list(_READERS)
    names += [ep.name for ep in _entry_points() if _key(ep.name) not in names]
    return names


def _choices() -> str:
    return ", ".join(available_readers())


def get_reader(name: str) -> Reader:
    """Return the reader called ``name`` (or one of its aliases, case-insensitive).

    Raises
    ------
    UnknownFormatError
        If no reader has that name; the message lists the valid names.
    PluginError
        If the name belongs to a plugin that fails to load.

    Examples
    --------
    >>> get_reader("JSON_Lines").name, get_reader("bib").name
    ('jsonl', 'bibtex')
    """
    _load_builtins()
    key = _key(name)
    key = _ALIASES.get(key, key)
    if key in _READERS:
        return _READERS[key]
    reader = _plugin_for(key)
    if reader is None:
        raise UnknownFormatError(f"unknown format {name!r}; choose one of: {_choices()}")
    return reader


def reader_aliases() -> dict[str, list[str]]:
    """Loaded reader names mapped to their aliases (for ``kg formats``).

    Examples
    --------
    >>> reader_aliases()["jsonl"]
    ['json-lines', 'jsonlines', 'ndjson']
    """
    _load_builtins()
    return {name: [a for a, n in _ALIASES.items() if n == name] for name in _READERS}


def read_head(path: Path, size: int = HEAD_BYTES) -> str:
    """The first ``size`` bytes of ``path`` decoded leniently (BOM dropped), in the
    encoding its start shows (:func:`~kg.ingest.common.sniff_encoding`: UTF-8, or UTF-16
    or UTF-32 with a BOM).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "refs.bib"
    >>> _ = path.write_bytes(b"\\xef\\xbb\\xbf@article{a, title={T}}")
    >>> read_head(path), read_head(path, size=12)
    ('@article{a, title={T}}', '@article{')
    >>> _ = path.write_bytes("@article{a, title={T}}".encode("utf-16"))
    >>> read_head(path)
    '@article{a, title={T}}'
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(size)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    codec, bom = sniff_encoding(data)
    return data[bom:].decode(codec, errors="replace")


def file_suffix(path: Path) -> str:
    """The lower-cased last suffix of ``path`` (``".jsonl"``), used for detection.

    Examples
    --------
    >>> file_suffix(Path("refs.BIB")), file_suffix(Path("papers.jsonl.gz"))
    ('.bib', '.gz')
    """
    return path.suffix.lower()


def _sniffing(readers: list[Reader], path: Path, head: str) -> Reader | None:
    for reader in sorted(readers, key=lambda r: -r.priority):
        if reader.sniff(path, head):
            return reader
    return None


def detect_format(path: str | Path) -> str:
    """Name of the reader for ``path``, from its suffix and its first few KB.

    Readers claiming the file's suffix sniff first (highest priority first), then all
    other readers; when none recognizes the content, the suffix's fallback reader is
    used (e.g. ``jsonl`` for ``.jsonl``), so a file whose first record is broken still
    reads, record by record.

    Raises
    ------
    InputError
        If the file does not exist or cannot be read.
    UnknownFormatError
        If no reader recognizes the file; the message names it, lists the formats and
        suggests ``--format``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "papers.txt"
    >>> _ = path.write_text('{"id": "r1", "title": "LoRA", "abstract": "A."}\\n')
    >>> detect_format(path)
    'jsonl'
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    _load_builtins()
    head = read_head(path)
    suffix = file_suffix(path)
    found = _detect_among(list(_READERS.values()), path, head, suffix)
    if found is None:
        _load_plugins()
        found = _detect_among(list(_READERS.values()), path, head, suffix)
    if found is None:
        what = "an empty file" if not head.strip() else "no known format"
        raise UnknownFormatError(
            f"{path}: cannot detect the input format ({what}); pass --format with one of: "
            f"{_choices()}"
        )
    return found.name


def _detect_among(readers: list[Reader], path: Path, head: str, suffix: str) -> Reader | None:
    claiming = [r for r in readers if suffix and suffix in r.suffixes]
    found = _sniffing(claiming, path, head)
    if found is None and head.strip():
        found = _sniffing([r for r in readers if r not in claiming], path, head)
    if found is None:
        found = next((r for r in sorted(claiming, key=lambda r: -r.priority) if r.fallback), None)
    return found
