"""Hostile inputs, crashes and concurrent runs: what the pipeline really does with them.

Re-measures, against the real code, what README.md's "Faults: quarantine, warn or block" table
(the same table as docs/faults.md) promises:

1. Broken inputs. Each variant copies the sample week 2026-08-17 to a temporary replay directory,
   injects one fault (one item, one file or the week folder), runs the `weekly_lake` job for that
   week in process on an empty lake (as `spotify_assets_tests/conftest.py:run_weeks` does) and
   classifies what happened, reading `result.success`, the check evaluations, the step and
   resource failure messages and the lake's Parquet files:
   - quarantined: the run succeeds, the item is in `rejected_items` (the reason should name the
     field and the value) and not in `songs`;
   - warned: the run succeeds and a non-blocking check fails that passes on the clean week;
   - blocked-clear: the run fails, the first failure message names the file, folder or playlist
     at fault and says what to do (rename, re-record, remove, fix, materialize again...);
   - blocked-unclear: the run fails with a bare exception (a builtin or pyarrow error) or with a
     message that does not name the thing at fault;
   - expected-ok: nothing flags it, the fault table (or, where the table is silent, the data
     contract's edge cases) says nothing should, and the documented handling is observed;
   - silent: the run succeeds and nothing flags the fault, although the table says something
     should, or neither document covers it.
   Each line says what the table says and whether the outcome matches it ("n/a": not covered).
2. Crashes. Builds the 12 sample weeks once with `spotify_assets.cli.run` (`make run`) to get the
   reference sha256 of every lake file (`_leases/` and the catalog excluded) and the wall time of a
   clean run on an empty and on a built lake. Then, per case, starts `cli.run` on a fresh lake
   (empty, or a copy of the built one) with its own DAGSTER_HOME and a 2 s lease TTL, kill -9s it
   at a point spread over 10%..90% of a clean run (the median of the clean runs and successful
   reruns so far, so the points follow the load), waits past the TTL and runs `cli.run` again
   (killed after 3x a clean run's time if it has not finished: "HUNG"). Survived = the rerun
   succeeds, the lake is byte-identical to the reference, no `.tmp` file is left (lake and catalog
   folder), every Parquet file reads and the DuckDB catalog opens. Also records the killed run's
   status in its DAGSTER_HOME (expected FAILURE, not STARTED) and whether it still holds the
   `spotify_api` pool slot. One extra case kills the run as soon as `raw_playlist` holds that slot
   (polled in the instance), a window of well under a second that timed kills hit only by chance.
3. Concurrent pairs. Two `cli.run` processes started together on the same lake, each with its own
   DAGSTER_HOME (default lease TTL): both exit codes, which one logged that it was waiting, and
   whether the lake equals the reference afterwards.

Run from the project root (about 10 minutes on 2 cores; one process at a time, two for a pair):

    .venv/bin/python -m bench.hostile [--crashes 10] [--pairs 5] [--parts 123] [--keep]

Prints one table per part and a totals line; the same Markdown goes to bench/out/hostile.md
(git-ignored). Nothing of the project is changed: every replay directory, lake and DAGSTER_HOME
is created under a temporary directory, removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import builtins
import copy
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name("out")
# Where spotify_assets, README.md and the sample are read from: a snapshot of the checkout taken at
# the start (`snapshot_code`), so that work committed meanwhile does not change the code mid-run.
CODE = ROOT
WEEK = "2026-08-17"
TUESDAY = "2026-08-18"
PULSE = "73OIfWm88pnXik7w7OOp69"  # Global Pulse 150: 2026 shape (`items` / `item`)
LEGACY = "miRIPuS4pf5LGVdx16mNJn"  # Late Night Drive: legacy shape (`tracks` / `track`)
POS = 7  # most faults go into this item: a song whose track and album appear nowhere else that week
LEASE_TTL_S = 2
SPOTIFY_POOL = "spotify_api"

# =============================================================================================
# Part 1: broken inputs
# =============================================================================================

QUARANTINED, WARNED, CLEAR, UNCLEAR, SILENT, OK = (
    "quarantined",
    "warned",
    "blocked-clear",
    "blocked-unclear",
    "silent",
    "expected-ok",
)
OUTCOMES = (QUARANTINED, WARNED, CLEAR, UNCLEAR, SILENT, OK)
# "says what to do": an imperative the project's messages use
FIX_WORDS = re.compile(
    r"\b(rename|re-record|record|remove|fix|name (it|the file)|store one|move|materiali[sz]e|follow|keep one)\b",
    re.IGNORECASE,
)
# what lake/markdown.clean_text promises never reaches report.md: C0/C1 controls and bidi controls
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Variant:
    """One fault: how to inject it, which row of the fault table covers it, how to recognise it."""

    name: str
    level: str  # item | file
    inject: Callable[[Path], None]  # gets the replay root (holding the week folder)
    row: tuple[str, ...] = ()  # phrases of README's fault table: the first row holding one covers it
    nearest: str | None = None  # a phrase of the nearest row, shown when no row covers it
    note: str = ""  # what the data contract says when the table is silent
    contract_ok: bool = False  # the contract says nothing needs to flag it
    also: tuple[str, ...] = ()  # other outcomes that also honour the table
    where: tuple[str, int] | None = None  # (playlist, position) of the bad item
    names: tuple[str, ...] = ()  # a clear failure message contains one of these
    reason: tuple[str, ...] = ()  # a quarantine reason should contain all of these (field, value)
    checks: tuple[str, ...] = ()  # the warning checks the table names
    mentions: tuple[str, ...] = ()  # a warning names the item when it contains one of these
    verify: Callable[[Observed], tuple[bool, str]] | None = None  # the documented handling, observed
    runner: str = "job"  # job, or make-run: first the week discovery `cli.run` does
    table: str = ""  # what the table says, filled by `resolve`
    expect: tuple[str, ...] = ()  # the outcomes that honour it, filled by `resolve`
    by_contract: bool = False


# README's policy words -> the outcomes that honour them
POLICIES = {"quarantine": (QUARANTINED,), "warn": (WARNED,), "block": (CLEAR,), "repaired": (OK,), "kept": (OK,)}


def fault_table() -> list[tuple[str, str]]:
    """(fault, policy) of each row of README's "Faults" table (as test_faults_policy.py reads it)."""
    readme = (CODE / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Faults: quarantine, warn or block", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return [(cells[0].lstrip("| "), cells[1]) for cells in rows[1:]]


def resolve(variant: Variant, rows: list[tuple[str, str]]) -> Variant:
    """Fill in what the table says about the variant and which outcomes honour it."""

    def policy_of(phrases: tuple[str, ...]) -> str | None:
        return next((policy for fault, policy in rows if any(phrase in fault for phrase in phrases)), None)

    policy = policy_of(variant.row)
    if policy is not None:
        checks = f": {', '.join(variant.checks)}" if variant.checks else ""
        variant.table, variant.expect = policy + checks, POLICIES[policy.split()[0]] + variant.also
        return variant
    nearest = policy_of((variant.nearest,)) if variant.nearest else None
    nearest = f" (nearest row, {variant.nearest}: {nearest})" if nearest else ""
    variant.table = "not listed" + (f"; contract: {variant.note}" if variant.note else "") + nearest
    variant.expect, variant.by_contract = ((OK,), True) if variant.contract_ok else ((), False)
    return variant


@dataclass
class Failure:
    where: str
    cls: str
    message: str
    cause: str = ""

    @property
    def bare(self) -> bool:
        return hasattr(builtins, self.cls) or self.cls.startswith("Arrow")


@dataclass
class Observed:
    """One variant's run: success, failures, failed check evaluations, and its lake."""

    success: bool
    lake: Path
    failures: list[Failure] = field(default_factory=list)
    failed_checks: dict[str, str] = field(default_factory=dict)  # asset.check -> description + metadata
    _tables: dict[str, list[dict]] = field(default_factory=dict)

    def rows(self, table: str, **match: Any) -> list[dict]:
        if table not in self._tables:
            path = self.lake / table / f"week={WEEK}" / "part-0.parquet"
            self._tables[table] = pq.read_table(path).to_pylist() if path.exists() else []
        return [row for row in self._tables[table] if all(row.get(k) == v for k, v in match.items())]

    def song(self, where: tuple[str, int]) -> dict | None:
        found = self.rows("songs", playlist_id=where[0], position=where[1])
        return found[0] if found else None

    def report(self) -> str:
        path = self.lake / "reports" / f"week={WEEK}" / "report.md"
        return path.read_text(encoding="utf-8") if path.exists() else ""


# --- reading and writing replay files ---------------------------------------------------------


def sample_dir() -> Path:
    return CODE / "spotify_assets" / "sample_data"


def read_doc(path: Path) -> Any:
    return json.loads(gzip.decompress(path.read_bytes()))


def write_doc(path: Path, doc: Any) -> None:
    path.write_bytes(gzip.compress(json.dumps(doc).encode(), mtime=0))


def paging(doc: dict) -> dict:
    return doc["items"] if isinstance(doc.get("items"), dict) else doc["tracks"]


def track_of(entry: dict) -> dict:
    return entry["item"] if "item" in entry else entry["track"]


def sample_track(position: int, playlist: str = PULSE) -> dict:
    """The track at `position` of the clean sample week (ids for the checks)."""
    return track_of(paging(read_doc(sample_dir() / WEEK / f"{playlist}.json.gz"))["items"][position - 1])


def playlist_file(root: Path, playlist: str = PULSE) -> Path:
    return root / WEEK / f"{playlist}.json.gz"


# --- injectors --------------------------------------------------------------------------------


def edit_doc(change: Callable[[dict], Any], playlist: str = PULSE) -> Callable[[Path], None]:
    """Change the playlist document in place; a non-None return value replaces it."""

    def inject(root: Path) -> None:
        path = playlist_file(root, playlist)
        doc = read_doc(path)
        replaced = change(doc)
        write_doc(path, doc if replaced is None else replaced)

    return inject


def edit_entry(change: Callable[[dict], Any], position: int = POS, playlist: str = PULSE) -> Callable:
    """Change one entry (the playlist item object) in place."""

    def edit(doc: dict) -> None:
        change(paging(doc)["items"][position - 1])

    return edit_doc(edit, playlist)


def edit_track(change: Callable[[dict], Any], position: int = POS, playlist: str = PULSE) -> Callable:
    """Change one entry's track (`item`, else `track`) in place."""

    def edit(entry: dict) -> None:
        change(track_of(entry))

    return edit_entry(edit, position, playlist)


def drop(key: str) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        del doc[key]

    return change


def set_entry(value: Any, position: int = POS) -> Callable:
    def change(doc: dict) -> None:
        paging(doc)["items"][position - 1] = value

    return edit_doc(change)


def set_entry_key(key: str, value: Any, position: int = POS, playlist: str = PULSE) -> Callable:
    """Set `key` of one entry (its `item` or legacy `track`) to `value`."""

    def change(entry: dict) -> None:
        entry[key] = value

    return edit_entry(change, position, playlist)


DELETE = object()


def assign(path: str, value: Any) -> Callable[[dict], None]:
    """A change setting `a.b.c` of a track to `value` (DELETE deletes it)."""
    *parents, last = path.split(".")

    def change(track: dict) -> None:
        for key in parents:
            track = track[key]
        if value is DELETE:
            del track[last]
        else:
            track[last] = value

    return change


def copy_into_next(change: Callable[[dict], None]) -> Callable:
    """Item POS+1 becomes a copy of item POS's track, then `change` edits the copy."""

    def edit(doc: dict) -> None:
        items = paging(doc)["items"]
        key = "item" if "item" in items[POS] else "track"
        copied = copy.deepcopy(track_of(items[POS - 1]))
        change(copied)
        items[POS][key] = copied

    return edit_doc(edit)


def album_copy_renamed(doc: dict) -> None:
    items = paging(doc)["items"]
    album = copy.deepcopy(track_of(items[POS - 1])["album"])
    album["name"] = album["name"] + " (Deluxe)"
    track_of(items[POS])["album"] = album


def write_bytes(data: bytes, name: str | None = None) -> Callable[[Path], None]:
    def inject(root: Path) -> None:
        (root / WEEK / (name or f"{PULSE}.json.gz")).write_bytes(data)

    return inject


def truncate(root: Path) -> None:
    path = playlist_file(root)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def copy_as(name: str, gz: bool = False) -> Callable[[Path], None]:
    """The Global Pulse file again, under another name (uncompressed unless `gz`)."""

    def inject(root: Path) -> None:
        data = playlist_file(root).read_bytes()
        (root / WEEK / name).write_bytes(data if gz else gzip.decompress(data))

    return inject


def rename_week(root: Path) -> None:
    (root / WEEK).rename(root / TUESDAY)


def tuesday_beside(root: Path) -> None:
    shutil.copytree(root / WEEK, root / TUESDAY)


def empty_week(root: Path) -> None:
    for path in (root / WEEK).iterdir():
        path.unlink()


def raw_text_edit(edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def inject(root: Path) -> None:
        path = playlist_file(root)
        path.write_bytes(gzip.compress(edit(gzip.decompress(path.read_bytes())), mtime=0))

    return inject


def deep_nesting(text: bytes, depth: int = 100_000) -> bytes:
    return text.replace(b"{", b'{"nested": ' + b"[" * depth + b"]" * depth + b", ", 1)


# --- verifications of the documented handling -------------------------------------------------


def kept_out(baseline_skipped: dict[str, int], where: tuple[str, int]) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        (playlist,) = obs.rows("playlists", playlist_id=where[0])
        skipped, before = playlist["items_skipped"], baseline_skipped[where[0]]
        out = obs.song(where) is None and not obs.rows("rejected_items", position=where[1], playlist_id=where[0])
        return out and skipped == before + 1, f"not a song: {out}; items_skipped {before} -> {skipped}"

    return verify


def song_column(where: tuple[str, int], column: str, expected: Callable[[Any], bool]) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        song = obs.song(where)
        if song is None:
            return False, "not in songs"
        return expected(song[column]), f"in songs, {column} = {cell(repr(song[column]), 60)}"

    return verify


def artist_name_repaired(artist_id: str) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        names = [row["artist_name"] for row in obs.rows("artists", artist_id=artist_id)]
        return bool(names) and "\ufffd" in names[0], f"artists.artist_name = {names[0]!r}" if names else "no artist"

    return verify


def report_clean(where: tuple[str, int], name: str) -> Callable:
    """The song lands as sent; report.md shows the name, without its control characters (C0, C1, bidi)."""

    def verify(obs: Observed) -> tuple[bool, str]:
        report, song = obs.report(), obs.song(where)
        found = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(report)})
        shown = CONTROL.sub("", name) in report
        stored = repr(song["song_name"]) if song else "not in songs"
        text = f"songs.song_name = {stored}; name in report.md: {shown}; control chars in report.md: {found or 'none'}"
        return not found, text

    return verify


