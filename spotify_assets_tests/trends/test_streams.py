"""Streams per song and per credited artist from the Spotify Charts (trends/streams.py), on small
DataFrames built here: the join to the week's songs, the credits, week over week, and a week
without playlists or without last week's chart."""

import pandas as pd
import pytest

from spotify_assets.trends.streams import ChartWeek, chart_songs, week_streams

GLOBAL, JP = "regional-global-weekly", "regional-jp-weekly"
SONG_A, SONG_B, SONG_C = "4uLU6hMCjMI75M1A2tKUQC", "7qiZfU4dY1lWllzX7mPBI3", "0VjIjW4GlUZAMYd2vXMi3b"


def entries(*rows: tuple) -> pd.DataFrame:
    """Chart entries as the ingest stores them: (chart, rank, song_id, song_name, artist_names, streams)."""
    return pd.DataFrame(
        [
            {
                "chart": chart,
                "region": chart.split("-")[1],
                "rank": rank,
                "song_id": song_id,
                "song_name": name,
                "artist_names": artists,
                "streams": streams,
            }
            for chart, rank, song_id, name, artists, streams in rows
        ]
    )


def songs(*rows: tuple) -> pd.DataFrame:
    """Playlist songs: (playlist_id, position, song_id, album_id, artist_ids)."""
    return pd.DataFrame(
        [
            {"playlist_id": p, "position": pos, "song_id": s, "album_id": al, "artist_ids": ids}
            for p, pos, s, al, ids in rows
        ]
    )


def artists(**names: str) -> pd.DataFrame:
    return pd.DataFrame({"artist_id": list(names), "artist_name": list(names.values())})


THIS_WEEK = entries(
    (GLOBAL, 1, SONG_A, "Song A", "Ana, Bo", 900),
    (GLOBAL, 2, SONG_B, 'Song "B"', "Tyler, The Creator", 600),
    (GLOBAL, 3, SONG_C, "Song C", "Ana", 500),
    (JP, 1, SONG_B, 'Song "B"', "Tyler, The Creator", 80),
)
THIS_SONGS = songs(
    ("p2", 4, SONG_A, "album2", ["ana", "bo"]),
    ("p1", 7, SONG_A, "album1", ["ana", "bo"]),  # the first by (playlist_id, position) wins
    ("p1", 9, SONG_C, "album3", ["ana"]),
)


def test_chart_songs_join_the_weeks_songs_by_song_id():
    joined = chart_songs(THIS_WEEK, THIS_SONGS).to_pylist()

    assert [(r["chart"], r["rank"], r["song_known"], r["album_id"], r["artist_ids"]) for r in joined] == [
        (GLOBAL, 1, True, "album1", ["ana", "bo"]),
        (GLOBAL, 2, False, None, None),
        (GLOBAL, 3, True, "album3", ["ana"]),
        (JP, 1, False, None, None),
    ]


@pytest.mark.parametrize("week_songs", [None, THIS_SONGS.iloc[0:0]], ids=["songs not stored", "songs empty"])
def test_a_week_without_playlists_keeps_every_entry_unknown(week_songs):
    joined = chart_songs(THIS_WEEK, week_songs)
    assert joined.num_rows == 4 and not any(joined["song_known"].to_pylist())
    streams = week_streams(ChartWeek(THIS_WEEK, joined), None)
    # every credit is then the file's text, never split at its commas
    credits = {(r["chart"], r["credit"]): r["streams"] for r in streams.artist_streams.to_pylist()}
    assert credits == {
        (GLOBAL, "Ana, Bo"): 900,
        (GLOBAL, "Tyler, The Creator"): 600,
        (GLOBAL, "Ana"): 500,
        (JP, "Tyler, The Creator"): 80,
    }


def test_streams_per_song_share_of_its_chart_and_no_comparison_without_last_week():
    this = ChartWeek(THIS_WEEK, chart_songs(THIS_WEEK, THIS_SONGS), artists(ana="Ana", bo="Bo"))
    rows = week_streams(this, None).song_streams.to_pylist()

    assert [(r["chart"], r["rank"], r["streams"], r["share"]) for r in rows] == [
        (GLOBAL, 1, 900, 0.45),
        (GLOBAL, 2, 600, 0.30),
        (GLOBAL, 3, 500, 0.25),
        (JP, 1, 80, 1.0),
    ]
    assert all(r["previous_streams"] is None and r["streams_change"] is None and r["is_new"] is None for r in rows)
    assert [r["song_known"] for r in rows] == [True, False, True, False]
    assert rows[1]["song_name"] == 'Song "B"' and rows[1]["artist_names"] == "Tyler, The Creator"


