"""Raw week -> `playlists`, `songs`, `albums`, `artists`: one parse, columnar, no I/O, no Dagster.

Every item of the week is parsed once, by pyarrow's JSON reader with an explicit schema, from one
newline-delimited buffer; everything after that is vectorised. Both response shapes are read: the
2026 entry carries the track in `item`, the legacy one in `track` (some 2026 responses send both).

Longer than the project's ~300 lines on purpose: the item schema and the vectorised steps of the one
pass read top to bottom, each table built from the same parsed columns.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from spotify_assets.lake.raw_records import paging_key
from spotify_assets.lake.schemas import ALBUMS, ARTISTS, PLAYLISTS, SONGS, UTC_TIMESTAMP

_URLS = pa.struct([("spotify", pa.string())])
_ARTIST = pa.struct([("id", pa.string()), ("name", pa.string()), ("external_urls", _URLS)])
_ALBUM = pa.struct(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("album_type", pa.string()),
        ("release_date", pa.string()),
        ("release_date_precision", pa.string()),
        ("total_tracks", pa.int32()),
        ("external_urls", _URLS),
        ("artists", pa.list_(_ARTIST)),
    ]
)
_TRACK = pa.struct(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("is_local", pa.bool_()),
        ("duration_ms", pa.int64()),
        ("explicit", pa.bool_()),
        ("popularity", pa.int32()),
        ("external_ids", pa.struct([("isrc", pa.string())])),
        ("external_urls", _URLS),
        ("album", _ALBUM),
        ("artists", pa.list_(_ARTIST)),
    ]
)
# Only what the tables need is parsed; everything else stays in the raw zone's verbatim JSON.
ITEM_SCHEMA = pa.schema([("added_at", pa.string()), ("is_local", pa.bool_()), ("track", _TRACK), ("item", _TRACK)])
_PARSE_OPTIONS = pa_json.ParseOptions(explicit_schema=ITEM_SCHEMA, unexpected_field_behavior="ignore")
_READ_OPTIONS = pa_json.ReadOptions(block_size=1 << 24)

OPEN_SPOTIFY = "https://open.spotify.com"


class RawDataError(ValueError):
    """The raw zone holds something the transform cannot read; the message names the row."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


@dataclass
class WeekTables:
    """The curated tables of one week, plus what the checks need to know about the parse."""

    playlists: pa.Table
    songs: pa.Table
    albums: pa.Table
    artists: pa.Table
    # (album_id, release_date as sent) for dates that do not parse at their precision
    unparsed_release_dates: list[tuple[str, str]] = field(default_factory=list)


# Items are parsed in slices of about this many bytes: the newline-joined copy of a slice is all
# the transform holds beside the raw column, and each slice still spans several parser blocks.
_SLICE_BYTES = 1 << 26


