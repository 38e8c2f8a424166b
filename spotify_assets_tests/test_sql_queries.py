"""Every shipped query, on the local catalog over the 12 sample weeks, against an answer computed
independently with pandas from the lake's Parquet files."""

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from spotify_assets.catalog.duckdb_catalog import connect_read_only
from spotify_assets.cli.sql import QUERIES_DIR, shipped_queries
from spotify_assets_tests.conftest import SAMPLE_WEEKS, read_lake


@pytest.fixture(scope="module")
def lake(sample_lake) -> dict[str, pd.DataFrame]:
    root = Path(sample_lake.lake)
    return {t: read_lake(root, t) for t in ("playlists", "songs", "albums", "artists")}


def run(sample_lake, name: str) -> list[tuple]:
    with connect_read_only(sample_lake.catalog_path) as con:
        return con.execute((QUERIES_DIR / f"{name}.sql").read_text()).fetchall()


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame[columns].itertuples(index=False)]


def test_every_shipped_query_is_tested():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(shipped_queries()) <= tested


def test_the_catalog_covers_the_twelve_sample_weeks(sample_lake, lake):
    assert sorted(lake["songs"]["week"].unique()) == SAMPLE_WEEKS
    with connect_read_only(sample_lake.catalog_path) as con:
        for table, frame in lake.items():
            assert con.execute(f"SELECT count(*), count(DISTINCT week) FROM {table}").fetchone() == (len(frame), 12)


def test_queries_use_no_duckdb_only_syntax():
    for name, path in shipped_queries().items():
        sql = path.read_text()
        for pattern in (
            r"::",
            r"\bQUALIFY\b",
            r"\bILIKE\b",
            r"\bEXCLUDE\b",
            r"\blist_\w+\(",
            r"\bstrftime\(",
            r"\bLIMIT\s+\d+\s+OFFSET\b",
        ):
            assert not re.search(pattern, sql, re.IGNORECASE), f"{name}.sql uses {pattern}"


def test_top_artists(sample_lake, lake):
    credits = lake["songs"].explode("artist_ids").rename(columns={"artist_ids": "credited"})
    counts = (
        credits.groupby(["week", "credited"])
        .agg(appearances=("song_id", "size"), playlists=("playlist_id", "nunique"))
        .reset_index()
        .merge(
            lake["artists"][["week", "artist_id", "artist_name"]],
            left_on=["week", "credited"],
            right_on=["week", "artist_id"],
            how="left",
        )
    )
    counts = counts.sort_values(["week", "appearances", "artist_name", "credited"], ascending=[True, False, True, True])
    counts["artist_rank"] = counts.groupby("week").cumcount() + 1
    top = counts[counts["artist_rank"] <= 10].sort_values(["week", "artist_rank"], ascending=[False, True])

    got = run(sample_lake, "top_artists")

    assert got == _records(top, ["week", "artist_rank", "artist_name", "appearances", "playlists"])
    assert len(got) == 10 * 12


def test_top_albums(sample_lake, lake):
    joined = lake["songs"].merge(lake["albums"], on=["album_id", "week"])
    albums = (
        joined.groupby(["album_id", "album_name", "album_type", "release_date"])
        .agg(appearances=("song_id", "size"), weeks=("week", "nunique"), songs=("song_id", "nunique"))
        .reset_index()
        .sort_values(["appearances", "weeks", "album_name", "album_id"], ascending=[False, False, True, True])
        .head(20)
    )
    assert run(sample_lake, "top_albums") == _records(
        albums, ["album_name", "album_type", "release_date", "appearances", "weeks", "songs"]
    )


def test_new_entries(sample_lake, lake):
    songs, playlists, artists = lake["songs"], lake["playlists"], lake["artists"]
    on_playlist = set(zip(songs["week"], songs["playlist_id"], songs["song_id"], strict=True))
    catalogued = set(zip(playlists["week"], playlists["playlist_id"], strict=True))
    names = dict(
        zip(zip(playlists["week"], playlists["playlist_id"], strict=True), playlists["playlist_name"], strict=True)
    )
    artist_names = dict(
        zip(zip(artists["week"], artists["artist_id"], strict=True), artists["artist_name"], strict=True)
    )
    expected = []
    for row in songs.itertuples(index=False):
        previous = (date.fromisoformat(row.week) - timedelta(days=7)).isoformat()
        if (previous, row.playlist_id) in catalogued and (previous, row.playlist_id, row.song_id) not in on_playlist:
            expected.append(
                (row.week, names[(row.week, row.playlist_id)], row.position, row.song_name,
                 artist_names.get((row.week, row.artist_id)))
            )  # fmt: skip
    expected.sort(key=lambda r: (r[1], r[2]))
    expected.sort(key=lambda r: r[0], reverse=True)

    got = run(sample_lake, "new_entries")

    assert got == expected
    assert {r[0] for r in got} == set(SAMPLE_WEEKS[1:])  # the first week has no week before it


