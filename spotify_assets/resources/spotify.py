"""`SpotifyResource`: picks the playlist source, live Spotify API or recorded replay."""

import dagster as dg

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

    @property
    def mode(self) -> str:
        return "live" if self.client_id and self.client_secret else "replay"

    def playlist_ids(self) -> list[str] | None:
        """The configured playlists (ids, URIs or URLs), or None for every playlist of the week."""
        if not self.playlists:
            return None
        return parse_playlist_ids(self.playlists.split(","))

    def source(self) -> PlaylistSource:
        if self.mode == "live":
            raise dg.Failure(
                "SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET are set, but this build has no live "
                "Spotify source yet. Unset them to replay recorded snapshots from SPOTIFY_REPLAY_DIR."
            )
        return ReplaySource(self.replay_dir)
