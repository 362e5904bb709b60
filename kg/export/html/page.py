"""The page of a map view: one self-contained HTML file (sigma.js + graphology, inlined).

:func:`render_page` takes the page data of a view (:mod:`kg.export.html.views`) and
returns the HTML: the vendored JavaScript (``assets/``, MIT licensed, licences beside
them) and the viewer's own script and style are inlined, and the data travels as
gzip-compressed JSON in base64 inside a ``<script type="application/octet-stream">``, so
that no text of the data is ever parsed as markup and a 40,000-concept map stays a few
megabytes. Nothing is loaded from anywhere: the page works offline, from a file.

Examples
--------
>>> from kg.query.examples import example_model
>>> from kg.export.html.views import concept_map
>>> html = render_page(concept_map(example_model(), min_papers=1))
>>> page_data(html)["view"], "<script src" in html
('concepts', False)
"""
from __future__ import annotations

import base64
import gzip
import html as _html
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import ExportError
from kg.files import atomic_output

__all__ = ["ASSETS", "page_data", "render_page", "write_page"]

#: Where the vendored JavaScript, its licences and the viewer's script and style live.
ASSETS = Path(__file__).resolve().parent / "assets"
_SCRIPTS = ("graphology.umd.min.js", "sigma.min.js", "view.js")
_DATA = re.compile(r'<script id="kg-data" type="application/octet-stream">([^<]*)</script>')

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body data-state="loading">
<div id="kg-header">
<h1 id="kg-title">{title}</h1>
<p id="kg-note">Loading the map…</p>
<div id="kg-tools">
<span id="kg-search-box"><input id="kg-search" type="search" placeholder="Search concepts, acronyms, paper titles" autocomplete="off" aria-label="Search"><ul id="kg-results"></ul></span>
<span id="kg-types"></span>
<label>Community <select id="kg-group"></select></label>
<span id="kg-years">Years <select id="kg-from"></select> <select id="kg-to"></select></span>
<button id="kg-reset" type="button">Reset</button>
<span id="kg-count"></span>
</div>
</div>
<div id="kg-main">
<div id="kg-map"><div id="kg-overlay"></div><div id="kg-legend"></div></div>
<aside id="kg-panel"><button id="kg-close" type="button" aria-label="Close">×</button><div id="kg-panel-body"></div></aside>
</div>
<noscript><p>This map needs JavaScript.</p></noscript>
<script id="kg-data" type="application/octet-stream">{data}</script>
{scripts}
</body>
</html>
"""


@lru_cache(maxsize=None)
def _asset(name: str) -> str:
    path = ASSETS / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:  # pragma: no cover - a broken installation
        raise ExportError(f"the map viewer's {name} is missing from the package: {e}") from e
    # an inlined script must not close its own <script> element
    return text.replace("</script", "<\\/script")


def render_page(data: dict[str, Any]) -> str:
    """The HTML page of a view's data (see the module docstring).

    Examples
    --------
    >>> page = render_page({"title": "<b>x</b>", "view": "concepts"})
    >>> "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page
    True
    """
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    payload = base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")
    scripts = "\n".join(f"<script>{_asset(name)}</script>" for name in _SCRIPTS)
    return _TEMPLATE.format(title=_html.escape(str(data.get("title") or "kg map")),
                            css=_asset("view.css"), data=payload, scripts=scripts)


def page_data(html: str) -> dict[str, Any]:
    """The data inside a page made by :func:`render_page`.

    Examples
    --------
    >>> page_data(render_page({"title": "t", "n": 1}))["n"]
    1
    """
    match = _DATA.search(html)
    if match is None:
        raise ExportError("not a kg map page: no map data in it")
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


def write_page(data: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the page of ``data`` to ``path`` atomically; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_page({"title": "t"}, pathlib.Path(tempfile.mkdtemp()) / "m.html")
    >>> page_data(out.read_text(encoding="utf-8"))["title"]
    't'
    """
    page = render_page(data)
    with atomic_output(path, "w") as fh:
        fh.write(page)
    return Path(path)
