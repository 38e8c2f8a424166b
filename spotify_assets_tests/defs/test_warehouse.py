"""The star loaded into Snowflake: the real `snowflake-connector-python` (through dagster-snowflake's
`SnowflakeResource`) against fakesnow's server, a DuckDB-backed Snowflake emulator on loopback. One
server and one 12-week run for the module; each test reads what it needs from them."""

import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import fakesnow
import pandas as pd
import pyarrow as pa
import pytest

from spotify_assets.catalog.duckdb_catalog import connect_read_only
from spotify_assets.definitions import build_definitions
from spotify_assets.lake.reading import read_weeks
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES, STAR_SCHEMAS
from spotify_assets.settings import SnowflakeSettingsError, load_settings
from spotify_assets.warehouse.snowflake import load_fact_weeks, warehouse_schema
from spotify_assets_tests.conftest import SAMPLE_WEEKS, read_lake, run_weeks

PASSWORD = "any-password-fakesnow-accepts"
FACTS = [table for table in STAR_SCHEMAS if table not in SNAPSHOT_TABLES]

# One BI question, in SQL that DuckDB's catalog and Snowflake both run: each week's three artists
# with the most playlist entries, named as of that week (the dim_artist version valid in it).
TOP_ARTISTS = """
select week_start, artist_name, entries from (
    select w.week_start, a.artist_id, a.artist_name, count(*) as entries,
           row_number() over (partition by w.week_start order by count(*) desc, a.artist_id) as place
    from fact_playlist_entry f
    join dim_week w on w.week = f.week
    join dim_artist a on a.artist_id = f.artist_id
         and a.valid_from_week <= w.week_start
         and (a.valid_to_week is null or w.week_start <= a.valid_to_week)
    group by w.week_start, a.artist_id, a.artist_name
) ranked
where place <= 3
order by week_start, place
"""


@pytest.fixture(scope="module")
def snowflake_server() -> Iterator[dict]:
    with fakesnow.server() as connection_kwargs:
        yield connection_kwargs


def snowflake_env(server: dict, database: str, **extra: str) -> dict[str, str]:
    return {
        "SNOWFLAKE_ACCOUNT": "test_account",
        "SNOWFLAKE_USER": "loader",
        "SNOWFLAKE_PASSWORD": PASSWORD,
        "SNOWFLAKE_DATABASE": database,
        "SNOWFLAKE_SCHEMA": "STAR",
        "SNOWFLAKE_WAREHOUSE": "LOAD_WH",
        "SNOWFLAKE_HOST": server["host"],
        "SNOWFLAKE_PORT": str(server["port"]),
        "SNOWFLAKE_PROTOCOL": "http",
        **extra,
    }


@contextmanager
def run_environment(env: Mapping[str, str]) -> Iterator[None]:
    """The Snowflake variables in this process's environment, where the run reads them: the password
    (a dg.EnvVar) and the account and endpoint (read at set-up, never from run config)."""
    names = [name for name in env if name.startswith("SNOWFLAKE_")]
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: env[name] for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def loaded(snowflake_server, tmp_path_factory) -> Iterator[dict]:
    """Every sample week materialized and loaded into Snowflake in one run, as `make run` does."""
    env = snowflake_env(snowflake_server, f"BI_{uuid.uuid4().hex[:8].upper()}")
    env["SPOTIFY_ASSETS_LAKE"] = str(tmp_path_factory.mktemp("warehouse") / "lake")
    settings = load_settings(env)
    defs = build_definitions(settings)
    with run_environment(env):
        result = run_weeks(defs, SAMPLE_WEEKS[0], SAMPLE_WEEKS[-1])
    yield {"env": env, "settings": settings, "defs": defs, "result": result}


def snowflake_connection(settings):
    """The real connector, to the emulator, with the settings the run used."""
    import snowflake.connector

    config = settings.snowflake
    return snowflake.connector.connect(
        account=config.account,
        user=config.user,
        password=PASSWORD,
        database=config.database,
        schema=config.schema,
        host=config.host,
        port=config.port,
        protocol=config.protocol,
    )


