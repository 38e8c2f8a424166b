"""What changed in the charts folder since a sensor last looked, and which weeks to run for it
(README.md, Spotify Charts: the sensor). No Dagster here: `defs/sensors.py` wraps it.

A file's version is its sha256 locally and its ETag on S3 (`charts/folder.py`), so copying the same
file in again is no change. A file added, changed or removed changes its week. The cursor keeps the
version of every file handled; a file whose week is not a partition yet (live: the week in
progress) is left out of it, so it counts as new once its week is a partition.
"""

import hashlib
import json
from dataclasses import dataclass

from spotify_assets.charts.names import place_files


@dataclass(frozen=True)
class FolderChanges:
    weeks: dict[str, list[str]]  # week → the files of that week that were added, changed or removed
    unplaced: dict[str, str]  # changed files that belong to no partition week, each with why
    cursor: dict[str, str]  # file → version, to store for the next evaluation

    def run_key(self, week: str) -> str:
        """One key per week and set of file versions: the same change never runs twice."""
        versions = [f"{name}@{self.cursor.get(name, 'removed')}" for name in self.weeks[week]]
        return f"spotify_charts:{week}:{hashlib.sha256(json.dumps(versions).encode()).hexdigest()[:16]}"


def folder_changes(
    previous: dict[str, str], current: dict[str, str], partition_keys: list[str], *, later_weeks_come: bool
) -> FolderChanges:
    """The weeks to run for the difference between two listings (file → version)."""
    changed = sorted(name for name in set(previous) | set(current) if previous.get(name) != current.get(name))
    placement = place_files(changed, partition_keys[0], partition_keys[-1], later_weeks_come=later_weeks_come)
    known = set(partition_keys)
    weeks = {week: [n.file_name for n in names] for week, names in placement.by_week.items() if week in known}
    waiting = {n.file_name for week, names in placement.by_week.items() if week not in known for n in names}
    cursor = dict(current)
    for name in waiting:  # not a partition yet: not handled, seen again next time
        if name in previous:
            cursor[name] = previous[name]
        else:
            cursor.pop(name, None)
    return FolderChanges(dict(sorted(weeks.items())), placement.unplaced, cursor)
