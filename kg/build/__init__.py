"""The whole build: ingest → extract → link → export, into one directory (``kg build``).

:func:`build` runs the stages of :mod:`kg.build.pipeline`; extraction runs in one
process, a pool of local processes (:mod:`kg.build.engine`) or on a Dask cluster
(:mod:`kg.build.dask_engine`), with the same output.

Examples
--------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "kg-out"
>>> result = build([DEMO_CORPUS], out)
>>> result.summary_line()
'read 55, kept 55, merged 0, rejected 0'
"""
from kg.build.pipeline import (
    DEMO_CORPUS,
    BuildOptions,
    BuildResult,
    build,
    default_jobs,
    export_format,
)

__all__ = ["DEMO_CORPUS", "BuildOptions", "BuildResult", "build", "default_jobs", "export_format"]