def fetch(settings, sql: str, params=None) -> list[tuple]:
    with snowflake_connection(settings) as connection:
        return connection.cursor().execute(sql, params).fetchall()


def week_counts(settings, table: str) -> dict[str, int]:
    rows = fetch(settings, f"select week, count(*) from {table.upper()} group by week")
    return {week.isoformat(): count for week, count in rows}


def test_one_run_loads_every_week_of_the_star_into_upper_case_tables(loaded):
    assert loaded["result"].success
    lake = loaded["settings"].lake
    tables = {
        name
        for (name,) in fetch(
            loaded["settings"], "select table_name from information_schema.tables where table_schema = 'STAR'"
        )
    }
    assert {table.upper() for table in STAR_SCHEMAS} <= tables
    for fact in FACTS:
        expected = {week: read_weeks(lake, fact, [week], with_week=False).num_rows for week in SAMPLE_WEEKS}
        assert week_counts(loaded["settings"], fact) == expected, fact
    for dimension in SNAPSHOT_TABLES:
        newest = read_weeks(lake, dimension, [SAMPLE_WEEKS[-1]], with_week=False)
        ((count,),) = fetch(loaded["settings"], f"select count(*) from {dimension.upper()}")
        assert count == newest.num_rows, dimension
    columns = fetch(
        loaded["settings"],
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'STAR' and table_name = 'FACT_PLAYLIST_ENTRY' order by ordinal_position",
    )
    assert columns[0] == ("WEEK", "DATE")
    assert [name for name, _ in columns[1:]] == [f.name.upper() for f in STAR_SCHEMAS["fact_playlist_entry"]]
    assert (
        loaded["defs"]
        .resolve_assets_def(dg.AssetKey(["snowflake", "dim_song"]))
        .group_names_by_key[dg.AssetKey(["snowflake", "dim_song"])]
        == "warehouse"
    )


def test_rerunning_a_week_replaces_it(loaded):
    week = SAMPLE_WEEKS[4]
    before = {fact: week_counts(loaded["settings"], fact) for fact in FACTS}
    selection = [dg.AssetKey(["snowflake", table]) for table in STAR_SCHEMAS]
    with run_environment(loaded["env"]):
        again = (
            loaded["defs"]
            .resolve_job_def("weekly_lake")
            .execute_in_process(partition_key=week, asset_selection=selection, instance=dg.DagsterInstance.ephemeral())
        )
    assert again.success
    assert {fact: week_counts(loaded["settings"], fact) for fact in FACTS} == before
    ((duplicated,),) = fetch(
        loaded["settings"],
        "select count(*) from (select week, playlist_id, position from FACT_PLAYLIST_ENTRY "
        "group by week, playlist_id, position having count(*) > 1)",
    )
    assert duplicated == 0


def test_a_new_contract_column_is_added_without_dropping_data(loaded):
    lake, settings = loaded["settings"].lake, loaded["settings"]
    before = week_counts(settings, "fact_chart_entry")
    grown = warehouse_schema("fact_chart_entry").append(pa.field("streams_share", pa.float64()))
    week = SAMPLE_WEEKS[-1]
    data = read_weeks(lake, "fact_chart_entry", [week], with_week=False)
    data = data.append_column("streams_share", pa.array([0.5] * data.num_rows, pa.float64()))
    with snowflake_connection(settings) as connection:
        result = load_fact_weeks(connection, "fact_chart_entry", {week: data}, schema=grown)
    assert result.added_columns == ("STREAMS_SHARE",)
    assert week_counts(settings, "fact_chart_entry") == before
    shares = dict(fetch(settings, "select week, max(streams_share) from FACT_CHART_ENTRY group by week"))
    assert {w.isoformat(): share for w, share in shares.items()} == {w: (0.5 if w == week else None) for w in before}


