"""The Spotify Charts downstream end to end with the real IO manager on the sample weeks:
`spotify_chart_songs`, `song_streams` and `artist_streams` against an independent recomputation from
the stored files, one run versus week-by-week runs, a week without playlists, a week without chart
files, and the report's streams section. The shipped SQL over them is tested in test_sql_queries."""

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest

from spotify_assets.definitions import build_definitions, weekly_partitions
from spotify_assets.settings import load_settings
from spotify_assets_tests.conftest import SAMPLE_WEEKS, read_lake, run_weeks

STREAM_TABLES = ["spotify_chart_songs", "song_streams", "artist_streams"]


def downstream_job(defs: dg.Definitions, *extra: str) -> dg.JobDefinition:
    """The chart downstream assets alone (and `extra`), over what the lake already holds."""
    job = dg.define_asset_job(
        "charts_downstream",
        selection=dg.AssetSelection.assets(*STREAM_TABLES, *extra),
        partitions_def=weekly_partitions(defs),
    )
    return dg.Definitions(assets=defs.assets, resources=defs.resources, jobs=[job]).resolve_job_def("charts_downstream")


def copy_tables(source: Path, target: Path, tables: list[str], weeks: list[str] = SAMPLE_WEEKS) -> None:
    for table in tables:
        for week in weeks:
            shutil.copytree(source / table / f"week={week}", target / table / f"week={week}")


def records(frame: pd.DataFrame, key: list[str]) -> list[tuple]:
    frame = frame.sort_values(key).reset_index(drop=True)
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


@pytest.fixture(scope="module")
def lake(sample_lake) -> Path:
    assert sample_lake.result.success
    return Path(sample_lake.lake)


def test_every_week_is_written_and_checked(lake, sample_lake):
    for table in STREAM_TABLES:
        assert sorted(p.name for p in (lake / table).iterdir()) == [f"week={w}" for w in SAMPLE_WEEKS]
    evaluations = [
        e for e in sample_lake.result.get_asset_check_evaluations() if e.asset_key.to_user_string() in STREAM_TABLES
    ]
    by_check = {}
    for evaluation in evaluations:
        assert evaluation.passed, evaluation
        by_check.setdefault((evaluation.asset_key.to_user_string(), evaluation.check_name), set()).add(
            evaluation.partition
        )
    assert {key for key in by_check if key[1] == "unique_key"} == {(t, "unique_key") for t in STREAM_TABLES}
    assert all(by_check[(t, "unique_key")] == set(SAMPLE_WEEKS) for t in STREAM_TABLES)


def test_chart_songs_know_exactly_the_songs_of_the_weeks_playlists(lake):
    joined, entries, songs = (read_lake(lake, t) for t in ("spotify_chart_songs", "spotify_chart_entries", "songs"))
    on_playlists = set(zip(songs["week"], songs["song_id"], strict=True))
    assert len(joined) == len(entries)
    expected = entries.assign(
        song_known=[(w, s) in on_playlists for w, s in zip(entries["week"], entries["song_id"], strict=True)]
    )
    assert records(joined[["week", "chart", "rank", "song_known"]], ["week", "chart", "rank"]) == records(
        expected[["week", "chart", "rank", "song_known"]], ["week", "chart", "rank"]
    )
    # the sample's charts overlap its playlists, so the join shows something, and not everything
    assert 0 < joined["song_known"].mean() < 1
    first_rows = songs.sort_values(["week", "playlist_id", "position"]).drop_duplicates(["week", "song_id"])
    known = joined[joined["song_known"]].merge(first_rows, on=["week", "song_id"], suffixes=("", "_song"))
    assert (known["album_id"] == known["album_id_song"]).all()
    assert all(list(a) == list(b) for a, b in zip(known["artist_ids"], known["artist_ids_song"], strict=True))


def test_song_streams_match_an_independent_recomputation_from_the_entries(lake):
    entries = read_lake(lake, "spotify_chart_entries")
    best = entries.sort_values("rank").drop_duplicates(["week", "chart", "song_id"])
    best = best.assign(share=best["streams"] / best.groupby(["week", "chart"])["streams"].transform("sum"))
    previous = best[["week", "chart", "song_id", "rank", "streams"]].assign(
        week=lambda f: (pd.to_datetime(f["week"]) + pd.Timedelta(days=7)).dt.strftime("%Y-%m-%d")
    )
    expected = best.merge(previous, on=["week", "chart", "song_id"], how="left", suffixes=("", "_before"))
    expected["streams_change"] = expected["streams"] - expected["streams_before"]
    compared = expected["week"] != SAMPLE_WEEKS[0]  # every chart is in every sample week
    expected["is_new"] = expected["streams_before"].isna().where(compared, None)
    columns = [
        "week",
        "chart",
        "song_id",
        "rank",
        "streams",
        "rank_before",
        "streams_before",
        "streams_change",
        "is_new",
    ]

    actual = read_lake(lake, "song_streams").rename(
        columns={"previous_rank": "rank_before", "previous_streams": "streams_before"}
    )
    key = ["week", "chart", "song_id"]
    assert records(actual[columns], key) == records(expected[columns], key)
    assert actual["share"].round(12).tolist() == actual.merge(expected, on=key)["share_y"].round(12).tolist()
    assert actual["is_new"].sum() > 0 and actual.loc[actual["week"] == SAMPLE_WEEKS[0], "is_new"].isna().all()


