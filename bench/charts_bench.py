"""A year of Spotify charts in one single-run backfill: 70 regional weekly charts × 200 entries ×
52 weeks (728,000 rows), charts.spotify.com files (BOM, quoted names with commas and quotes), through
the real chart assets (`raw_spotify_chart`, `spotify_chart_entries`, `rejected_chart_lines`) of
`spotify_assets.definitions`, `execute_in_process` into an empty lake. The floor is reading the same
CSV files once with `pyarrow.csv.read_csv`. Peak memory: this process's peak RSS over its RSS before
the run. Prints one JSON object on its last line.

    .venv/bin/python -m bench.charts_bench [--cache bench/out] [--charts 70] [--rows 200] [--weeks 52]
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from spotify_assets.charts.csv_files import new_format

# 52 weeks ending with the sample replay's first week, so the partitions reach them through the
# first-week default (the earlier of the replay's and the charts' first week)
LAST_WEEK = date(2026, 8, 10)
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
REGIONS = ["global", *(a + b for a in "abcdefghij" for b in "klmnopq")]


def _id(n: int) -> str:
    return "".join(B62[(n * 7919 + i * 104729) % 62] for i in range(22))


def generate(folder: Path, charts: int, rows: int, weeks: int) -> list[str]:
    """The chart files (cached in `folder`); returns the week keys."""
    keys = [(LAST_WEEK - timedelta(weeks=weeks - 1 - i)).isoformat() for i in range(weeks)]
    done = folder / ".complete"
    if done.exists():
        return keys
    folder.mkdir(parents=True, exist_ok=True)
    for w, key in enumerate(keys):
        thursday = date.fromisoformat(key) + timedelta(days=3)
        for c, region in enumerate(REGIONS[:charts]):
            entries = [
                {
                    "rank": rank,
                    "song_id": _id(song),
                    "artist_names": f"Artist {song % 700}, The {song % 13} Band",
                    "song_name": f'Song "{song}", part {song % 5}',
                    "label": "Label, Inc.",
                    "peak_rank": rank,
                    "previous_rank": -1,
                    "weeks_on_chart": 1,
                    "streams": 10_000_000 - rank * 1000,
                }
                for rank in range(1, rows + 1)
                for song in [(rank + w * 3 + c * 11) % 5000]
            ]
            path = folder / f"regional-{region}-weekly-{thursday}.csv"
            path.write_bytes(new_format(entries, crlf=True))
    done.touch()
    return keys


def floor(folder: Path) -> tuple[float, int]:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    started = time.perf_counter()
    tables = [pa_csv.read_csv(path) for path in sorted(folder.glob("*.csv"))]
    rows = sum(t.num_rows for t in tables)
    pa.concat_tables(tables)
    return time.perf_counter() - started, rows


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def ours(folder: Path, weeks: list[str]) -> dict:
    import dagster as dg

    from spotify_assets.definitions import build_definitions
    from spotify_assets.settings import load_settings

    with tempfile.TemporaryDirectory() as lake:
        settings = load_settings({"SPOTIFY_ASSETS_LAKE": f"{lake}/lake", "SPOTIFY_CHARTS_DIR": str(folder)})
        defs = build_definitions(settings)
        job = dg.define_asset_job("charts", selection="group:spotify_charts")
        resolved = dg.Definitions(
            assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources, jobs=[job]
        )
        tags = {"dagster/asset_partition_range_start": weeks[0], "dagster/asset_partition_range_end": weeks[-1]}
        instance = dg.DagsterInstance.ephemeral()
        gc.collect()
        before = _rss_bytes()
        started = time.perf_counter()
        result = resolved.resolve_job_def("charts").execute_in_process(
            tags=tags, instance=instance, run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        import pyarrow.dataset as ds

        stored = ds.dataset(f"{lake}/lake/spotify_chart_entries", format="parquet").count_rows()
    runs = 1 if result.success else 0
    return {"seconds": seconds, "peak_rss_delta": peak - before, "rows_stored": stored, "runs": runs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(__file__).with_name("out"))
    parser.add_argument("--charts", type=int, default=70)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args(argv)
    folder = args.cache / f"charts-{args.charts}x{args.rows}x{args.weeks}"
    weeks = generate(folder, args.charts, args.rows, args.weeks)
    csv_bytes = sum(p.stat().st_size for p in folder.glob("*.csv"))
    floor(folder)  # warm the page cache
    floor_s, rows = floor(folder)
    result = ours(folder, weeks)
    print(
        json.dumps(
            {
                "weeks": len(weeks),
                "files": args.charts * len(weeks),
                "rows": rows,
                "csv_bytes": csv_bytes,
                "floor_s": floor_s,
                **result,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
