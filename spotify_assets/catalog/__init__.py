"""The lake's SQL catalog: DuckDB views on a laptop, the Glue Data Catalog on AWS (no Dagster here)."""
