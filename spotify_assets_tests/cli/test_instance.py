"""`make` prepares the local Dagster instance once, so runs started together on a fresh
DAGSTER_HOME do not race to create its SQLite schema.

Without the preparation the race is real: two processes opening a fresh SQLite instance at the
same moment both create the tables, and one fails with sqlalchemy's OperationalError (3 of 6
tries on the development machine). A race cannot be forced on demand, so the first test checks
what removes it, deterministically: after make's preparation step every schema already exists, so
no run creates one. The second runs two `make run` entry points together on a prepared instance."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets_tests.conftest import SAMPLE_WEEKS

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "spotify_assets" / "sample_data"
# what each store's schema holds, among others
TABLES = {
    "history/runs.db": {"runs", "run_tags", "alembic_version"},
    "history/runs/index.db": {"event_logs", "asset_keys", "concurrency_limits", "alembic_version"},
    "schedules/schedules.db": {"jobs", "job_ticks", "alembic_version"},
}


def prepare(home: Path) -> subprocess.CompletedProcess:
    """The Makefile's instance step, as `make run`, `make test` and `make dev` reach it (the venv
    exists: `-o` keeps make from reinstalling it)."""
    return subprocess.run(
        ["make", "-C", str(ROOT), "-o", ".venv/.installed-run", f"{home}/dagster.yaml", f"DAGSTER_HOME={home}"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("select name from sqlite_master where type = 'table'")}


def test_make_creates_the_instance_schema_before_any_run(tmp_path):
    home = tmp_path / "dagster_home"

    made = prepare(home)

    assert made.returncode == 0, made.stderr
    assert (home / "dagster.yaml").read_text() == (ROOT / "scripts" / "dagster.yaml").read_text()
    for store, tables in TABLES.items():
        assert (home / store).is_file(), f"{store} is not created by make"
        assert tables <= _tables(home / store), store


def test_two_runs_started_together_on_a_fresh_instance_both_succeed(tmp_path):
    home = tmp_path / "dagster_home"
    assert prepare(home).returncode == 0
    replay = tmp_path / "replay"
    shutil.copytree(SAMPLE / SAMPLE_WEEKS[0], replay / SAMPLE_WEEKS[0])
    command = [sys.executable, "-m", "spotify_assets.cli.run"]
    runs = [
        subprocess.Popen(
            command,
            env={
                **os.environ,
                "DAGSTER_HOME": str(home),
                "SPOTIFY_REPLAY_DIR": str(replay),
                "SPOTIFY_ASSETS_LAKE": str(tmp_path / f"lake{n}"),
                "SPOTIFY_ASSETS_CATALOG": str(tmp_path / f"catalog{n}.duckdb"),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]

    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-3000:]
        assert "SUCCESS" in out
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert [r.status for r in instance.get_runs()] == [dg.DagsterRunStatus.SUCCESS] * 2
