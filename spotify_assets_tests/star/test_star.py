"""The star without Dagster: type 2 versions, the unknown members, chart-only songs, dim_week, the
bridge, the facts and the keys_resolve rule, on small hand-made weeks."""

from datetime import date

import pyarrow as pa
import pytest

from spotify_assets.lake.schemas import ALBUMS, ARTISTS, CHART_MOVEMENTS, PLAYLISTS, SONGS, SPOTIFY_CHART_ENTRIES
from spotify_assets.star.dimensions import week_row
from spotify_assets.star.rules import keys_resolve
from spotify_assets.star.snapshots import StarHistoryError, snapshot_week, week_star
from spotify_assets.star.versions import UNKNOWN

P = "p" * 22
S1, S2, S3 = "a" * 22, "b" * 22, "c" * 22
AL, AR1, AR2 = "l" * 22, "r" * 22, "s" * 22


def song(position, song_id, name="Song", album=AL, artists=(AR1,)):
    return {
        "playlist_id": P,
        "position": position,
        "song_id": song_id,
        "song_name": name,
        "duration_ms": 200_000,
        "explicit": False,
        "album_id": album,
        "artist_id": artists[0] if artists else None,
        "artist_ids": list(artists),
    }


def sources(playlist_name="Mix", songs=(), entries=()):
    return {
        "playlists": pa.Table.from_pylist([{"playlist_id": P, "playlist_name": playlist_name}], schema=PLAYLISTS),
        "songs": pa.Table.from_pylist(list(songs), schema=SONGS),
        "albums": pa.Table.from_pylist([{"album_id": AL, "album_name": "Album"}], schema=ALBUMS),
        "artists": pa.Table.from_pylist(
            [{"artist_id": AR1, "artist_name": "One"}, {"artist_id": AR2, "artist_name": "Two"}], schema=ARTISTS
        ),
        "chart_movements": pa.Table.from_pylist([], schema=CHART_MOVEMENTS),
        "spotify_chart_entries": pa.Table.from_pylist(list(entries), schema=SPOTIFY_CHART_ENTRIES),
    }


def entry(rank, song_id, name="Chart Song"):
    return {
        "chart": "regional-global-weekly",
        "region": "global",
        "chart_date": date(2026, 8, 20),
        "rank": rank,
        "song_id": song_id,
        "song_name": name,
        "streams": 1000 - rank,
        "file_name": "regional-global-weekly-2026-08-20.csv",
    }


def chain(*weeks):
    """Each (week, sources) built on the one before, as the asset does."""
    previous, built = {}, {}
    for week, week_sources in weeks:
        built[week], outcomes = week_star(week, week_sources, previous)
        assert all(o.passed for o in outcomes), [o.metadata for o in outcomes]
        previous = built[week]
    return built


def rows(table, *columns):
    return [tuple(r[c] for c in columns) for r in table.to_pylist()]


def test_a_renamed_playlist_keeps_its_history_and_an_absent_song_stays_current():
    built = chain(
        ("2026-08-17", sources("Mix", [song(1, S1), song(2, S2)])),
        ("2026-08-24", sources("Mix", [song(1, S1)])),
        ("2026-08-31", sources("Summer Mix", [song(1, S1)])),
    )
    last = built["2026-08-31"]
    assert rows(
        last["dim_playlist"], "playlist_id", "playlist_name", "valid_from_week", "valid_to_week", "is_current"
    ) == [
        (UNKNOWN, UNKNOWN, date(2026, 8, 17), None, True),
        (P, "Mix", date(2026, 8, 17), date(2026, 8, 24), False),
        (P, "Summer Mix", date(2026, 8, 31), None, True),
    ]
    # S2 left the playlist in week 2: the dimension still describes it, as last seen
    assert rows(last["dim_song"], "song_id", "is_current") == [(UNKNOWN, True), (S1, True), (S2, True)]
    # the earlier snapshot is unchanged: week W holds the versions known up to W
    assert rows(built["2026-08-24"]["dim_playlist"], "playlist_name", "is_current")[1:] == [("Mix", True)]


def test_a_chart_only_song_takes_the_unknown_members_until_a_playlist_knows_it():
    built = chain(
        ("2026-08-17", sources(songs=[song(1, S1, artists=(AR1, AR2))], entries=[entry(1, S1), entry(2, S3)])),
        ("2026-08-24", sources(songs=[song(1, S1, artists=(AR1, AR2)), song(2, S3)], entries=[entry(1, S3)])),
    )
    first = built["2026-08-17"]
    assert rows(first["fact_chart_entry"], "rank", "song_id", "album_id", "artist_id") == [
        (1, S1, AL, AR1),
        (2, S3, UNKNOWN, UNKNOWN),
    ]
    assert rows(first["dim_song"], "song_id", "song_name", "album_id") == [
        (UNKNOWN, UNKNOWN, None),
        (S1, "Song", AL),
        (S3, "Chart Song", None),
    ]
    second = built["2026-08-24"]
    assert rows(second["fact_chart_entry"], "song_id", "album_id", "artist_id") == [(S3, AL, AR1)]
    assert rows(second["dim_song"], "song_id", "song_name", "is_current")[2:] == [
        (S3, "Chart Song", False),
        (S3, "Song", True),
    ]
    # every artist of the song, the first included, with the version's validity
    assert rows(first["bridge_song_artist"], "song_id", "artist_id", "artist_position") == [(S1, AR1, 1), (S1, AR2, 2)]


def test_keys_resolve_fails_on_a_key_without_exactly_one_valid_version():
    built = chain(("2026-08-17", sources(songs=[song(1, S1)])))["2026-08-17"]
    doubled = pa.concat_tables([built["dim_artist"], built["dim_artist"].slice(1, 1)])
    outcome = keys_resolve(
        "fact_playlist_entry", "2026-08-17", built["fact_playlist_entry"], {**built, "dim_artist": doubled}
    )
    assert not outcome.passed and outcome.rule.blocking
    assert outcome.metadata["examples"] == [f"artist_id '{AR1}': 2 rows of dim_artist valid in 2026-08-17"]
    missing_week = keys_resolve("fact_playlist_entry", "2026-08-24", built["fact_playlist_entry"], built)
    assert not missing_week.passed


@pytest.mark.parametrize(
    "week, expected",
    [
        ("2026-09-28", (date(2026, 10, 4), 2026, 40, 10, 4, 2026)),  # its Thursday is in October
        ("2026-12-28", (date(2027, 1, 3), 2026, 53, 12, 4, 2026)),  # ISO week 53 of 2026
        ("2027-01-04", (date(2027, 1, 10), 2027, 1, 1, 1, 2027)),
    ],
)
def test_dim_week_rows(week, expected):
    row = week_row(week)
    assert (row["week_end"], row["iso_year"], row["iso_week"], row["month"], row["quarter"], row["year"]) == expected


def test_a_run_after_weeks_without_a_snapshot_is_refused():
    assert snapshot_week("2026-08-31", ["2026-08-17", "2026-08-24"], ["2026-08-17", "2026-08-24"]) == "2026-08-24"
    assert snapshot_week("2026-08-17", [], []) is None
    with pytest.raises(StarHistoryError, match="Materialize the star from 2026-08-24"):
        snapshot_week("2026-08-31", ["2026-08-17"], ["2026-08-17", "2026-08-24"])
