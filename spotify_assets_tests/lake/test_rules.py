"""The quality rules catch what they promise, and pass on clean data."""

import datetime as dt

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.raw_records import raw_table
from spotify_assets.lake.rules import raw_outcomes, week_outcomes
from spotify_assets.lake.transform import week_tables
from spotify_assets_tests import factories as f

A1 = f.artist("art1", "One")
ALBUM = f.album("alb1", "Album", [A1])


def _week(*entries, total=None):
    return raw_table([f.snapshot("pl1", list(entries), legacy=False, total=total)])


def _by_name(outcomes):
    return {(o.rule.table, o.rule.name): o for o in outcomes}


def test_clean_week_passes_every_rule():
    raw = _week(f.entry(f.track("s1", "a", [A1], ALBUM), legacy=False))
    outcomes = week_outcomes(week_tables(raw)) + raw_outcomes(raw)
    assert [(o.rule.table, o.rule.name) for o in outcomes if not o.passed] == []
    assert len(outcomes) == 17


def test_duplicate_key_and_dangling_album_fail_blocking_rules():
    tables = week_tables(_week(f.entry(f.track("s1", "a", [A1], ALBUM), legacy=False)))
    tables.songs = pa.concat_tables([tables.songs, tables.songs])
    tables.albums = tables.albums.filter(pc.equal(tables.albums["album_id"], "nope"))
    outcomes = _by_name(week_outcomes(tables))
    assert not outcomes[("songs", "unique_key")].passed and outcomes[("songs", "unique_key")].rule.blocking
    assert outcomes[("songs", "unique_key")].metadata["duplicated_keys"] == 1
    assert not outcomes[("songs", "albums_exist")].passed
    assert outcomes[("songs", "albums_exist")].metadata["examples"] == ["alb1"]


def test_missing_artist_fails():
    tables = week_tables(_week(f.entry(f.track("s1", "a", [A1], ALBUM), legacy=False)))
    tables.artists = tables.artists.slice(0, 0)
    assert not _by_name(week_outcomes(tables))[("songs", "artists_exist")].passed


def test_value_rules():
    future = f.album("alb2", "Soon", [A1], release_date="2027-01-01")
    raw = _week(
        f.entry(f.track("s1", "a", [A1], ALBUM, duration_ms=0, popularity=101), legacy=False),
        f.entry(f.track("s2", "b", [A1], future), legacy=False),
    )
    outcomes = _by_name(week_outcomes(week_tables(raw)))
    assert not outcomes[("songs", "duration_positive")].passed
    assert not outcomes[("songs", "popularity_in_range")].passed
    dates = outcomes[("albums", "release_date_valid")]
    assert not dates.passed and "in the future" in dates.metadata["examples"][0]


def test_release_dates_are_judged_against_the_day_the_snapshot_was_taken_not_today():
    """A week rebuilt from raw a year later gets the same outcome: the day after the snapshot is
    still the future, the snapshot's own day is not."""
    taken = f.EXTRACTED_AT.date()
    on_the_day = f.album("alb2", "Out today", [A1], release_date=taken.isoformat())
    next_day = f.album("alb3", "Out tomorrow", [A1], release_date=(taken + dt.timedelta(days=1)).isoformat())
    raw = _week(
        f.entry(f.track("s1", "a", [A1], on_the_day), legacy=False),
        f.entry(f.track("s2", "b", [A1], next_day), legacy=False),
    )
    dates = _by_name(week_outcomes(week_tables(raw)))[("albums", "release_date_valid")]
    assert dates.metadata["examples"] == [
        f"alb3: {taken + dt.timedelta(days=1)} is in the future of the snapshot taken {taken}"
    ]


def test_item_count_must_match_total():
    raw = _week(f.entry(f.track("s1", "a", [A1], ALBUM), legacy=False), total=120)
    outcome = _by_name(raw_outcomes(raw))[("raw_playlist", "item_count_matches_total")]
    assert not outcome.passed and "1 stored, total 120" in outcome.metadata["examples"][0]


def test_rejected_items_unparsed_added_at_and_conflicting_payloads_warn():
    other_album = {**ALBUM, "total_tracks": 3}
    raw = _week(
        f.entry(f.track("s1", "a", [A1], ALBUM), legacy=False, added_at="not a date"),
        f.entry(f.track("s2", "b", [A1], ALBUM, duration_ms="abc"), legacy=False),
        f.entry(f.track("s1", "a (remastered)", [A1], other_album), legacy=False),
    )
    outcomes = _by_name(week_outcomes(week_tables(raw)))
    failed = {key for key, outcome in outcomes.items() if not outcome.passed}
    assert failed == {
        ("rejected_items", "no_rejected_items"),
        ("songs", "added_at_parses"),
        ("songs", "track_payloads_agree"),
        ("albums", "album_payloads_agree"),
    }
    assert not any(outcomes[key].rule.blocking for key in failed)
    rejected = outcomes[("rejected_items", "no_rejected_items")]
    assert rejected.description.startswith("1 raw items rejected, on playlists pl1: each is kept in raw_playlist")
    assert "materialize the week's lake tables again" in rejected.description
    assert rejected.metadata["examples"] == [
        str(("pl1", 2, 'item.duration_ms is "abc", not a whole number of milliseconds'))
    ]
    assert outcomes[("songs", "added_at_parses")].metadata["examples"] == [str(("pl1", 1, "not a date"))]
    assert outcomes[("albums", "album_payloads_agree")].metadata["ids"] == ["alb1"]
    assert "alb1" in outcomes[("albums", "album_payloads_agree")].description
    assert outcomes[("songs", "track_payloads_agree")].metadata["examples"] == ["s1 on playlists pl1"]
    assert "(playlist_id, position)" in outcomes[("albums", "album_payloads_agree")].rule.description
