"""Scale data for the benchmarks: P playlists x N items x W weeks, as a replay directory (docs/data-contract.md).

Items are shaped like real `GET /v1/playlists/{id}` responses: the legacy shape (`tracks`/`track`)
carries `popularity` and the ~180-market `available_markets` lists of the real 2024 responses (about
4 KB of compact JSON per item), the 2026 shape (`items`/`item`) has neither (about 2 KB). A few
items per 250 are a removed track (null), a local file or a podcast episode, as in real playlists.

Playlists overlap: the catalog has about P*N/4 tracks, so a track sits on about four playlists, three
tracks share an album and artists appear on many albums. Each week a playlist's window of the catalog
slides by a few tracks, so weeks differ. Everything is derived from the indices: two runs give the
same bytes, and JSON is rendered from cached per-track strings, so a week of 200,000 items takes
seconds, not minutes.

Usage: `.venv/bin/python -m bench.scale_data OUT_DIR --playlists 3 --items 100 --weeks 52 [--shape both]`
"""

from __future__ import annotations

import argparse
import base64
import functools
import gzip
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from spotify_assets.lake.schemas import RAW_PLAYLIST

API = "https://api.spotify.com/v1"
WEB = "https://open.spotify.com"
_B64_TO_B62 = str.maketrans("+/=", "xyz")
SHAPES = ("legacy", "2026", "both")
# The 183 markets of the real 2024 responses (spotify_assets_tests/fixtures/real_responses), in their order.
MARKETS = (
    "AR AU AT BE BO BR BG CA CL CO CR CY CZ DK DO DE EC EE SV FI FR GR GT HN HK HU IS IE IT LV LT LU MY MT "
    "MX NL NZ NI NO PA PY PE PH PL PT SG SK ES SE CH TW TR UY US GB AD LI MC ID JP TH VN RO IL ZA SA AE BH "
    "QA OM KW EG MA DZ TN LB JO PS IN KZ MD UA AL BA HR ME MK RS SI KR BD PK LK GH KE NG TZ UG AG AM BS BB "
    "BZ BT BW BF CV CW DM FJ GM GE GD GW GY HT JM KI LS LR MW MV ML MH FM NA NR NE PW PG WS SM ST SN SC SL "
    "SB KN LC VC SR TL TO TT TV VU AZ BN BI KH CM TD KM GQ SZ GA GN KG LA MO MR MN NP RW TG UZ ZW BJ MG MU "
    "MZ AO CI DJ ZM CD CG IQ LY TJ VE ET XK"
).split()
# Per 250 positions (0-based index % 250): entries that are not songs.
NULL_AT, LOCAL_AT, EPISODE_AT = 117, 61, 89
ITEMS_PLACEHOLDER = "\x00items\x00"
# spliced into rendered JSON in place of this placeholder: rendering 366 strings per item is slow
MARKETS_PLACEHOLDER = "\x00markets\x00"


