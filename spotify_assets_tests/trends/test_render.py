"""The weekly report's Markdown keeps names as text: no control character reaches report.md, and
Markdown a name could open is escaped (trends/render.py)."""

import unicodedata

import cmarkgfm
import pyarrow as pa
from cmarkgfm.cmark import Options

from spotify_assets.lake.schemas import ARTISTS, SONGS
from spotify_assets.trends.history import week_trends
from spotify_assets.trends.render import report_markdown

WEEK = "2026-01-05"
# NUL, ESC (a terminal escape), RLO and the other bidi controls, C1 controls (NEL, CSI), DEL
HOSTILE = "\x00\x1b[31m\u202e\u2066\u200f\x85\x9b\x7f"


def _report() -> str:
    songs = pa.Table.from_pylist(
        [
            {
                "playlist_id": "p",
                "position": 1,
                "song_id": "s1",
                "song_name": f"Evil{HOSTILE}Song <b>*x*</b>",
                "artist_id": "a1",
                "artist_ids": ["a1"],
            }
        ],
        schema=SONGS,
    )
    artists = pa.Table.from_pylist([{"artist_id": "a1", "artist_name": f"Bad{HOSTILE}Artist\nTwo"}], schema=ARTISTS)
    result = week_trends(WEEK, songs, artists, None)
    return report_markdown(WEEK, result.chart_movements, result.artist_trends, {"p": f"My{HOSTILE}List\r\n# h"})


def test_no_control_character_reaches_the_report():
    markdown = _report()

    controls = [c for c in markdown if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]
    assert controls == []
    assert "\u202e" not in markdown and "\x00" not in markdown and "\x1b" not in markdown
    assert "## My\\[31m List  \\# h" in markdown  # the breaks (and NEL) became spaces: one heading line
    assert "| 1 | Evil\\[31m Song \\<b\\>\\*x\\*\\</b\\> | Bad\\[31m Artist Two | new |" in markdown


def test_a_name_with_links_and_html_renders_as_text_in_the_report():
    """Rendered as GitHub renders it (GFM: tables, autolinks, raw HTML allowed), the report holds no
    link, image or HTML a name brought."""
    hostile = "[win](https://evil.example) ![p](https://evil.example/p.png) www.evil.example <img src=x>"
    songs = pa.Table.from_pylist(
        [
            {
                "playlist_id": "p",
                "position": 1,
                "song_id": "s1",
                "song_name": hostile,
                "artist_id": "a1",
                "artist_ids": ["a1"],
            }
        ],
        schema=SONGS,
    )
    artists = pa.Table.from_pylist([{"artist_id": "a1", "artist_name": "fan@evil.example"}], schema=ARTISTS)
    result = week_trends(WEEK, songs, artists, None)
    markdown = report_markdown(WEEK, result.chart_movements, result.artist_trends, {"p": "# <b>List</b>"})

    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)

    assert "<a " not in rendered and "<img" not in rendered and "<b>" not in rendered
    # the name reads as typed: words GFM would link are code, the rest plain text
    assert "<code>[win](https://evil.example)</code>" in rendered and "&lt;img src=x&gt;" in rendered
    assert "<code>fan@evil.example</code>" in rendered
    assert "<h2># &lt;b&gt;List&lt;/b&gt;</h2>" in rendered
