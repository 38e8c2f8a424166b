"""`make bench`: every benchmark of docs/performance.md, one table.

Each measurement runs in its own process (`bench/*_bench.py`), so memory peaks and imports do not
leak from one into the next; ratios are taken within one process where a target compares them (ours,
the floor and the tutorial baseline time the same raw week in one process). The table is printed and
written to bench/out/table.md, the raw figures to bench/out/results.json. Generated data is cached
in bench/out/ (git-ignored): the first run spends a minute writing it.

    .venv/bin/python -m bench.run [--items 200000] [--backfill-weeks 52] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).with_name("out")
ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str) -> dict:
    """Run `python -m module args` from the project root; its last stdout line is JSON."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024**2, 1),
        "python": platform.python_version(),
        "load_1m_start": round(os.getloadavg()[0], 2),
    }


def transform_section(shape: str, playlists: int, items: int, repeat: int) -> dict:
    data = _run(
        "bench.transform_bench",
        "prepare",
        "--cache",
        str(OUT),
        "--shape",
        shape,
        "--playlists",
        str(playlists),
        "--items",
        str(items),
    )
    where = ["--lake", data["lake"], "--week", data["week"]]
    timing = _run("bench.transform_bench", "timing", *where, "--repeat", str(repeat))
    memory = {"ours": _run("bench.transform_bench", "memory", *where, "--case", "ours")}
    return {**data, "timing": timing, "memory": memory}


def rows_for_transform(label: str, r: dict, baseline_target: float | None) -> list[list[str]]:
    t, mb, n = r["timing"], r["raw_bytes"] / 1e6, r["rows"]
    mem = r["memory"]["ours"]["peak_rss_delta"]
    ratio_floor = t["ours"] / t["floor"]
    speedup = t["baseline"] / t["ours"]
    rows = [
        [
            f"{label}: raw→tables vs floor (s)",
            f"{t['ours']:.2f}",
            f"floor {t['floor']:.2f}",
            f"{ratio_floor:.2f}",
            "≤ 1.5",
            _verdict(ratio_floor <= 1.5),
        ],
        [
            f"{label}: vs tutorial baseline (s)",
            f"{t['ours']:.2f}",
            f"baseline {t['baseline']:.2f}",
            f"{speedup:.1f}×",
            f"≥ {baseline_target:g}×" if baseline_target else "(info)",
            _verdict(speedup >= baseline_target) if baseline_target else "",
        ],
        [
            f"{label}: throughput",
            f"{n / t['ours']:,.0f} items/s, {mb / t['ours']:.0f} MB/s",
            f"baseline {n / t['baseline']:,.0f} items/s, {mb / t['baseline']:.0f} MB/s",
            "",
            "",
            "",
        ],
        [
            f"{label}: peak memory (RSS over start)",
            f"{mem / 1e6:,.0f} MB",
            f"raw {mb:,.0f} MB",
            f"{mem / 1e6 / mb:.2f}×",
            "≤ 3×",
            _verdict(mem / 1e6 <= 3 * mb),
        ],
    ]
    return rows


