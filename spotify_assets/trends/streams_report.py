"""The weekly report's streams section, from the Spotify Charts: Markdown and a PNG chart, as plain
functions (no I/O, no Dagster). A sibling of `render.py`, whose escaping every name from a chart file
goes through (`_md`, by way of its `_table`), and whose chart style the image follows."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Mapping

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.markdown import clean_text
from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.trends.history import weeks_back
from spotify_assets.trends.render import CHART_DPI, CHART_WEEKS, TOP, _by, _md, _table

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

    # imported here: matplotlib would add about a second to every load of the code location
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    figure = Figure(figsize=(8, 4), dpi=CHART_DPI, layout="constrained")
    axes = figure.add_subplot()
    x = list(range(len(shown_weeks)))
    for leader in leaders:
        song_id = leader["song_id"]
        axes.plot(
            x,
            [streams[(w, song_id)] / 1e6 if (w, song_id) in streams else float("nan") for w in shown_weeks],
            marker="o",
            linewidth=2,
            label=_legend_label(leader["song_name"] or song_id, LEGEND_CHARS),
        )
    axes.set_xticks(x, [w[5:] for w in shown_weeks], fontsize=9)
    axes.set_ylabel("streams (millions)")
    title = f"Top streamed songs, {_legend_label(chart)}" if chart else "No Spotify chart data"
    axes.set_title(f"{title}: {shown_weeks[0] if shown_weeks else week} to {week}", fontsize=11)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if leaders:
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        # names in scripts the bundled font lacks (e.g. CJK) draw as boxes instead of failing
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        canvas.draw()
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=128).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
