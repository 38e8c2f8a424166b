"""Raw week -> `playlists`, `songs`, `albums`, `artists`, `rejected_items`: one parse, columnar, no I/O, no Dagster.

Every item of the week is parsed once, by pyarrow's JSON reader with an explicit schema, from one
newline-delimited buffer; everything after that is vectorised. Both response shapes are read: the
2026 entry carries the track in `item`, the legacy one in `track` (some 2026 responses send both).

Quarantine: an item whose fields cannot be typed (`duration_ms: "abc"`, a string track, a song with
no artist) does not fail the week. Only when the strict parse of a slice fails is that slice halved
until each bad item stands alone; the bad item gets a `rejected_items` row with its reason and the
rest keep the columnar parse. Text with a lone surrogate is repaired (U+FFFD) for that item only.

Longer than the project's ~300 lines on purpose: the item schema and the vectorised steps of the one
pass read top to bottom, each table built from the same parsed columns.
"""

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from spotify_assets.lake.raw_records import paging_key, valid_text
from spotify_assets.lake.schemas import ALBUMS, ARTISTS, PLAYLISTS, REJECTED_ITEMS, SONGS, UTC_TIMESTAMP

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
    # one row per raw item that cannot be typed as the contract says, left out of the tables above
    rejected_items: pa.Table = field(default_factory=REJECTED_ITEMS.empty_table)
    # (album_id, release_date as sent) for dates that do not parse at their precision
    unparsed_release_dates: list[tuple[str, str]] = field(default_factory=list)
    # (playlist_id, position, added_at as sent) for songs whose added_at does not parse (stored null)
    unparsed_added_at: list[tuple[str, int, str]] = field(default_factory=list)
    # ids sent with different payloads on different songs of the week (the first by playlist_id,
    # position gives the album row; each songs row keeps its own track values)
    conflicting_albums: dict[str, list[str]] = field(default_factory=dict)  # id -> the playlists listing it
    conflicting_tracks: dict[str, list[str]] = field(default_factory=dict)


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


def parse_items(item_json: pa.ChunkedArray | pa.Array) -> tuple[pa.Table, dict[int, str]]:
    """Parse every item (one JSON object per row) into ITEM_SCHEMA columns, row for row.

    Returns the parsed rows and the rejected ones: {row: reason} for each item whose fields cannot
    be typed as ITEM_SCHEMA says; its parsed row is all null. A row that is not a JSON object at all
    raises RawDataError (the raw zone itself is broken)."""
    if isinstance(item_json, pa.Array):
        item_json = pa.chunked_array([item_json])
    if item_json.null_count:
        raise RawDataError(f"{item_json.null_count} raw item(s) have a position but no item_json")
    rejected: dict[int, str] = {}
    if len(item_json) == 0:
        return ITEM_SCHEMA.empty_table(), rejected
    parts, offset = [], 0
    for items in _slices(item_json):
        parts.extend(_parse_slice(items, offset, rejected))
        offset += len(items)
    return pa.concat_tables(parts), rejected


def _read(items: pa.Array) -> pa.Table:
    return pa_json.read_json(pa.BufferReader(_ndjson(items)), read_options=_READ_OPTIONS, parse_options=_PARSE_OPTIONS)


def _parse_slice(items: pa.Array, offset: int, rejected: dict[int, str]) -> list[pa.Table]:
    """The fast path: one strict parse of the slice. Only when it fails, the slice is halved until
    each bad item stands alone (a few parses per bad item); the good items keep the columnar parse."""
    try:
        parsed = _read(items)
        if parsed.num_rows == len(items):
            return [parsed]
        # a row holding no JSON object (an empty string) would shift every row after it
        error: Exception = ValueError(f"{parsed.num_rows} objects in {len(items)} rows")
    except pa.ArrowInvalid as parse_error:
        error = parse_error
    if len(items) > 1:
        half = len(items) // 2
        return _parse_slice(items.slice(0, half), offset, rejected) + _parse_slice(
            items.slice(half), offset + half, rejected
        )
    return [_parse_one(items[0].as_py(), offset, error, rejected)]


