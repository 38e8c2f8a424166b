"""The star schema for BI tools, without Dagster: type 2 dimensions as weekly as-of snapshots, the
week dimension, the song-artist bridge, the facts and their rule (docs/data-contract.md, The star schema)."""
