"""The transform against the data contract (docs/data-contract.md), on both shapes and every edge case."""

import datetime as dt
import gzip
import json
import math
from pathlib import Path

import pyarrow as pa
import pytest

from spotify_assets.lake.items import RawDataError
from spotify_assets.lake.raw_records import raw_table, snapshots_from_raw
from spotify_assets.lake.schemas import ALBUMS, ARTISTS, PLAYLISTS, REJECTED_ITEMS, SONGS
from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.lake.transform import parse_release_dates, parse_timestamps, week_tables
from spotify_assets_tests import factories as f

REAL = Path(__file__).parents[1] / "fixtures" / "real_responses"

A1, A2, VA = f.artist("art1", "Beyoncé"), f.artist("art2", "Sigur Rós"), f.artist("various", "Various Artists")
COMPILATION = f.album(
    "comp1", "Now That's Music 東京", [VA], release_date="1998", precision="year", album_type="compilation"
)
SINGLE = f.album("alb2", "Mañana", [A2], release_date="2011-03", precision="month")
SONG_A = f.track("song1", "Halo", [A1, A2], COMPILATION, popularity=77)
SONG_B = f.track("song2", "Hoppípolla", [A2], SINGLE, isrc=None)


def tables_for(snapshots):
    return week_tables(raw_table(snapshots))


@pytest.fixture(params=[True, False], ids=["legacy", "2026"])
def edge_week(request):
    legacy = request.param
    entries = [
        f.entry(SONG_A, legacy=legacy),
        f.entry(None, legacy=legacy),  # a null track
        f.entry(f.local_track(), legacy=legacy, is_local=True),
        f.entry(f.episode("ep1"), legacy=legacy),
        f.entry(SONG_B, legacy=legacy, added_at=None),
        f.entry(SONG_A, legacy=legacy),  # the same track again
    ]
    return f.snapshot("pl1", entries, legacy=legacy)


def test_songs_follow_the_contract(edge_week):
    tables = tables_for([edge_week])
    songs = tables.songs.to_pylist()
    assert tables.songs.schema == SONGS
    assert [(s["position"], s["song_id"]) for s in songs] == [(1, "song1"), (5, "song2"), (6, "song1")]
    first = songs[0]
    assert first["artist_id"] == "art1"  # the track's first artist, not the album's "Various Artists"
    assert first["artist_ids"] == ["art1", "art2"]
    assert first["album_id"] == "comp1"
    assert first["url"] == "https://open.spotify.com/track/song1"
    assert first["added_at"] == dt.datetime(2026, 8, 20, 10, tzinfo=dt.UTC)
    assert first["isrc"] == "USX0000001"
    assert songs[1]["isrc"] is None and songs[1]["added_at"] is None


def test_popularity_only_where_sent(edge_week):
    legacy = "tracks" in edge_week.playlist
    popularity = tables_for([edge_week]).songs["popularity"].to_pylist()
    assert popularity == [77, None, 77]
    assert legacy or "popularity" in SONG_A  # the factory sends it; the 2026 API would not


def test_playlist_counts_skipped_items(edge_week):
    (playlist,) = tables_for([edge_week]).playlists.to_pylist()
    assert (playlist["total_items"], playlist["songs_kept"], playlist["items_skipped"]) == (6, 3, 3)
    assert playlist["owner_name"] == "Owner Name" and playlist["followers"] == 10
    assert playlist["url"] == "https://open.spotify.com/playlist/pl1"


def test_albums_and_release_date_precision(edge_week):
    albums = {a["album_id"]: a for a in tables_for([edge_week]).albums.to_pylist()}
    assert set(albums) == {"comp1", "alb2"}
    assert albums["comp1"]["release_date"] == dt.date(1998, 1, 1)
    assert albums["comp1"]["release_date_precision"] == "year"
    assert albums["comp1"]["artist_ids"] == ["various"]
    assert albums["alb2"]["release_date"] == dt.date(2011, 3, 1)


def test_artists_include_album_artists_with_open_urls(edge_week):
    artists = {a["artist_id"]: a for a in tables_for([edge_week]).artists.to_pylist()}
    assert set(artists) == {"art1", "art2", "various"}
    assert artists["art1"]["artist_name"] == "Beyoncé"
    assert artists["art2"]["url"] == "https://open.spotify.com/artist/art2"


def test_2026_entries_that_still_send_track_use_item():
    stale = dict(SONG_B, id="stale", name="stale copy")
    entry = {"added_at": None, "is_local": False, "item": SONG_A, "track": stale}
    songs = tables_for([f.snapshot("pl1", [entry], legacy=False)]).songs
    assert songs["song_id"].to_pylist() == ["song1"]


