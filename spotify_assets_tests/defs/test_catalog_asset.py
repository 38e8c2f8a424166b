"""`lake_catalog` in the weekly job: DuckDB locally, Glue on (moto) S3, failures named."""

from pathlib import Path

import boto3
import dagster as dg
import pytest

from spotify_assets.definitions import build_definitions
from spotify_assets.lake.schemas import TABLE_SCHEMAS
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES
from spotify_assets.settings import load_settings
from spotify_assets_tests.catalog.glue_support import (
    ROLE_ARN,
    CrawlOutcomeEndpoint,
    create_tables_as_crawler,
    set_crawl_transition,
    unset_crawl_transition,
)
from spotify_assets_tests.conftest import SAMPLE_WEEKS, run_weeks

TABLES = list(TABLE_SCHEMAS)  # the lake tables and the trend tables
DATABASE = "spotify_lake"


def catalog_materializations(result: dg.ExecuteInProcessResult) -> list[dg.AssetMaterialization]:
    return [
        m for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("lake_catalog")
    ]  # fmt: skip


def step_errors(result: dg.ExecuteInProcessResult) -> str:
    """Every error message of the run's events, with their causes."""
    messages = []
    for event in result.all_events:
        data = event.event_specific_data
        error = getattr(data, "error", None)
        if error is not None:
            messages.append(error.message)
            cause = error.cause
            while cause is not None:
                messages.append(cause.message)
                cause = cause.cause
    return "\n".join(messages)


# --- local: DuckDB ------------------------------------------------------------------------------


def test_the_weekly_job_ends_with_a_duckdb_catalog_of_every_week(sample_lake):
    result, settings = sample_lake.result, sample_lake.settings
    assert result.success

    materializations = catalog_materializations(result)
    assert sorted(m.partition for m in materializations) == SAMPLE_WEEKS  # one per week of the run
    metadata = materializations[0].metadata
    assert metadata["catalog_path"].value == "duckdb"
    assert metadata["catalog_file"].value == settings.catalog_path
    tables = metadata["tables"].value
    assert sorted(tables) == sorted(TABLES)
    assert all(t["partitions"] == 12 for t in tables.values())
    assert tables["songs"]["rows"] == 2796 and tables["playlists"]["rows"] == 36
    assert "| `songs` | 12 | 2796 |" in metadata["summary"].value

    # nothing stored for the catalog itself: it returns a MaterializeResult, not data; beside the
    # tables, weekly_report's files and the week leases' folder, empty once the run is over
    assert sorted(p.name for p in Path(settings.lake).iterdir()) == sorted([*TABLES, "reports", "_leases"])
    assert not list((Path(settings.lake) / "_leases").iterdir())
    assert Path(settings.catalog_path) == Path(settings.lake).parent / "catalog.duckdb"


def test_lake_catalog_is_weekly_downstream_of_every_table():
    defs = build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": "/tmp/unused-lake"}))
    node = defs.resolve_asset_graph().get(dg.AssetKey("lake_catalog"))
    assert {k.to_user_string() for k in node.parent_keys} == set(TABLES)
    assert node.group_name == "catalog" and node.kinds >= {"duckdb", "glue"}
    assert node.backfill_policy == dg.BackfillPolicy.single_run()
    assert dg.AssetKey("lake_catalog") in defs.resolve_job_def("weekly_lake").asset_layer.selected_asset_keys


# --- AWS: Glue on the moto server ---------------------------------------------------------------


@pytest.fixture
def glue_settings(aws_env, s3_lake):
    set_crawl_transition(aws_env, {"progression": "immediate"})
    yield lambda **env: load_settings(
        {"SPOTIFY_ASSETS_LAKE": s3_lake, "GLUE_DATABASE": DATABASE, "GLUE_CRAWLER_ROLE_ARN": ROLE_ARN} | env
    )
    unset_crawl_transition(aws_env)


