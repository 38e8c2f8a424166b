"""Spotify's service URLs, in a module of their own: the resource's defaults need them without
importing spotipy and requests (which only a live run needs) when the code location loads."""

DEFAULT_API_URL = "https://api.spotify.com/v1/"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com/"
