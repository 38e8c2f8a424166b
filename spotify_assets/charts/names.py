"""Chart file names and the week each chart belongs to (docs/data-contract.md, Spotify Charts).

Two names, as the files are downloaded:
- charts.spotify.com: `regional-<region>-weekly-<THURSDAY>.csv`, the Thursday ending the
  Friday-to-Thursday chart week;
- the older spotifycharts.com export: `regional-<region>-weekly-<FRIDAY>--<FRIDAY>.csv`, whose chart
  week ends the day before the second Friday.

A chart belongs to the Monday-keyed week that contains its Thursday.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

SUFFIX = ".csv"
_DAY = r"\d{4}-\d{2}-\d{2}"
_NEW = re.compile(rf"(?P<chart>regional-(?P<region>global|[a-z]{{2}})-weekly)-(?P<day>{_DAY})\.csv")
_OLD = re.compile(rf"(?P<chart>regional-(?P<region>global|[a-z]{{2}})-weekly)-(?P<start>{_DAY})--(?P<end>{_DAY})\.csv")
EXPECTED = (
    "regional-<region>-weekly-<THURSDAY>.csv (charts.spotify.com) or "
    "regional-<region>-weekly-<FRIDAY>--<FRIDAY>.csv (spotifycharts.com), region `global` or a 2-letter code"
)


class ChartNameError(ValueError):
    """A .csv file of the charts folder whose name is not a chart's; the message says why."""


@dataclass(frozen=True)
class ChartName:
    file_name: str
    chart: str  # the file name without its date and extension, e.g. regional-global-weekly
    region: str  # global, jp, ...
    chart_date: date  # the Thursday ending the chart week
    week: str  # the Monday-keyed week containing chart_date


def week_of(day: date) -> str:
    """The Monday key of the week containing `day`."""
    return (day - timedelta(days=day.weekday())).isoformat()


def _day(text: str, file_name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ChartNameError(f"{file_name}: {text} is not a date (YYYY-MM-DD)") from None
    return day


def parse_name(file_name: str) -> ChartName:
    """The chart, region, Thursday and week a file name stands for; ChartNameError when it stands
    for none, naming the file and the expected names."""
    if match := _NEW.fullmatch(file_name):
        thursday = _day(match["day"], file_name)
        if thursday.weekday() != 3:
            raise ChartNameError(
                f"{file_name}: {thursday} is a {thursday:%A}; a charts.spotify.com weekly chart is named by the "
                "Thursday that ends its week"
            )
    elif match := _OLD.fullmatch(file_name):
        start, end = _day(match["start"], file_name), _day(match["end"], file_name)
        if start.weekday() != 4 or end != start + timedelta(days=7):
            raise ChartNameError(
                f"{file_name}: {start}--{end} is not two Fridays a week apart, as a spotifycharts.com weekly "
                "chart is named"
            )
        thursday = end - timedelta(days=1)
    else:
        raise ChartNameError(f"{file_name}: not the name of a weekly regional chart; expected {EXPECTED}")
    return ChartName(file_name, match["chart"], match["region"], thursday, week_of(thursday))


def is_chart_candidate(file_name: str) -> bool:
    """A file the charts folder is expected to hold: a visible .csv file (others are ignored)."""
    return file_name.lower().endswith(SUFFIX) and not file_name.startswith(".")


@dataclass(frozen=True)
class Placement:
    """The chart files of a folder by week, and those no week takes, each with why and the fix."""

    by_week: dict[str, list[ChartName]]
    unplaced: dict[str, str]


def place_files(file_names: list[str], first_week: str, last_week: str, *, later_weeks_come: bool) -> Placement:
    """Which partition week each file belongs to. A file of a week before `first_week` (or after
    `last_week`, unless `later_weeks_come`: live, the week in progress becomes a partition when it
    ends) is unplaced, with the setting to change."""
    by_week: dict[str, list[ChartName]] = {}
    unplaced: dict[str, str] = {}
    for file_name in sorted(file_names):
        try:
            name = parse_name(file_name)
        except ChartNameError as error:
            unplaced[file_name] = f"{error}. Rename it, or move it out of the charts folder"
            continue
        if name.week < first_week:
            unplaced[file_name] = (
                f"its week {name.week} is before the first partition {first_week}: set "
                f"SPOTIFY_ASSETS_FIRST_WEEK={name.week} (or unset it: the default starts at the first chart week)"
            )
        elif name.week > last_week and not later_weeks_come:
            unplaced[file_name] = (
                f"its week {name.week} is after the last partition {last_week} (offline, the last week of "
                "SPOTIFY_REPLAY_DIR): add that week to the replay directory, or move the file out"
            )
        else:
            by_week.setdefault(name.week, []).append(name)
    return Placement(by_week, unplaced)
