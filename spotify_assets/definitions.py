"""The code location: assets, checks, job, schedule, sensor and the resources for this environment."""

import dagster as dg

from spotify_assets.defs.assets.catalog import build_lake_catalog
from spotify_assets.defs.assets.chart_streams import build_chart_streams, build_spotify_chart_songs
from spotify_assets.defs.assets.raw import build_raw_playlist
from spotify_assets.defs.assets.spotify_charts import build_raw_spotify_chart, build_spotify_chart_tables
from spotify_assets.defs.assets.star import build_star_schema
from spotify_assets.defs.assets.tables import build_lake_tables
from spotify_assets.defs.assets.trends import build_music_trends
from spotify_assets.defs.assets.warehouse import build_snowflake_star
from spotify_assets.defs.assets.weekly_report import build_weekly_report
from spotify_assets.defs.checks import freshness_checks, schema_change_checks
from spotify_assets.defs.io_manager import ParquetIOManager
from spotify_assets.defs.jobs import (
    WEEKLY_JOB,
    build_lake_freshness_job,
    build_spotify_charts_job,
    build_weekly_lake_job,
    build_weekly_lake_schedule,
)
from spotify_assets.defs.partitions import build_weekly_partitions, partition_weeks
from spotify_assets.defs.resources.catalog import DuckDBCatalogResource, UncataloguedLakeResource
from spotify_assets.defs.resources.charts import SpotifyChartsResource
from spotify_assets.defs.resources.glue import GlueCrawlerResource
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.defs.resources.snowflake import build_snowflake_resource
from spotify_assets.defs.resources.spotify import SpotifyResource
from spotify_assets.defs.sensors import build_lake_freshness_sensor, build_spotify_charts_sensor
from spotify_assets.settings import Settings, load_settings


def _optional_env(name: str, present: bool) -> dg.EnvVar | None:
    return dg.EnvVar(name) if present else None


def catalog_resources(settings: Settings) -> dict:
    """DuckDB views for a local lake; Glue (and Athena) for a lake on S3 with GLUE_DATABASE set."""
    if not settings.lake_is_s3:
        return {"catalog": DuckDBCatalogResource(path=settings.catalog_path, lake=settings.lake)}
    if not settings.glue_database:
        return {"catalog": UncataloguedLakeResource(lake=settings.lake)}
    # imported here: dagster-aws adds seconds to every load of a local code location
    from dagster_aws.athena import AthenaClientResource

    return {
        "catalog": GlueCrawlerResource(
            database=settings.glue_database,
            lake_uri=settings.lake,
            crawler_name=settings.glue_crawler,
            role_arn=settings.glue_crawler_role_arn,
            mode=settings.glue_catalog_mode,
        ),
        "athena": AthenaClientResource(workgroup=settings.athena_workgroup),
    }


def build_resources(settings: Settings) -> dict:
    """The resources for the environment described by `settings` (README.md, Configuration)."""
    lake = LakeStorage(
        base_uri=settings.lake,
        s3_timeout_s=settings.s3_timeout_s,
        lease_ttl_s=settings.lease_ttl_s,
        lease_wait_s=settings.lease_wait_s,
    )
    return {
        "lake": lake,
        "io_manager": ParquetIOManager(lake=lake),
        "spotify": SpotifyResource(
            replay_dir=settings.replay_dir,
            playlists=",".join(settings.playlists) if settings.playlists else None,
            client_id=_optional_env("SPOTIFY_CLIENT_ID", settings.live),
            client_secret=_optional_env("SPOTIFY_CLIENT_SECRET", settings.live),
            refresh_token=_optional_env("SPOTIFY_REFRESH_TOKEN", settings.refresh_token_set),
        ),
        "spotify_charts": SpotifyChartsResource(charts_dir=settings.charts_dir, s3_timeout_s=settings.s3_timeout_s),
        **catalog_resources(settings),
        **({"snowflake": build_snowflake_resource(settings.snowflake)} if settings.snowflake else {}),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset, check, job, schedule, sensor and resource, over the weekly partitions."""
    partitions = build_weekly_partitions(*partition_weeks(settings))
    lake_assets = [build_raw_playlist(partitions), build_lake_tables(partitions)]
    chart_assets = [build_raw_spotify_chart(partitions, live=settings.live), build_spotify_chart_tables(partitions)]
    music_trends = build_music_trends(partitions)
    chart_streams = [build_spotify_chart_songs(partitions), build_chart_streams(partitions)]
    star = build_star_schema(partitions)
    freshness = freshness_checks(lake_assets)
    job = build_weekly_lake_job(partitions)
    freshness_job = build_lake_freshness_job(freshness)
    charts_job = build_spotify_charts_job(partitions)
    return dg.Definitions(
        assets=[
            *lake_assets,
            *chart_assets,
            build_lake_catalog(partitions),
            music_trends,
            *chart_streams,
            build_weekly_report(partitions),
            star,
            # the warehouse group exists only where Snowflake is configured: no week shows a load that did not happen
            *([build_snowflake_star(partitions)] if settings.snowflake else []),
        ],
        asset_checks=[
            *schema_change_checks([*lake_assets, *chart_assets, music_trends, *chart_streams, star]),
            *freshness,
        ],
        jobs=[job, freshness_job, charts_job],
        schedules=[build_weekly_lake_schedule(job)],
        sensors=[
            build_lake_freshness_sensor(freshness, freshness_job),
            build_spotify_charts_sensor(charts_job, partitions, live=settings.live),
        ],
        resources=build_resources(settings),
        # The assets form one chain (raw -> tables -> catalog) whose data crosses steps through the
        # lake anyway: one process per run instead of one per step saves seconds of imports per step.
        executor=dg.in_process_executor,
    )


defs = build_definitions(load_settings())


def weekly_partitions(definitions: dg.Definitions = defs) -> dg.PartitionsDefinition:
    """The weekly partitions of `definitions` (by default this environment's), e.g. for the last
    completed week: `weekly_partitions().get_last_partition_key()`."""
    return definitions.resolve_job_def(WEEKLY_JOB).partitions_def
