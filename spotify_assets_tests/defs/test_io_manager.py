"""ParquetIOManager: exact storage layout, schemas and metadata, on local disk and on S3 (moto)."""

import os
from collections.abc import Callable

import boto3
import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from spotify_assets.defs.io_manager import ParquetIOManager
from spotify_assets.defs.partitions import build_weekly_partitions
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.location import week_uri
from spotify_assets.lake.reading import MissingWeekError, list_weeks, read_weeks
from spotify_assets.lake.schemas import SONGS
from spotify_assets.lake.storage import write_week, write_weeks

weekly_partitions = build_weekly_partitions()

WEEK = "2026-08-17"
WEEKS = ["2026-08-03", "2026-08-10", "2026-08-17"]
RANGE_TAGS = {
    "dagster/asset_partition_range_start": WEEKS[0],
    "dagster/asset_partition_range_end": WEEKS[-1],
}
METADATA_KEYS = {"dagster/row_count", "dagster/column_schema", "dagster/uri", "dagster/table_name", "preview"}


@pytest.fixture(params=["local", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path) -> str:
    """The base URI of an empty lake: a local folder or s3://<bucket>/lake on the moto server."""
    if request.param == "local":
        return str(tmp_path / "lake")
    return request.getfixturevalue("s3_lake")


def stored(lake: str) -> list[str]:
    """Every object under the lake (hidden temp files and S3 folder markers included), relative."""
    if lake.startswith("s3://"):
        bucket, prefix = lake.removeprefix("s3://").split("/", 1)
        pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + "/")
        return sorted(o["Key"][len(prefix) + 1 :] for page in pages for o in page.get("Contents", []))
    return sorted(
        os.path.relpath(os.path.join(folder, name), lake) for folder, _, names in os.walk(lake) for name in names
    )


def stored_bytes(lake: str, relative: str) -> int:
    """The size of one stored object."""
    fs, root = pafs.FileSystem.from_uri(lake)
    return fs.get_file_info(f"{root}/{relative}").size


def read_file(lake: str, relative: str) -> pa.Table:
    """One stored file, read directly (no dataset discovery)."""
    fs, root = pafs.FileSystem.from_uri(lake)
    with fs.open_input_file(f"{root}/{relative}") as handle:
        return pq.ParquetFile(handle).read()


def songs_frame(week: str | None, names: list[str]) -> pd.DataFrame:
    """Songs rows as a transform would hand them over: no popularity values, no isrc column."""
    frame = pd.DataFrame(
        {
            "playlist_id": ["pl1"] * len(names),
            "position": list(range(1, len(names) + 1)),
            "song_id": [f"id-{n}" for n in names],
            "song_name": names,
            "duration_ms": [200_000] * len(names),
            "popularity": [None] * len(names),
            "added_at": pd.to_datetime(["2026-08-18T10:00:00Z"] * len(names)),
            "artist_ids": [["a1", "a2"]] * len(names),
        }
    )
    if week is not None:
        frame["week"] = week
    return frame


