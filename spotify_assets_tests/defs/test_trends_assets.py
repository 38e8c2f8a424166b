"""The trend assets end to end with the real IO manager on the 12 sample weeks: one run versus
week-by-week runs, an independent recomputation from the `songs` files, the report files and
metadata, and a lake on S3. The shipped SQL on the trend tables is tested in test_sql_queries."""

import base64
import io
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import dagster as dg
import matplotlib.image
import pandas as pd
import pyarrow.parquet as pq
import pytest

from spotify_assets.definitions import build_definitions, weekly_partitions
from spotify_assets.settings import load_settings
from spotify_assets_tests.conftest import SAMPLE_WEEKS, read_lake, run_weeks

LAKE_TABLES = ["raw_playlist", "playlists", "songs", "albums", "artists"]
TREND_TABLES = ["chart_history", "chart_movements", "artist_trends"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def trends_only_job(defs: dg.Definitions) -> dg.JobDefinition:
    job = dg.define_asset_job(
        "trends_only", selection=dg.AssetSelection.assets(*TREND_TABLES), partitions_def=weekly_partitions(defs)
    )
    return dg.Definitions(assets=defs.assets, resources=defs.resources, jobs=[job]).resolve_job_def("trends_only")


@pytest.fixture(scope="module")
def one_run(sample_lake):
    """Every sample week through the whole weekly job (lake, trends, report) in a single run."""
    assert sample_lake.result.success
    return Path(sample_lake.lake), sample_lake.result


def copy_lake_tables(source: Path, target: Path) -> None:
    for table in LAKE_TABLES:
        shutil.copytree(source / table, target / table)


def test_chart_history_depends_on_its_previous_week_and_everything_is_single_run():
    graph = build_definitions(load_settings({})).resolve_asset_graph()
    history = graph.get(dg.AssetKey("chart_history"))
    assert history.has_self_dependency
    mapping = graph.get_partition_mapping(dg.AssetKey("chart_history"), dg.AssetKey("chart_history"))
    assert (mapping.start_offset, mapping.end_offset) == (-1, -1)
    # built beside it from the same week (identity mapping): a backfill runs them with it, in one run
    for name in ("chart_movements", "artist_trends"):
        mapping = graph.get_partition_mapping(dg.AssetKey(name), dg.AssetKey("chart_history"))
        assert (mapping.start_offset, mapping.end_offset) == (0, 0)
    for name in [*TREND_TABLES, "weekly_report"]:
        node = graph.get(dg.AssetKey(name))
        assert node.group_name == "trends" and node.backfill_policy == dg.BackfillPolicy.single_run()


def test_one_run_writes_every_week_and_checks_each(one_run):
    lake, result = one_run
    for table in TREND_TABLES:
        assert sorted(p.name for p in (lake / table).iterdir()) == [f"week={w}" for w in SAMPLE_WEEKS]
    first = pq.read_table(lake / "chart_movements" / f"week={SAMPLE_WEEKS[0]}").to_pylist()
    assert {r["status"] for r in first} == {"new"} and all(r["weeks_on_chart"] == 1 for r in first)

    evaluations = [
        e for e in result.get_asset_check_evaluations() if e.asset_key.to_user_string() in TREND_TABLES and e.partition
    ]
    by_check: dict[tuple[str, str], list[str]] = {}
    for evaluation in evaluations:
        assert evaluation.passed, evaluation
        by_check.setdefault((evaluation.asset_key.to_user_string(), evaluation.check_name), []).append(
            evaluation.partition
        )
    assert sorted(by_check) == [
        ("artist_trends", "unique_key"),
        ("chart_history", "unique_key"),
        ("chart_movements", "change_matches_positions"),
        ("chart_movements", "songs_on_chart"),
        ("chart_movements", "unique_key"),
    ]
    assert all(sorted(weeks) == SAMPLE_WEEKS for weeks in by_check.values())


def test_week_by_week_runs_give_the_same_files_as_one_run(one_run, tmp_path):
    lake, _ = one_run
    weekly = tmp_path / "lake"
    copy_lake_tables(lake, weekly)
    job = trends_only_job(build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(weekly)})))
    instance = dg.DagsterInstance.ephemeral()
    for week in SAMPLE_WEEKS:
        assert job.execute_in_process(partition_key=week, instance=instance).success
    for table in TREND_TABLES:
        for week in SAMPLE_WEEKS:
            expected = pq.read_table(lake / table / f"week={week}" / "part-0.parquet")
            actual = pq.read_table(weekly / table / f"week={week}" / "part-0.parquet")
            assert actual.equals(expected), (table, week)


def test_a_week_whose_previous_weeks_have_no_history_fails_naming_them(one_run, tmp_path):
    lake, _ = one_run
    weekly = tmp_path / "lake"
    copy_lake_tables(lake, weekly)
    job = trends_only_job(build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(weekly)})))
    result = job.execute_in_process(partition_key=SAMPLE_WEEKS[3], raise_on_error=False)
    assert not result.success
    message = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error.message
    assert f"{SAMPLE_WEEKS[0]}...{SAMPLE_WEEKS[2]}" in message and "chart_history" in message
    assert not (weekly / "chart_movements").exists()


