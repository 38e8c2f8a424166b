"""Week leases (lake/lease.py, lake/lease_store.py, lake/recovery.py) on local disk and on S3 (moto),
with an injected clock: take, renew, refusal while held, take-over once expired, and the cleanup of
orphaned temporary files. Exclusion between real processes: defs/test_lake_writers.py."""

import os

import boto3
import pytest

from spotify_assets.lake.lease import LeaseHeldError, LeaseLostError, Leases, week_key
from spotify_assets.lake.lease_store import LEASES_DIR, Owner, lease_store
from spotify_assets.lake.location import open_lake
from spotify_assets.lake.reading import list_weeks
from spotify_assets.lake.recovery import clean_on_take, orphan_temp_files, recover
from spotify_assets.lake.storage import write_week
from spotify_assets_tests.defs.test_io_manager import songs_frame, stored

WEEK = "2026-08-17"
KEY = week_key(WEEK, "songs")
T0 = 1_800_000_000.0  # a fixed instant: nothing here depends on today's date


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(params=["local", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "local":
        return str(tmp_path / "lake")
    return request.getfixturevalue("s3_lake")


def leases_for(lake: str, run_id: str, clock: Clock, taken: list | None = None, **options) -> Leases:
    opened = open_lake(lake)
    on_taken = clean_on_take(opened, lambda key, previous: taken.append((key, previous))) if taken is not None else None
    return Leases(
        lease_store(opened),
        Owner("host-a", 100, run_id),
        where=lake,
        ttl_s=120,
        clock=clock,
        sleep=clock.sleep,
        on_taken=on_taken,
        **options,
    )


def test_take_renew_refuse_then_take_over_when_expired(lake: str):
    clock = Clock()
    taken: list = []
    first = leases_for(lake, "run-1", clock, taken)
    second = leases_for(lake, "run-2", clock, taken, wait_s=30)
    first.hold([KEY])
    assert taken == [(KEY, None)]

    # held: the second writer waits its 30 s, then is refused with the holder's name
    with pytest.raises(LeaseHeldError) as refused:
        second.hold([KEY])
    message = str(refused.value)
    assert clock.now == pytest.approx(T0 + 30, abs=1)
    for part in ("week 2026-08-17", "run run-1", "pid 100", "host host-a", "since 2027-01-15T08:00:00Z", "expires"):
        assert part in message, message

    # renewed at +90 s: still live at +180 s (expires +210 s)
    clock.now = T0 + 90
    first.renew()
    clock.now = T0 + 180
    assert second.try_take(KEY) is not None

    # not renewed for a TTL: expired, taken over, and the first writer learns it lost the week
    clock.now = T0 + 211
    assert second.try_take(KEY) is None
    assert taken[-1][0] == KEY and taken[-1][1].owner.run_id == "run-1"
    first.renew()
    with pytest.raises(LeaseLostError, match="taken over"):
        first.ensure(KEY)
    with pytest.raises(LeaseLostError):
        first.hold([KEY])

    # released: the lease object is gone and the next writer takes it at once, nobody to report
    second.close()
    assert second.store.read(KEY) is None
    third = leases_for(lake, "run-3", clock, taken)
    third.hold([KEY])
    assert taken[-1] == (KEY, None)


def test_a_waiting_writer_gets_the_week_when_it_is_released(lake: str):
    clock = Clock()
    first = leases_for(lake, "run-1", clock)
    first.hold([KEY])
    polls = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        clock.sleep(seconds)
        if len(polls) == 3:
            first.release()

    second = Leases(first.store, Owner("host-b", 200, "run-2"), where=lake, clock=clock, sleep=sleep)
    second.hold([KEY])
    assert len(polls) == 3 and second.held() == [KEY]


def test_s3_protocol_uses_conditional_puts(s3_lake: str):
    """The requests of the S3 protocol: take with If-None-Match: *, renew and take over with If-Match
    on the ETag read, refusal when held. moto checks the conditions but its conditional PUT is not
    atomic (a read then a write, under no lock), so this shows the requests, not exclusion between
    concurrent writers; real S3 evaluates the condition atomically."""
    clock = Clock()
    first = leases_for(s3_lake, "run-1", clock)
    second = leases_for(s3_lake, "run-2", clock, wait_s=0)
    puts: list[dict] = []
    for leases in (first, second):
        leases.store.client.meta.events.register(
            "before-call.s3.PutObject", lambda params, **_: puts.append(dict(params["headers"]))
        )
    first.hold([KEY])
    assert puts[-1]["If-None-Match"] == "*" and "If-Match" not in puts[-1]
    etag = first.store.read(KEY)[1]

    clock.now = T0 + 30
    first.renew()
    assert puts[-1]["If-Match"] == etag

    with pytest.raises(LeaseHeldError, match="run run-1"):
        second.hold([KEY])

    clock.now = T0 + 30 + 121
    before, expired_etag = len(puts), first.store.read(KEY)[1]
    assert second.try_take(KEY) is None
    assert puts[before]["If-Match"] == expired_etag

    # the first writer's stale ETag is refused by the store itself (412): it has lost the week
    first.renew()
    with pytest.raises(LeaseLostError):
        first.ensure(KEY)
    bucket, prefix = s3_lake.removeprefix("s3://").split("/", 1)
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"{prefix}/{LEASES_DIR}/{KEY}.json" in keys


def test_a_write_without_the_lease_leaves_hidden_temp_files(tmp_path):
    """Another writer's file in flight looks like a stale file: only the lease holder may remove it."""
    lake = str(tmp_path / "lake")
    write_week(lake, "songs", WEEK, songs_frame(WEEK, ["a"]))
    in_flight = tmp_path / "lake" / "songs" / f"week={WEEK}" / ".part-0.parquet.0123abcd.tmp"
    in_flight.write_bytes(b"PAR1 half")
    write_week(lake, "songs", WEEK, songs_frame(WEEK, ["b"]))
    assert in_flight.exists()

    clock = Clock()
    leases = leases_for(lake, "run-1", clock, [])
    write_week(lake, "songs", WEEK, songs_frame(WEEK, ["c"]), leases=leases)
    assert not in_flight.exists()
    assert stored(lake) == [f"{LEASES_DIR}/{KEY}.json", f"songs/week={WEEK}/part-0.parquet"]
    assert list_weeks(lake, "songs") == [WEEK]  # the lease is no week of any table
    leases.close()
    assert not (tmp_path / "lake" / LEASES_DIR / f"{KEY}.json").exists()


def test_recover_cleans_weeks_of_dead_writers_and_leaves_live_ones(tmp_path):
    lake = str(tmp_path / "lake")
    clock = Clock()
    dead = leases_for(lake, "run-dead", clock)
    live = leases_for(lake, "run-live", clock)
    dead.hold([week_key("2026-08-10", "songs")])
    live.hold([KEY])
    temps = {}
    for week in ("2026-08-03", "2026-08-10", WEEK):  # 08-03 has no lease at all
        folder = tmp_path / "lake" / "songs" / f"week={week}"
        folder.mkdir(parents=True)
        temps[week] = folder / f".part-0.parquet.{week}.tmp"
        temps[week].write_bytes(b"truncated")
    assert set(orphan_temp_files(open_lake(lake))) == {"week=2026-08-03", "week=2026-08-10", KEY}

    clock.now = T0 + 100
    live.renew()  # live keeps renewing; the dead writer stopped at T0
    clock.now = T0 + 150
    reported: list = []
    next_run = leases_for(lake, "run-next", clock, reported)
    assert recover(open_lake(lake), next_run) == ["week=2026-08-03", "week=2026-08-10"]
    assert not temps["2026-08-03"].exists() and not temps["2026-08-10"].exists()
    assert temps[WEEK].exists()  # the live writer's
    assert [(k, p.owner.run_id if p else None) for k, p in reported] == [
        ("week=2026-08-03", None),
        ("week=2026-08-10", "run-dead"),
    ]
    assert next_run.held() == [] and sorted(os.listdir(tmp_path / "lake" / LEASES_DIR))[-1] == f"{KEY}.json"
