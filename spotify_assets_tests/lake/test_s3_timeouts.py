"""Bounded waits on S3 (docs/decisions.md, decision 37): an endpoint that accepts connections and
never answers fails each storage call within a few timeouts, with a message naming the endpoint, the
object and what to check. The bound asserted is generous on purpose: it shows the wait is bounded,
it does not time anything (decision 28)."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.lease_store import S3LeaseStore
from spotify_assets.lake.location import LakeUnreachableError, open_lake
from spotify_assets.lake.reading import read_weeks
from spotify_assets.lake.storage import write_week
from spotify_assets_tests.defs.test_io_manager import songs_frame

WEEK = "2026-08-17"
LAKE = "s3://hanging-bucket/lake"
BOUND_S = 30  # for a 1 s timeout: bounded, not timed


@pytest.fixture
def hanging_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A loopback server that accepts every connection and never answers a byte."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def fails_fast(call) -> LakeUnreachableError:
    started = time.monotonic()
    with pytest.raises(LakeUnreachableError) as raised:
        call()
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_S, f"took {elapsed:.1f} s"
    print(f"failed after {elapsed:.1f} s: {raised.value}")
    return raised.value


def test_pyarrow_write_and_read_give_up_naming_endpoint_and_object(hanging_endpoint: str):
    options = {"s3_endpoint_url": hanging_endpoint, "s3_timeout_s": 1}
    error = fails_fast(lambda: write_week(LAKE, "songs", WEEK, songs_frame(WEEK, ["a"]), **options))
    message = str(error)
    assert hanging_endpoint in message
    assert f"s3://hanging-bucket/lake/songs/week={WEEK}/part-0.parquet" in message
    assert "SPOTIFY_ASSETS_S3_TIMEOUT_S" in message and "reachable" in message

    error = fails_fast(lambda: read_weeks(LAKE, "songs", [WEEK], **options))
    assert hanging_endpoint in str(error) and f"s3://hanging-bucket/lake/songs/week={WEEK}" in str(error)


def test_the_endpoint_from_the_environment_is_named_too(hanging_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", hanging_endpoint)
    error = fails_fast(lambda: LakeStorage(base_uri=LAKE, s3_timeout_s=1).list_weeks("songs"))
    assert hanging_endpoint.removeprefix("http://") in str(error) and "s3://hanging-bucket/lake/songs" in str(error)


def test_boto3_lease_requests_give_up_too(hanging_endpoint: str):
    store = S3LeaseStore(open_lake(LAKE, hanging_endpoint, s3_timeout_s=1))
    error = fails_fast(lambda: store.read("week=2026-08-17"))
    assert hanging_endpoint in str(error) and "s3://hanging-bucket/lake/_leases/week=2026-08-17.json" in str(error)
