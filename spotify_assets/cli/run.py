"""`make run`: materialize every week of the replay directory in one run, then print a summary.

Uses the Dagster instance in DAGSTER_HOME (the Makefile points it at .dagster_home), so the run
shows up in `make dev` afterwards.
"""

import sys
from collections import Counter, defaultdict
from pathlib import Path

import dagster as dg

from spotify_assets.cli.sql import resolve_catalog
from spotify_assets.defs.jobs import WEEKLY_JOB
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES
from spotify_assets.settings import Settings, load_settings
from spotify_assets.spotify.errors import SpotifySourceError
from spotify_assets.spotify.replay import ReplaySource

TABLE_ORDER = (
    "raw_playlist",
    "playlists",
    "songs",
    "albums",
    "artists",
    "rejected_items",
    "chart_movements",
    "chart_history",
    "artist_trends",
    "raw_spotify_chart",
    "spotify_chart_entries",
    "rejected_chart_lines",
    "spotify_chart_songs",
    "song_streams",
    "artist_streams",
    "fact_playlist_entry",
    "fact_chart_entry",
    "dim_week",
    "dim_playlist",
    "dim_song",
    "dim_album",
    "dim_artist",
    "bridge_song_artist",
)


def _range_tags(first: str, last: str) -> dict[str, str]:
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def _row_counts(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """Rows per table over the run: each week's materialization carries that week's count. A star
    dimension's week is a snapshot of every version so far: its count is the newest week's."""
    counts: Counter = Counter()
    newest: dict[str, tuple[str, int]] = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        row_count = materialization.metadata.get("dagster/row_count")
        if row_count is None:
            continue
        table = materialization.asset_key.to_user_string()
        if table in SNAPSHOT_TABLES:
            week = materialization.partition or ""
            if week >= newest.get(table, ("", 0))[0]:
                newest[table] = (week, row_count.value)
        else:
            counts[table] += row_count.value
    return {**counts, **{table: rows for table, (_, rows) in newest.items()}}


def _check_lines(result: dg.ExecuteInProcessResult, newest_week: str, last_completed_week: str) -> list[str]:
    tally: dict[str, Counter] = defaultdict(Counter)
    failures: list[str] = []
    stale: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"
        warning = evaluation.severity == dg.AssetCheckSeverity.WARN
        outcome = "passed" if evaluation.passed else "warned" if warning else "failed"
        tally[name][outcome] += 1
        if evaluation.passed:
            continue
        if evaluation.check_name == "freshness_check":
            stale.append(evaluation.asset_key.to_user_string())
        else:
            failures.append(
                f"  {outcome.upper()} {name} ({evaluation.partition or 'latest week'}): {evaluation.description}"
            )
    lines = [
        f"  {name:<46} {counts['passed']:>3} passed  {counts['failed']:>3} failed  {counts['warned']:>3} warned"
        for name, counts in sorted(tally.items())
    ]
    if stale:
        failures.append(
            f"  freshness warns on {len(stale)} tables: the newest week here is {newest_week}, "
            f"not the last completed week ({last_completed_week})"
        )
    return lines + failures[:20]


def _catalog_lines(settings: Settings) -> list[str]:
    """Where the SQL catalog is and a command to paste."""
    sql = Path(sys.executable).parent / "spotify-assets-sql"
    if settings.lake_is_s3:
        if not settings.glue_database:
            return ["Catalog:  none for an S3 lake without GLUE_DATABASE (set it for Glue + Athena)"]
        return [
            f"Catalog:  Glue database {settings.glue_database} (Athena)",
            f"SQL:      {sql} --athena top_artists",
        ]
    # ready to paste into a fresh shell: name the catalog unless it is where the command looks anyway
    found = resolve_catalog(None, environ={})
    catalog = "" if found == Path(settings.catalog_path) else f" --catalog {settings.catalog_path}"
    return [
        f"Catalog:  {settings.catalog_path} (DuckDB, one view per table)",
        f"SQL:      {sql}{catalog} top_artists",
        f'          {sql}{catalog} "select week, count(*) as songs from songs group by week order by week"',
        f'          {sql}{catalog} "select a.artist_name, count(*) as entries from fact_playlist_entry f '
        f"join dim_artist a on a.artist_id = f.artist_id and a.is_current where f.week = (select max(week) from fact_playlist_entry) "
        f'group by all order by entries desc limit 5"',
    ]


def main() -> int:
    from spotify_assets.definitions import defs, weekly_partitions

    settings = load_settings()
    last_completed_week = weekly_partitions(defs).get_last_partition_key()
    if settings.live:
        # The API serves only the current state of a playlist: live means the week that just ended.
        weeks, origin = [last_completed_week], "the Spotify Web API"
    else:
        try:
            weeks, origin = ReplaySource(settings.replay_dir).weeks(), settings.replay_dir
        except SpotifySourceError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    if not weeks:
        print(f"error: no week folders (YYYY-MM-DD) in SPOTIFY_REPLAY_DIR={settings.replay_dir}", file=sys.stderr)
        return 1
    print(f"Materializing {len(weeks)} week(s) ({weeks[0]} … {weeks[-1]}) from {origin}")
    print(f"into {settings.lake} in one run …", flush=True)

    job = defs.resolve_job_def(WEEKLY_JOB)
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
    print("\nRows (all weeks; a star dimension: its newest snapshot):")
    for table in TABLE_ORDER:
        if table in counts:
            print(f"  {table:<21} {counts[table]:>8,}")
    print("\nChecks (inline checks: one evaluation per week; schema change and freshness: one per run):")
    print("\n".join(_check_lines(result, weeks[-1], last_completed_week)) or "  none ran")
    print(f"\nLake:     {settings.lake}/<table>/week=<YYYY-MM-DD>/part-0.parquet")
    print(f"Report:   {settings.lake}/reports/week={weeks[-1]}/report.md (and top_artists.png, top_streamed.png)")
    print("\n".join(_catalog_lines(settings)))
    print("UI:       make dev, then open http://127.0.0.1:3000 (this run is in its history)")
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"\nerror in {event.step_key}: {event.step_failure_data.error.message}", file=sys.stderr)
            elif event.event_type_value == "RESOURCE_INIT_FAILURE":
                print(f"\nerror setting up resources: {event.event_specific_data.error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
