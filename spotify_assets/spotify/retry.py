"""The live source's retry policy and shared rate limiter.

spotipy's own retries are off (its urllib3 retry honours any Retry-After, so a quota 429 with
`Retry-After: 3600` would hang a run for an hour). This module decides instead:

- 429 with `Retry-After` up to a cap: every worker waits that long, then the request is retried;
  beyond the cap it fails at once, naming the wait.
- 429 whose body says `QUOTA_EXCEEDED`: never retried.
- 5xx, timeouts and connection errors: jittered exponential backoff, a bounded number of times.
- 401: the access token is refreshed once and the request retried.
- anything else is returned to the caller to explain (404, 403, bad credentials).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests
from spotipy.exceptions import SpotifyException

from spotify_assets.spotify.auth import TokenEndpointError
from spotify_assets.spotify.errors import (
    QuotaExceededError,
    RateLimitedError,
    SpotifyCredentialsError,
    SpotifyUnavailableError,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_retry_after_s: float = 60.0
    # retries of one request (5xx, timeouts, connection errors, acceptable 429s), after the first try
    max_retries: int = 4
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0

    def backoff(self, retry_number: int, rng: Callable[[], float] = random.random) -> float:
        """Equal-jitter exponential backoff: half the step, plus up to another half at random."""
        step = min(self.backoff_max_s, self.backoff_base_s * 2**retry_number)
        return step / 2 + rng() * step / 2


DEFAULT_RETRY_POLICY = RetryPolicy()


class RateLimiter:
    """One per source, shared by every worker: a minimum interval between requests, and a pause
    that holds every worker back when the API answers a Retry-After."""

    def __init__(self, min_interval_s: float = 0.0, clock=time.monotonic, sleep=time.sleep):
        self.min_interval_s = min_interval_s
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until)
            self._next_slot = slot + self.min_interval_s
        if slot > now:
            self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


@dataclass(frozen=True)
class _Failure:
    kind: str  # "rate_limited", "quota", "server", "network", "unauthorized", "credentials", "other"
    status: int | None = None
    retry_after: float | None = None


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (delta-seconds or an HTTP date); None when absent or unreadable."""
    if value is None or not str(value).strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def classify(exc: BaseException) -> _Failure:
    if isinstance(exc, SpotifyException):
        status = exc.http_status
        if status == 429:
            if "QUOTA_EXCEEDED" in f"{exc.reason} {exc.msg}":
                return _Failure("quota", 429)
            headers = exc.headers or {}
            return _Failure("rate_limited", 429, retry_after_seconds(headers.get("Retry-After")))
        if status == 401:
            return _Failure("unauthorized", 401)
        if status is not None and status >= 500:
            return _Failure("server", status)
        return _Failure("other", status)
    if isinstance(exc, TokenEndpointError):
        if exc.status == 429:
            return _Failure("rate_limited", 429, retry_after_seconds(exc.retry_after))
        if exc.status is not None and exc.status >= 500:
            return _Failure("server", exc.status)
        return _Failure("credentials", exc.status)
    if isinstance(exc, requests.RequestException):
        return _Failure("network")
    return _Failure("other")


def call_with_retry(
    request: Callable[[], T],
    *,
    what: str,
    policy: RetryPolicy,
    limiter: RateLimiter,
    refresh_token: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    on_attempt: Callable[[], None] = lambda: None,
) -> T:
    """Run `request` (one HTTP request) under the policy. `what` names the request in errors,
    e.g. "playlist 3cEYpjA9oz9GiPac4AsH4n (page at offset 50)".

    Raises RateLimitedError, QuotaExceededError, SpotifyUnavailableError or SpotifyCredentialsError
    for outcomes this policy decides; any other error is re-raised for the caller to explain.
    """
    retries = 0
    refreshed = False
    while True:
        limiter.acquire()
        on_attempt()
        try:
            return request()
        except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not ours
            failure = classify(exc)
            if failure.kind == "quota":
                raise QuotaExceededError(
                    f"{what}: Spotify answered 429 QUOTA_EXCEEDED: the developer account's quota is "
                    "spent, so the request is not retried. Wait for the quota to reset, or ask for "
                    "extended quota mode in the Spotify developer dashboard."
                ) from None
            if failure.kind == "unauthorized":
                if refreshed:
                    raise SpotifyCredentialsError(
                        f"{what}: Spotify refused a freshly refreshed access token (401). Check "
                        "SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REFRESH_TOKEN."
                    ) from None
                refreshed = True
                refresh_token()
                continue
            if failure.kind not in ("rate_limited", "server", "network"):
                raise
            if failure.kind == "rate_limited" and failure.retry_after is not None:
                if failure.retry_after > policy.max_retry_after_s:
                    raise RateLimitedError(
                        f"{what}: Spotify rate-limited the app and asked to wait {failure.retry_after:.0f} s "
                        f"(Retry-After), longer than the {policy.max_retry_after_s:.0f} s this source "
                        "waits (max_retry_after_s). Run again after that wait, or raise max_retry_after_s."
                    ) from None
                wait = failure.retry_after
            else:
                wait = policy.backoff(retries, rng)
            if retries >= policy.max_retries:
                raise _exhausted(what, failure, exc, retries) from None
            retries += 1
            if failure.kind == "rate_limited":
                limiter.pause(wait)  # every worker waits, not just this one
            else:
                sleep(wait)


def _exhausted(what: str, failure: _Failure, exc: BaseException, retries: int) -> Exception:
    if failure.kind == "rate_limited":
        return RateLimitedError(
            f"{what}: Spotify still answered 429 (rate limited) after {retries} retries; run again later "
            "or lower max_workers."
        )
    cause = f"answered {failure.status}" if failure.status else f"could not be reached ({type(exc).__name__})"
    return SpotifyUnavailableError(
        f"{what}: Spotify {cause} on {retries + 1} attempts; it looks unavailable, run again later "
        "(SPOTIFY_API_URL / SPOTIFY_ACCOUNTS_URL point at the service if a proxy is in between)."
    )
