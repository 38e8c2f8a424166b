"""The live source with the real spotipy client against a loopback server speaking the Spotify API."""

import logging
import math
import time
from datetime import UTC, datetime

import pytest

from spotify_assets.spotify.auth import Credentials
from spotify_assets.spotify.client import LiveSource
from spotify_assets.spotify.errors import (
    EditorialPlaylistError,
    PlaylistForbiddenError,
    PlaylistNotFoundError,
    QuotaExceededError,
    RateLimitedError,
    SpotifyCredentialsError,
    SpotifyUnavailableError,
    WeekFetchError,
    WeekNotAvailableError,
)
from spotify_assets.spotify.retry import RetryPolicy
from spotify_assets_tests.spotify.fake_spotify import make_playlist

WEEK = "2026-11-16"
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
PID = "3cEYpjA9oz9GiPac4AsH4n"
OTHER = "5ZzYwXvUtSrQpOnMlKjIhG"
EDITORIAL = "37i9dQZEVXbMDoHDwVN2tF"


def live(fake, refresh_token=True, sleeps=None, **kwargs) -> LiveSource:
    creds = Credentials(fake.client_id, fake.client_secret, fake.refresh_token if refresh_token else None)
    kwargs.setdefault("policy", RetryPolicy(backoff_base_s=0.01))

    def sleep(seconds):
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(seconds)

    return LiveSource(
        creds, api_url=fake.api_url, accounts_url=fake.accounts_url, clock=lambda: NOW, sleep=sleep, **kwargs
    )


def on(fake, path):
    return [r for r in fake.requests if r.path == path]


@pytest.mark.parametrize("shape, first_page", [("2026", 50), ("legacy", 100)])
def test_237_items_cost_one_request_plus_one_per_further_page_of_50(fake_spotify, shape, first_page):
    playlist = make_playlist(PID, 237)
    fake_spotify.add_playlist(playlist, shape=shape)
    source = live(fake_spotify)

    [snapshot] = source.fetch_week(WEEK, [PID])

    expected = 1 + math.ceil((237 - first_page) / 50)
    api = fake_spotify.api_requests()
    assert len(api) == expected == source.last_fetch.requests
    assert api[0].path == f"/v1/playlists/{PID}"
    assert [r.path for r in api[1:]] == [f"/v1/playlists/{PID}/items"] * (expected - 1)
    assert [int(r.query["offset"]) for r in api[1:]] == list(range(first_page, 237, 50))
    assert {r.query["limit"] for r in api[1:]} == {"50"}
    assert all("fields" in r.query for r in api)
    # every item, in order, in the shape the server used
    key = "item" if shape == "2026" else "track"
    assert [e[key]["id"] for e in snapshot.items] == [e["track"]["id"] for e in playlist["tracks"]["items"]]
    assert snapshot.snapshot_id == "snap-1" and snapshot.source == "live" and snapshot.extracted_at == NOW
    paging = snapshot.playlist["items" if shape == "2026" else "tracks"]
    assert "items" not in paging and paging["total"] == 237 and paging["next"] is None
    # what the raw zone keeps came over; the bulk did not
    track = snapshot.items[3][key]
    assert track["external_ids"] == {"isrc": "USRC00000003"} and track["album"]["release_date"] == "2024-03-01"
    assert "available_markets" not in track and "available_markets" not in track["album"]
    assert len(fake_spotify.token_requests()) == 1


def test_unchanged_snapshot_costs_exactly_one_request(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 237))
    [last_week] = live(fake_spotify).fetch_week(WEEK, [PID])
    fake_spotify.requests.clear()

    source = live(fake_spotify)
    [snapshot] = source.fetch_week(WEEK, [PID], previous={PID: last_week})

    assert [r.path for r in fake_spotify.api_requests()] == [f"/v1/playlists/{PID}"]
    assert source.last_fetch.requests == 1 and source.last_fetch.carried_forward == [PID]
    assert snapshot.items == last_week.items and snapshot.extracted_at == NOW


