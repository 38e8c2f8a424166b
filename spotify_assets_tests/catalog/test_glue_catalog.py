"""The Glue catalog against the moto server: database, crawler, crawl, partitions, validation."""

import base64
import io
import json
from collections.abc import Iterator

import boto3
import pyarrow.parquet as pq
import pytest
from botocore.stub import Stubber

from spotify_assets.catalog.glue_catalog import GlueCatalog, Plan, glue_columns
from spotify_assets.catalog.status import CatalogError
from spotify_assets.lake.schemas import SONGS, TABLE_SCHEMAS
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES, STAR_SCHEMAS
from spotify_assets_tests.catalog.glue_support import (
    ROLE_ARN,
    CrawlOutcomeEndpoint,
    create_tables_as_crawler,
    set_crawl_transition,
    unset_crawl_transition,
)

DATABASE = "spotify_lake"
CRAWLER = "spotify_lake_crawler"
WEEKS = ["2026-08-17", "2026-08-24"]


@pytest.fixture
def glue_env(aws_env: str, s3_lake: str) -> Iterator[dict]:
    """A lake bucket on the moto server whose crawls finish as soon as they are looked at."""
    set_crawl_transition(aws_env, {"progression": "immediate"})
    yield {"endpoint": aws_env, "lake": s3_lake, "glue": boto3.client("glue"), "s3": boto3.client("s3")}
    unset_crawl_transition(aws_env)


def put_week(s3, lake: str, table: str, week: str) -> None:
    bucket, prefix = lake.removeprefix("s3://").split("/", 1)
    buffer = io.BytesIO()
    pq.write_table(TABLE_SCHEMAS[table].empty_table(), buffer)
    s3.put_object(Bucket=bucket, Key=f"{prefix}/{table}/week={week}/part-0.parquet", Body=buffer.getvalue())


def catalog(env: dict, glue=None, **overrides) -> GlueCatalog:
    settings = (
        dict(
            database=DATABASE,
            crawler_name=CRAWLER,
            lake_uri=env["lake"],
            role_arn=ROLE_ARN,
            timeout_s=10,
            poll_interval_s=0.02,
        )
        | overrides
    )
    return GlueCatalog(glue or env["glue"], env["s3"], **settings)


def crawls(glue, name: str = CRAWLER) -> list[str]:
    return [c["State"] for c in glue.list_crawls(CrawlerName=name)["Crawls"]]


def test_glue_columns_are_what_a_crawler_reads_from_the_parquet():
    assert [(c["Name"], c["Type"]) for c in glue_columns(SONGS)] == [
        ("playlist_id", "string"), ("position", "int"), ("song_id", "string"), ("song_name", "string"),
        ("duration_ms", "bigint"), ("explicit", "boolean"), ("popularity", "int"), ("isrc", "string"),
        ("url", "string"), ("added_at", "timestamp"), ("album_id", "string"), ("artist_id", "string"),
        ("artist_ids", "array<string>"),
    ]  # fmt: skip


def test_crawler_create_is_idempotent_and_targets_one_folder_per_table(glue_env):
    cat = catalog(glue_env)
    plan = cat.validate()
    assert plan.path == "crawl" and set(plan.new_tables) == set(TABLE_SCHEMAS)
    cat.ensure_database()
    cat.ensure_database()

    assert cat.ensure_crawler(plan) == "created"
    assert cat.ensure_crawler(cat.validate()) == "unchanged"

    crawler = glue_env["glue"].get_crawler(Name=CRAWLER)["Crawler"]
    assert crawler["Version"] == 1
    assert crawler["Role"] == ROLE_ARN and crawler["DatabaseName"] == DATABASE
    assert sorted(t["Path"] for t in crawler["Targets"]["S3Targets"]) == sorted(
        f"{glue_env['lake']}/{t}/" for t in TABLE_SCHEMAS
    )
    # new tables: crawl everything, update tables in place, never delete
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    configuration = json.loads(crawler["Configuration"])
    # s3://<bucket>/lake/<table>/: the table folders are level 3, the bucket being level 1
    assert configuration["Grouping"] == {
        "TableGroupingPolicy": "CombineCompatibleSchemas",
        "TableLevelConfiguration": 3,
    }
    assert [d["Name"] for d in glue_env["glue"].get_databases()["DatabaseList"]] == [DATABASE]


def _existing_crawler(cat: GlueCatalog, plan: Plan, **changes) -> dict:
    return cat.desired_crawler(plan) | {"State": "READY", "Version": 3} | changes


