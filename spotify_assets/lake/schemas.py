"""One pyarrow schema per lake table: the data contract (docs/data-contract.md).

The transform builds to these schemas, the IO manager casts every file to them (so a column that
is all null one week is still typed), the checks and the catalog read their column lists from here.
New columns go at the end; renaming one breaks every reader of the lake.
"""

import pyarrow as pa

from spotify_assets.lake.star_schemas import STAR_KEYS, STAR_SCHEMAS

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

RAW_PLAYLIST = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("snapshot_id", pa.string()),
        pa.field("extracted_at", UTC_TIMESTAMP, nullable=False),
        # 1-based; null only on the single row that keeps an empty playlist's metadata
        pa.field("position", pa.int32()),
        pa.field("item_json", pa.large_string()),
        # the playlist object without the items of its paging object (`tracks` or `items`)
        pa.field("playlist_json", pa.large_string(), nullable=False),
        pa.field("source", pa.string()),
    ]
)

PLAYLISTS = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("playlist_name", pa.string()),
        pa.field("owner_id", pa.string()),
        pa.field("owner_name", pa.string()),
        pa.field("description", pa.string()),
        pa.field("followers", pa.int64()),
        pa.field("snapshot_id", pa.string()),
        pa.field("total_items", pa.int64()),
        pa.field("songs_kept", pa.int64()),
        pa.field("items_skipped", pa.int64()),
        pa.field("url", pa.string()),
        pa.field("extracted_at", UTC_TIMESTAMP),
    ]
)

SONGS = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),
        pa.field("song_id", pa.string()),
        pa.field("song_name", pa.string()),
        pa.field("duration_ms", pa.int64()),
        pa.field("explicit", pa.bool_()),
        pa.field("popularity", pa.int32()),
        pa.field("isrc", pa.string()),
        pa.field("url", pa.string()),
        pa.field("added_at", UTC_TIMESTAMP),
        pa.field("album_id", pa.string()),
        pa.field("artist_id", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
    ]
)

ALBUMS = pa.schema(
    [
        pa.field("album_id", pa.string(), nullable=False),
        pa.field("album_name", pa.string()),
        pa.field("album_type", pa.string()),
        pa.field("release_date", pa.date32()),
        pa.field("release_date_precision", pa.string()),
        pa.field("total_tracks", pa.int32()),
        pa.field("url", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
    ]
)

ARTISTS = pa.schema(
    [
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("artist_name", pa.string()),
        pa.field("url", pa.string()),
    ]
)

# Items of raw_playlist that cannot be typed as the contract says (transform.py): left out of the
# other tables, kept in raw, one row each here with the reason.
REJECTED_ITEMS = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("position", pa.int32(), nullable=False),  # the raw row's position
        pa.field("reason", pa.string(), nullable=False),  # the field, the value sent and what it should be
        pa.field("item_json", pa.string()),  # the raw item, verbatim
    ]
)

# --- music trends (trends/history.py): derived from `songs`, week after week --------------------------

CHART_MOVEMENTS = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("position", pa.int32()),  # null on an exit row
        pa.field("previous_position", pa.int32()),  # null when not on the chart the week before
        pa.field("change", pa.int32()),  # previous_position - position: positive = climbed
        pa.field("status", pa.string(), nullable=False),  # new, re-entry, up, down, same, exit
        pa.field("weeks_on_chart", pa.int32(), nullable=False),
        pa.field("peak_position", pa.int32(), nullable=False),
        pa.field("song_name", pa.string()),
        pa.field("artist_id", pa.string()),  # the song's first artist
        pa.field("artist_name", pa.string()),
    ]
)

# The running state behind chart_movements: every song ever on a playlist, as of the week.
CHART_HISTORY = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("first_week", pa.date32(), nullable=False),
        pa.field("last_week", pa.date32(), nullable=False),  # latest week on the chart
        pa.field("weeks_on_chart", pa.int32(), nullable=False),
        pa.field("peak_position", pa.int32(), nullable=False),
        pa.field("last_position", pa.int32(), nullable=False),  # position in last_week
        pa.field("song_name", pa.string()),
        pa.field("artist_id", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
        pa.field("artist_names", pa.list_(pa.string())),
    ]
)

