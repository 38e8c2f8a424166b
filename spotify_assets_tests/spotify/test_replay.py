import gzip
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spotify_assets.spotify.errors import (
    PlaylistNotFoundError,
    SnapshotFormatError,
    SpotifySourceError,
    WeekNotAvailableError,
)
from spotify_assets.spotify.replay import ReplaySource
from spotify_assets.spotify.source import PlaylistSource

REAL = Path(__file__).parents[1] / "fixtures" / "real_responses"
WEEK = "2026-08-17"
A, B, C = "1AAAAAAAAAAAAAAAAAAAAA", "2BBBBBBBBBBBBBBBBBBBBB", "3CCCCCCCCCCCCCCCCCCCCC"


def playlist(pid: str, shape: str = "2026", n: int = 3, **paging) -> dict:
    """A minimal GET /v1/playlists/{id} response in the legacy or 2026 shape."""
    entry, key = ("item", "items") if shape == "2026" else ("track", "tracks")
    items = [
        {"added_at": f"2026-08-1{i}T10:00:00Z", "is_local": False, entry: {"id": f"t{i}", "type": "track"}}
        for i in range(n)
    ]
    page = {
        "href": f"https://api.spotify.com/v1/playlists/{pid}/{key}",
        "items": items,
        "limit": 100,
        "next": None,
        "offset": 0,
        "previous": None,
        "total": n,
        **paging,
    }
    return {"id": pid, "name": f"Playlist {pid[0]}", "snapshot_id": f"snap-{pid[0]}", key: page, "type": "playlist"}


def write(root: Path, week: str, name: str, document, gz: bool | None = None) -> Path:
    path = root / week / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    path.write_bytes(gzip.compress(data) if (name.endswith(".gz") if gz is None else gz) else data)
    return path


def test_reads_both_shapes_sorted_with_week_end_and_relative_source(tmp_path):
    write(tmp_path, WEEK, f"{C}.json", playlist(C, "2026", 2))
    write(tmp_path, WEEK, f"{A}.json.gz", playlist(A, "legacy", 3))
    write(tmp_path, WEEK, f"{B}.json.gz", [playlist(B, "2026", 1)])  # list-wrapped, like the real responses
    source: PlaylistSource = ReplaySource(tmp_path)

    snapshots = source.fetch_week(WEEK)

    assert [s.playlist_id for s in snapshots] == [A, B, C]
    legacy, wrapped, modern = snapshots
    assert legacy.source == f"{WEEK}/{A}.json.gz" and modern.source == f"{WEEK}/{C}.json"
    assert {s.extracted_at for s in snapshots} == {datetime(2026, 8, 24, tzinfo=UTC)}
    assert legacy.items == playlist(A, "legacy", 3)["tracks"]["items"]
    assert modern.items == playlist(C, "2026", 2)["items"]["items"]
    assert wrapped.items[0]["item"] == {"id": "t0", "type": "track"}
    # the playlist object is verbatim minus the items list; the rest of the paging object stays
    expected = playlist(A, "legacy", 3)
    del expected["tracks"]["items"]
    assert legacy.playlist == expected
    assert modern.playlist["items"] == {
        "href": f"https://api.spotify.com/v1/playlists/{C}/items",
        "limit": 100,
        "next": None,
        "offset": 0,
        "previous": None,
        "total": 2,
    }
    assert legacy.snapshot_id == "snap-1"


def test_rereading_gives_identical_snapshots(tmp_path):
    write(tmp_path, WEEK, f"{A}.json.gz", playlist(A))
    assert ReplaySource(tmp_path).fetch_week(WEEK) == ReplaySource(tmp_path).fetch_week(WEEK)


def test_total_different_from_item_count_is_left_to_the_checks(tmp_path):
    write(tmp_path, WEEK, f"{A}.json", playlist(A, n=2, total=5))
    (snapshot,) = ReplaySource(tmp_path).fetch_week(WEEK)
    assert len(snapshot.items) == 2 and snapshot.playlist["items"]["total"] == 5


def test_selected_playlists_accept_uris_and_urls(tmp_path):
    for pid in (A, B, C):
        write(tmp_path, WEEK, f"{pid}.json", playlist(pid))
    source = ReplaySource(tmp_path)
    chosen = source.fetch_week(WEEK, [f"https://open.spotify.com/playlist/{C}?si=x", f"spotify:playlist:{A}", A])
    assert [s.playlist_id for s in chosen] == [A, C]


