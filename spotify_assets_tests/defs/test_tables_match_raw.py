"""Each curated table file records the raw week it was built from; `lake_catalog`'s warning check
names the weeks whose tables are older than their stored raw, with the command that rebuilds them,
and `make run`'s summary shows it (docs/faults.md)."""

import gzip
import json
import shutil
from pathlib import Path

import dagster as dg

from spotify_assets.definitions import build_definitions
from spotify_assets.lake.fingerprints import BUILT_FROM_RAW, REBUILD_SELECTION, stored_fingerprints
from spotify_assets.settings import SAMPLE_DATA_DIR
from spotify_assets_tests.conftest import SAMPLE_WEEKS, run_weeks

WEEK = SAMPLE_WEEKS[0]
PLAYLIST = "73OIfWm88pnXik7w7OOp69"


def _run(defs: dg.Definitions, selection: str, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = dg.define_asset_job(
        "selected", selection=selection, partitions_def=defs.resolve_assets_def("songs").partitions_def
    )
    resolved = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources, jobs=[job])
    return resolved.resolve_job_def("selected").execute_in_process(partition_key=WEEK, instance=instance)


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == "tables_match_raw"]
    return evaluation


def test_tables_older_than_their_raw_week_are_named_until_rebuilt(lake_env, tmp_path):
    replay = tmp_path / "replay"
    shutil.copytree(SAMPLE_DATA_DIR / WEEK, replay / WEEK)
    settings = lake_env(SPOTIFY_REPLAY_DIR=str(replay))
    defs, instance = build_definitions(settings), dg.DagsterInstance.ephemeral()

    built = run_weeks(defs, WEEK, instance=instance)
    assert built.success and _check(built).passed and _check(built).partition == WEEK
    raw = stored_fingerprints(settings.lake, "raw_playlist", [WEEK])[WEEK]
    assert raw and all(stored_fingerprints(settings.lake, t, [WEEK])[WEEK] == raw for t in BUILT_FROM_RAW)

    # the source changes and only raw_playlist is materialized again: the tables are now older
    path = replay / WEEK / f"{PLAYLIST}.json.gz"
    playlist = json.loads(gzip.decompress(path.read_bytes()))
    playlist["items"]["items"][0]["item"]["name"] = "Renamed"
    path.write_bytes(gzip.compress(json.dumps(playlist).encode()))
    assert _run(defs, "raw_playlist", instance).success
    stale = _check(_run(defs, "lake_catalog", instance))
    assert not stale.passed
    assert f"week {WEEK}: albums, artists, playlists, rejected_items, songs were not built from the raw week" in (
        stale.description
    )
    assert f"--select {REBUILD_SELECTION!r} --partition {WEEK}" in stale.description

    # the command the check gives rebuilds them from the stored raw, without a new extraction
    rebuilt = _run(defs, REBUILD_SELECTION, instance)
    assert rebuilt.success and _check(rebuilt).passed
    songs = Path(settings.lake) / f"songs/week={WEEK}/part-0.parquet"
    import pyarrow.parquet as pq

    assert "Renamed" in pq.read_table(songs)["song_name"].to_pylist()
