"""After a crash, nothing misleading, without Dagster (docs/decisions.md, decision 36): the hidden
temporary files a dead writer left go when the next writer takes their week's lease, and `recover`
takes (then releases) every week whose lease expired unreleased, so its dead writer can be reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from spotify_assets.lake.lease import Leases
from spotify_assets.lake.lease_store import LeaseRecord
from spotify_assets.lake.location import Lake, is_temp_file

OnTaken = Callable[[str, LeaseRecord | None], None]


def orphan_temp_files(lake: Lake, key: str | None = None) -> dict[str, list[str]]:
    """The hidden temporary files of local writes, by the lease that guards them (every lease, or
    only `key`): once a run holds that lease they are orphans of a dead writer. None on S3, where a
    write is one PUT."""
    if lake.is_s3 or not os.path.isdir(lake.root):
        return {}
    found: dict[str, list[str]] = {}
    for table in sorted(os.listdir(lake.root)):
        if table.startswith((".", "_")) or not os.path.isdir(f"{lake.root}/{table}"):
            continue
        for info in lake.files(f"{lake.root}/{table}"):
            parts = info.path[len(lake.root) + 1 :].split("/")
            if len(parts) == 3 and parts[1].startswith("week="):
                folder_key = parts[1]
            elif len(parts) == 2:
                folder_key = f"table={table}"
            else:
                continue
            if is_temp_file(info.base_name) and key in (None, folder_key):
                found.setdefault(folder_key, []).append(info.path)
    return found


def clean_on_take(lake: Lake, then: OnTaken | None = None) -> OnTaken:
    """A `Leases.on_taken` that deletes the orphaned temporary files of the week just taken, then
    calls `then` (e.g. to report the dead writer's run)."""

    def on_taken(key: str, previous: LeaseRecord | None) -> None:
        lake.delete(orphan_temp_files(lake, key).get(key, []))
        if then is not None:
            then(key, previous)

    return on_taken


def recover(lake: Lake, leases: Leases) -> list[str]:
    """Take the lease of every week whose lease expired unreleased or that holds orphaned temporary
    files, so that `leases.on_taken` cleans it, then release it; a week whose lease is live is left
    to its writer. Returns the keys recovered."""
    now = leases.clock()
    expired = {key for key in leases.store.keys() if (found := leases.store.read(key)) and not found[0].live(now)}
    candidates = sorted((set(orphan_temp_files(lake)) | expired) - set(leases.held()))
    recovered = [key for key in candidates if leases.try_take(key) is None]
    leases.release(recovered)
    return recovered
