"""The real assets on the live source: the weekly job and `dagster asset materialize`, against a
loopback server speaking the Spotify API, writing a real Parquet lake."""

import logging
import math
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest
from dagster._serdes import serialize_value

from spotify_assets.definitions import build_definitions
from spotify_assets.defs.partitions import build_weekly_partitions
from spotify_assets.lake.raw_records import raw_table
from spotify_assets.lake.reading import read_weeks
from spotify_assets.lake.storage import write_week
from spotify_assets.lake.weeks import week_bounds
from spotify_assets.spotify.auth import Credentials
from spotify_assets.spotify.client import LiveSource
from spotify_assets_tests.conftest import run_weeks
from spotify_assets_tests.spotify.fake_spotify import make_playlist

CHARTS = {"raw_spotify_chart", "spotify_chart_entries", "rejected_chart_lines"}

weekly_partitions = build_weekly_partitions()

TABLES = ["albums", "artists", "playlists", "raw_playlist", "songs"]
BIG, LEGACY, SMALL = "3cEYpjA9oz9GiPac4AsH4n", "5ZzYwXvUtSrQpOnMlKjIhG", "7aBcDeFgHiJkLmNoPqRsTu"
EDITORIAL = "37i9dQZEVXbMDoHDwVN2tF"
DAGSTER = str(Path(sys.executable).parent / "dagster")


def last_week() -> str:
    """The newest partition: the last completed week, the one the schedule extracts."""
    return weekly_partitions.get_last_partition_key()


@pytest.fixture
def live_lake(fake_spotify, lake_env, monkeypatch):
    """Settings for a fresh lake fed by the fake Spotify: 237 items (2026 shape), 120 (legacy), 7."""
    fake_spotify.add_playlist(make_playlist(BIG, 237))
    fake_spotify.add_playlist(make_playlist(LEGACY, 120), shape="legacy")
    fake_spotify.add_playlist(make_playlist(SMALL, 7))

    def make(playlists=(BIG, LEGACY, SMALL)):
        env = {**fake_spotify.env(), "SPOTIFY_PLAYLISTS": ",".join(playlists)}
        for name, value in env.items():  # the secrets reach the resource through dg.EnvVar
            monkeypatch.setenv(name, value)
        return lake_env(**env)

    return make


def _materialization(result, asset: str):
    return next(
        e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key.to_user_string() == asset
    )


def _failure(result) -> str:
    return next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message


def test_live_week_writes_every_table_with_one_request_per_playlist_and_page(fake_spotify, live_lake):
    settings = live_lake()
    week = last_week()

    result = run_weeks(build_definitions(settings), week)

    assert result.success
    lake = Path(settings.lake)
    for table in TABLES:
        assert [p.name for p in (lake / table).iterdir()] == [f"week={week}"]
    expected = (1 + math.ceil((237 - 50) / 50)) + (1 + math.ceil((120 - 100) / 50)) + 1
    assert len(fake_spotify.api_requests()) == expected == 8
    assert not [r for r in fake_spotify.api_requests() if r.path.endswith("/tracks")]
    metadata = _materialization(result, "raw_playlist")
    assert metadata["source"].value == "live"
    assert metadata["requests"].value == expected
    assert metadata["carried_forward"].value == []
    songs = pq.read_table(lake / "songs")
    assert songs.num_rows == 237 + 120 + 7
    playlists = pq.read_table(lake / "playlists").to_pylist()
    assert {p["playlist_id"]: p["total_items"] for p in playlists} == {BIG: 237, LEGACY: 120, SMALL: 7}
    checks = [e for e in result.get_asset_check_evaluations() if e.partition == week]
    assert checks and all(e.passed for e in checks)


def test_unchanged_playlists_cost_one_request_and_carry_last_weeks_items(fake_spotify, live_lake):
    settings = live_lake()
    week = last_week()
    before = (date.fromisoformat(week) - timedelta(days=7)).isoformat()
    # last week's raw zone, as the live source extracted it then
    then = week_bounds(before)[1]
    recorded = LiveSource(
        Credentials(fake_spotify.client_id, fake_spotify.client_secret, fake_spotify.refresh_token),
        api_url=fake_spotify.api_url,
        accounts_url=fake_spotify.accounts_url,
        clock=lambda: then,
    ).fetch_week(before, [BIG, LEGACY, SMALL])
    write_week(settings.lake, "raw_playlist", before, raw_table(recorded))
    fake_spotify.set_items(SMALL, make_playlist(SMALL, 9)["tracks"]["items"], snapshot_id="snap-2")
    fake_spotify.requests.clear()

    result = run_weeks(build_definitions(settings), week)

    assert result.success
    # one request each; only SMALL (changed) needs no further page either: 9 items fit the first
    assert sorted(r.path for r in fake_spotify.api_requests()) == sorted(
        f"/v1/playlists/{p}" for p in (BIG, LEGACY, SMALL)
    )
    metadata = _materialization(result, "raw_playlist")
    assert metadata["requests"].value == 3
    assert sorted(metadata["carried_forward"].value) == sorted([BIG, LEGACY])
    raw = read_weeks(settings.lake, "raw_playlist", [week])
    counts = raw.group_by("playlist_id").aggregate([("position", "count")]).to_pylist()
    assert {c["playlist_id"]: c["position_count"] for c in counts} == {BIG: 237, LEGACY: 120, SMALL: 9}


