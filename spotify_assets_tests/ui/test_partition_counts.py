"""The partition labels the browser tests expect, evaluated at fixed moments and a year ahead: they
follow the partitions definition, so the UI suite passes on any day."""

from datetime import UTC, date, datetime, timedelta

from spotify_assets.lake.weeks import LIVE_FIRST_WEEK
from spotify_assets_tests.conftest import SAMPLE_WEEKS
from spotify_assets_tests.ui.partition_counts import WeeklyPartitions, any_of, partitions_of

LIVE = {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret"}


def newest_completed_week(moment: datetime) -> date:
    """The Monday of the last week that ended before `moment`, by date arithmetic alone."""
    return moment.date() - timedelta(days=moment.weekday() + 7)


def test_offline_the_ui_shows_the_replay_weeks_whatever_the_day():
    now = datetime.now(UTC)
    for moment in (now, now + timedelta(days=365)):
        partitions = WeeklyPartitions.at(moment)
        assert partitions == WeeklyPartitions(SAMPLE_WEEKS[0], len(SAMPLE_WEEKS), SAMPLE_WEEKS[-1]), moment
        assert partitions.count_label() == "12 partitions"
        assert partitions.range_label() == "[2026-08-17...2026-11-02]"
        assert partitions.filled_label(9) == "75% filled" and partitions.missing_label(9) == "Missing (3)"


def test_live_a_partition_is_added_at_monday_midnight_utc():
    live = partitions_of(LIVE)
    sunday_night = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)
    weeks = (date(2026, 11, 9) - date.fromisoformat(LIVE_FIRST_WEEK)).days // 7 + 1
    assert WeeklyPartitions.at(sunday_night, live) == WeeklyPartitions(LIVE_FIRST_WEEK, weeks, "2026-11-09")
    monday = sunday_night + timedelta(seconds=1)
    assert WeeklyPartitions.at(monday, live) == WeeklyPartitions(LIVE_FIRST_WEEK, weeks + 1, "2026-11-16")
    assert WeeklyPartitions.at(monday + timedelta(weeks=52), live).count == weeks + 1 + 52


def test_live_labels_follow_the_calendar_today_and_a_year_ahead():
    live = partitions_of(LIVE)
    now = datetime.now(UTC)
    for moment in (now, now + timedelta(days=365), now + timedelta(days=366)):
        newest = newest_completed_week(moment)
        partitions = WeeklyPartitions.at(moment, live)
        assert partitions.newest == newest.isoformat(), moment
        assert partitions.count == (newest - date.fromisoformat(LIVE_FIRST_WEEK)).days // 7 + 1, moment
        assert partitions.range_label() == f"[{LIVE_FIRST_WEEK}...{newest}]"


def test_the_filled_share_is_floored_as_the_asset_graph_shows_it():
    assert WeeklyPartitions("2024-01-01", 152, "2026-11-23").filled_label(9) == "5% filled"  # 5.9%
    assert WeeklyPartitions("2024-01-01", 152, "2026-11-23").filled_label(152) == "100% filled"


def test_a_page_read_across_monday_midnight_may_show_either_count():
    pattern = any_of({"151 partitions", "152 partitions"})
    assert pattern.match("151 partitions") and pattern.match("152 partitions")
    assert not pattern.match("1152 partitions") and not pattern.match("150 partitions")
