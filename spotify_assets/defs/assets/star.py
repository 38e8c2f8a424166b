"""`star_schema`: the star a BI tool joins (docs/data-contract.md, The star schema), built week after
week beside the lake.

The dimensions are as-of snapshots: week W holds every version known up to W, so each week continues
the snapshot of the week before (a `TimeWindowPartitionMapping` with offsets -1, as `chart_history`
does). A run reads the stored snapshots of the week before its first week once, then builds its weeks
in order in memory: one run over many weeks writes the same files as one run per week. The facts are
built beside them and checked against them before anything is written.
"""

import dagster as dg
import pyarrow as pa

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.rules import unique_key
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES
from spotify_assets.star.rules import STAR_RULES
from spotify_assets.star.snapshots import StarHistoryError, snapshot_week, week_star

PREVIOUS_WEEK = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)
CHART_ENTRIES = "spotify_chart_entries"
SOURCES = ("playlists", "songs", "albums", "artists", "chart_movements", CHART_ENTRIES)

STAR_TABLES = {  # the dimensions first: Dagster wants a multi-asset's outputs after what they depend on
    "dim_week": "One row per week up to this one (the snapshot of the weeks known): week_start (the Monday, "
    "the week's key), week_end, ISO year and week, month, quarter and year (of the week's Thursday).",
    "dim_playlist": "Every version of every playlist known up to this week (type 2): name, owner, description, "
    "valid_from_week, valid_to_week (null while current), is_current; plus the 'unknown' member.",
    "dim_song": "Every version of every song known up to this week (type 2): name, duration, explicit, ISRC, "
    "album_id, first artist_id and artist_ids, with valid_from_week, valid_to_week, is_current; plus the "
    "'unknown' member.",
    "dim_album": "Every version of every album known up to this week (type 2): name, type, release date, "
    "total tracks, artist_ids, with valid_from_week, valid_to_week, is_current; plus the 'unknown' member.",
    "dim_artist": "Every version of every artist known up to this week (type 2): name and URL, with "
    "valid_from_week, valid_to_week, is_current; plus the 'unknown' member.",
    "bridge_song_artist": "Every artist of every version of every song (song_id, artist_id, artist_position "
    "from 1), with the song version's validity: the join from a song to all its artists.",
    "fact_chart_entry": "One row per entry of a Spotify chart in the week, keyed like spotify_chart_entries by "
    "(chart, rank): region, chart_date, song_id, the song's album_id and first artist_id where a playlist "
    "made them known ('unknown' for a chart-only song), streams, previous_rank, peak_rank, weeks_on_chart.",
    "fact_playlist_entry": "One row per song on a playlist in the week, keyed like songs by (playlist_id, "
    "position): song_id, album_id, artist_id (first artist; 'unknown' when missing), duration_ms, explicit, "
    "popularity, and the song's chart_status, chart_change, weeks_on_chart and peak_position on the "
    "playlist's chart (chart_movements).",
}


def _deps(name: str) -> list:
    if name in SNAPSHOT_TABLES:
        return [dg.AssetDep(name, partition_mapping=PREVIOUS_WEEK), *SOURCES]
    return [*SNAPSHOT_TABLES, *SOURCES]


def _snapshots_before(lake: LakeStorage, first_week: str) -> dict[str, pa.Table | None]:
    songs_weeks = lake.list_weeks("songs")
    previous: dict[str, pa.Table | None] = {}
    for table in SNAPSHOT_TABLES:
        try:
            week = snapshot_week(first_week, lake.list_weeks(table), songs_weeks)
        except StarHistoryError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error
        previous[table] = None if week is None else lake.read_weeks(table, [week], with_week=False)
    return previous


def build_star_schema(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The star's dimensions, bridge and facts over `partitions`."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                name,
                description=description,
                deps=_deps(name),
                group_name="star",
                kinds={"pyarrow", "parquet"},
                owners=OWNERS,
            ).with_io_manager_key("io_manager")
            for name, description in STAR_TABLES.items()
        ],
        # the charts are read from the lake, not loaded: a week whose charts were never ingested (a run of
        # `raw_playlist*`) has chart facts empty instead of failing
        ins={name: dg.AssetIn() for name in SOURCES if name != CHART_ENTRIES},
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[
            *(spec for name in STAR_TABLES for spec in check_specs(name, partitions)),
            *(
                spec
                for fact in ("fact_playlist_entry", "fact_chart_entry")
                for spec in check_specs(fact, partitions, STAR_RULES)
            ),
        ],
    )
    def star_schema(
        context: dg.AssetExecutionContext,
        lake: LakeStorage,
        playlists: pa.Table,
        songs: pa.Table,
        albums: pa.Table,
        artists: pa.Table,
        chart_movements: pa.Table,
    ):
        """The star's dimension snapshots, bridge and facts, week after week from the snapshots stored
        for the week before the run; every fact key is checked against the week's dimensions."""
        weeks = sorted(context.partition_keys)
        previous = _snapshots_before(lake, weeks[0])
        if previous["dim_song"] is None:
            context.log.info(f"no star snapshot before {weeks[0]}: the dimensions start this week")
        inputs = {"playlists": playlists, "songs": songs, "albums": albums, "artists": artists}
        charts = lake.read_weeks(CHART_ENTRIES, weeks, with_week=True, missing="skip")
        unread = sorted(set(weeks) - set(lake.list_weeks(CHART_ENTRIES)))
        if unread:
            context.log.warning(
                f"{CHART_ENTRIES} has no stored week {', '.join(unread)}: fact_chart_entry is "
                "empty there. Materialize the spotify_charts group for those weeks, then the star again."
            )
        inputs |= {"chart_movements": chart_movements, CHART_ENTRIES: charts}
        by_week = {name: split_weeks(table, weeks) for name, table in inputs.items()}
        built, outcomes = {}, {}
        for week in weeks:
            sources = {name: tables[week] for name, tables in by_week.items()}
            built[week], rules = week_star(week, sources, previous)
            previous = {table: built[week][table] for table in SNAPSHOT_TABLES}
            outcomes[week] = [*(unique_key(name, built[week][name]) for name in STAR_TABLES), *rules]
            current = sum(built[week]["dim_song"]["is_current"].to_pylist())
            context.add_asset_metadata(
                {"versions": built[week]["dim_song"].num_rows, "current_songs": current},
                asset_key="dim_song",
                partition_key=week,
            )
        outputs = [
            dg.Output(join_weeks(context, {week: tables[name] for week, tables in built.items()}), output_name=name)
            for name in STAR_TABLES
        ]
        yield from emit(context, outcomes, outputs)

    return star_schema