def test_changed_snapshot_fetches_every_page_again(fake_spotify):
    playlist = make_playlist(PID, 120)
    fake_spotify.add_playlist(playlist)
    [last_week] = live(fake_spotify).fetch_week(WEEK, [PID])
    fake_spotify.set_items(PID, playlist["tracks"]["items"][:110], snapshot_id="snap-2")
    fake_spotify.requests.clear()

    source = live(fake_spotify)
    [snapshot] = source.fetch_week(WEEK, [PID], previous={PID: last_week})

    assert len(fake_spotify.api_requests()) == 1 + math.ceil((110 - 50) / 50)
    assert len(snapshot.items) == 110 and source.last_fetch.carried_forward == []


def test_429_with_retry_after_1_waits_then_succeeds(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 120))
    fake_spotify.fault(f"/v1/playlists/{PID}/items", 429, retry_after=1)
    sleeps = []

    [snapshot] = live(fake_spotify, sleeps=sleeps).fetch_week(WEEK, [PID])

    assert len(snapshot.items) == 120
    assert [r.status for r in on(fake_spotify, f"/v1/playlists/{PID}/items")] == [429, 200, 200]
    assert max(sleeps) == pytest.approx(1, abs=0.05)  # the Retry-After, waited once


def test_429_with_retry_after_3600_fails_at_once_naming_the_wait(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    fake_spotify.fault(f"/v1/playlists/{PID}", 429, retry_after=3600)
    started = time.monotonic()

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [PID])

    assert time.monotonic() - started < 5  # a bound far below the wait: no sleep happens at all
    err = raised.value.failures[PID]
    assert isinstance(err, RateLimitedError)
    assert "3600 s" in str(err) and "Retry-After" in str(err) and PID in str(err)
    assert len(on(fake_spotify, f"/v1/playlists/{PID}")) == 1


def test_retry_after_cap_is_configurable(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    fake_spotify.fault(f"/v1/playlists/{PID}", 429, retry_after=2)

    with pytest.raises(WeekFetchError, match=r"wait 2 s .*longer than the 1 s"):
        live(fake_spotify, policy=RetryPolicy(max_retry_after_s=1)).fetch_week(WEEK, [PID])


def test_quota_exceeded_is_not_retried(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    fake_spotify.quota_exceeded(f"/v1/playlists/{PID}")

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify, policy=RetryPolicy(max_retry_after_s=7200)).fetch_week(WEEK, [PID])

    err = raised.value.failures[PID]
    assert isinstance(err, QuotaExceededError) and "quota is spent" in str(err) and PID in str(err)
    assert len(on(fake_spotify, f"/v1/playlists/{PID}")) == 1


def test_two_500s_then_success(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 30))
    fake_spotify.fault(f"/v1/playlists/{PID}", 500, times=2)

    [snapshot] = live(fake_spotify).fetch_week(WEEK, [PID])

    assert len(snapshot.items) == 30
    assert [r.status for r in on(fake_spotify, f"/v1/playlists/{PID}")] == [500, 500, 200]


def test_5xx_retries_are_bounded(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 30))
    fake_spotify.fault(f"/v1/playlists/{PID}", 503, times=10)

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify, policy=RetryPolicy(max_retries=2, backoff_base_s=0.01)).fetch_week(WEEK, [PID])

    assert isinstance(raised.value.failures[PID], SpotifyUnavailableError)
    assert "503 on 3 attempts" in str(raised.value)
    assert len(on(fake_spotify, f"/v1/playlists/{PID}")) == 3


def test_timeouts_are_retried(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 30))
    fake_spotify.fault(f"/v1/playlists/{PID}", 200, delay_s=1.0)  # answers after the client gave up

    [snapshot] = live(fake_spotify, requests_timeout_s=0.3).fetch_week(WEEK, [PID])

    assert len(snapshot.items) == 30
    assert len(on(fake_spotify, f"/v1/playlists/{PID}")) == 2


def test_404_on_an_editorial_playlist_says_why_and_what_to_do(fake_spotify):
    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [EDITORIAL])

    err = raised.value.failures[EDITORIAL]
    assert isinstance(err, EditorialPlaylistError)
    assert EDITORIAL in str(err) and "2024-11-27" in str(err) and "copy" in str(err)
    assert len(fake_spotify.api_requests()) == 1


