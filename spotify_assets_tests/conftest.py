"""Shared fixtures: real services on loopback (docs/decisions.md, Tests)."""

import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pandas as pd
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 (an ephemeral port); yields its endpoint URL.

    A server, not in-process `mock_aws`: pyarrow's S3 client is C++ and bypasses botocore.
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"
    finally:
        server.stop()


def reset_moto(endpoint: str) -> None:
    """Forget every bucket, crawler, table... the server holds."""
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()


@pytest.fixture
def aws_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A freshly reset moto server that boto3 and pyarrow talk to through the environment."""
    # The environment first: under libfaketime (the year-ahead run) a variable added while a
    # server thread is still finishing a request can crash the process (README, Development).
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    for name, value in AWS_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    reset_moto(moto_server)
    return moto_server


@pytest.fixture
def running_athena(aws_env):
    """moto's Athena with every query RUNNING until stopped (it advances only when told)."""

    import json

    def post(path: str, body: dict) -> None:
        request = urllib.request.Request(f"{aws_env}/moto-api/state-manager/{path}", data=json.dumps(body).encode())
        urllib.request.urlopen(request).close()

    post("set-transition", {"model_name": "athena::execution", "transition": {"progression": "manual", "times": 10**6}})
    try:
        yield boto3.client("athena")
    finally:
        post("unset-transition", {"model_name": "athena::execution"})


@pytest.fixture
def s3_lake(aws_env: str) -> str:
    """An empty lake in a new bucket of the moto server: `s3://<bucket>/lake`."""
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/lake"


# --- test tiers -----------------------------------------------------------------------------

# A test that uses one of these fixtures belongs to the slow tier of the same name (pyproject.toml
# declares the markers; `make test-fast` deselects them).
TIER_FIXTURES = {"browser": "browser", "dagster_dev": "dagster_dev", "postgres": "postgres"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            if fixture in TIER_FIXTURES:
                item.add_marker(TIER_FIXTURES[fixture])


# --- the lake, materialized through the real job ---------------------------------------------

SAMPLE_WEEKS = [
    "2026-08-17",
    "2026-08-24",
    "2026-08-31",
    "2026-09-07",
    "2026-09-14",
    "2026-09-21",
    "2026-09-28",
    "2026-10-05",
    "2026-10-12",
    "2026-10-19",
    "2026-10-26",
    "2026-11-02",
]


def run_weeks(defs, first: str, last: str | None = None, instance=None):
    """Run the weekly job over [first, last] in one run, as `make run` and backfills do."""
    import dagster as dg

    job = defs.resolve_job_def("weekly_lake")
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last or first}
    return job.execute_in_process(instance=instance or dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False)


@pytest.fixture
def lake_env(tmp_path):
    """Settings for a fresh local lake in tmp_path, replaying the shipped sample unless overridden."""
    from spotify_assets.settings import load_settings

    def make(**env):
        return load_settings({"SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake"), **env})

    return make


@dataclass(frozen=True)
class SampleLake:
    settings: Any  # spotify_assets.settings.Settings
    result: Any  # dagster.ExecuteInProcessResult

    @property
    def lake(self) -> str:
        return self.settings.lake

    @property
    def catalog_path(self) -> str:
        return self.settings.catalog_path


@pytest.fixture(scope="session")
def sample_lake(tmp_path_factory) -> SampleLake:
    """Every sample week materialized once by the weekly job in one run, as `make run` does: the
    lake and its DuckDB catalog in a temporary directory. Read it; do not change it."""
    from spotify_assets.definitions import build_definitions
    from spotify_assets.settings import load_settings

    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(tmp_path_factory.mktemp("sample") / "lake")})
    return SampleLake(settings, run_weeks(build_definitions(settings), SAMPLE_WEEKS[0], SAMPLE_WEEKS[-1]))


# --- the Spotify Web API, on loopback ---------------------------------------------------------


@pytest.fixture
def fake_spotify():
    """A loopback server speaking the Spotify Web API (see spotify/fake_spotify.py), started for
    one test: program playlists and faults on it, point the live source at `api_url`/`accounts_url`."""
    from spotify_assets_tests.spotify.fake_spotify import FakeSpotify

    fake = FakeSpotify().start()
    yield fake
    fake.stop()


def read_lake(lake: Path, table: str) -> pd.DataFrame:
    """Every week of a table, the week taken from the folder name (not from any SQL engine)."""
    frames = []
    for path in sorted((lake / table).glob("week=*/part-0.parquet")):
        frame = pq.read_table(path).to_pandas()
        frame["week"] = path.parent.name.removeprefix("week=")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
