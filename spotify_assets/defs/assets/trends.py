"""`chart_history`, `chart_movements` and `artist_trends`: what moved each week, from `songs`.

Weeks on chart, peaks and new-versus-re-entry are cumulative, so `chart_history` is a
self-dependent asset: each week depends on the week before (a `TimeWindowPartitionMapping` with
offsets -1). A run reads the stored history of the week before its first week once, then computes
its weeks in order, each from the one before, in memory; so one run over many weeks writes the same
files as one run per week. The other two tables are built beside `chart_history` from the same
week and depend on it with the identity mapping, which is what lets Dagster's backfill daemon put
all of them, for every week of a backfill, in a single run (Dagster 1.13 runs a self-dependent asset
in its own run, after the runs of its other parents: a UI backfill of raw-to-trends is two runs).
"""

from collections import Counter

import dagster as dg
import pyarrow as pa

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.trends.history import ALL_PLAYLISTS, ChartHistoryError, history_week, week_trends
from spotify_assets.trends.rules import TREND_RULES, trend_outcomes

PREVIOUS_WEEK = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)

TREND_TABLES = {  # chart_history first: the others depend on it and Dagster wants outputs in that order
    "chart_history": "Every song ever on a playlist's chart up to this week, keyed by (playlist_id, "
    "song_id): first and last week on it, weeks on chart, peak and last position. Each week is "
    "the week before plus this week's chart: the running state behind chart_movements.",
    "chart_movements": "One row per song on a playlist's chart this week or last week, keyed by "
    "(playlist_id, song_id): position (null on exit), previous_position (null when new or back), "
    "change = previous_position - position (positive = climbed), status (new: never on this playlist "
    "before; re-entry: on it in an earlier week but not last week; up, down, same; exit: on it last "
    "week, not this week), weeks_on_chart (weeks on this playlist so far, this one included; for an "
    "exit, as of last week) and peak_position (best position so far). A song listed twice in a week "
    "counts once, at its best position.",
    "artist_trends": "One row per artist and playlist on the chart this week or last week, plus one "
    "per artist over all playlists with playlist_id '*': appearances (songs crediting the artist, in "
    "any position of artist_ids), share of the playlist's songs, previous_appearances and "
    "appearances_change versus last week, is_new (first week the artist is on that playlist, or on any "
    "playlist for '*').",
}


def _history_before(lake: LakeStorage, first_week: str) -> pa.Table | None:
    try:
        source = history_week(first_week, lake.list_weeks("chart_history"), lake.list_weeks("songs"))
    except ChartHistoryError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    if source is None:
        return None
    return lake.read_weeks("chart_history", [source], with_week=False)


# chart_history(week) continues chart_history(week - 1); the other two are built beside it.
TREND_DEPS = {
    "chart_history": [dg.AssetDep("chart_history", partition_mapping=PREVIOUS_WEEK), "songs", "artists"],
    "chart_movements": ["chart_history", "songs", "artists"],
    "artist_trends": ["chart_history", "songs", "artists"],
}


def build_music_trends(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`chart_history`, `chart_movements` and `artist_trends` over `partitions`."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                name,
                description=description,
                deps=TREND_DEPS[name],
                group_name="trends",
                kinds={"pyarrow", "parquet"},
                owners=OWNERS,
            ).with_io_manager_key("io_manager")
            for name, description in TREND_TABLES.items()
        ],
        ins={"songs": dg.AssetIn(), "artists": dg.AssetIn()},
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[
            *(spec for name in TREND_TABLES for spec in check_specs(name, partitions)),
            *check_specs("chart_movements", partitions, TREND_RULES),
        ],
    )
    def music_trends(
        context: dg.AssetExecutionContext,
        lake: LakeStorage,
        songs: pa.Table,
        artists: pa.Table,
    ):
        """Chart movements, chart history and artist trends, week after week from the stored history
        of the week before the run."""
        weeks = sorted(context.partition_keys)
        history = _history_before(lake, weeks[0])
        if history is None:
            context.log.info(f"no chart history before {weeks[0]}: the history starts this week")
        songs_by_week, artists_by_week = split_weeks(songs, weeks), split_weeks(artists, weeks)
        built, outcomes = {}, {}
        for week in weeks:
            built[week] = week_trends(week, songs_by_week[week], artists_by_week[week], history)
            history = built[week].chart_history
            outcomes[week] = trend_outcomes(songs_by_week[week], built[week])
            statuses = Counter(built[week].chart_movements["status"].to_pylist())
            context.add_asset_metadata(
                {
                    "new_entries": statuses["new"],
                    "re_entries": statuses["re-entry"],
                    "exits": statuses["exit"],
                    "climbers": statuses["up"],
                    "fallers": statuses["down"],
                },
                asset_key="chart_movements",
                partition_key=week,
            )
            overall = [
                r
                for r in built[week].artist_trends.select(["playlist_id", "is_new"]).to_pylist()
                if r["playlist_id"] == ALL_PLAYLISTS
            ]
            context.add_asset_metadata(
                {"artists": len(overall), "new_artists": sum(r["is_new"] for r in overall)},
                asset_key="artist_trends",
                partition_key=week,
            )
        outputs = [
            dg.Output(
                join_weeks(context, {week: getattr(tables, name) for week, tables in built.items()}), output_name=name
            )
            for name in TREND_TABLES
        ]
        yield from emit(context, outcomes, outputs)

    return music_trends
