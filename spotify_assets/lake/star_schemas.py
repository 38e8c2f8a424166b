"""The star schema's tables (docs/data-contract.md, The star schema): facts keyed like their sources,
dimensions as weekly as-of snapshots with type 2 versions. Part of the lake's one contract:
`lake/schemas.py` adds them to `TABLE_SCHEMAS` and `TABLE_KEYS`, so the IO manager, the checks and the
catalogs treat them like every other table."""

import pyarrow as pa

# A dimension row's version: valid from its first week to its last (inclusive), or still current.
VALIDITY = [
    pa.field("valid_from_week", pa.date32(), nullable=False),
    pa.field("valid_to_week", pa.date32()),  # null while the version is current
    pa.field("is_current", pa.bool_(), nullable=False),
]

DIM_PLAYLIST = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("playlist_name", pa.string()),
        pa.field("owner_id", pa.string()),
        pa.field("owner_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("url", pa.string()),
        *VALIDITY,
    ]
)

DIM_SONG = pa.schema(
    [
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("song_name", pa.string()),
        pa.field("duration_ms", pa.int64()),
        pa.field("explicit", pa.bool_()),
        pa.field("isrc", pa.string()),
        pa.field("url", pa.string()),
        pa.field("album_id", pa.string()),
        pa.field("artist_id", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
        *VALIDITY,
    ]
)

DIM_ALBUM = pa.schema(
    [
        pa.field("album_id", pa.string(), nullable=False),
        pa.field("album_name", pa.string()),
        pa.field("album_type", pa.string()),
        pa.field("release_date", pa.date32()),
        pa.field("release_date_precision", pa.string()),
        pa.field("total_tracks", pa.int32()),
        pa.field("url", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
        *VALIDITY,
    ]
)

DIM_ARTIST = pa.schema(
    [
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("artist_name", pa.string()),
        pa.field("url", pa.string()),
        *VALIDITY,
    ]
)

DIM_WEEK = pa.schema(
    [
        pa.field("week_start", pa.date32(), nullable=False),  # the Monday: the partition key as a date
        pa.field("week_end", pa.date32(), nullable=False),  # the Sunday
        pa.field("iso_year", pa.int32(), nullable=False),
        pa.field("iso_week", pa.int32(), nullable=False),
        pa.field("month", pa.int32(), nullable=False),  # of the week's Thursday, as ISO weeks belong to years
        pa.field("quarter", pa.int32(), nullable=False),
        pa.field("year", pa.int32(), nullable=False),
    ]
)

BRIDGE_SONG_ARTIST = pa.schema(
    [
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("artist_position", pa.int32(), nullable=False),  # 1 = the song's first artist
        *VALIDITY,  # the song version's
    ]
)

FACT_PLAYLIST_ENTRY = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("album_id", pa.string(), nullable=False),
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("duration_ms", pa.int64()),
        pa.field("explicit", pa.bool_()),
        pa.field("popularity", pa.int32()),
        pa.field("chart_status", pa.string()),
        pa.field("chart_change", pa.int32()),
        pa.field("weeks_on_chart", pa.int32()),
        pa.field("peak_position", pa.int32()),
    ]
)

FACT_CHART_ENTRY = pa.schema(
    [
        pa.field("chart", pa.string(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("region", pa.string(), nullable=False),
        pa.field("chart_date", pa.date32(), nullable=False),
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("album_id", pa.string(), nullable=False),
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("streams", pa.int64(), nullable=False),
        pa.field("previous_rank", pa.int32()),
        pa.field("peak_rank", pa.int32()),
        pa.field("weeks_on_chart", pa.int32()),
    ]
)

STAR_SCHEMAS: dict[str, pa.Schema] = {
    "dim_week": DIM_WEEK,
    "dim_playlist": DIM_PLAYLIST,
    "dim_song": DIM_SONG,
    "dim_album": DIM_ALBUM,
    "dim_artist": DIM_ARTIST,
    "bridge_song_artist": BRIDGE_SONG_ARTIST,
    "fact_playlist_entry": FACT_PLAYLIST_ENTRY,
    "fact_chart_entry": FACT_CHART_ENTRY,
}

STAR_KEYS: dict[str, tuple[str, ...]] = {
    "dim_week": ("week_start",),
    "dim_playlist": ("playlist_id", "valid_from_week"),
    "dim_song": ("song_id", "valid_from_week"),
    "dim_album": ("album_id", "valid_from_week"),
    "dim_artist": ("artist_id", "valid_from_week"),
    "bridge_song_artist": ("song_id", "valid_from_week", "artist_position"),
    "fact_playlist_entry": ("playlist_id", "position"),
    "fact_chart_entry": ("chart", "rank"),
}

# The dimensions whose partitions are as-of snapshots (every version known up to the week); the
# catalogs show their latest snapshot.
SNAPSHOT_TABLES = ("dim_week", "dim_playlist", "dim_song", "dim_album", "dim_artist", "bridge_song_artist")