def no_song(where: tuple[str, int]) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        song = obs.song(where)
        return song is None, "not in songs" if song is None else f"in songs: {cell(song, 160)}"

    return verify


def stored_length(where: tuple[str, int]) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        song = obs.song(where)
        report = len(obs.report().encode())
        return True, f"in songs, song_name of {len(song['song_name']) if song else 0:,} chars; report.md {report:,} B"

    return verify


# --- the variants -----------------------------------------------------------------------------

AT, LEGACY_AT, FIRST_AT = (PULSE, POS), (LEGACY, POS), (PULSE, 1)
GZ = f"{PULSE}.json.gz"
# phrases of the fault table's rows
TYPED, MALFORMED, MISSING_REF = ("cannot be typed",), ("malformed replay file",), "album or artist is missing"
EMPTY_ARTISTS = ("empty `artists` list", "empty or missing `artists`")
CONTROL_ROW = ("control character in a name",)


def quarantine(name: str, inject: Callable, fld: str, value: str, where=AT, row: tuple = TYPED) -> Variant:
    return Variant(name, "item", inject, row, where=where, names=(where[0],), reason=(fld, value))


def warn(name: str, inject: Callable, row: str, check: str, mention: str, level: str = "item") -> Variant:
    where = AT if level == "item" else None
    return Variant(name, level, inject, (row,), where=where, names=(PULSE,), checks=(check,), mentions=(mention,))