def test_null_typed_weeks_keep_the_schema():
    # No followers, no popularity, no isrc anywhere: columns stay typed.
    snap = f.snapshot("pl1", [f.entry(SONG_B, legacy=False)], legacy=False, followers=None)
    tables = tables_for([snap])
    assert tables.playlists.schema == PLAYLISTS and tables.playlists["followers"].to_pylist() == [None]
    assert tables.albums.schema == ALBUMS and tables.artists.schema == ARTISTS


def test_empty_playlist_survives_the_raw_zone():
    raw = raw_table([f.snapshot("empty", [], legacy=False)])
    assert raw.num_rows == 1 and raw["position"].to_pylist() == [None]
    tables = week_tables(raw)
    assert tables.songs.num_rows == 0
    (playlist,) = tables.playlists.to_pylist()
    assert (playlist["playlist_id"], playlist["total_items"], playlist["songs_kept"]) == ("empty", 0, 0)


def test_raw_zone_round_trips_every_snapshot(edge_week):
    (back,) = snapshots_from_raw(raw_table([edge_week]))
    assert back.playlist == edge_week.playlist and list(back.items) == list(edge_week.items)


def test_item_that_is_not_an_object_names_the_row():
    """Not a typing fault but a broken raw zone (no source stores it): the week fails, naming it."""
    raw = raw_table([f.snapshot("pl1", [f.entry(SONG_A, legacy=False)], legacy=False)])
    broken = raw.set_column(
        raw.schema.get_field_index("item_json"), "item_json", pa.array(["[1, 2]"], pa.large_string())
    )
    with pytest.raises(RawDataError, match="playlist pl1, position 1: raw item at row 0 .*not a JSON object"):
        week_tables(broken)


def test_release_dates_that_do_not_match_their_precision_are_null():
    dates = pa.array(["1998", "2011-03", "2011-03-04", "0000", "2011-13-01", "1998", "2025-10-06"])
    precisions = pa.array(["year", "month", "day", "year", "day", "day", "century"])
    assert parse_release_dates(dates, precisions).to_pylist() == [
        dt.date(1998, 1, 1),
        dt.date(2011, 3, 1),
        dt.date(2011, 3, 4),
        None,
        None,
        None,
        None,  # a precision Spotify does not define: flagged by albums.release_date_valid
    ]


@pytest.mark.parametrize("name", ["top50-global-2024-04-22.json.gz", "top50-global-2024-05-15.json.gz"])
def test_real_legacy_responses(name):
    (playlist,) = json.loads(gzip.decompress((REAL / name).read_bytes()))
    items = playlist["tracks"].pop("items")
    snap = PlaylistSnapshot(playlist["id"], playlist, items, f.EXTRACTED_AT, name)
    tables = tables_for([snap])
    assert tables.songs.num_rows == 50
    assert tables.songs["position"].to_pylist() == list(range(1, 51))
    for song, item in zip(tables.songs.to_pylist(), items, strict=True):
        assert song["song_id"] == item["track"]["id"]
        assert song["artist_id"] == item["track"]["artists"][0]["id"]
        assert song["artist_ids"] == [a["id"] for a in item["track"]["artists"]]
        assert song["popularity"] == item["track"]["popularity"]
        assert song["isrc"] == item["track"]["external_ids"]["isrc"]
    # Features: the song's artists are the track's, which differ from its album's artists.
    albums = {a["album_id"]: a for a in tables.albums.to_pylist()}
    assert any(s["artist_ids"] != albums[s["album_id"]]["artist_ids"] for s in tables.songs.to_pylist())
    assert set(tables.songs["album_id"].to_pylist()) == set(albums)
    assert {i for s in tables.songs.to_pylist() for i in s["artist_ids"]} <= set(
        tables.artists["artist_id"].to_pylist()
    )
    assert all(u.startswith("https://open.spotify.com/artist/") for u in tables.artists["url"].to_pylist())
    (row,) = tables.playlists.to_pylist()
    assert (row["playlist_name"], row["total_items"], row["items_skipped"]) == ("Top 50 - Global", 50, 0)


def test_a_week_mixing_both_shapes_reads_each_entry_from_its_own_key():
    legacy = f.snapshot("pl1", [f.entry(SONG_A, legacy=True), f.entry(None, legacy=True)], legacy=True)
    current = f.snapshot("pl2", [f.entry(SONG_B, legacy=False), f.entry(SONG_A, legacy=False)], legacy=False)
    songs = tables_for([legacy, current]).songs
    assert list(zip(songs["playlist_id"].to_pylist(), songs["song_id"].to_pylist(), strict=True)) == [
        ("pl1", "song1"),
        ("pl2", "song2"),
        ("pl2", "song1"),
    ]


