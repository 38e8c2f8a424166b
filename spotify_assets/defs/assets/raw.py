"""`raw_playlist`: the week's playlist responses, verbatim, one row per item."""

import dagster as dg
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN, join_weeks
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.defs.resources.spotify import SpotifyResource
from spotify_assets.lake.fingerprints import raw_fingerprint, with_fingerprints
from spotify_assets.lake.raw_records import raw_table, snapshots_from_raw
from spotify_assets.lake.rules import raw_outcomes
from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.spotify.errors import SpotifySourceError
from spotify_assets.spotify.partial import WeekExtraction, extract_week

# Every run that calls the Spotify API takes a slot of this pool (docs/decisions.md).
SPOTIFY_POOL = "spotify_api"


def _stored_week(lake: LakeStorage, week: str, stored: list[str]) -> dict[str, PlaylistSnapshot]:
    """The snapshots stored for `week` itself, by playlist id (empty when the week is not stored)."""
    if week not in stored:
        return {}
    raw = lake.read_weeks("raw_playlist", [week], missing="skip")
    return {snap.playlist_id: snap for snap in snapshots_from_raw(raw)}


def _previous(
    week: str, fetched: dict[str, list[PlaylistSnapshot]], lake: LakeStorage, stored: list[str], this_week: dict
) -> dict[str, PlaylistSnapshot]:
    """What a live extraction of `week` may carry forward: the newest stored snapshot of each
    playlist (the latest week before it in the lake, then the week itself when it is being
    re-materialized), overlaid by the ones this run extracted for earlier weeks."""
    previous: dict[str, PlaylistSnapshot] = {}
    for earlier in [w for w in stored if w < week][-1:]:
        raw = lake.read_weeks("raw_playlist", [earlier], missing="skip")
        previous.update((snap.playlist_id, snap) for snap in snapshots_from_raw(raw))
    previous.update(this_week)
    for earlier in sorted(w for w in fetched if w < week):
        previous.update((snap.playlist_id, snap) for snap in fetched[earlier])
    return previous


def _extract_live(context, source, week: str, playlist_ids, lake: LakeStorage, fetched) -> WeekExtraction:
    """One live week: the playlists that were read, and the missing ones logged with their reasons."""
    stored = lake.list_weeks("raw_playlist")
    this_week = _stored_week(lake, week, stored)
    extraction = extract_week(source, week, playlist_ids, this_week, _previous(week, fetched, lake, stored, this_week))
    if extraction.kept:
        context.log.info(
            f"week {week}: {len(extraction.kept)} playlists kept as stored that week, only the missing ones "
            f"fetched: {', '.join(extraction.fetched)}"
        )
    for pid, error in extraction.refetch_failed.items():
        context.log.warning(
            f"week {week}: kept the snapshot of {pid} stored that week before; fetching it again failed: {error}"
        )
    if extraction.missing:
        listing = "\n".join(f"- {pid}: {reason}" for pid, reason in extraction.reasons.items())
        context.log.warning(
            f"week {week}: {len(extraction.missing)} of {len(extraction.missing) + len(extraction.snapshots)} "
            f"playlists are missing; the others are stored. Fix each cause and materialize the week again to "
            f"fetch only these:\n{listing}"
        )
    return extraction


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
        current state, so only the current or the last completed week can be extracted live.

        Live, a playlist that fails does not lose the others: they are stored, and the warning
        check `all_playlists_extracted` lists the missing ones with their reasons. Materializing
        the week again fetches only those. The run fails when every playlist asked for failed, or
        on refused credentials or an editorial playlist (`spotify/partial.py`)."""
        weeks = context.partition_keys
        source, playlist_ids = spotify.source(), spotify.playlist_ids()
        live = spotify.mode == "live"
        lake.hold_weeks(weeks)  # this run writes these weeks: no other writer until it ends
        tables, outcomes, fetched = {}, {}, {}
        missing: dict[str, dict[str, str]] = {}
        for week in weeks:
            try:
                if live:
                    extraction = _extract_live(context, source, week, playlist_ids, lake, fetched)
                    snapshots = fetched[week] = extraction.snapshots
                    if extraction.missing:
                        missing[week] = extraction.reasons
                else:
                    snapshots = fetched[week] = source.fetch_week(week, playlist_ids, None)
            except SpotifySourceError as error:
                raise dg.Failure(description=f"week {week}: {error}", allow_retries=False) from error
            tables[week] = raw_table(snapshots)
            outcomes[week] = raw_outcomes(tables[week], missing.get(week))
            context.log.info(f"week {week}: {len(snapshots)} playlists, {tables[week].num_rows} items ({spotify.mode})")
            # each week's materialization describes that week only
            week_metadata = {
                "source": spotify.mode,
                "playlists": len(snapshots),
                "items": int(pc.sum(pc.is_valid(tables[week]["position"])).as_py() or 0),
            }
            if live:
                week_metadata["requests"] = source.last_fetch.requests
                week_metadata["carried_forward"] = list(source.last_fetch.carried_forward)
                # the playlists the week lacks, each with its reason (the warning check lists them too)
                week_metadata["missing_playlists"] = dg.MetadataValue.json(missing.get(week, {}))
            context.add_asset_metadata(week_metadata, partition_key=week)
        raw = with_fingerprints(join_weeks(context, tables), {w: raw_fingerprint(t) for w, t in tables.items()})
        yield from emit(context, outcomes, [dg.Output(raw)])

    return raw_playlist
