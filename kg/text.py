"""Text clean-up that keeps meaning.

Input text arrives with arXiv hard line wraps, HTML entities, JATS/HTML tags and mixed
Unicode forms. :func:`clean_text` repairs those without touching the content: LaTeX math
(``$...$``) and commands (``\\cmd``) are kept, only whitespace around them is normalized.

Examples
--------
>>> clean_text("Deep  nets are\\nover-\\nparameterized &amp; <jats:italic>generalize</jats:italic>")
'Deep nets are over-parameterized & generalize'
>>> clean_title("  Low-Rank\\n Adaptation ")
'Low-Rank Adaptation'
"""
from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["clean_text", "clean_title", "replace_surrogates"]

# Tags that end a paragraph; every other known tag is removed in place.
_BLOCK_TAGS = frozenset(
    "p br div sec section title abstract li ul ol list list-item h1 h2 h3 h4 h5 h6 tr "
    "table caption".split()
)
_INLINE_TAGS = frozenset(
    "i b em strong sup sub span a u tt code sc small big italic bold underline monospace "
    "inline-formula font s strike label ext-link xref named-content".split()
)
_TAG = re.compile(r"</?([A-Za-z][\w.-]*(?::[\w.-]+)?)(?:\s[^<>]*)?/?>")
_WRAP_HYPHEN = re.compile(r"-[ \t]*\n[ \t]*(?=[^\W_])")
_PARAGRAPH = re.compile(r"\n[ \t\f\v\u00a0]*\n\s*")
_SPACE = re.compile(r"\s+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _tag_replacement(match: re.Match[str]) -> str:
    name = match.group(1).lower()
    local = name.rsplit(":", 1)[-1]
    if local in _BLOCK_TAGS:
        return "\n\n"
    if ":" in name or local in _INLINE_TAGS:
        return ""
    return match.group(0)  # not a tag we know (e.g. "a <b and c> d" in prose): keep it


def _join_hyphen_wraps(text: str) -> str:
    """``word-\\nword`` → ``word-word`` (only after a letter, so ``--\\n`` stays a break)."""

    def join(match: re.Match[str]) -> str:
        before = text[match.start() - 1:match.start()]
        return "-" if before.isalpha() else match.group(0)

    return _WRAP_HYPHEN.sub(join, text)


def strip_tags(text: str) -> str:
    """Remove HTML/JATS markup tags; paragraph-level tags become blank lines.

    Only known tag names (and any ``prefix:name`` tag such as ``<jats:p>``) are removed,
    so comparisons like ``a<b`` in prose or math stay.

    >>> strip_tags("<p>A <i>small</i> model</p>")
    '\\n\\nA small model\\n\\n'
    >>> strip_tags("$x<y$ and $z>w$")
    '$x<y$ and $z>w$'
    """
    if "<" not in text:
        return text
    return _TAG.sub(_tag_replacement, text)


def clean_text(text: str | None) -> str:
    """Return ``text`` cleaned for reading and extraction, meaning unchanged.

    Steps: markup tags stripped, HTML entities unescaped, Unicode NFC, Windows line ends
    normalized, hard line wraps joined (a single newline inside a paragraph becomes a
    space; a hyphen at a wrap is kept and joined: ``over-\\nparameterized`` gives
    ``over-parameterized``), whitespace collapsed. Paragraphs (blank-line separated)
    stay separated by one blank line. LaTeX is left as written.

    Parameters
    ----------
    text : str or None
        Raw text; ``None`` gives ``""``.

    Returns
    -------
    str
        The cleaned text, stripped at both ends.

    Examples
    --------
    >>> clean_text("We study\\nneural  tangent kernels.\\n\\nSecond paragraph.")
    'We study neural tangent kernels.\\n\\nSecond paragraph.'
    >>> clean_text("rate $O(1/\\\\sqrt{n})$ under  \\\\emph{mild}\\n assumptions")
    'rate $O(1/\\\\sqrt{n})$ under \\\\emph{mild} assumptions'
    >>> clean_text("it&#39;s caf\\u0065\\u0301 &lt;3 -- fine")
    "it's café <3 -- fine"
    >>> clean_text("a lone \\ud800 surrogate")  # cannot be written as UTF-8
    'a lone \\ufffd surrogate'
    """
    if not text:
        return ""
    text = strip_tags(text)
    if "&" in text:
        text = html.unescape(text)  # after tags: "&lt;b&gt;" is text, not markup
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = replace_surrogates(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text:
        return text.strip() if _is_clean_line(text.strip() or " ") else " ".join(text.split())
    if "-" in text:
        text = _join_hyphen_wraps(text)
    if "\n\n" not in text:
        flat = text.replace("\n", " ").strip()
        if flat and _is_clean_line(flat):
            return flat  # the common hard-wrapped single paragraph
    paragraphs = _PARAGRAPH.split(text)
    return "\n\n".join(p for p in (" ".join(par.split()) for par in paragraphs) if p)


def replace_surrogates(text: str) -> str:
    """``text`` with each lone surrogate (from a ``"\\ud800"`` escape in JSON input; no
    UTF-8 file can hold one) replaced by U+FFFD.

    >>> replace_surrogates("a \\ud800 b") == "a \\ufffd b"
    True
    """
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def clean_title(text: str | None) -> str:
    """Return a title on one line: :func:`clean_text` with every break made a space.

    >>> clean_title("Scaling Laws\\n\\nfor <i>Neural</i> Language Models")
    'Scaling Laws for Neural Language Models'
    """
    if text and _is_clean_line(text):
        return text
    return _SPACE.sub(" ", clean_text(text)).strip()


def _is_clean_line(text: str) -> bool:
    """Fast check that a short string needs no cleaning (the common case for names)."""
    return (
        text.isprintable()
        and "  " not in text
        and "<" not in text
        and "&" not in text
        and text[0] != " "
        and text[-1] != " "
        and (text.isascii() or unicodedata.is_normalized("NFC", text))
    )