def test_big_weeks_parsed_in_slices_and_chunks_give_the_same_tables(monkeypatch, edge_week):
    """The parse runs per slice of raw JSON and per Parquet chunk; rows must stay aligned."""
    import spotify_assets.lake.items as items

    other = f.snapshot("pl2", [f.entry(SONG_B, legacy=True), f.entry(SONG_A, legacy=True)] * 5, legacy=True)
    raw = raw_table([edge_week, other])
    whole = week_tables(raw)
    monkeypatch.setattr(items, "_SLICE_BYTES", 1500)  # a few items per slice
    chunked = pa.concat_tables([raw.slice(0, 3), raw.slice(3, 1), raw.slice(4)])
    assert chunked["item_json"].num_chunks == 3
    pieces = week_tables(chunked)
    for name in ("playlists", "songs", "albums", "artists"):
        assert getattr(pieces, name).equals(getattr(whole, name)), name
    assert pieces.unparsed_release_dates == whole.unparsed_release_dates


def test_an_empty_raw_item_names_the_row_instead_of_shifting_the_rows():
    raw = raw_table([f.snapshot("pl1", [f.entry(SONG_A, legacy=False)] * 3, legacy=False)])
    items = raw["item_json"].to_pylist()
    broken = raw.set_column(
        raw.schema.get_field_index("item_json"), "item_json", pa.array([items[0], "", items[2]], pa.large_string())
    )
    with pytest.raises(RawDataError, match="row 1"):
        week_tables(broken)


def test_added_at_accepts_what_spotify_sends_and_nulls_junk():
    values = pa.array(["2024-04-22T11:06:52Z", "2024-04-22T11:06:52.5+02:00", "2024-04-22", "", None, "garbage"])
    utc = dt.UTC
    assert [v and v.astimezone(utc) for v in parse_timestamps(values).to_pylist()] == [
        dt.datetime(2024, 4, 22, 11, 6, 52, tzinfo=utc),
        dt.datetime(2024, 4, 22, 9, 6, 52, 500000, tzinfo=utc),
        dt.datetime(2024, 4, 22, tzinfo=utc),
        None,
        None,
        None,
    ]


# --- quarantine: one item that cannot be typed does not fail the week and does not vanish ----------

GOOD = f.track("good1", "Fine", [A1], SINGLE)


def _bad(**fields):
    return {**f.track("bad1", "Broken", [A1], SINGLE), **fields}


@pytest.mark.parametrize(
    "bad_track, legacy, reason",
    [
        (_bad(duration_ms="abc"), False, 'item.duration_ms is "abc", not a whole number of milliseconds'),
        (_bad(duration_ms=math.nan), False, "item.duration_ms is NaN, not a whole number of milliseconds"),
        (_bad(duration_ms=215000.7), True, "track.duration_ms is 215000.7, not a whole number of milliseconds"),
        ("spotify:track:bad1", True, 'track is "spotify:track:bad1", not a track object or null'),
        (_bad(artists=[]), False, "item.artists is [], not a list of at least one artist"),
        (_bad(album={**SINGLE, "total_tracks": "12"}), False, 'item.album.total_tracks is "12", not a whole number'),
        (_bad(popularity=2**40), False, "item.popularity is 1099511627776, not a whole number within int32"),
        (_bad(album=None), False, "item.album is null, not an album object"),
        (_bad(album={**SINGLE, "id": None}), True, "track.album.id is null, not an album id"),
        (
            {k: v for k, v in _bad().items() if k != "artists"},
            False,
            "item.artists is missing, not a list of at least one artist",
        ),
        (_bad(artists=[{**A1, "id": None}]), False, "item.artists has an artist whose id is null"),
    ],
    ids=[
        "string-duration",
        "nan-duration",
        "fractional-duration",
        "string-track",
        "no-artists",
        "string-int",
        "int32-overflow",
        "null-album",
        "album-without-id",
        "artists-missing",
        "artist-without-id",
    ],
)
def test_an_item_that_cannot_be_typed_is_rejected_and_the_rest_of_the_playlist_lands(bad_track, legacy, reason):
    entries = [f.entry(GOOD, legacy=legacy), f.entry(bad_track, legacy=legacy), f.entry(SONG_A, legacy=legacy)]
    raw = raw_table([f.snapshot("pl1", entries, legacy=legacy), f.snapshot("pl2", entries[:1], legacy=legacy)])
    tables = week_tables(raw)
    assert tables.rejected_items.schema == REJECTED_ITEMS
    assert tables.rejected_items.to_pylist() == [
        {"playlist_id": "pl1", "position": 2, "reason": reason, "item_json": raw["item_json"][1].as_py()}
    ]
    assert [(s["playlist_id"], s["position"], s["song_id"]) for s in tables.songs.to_pylist()] == [
        ("pl1", 1, "good1"),
        ("pl1", 3, "song1"),
        ("pl2", 1, "good1"),
    ]
    assert "bad1" not in tables.songs["song_id"].to_pylist()
    # every stored item is a song or skipped; a rejected item is skipped
    assert [(p["songs_kept"], p["items_skipped"]) for p in tables.playlists.to_pylist()] == [(2, 1), (1, 0)]


