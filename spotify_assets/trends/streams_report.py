"""The weekly report's streams section, from the Spotify Charts: Markdown and a PNG chart, as plain
functions (no I/O, no Dagster). A sibling of `render.py`, whose escaping every name from a chart file
goes through (`_md`, by way of its `_table`), and whose chart style the image follows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.markdown import clean_text
from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.trends.history import weeks_back
from spotify_assets.trends.render import CHART_WEEKS, TOP, _by, _md, _table, weekly_lines_png

STREAMS_IMAGE_NAME = "top_streamed.png"
GLOBAL_CHART = "regional-global-weekly"  # the chart the streams image follows when the week has it


def _charts_in_order(charts: Iterable[str]) -> list[str]:
    """The global chart first, then the others by name."""
    return sorted(set(charts), key=lambda c: (c != GLOBAL_CHART, c))


def _streams_versus(row: Mapping) -> str:
    """A song's or artist's streams against last week: the change and its percentage, `new`, or
    `–` when last week's chart is not stored."""
    if row["is_new"]:
        return "new"
    if row["streams_change"] is None:
        return "–"
    change, previous = row["streams_change"], row["previous_streams"]
    percent = f" ({change / previous:+.1%})" if previous else ""
    return f"{change:+,}{percent}"


def streams_markdown(
    week: str, song_streams: pa.Table, artist_streams: pa.Table, image: str | None = None, top: int = TOP
) -> str:
    """The report's streams section for one week: per chart (the global one first), its top streamed
    songs with their streams and change from last week, and the artists' share of its streams; the
    chart image (a Markdown image URL or data URI) after the totals. A week without chart data says so."""
    lines = ["## Streams on the Spotify Charts", ""]
    songs = song_streams.to_pylist()
    if not songs:
        return "\n".join([*lines, f"No Spotify chart data for the week of {week}: no chart file was stored.", ""])
    charts = _charts_in_order(r["chart"] for r in songs)
    lines += [
        f"{len(charts)} chart{'s' if len(charts) != 1 else ''} · {len(songs)} songs · {sum(1 for r in songs if r['is_new'])} new this week",
        "",
    ]
    if image:
        lines += [f"![Top streamed songs, last {CHART_WEEKS} weeks]({image})", ""]
    artists = artist_streams.to_pylist()
    for chart in charts:
        on_chart = [r for r in songs if r["chart"] == chart]
        lines += [
            f"### {_md(chart)}",
            "",
            f"{sum(r['streams'] for r in on_chart):,} streams in its top {len(on_chart)}",
            "",
        ]
        lines += ["**Top streamed songs**", ""]
        lines += _table(
            ["rank", "song", "artists", "streams", "vs last week"],
            [
                (r["rank"], r["song_name"], r["artist_names"], f"{r['streams']:,}", _streams_versus(r))
                for r in _by(on_chart, lambda r: (-r["streams"], r["rank"], r["song_id"]), top)
            ],
        )
        lines += ["**Artists' share of streams**", ""]
        lines += _table(
            ["artist", "songs", "streams", "share", "vs last week"],
            [
                (
                    r["artist_name"] or r["credit"],
                    r["songs"],
                    f"{r['streams']:,}",
                    f"{r['share']:.1%}",
                    _streams_versus(r),
                )
                for r in _by([r for r in artists if r["chart"] == chart], lambda r: (-r["streams"], r["credit"]), top)
            ],
        )
    return "\n".join(lines).rstrip() + "\n"


LEGEND_CHARS = 22  # longer song names would squeeze the plot: the week labels would overlap


def _legend_label(value: object, limit: int | None = None) -> str:
    text = clean_text(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    # matplotlib reads text between two `$` as math: a name such as "A$AP" must stay text
    return text.replace("$", r"\$")


def top_streamed_png(song_streams: pa.Table, week: str, weeks: int = CHART_WEEKS, songs: int = TOP) -> bytes:
    """A line chart of the streams of the week's top streamed songs on one chart (the global chart
    when the week has it, else the first by name) over the `weeks` weeks ending with `week`, from
    `song_streams` rows carrying a `week` column. A week the song was not on the chart has no point;
    weeks before the first stored week are left out."""
    window = weeks_back(week, weeks)
    rows = song_streams.filter(pc.is_in(song_streams[WEEK_COLUMN], pa.array(window))).to_pylist()
    this_week = [r for r in rows if r[WEEK_COLUMN] == week]
    chart = _charts_in_order(r["chart"] for r in this_week)[0] if this_week else None
    rows = [r for r in rows if r["chart"] == chart]
    shown_weeks = [w for w in window if any(r[WEEK_COLUMN] == w for r in rows)]
    streams = {(r[WEEK_COLUMN], r["song_id"]): r["streams"] for r in rows}
    leaders = sorted(
        (r for r in rows if r[WEEK_COLUMN] == week), key=lambda r: (-r["streams"], r["rank"], r["song_id"])
    )[:songs]

    title = f"Top streamed songs, {_legend_label(chart)}" if chart else "No Spotify chart data"
    return weekly_lines_png(
        shown_weeks,
        [
            (
                _legend_label(r["song_name"] or r["song_id"], LEGEND_CHARS),
                [streams.get((w, r["song_id"]), float("nan")) / 1e6 for w in shown_weeks],
            )
            for r in leaders
        ],
        ylabel="streams (millions)",
        title=f"{title}: {shown_weeks[0] if shown_weeks else week} to {week}",
    )
