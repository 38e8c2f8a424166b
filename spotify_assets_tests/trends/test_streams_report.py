"""The weekly report's streams section (trends/streams_report.py): the top streamed songs and the
artists' share per chart, names from chart files kept as text, a week without chart files, and
the chart image."""

import io
import unicodedata

import matplotlib.image
import pandas as pd
import pyarrow as pa

from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.trends.streams import ChartWeek, chart_songs, week_streams
from spotify_assets.trends.streams_report import streams_markdown, top_streamed_png

WEEK, LAST_WEEK = "2026-10-19", "2026-10-12"
GLOBAL, SE = "regional-global-weekly", "regional-se-weekly"
IDS = [f"{n:022d}" for n in range(8)]
HOSTILE_SONG = 'Mr. "Brightside" | [live] *2026* \x00\u202e$\\frac$'
HOSTILE_ARTISTS = "Tyler, The Creator | A$AP_Rocky [feat. *X*]"


def entries(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "chart": chart,
                "region": chart.split("-")[1],
                "rank": rank,
                "song_id": IDS[i],
                "song_name": name,
                "artist_names": artists,
                "streams": streams,
            }
            for chart, rank, i, name, artists, streams in rows
        ]
    )


LAST = entries(
    [(GLOBAL, 1, 1, "Second", "Bo", 2_000_000), (GLOBAL, 2, 0, HOSTILE_SONG, HOSTILE_ARTISTS, 1_500_000)]
    + [(SE, 1, 0, HOSTILE_SONG, HOSTILE_ARTISTS, 90_000)]
)
THIS = entries(
    [
        (GLOBAL, 1, 0, HOSTILE_SONG, HOSTILE_ARTISTS, 3_000_000),
        (GLOBAL, 2, 1, "Second", "Bo", 1_800_000),
        *((GLOBAL, 3 + n, 2 + n, f"Song {n}", "Cy", 1_000_000 - n) for n in range(6)),
    ]
)


def streams_of(this: pd.DataFrame, last: pd.DataFrame | None):
    before = ChartWeek(last, chart_songs(last, None)) if last is not None else None
    return week_streams(ChartWeek(this, chart_songs(this, None)), before)


def test_top_streamed_songs_and_artists_share_per_chart():
    result = streams_of(THIS, LAST)
    markdown = streams_markdown(WEEK, result.song_streams, result.artist_streams, image="top_streamed.png")

    assert markdown.startswith("## Streams on the Spotify Charts\n\n1 chart · 8 songs · 6 new this week\n")
    assert "### regional-global-weekly" in markdown
    assert "![Top streamed songs, last 12 weeks](top_streamed.png)" in markdown
    assert "| 2 | Second | Bo | 1,800,000 | -200,000 (-10.0%) |" in markdown
    assert "| 3 | Song 0 | Cy | 1,000,000 | new |" in markdown
    assert "| 5 | Song 2 |" in markdown and "| 6 | Song 3 |" not in markdown  # the top 5 only
    # the artists' share: Cy's six songs, 5,999,985 of 10,799,985 streams, all new this week
    assert "| Cy | 6 | 5,999,985 | 55.6% | new |" in markdown


def test_names_from_chart_files_stay_text():
    result = streams_of(THIS, LAST)
    markdown = streams_markdown(WEEK, result.song_streams, result.artist_streams)

    controls = [c for c in markdown if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]
    assert controls == []
    song = 'Mr. "Brightside" \\| \\[live\\] \\*2026\\* $\\\\frac$'
    artists = "Tyler, The Creator \\| A$AP\\_Rocky \\[feat. \\*X\\*\\]"
    assert f"| 1 | {song} | {artists} | 3,000,000 | +1,500,000 (+100.0%) |" in markdown
    assert f"| {artists} | 1 | 3,000,000 | 27.8% | +1,500,000 (+100.0%) |" in markdown


def test_without_last_week_the_change_is_unknown_not_new():
    result = streams_of(THIS, None)
    markdown = streams_markdown(WEEK, result.song_streams, result.artist_streams)
    assert "| 2 | Second | Bo | 1,800,000 | – |" in markdown and "new |" not in markdown


def test_a_week_without_chart_files_renders_and_says_so():
    empty = pd.DataFrame(columns=["chart", "region", "rank", "song_id", "song_name", "artist_names", "streams"])
    result = streams_of(empty, None)
    markdown = streams_markdown(WEEK, result.song_streams, result.artist_streams)
    assert markdown == (
        f"## Streams on the Spotify Charts\n\nNo Spotify chart data for the week of {WEEK}: no chart file was stored.\n"
    )
    png = top_streamed_png(with_week(result.song_streams, WEEK), WEEK)
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (320, 640)


def with_week(table: pa.Table, week: str) -> pa.Table:
    return table.append_column(WEEK_COLUMN, pa.array([week] * table.num_rows, pa.string()))


def test_the_chart_draws_the_global_charts_leaders_over_the_weeks_whatever_their_names():
    weeks = pa.concat_tables(
        [
            with_week(streams_of(LAST, None).song_streams, LAST_WEEK),
            with_week(streams_of(THIS, LAST).song_streams, WEEK),
        ]
    )
    png = top_streamed_png(weeks, WEEK)  # the `$...$` in a song name must not be read as math
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 40_000
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (320, 640)