def test_null_track_local_file_and_episode_are_skipped_not_rejected(edge_week):
    assert tables_for([edge_week]).rejected_items.num_rows == 0


def test_a_lone_surrogate_lands_as_u_fffd_and_raw_keeps_its_escape():
    """JSON text "\\ud800" is a valid JSON string but no UTF-8: the tables get U+FFFD, raw the escape."""
    text = json.dumps(
        {
            "id": "sur1",
            **f.snapshot("sur1", [], legacy=False).playlist,
            "name": "Mix \udc80",
            "items": {"items": [f.entry(_bad(name="Caf\ud800"), legacy=False), f.entry(GOOD, legacy=False)]},
        }
    )
    assert "\\ud800" in text  # as a source sends it: an escape in the JSON text
    playlist = json.loads(text)
    items = playlist["items"].pop("items")
    snap = PlaylistSnapshot("sur1", playlist, items, f.EXTRACTED_AT, "x.json")
    raw = raw_table([snap])
    assert '"name":"Caf\\ud800"' in raw["item_json"][0].as_py()
    assert '"name":"Mix \\udc80"' in raw["playlist_json"][0].as_py()
    (back,) = snapshots_from_raw(raw)
    assert back.items == items and back.playlist == playlist  # lossless
    tables = week_tables(raw)
    assert tables.rejected_items.num_rows == 0
    assert tables.songs["song_name"].to_pylist() == ["Caf\ufffd", "Fine"]
    assert tables.playlists["playlist_name"].to_pylist() == ["Mix \ufffd"]


def test_many_bad_items_in_big_chunked_weeks_are_each_found(monkeypatch):
    import spotify_assets.lake.items as items

    entries = [f.entry(GOOD if i % 7 else _bad(duration_ms=f"x{i}"), legacy=False) for i in range(60)]
    raw = raw_table([f.snapshot("pl1", entries, legacy=False)])
    whole = week_tables(raw)
    monkeypatch.setattr(items, "_SLICE_BYTES", 5000)
    pieces = week_tables(pa.concat_tables([raw.slice(0, 25), raw.slice(25)]))
    expected = [i + 1 for i in range(60) if i % 7 == 0]
    for tables in (whole, pieces):
        assert tables.rejected_items["position"].to_pylist() == expected
        assert tables.songs["position"].to_pylist() == [i + 1 for i in range(60) if i % 7]
    assert pieces.songs.equals(whole.songs) and pieces.rejected_items.equals(whole.rejected_items)


def test_unparsed_added_at_is_reported_not_silently_null():
    raw = raw_table(
        [
            f.snapshot(
                "pl1",
                [f.entry(SONG_A, legacy=False, added_at="last tuesday"), f.entry(SONG_B, legacy=False, added_at=None)],
                legacy=False,
            )
        ]
    )
    tables = week_tables(raw)
    assert tables.songs["added_at"].to_pylist() == [None, None]
    assert tables.unparsed_added_at == [("pl1", 1, "last tuesday")]  # null was not sent: not reported


def test_conflicting_payloads_are_reported_and_the_first_by_playlist_and_position_wins():
    renamed = {**SINGLE, "name": "Mañana (Deluxe)"}
    longer = f.track("song2", "Hoppípolla", [A2], renamed, isrc=None, duration_ms=1)
    early = f.snapshot("aaa", [f.entry(SONG_B, legacy=False)], legacy=False)
    late = f.snapshot("zzz", [f.entry(SONG_A, legacy=False), f.entry(longer, legacy=False)], legacy=False)
    # whichever order the source served the playlists in, the album row is the one of (aaa, 1)
    for order in ([early, late], [late, early]):
        tables = tables_for(order)
        assert tables.conflicting_albums == {"alb2": ["aaa", "zzz"]}
        assert tables.conflicting_tracks == {"song2": ["aaa", "zzz"]}
        assert {a["album_id"]: a["album_name"] for a in tables.albums.to_pylist()}["alb2"] == "Mañana"
        assert sorted(tables.songs["duration_ms"].to_pylist()) == [1, 200_000, 200_000]  # each row its own
    # a field one payload leaves out (the 2026 shape's ISRC) and popularity do not conflict
    without_isrc = f.track("song1", "Halo", [A1, A2], COMPILATION, popularity=5, isrc=None)
    same = tables_for([early, f.snapshot("zzz", [f.entry(SONG_B, legacy=False)], legacy=False)])
    same = tables_for(
        [f.snapshot("aaa", [f.entry(SONG_A, legacy=False), f.entry(without_isrc, legacy=True)], legacy=False)]
    )
    assert same.conflicting_albums == {} and same.conflicting_tracks == {}
