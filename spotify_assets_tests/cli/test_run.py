"""What a user types: `dagster asset materialize --partition-range` and `make run`'s entry point."""

import os
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
import pytest

from spotify_assets.lake.schemas import TABLE_SCHEMAS
from spotify_assets_tests.conftest import SAMPLE_WEEKS

pytestmark = pytest.mark.subprocess

DAGSTER = str(Path(sys.executable).parent / "dagster")
TABLES = ["albums", "artists", "playlists", "raw_playlist", "songs"]


def _env(tmp_path: Path, **extra) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {**os.environ, "DAGSTER_HOME": str(home), "SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake"), **extra}


def test_partition_range_materialize_is_one_run_that_writes_every_week(tmp_path):
    first, last = SAMPLE_WEEKS[0], SAMPLE_WEEKS[4]
    result = subprocess.run(
        [
            DAGSTER,
            "asset",
            "materialize",
            "-m",
            "spotify_assets.definitions",
            "--select",
            "*",
            "--partition-range",
            f"{first}...{last}",
        ],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(tmp_path / "dagster_home")) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].status == dg.DagsterRunStatus.SUCCESS
    lake = tmp_path / "lake"
    for table in TABLES:
        assert sorted(p.name for p in (lake / table).iterdir()) == [f"week={w}" for w in SAMPLE_WEEKS[:5]]


def test_make_run_entry_point_prints_the_summary_and_is_rerun_safe(tmp_path):
    command = [sys.executable, "-m", "spotify_assets.cli.run"]
    first = subprocess.run(command, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout
    assert "SUCCESS" in out and f"{SAMPLE_WEEKS[0]}, {SAMPLE_WEEKS[1]}" in out
    assert "songs" in out and "songs.albums_exist" in out and "12 passed" in out
    assert str(tmp_path / "lake") in out and "make dev" in out
    lake = tmp_path / "lake"
    songs = pq.read_table(lake / "songs").num_rows
    assert re.search(rf"^  songs +{songs:,}$", out, re.MULTILINE), out  # rows of every week, not one
    entries = pq.read_table(lake / "spotify_chart_entries").num_rows
    assert entries == 3 * 50 * len(SAMPLE_WEEKS)  # the sample's three charts a week
    assert re.search(rf"^  spotify_chart_entries +{entries:,}$", out, re.MULTILINE), out
    assert "spotify_chart_entries.ranks_complete" in out
    files = sorted(p for p in lake.rglob("*.parquet"))
    assert len(files) == len(TABLE_SCHEMAS) * len(SAMPLE_WEEKS)
    before = {p: p.read_bytes() for p in files}
    second = subprocess.run(command, env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0
    assert {p: p.read_bytes() for p in sorted(lake.rglob("*.parquet"))} == before


def test_make_run_names_a_week_folder_that_is_not_a_monday(tmp_path):
    (tmp_path / "replay" / "2026-08-18").mkdir(parents=True)  # a Tuesday

    result = subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli.run"],
        env=_env(tmp_path, SPOTIFY_REPLAY_DIR=str(tmp_path / "replay")),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 1
    assert "week folder 2026-08-18 is a Tuesday; weeks are keyed by their Monday (2026-08-17)" in result.stderr
    assert "no week folders" not in result.stderr
