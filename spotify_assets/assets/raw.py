"""`raw_playlist`: the week's playlist responses, verbatim, one row per item."""

import dagster as dg
import pyarrow.compute as pc

from spotify_assets.assets.common import OWNERS, PARTITIONS, SINGLE_RUN, join_weeks
from spotify_assets.checks import check_specs, emit
from spotify_assets.quality import raw_outcomes
from spotify_assets.raw_records import raw_table
from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.spotify.errors import SpotifySourceError

# Every run that calls the Spotify API takes a slot of this pool (DESIGN §5).
SPOTIFY_POOL = "spotify_api"


@dg.asset(
    partitions_def=PARTITIONS,
    backfill_policy=SINGLE_RUN,
    pool=SPOTIFY_POOL,
    group_name="ingest",
    kinds={"spotify", "parquet"},
    owners=OWNERS,
    check_specs=check_specs("raw_playlist"),
)
def raw_playlist(context: dg.AssetExecutionContext, spotify: SpotifyResource):
    """Every followed playlist as Spotify served it that week: one row per item with the item's
    JSON verbatim and the playlist object (without its items), its snapshot id and when it was
    extracted. Null tracks, local files and podcast episodes are kept here. Every curated table
    is rebuilt from this asset alone."""
    weeks = context.partition_keys
    source, playlist_ids = spotify.source(), spotify.playlist_ids()
    tables, outcomes = {}, {}
    for week in weeks:
        try:
            snapshots = source.fetch_week(week, playlist_ids)
        except SpotifySourceError as error:
            raise dg.Failure(description=f"week {week}: {error}", allow_retries=False) from error
        tables[week] = raw_table(snapshots)
        outcomes[week] = raw_outcomes(tables[week])
        context.log.info(f"week {week}: {len(snapshots)} playlists, {tables[week].num_rows} items ({spotify.mode})")
    raw = join_weeks(context, tables)
    metadata = {
        "source": spotify.mode,
        "playlists": len(pc.unique(raw["playlist_id"])) if raw.num_rows else 0,
        "items": int(pc.sum(pc.is_valid(raw["position"])).as_py() or 0),
    }
    yield from emit(context, outcomes, [dg.Output(raw, metadata=metadata)])


