"""The types of the lake's columns in the Glue Data Catalog: Glue's (Hive's), as a crawler reads them
from the Parquet files, and Athena's (Presto's), as an Athena view declares them."""

import pyarrow as pa


def glue_type(arrow_type: pa.DataType) -> str:
    """The Glue/Hive type a crawler gives a Parquet column of this arrow type."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int32(arrow_type):
        return "int"
    if pa.types.is_int64(arrow_type):
        return "bigint"
    if pa.types.is_float64(arrow_type):
        return "double"
    if pa.types.is_date32(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array<{glue_type(arrow_type.value_type)}>"
    raise ValueError(f"no Glue type for arrow type {arrow_type}; add it to glue_types.glue_type")


def glue_columns(schema: pa.Schema) -> list[dict[str, str]]:
    return [{"Name": f.name, "Type": glue_type(f.type)} for f in schema]


def presto_type(arrow_type: pa.DataType) -> str:
    """The Athena (Presto/Trino) type Athena reads a Parquet column of this arrow type as."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "varchar"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_int32(arrow_type):
        return "integer"
    if pa.types.is_int64(arrow_type):
        return "bigint"
    if pa.types.is_float64(arrow_type):
        return "double"
    if pa.types.is_date32(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"array({presto_type(arrow_type.value_type)})"
    raise ValueError(f"no Athena type for arrow type {arrow_type}; add it to glue_types.presto_type")