def songs_asset(make: Callable[[list[str]], pd.DataFrame | pa.Table]) -> dg.AssetsDefinition:
    @dg.asset(partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def songs(context: dg.AssetExecutionContext):
        return make(context.partition_keys)

    return songs


def io(lake: str) -> dict[str, ParquetIOManager]:
    return {"io_manager": ParquetIOManager(lake=LakeStorage(base_uri=lake))}


def error_text(error: BaseException) -> str:
    parts, seen = [], set()
    while error is not None and id(error) not in seen:  # Dagster's error chains can loop
        seen.add(id(error))
        parts.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(parts)


def test_single_week_path_schema_and_metadata(lake: str):
    songs = songs_asset(lambda weeks: songs_frame(weeks[0], ["a", "b|c", "x" * 200]))

    result = dg.materialize([songs], resources=io(lake), partition_key=WEEK)

    assert stored(lake) == [f"songs/week={WEEK}/part-0.parquet"]
    written = read_file(lake, f"songs/week={WEEK}/part-0.parquet")
    # exact schema: the week is only in the path, all-null `popularity` and missing `isrc` are typed
    assert written.schema.equals(SONGS)
    assert written["song_name"].to_pylist() == ["a", "b|c", "x" * 200]

    (materialization,) = result.asset_materializations_for_node("songs")
    metadata = materialization.metadata
    assert METADATA_KEYS <= set(metadata)
    assert metadata["dagster/row_count"].value == 3
    assert metadata["dagster/table_name"].value == "songs"
    assert metadata["dagster/uri"].value == week_uri(lake, "songs", WEEK) == f"{lake}/songs/week={WEEK}"
    expected_uri_type = dg.UrlMetadataValue if lake.startswith("s3://") else dg.PathMetadataValue
    assert isinstance(metadata["dagster/uri"], expected_uri_type)
    columns = {c.name: c.type for c in metadata["dagster/column_schema"].value.columns}
    assert list(columns) == SONGS.names
    assert columns["artist_ids"] == "list<item: string>" and columns["position"] == "int32"
    preview = metadata["preview"].value
    assert preview.startswith("| playlist_id | position |")
    assert "\\[a1, a2\\]" in preview and "b\\|c" in preview and "x" * 200 not in preview
    assert metadata["bytes"].value > 0
    assert "weeks" not in metadata


def test_rewrite_replaces_the_week(lake: str):
    # a file left by an older naming scheme must not survive a re-materialization
    write_week(lake, "songs", WEEK, songs_frame(None, ["old"]))
    fs, root = pafs.FileSystem.from_uri(lake)
    fs.copy_file(f"{root}/songs/week={WEEK}/part-0.parquet", f"{root}/songs/week={WEEK}/legacy-00000.parquet")
    assert len(stored(lake)) == 2

    for names in (["first", "second"], ["new"]):
        dg.materialize(
            [songs_asset(lambda weeks, n=names: songs_frame(None, n))], resources=io(lake), partition_key=WEEK
        )

    assert stored(lake) == [f"songs/week={WEEK}/part-0.parquet"]
    assert read_file(lake, f"songs/week={WEEK}/part-0.parquet")["song_name"].to_pylist() == ["new"]


def test_multi_week_output_one_file_per_week(lake: str):
    def three_weeks(weeks: list[str]) -> pa.Table:
        assert weeks == WEEKS
        # interleaved weeks, nothing for the middle week
        frame = pd.concat([songs_frame(WEEKS[2], ["c"]), songs_frame(WEEKS[0], ["a1", "a2"])])
        frame = frame.iloc[[1, 0, 2]]
        return pa.Table.from_pandas(frame, preserve_index=False)

    result = dg.materialize([songs_asset(three_weeks)], resources=io(lake), tags=RANGE_TAGS)

    assert stored(lake) == [f"songs/week={w}/part-0.parquet" for w in WEEKS]
    rows = {w: read_file(lake, f"songs/week={w}/part-0.parquet") for w in WEEKS}
    assert {w: t.num_rows for w, t in rows.items()} == {WEEKS[0]: 2, WEEKS[1]: 0, WEEKS[2]: 1}
    assert all(t.schema.equals(SONGS) for t in rows.values())
    assert rows[WEEKS[0]]["song_name"].to_pylist() == ["a1", "a2"]
    assert rows[WEEKS[2]]["song_name"].to_pylist() == ["c"]
    assert list_weeks(lake, "songs") == WEEKS

    # the UI shows one materialization per week: each carries that week's own figures
    by_week = {m.partition: m.metadata for m in result.asset_materializations_for_node("songs")}
    assert sorted(by_week) == WEEKS
    for week, metadata in by_week.items():
        assert METADATA_KEYS <= set(metadata)
        # a week's page describes that week only: no run-wide figures
        assert not {"weeks", "rows_by_week"} & set(metadata)
        assert metadata["dagster/row_count"].value == rows[week].num_rows
        assert metadata["dagster/uri"].value == f"{lake}/songs/week={week}"
        assert metadata["bytes"].value == (lake_size := stored_bytes(lake, f"songs/week={week}/part-0.parquet"))
        assert lake_size > 0
        assert "week" not in {c.name for c in metadata["dagster/column_schema"].value.columns}
    assert "| a1 |" in by_week[WEEKS[0]]["preview"].value and "| c |" not in by_week[WEEKS[0]]["preview"].value
    assert "| c |" in by_week[WEEKS[2]]["preview"].value
    assert by_week[WEEKS[1]]["preview"].value.count("\n") == 1  # header and rule only


def test_multi_week_input_restores_week(lake: str):
    write_weeks(lake, "songs", WEEKS, pd.concat([songs_frame(WEEKS[0], ["a"]), songs_frame(WEEKS[2], ["c1", "c2"])]))
    seen: dict[str, object] = {}

    @dg.asset(partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def as_arrow(songs: pa.Table) -> None:
        seen["arrow"] = songs

    @dg.asset(partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def as_pandas(songs) -> None:
        seen["pandas"] = songs

    songs = songs_asset(lambda weeks: pytest.fail("songs must be loaded, not recomputed"))
    dg.materialize([songs, as_arrow, as_pandas], resources=io(lake), tags=RANGE_TAGS, selection=[as_arrow, as_pandas])

    arrow = seen["arrow"]
    assert isinstance(arrow, pa.Table)
    assert arrow.column_names == [*SONGS.names, "week"]
    assert arrow.schema.field("week").type == pa.string()
    assert arrow["week"].to_pylist() == [WEEKS[0], WEEKS[2], WEEKS[2]]
    assert arrow["song_name"].to_pylist() == ["a", "c1", "c2"]
    frame = seen["pandas"]
    assert isinstance(frame, pd.DataFrame)
    assert frame["week"].tolist() == [WEEKS[0], WEEKS[2], WEEKS[2]]

    # one partition: that week's rows, no week column
    dg.materialize([songs, as_arrow], resources=io(lake), partition_key=WEEKS[2], selection=[as_arrow])
    assert seen["arrow"].column_names == SONGS.names
    assert seen["arrow"].num_rows == 2


def test_missing_week_on_input_names_it(lake: str):
    write_week(lake, "songs", WEEKS[0], songs_frame(None, ["a"]))

    @dg.asset(partitions_def=weekly_partitions, backfill_policy=dg.BackfillPolicy.single_run())
    def downstream(songs) -> None:
        pass

    songs = songs_asset(lambda weeks: pytest.fail("not recomputed"))
    with pytest.raises(MissingWeekError) as info:
        dg.materialize([songs, downstream], resources=io(lake), tags=RANGE_TAGS, selection=[downstream])
    message = error_text(info.value)
    assert f"week {WEEKS[1]} of table 'songs' has not been materialized" in message
    assert f"{lake}/songs/week={WEEKS[1]}" in message
    assert "Materialize asset 'songs' for partition" in message

    with pytest.raises(MissingWeekError, match=WEEK):
        read_weeks(lake, "songs", [WEEK])
    assert read_weeks(lake, "songs", WEEKS, missing="skip")["week"].to_pylist() == [WEEKS[0]]


@pytest.mark.parametrize(
    "bad_data",
    [
        pytest.param(lambda: songs_frame("2026-08-24", ["outside"]), id="week-outside-range"),
        pytest.param(lambda: songs_frame(WEEKS[1], [None]).assign(playlist_id=[None]), id="null-required-column"),
        pytest.param(lambda: songs_frame(WEEKS[1], ["x"]).assign(surprise=[1]), id="extra-column"),
        pytest.param(lambda: songs_frame(None, ["no-week-column"]), id="no-week-column"),
    ],
)
def test_bad_week_in_multi_week_output_writes_nothing(lake: str, bad_data):
    def weeks_with_one_bad(weeks: list[str]) -> pd.DataFrame:
        good = songs_frame(WEEKS[0], ["fine"])
        bad = bad_data()
        return bad if "week" not in bad else pd.concat([good, bad])

    result = dg.materialize(
        [songs_asset(weeks_with_one_bad)], resources=io(lake), tags=RANGE_TAGS, raise_on_error=False
    )

    assert not result.success
    assert stored(lake) == []


def test_single_week_output_rejects_other_weeks(lake: str):
    with pytest.raises(ValueError, match="2026-08-10"):
        write_week(lake, "songs", WEEK, songs_frame(WEEKS[1], ["a"]))
    with pytest.raises(ValueError, match="surprise"):
        write_week(lake, "songs", WEEK, songs_frame(None, ["a"]).assign(surprise=1))
    assert stored(lake) == []


def test_unregistered_and_unpartitioned_tables(lake: str):
    @dg.asset
    def song_trends() -> pd.DataFrame:
        return pd.DataFrame({"song_id": ["s1", "s2"], "note": [None, None]})

    seen = {}

    @dg.asset
    def trend_report(song_trends: pa.Table) -> None:
        seen["trends"] = song_trends

    dg.materialize([song_trends, trend_report], resources=io(lake))

    assert stored(lake) == ["song_trends/part-0.parquet"]
    # an all-null column of a table without a registered schema is stored as string, not null
    assert read_file(lake, "song_trends/part-0.parquet").schema.field("note").type == pa.string()
    assert seen["trends"].to_pydict() == {"song_id": ["s1", "s2"], "note": [None, None]}


def test_unpartitioned_consumer_reads_materialized_weeks(lake: str):
    write_week(lake, "songs", WEEKS[0], songs_frame(None, ["a"]))
    write_week(lake, "songs", WEEKS[2], songs_frame(None, ["c"]))
    seen = {}

    @dg.asset
    def all_songs(songs: pa.Table) -> None:
        seen["songs"] = songs

    songs = songs_asset(lambda weeks: pytest.fail("not recomputed"))
    dg.materialize([songs, all_songs], resources=io(lake), selection=[all_songs])

    assert seen["songs"]["week"].to_pylist() == [WEEKS[0], WEEKS[2]]


def test_s3_endpoint_from_the_s3_variable(s3_lake: str, aws_env: str, monkeypatch: pytest.MonkeyPatch):
    """AWS_ENDPOINT_URL_S3 alone points pyarrow and boto3 at the store (the endpoint is never config)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", aws_env)
    manager = ParquetIOManager(lake=LakeStorage(base_uri=s3_lake))
    songs = songs_asset(lambda weeks: songs_frame(None, ["a"]))

    dg.materialize([songs], resources={"io_manager": manager}, partition_key=WEEK)
    fs = pafs.S3FileSystem(endpoint_override=aws_env.removeprefix("http://"), scheme="http")
    week_dir = f"{s3_lake.removeprefix('s3://')}/songs/week={WEEK}"
    fs.copy_file(f"{week_dir}/part-0.parquet", f"{week_dir}/legacy-00000.parquet")
    dg.materialize([songs], resources={"io_manager": manager}, partition_key=WEEK)

    bucket, prefix = s3_lake.removeprefix("s3://").split("/", 1)
    listed = boto3.client("s3", endpoint_url=aws_env).list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed] == [f"{prefix}/songs/week={WEEK}/part-0.parquet"]
    assert read_weeks(s3_lake, "songs", [WEEK], s3_endpoint_url=aws_env).num_rows == 1


def test_big_week_reads_back_whole_in_batches(lake: str):
    """A week bigger than one read batch comes back complete, in order, with the lake schema."""
    rows = 40_000
    data = pa.table(
        {
            "playlist_id": pa.array(["pl1"] * rows),
            "position": pa.array(range(1, rows + 1), pa.int32()),
            "song_id": pa.array([f"s{i}" for i in range(rows)]),
        }
    )
    write_week(lake, "songs", WEEK, data)
    back = read_weeks(lake, "songs", [WEEK])
    assert back.schema.equals(SONGS, check_metadata=True) and back.num_rows == rows
    assert back["position"].to_pylist() == list(range(1, rows + 1))
    assert back["song_id"][rows - 1].as_py() == f"s{rows - 1}"


def test_a_file_written_before_a_column_was_added_reads_with_the_column_null(lake: str):
    older = pa.table({"playlist_id": ["pl1"], "position": pa.array([1], pa.int32()), "song_id": ["s1"]})
    fs, folder = pafs.FileSystem.from_uri(week_uri(lake, "songs", WEEK))
    fs.create_dir(folder)
    with fs.open_output_stream(f"{folder}/part-0.parquet") as out:
        pq.write_table(older, out)
    back = read_weeks(lake, "songs", [WEEK])
    assert back.schema.equals(SONGS) and back.num_rows == 1
    assert back.to_pylist()[0]["song_id"] == "s1" and back.to_pylist()[0]["isrc"] is None
