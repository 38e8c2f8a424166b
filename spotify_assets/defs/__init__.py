"""The Dagster layer: partitions, assets, checks, resources, the IO manager adapter and the job,
built from the settings by `spotify_assets.definitions.build_definitions` (docs/architecture.md)."""
