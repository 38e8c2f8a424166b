"""Where playlist snapshots come from: the live Spotify Web API or recorded replays. No Dagster here."""
