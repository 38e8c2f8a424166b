"""The types of the lake's columns in the Glue Data Catalog: Glue's (Hive's), as a crawler reads them
from the Parquet files, and Athena's (Presto's), as an Athena view declares them."""

from collections.abc import Callable

import pyarrow as pa

# (is this arrow type, its Glue/Hive name, its Athena/Presto name); lists are handled apart
_SCALARS: list[tuple[Callable[[pa.DataType], bool], str, str]] = [
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), "string", "varchar"),
    (pa.types.is_boolean, "boolean", "boolean"),
    (pa.types.is_int32, "int", "integer"),
    (pa.types.is_int64, "bigint", "bigint"),
    (pa.types.is_float64, "double", "double"),
    (pa.types.is_date32, "date", "date"),
    (pa.types.is_timestamp, "timestamp", "timestamp"),
]


def glue_type(arrow_type: pa.DataType) -> str:
    """The Glue/Hive type a crawler gives a Parquet column of this arrow type."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array<{glue_type(arrow_type.value_type)}>"
    for matches, glue, _ in _SCALARS:
        if matches(arrow_type):
            return glue
    raise ValueError(f"no Glue type for arrow type {arrow_type}; add it to glue_types._SCALARS")


def glue_columns(schema: pa.Schema) -> list[dict[str, str]]:
    return [{"Name": f.name, "Type": glue_type(f.type)} for f in schema]


def presto_type(arrow_type: pa.DataType) -> str:
    """The Athena (Presto/Trino) type Athena reads a Parquet column of this arrow type as."""
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array({presto_type(arrow_type.value_type)})"
    for matches, _, presto in _SCALARS:
        if matches(arrow_type):
            return presto
    raise ValueError(f"no Athena type for arrow type {arrow_type}; add it to glue_types._SCALARS")
