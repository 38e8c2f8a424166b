"""`spotify-assets-sql`: SQL over the local catalog without writing Python."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spotify_assets.catalog.duckdb_catalog import refresh_catalog
from spotify_assets.cli import sql as sql_cli
from spotify_assets_tests.catalog.test_duckdb_catalog import write_artists


@pytest.fixture
def catalog(tmp_path) -> Path:
    lake = tmp_path / "lake"
    write_artists(lake, "2026-08-17", ["Ana", "東京", "Bo"])
    write_artists(lake, "2026-08-24", ["Ana"])
    path = tmp_path / "data" / "catalog.duckdb"
    refresh_catalog(str(path), str(lake))
    return path


def test_a_query_prints_an_aligned_table(catalog, capsys):
    code = sql_cli.main(
        ["--catalog", str(catalog), "select week, count(*) as artists from artists group by week order by week"]
    )
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "week        artists",
        "----------  -------",
        "2026-08-17        3",
        "2026-08-24        1",
        "(2 rows)",
    ]


def test_wide_characters_keep_the_columns_aligned(catalog, capsys):
    sql_cli.main(
        ["--catalog", str(catalog), "select artist_name, artist_id from artists where week = '2026-08-17' order by 2"]
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:5] == ["Ana          id-Ana", "Bo           id-Bo", "東京         id-東京"]


def test_a_query_from_a_file_and_max_rows(catalog, tmp_path, capsys):
    query = tmp_path / "q.sql"
    query.write_text("select artist_name from artists order by week, artist_name")
    assert sql_cli.main(["--catalog", str(catalog), "-f", str(query), "--max-rows", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2:] == ["Ana", "Bo", "(4 rows; first 2 shown, see --max-rows)"]


def test_list_shows_the_shipped_queries_and_the_tables(catalog, capsys):
    assert sql_cli.main(["--catalog", str(catalog), "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("top_artists", "top_albums", "new_entries", "weeks_on_chart", "avg_song_length"):
        assert f"  {name} " in out
    assert "  songs\n" in out and "  artists\n" in out


def test_a_missing_catalog_tells_to_run_make_run(tmp_path, capsys):
    assert sql_cli.main(["--catalog", str(tmp_path / "nope.duckdb"), "select 1"]) == 1
    assert "run `make run` first" in capsys.readouterr().err


def test_a_bad_query_fails_with_duckdbs_message(catalog, capsys):
    assert sql_cli.main(["--catalog", str(catalog), "select * from no_such_table"]) == 1
    assert "no_such_table does not exist" in capsys.readouterr().err


def test_catalog_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setattr(sql_cli, "CHECKOUT_CATALOG", tmp_path / "checkout" / "data" / "catalog.duckdb")
    here = tmp_path / "here"
    here.mkdir()
    assert sql_cli.resolve_catalog("x.duckdb", {}, here) == Path("x.duckdb")
    assert sql_cli.resolve_catalog(None, {"SPOTIFY_ASSETS_CATALOG": "/c/cat.duckdb"}, here) == Path("/c/cat.duckdb")
    assert sql_cli.resolve_catalog(None, {"SPOTIFY_ASSETS_LAKE": "/l/lake"}, here) == Path("/l/catalog.duckdb")
    # neither exists yet: the current directory's (that is where `make run` will put it)
    assert sql_cli.resolve_catalog(None, {}, here) == here / "data" / "catalog.duckdb"
    sql_cli.CHECKOUT_CATALOG.parent.mkdir(parents=True)
    sql_cli.CHECKOUT_CATALOG.touch()
    assert sql_cli.resolve_catalog(None, {}, here) == sql_cli.CHECKOUT_CATALOG
    (here / "data").mkdir()
    (here / "data" / "catalog.duckdb").touch()
    assert sql_cli.resolve_catalog(None, {}, here) == here / "data" / "catalog.duckdb"


def test_the_console_script_runs_from_any_directory(catalog, tmp_path):
    script = shutil.which("spotify-assets-sql", path=str(Path(sys.executable).parent))
    assert script, "spotify-assets-sql is not installed in this environment (pip install -e .)"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = os.environ | {"SPOTIFY_ASSETS_CATALOG": str(catalog)}
    done = subprocess.run(
        [script, "select count(*) as n from artists"], cwd=elsewhere, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2].strip() == "4"


def test_athena_runs_a_shipped_query_in_the_glue_database(aws_env, monkeypatch, capsys):
    # moto's Athena runs no SQL: it returns the rows it is given, so this checks the request
    # (query text, database, workgroup, output location) and the printing of Athena's result
    import json
    import urllib.request

    import boto3

    rows = [["week", "avg_seconds"], ["2026-08-17", "214.6"], ["2026-08-24", None]]
    body = {
        "region": "us-east-1",
        "results": [{
            "rows": [{"Data": [{"VarCharValue": v} if v is not None else {} for v in row]} for row in rows],
            "column_info": [{"Name": "week", "Type": "varchar"}, {"Name": "avg_seconds", "Type": "double"}],
        }],
    }  # fmt: skip
    request = urllib.request.Request(
        f"{aws_env}/moto-api/static/athena/query-results", data=json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(request).close()
    monkeypatch.setenv("GLUE_DATABASE", "spotify_lake")
    monkeypatch.setenv("ATHENA_OUTPUT_LOCATION", "s3://athena-results/spotify/")

    assert sql_cli.main(["--athena", "avg_song_length"]) == 0

    assert capsys.readouterr().out.splitlines() == [
        "week        avg_seconds",
        "----------  -----------",
        "2026-08-17  214.6",
        "2026-08-24  NULL",
        "(2 rows)",
    ]
    athena = boto3.client("athena")
    (execution_id,) = athena.list_query_executions()["QueryExecutionIds"]
    execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
    assert execution["Query"] == (sql_cli.QUERIES_DIR / "avg_song_length.sql").read_text()
    assert execution["QueryExecutionContext"]["Database"] == "spotify_lake"
    assert execution["WorkGroup"] == "primary"
    assert execution["ResultConfiguration"]["OutputLocation"].startswith("s3://athena-results/spotify/")


def test_athena_without_glue_database_names_the_setting(monkeypatch, capsys):
    monkeypatch.delenv("GLUE_DATABASE", raising=False)
    assert sql_cli.main(["--athena", "select 1"]) == 1
    assert "--athena needs GLUE_DATABASE" in capsys.readouterr().err


def test_make_runs_summary_prints_a_sql_command_that_works_when_pasted(sample_lake, tmp_path):
    import shlex

    from spotify_assets.cli.run import _catalog_lines

    lines = _catalog_lines(sample_lake.settings)
    assert lines[0] == f"Catalog:  {sample_lake.catalog_path} (DuckDB, one view per table)"
    command = lines[1].removeprefix("SQL:").strip()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "GLUE_", "AWS_"))}
    done = subprocess.run(shlex.split(command), cwd=tmp_path, env=clean, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["week", "artist_rank", "artist_name", "appearances", "playlists"]
    assert done.stdout.rstrip().endswith("(120 rows)")


def test_make_runs_summary_on_aws_points_at_athena():
    from spotify_assets.cli.run import _catalog_lines
    from spotify_assets.settings import load_settings

    glue = load_settings({"SPOTIFY_ASSETS_LAKE": "s3://b/lake", "GLUE_DATABASE": "spotify_lake"})
    assert _catalog_lines(glue)[0] == "Catalog:  Glue database spotify_lake (Athena)"
    assert _catalog_lines(glue)[1].endswith("spotify-assets-sql --athena top_artists")
    bare = load_settings({"SPOTIFY_ASSETS_LAKE": "s3://b/lake"})
    assert "GLUE_DATABASE" in _catalog_lines(bare)[0]


@pytest.mark.subprocess
def test_ctrl_c_on_an_athena_query_stops_it_and_exits_130(running_athena, aws_env, tmp_path):
    """The real command, interrupted with SIGINT while moto holds its query RUNNING."""
    import signal
    import time

    env = {**os.environ, "GLUE_DATABASE": "spotify_lake", "ATHENA_OUTPUT_LOCATION": "s3://athena-results/x/"}
    command = [str(Path(sys.executable).parent / "spotify-assets-sql"), "--athena", "select 1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not running_athena.list_query_executions()["QueryExecutionIds"]:
            assert time.monotonic() < deadline and process.poll() is None, process.communicate()
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()

    assert process.returncode == 130, err
    assert "interrupted: stopped Athena query" in err
    (execution_id,) = running_athena.list_query_executions()["QueryExecutionIds"]
    state = running_athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]["State"]
    assert state == "CANCELLED"


def test_athena_timeout_option_stops_the_query(running_athena, monkeypatch, capsys):
    monkeypatch.setenv("GLUE_DATABASE", "spotify_lake")
    monkeypatch.setenv("ATHENA_OUTPUT_LOCATION", "s3://athena-results/x/")

    assert sql_cli.main(["--athena", "--timeout", "0.5", "select 1"]) == 1

    assert "after 0.5 s: stopped it" in capsys.readouterr().err
    (execution_id,) = running_athena.list_query_executions()["QueryExecutionIds"]
    state = running_athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]["State"]
    assert state == "CANCELLED"
