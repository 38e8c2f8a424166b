"""The sensors: `spotify_charts_sensor`, a new or changed chart file starts a run of its week
(README.md, Spotify Charts; the folder's difference is computed by `charts/changes.py`), and
`lake_freshness_sensor`, which runs the freshness checks when they may have changed."""

import json
from collections.abc import Sequence

import dagster as dg

from spotify_assets.charts.changes import folder_changes
from spotify_assets.charts.folder import ChartFolderError
from spotify_assets.defs.resources.charts import SpotifyChartsResource

SENSOR_NAME = "spotify_charts_sensor"


def build_spotify_charts_sensor(job, partitions: dg.PartitionsDefinition, *, live: bool) -> dg.SensorDefinition:
    """The sensor that runs `job` (the `spotify_charts` job) over `partitions`; `live`: a file of
    the week in progress waits until that week is a partition."""

    @dg.sensor(
        name=SENSOR_NAME,
        job=job,
        default_status=dg.DefaultSensorStatus.STOPPED,
        minimum_interval_seconds=60,
    )
    def spotify_charts_sensor(context: dg.SensorEvaluationContext, spotify_charts: SpotifyChartsResource):
        """Watches SPOTIFY_CHARTS_DIR: when a chart file appears, changes or goes (its sha256 locally,
        its ETag on S3; the same file copied in again is no change), requests one run of that
        file's week for the chart assets and everything downstream of them. Off until switched on,
        like the schedule."""
        folder = spotify_charts.folder()
        if folder is None:
            return dg.SkipReason("SPOTIFY_CHARTS_DIR is not set: no chart folder to watch")
        try:
            current = folder.versions()
        except ChartFolderError as error:
            return dg.SkipReason(str(error))
        previous = json.loads(context.cursor) if context.cursor else {}
        changes = folder_changes(previous, current, partitions.get_partition_keys(), later_weeks_come=live)
        for name, why in changes.unplaced.items():
            context.log.warning(f"{name}: {why}")
        context.update_cursor(json.dumps(changes.cursor, sort_keys=True))
        if not changes.weeks:
            return dg.SkipReason(f"no chart file added, changed or removed ({len(current)} files watched)")
        return [
            dg.RunRequest(
                run_key=changes.run_key(week), partition_key=week, tags={"spotify_charts/files": ", ".join(files)}
            )
            for week, files in changes.weeks.items()
        ]

    return spotify_charts_sensor


def build_lake_freshness_sensor(freshness: Sequence[dg.AssetChecksDefinition], job) -> dg.SensorDefinition:
    """Dagster's freshness-check sensor (which decides when a check may have changed state), aimed
    at the `lake_freshness` job so the UI names its target; Dagster's own targets the checks,
    which the UI prints as a Python repr."""
    decide = dg.build_sensor_for_freshness_checks(freshness_checks=freshness, name="lake_freshness_sensor")

    @dg.sensor(
        name="lake_freshness_sensor",
        job=job,
        minimum_interval_seconds=decide.minimum_interval_seconds,
        description=(
            "Runs the lake_freshness job when a table's freshness check may have changed: never run, "
            "or its Monday 09:00 UTC deadline passed since it last ran."
        ),
        default_status=decide.default_status,
    )
    def lake_freshness_sensor(context: dg.SensorEvaluationContext):
        return decide(context)

    return lake_freshness_sensor
