"""Weeks: Monday-to-Sunday, keyed by their Monday (YYYY-MM-DD, UTC). No Dagster here: the partitions
definition built on these keys is `spotify_assets.defs.partitions`."""

from datetime import UTC, datetime, timedelta

# The first week of the live partitions unless SPOTIFY_ASSETS_FIRST_WEEK says otherwise: the first
# Monday of 2026, when the Web API took its current shape (docs/data-contract.md, Partitions).
LIVE_FIRST_WEEK = "2026-01-05"


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """The [start, end) instants of a week key, in UTC."""
    start = datetime.strptime(week, "%Y-%m-%d").replace(tzinfo=UTC)
    if start.weekday() != 0:
        raise ValueError(f"week key {week!r} is not a Monday; weeks are keyed by their Monday (YYYY-MM-DD)")
    return start, start + timedelta(days=7)


def next_week(week: str) -> str:
    """The week key after `week`."""
    return week_bounds(week)[1].strftime("%Y-%m-%d")