def _parse_one(text: str, row: int, error: Exception, rejected: dict[int, str]) -> pa.Table:
    """The one item the strict parse refused: rejected with the reason, or parsed once repaired."""
    try:
        item = json.loads(text)
    except ValueError as not_json:
        raise RawDataError(f"raw item at row {row} cannot be parsed: {not_json}", row=row) from not_json
    if not isinstance(item, dict):
        raise RawDataError(f"raw item at row {row} cannot be parsed: not a JSON object but {_shown(item)}", row=row)
    reason = _fault(item, ITEM_SCHEMA, "")
    if reason is None:
        # Fields of the right types; what JSON allows and UTF-8 or the parser do not (a lone
        # surrogate in a name, NaN in a field the tables do not read) is repaired, once, for this item.
        try:
            return _read(pa.array([json.dumps(_repaired(item))], pa.large_string()))
        except pa.ArrowInvalid as repaired_error:
            reason = f"cannot be parsed: {repaired_error} (first error: {error})"
    rejected[row] = reason
    return _NULL_ITEM


# The parsed row of a rejected item: no track, so it is no song.
_NULL_ITEM = pa.Table.from_pylist([{}], schema=ITEM_SCHEMA)
_EXPECTED = {
    "duration_ms": "a whole number of milliseconds",
    "item": "a track object or null",
    "track": "a track object or null",
    "album": "an album object or null",
    "artists": "a list of artist objects",
}


