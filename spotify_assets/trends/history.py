"""Music trends, one week at a time, as plain functions (no I/O, no Dagster).

A playlist's *chart* in a week is its songs, one entry per (playlist_id, song_id): a song the
playlist lists more than once counts once, at its best (lowest) position. Songs without an id
cannot be followed from week to week and are left out.

Weeks on chart, peaks and "was it ever here before" depend on every earlier week, so the past
travels as a table: `chart_history`, one row per song ever on a playlist's chart up to a week.
`week_trends(week, songs, artists, history)` takes the history as of the week before and returns
the week's `chart_movements`, `chart_history` and `artist_trends`; its `chart_history` is the next
week's input. Fed week after week from the first week, it gives the same tables however the weeks
are grouped into runs.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Union

import pyarrow as pa

from spotify_assets.lake.schemas import ARTIST_TRENDS, CHART_HISTORY, CHART_MOVEMENTS

if TYPE_CHECKING:  # pandas would add about a second to every load of the code location
    import pandas as pd

ALL_PLAYLISTS = "*"  # artist_trends.playlist_id of the rows over every playlist together

NEW, RE_ENTRY, UP, DOWN, SAME, EXIT = "new", "re-entry", "up", "down", "same", "exit"
STATUSES = (NEW, RE_ENTRY, UP, DOWN, SAME, EXIT)

TableLike = Union[pa.Table, "pd.DataFrame"]
Key = tuple[str, str]


class ChartHistoryError(ValueError):
    """The weeks before a run have songs but no chart_history to continue from."""


@dataclass(frozen=True)
class WeekTrends:
    chart_movements: pa.Table
    chart_history: pa.Table
    artist_trends: pa.Table


def week_date(week: str) -> date:
    return datetime.strptime(week, "%Y-%m-%d").date()


def previous_week(week: str) -> str:
    return (week_date(week) - timedelta(days=7)).isoformat()


def weeks_back(week: str, count: int) -> list[str]:
    """The `count` weeks ending with `week`, oldest first."""
    last = week_date(week)
    return [(last - timedelta(days=7 * n)).isoformat() for n in range(count - 1, -1, -1)]


def history_week(first_week: str, history_weeks: Iterable[str], songs_weeks: Iterable[str]) -> str | None:
    """The `chart_history` week a run starting at `first_week` continues from, or None when the
    history starts at `first_week` (no songs before it).

    Normally that is the week before. Weeks with no songs at all (never materialized) are skipped:
    nothing was on any chart then. A week that has songs but no chart_history is an error, because
    continuing from an older history would silently restart or shorten every song's run.
    """
    latest = max((w for w in history_weeks if w < first_week), default=None)
    uncounted = sorted(w for w in songs_weeks if w < first_week and (latest is None or w > latest))
    if uncounted:
        raise ChartHistoryError(
            f"cannot compute trends for week {first_week}: songs has week(s) {_span(uncounted)} but "
            f"chart_history has not been materialized for them, and weeks on chart, peaks and "
            f"new/re-entry statuses count every earlier week. Materialize the trends group from "
            f"{uncounted[0]} (a backfill of {uncounted[0]}...{first_week} is one run), or "
            f"`make run` to rebuild every sample week."
        )
    return latest


def _span(weeks: Sequence[str]) -> str:
    return weeks[0] if len(weeks) == 1 else f"{weeks[0]}...{weeks[-1]} ({len(weeks)} weeks)"


def _records(data: TableLike | None, columns: Sequence[str]) -> list[dict[str, Any]]:
    if data is None:
        return []
    pandas = sys.modules.get("pandas")  # a DataFrame exists only if pandas was imported
    if pandas is not None and isinstance(data, pandas.DataFrame):
        data = pa.Table.from_pandas(data, preserve_index=False)
    return data.select(list(columns)).to_pylist()


def chart(songs: TableLike) -> dict[Key, dict[str, Any]]:
    """The week's chart entries by (playlist_id, song_id), each at the song's best position."""
    entries: dict[Key, dict[str, Any]] = {}
    for row in _records(songs, ["playlist_id", "position", "song_id", "song_name", "artist_id", "artist_ids"]):
        if row["song_id"] is None:
            continue
        key = (row["playlist_id"], row["song_id"])
        best = entries.get(key)
        if best is None or row["position"] < best["position"]:
            entries[key] = row
    return entries


def movement_status(position: int | None, previous_position: int | None, seen_before: bool) -> str:
    if position is None:
        return EXIT
    if previous_position is None:
        return RE_ENTRY if seen_before else NEW
    if position < previous_position:
        return UP
    return DOWN if position > previous_position else SAME


def week_trends(week: str, songs: TableLike, artists: TableLike | None, history: TableLike | None) -> WeekTrends:
    """The week's trend tables from its `songs` and `artists` and the `chart_history` as of an
    earlier week (normally the week before; None or empty when the history starts this week)."""
    this_week = week_date(week)
    last_week = this_week - timedelta(days=7)
    before = {(r["playlist_id"], r["song_id"]): r for r in _records(history, CHART_HISTORY.names)}
    previous_chart = {key: row for key, row in before.items() if row["last_week"] == last_week}
    entries = chart(songs)

    names = _names_from_history(before.values())
    names.update({a["artist_id"]: a["artist_name"] for a in _records(artists, ["artist_id", "artist_name"])})

    after = dict(before)  # songs off the chart this week keep their row unchanged
    movements = []
    for key, entry in entries.items():
        old = before.get(key)
        position = entry["position"]
        previous = previous_chart[key]["last_position"] if key in previous_chart else None
        artist_ids = list(entry["artist_ids"] or [])
        after[key] = {
            "playlist_id": key[0],
            "song_id": key[1],
            "first_week": old["first_week"] if old else this_week,
            "last_week": this_week,
            "weeks_on_chart": (old["weeks_on_chart"] if old else 0) + 1,
            "peak_position": min(old["peak_position"], position) if old else position,
            "last_position": position,
            "song_name": entry["song_name"],
            "artist_id": entry["artist_id"],
            "artist_ids": artist_ids,
            "artist_names": [names.get(a) for a in artist_ids],
        }
        movements.append(
            _movement(after[key], position, previous, movement_status(position, previous, old is not None), names)
        )
    for key, old in previous_chart.items():
        if key not in entries:
            movements.append(_movement(old, None, old["last_position"], EXIT, names))

    movements.sort(
        key=lambda m: (m["playlist_id"], m["position"] is None, m["position"] or m["previous_position"], m["song_id"])
    )
    history_rows = [after[key] for key in sorted(after)]
    trends = _artist_trends(
        this_chart=[after[key] for key in entries],
        previous_chart=list(previous_chart.values()),
        seen=before.values(),
        names=names,
    )
    return WeekTrends(
        chart_movements=pa.Table.from_pylist(movements, schema=CHART_MOVEMENTS),
        chart_history=pa.Table.from_pylist(history_rows, schema=CHART_HISTORY),
        artist_trends=pa.Table.from_pylist(trends, schema=ARTIST_TRENDS),
    )


def _movement(
    song: Mapping[str, Any], position: int | None, previous: int | None, status: str, names: Mapping[str, str]
) -> dict[str, Any]:
    # weeks on chart and peak of `song` (a chart_history row) already count this week, if on chart
    return {
        "playlist_id": song["playlist_id"],
        "song_id": song["song_id"],
        "position": position,
        "previous_position": previous,
        "change": previous - position if previous is not None and position is not None else None,
        "status": status,
        "weeks_on_chart": song["weeks_on_chart"],
        "peak_position": song["peak_position"],
        "song_name": song["song_name"],
        "artist_id": song["artist_id"],
        "artist_name": names.get(song["artist_id"]),
    }


def _names_from_history(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for row in rows:
        for artist_id, name in zip(row["artist_ids"] or [], row["artist_names"] or [], strict=True):
            if name is not None:
                names[artist_id] = name
    return names


def _credits(rows: Iterable[Mapping[str, Any]]) -> Counter[Key]:
    """Songs crediting each artist (in any position of artist_ids), per playlist and overall."""
    counts: Counter[Key] = Counter()
    for row in rows:
        for artist_id in set(row["artist_ids"] or []):
            counts[(row["playlist_id"], artist_id)] += 1
            counts[(ALL_PLAYLISTS, artist_id)] += 1
    return counts


def _artist_trends(
    this_chart: list[Mapping[str, Any]],
    previous_chart: list[Mapping[str, Any]],
    seen: Iterable[Mapping[str, Any]],
    names: Mapping[str, str],
) -> list[dict[str, Any]]:
    now, before = _credits(this_chart), _credits(previous_chart)
    ever = set(_credits(seen))
    playlist_songs = Counter(row["playlist_id"] for row in this_chart)
    playlist_songs[ALL_PLAYLISTS] = len(this_chart)
    rows = []
    for playlist_id, artist_id in set(now) | set(before):
        appearances, previous = now[(playlist_id, artist_id)], before[(playlist_id, artist_id)]
        songs_on_playlist = playlist_songs[playlist_id]
        rows.append(
            {
                "playlist_id": playlist_id,
                "artist_id": artist_id,
                "appearances": appearances,
                "playlist_songs": songs_on_playlist,
                "share": appearances / songs_on_playlist if songs_on_playlist else 0.0,
                "previous_appearances": previous,
                "appearances_change": appearances - previous,
                "is_new": appearances > 0 and (playlist_id, artist_id) not in ever,
                "artist_name": names.get(artist_id),
            }
        )
    rows.sort(key=lambda r: (r["playlist_id"], -r["appearances"], -r["previous_appearances"], r["artist_id"]))
    return rows
