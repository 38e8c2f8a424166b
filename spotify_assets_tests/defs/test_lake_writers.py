"""One writer per week, between real processes, and nothing misleading after a `kill -9`
(docs/decisions.md, decisions 35 and 36), on a local lake through the real job and `LakeStorage`."""

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.settings import load_settings
from spotify_assets_tests.conftest import SAMPLE_WEEKS, run_weeks

REPO = Path(__file__).resolve().parents[2]
FIRST, LAST = SAMPLE_WEEKS[0], SAMPLE_WEEKS[2]

# one run of the weekly job over FIRST..LAST in its own process and its own (ephemeral) instance
WRITER = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
from spotify_assets.definitions import build_definitions
from spotify_assets.settings import load_settings
from spotify_assets_tests.conftest import run_weeks
lake, catalog, first, last = sys.argv[1:5]
settings = load_settings({"SPOTIFY_ASSETS_LAKE": lake, "SPOTIFY_ASSETS_CATALOG": catalog})
result = run_weeks(build_definitions(settings), first, last)
print("RUN", result.run_id, "SUCCESS" if result.success else "FAILURE", flush=True)
"""

# takes a week's lease as run `run_id` and keeps it until killed
HOLDER = """
import sys, time
from spotify_assets.lake.lease import Leases, week_key
from spotify_assets.lake.lease_store import Owner, lease_store
from spotify_assets.lake.location import open_lake
lake, run_id, week = sys.argv[1:4]
leases = Leases(lease_store(open_lake(lake)), Owner.current(run_id), where=lake, ttl_s=120)
leases.hold([week_key(week, "")])
leases.start_heartbeat()
print("HELD", flush=True)
time.sleep(600)
"""

# a write through the real storage under the run's lease that stops half-way into its temp file
HALF_WRITE = """
import sys, time
from spotify_assets.lake import storage
from spotify_assets.lake.lease import Leases
from spotify_assets.lake.lease_store import Owner, lease_store
from spotify_assets.lake.location import open_lake
from spotify_assets_tests.defs.test_io_manager import songs_frame
lake, run_id, week = sys.argv[1:4]
leases = Leases(lease_store(open_lake(lake)), Owner.current(run_id), where=lake, ttl_s=1)

def half_then_hang(table, where, **options):
    with open(where, "wb") as out:
        out.write(b"PAR1" + b"half a row group" * 64)
    print("WRITING", where, flush=True)
    time.sleep(600)

storage.pq.write_table = half_then_hang
leases.start_heartbeat(0.25)
storage.write_week(lake, "songs", week, songs_frame(week, ["a"]), leases=leases)
"""


def python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def digests(lake: Path) -> dict[str, str]:
    """Every file of the lake but its leases, by path."""
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file() and p.relative_to(lake).parts[0] != "_leases"
    }


def failure_messages(result) -> str:
    """The messages of every step failure, with their causes (Dagster wraps an IO manager's error)."""
    messages = []
    for event in result.all_events:
        error = event.step_failure_data.error if event.is_step_failure else None
        while error is not None:
            messages.append(error.message)
            error = error.cause
    return "\n".join(messages)


@pytest.mark.subprocess
def test_two_processes_writing_the_same_weeks_take_turns(tmp_path: Path):
    """Two runs of the same weeks on one lake, each in its own process and Dagster instance, started
    together: one waits for the other's leases, both succeed, and the lake equals a clean build."""
    lake = tmp_path / "shared" / "lake"
    runs = [python(WRITER, str(lake), str(tmp_path / f"catalog-{i}.duckdb"), FIRST, LAST) for i in (1, 2)]
    # both drained at once: a writer whose pipe fills (Dagster logs every event to stderr) blocks
    # while holding its leases, and the other would wait for it in vain
    with ThreadPoolExecutor(len(runs)) as pool:
        outputs = list(pool.map(lambda run: run.communicate(timeout=300), runs))
    for out, err in outputs:
        assert "SUCCESS" in out, err[-3000:]
    assert any("waiting up to" in err for _, err in outputs), "the runs did not overlap"
    assert not any("FileNotFoundError" in err for _, err in outputs)

    clean = tmp_path / "clean" / "lake"
    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(clean)})
    assert run_weeks(build_definitions(settings), FIRST, LAST).success
    assert digests(lake) == digests(clean)
    assert not [p for p in lake.rglob("*.tmp")]
    assert os.listdir(lake / "_leases") == []  # every lease released