def accepted(name: str, inject: Callable, row: tuple, verify: Callable, note: str = "", **extra: Any) -> Variant:
    """A fault that needs no flag: the table keeps it out or repairs it, or the contract accepts it."""
    where = extra.pop("where", AT)
    return Variant(
        name,
        "item",
        inject,
        row,
        note=note,
        contract_ok=bool(note),
        where=where,
        names=(where[0],),
        verify=verify,
        **extra,
    )


def unlisted(name: str, inject: Callable, verify: Callable, where=AT, row: tuple = (), nearest=None) -> Variant:
    """A fault the contract does not cover; `row`: the table's rows that would, `nearest`: the nearest one."""
    return Variant(name, "item", inject, row, nearest, where=where, names=(where[0],), verify=verify)


def item_block(name: str, inject: Callable, row: tuple) -> Variant:
    return Variant(name, "item", inject, row, where=AT, names=(PULSE,))


def file_block(name: str, inject: Callable, names=(GZ,), row: tuple = MALFORMED, **extra: Any) -> Variant:
    return Variant(name, "file", inject, row, names=names, **extra)


def item_variants(skipped: dict[str, int]) -> list[Variant]:
    """Faults inside one item of the Global Pulse file (of the legacy file for `track`)."""
    track = sample_track(POS)
    album_id, song_id, artist_id = track["album"]["id"], track["id"], track["artists"][0]["id"]
    return [
        quarantine('duration_ms "abc"', edit_track(assign("duration_ms", "abc")), "duration_ms", '"abc"'),
        quarantine("duration_ms NaN", edit_track(assign("duration_ms", float("nan"))), "duration_ms", "NaN"),
        quarantine("duration_ms 215000.7", edit_track(assign("duration_ms", 215000.7)), "duration_ms", "215000.7"),
        quarantine("duration_ms 2**63 (extra)", edit_track(assign("duration_ms", 2**63)), "duration_ms", str(2**63)),
        warn(
            "duration_ms -5",
            edit_track(assign("duration_ms", -5)),
            "duration not above 0",
            "songs.duration_positive",
            f"'{PULSE}', {POS}",
        ),
        quarantine(
            "a string `track` (legacy shape)",
            set_entry_key("track", "spotify:track:x", playlist=LEGACY),
            "track",
            '"spotify:track:x"',
            LEGACY_AT,
        ),
        quarantine(
            "`track: 123` (legacy shape)", set_entry_key("track", 123, playlist=LEGACY), "track", "123", LEGACY_AT
        ),
        quarantine("a string `item` (2026 shape, extra)", set_entry_key("item", "spotify:track:x"), "item", "spotify"),
        quarantine("empty `artists`", edit_track(assign("artists", [])), "artists", "[]", row=EMPTY_ARTISTS),
        accepted(
            "`artists` missing",
            edit_track(assign("artists", DELETE)),
            ("missing `artists`",),
            song_column(AT, "artist_id", lambda value: value is None),
            note="null artist_id",
        ),
        unlisted(
            "an artist without id",
            edit_track(lambda t: t["artists"][0].pop("id")),
            no_song(AT),
            row=("artist without id",),
            nearest=MISSING_REF,
        ),
        accepted(
            "lone surrogate in a song name",
            edit_track(assign("name", "Wild \ud800 Machine")),
            ("lone surrogate",),
            song_column(AT, "song_name", lambda value: "\ufffd" in value),
        ),
        accepted(
            "lone surrogate in an artist name",
            edit_track(lambda t: t["artists"][0].update(name="DJ \udc00")),
            ("lone surrogate",),
            artist_name_repaired(artist_id),
        ),
        accepted(
            "NUL in a song and an artist name",
            edit_track(rename_song("Nul\x00Song", "Nul\x00Artist"), 1),
            CONTROL_ROW,
            report_clean(FIRST_AT, "Nul\x00Song"),
            where=FIRST_AT,
        ),
        accepted(
            "RLO (U+202E) in a song and an artist name",
            edit_track(rename_song("Evil\u202egnoS", "Evil\u202etsitrA"), 1),
            CONTROL_ROW,
            report_clean(FIRST_AT, "Evil\u202egnoS"),
            where=FIRST_AT,
        ),
        warn(
            'added_at "garbage"',
            edit_entry(lambda e: e.update(added_at="garbage")),
            "`added_at` that does not parse",
            "songs.added_at_parses",
            "garbage",
        ),
        accepted(
            "added_at missing",
            edit_entry(lambda e: e.pop("added_at")),
            (),
            song_column(AT, "added_at", lambda value: value is None),
            note="the check counts values sent",
        ),
        unlisted("album null", edit_track(assign("album", None)), no_song(AT), row=("no album",), nearest=MISSING_REF),
        unlisted(
            "album id null",
            edit_track(assign("album.id", None)),
            no_song(AT),
            row=("album or artist without id", "album without id"),
            nearest=MISSING_REF,
        ),
        quarantine("album a string (extra)", edit_track(assign("album", "Back to '98")), "album", "Back to"),
        accepted("track id null", edit_track(assign("id", None)), (), kept_out(skipped, AT), note="not a song"),
        warn(
            "one album id, two names",
            edit_doc(album_copy_renamed),
            "different payloads",
            "albums.album_payloads_agree",
            album_id,
        ),
        warn(
            "one track id, two durations",
            copy_into_next(assign("duration_ms", track["duration_ms"] + 1000)),
            "different payloads",
            "songs.track_payloads_agree",
            song_id,
        ),
        warn(
            "popularity 500",
            edit_track(assign("popularity", 500)),
            "popularity outside 0..100",
            "songs.popularity_in_range",
            song_id,
        ),
        warn(
            'release_date "2026-13-45"',
            edit_track(assign("album.release_date", "2026-13-45")),
            "release date that does not parse",
            "albums.release_date_valid",
            album_id,
        ),
        warn(
            'release_date "2031-01-01" (future, extra)',
            edit_track(assign("album.release_date", "2031-01-01")),  # the album has day precision
            "after the snapshot",
            "albums.release_date_valid",
            album_id,
        ),
        unlisted(
            'release_date_precision "century"',
            edit_track(assign("album.release_date_precision", "century")),
            album_row(album_id),
        ),
        item_block("item `[1,2]`", set_entry([1, 2]), MALFORMED),
        item_block('item `""`', set_entry(""), MALFORMED),
        item_block("item `null`", set_entry(None), MALFORMED),
        accepted(
            "is_local true, garbage fields",
            edit_entry(local_garbage),
            ("local file",),
            kept_out(skipped, AT),
            also=(QUARANTINED,),
        ),
        accepted("a podcast episode", set_entry_key("item", EPISODE), ("podcast episode",), kept_out(skipped, AT)),
        quarantine('explicit "yes"', edit_track(assign("explicit", "yes")), "explicit", '"yes"'),
        quarantine("name 123 (extra)", edit_track(assign("name", 123)), "name", "123"),
        unlisted("a 100 KB song name", edit_track(assign("name", "La " * 34_134)), stored_length(AT)),
    ]


