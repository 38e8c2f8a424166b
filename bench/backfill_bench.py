"""A 52-week backfill: one run over the range (single-run policy) against one run per week.

Both go through the real `weekly_lake` job of `spotify_assets.definitions` with `execute_in_process`
on a Dagster instance backed by SQLite in a temporary DAGSTER_HOME (what `make dev` uses), each into
its own empty lake, replaying the same generated snapshots.

`execute_in_process` is the cheapest a run can be. A run launched by Dagster (the UI, a backfill,
the daemon) also starts a process and loads the code location, so a few weeks are also run that way
(`python -c` importing the definitions and running one week) and their mean is scaled to every week.
Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def prepare(cache: Path, playlists: int, items: int, weeks: int) -> tuple[Path, list[str]]:
    from bench.scale_data import Scale, generate

    scale = Scale(playlists, items, weeks, "both")
    replay = cache / f"replay-{playlists}x{items}x{weeks}"
    done = replay / ".complete"
    if not done.exists():
        generate(replay, scale, compress=True)
        done.touch()
    return replay, scale.week_keys


def _job(replay: Path, lake: Path):
    from spotify_assets.definitions import build_definitions
    from spotify_assets.settings import load_settings

    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(lake), "SPOTIFY_REPLAY_DIR": str(replay)})
    return build_definitions(settings).resolve_job_def("weekly_lake")


def _quiet() -> dict:
    return {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


_ONE_WEEK = """
import sys
from pathlib import Path
import dagster as dg
from bench.backfill_bench import _job, _quiet
replay, lake, week = sys.argv[1:4]
with dg.DagsterInstance.get() as instance:
    result = _job(Path(replay), Path(lake)).execute_in_process(
        instance=instance, partition_key=week, run_config=_quiet(), raise_on_error=False)
sys.exit(0 if result.success else 1)
"""


def backfill(cache: Path, playlists: int, items: int, weeks: int, per_week_runs: int | None, fresh_runs: int) -> dict:
    import dagster as dg

    replay, keys = prepare(cache, playlists, items, weeks)
    per_week_runs = len(keys) if per_week_runs is None else min(per_week_runs, len(keys))
    # a sample spread over the range when not every week is run on its own
    sample = keys[:: max(1, len(keys) // per_week_runs)][:per_week_runs]
    with tempfile.TemporaryDirectory() as home:
        os.environ["DAGSTER_HOME"] = home
        Path(home, "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        with dg.DagsterInstance.get() as instance:
            single_job = _job(replay, Path(home) / "lake-single")
            started = time.perf_counter()
            result = single_job.execute_in_process(
                instance=instance,
                tags={RANGE_START: keys[0], RANGE_END: keys[-1]},
                run_config=_quiet(),
                raise_on_error=False,
            )
            single = time.perf_counter() - started
            if not result.success:
                raise RuntimeError("the single-run backfill failed")

            weekly_job = _job(replay, Path(home) / "lake-weekly")
            started = time.perf_counter()
            for week in sample:
                result = weekly_job.execute_in_process(
                    instance=instance, partition_key=week, run_config=_quiet(), raise_on_error=False
                )
                if not result.success:
                    raise RuntimeError(f"the run for week {week} failed")
            weekly = (time.perf_counter() - started) * len(keys) / per_week_runs

        started = time.perf_counter()
        root = str(Path(__file__).resolve().parents[1])
        for week in keys[:fresh_runs]:
            subprocess.run(
                [sys.executable, "-c", _ONE_WEEK, str(replay), str(Path(home) / "lake-fresh"), week],
                check=True,
                cwd=root,
                env={**os.environ, "PYTHONPATH": root},
            )
        fresh = (time.perf_counter() - started) * len(keys) / max(1, fresh_runs)
    return {
        "weeks": len(keys),
        "items": playlists * items * len(keys),
        "single_run_s": single,
        "per_week_runs_s": weekly,
        "per_week_runs_measured": per_week_runs,
        "fresh_process_runs_s": fresh if fresh_runs else None,
        "fresh_process_runs_measured": fresh_runs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(__file__).with_name("out"))
    parser.add_argument("--playlists", type=int, default=3)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument(
        "--per-week-runs",
        type=int,
        default=None,
        help="run only this many weeks one by one and scale the time to all weeks (default: all)",
    )
    parser.add_argument("--fresh-runs", type=int, default=3, help="weeks run in a fresh process each (0: none)")
    args = parser.parse_args(argv)
    result = backfill(args.cache, args.playlists, args.items, args.weeks, args.per_week_runs, args.fresh_runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