def test_404_on_another_playlist(fake_spotify):
    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [PID])

    err = raised.value.failures[PID]
    assert isinstance(err, PlaylistNotFoundError) and not isinstance(err, EditorialPlaylistError)
    assert PID in str(err) and "not visible to this account" in str(err)


def test_403_on_items_says_own_or_collaborate(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 80))
    fake_spotify.fault(f"/v1/playlists/{PID}/items", 403)

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [PID])

    err = raised.value.failures[PID]
    assert isinstance(err, PlaylistForbiddenError)
    assert PID in str(err) and "owns or collaborates" in str(err) and "Premium" in str(err)
    assert len(on(fake_spotify, f"/v1/playlists/{PID}/items")) == 1


def test_401_refreshes_the_token_once_then_succeeds(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 80))
    fake_spotify.fault(f"/v1/playlists/{PID}/items", 401)

    [snapshot] = live(fake_spotify).fetch_week(WEEK, [PID])

    assert len(snapshot.items) == 80
    tokens = fake_spotify.token_requests()
    assert len(tokens) == 2 and all(r.status == 200 for r in tokens)
    first, second = on(fake_spotify, f"/v1/playlists/{PID}/items")
    assert (first.status, second.status) == (401, 200) and first.authorization != second.authorization


def test_401_after_a_refresh_is_a_credentials_error(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    fake_spotify.fault(f"/v1/playlists/{PID}", 401, times=2)

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [PID])

    assert isinstance(raised.value.failures[PID], SpotifyCredentialsError)
    assert len(fake_spotify.token_requests()) == 2


@pytest.mark.parametrize(
    "wrong, variable",
    [
        ("client_secret", "SPOTIFY_CLIENT_SECRET"),
        ("client_id", "SPOTIFY_CLIENT_ID"),
        ("refresh_token", "SPOTIFY_REFRESH_TOKEN"),
    ],
)
def test_refused_credentials_name_the_variable_not_its_value(fake_spotify, wrong, variable):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    given = {
        "client_id": fake_spotify.client_id,
        "client_secret": fake_spotify.client_secret,
        "refresh_token": fake_spotify.refresh_token,
        wrong: "wrong-value-7d1e",
    }
    fake_spotify.add_playlist(make_playlist(OTHER, 10))
    source = LiveSource(
        Credentials(**given), api_url=fake_spotify.api_url, accounts_url=fake_spotify.accounts_url, clock=lambda: NOW
    )

    with pytest.raises(WeekFetchError) as raised:
        source.fetch_week(WEEK, [PID, OTHER])

    err = raised.value.failures[PID]
    assert isinstance(err, SpotifyCredentialsError)
    assert variable in str(err) and PID in str(err)
    for value in given.values():
        if value != given["client_id"]:
            assert value not in str(raised.value)
    assert set(raised.value.failures) == {PID, OTHER}
    assert fake_spotify.api_requests() == []
    assert len(fake_spotify.token_requests()) == 1  # refused credentials are not tried again


def test_client_credentials_without_a_refresh_token(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))

    [snapshot] = live(fake_spotify, refresh_token=False).fetch_week(WEEK, [PID])

    assert len(snapshot.items) == 10 and len(fake_spotify.token_requests()) == 1


def test_failing_playlists_fail_the_week_with_one_error_naming_each(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 10))
    fake_spotify.add_playlist(make_playlist(OTHER, 60))
    fake_spotify.fault(f"/v1/playlists/{OTHER}/items", 403)

    with pytest.raises(WeekFetchError) as raised:
        live(fake_spotify).fetch_week(WEEK, [PID, OTHER, EDITORIAL])

    message = str(raised.value)
    assert set(raised.value.failures) == {OTHER, EDITORIAL}
    assert "2 of 3 playlists" in message and "nothing of that week was written" in message
    assert f"- {OTHER}: playlist {OTHER}: Spotify answered 403" in message
    assert f"- {EDITORIAL}: playlist {EDITORIAL}: Spotify answered 404" in message


