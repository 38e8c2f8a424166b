"""`make run`: materialize every week of the replay directory in one run, then print a summary.

Uses the Dagster instance in DAGSTER_HOME (the Makefile points it at .dagster_home), so the run
shows up in `make dev` afterwards.
"""

import sys
from collections import Counter, defaultdict

import dagster as dg

from spotify_assets.settings import load_settings
from spotify_assets.spotify.errors import SpotifySourceError
from spotify_assets.spotify.replay import ReplaySource

TABLE_ORDER = ("raw_playlist", "playlists", "songs", "albums", "artists", "chart_movements", "chart_history", "artist_trends")


def _range_tags(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def _row_counts(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    counts = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        row_count = materialization.metadata.get("dagster/row_count")
        if row_count is not None:
            counts[materialization.asset_key.to_user_string()] = row_count.value
    return counts


def _check_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    tally: dict[str, Counter] = defaultdict(Counter)
    failures: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
        warning = evaluation.severity == dg.AssetCheckSeverity.WARN
        outcome = "passed" if evaluation.passed else "warned" if warning else "failed"
        tally[name][outcome] += 1
        if not evaluation.passed:
            week = evaluation.partition or "latest week"
            failures.append(f"  {outcome.upper()} {name} ({week}): {evaluation.description}")
    lines = [
        f"  {name:<42} {counts['passed']:>3} passed  {counts['failed']:>3} failed  {counts['warned']:>3} warned"
        for name, counts in sorted(tally.items())
    ]
    return lines + failures[:20]


def main() -> int:
    from spotify_assets.definitions import defs

    settings = load_settings()
    try:
        weeks = ReplaySource(settings.replay_dir).weeks()
    except SpotifySourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not weeks:
        print(f"error: no week folders (YYYY-MM-DD) in SPOTIFY_REPLAY_DIR={settings.replay_dir}", file=sys.stderr)
        return 1
    print(f"Materializing {len(weeks)} weeks ({weeks[0]} … {weeks[-1]}) from {settings.replay_dir}")
    print(f"into {settings.lake} in one run …", flush=True)

    job = defs.resolve_job_def("weekly_lake")
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags=_range_tags(weeks[0], weeks[-1]),
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
            raise_on_error=False,
        )

    print(f"\nRun {result.run_id}: {'SUCCESS' if result.success else 'FAILURE'}")
    print(f"\nWeeks: {', '.join(weeks)}")
    counts = _row_counts(result)
    print("\nRows (all weeks):")
    for table in TABLE_ORDER:
        if table in counts:
            print(f"  {table:<16} {counts[table]:>8,}")
    print("\nChecks (inline checks: one evaluation per week; schema change and freshness: one per run):")
    print("\n".join(_check_lines(result)) or "  none ran")
    if any("freshness_check" in line and "WARNED" in line for line in _check_lines(result)):
        print(f"  (freshness warns when the newest week materialized, here {weeks[-1]}, is not the last completed week)")
    print(f"\nLake:     {settings.lake}/<table>/week=<YYYY-MM-DD>/part-0.parquet")
    print(f"Report:   {settings.lake}/reports/week={weeks[-1]}/report.md (and top_artists.png)")
    print("UI:       make dev, then open http://127.0.0.1:3000 (this run is in its history)")
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"\nerror in {event.step_key}: {event.step_failure_data.error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