def test_weeks_on_chart(sample_lake, lake):
    joined = lake["songs"].merge(
        lake["playlists"][["week", "playlist_id", "playlist_name"]], on=["week", "playlist_id"]
    )
    joined = joined.merge(lake["artists"][["week", "artist_id", "artist_name"]], on=["week", "artist_id"], how="left")
    chart = (
        joined.groupby(["playlist_id", "song_id"])
        .agg(
            playlist_name=("playlist_name", "max"), song_name=("song_name", "max"), artist_name=("artist_name", "max"),
            weeks_on_chart=("week", "nunique"), best_position=("position", "min"),
            first_week=("week", "min"), last_week=("week", "max"),
        )
        .reset_index()
        .sort_values(
            ["weeks_on_chart", "best_position", "playlist_name", "song_name", "song_id"],
            ascending=[False, True, True, True, True],
        )
    )  # fmt: skip
    columns = [
        "playlist_name",
        "song_name",
        "artist_name",
        "weeks_on_chart",
        "best_position",
        "first_week",
        "last_week",
    ]
    assert run(sample_lake, "weeks_on_chart") == _records(chart, columns)


def test_avg_song_length(sample_lake, lake):
    weekly = lake["songs"].groupby("week")["duration_ms"].agg(["size", "mean"]).sort_index()
    got = run(sample_lake, "avg_song_length")

    assert [r[0] for r in got] == SAMPLE_WEEKS
    assert [r[1] for r in got] == weekly["size"].tolist()
    assert [r[2] for r in got] == pytest.approx((weekly["mean"] / 1000).tolist(), abs=0.051)
    changes = (weekly["mean"].diff() / 1000).tolist()
    assert got[0][3] is None
    assert [r[3] for r in got[1:]] == pytest.approx(changes[1:], abs=0.051)


def test_climbers(sample_lake):
    root = Path(sample_lake.lake)
    movements, playlists = read_lake(root, "chart_movements"), read_lake(root, "playlists")
    latest = SAMPLE_WEEKS[-1]
    names = playlists[playlists["week"] == latest].set_index("playlist_id")["playlist_name"]
    up = movements[(movements["week"] == latest) & (movements["status"] == "up")]
    expected = []
    for playlist_id, group in sorted(up.groupby("playlist_id"), key=lambda item: names[item[0]]):
        top = group.sort_values(["change", "position", "song_id"], ascending=[False, True, True]).head(5)
        expected += [
            (
                latest,
                names[playlist_id],
                rank,
                r.song_name,
                r.artist_name,
                r.previous_position,
                r.position,
                r.change,
                r.weeks_on_chart,
                r.peak_position,
            )
            for rank, r in enumerate(top.itertuples(), start=1)
        ]
    assert run(sample_lake, "climbers") == expected and len(expected) == 15


def test_artist_trends(sample_lake):
    trends = read_lake(Path(sample_lake.lake), "artist_trends")
    latest = trends[(trends["week"] == SAMPLE_WEEKS[-1]) & (trends["playlist_id"] == "*") & (trends["appearances"] > 0)]
    top = latest.sort_values(
        ["appearances", "appearances_change", "artist_name", "artist_id"], ascending=[False, False, True, True]
    ).head(20)
    got = run(sample_lake, "artist_trends")
    assert [(r[0], r[1], r[2], r[4], r[5], r[6]) for r in got] == [
        (SAMPLE_WEEKS[-1], r.artist_name, r.appearances, r.previous_appearances, r.appearances_change, r.is_new)
        for r in top.itertuples()
    ]
    assert [r[3] for r in got] == [round(100 * r.appearances / r.playlist_songs, 1) for r in top.itertuples()]


# --- the Spotify Charts: expectations from the stored chart entries and the week's songs -------------


