"""Every file of a table has its one schema: data cast to the lake schema of its table, and the
`week` column of a multi-week table split off (the week lives in the path)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Union

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.schemas import TABLE_SCHEMAS, WEEK_COLUMN

if TYPE_CHECKING:  # pandas costs a second of start-up, and the lake's own assets are arrow
    import pandas as pd

TableLike = Union[pa.Table, "pd.DataFrame"]


def to_arrow(data: TableLike) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    # a DataFrame exists only if pandas was imported by whoever made it
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(f"expected a pyarrow.Table or pandas.DataFrame, got {type(data).__name__}")


def _denull(t: pa.DataType) -> pa.DataType:
    """The type with every `null` inside it replaced by `string` (Athena/Glue cannot read `null`)."""
    if pa.types.is_null(t):
        return pa.string()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        field = t.value_field.with_type(_denull(t.value_type))
        return pa.list_(field) if pa.types.is_list(t) else pa.large_list(field)
    if pa.types.is_struct(t):
        return pa.struct([t.field(i).with_type(_denull(t.field(i).type)) for i in range(t.num_fields)])
    return t


def conform(table: str, data: TableLike) -> pa.Table:
    """`data` cast to the lake schema of `table` (exact columns, order and types).

    Missing nullable columns are filled with typed nulls; extra columns, missing required columns,
    nulls in required columns and impossible casts raise `ValueError`. A table without a registered
    schema keeps its own, with null-typed columns turned into strings.
    """
    arrow = to_arrow(data)
    schema = TABLE_SCHEMAS.get(table)
    if schema is None:
        arrow = arrow.replace_schema_metadata(None)
        target = pa.schema([f.with_type(_denull(f.type)) for f in arrow.schema])
        return arrow if target.equals(arrow.schema) else arrow.cast(target)

    extra = [c for c in arrow.column_names if c not in schema.names]
    if extra:
        raise ValueError(f"table {table!r} has columns not in its schema (spotify_assets/lake/schemas.py): {extra}")
    columns = []
    for field in schema:
        if field.name not in arrow.column_names:
            if not field.nullable:
                raise ValueError(f"table {table!r} is missing required column {field.name!r}")
            columns.append(pa.nulls(arrow.num_rows, field.type))
            continue
        column = arrow[field.name]
        if column.type != field.type:
            # ns -> us truncation of timestamps (pandas' default unit) is expected, not an error
            safe = not pa.types.is_timestamp(field.type)
            try:
                column = column.cast(field.type, safe=safe)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
                raise ValueError(
                    f"table {table!r}: column {field.name!r} of type {column.type} cannot be cast "
                    f"to {field.type}: {error}"
                ) from error
        if not field.nullable and column.null_count:
            raise ValueError(f"table {table!r}: required column {field.name!r} has {column.null_count} null value(s)")
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=schema)


def _week_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return pc.strftime(column, "%Y-%m-%d")
    return column.cast(pa.string())


def split_week_column(data: pa.Table) -> tuple[pa.Table, pa.ChunkedArray | None]:
    if WEEK_COLUMN not in data.column_names:
        return data, None
    index = data.column_names.index(WEEK_COLUMN)
    return data.remove_column(index), _week_strings(data.column(index))
