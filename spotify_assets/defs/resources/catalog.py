"""The catalog resources: what `lake_catalog` refreshes after a week lands (docs/catalog.md).

`DuckDBCatalogResource` for a local lake; `GlueCrawlerResource` (resources/glue.py) for a lake on
S3 with GLUE_DATABASE set; `UncataloguedLakeResource` for a lake on S3 without Glue settings.
"""

from collections.abc import Callable, Sequence

import dagster as dg

# duckdb and boto3 are imported by the resource that uses them, not whenever the code location loads
from spotify_assets.catalog.status import CatalogReport, TableStatus
from spotify_assets.lake.schemas import TABLE_SCHEMAS

Log = Callable[[str], None]


class LakeCatalogResource(dg.ConfigurableResource):
    """Makes weeks of the lake queryable with SQL and reports the catalog."""

    def refresh(self, weeks: Sequence[str], log: Log) -> CatalogReport:
        raise NotImplementedError


class DuckDBCatalogResource(LakeCatalogResource):
    """A DuckDB file with one view per table over the local lake's Parquet (`week` a column)."""

    path: str
    lake: str

    def refresh(self, weeks: Sequence[str], log: Log) -> CatalogReport:
        from spotify_assets.catalog.duckdb_catalog import refresh_catalog

        tables = refresh_catalog(self.path, self.lake)
        log(f"DuckDB catalog {self.path}: views over {', '.join(t.name for t in tables)}")
        return CatalogReport("duckdb", tables, {"catalog_file": self.path})


class UncataloguedLakeResource(LakeCatalogResource):
    """A lake on S3 without GLUE_DATABASE: nothing to refresh, the weeks in the lake are reported."""

    lake: str

    def refresh(self, weeks: Sequence[str], log: Log) -> CatalogReport:
        import boto3

        from spotify_assets.catalog.glue_catalog import s3_lake_weeks

        s3 = boto3.client("s3")  # the endpoint from AWS_ENDPOINT_URL(_S3), as the lake's
        tables = tuple(TableStatus(t, len(s3_lake_weeks(s3, self.lake, t))) for t in TABLE_SCHEMAS)
        hint = "set GLUE_DATABASE and GLUE_CRAWLER_ROLE_ARN to catalog the S3 lake in Glue for Athena"
        log(f"no SQL catalog for {self.lake}: {hint}")
        return CatalogReport("none", tables, {"hint": hint})