@pytest.mark.subprocess
def test_a_week_held_by_a_live_process_is_refused_naming_it(tmp_path: Path):
    lake = tmp_path / "lake"
    holder = python(HOLDER, str(lake), "holder-run-id", FIRST)
    try:
        assert holder.stdout.readline().strip() == "HELD", holder.stderr.read()
        settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(lake), "SPOTIFY_ASSETS_LEASE_WAIT_S": "1"})
        result = run_weeks(build_definitions(settings), FIRST)
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    message = failure_messages(result)
    for part in (f"week {FIRST}", "run holder-run-id", f"pid {holder.pid}", "since", "Wait for that run to finish"):
        assert part in message, message
    assert not (lake / "raw_playlist" / f"week={FIRST}").exists()  # refused before writing anything


@pytest.mark.subprocess
def test_after_a_kill_9_the_next_run_removes_the_temp_file_and_fails_the_dead_run(tmp_path: Path):
    lake = tmp_path / "lake"
    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(lake)})
    defs = build_definitions(settings)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        dead = instance.create_run_for_job(defs.resolve_job_def("weekly_lake"), status=dg.DagsterRunStatus.STARTED)
        writer = python(HALF_WRITE, str(lake), dead.run_id, FIRST)
        line = writer.stdout.readline()
        assert line.startswith("WRITING"), writer.stderr.read()
        temp = Path(line.split(" ", 1)[1].strip())
        assert temp.name.startswith(".part-0.parquet.") and temp.exists()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        assert writer.returncode == -signal.SIGKILL
        time.sleep(1.5)  # its lease (TTL 1 s) expires unrenewed

        result = run_weeks(defs, FIRST, instance=instance)
        assert result.success
        assert not temp.exists()
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        logs = " ".join(e.message for e in instance.all_logs(dead.run_id))
        assert "Marked failed by a later run" in logs and f"week={FIRST}" in logs
    assert sorted(p.name for p in (lake / "songs" / f"week={FIRST}").iterdir()) == ["part-0.parquet"]
    assert os.listdir(lake / "_leases") == []


@pytest.mark.subprocess
def test_a_run_killed_while_it_holds_the_spotify_pool_slot_does_not_block_the_next(tmp_path: Path):
    """`kill -9` while raw_playlist extracts: the run holds the week's lease and the one
    `spotify_api` slot. The next run, right away (its holder's process is gone from this host, no
    TTL to wait), marks it failed, gives its slot back and runs; before, it waited for the slot
    forever (found by bench/hostile.py)."""
    lake = tmp_path / "lake"
    defs = build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(lake)}))
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("")
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    with dg.instance_for_test(temp_dir=str(home), overrides=overrides) as instance:
        dead = instance.create_run_for_job(defs.resolve_job_def("weekly_lake"), status=dg.DagsterRunStatus.STARTED)
        instance.event_log_storage.set_concurrency_slots("spotify_api", 1)
        claim = instance.event_log_storage.claim_concurrency_slot("spotify_api", dead.run_id, "raw_playlist")
        assert claim.is_claimed  # the one slot, as the killed run's raw_playlist step held it
        holder = python(HOLDER, str(lake), dead.run_id, FIRST)  # the lease, as raw_playlist takes it
        assert holder.stdout.readline().strip() == "HELD", holder.stderr.read()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()

        finished: dict = {}
        runner = threading.Thread(target=lambda: finished.update(result=run_weeks(defs, FIRST, instance=instance)))
        runner.daemon = True
        runner.start()
        runner.join(timeout=180)
        assert "result" in finished, "the next run is still waiting (for the dead run's pool slot?)"
        assert finished["result"].success
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        pool = instance.event_log_storage.get_concurrency_info("spotify_api")
        assert not [slot for slot in pool.claimed_slots if slot.run_id == dead.run_id]
