"""Weeks: Monday-to-Sunday, keyed by their Monday (YYYY-MM-DD, UTC). No Dagster here: the partitions
definition built on these keys is `spotify_assets.defs.partitions`."""

from datetime import UTC, datetime, timedelta

# The first week of the partitions (docs/data-contract.md, Partitions).
FIRST_WEEK = "2024-01-01"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """The [start, end) instants of a week key, in UTC."""
    start = datetime.strptime(week, "%Y-%m-%d").replace(tzinfo=UTC)
    if start.weekday() != 0:
        raise ValueError(f"week key {week!r} is not a Monday; weeks are keyed by their Monday (YYYY-MM-DD)")
    return start, start + timedelta(days=7)
