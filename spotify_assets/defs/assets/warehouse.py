"""`snowflake_star`: the lake's star loaded into Snowflake (group `warehouse`, README.md, Snowflake).

In the code location only when SNOWFLAKE_ACCOUNT is set, so no week shows green for a load that did
not happen. Each run replaces its weeks of every fact table (delete and insert, one transaction per
table) and replaces every dimension by the newest snapshot stored in the lake (which holds every
version known, so re-running an old week never takes versions away).
"""

import dagster as dg
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES, STAR_SCHEMAS

GROUP = "warehouse"
FACTS = tuple(table for table in STAR_SCHEMAS if table not in SNAPSHOT_TABLES)


def warehouse_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["snowflake", table])


def build_snowflake_star(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """One asset per star table in Snowflake (`snowflake/<table>`), over `partitions`."""

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                warehouse_key(table),
                description=(
                    f"{table.upper()} in Snowflake: "
                    + (
                        "the run's weeks replaced in one transaction (WEEK, a DATE, is the week's Monday)."
                        if table in FACTS
                        else "replaced by the newest snapshot in the lake, in one transaction."
                    )
                ),
                deps=[table],
                group_name=GROUP,
                kinds={"snowflake"},
                owners=OWNERS,
            )
            for table in STAR_SCHEMAS
        ],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        # by key, not as a typed parameter: dagster-snowflake loads only where Snowflake is configured
        required_resource_keys={"snowflake", "lake"},
    )
    def snowflake_star(context: dg.AssetExecutionContext):
        """Loads the star into Snowflake: creates the tables when missing and adds new columns with ALTER
        TABLE; replaces the run's weeks of each fact and each dimension by its newest lake snapshot."""
        from spotify_assets.warehouse.snowflake import WarehouseError, load_fact_weeks, replace_dimension

        weeks = sorted(context.partition_keys)
        # `snowflake` is what dagster-snowflake attaches to the context; get_connection() is the connector's
        snowflake, lake = context.resources.snowflake, context.resources.lake
        with snowflake.get_connection() as connection:
            for table in STAR_SCHEMAS:
                try:
                    if table in FACTS:
                        data = lake.read_weeks(table, weeks, with_week=True)
                        by_week = {
                            week: data.filter(pc.equal(data["week"], week)).drop_columns(["week"]) for week in weeks
                        }
                        loaded = load_fact_weeks(connection, table, by_week)
                    else:
                        newest = max(lake.list_weeks(table))
                        loaded = replace_dimension(connection, table, lake.read_weeks(table, [newest], with_week=False))
                except WarehouseError as error:
                    raise dg.Failure(description=str(error), allow_retries=False) from error
                context.log.info(f"{loaded.table}: {loaded.rows:,} rows loaded")
                yield dg.MaterializeResult(
                    asset_key=warehouse_key(table),
                    metadata={
                        "dagster/table_name": f"{connection.database}.{connection.schema}.{loaded.table}",
                        "rows_loaded": loaded.rows,
                        "added_columns": ", ".join(loaded.added_columns) or "none",
                        **({"weeks": ", ".join(loaded.weeks)} if table in FACTS else {"snapshot": newest}),
                    },
                )

    return snowflake_star
