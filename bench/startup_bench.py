"""Start-up: `import spotify_assets.definitions` in a fresh interpreter (every UI reload and run pays it).

The import's time measured inside a few fresh interpreters (median and best; the processes' wall
time, which adds interpreter start and exit, is reported too), `import dagster` alone for scale,
and `python -X importtime` of one of them,
summarised as the top-level packages whose modules take the most time (self time, summed). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict

MODULE = "spotify_assets.definitions"


def import_times(module: str, runs: int) -> list[tuple[float, float]]:
    """(import seconds measured inside a fresh interpreter, that process's wall seconds) per run."""
    probe = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
        times.append((float(done.stdout.strip().splitlines()[-1]), time.perf_counter() - started))
    return times


def importtime_top(limit: int = 8) -> list[tuple[str, float]]:
    """The top-level packages whose own modules take the most import time, in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {MODULE}"], check=True, capture_output=True, text=True
    )
    by_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        # "import time: self [us] | cumulative | imported package"
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            by_package[name.strip().split(".")[0]] += int(own)
    top = sorted(by_package.items(), key=lambda kv: -kv[1])[:limit]
    return [(name, round(us / 1e6, 3)) for name, us in top]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    import_times(MODULE, 1)  # warm the OS file cache and .pyc files
    ours = import_times(MODULE, args.runs)
    dagster_alone = import_times("dagster", args.runs)
    print(
        json.dumps(
            {
                "median_s": statistics.median(t for t, _ in ours),
                "best_s": min(t for t, _ in ours),
                "process_wall_median_s": statistics.median(w for _, w in ours),
                "dagster_alone_median_s": statistics.median(t for t, _ in dagster_alone),
                "runs": ours,
                "top_imports": importtime_top(),
            }
        )
    )


if __name__ == "__main__":
    main()
