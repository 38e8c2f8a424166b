"""One week's facts from the week's lake tables (no I/O). A key the source leaves missing becomes the
dimension's "unknown" member, so every fact joins every dimension."""

from __future__ import annotations

import pyarrow as pa

from spotify_assets.lake.star_schemas import FACT_PLAYLIST_ENTRY
from spotify_assets.star.versions import UNKNOWN


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
