"""The code location loads, validates and schedules the right week."""

import subprocess
import sys
from datetime import datetime, timezone

import dagster as dg
import pytest

from spotify_assets.definitions import defs
from spotify_assets.partitions import weekly_partitions

ALL_TABLES = {"raw_playlist", "playlists", "songs", "albums", "artists"}


@pytest.mark.subprocess
def test_dagster_validates_the_code_location():
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "spotify_assets.definitions"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_is_weekly_single_run_documented_and_owned():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert ALL_TABLES <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def is not None and node.partitions_def.get_first_partition_key() == "2024-01-01"
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert node.description and node.group_name and node.owners and node.kinds, key
    assert defs.resolve_assets_def("raw_playlist").specs_by_key[dg.AssetKey("raw_playlist")] is not None
    assert graph.get(dg.AssetKey("raw_playlist")).pools == {"spotify_api"}


def test_partitions_are_monday_weeks():
    partitions = defs.resolve_assets_def("songs").partitions_def
    assert partitions.get_partition_keys_between_indexes(0, 2) == ["2024-01-01", "2024-01-08"]


@pytest.mark.parametrize(
    "tick, week",
    [
        (datetime(2026, 11, 16, 6, 0, tzinfo=timezone.utc), "2026-11-09"),
        (datetime(2027, 1, 4, 6, 0, tzinfo=timezone.utc), "2026-12-28"),  # a week across New Year
        (datetime(2027, 11, 29, 6, 0, tzinfo=timezone.utc), "2027-11-22"),  # a year ahead
    ],
)
def test_schedule_at_monday_six_requests_the_week_that_just_ended(tick, week):
    schedule = defs.resolve_schedule_def("weekly_lake_schedule")
    assert schedule.cron_schedule == "0 6 * * 1" and schedule.execution_timezone == "UTC"
    (request,) = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert request.partition_key == week
    with dg.partition_loading_context(effective_dt=tick):  # the newest partition at that moment
        assert weekly_partitions.get_last_partition_key() == week


@pytest.mark.subprocess
def test_loading_the_code_location_leaves_heavy_libraries_to_the_runs_that_use_them():
    """Every UI reload and every run imports the definitions; pandas alone adds about a second, and
    duckdb, boto3 and spotipy are only needed by the catalog, Glue and live runs that use them."""
    heavy = ("pandas", "matplotlib", "duckdb", "boto3", "spotipy")
    probe = f"import sys, spotify_assets.definitions; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
