"""The chart rules judge a week's entries: ranks 1..N (blocking), streams falling with rank, valid
track ids, previous ranks that agree with last week's chart."""

from spotify_assets.charts.lines import raw_chart_table
from spotify_assets.charts.parse import chart_tables
from spotify_assets.charts.rules import entries_outcomes, raw_chart_outcomes, rejected_outcomes
from spotify_assets_tests.charts.chart_files import entries, new_format, old_format

GLOBAL = "regional-global-weekly-2026-10-22.csv"
LAST_WEEK = "regional-global-weekly-2026-10-15.csv"


def week_entries(rows, name=GLOBAL, fmt=new_format):
    return chart_tables(raw_chart_table([(name, fmt(rows))])).entries


def judged(entries_table, last_week=None) -> dict:
    return {o.rule.name: o for o in entries_outcomes(entries_table, last_week)}


def test_a_clean_chart_passes_every_rule():
    outcomes = judged(week_entries(entries(5)))
    assert all(o.passed for o in outcomes.values()), {n: o.description for n, o in outcomes.items()}


def test_a_gap_in_the_ranks_blocks():
    rows = [e for e in entries(5) if e["rank"] != 3]
    outcome = judged(week_entries(rows))["ranks_complete"]
    assert not outcome.passed and outcome.rule.blocking
    assert "regional-global-weekly: 4 entries, ranks 1..5, missing [3]" in outcome.metadata["examples"][0]


def test_a_rank_twice_fails_the_blocking_unique_key():
    rows = entries(3)
    rows[2]["rank"] = 2
    outcomes = judged(week_entries(rows))
    assert not outcomes["unique_key"].passed and outcomes["unique_key"].rule.blocking


def test_streams_that_rise_with_rank_and_a_bad_track_id_warn():
    rows = entries(3)
    rows[2]["streams"] = rows[0]["streams"] + 1
    rows[1]["song_id"] = "not-a-track"
    outcomes = judged(week_entries(rows))
    rises, ids = outcomes["streams_fall_with_rank"], outcomes["song_id_valid"]
    assert not rises.passed and not rises.rule.blocking and rises.metadata["failing_rows"] == 1
    assert "rank 3 has" in rises.metadata["examples"][0]
    assert not ids.passed and not ids.rule.blocking and "'not-a-track'" in ids.metadata["examples"][0]


def test_previous_rank_is_compared_with_last_weeks_stored_chart():
    before = entries(3, seed="w")  # last week: songs w1, w2, w3 at ranks 1..3
    now = entries(3, seed="w")
    now[0].update(previous_rank=2)  # w1 was 1st: wrong
    now[1].update(previous_rank=2)  # w2 was 2nd: right
    now[2].update(previous_rank=-1)  # w3 was on it: "new" is wrong
    last_week = week_entries(before, LAST_WEEK)
    outcome = judged(week_entries(now), last_week)["previous_rank_agrees"]
    assert not outcome.passed and outcome.metadata["failing_rows"] == 2 and outcome.metadata["compared"] == 3
    assert "previous_rank 2, last week's chart: 1" in outcome.metadata["examples"][0]
    assert "previous_rank new (-1), last week's chart: 3" in outcome.metadata["examples"][1]
    # nothing to compare: no stored week before, or this week's file in the older format
    assert judged(week_entries(now))["previous_rank_agrees"].passed
    older = week_entries(now, "regional-global-weekly-2026-10-16--2026-10-23.csv", old_format)
    assert judged(older, last_week)["previous_rank_agrees"].metadata["compared"] == 0


def test_the_raw_and_rejection_rules_warn_with_the_files():
    raw = raw_chart_table([])
    outcomes = {o.rule.name: o for o in raw_chart_outcomes(raw, "2026-10-19", [], {"x.csv": "not a chart"})}
    assert not outcomes["week_has_charts"].passed and not outcomes["week_has_charts"].rule.blocking
    assert (
        not outcomes["chart_files_placed"].passed
        and "- x.csv: not a chart" in outcomes["chart_files_placed"].description
    )
    rejected = chart_tables(raw_chart_table([(GLOBAL, b"nonsense\n")])).rejected
    (unique, count) = rejected_outcomes(rejected)
    assert unique.passed and not count.passed and count.metadata["files"] == [GLOBAL]


def test_without_a_charts_folder_an_empty_week_is_no_fault():
    (_, has_charts, placed) = raw_chart_outcomes(raw_chart_table([]), "2026-10-19", [], {}, followed=False)
    assert has_charts.passed and placed.passed and has_charts.metadata["charts_folder_set"] is False