def test_a_missing_credential_is_named_before_anything_loads(snowflake_server, tmp_path, monkeypatch):
    env = snowflake_env(snowflake_server, "BI_NEVER", SPOTIFY_ASSETS_LAKE=str(tmp_path / "lake"))
    for name in ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_USER"):
        incomplete = {key: value for key, value in env.items() if key != name}
        with pytest.raises(SnowflakeSettingsError, match=name):
            build_definitions(load_settings(incomplete))
    # set where the code location loads, gone where the run starts: the run does not start
    settings = load_settings(env)
    for name, value in env.items():
        if name.startswith("SNOWFLAKE_"):
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("SNOWFLAKE_PASSWORD", raising=False)
    with pytest.raises(
        dg.DagsterInvalidConfigError, match='environment variable "SNOWFLAKE_PASSWORD" which is not set'
    ):
        run_weeks(build_definitions(settings), SAMPLE_WEEKS[0])
    assert not (tmp_path / "lake").exists()
    assert fetch(settings, "select count(*) from information_schema.tables where table_schema = 'STAR'") == [(0,)]


def test_top_artists_per_week_agree_on_snowflake_duckdb_and_pandas(loaded):
    snowflake = fetch(loaded["settings"], TOP_ARTISTS)
    with connect_read_only(loaded["settings"].catalog_path) as duck:
        duckdb = duck.execute(TOP_ARTISTS).fetchall()

    lake = Path(loaded["settings"].lake)
    facts = read_lake(lake, "fact_playlist_entry")
    artists = read_lake(lake, "dim_artist")
    artists = artists[artists["week"] == SAMPLE_WEEKS[-1]]  # the latest snapshot, as the catalog's view
    joined = facts.merge(artists.drop(columns="week"), on="artist_id")
    week_start = pd.to_datetime(joined["week"]).dt.date
    valid = (joined["valid_from_week"] <= week_start) & (
        joined["valid_to_week"].isna() | (week_start <= joined["valid_to_week"])
    )
    counts = (
        joined[valid]
        .assign(week_start=week_start[valid])
        .groupby(["week_start", "artist_id", "artist_name"])
        .size()
        .reset_index(name="entries")
        .sort_values(["week_start", "entries", "artist_id"], ascending=[True, False, True])
    )
    pandas = [
        (row.week_start, row.artist_name, row.entries) for row in counts.groupby("week_start").head(3).itertuples()
    ]
    assert len(pandas) == 3 * len(SAMPLE_WEEKS)
    assert snowflake == duckdb == pandas


def test_a_run_config_cannot_send_the_password_elsewhere(loaded):
    """The account and endpoint are not config fields (docs/decisions.md, decision 45): a run config
    naming them is refused before the run starts, and a plain-http endpoint off loopback fails the
    run at set-up, before the connector sends anything."""
    selection = [dg.AssetKey(["snowflake", table]) for table in STAR_SCHEMAS]
    job = loaded["defs"].resolve_job_def("weekly_lake")
    for field in ("account", "host", "port", "protocol"):
        with pytest.raises(dg.DagsterInvalidConfigError, match=field):
            job.execute_in_process(
                partition_key=SAMPLE_WEEKS[0],
                asset_selection=selection,
                run_config={"resources": {"snowflake": {"config": {field: "evil.example"}}}},
                instance=dg.DagsterInstance.ephemeral(),
            )
    with run_environment({**loaded["env"], "SNOWFLAKE_HOST": "snowflake.evil.example"}):
        refused = job.execute_in_process(
            partition_key=SAMPLE_WEEKS[0],
            asset_selection=selection,
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
    assert not refused.success
    failure = next(e for e in refused.all_events if e.is_failure)
    assert "SNOWFLAKE_HOST is refused" in str(failure.event_specific_data)
    assert PASSWORD not in str(failure.event_specific_data)
