"""The partition labels the browser tests expect, evaluated at fixed moments and a year ahead:
they follow the partitions definition, so the UI suite passes on any day."""

from datetime import UTC, date, datetime, timedelta

from spotify_assets.lake.weeks import FIRST_WEEK
from spotify_assets_tests.ui.partition_counts import WeeklyPartitions, any_of

UTC = UTC


def newest_completed_week(moment: datetime) -> date:
    """The Monday of the last week that ended before `moment`, by date arithmetic alone."""
    return moment.date() - timedelta(days=moment.weekday() + 7)


def test_a_partition_is_added_at_monday_midnight_utc():
    sunday_night = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)  # when the UI showed "150 partitions"
    assert WeeklyPartitions.at(sunday_night) == WeeklyPartitions(150, "2026-11-09")
    assert WeeklyPartitions.at(sunday_night).count_label() == "150 partitions"
    monday = sunday_night + timedelta(seconds=1)
    assert WeeklyPartitions.at(monday) == WeeklyPartitions(151, "2026-11-16")
    assert WeeklyPartitions.at(monday + timedelta(weeks=52)) == WeeklyPartitions(151 + 52, "2027-11-15")


def test_the_labels_follow_the_calendar_today_and_a_year_ahead():
    now = datetime.now(UTC)
    for moment in (now, now + timedelta(days=365), now + timedelta(days=366)):
        newest = newest_completed_week(moment)
        partitions = WeeklyPartitions.at(moment)
        assert partitions.newest == newest.isoformat(), moment
        assert partitions.count == (newest - date.fromisoformat(FIRST_WEEK)).days // 7 + 1, moment
        assert partitions.range_label() == f"[2024-01-01...{newest}]"
        assert partitions.missing_label(9) == f"Missing ({partitions.count - 9})"
    assert WeeklyPartitions.at(now + timedelta(days=364)).count - WeeklyPartitions.at(now).count == 52


def test_the_filled_share_is_floored_as_the_asset_graph_shows_it():
    assert WeeklyPartitions(152, "2026-11-23").filled_label(9) == "5% filled"  # 5.9%
    a_year_ahead = WeeklyPartitions.at(datetime(2027, 11, 30, tzinfo=UTC))
    assert (a_year_ahead.count, a_year_ahead.filled_label(9)) == (204, "4% filled")
    assert WeeklyPartitions(152, "2026-11-23").filled_label(152) == "100% filled"


def test_a_page_read_across_monday_midnight_may_show_either_count():
    pattern = any_of({"151 partitions", "152 partitions"})
    assert pattern.match("151 partitions") and pattern.match("152 partitions")
    assert not pattern.match("1152 partitions") and not pattern.match("150 partitions")
