"""Data-quality rules for one week of trend tables (plain functions, no Dagster).

Besides the unique keys every table gets from `lake/rules.py`, the movements must add up and cover the
week's songs. All are blocking: a week that breaks them is not written.
"""

from typing import Any

import pyarrow as pa

from spotify_assets.lake.rules import SAMPLE, Outcome, Rule, unique_key
from spotify_assets.trends.history import DOWN, EXIT, NEW, RE_ENTRY, SAME, UP, WeekTrends, chart

CHANGE_RULE = Rule(
    "chart_movements",
    "change_matches_positions",
    "change = previous_position - position where both are known and null otherwise; status agrees "
    "(up when change > 0, down < 0, same = 0, new or re-entry without a previous position, exit "
    "without a position).",
    blocking=True,
)
COVERAGE_RULE = Rule(
    "chart_movements",
    "songs_on_chart",
    "Every song of the week's songs has a chart_movements row at its best position, and every row "
    "that is not an exit is one of the week's songs.",
    blocking=True,
)
TREND_RULES: tuple[Rule, ...] = (CHANGE_RULE, COVERAGE_RULE)


def _outcome(rule: Rule, bad: list[Any], what: str, **extra: Any) -> Outcome:
    metadata: dict[str, Any] = {"failing_rows": len(bad), **extra}
    if bad:
        metadata["examples"] = [str(example) for example in bad[:SAMPLE]]
    return Outcome(rule, passed=not bad, description=f"{len(bad)} {what}" if bad else "ok", metadata=metadata)


def _expected_statuses(position: int | None, previous: int | None, change: int | None) -> set[str]:
    if position is None:
        return {EXIT}
    if previous is None:
        return {NEW, RE_ENTRY}
    return {UP} if change > 0 else {DOWN} if change < 0 else {SAME}


def change_matches_positions(movements: pa.Table) -> Outcome:
    bad = []
    for row in movements.select(
        ["playlist_id", "song_id", "position", "previous_position", "change", "status"]
    ).to_pylist():
        position, previous = row["position"], row["previous_position"]
        expected = previous - position if position is not None and previous is not None else None
        if row["change"] != expected or row["status"] not in _expected_statuses(position, previous, expected):
            bad.append(row)
    return _outcome(CHANGE_RULE, bad, "rows whose change or status does not follow from the positions")


def songs_on_chart(songs: pa.Table, movements: pa.Table) -> Outcome:
    expected = {key: entry["position"] for key, entry in chart(songs).items()}
    actual = {
        (row["playlist_id"], row["song_id"]): row["position"]
        for row in movements.select(["playlist_id", "song_id", "position", "status"]).to_pylist()
        if row["status"] != EXIT
    }
    missing = [
        f"{key}: at {position}, chart has {actual.get(key)}"
        for key, position in expected.items()
        if actual.get(key) != position
    ]
    extra = [
        f"{key}: on the chart at {position}, not in songs" for key, position in actual.items() if key not in expected
    ]
    return _outcome(
        COVERAGE_RULE,
        missing + extra,
        "songs missing from the chart, at another position, or charted without being in songs",
        songs_on_chart=len(expected),
    )


def trend_outcomes(songs: pa.Table, trends: WeekTrends) -> list[Outcome]:
    """Every rule on one week of trend tables."""
    return [
        unique_key("chart_movements", trends.chart_movements),
        unique_key("chart_history", trends.chart_history),
        unique_key("artist_trends", trends.artist_trends),
        change_matches_positions(trends.chart_movements),
        songs_on_chart(songs, trends.chart_movements),
    ]
