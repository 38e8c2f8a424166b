"""Type 2 versions of a dimension, one week at a time (plain functions, no I/O).

A dimension's snapshot of week W holds every version of every member known up to W: a member whose
attributes change gets a new version from that week, and its previous version ends the week before
(`valid_to_week`, inclusive); the current version has a null `valid_to_week` and `is_current` true.
A member absent from a week's sources keeps its current version: the dimension describes it as last
seen. Each snapshot also holds the "unknown" member, which takes the facts whose key is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import pyarrow as pa

UNKNOWN = "unknown"  # the key of every dimension's unknown member; a Spotify id is 22 base62 characters
VALIDITY_COLUMNS = ("valid_from_week", "valid_to_week", "is_current")


def week_date(week: str) -> date:
    return datetime.strptime(week, "%Y-%m-%d").date()


def first_rows(source: pa.Table, key: str) -> list[dict]:
    """The first row of each non-null key, in the source's order."""
    seen: dict[str, dict] = {}
    for row in source.to_pylist():
        if row[key] is not None and row[key] not in seen:
            seen[row[key]] = row
    return list(seen.values())


def next_snapshot(
    previous: pa.Table | None,
    rows: Sequence[dict],
    *,
    key: str,
    attributes: Sequence[str],
    week: str,
    schema: pa.Schema,
    unknown: dict | None = None,
    only_new: Sequence[dict] = (),
) -> pa.Table:
    """The snapshot of `week` from the snapshot of an earlier week (None: the dimension starts this
    week) and the week's members (`rows`, one per key). `only_new` are members from a lesser source
    (a chart-only song): added when the dimension does not know them, never a new version of one it does.
    `unknown` holds the unknown member's attributes; it is valid from the dimension's first week."""
    this_week = week_date(week)
    versions = previous.to_pylist() if previous is not None else []
    if not versions:
        member = {name: None for name in attributes} | (unknown or {}) | {key: UNKNOWN}
        versions.append({**member, "valid_from_week": this_week, "valid_to_week": None, "is_current": True})
    current = {v[key]: i for i, v in enumerate(versions) if v["is_current"]}
    changed: set[str] = set()

    def add(row: dict) -> None:
        versions.append(
            {key: row[key], **{a: row.get(a) for a in attributes}}
            | {"valid_from_week": this_week, "valid_to_week": None, "is_current": True}
        )

    for row in rows:
        at = current.get(row[key])
        if at is None:
            add(row)
        elif any(versions[at][a] != row.get(a) for a in attributes) and row[key] not in changed:
            versions[at] = {**versions[at], "valid_to_week": this_week - timedelta(days=7), "is_current": False}
            changed.add(row[key])
            add(row)
    known = {v[key] for v in versions}
    for row in only_new:
        if row[key] not in known:
            known.add(row[key])
            add(row)
    versions.sort(key=lambda v: (v[key] != UNKNOWN, v[key], v["valid_from_week"]))
    return pa.Table.from_pylist(versions, schema=schema)


def valid_version(versions: pa.Table, key: str, week: str) -> dict[str, dict]:
    """Each member's version valid in `week` (the first, should a broken snapshot hold two)."""
    this_week = week_date(week)
    found: dict[str, dict] = {}
    for version in versions.to_pylist():
        if version["valid_from_week"] <= this_week and (
            version["valid_to_week"] is None or this_week <= version["valid_to_week"]
        ):
            found.setdefault(version[key], version)
    return found


def valid_in(versions: pa.Table, key: str, week: str) -> dict[str, int]:
    """How many versions of each member are valid in `week` (a fact's key must find exactly one)."""
    this_week = week_date(week)
    counts: dict[str, int] = {}
    for member, start, end in zip(
        versions[key].to_pylist(),
        versions["valid_from_week"].to_pylist(),
        versions["valid_to_week"].to_pylist(),
        strict=True,
    ):
        if start <= this_week and (end is None or this_week <= end):
            counts[member] = counts.get(member, 0) + 1
    return counts
