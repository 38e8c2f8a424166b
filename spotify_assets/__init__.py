"""spotify_assets: a weekly, queryable music-trends lake built from Spotify playlists with Dagster."""

import warnings

# Partitioned check specs, single-run backfill policies and the freshness-check builders are chosen
# on purpose (Dagster is pinned to 1.13); their beta/preview/superseded notices would drown real warnings.
warnings.filterwarnings("ignore", message=r".*(is currently in (beta|preview)|is superseded)")
