"""The live playlist source: the Spotify Web API through spotipy, as it behaves in 2026.

Per playlist: one `GET /playlists/{id}` (metadata and the first page, `fields=`-filtered), then
`GET /playlists/{id}/items?limit=50` from where that page stopped, following `next` to the end.
When the `snapshot_id` equals last week's, the pages are not fetched: last week's items carry
forward. Playlists are fetched concurrently by a bounded pool sharing one rate limiter; each
failure is explained naming the playlist and the fix. `fetch_week` fails the week if any playlist
fails; `spotify/partial.py` keeps the ones that were read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests
import spotipy
from spotipy.exceptions import SpotifyException

from spotify_assets.endpoints import check_endpoint
from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.lake.weeks import week_bounds
from spotify_assets.spotify import fields
from spotify_assets.spotify.auth import (
    AccessTokens,
    Credentials,
    TokenEndpointError,
    credentials_error,
    redact,
)
from spotify_assets.spotify.endpoints import DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL
from spotify_assets.spotify.errors import (
    EditorialPlaylistError,
    PlaylistForbiddenError,
    PlaylistNotFoundError,
    SnapshotFormatError,
    SpotifySourceError,
    SpotifyUnavailableError,
    WeekFetchError,
    WeekNotAvailableError,
)
from spotify_assets.spotify.ids import is_editorial, parse_playlist_ids
from spotify_assets.spotify.retry import DEFAULT_RETRY_POLICY, RateLimiter, RetryPolicy, call_with_retry

PAGE_LIMIT = 50  # the most `/playlists/{id}/items` serves per page
ADDITIONAL_TYPES = ("track", "episode")
SOURCE = "live"


@dataclass
class FetchReport:
    """What the last `fetch_week` cost: API requests sent (token requests excluded) and the
    playlists whose items were carried forward from the previous week."""

    requests: int = 0
    carried_forward: list[str] = field(default_factory=list)


def check_week_is_live(week: str, now: datetime, max_week_age_days: int) -> None:
    """The API serves only a playlist's current state: refuse weeks it cannot describe."""
    start, end = week_bounds(week)
    if now < start:
        raise WeekNotAvailableError(
            f"week {week} has not started yet (now is {now:%Y-%m-%d %H:%M} UTC): the live source reads "
            "a playlist's current state, so it extracts the current week or one that ended recently"
        )
    if now - end > timedelta(days=max_week_age_days):
        raise WeekNotAvailableError(
            f"week {week} ended on {end - timedelta(days=1):%Y-%m-%d}, more than {max_week_age_days} days "
            "ago, and the Spotify API only serves a playlist's current state: tables of past weeks are "
            "rebuilt from stored raw snapshots (re-materialize the tables, or replay recorded snapshots "
            "with SPOTIFY_REPLAY_DIR)"
        )