def test_artists_are_credited_by_id_where_known_else_by_the_files_text():
    this = ChartWeek(THIS_WEEK, chart_songs(THIS_WEEK, THIS_SONGS), artists(ana="Ana", bo="Bo"))
    rows = week_streams(this, None).artist_streams.to_pylist()

    assert [(r["chart"], r["credit"], r["artist_id"], r["artist_name"], r["songs"], r["streams"]) for r in rows] == [
        (GLOBAL, "ana", "ana", "Ana", 2, 1400),  # a song crediting two artists counts fully for each
        (GLOBAL, "bo", "bo", "Bo", 1, 900),
        (GLOBAL, "Tyler, The Creator", None, "Tyler, The Creator", 1, 600),
        (JP, "Tyler, The Creator", None, "Tyler, The Creator", 1, 80),
    ]
    assert [r["share"] for r in rows] == pytest.approx([0.7, 0.45, 0.3, 1.0])


def test_week_over_week_against_last_weeks_stored_chart():
    last_week = entries(
        (GLOBAL, 1, SONG_B, 'Song "B"', "Tyler, The Creator", 700),
        (GLOBAL, 2, SONG_A, "Song A", "Ana, Bo", 650),
        (GLOBAL, 3, "2Ff1jUUWCtvxvCZn8ASvQe", "Gone", "Zed", 100),
    )
    # the week before knew song B; this week no playlist has it: it is still credited to its id
    last_songs = songs(("p1", 1, SONG_B, "albumB", ["tyler"]))
    before = ChartWeek(last_week, chart_songs(last_week, last_songs), artists(tyler="Tyler, The Creator"))
    this = ChartWeek(THIS_WEEK, chart_songs(THIS_WEEK, THIS_SONGS), artists(ana="Ana", bo="Bo"))

    result = week_streams(this, before)

    songs_by_key = {(r["chart"], r["song_id"]): r for r in result.song_streams.to_pylist()}
    a, b, c = (songs_by_key[(GLOBAL, s)] for s in (SONG_A, SONG_B, SONG_C))
    assert (a["previous_rank"], a["previous_streams"], a["streams_change"], a["is_new"]) == (2, 650, 250, False)
    assert (b["previous_rank"], b["previous_streams"], b["streams_change"], b["is_new"]) == (1, 700, -100, False)
    assert (c["previous_rank"], c["previous_streams"], c["streams_change"], c["is_new"]) == (None, None, None, True)
    # the JP chart was not stored last week: nothing to compare with, not "new"
    jp = songs_by_key[(JP, SONG_B)]
    assert (jp["previous_streams"], jp["is_new"]) == (None, None)
    assert b["song_known"] is False

    artists_by_key = {(r["chart"], r["credit"]): r for r in result.artist_streams.to_pylist()}
    tyler = artists_by_key[(GLOBAL, "tyler")]
    assert (tyler["artist_name"], tyler["streams"], tyler["previous_streams"], tyler["is_new"]) == (
        "Tyler, The Creator",
        600,
        700,
        False,
    )
    ana = artists_by_key[(GLOBAL, "ana")]
    assert (ana["previous_streams"], ana["streams_change"], ana["is_new"]) == (650, 750, False)
    assert (GLOBAL, "Tyler, The Creator") not in artists_by_key  # credited by id in both weeks
    assert artists_by_key[(JP, "tyler")]["is_new"] is None


def test_a_song_listed_twice_counts_once_at_its_best_rank_and_entries_without_id_are_left_out():
    week = entries(
        (GLOBAL, 1, SONG_A, "Song A", "Ana", 500),
        (GLOBAL, 2, None, "No id", "Nobody", 400),
        (GLOBAL, 3, SONG_A, "Song A", "Ana", 300),
    )
    result = week_streams(ChartWeek(week, chart_songs(week, None)), None)

    assert [(r["rank"], r["streams"], r["share"]) for r in result.song_streams.to_pylist()] == [(1, 500, 1.0)]
    assert [(r["credit"], r["songs"], r["streams"]) for r in result.artist_streams.to_pylist()] == [("Ana", 1, 500)]
    assert chart_songs(week, None)["rank"].to_pylist() == [1, 2, 3]  # the join keeps every entry


def test_an_empty_week_gives_empty_tables():
    empty = pd.DataFrame(columns=["chart", "region", "rank", "song_id", "song_name", "artist_names", "streams"])
    result = week_streams(ChartWeek(empty, chart_songs(empty, None)), None)
    assert result.song_streams.num_rows == result.artist_streams.num_rows == 0
