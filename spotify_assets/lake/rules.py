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
    Rule(
        "raw_playlist",
        "all_playlists_extracted",
        "Every playlist asked for was extracted that week; a missing one is listed with its reason and fix.",
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
    Rule(
        "rejected_items",
        "no_rejected_items",
        "No raw item of the week was rejected. A rejected item's fields cannot be typed as the contract says "
        '(e.g. duration_ms "abc", an empty artists list): it stays in raw_playlist, is left out of songs, albums '
        "and artists, and gets a rejected_items row with its reason. Once the transform accepts it, materialize "
        "the week's lake tables again: they are rebuilt from raw.",
    ),
    Rule(
        "songs",
        "added_at_parses",
        "Every added_at that was sent parses as a timestamp; one that does not is stored null (raw keeps it).",
    ),
    Rule(
        "songs",
        "track_payloads_agree",
        "Every song of the week with the same song_id carries the same track (name, duration, explicit, ISRC, URL, "
        "album, artists; popularity may move between fetches; a field one payload leaves out is no conflict). Each "
        "songs row keeps its own values.",
    ),
    Rule(
        "albums",
        "album_payloads_agree",
        "Every song of the week with the same album_id carries the same album (name, type, release date and "
        "precision, total tracks, URL, artists; a field one payload leaves out is no conflict). Where they differ, "
        "the album's row is the first by "
        "(playlist_id, position).",
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


def quarantine_outcomes(tables: WeekTables) -> list[Outcome]:
    """The warnings on what the transform left out or could not type: rejected items, unparsed
    `added_at` values, ids sent with conflicting payloads."""
    rejected = tables.rejected_items
    playlists = sorted(set(rejected["playlist_id"].to_pylist()))
    outcomes = [
        _outcome(
            "rejected_items",
            "no_rejected_items",
            rejected.num_rows,
            f"raw items rejected, on playlists {', '.join(playlists)}: each is kept in raw_playlist, left out of "
            "songs, albums and artists, and listed in rejected_items with its reason. Once the transform accepts "
            "them, materialize the week's lake tables again (they are rebuilt from raw).",
            [
                (row["playlist_id"], row["position"], row["reason"])
                for row in rejected.select(["playlist_id", "position", "reason"]).slice(0, SAMPLE).to_pylist()
            ],
            playlists=playlists,
        ),
        _outcome(
            "songs",
            "added_at_parses",
            len(tables.unparsed_added_at),
            "songs whose added_at does not parse: stored null, raw_playlist keeps the value sent",
            tables.unparsed_added_at,
        ),
    ]
    for table, name, conflicts, what in (
        ("songs", "track_payloads_agree", tables.conflicting_tracks, "track ids"),
        ("albums", "album_payloads_agree", tables.conflicting_albums, "album ids"),
    ):
        outcomes.append(
            _outcome(
                table,
                name,
                len(conflicts),
                f"{what} sent with conflicting payloads this week: {', '.join(conflicts)}",
                [f"{key} on playlists {', '.join(where)}" for key, where in conflicts.items()],
                ids=sorted(conflicts),
            )
        )
    return outcomes


def week_outcomes(tables: WeekTables) -> list[Outcome]:
    """Every table rule on one week of curated tables."""
    songs, albums, artists = tables.songs, tables.albums, tables.artists
    outcomes = [
        unique_key(name, getattr(tables, name))
        for name in ("playlists", "songs", "albums", "artists", "rejected_items")
    ]

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
    return outcomes + quarantine_outcomes(tables)


def all_playlists_extracted(missing: dict[str, str] | None = None) -> Outcome:
    """Warns when the source failed on some playlists of the week and the others were stored:
    `missing` maps each missing playlist id to its reason (which names the playlist and the fix)."""
    missing = dict(missing or {})
    rule = RULES_BY_KEY[("raw_playlist", "all_playlists_extracted")]
    metadata: dict[str, Any] = {"missing_playlists": sorted(missing), "reasons": missing}
    if not missing:
        return Outcome(rule, passed=True, description="ok", metadata=metadata)
    listing = "\n".join(f"- {pid}: {reason}" for pid, reason in missing.items())
    return Outcome(
        rule,
        passed=False,
        description=f"{len(missing)} playlists are missing from this week (the others were stored). Fix each "
        "cause below, then materialize the week again: only the missing playlists are fetched (live, while "
        f"the week is within max_week_age_days).\n{listing}",
        metadata=metadata,
    )


def raw_outcomes(raw: pa.Table, missing: dict[str, str] | None = None) -> list[Outcome]:
    """Every raw-zone rule on one week of `raw_playlist` rows; `missing`: the playlists the source
    failed on that week, with their reasons."""
    items = raw.filter(pc.is_valid(raw["position"]))
    return [unique_key("raw_playlist", items), item_count_matches_total(raw), all_playlists_extracted(missing)]