def dumps(value) -> str:
    """Compact JSON, as the raw zone stores it (raw_records._dumps)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@functools.cache
def spotify_id(kind: str, n: int) -> str:
    """A stable 22-character base62 id."""
    digest = hashlib.blake2b(f"{kind}:{n}".encode(), digest_size=18).digest()
    return base64.b64encode(digest).decode().translate(_B64_TO_B62)[:22]


def week_keys(first_week: str, weeks: int) -> list[str]:
    start = date.fromisoformat(first_week)
    if start.weekday() != 0:
        raise ValueError(f"first week {first_week!r} is not a Monday")
    return [(start + timedelta(weeks=w)).isoformat() for w in range(weeks)]


@dataclass(frozen=True)
class Scale:
    playlists: int
    items: int
    weeks: int
    shape: str = "both"  # "legacy", "2026" or "both" (even playlists legacy, odd ones 2026)
    first_week: str = "2025-01-06"

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape must be one of {SHAPES}, not {self.shape!r}")

    @property
    def week_keys(self) -> list[str]:
        return week_keys(self.first_week, self.weeks)

    @property
    def tracks(self) -> int:
        return max(self.items, self.playlists * self.items // 4)

    @property
    def albums(self) -> int:
        return max(1, (self.tracks + 2) // 3)

    @property
    def artists(self) -> int:
        return max(10, self.tracks // 10)

    def is_legacy(self, p: int) -> bool:
        return self.shape == "legacy" or (self.shape == "both" and p % 2 == 0)

    def playlist_ids(self) -> list[str]:
        return [spotify_id("playlist", p) for p in range(self.playlists)]

    def track_index(self, p: int, w: int, i: int) -> int:
        return (p * 1009 + w * 5 + i) % self.tracks

    @staticmethod
    def kind(i: int) -> str:
        return {NULL_AT: "null", LOCAL_AT: "local", EPISODE_AT: "episode"}.get(i % 250, "track")

    def songs_per_playlist(self) -> int:
        """Items that are songs (not null, local or episode) in one playlist-week."""
        return sum(self.kind(i) == "track" for i in range(self.items))


def _user(uid: str, name: str | None = None) -> dict:
    obj = {"display_name": name} if name else {}
    obj.update(
        external_urls={"spotify": f"{WEB}/user/{uid}"},
        href=f"{API}/users/{uid}",
        id=uid,
        type="user",
        uri=f"spotify:user:{uid}",
    )
    return obj


def _artist(n: int) -> dict:
    aid = spotify_id("artist", n)
    name = f"Artist {n}" if n % 9 else f"Artista Ñ {n}"
    return {
        "external_urls": {"spotify": f"{WEB}/artist/{aid}"},
        "href": f"{API}/artists/{aid}",
        "id": aid,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{aid}",
    }


def _images(key: str) -> list[dict]:
    h = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return [
        {"url": f"https://i.scdn.co/image/ab67616d0000{p}{h}", "width": s, "height": s}
        for p, s in (("b273", 640), ("1e02", 300), ("4851", 64))
    ]


_MARKETS_TOKEN, _MARKETS_JSON = dumps(MARKETS_PLACEHOLDER), dumps(MARKETS)


class _Catalog:
    """JSON text of tracks, rendered once per (track, shape)."""

    def __init__(self, scale: Scale):
        self.scale = scale
        self._cache: dict[tuple[int, bool], str] = {}

    def album(self, a: int, legacy: bool) -> dict:
        alid = spotify_id("album", a)
        precision = ("year", "month", "day", "day", "day")[a % 5]
        year = 1960 + a % 66
        release = {"year": str(year), "month": f"{year}-{1 + a % 12:02d}"}.get(
            precision, f"{year}-{1 + a % 12:02d}-{1 + a % 28:02d}"
        )
        body = {
            "type": "album",
            "album_type": ("album", "single", "compilation")[a % 3 if a % 7 else 0],
            "href": f"{API}/albums/{alid}",
            "id": alid,
            "images": _images(alid),
            "name": f"Album {a}",
            "release_date": release,
            "release_date_precision": precision,
            "uri": f"spotify:album:{alid}",
            "artists": [_artist(a % self.scale.artists)],
            "external_urls": {"spotify": f"{WEB}/album/{alid}"},
            "total_tracks": 1 + a % 18,
        }
        return {"available_markets": MARKETS_PLACEHOLDER, **body} if legacy else body

    def track(self, t: int, legacy: bool) -> str:
        key = (t, legacy)
        text = self._cache.get(key)
        if text is None:
            text = dumps(self._track(t, legacy)).replace(_MARKETS_TOKEN, _MARKETS_JSON)
            self._cache[key] = text
        return text

    def _track(self, t: int, legacy: bool) -> dict:
        scale = self.scale
        tid = spotify_id("track", t)
        album = t // 3
        artists = [_artist(album % scale.artists)]
        if t % 4 == 0:  # a featured artist
            artists.append(_artist((t * 7 + 3) % scale.artists))
        common = {
            "album": self.album(album, legacy),
            "artists": artists,
            "disc_number": 1,
            "track_number": 1 + t % 3,
            "duration_ms": 120_000 + (t * 7919) % 240_000,
            "explicit": t % 3 == 0,
            "external_ids": {"isrc": f"QZ{t:010d}"},
            "external_urls": {"spotify": f"{WEB}/track/{tid}"},
            "href": f"{API}/tracks/{tid}",
            "id": tid,
            "name": f"Song {t}" if t % 7 else f"Canción {t} (feat. Zoë)",
        }
        if legacy:  # key order of the real 2024 responses
            return {
                "preview_url": None,
                "available_markets": MARKETS_PLACEHOLDER,
                "explicit": common.pop("explicit"),
                "type": "track",
                "episode": False,
                "track": True,
                **common,
                "popularity": t % 101,
                "uri": f"spotify:track:{tid}",
                "is_local": False,
            }
        return {**common, "is_local": False, "type": "track", "uri": f"spotify:track:{tid}"}


def _local(i: int) -> dict:
    return {
        "album": {
            "album_type": None,
            "artists": [],
            "external_urls": {},
            "href": None,
            "id": None,
            "images": [],
            "name": "Basement Demos",
            "release_date": None,
            "release_date_precision": None,
            "type": "album",
            "uri": None,
        },
        "artists": [
            {"external_urls": {}, "href": None, "id": None, "name": "Tape Hiss", "type": "artist", "uri": None}
        ],
        "disc_number": 0,
        "duration_ms": 180_000 + i,
        "explicit": False,
        "external_ids": {},
        "external_urls": {},
        "href": None,
        "id": None,
        "is_local": True,
        "name": f"Demo {i}",
        "track_number": 0,
        "type": "track",
        "uri": f"spotify:local:Tape+Hiss:Basement+Demos:Demo+{i}:180",
    }


def _episode(i: int) -> dict:
    eid = spotify_id("episode", i)
    return {
        "description": "A conversation.",
        "duration_ms": 1_800_000,
        "explicit": False,
        "external_urls": {"spotify": f"{WEB}/episode/{eid}"},
        "href": f"{API}/episodes/{eid}",
        "id": eid,
        "is_local": False,
        "name": f"Episode {i}",
        "release_date": "2024-07-30",
        "release_date_precision": "day",
        "show": {"id": spotify_id("show", 1), "name": "A show"},
        "type": "episode",
        "uri": f"spotify:episode:{eid}",
    }


@functools.lru_cache(maxsize=4)
def _added_at(week: str, n: int) -> tuple[str, ...]:
    monday = datetime.fromisoformat(week)
    return tuple((monday - timedelta(hours=7 * i + 3)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(n))


class Generator:
    """Renders the playlists of a `Scale`, week by week."""

    def __init__(self, scale: Scale):
        self.scale = scale
        self.catalog = _Catalog(scale)

    def _entries(self, p: int, w: int, week: str) -> list[str]:
        scale, legacy = self.scale, self.scale.is_legacy(p)
        owner = dumps(_user(f"owner{p}"))
        entries = []
        for i, added in enumerate(_added_at(week, scale.items)):
            kind = scale.kind(i)
            if kind == "track":
                obj = self.catalog.track(scale.track_index(p, w, i), legacy)
            elif kind == "null":
                obj = "null"
            else:
                obj = dumps(_local(i) if kind == "local" else _episode(i))
            is_local = "true" if kind == "local" else "false"
            if legacy:
                entries.append(
                    f'{{"added_at":"{added}","added_by":{owner},"is_local":{is_local},'
                    f'"primary_color":null,"track":{obj},"video_thumbnail":{{"url":null}}}}'
                )
            else:
                entries.append(f'{{"added_at":"{added}","added_by":{owner},"is_local":{is_local},"item":{obj}}}')
        return entries

    def _metadata(self, p: int, w: int) -> dict:
        """The playlist object with a placeholder where the items go."""
        scale = self.scale
        pid = spotify_id("playlist", p)
        key = "tracks" if scale.is_legacy(p) else "items"
        paging = {
            "href": f"{API}/playlists/{pid}/{key}?offset=0&limit=100",
            "items": ITEMS_PLACEHOLDER,
            "limit": 100,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": scale.items,
        }
        snapshot = hashlib.blake2b(f"{p}:{w}".encode(), digest_size=24).hexdigest()
        return {
            "collaborative": False,
            "description": f"Benchmark playlist {p}",
            "external_urls": {"spotify": f"{WEB}/playlist/{pid}"},
            "followers": {"href": None, "total": 1000 + p * 7 + w},
            "href": f"{API}/playlists/{pid}",
            "id": pid,
            "images": _images(pid),
            "name": f"Bench {p}",
            "owner": _user(f"owner{p}", f"Owner {p}"),
            "primary_color": None,
            "public": True,
            "snapshot_id": snapshot,
            key: paging,
            "type": "playlist",
            "uri": f"spotify:playlist:{pid}",
        }

    def document(self, p: int, w: int) -> str:
        """The `GET /v1/playlists/{id}` response of playlist `p` in week index `w`, every item embedded."""
        week = self.scale.week_keys[w]
        items = "[" + ",".join(self._entries(p, w, week)) + "]"
        return dumps(self._metadata(p, w)).replace(dumps(ITEMS_PLACEHOLDER), items, 1)

    def raw_week(self, w: int, compress: bool = False) -> pa.Table:
        """The `raw_playlist` rows of week index `w`, exactly as `raw_table(ReplaySource(dir).fetch_week(...))`
        gives them for the directory `write` made, without parsing the JSON back (for big weeks)."""
        scale = self.scale
        week = scale.week_keys[w]
        extracted_at = datetime.fromisoformat(week).replace(tzinfo=UTC) + timedelta(days=7)
        columns: dict[str, list] = {name: [] for name in RAW_PLAYLIST.names}
        for p in sorted(range(scale.playlists), key=lambda p: spotify_id("playlist", p)):
            pid = spotify_id("playlist", p)
            metadata = self._metadata(p, w)
            key = "tracks" if scale.is_legacy(p) else "items"
            metadata[key] = {k: v for k, v in metadata[key].items() if k != "items"}
            entries = self._entries(p, w, week)
            n = len(entries)
            columns["playlist_id"] += [pid] * n
            columns["snapshot_id"] += [metadata["snapshot_id"]] * n
            columns["extracted_at"] += [extracted_at] * n
            columns["position"] += list(range(1, n + 1))
            columns["item_json"] += entries
            columns["playlist_json"] += [dumps(metadata)] * n
            columns["source"] += [f"{week}/{pid}.json" + (".gz" if compress else "")] * n
        return pa.Table.from_pydict(columns, schema=RAW_PLAYLIST)

    def write(self, out_dir: str | Path, compress: bool = False) -> Path:
        """Write the replay directory: `<out>/<week>/<playlist_id>.json` (or `.json.gz`, level 1)."""
        out = Path(out_dir)
        for w, week in enumerate(self.scale.week_keys):
            folder = out / week
            folder.mkdir(parents=True, exist_ok=True)
            for p in range(self.scale.playlists):
                data = self.document(p, w).encode()
                name = spotify_id("playlist", p) + (".json.gz" if compress else ".json")
                if compress:
                    data = gzip.compress(data, compresslevel=1, mtime=0)
                (folder / name).write_bytes(data)
        return out


def generate(out_dir: str | Path, scale: Scale, compress: bool = False) -> Path:
    """Write the replay directory of `scale` under `out_dir` and return it."""
    return Generator(scale).write(out_dir, compress)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--playlists", type=int, default=3)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--shape", choices=SHAPES, default="both")
    parser.add_argument("--first-week", default="2025-01-06")
    parser.add_argument("--gzip", action="store_true", help="write .json.gz (level 1) instead of .json")
    args = parser.parse_args(argv)
    scale = Scale(args.playlists, args.items, args.weeks, args.shape, args.first_week)
    started = time.perf_counter()
    out = generate(args.out_dir, scale, args.gzip)
    size = sum(f.stat().st_size for f in out.rglob("*.json*"))
    print(
        f"{out}: {scale.playlists} playlists x {scale.items} items x {scale.weeks} weeks ({scale.shape}), "
        f"{size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
