"""The star's rule: every fact key resolves to exactly one dimension row valid in its week (plain
functions; `defs/checks.py` makes them Dagster checks). Blocking: a BI join that finds no row loses
the fact, one that finds two counts it twice."""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from spotify_assets.lake.rules import SAMPLE, Outcome, Rule
from spotify_assets.star.versions import valid_in, week_date

# fact table -> {key column: dimension}; the week itself resolves in dim_week
FACT_DIMENSIONS: dict[str, dict[str, str]] = {
    "fact_playlist_entry": {
        "playlist_id": "dim_playlist",
        "song_id": "dim_song",
        "album_id": "dim_album",
        "artist_id": "dim_artist",
    },
    "fact_chart_entry": {"song_id": "dim_song", "album_id": "dim_album", "artist_id": "dim_artist"},
}

STAR_RULES: tuple[Rule, ...] = tuple(
    Rule(
        fact,
        "keys_resolve",
        f"Every key of {fact} ({', '.join(f'{k} in {d}' for k, d in keys.items())}, the week in dim_week) "
        "finds exactly one dimension row valid in the fact's week (a missing key is the 'unknown' member).",
        blocking=True,
    )
    for fact, keys in FACT_DIMENSIONS.items()
)
STAR_RULES_BY_TABLE = {rule.table: rule for rule in STAR_RULES}


def keys_resolve(fact: str, week: str, facts: pa.Table, dimensions: Mapping[str, pa.Table]) -> Outcome:
    """Each fact row's keys against the week's dimension snapshots."""
    bad: list[str] = []
    failing = 0
    for column, dimension in FACT_DIMENSIONS[fact].items():
        counts = valid_in(dimensions[dimension], column, week)
        for value in facts[column].to_pylist():
            found = counts.get(value, 0)
            if found != 1:
                failing += 1
                if len(bad) < SAMPLE:
                    bad.append(f"{column} {value!r}: {found} rows of {dimension} valid in {week}")
    weeks = dimensions["dim_week"]["week_start"].to_pylist().count(week_date(week))
    if weeks != 1:
        failing += facts.num_rows
        bad.append(f"week {week}: {weeks} rows in dim_week")
    rule = STAR_RULES_BY_TABLE[fact]
    return Outcome(
        rule,
        passed=failing == 0,
        description=f"{failing} fact keys that do not resolve to exactly one dimension row" if failing else "ok",
        metadata={"failing_rows": failing, **({"examples": bad} if bad else {})},
    )
