"""Load the star's tables into Snowflake over a DB-API connection (plain functions, no Dagster).

Tables are created when missing, named in upper case (`FACT_PLAYLIST_ENTRY`, `DIM_SONG`, ...), with
the lake's columns in upper case; a column the contract gained since is added with `ALTER TABLE ... ADD
COLUMN`, never by dropping the table. A fact's weeks are replaced in one transaction (delete the weeks,
insert their rows), so a re-run never duplicates a row; a dimension is replaced whole by its latest
snapshot, in one transaction. Rows go in as `INSERT ... SELECT ... FROM VALUES` batches: the
connector's `write_pandas` stages Parquet files, which an emulator cannot take, and a batch of
literals is what any Snowflake accepts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES, STAR_SCHEMAS

WEEK = "WEEK"  # the fact's week (its Monday) as a DATE; on DIM_WEEK, the week_start the facts name
BATCH_ROWS = 1000  # Snowflake takes at most 16,384 rows in one VALUES list


class WarehouseError(RuntimeError):
    """A load that failed; the transaction was rolled back, so the table is as it was."""


@dataclass(frozen=True)
class Loaded:
    table: str  # the Snowflake table
    rows: int  # rows inserted
    added_columns: tuple[str, ...]  # columns added with ALTER TABLE
    weeks: tuple[str, ...] = ()  # the fact weeks replaced


def snowflake_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "VARCHAR"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_integer(arrow_type):
        return "NUMBER(38,0)"
    if pa.types.is_floating(arrow_type):
        return "FLOAT"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMP_TZ" if arrow_type.tz else "TIMESTAMP_NTZ"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return "ARRAY"
    raise ValueError(f"no Snowflake type for arrow type {arrow_type}; add it to warehouse/snowflake.py")


def table_name(table: str) -> str:
    return table.upper()


def _ident(name: str) -> str:
    return '"' + name.upper().replace('"', '""') + '"'


def warehouse_schema(table: str) -> pa.Schema:
    """The Snowflake table's columns: the lake's, after `WEEK` on the facts and on `dim_week`."""
    schema = STAR_SCHEMAS[table]
    if table in SNAPSHOT_TABLES and table != "dim_week":
        return schema
    return pa.schema([pa.field(WEEK.lower(), pa.date32(), nullable=False), *schema])


def _existing_columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = CURRENT_SCHEMA() AND table_name = %s ORDER BY ordinal_position",
        (table_name(table),),
    )
    return [row[0].upper() for row in cursor.fetchall()]


def ensure_table(cursor, table: str, schema: pa.Schema) -> tuple[str, ...]:
    """Create the table when missing; add the schema's columns it lacks. Returns the columns added."""
    columns = ", ".join(f"{_ident(f.name)} {snowflake_type(f.type)}" for f in schema)
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {_ident(table_name(table))} ({columns})")
    existing = set(_existing_columns(cursor, table))
    added = []
    for field in schema:
        if field.name.upper() not in existing:
            cursor.execute(
                f"ALTER TABLE {_ident(table_name(table))} ADD COLUMN {_ident(field.name)} {snowflake_type(field.type)}"
            )
            added.append(field.name.upper())
    return tuple(added)


def _select_list(schema: pa.Schema) -> str:
    items = []
    for i, field in enumerate(schema, start=1):
        kind = snowflake_type(field.type)
        items.append(f"PARSE_JSON(column{i})" if kind == "ARRAY" else f"column{i}::{kind}")
    return ", ".join(items)


def _values(row: dict, schema: pa.Schema) -> list:
    values = []
    for field in schema:
        value = row.get(field.name)
        if value is not None and (pa.types.is_list(field.type) or pa.types.is_large_list(field.type)):
            value = json.dumps(value, ensure_ascii=False)
        values.append(value)
    return values


def insert_rows(cursor, table: str, schema: pa.Schema, rows: Sequence[dict]) -> int:
    """Insert `rows` (dicts keyed by the schema's lower-case names) in batches."""
    columns = ", ".join(_ident(f.name) for f in schema)
    placeholders = "(" + ", ".join(["%s"] * len(schema)) + ")"
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start : start + BATCH_ROWS]
        cursor.execute(
            f"INSERT INTO {_ident(table_name(table))} ({columns}) SELECT {_select_list(schema)} "
            f"FROM VALUES {', '.join([placeholders] * len(batch))}",
            [value for row in batch for value in _values(row, schema)],
        )
    return len(rows)


def _in_transaction(connection, table: str, work) -> int:
    cursor = connection.cursor()
    cursor.execute("BEGIN")
    try:
        rows = work(cursor)
    except Exception as error:
        cursor.execute("ROLLBACK")
        raise WarehouseError(
            f"loading {table_name(table)} failed and was rolled back, so the table is as it was: {error}"
        ) from error
    cursor.execute("COMMIT")
    return rows


def _week_date(week: str) -> date:
    return date.fromisoformat(week)


def load_fact_weeks(connection, table: str, weeks: Mapping[str, pa.Table], schema: pa.Schema | None = None) -> Loaded:
    """Replace the fact table's rows of each week in `weeks` (week -> that week's lake rows) in one
    transaction: a re-run of a week replaces it, never adds to it."""
    schema = schema or warehouse_schema(table)
    added = ensure_table(connection.cursor(), table, schema)
    rows = [{WEEK.lower(): _week_date(week), **row} for week, data in sorted(weeks.items()) for row in data.to_pylist()]
    weeks_sql = ", ".join(["%s"] * len(weeks))

    def work(cursor) -> int:
        cursor.execute(
            f"DELETE FROM {_ident(table_name(table))} WHERE {_ident(WEEK)} IN ({weeks_sql})",
            [_week_date(week) for week in sorted(weeks)],
        )
        return insert_rows(cursor, table, schema, rows)

    inserted = _in_transaction(connection, table, work) if weeks else 0
    return Loaded(table_name(table), inserted, added, tuple(sorted(weeks)))


def replace_dimension(connection, table: str, snapshot: pa.Table, schema: pa.Schema | None = None) -> Loaded:
    """Replace the dimension with `snapshot` (its latest as-of snapshot) in one transaction."""
    schema = schema or warehouse_schema(table)
    added = ensure_table(connection.cursor(), table, schema)
    rows = snapshot.to_pylist()
    if WEEK.lower() in schema.names:  # dim_week: each week named as the facts name it
        rows = [{WEEK.lower(): row["week_start"], **row} for row in rows]

    def work(cursor) -> int:
        cursor.execute(f"DELETE FROM {_ident(table_name(table))}")
        return insert_rows(cursor, table, schema, rows)

    return Loaded(table_name(table), _in_transaction(connection, table, work), added)
