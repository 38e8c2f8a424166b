"""Streams from the Spotify Charts, week over week, as plain functions (no I/O, no Dagster).

The charts' entries (`spotify_chart_entries`, built from the chart files alone) are joined to the
week's `songs` (`chart_songs`: album and artists where a followed playlist has the song), then
summed per song and per credited artist of each chart (`week_streams`). A chart's streams are that
chart's own (a regional chart counts its region, the global chart the world), so nothing here adds
one chart to another.

A song is followed by its id; an entry without one cannot be and is left out of the streams. A song
listed twice on one chart counts once, at its best rank. Its credited artists are its `artist_ids`
where the week's songs (else last week's) know it, else the chart file's `artist_names` text as one
credit: a file never splits its artists, and a name with a comma ("Tyler, The Creator") must not
become two artists.

Week over week compares with last week's stored chart: `week_streams(this, before)` takes both
weeks as stored (`ChartWeek`), `before` None when last week's chart is not stored, and then every
comparison is null rather than a guess. Credits of both weeks resolve the same way, so an artist
does not look new because a playlist dropped its song.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import pyarrow as pa

from spotify_assets.lake.schemas import ARTIST_STREAMS, SONG_STREAMS, SPOTIFY_CHART_SONGS

if TYPE_CHECKING:  # pandas would add about a second to every load of the code location
    import pandas as pd

TableLike = Union[pa.Table, "pd.DataFrame"]
ChartSong = tuple[str, str]  # (chart, song_id)


@dataclass(frozen=True)
class ChartWeek:
    """One week of the charts as stored: its `spotify_chart_entries`, their `spotify_chart_songs`
    (None when not stored: no song is then known) and the week's `artists` (for the names of known
    artists; None or empty when no playlist)."""

    entries: TableLike
    chart_songs: TableLike | None
    artists: TableLike | None = None


@dataclass(frozen=True)
class WeekStreams:
    song_streams: pa.Table
    artist_streams: pa.Table


def _records(data: TableLike | None, columns: Sequence[str]) -> list[dict[str, Any]]:
    if data is None:
        return []
    pandas = sys.modules.get("pandas")  # a DataFrame exists only if pandas was imported
    if pandas is not None and isinstance(data, pandas.DataFrame):
        data = pa.Table.from_pandas(data, preserve_index=False)
    return data.select(list(columns)).to_pylist()


def chart_songs(entries: TableLike, songs: TableLike | None) -> pa.Table:
    """`spotify_chart_songs` of one week: every chart entry, keyed by (chart, rank), with the album
    and artists of its song where the week's `songs` have it (None or empty: no playlist that week).
    A song on several playlists takes the values of its first row by (playlist_id, position), as
    `albums` does."""
    known: dict[str, dict[str, Any]] = {}
    song_rows = _records(songs, ["playlist_id", "position", "song_id", "album_id", "artist_ids"])
    for row in sorted(song_rows, key=lambda r: (r["playlist_id"], r["position"])):
        if row["song_id"] is not None:
            known.setdefault(row["song_id"], row)
    rows = []
    for entry in _records(entries, ["chart", "rank", "song_id"]):
        song = known.get(entry["song_id"]) if entry["song_id"] is not None else None
        rows.append(
            {
                "chart": entry["chart"],
                "rank": entry["rank"],
                "song_id": entry["song_id"],
                "song_known": song is not None,
                "album_id": song["album_id"] if song else None,
                "artist_ids": list(song["artist_ids"]) if song and song["artist_ids"] is not None else None,
            }
        )
    rows.sort(key=lambda r: (r["chart"], r["rank"]))
    return pa.Table.from_pylist(rows, schema=SPOTIFY_CHART_SONGS)


def _best_entries(entries: TableLike) -> dict[ChartSong, dict[str, Any]]:
    """Each (chart, song_id) at its best rank; entries without a song id are left out."""
    best: dict[ChartSong, dict[str, Any]] = {}
    columns = ["chart", "region", "rank", "song_id", "song_name", "artist_names", "streams"]
    for row in _records(entries, columns):
        if row["song_id"] is None:
            continue
        key = (row["chart"], row["song_id"])
        if key not in best or row["rank"] < best[key]["rank"]:
            best[key] = row
    return best


def _song_artists(weeks: Iterable[TableLike | None]) -> dict[str, list[str]]:
    """song_id -> artist_ids of the songs the given weeks' chart_songs know, the first week first."""
    artists: dict[str, list[str]] = {}
    for chart_songs_week in weeks:
        for row in _records(chart_songs_week, ["song_id", "song_known", "artist_ids"]):
            if row["song_known"] and row["artist_ids"]:
                artists.setdefault(row["song_id"], list(row["artist_ids"]))
    return artists


