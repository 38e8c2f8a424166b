"""Text from Spotify stays text in Markdown (lake/markdown.py): rendered by GitHub's own GFM
renderer (cmark-gfm: tables, autolink literals, strikethrough, raw HTML), a hostile name opens no
link, image, HTML, emphasis, heading, list or table cell, and reads as the name itself."""

import html
import re

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from spotify_assets.lake.markdown import clean_text, markdown_text

HOSTILE = [
    "[click me](https://evil.example/login)",
    "![pixel](https://evil.example/p.png)",
    "[ref][1]\n\n[1]: https://evil.example/",
    "<https://evil.example/>",
    "see https://evil.example/x?a=b and HTTP://EVIL.EXAMPLE",
    "(www.evil.example) and ftp://files.evil.example/",
    "mail me: fan@evil.example, mailto:fan@evil.example",
    "<img src=x onerror=alert(1)><script>alert(1)</script>",
    "&lt;b&gt; &#x3C;i&#x3E; &amp; &copy;",
    "*em* _em_ **strong** __strong__ ~~struck~~ ~one~",
    "`code` ``more code``",
    "# heading",
    "- item",
    "+ item",
    "1. item",
    "2) item",
    "  10) item",
    "---",
    "- - -",
    "= = =",
    "==",
    "+",
    "3.",
    "***",
    "```python",
    "~~~",
    "    indented code?",
    "> quote",
    "a | b | c",
    "|---|---|",
    "===",
    "line\\",
    "trailing spaces  \nnext line",
    "[^1] footnote",
    "\\*not em\\* \\\\ backslashes",
    "Evil\x00\x1b[31m\u202eSong\u2066\u200f\x85\x9b\x7f\r\n# h",
    "AC/DC: Back In Black (2009 Remaster) - 4:15 - 100% #1",
    "Beyoncé — Ñandú 日本語 🎵",
]

STRUCTURE = {"p", "/p", "table", "/table", "thead", "/thead", "tbody", "/tbody", "tr", "/tr", "th", "/th", "td", "/td"}
STRUCTURE |= {"h2", "/h2", "code", "/code"}


def gfm(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def tags(rendered: str) -> set[str]:
    return {m.split()[0] for m in re.findall(r"<([^>]+)>", rendered)}


def text_of(rendered: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize(
    "context",
    [
        lambda t: f"New artists this week: {t}.",
        lambda t: f"## {t}",
        lambda t: f"| song | artist |\n|---|---|\n| {t} | x |",
        lambda t: t,  # at the start of a line: block syntax (headings, lists, quotes) too
    ],
    ids=["sentence", "heading", "table-cell", "line-start"],
)
def test_a_hostile_name_renders_as_its_own_text(name, context):
    rendered = gfm(context(markdown_text(name)))

    assert tags(rendered) <= STRUCTURE, rendered
    assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    expected = text_of(gfm(context("NAME"))).replace("NAME", clean_text(name).strip())
    assert re.sub(r"\s+", " ", text_of(rendered)) == re.sub(r"\s+", " ", expected)


def test_only_words_gfm_would_link_become_code():
    assert markdown_text("see https://evil.example/x now") == "see `https://evil.example/x` now"
    assert markdown_text("fan@evil.example") == "`fan@evil.example`"
    assert markdown_text("a|b`c") == "a\\|b\\`c"


def test_punctuation_that_opens_nothing_stays_readable():
    assert markdown_text("AC/DC: Back In Black (2009 Remaster) - 4:15, 100%!") == (
        "AC/DC: Back In Black (2009 Remaster) - 4:15, 100%!"
    )
    assert markdown_text("@handle 2026-08-18T10:00:00+00:00") == "@handle 2026-08-18T10:00:00+00:00"
    assert markdown_text("+2") == "+2" and markdown_text("-1") == "-1" and markdown_text("12.5%") == "12.5%"
    assert markdown_text("- a") == "\\- a" and markdown_text("12. a") == "12\\. a" and markdown_text("==") == "\\=="


def test_no_control_character_passes():
    cleaned = markdown_text("Evil\x00\x1b[31m\u202eSong\u2066\u200f\x85\x9b\x7f\r\n\tend")
    assert cleaned == "Evil\\[31mSong    end"


def test_long_text_is_cut_before_escaping():
    cut = markdown_text("a*" * 50, max_chars=10)
    assert cut == "a\\*a\\*a\\*a\\*a…"  # never a lone backslash before the cut
    assert markdown_text("short", max_chars=10) == "short"
