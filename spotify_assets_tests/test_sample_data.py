"""The sample data shipped in the package: shapes, edge cases, churn, and that the generator rebuilds it."""

import gzip
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from spotify_assets.settings import SAMPLE_DATA_DIR
from spotify_assets.spotify.ids import is_editorial
from spotify_assets.spotify.replay import ReplaySource

GENERATOR = Path(__file__).parents[1] / "scripts" / "generate_sample_data.py"
WEEKS = [(date(2026, 8, 17) + timedelta(weeks=i)).isoformat() for i in range(12)]
REMOVED_IN_2026 = {"popularity", "available_markets", "linked_from", "label", "followers"}


@pytest.fixture(scope="module")
def sample():
    """{week: {playlist id: PlaylistSnapshot}} read through the replay source."""
    source = ReplaySource(SAMPLE_DATA_DIR)
    return {week: {s.playlist_id: s for s in source.fetch_week(week)} for week in source.weeks()}


def obj(entry):
    """The track or episode of a playlist entry, whichever shape it is in."""
    return entry["item"] if "item" in entry else entry["track"]


def tracks(snapshot):
    return [o for o in map(obj, snapshot.items) if o and o["type"] == "track" and not o["is_local"]]


def shape(snapshot):
    return "items" if "items" in snapshot.playlist else "tracks"


def walk_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk_keys(inner)


def test_twelve_weeks_of_three_user_playlists(sample):
    assert list(sample) == WEEKS
    ids = {week: sorted(playlists) for week, playlists in sample.items()}
    assert all(len(v) >= 3 and v == ids[WEEKS[0]] for v in ids.values())
    for pid in ids[WEEKS[0]]:
        assert re.fullmatch(r"[0-9A-Za-z]{22}", pid) and not is_editorial(pid)
    for playlists in sample.values():
        for pid, s in playlists.items():
            page = s.playlist[shape(s)]
            assert page["next"] is None and page["total"] == len(s.items) and page["offset"] == 0
            assert s.playlist["external_urls"]["spotify"] == f"https://open.spotify.com/playlist/{pid}"
            assert s.playlist["href"] == f"https://api.spotify.com/v1/playlists/{pid}"
            assert s.playlist["uri"] == f"spotify:playlist:{pid}" and s.playlist["type"] == "playlist"
            assert s.playlist["owner"]["id"] != "spotify" and s.playlist["followers"]["href"] is None
    sizes = sorted(len(s.items) for s in sample[WEEKS[0]].values())
    assert sizes[-1] > 100 and sizes[0] < 100


def test_sample_is_small():
    files = list(SAMPLE_DATA_DIR.glob("*/*.json.gz"))
    assert len(files) == 36 and sum(f.stat().st_size for f in files) < 3_000_000
    assert (SAMPLE_DATA_DIR / "README.md").is_file()


def test_one_legacy_shape_and_two_2026_shapes(sample):
    for week, playlists in sample.items():
        shapes = Counter(shape(s) for s in playlists.values())
        assert shapes == {"tracks": 1, "items": 2}, week
        for s in playlists.values():
            songs = tracks(s)
            if shape(s) == "tracks":
                assert all("item" not in e for e in s.items)
                assert all(0 <= t["popularity"] <= 100 for t in songs)
                assert all(t["available_markets"] and t["external_ids"]["isrc"] for t in songs)
            else:
                assert not REMOVED_IN_2026 & set(walk_keys([obj(e) for e in s.items]))
                with_isrc = sum("isrc" in t["external_ids"] for t in songs)
                assert len(songs) * 0.8 < with_isrc < len(songs), "most but not all 2026 tracks have an ISRC"
        migrating = [s for s in playlists.values() if shape(s) == "items" and "track" in s.items[0]]
        assert len(migrating) == 1 and all(e["track"] == e["item"] for e in migrating[0].items)


RELEASE_FORMATS = {"year": r"\d{4}", "month": r"\d{4}-\d\d", "day": r"\d{4}-\d\d-\d\d"}


