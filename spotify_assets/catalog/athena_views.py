"""The star's latest-snapshot views on Athena, as the Glue catalog holds them (no Dagster, no AWS call).

A dimension's Glue table (`dim_*`, `bridge_song_artist`) holds every weekly as-of snapshot, its `week`
a partition. Its view `<table>_latest` selects the latest snapshot without `week`, like the DuckDB
catalog's view of the table; `dim_week_latest` adds `week` ('YYYY-MM-DD'), the facts' spelling.

Athena keeps a view as a Glue table of type `VIRTUAL_VIEW`: `ViewOriginalText` is
`/* Presto View: <base64 of a JSON document> */`, the document holding the SELECT, the catalog, the
database and the columns in Athena's types; `ViewExpandedText` is `/* Presto View */`; the storage
descriptor repeats the columns in Glue's types. `view_table_input` writes exactly that, so Athena
reads the view as one it created itself.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from spotify_assets.catalog.glue_types import glue_type, presto_type
from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES, STAR_SCHEMAS

VIEW_SUFFIX = "_latest"
ATHENA_CATALOG = "awsdatacatalog"
PRESTO_VIEW_START, PRESTO_VIEW_END = "/* Presto View: ", " */"
PRESTO_VIEW_EXPANDED = "/* Presto View */"
PRESTO_VIEW_PARAMETERS = {"presto_view": "true", "comment": "Presto View"}


@dataclass(frozen=True)
class ViewColumn:
    name: str
    glue_type: str
    presto_type: str
    expression: str  # what the SELECT computes it from


def view_name(table: str) -> str:
    return f"{table}{VIEW_SUFFIX}"


def view_columns(table: str) -> list[ViewColumn]:
    """The view's columns: the table's schema (`lake/star_schemas.py`), plus `week` for `dim_week`."""
    if table not in SNAPSHOT_TABLES:
        raise ValueError(f"{table!r} is not a snapshot table of lake/star_schemas.py; known: {SNAPSHOT_TABLES}")
    columns = [ViewColumn(f.name, glue_type(f.type), presto_type(f.type), f.name) for f in STAR_SCHEMAS[table]]
    if table == "dim_week":
        # CAST of a date to varchar is ISO 'YYYY-MM-DD' in Athena, the facts' `week`
        columns.append(ViewColumn(WEEK_COLUMN, "string", "varchar", "CAST(week_start AS varchar)"))
    return columns


def view_sql(table: str) -> str:
    """The view's SELECT: `table`'s latest snapshot. Bare table names resolve in the view's database."""
    select = ", ".join(c.name if c.expression == c.name else f"{c.expression} AS {c.name}" for c in view_columns(table))
    return f"SELECT {select} FROM {table} WHERE {WEEK_COLUMN} = (SELECT max({WEEK_COLUMN}) FROM {table})"


def presto_view_document(table: str, database: str) -> dict[str, Any]:
    return {
        "originalSql": view_sql(table),
        "catalog": ATHENA_CATALOG,
        "schema": database,
        "columns": [{"name": c.name, "type": c.presto_type} for c in view_columns(table)],
    }


def encode_presto_view(document: dict[str, Any]) -> str:
    encoded = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
    return f"{PRESTO_VIEW_START}{encoded}{PRESTO_VIEW_END}"


def decode_presto_view(text: str) -> dict[str, Any] | None:
    """The JSON document of a `ViewOriginalText`, or None when it is not a Presto view's."""
    text = (text or "").strip()
    if not (text.startswith(PRESTO_VIEW_START) and text.endswith(PRESTO_VIEW_END)):
        return None
    try:
        return json.loads(base64.b64decode(text[len(PRESTO_VIEW_START) : -len(PRESTO_VIEW_END)]))
    except ValueError:
        return None


def view_table_input(table: str, database: str) -> dict[str, Any]:
    """The Glue `TableInput` of `table`'s view in Glue database `database`."""
    return {
        "Name": view_name(table),
        "Description": f"The latest weekly snapshot of {table} (docs/catalog.md, The star on Athena)",
        "TableType": "VIRTUAL_VIEW",
        "ViewOriginalText": encode_presto_view(presto_view_document(table, database)),
        "ViewExpandedText": PRESTO_VIEW_EXPANDED,
        "Parameters": dict(PRESTO_VIEW_PARAMETERS),
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": c.glue_type} for c in view_columns(table)],
            "SerdeInfo": {},
        },
    }


def view_difference(found: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """What of `desired` (a `view_table_input`) the Glue table `found` lacks; [] when it is that view."""
    differ = [key for key in ("TableType", "ViewExpandedText") if found.get(key) != desired[key]]
    if any(found.get("Parameters", {}).get(k) != v for k, v in desired["Parameters"].items()):
        differ.append("Parameters")
    if decode_presto_view(found.get("ViewOriginalText", "")) != decode_presto_view(desired["ViewOriginalText"]):
        differ.append("ViewOriginalText")
    columns = [(c["Name"], c["Type"]) for c in found.get("StorageDescriptor", {}).get("Columns", [])]
    if columns != [(c["Name"], c["Type"]) for c in desired["StorageDescriptor"]["Columns"]]:
        differ.append("Columns")
    return differ
