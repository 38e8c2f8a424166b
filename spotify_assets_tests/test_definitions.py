"""The code location loads, validates and schedules the right week."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.definitions import build_definitions, defs, weekly_partitions
from spotify_assets.defs.partitions import PartitionSettingsError
from spotify_assets.lake.star_schemas import STAR_SCHEMAS
from spotify_assets.lake.weeks import LIVE_FIRST_WEEK
from spotify_assets.settings import load_settings
from spotify_assets_tests.conftest import SAMPLE_WEEKS

ROOT = Path(__file__).resolve().parents[1]
ALL_TABLES = {
    "raw_playlist",
    "playlists",
    "songs",
    "albums",
    "artists",
    "rejected_items",
    "raw_spotify_chart",
    "spotify_chart_entries",
    "rejected_chart_lines",
    *STAR_SCHEMAS,
}


def _dg(*args: str, home: Path) -> subprocess.CompletedProcess:
    """`dg` of this virtualenv, from the checkout (pyproject.toml's [tool.dg]), as a user runs it."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("dg")), *args],
        cwd=ROOT,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.subprocess
def test_dg_checks_and_lists_every_definition(tmp_path):
    """`dg check defs` passes, and `dg list defs` shows every asset, check, job, schedule and sensor."""
    checked = _dg("check", "defs", home=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully." in checked.stdout
    listed = _dg("list", "defs", "--json", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    shown = json.loads(listed.stdout)
    graph = defs.resolve_asset_graph()
    assert {a["asset_key"] for a in shown["assets"]} == {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {c["key"] for c in shown["asset_checks"]} == {
        f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys
    }
    repository = defs.get_repository_def()
    assert {j["name"] for j in shown["jobs"]} == {j.name for j in repository.get_all_jobs()} - {"__ASSET_JOB"}
    assert {s["name"] for s in shown["schedules"]} == {s.name for s in repository.schedule_defs}
    assert {s["name"] for s in shown["sensors"]} == {s.name for s in repository.sensor_defs}
    assert {"weekly_lake", "weekly_lake_schedule", "lake_freshness_sensor", "spotify_charts_sensor"} <= {
        d["name"] for kind in ("jobs", "schedules", "sensors") for d in shown[kind]
    }


def test_every_asset_is_weekly_single_run_documented_and_owned():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert ALL_TABLES <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        # offline, the partitions are the replay's weeks: every one can be filled
        assert node.partitions_def.get_partition_keys() == SAMPLE_WEEKS, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run()
        assert node.description and node.group_name and node.owners and node.kinds, key
    assert defs.resolve_assets_def("raw_playlist").specs_by_key[dg.AssetKey("raw_playlist")] is not None
    assert graph.get(dg.AssetKey("raw_playlist")).pools == {"spotify_api"}


def test_partitions_are_monday_weeks():
    partitions = defs.resolve_assets_def("songs").partitions_def
    assert partitions.get_partition_keys_between_indexes(0, 2) == SAMPLE_WEEKS[:2] == ["2026-08-17", "2026-08-24"]


def live(**env: str) -> dg.Definitions:
    """The definitions of a live environment (its secrets are only read when a run starts)."""
    return build_definitions(
        load_settings(
            {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret", "SPOTIFY_ASSETS_LAKE": "/tmp/x", **env}
        )
    )


def test_live_partitions_run_from_the_documented_first_week_to_the_last_completed_one():
    moment = datetime(2026, 11, 30, 12, tzinfo=UTC)
    with dg.partition_loading_context(effective_dt=moment):
        partitions = weekly_partitions(live())
        assert partitions.get_first_partition_key() == LIVE_FIRST_WEEK == "2026-01-05"
        assert partitions.get_last_partition_key() == "2026-11-23"
        later = weekly_partitions(live(SPOTIFY_ASSETS_FIRST_WEEK="2026-06-01"))
        assert later.get_first_partition_key() == "2026-06-01"


def test_the_first_week_setting_narrows_the_replay_and_is_checked(tmp_path):
    narrowed = weekly_partitions(build_definitions(load_settings({"SPOTIFY_ASSETS_FIRST_WEEK": SAMPLE_WEEKS[3]})))
    assert narrowed.get_partition_keys() == SAMPLE_WEEKS[3:]
    with pytest.raises(PartitionSettingsError, match="SPOTIFY_ASSETS_FIRST_WEEK=2026-08-18: .*not a Monday"):
        build_definitions(load_settings({"SPOTIFY_ASSETS_FIRST_WEEK": "2026-08-18"}))
    with pytest.raises(PartitionSettingsError, match="is after the last week of SPOTIFY_REPLAY_DIR"):
        build_definitions(load_settings({"SPOTIFY_ASSETS_FIRST_WEEK": "2027-01-04"}))


@pytest.mark.parametrize(
    "tick, week",
    [
        (datetime(2026, 11, 16, 6, 0, tzinfo=UTC), "2026-11-09"),
        (datetime(2027, 1, 4, 6, 0, tzinfo=UTC), "2026-12-28"),  # a week across New Year
        (datetime(2027, 11, 29, 6, 0, tzinfo=UTC), "2027-11-22"),  # a year ahead
    ],
)
def test_schedule_at_monday_six_requests_the_week_that_just_ended(tick, week):
    schedule = live().resolve_schedule_def("weekly_lake_schedule")
    assert schedule.cron_schedule == "0 6 * * 1" and schedule.execution_timezone == "UTC"
    (request,) = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert request.partition_key == week
    with dg.partition_loading_context(effective_dt=tick):  # the newest partition at that moment
        assert weekly_partitions(live()).get_last_partition_key() == week


@pytest.mark.subprocess
def test_loading_the_code_location_leaves_heavy_libraries_to_the_runs_that_use_them():
    """Every UI reload and every run imports the definitions; pandas alone adds about a second, and
    duckdb, boto3 and spotipy are only needed by the catalog, Glue and live runs that use them."""
    heavy = ("pandas", "matplotlib", "duckdb", "boto3", "spotipy")
    probe = f"import sys, spotify_assets.definitions; print([m for m in {heavy!r} if m in sys.modules])"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_warehouse_group_exists_only_with_a_snowflake_account():
    """No week shows a Snowflake load that did not happen: without SNOWFLAKE_ACCOUNT the group is absent."""
    groups = {node.group_name for node in defs.resolve_asset_graph().asset_nodes}
    assert "star" in groups and "warehouse" not in groups
    snowflake = {
        "SNOWFLAKE_ACCOUNT": "acct",
        "SNOWFLAKE_USER": "loader",
        "SNOWFLAKE_PASSWORD": "set",
        "SNOWFLAKE_DATABASE": "BI",
        "SNOWFLAKE_SCHEMA": "STAR",
    }
    graph = build_definitions(load_settings(snowflake)).resolve_asset_graph()
    loaded = {key.to_user_string() for key in graph.get_all_asset_keys() if graph.get(key).group_name == "warehouse"}
    assert loaded == {f"snowflake/{table}" for table in STAR_SCHEMAS}