def _shown(value: Any) -> str:
    """The value as it was sent, in JSON, cut to 80 characters."""
    text = json.dumps(value, ensure_ascii=False)
    text = "".join(char if not 0xD800 <= ord(char) <= 0xDFFF else f"\\u{ord(char):04x}" for char in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _fault(value: Any, arrow_type: pa.DataType | pa.Schema, path: str) -> str | None:
    """Why `value` cannot be typed as `arrow_type` ("item.duration_ms is "abc", not ..."), or None."""
    if value is None:
        return None
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    expected, ok = _EXPECTED.get(name), True
    if isinstance(arrow_type, pa.Schema) or pa.types.is_struct(arrow_type):
        ok, expected = isinstance(value, dict), expected or "an object"
        fields = list(arrow_type)
        for child in fields if ok else ():
            fault = _fault(value.get(child.name), child.type, f"{path}.{child.name}".lstrip("."))
            if fault:
                return fault
    elif pa.types.is_list(arrow_type):
        ok, expected = isinstance(value, list), expected or "a list"
        for index, element in enumerate(value if ok else ()):
            fault = _fault(element, arrow_type.value_type, f"{path}[{index}]")
            if fault:
                return fault
    elif pa.types.is_string(arrow_type):
        ok, expected = isinstance(value, str), expected or "a string"
    elif pa.types.is_boolean(arrow_type):
        ok, expected = isinstance(value, bool), expected or "true or false"
    elif pa.types.is_integer(arrow_type):
        bits = arrow_type.bit_width - 1
        whole = isinstance(value, int) and not isinstance(value, bool)
        ok = whole and -(2**bits) <= value < 2**bits
        expected = f"a whole number within {arrow_type}" if whole else expected or "a whole number"
    return None if ok else f"{path} is {_shown(value)}, not {expected}"


def _repaired(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD and NaN or infinities by null."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _repaired(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_repaired(child) for child in value]
    return value


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
        row = {
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
        # Text that is not valid UTF-8 (a lone surrogate) is stored with U+FFFD; raw keeps its escape.
        rows.append({key: valid_text(value) if isinstance(value, str) else value for key, value in row.items()})
    return pa.Table.from_pylist(rows, schema=PLAYLISTS)


def _track_of(parsed: pa.Table) -> pa.StructArray:
    """The 2026 entry's `item`, else the legacy `track` (row by row only when a week mixes shapes)."""
    item, legacy = parsed["item"], parsed["track"]
    if item.null_count == len(item):
        return legacy.combine_chunks()
    if legacy.null_count == len(legacy) or legacy.null_count == 0 and item.null_count == 0:
        return item.combine_chunks()
    return pc.if_else(pc.is_valid(item), item, legacy).combine_chunks()


def _in_key_order(playlist_ids: pa.Array, positions: pa.Array) -> pa.Array | None:
    """The permutation that sorts the rows by (playlist_id, position); None when they already are
    (the replay source's order), so the usual week pays one vectorised comparison only."""
    if len(playlist_ids) < 2:
        return None
    ids_before, ids_after = playlist_ids.slice(0, len(playlist_ids) - 1), playlist_ids.slice(1)
    ascending = pc.or_(
        pc.less(ids_before, ids_after),
        pc.and_(pc.equal(ids_before, ids_after), pc.less(positions.slice(0, len(positions) - 1), positions.slice(1))),
    )
    if pc.all(ascending).as_py():
        return None
    return pc.sort_indices(pa.table({"p": playlist_ids, "q": positions}), [("p", "ascending"), ("q", "ascending")])


def _comparable(column: pa.Array) -> pa.Array:
    return pc.binary_join(column, "\x1f") if pa.types.is_list(column.type) else column


def _conflicting(ids: pa.Array, firsts: pa.Array, columns: list[pa.Array], playlists: pa.Array) -> dict[str, list[str]]:
    """The ids whose rows send a value that differs from the one the id's first row (`firsts`) sends,
    each with the playlists that list it; sorted."""
    if not len(firsts):
        return {}
    first_of_row = firsts.take(pc.index_in(ids, value_set=ids.take(firsts)))
    differs = pa.array(np.zeros(len(ids), dtype=bool))
    for column in map(_comparable, columns):
        # a value one payload leaves out (the 2026 shape's missing ISRC) is no conflict
        differs = pc.or_(differs, pc.invert(pc.fill_null(pc.equal(column, column.take(first_of_row)), True)))
    differs = pc.and_(pc.fill_null(differs, False), pc.is_valid(first_of_row))
    if not pc.any(differs).as_py():
        return {}
    involved = pc.is_in(ids, value_set=pc.unique(ids.filter(differs)))
    found: dict[str, set[str]] = {}
    for key, playlist_id in zip(ids.filter(involved).to_pylist(), playlists.filter(involved).to_pylist(), strict=True):
        found.setdefault(key, set()).add(playlist_id)
    return {key: sorted(found[key]) for key in sorted(found)}


def _rejected_table(items_raw: pa.Table, reasons: dict[int, str]) -> pa.Table:
    rows = sorted(reasons)
    picked = items_raw.take(pa.array(rows, pa.int64()))
    return pa.Table.from_arrays(
        [
            picked["playlist_id"].combine_chunks().cast(pa.string()),
            picked["position"].combine_chunks(),
            pa.array([reasons[row] for row in rows], pa.string()),
            picked["item_json"].combine_chunks().cast(pa.string()),
        ],
        schema=REJECTED_ITEMS,
    )


def week_tables(raw: pa.Table) -> WeekTables:
    """Build the curated tables of one week of `raw_playlist` rows, and `rejected_items`: the items
    whose fields cannot be typed as the contract says, which the other tables leave out."""
    # Only the narrow columns are filtered or copied; the raw JSON is parsed where it lies.
    has_item = pc.is_valid(raw["position"])
    items_raw = raw.select(["playlist_id", "position", "item_json"])
    if raw["position"].null_count:
        items_raw = items_raw.filter(has_item)
    try:
        parsed, reasons = parse_items(items_raw["item_json"])
    except RawDataError as error:
        if error.row is None:
            raise
        playlist_id, position = (items_raw[c][error.row].as_py() for c in ("playlist_id", "position"))
        raise RawDataError(
            f"playlist {playlist_id}, position {position}: {error}. The raw zone holds what no source "
            "returns: rematerialize raw_playlist for the week if the source still has it.",
            row=error.row,
        ) from error
    added_at, entry_is_local = parsed["added_at"], parsed["is_local"]
    track = _track_of(parsed)

    # Songs are tracks with an id; null tracks, local files and episodes stay in raw only.
    local = pc.or_kleene(
        pc.fill_null(entry_is_local.combine_chunks(), False),
        pc.fill_null(pc.struct_field(track, "is_local"), False),
    )
    kind = pc.fill_null(pc.struct_field(track, "type"), "track")
    is_song = pc.and_(pc.and_(pc.is_valid(pc.struct_field(track, "id")), pc.invert(local)), pc.equal(kind, "track"))
    is_song = pc.fill_null(is_song, False)
    # A song without a single artist has no artist_id: rejected like a field of the wrong type.
    no_artist = pc.and_(
        is_song, pc.fill_null(pc.equal(pc.list_value_length(pc.struct_field(track, "artists")), 0), False)
    )
    if pc.any(no_artist).as_py():
        sent_in = pc.if_else(pc.is_valid(parsed["item"].combine_chunks()), "item", "track")
        for row in np.flatnonzero(no_artist.to_numpy(zero_copy_only=False)).tolist():
            reasons[row] = f"{sent_in[row].as_py()}.artists is [], not a list of at least one artist"
        is_song = pc.and_(is_song, pc.invert(no_artist))
    del parsed  # the parse as it came out: only `track` and the two columns above are used below
    track = track.filter(is_song)
    song_rows = items_raw.select(["playlist_id", "position"]).filter(is_song)
    song_playlists = song_rows["playlist_id"].combine_chunks().cast(pa.string())
    song_positions = song_rows["position"].combine_chunks()

    song_albums = pc.struct_field(track, "album")
    artists = pc.struct_field(track, "artists")
    artist_ids = _ids_of(artists)
    song_ids = pc.struct_field(track, "id")
    sent_added_at = added_at.combine_chunks().filter(is_song)
    song_added_at = parse_timestamps(sent_added_at)
    unparsed_added_at = pc.and_(pc.is_valid(sent_added_at), pc.is_null(song_added_at))
    songs = pa.Table.from_arrays(
        [
            song_playlists,
            song_positions,
            song_ids,
            pc.struct_field(track, "name"),
            pc.struct_field(track, "duration_ms"),
            pc.struct_field(track, "explicit"),
            pc.struct_field(track, "popularity"),
            pc.struct_field(track, ["external_ids", "isrc"]),
            _open_url("track", song_ids, pc.struct_field(track, ["external_urls", "spotify"])),
            song_added_at,
            pc.struct_field(song_albums, "id"),
            pc.list_element(artist_ids, 0) if len(artist_ids) else pa.array([], pa.string()),
            artist_ids,
        ],
        schema=SONGS,
    )

    # Albums and artists: the first row of each id by (playlist_id, position), whatever order the
    # source served the playlists in; then columns for those rows only.
    order = _in_key_order(song_playlists, song_positions)
    ordered = track if order is None else track.take(order)
    ordered_playlists = song_playlists if order is None else song_playlists.take(order)
    ordered_albums = pc.struct_field(ordered, "album")
    ordered_album_ids = pc.struct_field(ordered_albums, "id")
    album_firsts = _first_rows(ordered_album_ids)
    album = ordered_albums.take(album_firsts)
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
    conflicting_albums = _conflicting(
        ordered_album_ids,
        album_firsts,
        [
            *(
                pc.struct_field(ordered_albums, name)
                for name in ("name", "album_type", "release_date", "release_date_precision", "total_tracks")
            ),
            pc.struct_field(ordered_albums, ["external_urls", "spotify"]),
            _ids_of(pc.struct_field(ordered_albums, "artists")),
        ],
        ordered_playlists,
    )
    # Tracks: every songs row keeps its own values; popularity is left out (it moves between fetches).
    ordered_songs = songs if order is None else songs.take(order)
    conflicting_tracks = _conflicting(
        ordered_songs["song_id"].combine_chunks(),
        _first_rows(ordered_songs["song_id"]),
        [
            ordered_songs[name].combine_chunks()
            for name in ("song_name", "duration_ms", "explicit", "isrc", "url", "album_id", "artist_ids")
        ],
        ordered_playlists,
    )

    # Artists of the songs first, then album artists (compilations' "Various Artists" and the like).
    every_artist = (
        pa.concat_arrays(
            [pc.struct_field(ordered, "artists").flatten(), pc.struct_field(ordered_albums, "artists").flatten()]
        )
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
        rejected_items=_rejected_table(items_raw, reasons),
        unparsed_release_dates=list(
            zip(album_ids.filter(unparsed).to_pylist(), release_dates.filter(unparsed).to_pylist(), strict=True)
        ),
        unparsed_added_at=list(
            zip(
                song_playlists.filter(unparsed_added_at).to_pylist(),
                song_positions.filter(unparsed_added_at).to_pylist(),
                sent_added_at.filter(unparsed_added_at).to_pylist(),
                strict=True,
            )
        ),
        conflicting_albums=conflicting_albums,
        conflicting_tracks=conflicting_tracks,
    )
