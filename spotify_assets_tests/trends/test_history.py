"""Chart movements, chart history, artist trends, their checks and the report, on hand-made weeks
with known answers (no Dagster)."""

import io
from datetime import date

import matplotlib.image
import pyarrow as pa
import pytest

from spotify_assets.lake.schemas import ARTISTS, SONGS, WEEK_COLUMN
from spotify_assets.trends.history import ChartHistoryError, history_week, week_trends
from spotify_assets.trends.render import report_markdown, top_artists_png
from spotify_assets.trends.rules import change_matches_positions, songs_on_chart, trend_outcomes

WEEKS = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = {"a1": "Ana", "a2": "Bo", "a3": "Cy", "a4": "Di"}


def songs_table(rows: list[tuple]) -> pa.Table:
    """(playlist_id, position, song_id, artist_ids) rows as a `songs` table."""
    return pa.Table.from_pylist(
        [
            {
                "playlist_id": p,
                "position": pos,
                "song_id": s,
                "song_name": f"Song {s}",
                "artist_id": ids[0],
                "artist_ids": ids,
            }
            for p, pos, s, ids in rows
        ],
        schema=SONGS,
    )


def artists_table(ids) -> pa.Table:
    return pa.Table.from_pylist([{"artist_id": a, "artist_name": NAMES[a]} for a in sorted(ids)], schema=ARTISTS)


def run_weeks(weeks_rows: list[list[tuple]], weeks=WEEKS):
    """Each week's trends, fed week after week from an empty history."""
    results, history = [], None
    for week, rows in zip(weeks, weeks_rows, strict=False):  # the first len(weeks_rows) weeks
        ids = {a for *_, artist_ids in rows for a in artist_ids}
        result = week_trends(week, songs_table(rows), artists_table(ids), history)
        results.append(result)
        history = result.chart_history
    return results


def movements(result) -> dict:
    return {(r["playlist_id"], r["song_id"]): r for r in result.chart_movements.to_pylist()}


def as_tuple(row: dict) -> tuple:
    keys = ("position", "previous_position", "change", "status", "weeks_on_chart", "peak_position")
    return tuple(row[k] for k in keys)


# week 1: A B C; week 2: B climbs, A falls, D enters, C exits; week 3: C comes back, D climbs to 1,
# B stays; A exits; week 4: A comes back after a week away, listed twice.
STORY = [
    [("p", 1, "A", ["a1"]), ("p", 2, "B", ["a2"]), ("p", 3, "C", ["a3"])],
    [("p", 1, "B", ["a2"]), ("p", 2, "A", ["a1"]), ("p", 3, "D", ["a4", "a1"])],
    [("p", 1, "D", ["a4", "a1"]), ("p", 2, "B", ["a2"]), ("p", 3, "C", ["a3"])],
    [("p", 1, "D", ["a4", "a1"]), ("p", 2, "A", ["a1"]), ("p", 3, "B", ["a2"]), ("p", 4, "A", ["a1"])],
]


def test_the_first_week_is_all_new_entries():
    (first,) = run_weeks(STORY[:1])
    assert {key: as_tuple(row) for key, row in movements(first).items()} == {
        ("p", "A"): (1, None, None, "new", 1, 1),
        ("p", "B"): (2, None, None, "new", 1, 2),
        ("p", "C"): (3, None, None, "new", 1, 3),
    }


def test_climb_fall_entry_and_exit():
    second = movements(run_weeks(STORY[:2])[1])
    assert {key: as_tuple(row) for key, row in second.items()} == {
        ("p", "B"): (1, 2, 1, "up", 2, 1),
        ("p", "A"): (2, 1, -1, "down", 2, 1),  # peak stays at its best, 1
        ("p", "D"): (3, None, None, "new", 1, 3),
        ("p", "C"): (None, 3, None, "exit", 1, 3),  # weeks on chart as of last week
    }


def test_re_entry_same_and_weeks_on_chart_over_a_gap():
    third = movements(run_weeks(STORY[:3])[2])
    assert {key: as_tuple(row) for key, row in third.items()} == {
        ("p", "D"): (1, 3, 2, "up", 2, 1),
        ("p", "B"): (2, 1, -1, "down", 3, 1),
        ("p", "C"): (3, None, None, "re-entry", 2, 3),  # on the chart in week 1, away in week 2
        ("p", "A"): (None, 2, None, "exit", 2, 1),
    }


def test_a_song_listed_twice_counts_once_at_its_best_position():
    results = run_weeks(STORY)
    fourth = movements(results[3])
    assert {key: as_tuple(row) for key, row in fourth.items()} == {
        ("p", "D"): (1, 1, 0, "same", 3, 1),
        ("p", "A"): (2, None, None, "re-entry", 3, 1),
        ("p", "B"): (3, 2, -1, "down", 4, 1),
        ("p", "C"): (None, 3, None, "exit", 2, 3),
    }
    history = {(r["playlist_id"], r["song_id"]): r for r in results[3].chart_history.to_pylist()}
    assert history[("p", "A")]["first_week"] == date(2026, 1, 5)
    assert history[("p", "A")]["last_week"] == date(2026, 1, 26)
    assert history[("p", "C")]["last_week"] == date(2026, 1, 19)  # off the chart: kept unchanged
    assert all(o.passed for o in trend_outcomes(songs_table(STORY[3]), results[3]))


