"""`raw_playlist`: the week's playlist responses, verbatim, one row per item."""

import dagster as dg
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.defs.resources.spotify import SpotifyResource
from spotify_assets.lake.raw_records import raw_table, snapshots_from_raw
from spotify_assets.lake.rules import raw_outcomes
from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.spotify.errors import SpotifySourceError

# Every run that calls the Spotify API takes a slot of this pool (docs/decisions.md).
SPOTIFY_POOL = "spotify_api"


def _stored_snapshots(lake: LakeStorage, week: str) -> dict[str, PlaylistSnapshot]:
    """The newest stored snapshot of each playlist as of `week`: the week itself when it is being
    re-materialized, else the latest week before it in the lake."""
    stored = lake.list_weeks("raw_playlist")
    earlier = [w for w in stored if w < week][-1:]
    snapshots: dict[str, PlaylistSnapshot] = {}
    for source_week in earlier + ([week] if week in stored else []):
        raw = lake.read_weeks("raw_playlist", [source_week], missing="skip")
        snapshots.update((snap.playlist_id, snap) for snap in snapshots_from_raw(raw))
    return snapshots


def _previous(week: str, fetched: dict[str, list[PlaylistSnapshot]], lake: LakeStorage) -> dict[str, PlaylistSnapshot]:
    """What a live extraction of `week` may carry forward: the stored snapshots, overlaid by the
    ones this run extracted for earlier weeks."""
    previous = _stored_snapshots(lake, week)
    for earlier in sorted(w for w in fetched if w < week):
        previous.update((snap.playlist_id, snap) for snap in fetched[earlier])
    return previous


def build_raw_playlist(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`raw_playlist` over `partitions`."""

    @dg.asset(
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        pool=SPOTIFY_POOL,
        group_name="ingest",
        kinds={"spotify", "parquet"},
        owners=OWNERS,
        check_specs=check_specs("raw_playlist", partitions),
    )
    def raw_playlist(context: dg.AssetExecutionContext, spotify: SpotifyResource, lake: LakeStorage):
        """Every followed playlist as Spotify served it that week: one row per item with the item's
        JSON verbatim and the playlist object (without its items), its snapshot id and when it was
        extracted. Null tracks, local files and podcast episodes are kept here. Every curated table
        is rebuilt from this asset alone.

        Live, a playlist whose snapshot id has not changed since its last stored snapshot costs one
        request: its items are carried forward from that snapshot. The live API serves only the
        current state, so only the current or the last completed week can be extracted live."""
        weeks = context.partition_keys
        source, playlist_ids = spotify.source(), spotify.playlist_ids()
        live = spotify.mode == "live"
        tables, outcomes, fetched = {}, {}, {}
        requests, carried_forward = 0, []
        for week in weeks:
            previous = _previous(week, fetched, lake) if live else None
            try:
                snapshots = fetched[week] = source.fetch_week(week, playlist_ids, previous)
            except SpotifySourceError as error:
                raise dg.Failure(description=f"week {week}: {error}", allow_retries=False) from error
            if live:
                requests += source.last_fetch.requests
                carried_forward += [pid for pid in source.last_fetch.carried_forward if pid not in carried_forward]
            tables[week] = raw_table(snapshots)
            outcomes[week] = raw_outcomes(tables[week])
            context.log.info(f"week {week}: {len(snapshots)} playlists, {tables[week].num_rows} items ({spotify.mode})")
        raw = join_weeks(context, tables)
        metadata = {
            "source": spotify.mode,
            "playlists": len(pc.unique(raw["playlist_id"])) if raw.num_rows else 0,
            "items": int(pc.sum(pc.is_valid(raw["position"])).as_py() or 0),
        }
        if live:
            metadata["requests"] = requests
            metadata["carried_forward"] = carried_forward
        yield from emit(context, outcomes, [dg.Output(raw, metadata=metadata)])

    return raw_playlist
