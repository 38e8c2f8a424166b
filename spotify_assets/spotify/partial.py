"""A live week that may be partial (docs/decisions.md, decision 8): one failing playlist does not
lose the others.

The playlists that were read are stored; the ones that failed are missing, each with the error
that names it and the fix, and `raw_playlist`'s warning check `all_playlists_extracted` lists them.
Materializing the week again (while the API still serves it, `max_week_age_days`) fetches only the
missing playlists and keeps the stored ones as they are. The week fails whole, and nothing is
written, when every playlist asked for failed, or when a failure is not the playlist's own
(`errors.fails_the_week`: refused credentials, a Spotify editorial playlist).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.spotify.errors import SpotifySourceError, WeekFetchError, fails_the_week

WHY_IT_FAILS_WHOLE = (
    "A refused credential or a Spotify editorial playlist fails the whole week, since every playlist "
    "or every week would fail the same way: fix it as said below and run the week again."
)


class PlaylistFetcher(Protocol):
    """What `extract_week` needs of the live source (`LiveSource`)."""

    def playlists_to_fetch(self, week: str, playlist_ids: Sequence[str] | None = None) -> list[str]: ...

    def fetch_playlists(
        self, ids: Sequence[str], previous: Mapping[str, PlaylistSnapshot] | None = None
    ) -> tuple[dict[str, PlaylistSnapshot], dict[str, SpotifySourceError]]: ...


@dataclass(frozen=True)
class WeekExtraction:
    """One live week as it will be stored."""

    week: str
    snapshots: list[PlaylistSnapshot]  # in the order asked for: what `raw_playlist` stores
    missing: dict[str, SpotifySourceError] = field(default_factory=dict)  # failed, not stored
    kept: list[str] = field(default_factory=list)  # taken from the stored week without a request
    fetched: list[str] = field(default_factory=list)
    # stored that week before; fetching it again failed, so the stored snapshot is kept
    refetch_failed: dict[str, SpotifySourceError] = field(default_factory=dict)

    @property
    def reasons(self) -> dict[str, str]:
        """Each missing playlist's reason, naming it and the fix."""
        return {pid: str(error) for pid, error in self.missing.items()}


def plan_week(wanted: Sequence[str], stored_week: Mapping[str, PlaylistSnapshot]) -> tuple[list[str], list[str]]:
    """(to fetch, to keep from the stored week). A stored week that lacks some of the playlists
    asked for is incomplete: only those are fetched. A complete or absent week is fetched whole
    (a playlist whose snapshot id is unchanged still costs one request, decision 6)."""
    missing = [pid for pid in wanted if pid not in stored_week]
    if stored_week and missing:
        return missing, [pid for pid in wanted if pid in stored_week]
    return list(wanted), []


def extract_week(
    source: PlaylistFetcher,
    week: str,
    playlist_ids: Sequence[str] | None,
    stored_week: Mapping[str, PlaylistSnapshot],
    previous: Mapping[str, PlaylistSnapshot] | None = None,
) -> WeekExtraction:
    """Extract `week` live, keeping what was read (see the module docstring).

    `stored_week`: the snapshots stored for this very week, by playlist id; `previous`: what an
    unchanged playlist may carry forward. Raises SpotifySourceError before any request for a week
    the API cannot describe or bad settings, and WeekFetchError when the week fails whole."""
    wanted = source.playlists_to_fetch(week, playlist_ids)
    to_fetch, kept = plan_week(wanted, stored_week)
    fetched, failures = source.fetch_playlists(to_fetch, previous)
    stored = sum(1 for pid in wanted if pid in stored_week)
    if any(fails_the_week(error) for error in failures.values()):
        raise WeekFetchError(week, failures, len(to_fetch), stored=stored, why=WHY_IT_FAILS_WHOLE)
    if not fetched:
        raise WeekFetchError(week, failures, len(to_fetch), stored=stored)
    refetch_failed = {pid: error for pid, error in failures.items() if pid in stored_week}
    missing = {pid: error for pid, error in failures.items() if pid not in stored_week}
    snapshots = [
        fetched[pid] if pid in fetched else stored_week[pid] for pid in wanted if pid in fetched or pid in stored_week
    ]
    return WeekExtraction(
        week,
        snapshots,
        missing=missing,
        kept=kept,
        fetched=[pid for pid in wanted if pid in fetched],
        refetch_failed=refetch_failed,
    )
