"""Data-quality rules for one week of tables, as plain functions (docs/data-contract.md, Checks). No Dagster here.

Each rule returns an `Outcome`; `spotify_assets/defs/checks.py` turns them into Dagster check specs and evaluations.
Rules on keys and referential integrity are blocking: a week that breaks them is not written.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.lake.raw_records import paging_key
from spotify_assets.lake.schemas import TABLE_KEYS
from spotify_assets.lake.transform import WeekTables

SAMPLE = 5  # offending values shown in a result


@dataclass(frozen=True)
class Rule:
    table: str
    name: str
    description: str
    blocking: bool = False


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    passed: bool
    description: str
    metadata: dict[str, Any] = field(default_factory=dict)


RULES: tuple[Rule, ...] = (
    *(
        Rule(table, "unique_key", f"{' + '.join(key)} is unique and never null within a week.", blocking=True)
        for table, key in TABLE_KEYS.items()
    ),
    Rule(
        "raw_playlist", "item_count_matches_total", "Each playlist's stored items equal the `total` Spotify reported."
    ),
    Rule("songs", "albums_exist", "Every songs.album_id is in the week's albums.", blocking=True),
    Rule("songs", "artists_exist", "Every id in songs.artist_ids is in the week's artists.", blocking=True),
    Rule("songs", "duration_positive", "duration_ms > 0 on every song."),
    Rule("songs", "popularity_in_range", "popularity is within 0..100 where Spotify still sends it."),
    Rule(
        "albums",
        "release_date_valid",
        "Every release date parses at its precision and is not after the day the week's snapshot was taken.",
    ),
)
RULES_BY_KEY = {(rule.table, rule.name): rule for rule in RULES}


def _outcome(table: str, name: str, bad: int, what: str, examples: list | None = None, **extra: Any) -> Outcome:
    metadata: dict[str, Any] = {"failing_rows": bad, **extra}
    if examples:
        metadata["examples"] = [str(example) for example in examples[:SAMPLE]]
    return Outcome(
        RULES_BY_KEY[(table, name)], passed=bad == 0, description=f"{bad} {what}" if bad else "ok", metadata=metadata
    )


def unique_key(table_name: str, table: pa.Table) -> Outcome:
    key = list(TABLE_KEYS[table_name])
    null_mask = pc.is_null(table[key[0]])
    for column in key[1:]:
        null_mask = pc.or_(null_mask, pc.is_null(table[column]))
    null_rows = pc.sum(null_mask).as_py() or 0
    counts = table.filter(pc.invert(null_mask)).group_by(key).aggregate([([], "count_all")])
    duplicates = counts.filter(pc.greater(counts["count_all"], 1))
    examples = [tuple(row[c] for c in key) for row in duplicates.slice(0, SAMPLE).to_pylist()]
    bad = null_rows + (pc.sum(duplicates["count_all"]).as_py() or 0)
    return _outcome(
        table_name,
        "unique_key",
        bad,
        f"rows with a null or duplicated {' + '.join(key)}",
        examples,
        null_keys=null_rows,
        duplicated_keys=duplicates.num_rows,
        rows=table.num_rows,
    )


def item_count_matches_total(raw: pa.Table) -> Outcome:
    stored = {
        pair["values"].as_py(): pair["counts"].as_py()
        for pair in pc.value_counts(raw.filter(pc.is_valid(raw["position"]))["playlist_id"])
    }
    mismatches = []
    firsts = raw.group_by("playlist_id", use_threads=False).aggregate([("playlist_json", "first")])
    for playlist_id, playlist_json in zip(
        firsts["playlist_id"].to_pylist(), firsts["playlist_json_first"].to_pylist(), strict=True
    ):
        playlist = json.loads(playlist_json)
        total = (playlist.get(paging_key(playlist) or "") or {}).get("total")
        if total is not None and total != stored.get(playlist_id, 0):
            mismatches.append(f"{playlist_id}: {stored.get(playlist_id, 0)} stored, total {total}")
    return _outcome(
        "raw_playlist",
        "item_count_matches_total",
        len(mismatches),
        "playlists whose stored items differ from their total",
        mismatches,
    )


def _missing(values: pa.Array, known: pa.Array) -> pa.Array:
    return pc.unique(values.filter(pc.invert(pc.fill_null(pc.is_in(values, value_set=known), False))))


def snapshot_date(tables: WeekTables) -> date | None:
    """The day the week's newest snapshot was taken: what "in the future" means for its release
    dates, so a week rebuilt from raw later gets the same outcome whatever day it runs."""
    latest = pc.max(tables.playlists["extracted_at"]).as_py()
    return latest.date() if latest is not None else None


def week_outcomes(tables: WeekTables) -> list[Outcome]:
    """Every table rule on one week of curated tables."""
    songs, albums, artists = tables.songs, tables.albums, tables.artists
    outcomes = [unique_key(name, getattr(tables, name)) for name in ("playlists", "songs", "albums", "artists")]

    album_ids = songs["album_id"].combine_chunks()
    dangling_albums = (
        pc.sum(
            pc.invert(pc.fill_null(pc.is_in(album_ids, value_set=albums["album_id"].combine_chunks()), False))
        ).as_py()
        or 0
    )
    outcomes.append(
        _outcome(
            "songs",
            "albums_exist",
            dangling_albums,
            "songs whose album_id is not in albums",
            _missing(album_ids, albums["album_id"].combine_chunks()).to_pylist(),
        )
    )

    song_artists = (
        pc.list_flatten(songs["artist_ids"].combine_chunks()) if songs.num_rows else pa.array([], pa.string())
    )
    missing_artists = _missing(song_artists, artists["artist_id"].combine_chunks())
    outcomes.append(
        _outcome(
            "songs",
            "artists_exist",
            len(missing_artists),
            "artist ids in songs.artist_ids not in artists",
            missing_artists.to_pylist(),
        )
    )

    bad_duration = songs.filter(pc.invert(pc.fill_null(pc.greater(songs["duration_ms"], 0), False)))
    outcomes.append(
        _outcome(
            "songs",
            "duration_positive",
            bad_duration.num_rows,
            "songs without a positive duration_ms",
            list(zip(bad_duration["playlist_id"].to_pylist(), bad_duration["position"].to_pylist(), strict=True)),
        )
    )

    popularity = songs["popularity"]
    out_of_range = songs.filter(pc.fill_null(pc.or_(pc.less(popularity, 0), pc.greater(popularity, 100)), False))
    outcomes.append(
        _outcome(
            "songs",
            "popularity_in_range",
            out_of_range.num_rows,
            "songs with popularity outside 0..100",
            out_of_range["song_id"].to_pylist(),
            songs_with_popularity=songs.num_rows - popularity.null_count,
        )
    )

    taken = snapshot_date(tables)
    future = albums.filter(pc.fill_null(pc.greater(albums["release_date"], pa.scalar(taken, pa.date32())), False))
    bad_dates = [f"{album_id}: {sent!r} does not parse" for album_id, sent in tables.unparsed_release_dates]
    bad_dates += [
        f"{row['album_id']}: {row['release_date']} is in the future of the snapshot taken {taken}"
        for row in future.to_pylist()
    ]
    outcomes.append(
        _outcome("albums", "release_date_valid", len(bad_dates), "albums with an invalid release date", bad_dates)
    )
    return outcomes


def raw_outcomes(raw: pa.Table) -> list[Outcome]:
    """Every raw-zone rule on one week of `raw_playlist` rows."""
    items = raw.filter(pc.is_valid(raw["position"]))
    return [unique_key("raw_playlist", items), item_count_matches_total(raw)]