def test_selected_playlist_missing_lists_the_recorded_ones(tmp_path):
    write(tmp_path, WEEK, f"{A}.json", playlist(A))
    write(tmp_path, WEEK, f"{B}.json", playlist(B))
    with pytest.raises(PlaylistNotFoundError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK, [A, C])
    message = str(error.value)
    assert C in message and WEEK in message and str(tmp_path / WEEK) in message
    assert f"{A}, {B}" in message


def test_weeks_lists_only_monday_folders(tmp_path):
    for week in ("2026-08-24", WEEK, "notes", "latest"):
        (tmp_path / week).mkdir()
    (tmp_path / "2026-08-31").write_text("a file, not a week folder")
    assert ReplaySource(tmp_path).weeks() == [WEEK, "2026-08-24"]
    assert ReplaySource(tmp_path / "missing").weeks() == []


def test_a_week_folder_that_is_not_a_monday_is_named_with_its_monday(tmp_path):
    write(tmp_path, "2026-08-24", f"{A}.json", playlist(A))
    write(tmp_path, "2026-08-18", f"{A}.json", playlist(A))  # a Tuesday: its week is keyed 2026-08-17

    with pytest.raises(WeekNotAvailableError) as listed:
        ReplaySource(tmp_path).weeks()
    with pytest.raises(WeekNotAvailableError) as fetched:
        ReplaySource(tmp_path).fetch_week(WEEK)

    expected = "week folder 2026-08-18 is a Tuesday; weeks are keyed by their Monday (2026-08-17): rename it"
    assert expected in str(listed.value) and str(tmp_path) in str(listed.value)
    assert expected in str(fetched.value) and str(tmp_path / WEEK) in str(fetched.value)


def test_a_file_whose_name_is_not_a_playlist_id_is_an_error_naming_it(tmp_path):
    write(tmp_path, WEEK, f"{A}.json", playlist(A))
    write(tmp_path, WEEK, f"{B}.json.gz", playlist(B))
    stray = write(tmp_path, WEEK, "x..y z'\"<b>.json", playlist(A))

    with pytest.raises(SnapshotFormatError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)

    message = str(error.value)
    assert str(stray) in message and "the file name is not a playlist id" in message
    assert "22 letters and digits" in message and "SPOTIFY_PLAYLISTS" in message


def test_missing_week_says_where_it_looked_and_what_exists(tmp_path):
    for week in (WEEK, "2026-08-24", "2026-09-07"):
        write(tmp_path, week, f"{A}.json", playlist(A))
    with pytest.raises(WeekNotAvailableError) as error:
        ReplaySource(tmp_path).fetch_week("2026-08-31")
    message = str(error.value)
    assert str(tmp_path / "2026-08-31") in message
    assert f"{tmp_path} has 3 recorded week(s)" in message and WEEK in message and "2026-09-07" in message


def test_missing_replay_dir_and_non_monday_week(tmp_path):
    with pytest.raises(WeekNotAvailableError, match="does not exist"):
        ReplaySource(tmp_path / "nowhere").fetch_week(WEEK)
    with pytest.raises(WeekNotAvailableError, match="Monday"):
        ReplaySource(tmp_path).fetch_week("2026-08-18")


def test_empty_week_folder_is_an_error(tmp_path):
    (tmp_path / WEEK).mkdir()
    (tmp_path / WEEK / "notes.txt").write_text("ignored")
    with pytest.raises(WeekNotAvailableError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)
    assert str(tmp_path / WEEK) in str(error.value) and WEEK in str(error.value)


def _truncated_gzip() -> bytes:
    return gzip.compress(json.dumps(playlist(A)).encode())[:-12]