def test_crawler_update_sends_only_when_settings_differ(glue_env):
    # moto has no UpdateCrawler: botocore's Stubber checks the requests this branch sends
    glue = boto3.client("glue")
    cat = catalog(glue_env, glue=glue)
    stable = Plan("crawl", role_arn=ROLE_ARN)
    with Stubber(glue) as stub:
        assert (
            cat.ensure_crawler(Plan("crawl", role_arn=ROLE_ARN, crawler=_existing_crawler(cat, stable))) == "unchanged"
        )
        stub.assert_no_pending_responses()

        other_role = _existing_crawler(cat, stable, Role="arn:aws:iam::123456789012:role/old")
        stub.add_response("update_crawler", {}, cat.desired_crawler(stable))
        assert cat.ensure_crawler(Plan("crawl", role_arn=ROLE_ARN, crawler=other_role)) == "updated"
        stub.assert_no_pending_responses()


def test_incremental_crawler_switches_to_full_crawl_before_taking_a_new_table(glue_env):
    glue = boto3.client("glue")
    cat = catalog(glue_env, glue=glue)
    stable = Plan("crawl", role_arn=ROLE_ARN)
    assert cat.desired_crawler(stable)["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}
    # AWS requires LOG/LOG with CRAWL_NEW_FOLDERS_ONLY
    assert cat.desired_crawler(stable)["SchemaChangePolicy"] == {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}

    old = _existing_crawler(cat, stable)
    old["Targets"] = {"S3Targets": old["Targets"]["S3Targets"][:-1]}  # before `artists` was catalogued
    new_table = Plan("crawl", new_tables=("artists",), role_arn=ROLE_ARN, crawler=old)
    full = cat.desired_crawler(new_table)
    with Stubber(glue) as stub:
        stub.add_response(
            "update_crawler", {},
            {"Name": CRAWLER, "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
             "SchemaChangePolicy": {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}},
        )  # fmt: skip
        stub.add_response("update_crawler", {}, full)
        assert cat.ensure_crawler(new_table) == "updated"
        stub.assert_no_pending_responses()


def test_refresh_without_tables_creates_the_crawler_and_crawls(glue_env):
    report = catalog(glue_env).refresh(WEEKS)

    assert report.path == "crawl"
    assert report.details["crawl_status"] == "SUCCEEDED"
    assert report.details["waited_for_running_crawl"] is False
    assert "songs: new table" in report.details["crawl_reason"]
    assert crawls(glue_env["glue"]) == ["COMPLETED"]  # moto's word for SUCCEEDED
    assert report.tables == ()  # moto's crawler creates no tables


def test_a_running_crawl_is_waited_for_then_its_own_crawl_runs(glue_env):
    cat = catalog(glue_env)
    plan = cat.validate()
    cat.ensure_database()
    cat.ensure_crawler(plan)
    # every crawl now runs for half a second before moto completes it
    set_crawl_transition(glue_env["endpoint"], {"progression": "time", "seconds": 0.5})
    glue_env["glue"].start_crawler(Name=CRAWLER)  # someone else's crawl
    assert glue_env["glue"].get_crawler(Name=CRAWLER)["Crawler"]["State"] == "RUNNING"

    result = cat.crawl()

    assert result.waited_for_running_crawl is True
    assert result.status == "SUCCEEDED"
    assert crawls(glue_env["glue"]) == ["COMPLETED", "COMPLETED"]


def test_a_crawl_that_does_not_finish_times_out_saying_how_long_it_waited(glue_env):
    # "manual" progression only advances on ListCrawls, which the catalog never calls
    set_crawl_transition(glue_env["endpoint"], {"progression": "manual", "times": 1_000_000})
    cat = catalog(glue_env, timeout_s=0.3)

    with pytest.raises(
        CatalogError, match=r"did not finish its crawl within timeout_s=0.3: waited 0\.\d s and it is still RUNNING"
    ):
        cat.refresh(WEEKS)


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED"])
def test_a_crawl_that_ends_failed_or_cancelled_fails_with_glues_message(glue_env, status):
    message = "Service Principal: glue.amazonaws.com is not authorized to perform: s3:GetObject"
    with CrawlOutcomeEndpoint(glue_env["endpoint"], status, message) as glue_endpoint:
        cat = catalog(glue_env, glue=boto3.client("glue", endpoint_url=glue_endpoint.url))
        with pytest.raises(CatalogError) as failure:
            cat.refresh(WEEKS)
    assert f"crawl {status}: {message}" in str(failure.value)
    assert CRAWLER in str(failure.value)


def test_unchanged_tables_get_the_weeks_registered_as_partitions_without_a_crawl(glue_env):
    glue, s3, lake = glue_env["glue"], glue_env["s3"], glue_env["lake"]
    create_tables_as_crawler(glue, DATABASE, lake)
    for table in TABLE_SCHEMAS:
        for week in WEEKS:
            put_week(s3, lake, table, week)

    report = catalog(glue_env, role_arn=None).refresh(WEEKS)  # no role needed on this path

    assert report.path == "partitions"
    assert report.details["partitions_added"] == len(TABLE_SCHEMAS) * len(WEEKS)
    assert {t.name: t.partitions for t in report.tables} == {t: 2 for t in TABLE_SCHEMAS}
    partitions = glue.get_partitions(DatabaseName=DATABASE, TableName="songs")["Partitions"]
    assert sorted(p["Values"][0] for p in partitions) == WEEKS
    songs = glue.get_table(DatabaseName=DATABASE, Name="songs")["Table"]["StorageDescriptor"]
    for partition in partitions:
        descriptor = partition["StorageDescriptor"]
        assert descriptor["Location"] == f"{lake}/songs/week={partition['Values'][0]}/"
        assert descriptor["Columns"] == songs["Columns"]
        assert descriptor["SerdeInfo"] == songs["SerdeInfo"]
    assert glue.list_crawlers()["CrawlerNames"] == []

    again = catalog(glue_env).refresh(WEEKS)  # idempotent
    assert again.details["partitions_added"] == 0
    assert {t.name: t.partitions for t in again.tables} == {t: 2 for t in TABLE_SCHEMAS}


def test_a_week_missing_from_the_lake_is_not_registered(glue_env):
    glue, s3, lake = glue_env["glue"], glue_env["s3"], glue_env["lake"]
    create_tables_as_crawler(glue, DATABASE, lake)
    for table in TABLE_SCHEMAS:
        put_week(s3, lake, table, WEEKS[0])

    report = catalog(glue_env).refresh(WEEKS)

    assert report.details["partitions_added"] == len(TABLE_SCHEMAS)
    assert catalog(glue_env).partitions("songs") == [WEEKS[0]]


def test_a_new_column_means_a_crawl(glue_env):
    glue, lake = glue_env["glue"], glue_env["lake"]
    create_tables_as_crawler(glue, DATABASE, lake)
    songs = glue.get_table(DatabaseName=DATABASE, Name="songs")["Table"]
    descriptor = songs["StorageDescriptor"] | {"Columns": songs["StorageDescriptor"]["Columns"][:-1]}
    glue.update_table(
        DatabaseName=DATABASE,
        TableInput={k: songs[k] for k in ("Name", "PartitionKeys", "Parameters", "TableType")}
        | {"StorageDescriptor": descriptor},
    )

    plan = catalog(glue_env).validate()

    assert plan.path == "crawl"
    assert plan.changed_tables == {"songs": "new column(s) ['artist_ids']"}
    with pytest.raises(CatalogError, match="mode='partitions'.*songs: new column"):
        catalog(glue_env, mode="partitions").validate()


def test_crawl_mode_crawls_even_when_nothing_changed(glue_env):
    create_tables_as_crawler(glue_env["glue"], DATABASE, glue_env["lake"])
    report = catalog(glue_env, mode="crawl").refresh(WEEKS)
    assert report.path == "crawl"
    crawler = glue_env["glue"].get_crawler(Name=CRAWLER)["Crawler"]
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"}


# --- bad configuration: fails before anything is created ----------------------------------------


def _nothing_created(glue) -> bool:
    return glue.get_databases()["DatabaseList"] == [] and glue.list_crawlers()["CrawlerNames"] == []


def test_missing_role_when_a_crawl_is_needed_names_the_setting(glue_env):
    with pytest.raises(CatalogError, match="GLUE_CRAWLER_ROLE_ARN is not set"):
        catalog(glue_env, role_arn=None).refresh(WEEKS)
    assert _nothing_created(glue_env["glue"])


def test_unknown_bucket_names_the_lake_setting(glue_env):
    with pytest.raises(
        CatalogError, match=r"SPOTIFY_ASSETS_LAKE=s3://no-such-bucket/lake: bucket 'no-such-bucket' does not exist"
    ):
        catalog(glue_env, lake_uri="s3://no-such-bucket/lake").refresh(WEEKS)
    assert _nothing_created(glue_env["glue"])


def test_crawler_name_taken_by_another_database_names_the_setting(glue_env):
    glue = glue_env["glue"]
    glue.create_crawler(
        Name=CRAWLER, Role=ROLE_ARN, DatabaseName="someone_elses_db",
        Targets={"S3Targets": [{"Path": "s3://elsewhere/"}]},
    )  # fmt: skip
    with pytest.raises(
        CatalogError,
        match=r"GLUE_CRAWLER='spotify_lake_crawler' is already a crawler of Glue database 'someone_elses_db'",
    ):
        catalog(glue_env).refresh(WEEKS)
    assert glue.get_databases()["DatabaseList"] == []
    assert crawls(glue) == []


# --- the star's latest-snapshot views -----------------------------------------------------------


def test_a_refresh_creates_each_dimensions_latest_snapshot_view_once(glue_env):
    glue, s3, lake = glue_env["glue"], glue_env["s3"], glue_env["lake"]
    create_tables_as_crawler(glue, DATABASE, lake)
    for table in TABLE_SCHEMAS:
        put_week(s3, lake, table, WEEKS[0])

    report = catalog(glue_env).refresh(WEEKS)

    views = {f"{t}_latest" for t in SNAPSHOT_TABLES}
    assert set(report.views) == views and report.details["views_changed"] == dict.fromkeys(views, "created")
    assert {t.name for t in report.tables} == set(TABLE_SCHEMAS)  # a view is no table
    view = glue.get_table(DatabaseName=DATABASE, Name="dim_song_latest")["Table"]
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewExpandedText"] == "/* Presto View */"
    assert view["Parameters"] == {"presto_view": "true", "comment": "Presto View"}
    text = view["ViewOriginalText"]
    assert text.startswith("/* Presto View: ") and text.endswith(" */")
    document = json.loads(base64.b64decode(text.removeprefix("/* Presto View: ").removesuffix(" */")))
    names = [f.name for f in STAR_SCHEMAS["dim_song"]]
    assert document["originalSql"] == (
        f"SELECT {', '.join(names)} FROM dim_song WHERE week = (SELECT max(week) FROM dim_song)"
    )
    assert (document["catalog"], document["schema"]) == ("awsdatacatalog", DATABASE)
    assert document["columns"][names.index("artist_ids")] == {"name": "artist_ids", "type": "array(varchar)"}
    assert [c["name"] for c in document["columns"]] == names
    assert [(c["Name"], c["Type"]) for c in view["StorageDescriptor"]["Columns"]] == [
        (c["Name"], c["Type"]) for c in glue_columns(STAR_SCHEMAS["dim_song"])
    ]
    week = glue.get_table(DatabaseName=DATABASE, Name="dim_week_latest")["Table"]
    assert week["StorageDescriptor"]["Columns"][-1] == {"Name": "week", "Type": "string"}

    again = catalog(glue_env).refresh(WEEKS)
    assert again.details["views_changed"] == {} and set(again.views) == views
    versions = glue.get_table_versions(DatabaseName=DATABASE, TableName="dim_song_latest")["TableVersions"]
    assert len(versions) == 1  # never updated


def test_a_view_that_differs_is_updated_to_the_latest_snapshot_select(glue_env):
    glue, lake = glue_env["glue"], glue_env["lake"]
    create_tables_as_crawler(glue, DATABASE, lake)
    cat = catalog(glue_env)
    cat.ensure_views()
    stale = glue.get_table(DatabaseName=DATABASE, Name="dim_artist_latest")["Table"]
    glue.update_table(
        DatabaseName=DATABASE,
        TableInput={k: stale[k] for k in ("Name", "TableType", "Parameters", "ViewExpandedText", "StorageDescriptor")}
        | {"ViewOriginalText": "/* Presto View: e30= */"},  # "{}"
    )

    assert cat.ensure_views() == ({"dim_artist_latest": "updated"}, {})
    assert len(glue.get_table_versions(DatabaseName=DATABASE, TableName="dim_artist_latest")["TableVersions"]) == 3
    text = glue.get_table(DatabaseName=DATABASE, Name="dim_artist_latest")["Table"]["ViewOriginalText"]
    assert "FROM dim_artist WHERE week" in base64.b64decode(text[16:-3]).decode()


def test_no_view_without_its_table_in_glue(glue_env):
    report = catalog(glue_env).refresh(WEEKS)  # moto's crawl creates no table

    assert report.views == () and report.details["views_changed"] == {}
    assert report.details["views_skipped"]["dim_song_latest"] == "table 'dim_song' is not in Glue yet"
    with pytest.raises(glue_env["glue"].exceptions.EntityNotFoundException):
        glue_env["glue"].get_table(DatabaseName=DATABASE, Name="dim_song_latest")
