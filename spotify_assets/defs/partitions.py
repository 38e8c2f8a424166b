"""Weekly partitions: one per Monday-to-Sunday week, keyed by its Monday (YYYY-MM-DD, UTC), from the
first week the environment can fill to its last (docs/data-contract.md, Partitions)."""

import dagster as dg

from spotify_assets.charts.folder import ChartFolder, ChartFolderError
from spotify_assets.charts.names import ChartNameError, parse_name
from spotify_assets.lake.weeks import LIVE_FIRST_WEEK, next_week, week_bounds
from spotify_assets.settings import Settings
from spotify_assets.spotify.errors import SpotifySourceError
from spotify_assets.spotify.replay import ReplaySource


class PartitionSettingsError(ValueError):
    """SPOTIFY_ASSETS_FIRST_WEEK cannot start the partitions."""


def first_chart_week(settings: Settings) -> str | None:
    """The earliest week of a chart file in SPOTIFY_CHARTS_DIR (names only, nothing read), or None."""
    if not settings.charts_dir:
        return None
    try:
        names = ChartFolder(settings.charts_dir, settings.s3_timeout_s).names()
    except ChartFolderError:
        return None  # the chart assets name the problem when they run; the code location still loads
    weeks = []
    for name in names:
        try:
            weeks.append(parse_name(name).week)
        except ChartNameError:
            continue  # reported by the check raw_spotify_chart.chart_files_placed
    return min(weeks, default=None)


def partition_weeks(settings: Settings) -> tuple[str, str | None]:
    """(first week, last week or None for "the last completed week") of this environment.

    Replay: the replay directory's weeks, so every partition offline can be filled; live: from
    SPOTIFY_ASSETS_FIRST_WEEK (default LIVE_FIRST_WEEK) to the last completed week. Unless
    SPOTIFY_ASSETS_FIRST_WEEK is set, the first week is the earlier of that default and the first
    chart week of SPOTIFY_CHARTS_DIR."""
    first = _first_week(settings)
    if settings.live:
        return first or LIVE_FIRST_WEEK, None
    try:
        weeks = ReplaySource(settings.replay_dir).weeks()
    except SpotifySourceError:
        weeks = []  # the run names the problem (a misnamed week folder); the code location still loads
    if not weeks:
        return first or LIVE_FIRST_WEEK, None
    if first is not None and first > weeks[-1]:
        raise PartitionSettingsError(
            f"SPOTIFY_ASSETS_FIRST_WEEK={first} is after the last week of SPOTIFY_REPLAY_DIR={settings.replay_dir} "
            f"({weeks[-1]}): no week would be left to replay. Set an earlier first week, or unset it."
        )
    return first or weeks[0], weeks[-1]


def _first_week(settings: Settings) -> str | None:
    """SPOTIFY_ASSETS_FIRST_WEEK, checked; else the first chart week when it comes before the
    mode's default (None: the default, decided by partition_weeks)."""
    first = settings.first_week
    if first is not None:
        try:
            week_bounds(first)
        except ValueError as error:
            raise PartitionSettingsError(f"SPOTIFY_ASSETS_FIRST_WEEK={first}: {error}") from None
        return first
    charts = first_chart_week(settings)
    if charts is None:
        return None
    if settings.live:
        default = LIVE_FIRST_WEEK
    else:
        try:
            default = (ReplaySource(settings.replay_dir).weeks() or [None])[0]
        except SpotifySourceError:
            default = None
    return charts if default is None or charts < default else None


def build_weekly_partitions(
    first_week: str = LIVE_FIRST_WEEK, last_week: str | None = None
) -> dg.WeeklyPartitionsDefinition:
    """Every week from `first_week` to `last_week` (None: to the last completed one); every asset,
    check and the job share it."""
    # day_offset=1: weeks start on Monday (Dagster's default is Sunday); end_date excludes itself.
    return dg.WeeklyPartitionsDefinition(
        start_date=first_week,
        end_date=next_week(last_week) if last_week else None,
        day_offset=1,
        timezone="UTC",
        fmt="%Y-%m-%d",
    )
