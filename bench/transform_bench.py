"""Raw week -> the four tables: ours against the floor and the tutorial baseline, at scale.

- **ours**: what `lake_tables` does for one week: the IO manager's `read_weeks` of `raw_playlist`,
  then `week_tables`.
- **floor**: reading the week's raw bytes from the lake once and parsing them once: the `item_json`
  column of the raw Parquet file as one newline-terminated buffer, `pyarrow.json.read_json` with
  the transform's explicit schema. Nothing can build the tables faster than it reads and parses.
- **baseline**: `bench/baseline_tutorial.py` on the same file.

Timings are taken in one process, the cases interleaved, best of `--repeat`. Peak memory is measured
in a fresh process per case: peak RSS (`ru_maxrss`) over the RSS before the case, and the peak of
pyarrow's memory pool. Subcommands print one JSON object on their last line for `bench/run.py`.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from spotify_assets.lake.items import ITEM_SCHEMA
from spotify_assets.lake.location import week_uri
from spotify_assets.lake.reading import read_weeks
from spotify_assets.lake.storage import write_week
from spotify_assets.lake.transform import week_tables

FLOOR_PARSE = pa_json.ParseOptions(explicit_schema=ITEM_SCHEMA, unexpected_field_behavior="ignore")
FLOOR_READ = pa_json.ReadOptions(block_size=1 << 24)


def raw_file(lake: str, week: str) -> str:
    return f"{week_uri(lake, 'raw_playlist', week)}/part-0.parquet"


def prepare(cache: Path, shape: str, playlists: int, items: int) -> dict:
    """The raw week of `playlists` x `items` in `shape`, written by the IO manager; cached in `cache`."""
    from bench.scale_data import Generator, Scale

    scale = Scale(playlists, items, 1, shape)
    version = hashlib.sha1(Path(__file__).with_name("scale_data.py").read_bytes()).hexdigest()[:10]
    lake = str(cache / f"lake-{shape}-{playlists}x{items}-{version}")
    week = scale.week_keys[0]
    path = Path(raw_file(lake, week))
    started = time.perf_counter()
    if not path.exists():
        write_week(lake, "raw_playlist", week, Generator(scale).raw_week(0))
    items_json = pq.read_table(path, columns=["item_json"])["item_json"]
    return {
        "lake": lake,
        "week": week,
        "rows": len(items_json),
        "raw_bytes": int(pc.sum(pc.binary_length(items_json)).as_py()),
        "parquet_bytes": path.stat().st_size,
        "prepare_s": time.perf_counter() - started,
    }


def newline_buffer(column: pa.ChunkedArray) -> pa.Buffer:
    """The strings of `column` as one buffer, each followed by a newline."""
    joined = pc.binary_join_element_wise(
        column.combine_chunks(), pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    return joined.buffers()[2][offsets[joined.offset] : offsets[joined.offset + len(joined)]]


def floor(lake: str, week: str) -> pa.Table:
    column = pq.read_table(raw_file(lake, week), columns=["item_json"])["item_json"]
    return pa_json.read_json(
        pa.BufferReader(newline_buffer(column)), read_options=FLOOR_READ, parse_options=FLOOR_PARSE
    )


def ours(lake: str, week: str):
    return week_tables(read_weeks(lake, "raw_playlist", [week]))


def baseline(lake: str, week: str):
    from bench.baseline_tutorial import tutorial_tables

    return tutorial_tables(raw_file(lake, week))


CASES = {"floor": floor, "ours": ours, "baseline": baseline}


def timing(lake: str, week: str, repeat: int, with_baseline: bool) -> dict:
    """Best-of-`repeat` seconds of floor and ours (interleaved), and one baseline run, in this process."""
    best = {"floor": float("inf"), "ours": float("inf")}
    ours(lake, week)  # warm the page cache and lazy imports: every case then reads from memory
    for _ in range(repeat):
        for case in ("floor", "ours"):
            gc.collect()
            started = time.perf_counter()
            CASES[case](lake, week)
            best[case] = min(best[case], time.perf_counter() - started)
    if with_baseline:
        gc.collect()
        started = time.perf_counter()
        CASES["baseline"](lake, week)
        best["baseline"] = time.perf_counter() - started
    return best


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def memory(lake: str, week: str, case: str) -> dict:
    """Peak memory of one case; run it in a fresh process (ru_maxrss never goes down)."""
    if case == "baseline":
        import bench.baseline_tutorial  # noqa: F401 - imports are not the case's memory
    pq.read_metadata(raw_file(lake, week))
    gc.collect()
    before = _rss_bytes()
    pool = pa.default_memory_pool()
    pool_before = pool.bytes_allocated()
    result = CASES[case](lake, week)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    del result
    return {
        "peak_rss_delta": peak - before,
        "arrow_pool_peak": pool.max_memory() - pool_before,
        "pool": pool.backend_name,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--shape", choices=("legacy", "2026"), required=True)
    p.add_argument("--playlists", type=int, default=200)
    p.add_argument("--items", type=int, default=1000)
    t = sub.add_parser("timing")
    t.add_argument("--lake", required=True)
    t.add_argument("--week", required=True)
    t.add_argument("--repeat", type=int, default=3)
    t.add_argument("--no-baseline", action="store_true")
    m = sub.add_parser("memory")
    m.add_argument("--lake", required=True)
    m.add_argument("--week", required=True)
    m.add_argument("--case", choices=tuple(CASES), required=True)
    args = parser.parse_args(argv)
    if args.command == "prepare":
        result = prepare(args.cache, args.shape, args.playlists, args.items)
    elif args.command == "timing":
        result = timing(args.lake, args.week, args.repeat, not args.no_baseline)
    else:
        result = memory(args.lake, args.week, args.case)
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
