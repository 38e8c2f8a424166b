"""Playlist snapshots <-> rows of the `raw_playlist` table, losslessly.

One row per playlist item: the item's JSON verbatim plus the playlist object without its items.
An empty playlist is kept as a single row with a null `position` and `item_json`, so its metadata
survives and `playlists` can be rebuilt from the raw zone alone.
"""

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pyarrow as pa

from spotify_assets.lake.schemas import RAW_PLAYLIST
from spotify_assets.lake.snapshots import PlaylistSnapshot

# `items` is the 2026 name of the playlist's paging object, `tracks` the legacy one.
PAGING_KEYS = ("items", "tracks")


def paging_key(playlist: Mapping[str, Any]) -> str | None:
    """The key that holds the playlist's paging object, whichever shape it is in."""
    for key in PAGING_KEYS:
        if isinstance(playlist.get(key), Mapping):
            return key
    return None


# A lone UTF-16 surrogate (JSON text "\ud800" without its pair) decodes to a code point that UTF-8,
# hence a Parquet string, cannot hold. It only ever sits inside a JSON string, where its escape is
# the same value: json.loads gives it back, so the raw zone stays lossless.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _dumps(value: Any) -> str:
    """Compact JSON, non-ASCII text kept as UTF-8; lone surrogates, which UTF-8 cannot encode, as escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def valid_text(value: str | None) -> str | None:
    """`value` with every lone surrogate replaced by U+FFFD, so that it can be stored as UTF-8."""
    return _SURROGATE.sub("\ufffd", value) if value else value


def raw_table(snapshots: Iterable[PlaylistSnapshot]) -> pa.Table:
    """The `raw_playlist` rows of one week's snapshots, in playlist then position order."""
    columns: dict[str, list] = {name: [] for name in RAW_PLAYLIST.names}
    for snap in snapshots:
        playlist_json = _dumps(snap.playlist)
        entries: Sequence[Any] = snap.items or [None]
        for index, entry in enumerate(entries):
            columns["playlist_id"].append(snap.playlist_id)
            columns["snapshot_id"].append(valid_text(snap.snapshot_id))
            columns["extracted_at"].append(snap.extracted_at)
            columns["position"].append(index + 1 if snap.items else None)
            columns["item_json"].append(_dumps(entry) if snap.items else None)
            columns["playlist_json"].append(playlist_json)
            columns["source"].append(snap.source)
    return pa.Table.from_pydict(columns, schema=RAW_PLAYLIST)


def snapshots_from_raw(raw: pa.Table) -> list[PlaylistSnapshot]:
    """Rebuild the snapshots (playlist object and every item, verbatim) from `raw_playlist` rows."""
    rows = raw.select(["playlist_id", "extracted_at", "position", "item_json", "playlist_json", "source"])
    by_playlist: dict[str, dict[str, Any]] = {}
    for row in rows.to_pylist():
        snap = by_playlist.setdefault(
            row["playlist_id"],
            {"playlist": json.loads(row["playlist_json"]), "items": [], "row": row},
        )
        if row["position"] is not None:
            snap["items"].append((row["position"], json.loads(row["item_json"])))
    return [
        PlaylistSnapshot(
            playlist_id=playlist_id,
            playlist=snap["playlist"],
            items=[item for _, item in sorted(snap["items"], key=lambda pair: pair[0])],
            extracted_at=snap["row"]["extracted_at"],
            source=snap["row"]["source"],
        )
        for playlist_id, snap in sorted(by_playlist.items())
    ]


def playlist_response(snapshot: PlaylistSnapshot) -> dict[str, Any]:
    """The `GET /playlists/{id}` response with every item embedded: the replay format (docs/data-contract.md)."""
    playlist = dict(snapshot.playlist)
    key = paging_key(playlist) or "items"
    playlist[key] = {**playlist.get(key, {}), "items": list(snapshot.items), "next": None}
    return playlist
