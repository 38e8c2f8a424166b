"""The chart assets through the real job, IO manager and lake: a bad chart file is quarantined and
the week's other charts land, a week without files is stored empty and warned about, a gap in the
ranks blocks, previous ranks are compared with the stored week before, and the folder may be on S3."""

import shutil

import boto3
import dagster as dg
import pyarrow.parquet as pq

from spotify_assets.definitions import build_definitions
from spotify_assets.settings import SAMPLE_CHARTS_DIR
from spotify_assets_tests.charts.chart_files import entries, new_format, old_format
from spotify_assets_tests.conftest import SAMPLE_WEEKS

CHARTS = "group:spotify_charts"
WEEK, NEXT = "2026-10-19", "2026-10-26"  # two sample weeks: Thursdays 2026-10-22 and 2026-10-29


def run(defs: dg.Definitions, first: str, last: str | None = None, selection: str = CHARTS, instance=None):
    """The chart assets of weeks first..last in one run, as a single-run backfill does."""
    job = dg.define_asset_job(
        "charts", selection=selection, partitions_def=defs.resolve_assets_def("songs").partitions_def
    )
    resolved = dg.Definitions(assets=defs.assets, asset_checks=defs.asset_checks, resources=defs.resources, jobs=[job])
    tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last or first}
    return resolved.resolve_job_def("charts").execute_in_process(
        tags=tags, instance=instance or dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def stored(lake: str, table: str, week: str) -> list[dict]:
    return pq.read_table(f"{lake}/{table}/week={week}/part-0.parquet").to_pylist()


def checks(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.to_user_string(), e.check_name, e.partition): e for e in result.get_asset_check_evaluations()}


def test_a_bad_file_is_quarantined_the_others_land_and_an_empty_week_warns(lake_env, tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "regional-global-weekly-2026-10-22.csv").write_bytes(new_format(entries(4), crlf=True))
    (charts / "regional-jp-weekly-2026-10-22.csv").write_bytes(new_format(entries(3)).replace(b",997000\n", b",lots\n"))
    (charts / "regional-br-weekly-2026-10-16--2026-10-23.csv").write_bytes(old_format(entries(2)))
    (charts / "regional-global-weekly-2026-10-22 (1).csv").write_bytes(b"a second download")
    settings = lake_env(SPOTIFY_CHARTS_DIR=str(charts))
    result = run(build_definitions(settings), WEEK, NEXT)
    assert result.success

    landed = stored(settings.lake, "spotify_chart_entries", WEEK)
    assert sorted({(r["chart"], r["file_name"]) for r in landed}) == [
        ("regional-br-weekly", "regional-br-weekly-2026-10-16--2026-10-23.csv"),
        ("regional-global-weekly", "regional-global-weekly-2026-10-22.csv"),
    ]
    assert len(landed) == 6
    (rejected,) = stored(settings.lake, "rejected_chart_lines", WEEK)
    assert (rejected["file_name"], rejected["line_number"]) == ("regional-jp-weekly-2026-10-22.csv", 4)
    assert rejected["reason"].startswith("streams is 'lots'")
    raw = stored(settings.lake, "raw_spotify_chart", WEEK)
    assert len(raw) == 4 + 5 + 4  # every line of the three chart files (br: a note, a header), the bad one included
    header = next(r for r in raw if r["file_name"] == "regional-global-weekly-2026-10-22.csv")
    assert header["line_number"] == 1 and header["line"].startswith("rank,uri")  # no BOM, no CR

    # the week after has no chart file: empty partitions, and a warning
    assert stored(settings.lake, "spotify_chart_entries", NEXT) == []
    assert stored(settings.lake, "rejected_chart_lines", NEXT) == []
    evaluations = checks(result)
    empty = evaluations[("raw_spotify_chart", "week_has_charts", NEXT)]
    assert not empty.passed and empty.severity == dg.AssetCheckSeverity.WARN
    assert evaluations[("raw_spotify_chart", "week_has_charts", WEEK)].passed
    quarantine = evaluations[("rejected_chart_lines", "no_rejected_chart_lines", WEEK)]
    assert not quarantine.passed and "regional-jp-weekly-2026-10-22.csv line 4" in str(quarantine.metadata["examples"])
    for week in (WEEK, NEXT):  # a file no week takes is named in every week
        unplaced = evaluations[("raw_spotify_chart", "chart_files_placed", week)]
        assert not unplaced.passed and "regional-global-weekly-2026-10-22 (1).csv" in unplaced.description


