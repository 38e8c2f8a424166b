"""Spotify's service URLs, in a module of their own: the resource's defaults need them without
importing spotipy and requests (which only a live run needs) when the code location loads.

A compatible endpoint or proxy comes from the environment only (`SPOTIFY_API_URL`,
`SPOTIFY_ACCOUNTS_URL`), never from run config, and must pass the endpoint rule of
`spotify_assets/endpoints.py`: the accounts service receives the client secret and the refresh
token, the Web API the access tokens.
"""

from collections.abc import Mapping

from spotify_assets.endpoints import endpoint_from_env

DEFAULT_API_URL = "https://api.spotify.com/v1/"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com/"


def spotify_endpoints(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(Web API URL, accounts service URL) from the environment, else Spotify's; each checked."""
    return (
        endpoint_from_env("SPOTIFY_API_URL", DEFAULT_API_URL, environ),
        endpoint_from_env("SPOTIFY_ACCOUNTS_URL", DEFAULT_ACCOUNTS_URL, environ),
    )
