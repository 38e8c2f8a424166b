"""The lake without Dagster: weeks, snapshots, table schemas, raw records, the transform, the
quality rules and Parquet storage on `pyarrow.fs` (docs/architecture.md)."""