def test_playlists_are_fetched_concurrently_by_a_bounded_pool(fake_spotify):
    ids = [f"Pl{n}aaaaaaaaaaaaaaaaaaa" for n in range(6)]
    for pid in ids:
        fake_spotify.add_playlist(make_playlist(pid, 5))
    fake_spotify.latency_s = 0.1

    snapshots = live(fake_spotify, max_workers=2).fetch_week(WEEK, ids)

    assert [s.playlist_id for s in snapshots] == ids
    assert fake_spotify.max_in_flight == 2
    assert len(fake_spotify.token_requests()) == 1  # one token, shared by the workers


def test_playlists_come_from_the_setting_as_ids_uris_or_urls(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 3))
    fake_spotify.add_playlist(make_playlist(OTHER, 3))
    source = live(
        fake_spotify, playlists=[f"https://open.spotify.com/playlist/{PID}?si=abc", f"spotify:playlist:{OTHER}"]
    )

    assert [s.playlist_id for s in source.fetch_week(WEEK)] == [PID, OTHER]


@pytest.mark.parametrize(
    "week, why", [("2026-11-02", "only serves a playlist's current state"), ("2026-11-23", "has not started")]
)
def test_weeks_the_api_cannot_describe_are_refused_before_any_request(fake_spotify, week, why):
    fake_spotify.add_playlist(make_playlist(PID, 3))

    with pytest.raises(WeekNotAvailableError, match=why) as raised:
        live(fake_spotify).fetch_week(week, [PID])

    assert week in str(raised.value)
    assert fake_spotify.requests == []


def test_the_last_completed_week_is_live(fake_spotify):
    fake_spotify.add_playlist(make_playlist(PID, 3))
    assert len(live(fake_spotify).fetch_week("2026-11-09", [PID])) == 1


def test_no_token_cache_file_and_no_secret_in_logs(fake_spotify, tmp_path, monkeypatch, caplog, capfd):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    fake_spotify.add_playlist(make_playlist(PID, 120))
    fake_spotify.fault(f"/v1/playlists/{PID}/items", 401)
    fake_spotify.fault(f"/v1/playlists/{PID}/items", 500)

    live(fake_spotify).fetch_week(WEEK, [PID])
    with pytest.raises(WeekFetchError):
        live(fake_spotify).fetch_week(WEEK, [PID, EDITORIAL])

    assert list(tmp_path.iterdir()) == []
    out, err = capfd.readouterr()
    assert "spotipy" in caplog.text  # debug logging was on
    issued = [r.authorization for r in fake_spotify.requests]  # Bearer tokens and the Basic header
    for secret in [fake_spotify.client_secret, fake_spotify.refresh_token, *issued]:
        secret = secret.split(" ")[-1]
        assert secret not in caplog.text and secret not in out and secret not in err


def test_what_the_fields_filter_keeps_rebuilds_the_same_tables(fake_spotify):
    """The shipped sample week (both shapes, null tracks, local files, episodes) served live gives
    the tables the full recorded responses give: the fields filter drops nothing the lake needs."""
    from spotify_assets.lake.raw_records import playlist_response, raw_table
    from spotify_assets.lake.transform import week_tables
    from spotify_assets.settings import SAMPLE_DATA_DIR
    from spotify_assets.spotify.replay import ReplaySource

    recorded = ReplaySource(SAMPLE_DATA_DIR).fetch_week("2026-11-02")
    for snap in recorded:
        response = playlist_response(snap)
        fake_spotify.add_playlist(response, shape="2026" if isinstance(response.get("items"), dict) else "legacy")
    ids = [s.playlist_id for s in recorded]

    live_raw, replay_raw = raw_table(live(fake_spotify).fetch_week(WEEK, ids)), raw_table(recorded)
    live_tables, replay_tables = week_tables(live_raw), week_tables(replay_raw)

    for name in ("songs", "albums", "artists"):
        assert getattr(live_tables, name).equals(getattr(replay_tables, name)), name
    assert live_tables.playlists.drop_columns(["extracted_at"]).equals(
        replay_tables.playlists.drop_columns(["extracted_at"])
    )
    # every item of every playlist was fetched (the playlists table only counts them)
    assert live_raw.select(["playlist_id", "position"]).equals(replay_raw.select(["playlist_id", "position"]))