def test_artist_streams_add_up_to_the_songs_credited(lake):
    songs, artists = read_lake(lake, "song_streams"), read_lake(lake, "artist_streams")
    week = SAMPLE_WEEKS[-1]
    songs, artists = songs[songs["week"] == week], artists[artists["week"] == week]
    # a song a playlist has is credited to its ids, never to the file's text
    assert set(artists.loc[artists["artist_id"].notna(), "credit"]) == set(
        artists.loc[artists["artist_id"].notna(), "artist_id"]
    )
    text_credits = artists[artists["artist_id"].isna()]
    unknown = songs[~songs["song_known"]]
    assert set(text_credits["credit"]) <= set(unknown["artist_names"])
    assert any("," in credit for credit in text_credits["credit"])  # never split at a comma
    for chart, group in artists.groupby("chart"):
        chart_songs = songs[songs["chart"] == chart]
        # every song is credited at least once, and no credit exceeds the chart
        assert group["streams"].sum() >= chart_songs["streams"].sum() >= group["streams"].max()


def test_one_run_and_week_by_week_runs_write_the_same_files(lake, tmp_path):
    weeks = SAMPLE_WEEKS[:4]
    weekly = tmp_path / "lake"
    copy_tables(lake, weekly, ["spotify_chart_entries", "songs", "artists"], weeks)
    job = downstream_job(build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(weekly)})))
    instance = dg.DagsterInstance.ephemeral()
    for week in weeks:
        assert job.execute_in_process(partition_key=week, instance=instance).success
    for table in STREAM_TABLES:
        for week in weeks:
            expected = pq.read_table(lake / table / f"week={week}" / "part-0.parquet")
            actual = pq.read_table(weekly / table / f"week={week}" / "part-0.parquet")
            assert actual.equals(expected), (table, week)


def test_a_week_without_playlists_gets_its_streams_and_its_report(lake, tmp_path):
    weeks = SAMPLE_WEEKS[:2]
    charts_only = tmp_path / "lake"
    copy_tables(lake, charts_only, ["spotify_chart_entries"], weeks)
    defs = build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(charts_only)}))
    result = run_weeks_of(downstream_job(defs, "weekly_report"), weeks)
    assert result.success

    joined = read_lake(charts_only, "spotify_chart_songs")
    assert len(joined) == len(read_lake(lake, "spotify_chart_songs").query("week in @weeks"))
    assert not joined["song_known"].any() and joined["artist_ids"].isna().all()
    artists = read_lake(charts_only, "artist_streams")
    assert artists["artist_id"].isna().all()  # every credit is the file's text
    second = artists[artists["week"] == weeks[1]]
    assert second["is_new"].notna().all()  # still compared with the week before
    report = (charts_only / "reports" / f"week={weeks[1]}" / "report.md").read_text()
    assert "0 playlists · 0 songs on the charts" in report
    assert "### regional-global-weekly" in report and "**Artists' share of streams**" in report


def run_weeks_of(job: dg.JobDefinition, weeks: list[str]):
    tags = {"dagster/asset_partition_range_start": weeks[0], "dagster/asset_partition_range_end": weeks[-1]}
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=tags, raise_on_error=False)


def test_a_week_without_chart_files_writes_empty_tables_and_says_so_in_the_report(tmp_path):
    empty = tmp_path / "charts"
    empty.mkdir()
    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake"), "SPOTIFY_CHARTS_DIR": str(empty)})
    week = SAMPLE_WEEKS[0]
    result = run_weeks(build_definitions(settings), week)
    assert result.success
    lake = Path(settings.lake)
    for table in STREAM_TABLES:
        assert pq.read_table(lake / table / f"week={week}" / "part-0.parquet").num_rows == 0
    report = (lake / "reports" / f"week={week}" / "report.md").read_text()
    assert f"No Spotify chart data for the week of {week}: no chart file was stored." in report
    assert (lake / "reports" / f"week={week}" / "top_streamed.png").read_bytes().startswith(b"\x89PNG")


def test_the_report_shows_the_streams_section_and_links_its_chart(lake, sample_lake):
    week = SAMPLE_WEEKS[-1]
    (report,) = [
        m.metadata
        for m in (e.event_specific_data.materialization for e in sample_lake.result.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("weekly_report") and m.partition == week
    ]
    folder = lake / "reports" / f"week={week}"
    assert report["streams image file (the chart is shown in report: Show Markdown)"].value == str(
        folder / "top_streamed.png"
    )
    markdown = report["report"].value
    section = markdown.split("## Streams on the Spotify Charts", 1)[1]
    # the global chart first, then the others by name
    assert [line for line in section.splitlines() if line.startswith("### ")] == [
        "### regional-global-weekly",
        "### regional-br-weekly",
        "### regional-jp-weekly",
    ]
    assert "(data:image/png;base64," in section
    assert "](top_streamed.png)" in (folder / "report.md").read_text()
    top = read_lake(lake, "song_streams").query("week == @week and chart == 'regional-global-weekly' and rank == 1")
    assert f"| 1 | {top['song_name'].item()} |" in section


def test_a_week_whose_charts_were_never_ingested_is_written_empty_not_failed(lake, tmp_path):
    """`--select 'raw_playlist*'` reaches these assets through songs without the chart ingest."""
    week = SAMPLE_WEEKS[0]
    playlists_only = tmp_path / "lake"
    copy_tables(lake, playlists_only, ["songs", "artists"], [week])
    defs = build_definitions(load_settings({"SPOTIFY_ASSETS_LAKE": str(playlists_only)}))
    result = downstream_job(defs).execute_in_process(partition_key=week, instance=dg.DagsterInstance.ephemeral())
    assert result.success
    for table in STREAM_TABLES:
        assert pq.read_table(playlists_only / table / f"week={week}" / "part-0.parquet").num_rows == 0
    (joined,) = [
        m
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
        if m.asset_key == dg.AssetKey("spotify_chart_songs")
    ]
    assert joined.metadata["entries_stored"].value is False and joined.metadata["songs_stored"].value is True
