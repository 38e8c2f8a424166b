"""The star loaded into a warehouse, without Dagster: Snowflake through any DB-API connection of
`snowflake-connector-python` (docs/warehouse.md)."""
