"""The local SQL catalog: a DuckDB file with one view per lake table (plain functions, no Dagster).

Each view reads `<lake>/<table>/week=*/*.parquet` with Hive partitioning, so `week` is a column,
typed VARCHAR ('YYYY-MM-DD') as Athena sees it (a string partition key): the same SQL runs on both.
Paths are absolute, so the catalog answers from any working directory.

The star's dimensions are weekly as-of snapshots (each week holds every version known up to it), so
their views show the latest snapshot only, without its `week`: a BI tool joins one table per
dimension. `dim_week`'s view names each week as the facts do (`week`, the Monday as 'YYYY-MM-DD').

The file holds nothing but these views and is rebuilt whole on every refresh, into a temporary file
that then replaces it. DuckDB lets no process write a file another process has open, even read-only,
so refreshing in place would fail while an analyst has the catalog open in a client; a replaced file
leaves their open connection on the old views and the next connection sees the new ones.
"""

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from spotify_assets.catalog.status import CatalogError, TableStatus
from spotify_assets.lake.schemas import TABLE_SCHEMAS, WEEK_COLUMN
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES

DATA_GLOB = "week=*/*.parquet"


def duckdb_type(arrow_type: pa.DataType) -> str:
    """The DuckDB type DuckDB itself reads an arrow/Parquet column of this type as."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_int32(arrow_type):
        return "INTEGER"
    if pa.types.is_int64(arrow_type):
        return "BIGINT"
    if pa.types.is_float64(arrow_type):
        return "DOUBLE"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP WITH TIME ZONE" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"{duckdb_type(arrow_type.value_type)}[]"
    raise ValueError(f"no DuckDB type for arrow type {arrow_type}; add it to duckdb_catalog.duckdb_type")


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def data_files(lake: str, table: str) -> list[Path]:
    return sorted(Path(lake, table).glob(DATA_GLOB))


def _read_sql(lake: str, table: str) -> str:
    pattern = str(Path(lake).resolve() / table / DATA_GLOB)
    # union_by_name: weeks written before a column was added read it as NULL instead of failing
    return (
        f"read_parquet({_quote_literal(pattern)}, hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{{_quote_literal(WEEK_COLUMN)}: VARCHAR}})"
    )


# dim_week's view names each week the way the facts' `week` does, so `using (week)` joins them
WEEK_KEY = f"strftime(week_start, '%Y-%m-%d') AS {WEEK_COLUMN}"


def view_sql(lake: str, table: str) -> str:
    """The view over every week of `table` in the local lake at `lake` (a dimension: its latest snapshot)."""
    source = _read_sql(lake, table)
    if table not in SNAPSHOT_TABLES:
        return f"CREATE OR REPLACE VIEW {_quote_ident(table)} AS SELECT * FROM {source}"
    extra = f", {WEEK_KEY}" if table == "dim_week" else ""
    week = _quote_ident(WEEK_COLUMN)
    return (
        f"CREATE OR REPLACE VIEW {_quote_ident(table)} AS SELECT * EXCLUDE ({week}){extra} FROM {source} "
        f"WHERE {week} = (SELECT max({week}) FROM {source})"
    )


def empty_view_sql(table: str) -> str:
    """A view with the table's columns and no rows, for a table with no week written yet."""
    columns = [f"CAST(NULL AS {duckdb_type(f.type)}) AS {_quote_ident(f.name)}" for f in TABLE_SCHEMAS[table]]
    if table not in SNAPSHOT_TABLES or table == "dim_week":
        columns.append(f"CAST(NULL AS VARCHAR) AS {_quote_ident(WEEK_COLUMN)}")
    return f"CREATE OR REPLACE VIEW {_quote_ident(table)} AS SELECT {', '.join(columns)} WHERE false"


def _table_status(con: duckdb.DuckDBPyConnection, lake: str, table: str) -> TableStatus:
    """The weeks stored (a week with an empty file counts: e.g. no rejected item that week) and the rows."""
    weeks = len({path.parent.name for path in data_files(lake, table)})
    (rows,) = con.execute(f"SELECT count(*) FROM {_quote_ident(table)}").fetchone()
    return TableStatus(table, partitions=weeks, rows=rows)


def refresh_catalog(
    catalog_path: str, lake: str, tables: Iterable[str] = tuple(TABLE_SCHEMAS)
) -> tuple[TableStatus, ...]:
    """(Re)build the catalog file at `catalog_path` over the local lake at `lake`; idempotent.

    A table without any data file gets an empty view with its schema when `lake/schemas.py` knows it,
    and no view otherwise. Returns each table's week and row counts.
    """
    if "://" in lake:
        raise CatalogError(
            f"the DuckDB catalog reads a local lake, not {lake}; on S3 set GLUE_DATABASE to "
            "catalog the lake in Glue and query it with Athena"
        )
    target = Path(catalog_path).expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    statuses = []
    try:
        with duckdb.connect(str(temp)) as con:
            for table in tables:
                if data_files(lake, table):
                    con.execute(view_sql(lake, table))
                elif table in TABLE_SCHEMAS:
                    con.execute(empty_view_sql(table))
                else:
                    continue
                statuses.append(_table_status(con, lake, table))
        # a write-ahead log left by a crashed writer would be replayed into the new file
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
        Path(f"{temp}.wal").unlink(missing_ok=True)
    return tuple(statuses)


def connect_read_only(catalog_path: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the catalog (never blocks a refresh nor another reader)."""
    path = Path(catalog_path).expanduser()
    if not path.is_file():
        raise CatalogError(
            f"no DuckDB catalog at {path}: run `make run` first (it builds the lake and the "
            "catalog), or point SPOTIFY_ASSETS_CATALOG / --catalog at an existing catalog file"
        )
    return duckdb.connect(str(path), read_only=True)
