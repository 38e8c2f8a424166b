"""Raw week -> `playlists`, `songs`, `albums`, `artists`, `rejected_items`: one parse, columnar, no I/O, no Dagster.

Every item of the week is parsed once, by pyarrow's JSON reader with an explicit schema, from one
newline-delimited buffer; everything after that is vectorised. Both response shapes are read: the
2026 entry carries the track in `item`, the legacy one in `track` (some 2026 responses send both).

Quarantine: an item whose fields cannot be typed (`duration_ms: "abc"`, a string track, a song with
no artist) does not fail the week: `lake/items.py` parses the items and names the bad ones, which
get a `rejected_items` row with their reason and are left out of the other tables.

Longer than the project's ~300 lines on purpose: the item schema and the vectorised steps of the one
pass read top to bottom, each table built from the same parsed columns.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.items import ARTIST, RawDataError, parse_items
from spotify_assets.lake.raw_records import paging_key, valid_text
from spotify_assets.lake.schemas import ALBUMS, ARTISTS, PLAYLISTS, REJECTED_ITEMS, SONGS, UTC_TIMESTAMP

OPEN_SPOTIFY = "https://open.spotify.com"


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
    # a precision Spotify does not define ("century") says nothing trustworthy about the date
    known = pc.or_kleene(pc.is_null(precisions), pc.is_in(precisions, pa.array(["year", "month", "day"])))
    consistent = pc.and_kleene(consistent, known)
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


def _unkeyable_songs(track: pa.StructArray, is_song: pa.Array, sent_in: pa.Array) -> dict[int, str]:
    """{row: reason} for the songs whose album or artists cannot key the tables."""
    album = pc.struct_field(track, "album")
    artists = pc.struct_field(track, "artists")
    checks = [
        (pc.is_null(album), "{}.album is null, not an album object"),
        (pc.and_(pc.is_valid(album), pc.is_null(pc.struct_field(album, "id"))), "{}.album.id is null, not an album id"),
        (pc.is_null(artists), "{}.artists is missing, not a list of at least one artist"),
        (pc.equal(pc.list_value_length(artists), 0), "{}.artists is [], not a list of at least one artist"),
    ]
    ids = pc.struct_field(pc.list_flatten(artists), "id")
    without_id = np.zeros(len(track), dtype=bool)
    without_id[np.unique(pc.filter(pc.list_parent_indices(artists), pc.is_null(ids)).to_numpy())] = True
    checks.append((pa.array(without_id), "{}.artists has an artist whose id is null"))
    faults: dict[int, str] = {}
    for mask, reason in checks:
        rows = pc.fill_null(pc.and_(is_song, mask), False).to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(rows).tolist():
            faults.setdefault(row, reason.format(sent_in[row].as_py()))
    return faults


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
    # A song the tables cannot key (no album, an album or artist without id, no artist at all) is
    # rejected like a field of the wrong type: it would otherwise fail the week's blocking checks.
    faults = _unkeyable_songs(track, is_song, pc.if_else(pc.is_valid(parsed["item"].combine_chunks()), "item", "track"))
    if faults:
        reasons.update(faults)
        rejected_mask = np.zeros(len(track), dtype=bool)
        rejected_mask[list(faults)] = True
        is_song = pc.and_(is_song, pa.array(~rejected_mask))
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
        else pa.array([], ARTIST)
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
