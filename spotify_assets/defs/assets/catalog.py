"""`lake_catalog`: the lake's tables made queryable with SQL once their week has landed."""

import dagster as dg

from spotify_assets.catalog.status import CatalogError
from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN
from spotify_assets.defs.checks import check_specs, emit
from spotify_assets.defs.resources.catalog import LakeCatalogResource
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.fingerprints import BUILT_FROM_RAW, TABLES_MATCH_RAW, tables_match_raw
from spotify_assets.lake.schemas import TABLE_SCHEMAS

CATALOGUED = list(TABLE_SCHEMAS)  # every table with a schema, the trend tables included


def build_lake_catalog(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`lake_catalog` over `partitions`."""

    @dg.asset(
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        deps=CATALOGUED,
        group_name="catalog",
        kinds={"duckdb", "glue"},
        owners=OWNERS,
        check_specs=check_specs("lake_catalog", partitions, (TABLES_MATCH_RAW,)),
    )
    def lake_catalog(context: dg.AssetExecutionContext, catalog: LakeCatalogResource, lake: LakeStorage):
        """The SQL catalog over every lake table, refreshed for the run's weeks: DuckDB views in
        `data/catalog.duckdb` for a local lake; on S3 with GLUE_DATABASE set, Glue tables for Athena
        (the weeks registered as partitions, or the Glue crawler run when a table or column is new),
        with an Athena view `<dimension>_latest` of each star dimension's latest snapshot.
        Reports each table with its partition count (and its row count locally) and which path ran,
        and checks that each week's curated tables were built from the raw week stored."""
        weeks = sorted(context.partition_keys)
        try:
            report = catalog.refresh(weeks, log=context.log.info)
        except CatalogError as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error
        metadata = {
            "catalog_path": report.path,
            "tables": dg.MetadataValue.json(report.tables_json()),
            "summary": dg.MetadataValue.md(report.markdown()),
        }
        if report.views:
            metadata["views"] = dg.MetadataValue.json(list(report.views))
        for key, value in report.details.items():
            metadata[key] = dg.MetadataValue.path(value) if key == "catalog_file" else value
        raw = lake.fingerprints("raw_playlist", weeks)
        built = {table: lake.fingerprints(table, weeks) for table in BUILT_FROM_RAW}
        outcomes = {week: [tables_match_raw(week, raw[week], {t: built[t][week] for t in built})] for week in weeks}
        yield from emit(context, outcomes, [dg.Output(None, metadata=metadata)])

    return lake_catalog