def rename_song(song: str, artist: str) -> Callable[[dict], None]:
    def change(track: dict) -> None:
        track["name"] = song
        track["artists"][0]["name"] = artist

    return change


def album_row(album_id: str) -> Callable:
    def verify(obs: Observed) -> tuple[bool, str]:
        rows = obs.rows("albums", album_id=album_id)
        shown = {k: str(rows[0][k]) for k in ("release_date", "release_date_precision")} if rows else "no album"
        return True, f"albums: {shown}"

    return verify


def local_garbage(entry: dict) -> None:
    entry["is_local"] = True
    entry["item"] = {
        "id": None,
        "name": 12345,
        "duration_ms": "unknown",
        "album": "x",
        "artists": "nobody",
        "type": "track",
        "is_local": True,
        "uri": "spotify:local:::garbage:0",
    }


EPISODE = {
    "type": "episode",
    "id": "5Xt5DXGzch68nYYamXrNxZ",
    "name": "Episode 12: the charts",
    "duration_ms": 3_600_000,
    "explicit": False,
    "is_local": False,
    "show": {"id": "38bS44xjbVVZ3No3ByF1dJ", "name": "Chart Talk", "type": "show"},
    "external_urls": {"spotify": "https://open.spotify.com/episode/5Xt5DXGzch68nYYamXrNxZ"},
    "uri": "spotify:episode:5Xt5DXGzch68nYYamXrNxZ",
}
HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
NEXT_PAGE = f"https://api.spotify.com/v1/playlists/{PULSE}/items?offset=100&limit=100"
OTHER_ID = "aaaaaaaaaaaaaaaaaaaaaa"


def file_variants() -> list[Variant]:
    """Faults of a whole replay file or of the week folder."""
    not_monday = ("week folder that is not a Monday",)
    return [
        file_block("truncated gzip", truncate),
        file_block("not JSON (an HTML error page)", write_bytes(gzip.compress(HTML, mtime=0))),
        file_block("empty file", write_bytes(b"")),
        file_block("JSON list of two playlists", edit_doc(lambda doc: [doc, copy.deepcopy(doc)])),
        file_block("no `items` paging object", edit_doc(drop("items"))),
        file_block("`next` not null", edit_doc(lambda doc: doc["items"].update(next=NEXT_PAGE))),
        warn(
            "`total` larger than the items",
            edit_doc(lambda doc: doc["items"].update(total=200)),
            "fewer or more items",
            "raw_playlist.item_count_matches_total",
            PULSE,
            level="file",
        ),
        file_block("a file named `x..y z'\"<b>.json`", copy_as("x..y z'\"<b>.json"), ("<b>.json",), ("not named by",)),
        file_block("week folder named 2026-08-18 (a Tuesday)", rename_week, (TUESDAY,), not_monday),
        file_block(
            "a Tuesday folder beside (make run, extra)", tuesday_beside, (TUESDAY,), not_monday, runner="make-run"
        ),
        Variant(
            "a stray README.txt",
            "file",
            write_bytes(b"recorded by hand\n", "README.txt"),
            (),
            note="other suffixes are ignored",
            contract_ok=True,
        ),
        file_block("an empty week folder", empty_week, (WEEK,), (), nearest=MALFORMED[0]),
        file_block("a playlist object without `id`", edit_doc(drop("id"))),
        file_block("the file holds another playlist (extra)", copy_as(f"{OTHER_ID}.json.gz", gz=True), (OTHER_ID,)),
        file_block("one playlist as .json and .json.gz (extra)", copy_as(f"{PULSE}.json"), (PULSE,)),
        file_block('`type: "album"` (extra)', edit_doc(lambda doc: doc.update(type="album"))),
        file_block(
            "invalid UTF-8 (extra)", raw_text_edit(lambda t: t.replace(b"Global Pulse", b"Global \xff Pulse", 1))
        ),
        file_block("JSON nested 100,000 deep (extra)", raw_text_edit(deep_nesting)),
    ]


