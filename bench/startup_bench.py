"""Start-up: `import spotify_assets.definitions` in a fresh interpreter (every UI reload and run pays it).

Wall time over a few fresh processes (median and best), and `python -X importtime` of one of them,
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


def wall_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {MODULE}"], check=True)
        times.append(time.perf_counter() - started)
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
    wall_times(1)  # warm the OS file cache and .pyc files
    times = wall_times(args.runs)
    print(json.dumps({"median_s": statistics.median(times), "best_s": min(times), "runs": times,
                      "top_imports": importtime_top()}))


if __name__ == "__main__":
    main()
