"""The weekly job over every lake asset and its Monday 06:00 UTC schedule; the charts job; the
freshness job."""

from collections.abc import Sequence

import dagster as dg

from spotify_assets.defs.assets.spotify_charts import GROUP as CHART_GROUP

# "warehouse" is in the code location only when Snowflake is configured
STAR_GROUPS = ("star", "warehouse")
LAKE_GROUPS = ("ingest", "lake", CHART_GROUP, "catalog", "trends", "star", "warehouse")
WEEKLY_JOB = "weekly_lake"
FRESHNESS_JOB = "lake_freshness"
CHARTS_JOB = "spotify_charts"


def build_weekly_lake_job(partitions: dg.PartitionsDefinition):
    return dg.define_asset_job(
        name=WEEKLY_JOB,
        description=(
            "Snapshot the followed playlists and read the Spotify chart files for a week, rebuild that week's "
            "tables, music trends and star schema (and load the star into Snowflake where configured), check "
            "them, write the weekly report and catalog the tables for SQL."
        ),
        selection=dg.AssetSelection.groups(*LAKE_GROUPS),
        partitions_def=partitions,
    )


def build_spotify_charts_job(partitions: dg.PartitionsDefinition):
    """The chart assets and every asset downstream of them (the catalog, and what joins or trends
    the charts): what `spotify_charts_sensor` runs for a week whose chart files changed. Not the star
    (nor its Snowflake load): its dimensions need the week's playlist tables, which a chart file
    does not bring; the weekly job, or a run of the `star` group for the week, rebuilds it."""
    return dg.define_asset_job(
        name=CHARTS_JOB,
        description="Read a week's Spotify chart files again, rebuild the chart tables and everything downstream "
        "of them (the catalog included), and check them.",
        selection=dg.AssetSelection.groups(CHART_GROUP).downstream() - dg.AssetSelection.groups(*STAR_GROUPS),
        partitions_def=partitions,
    )


def build_weekly_lake_schedule(job) -> dg.ScheduleDefinition:
    """Monday 06:00 UTC, for the week that ended at midnight (the last completed partition)."""
    return dg.build_schedule_from_partitioned_job(job, hour_of_day=6, minute_of_hour=0, name="weekly_lake_schedule")


def build_lake_freshness_job(freshness: Sequence[dg.AssetChecksDefinition]):
    return dg.define_asset_job(
        name=FRESHNESS_JOB,
        description="Evaluate the freshness checks: is each table's last completed week in the lake?",
        selection=dg.AssetSelection.checks(*freshness),
    )
