"""Every column of every lake table has its meaning, the same text in the code (what the Dagster UI
shows in each materialization's column table) and in docs/data-contract.md."""

import re
from pathlib import Path

from spotify_assets.defs.io_manager import column_schema
from spotify_assets.lake.columns import COLUMN_DESCRIPTIONS
from spotify_assets.lake.schemas import TABLE_SCHEMAS

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"


def documented(table: str) -> dict[str, str]:
    """column -> meaning, from the table's section of the data contract."""
    section = re.search(rf"^### `{table}`\n(.*?)(?=^### |^## |\Z)", CONTRACT.read_text(), re.M | re.S)
    assert section, f"docs/data-contract.md has no section for {table}"
    # the table under the section's "| column | type | meaning |" header, to its first blank line
    table_text = section.group(1).split("| column | type | meaning |\n|---|---|---|\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table_text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[2]
    return rows


def test_every_column_is_described_as_the_data_contract_says():
    assert set(COLUMN_DESCRIPTIONS) == set(TABLE_SCHEMAS)
    for table, schema in TABLE_SCHEMAS.items():
        assert list(COLUMN_DESCRIPTIONS[table]) == schema.names, table
        assert all(COLUMN_DESCRIPTIONS[table].values()), table
        assert documented(table) == COLUMN_DESCRIPTIONS[table], (
            f"{table}: docs/data-contract.md and lake/columns.py differ"
        )


def test_the_column_schema_of_a_materialization_carries_them():
    columns = column_schema(TABLE_SCHEMAS["songs"], "songs").columns
    by_name = {column.name: column for column in columns}
    assert by_name["artist_id"].description.startswith("the track's **first** artist")
    assert by_name["playlist_id"].constraints.nullable is False
