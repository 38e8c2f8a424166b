"""Generate the sample Spotify chart files shipped in `spotify_assets/sample_charts` (docs/data-contract.md,
Spotify Charts).

Three weekly regional charts (global, jp, br) of 50 entries for each of the 12 sample weeks
(2026-08-17 … 2026-11-02), as downloaded:
- weeks 1-4 in the older spotifycharts.com export (`regional-<region>-weekly-<FRIDAY>--<FRIDAY>.csv`,
  a note line, then `Position,Track Name,Artist,Streams,URL`), no BOM;
- weeks 5-12 from charts.spotify.com (`regional-<region>-weekly-<THURSDAY>.csv`, UTF-8 with a BOM,
  `rank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams`).
The `jp` files have CRLF line ends, the others LF. Most entries are songs of the sample playlists
(`spotify_assets/sample_data`, so the join to `songs` shows something); the rest are invented songs
whose names hold commas and quotes. Streams, ranks, peaks, previous ranks and weeks on chart come
from one simulation per chart, so they agree week to week.

Deterministic: a fixed seed, ids hashed from names; two runs give byte-identical files.
Usage: `.venv/bin/python scripts/generate_sample_charts.py [--out DIR]`.
"""

import argparse
import hashlib
import random
from datetime import date, timedelta
from pathlib import Path

from spotify_assets.charts import csv_files
from spotify_assets.spotify.replay import ReplaySource

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "spotify_assets" / "sample_charts"
SAMPLE_DATA = ROOT / "spotify_assets" / "sample_data"
SEED = 20260820
REGIONS = {"global": 4_000_000, "jp": 900_000, "br": 1_300_000}  # streams of a typical number 1
ENTRIES = 50
OLD_FORMAT_WEEKS = 4
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
LABELS = ["Nocturne Records", "Pulse Music, Inc.", 'Estúdio "Verão"', "Kaze Label", "Independent"]
# invented chart songs: (name, artists as the chart writes them)
INVENTED = [
    ('Say "Hello" (feat. Mina)', "Earth, Wind & Sunrise, Mina"),
    ("Lights, Camera, Love", "The Comma Club"),
    ('"Quoted" Heart', 'DJ "Big" Ray'),
    ("Samba, Saudade", "Banda Verão, Lua Nova"),
    ("夜明け、東京", "Yūna Takahashi, 東京ノイズ"),
    ("Hello, Goodbye, Hello", "Tyler Onyx, The Unnamed"),
    ("Don't Stop (Remix)", 'Kaito, Marina "M" Alves'),
    ("Rio, 3 AM", "Lua Nova"),
    ('Café "Nocturne"', "Renée Valdés"),
    ("Sakura, Again", "Kenji Aoyama"),
    ("Uno, Dos, Tres", "Los Tres, Sigrún Ós"),
    ("Northern, Lights", "Hvítur Fjörður"),
]


def b62_id(text: str) -> str:
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    return "".join(B62[(digest >> (6 * i)) % 62] for i in range(22))


def sample_songs() -> list[tuple[str, str, str]]:
    """(track id, name, artist names) of every track of the sample playlists, in a fixed order."""
    source = ReplaySource(str(SAMPLE_DATA))
    seen: dict[str, tuple[str, str, str]] = {}
    for week in source.weeks():
        for snapshot in source.fetch_week(week, None, None):
            for item in snapshot.items:
                track = item.get("item") or item.get("track")
                if not track or not track.get("id") or track.get("type") == "episode" or track.get("is_local"):
                    continue
                names = ", ".join(artist["name"] for artist in track.get("artists") or [])
                seen.setdefault(track["id"], (track["id"], track["name"], names))
    return [seen[key] for key in sorted(seen)]


def chart_weeks() -> list[date]:
    """The Thursday of each sample week (its Monday + 3 days)."""
    return [date.fromisoformat(week) + timedelta(days=3) for week in ReplaySource(str(SAMPLE_DATA)).weeks()]


def simulate(
    region: str, songs: list[tuple[str, str, str]], thursdays: list[date], rng: random.Random
) -> list[list[dict]]:
    """One chart per week: the top ENTRIES songs by a score that drifts week to week."""
    pool = rng.sample(songs, min(len(songs), 70)) + [(b62_id(f"{region}:{n}"), n, a) for n, a in INVENTED]
    score = {song[0]: rng.lognormvariate(0, 0.6) for song in pool}
    label = {song[0]: rng.choice(LABELS) for song in pool}
    peak: dict[str, int] = {}
    weeks_on: dict[str, int] = {}
    previous: dict[str, int] = {}
    charts = []
    for _ in thursdays:
        for key in score:
            score[key] *= rng.lognormvariate(0, 0.25)
        top = sorted(pool, key=lambda song: -score[song[0]])[:ENTRIES]
        entries, ranks = [], {}
        streams_above = None
        for rank, (song_id, name, artists) in enumerate(top, start=1):
            streams = int(REGIONS[region] * score[song_id] / max(score[s[0]] for s in top))
            streams = streams if streams_above is None else min(streams, streams_above)
            streams_above = streams
            peak[song_id] = min(peak.get(song_id, rank), rank)
            weeks_on[song_id] = weeks_on.get(song_id, 0) + 1
            ranks[song_id] = rank
            entries.append(
                {
                    "rank": rank,
                    "song_id": song_id,
                    "song_name": name,
                    "artist_names": artists,
                    "label": label[song_id],
                    "peak_rank": peak[song_id],
                    "previous_rank": previous.get(song_id, -1),
                    "weeks_on_chart": weeks_on[song_id],
                    "streams": streams,
                }
            )
        previous = ranks
        charts.append(entries)
    return charts


def render(entries: list[dict], old_format: bool, crlf: bool) -> bytes:
    return (csv_files.old_format if old_format else csv_files.new_format)(entries, crlf=crlf)


def file_name(region: str, thursday: date, old_format: bool) -> str:
    if old_format:
        friday = thursday - timedelta(days=6)
        return f"regional-{region}-weekly-{friday}--{friday + timedelta(days=7)}.csv"
    return f"regional-{region}-weekly-{thursday}.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.csv"):
        old.unlink()
    songs, thursdays = sample_songs(), chart_weeks()
    rng = random.Random(SEED)
    for region in REGIONS:
        for index, (thursday, entries) in enumerate(
            zip(thursdays, simulate(region, songs, thursdays, rng), strict=True)
        ):
            old_format = index < OLD_FORMAT_WEEKS
            path = out / file_name(region, thursday, old_format)
            path.write_bytes(render(entries, old_format, crlf=region == "jp"))
    print(f"wrote {len(REGIONS) * len(thursdays)} chart files to {out}")


if __name__ == "__main__":
    main()
