"""A picture of a map page: headless Chromium's ``--screenshot``.

:func:`screenshot` runs Debian's ``chromium`` (or the browser named by ``$KG_CHROMIUM``)
headless, with no network (every host name fails to resolve) and a fresh profile, and
waits long enough in virtual time for the page to draw.

Examples
--------
>>> find_chromium(["/nonexistent/chromium"]) is None
True
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kg.errors import ExportError
from kg.files import atomic_output

__all__ = ["CHROMIUM_ARGS", "find_chromium", "screenshot"]

#: Flags for a headless, offline, throw-away Chromium (a fresh ``--user-data-dir`` is added).
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars",
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(candidates=None) -> str | None:
    """The Chromium executable to use: ``$KG_CHROMIUM``, else the first of ``candidates``
    (default: chromium, chromium-browser, google-chrome) found on ``PATH``; None if none.

    Examples
    --------
    >>> find_chromium([]) is None or "KG_CHROMIUM" in os.environ
    True
    """
    env = os.environ.get("KG_CHROMIUM")
    if env and candidates is None:
        return env
    for name in (_CANDIDATES if candidates is None else candidates):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(page: str | os.PathLike[str], out: str | os.PathLike[str], *,
               width: int = 1400, height: int = 900, wait_ms: int = 15000,
               timeout: float = 180.0) -> Path:
    """Render the HTML file ``page`` in headless Chromium and write a PNG to ``out``.

    Parameters
    ----------
    page : path-like
        A map page (any HTML file).
    out : path-like
        The PNG, written atomically.
    width, height : int
        Window size in pixels.
    wait_ms : int
        Virtual time the page gets to load and draw before the picture is taken.
    timeout : float
        Seconds of real time before giving up.

    Raises
    ------
    ExportError
        If Chromium is not installed, fails, or writes no picture.

    Examples
    --------
    >>> try:
    ...     screenshot("/nonexistent.html", "/tmp/x.png")
    ... except ExportError as e:
    ...     print("error")
    error
    """
    page = Path(page)
    if not page.is_file():
        raise ExportError(f"{page}: no such page to picture")
    chromium = find_chromium()
    if chromium is None:
        raise ExportError("--png needs Chromium: install it (Debian: apt-get install chromium) "
                          "or name its executable in $KG_CHROMIUM")
    with tempfile.TemporaryDirectory(prefix="kg-png-") as tmp:
        shot = Path(tmp) / "shot.png"
        cmd = [chromium, *CHROMIUM_ARGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--window-size={width},{height}", f"--virtual-time-budget={wait_ms}",
               f"--screenshot={shot}", page.resolve().as_uri()]
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ExportError(f"chromium could not picture {page}: {e}") from e
        if result.returncode != 0 or not shot.is_file() or shot.stat().st_size == 0:
            tail = (result.stderr or "").strip().splitlines()[-3:]
            raise ExportError(f"chromium made no picture of {page} (exit {result.returncode}): "
                              + " | ".join(tail))
        with atomic_output(out, "wb") as fh:
            fh.write(shot.read_bytes())
    return Path(out)
