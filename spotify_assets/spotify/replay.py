"""The replay source: recorded `GET /v1/playlists/{id}` responses on disk (docs/data-contract.md).

Layout: `<root>/<week>/<playlist_id>.json` or `.json.gz`, one playlist object per file (or a JSON
list holding exactly one, as the real 2024 responses are stored), in the legacy shape
(`tracks`/`track`) or the 2026 shape (`items`/`item`), with every item embedded (`next: null`).
"""

import gzip
import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from spotify_assets.lake.snapshots import PlaylistSnapshot
from spotify_assets.spotify.errors import (
    PlaylistNotFoundError,
    SnapshotFormatError,
    WeekNotAvailableError,
)
from spotify_assets.spotify.ids import PLAYLIST_ID, parse_playlist_ids

SUFFIXES = (".json.gz", ".json")


def _week_start(name: str) -> date | None:
    """The Monday a folder name stands for, or None when it is not a week key."""
    try:
        day = date.fromisoformat(name)
    except ValueError:
        return None
    return day if day.weekday() == 0 and name == day.isoformat() else None


def _misnamed_week(name: str) -> str | None:
    """Why a folder named like a date is not a week folder, or None (a week key, or not a date)."""
    try:
        day = date.fromisoformat(name)
    except ValueError:
        return None
    monday = (day - timedelta(days=day.weekday())).isoformat()
    if day.weekday() != 0:
        return (
            f"week folder {name} is a {day:%A}; weeks are keyed by their Monday ({monday}): rename it {monday}/ "
            "(or move it out of the replay directory)"
        )
    if name != day.isoformat():
        return f"week folder {name} is not written YYYY-MM-DD: rename it {day.isoformat()}/"
    return None


def _playlist_id_of(path: Path) -> str | None:
    for suffix in SUFFIXES:
        if path.name.endswith(suffix) and not path.name.startswith("."):
            return path.name[: -len(suffix)]
    return None


def _bad_file_name(path: Path, week: str) -> str:
    return (
        f"{path} (week {week}): the file name is not a playlist id: a replay file is named "
        "<playlist id>.json or .json.gz, the id being the 22 letters and digits Spotify gives it, as in "
        "SPOTIFY_PLAYLISTS (e.g. 3cEYpjA9oz9GiPac4AsH4n.json.gz). Name it after the playlist it holds, or move "
        "it out of the week folder"
    )


