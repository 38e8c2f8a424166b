"""`PlaylistSnapshot`: one playlist as a source served it, the value every source returns and the
raw records store (docs/data-contract.md, Replay format)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PlaylistSnapshot:
    """One playlist as the API served it at `extracted_at`.

    `playlist` is the `GET /playlists/{id}` object verbatim except that the `items` list of its
    paging object (`items` in the 2026 shape, `tracks` in the legacy shape) is emptied out into
    `items`, which holds every entry of the playlist in order, verbatim.
    """

    playlist_id: str
    playlist: Mapping[str, Any]
    items: Sequence[Mapping[str, Any]]
    extracted_at: datetime
    # Where it came from, for error messages and the raw zone (a file path or "live"); never a secret.
    source: str

    @property
    def snapshot_id(self) -> str | None:
        return self.playlist.get("snapshot_id")
