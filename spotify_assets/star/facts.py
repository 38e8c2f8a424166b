"""One week's facts from the week's lake tables (no I/O). A key the source leaves missing becomes the
dimension's "unknown" member, so every fact joins every dimension."""

from __future__ import annotations

import pyarrow as pa

from spotify_assets.lake.star_schemas import FACT_CHART_ENTRY, FACT_PLAYLIST_ENTRY
from spotify_assets.star.versions import UNKNOWN, valid_version


def fact_playlist_entry(songs: pa.Table, chart_movements: pa.Table) -> pa.Table:
    """One row per row of `songs`, with the song's chart status, change, weeks on chart and peak from
    `chart_movements` (a song listed twice carries its chart entry on both rows: the chart counts it
    once, at its best position)."""
    movements = {
        (row["playlist_id"], row["song_id"]): row
        for row in chart_movements.select(
            ["playlist_id", "song_id", "status", "change", "weeks_on_chart", "peak_position"]
        ).to_pylist()
    }
    rows = []
    for song in songs.sort_by([("playlist_id", "ascending"), ("position", "ascending")]).to_pylist():
        moved = movements.get((song["playlist_id"], song["song_id"]), {})
        rows.append(
            {
                "playlist_id": song["playlist_id"],
                "position": song["position"],
                "song_id": song["song_id"] or UNKNOWN,
                "album_id": song["album_id"] or UNKNOWN,
                "artist_id": song["artist_id"] or UNKNOWN,
                "duration_ms": song["duration_ms"],
                "explicit": song["explicit"],
                "popularity": song["popularity"],
                "chart_status": moved.get("status"),
                "chart_change": moved.get("change"),
                "weeks_on_chart": moved.get("weeks_on_chart"),
                "peak_position": moved.get("peak_position"),
            }
        )
    return pa.Table.from_pylist(rows, schema=FACT_PLAYLIST_ENTRY)


def chart_songs(entries: pa.Table) -> list[dict]:
    """The songs of the week's charts (`song_id`, `song_name`, the first by chart and rank): `dim_song`
    adds those it does not know from a playlist, without album or artist."""
    seen: dict[str, dict] = {}
    for row in (
        entries.sort_by([("chart", "ascending"), ("rank", "ascending")]).select(["song_id", "song_name"]).to_pylist()
    ):
        if row["song_id"] is not None:
            seen.setdefault(row["song_id"], row)
    return list(seen.values())


def fact_chart_entry(entries: pa.Table, dim_song: pa.Table, week: str) -> pa.Table:
    """One row per row of `spotify_chart_entries`: rank and streams, with the song's album and first
    artist from its `dim_song` version valid in the week; a song known only from charts has neither,
    and takes the "unknown" members."""
    songs = valid_version(dim_song, "song_id", week)
    rows = []
    for entry in entries.sort_by([("chart", "ascending"), ("rank", "ascending")]).to_pylist():
        song = songs.get(entry["song_id"], {})
        rows.append(
            {
                "chart": entry["chart"],
                "rank": entry["rank"],
                "region": entry["region"],
                "chart_date": entry["chart_date"],
                "song_id": entry["song_id"] or UNKNOWN,
                "album_id": song.get("album_id") or UNKNOWN,
                "artist_id": song.get("artist_id") or UNKNOWN,
                "streams": entry["streams"],
                "previous_rank": entry["previous_rank"],
                "peak_rank": entry["peak_rank"],
                "weeks_on_chart": entry["weeks_on_chart"],
            }
        )
    return pa.Table.from_pylist(rows, schema=FACT_CHART_ENTRY)
