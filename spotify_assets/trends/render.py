"""The weekly music-trends report: Markdown and a PNG chart, as plain functions (no I/O, no Dagster).

The chart is drawn with matplotlib's object API on the Agg canvas: no pyplot global state and no
display, so it is safe in a Dagster run worker and in threads.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.markdown import markdown_text
from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.trends.history import ALL_PLAYLISTS, DOWN, EXIT, NEW, RE_ENTRY, SAME, UP, weeks_back

TOP = 5  # rows per list in the report
CHART_WEEKS = 12
CHART_ARTISTS = TOP  # the chart draws the artists of the report's table, no more
CHART_DPI = 80  # 8x4 in -> 640x320 px, ~30 kB: small enough to embed in the run's metadata
IMAGE_NAME = "top_artists.png"
REPORT_NAME = "report.md"


def _md(value: object) -> str:
    """`value` as literal Markdown text on one line (in a table cell, a heading or a sentence):
    every Markdown construct and control character defused (`lake/markdown.py`)."""
    return markdown_text(value)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    if not rows:
        return ["_none_", ""]
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows),
        "",
    ]


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _by(rows: list[dict], key, top: int = TOP) -> list[dict]:
    return sorted(rows, key=key)[:top]


def report_markdown(
    week: str,
    movements: pa.Table,
    artist_trends: pa.Table,
    playlist_names: Mapping[str, str],
    image: str | None = None,
    top: int = TOP,
) -> str:
    """The report of one week: totals, top artists, the chart image (a Markdown image URL or data
    URI), then per playlist the top climbers, new entries (new and re-entries) and exits."""
    rows = movements.to_pylist()
    statuses = {s: sum(1 for r in rows if r["status"] == s) for s in (NEW, RE_ENTRY, UP, DOWN, SAME, EXIT)}
    playlists = sorted({r["playlist_id"] for r in rows}, key=lambda p: (playlist_names.get(p) or p, p))
    on_chart = sum(1 for r in rows if r["status"] != EXIT)
    lines = [
        f"# Music trends: week of {week}",
        "",
        f"{len(playlists)} playlists · {on_chart} songs on the charts · {statuses[NEW]} new · "
        f"{statuses[RE_ENTRY]} re-entries · {statuses[EXIT]} exits · {statuses[UP]} up · "
        f"{statuses[DOWN]} down · {statuses[SAME]} unchanged",
        "",
        "## Top artists, all playlists",
        "",
    ]
    overall = [r for r in artist_trends.to_pylist() if r["playlist_id"] == ALL_PLAYLISTS and r["appearances"] > 0]
    lines += _table(
        ["artist", "songs", "share", "vs last week"],
        [
            (
                r["artist_name"] or r["artist_id"],
                r["appearances"],
                f"{r['share']:.1%}",
                _signed(r["appearances_change"]),
            )
            for r in _by(overall, lambda r: (-r["appearances"], r["artist_name"] or "", r["artist_id"]), top)
        ],
    )
    new_artists = sorted(r["artist_name"] or r["artist_id"] for r in overall if r["is_new"])
    if new_artists:
        more = f" and {len(new_artists) - top} more" if len(new_artists) > top else ""
        lines += [f"New artists this week: {_md(', '.join(new_artists[:top]))}{more}.", ""]
    if image:
        lines += [f"![Top artists' songs on the charts, last {CHART_WEEKS} weeks]({image})", ""]

    for playlist_id in playlists:
        songs = [r for r in rows if r["playlist_id"] == playlist_id]
        lines += [f"## {_md(playlist_names.get(playlist_id) or playlist_id)}", "", "**Top climbers**", ""]
        lines += _table(
            ["song", "artist", "from", "to", "change"],
            [
                (r["song_name"], r["artist_name"], r["previous_position"], r["position"], _signed(r["change"]))
                for r in _by(
                    [r for r in songs if r["status"] == UP], lambda r: (-r["change"], r["position"], r["song_id"]), top
                )
            ],
        )
        lines += ["**New entries**", ""]
        lines += _table(
            ["position", "song", "artist", "status"],
            [
                (r["position"], r["song_name"], r["artist_name"], "re-entry" if r["status"] == RE_ENTRY else "new")
                for r in _by(
                    [r for r in songs if r["status"] in (NEW, RE_ENTRY)], lambda r: (r["position"], r["song_id"]), top
                )
            ],
        )
        lines += ["**Exits**", ""]
        lines += _table(
            ["last position", "song", "artist", "weeks on chart", "peak"],
            [
                (r["previous_position"], r["song_name"], r["artist_name"], r["weeks_on_chart"], r["peak_position"])
                for r in _by(
                    [r for r in songs if r["status"] == EXIT], lambda r: (r["previous_position"], r["song_id"]), top
                )
            ],
        )
    return "\n".join(lines).rstrip() + "\n"


def top_artists_png(
    artist_trends: pa.Table, week: str, weeks: int = CHART_WEEKS, artists: int = CHART_ARTISTS
) -> bytes:
    """A line chart of the week's top artists' songs on the charts (all playlists) over the `weeks`
    weeks ending with `week`, from `artist_trends` rows carrying a `week` column. Weeks before the
    first stored week are left out."""
    window = weeks_back(week, weeks)
    overall = artist_trends.filter(
        pc.and_(
            pc.equal(artist_trends["playlist_id"], ALL_PLAYLISTS),
            pc.is_in(artist_trends[WEEK_COLUMN], pa.array(window)),
        )
    ).to_pylist()
    shown_weeks = [w for w in window if any(r[WEEK_COLUMN] == w for r in overall)]
    counts = {(r[WEEK_COLUMN], r["artist_id"]): r["appearances"] for r in overall}
    names = {r["artist_id"]: r["artist_name"] or r["artist_id"] for r in overall}
    leaders = sorted(
        (r for r in overall if r[WEEK_COLUMN] == week and r["appearances"] > 0),
        key=lambda r: (-r["appearances"], names[r["artist_id"]], r["artist_id"]),
    )[:artists]

    return weekly_lines_png(
        shown_weeks,
        [(names[r["artist_id"]], [counts.get((w, r["artist_id"]), 0) for w in shown_weeks]) for r in leaders],
        ylabel="songs on the charts",
        title=f"Top artists, all playlists: {shown_weeks[0] if shown_weeks else week} to {week}",
        integer_y=True,
    )


def weekly_lines_png(
    weeks: Sequence[str],
    lines: Sequence[tuple[str, Sequence[float]]],
    ylabel: str,
    title: str,
    integer_y: bool = False,
) -> bytes:
    """A PNG line chart: one line per (label, value per week), weeks on the x axis as `MM-DD`
    (a NaN value leaves a gap)."""
    # imported here: matplotlib would add about a second to every load of the code location
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    figure = Figure(figsize=(8, 4), dpi=CHART_DPI, layout="constrained")
    axes = figure.add_subplot()
    x = list(range(len(weeks)))
    for label, values in lines:
        axes.plot(x, list(values), marker="o", linewidth=2, label=label)
    axes.set_xticks(x, [w[5:] for w in weeks], fontsize=9)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=11)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if integer_y:
        axes.yaxis.get_major_locator().set_params(integer=True)
    if lines:
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=9, frameon=False)
    canvas = FigureCanvasAgg(figure)
    with warnings.catch_warnings():
        # names in scripts the bundled font lacks (e.g. CJK) draw as boxes instead of failing
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        canvas.draw()
    # a 128-colour palette keeps the lines and text crisp at a third of the RGBA file's size
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    buffer = io.BytesIO()
    image.quantize(colors=128).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
