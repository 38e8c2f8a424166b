"""`SpotifyResource`: picks the playlist source, live Spotify API or recorded replay.

Its endpoints are not config fields: they come from `SPOTIFY_API_URL` and `SPOTIFY_ACCOUNTS_URL`
when a run sets the resource up, so no run config can send the secrets elsewhere
(docs/decisions.md, decision 45).
"""

import dagster as dg
from pydantic import Field

from spotify_assets.endpoints import EndpointRefusedError
from spotify_assets.spotify.endpoints import spotify_endpoints
from spotify_assets.spotify.ids import parse_playlist_ids
from spotify_assets.spotify.replay import ReplaySource
from spotify_assets.spotify.source import PlaylistSource


class SpotifyResource(dg.ConfigurableResource):
    """Live when a client id and secret are set, else replay from `replay_dir`.

    Secrets arrive as `dg.EnvVar`s: Dagster resolves them at run time and never shows their values.
    """

    replay_dir: str
    playlists: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None
    max_retry_after_s: float = Field(
        default=60, description="Longest Retry-After waited out; a longer one fails the week at once."
    )
    max_retries: int = Field(default=4, description="Retries of one request on 5xx, timeouts and 429s.")
    max_week_age_days: int = Field(
        default=7, description="Live extraction refuses weeks that ended longer ago than this."
    )
    max_workers: int = Field(default=4, description="Playlists fetched at the same time.")

    @property
    def mode(self) -> str:
        return "live" if self.client_id and self.client_secret else "replay"

    def playlist_ids(self) -> list[str] | None:
        """The configured playlists (ids, URIs or URLs), or None for every playlist of the week."""
        if not self.playlists:
            return None
        return parse_playlist_ids(self.playlists.split(","))

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # refuse a bad endpoint before any step runs, and so before any request leaves
        if self.mode == "live":
            self.endpoints()

    def endpoints(self) -> tuple[str, str]:
        """(Web API URL, accounts service URL), from the environment only."""
        try:
            return spotify_endpoints()
        except EndpointRefusedError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error

    def source(self) -> PlaylistSource:
        if self.mode == "live":
            # imported here: spotipy and requests would slow every load of the code location
            from spotify_assets.spotify.auth import Credentials
            from spotify_assets.spotify.client import LiveSource
            from spotify_assets.spotify.retry import RetryPolicy

            api_url, accounts_url = self.endpoints()
            return LiveSource(
                Credentials(self.client_id, self.client_secret, self.refresh_token),
                api_url=api_url,
                accounts_url=accounts_url,
                policy=RetryPolicy(max_retry_after_s=self.max_retry_after_s, max_retries=self.max_retries),
                max_week_age_days=self.max_week_age_days,
                max_workers=self.max_workers,
            )
        return ReplaySource(self.replay_dir)