class LiveSource:
    """A `PlaylistSource` over the Spotify Web API (see the module docstring)."""

    def __init__(
        self,
        credentials: Credentials,
        playlists: Sequence[str] | None = None,
        *,
        api_url: str = DEFAULT_API_URL,
        accounts_url: str = DEFAULT_ACCOUNTS_URL,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        max_week_age_days: int = 7,
        max_workers: int = 4,
        requests_timeout_s: float = 10.0,
        min_request_interval_s: float = 0.05,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.credentials = credentials
        self.playlists = list(playlists) if playlists else None
        self.api_url = check_endpoint("SPOTIFY_API_URL", api_url).rstrip("/") + "/"
        self.policy = policy
        self.max_week_age_days = max_week_age_days
        self.max_workers = max(1, max_workers)
        self.requests_timeout_s = requests_timeout_s
        self._clock, self._sleep = clock, sleep
        self._tokens = AccessTokens(credentials, accounts_url, timeout=requests_timeout_s)
        self._limiter = RateLimiter(min_request_interval_s, sleep=sleep)
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self.last_fetch = FetchReport()

    # -- the protocol -------------------------------------------------------------------------

    def fetch_week(
        self,
        week: str,
        playlist_ids: Sequence[str] | None = None,
        previous: Mapping[str, PlaylistSnapshot] | None = None,
    ) -> list[PlaylistSnapshot]:
        """Every playlist of the week, or WeekFetchError naming each failed one (partial: partial.py)."""
        ids = self.playlists_to_fetch(week, playlist_ids)
        results, failures = self.fetch_playlists(ids, previous)
        if failures:
            raise WeekFetchError(week, failures, len(ids))
        return [results[pid] for pid in ids]

    def playlists_to_fetch(self, week: str, playlist_ids: Sequence[str] | None = None) -> list[str]:
        """The bare ids to fetch, or SpotifySourceError before any request (week too old, no playlists)."""
        check_week_is_live(week, self._clock(), self.max_week_age_days)
        wanted = playlist_ids if playlist_ids is not None else self.playlists
        if not wanted:
            raise SpotifySourceError(
                "the live source needs the playlists to read: set SPOTIFY_PLAYLISTS to comma-separated "
                "playlist ids, spotify:playlist: URIs or open.spotify.com URLs"
            )
        try:
            return parse_playlist_ids(wanted)
        except ValueError as err:
            raise SpotifySourceError(f"SPOTIFY_PLAYLISTS: {err}") from None

    def fetch_playlists(
        self, ids: Sequence[str], previous: Mapping[str, PlaylistSnapshot] | None = None
    ) -> tuple[dict[str, PlaylistSnapshot], dict[str, SpotifySourceError]]:
        """Fetch `ids` concurrently: the snapshots read, and each failed playlist's explained error."""
        previous, self.last_fetch = previous or {}, FetchReport()
        report, results, failures = self.last_fetch, {}, {}
        with ThreadPoolExecutor(max(1, min(self.max_workers, len(ids))), thread_name_prefix="spotify") as pool:
            futures = {pid: pool.submit(self._fetch_playlist, pid, previous.get(pid), report) for pid in ids}
            for pid, future in futures.items():
                try:
                    results[pid] = future.result()
                except Exception as exc:  # noqa: BLE001 - every failure is collected and explained
                    failures[pid] = self._explain(exc, pid)
        return results, failures

    # -- one playlist -------------------------------------------------------------------------

    def _fetch_playlist(self, pid: str, previous: PlaylistSnapshot | None, report: FetchReport) -> PlaylistSnapshot:
        sp = self._spotify(report)
        playlist = self._call(
            f"playlist {pid}",
            lambda: sp.playlist(pid, fields=fields.PLAYLIST, additional_types=ADDITIONAL_TYPES),
        )
        if not isinstance(playlist, dict):
            raise SnapshotFormatError(f"playlist {pid}: the API answered something that is not a playlist object")
        key = "items" if isinstance(playlist.get("items"), dict) else "tracks"
        paging = playlist.get(key)
        if not isinstance(paging, dict):
            raise SnapshotFormatError(
                f"playlist {pid}: the playlist response holds neither an `items` nor a `tracks` paging object"
            )

        snapshot_id = playlist.get("snapshot_id")
        if previous is not None and snapshot_id and previous.snapshot_id == snapshot_id:
            # Unchanged since last week: one request, the embedded first page is dropped.
            items = list(previous.items)
            with self._count_lock:
                report.carried_forward.append(pid)
        else:
            items = list(paging.get("items") or [])
            next_url, requested = paging.get("next"), set()
            while next_url:
                offset = _offset_of(next_url, default=len(items))
                if offset in requested:
                    break  # a `next` pointing back: stop rather than loop; checks compare to `total`
                requested.add(offset)
                page = self._call(
                    f"playlist {pid} (items from offset {offset})",
                    lambda offset=offset: sp.playlist_items(
                        pid, fields=fields.PAGE, limit=PAGE_LIMIT, offset=offset, additional_types=ADDITIONAL_TYPES
                    ),
                )
                page_items = (page or {}).get("items") or []
                if not page_items:
                    break  # a `next` that serves nothing: stop rather than loop; checks compare to `total`
                items.extend(page_items)
                next_url = page.get("next")

        # The playlist without its items (as the replay source stores it); `next: null` because the
        # snapshot holds every item.
        metadata = {**playlist, key: {**{k: v for k, v in paging.items() if k != "items"}, "next": None}}
        return PlaylistSnapshot(
            playlist_id=pid, playlist=metadata, items=items, extracted_at=self._clock(), source=SOURCE
        )

    def _call(self, what: str, request: Callable[[], Any]) -> Any:
        return call_with_retry(
            request,
            what=what,
            policy=self.policy,
            limiter=self._limiter,
            refresh_token=self._tokens.refresh,
            sleep=self._sleep,
        )

    def _spotify(self, report: FetchReport) -> spotipy.Spotify:
        """One spotipy client per worker thread (a requests Session is not thread-safe), all
        sharing the token source and the rate limiter."""
        sp = getattr(self._local, "sp", None)
        if sp is None:
            # A plain Session: spotipy's own would retry 429/5xx in urllib3, honouring Retry-After
            # uncapped; with retries=0 urllib3 would still turn a 429 into a RetryError that loses
            # the Retry-After header and the body.
            session = requests.Session()
            sp = spotipy.Spotify(
                auth_manager=self._tokens,
                requests_session=session,
                requests_timeout=self.requests_timeout_s,
                retries=0,
                status_retries=0,
                backoff_factor=0,
            )
            sp.prefix = self.api_url
            self._local.sp = sp
            self._local.session = session
        session = self._local.session
        session.hooks["response"] = [lambda response, *args, **kwargs: self._count(report)]
        return sp

    def _count(self, report: FetchReport) -> None:
        with self._count_lock:
            report.requests += 1

    # -- errors an operator can act on ---------------------------------------------------------

    def _explain(self, exc: BaseException, pid: str) -> SpotifySourceError:
        if isinstance(exc, SpotifySourceError):
            return exc
        if isinstance(exc, TokenEndpointError):
            err = credentials_error(exc, self.credentials)
            return type(err)(f"playlist {pid}: {err}")
        if isinstance(exc, SpotifyException):
            detail = _api_message(exc)
            if exc.http_status == 404 and is_editorial(pid):
                return EditorialPlaylistError(
                    f"playlist {pid}: Spotify answered 404. It is a Spotify-owned editorial or algorithmic "
                    "playlist (id starting 37i9dQZ), which the Web API has not served to development-mode "
                    "apps since 2024-11-27. Follow a copy you own instead: in the Spotify app, add its songs "
                    "to a new playlist of yours and put that playlist's id in SPOTIFY_PLAYLISTS."
                )
            if exc.http_status == 404:
                return PlaylistNotFoundError(
                    f"playlist {pid}: Spotify answered 404 ({detail}): it does not exist or is not visible "
                    f"to this account ({self.credentials.mode} auth). Check the id in SPOTIFY_PLAYLISTS; a "
                    "private playlist needs user auth (SPOTIFY_REFRESH_TOKEN) by an account that can see it."
                )
            if exc.http_status == 403:
                return PlaylistForbiddenError(
                    f"playlist {pid}: Spotify answered 403 ({detail}). Since 2026 a development-mode app "
                    "reads the items of a playlist only when the authenticated account owns or collaborates "
                    "on it, and only while the app owner has Spotify Premium. Use a playlist you own or "
                    "collaborate on (or a copy of this one), with user auth: SPOTIFY_REFRESH_TOKEN from "
                    "`spotify-assets-login`."
                )
            if exc.http_status == 400:
                return SpotifySourceError(f"playlist {pid}: Spotify refused the request with 400 ({detail})")
            return SpotifyUnavailableError(f"playlist {pid}: Spotify answered {exc.http_status} ({detail})")
        if isinstance(exc, requests.RequestException):
            return SpotifyUnavailableError(f"playlist {pid}: the request failed ({type(exc).__name__})")
        return SpotifySourceError(
            f"playlist {pid}: unexpected {type(exc).__name__}: {redact(str(exc), self.credentials.secrets())}"
        )


def _offset_of(next_url: str, default: int) -> int:
    """The offset a `next` URL continues from. The page request itself is rebuilt on the configured
    API URL, on `/items` with our `fields`: a proxied response's `next` points at Spotify, and a
    legacy playlist response's `next` points at `/tracks` (403 for development-mode apps since 2026)."""
    try:
        return int(parse_qs(urlparse(next_url).query)["offset"][0])
    except (KeyError, IndexError, ValueError):
        return default


def _api_message(exc: SpotifyException) -> str:
    # spotipy's msg is "<url>:\n <message>"; the URL (with its long fields filter) adds nothing.
    message = str(exc.msg).split(":\n", 1)[-1].strip()
    return message or "no message"
