"""A live week that may be partial (spotify/partial.py), with the real spotipy client against the
loopback server speaking the Spotify API."""

import pytest

from spotify_assets.spotify.errors import (
    PlaylistNotFoundError,
    SpotifyCredentialsError,
    SpotifyUnavailableError,
    WeekFetchError,
    WeekNotAvailableError,
)
from spotify_assets.spotify.partial import extract_week
from spotify_assets.spotify.retry import RetryPolicy
from spotify_assets_tests.spotify.fake_spotify import make_playlist
from spotify_assets_tests.spotify.test_live_source import EDITORIAL, WEEK, live

A, B, C = "1AAAAAAAAAAAAAAAAAAAAA", "2BBBBBBBBBBBBBBBBBBBBB", "3CCCCCCCCCCCCCCCCCCCCC"


@pytest.fixture
def two_of_three(fake_spotify):
    """A (60 items: two requests) and B (10) are served; C answers 404."""
    fake_spotify.add_playlist(make_playlist(A, 60))
    fake_spotify.add_playlist(make_playlist(B, 10))
    return fake_spotify


def test_a_404_leaves_that_playlist_missing_and_keeps_the_others(two_of_three):
    extraction = extract_week(live(two_of_three), WEEK, [A, B, C], stored_week={})

    assert [s.playlist_id for s in extraction.snapshots] == [A, B]
    assert [len(s.items) for s in extraction.snapshots] == [60, 10]
    assert set(extraction.missing) == {C} and isinstance(extraction.missing[C], PlaylistNotFoundError)
    reason = extraction.reasons[C]
    assert reason.startswith(f"playlist {C}: Spotify answered 404") and "Check the id in SPOTIFY_PLAYLISTS" in reason


def test_5xx_until_the_retries_are_exhausted_leaves_that_playlist_missing(two_of_three):
    two_of_three.add_playlist(make_playlist(C, 5))
    two_of_three.fault(f"/v1/playlists/{C}", 500, times=3)
    source = live(two_of_three, policy=RetryPolicy(max_retries=2, backoff_base_s=0.01))

    extraction = extract_week(source, WEEK, [A, B, C], stored_week={})

    assert [s.playlist_id for s in extraction.snapshots] == [A, B]
    assert isinstance(extraction.missing[C], SpotifyUnavailableError)
    assert "500 on 3 attempts" in extraction.reasons[C] and "run again later" in extraction.reasons[C]


def test_the_week_run_again_fetches_only_the_missing_playlist(two_of_three):
    first = extract_week(live(two_of_three), WEEK, [A, B, C], stored_week={})
    stored = {s.playlist_id: s for s in first.snapshots}
    two_of_three.add_playlist(make_playlist(C, 5))
    two_of_three.requests.clear()

    again = extract_week(live(two_of_three), WEEK, [A, B, C], stored_week=stored)

    assert [r.path for r in two_of_three.api_requests()] == [f"/v1/playlists/{C}"]
    assert [s.playlist_id for s in again.snapshots] == [A, B, C] and not again.missing
    assert again.kept == [A, B] and again.fetched == [C]
    assert again.snapshots[:2] == first.snapshots  # as stored, extraction time included


def test_a_complete_week_run_again_keeps_a_stored_playlist_that_now_fails(two_of_three):
    two_of_three.add_playlist(make_playlist(C, 5))
    first = extract_week(live(two_of_three), WEEK, [A, B, C], stored_week={})
    two_of_three.fault(f"/v1/playlists/{B}", 404)

    again = extract_week(live(two_of_three), WEEK, [A, B, C], stored_week={s.playlist_id: s for s in first.snapshots})

    assert [s.playlist_id for s in again.snapshots] == [A, B, C] and not again.missing
    assert set(again.refetch_failed) == {B} and again.snapshots[1] == first.snapshots[1]


def test_every_playlist_failing_fails_the_week_listing_each(fake_spotify):
    with pytest.raises(WeekFetchError) as raised:
        extract_week(live(fake_spotify), WEEK, [A, B, C], stored_week={})

    message = str(raised.value)
    assert "3 of 3 playlists could not be read" in message and "nothing of that week was written" in message
    for pid in (A, B, C):
        assert f"- {pid}: playlist {pid}: Spotify answered 404" in message


def test_refused_credentials_fail_the_week_even_when_some_playlists_were_read(two_of_three):
    two_of_three.add_playlist(make_playlist(C, 5))
    two_of_three.fault(f"/v1/playlists/{C}", 401, times=2)  # still 401 after the token is refreshed

    with pytest.raises(WeekFetchError) as raised:
        extract_week(live(two_of_three), WEEK, [A, B, C], stored_week={})

    assert isinstance(raised.value.failures[C], SpotifyCredentialsError)
    assert "1 of 3 playlists" in str(raised.value) and "fails the whole week" in str(raised.value)


def test_an_editorial_playlist_fails_the_week(two_of_three):
    with pytest.raises(WeekFetchError) as raised:
        extract_week(live(two_of_three), WEEK, [A, B, EDITORIAL], stored_week={})

    assert set(raised.value.failures) == {EDITORIAL}
    assert "2024-11-27" in str(raised.value) and "fails the whole week" in str(raised.value)


def test_a_week_too_old_is_refused_before_any_request(two_of_three):
    with pytest.raises(WeekNotAvailableError):
        extract_week(live(two_of_three), "2026-11-02", [A, B], stored_week={})
    assert two_of_three.requests == []
