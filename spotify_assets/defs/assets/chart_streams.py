"""`spotify_chart_songs`, `song_streams` and `artist_streams`: the Spotify Charts joined to the
week's songs, and their streams week over week (docs/trends.md, Streams from the Spotify Charts).

Every table they read (`spotify_chart_entries`, `songs`, `artists`, last week's stored charts) is a
dependency read through the `lake` resource with missing weeks skipped, not an input the IO manager
loads: a week without playlists (no `songs` stored) still gets its streams; a run of the playlists
alone (`--select 'raw_playlist*'`, which reaches these assets through `songs`) does not fail on a
week whose charts were never ingested (its tables are then written empty, and the metadata says
so); and week over week needs last week's chart without making these assets depend on their own
previous week (which would cost a UI backfill a run of its own, as `chart_history` does).
"""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.rules import unique_key
from spotify_assets.lake.schemas import TABLE_SCHEMAS
from spotify_assets.trends.history import previous_week
from spotify_assets.trends.streams import ChartWeek, chart_songs, week_streams

ENTRIES = "spotify_chart_entries"


def _read_by_week(lake: LakeStorage, table: str, weeks: list[str]) -> dict[str, pa.Table]:
    """The stored weeks of `table` among `weeks` (a week stored empty too); a week never written is
    left out."""
    listed = set(lake.list_weeks(table))
    stored = [week for week in weeks if week in listed]
    if not stored:
        return {}
    return split_weeks(lake.read_weeks(table, stored, with_week=True), stored)


def _entries(context: dg.AssetExecutionContext, lake: LakeStorage, weeks: list[str]) -> dict[str, pa.Table | None]:
    """`spotify_chart_entries` of the run's weeks, None for a week never ingested (it is then
    written as a week without chart files), with a warning naming what to materialize."""
    stored = _read_by_week(lake, ENTRIES, weeks)
    missing = [week for week in weeks if week not in stored]
    if missing:
        context.log.warning(
            f"{ENTRIES} has no stored week {', '.join(missing)}: written as weeks without charts. Materialize the "
            f"spotify_charts group for them (the sensor or the weekly job does) to get their streams."
        )
    return {week: stored.get(week) for week in weeks}


def _or_empty(table: pa.Table | None, name: str) -> pa.Table:
    return table if table is not None else TABLE_SCHEMAS[name].empty_table()


def build_spotify_chart_songs(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`spotify_chart_songs` over `partitions`."""

    @dg.asset(
        deps=[ENTRIES, "songs"],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="spotify_charts",
        kinds={"pyarrow", "parquet"},
        owners=OWNERS,
        io_manager_key="io_manager",
        check_specs=check_specs("spotify_chart_songs", partitions),
    )
    def spotify_chart_songs(context: dg.AssetExecutionContext, lake: LakeStorage):
        """Every entry of the week's Spotify Charts, keyed by (chart, rank), with the album_id and
        artist_ids of its song where the week's songs have it (song_known), null where no followed
        playlist has it. A week without playlists (songs empty or never materialized) gets every
        entry with song_known false. Materialize it again after the week's songs change."""
        weeks = sorted(context.partition_keys)
        entries = _entries(context, lake, weeks)
        songs = _read_by_week(lake, "songs", weeks)
        built, outcomes = {}, {}
        for week in weeks:
            built[week] = chart_songs(_or_empty(entries[week], ENTRIES), songs.get(week))
            outcomes[week] = [unique_key("spotify_chart_songs", built[week])]
            known = pc.sum(built[week]["song_known"]).as_py() or 0
            context.add_asset_metadata(
                {
                    "entries": built[week].num_rows,
                    "songs_known": known,
                    "songs_stored": week in songs,
                    "entries_stored": entries[week] is not None,
                },
                partition_key=week,
            )
        yield from emit(context, outcomes, [dg.Output(join_weeks(context, built))])

    return spotify_chart_songs


STREAM_TABLES = {
    "song_streams": "One row per song on each Spotify Chart this week, keyed by (chart, song_id): its rank, "
    "streams and share of the chart's streams, and against last week's stored chart previous_rank, "
    "previous_streams, streams_change and is_new (all null when last week's chart is not stored). A song "
    "listed twice counts once, at its best rank; song_known says whether a followed playlist has it.",
    "artist_streams": "One row per artist credited on each Spotify Chart this week, keyed by (chart, credit): "
    "the songs and streams credited to it, its share of the chart's streams, and previous_streams, "
    "streams_change and is_new against last week's stored chart. A song's credits are its artist_ids where "
    "the week's songs (else last week's) know it, else the chart file's artist_names text as one credit; a "
    "song's streams count fully for each of its artists.",
}
STREAM_DEPS = [ENTRIES, "spotify_chart_songs", "artists"]


def build_chart_streams(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`song_streams` and `artist_streams` over `partitions`."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                name,
                description=description,
                deps=STREAM_DEPS,
                group_name="trends",
                kinds={"pyarrow", "parquet"},
                owners=OWNERS,
            ).with_io_manager_key("io_manager")
            for name, description in STREAM_TABLES.items()
        ],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[spec for name in STREAM_TABLES for spec in check_specs(name, partitions)],
    )
    def chart_streams(context: dg.AssetExecutionContext, lake: LakeStorage):
        """Streams per song and per credited artist of each Spotify Chart, week over week: each week
        is compared with the chart stored the week before (read from the lake for the run's first
        week)."""
        weeks = sorted(context.partition_keys)
        first = previous_week(weeks[0])  # the week before the run: stored, or nothing to compare with
        entries = _read_by_week(lake, ENTRIES, [first, *weeks])
        joined = _read_by_week(lake, "spotify_chart_songs", [first, *weeks])
        artists = _read_by_week(lake, "artists", [first, *weeks])
        built, outcomes = {}, {}
        for week in weeks:
            last = previous_week(week)
            before = ChartWeek(entries[last], joined.get(last), artists.get(last)) if last in entries else None
            this = ChartWeek(_or_empty(entries.get(week), ENTRIES), joined.get(week), artists.get(week))
            built[week] = week_streams(this, before)
            outcomes[week] = [unique_key(name, getattr(built[week], name)) for name in STREAM_TABLES]
            song_streams = built[week].song_streams
            context.add_asset_metadata(
                {
                    "charts": len(set(song_streams["chart"].to_pylist())),
                    "streams": pc.sum(song_streams["streams"]).as_py() or 0,
                    "new_songs": pc.sum(song_streams["is_new"]).as_py() or 0,
                    "compared_with": previous_week(week)
                    if pc.any(pc.is_valid(song_streams["is_new"])).as_py()
                    else "none",
                },
                asset_key="song_streams",
                partition_key=week,
            )
        outputs = [
            dg.Output(join_weeks(context, {w: getattr(t, name) for w, t in built.items()}), output_name=name)
            for name in STREAM_TABLES
        ]
        yield from emit(context, outcomes, outputs)

    return chart_streams