# --- running one variant ----------------------------------------------------------------------

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_job(replay: Path, lake: Path, runner: str = "job") -> Observed:
    """The weekly job for WEEK, in process, on a fresh ephemeral instance (conftest.run_weeks)."""
    import dagster as dg

    from spotify_assets.definitions import build_definitions
    from spotify_assets.settings import load_settings
    from spotify_assets.spotify.errors import SpotifySourceError
    from spotify_assets.spotify.replay import ReplaySource

    if runner == "make-run":  # cli.run lists the replay weeks before it runs anything
        try:
            ReplaySource(replay).weeks()
        except SpotifySourceError as error:
            return Observed(False, lake, [Failure("make run (week discovery)", type(error).__name__, str(error))])
    settings = load_settings({"SPOTIFY_ASSETS_LAKE": str(lake), "SPOTIFY_REPLAY_DIR": str(replay)})
    job = build_definitions(settings).resolve_job_def("weekly_lake")
    tags = {"dagster/asset_partition_range_start": WEEK, "dagster/asset_partition_range_end": WEEK}
    with dg.DagsterInstance.ephemeral() as instance:
        try:
            result = job.execute_in_process(instance=instance, tags=tags, run_config=QUIET, raise_on_error=False)
        except Exception as error:  # the run did not even start its steps
            return Observed(False, lake, [Failure("execute_in_process", type(error).__name__, str(error))])
    return Observed(result.success, lake, failures_of(result), failed_checks_of(result))


def failures_of(result: Any) -> list[Failure]:
    """Step failures and resource set-up failures, as `cli.run` prints them."""
    found = []
    for event in result.all_events:
        if event.is_step_failure:
            error, where = event.step_failure_data.error, event.step_key
        elif event.event_type_value == "RESOURCE_INIT_FAILURE":
            error, where = event.event_specific_data.error, "resources"
        else:
            continue
        message, cause, cls = re.sub(r"^[\w.]*Failure: ", "", error.message.strip()), error.cause, error.cls_name
        if cls == "DagsterExecutionStepExecutionError" and cause:  # user code raised this, not a Failure
            cls = cause.cls_name
        found.append(Failure(where, cls, message, cause.message.strip() if cause else ""))
    return found


def failed_checks_of(result: Any) -> dict[str, str]:
    """asset.check -> its description and examples, for every failed evaluation."""
    found = {}
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            examples = evaluation.metadata.get("examples")
            shown = f"; examples {examples.value}" if examples is not None else ""
            found[f"{evaluation.asset_key.to_user_string()}.{evaluation.check_name}"] = evaluation.description + shown
    return found


def classify(variant: Variant, obs: Observed, baseline: Observed) -> tuple[str, str]:
    """(outcome, detail) for one variant's run."""
    if not obs.success:
        return blocked(variant, obs)
    if variant.where is not None:
        rejected = obs.rows("rejected_items", playlist_id=variant.where[0], position=variant.where[1])
        if rejected:
            return quarantined(variant, obs, rejected[0]["reason"])
    new = {k: v for k, v in obs.failed_checks.items() if k not in baseline.failed_checks}
    new.pop("rejected_items.no_rejected_items", None)
    if new:
        return warned(variant, new)
    ok, detail = variant.verify(obs) if variant.verify else (True, "nothing flagged")
    return (OK if ok and OK in variant.expect else SILENT), detail


def blocked(variant: Variant, obs: Observed) -> tuple[str, str]:
    if not obs.failures:
        return UNCLEAR, "the run failed without a step or resource failure event"
    first = obs.failures[0]
    names = any(token in first.message for token in variant.names)
    says = bool(FIX_WORDS.search(first.message))
    verdict = CLEAR if names and says and not first.bare else UNCLEAR
    gaps = [gap for gap, missing in (("bare", first.bare), ("names no file/playlist", not names)) if missing]
    gaps += ["no fix"] if not says else []
    prefix = f"[{', '.join(gaps)}] " if gaps else ""
    cause = f" (cause: {first.cause})" if first.cause and first.cause not in first.message else ""
    return verdict, f"{prefix}{first.where}: {first.cls}: {first.message}{cause}"


def quarantined(variant: Variant, obs: Observed, reason: str) -> tuple[str, str]:
    absent = obs.song(variant.where) is None
    named = all(token in reason for token in variant.reason)
    gaps = [g for g, bad in (("still in songs", not absent), ("reason lacks field/value", not named)) if bad]
    return QUARANTINED, (f"[{', '.join(gaps)}] " if gaps else "") + f"reason: {reason}"


def warned(variant: Variant, new: dict[str, str]) -> tuple[str, str]:
    names = any(token in text for text in new.values() for token in variant.mentions) if variant.mentions else True
    missing = [check for check in variant.checks if check not in new]
    gaps = ([] if names else ["does not name the item"]) + ([f"not {', '.join(missing)}"] if missing else [])
    shown = "; ".join(f"{key}: {text}" for key, text in new.items())
    return WARNED, (f"[{', '.join(gaps)}] " if gaps else "") + shown


def matches(variant: Variant, outcome: str, detail: str) -> str:
    """yes / NO against the table (or the contract where the table is silent); n/a: neither covers it.
    A detail starting with [...] names a gap (e.g. a reason without the value): no match either."""
    if not variant.expect:
        return "n/a"
    verdict = "yes" if outcome in variant.expect and not detail.startswith("[") else "NO"
    return verdict + (" (contract)" if variant.by_contract else "")


@dataclass
class InputCase:
    variant: Variant
    outcome: str
    detail: str
    match: str


def observe(variant: Variant, work: Path) -> Observed:
    """The week copied to `work`, the fault injected, the job run on an empty lake there."""
    replay, lake = work / "replay", work / "lake" / "lake"
    shutil.copytree(sample_dir() / WEEK, replay / WEEK)
    variant.inject(replay)
    return run_job(replay, lake, variant.runner)


def part_inputs(tmp: Path) -> list[InputCase]:
    """Part 1: every variant on its own copy of the week and its own empty lake."""
    baseline = observe(Variant("clean week", "-", lambda root: None), tmp / "clean")
    if not baseline.success:
        raise SystemExit(f"the clean week {WEEK} fails: {baseline.failures}")
    skipped = {row["playlist_id"]: row["items_skipped"] for row in baseline.rows("playlists")}
    rows = fault_table()
    cases = []
    for number, variant in enumerate(item_variants(skipped) + file_variants(), 1):
        variant, work = resolve(variant, rows), tmp / f"input-{number:02d}"
        outcome, detail = classify(variant, observe(variant, work), baseline)
        cases.append(InputCase(variant, outcome, detail, matches(variant, outcome, detail)))
        print(f"  input {number:2d} {outcome:<16} {variant.name}", file=sys.stderr)
        shutil.rmtree(work)
    return cases


