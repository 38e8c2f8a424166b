"""The Dagster adapter of the lake's storage: `ParquetIOManager` stores each asset's output through
the `LakeStorage` resource and describes what it wrote (row count, column schema, location, preview)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.defs.dagster_internals import add_partition_metadata, run_is_partitioned
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.columns import COLUMN_DESCRIPTIONS
from spotify_assets.lake.conform import TableLike, conform, split_week_column, to_arrow
from spotify_assets.lake.location import is_s3_uri
from spotify_assets.lake.markdown import markdown_text

PREVIEW_ROWS = 5
PREVIEW_CHARS = 60


def column_schema(schema: pa.Schema, table: str | None = None) -> dg.TableSchema:
    """A Dagster column schema from an arrow schema (types as arrow prints them), each column with
    its meaning from the data contract (`lake/columns.py`): the UI's column table is the dictionary."""
    described = COLUMN_DESCRIPTIONS.get(table or "", {})
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=f.name,
                type=str(f.type),
                description=described.get(f.name),
                constraints=None if f.nullable else dg.TableColumnConstraints(nullable=False),
            )
            for f in schema
        ]
    )


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def _cell(value: Any) -> str:
    """One preview cell: literal Markdown (names come from Spotify), long values truncated."""
    return markdown_text(_plain(value), PREVIEW_CHARS)


def preview_markdown(data: pa.Table, rows: int = PREVIEW_ROWS) -> str:
    """The first rows of `data` as a Markdown table, long values truncated."""
    head = data.slice(0, rows).to_pylist()
    lines = [
        "| " + " | ".join(data.column_names) + " |",
        "|" + "---|" * data.num_columns,
        *("| " + " | ".join(_cell(row[c]) for c in data.column_names) + " |" for row in head),
    ]
    return "\n".join(lines)


def _week_heads(data: pa.Table, weeks: Sequence[str], rows: int = PREVIEW_ROWS) -> dict[str, pa.Table]:
    """The first rows of each week of a multi-week table (its `week` column dropped)."""
    data, week_column = split_week_column(data)
    return {week: data.filter(pc.equal(week_column, week)).slice(0, rows) for week in weeks}


def uri_value(uri: str) -> dg.MetadataValue:
    return dg.MetadataValue.url(uri) if is_s3_uri(uri) else dg.MetadataValue.path(uri)


class ParquetIOManager(dg.ConfigurableIOManager):
    """Stores each asset as a Hive-partitioned Parquet table: `<lake>/<asset>/week=<key>/`.

    A run over several weeks (a single-run backfill) hands over one frame with a `week` column and
    gets one file per week; inputs spanning several weeks come back with `week` restored. Inputs
    are pandas DataFrames unless annotated `pyarrow.Table`.
    """

    lake: LakeStorage

    def handle_output(self, context: dg.OutputContext, obj: TableLike | None) -> None:
        if obj is None:
            context.log.debug("asset returned None: nothing written")
            return
        table = context.asset_key.path[-1]
        arrow = to_arrow(obj)  # once: the writers and the preview below reuse it
        weeks = list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        # a range run (single-run backfill) hands over several weeks at once
        multi = len(weeks) > 1
        if multi:
            written = self.lake.write_weeks(table, weeks, arrow)
            uri = self.lake.uri(table)
        else:
            week = weeks[0]
            written = [self.lake.write_week(table, week, arrow)]
            uri = self.lake.uri(table, week)

        head = conform(table, split_week_column(arrow)[0].slice(0, PREVIEW_ROWS))
        metadata: dict[str, Any] = {
            "dagster/row_count": sum(w.rows for w in written),
            "dagster/column_schema": column_schema(head.schema, table),
            "dagster/uri": uri_value(uri),
            "dagster/table_name": table,
            "preview": dg.MetadataValue.md(preview_markdown(head)),
            "bytes": sum(w.bytes for w in written),
        }
        if multi:
            # Each week's materialization event (what the UI shows for a partition) gets that
            # week's own row count, folder, size and preview, never the whole run's; the run's
            # totals go to its log.
            context.log.info(
                f"{table}: {len(written)} weeks, {metadata['dagster/row_count']:,} rows, {metadata['bytes']:,} "
                f"bytes; rows by week: {', '.join(f'{w.week} {w.rows:,}' for w in written)}"
            )
            heads = _week_heads(arrow, [w.week for w in written])
            for w in written:
                add_partition_metadata(
                    context,
                    {
                        "dagster/row_count": w.rows,
                        "dagster/uri": uri_value(self.lake.uri(table, w.week)),
                        "preview": dg.MetadataValue.md(preview_markdown(conform(table, heads[w.week]))),
                        "bytes": w.bytes,
                    },
                    asset_key=context.asset_key,
                    partition_key=w.week,
                )
        context.add_output_metadata(metadata)

    def load_input(self, context: dg.InputContext) -> TableLike:
        table = context.asset_key.path[-1]
        if not context.has_asset_partitions:
            data = self.lake.read_unpartitioned(table)
        else:
            weeks = list(context.asset_partition_keys)
            data = self.lake.read_weeks(table, weeks, missing="error" if run_is_partitioned(context) else "skip")
        if context.dagster_type.typing_type is pa.Table:
            return data
        return data.to_pandas()
