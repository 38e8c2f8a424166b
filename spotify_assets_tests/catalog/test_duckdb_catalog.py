"""The local DuckDB catalog: one view per table over the Hive-partitioned lake."""

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from spotify_assets.catalog.duckdb_catalog import connect_read_only, duckdb_type, refresh_catalog
from spotify_assets.catalog.status import CatalogError
from spotify_assets.lake.schemas import ARTISTS, TABLE_SCHEMAS


def write_artists(lake: Path, week: str, names: list[str]) -> None:
    folder = lake / "artists" / f"week={week}"
    folder.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {"artist_id": [f"id-{n}" for n in names], "artist_name": names, "url": [None] * len(names)},
        schema=ARTISTS,
    )
    pq.write_table(table, folder / "part-0.parquet")


def views(catalog: Path) -> dict[str, list[tuple[str, str]]]:
    with duckdb.connect(str(catalog), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
        return {n: [(c[0], c[1]) for c in con.execute(f"DESCRIBE {n}").fetchall()] for n in sorted(names)}


def test_views_read_every_week_with_week_as_a_string_column(tmp_path):
    lake, catalog = tmp_path / "lake", tmp_path / "data" / "catalog.duckdb"
    write_artists(lake, "2026-08-17", ["Ana", "Bo"])
    write_artists(lake, "2026-08-24", ["Ana"])

    statuses = {s.name: s for s in refresh_catalog(str(catalog), str(lake))}

    assert (statuses["artists"].partitions, statuses["artists"].rows) == (2, 3)
    with connect_read_only(str(catalog)) as con:
        rows = con.execute("SELECT week, artist_name FROM artists WHERE week = '2026-08-17' ORDER BY 2").fetchall()
    assert rows == [("2026-08-17", "Ana"), ("2026-08-17", "Bo")]
    assert views(catalog)["artists"] == [
        ("artist_id", "VARCHAR"),
        ("artist_name", "VARCHAR"),
        ("url", "VARCHAR"),
        ("week", "VARCHAR"),
    ]


def test_a_table_without_files_is_an_empty_view_with_its_schema(tmp_path):
    catalog = tmp_path / "catalog.duckdb"
    (tmp_path / "lake").mkdir()

    statuses = refresh_catalog(str(catalog), str(tmp_path / "lake"))

    assert {s.name: (s.partitions, s.rows) for s in statuses} == {t: (0, 0) for t in TABLE_SCHEMAS}
    songs = views(catalog)["songs"]
    assert songs == [(f.name, duckdb_type(f.type)) for f in TABLE_SCHEMAS["songs"]] + [("week", "VARCHAR")]
    assert dict(songs)["artist_ids"] == "VARCHAR[]" and dict(songs)["added_at"] == "TIMESTAMP WITH TIME ZONE"


def test_refresh_is_idempotent_and_picks_up_new_weeks(tmp_path):
    lake, catalog = tmp_path / "lake", tmp_path / "catalog.duckdb"
    write_artists(lake, "2026-08-17", ["Ana"])
    first = refresh_catalog(str(catalog), str(lake))
    assert refresh_catalog(str(catalog), str(lake)) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.duckdb", "lake"]  # no temp file left

    write_artists(lake, "2026-08-24", ["Ana", "Cy"])
    statuses = {s.name: s for s in refresh_catalog(str(catalog), str(lake))}
    assert (statuses["artists"].partitions, statuses["artists"].rows) == (2, 3)


def test_the_catalog_answers_from_any_working_directory(tmp_path, monkeypatch):
    lake, catalog = tmp_path / "lake", tmp_path / "catalog.duckdb"
    write_artists(lake, "2026-08-17", ["Ana"])
    monkeypatch.chdir(tmp_path)
    refresh_catalog("catalog.duckdb", "lake")  # relative paths, resolved when the views are made
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with connect_read_only(str(catalog)) as con:
        assert con.execute("SELECT count(*) FROM artists").fetchone() == (1,)


def test_refresh_succeeds_while_another_process_has_the_catalog_open(tmp_path):
    lake, catalog = tmp_path / "lake", tmp_path / "catalog.duckdb"
    write_artists(lake, "2026-08-17", ["Ana"])
    refresh_catalog(str(catalog), str(lake))
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, duckdb
            con = duckdb.connect({str(catalog)!r}, read_only=True)
            print(con.execute("SELECT count(*) FROM artists").fetchone()[0], flush=True)
            sys.stdin.readline()
            print(con.execute("SELECT count(*) FROM artists").fetchone()[0], flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "1"  # the client holds the file open
        write_artists(lake, "2026-08-24", ["Ana", "Bo"])

        statuses = {s.name: s for s in refresh_catalog(str(catalog), str(lake))}

        assert statuses["artists"].rows == 3
        holder.stdin.write("\n")
        holder.stdin.flush()
        # the open connection keeps its views, which read the lake as it is now
        assert holder.stdout.readline().strip() == "3"
    finally:
        holder.kill()
        holder.wait()


def test_a_missing_catalog_says_to_run_make_run(tmp_path):
    with pytest.raises(CatalogError, match=r"no DuckDB catalog at .*missing.duckdb: run `make run` first"):
        connect_read_only(str(tmp_path / "missing.duckdb"))


def test_an_s3_lake_is_refused_with_the_glue_setting_named(tmp_path):
    with pytest.raises(CatalogError, match="GLUE_DATABASE"):
        refresh_catalog(str(tmp_path / "catalog.duckdb"), "s3://bucket/lake")
