"""The protocol every playlist source implements; the value they return is
`spotify_assets.lake.snapshots.PlaylistSnapshot`."""

from collections.abc import Mapping, Sequence
from typing import Protocol

from spotify_assets.lake.snapshots import PlaylistSnapshot


class PlaylistSource(Protocol):
    """Returns every playlist of a week, complete and verbatim, or raises SpotifySourceError."""

    def fetch_week(
        self,
        week: str,
        playlist_ids: Sequence[str] | None = None,
        previous: Mapping[str, PlaylistSnapshot] | None = None,
    ) -> list[PlaylistSnapshot]:
        """`playlist_ids=None` means every playlist the source knows for that week.

        `previous` holds last week's stored snapshots by playlist id, so a live source can carry a
        playlist forward when its `snapshot_id` has not changed.
        """
        ...