def _artist_names(weeks: Iterable[TableLike | None]) -> dict[str, str]:
    names: dict[str, str] = {}
    for artists in weeks:
        for row in _records(artists, ["artist_id", "artist_name"]):
            if row["artist_name"] is not None:
                names.setdefault(row["artist_id"], row["artist_name"])
    return names


@dataclass(frozen=True)
class Credit:
    credit: str  # the artist id, else the file's artist_names text
    artist_id: str | None
    artist_name: str | None


def credits_of(
    entry: Mapping[str, Any], song_artists: Mapping[str, list[str]], names: Mapping[str, str]
) -> list[Credit]:
    """The artists an entry's streams are credited to: its song's artist ids (each once) where
    known, else the chart file's `artist_names` text as one credit (none when the file has none)."""
    artist_ids = song_artists.get(entry["song_id"])
    if artist_ids:
        return [Credit(a, a, names.get(a)) for a in dict.fromkeys(artist_ids)]
    text = entry["artist_names"]
    return [Credit(text, None, text)] if text else []


def _artist_totals(
    best: Mapping[ChartSong, Mapping[str, Any]], song_artists: Mapping[str, list[str]], names: Mapping[str, str]
) -> dict[tuple[str, str], dict[str, Any]]:
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for (chart, _), entry in best.items():
        for credit in credits_of(entry, song_artists, names):
            total = totals.setdefault(
                (chart, credit.credit),
                {"credit": credit, "region": entry["region"], "songs": 0, "streams": 0},
            )
            total["songs"] += 1
            total["streams"] += entry["streams"]
    return totals


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def week_streams(this: ChartWeek, before: ChartWeek | None) -> WeekStreams:
    """`song_streams` and `artist_streams` of a week, compared with last week's stored chart
    (`before`; None when it is not stored). A chart missing from `before` is compared with nothing
    either: its previous values and `is_new` are null."""
    now = _best_entries(this.entries)
    then = _best_entries(before.entries) if before is not None else {}
    compared = {chart for chart, _ in then}  # the charts stored last week
    song_artists = _song_artists([this.chart_songs, *([before.chart_songs] if before else [])])
    names = _artist_names([this.artists, *([before.artists] if before else [])])
    known_now = {r["song_id"] for r in _records(this.chart_songs, ["song_id", "song_known"]) if r["song_known"]}
    chart_totals: dict[str, int] = defaultdict(int)
    for (chart, _), entry in now.items():
        chart_totals[chart] += entry["streams"]

    songs = []
    for key, entry in now.items():
        chart = key[0]
        old = then.get(key)
        songs.append(
            {
                "chart": chart,
                "song_id": entry["song_id"],
                "region": entry["region"],
                "rank": entry["rank"],
                "streams": entry["streams"],
                "share": _share(entry["streams"], chart_totals[chart]),
                "previous_rank": old["rank"] if old else None,
                "previous_streams": old["streams"] if old else None,
                "streams_change": entry["streams"] - old["streams"] if old else None,
                "is_new": old is None if chart in compared else None,
                "song_name": entry["song_name"],
                "artist_names": entry["artist_names"],
                "song_known": entry["song_id"] in known_now,
            }
        )
    songs.sort(key=lambda r: (r["chart"], r["rank"], r["song_id"]))

    artists_now = _artist_totals(now, song_artists, names)
    artists_then = _artist_totals(then, song_artists, names)
    artists = []
    for (chart, credit_key), total in artists_now.items():
        old = artists_then.get((chart, credit_key))
        credit: Credit = total["credit"]
        artists.append(
            {
                "chart": chart,
                "credit": credit_key,
                "region": total["region"],
                "artist_id": credit.artist_id,
                "artist_name": credit.artist_name,
                "songs": total["songs"],
                "streams": total["streams"],
                "share": _share(total["streams"], chart_totals[chart]),
                "previous_streams": old["streams"] if old else None,
                "streams_change": total["streams"] - old["streams"] if old else None,
                "is_new": old is None if chart in compared else None,
            }
        )
    artists.sort(key=lambda r: (r["chart"], -r["streams"], r["credit"]))
    return WeekStreams(
        song_streams=pa.Table.from_pylist(songs, schema=SONG_STREAMS),
        artist_streams=pa.Table.from_pylist(artists, schema=ARTIST_STREAMS),
    )