class ReplaySource:
    """Serves the playlists recorded under `root`, one folder per week, verbatim."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def weeks(self) -> list[str]:
        """Week keys (Mondays, YYYY-MM-DD) that have a folder; folders not named like a date are
        ignored. A folder named like a date that is not a week key (a Tuesday, 20260817) is an error
        naming it and its Monday, rather than a week silently skipped."""
        misnamed = self.misnamed_week_folders()
        if misnamed:
            raise WeekNotAvailableError(
                f"The replay directory {self.root} has {len(misnamed)} folder(s) that look like weeks but are "
                "not week keys:\n" + "\n".join(f"- {problem}" for problem in misnamed)
            )
        return self._week_keys()

    def _week_keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _week_start(p.name))

    def misnamed_week_folders(self) -> list[str]:
        """Each folder named like a date that is not a Monday week key, with what to rename it."""
        if not self.root.is_dir():
            return []
        found = (_misnamed_week(p.name) for p in sorted(self.root.iterdir()) if p.is_dir())
        return [problem for problem in found if problem]

    def fetch_week(
        self,
        week: str,
        playlist_ids: Sequence[str] | None = None,
        previous: Mapping[str, PlaylistSnapshot] | None = None,
    ) -> list[PlaylistSnapshot]:
        """Every playlist of `week` (or the ones asked for), sorted by id.

        Every file that makes up the answer is read and checked before anything is returned, and all
        problems are reported in one SnapshotFormatError, so a bad file never yields a partial week.
        `previous` is not needed: a replay always serves the recorded file.
        """
        folder = self._week_folder(week)
        files: dict[str, list[Path]] = {}
        bad_names = []
        for path in sorted(folder.iterdir()):
            playlist_id = _playlist_id_of(path)
            if playlist_id is not None and path.is_file():
                if not PLAYLIST_ID.fullmatch(playlist_id):
                    bad_names.append(_bad_file_name(path, week))
                    continue
                files.setdefault(playlist_id, []).append(path)
        _raise_all(
            bad_names,
            f"Replay week {week} has {len(bad_names)} files in {folder} whose names are not playlist ids; "
            "nothing of the week was read:",
        )
        if not files:
            raise WeekNotAvailableError(
                f"Replay week {week} has no snapshots: {folder} holds no <playlist_id>.json or .json.gz "
                "file. Record the playlists of that week there, or remove the empty folder."
            )
        if playlist_ids is not None:
            wanted = parse_playlist_ids(playlist_ids)
            missing = [p for p in wanted if p not in files]
            if missing:
                raise PlaylistNotFoundError(
                    f"Replay week {week} has no snapshot of playlist(s) {', '.join(missing)} in {folder}. "
                    f"Playlists recorded that week: {', '.join(sorted(files))}. Record the missing "
                    "playlist(s) there, or remove them from SPOTIFY_PLAYLISTS."
                )
            files = {p: files[p] for p in wanted}

        snapshots, problems = [], []
        # Replay is a rerun of the past: stamping the end of the week (not the wall clock) keeps the
        # raw zone byte-identical across reruns and backfills.
        extracted_at = datetime.combine(_week_start(week) + timedelta(days=7), time(), UTC)
        for playlist_id, paths in sorted(files.items()):
            if len(paths) > 1:
                problems.append(
                    f"{', '.join(map(str, paths))} (week {week}, playlist {playlist_id}): two snapshots of "
                    "the same playlist in one week; keep one of them"
                )
                continue
            try:
                playlist, items = self._read(paths[0], week, playlist_id)
            except SnapshotFormatError as error:
                problems.append(str(error))
                continue
            source = paths[0].relative_to(self.root).as_posix()
            snapshots.append(PlaylistSnapshot(playlist_id, playlist, items, extracted_at, source))
        _raise_all(
            problems,
            f"Replay week {week} has {len(problems)} bad snapshot files in {folder}; nothing of the "
            "week was read. Fix or re-record each one:",
        )
        return snapshots

    def _week_folder(self, week: str) -> Path:
        if _week_start(week) is None:
            raise WeekNotAvailableError(
                f"{week!r} is not a week key: weeks are keyed by their Monday, YYYY-MM-DD (UTC)."
            )
        folder = self.root / week
        if folder.is_dir():
            return folder
        if not self.root.is_dir():
            raise WeekNotAvailableError(
                f"No replay snapshots for week {week}: the replay directory {self.root} does not exist. "
                "Set SPOTIFY_REPLAY_DIR to a directory of <week>/<playlist_id>.json[.gz] files."
            )
        weeks = self._week_keys()
        if weeks:
            known = f"{self.root} has {len(weeks)} recorded week(s), {weeks[0]} to {weeks[-1]}"
        else:
            known = f"{self.root} has no week folders (YYYY-MM-DD, a Monday)"
        misnamed = self.misnamed_week_folders()
        if misnamed:
            known += "; " + "; ".join(misnamed)
        raise WeekNotAvailableError(
            f"No replay snapshots for week {week}: searched {folder}, which does not exist; {known}. "
            "Materialize a recorded week, or record this one there."
        )

    @staticmethod
    def _read(path: Path, week: str, playlist_id: str) -> tuple[dict[str, Any], list[Any]]:
        """The playlist object without its items, and the items; SnapshotFormatError naming the file."""

        def bad(problem: str, fix: str = "re-record it as a GET /v1/playlists/{id} response") -> SnapshotFormatError:
            return SnapshotFormatError(f"{path} (week {week}, playlist {playlist_id}): {problem}; {fix}")

        try:
            raw = path.read_bytes()
            if path.name.endswith(".gz"):
                raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise bad(f"is not a complete gzip file (truncated or corrupt: {error})") from None
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise bad(f"is not valid JSON ({error})") from None
        except RecursionError:
            raise bad("nests JSON deeper than Python's parser can read (no playlist response does)") from None
        if isinstance(document, list):
            if len(document) != 1:
                raise bad(
                    f"holds a JSON list of {len(document)} elements, not one playlist",
                    "store one playlist object per file (or a list of exactly one)",
                )
            document = document[0]
        if not isinstance(document, dict) or document.get("type", "playlist") != "playlist":
            kind = type(document).__name__ if not isinstance(document, dict) else f"{document.get('type')!r} object"
            raise bad(f"holds a JSON {kind}, not a playlist object")
        if "id" not in document:
            raise bad("has no playlist `id`, so it is not a GET /v1/playlists/{id} response")
        if document["id"] != playlist_id:
            raise bad(
                f"holds playlist {document.get('id')!r}, not the playlist its file name says",
                f"name the file <playlist id>{'.json.gz' if path.name.endswith('.gz') else '.json'}",
            )
        # 2026 shape first: during the migration a response may carry both keys.
        key = next((k for k in ("items", "tracks") if isinstance(document.get(k), dict)), None)
        if key is None:
            raise bad("has no `tracks` (legacy) or `items` (2026) paging object")
        paging = document[key]
        items = paging.get("items")
        if not isinstance(items, list):
            raise bad(f"its `{key}` paging object has no `items` list")
        if paging.get("next") is not None:
            raise bad(
                f"its `{key}` paging object holds {len(items)} of {paging.get('total')} items and "
                f"has next = {paging['next']!r}",
                "record the full playlist: follow `next` and embed every item with next null",
            )
        not_objects = [i for i, item in enumerate(items) if not isinstance(item, dict)]
        if not_objects:
            raise bad(f"entry {not_objects[0]} of `{key}.items` is not an object")
        playlist = dict(document)
        playlist[key] = {k: v for k, v in paging.items() if k != "items"}
        return playlist, items


def _raise_all(problems: list[str], heading: str) -> None:
    """Raise one SnapshotFormatError for every problem found: a single one as it is, several as a
    list under `heading`."""
    if len(problems) == 1:
        raise SnapshotFormatError(problems[0])
    if problems:
        raise SnapshotFormatError(heading + "\n" + "\n".join(f"- {problem}" for problem in problems))
