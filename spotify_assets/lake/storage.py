"""The lake's Parquet storage on `pyarrow.fs`, without Dagster: write (replace) and read weeks of a
table, list the stored weeks, write a file that is not a table (docs/architecture.md).

Every write is atomic (one PUT on S3; a hidden temporary file renamed into place on disk) and
replaces the week's file, then deletes any other file in its folder: a rerun leaves one file per
table and week. With `leases` a write first holds the week's lease (`lake/lease.py`), and only then
are other hidden temporary files in the folder orphans to delete; without, they are left alone.
`spotify_assets.defs.io_manager.ParquetIOManager` maps Dagster partitions onto these.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spotify_assets.lake.conform import TableLike, conform, split_week_column, to_arrow
from spotify_assets.lake.lease import Leases, week_key
from spotify_assets.lake.location import DEFAULT_S3_TIMEOUT_S, Lake, is_data_file, is_temp_file, open_lake, parallel
from spotify_assets.lake.schemas import TABLE_SCHEMAS, WEEK_COLUMN

PART_FILE = "part-0.parquet"
COMPRESSION = "zstd"
_READ_BATCH_ROWS = 16_384


@dataclass(frozen=True)
class WrittenFile:
    """One object written to the lake."""

    week: str | None
    uri: str
    rows: int
    bytes: int


class MissingWeekError(FileNotFoundError):
    """A requested week of a table has not been materialized."""


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
    data, weeks = split_week_column(to_arrow(table_data))
    if weeks is not None:
        found = set(pc.unique(weeks).to_pylist()) - {week}
        if found:
            raise ValueError(f"table {table!r}: rows for week(s) {_show(found)} in an output for week {week!r}")
    data = conform(table, data)
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
    data, week_column = split_week_column(to_arrow(table_data))
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
        lambda w: _write_file(lake, lake.dir(table, w), slices.get(w, data.slice(0, 0)), w, leases),
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


def list_weeks(
    base_uri: str, table: str, *, s3_endpoint_url: str | None = None, s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S
) -> list[str]:
    """The weeks of `table` that hold at least one data file, sorted."""
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    prefix = lake.dir(table) + "/week="
    with lake.errors("listing", lake.dir(table)):
        infos = lake.files(lake.dir(table))
    return sorted(
        {i.path[len(prefix) :].split("/", 1)[0] for i in infos if i.path.startswith(prefix) and is_data_file(i)}
    )


def _read_dir(lake: Lake, table: str, week: str | None) -> pa.Table | None:
    directory = lake.dir(table, week)
    with lake.errors("reading", directory):
        files = sorted(i.path for i in lake.files(directory, recursive=week is not None) if is_data_file(i))
        if not files:
            return None
        schema = TABLE_SCHEMAS.get(table)
        parts = [_read_file(lake, f, schema) for f in files]
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts, promote_options="permissive")


def _read_file(lake: Lake, path: str, schema: pa.Schema | None) -> pa.Table:
    """One data file as a table of `schema` (the file's own when None).

    Batch by batch when the file has the schema: a whole-column read grows each column's buffers by
    reallocation, which for a week of raw JSON peaks at about twice the column (measured: 1.4 GB
    instead of 0.86 GB for a 0.65 GB raw week), and the batches arrive as the table's chunks.
    """
    with lake.fs.open_input_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        if schema is None or parquet.schema_arrow.equals(schema):
            target = parquet.schema_arrow if schema is None else schema
            return pa.Table.from_batches(parquet.iter_batches(batch_size=_READ_BATCH_ROWS), schema=target)
    # another schema (a file written before a column was added): let the dataset reader adapt it;
    # partitioning=None: the week is added by us, as a string, not discovered and re-typed
    return pq.read_table(path, filesystem=lake.fs, schema=schema, partitioning=None)


def read_weeks(
    base_uri: str,
    table: str,
    weeks: Sequence[str],
    *,
    with_week: bool | None = None,
    missing: Literal["error", "skip"] = "error",
    s3_endpoint_url: str | None = None,
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S,
) -> pa.Table:
    """The rows of `weeks` of `table` as one arrow table.

    `with_week` (default: more than one week requested) appends the `week` column as a string.
    A week that was never written raises `MissingWeekError`, or is left out with `missing="skip"`.
    """
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    with_week = len(weeks) > 1 if with_week is None else with_week

    def read(week: str) -> pa.Table | None:
        data = _read_dir(lake, table, week)
        if data is None and missing == "error":
            raise MissingWeekError(
                f"week {week} of table {table!r} has not been materialized: no Parquet file under "
                f"{lake.uri(lake.dir(table, week))}. Materialize asset {table!r} for partition "
                f"{week} first."
            )
        if data is not None and with_week:
            data = data.append_column(WEEK_COLUMN, pa.repeat(pa.scalar(week, pa.string()), data.num_rows))
        return data

    tables = [t for t in parallel(read, list(weeks)) if t is not None]
    if not tables:
        schema = TABLE_SCHEMAS.get(table)
        if schema is None:
            raise MissingWeekError(f"no week of table {table!r} is materialized under {lake.uri(lake.dir(table))}")
        empty = schema.empty_table()
        return empty.append_column(WEEK_COLUMN, pa.array([], pa.string())) if with_week else empty
    return pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]


def read_unpartitioned(
    base_uri: str, table: str, *, s3_endpoint_url: str | None = None, s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S
) -> pa.Table:
    """The whole of an unpartitioned table (the files directly in its folder)."""
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)
    data = _read_dir(lake, table, None)
    if data is None:
        raise MissingWeekError(
            f"table {table!r} has not been materialized: no Parquet file in {lake.uri(lake.dir(table))}"
        )
    return data
