"""The endpoint rule in real runs (docs/decisions.md, decision 45): a run launched with run config
that points the Spotify resource elsewhere is refused before any request leaves, and so is a run
whose environment names a plain-http endpoint off loopback. The fake Spotify and a second loopback
listener record every request they receive."""

import dagster as dg
import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets_tests.conftest import run_weeks
from spotify_assets_tests.defs.test_live_lake import last_week
from spotify_assets_tests.endpoint_rule import RecordingServer
from spotify_assets_tests.spotify.fake_spotify import make_playlist

PLAYLIST = "3cEYpjA9oz9GiPac4AsH4n"


@pytest.fixture
def live_env(fake_spotify, lake_env, monkeypatch):
    """A live run's settings and environment, every endpoint on the fake Spotify."""
    fake_spotify.add_playlist(make_playlist(PLAYLIST, 7))
    env = {**fake_spotify.env(), "SPOTIFY_PLAYLISTS": PLAYLIST}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return lake_env(**env)


@pytest.mark.parametrize("field", ["accounts_url", "api_url"])
def test_run_config_cannot_redirect_the_spotify_endpoints(fake_spotify, live_env, field):
    job = build_definitions(live_env).resolve_job_def("weekly_lake")
    with RecordingServer() as evil:
        run_config = {"resources": {"spotify": {"config": {field: evil.url}}}}
        tags = {"dagster/asset_partition_range_start": last_week(), "dagster/asset_partition_range_end": last_week()}

        with pytest.raises(dg.DagsterInvalidConfigError) as refused:
            job.execute_in_process(
                run_config=run_config, instance=dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False
            )

        assert f'unexpected config entry "{field}"' in str(refused.value)
        assert "root:resources:spotify:config" in str(refused.value)
        assert evil.requests == []
    assert fake_spotify.requests == []


def test_a_plain_http_endpoint_off_loopback_fails_the_run_before_any_request(fake_spotify, live_env, monkeypatch):
    monkeypatch.setenv("SPOTIFY_ACCOUNTS_URL", "http://accounts.spotify.example/")

    result = run_weeks(build_definitions(live_env), last_week())

    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE]
    [resource_failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RESOURCE_INIT_FAILURE]
    message = resource_failure.event_specific_data.error.message + failure.message
    assert "SPOTIFY_ACCOUNTS_URL is refused (http://accounts.spotify.example/...)" in message
    assert "plain http:// only to a loopback address" in message
    assert fake_spotify.client_secret not in message and fake_spotify.refresh_token not in message
    assert fake_spotify.requests == []  # not even the token request: the API URL is the fake's


def test_a_plain_http_s3_endpoint_off_loopback_fails_the_run(s3_lake, monkeypatch, lake_env):
    """The lake's AWS credentials sign every S3 request: its endpoint obeys the same rule."""
    settings = lake_env(SPOTIFY_ASSETS_LAKE=s3_lake)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://minio.storage.example:9000")

    result = run_weeks(build_definitions(settings), "2026-08-17")

    assert not result.success
    [resource_failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RESOURCE_INIT_FAILURE]
    assert "AWS_ENDPOINT_URL_S3 is refused (http://minio.storage.example:9000/...)" in (
        resource_failure.event_specific_data.error.message
    )
