"""The lake's Parquet storage on `pyarrow.fs`, without Dagster: write (replace) and read weeks of a
table, list the stored weeks, write a file that is not a table (docs/architecture.md).

Every write is atomic (one PUT on S3; a hidden temporary file renamed into place on disk) and
replaces the week's file, then deletes any other file in its folder: a rerun leaves one file per
table and week. Reading is `lake/reading.py`. With `leases` a write first holds the week's lease (`lake/lease.py`), and only then
are other hidden temporary files in the folder orphans to delete; without, they are left alone.
`spotify_assets.defs.io_manager.ParquetIOManager` maps Dagster partitions onto these.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spotify_assets.lake.conform import TableLike, conform, split_week_column, to_arrow
from spotify_assets.lake.fingerprints import fingerprints_of, stamped
from spotify_assets.lake.lease import Leases, week_key
from spotify_assets.lake.location import (
    DEFAULT_S3_TIMEOUT_S,
    PART_FILE,
    Lake,
    is_temp_file,
    open_lake,
    parallel,
)
from spotify_assets.lake.schemas import WEEK_COLUMN

COMPRESSION = "zstd"


@dataclass(frozen=True)
class WrittenFile:
    """One object written to the lake."""

    week: str | None
    uri: str
    rows: int
    bytes: int


def _write_file(lake: Lake, directory: str, data: pa.Table, week: str | None, leases: Leases | None) -> WrittenFile:
    """Write `data` as the one data file of `directory`, then delete every other file there (hidden
    temporary files only when `leases` holds the folder's lease: otherwise one may be in flight)."""
    final = f"{directory}/{PART_FILE}"
    key = week_key(week, directory.rsplit("/", 1)[-1])
    if leases is not None:
        leases.ensure(key)
    with lake.errors("writing", final):
        size = _write_data(lake, directory, final, data)
        # the table folder of an unpartitioned table also holds week folders: only look at its own files
        infos = lake.files(directory, recursive=week is not None)
        stale = [i.path for i in infos if i.path != final and (leases is not None or not is_temp_file(i.base_name))]
        if leases is not None:
            leases.ensure(key)  # still ours: no other writer can own a temporary file here
        lake.delete(stale)
    return WrittenFile(week, lake.uri(final), data.num_rows, size)


def _write_data(lake: Lake, directory: str, final: str, data: pa.Table) -> int:
    if lake.is_s3:
        # one PUT (or one completed multipart upload): the object appears atomically
        with lake.fs.open_output_stream(final) as out:
            pq.write_table(data, out, compression=COMPRESSION)
            size = out.tell()
    else:
        os.makedirs(directory, exist_ok=True)
        # dot-prefixed: pyarrow, DuckDB, Glue and Athena skip it while it is being written
        temp = f"{directory}/.{PART_FILE}.{uuid.uuid4().hex}.tmp"
        try:
            pq.write_table(data, temp, compression=COMPRESSION)
            size = os.path.getsize(temp)
            os.replace(temp, final)
        except BaseException:
            if os.path.exists(temp):
                os.remove(temp)
            raise
    return size


def write_week(
    base_uri: str,
    table: str,
    week: str | None,
    table_data: TableLike,
    *,
    s3_endpoint_url: str | None = None,
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S,
    leases: Leases | None = None,
) -> WrittenFile:
    """Write (replace) one week of `table`; `week=None` writes an unpartitioned table.

    A `week` column in the data must equal `week` and is dropped: the week lives in the path.
    """
    arrow = to_arrow(table_data)
    fingerprint = fingerprints_of(arrow).get(week) if week is not None else None
    data, weeks = split_week_column(arrow)
    if weeks is not None:
        found = set(pc.unique(weeks).to_pylist()) - {week}
        if found:
            raise ValueError(f"table {table!r}: rows for week(s) {_show(found)} in an output for week {week!r}")
    data = stamped(conform(table, data), fingerprint)
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    if leases is not None:
        leases.hold([week_key(week, table)])
    return _write_file(lake, lake.dir(table, week), data, week, leases)


def write_weeks(
    base_uri: str,
    table: str,
    weeks: Sequence[str],
    table_data: TableLike,
    *,
    s3_endpoint_url: str | None = None,
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S,
    leases: Leases | None = None,
) -> list[WrittenFile]:
    """Write (replace) several weeks of `table` from one table with a `week` column.

    Every week in `weeks` gets a file, an empty one (with the schema) when it has no rows. All weeks
    are validated and cast before any is written, so bad data writes nothing.
    """
    arrow = to_arrow(table_data)
    fingerprints = fingerprints_of(arrow)
    data, week_column = split_week_column(arrow)
    if week_column is None:
        raise ValueError(
            f"table {table!r}: an output for several weeks ({weeks[0]}..{weeks[-1]}) needs a "
            f"{WEEK_COLUMN!r} column saying which week each row belongs to"
        )
    outside = set(pc.unique(week_column).to_pylist()) - set(weeks)
    if outside:
        raise ValueError(
            f"table {table!r}: rows for week(s) {_show(outside)} outside the run's weeks {weeks[0]}..{weeks[-1]}"
        )
    data = conform(table, data)

    # group rows by week with one stable sort, then zero-copy slices
    week_column = week_column.combine_chunks()
    if len(week_column) > 1 and not pc.all(pc.greater_equal(week_column[1:], week_column[:-1])).as_py():
        order = pc.sort_indices(week_column)
        data, week_column = data.take(order), week_column.take(order)
    slices: dict[str, pa.Table] = {}
    offset = 0
    for entry in pc.value_counts(week_column).to_pylist() if len(week_column) else []:
        slices[entry["values"]] = data.slice(offset, entry["counts"])
        offset += entry["counts"]

    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    if leases is not None:
        leases.hold(week_key(w, table) for w in weeks)  # all before any write, in order
    return parallel(
        lambda w: _write_file(
            lake, lake.dir(table, w), stamped(slices.get(w, data.slice(0, 0)), fingerprints.get(w)), w, leases
        ),
        list(weeks),
    )


def write_object(
    base_uri: str,
    relative_path: str,
    data: bytes,
    *,
    content_type: str | None = None,
    s3_endpoint_url: str | None = None,
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S,
    leases: Leases | None = None,
) -> str:
    """Write (replace) one file that is not a table, e.g. a report image, at `<base>/<relative_path>`;
    returns its URI. Atomic like the Parquet writes; with `leases`, under the lease of the week its
    path names (`.../week=<YYYY-MM-DD>/...`), if any."""
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    path = f"{lake.root}/{relative_path.strip('/')}"
    weeks = [p.removeprefix("week=") for p in relative_path.split("/") if p.startswith("week=")]
    if leases is not None and weeks:
        leases.hold([week_key(weeks[0], "")])
        leases.ensure(week_key(weeks[0], ""))
    if lake.is_s3:
        metadata = {"Content-Type": content_type} if content_type else None
        with lake.errors("writing", path), lake.fs.open_output_stream(path, metadata=metadata) as out:
            out.write(data)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temp = f"{os.path.dirname(path)}/.{os.path.basename(path)}.{uuid.uuid4().hex}.tmp"
        with open(temp, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    return lake.uri(path)


def _show(values: Iterable[Any], limit: int = 5) -> str:
    shown = sorted(values, key=str)
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(repr(v) for v in shown[:limit]) + more
