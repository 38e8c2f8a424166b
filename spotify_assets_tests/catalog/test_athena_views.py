"""The star's Athena views, run as SQL on the sample lake: each gives the DuckDB catalog's view of its
dimension (same columns, same rows), and its Glue columns and Athena types say the same."""

import duckdb
import pytest

from spotify_assets.catalog.athena_views import (
    decode_presto_view,
    view_difference,
    view_sql,
    view_table_input,
)
from spotify_assets.catalog.duckdb_catalog import connect_read_only
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES


@pytest.mark.parametrize("table", SNAPSHOT_TABLES)
def test_each_view_selects_what_the_duckdb_catalog_shows_of_the_latest_snapshot(sample_lake, table):
    with connect_read_only(sample_lake.catalog_path) as catalog:
        expected = catalog.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in expected.description]
        rows = sorted(expected.fetchall(), key=repr)
    with duckdb.connect() as con:
        # the table as Glue holds it: every snapshot, `week` a string partition
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{sample_lake.lake}/{table}/week=*/*.parquet', "
            "hive_partitioning = true, hive_types = {'week': VARCHAR})"
        )
        assert con.execute(f"SELECT count(DISTINCT week) FROM {table}").fetchone()[0] > 1  # several snapshots
        got = con.execute(view_sql(table))
        assert [d[0] for d in got.description] == columns
        assert sorted(got.fetchall(), key=repr) == rows


def test_the_view_document_and_the_glue_columns_name_the_same_columns():
    table_input = view_table_input("dim_week", "spotify_lake")
    document = decode_presto_view(table_input["ViewOriginalText"])
    glue = [(c["Name"], c["Type"]) for c in table_input["StorageDescriptor"]["Columns"]]
    assert [c["name"] for c in document["columns"]] == [name for name, _ in glue]
    assert (document["columns"][0], glue[0]) == ({"name": "week_start", "type": "date"}, ("week_start", "date"))
    assert (document["columns"][-1], glue[-1]) == ({"name": "week", "type": "varchar"}, ("week", "string"))
    assert view_difference(table_input, table_input) == []
    assert decode_presto_view("/* not a view */") is None
