"""Weekly partitions: one per Monday-to-Sunday week, keyed by its Monday (YYYY-MM-DD, UTC)."""

from datetime import UTC, datetime, timedelta

import dagster as dg

FIRST_WEEK = "2024-01-01"

# day_offset=1: weeks start on Monday (Dagster's default is Sunday).
weekly_partitions = dg.WeeklyPartitionsDefinition(start_date=FIRST_WEEK, day_offset=1, timezone="UTC", fmt="%Y-%m-%d")


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """The [start, end) instants of a week key, in UTC."""
    start = datetime.strptime(week, "%Y-%m-%d").replace(tzinfo=UTC)
    if start.weekday() != 0:
        raise ValueError(f"week key {week!r} is not a Monday; weeks are keyed by their Monday (YYYY-MM-DD)")
    return start, start + timedelta(days=7)