BAD_FILES = {
    "truncated gzip": (f"{A}.json.gz", _truncated_gzip(), False, "not a complete gzip"),
    "not json": (f"{A}.json", b"{not json", False, "not valid JSON"),
    "nested 100,000 deep": (f"{A}.json", b"[" * 100_000 + b"]" * 100_000, False, "nests JSON deeper"),
    "not gzip at all": (f"{A}.json.gz", b"plain text", False, "not a complete gzip"),
    "list of two": (f"{A}.json", [playlist(A), playlist(A)], None, "list of 2 elements"),
    "empty list": (f"{A}.json", [], None, "list of 0 elements"),
    "json string": (f"{A}.json", "hello", None, "JSON str, not a playlist"),
    "a track object": (f"{A}.json", {"id": A, "type": "track"}, None, "'track' object, not a playlist"),
    "no id": (f"{A}.json", {"items": [], "next": None}, None, "no playlist `id`"),
    "no paging object": (f"{A}.json", {"id": A, "type": "playlist", "name": "x"}, None, "no `tracks`"),
    "paging without items": (f"{A}.json", {"id": A, "items": {"total": 3}}, None, "no `items` list"),
    "items not objects": (f"{A}.json", {"id": A, "tracks": {"items": [1], "next": None}}, None, "not an object"),
    "id differs from file name": (f"{A}.json", playlist(B), None, f"holds playlist '{B}'"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_file_names_file_week_playlist_and_problem(tmp_path, case):
    name, document, gz, problem = BAD_FILES[case]
    path = write(tmp_path, WEEK, name, document, gz)
    with pytest.raises(SnapshotFormatError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)
    message = str(error.value)
    assert str(path) in message and WEEK in message and A in message
    assert problem in message


def test_truncated_page_says_to_record_the_full_playlist(tmp_path):
    nxt = f"https://api.spotify.com/v1/playlists/{A}/items?offset=50&limit=50"
    path = write(tmp_path, WEEK, f"{A}.json.gz", playlist(A, n=2, next=nxt, total=120))
    with pytest.raises(SnapshotFormatError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)
    message = str(error.value)
    assert str(path) in message and WEEK in message and nxt in message
    assert "2 of 120" in message and "record the full playlist" in message


def test_two_files_for_one_playlist(tmp_path):
    write(tmp_path, WEEK, f"{A}.json", playlist(A))
    write(tmp_path, WEEK, f"{A}.json.gz", playlist(A))
    with pytest.raises(SnapshotFormatError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)
    message = str(error.value)
    assert f"{A}.json" in message and f"{A}.json.gz" in message and WEEK in message and "keep one" in message


def test_every_bad_file_is_reported_and_nothing_is_returned(tmp_path):
    write(tmp_path, WEEK, f"{A}.json", playlist(A))
    bad_b = write(tmp_path, WEEK, f"{B}.json", b"[")
    bad_c = write(tmp_path, WEEK, f"{C}.json", playlist(C, next="https://api.spotify.com/next"))
    with pytest.raises(SnapshotFormatError) as error:
        ReplaySource(tmp_path).fetch_week(WEEK)
    message = str(error.value)
    assert "2 bad snapshot files" in message and str(bad_b) in message and str(bad_c) in message
    assert f"/{A}.json" not in message
    # the good playlist alone is still readable when it is the only one asked for
    assert [s.playlist_id for s in ReplaySource(tmp_path).fetch_week(WEEK, [A])] == [A]


def test_errors_are_source_errors():
    assert issubclass(SnapshotFormatError, SpotifySourceError)
    assert issubclass(WeekNotAvailableError, SpotifySourceError)
    assert issubclass(PlaylistNotFoundError, SpotifySourceError)


def test_real_legacy_responses_replay(tmp_path):
    """The real 2024 "Top 50 - Global" responses: list-wrapped, legacy shape, an editorial id."""
    pid = "37i9dQZEVXbMDoHDwVN2tF"
    # captured on a Monday and on a Wednesday: each goes into the folder of its week's Monday
    recordings = {"2024-04-22": "top50-global-2024-04-22.json.gz", "2024-05-13": "top50-global-2024-05-15.json.gz"}
    for week, name in recordings.items():
        (tmp_path / week).mkdir()
        shutil.copy(REAL / name, tmp_path / week / f"{pid}.json.gz")
    source = ReplaySource(tmp_path)
    assert source.weeks() == ["2024-04-22", "2024-05-13"]

    for week in source.weeks():
        (snapshot,) = source.fetch_week(week, [f"spotify:playlist:{pid}"])
        assert snapshot.playlist_id == pid and snapshot.playlist["name"] == "Top 50 - Global"
        assert len(snapshot.items) == 50 == snapshot.playlist["tracks"]["total"]
        assert "items" not in snapshot.playlist["tracks"] and snapshot.playlist["tracks"]["next"] is None
        assert all(0 <= item["track"]["popularity"] <= 100 for item in snapshot.items)
        assert snapshot.source == f"{week}/{pid}.json.gz"
    assert snapshot.extracted_at == datetime(2024, 5, 20, tzinfo=UTC)
    original = json.loads(gzip.decompress((REAL / "top50-global-2024-05-15.json.gz").read_bytes()))[0]
    assert snapshot.items == original["tracks"]["items"]