def test_rematerializing_the_week_costs_one_request_per_unchanged_playlist(fake_spotify, live_lake):
    settings = live_lake()
    defs = build_definitions(settings)
    assert run_weeks(defs, last_week()).success
    first = read_weeks(settings.lake, "raw_playlist", [last_week()])
    fake_spotify.requests.clear()

    result = run_weeks(defs, last_week())

    assert result.success
    assert len(fake_spotify.api_requests()) == 3
    assert sorted(_materialization(result, "raw_playlist")["carried_forward"].value) == sorted([BIG, LEGACY, SMALL])
    again = read_weeks(settings.lake, "raw_playlist", [last_week()])
    assert again.drop_columns(["extracted_at"]).equals(first.drop_columns(["extracted_at"]))


def test_failing_playlists_fail_the_week_naming_each_and_write_nothing(fake_spotify, live_lake):
    settings = live_lake(playlists=(BIG, LEGACY, EDITORIAL))
    fake_spotify.fault(f"/v1/playlists/{LEGACY}/items", 403)

    result = run_weeks(build_definitions(settings), last_week())

    assert not result.success
    message = _failure(result)
    assert "2 of 3 playlists" in message
    assert f"playlist {LEGACY}: Spotify answered 403" in message and "owns or collaborates" in message
    assert f"playlist {EDITORIAL}: Spotify answered 404" in message and "2024-11-27" in message
    # nothing of the playlists: the chart tables are another source, stored (empty) whatever the API does
    assert not [
        p for p in Path(settings.lake).rglob("*.parquet") if p.relative_to(settings.lake).parts[0] not in CHARTS
    ]


def test_a_past_week_is_refused_live_before_any_request(fake_spotify, live_lake):
    settings = live_lake()
    old = weekly_partitions.get_partition_keys()[-3]

    result = run_weeks(build_definitions(settings), old)

    assert not result.success
    message = _failure(result)
    assert "only serves a playlist's current state" in message and "SPOTIFY_REPLAY_DIR" in message
    assert fake_spotify.requests == []


def test_the_client_secret_never_reaches_logs_metadata_or_the_lake(fake_spotify, live_lake, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    settings = live_lake(playlists=(BIG, SMALL))
    fake_spotify.fault(f"/v1/playlists/{BIG}/items", 401)
    instance = dg.DagsterInstance.ephemeral()
    defs = build_definitions(settings)

    assert run_weeks(defs, last_week(), instance=instance).success
    fake_spotify.fault(f"/v1/playlists/{BIG}", 404)  # every playlist fails: the run fails
    fake_spotify.fault(f"/v1/playlists/{SMALL}", 404)
    assert not run_weeks(defs, last_week(), instance=instance).success

    secrets = [fake_spotify.client_secret, fake_spotify.refresh_token]
    secrets += [r.authorization.split(" ")[-1] for r in fake_spotify.requests]  # tokens, Basic header
    stored = "".join(serialize_value(event) for run in instance.get_runs() for event in instance.all_logs(run.run_id))
    lake = "".join(str(pq.read_table(path).to_pylist()) for path in Path(settings.lake).rglob("*.parquet"))
    out, err = capfd.readouterr()
    assert "requests" in stored and len(lake) > 1000
    for secret in set(secrets):
        for where, text in {
            "event log": stored,
            "lake": lake,
            "logs": caplog.text,
            "stdout": out,
            "stderr": err,
        }.items():
            assert secret not in text, f"a secret is in the {where}"


@pytest.mark.subprocess
def test_dagster_asset_materialize_of_the_current_week_against_a_compatible_endpoint(fake_spotify, tmp_path):
    for pid, n in ((BIG, 237), (SMALL, 7)):
        fake_spotify.add_playlist(make_playlist(pid, n))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        **fake_spotify.env(),
        "SPOTIFY_PLAYLISTS": f"https://open.spotify.com/playlist/{BIG}?si=abc,spotify:playlist:{SMALL}",
        "SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake"),
        "DAGSTER_HOME": str(home),
    }
    week = last_week()

    result = subprocess.run(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "spotify_assets.definitions",
            "--select",
            "raw_playlist*",
            "--partition",
            week,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert len(fake_spotify.api_requests()) == (1 + math.ceil((237 - 50) / 50)) + 1
    for table in TABLES:
        assert (tmp_path / "lake" / table / f"week={week}" / "part-0.parquet").is_file()
    assert fake_spotify.client_secret not in result.stdout + result.stderr
