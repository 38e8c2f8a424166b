"""A live week where one playlist fails: the weekly job stores the others, warns, and a re-run of
the week fetches only the missing one. Real spotipy against the loopback Spotify server, a real
Parquet lake, the tables built from the stored raw week."""

from pathlib import Path

import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.lake.reading import read_weeks
from spotify_assets_tests.conftest import run_weeks
from spotify_assets_tests.defs.test_live_lake import _failure, _materialization, last_week
from spotify_assets_tests.spotify.fake_spotify import make_playlist

CHARTS = {"raw_spotify_chart", "spotify_chart_entries", "rejected_chart_lines"}

A, B, C = "1AAAAAAAAAAAAAAAAAAAAA", "2BBBBBBBBBBBBBBBBBBBBB", "3CCCCCCCCCCCCCCCCCCCCC"
CHECK = "all_playlists_extracted"


@pytest.fixture
def three_playlists(fake_spotify, lake_env, monkeypatch):
    """Settings following A, B and C on the fake Spotify, which serves A (60 items) and B (10)."""
    fake_spotify.add_playlist(make_playlist(A, 60))
    fake_spotify.add_playlist(make_playlist(B, 10))
    env = {**fake_spotify.env(), "SPOTIFY_PLAYLISTS": ",".join((A, B, C))}
    for name, value in env.items():  # the secrets reach the resource through dg.EnvVar
        monkeypatch.setenv(name, value)
    return lake_env(**env)


def _check(result, week: str):
    [evaluation] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == CHECK and e.asset_key.to_user_string() == "raw_playlist" and e.partition == week
    ]
    return evaluation


def _playlists(lake: str, table: str, week: str) -> list[str]:
    return sorted(set(read_weeks(lake, table, [week])["playlist_id"].to_pylist()))


def test_one_failing_playlist_is_missing_and_a_rerun_fetches_only_it(fake_spotify, three_playlists):
    settings, week = three_playlists, last_week()
    defs = build_definitions(settings)

    first = run_weeks(defs, week)

    assert first.success
    assert _playlists(settings.lake, "raw_playlist", week) == [A, B]
    assert _playlists(settings.lake, "playlists", week) == [A, B]  # the tables are built from the stored raw
    assert _playlists(settings.lake, "songs", week) == [A, B]
    check = _check(first, week)
    assert not check.passed and not check.blocking
    assert f"- {C}: playlist {C}: Spotify answered 404" in check.description
    assert "Check the id in SPOTIFY_PLAYLISTS" in check.description
    assert "only the missing playlists are fetched" in check.description
    assert check.metadata["missing_playlists"].value == [C]
    metadata = _materialization(first, "raw_playlist")
    assert list(metadata["missing_playlists"].value) == [C]  # this week's own
    raw_checks = [e for e in first.get_asset_check_evaluations() if e.asset_key.to_user_string() == "raw_playlist"]
    assert {e.check_name for e in raw_checks if e.partition == week and e.passed} >= {
        "unique_key",
        "item_count_matches_total",
    }
    stored = read_weeks(settings.lake, "raw_playlist", [week])

    fake_spotify.add_playlist(make_playlist(C, 7))
    fake_spotify.requests.clear()
    again = run_weeks(defs, week)

    assert again.success
    assert [r.path for r in fake_spotify.api_requests()] == [f"/v1/playlists/{C}"]
    assert _materialization(again, "raw_playlist")["requests"].value == 1
    assert _check(again, week).passed
    assert _playlists(settings.lake, "raw_playlist", week) == [A, B, C]
    assert _playlists(settings.lake, "songs", week) == [A, B, C]
    raw = read_weeks(settings.lake, "raw_playlist", [week])
    assert raw.slice(0, stored.num_rows).equals(stored)  # A and B exactly as stored, extraction time included


def test_every_playlist_failing_fails_the_run_listing_each_and_writes_nothing(fake_spotify, three_playlists):
    settings = three_playlists
    fake_spotify.fault(f"/v1/playlists/{A}", 404)
    fake_spotify.fault(f"/v1/playlists/{B}", 403)

    result = run_weeks(build_definitions(settings), last_week())

    assert not result.success
    message = _failure(result)
    assert "3 of 3 playlists could not be read" in message and "nothing of that week was written" in message
    assert f"- {A}: playlist {A}: Spotify answered 404" in message
    assert f"- {B}: playlist {B}: Spotify answered 403" in message and "owns or collaborates" in message
    assert f"- {C}: playlist {C}: Spotify answered 404" in message
    # nothing of the playlists: the chart tables are another source, stored (empty) whatever the API does
    assert not [
        p for p in Path(settings.lake).rglob("*.parquet") if p.relative_to(settings.lake).parts[0] not in CHARTS
    ]


def test_refused_credentials_fail_the_run_though_other_playlists_were_read(fake_spotify, three_playlists):
    settings = three_playlists
    fake_spotify.add_playlist(make_playlist(C, 7))
    fake_spotify.fault(f"/v1/playlists/{C}", 401, times=2)

    result = run_weeks(build_definitions(settings), last_week())

    assert not result.success
    assert "fails the whole week" in _failure(result)
    assert not any(Path(settings.lake).rglob("raw_playlist/**/*.parquet"))