# =============================================================================================
# Parts 2 and 3: `make run` (spotify_assets.cli.run) in subprocesses
# =============================================================================================


class CliRun:
    """One `python -m spotify_assets.cli.run` on `lake` with its own DAGSTER_HOME, output to `log`."""

    def __init__(self, lake: Path, home: Path, log: Path, ttl_s: float | None = None):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "DAGSTER_", "GLUE_", "ATHENA_"))}
        env.update(
            DAGSTER_HOME=str(home),
            SPOTIFY_ASSETS_LAKE=str(lake),
            SPOTIFY_REPLAY_DIR=str(sample_dir()),
            PYTHONPATH=str(CODE),
            PYTHONWARNINGS="ignore",
        )
        if ttl_s is not None:
            env["SPOTIFY_ASSETS_LEASE_TTL_S"] = str(ttl_s)
        self.log = log
        self._out = log.open("wb")
        self.started = time.monotonic()
        # its own session: kill -9 reaches exactly this process group, which this script started
        self.process = subprocess.Popen(
            [sys.executable, "-m", "spotify_assets.cli.run"],
            cwd=log.parent,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout_s: float) -> int | None:
        """The exit code; None when it was still running after `timeout_s` (it is then killed)."""
        try:
            code = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self._out.close()
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._out.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def run_id(self) -> str | None:
        found = re.search(r"^Run (\S+): (SUCCESS|FAILURE)", self.output(), re.MULTILINE)
        return found.group(1) if found else None


def new_home(template: Path, home: Path) -> Path:
    shutil.copytree(template, home)
    return home


def home_template(tmp: Path) -> Path:
    """A DAGSTER_HOME as the Makefile makes it (scripts/dagster.yaml, `dagster instance migrate`),
    made once and copied for every run."""
    home = tmp / "home-template"
    home.mkdir(parents=True)
    shutil.copy(CODE / "scripts" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "instance", "migrate"],
        env=env,
        check=True,
        capture_output=True,
    )
    return home


