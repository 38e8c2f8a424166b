"""Access tokens for the live source: user auth from a refresh token, client credentials otherwise.

Tokens live in memory only (spotipy's `MemoryCacheHandler`): no `.cache` file is ever written.
Nothing here logs or raises a credential: spotipy's own debug logs carry the Basic header and the
refresh token, so `redact_spotipy_logs` filters them out of its loggers.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOAuth

from spotify_assets.endpoints import check_endpoint
from spotify_assets.spotify.endpoints import DEFAULT_ACCOUNTS_URL  # noqa: F401 - re-exported
from spotify_assets.spotify.errors import SpotifyCredentialsError

SCOPES = "playlist-read-private playlist-read-collaborative"
# Only used to build the auth manager for refreshing: a refresh never visits the redirect URI.
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8888/callback"


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)

    @property
    def mode(self) -> str:
        return "user" if self.refresh_token else "client credentials"

    def secrets(self) -> list[str]:
        return [s for s in (self.client_secret, self.refresh_token) if s]


class TokenEndpointError(Exception):
    """The accounts service answered an error. Carries its status; never the request."""

    def __init__(self, status: int | None, error: str | None, description: str | None, retry_after: str | None = None):
        self.status, self.error, self.description = status, error, description
        self.retry_after = retry_after  # the raw header
        super().__init__(f"token endpoint answered {status}: {error} ({description})")


class _RaisesTokenEndpointError:
    # spotipy turns every token endpoint error into SpotifyOauthError without the HTTP status;
    # the retry policy needs it (5xx and 429 are transient, 400/401 are bad credentials).
    def _handle_oauth_error(self, http_error):
        response = http_error.response
        try:
            body = response.json()
            error, description = body.get("error"), body.get("error_description")
        except ValueError:
            error, description = None, (response.text or None)
        raise TokenEndpointError(
            response.status_code, error, description, response.headers.get("Retry-After")
        ) from None


class _UserAuth(_RaisesTokenEndpointError, SpotifyOAuth):
    pass


class _AppAuth(_RaisesTokenEndpointError, SpotifyClientCredentials):
    pass


def token_url(accounts_url: str) -> str:
    return urljoin(accounts_url.rstrip("/") + "/", "api/token")


def authorize_url(accounts_url: str) -> str:
    return urljoin(accounts_url.rstrip("/") + "/", "authorize")


def user_auth_manager(
    creds: Credentials,
    accounts_url: str = DEFAULT_ACCOUNTS_URL,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    timeout: float = 10.0,
    token_info: dict | None = None,
) -> SpotifyOAuth:
    manager = _UserAuth(
        client_id=creds.client_id,
        client_secret=creds.client_secret,
        redirect_uri=redirect_uri,
        scope=SCOPES,
        requests_session=requests.Session(),
        requests_timeout=timeout,
        open_browser=False,
        cache_handler=MemoryCacheHandler(token_info),
    )
    # Instance attributes shadow spotipy's class constants, so other clients keep Spotify's URLs.
    manager.OAUTH_TOKEN_URL = token_url(accounts_url)
    manager.OAUTH_AUTHORIZE_URL = authorize_url(accounts_url)
    return manager


class AccessTokens:
    """A thread-safe token source that spotipy uses as its auth manager.

    Workers share one instance: a token is fetched (or refreshed) once, under a lock, and reused
    until it is about to expire or the API answers 401.
    """

    def __init__(self, creds: Credentials, accounts_url: str = DEFAULT_ACCOUNTS_URL, timeout: float = 10.0):
        named = (("SPOTIFY_CLIENT_ID", creds.client_id), ("SPOTIFY_CLIENT_SECRET", creds.client_secret))
        missing = [name for name, value in named if not value]
        if missing:
            raise SpotifyCredentialsError(
                f"the live source needs {' and '.join(missing)}: set {'it' if len(missing) == 1 else 'them'} "
                "in the environment or in .env"
            )
        check_endpoint("SPOTIFY_ACCOUNTS_URL", accounts_url)
        self.creds = creds
        self._lock = threading.Lock()
        self._refused: TokenEndpointError | None = None
        if creds.refresh_token:
            # An already-expired token holding the refresh token: the first use refreshes it.
            seed = {"access_token": "", "refresh_token": creds.refresh_token, "expires_at": 0, "scope": SCOPES}
            self._manager = user_auth_manager(creds, accounts_url, timeout=timeout, token_info=seed)
        else:
            self._manager = _AppAuth(
                client_id=creds.client_id,
                client_secret=creds.client_secret,
                requests_session=requests.Session(),
                requests_timeout=timeout,
                cache_handler=MemoryCacheHandler(),
            )
            self._manager.OAUTH_TOKEN_URL = token_url(accounts_url)
        redact_spotipy_logs(creds.secrets())

    def get_access_token(self, as_dict: bool = False) -> str:
        with self._lock:
            if self._refused is not None:
                raise self._refused  # the credentials will not work better for the next playlist
            try:
                if self.creds.refresh_token:
                    info = self._manager.validate_token(self._manager.cache_handler.get_cached_token())
                    return info["access_token"]
                return self._manager.get_access_token(as_dict=False)
            except TokenEndpointError as err:
                if err.status in (400, 401):
                    self._refused = err
                raise

    def refresh(self) -> None:
        """Forget the current access token (after a 401): the next call fetches a new one."""
        with self._lock:
            cached = self._manager.cache_handler.get_cached_token() or {}
            self._manager.cache_handler.save_token_to_cache({**cached, "expires_at": 0})


def credentials_error(err: TokenEndpointError, creds: Credentials) -> SpotifyCredentialsError:
    """Say which variable to check for a 400/401 of the token endpoint, never what it holds."""
    description = (err.description or "").lower()
    if err.error == "invalid_grant" and creds.refresh_token:
        what = (
            "SPOTIFY_REFRESH_TOKEN was refused (revoked, expired or issued to another app); get a new "
            "one with `spotify-assets-login` and put it in .env"
        )
    elif err.error == "invalid_client" and "secret" in description:
        what = "SPOTIFY_CLIENT_SECRET was refused; copy it again from the app's settings in the Spotify developer dashboard"
    elif err.error == "invalid_client":
        what = "SPOTIFY_CLIENT_ID was refused; copy it again from the app's settings in the Spotify developer dashboard"
    else:
        names = "SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET" + (", SPOTIFY_REFRESH_TOKEN" if creds.refresh_token else "")
        what = f"the credentials were refused; check {names}"
    detail = redact(f"{err.error}: {err.description}", creds.secrets())
    return SpotifyCredentialsError(
        f"Spotify's accounts service answered {err.status} ({detail}) for {creds.mode} auth: {what}"
    )


_AUTH_HEADER = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9+/=._~-]+")
_TOKEN_FIELD = re.compile(
    r"""(['"]?(?:access_token|refresh_token|code|client_secret)['"]?\s*[:=]\s*['"]?)[^'",&\s}]+"""
)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Replace known secrets, Authorization header values and token fields with ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _AUTH_HEADER.sub(r"\1 ***", text)
    return _TOKEN_FIELD.sub(r"\1***", text)


class _RedactingFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, sorted(self.secrets))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_FILTER = _RedactingFilter()


def redact_spotipy_logs(secrets: list[str]) -> None:
    """Keep tokens and credentials out of spotipy's log records (its debug logs print headers)."""
    _FILTER.secrets.update(secrets)
    for name in ("spotipy.client", "spotipy.oauth2", "spotipy.cache_handler"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