def test_a_tie_of_positions_across_playlists_is_two_independent_charts():
    # song S is number 1 on both playlists in week 1; in week 2 it stays on p and falls on q
    week1 = [("p", 1, "S", ["a1"]), ("q", 1, "S", ["a1"]), ("q", 2, "T", ["a2"])]
    week2 = [("p", 1, "S", ["a1"]), ("q", 1, "T", ["a2"]), ("q", 2, "S", ["a1"])]
    first, second = run_weeks([week1, week2])
    assert {k: as_tuple(r) for k, r in movements(second).items()} == {
        ("p", "S"): (1, 1, 0, "same", 2, 1),
        ("q", "T"): (1, 2, 1, "up", 2, 1),
        ("q", "S"): (2, 1, -1, "down", 2, 1),
    }
    overall = {r["artist_id"]: r for r in first.artist_trends.to_pylist() if r["playlist_id"] == "*"}
    assert overall["a1"]["appearances"] == 2  # one chart position on each playlist
    assert overall["a1"]["playlist_songs"] == 3
    assert all(o.passed for o in trend_outcomes(songs_table(week2), second))


def test_artist_trends_count_every_credit_share_change_and_new_artists():
    results = run_weeks(STORY[:3])
    second = {(r["playlist_id"], r["artist_id"]): r for r in results[1].artist_trends.to_pylist()}
    # week 2: B (a2), A (a1), D (a4 + a1); C (a3) exited
    assert second[("p", "a1")] | {} == {
        "playlist_id": "p",
        "artist_id": "a1",
        "appearances": 2,
        "playlist_songs": 3,
        "share": 2 / 3,
        "previous_appearances": 1,
        "appearances_change": 1,
        "is_new": False,
        "artist_name": "Ana",
    }
    assert (second[("p", "a4")]["appearances"], second[("p", "a4")]["is_new"]) == (1, True)
    assert second[("*", "a4")]["is_new"] is True
    assert (second[("p", "a3")]["appearances"], second[("p", "a3")]["appearances_change"]) == (0, -1)
    assert second[("p", "a3")]["artist_name"] == "Cy"  # not in this week's artists: named from history
    assert second[("p", "a3")]["is_new"] is False
    third = {(r["playlist_id"], r["artist_id"]): r for r in results[2].artist_trends.to_pylist()}
    assert (third[("p", "a3")]["appearances"], third[("p", "a3")]["is_new"]) == (1, False)  # back, not new


def test_an_empty_week_exits_every_song():
    first, second = run_weeks([STORY[0], []])
    assert [r["status"] for r in second.chart_movements.to_pylist()] == ["exit"] * 3
    assert second.chart_history.num_rows == 3
    assert {r["appearances"] for r in second.artist_trends.to_pylist()} == {0}


def test_history_continues_from_the_week_before_or_fails_naming_the_weeks():
    assert history_week("2026-01-05", [], ["2026-01-05"]) is None  # first week ever
    assert history_week("2026-01-19", WEEKS[:2], WEEKS) == "2026-01-12"
    # a week nobody recorded (no songs either) is skipped: nothing was on the charts
    assert history_week("2026-01-26", WEEKS[:2], [WEEKS[0], WEEKS[1], WEEKS[3]]) == "2026-01-12"
    with pytest.raises(ChartHistoryError) as error:
        history_week("2026-01-26", WEEKS[:1], WEEKS)
    message = str(error.value)
    assert "2026-01-12...2026-01-19" in message and "from 2026-01-12" in message


def test_checks_fail_on_wrong_arithmetic_and_on_missing_songs():
    result = run_weeks(STORY[:2])[1]
    broken = result.chart_movements.set_column(
        result.chart_movements.schema.get_field_index("change"), "change", pa.array([5, -1, None, None], pa.int32())
    )
    outcome = change_matches_positions(broken)
    assert not outcome.passed and outcome.metadata["failing_rows"] == 1
    assert change_matches_positions(result.chart_movements).passed

    with_extra_song = songs_table(STORY[1] + [("p", 4, "E", ["a1"])])
    outcome = songs_on_chart(with_extra_song, result.chart_movements)
    assert not outcome.passed and "'E'" in outcome.metadata["examples"][0]


def test_report_lists_climbers_entries_and_exits_and_the_chart_is_a_png():
    results = run_weeks(STORY)
    trends = pa.concat_tables(
        r.artist_trends.append_column(WEEK_COLUMN, pa.array([w] * r.artist_trends.num_rows))
        for w, r in zip(WEEKS, results, strict=True)
    )
    markdown = report_markdown(
        WEEKS[2], results[2].chart_movements, results[2].artist_trends, {"p": "My | List"}, image="x.png"
    )
    assert "## My \\| List" in markdown
    climbers = markdown.split("**Top climbers**")[1].split("**New entries**")[0]
    assert "| Song D | Di | 3 | 1 | +2 |" in climbers
    assert "| 3 | Song C | Cy | re-entry |" in markdown
    assert "| 2 | Song A | Ana | 2 | 1 |" in markdown.split("**Exits**")[1]
    assert "![Top artists' songs on the charts, last 12 weeks](x.png)" in markdown

    png = top_artists_png(trends, WEEKS[3])
    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[:2] == (320, 640)