def lake_digest(lake: Path) -> dict[str, str]:
    """sha256 of every file of the lake but the leases (the catalog lives beside the lake)."""
    return {
        str(path.relative_to(lake)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(lake.rglob("*"))
        if path.is_file() and path.relative_to(lake).parts[0] != "_leases"
    }


def temp_files(lake: Path) -> list[str]:
    """Temporary files left in the lake or beside it (the catalog's folder)."""
    found = [p for p in lake.rglob("*.tmp")] + [p for p in lake.parent.glob(".*.tmp")]
    return sorted(str(p.relative_to(lake.parent)) for p in found)


def leases_left(lake: Path) -> int:
    return len(list((lake / "_leases").glob("*"))) if (lake / "_leases").is_dir() else 0


def parquet_readable(lake: Path) -> tuple[int, int]:
    files = [p for p in lake.rglob("*.parquet") if not p.name.startswith(".")]
    readable = 0
    for path in files:
        try:
            pq.read_table(path)
            readable += 1
        except Exception:  # any error means unreadable
            pass
    return readable, len(files)


def catalog_opens(catalog: Path) -> str:
    import duckdb

    if not catalog.exists():
        return "none (no run finished one)"
    try:
        with duckdb.connect(str(catalog), read_only=True) as con:
            (songs,) = con.execute("select count(*) from songs").fetchone()
        return f"ok ({songs:,} songs)"
    except Exception as error:  # reported
        return f"FAILS: {type(error).__name__}: {error}"


def open_instance(home: Path) -> Any:
    import dagster as dg

    return dg.DagsterInstance.from_config(str(home))


def instance_after(home: Path) -> tuple[list[str], list[str]]:
    """After a rerun: the statuses of the runs but the newest (the rerun), and which of those
    runs still hold a slot of the `spotify_api` pool (scripts/dagster.yaml: one slot)."""
    with open_instance(home) as instance:
        runs = instance.get_runs()  # newest first
        claims = instance.event_log_storage.get_concurrency_info(SPOTIFY_POOL).claimed_slots
        older = {run.run_id for run in runs[1:]}
        return [run.status.value for run in runs[1:]], [c.run_id[:8] for c in claims if c.run_id in older]


def holds_pool_slot(home: Path) -> Callable[[], bool]:
    """A kill trigger: true once a run of `home` holds the `spotify_api` slot (raw_playlist runs)."""

    def holds() -> bool:
        if not (home / "history" / "runs.db").exists():
            return False
        with open_instance(home) as instance:
            return bool(instance.event_log_storage.get_concurrency_info(SPOTIFY_POOL).claimed_slots)

    return holds


@dataclass
class Reference:
    lake: Path
    digest: dict[str, str]
    seconds: dict[str, float]  # wall time of a clean run, from an empty and from a built lake
    template: Path
    deterministic: bool


def build_reference(tmp: Path) -> Reference:
    """The 12 sample weeks built by `make run` on an empty lake, then run again on the built lake."""
    template = home_template(tmp)
    case = tmp / "reference"
    case.mkdir()
    lake, home = case / "lake", new_home(template, case / "home")
    seconds, digests = {}, []
    for start in ("empty", "built"):
        run = CliRun(lake, home, case / f"{start}.log")
        if run.wait(timeout_s=600) != 0:
            raise SystemExit(f"the clean build failed:\n{run.output()[-3000:]}")
        seconds[start] = time.monotonic() - run.started
        digests.append(lake_digest(lake))
    return Reference(lake, digests[0], seconds, template, digests[0] == digests[1])


@dataclass
class CrashCase:
    name: str
    start: str
    kill_s: float
    fraction: float
    exited_before_kill: bool
    left: str  # what the kill left: temporary files and leases
    rerun_code: int | None  # None: still running after the timeout (then killed)
    rerun_s: float
    identical: bool
    leftovers: list[str]
    parquet: tuple[int, int]
    killed_status: str
    pool_slot: str
    catalog: str

    @property
    def survived(self) -> bool:
        readable, total = self.parquet
        return (
            self.rerun_code == 0
            and self.identical
            and not self.leftovers
            and readable == total
            and self.catalog.startswith("ok")
        )


def fresh_lake(ref: Reference, case: Path, start: str) -> Path:
    lake = case / "lake"
    if start == "built":
        shutil.copytree(ref.lake, lake)
    return lake


def kill_when(run: CliRun, deadline_s: float, trigger: Callable[[], bool] | None) -> None:
    """Wait until `deadline_s` after the start (or until `trigger()` holds, polled), then kill -9."""
    while trigger is not None and run.process.poll() is None and time.monotonic() - run.started < deadline_s:
        if trigger():
            break
        time.sleep(0.05)
    time.sleep(0.0 if trigger else max(0.0, run.started + deadline_s - time.monotonic()))
    run.kill()


def crash_case(name: str, start: str, at: float | Callable, clean_s: float, ref: Reference, case: Path) -> CrashCase:
    """kill -9 a `make run` at fraction `at` of a clean run's wall time `clean_s` (or when the
    trigger `at` built from its DAGSTER_HOME holds), wait past the lease TTL, then run it again."""
    case.mkdir()
    lake, home = fresh_lake(ref, case, start), new_home(ref.template, case / "home")
    killed = CliRun(lake, home, case / "killed.log", ttl_s=LEASE_TTL_S)
    trigger = at(home) if callable(at) else None
    kill_when(killed, clean_s if trigger else at * clean_s, trigger)
    kill_s, exited = time.monotonic() - killed.started, killed.process.returncode != -signal.SIGKILL
    left = f"{len(temp_files(lake)) if lake.exists() else 0} tmp, {leases_left(lake)} leases"
    time.sleep(LEASE_TTL_S + 1.0)  # past the TTL: the killed run's leases have expired
    rerun = CliRun(lake, home, case / "rerun.log", ttl_s=LEASE_TTL_S)
    code = rerun.wait(timeout_s=max(50.0, 3 * clean_s))  # a clean run takes clean_s
    statuses, holders = instance_after(home)
    return CrashCase(
        name,
        start,
        kill_s,
        kill_s / clean_s,
        exited,
        left,
        code,
        time.monotonic() - rerun.started,
        lake_digest(lake) == ref.digest,
        temp_files(lake),
        parquet_readable(lake),
        ", ".join(statuses) or "no run (killed before it was created)",
        f"held by the killed run {', '.join(holders)}" if holders else "free",
        catalog_opens(case / "catalog.duckdb"),
    )


def part_crashes(ref: Reference, tmp: Path, count: int) -> list[CrashCase]:
    """Kill points spread over 10%..90% of a clean run, the starting lakes alternating empty and
    built; then one extra kill once `raw_playlist` holds the `spotify_api` pool slot."""
    plan: list[tuple[str, str, float | Callable]] = [
        (str(n + 1), ("empty", "built")[n % 2], 0.1 + 0.8 * n / max(1, count - 1)) for n in range(count)
    ]
    plan.append((f"{count + 1} (extra: once raw_playlist holds the pool slot)", "empty", holds_pool_slot))
    # a clean run's wall time: the median of every full run so far (the reference's two, then each
    # rerun that succeeded), so that the kill points follow the machine's load
    cases, timings = [], list(ref.seconds.values())
    for number, (name, start, at) in enumerate(plan, 1):
        cases.append(crash_case(name, start, at, statistics.median(timings), ref, tmp / f"crash-{number:02d}"))
        timings += [cases[-1].rerun_s] if cases[-1].rerun_code == 0 else []
        print(f"  crash {name} {start}: survived {cases[-1].survived}", file=sys.stderr)
        shutil.rmtree(tmp / f"crash-{number:02d}")
    return cases


@dataclass
class PairCase:
    start: str
    codes: tuple[int | None, int | None]
    waited: tuple[bool, bool]
    seconds: float
    identical: bool
    leftovers: list[str]
    errors: str

    @property
    def ok(self) -> bool:
        return self.codes == (0, 0) and any(self.waited) and self.identical and not self.leftovers


def pair_case(number: int, start: str, ref: Reference, tmp: Path) -> PairCase:
    """Two `make run`s started together on one lake, each with its own DAGSTER_HOME."""
    case = tmp / f"pair-{number:02d}"
    case.mkdir()
    lake = fresh_lake(ref, case, start)
    runs = [CliRun(lake, new_home(ref.template, case / f"home-{n}"), case / f"run-{n}.log") for n in "ab"]
    codes = tuple(run.wait(timeout_s=300) for run in runs)
    seconds = time.monotonic() - runs[0].started
    errors = " / ".join(
        last_error(run.output()) if code is not None else "hung"
        for run, code in zip(runs, codes, strict=True)
        if code != 0
    )
    return PairCase(
        start,
        codes,
        tuple("waiting" in run.output() for run in runs),
        seconds,
        lake_digest(lake) == ref.digest,
        temp_files(lake),
        errors,
    )


def last_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error")]
    return lines[-1] if lines else output.strip().splitlines()[-1] if output.strip() else "no output"


def part_pairs(ref: Reference, tmp: Path, count: int) -> list[PairCase]:
    cases = []
    for number in range(count):
        start = ("empty", "built")[number % 2]
        cases.append(pair_case(number + 1, start, ref, tmp))
        print(f"  pair {number + 1} {start:<5}: ok {cases[-1].ok}", file=sys.stderr)
        shutil.rmtree(tmp / f"pair-{number + 1:02d}")
    return cases


# =============================================================================================
# The tables
# =============================================================================================


def cell(value: Any, limit: int = 260, tmp: Path | None = None) -> str:
    """One Markdown table cell: temp paths shortened, control characters escaped, `|` escaped."""
    text = str(value)
    if tmp is not None:
        text = text.replace(str(tmp), "<tmp>")
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(text.split()))
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] + [
        "| " + " | ".join(map(str, row)) + " |" for row in rows
    ]


def inputs_section(cases: list[InputCase], tmp: Path) -> list[str]:
    counts = Counter(case.outcome for case in cases)
    matched = sum(case.match == "yes" for case in cases)
    covered = sum(case.match != "n/a" for case in cases)
    rows = [
        [
            n,
            case.variant.level,
            cell(case.variant.name),
            cell(case.variant.table),
            f"**{case.outcome}**",
            case.match,
            cell(case.detail, tmp=tmp),
        ]
        for n, case in enumerate(cases, 1)
    ]
    return [
        f"## 1. Broken inputs ({len(cases)}, week {WEEK}, the weekly job in process)",
        "",
        ", ".join(f"{outcome}: {counts[outcome]}" for outcome in OUTCOMES)
        + f"; as the table says: {matched} of the {covered} it covers",
        "",
        *table(["#", "level", "fault", "the table says", "outcome", "matches", "details"], rows),
        "",
    ]


def rerun_cell(case: CrashCase) -> str:
    if case.rerun_code is None:
        return f"HUNG (killed after {case.rerun_s:.0f} s)"
    return f"ok ({case.rerun_s:.0f} s)" if case.rerun_code == 0 else f"exit {case.rerun_code}"


