"""The tutorial pipeline, as the 2023 "Spotify ETL with Python/AWS" tutorials write it: the yardstick.

Parse each raw record with `json.loads`, loop over the items appending one dict per song, album and
artist to lists, build pandas frames, `drop_duplicates` on album and artist ids, `pd.to_datetime` on
the dates. It reads the same raw week as the pipeline (the `raw_playlist` Parquet file) and keeps
the same songs (no null tracks, local files or episodes) and the same album and artist ids (track and
album artists), so both produce the same id sets and the comparison is like for like.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq


def tutorial_tables(raw_file: str) -> dict[str, pd.DataFrame]:
    """songs, albums, artists frames of the raw week in `raw_file` (a `raw_playlist` Parquet file)."""
    raw = pq.read_table(raw_file, columns=["playlist_id", "position", "item_json"]).to_pandas()
    song_list, album_list, artist_list = [], [], []
    for playlist_id, position, text in zip(raw["playlist_id"], raw["position"], raw["item_json"], strict=True):
        if text is None:
            continue
        row = json.loads(text)
        track = row.get("item") or row.get("track")
        if not track or row.get("is_local") or track.get("is_local") or track.get("type", "track") != "track":
            continue
        if not track.get("id"):
            continue
        album = track["album"]
        album_list.append(
            {
                "album_id": album["id"],
                "name": album["name"],
                "release_date": album["release_date"],
                "total_tracks": album["total_tracks"],
                "url": album["external_urls"]["spotify"],
            }
        )
        for artist in track["artists"] + album["artists"]:
            artist_list.append(
                {"artist_id": artist["id"], "artist_name": artist["name"], "url": artist["external_urls"]["spotify"]}
            )
        song_list.append(
            {
                "playlist_id": playlist_id,
                "position": position,
                "song_id": track["id"],
                "song_name": track["name"],
                "duration_ms": track["duration_ms"],
                "popularity": track.get("popularity"),
                "url": track["external_urls"]["spotify"],
                "song_added": row["added_at"],
                "album_id": album["id"],
                "artist_id": track["artists"][0]["id"],
            }
        )
    album_df = pd.DataFrame.from_dict(album_list).drop_duplicates(subset=["album_id"])
    # release dates come as '1998', '2011-03' or '2011-03-04'
    album_df["release_date"] = pd.to_datetime(album_df["release_date"], format="mixed", errors="coerce")
    artist_df = pd.DataFrame.from_dict(artist_list).drop_duplicates(subset=["artist_id"])
    song_df = pd.DataFrame.from_dict(song_list)
    song_df["song_added"] = pd.to_datetime(song_df["song_added"])
    return {"songs": song_df, "albums": album_df, "artists": artist_df}
