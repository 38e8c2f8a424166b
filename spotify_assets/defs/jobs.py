"""The weekly job over every lake asset and its Monday 06:00 UTC schedule."""

import dagster as dg

from spotify_assets.defs.partitions import weekly_partitions

LAKE_GROUPS = ("ingest", "lake", "catalog", "trends")

weekly_lake_job = dg.define_asset_job(
    name="weekly_lake",
    description="Snapshot the followed playlists for a week, rebuild that week's tables, check and catalog them.",
    selection=dg.AssetSelection.groups(*LAKE_GROUPS),
    partitions_def=weekly_partitions,
)

# Runs Monday 06:00 UTC and targets the week that ended at midnight (the last completed partition).
weekly_lake_schedule = dg.build_schedule_from_partitioned_job(
    weekly_lake_job, hour_of_day=6, minute_of_hour=0, name="weekly_lake_schedule"
)