def edge_cases(s):
    """The data contract's edge cases (docs/data-contract.md) present in one playlist snapshot."""
    found = set()
    objs = [obj(e) for e in s.items]
    if any(o is None for o in objs):
        found.add("null")
    for e, o in zip(s.items, objs, strict=True):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["added_at"])
        if o is None:
            continue
        if e["is_local"]:
            assert o["is_local"] and o["id"] is None and o["uri"].startswith("spotify:local:")
            assert o["album"]["id"] is None and all(a["id"] is None for a in o["artists"])
            found.add("local")
        elif o["type"] == "episode":
            assert o["id"] and o["name"] and o["duration_ms"] > 0 and o["show"]["id"]
            assert "artists" not in o and "album" not in o
            found.add("episode")
        else:
            album, artists = o["album"], o["artists"]
            track_artist_ids = {a["id"] for a in artists}
            if album["album_type"] == "compilation" and album["artists"][0]["name"] == "Various Artists":
                assert album["artists"][0]["id"] not in track_artist_ids
                found.add("compilation")
            if 2 <= len(artists) <= 3:
                found.add("multi_artist")
                if album["artists"][0]["id"] != artists[0]["id"]:
                    found.add("album_artist_not_first_track_artist")
            precision, released = album["release_date_precision"], album["release_date"]
            assert re.fullmatch(RELEASE_FORMATS[precision], released), (precision, released)
            found.add(f"precision_{precision}")
            names = [o["name"], album["name"], *(a["name"] for a in artists)]
            if any(not n.isascii() for n in names):
                found.add("non_ascii")
            if any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", n) for n in names):
                found.add("cjk")
    ids = [o["id"] for o in objs if o and o["type"] == "track" and o["id"]]
    if len(ids) != len(set(ids)):
        found.add("duplicate")
    if shape(s) == "tracks" and max(Counter(e["added_at"] for e in s.items).values()) > 1:
        found.add("identical_added_at")
    return found


EDGE_CASES = {
    "null",
    "local",
    "episode",
    "duplicate",
    "compilation",
    "multi_artist",
    "album_artist_not_first_track_artist",
    "precision_year",
    "precision_month",
    "precision_day",
    "non_ascii",
    "cjk",
    "identical_added_at",
}


def test_every_edge_case_occurs_in_the_first_the_last_and_most_weeks(sample):
    weekly = {week: set().union(*(edge_cases(s) for s in playlists.values())) for week, playlists in sample.items()}
    assert weekly[WEEKS[0]] == EDGE_CASES and weekly[WEEKS[-1]] == EDGE_CASES
    for case in EDGE_CASES:
        assert sum(case in found for found in weekly.values()) >= 10, case
    # the edge cases are spread over both shapes, not all in one file
    for kind in ("null", "local", "episode", "duplicate"):
        assert {shape(s) for s in sample[WEEKS[0]].values() if kind in edge_cases(s)} == {"tracks", "items"}, kind
    exact = {
        (o["album"]["release_date_precision"], o["album"]["release_date"])
        for playlists in sample.values()
        for s in playlists.values()
        for o in tracks(s)
    }
    assert ("year", "1998") in exact and ("month", "2011-03") in exact


def test_entities_keep_their_id_and_name_everywhere(sample):
    artists, albums, songs = {}, {}, {}
    for playlists in sample.values():
        for s in playlists.values():
            for o in tracks(s):
                for a in o["artists"] + o["album"]["artists"]:
                    assert re.fullmatch(r"[0-9A-Za-z]{22}", a["id"])
                    assert artists.setdefault(a["id"], a["name"]) == a["name"]
                album = o["album"]
                album_artists = tuple(a["id"] for a in album["artists"])
                key = (album["name"], album["album_type"], album["release_date"], album_artists)
                assert albums.setdefault(album["id"], key) == key
                song = (o["name"], album["id"], tuple(a["id"] for a in o["artists"]))
                assert songs.setdefault(o["id"], song) == song
    assert len({name for name in artists.values()}) == len(artists), "two artists share a name"
    for week, playlists in sample.items():
        ids = [{t["id"] for t in tracks(s)} for s in playlists.values()]
        shared = (ids[0] & ids[1]) | (ids[0] & ids[2]) | (ids[1] & ids[2])
        assert shared, f"no song appears in two playlists in {week}"


def test_dates_are_not_after_the_snapshot(sample):
    for week, playlists in sample.items():
        end = datetime.fromisoformat(week).replace(tzinfo=UTC) + timedelta(days=7)
        for s in playlists.values():
            assert s.extracted_at == end
            for e in s.items:
                assert datetime.fromisoformat(e["added_at"].replace("Z", "+00:00")) < end
            for o in tracks(s):
                released, precision = o["album"]["release_date"], o["album"]["release_date_precision"]
                first_day = {"year": f"{released}-01-01", "month": f"{released}-01", "day": released}[precision]
                assert date.fromisoformat(first_day) < end.date()