@pytest.fixture(scope="module")
def chart_weeks(sample_lake) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The latest week's and the week before's chart entries, each song at its best rank per chart."""
    entries = read_lake(Path(sample_lake.lake), "spotify_chart_entries")
    best = entries.sort_values("rank").drop_duplicates(["week", "chart", "song_id"])
    return best[best["week"] == SAMPLE_WEEKS[-1]], best[best["week"] == SAMPLE_WEEKS[-2]]


def test_top_streamed(sample_lake, chart_weeks):
    latest, before = chart_weeks
    songs = latest.merge(
        before[["chart", "song_id", "streams"]], on=["chart", "song_id"], how="left", suffixes=("", "_before")
    )
    songs["share_pct"] = (100 * songs["streams"] / songs.groupby("chart")["streams"].transform("sum")).round(2)
    songs["streams_change"] = songs["streams"] - songs["streams_before"]
    songs["is_new"] = songs["streams_before"].isna()
    songs = songs.sort_values(["chart", "streams", "rank", "song_id"], ascending=[True, False, True, True])
    songs["streams_rank"] = songs.groupby("chart").cumcount() + 1
    top = songs[songs["streams_rank"] <= 10]
    columns = ["week", "chart", "streams_rank", "rank", "song_name", "artist_names", "streams"]

    got = run(sample_lake, "top_streamed")

    assert [r[:7] for r in got] == _records(top, columns)
    assert [r[7] for r in got] == pytest.approx(top["share_pct"].tolist(), abs=0.006)
    assert [r[8:] for r in got] == _records(top, ["streams_before", "streams_change", "is_new"])
    assert {r[1] for r in got} == {"regional-global-weekly", "regional-jp-weekly", "regional-br-weekly"}


def test_artist_streams(sample_lake, lake, chart_weeks):
    latest, before = chart_weeks
    songs = lake["songs"].sort_values(["week", "playlist_id", "position"]).drop_duplicates(["week", "song_id"])
    # a song's artists from the latest week's songs, else the week before's; else the file's text
    credits = {}
    for week in (SAMPLE_WEEKS[-2], SAMPLE_WEEKS[-1]):
        credits.update({r.song_id: list(r.artist_ids) for r in songs[songs["week"] == week].itertuples()})
    names = dict(zip(lake["artists"]["artist_id"], lake["artists"]["artist_name"], strict=True))

    def credited(frame: pd.DataFrame) -> pd.DataFrame:
        rows = []
        for r in frame.itertuples():
            ids = list(dict.fromkeys(credits.get(r.song_id, [])))
            pairs = [(a, a, names[a]) for a in ids] or [(r.artist_names, None, r.artist_names)]
            rows += [(r.chart, credit, artist_id, name, r.streams) for credit, artist_id, name in pairs]
        frame = pd.DataFrame(rows, columns=["chart", "credit", "artist_id", "artist_name", "streams"])
        return frame.groupby(["chart", "credit"], dropna=False).agg(
            artist_id=("artist_id", "first"), artist_name=("artist_name", "first"),
            songs=("streams", "size"), streams=("streams", "sum"),
        ).reset_index()  # fmt: skip

    now, then = credited(latest), credited(before)
    now = now.merge(then[["chart", "credit", "streams"]], on=["chart", "credit"], how="left", suffixes=("", "_before"))
    now["share_pct"] = (100 * now["streams"] / now["chart"].map(latest.groupby("chart")["streams"].sum())).round(1)
    now["streams_change"] = now["streams"] - now["streams_before"]
    now["is_new"] = now["streams_before"].isna()
    now = now.sort_values(["chart", "streams", "credit"], ascending=[True, False, True])
    now["artist_rank"] = now.groupby("chart").cumcount() + 1
    top = now[now["artist_rank"] <= 10].assign(week=SAMPLE_WEEKS[-1])
    columns = ["week", "chart", "artist_rank", "artist_name", "artist_id", "songs", "streams"]

    got = run(sample_lake, "artist_streams")

    assert [r[:7] for r in got] == _records(top, columns)
    assert [r[7] for r in got] == pytest.approx(top["share_pct"].tolist(), abs=0.06)
    assert [r[8:] for r in got] == _records(top, ["streams_before", "streams_change", "is_new"])
    assert any(r[4] is None for r in got) and any(r[4] is not None for r in got)  # text and id credits


def test_region_compare(sample_lake, chart_weeks):
    latest, _ = chart_weeks
    spread = latest.groupby("song_id").agg(charts=("chart", "size"), best_rank=("rank", "min")).reset_index()
    rows = latest.merge(spread[spread["charts"] > 1], on="song_id")
    rows = rows.sort_values(
        ["charts", "best_rank", "song_id", "rank", "region"], ascending=[False, True, True, True, True]
    )
    columns = ["week", "song_name", "artist_names", "charts", "best_rank", "region", "rank", "streams"]

    got = run(sample_lake, "region_compare")

    assert got == _records(rows, columns)
    assert {r[5] for r in got} == {"global", "jp", "br"} and max(r[3] for r in got) == 3
