"""The benchmark's scale data is valid replay input, and its baseline builds what the pipeline builds."""

import pyarrow.compute as pc
import pytest

from bench.baseline_tutorial import tutorial_tables
from bench.scale_data import Generator, Scale, generate
from spotify_assets.lake.location import week_uri
from spotify_assets.lake.raw_records import raw_table
from spotify_assets.lake.storage import write_week
from spotify_assets.lake.transform import week_tables
from spotify_assets.spotify.replay import ReplaySource

SCALE = Scale(playlists=2, items=120, weeks=2, shape="both")


@pytest.fixture(scope="module")
def replay_dir(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("scale"), SCALE, compress=True)


def test_scale_data_replays_into_the_four_tables(replay_dir):
    source = ReplaySource(replay_dir)
    assert source.weeks() == SCALE.week_keys == ["2025-01-06", "2025-01-13"]
    for week in SCALE.week_keys:
        snapshots = source.fetch_week(week)
        # one playlist in each response shape
        shapes = {"items" if "items" in snap.playlist else "tracks" for snap in snapshots}
        assert shapes == {"items", "tracks"}
        raw = raw_table(snapshots)
        tables = week_tables(raw)
        assert raw.num_rows == 2 * 120
        assert tables.playlists.num_rows == 2
        # per playlist: one null track, one local file and one episode among the first 120 positions
        assert tables.songs.num_rows == 2 * 117 == 2 * SCALE.songs_per_playlist()
        assert tables.playlists["items_skipped"].to_pylist() == [3, 3]
        assert tables.albums.num_rows > 10 and tables.artists.num_rows > 5
        # every item stored, and the paging object's total says the same
        playlists = tables.playlists.to_pylist()
        assert {p["playlist_id"]: (p["songs_kept"] + p["items_skipped"], p["total_items"]) for p in playlists} == {
            snap.playlist_id: (120, 120) for snap in snapshots
        }
        legacy = tables.songs.filter(pc.is_valid(tables.songs["popularity"]))
        assert 0 < legacy.num_rows < tables.songs.num_rows


def test_generated_raw_week_equals_the_replayed_one(replay_dir):
    """The benchmark builds big raw weeks directly; they must be what the replay path stores."""
    source = ReplaySource(replay_dir)
    generator = Generator(SCALE)
    for index, week in enumerate(SCALE.week_keys):
        assert generator.raw_week(index, compress=True).equals(raw_table(source.fetch_week(week)))


def test_baseline_builds_the_same_ids_as_the_pipeline(replay_dir, tmp_path):
    week = SCALE.week_keys[1]
    raw = raw_table(ReplaySource(replay_dir).fetch_week(week))
    write_week(str(tmp_path), "raw_playlist", week, raw)
    ours = week_tables(raw)
    theirs = tutorial_tables(f"{week_uri(str(tmp_path), 'raw_playlist', week)}/part-0.parquet")

    assert set(theirs["songs"]["song_id"]) == set(ours.songs["song_id"].to_pylist())
    assert len(theirs["songs"]) == ours.songs.num_rows
    assert set(theirs["albums"]["album_id"]) == set(ours.albums["album_id"].to_pylist())
    assert len(theirs["albums"]) == ours.albums.num_rows
    assert set(theirs["artists"]["artist_id"]) == set(ours.artists["artist_id"].to_pylist())
    assert len(theirs["artists"]) == ours.artists.num_rows