def test_a_week_on_s3_creates_and_runs_the_crawler_then_later_weeks_register_partitions(glue_settings, s3_lake):
    settings = glue_settings()
    defs = build_definitions(settings)
    glue = boto3.client("glue")

    first = run_weeks(defs, SAMPLE_WEEKS[0])

    assert first.success, step_errors(first)
    (materialization,) = catalog_materializations(first)
    assert materialization.metadata["catalog_path"].value == "crawl"
    assert materialization.metadata["crawl_status"].value == "SUCCEEDED"
    crawler = glue.get_crawler(Name=f"{DATABASE}_crawler")["Crawler"]
    assert crawler["DatabaseName"] == DATABASE and crawler["Role"] == ROLE_ARN
    assert sorted(t["Path"] for t in crawler["Targets"]["S3Targets"]) == sorted(f"{s3_lake}/{t}/" for t in TABLES)
    assert [c["State"] for c in glue.list_crawls(CrawlerName=f"{DATABASE}_crawler")["Crawls"]] == ["COMPLETED"]
    assert "views" not in materialization.metadata  # no table in Glue yet, so no view
    assert materialization.metadata["views_skipped"].value["dim_song_latest"] == "table 'dim_song' is not in Glue yet"

    # what the crawl made on AWS (moto's crawler makes no tables)
    create_tables_as_crawler(glue, DATABASE, s3_lake)
    second = run_weeks(defs, SAMPLE_WEEKS[1])

    assert second.success, step_errors(second)
    (materialization,) = catalog_materializations(second)
    assert materialization.metadata["catalog_path"].value == "partitions"
    assert materialization.metadata["partitions_added"].value == len(TABLES)
    assert materialization.metadata["tables"].value == {t: {"partitions": 1} for t in TABLES}
    views = sorted(f"{t}_latest" for t in SNAPSHOT_TABLES)
    assert materialization.metadata["views"].value == views
    assert materialization.metadata["views_changed"].value == dict.fromkeys(views, "created")
    assert "Views: `bridge_song_artist_latest`" in materialization.metadata["summary"].value
    for table in TABLES:
        partitions = glue.get_partitions(DatabaseName=DATABASE, TableName=table)["Partitions"]
        assert [(p["Values"], p["StorageDescriptor"]["Location"]) for p in partitions] == [
            ([SAMPLE_WEEKS[1]], f"{s3_lake}/{table}/week={SAMPLE_WEEKS[1]}/")
        ]
    assert len(glue.list_crawls(CrawlerName=f"{DATABASE}_crawler")["Crawls"]) == 1  # no second crawl


def test_a_failed_crawl_fails_the_asset_with_glues_message(glue_settings, aws_env, monkeypatch):
    message = "Insufficient Lake Formation permission(s) on spotify_lake"
    with CrawlOutcomeEndpoint(aws_env, "FAILED", message) as glue_endpoint:
        # botocore's per-service endpoint: Glue through the endpoint, S3 (and pyarrow) straight to moto
        monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", glue_endpoint.url)
        result = run_weeks(build_definitions(glue_settings()), SAMPLE_WEEKS[0])

    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "lake_catalog"
    assert f"crawl FAILED: {message}" in failure.step_failure_data.error.message
    assert {
        m.asset_key.to_user_string()
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    } == {*TABLES, "weekly_report"}  # everything but the catalog


def test_missing_role_fails_the_run_before_anything_is_written(glue_settings, s3_lake):
    settings = glue_settings(GLUE_CRAWLER_ROLE_ARN="")
    result = run_weeks(build_definitions(settings), SAMPLE_WEEKS[0])

    assert not result.success
    assert "GLUE_CRAWLER_ROLE_ARN is not set" in step_errors(result)
    bucket = s3_lake.removeprefix("s3://").split("/", 1)[0]
    assert boto3.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert result.get_asset_materialization_events() == []


def test_an_s3_lake_without_glue_settings_reports_its_weeks_and_says_how_to_catalog_it(aws_env, s3_lake):
    result = run_weeks(build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": s3_lake})), SAMPLE_WEEKS[0])

    assert result.success, step_errors(result)
    (materialization,) = catalog_materializations(result)
    assert materialization.metadata["catalog_path"].value == "none"
    assert materialization.metadata["tables"].value == {t: {"partitions": 1} for t in TABLES}
    assert "GLUE_DATABASE" in materialization.metadata["hint"].value
