"""Which stored snapshot a run of the star continues from, and the whole star of one week."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyarrow as pa

from spotify_assets.star.dimensions import week_dimensions
from spotify_assets.star.facts import chart_songs, fact_chart_entry, fact_playlist_entry
from spotify_assets.star.rules import keys_resolve


class StarHistoryError(ValueError):
    """The weeks before a run have lake tables but no star snapshot to continue from."""


def snapshot_week(first_week: str, snapshot_weeks: Iterable[str], source_weeks: Iterable[str]) -> str | None:
    """The snapshot week a run starting at `first_week` continues from, or None when the dimensions
    start at `first_week` (no source week before it). A week before the run with lake tables but no
    snapshot is an error: continuing from an older snapshot would date every change since to the
    wrong week."""
    latest = max((w for w in snapshot_weeks if w < first_week), default=None)
    uncounted = sorted(w for w in source_weeks if w < first_week and (latest is None or w > latest))
    if uncounted:
        raise StarHistoryError(
            f"cannot build the star for week {first_week}: songs has week(s) {', '.join(uncounted)} but "
            f"the star's dimensions have no snapshot of them, and each snapshot continues the one before. "
            f"Materialize the star from {uncounted[0]} (a backfill of {uncounted[0]}...{first_week} is one run)."
        )
    return latest


def week_star(
    week: str,
    sources: Mapping[str, pa.Table],
    previous: Mapping[str, pa.Table | None],
) -> tuple[dict[str, pa.Table], list]:
    """Every star table of `week` and the outcomes of its rules, from the week's lake tables
    (`sources`, by name: playlists, songs, albums, artists, chart_movements, spotify_chart_entries)."""
    entries = sources["spotify_chart_entries"]
    tables = week_dimensions(week, sources, previous, chart_songs(entries))
    tables["fact_playlist_entry"] = fact_playlist_entry(sources["songs"], sources["chart_movements"])
    tables["fact_chart_entry"] = fact_chart_entry(entries, tables["dim_song"], week)
    outcomes = [keys_resolve(fact, week, tables[fact], tables) for fact in ("fact_playlist_entry", "fact_chart_entry")]
    return tables, outcomes
