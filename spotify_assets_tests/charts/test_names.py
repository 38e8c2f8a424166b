"""Chart file names → chart, region, Thursday and week; files no partition week takes."""

from datetime import date

import pytest

from spotify_assets.charts.names import ChartNameError, parse_name, place_files


@pytest.mark.parametrize(
    "file_name, chart, region, thursday, week",
    [
        # charts.spotify.com: the Thursday ending the week, in the week of its Monday
        ("regional-global-weekly-2026-10-22.csv", "regional-global-weekly", "global", date(2026, 10, 22), "2026-10-19"),
        # the older export: the day before the second Friday
        (
            "regional-global-weekly-2026-10-23--2026-10-30.csv",
            "regional-global-weekly",
            "global",
            date(2026, 10, 29),
            "2026-10-26",
        ),
        ("regional-jp-weekly-2026-12-31.csv", "regional-jp-weekly", "jp", date(2026, 12, 31), "2026-12-28"),
        ("regional-br-weekly-2027-01-01--2027-01-08.csv", "regional-br-weekly", "br", date(2027, 1, 7), "2027-01-04"),
    ],
)
def test_both_names_give_the_chart_and_the_week_of_its_thursday(file_name, chart, region, thursday, week):
    name = parse_name(file_name)
    assert (name.chart, name.region, name.chart_date, name.week) == (chart, region, thursday, week)


@pytest.mark.parametrize(
    "file_name, says",
    [
        ("regional-global-weekly-2026-10-21.csv", "2026-10-21 is a Wednesday"),
        ("regional-global-weekly-2026-10-23--2026-10-29.csv", "not two Fridays a week apart"),
        ("regional-global-weekly-2026-10-22--2026-10-29.csv", "not two Fridays a week apart"),
        ("regional-global-weekly-2026-02-30.csv", "2026-02-30 is not a date"),
        ("regional-global-weekly-2026-10-22 (1).csv", "not the name of a weekly regional chart"),
        ("regional-global-daily-2026-10-22.csv", "not the name of a weekly regional chart"),
        ("viral-global-weekly-2026-10-22.csv", "not the name of a weekly regional chart"),
    ],
)
def test_a_name_that_is_no_chart_is_refused_naming_the_file(file_name, says):
    with pytest.raises(ChartNameError, match="regional-<region>-weekly|" + says) as raised:
        parse_name(file_name)
    assert str(raised.value).startswith(file_name) and says in str(raised.value)


def test_files_outside_the_partitions_are_unplaced_with_the_setting_to_change():
    names = [
        "regional-global-weekly-2026-08-13.csv",  # week 2026-08-10, before the first partition
        "regional-global-weekly-2026-08-20.csv",
        "regional-jp-weekly-2026-08-14--2026-08-21.csv",
        "regional-global-weekly-2026-11-12.csv",  # week 2026-11-09, after the last partition
        "notes.csv",
    ]
    offline = place_files(names, "2026-08-17", "2026-11-02", later_weeks_come=False)
    assert {week: [n.file_name for n in files] for week, files in offline.by_week.items()} == {
        "2026-08-17": ["regional-global-weekly-2026-08-20.csv", "regional-jp-weekly-2026-08-14--2026-08-21.csv"]
    }
    assert "SPOTIFY_ASSETS_FIRST_WEEK=2026-08-10" in offline.unplaced["regional-global-weekly-2026-08-13.csv"]
    assert "after the last partition 2026-11-02" in offline.unplaced["regional-global-weekly-2026-11-12.csv"]
    assert "Rename it" in offline.unplaced["notes.csv"]
    # live, the week in progress becomes a partition when it ends: not a fault
    live = place_files(names, "2026-08-17", "2026-11-02", later_weeks_come=True)
    assert "regional-global-weekly-2026-11-12.csv" not in live.unplaced
    assert [n.file_name for n in live.by_week["2026-11-09"]] == ["regional-global-weekly-2026-11-12.csv"]
