"""The endpoint rule (spotify_assets/endpoints.py): credentials go to https, or to plain http on
loopback only, and no resource of any configuration of the code location takes an endpoint from
run config."""

import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.endpoints import EndpointRefusedError, aws_endpoints_from_env, check_endpoint, endpoint_from_env
from spotify_assets.settings import load_settings
from spotify_assets.spotify.endpoints import DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL, spotify_endpoints
from spotify_assets_tests.endpoint_rule import endpoint_config_fields


@pytest.mark.parametrize(
    "url",
    [
        "https://accounts.spotify.com/",
        "https://proxy.internal:8443/spotify/",
        "http://127.0.0.1:8080/",
        "http://127.3.4.5/",
        "http://localhost:9000",
        "http://api.localhost/v1/",
        "http://[::1]:9000/",
    ],
)
def test_https_anywhere_and_plain_http_on_loopback_are_allowed(url):
    assert check_endpoint("SPOTIFY_ACCOUNTS_URL", url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/",
        "http://10.0.0.5:8080/",
        "http://127.0.0.1.evil.example/",
        "http://localhost.evil.example/",
        "ftp://accounts.spotify.com/",
        "accounts.spotify.com",
        "https://",
        "https://host:notaport/",
        "",
    ],
)
def test_other_endpoints_are_refused_naming_the_variable_and_the_rule(url):
    with pytest.raises(EndpointRefusedError) as refused:
        check_endpoint("SPOTIFY_ACCOUNTS_URL", url)
    message = str(refused.value)
    assert message.startswith("SPOTIFY_ACCOUNTS_URL is refused")
    assert "must be https://, or plain http:// only to a loopback address" in message


def test_the_refusal_never_repeats_user_info_or_a_query():
    with pytest.raises(EndpointRefusedError) as refused:
        check_endpoint("AWS_ENDPOINT_URL", "http://AKIA:hunter2-secret@evil.example:81/x?token=t0k3n")
    assert "(http://evil.example:81/...)" in str(refused.value)
    assert "hunter2" not in str(refused.value) and "t0k3n" not in str(refused.value)


def test_endpoints_come_from_the_environment_with_the_defaults():
    assert spotify_endpoints({}) == (DEFAULT_API_URL, DEFAULT_ACCOUNTS_URL)
    env = {"SPOTIFY_API_URL": "http://127.0.0.1:1/v1/", "SPOTIFY_ACCOUNTS_URL": " https://proxy.internal/ "}
    assert spotify_endpoints(env) == ("http://127.0.0.1:1/v1/", "https://proxy.internal/")
    assert endpoint_from_env("SNOWFLAKE_HOST", None, {}) is None
    with pytest.raises(EndpointRefusedError, match="^SPOTIFY_API_URL is refused"):
        spotify_endpoints({"SPOTIFY_API_URL": "http://api.evil.example/v1/"})


def test_every_aws_endpoint_override_is_checked():
    env = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_GLUE": "https://glue.internal", "X": "1"}
    assert aws_endpoints_from_env(env) == {k: v for k, v in env.items() if k != "X"}
    with pytest.raises(EndpointRefusedError, match="^AWS_ENDPOINT_URL_S3 is refused"):
        aws_endpoints_from_env({**env, "AWS_ENDPOINT_URL_S3": "http://minio.evil.example:9000"})


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret", "SPOTIFY_REFRESH_TOKEN": "token"},
        {"SPOTIFY_ASSETS_LAKE": "s3://bucket/lake"},
        {"SPOTIFY_ASSETS_LAKE": "s3://bucket/lake", "GLUE_DATABASE": "spotify_lake"},
        {
            "SNOWFLAKE_ACCOUNT": "acme-bi",
            "SNOWFLAKE_USER": "loader",
            "SNOWFLAKE_PASSWORD": "secret",
            "SNOWFLAKE_DATABASE": "BI",
            "SNOWFLAKE_SCHEMA": "STAR",
        },
    ],
    ids=["local-replay", "live", "s3", "s3-glue", "snowflake"],
)
def test_no_resource_takes_an_endpoint_from_run_config(env, tmp_path):
    """Whoever can launch a run can write its run config: a resource that holds a secret must not
    take an endpoint from it (a new resource with e.g. `host`, `url` or `account` fails here)."""
    defs = build_definitions(load_settings({"SPOTIFY_ASSETS_CATALOG": str(tmp_path / "c.duckdb"), **env}))
    assert endpoint_config_fields(defs.resolve_implicit_global_asset_job_def()) == []