def _ndjson(items: pa.Array) -> pa.Buffer:
    """The items of one array as one newline-delimited buffer, built in C++ (no per-item Python objects)."""
    joined = pc.binary_join_element_wise(
        items.cast(pa.large_string()), pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    return joined.buffers()[2][offsets[joined.offset] : offsets[joined.offset + len(joined)]]


def _slices(item_json: pa.ChunkedArray) -> list[pa.Array]:
    """The chunks of `item_json` cut into runs of about _SLICE_BYTES of JSON (zero-copy)."""
    slices = []
    for chunk in item_json.chunks:
        lengths = pc.binary_length(chunk).to_numpy(zero_copy_only=False)
        ends = np.cumsum(lengths, dtype=np.int64)
        start = 0
        while start < len(chunk):
            # the first row at which the slice reaches the budget (at least one row per slice)
            base = ends[start - 1] if start else 0
            stop = int(np.searchsorted(ends, base + _SLICE_BYTES, side="left")) + 1
            stop = min(max(stop, start + 1), len(chunk))
            slices.append(chunk.slice(start, stop - start))
            start = stop
    return slices


def parse_items(item_json: pa.ChunkedArray | pa.Array) -> pa.Table:
    """Parse every item (one JSON object per row) into ITEM_SCHEMA columns, row for row."""
    if isinstance(item_json, pa.Array):
        item_json = pa.chunked_array([item_json])
    if item_json.null_count:
        raise RawDataError(f"{item_json.null_count} raw item(s) have a position but no item_json")
    if len(item_json) == 0:
        return ITEM_SCHEMA.empty_table()
    parts = []
    try:
        for items in _slices(item_json):
            parts.append(
                pa_json.read_json(
                    pa.BufferReader(_ndjson(items)), read_options=_READ_OPTIONS, parse_options=_PARSE_OPTIONS
                )
            )
    except pa.ArrowInvalid as fast_path_error:
        raise _locate_bad_item(item_json, fast_path_error) from fast_path_error
    parsed = pa.concat_tables(parts)
    if parsed.num_rows != len(item_json):
        # a row holding no JSON object (an empty string) would shift every row after it
        raise _locate_bad_item(item_json, ValueError(f"{parsed.num_rows} objects in {len(item_json)} rows"))
    return parsed


def _locate_bad_item(item_json: pa.ChunkedArray, error: Exception) -> RawDataError:
    for row, text in enumerate(item_json.to_pylist()):
        try:
            json.loads(text)
            pa_json.read_json(pa.BufferReader(text.encode() + b"\n"), parse_options=_PARSE_OPTIONS)
        except Exception as row_error:  # noqa: BLE001 - reported with the row that caused it
            return RawDataError(f"raw item at row {row} cannot be parsed: {row_error}", row=row)
    return RawDataError(f"raw items cannot be parsed: {error}")


def parse_timestamps(values: pa.Array) -> pa.Array:
    """ISO 8601 strings -> UTC timestamps. Vectorised; a value that is not a timestamp with a zone
    (a bare date, an empty string) falls back to a per-value parse: naive means UTC, junk means null.
    The raw zone keeps what was sent either way."""
    try:
        return pc.cast(values, UTC_TIMESTAMP)
    except pa.ArrowInvalid:
        return pa.array([_parse_one_timestamp(value) for value in values.to_pylist()], UTC_TIMESTAMP)


def _parse_one_timestamp(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _open_url(kind: str, ids: pa.Array, urls: pa.Array) -> pa.Array:
    """The open.spotify.com link: the one the API sent, else built from the id."""
    built = pc.binary_join_element_wise(pa.scalar(f"{OPEN_SPOTIFY}/{kind}/"), ids, "")
    return pc.coalesce(urls, built)


def _ids_of(artists: pa.Array) -> pa.Array:
    """list<struct<id,...>> -> list<string> of the ids, same offsets and nulls."""
    return pa.ListArray.from_arrays(
        artists.offsets, pc.struct_field(artists.values, "id"), mask=artists.is_null()
    ).cast(pa.list_(pa.string()))


def parse_release_dates(dates: pa.Array, precisions: pa.Array) -> pa.Array:
    """'1998' (year) -> 1998-01-01, '2011-03' (month) -> 2011-03-01, '2011-03-04' (day) as is."""
    padded = pc.case_when(
        pc.make_struct(pc.equal(pc.utf8_length(dates), 4), pc.equal(pc.utf8_length(dates), 7)),
        pc.binary_join_element_wise(dates, "-01-01", ""),
        pc.binary_join_element_wise(dates, "-01", ""),
        dates,
    )
    parsed = pc.strptime(padded, format="%Y-%m-%d", unit="s", error_is_null=True).cast(pa.date32())
    # A date whose length disagrees with its stated precision is not trusted.
    expected_length = pc.case_when(
        pc.make_struct(pc.equal(precisions, "year"), pc.equal(precisions, "month")),
        pa.scalar(4, pa.int32()),
        pa.scalar(7, pa.int32()),
        pa.scalar(10, pa.int32()),
    )
    consistent = pc.or_kleene(pc.is_null(precisions), pc.equal(pc.utf8_length(dates), expected_length))
    # Spotify sends "0000" for unknown dates; year 0 is no date (and not representable in Python).
    consistent = pc.and_kleene(consistent, pc.greater_equal(pc.year(parsed), 1))
    return pc.if_else(consistent, parsed, pa.scalar(None, pa.date32()))


def _first_rows(keys: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Row indices of the first occurrence of each non-null key, in key order (deterministic files).

    Only the keys are hashed and sorted; callers then take the few rows they need from wide columns.
    """
    indexed = pa.table({"key": keys, "row": pa.array(np.arange(len(keys), dtype=np.int64))})
    if indexed["key"].null_count:
        indexed = indexed.filter(pc.is_valid(indexed["key"]))
    firsts = indexed.group_by("key", use_threads=False).aggregate([("row", "min")])
    return firsts["row_min"].take(pc.sort_indices(firsts["key"])).combine_chunks()


def _playlists(raw: pa.Table, songs_kept: dict[str, int]) -> pa.Table:
    # One row per playlist, read cell by cell: `take` on a chunked column would concatenate it first.
    firsts = _first_rows(raw["playlist_id"]).to_pylist()
    columns = [raw[name] for name in ("playlist_id", "playlist_json", "extracted_at")]
    item_rows = pc.value_counts(raw["playlist_id"].filter(pc.is_valid(raw["position"])))
    stored = {pair["values"].as_py(): pair["counts"].as_py() for pair in item_rows}
    rows = []
    for playlist_id, playlist_json, extracted_at in ([c[i].as_py() for c in columns] for i in firsts):
        playlist = json.loads(playlist_json)
        total = (playlist.get(paging_key(playlist) or "", {}) or {}).get("total")
        owner = playlist.get("owner") or {}
        followers = playlist.get("followers") or {}
        items = stored.get(playlist_id, 0)
        rows.append(
            {
                "playlist_id": playlist_id,
                "playlist_name": playlist.get("name"),
                "owner_id": owner.get("id"),
                "owner_name": owner.get("display_name"),
                "description": playlist.get("description"),
                "followers": followers.get("total"),
                "snapshot_id": playlist.get("snapshot_id"),
                "total_items": total if total is not None else items,
                "songs_kept": songs_kept.get(playlist_id, 0),
                "items_skipped": items - songs_kept.get(playlist_id, 0),
                "url": (playlist.get("external_urls") or {}).get("spotify") or f"{OPEN_SPOTIFY}/playlist/{playlist_id}",
                "extracted_at": extracted_at,
            }
        )
    return pa.Table.from_pylist(rows, schema=PLAYLISTS)


def _track_of(parsed: pa.Table) -> pa.StructArray:
    """The 2026 entry's `item`, else the legacy `track` (row by row only when a week mixes shapes)."""
    item, legacy = parsed["item"], parsed["track"]
    if item.null_count == len(item):
        return legacy.combine_chunks()
    if legacy.null_count == len(legacy) or legacy.null_count == 0 and item.null_count == 0:
        return item.combine_chunks()
    return pc.if_else(pc.is_valid(item), item, legacy).combine_chunks()


def week_tables(raw: pa.Table) -> WeekTables:
    """Build the four curated tables from one week of `raw_playlist` rows."""
    # Only the narrow columns are filtered or copied; the raw JSON is parsed where it lies.
    has_item = pc.is_valid(raw["position"])
    items_raw = raw.select(["playlist_id", "position", "item_json"])
    if raw["position"].null_count:
        items_raw = items_raw.filter(has_item)
    try:
        parsed = parse_items(items_raw["item_json"])
    except RawDataError as error:
        if error.row is None:
            raise
        playlist_id, position = (items_raw[c][error.row].as_py() for c in ("playlist_id", "position"))
        raise RawDataError(f"playlist {playlist_id}, position {position}: {error}", row=error.row) from error
    added_at, entry_is_local = parsed["added_at"], parsed["is_local"]
    track = _track_of(parsed)
    del parsed  # the parse as it came out: only `track` and the two columns above are used below

    # Songs are tracks with an id; null tracks, local files and episodes stay in raw only.
    local = pc.or_kleene(
        pc.fill_null(entry_is_local.combine_chunks(), False),
        pc.fill_null(pc.struct_field(track, "is_local"), False),
    )
    kind = pc.fill_null(pc.struct_field(track, "type"), "track")
    is_song = pc.and_(pc.and_(pc.is_valid(pc.struct_field(track, "id")), pc.invert(local)), pc.equal(kind, "track"))
    is_song = pc.fill_null(is_song, False)
    track = track.filter(is_song)
    song_rows = items_raw.select(["playlist_id", "position"]).filter(is_song)

    song_albums = pc.struct_field(track, "album")
    artists = pc.struct_field(track, "artists")
    artist_ids = _ids_of(artists)
    song_ids = pc.struct_field(track, "id")
    songs = pa.Table.from_arrays(
        [
            song_rows["playlist_id"].combine_chunks().cast(pa.string()),
            song_rows["position"].combine_chunks(),
            song_ids,
            pc.struct_field(track, "name"),
            pc.struct_field(track, "duration_ms"),
            pc.struct_field(track, "explicit"),
            pc.struct_field(track, "popularity"),
            pc.struct_field(track, ["external_ids", "isrc"]),
            _open_url("track", song_ids, pc.struct_field(track, ["external_urls", "spotify"])),
            parse_timestamps(added_at.combine_chunks().filter(is_song)),
            pc.struct_field(song_albums, "id"),
            pc.list_element(artist_ids, 0) if len(artist_ids) else pa.array([], pa.string()),
            artist_ids,
        ],
        schema=SONGS,
    )

    # Albums and artists: pick each id's first row, then build columns for those rows only.
    album = song_albums.take(_first_rows(pc.struct_field(song_albums, "id")))
    album_ids = pc.struct_field(album, "id")
    release_dates = pc.struct_field(album, "release_date")
    precisions = pc.struct_field(album, "release_date_precision")
    parsed_dates = parse_release_dates(release_dates, precisions)
    albums = pa.Table.from_arrays(
        [
            album_ids,
            pc.struct_field(album, "name"),
            pc.struct_field(album, "album_type"),
            parsed_dates,
            precisions,
            pc.struct_field(album, "total_tracks"),
            _open_url("album", album_ids, pc.struct_field(album, ["external_urls", "spotify"])),
            _ids_of(pc.struct_field(album, "artists")),
        ],
        names=ALBUMS.names,
    ).cast(ALBUMS)
    unparsed = pc.and_(pc.is_null(parsed_dates), pc.is_valid(release_dates))

    # Artists of the songs first, then album artists (compilations' "Various Artists" and the like).
    every_artist = (
        pa.concat_arrays([artists.flatten(), pc.struct_field(song_albums, "artists").flatten()])
        if len(track)
        else pa.array([], _ARTIST)
    )
    every_artist = every_artist.take(_first_rows(pc.struct_field(every_artist, "id")))
    artist_id = pc.struct_field(every_artist, "id")
    artists_table = pa.Table.from_arrays(
        [
            artist_id,
            pc.struct_field(every_artist, "name"),
            _open_url("artist", artist_id, pc.struct_field(every_artist, ["external_urls", "spotify"])),
        ],
        schema=ARTISTS.remove_metadata(),
    ).cast(ARTISTS)

    kept = {pair["values"].as_py(): pair["counts"].as_py() for pair in pc.value_counts(songs["playlist_id"])}
    playlists = _playlists(raw, kept)
    return WeekTables(
        playlists=playlists,
        songs=songs,
        albums=albums,
        artists=artists_table,
        unparsed_release_dates=list(
            zip(album_ids.filter(unparsed).to_pylist(), release_dates.filter(unparsed).to_pylist(), strict=True)
        ),
    )
