"""`spotify_charts_sensor`, evaluated against a real (temporary) Dagster instance over a real folder,
locally and on S3 (moto's server): a file dropped in → one run of its week; the same file again →
none; a changed or removed file → one."""

import shutil

import boto3
import dagster as dg
import pyarrow.parquet as pq

from spotify_assets.definitions import build_definitions, build_resources
from spotify_assets.settings import SAMPLE_CHARTS_DIR
from spotify_assets_tests.charts.chart_files import entries, new_format

SENSOR = "spotify_charts_sensor"
GLOBAL = "regional-global-weekly-2026-10-22.csv"  # week 2026-10-19
JP_OLD = "regional-jp-weekly-2026-08-14--2026-08-21.csv"  # week 2026-08-17


class Ticks:
    """The sensor's evaluations one after another, the cursor carried as the daemon carries it."""

    def __init__(self, settings, instance):
        self.defs = build_definitions(settings)
        self.sensor = self.defs.resolve_sensor_def(SENSOR)
        self.resources = {"spotify_charts": build_resources(settings)["spotify_charts"]}
        self.instance, self.cursor = instance, None

    def tick(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=self.resources, definitions=self.defs
        )
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        return result.run_requests


def test_a_new_file_runs_its_week_once_a_changed_or_removed_one_again(lake_env, tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    settings = lake_env(SPOTIFY_CHARTS_DIR=str(charts))
    with dg.instance_for_test() as instance:
        ticks = Ticks(settings, instance)
        sensor = ticks.sensor
        assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
        assert ticks.tick() == []

        shutil.copy(SAMPLE_CHARTS_DIR / GLOBAL, charts / GLOBAL)
        (dropped,) = ticks.tick()
        assert dropped.partition_key == "2026-10-19" and dropped.tags["spotify_charts/files"] == GLOBAL

        # the requested run: the chart assets and what depends on them, for that week
        job = ticks.defs.resolve_job_def(sensor.job_name)
        selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
        assert {"raw_spotify_chart", "spotify_chart_entries", "rejected_chart_lines", "lake_catalog"} <= selected
        assert "raw_playlist" not in selected and "songs" not in selected
        run = job.execute_in_process(partition_key=dropped.partition_key, instance=instance, run_config={})
        assert run.success
        stored = pq.read_table(f"{settings.lake}/spotify_chart_entries/week=2026-10-19/part-0.parquet")
        assert stored.num_rows == 50

        shutil.copy(SAMPLE_CHARTS_DIR / GLOBAL, charts / GLOBAL)  # the same file copied in again
        assert ticks.tick() == []

        (charts / GLOBAL).write_bytes(new_format(entries(3)))
        (changed,) = ticks.tick()
        assert changed.partition_key == "2026-10-19" and changed.run_key != dropped.run_key

        shutil.copy(SAMPLE_CHARTS_DIR / JP_OLD, charts / JP_OLD)  # the older format, another week
        (charts / "regional-global-weekly-2026-10-22 (1).csv").write_bytes(b"x")  # no chart: logged only
        (other,) = ticks.tick()
        assert other.partition_key == "2026-08-17"

        (charts / GLOBAL).unlink()
        (removed,) = ticks.tick()
        assert removed.partition_key == "2026-10-19"
        assert ticks.tick() == []


def test_on_s3_the_etag_is_the_version(lake_env, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="downloads")
    settings = lake_env(SPOTIFY_CHARTS_DIR="s3://downloads/charts")
    body = (SAMPLE_CHARTS_DIR / GLOBAL).read_bytes()
    with dg.instance_for_test() as instance:
        ticks = Ticks(settings, instance)
        assert ticks.tick() == []
        s3.put_object(Bucket="downloads", Key=f"charts/{GLOBAL}", Body=body)
        (dropped,) = ticks.tick()
        assert dropped.partition_key == "2026-10-19"
        s3.put_object(Bucket="downloads", Key=f"charts/{GLOBAL}", Body=body)  # uploaded again: same ETag
        assert ticks.tick() == []
        s3.put_object(Bucket="downloads", Key=f"charts/{GLOBAL}", Body=body.replace(b"Independent", b"Indie"))
        (changed,) = ticks.tick()
        assert changed.partition_key == "2026-10-19" and changed.run_key != dropped.run_key
