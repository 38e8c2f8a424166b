"""`spotify_chart_songs`, `song_streams` and `artist_streams`: the Spotify Charts joined to the
week's songs, and their streams week over week (docs/trends.md, Streams from the Spotify Charts).

`songs`, `artists` and last week's stored charts are read through the `lake` resource with missing
weeks skipped, not loaded as inputs: a week without playlists (no `songs` stored) still gets its
streams, and week over week needs last week's chart without making these assets depend on their
own previous week (which would cost a UI backfill a run of its own, as `chart_history` does). A run
over many weeks reads the week before its first week from the lake, then uses its own weeks.
"""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.rules import unique_key
from spotify_assets.trends.history import previous_week
from spotify_assets.trends.streams import ChartWeek, chart_songs, week_streams

ENTRIES = "spotify_chart_entries"


def _read_by_week(lake: LakeStorage, table: str, weeks: list[str]) -> dict[str, pa.Table]:
    """The stored weeks of `table` among `weeks`; a week never written is left out."""
    data = lake.read_weeks(table, weeks, with_week=True, missing="skip")
    stored = set(data["week"].unique().to_pylist())
    return {week: tables for week, tables in split_weeks(data, weeks).items() if week in stored}


def build_spotify_chart_songs(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`spotify_chart_songs` over `partitions`."""

    @dg.asset(
        ins={ENTRIES: dg.AssetIn()},
        deps=["songs"],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="spotify_charts",
        kinds={"pyarrow", "parquet"},
        owners=OWNERS,
        io_manager_key="io_manager",
        check_specs=check_specs("spotify_chart_songs", partitions),
    )
    def spotify_chart_songs(context: dg.AssetExecutionContext, lake: LakeStorage, spotify_chart_entries: pa.Table):
        """Every entry of the week's Spotify Charts, keyed by (chart, rank), with the album_id and
        artist_ids of its song where the week's songs have it (song_known), null where no followed
        playlist has it. A week without playlists (songs empty or never materialized) gets every
        entry with song_known false. Materialize it again after the week's songs change."""
        weeks = sorted(context.partition_keys)
        entries = split_weeks(spotify_chart_entries, weeks)
        songs = _read_by_week(lake, "songs", weeks)
        built, outcomes = {}, {}
        for week in weeks:
            built[week] = chart_songs(entries[week], songs.get(week))
            outcomes[week] = [unique_key("spotify_chart_songs", built[week])]
            known = pc.sum(built[week]["song_known"]).as_py() or 0
            context.add_asset_metadata(
                {"entries": built[week].num_rows, "songs_known": known, "songs_stored": week in songs},
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
        ins={ENTRIES: dg.AssetIn(), "spotify_chart_songs": dg.AssetIn()},
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[spec for name in STREAM_TABLES for spec in check_specs(name, partitions)],
    )
    def chart_streams(
        context: dg.AssetExecutionContext,
        lake: LakeStorage,
        spotify_chart_entries: pa.Table,
        spotify_chart_songs: pa.Table,
    ):
        """Streams per song and per credited artist of each Spotify Chart, week over week: each week
        is compared with the chart stored the week before (read from the lake for the run's first
        week)."""
        weeks = sorted(context.partition_keys)
        entries = split_weeks(spotify_chart_entries, weeks)
        joined = split_weeks(spotify_chart_songs, weeks)
        artists = _read_by_week(lake, "artists", [previous_week(weeks[0]), *weeks])
        before = None
        first = previous_week(weeks[0])
        stored_entries = _read_by_week(lake, ENTRIES, [first])
        if first in stored_entries:
            stored_joined = _read_by_week(lake, "spotify_chart_songs", [first])
            before = ChartWeek(stored_entries[first], stored_joined.get(first), artists.get(first))
        else:
            context.log.info(f"no {ENTRIES} stored for {first}: week {weeks[0]} is compared with nothing")
        built, outcomes = {}, {}
        for week in weeks:
            this = ChartWeek(entries[week], joined[week], artists.get(week))
            built[week] = week_streams(this, before)
            before = this
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