def _verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def table(rows: list[list[str]]) -> str:
    header = ["metric", "ours", "baseline / floor", "ratio", "target", "result"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=200_000, help="items in the transform week (default 200,000)")
    parser.add_argument("--backfill-weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many runs")
    parser.add_argument(
        "--per-week-runs",
        type=int,
        default=13,
        help="one-week runs actually timed, scaled to all weeks (each costs seconds; default 13, 0 = all)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the bench itself works")
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.backfill_weeks, args.repeat, args.per_week_runs = 20_000, 8, 1, 2
    OUT.mkdir(exist_ok=True)
    playlists = max(1, args.items // 1000)
    per_playlist = args.items // playlists

    started = time.perf_counter()
    results: dict = {"machine": machine()}
    rows: list[list[str]] = []
    print(f"machine: {results['machine']}", flush=True)

    for shape, label, target in (("legacy", "legacy full-size", 5.0), ("2026", "2026-size", None)):
        print(f"transform, {shape} items: {playlists} playlists × {per_playlist} items …", flush=True)
        results[f"transform_{shape}"] = r = transform_section(shape, playlists, per_playlist, args.repeat)
        label = f"{label} items ({r['rows']:,}, {r['raw_bytes'] / r['rows'] / 1000:.1f} KB each)"
        rows += rows_for_transform(label, r, target)

    print("API efficiency against the loopback Spotify server …", flush=True)
    results["api"] = api = _run("bench.api_bench")
    if not api["available"]:
        rows.append(["API requests per playlist", api["reason"], "", "", "1 + ⌈(n−50)/50⌉", "n/a"])
    else:
        for case in api["cases"]:
            rows.append(
                [
                    f"API: {case['case']}",
                    f"{case['requests']} req, {case['bytes'] / 1000:,.0f} KB",
                    f"unfiltered {case['bytes_unfiltered'] / 1000:,.0f} KB",
                    "",
                    f"{case['expected']} req",
                    _verdict(case["requests"] <= case["expected"]),
                ]
            )

    print(f"backfill: {args.backfill_weeks} weeks in one run against one run per week …", flush=True)
    per_week = ["--per-week-runs", str(args.per_week_runs)] if args.per_week_runs else []
    results["backfill"] = b = _run(
        "bench.backfill_bench", "--cache", str(OUT), "--weeks", str(args.backfill_weeks), *per_week
    )
    speedup = b["per_week_runs_s"] / b["single_run_s"]
    rows.append(
        [
            f"backfill {b['weeks']} weeks (3 playlists × 100 items): one run vs {b['weeks']} in-process runs (s)",
            f"one run {b['single_run_s']:.1f}",
            f"{b['weeks']} runs ≈ {b['per_week_runs_s']:.0f} ({b['per_week_runs_measured']} measured)",
            f"{speedup:.1f}×",
            "≥ 10×",
            _verdict(speedup >= 10),
        ]
    )
    if b.get("fresh_process_runs_s"):
        fresh = b["fresh_process_runs_s"] / b["single_run_s"]
        rows.append(
            [
                f"backfill {b['weeks']} weeks: one run vs {b['weeks']} runs in a fresh process each (s)",
                f"one run {b['single_run_s']:.1f}",
                f"{b['weeks']} runs ≈ {b['fresh_process_runs_s']:.0f} ({b['fresh_process_runs_measured']} measured)",
                f"{fresh:.1f}×",
                "≥ 10×",
                _verdict(fresh >= 10),
            ]
        )

    print("Spotify charts: a year of 70 regional charts × 200 entries in one run …", flush=True)
    results["charts"] = c = _run("bench.charts_bench", "--cache", str(OUT), *(["--weeks", "4"] if args.quick else []))
    rows.append(
        [
            f"charts: {c['weeks']} weeks × {c['files'] // c['weeks']} files ({c['rows']:,} rows) in one run (s)",
            f"{c['seconds']:.1f}, {c['rows'] / c['seconds']:,.0f} rows/s",
            f"floor (pyarrow.csv, read once) {c['floor_s']:.2f}",
            f"{c['seconds'] / c['floor_s']:.1f}",
            "(info)",
            "",
        ]
    )
    rows.append(
        [
            "charts: peak memory (RSS over start)",
            f"{c['peak_rss_delta'] / 1e6:,.0f} MB",
            f"CSV {c['csv_bytes'] / 1e6:,.0f} MB",
            f"{c['peak_rss_delta'] / c['csv_bytes']:.1f}×",
            "(info)",
            "",
        ]
    )

    print("start-up …", flush=True)
    results["startup"] = s = _run("bench.startup_bench")
    top = ", ".join(f"{name} {sec:.2f}" for name, sec in s["top_imports"][:4])
    rows.append(
        [
            "import spotify_assets.definitions (s)",
            f"{s['median_s']:.3f} (best {s['best_s']:.3f})",
            f"import dagster alone {s['dagster_alone_median_s']:.2f}",
            f"{s['median_s'] / s['dagster_alone_median_s']:.2f}",
            "< 2 s",
            _verdict(s["median_s"] < 2),
        ]
    )
    rows.append(["  slowest packages, module time (s)", top, "", "", "", ""])

    results["machine"]["load_1m_end"] = round(os.getloadavg()[0], 2)
    results["wall_s"] = time.perf_counter() - started
    m = results["machine"]
    text = table(rows)
    caption = (
        f"{m['cpus']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Python {m['python']}; load average "
        f"{m['load_1m_start']} → {m['load_1m_end']}; whole bench {results['wall_s']:.0f} s"
    )
    print("\n" + text + "\n\n" + caption)
    (OUT / "table.md").write_text(text + "\n\n" + caption + "\n")
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
