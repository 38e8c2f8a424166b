"""The weekly report's Markdown keeps names as text: no control character reaches report.md, and
Markdown a name could open is escaped (trends/render.py)."""

import unicodedata

import pyarrow as pa

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
    assert "## My\\[31m List  # h" in markdown  # the breaks (and NEL) became spaces: one heading line
    assert "| 1 | Evil\\[31m Song \\<b\\>\\*x\\*\\</b\\> | Bad\\[31m Artist Two | new |" in markdown
