"""The shared rate limiter and Retry-After parsing (the policy itself is tested over HTTP in
test_live_source.py)."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from spotify_assets.spotify.retry import RateLimiter, RetryPolicy, retry_after_seconds


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_retry_after_holds_back_every_worker():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)

    limiter.pause(3)  # one worker got "Retry-After: 3"
    limiter.acquire()  # any worker's next request waits it out
    limiter.acquire()

    assert clock.sleeps == [3]


def test_requests_are_spaced_by_the_minimum_interval():
    clock = FakeClock()
    limiter = RateLimiter(min_interval_s=0.5, clock=clock, sleep=clock.sleep)

    for _ in range(3):
        limiter.acquire()

    assert clock.sleeps == [0.5, 0.5]


@pytest.mark.parametrize("value, seconds", [("1", 1.0), ("0", 0.0), ("2.5", 2.5), (None, None), ("soon", None)])
def test_retry_after_in_seconds(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_retry_after_as_an_http_date():
    when = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 < retry_after_seconds(format_datetime(when, usegmt=True)) <= 120


def test_backoff_grows_with_jitter_and_is_capped():
    policy = RetryPolicy(backoff_base_s=1, backoff_max_s=8)
    assert [policy.backoff(n, rng=lambda: 0.0) for n in range(5)] == [0.5, 1, 2, 4, 4]
    assert [policy.backoff(n, rng=lambda: 1.0) for n in range(5)] == [1, 2, 4, 8, 8]
