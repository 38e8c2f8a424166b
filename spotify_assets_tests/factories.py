"""Small, explicit Spotify API objects for tests, in both response shapes."""

from datetime import UTC, datetime
from typing import Any

from spotify_assets.lake.snapshots import PlaylistSnapshot

EXTRACTED_AT = datetime(2026, 8, 24, tzinfo=UTC)


def artist(artist_id: str, name: str) -> dict[str, Any]:
    return {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "href": f"https://api.spotify.com/v1/artists/{artist_id}",
        "id": artist_id,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
    }


def album(album_id: str, name: str, artists: list, release_date="2024-05-01", precision="day", album_type="album"):
    return {
        "album_type": album_type,
        "artists": artists,
        "external_urls": {"spotify": f"https://open.spotify.com/album/{album_id}"},
        "href": f"https://api.spotify.com/v1/albums/{album_id}",
        "id": album_id,
        "name": name,
        "release_date": release_date,
        "release_date_precision": precision,
        "total_tracks": 12,
        "type": "album",
    }


def track(
    track_id: str, name: str, artists: list, album_obj: dict, *, popularity=None, isrc="USX0000001", duration_ms=200_000
):
    obj = {
        "album": album_obj,
        "artists": artists,
        "duration_ms": duration_ms,
        "explicit": False,
        "external_ids": {"isrc": isrc} if isrc else {},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{track_id}"},
        "href": f"https://api.spotify.com/v1/tracks/{track_id}",
        "id": track_id,
        "is_local": False,
        "name": name,
        "type": "track",
        "uri": f"spotify:track:{track_id}",
    }
    if popularity is not None:
        obj["popularity"] = popularity
    return obj


def episode(episode_id: str) -> dict[str, Any]:
    return {
        "id": episode_id,
        "name": "A podcast episode",
        "type": "episode",
        "duration_ms": 1_800_000,
        "show": {"id": "show1", "name": "A show"},
        "is_local": False,
    }


def local_track() -> dict[str, Any]:
    return {
        "id": None,
        "name": "home recording",
        "type": "track",
        "is_local": True,
        "duration_ms": 90_000,
        "album": {"id": None, "name": "", "artists": []},
        "artists": [{"id": None, "name": "me"}],
        "uri": "spotify:local:me::home+recording:90",
    }


def entry(obj: dict | None, *, legacy: bool, added_at: str | None = "2026-08-20T10:00:00Z", is_local=False) -> dict:
    key = "track" if legacy else "item"
    return {"added_at": added_at, "added_by": {"id": "owner"}, "is_local": is_local, key: obj}


def snapshot(
    playlist_id: str,
    entries: list,
    *,
    legacy: bool,
    total: int | None = None,
    name="A playlist",
    followers: int | None = 10,
    snapshot_id="snap1",
) -> PlaylistSnapshot:
    key = "tracks" if legacy else "items"
    playlist = {
        "collaborative": False,
        "description": "test playlist",
        "external_urls": {"spotify": f"https://open.spotify.com/playlist/{playlist_id}"},
        "id": playlist_id,
        "name": name,
        "owner": {"id": "owner", "display_name": "Owner Name", "type": "user"},
        "snapshot_id": snapshot_id,
        "type": "playlist",
        key: {
            "href": "x",
            "limit": 50,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": len(entries) if total is None else total,
        },
    }
    if followers is not None:
        playlist["followers"] = {"href": None, "total": followers}
    return PlaylistSnapshot(playlist_id, playlist, entries, EXTRACTED_AT, f"test/{playlist_id}.json")
