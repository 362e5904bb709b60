"""Text clean-up: meaning kept, form normalized."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.text import clean_text, clean_title, strip_tags


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("deep\nnetworks", "deep networks"),
        ("over-\nparameterized models", "over-parameterized models"),
        ("over-  \n  parameterized", "over-parameterized"),
        ("not mysterious --\nthey originate", "not mysterious -- they originate"),
        ("Q&amp;A &lt;b&gt; it&#39;s", "Q&A <b> it's"),
        ("<jats:p>First.</jats:p><jats:p>Second.</jats:p>", "First.\n\nSecond."),
        ("a <i>small</i> <sub>2</sub>model", "a small 2model"),
        ("line one\r\nline two", "line one line two"),
        ("  lots \t of\u00a0 space  ", "lots of space"),
        ("para one\n\n\n  para two", "para one\n\npara two"),
        ("", ""),
        (None, ""),
    ],
)
def test_clean_text_cases(raw, expected):
    assert clean_text(raw) == expected


def test_latex_is_kept_readable():
    raw = "a rate of $O(1/\\sqrt{n})$\nfor \\emph{wide}   networks with $\\ell_2$ loss"
    assert clean_text(raw) == "a rate of $O(1/\\sqrt{n})$ for \\emph{wide} networks with $\\ell_2$ loss"


def test_comparisons_are_not_taken_for_tags():
    assert clean_text("if $a<b$ and c > d then x<y") == "if $a<b$ and c > d then x<y"
    assert strip_tags("a <unknowntag> b") == "a <unknowntag> b"


def test_unicode_is_nfc():
    decomposed = "cafe\u0301 Gödel".replace("ö", "o\u0308")
    out = clean_text(decomposed)
    assert out == "café Gödel"
    assert unicodedata.is_normalized("NFC", out)


def test_clean_title_is_one_line():
    assert clean_title("A Title\n\nin <b>two</b>\nparts") == "A Title in two parts"


# Entities and tags are excluded: "&amp;lt;" legitimately unescapes one level per pass.
@given(st.text().filter(lambda t: "&" not in t and "<" not in t))
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()


@given(st.text())
def test_clean_title_has_no_newlines(text):
    assert "\n" not in clean_title(text)
