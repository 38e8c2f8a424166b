"""`GlueCrawlerResource`: the lake's tables in the AWS Glue Data Catalog, for Athena.

A thin Dagster adapter over `catalog.glue_catalog.GlueCatalog` (the logic, testable without
Dagster). The configuration is checked against AWS when a run sets the resource up, before the
catalog is touched: a missing role, an unknown bucket or a crawler name taken by another database
fails there with the setting named.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import dagster as dg
from pydantic import Field

from spotify_assets.catalog.status import CatalogError, CatalogReport
from spotify_assets.defs.resources.catalog import LakeCatalogResource, Log
from spotify_assets.endpoints import EndpointRefusedError, aws_endpoints_from_env
from spotify_assets.lake.schemas import TABLE_SCHEMAS

if TYPE_CHECKING:  # boto3 is imported when a run uses Glue, not whenever the code location loads
    from spotify_assets.catalog.glue_catalog import GlueCatalog


class GlueCrawlerResource(LakeCatalogResource):
    """Registers new weeks as Glue partitions, or runs the Glue crawler when a table or column is new."""

    database: str = Field(description="Glue database of the lake's tables (GLUE_DATABASE).")
    lake_uri: str = Field(description="The lake, s3://bucket/prefix (SPOTIFY_ASSETS_LAKE).")
    crawler_name: str | None = Field(
        default=None, description="Crawler name (GLUE_CRAWLER); default `<database>_crawler`."
    )
    role_arn: str | None = Field(
        default=None,
        description="IAM role the crawler runs as (GLUE_CRAWLER_ROLE_ARN); needed to create the crawler.",
    )
    tables: list[str] = Field(default=list(TABLE_SCHEMAS), description="Table folders to catalog.")
    timeout_s: float = Field(default=900.0, description="Longest wait for a crawl to finish, in seconds.")
    poll_interval_s: float = Field(default=15.0, description="Seconds between crawler status polls.")
    mode: Literal["auto", "crawl", "partitions"] = Field(
        default="auto",
        description="auto: register partitions when the schema is unchanged, else crawl; "
        "crawl: always crawl; partitions: never crawl (tables must exist).",
    )
    region_name: str | None = Field(default=None, description="AWS region; default boto3's.")

    def catalog(self, log: Log = lambda message: None) -> "GlueCatalog":
        import boto3

        from spotify_assets.catalog.glue_catalog import GlueCatalog

        session = boto3.session.Session(region_name=self.region_name)
        return GlueCatalog(
            # endpoints from AWS_ENDPOINT_URL(_GLUE, _S3) only, checked at set-up (docs/decisions.md, 38)
            session.client("glue"),
            session.client("s3"),
            database=self.database,
            crawler_name=self.crawler_name or f"{self.database}_crawler",
            lake_uri=self.lake_uri,
            role_arn=self.role_arn,
            tables=self.tables,
            timeout_s=self.timeout_s,
            poll_interval_s=self.poll_interval_s,
            mode=self.mode,
            log=log,
        )

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # fail on bad configuration before any asset of the run touches Glue
        try:
            aws_endpoints_from_env()
            self.catalog().validate()
        except (CatalogError, EndpointRefusedError) as error:
            raise dg.Failure(description=str(error), allow_retries=False) from error

    def refresh(self, weeks: Sequence[str], log: Log) -> CatalogReport:
        return self.catalog(log).refresh(weeks)