def test_followers_grow_and_snapshot_id_follows_content(sample):
    unchanged = 0
    for pid in sample[WEEKS[0]]:
        history = [sample[week][pid] for week in WEEKS]
        followers = [s.playlist["followers"]["total"] for s in history]
        assert followers == sorted(followers) and followers[-1] > followers[0]
        for before, after in pairwise(history):
            content = [[(e["added_at"], (obj(e) or {}).get("uri")) for e in s.items] for s in (before, after)]
            assert (content[0] == content[1]) == (before.snapshot_id == after.snapshot_id)
            unchanged += content[0] == content[1]
    assert unchanged >= 1, "one week without edits keeps its snapshot_id (the live source's carry-forward)"


def positions(sample, pid):
    """{track id: [position or None per week]}: the first position of each song, week by week."""
    history = {}
    for i, week in enumerate(WEEKS):
        for position, e in enumerate(sample[week][pid].items, 1):
            o = obj(e)
            if o and o["type"] == "track" and o["id"]:
                history.setdefault(o["id"], [None] * len(WEEKS))
                if history[o["id"]][i] is None:
                    history[o["id"]][i] = position
    return history


def has_full_story(seq):
    """Enters (absent, then present), climbs, falls, leaves, then re-enters."""
    for start in range(1, len(seq)):
        if seq[start - 1] is None and seq[start] is not None:
            end = start
            while end < len(seq) and seq[end] is not None:
                end += 1
            stint = seq[start:end]
            best = stint.index(min(stint))
            climbs, falls = 0 < best, best < len(stint) - 1 and stint[-1] > stint[best]
            return climbs and falls and end < len(seq) and any(v is not None for v in seq[end:])
    return False


def test_churn_looks_like_a_chart(sample):
    chart = next(pid for pid, s in sample[WEEKS[0]].items() if len(s.items) > 100)
    history = positions(sample, chart)
    for before, after in pairwise(WEEKS):
        old, new = ({t["id"] for t in tracks(sample[w][chart])} for w in (before, after))
        assert 3 <= len(new - old) <= 30, (after, len(new - old))
    assert any(has_full_story(seq) for seq in history.values())
    for pid in sample[WEEKS[0]]:
        stays = [seq for seq in positions(sample, pid).values() if None not in seq]
        moved = [seq for seq in stays if len(set(seq)) > 1]
        assert moved, f"{pid}: songs change position week to week"


def test_generator_reproduces_the_shipped_files_byte_for_byte(tmp_path):
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.relative_to(SAMPLE_DATA_DIR) for p in SAMPLE_DATA_DIR.glob("*/*.json.gz"))
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.glob("*/*.json.gz"))
    assert generated == shipped
    for rel in shipped:
        ours, theirs = (tmp_path / rel).read_bytes(), (SAMPLE_DATA_DIR / rel).read_bytes()
        # same JSON but other bytes would mean another zlib build, not another generator
        assert gzip.decompress(ours) == gzip.decompress(theirs), rel
        assert ours == theirs, f"{rel}: same JSON, different gzip bytes (zlib build?)"


def test_the_sample_charts_are_what_their_generator_writes(tmp_path):
    """Both formats, a BOM and CRLF where the sample README says, byte for byte reproducible."""
    from spotify_assets.settings import SAMPLE_CHARTS_DIR

    generator = Path(__file__).parents[1] / "scripts" / "generate_sample_charts.py"
    subprocess.run([sys.executable, str(generator), "--out", str(tmp_path)], check=True, capture_output=True)
    shipped = {p.name: p.read_bytes() for p in SAMPLE_CHARTS_DIR.glob("*.csv")}
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")} == shipped
    assert len(shipped) == 36
    new = [data for name, data in shipped.items() if "--" not in name]
    old = [data for name, data in shipped.items() if "--" in name]
    assert len(new) == 24 and all(d.startswith(b"\xef\xbb\xbfrank,uri,") for d in new)
    assert len(old) == 12 and all(b"\nPosition,Track Name,Artist,Streams,URL" in d.replace(b"\r", b"") for d in old)
    crlf = {name for name, data in shipped.items() if b"\r\n" in data}
    assert crlf == {name for name in shipped if name.startswith("regional-jp-")}


def test_the_sample_charts_share_songs_with_the_sample_playlists(sample):
    """The chart songs the downstream join finds in the week's songs."""
    from spotify_assets.charts.lines import raw_chart_table
    from spotify_assets.charts.parse import chart_tables
    from spotify_assets.settings import SAMPLE_CHARTS_DIR

    files = [(p.name, p.read_bytes()) for p in sorted(SAMPLE_CHARTS_DIR.glob("*2026-10-22.csv"))]
    chart_ids = set(chart_tables(raw_chart_table(files)).entries["song_id"].to_pylist())
    week_ids = {t["id"] for snapshot in sample["2026-10-19"].values() for t in tracks(snapshot)}
    assert len(chart_ids & week_ids) >= 20
