"""Weekly partitions: one per Monday-to-Sunday week, keyed by its Monday (YYYY-MM-DD, UTC)."""

import dagster as dg

from spotify_assets.lake.weeks import FIRST_WEEK


def build_weekly_partitions(first_week: str = FIRST_WEEK) -> dg.WeeklyPartitionsDefinition:
    """Every week from `first_week` to the last completed one; every asset, check and the job share it."""
    # day_offset=1: weeks start on Monday (Dagster's default is Sunday).
    return dg.WeeklyPartitionsDefinition(start_date=first_week, day_offset=1, timezone="UTC", fmt="%Y-%m-%d")
