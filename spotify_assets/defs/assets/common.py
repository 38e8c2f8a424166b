"""What every lake asset shares: single-run backfills, owners, week framing. The weekly partitions
come from the settings (`spotify_assets.defs.partitions`) and are handed to each asset's builder."""

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.schemas import WEEK_COLUMN

OWNERS = ["team:music-data"]
SINGLE_RUN = dg.BackfillPolicy.single_run()


def split_weeks(table: pa.Table, weeks: list[str]) -> dict[str, pa.Table]:
    """One table per week of the run: a multi-week input carries a `week` column."""
    if WEEK_COLUMN not in table.column_names:
        return {weeks[0]: table}
    return {week: table.filter(pc.equal(table[WEEK_COLUMN], week)).drop_columns([WEEK_COLUMN]) for week in weeks}


def join_weeks(context: dg.AssetExecutionContext, tables: dict[str, pa.Table]) -> pa.Table:
    """The inverse of split_weeks: a single-partition run's week stays bare; a range run (even of
    one week) tags every row with its `week`, which the IO manager splits into one file per week."""
    if context.has_partition_key:
        return next(iter(tables.values()))
    return pa.concat_tables(
        table.append_column(WEEK_COLUMN, pa.array([week] * table.num_rows, pa.string()))
        for week, table in tables.items()
    )
