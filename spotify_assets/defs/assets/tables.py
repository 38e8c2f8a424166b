"""`playlists`, `songs`, `albums`, `artists` and `rejected_items`: the curated weekly tables, from one parse of raw."""

import dagster as dg
import pyarrow as pa

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks, split_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.lake.fingerprints import raw_fingerprint, with_fingerprints
from spotify_assets.lake.items import RawDataError
from spotify_assets.lake.rules import week_outcomes
from spotify_assets.lake.transform import week_tables

TABLES = {
    "playlists": "One row per followed playlist and week: name, owner, description, followers "
    "(null where the API no longer sends them), snapshot id, the playlist's total items, how many "
    "of them are songs and how many were skipped (null tracks, local files, episodes).",
    "songs": "One row per song on a playlist in a week, keyed by (playlist_id, position), position "
    "being the 1-based rank. A track listed twice gives two rows. `artist_id` is the track's first "
    "artist (not the album's), `artist_ids` all of them in order; popularity is null on the 2026 API.",
    "albums": "One row per album seen in the week's songs: type, release date (a year-precision "
    "'1998' becomes 1998-01-01; the precision is kept), total tracks and the album's artists.",
    "artists": "One row per artist seen in the week, as a track artist or an album artist, with "
    "the open.spotify.com link.",
    "rejected_items": "One row per raw item of the week whose fields cannot be typed as the data contract "
    'says (e.g. duration_ms "abc", 215000.7 or NaN, a track that is not an object, an empty artists list): '
    "playlist_id, position, the reason naming the field and the value sent, and the item's JSON. The item "
    "stays in raw_playlist and is left out of songs, albums and artists (counted in playlists.items_skipped); "
    "the warning check no_rejected_items counts them. Once the transform accepts it, materialize the week "
    "again: the tables are rebuilt from raw.",
}


def build_lake_tables(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`playlists`, `songs`, `albums`, `artists` and `rejected_items` over `partitions`."""

    @dg.multi_asset(
        outs={
            name: dg.AssetOut(
                description=description,
                group_name="lake",
                kinds={"pyarrow", "parquet"},
                owners=OWNERS,
                is_required=True,
            )
            for name, description in TABLES.items()
        },
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        check_specs=[spec for name in TABLES for spec in check_specs(name, partitions)],
    )
    def lake_tables(context: dg.AssetExecutionContext, raw_playlist: pa.Table):
        """Parses each raw week once and builds the curated tables from it; items that cannot be typed
        go to `rejected_items` instead of failing the week."""
        weeks = context.partition_keys
        built, outcomes, fingerprints = {}, {}, {}
        for week, raw in split_weeks(raw_playlist, weeks).items():
            try:
                built[week] = week_tables(raw)
            except RawDataError as error:
                raise dg.Failure(
                    description=f"week {week}: raw_playlist: {error}. The stored raw week is kept as it is; "
                    f"{', '.join(TABLES)} were not rebuilt for any week of this run.",
                    allow_retries=False,
                ) from error
            outcomes[week] = week_outcomes(built[week])
            fingerprints[week] = raw_fingerprint(raw)  # each file records the raw week it was built from
        outputs = [
            dg.Output(
                with_fingerprints(
                    join_weeks(context, {week: getattr(tables, name) for week, tables in built.items()}), fingerprints
                ),
                output_name=name,
            )
            for name in TABLES
        ]
        yield from emit(context, outcomes, outputs)

    return lake_tables