def test_a_gap_in_a_charts_ranks_blocks_and_writes_no_chart_table(lake_env, tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    rows = [e for e in entries(4) if e["rank"] != 2]
    (charts / "regional-global-weekly-2026-10-22.csv").write_bytes(new_format(rows))
    settings = lake_env(SPOTIFY_CHARTS_DIR=str(charts))
    result = run(build_definitions(settings), WEEK)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "spotify_chart_entries.ranks_complete failed" in message and "missing [2]" in message
    assert len(stored(settings.lake, "raw_spotify_chart", WEEK)) == 4  # kept, as the message says
    assert not (tmp_path / "lake" / "spotify_chart_entries").exists()


def test_previous_ranks_are_compared_with_the_stored_week_before(lake_env, tmp_path):
    charts = tmp_path / "charts"
    charts.mkdir()
    (charts / "regional-global-weekly-2026-10-22.csv").write_bytes(new_format(entries(3, seed="x")))
    settings = lake_env(SPOTIFY_CHARTS_DIR=str(charts))
    defs, instance = build_definitions(settings), dg.DagsterInstance.ephemeral()
    assert run(defs, WEEK, instance=instance).success
    now = entries(3, seed="x")
    for e in now:
        e.update(previous_rank=e["rank"], weeks_on_chart=2)
    now[2]["previous_rank"] = 1  # it was 3rd
    (charts / "regional-global-weekly-2026-10-29.csv").write_bytes(new_format(now))
    result = run(defs, NEXT, instance=instance)  # the week alone: the week before is read from the lake
    assert result.success
    agrees = checks(result)[("spotify_chart_entries", "previous_rank_agrees", NEXT)]
    assert not agrees.passed and agrees.metadata["compared"].value == 3 and agrees.metadata["failing_rows"].value == 1


def test_the_charts_folder_may_be_an_s3_prefix(lake_env, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="downloads")
    for path in sorted(SAMPLE_CHARTS_DIR.glob("*2026-10-22.csv")):
        s3.put_object(Bucket="downloads", Key=f"spotify/{path.name}", Body=path.read_bytes())
    settings = lake_env(SPOTIFY_CHARTS_DIR="s3://downloads/spotify")
    assert run(build_definitions(settings), WEEK).success
    landed = stored(settings.lake, "spotify_chart_entries", WEEK)
    assert sorted({r["region"] for r in landed}) == ["br", "global", "jp"] and len(landed) == 150


def test_the_sample_weeks_land_every_chart_in_the_weekly_job(sample_lake):
    """`make run`'s one run: every sample week has its three charts, both formats, no rejection."""
    assert sample_lake.result.success
    for week in SAMPLE_WEEKS:
        rows = stored(sample_lake.lake, "spotify_chart_entries", week)
        assert sorted({r["region"] for r in rows}) == ["br", "global", "jp"] and len(rows) == 150, week
        assert stored(sample_lake.lake, "rejected_chart_lines", week) == []
    first, last = (stored(sample_lake.lake, "spotify_chart_entries", w) for w in (SAMPLE_WEEKS[0], SAMPLE_WEEKS[-1]))
    assert first[0]["weeks_on_chart"] is None and first[0]["file_name"].endswith("--2026-08-21.csv")
    assert last[0]["weeks_on_chart"] is not None and last[0]["file_name"].endswith("-2026-11-05.csv")


def test_the_sample_charts_are_the_default_only_beside_the_sample_replay(tmp_path):
    from spotify_assets.settings import load_settings

    assert load_settings({}).charts_dir == str(SAMPLE_CHARTS_DIR)
    assert load_settings({"SPOTIFY_REPLAY_DIR": str(tmp_path)}).charts_dir is None
    assert load_settings({"SPOTIFY_CLIENT_ID": "i", "SPOTIFY_CLIENT_SECRET": "s"}).charts_dir is None
    live = {"SPOTIFY_CLIENT_ID": "i", "SPOTIFY_CLIENT_SECRET": "s", "SPOTIFY_CHARTS_DIR": "s3://b/charts/"}
    assert load_settings(live).charts_dir == "s3://b/charts"


def test_the_first_week_default_is_the_earlier_of_replay_and_charts(lake_env, tmp_path):
    charts = tmp_path / "charts"
    shutil.copytree(SAMPLE_CHARTS_DIR, charts)
    (charts / "regional-global-weekly-2026-07-30.csv").write_bytes(new_format(entries(1)))  # week 2026-07-27
    partitions = build_definitions(lake_env(SPOTIFY_CHARTS_DIR=str(charts))).resolve_assets_def("songs").partitions_def
    assert partitions.get_first_partition_key() == "2026-07-27"
    assert partitions.get_last_partition_key() == SAMPLE_WEEKS[-1]
    # a later first chart week keeps the replay's; SPOTIFY_ASSETS_FIRST_WEEK wins over both
    assert build_definitions(lake_env()).resolve_assets_def("songs").partitions_def.get_partition_keys() == SAMPLE_WEEKS
    set_first = lake_env(SPOTIFY_CHARTS_DIR=str(charts), SPOTIFY_ASSETS_FIRST_WEEK=SAMPLE_WEEKS[2])
    assert (
        build_definitions(set_first).resolve_assets_def("songs").partitions_def.get_first_partition_key()
        == SAMPLE_WEEKS[2]
    )