ARTIST_TRENDS = pa.schema(
    [
        pa.field("playlist_id", pa.string(), nullable=False),  # "*": every playlist together
        pa.field("artist_id", pa.string(), nullable=False),
        pa.field("appearances", pa.int32(), nullable=False),
        pa.field("playlist_songs", pa.int32(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
        pa.field("previous_appearances", pa.int32(), nullable=False),
        pa.field("appearances_change", pa.int32(), nullable=False),
        pa.field("is_new", pa.bool_(), nullable=False),
        pa.field("artist_name", pa.string()),
    ]
)

# --- Spotify Charts (spotify_assets/charts/): the weekly chart CSV files, beside the playlists ---------

# Every line of every chart file of the week, verbatim (charts/lines.py).
RAW_SPOTIFY_CHART = pa.schema(
    [
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("file_sha256", pa.string(), nullable=False),
        pa.field("line_number", pa.int32(), nullable=False),  # 1-based
        pa.field("line", pa.string(), nullable=False),  # without its terminator; line 1 without the BOM
    ]
)

# One row per entry of each chart of the week, from the files alone (charts/parse.py).
SPOTIFY_CHART_ENTRIES = pa.schema(
    [
        pa.field("chart", pa.string(), nullable=False),  # e.g. regional-global-weekly
        pa.field("region", pa.string(), nullable=False),
        pa.field("chart_date", pa.date32(), nullable=False),  # the Thursday ending the chart week
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("song_id", pa.string()),
        pa.field("song_name", pa.string()),
        pa.field("artist_names", pa.string()),  # verbatim, never split
        pa.field("streams", pa.int64(), nullable=False),
        pa.field("peak_rank", pa.int32()),  # null in the older format
        pa.field("previous_rank", pa.int32()),  # null for a new entry (-1 in the file) and in the older format
        pa.field("weeks_on_chart", pa.int32()),  # null in the older format
        pa.field("label", pa.string()),  # the file's `source` column; null in the older format
        pa.field("file_name", pa.string(), nullable=False),
    ]
)

# Chart lines (or whole files, line 0) left out of spotify_chart_entries, with the reason.
REJECTED_CHART_LINES = pa.schema(
    [
        pa.field("file_name", pa.string(), nullable=False),
        pa.field("line_number", pa.int32(), nullable=False),  # 0: the file as a whole
        pa.field("chart", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("line", pa.string()),  # the raw line, verbatim; null for line 0
    ]
)

# --- the Spotify Charts, downstream of spotify_chart_entries (trends/streams.py) ----------------------

# Each chart entry with what the week's `songs` know of its song (null when no playlist has it).
SPOTIFY_CHART_SONGS = pa.schema(
    [
        pa.field("chart", pa.string(), nullable=False),
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("song_id", pa.string()),
        pa.field("song_known", pa.bool_(), nullable=False),
        pa.field("album_id", pa.string()),
        pa.field("artist_ids", pa.list_(pa.string())),
    ]
)

SONG_STREAMS = pa.schema(
    [
        pa.field("chart", pa.string(), nullable=False),
        pa.field("song_id", pa.string(), nullable=False),
        pa.field("region", pa.string()),
        pa.field("rank", pa.int32(), nullable=False),
        pa.field("streams", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
        pa.field("previous_rank", pa.int32()),  # null when not on last week's stored chart
        pa.field("previous_streams", pa.int64()),
        pa.field("streams_change", pa.int64()),
        pa.field("is_new", pa.bool_()),  # null when last week's chart is not stored
        pa.field("song_name", pa.string()),
        pa.field("artist_names", pa.string()),
        pa.field("song_known", pa.bool_(), nullable=False),
    ]
)

ARTIST_STREAMS = pa.schema(
    [
        pa.field("chart", pa.string(), nullable=False),
        pa.field("credit", pa.string(), nullable=False),  # the artist id, else the file's artist_names text
        pa.field("region", pa.string()),
        pa.field("artist_id", pa.string()),
        pa.field("artist_name", pa.string()),
        pa.field("songs", pa.int32(), nullable=False),
        pa.field("streams", pa.int64(), nullable=False),
        pa.field("share", pa.float64(), nullable=False),
        pa.field("previous_streams", pa.int64()),
        pa.field("streams_change", pa.int64()),
        pa.field("is_new", pa.bool_()),
    ]
)

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "raw_playlist": RAW_PLAYLIST,
    "playlists": PLAYLISTS,
    "songs": SONGS,
    "albums": ALBUMS,
    "artists": ARTISTS,
    "rejected_items": REJECTED_ITEMS,
    "chart_movements": CHART_MOVEMENTS,
    "chart_history": CHART_HISTORY,
    "artist_trends": ARTIST_TRENDS,
    "raw_spotify_chart": RAW_SPOTIFY_CHART,
    "spotify_chart_entries": SPOTIFY_CHART_ENTRIES,
    "rejected_chart_lines": REJECTED_CHART_LINES,
    "spotify_chart_songs": SPOTIFY_CHART_SONGS,
    "song_streams": SONG_STREAMS,
    "artist_streams": ARTIST_STREAMS,
    **STAR_SCHEMAS,
}

# The grain of each table within one week: these columns are unique and not null.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "raw_playlist": ("playlist_id", "position"),
    "playlists": ("playlist_id",),
    "songs": ("playlist_id", "position"),
    "albums": ("album_id",),
    "artists": ("artist_id",),
    "rejected_items": ("playlist_id", "position"),
    "chart_movements": ("playlist_id", "song_id"),
    "chart_history": ("playlist_id", "song_id"),
    "artist_trends": ("playlist_id", "artist_id"),
    "raw_spotify_chart": ("file_name", "line_number"),
    "spotify_chart_entries": ("chart", "rank"),
    "rejected_chart_lines": ("file_name", "line_number"),
    "spotify_chart_songs": ("chart", "rank"),
    "song_streams": ("chart", "song_id"),
    "artist_streams": ("chart", "credit"),
    **STAR_KEYS,
}

# The column the IO manager adds when several weeks travel in one frame; in storage it is the
# Hive partition folder (week=YYYY-MM-DD), never a column inside the files.
WEEK_COLUMN = "week"