def recompute_movements(songs: pd.DataFrame) -> pd.DataFrame:
    """The movements as a person would compute them from the songs files, week after week."""
    rows, on_chart_before, careers = [], {}, {}  # careers: (playlist, song) -> [weeks, peak]
    for week in sorted(songs["week"].unique()):
        this_week = songs[songs["week"] == week].groupby(["playlist_id", "song_id"])["position"].min().to_dict()
        for key, position in this_week.items():
            previous = on_chart_before.get(key)
            if previous is None:
                status = "re-entry" if key in careers else "new"
            else:
                status = "up" if position < previous else "down" if position > previous else "same"
            weeks, peak = careers.get(key, (0, position))
            careers[key] = (weeks + 1, min(peak, position))
            rows.append(
                (
                    week,
                    *key,
                    position,
                    previous,
                    None if previous is None else previous - position,
                    status,
                    *careers[key],
                )
            )
        for key, previous in on_chart_before.items():
            if key not in this_week:
                rows.append((week, *key, None, previous, None, "exit", *careers[key]))
        on_chart_before = this_week
    columns = [
        "week",
        "playlist_id",
        "song_id",
        "position",
        "previous_position",
        "change",
        "status",
        "weeks_on_chart",
        "peak_position",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_movements_match_an_independent_recomputation_from_songs(one_run):
    lake, _ = one_run
    expected = recompute_movements(read_lake(lake, "songs"))
    actual = read_lake(lake, "chart_movements")[expected.columns]
    key = ["week", "playlist_id", "song_id"]

    def records(frame: pd.DataFrame) -> list[tuple]:
        frame = frame.sort_values(key).reset_index(drop=True)
        return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]

    assert len(actual) == len(expected) > 2900
    assert records(actual) == records(expected)
    assert set(expected["status"]) == {"new", "re-entry", "up", "down", "same", "exit"}


def test_the_report_is_written_next_to_the_data_and_shown_in_the_ui(one_run):
    lake, result = one_run
    reports = {
        m.partition: m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("weekly_report")
    }
    assert sorted(reports) == SAMPLE_WEEKS
    week = SAMPLE_WEEKS[-1]
    folder = lake / "reports" / f"week={week}"
    png = (folder / "top_artists.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert matplotlib.image.imread(io.BytesIO(png), format="png").shape[:2] == (320, 640)
    assert len(png) < 40_000  # small enough to embed in the metadata

    metadata = reports[week]
    # locally the UI can only copy a path: the label says where the chart is shown
    assert metadata["image file (the chart is shown in report: Show Markdown)"].value == str(folder / "top_artists.png")
    assert metadata["report file (the same Markdown as report: Show Markdown)"].value == str(folder / "report.md")
    markdown = metadata["report"].value
    assert markdown.startswith(f"# Music trends: week of {week}")
    for heading in (
        "## Top artists, all playlists",
        "## Global Pulse 150",
        "**Top climbers**",
        "**New entries**",
        "**Exits**",
    ):
        assert heading in markdown
    embedded = re.search(r"\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown).group(1)
    assert base64.b64decode(embedded) == png
    # the file version links the image beside it instead of embedding it
    assert "](top_artists.png)" in (folder / "report.md").read_text()
    assert not (lake / "weekly_report").exists()


def test_trends_and_report_on_an_s3_lake(s3_lake):
    result = run_weeks(
        build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": s3_lake})), SAMPLE_WEEKS[0], SAMPLE_WEEKS[1]
    )
    assert result.success
    bucket, prefix = s3_lake.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    for week in SAMPLE_WEEKS[:2]:
        for table in TREND_TABLES:
            assert f"{prefix}/{table}/week={week}/part-0.parquet" in keys
        image = s3.get_object(Bucket=bucket, Key=f"{prefix}/reports/week={week}/top_artists.png")
        assert image["ContentType"] == "image/png" and image["Body"].read().startswith(PNG_SIGNATURE)
    second = [e.event_specific_data.materialization for e in result.get_asset_materialization_events()]
    report = next(m for m in second if m.asset_key == dg.AssetKey("weekly_report") and m.partition == SAMPLE_WEEKS[1])
    # on S3 a link a person can open: the object's page in the S3 console
    key = f"{prefix}/reports/week={SAMPLE_WEEKS[1]}/top_artists.png"
    link = urlparse(report.metadata["image"].value)
    assert (link.scheme, link.netloc, link.path) == ("https", "s3.console.aws.amazon.com", f"/s3/object/{bucket}")
    assert parse_qs(link.query) == {"prefix": [key]}
    assert report.metadata["image_uri"].value == f"{s3_lake}/{key.split('/', 1)[1]}"
