"""A week and a backfill through the production instance config on a real PostgreSQL.

deploy/dagster.yaml is rendered into a temporary DAGSTER_HOME with two swaps, both for things
that need AWS: the EcsRunLauncher becomes the DefaultRunLauncher and the S3 compute log manager
the local one. Storage, the QueuedRunCoordinator and the pool settings are kept as written
(`execute_in_process` does not go through the queue, but its steps do claim pool slots)."""

from pathlib import Path

import yaml
from dagster import AssetKey, DagsterInstance, RunsFilter
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from spotify_assets.definitions import build_definitions
from spotify_assets.settings import SAMPLE_DATA_DIR, load_settings
from spotify_assets_tests.deploy.conftest import DEPLOY_DIR

TABLES = {"raw_playlist", "playlists", "songs", "albums", "artists"}
SAMPLE_WEEKS = sorted(p.name for p in SAMPLE_DATA_DIR.iterdir() if p.is_dir())


def render_instance(home: Path) -> None:
    config = yaml.safe_load((DEPLOY_DIR / "dagster.yaml").read_text())
    config["run_launcher"] = {"module": "dagster._core.launcher", "class": "DefaultRunLauncher"}
    config["compute_logs"] = {
        "module": "dagster._core.storage.local_compute_log_manager",
        "class": "LocalComputeLogManager",
        "config": {"base_dir": str(home / "compute_logs")},
    }
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))


def test_week_and_backfill_are_recorded_in_postgres(postgres, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    render_instance(home)
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)
    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake")})
    job = build_definitions(settings).resolve_job_def("weekly_lake")
    week, backfill_weeks = SAMPLE_WEEKS[0], SAMPLE_WEEKS[1:4]

    with DagsterInstance.from_config(str(home)) as instance:
        one_week = job.execute_in_process(instance=instance, partition_key=week)
        backfill = job.execute_in_process(
            instance=instance,
            tags={
                ASSET_PARTITION_RANGE_START_TAG: backfill_weeks[0],
                ASSET_PARTITION_RANGE_END_TAG: backfill_weeks[-1],
            },
        )
    assert one_week.success and backfill.success

    # A fresh instance from the same config sees both runs: they live in PostgreSQL, not in memory.
    ours = (one_week.run_id, backfill.run_id)
    with DagsterInstance.from_config(str(home)) as reopened:
        stored = {run.run_id: run for run in reopened.get_runs(filters=RunsFilter(run_ids=list(ours)))}
    assert set(stored) == set(ours)
    assert all(run.is_success for run in stored.values())

    with postgres.connect() as conn, conn.cursor() as cur:
        cur.execute("select run_id, pipeline_name, status from runs where run_id in %s", (ours,))
        assert set(cur.fetchall()) == {
            (one_week.run_id, "weekly_lake", "SUCCESS"),
            (backfill.run_id, "weekly_lake", "SUCCESS"),
        }

        cur.execute("select key, value from run_tags where run_id = %s", (backfill.run_id,))
        tags = dict(cur.fetchall())
        assert (tags[ASSET_PARTITION_RANGE_START_TAG], tags[ASSET_PARTITION_RANGE_END_TAG]) == (
            backfill_weeks[0],
            backfill_weeks[-1],
        )

        cur.execute(
            "select run_id, asset_key, partition from event_logs"
            " where dagster_event_type = 'ASSET_MATERIALIZATION' and run_id in %s",
            (ours,),
        )
        materialized: dict[str, set] = {one_week.run_id: set(), backfill.run_id: set()}
        for run_id, asset_key, partition in cur.fetchall():
            materialized[run_id].add((AssetKey.from_db_string(asset_key).to_user_string(), partition))
        assert TABLES <= {table for table, _ in materialized[one_week.run_id]}
        assert {(t, week) for t in TABLES} <= materialized[one_week.run_id]
        assert {(t, w) for t in TABLES for w in backfill_weeks} <= materialized[backfill.run_id]
        assert {p for _, p in materialized[backfill.run_id]} == set(backfill_weeks)

        cur.execute(
            "select run_id, count(*) from event_logs"
            " where dagster_event_type = 'ASSET_CHECK_EVALUATION' and run_id in %s group by run_id",
            (ours,),
        )
        checks = dict(cur.fetchall())
        assert checks.get(one_week.run_id, 0) > 0 and checks.get(backfill.run_id, 0) > checks[one_week.run_id]

        cur.execute("select count(*) from event_logs where run_id in %s", (ours,))
        assert cur.fetchone()[0] > 50

        # The extraction steps took the Spotify pool's slot, created with the limit the config gives.
        cur.execute("select concurrency_key, count(*) from concurrency_slots group by concurrency_key")
        assert dict(cur.fetchall()) == {"spotify_api": 1}