def crashes_section(cases: list[CrashCase], ref: Reference) -> list[str]:
    rows = [
        [
            case.name,
            case.start,
            f"{case.kill_s:.1f} s ({case.fraction:.0%})" + (" (had exited)" if case.exited_before_kill else ""),
            case.left,
            rerun_cell(case),
            "yes" if case.identical else "NO",
            "yes" if not case.leftovers else cell(", ".join(case.leftovers)),
            "{}/{}".format(*case.parquet),
            case.killed_status,
            case.pool_slot,
            case.catalog,
            "**yes**" if case.survived else "**NO**",
        ]
        for case in cases
    ]
    survived = sum(case.survived for case in cases)
    statuses = Counter(status for case in cases for status in case.killed_status.split(", "))
    held = sum(case.pool_slot != "free" for case in cases)
    headers = ["#", "lake", "killed at", "left by the kill", "rerun", "identical", "no .tmp", "parquet"]
    return [
        f"## 2. Crashes (kill -9 of `make run`, then `make run` again, lease TTL {LEASE_TTL_S} s)",
        "",
        f"Clean `make run`: {ref.seconds['empty']:.1f} s on an empty lake, {ref.seconds['built']:.1f} s on a built one "
        "(a kill's % is of the median of these and the successful reruns so far); "
        f"{len(ref.digest)} lake files; a second clean run rewrites them byte for byte: {ref.deterministic}.",
        f"Survived (rerun ok, lake identical, no .tmp, Parquet readable, catalog opens): {survived}/{len(cases)}; "
        f"killed runs left STARTED: {statuses['STARTED']}, NOT_STARTED: {statuses['NOT_STARTED']} (expected FAILURE); "
        f"`{SPOTIFY_POOL}` slot still held by a killed run: {held}.",
        "",
        *table([*headers, "killed run", f"{SPOTIFY_POOL} slot", "catalog", "survived"], rows),
        "",
    ]


def pairs_section(cases: list[PairCase]) -> list[str]:
    rows = [
        [
            n,
            case.start,
            "{} / {}".format(*case.codes),
            " / ".join("waited" if w else "-" for w in case.waited),
            f"{case.seconds:.1f} s",
            "yes" if case.identical else "NO",
            "yes" if not case.leftovers else cell(", ".join(case.leftovers)),
            "**yes**" if case.ok else "**NO**",
            cell(case.errors),
        ]
        for n, case in enumerate(cases, 1)
    ]
    ok = sum(case.ok for case in cases)
    return [
        "## 3. Concurrent pairs (two `make run`s on one lake, separate DAGSTER_HOMEs, default lease TTL)",
        "",
        f"OK (both exit 0, one waited, lake identical, no .tmp): {ok}/{len(cases)}",
        "",
        *table(["#", "lake", "exit codes", "waited", "wall", "identical", "no .tmp", "ok", "errors"], rows),
        "",
    ]


def totals_line(inputs: list[InputCase], crashes: list[CrashCase], pairs: list[PairCase], seconds: float) -> str:
    counts = Counter(case.outcome for case in inputs)
    parts = []
    if inputs:
        parts.append(
            f"inputs tried {len(inputs)}: quarantined {counts[QUARANTINED]}, warned {counts[WARNED]}, "
            f"blocked with a clear message {counts[CLEAR]}, unclear {counts[UNCLEAR]}, "
            f"silently wrong {counts[SILENT]}, expected-ok {counts[OK]}"
        )
    if crashes:
        parts.append(f"crashes survived {sum(c.survived for c in crashes)}/{len(crashes)} (one of them the extra kill)")
    if pairs:
        parts.append(f"concurrent pairs OK {sum(p.ok for p in pairs)}/{len(pairs)}")
    return "**Totals**: " + "; ".join(parts) + f". Wall time {seconds / 60:.1f} min."


# =============================================================================================


def code_state() -> str:
    """The checkout's commit, and its uncommitted changes to the package, README.md or docs/."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = [
        line[3:] for line in git("status", "--porcelain", "--", "spotify_assets", "README.md", "docs").splitlines()
    ]
    uncommitted = f"uncommitted changes to {', '.join(changed)}" if changed else "no uncommitted changes"
    return f"commit {git('rev-parse', '--short', 'HEAD') or '?'}, {uncommitted}"


def snapshot_code(tmp: Path) -> str:
    """Copy the package (with its sample), README.md and scripts/dagster.yaml to `tmp` and import
    from there, in this process and in the runs it starts; returns the state of the checkout copied."""
    global CODE
    code = tmp / "code"
    for _ in range(3):  # again if a commit landed while copying
        before = code_state()
        shutil.rmtree(code, ignore_errors=True)
        shutil.copytree(ROOT / "spotify_assets", code / "spotify_assets", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "README.md", code / "README.md")
        (code / "scripts").mkdir()
        shutil.copy(ROOT / "scripts" / "dagster.yaml", code / "scripts" / "dagster.yaml")
        if code_state() == before:
            break
    if "spotify_assets" in sys.modules:
        raise RuntimeError("spotify_assets was imported before the snapshot")
    sys.path.insert(0, str(code))
    CODE = code
    return before


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--crashes", type=int, default=10, help="kill -9 cases (default and minimum 10)")
    parser.add_argument("--pairs", type=int, default=5, help="concurrent pairs (default and minimum 5)")
    parser.add_argument("--parts", default="123", help="which parts to run, e.g. 1 or 23 (default 123)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore")  # Dagster's beta and preview warnings
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="hostile-"))
    measured = snapshot_code(tmp)
    inputs, crashes, pairs, sections = [], [], [], []
    try:
        if "1" in args.parts:
            print("part 1: broken inputs", file=sys.stderr)
            inputs = part_inputs(tmp / "inputs")
            sections += inputs_section(inputs, tmp)
        if "2" in args.parts or "3" in args.parts:
            print("the reference build", file=sys.stderr)
            ref = build_reference(tmp)
        if "2" in args.parts:
            print("part 2: crashes", file=sys.stderr)
            crashes = part_crashes(ref, tmp, args.crashes)
            sections += crashes_section(crashes, ref)
        if "3" in args.parts:
            print("part 3: concurrent pairs", file=sys.stderr)
            pairs = part_pairs(ref, tmp, args.pairs)
            sections += pairs_section(pairs)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    text = "\n".join(
        [
            "# Hostile inputs, crashes and concurrent runs",
            "",
            f"Measured on a snapshot of the checkout taken at the start: {measured}."
            + ("" if code_state() == measured else f" (The checkout has changed since: now {code_state()}.)"),
            "",
            *sections,
            totals_line(inputs, crashes, pairs, time.monotonic() - started),
            "",
        ]
    )
    print(text)
    OUT.mkdir(exist_ok=True)
    (OUT / "hostile.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
