"""Generate the sample replay data shipped in `spotify_assets/sample_data` (docs/data-contract.md).

Three invented, user-owned playlists over 12 weeks (Mondays 2026-08-17 … 2026-11-02), one
`GET /v1/playlists/{id}` response per playlist and week, every item embedded (`next: null`):

- "Late Night Drive": legacy shape (`tracks`/`track`, `popularity`, `available_markets`), 50 items;
- "Global Pulse 150": 2026 shape (`items`/`item`), 150 items, a weekly chart;
- "Mañana Sessions": 2026 shape that still sends the deprecated `track` beside `item`, 40 items.

Each playlist is a chart: every song has a score doing a random walk with momentum, new releases
enter with an upward push, a few dropped songs are revived, and the top N fill the playlist. The
edge cases of docs/data-contract.md sit at fixed positions (see `LAYOUTS` and sample_data/README.md).

Deterministic: a fixed seed, ids hashed from names, gzip with mtime 0 and no file name, so two
runs give byte-identical files. Usage: `.venv/bin/python scripts/generate_sample_data.py [--out DIR]`.
"""

import argparse
import base64
import gzip
import hashlib
import io
import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote_plus

SEED = 20260817
FIRST_WEEK = date(2026, 8, 17)
N_WEEKS = 12
WEEKS = [FIRST_WEEK + timedelta(weeks=i) for i in range(N_WEEKS)]
WEEK0 = datetime(FIRST_WEEK.year, FIRST_WEEK.month, FIRST_WEEK.day, tzinfo=UTC)
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "spotify_assets" / "sample_data"
API = "https://api.spotify.com/v1"
WEB = "https://open.spotify.com"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MOSAIC = "https://image-cdn-ak.spotifycdn.com/image/ab67706c0000da84"
MARKETS = "AR AT AU BE BR CA CH DE DK ES FI FR GB IS IT JP KR MX NL NO PT SE US".split()

ARTIST_NAMES = [
    "Renée Valdés",
    "Hvítur Fjörður",
    "Mötörgrånd",
    "Sigrún Ós",
    "Kenji Aoyama",
    "Yūna Takahashi",
    "東京ノイズ",
    "Zoë Marchetti",
    "DJ Ñandú",
    "Los Años Dorados",
    "Façade Nord",
    "The Quiet Harbors",
    "Marlow & The Tides",
    "Aiyana Storm",
    "Kofi Mensah",
    "Lila Øvergaard",
    "Nova Kaisu",
    "Jae-won Park",
    "서울 사운드",
    "Ямщик",
    "Léa Fontaine",
    "Ciarán Ó Dúill",
    "Tomás Abreu",
    "Anaïs Duval",
    "Selin Yıldız",
    "Gosia Wróbel",
    "Priya Raman",
    "The Velvet Aftermath",
    "Coastline Ghosts",
    "Paper Lanterns",
    "MC Estrela",
    "Yung Saturn",
    "Lil Kumo",
    "Astra Vey",
    "Dani Ferrer",
    "Otto Brandt",
    "Mika Järvinen",
    "Hana Kobayashi",
    "Chloé Arnaud",
    "Belén Ríos",
    "Joaquín Sol",
    "Ama Owusu",
    "Théo Marchand",
    "Neon Fjäll",
    "Kaia Reyes",
    "Rio Moreau",
    "Sasha Volkova",
    "Orchid Static",
    "Midnight Cartel",
    "Inês Carvalho",
    "Bruno Salazar",
    "Élodie & Kai",
    "Sunday Paraders",
    "Valentina Cruz",
    "Arlo Finch",
    "Beyoncía",
]
SPECIAL_TITLES = [
    "Mañana",
    "東京",
    "Café de Medianoche",
    "Über den Wolken",
    "Ça va aller",
    "Señorita Luna",
    "夜明けの街",
    "Сердце",
    "Déjà Vu",
    "Naïve",
    "Corazón Eléctrico",
    "Noite de Verão",
    "Rosé Summer",
    "Sommarnatt",
    "Lágrimas",
    "Hjärtat",
    "잘 자요",
    "Ölüdeniz",
    "Fjörd",
    "Crème Brûlée",
]
ADJECTIVES = (
    "Golden Electric Silent Neon Broken Paper Velvet Midnight Summer Lonely Wild Crystal Faded "
    "Burning Slow Holy Lucky Cold Sweet Hollow Little Bright Blue Savage Tender Violet Distant Secret "
    "Open Heavy Quiet Sacred Endless"
).split()
NOUNS = (
    "Hearts Skyline Mirror Fever Ocean Signal Rain Machine Garden Satellite Letters Motel Horizon "
    "Echo Diamonds Highway Lights Storm Pulse Parade Gravity Roses Static Waves Dreams Thunder Ashes "
    "Harbor Comets Cities Shadows Wires"
).split()
ALBUM_WORDS = "Chapters Nocturnes Polaroids Weather Atlas Souvenirs Ghosts Fragments Tapes Bloom".split()


def spotify_id(kind: str, key: str) -> str:
    """A stable 22-character base62 id hashed from a kind and a natural key."""
    n = int.from_bytes(hashlib.sha256(f"{kind}:{key}".encode()).digest(), "big")
    out = []
    for _ in range(22):
        n, r = divmod(n, 62)
        out.append(B62[r])
    return "".join(out)


def user_id(name: str) -> str:
    """A 28-character id like the ones Spotify gives accounts created since ~2018."""
    digest = hashlib.sha256(f"user:{name}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:28]


def hexhash(key: str, n: int = 24) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:n]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class Artist:
    id: str
    name: str


@dataclass(frozen=True)
class Album:
    id: str
    name: str
    album_type: str
    artists: tuple[Artist, ...]
    release: date
    precision: str
    total_tracks: int
    markets: tuple[str, ...]

    @property
    def release_date(self) -> str:
        return {"day": self.release.isoformat(), "month": self.release.strftime("%Y-%m")}.get(
            self.precision, str(self.release.year)
        )


@dataclass(frozen=True)
class Track:
    id: str
    name: str
    artists: tuple[Artist, ...]
    album: Album
    track_number: int
    duration_ms: int
    explicit: bool
    isrc: str
    isrc_in_2026: bool  # the 2026 API omits `external_ids.isrc` on a few tracks
    base_popularity: int


def artist(name: str) -> Artist:
    return Artist(spotify_id("artist", name), name)


VARIOUS = artist("Various Artists")


class Catalog:
    """Invented artists, albums and tracks; the same entity always has the same id and name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.artists = [artist(n) for n in ARTIST_NAMES]
        self.tracks: list[Track] = []
        self._album_names: dict[Artist, set[str]] = {}
        self._titles = {"Golden Motel", "Norðurljós", "Savage Skyline", "東京"}
        self._title_pool = SPECIAL_TITLES + [f"{a} {n}" for a in ADJECTIVES for n in NOUNS]
        rng.shuffle(self._title_pool)
        for person in self.artists:
            for _ in range(rng.randint(3, 5)):
                self._album_of(person)
        back_to_98 = self._compilation("Back to '98", date(1998, 1, 1), "year", 40)
        self._compilation("Café Nocturne Vol. 7", date(2011, 3, 1), "month", 24)
        self._compilation("Verão Eterno: Hits 2026", date(2026, 6, 12), "day", 30)
        by = self.by_name
        # The staples: songs pinned at fixed positions so each edge case is in every week.
        ljosid = self._album("Ljósið", "album", (by("Hvítur Fjörður"),), date(2011, 3, 1), "month", 11)
        self.staple_month = self._track(ljosid, "Norðurljós", 3)
        self.staple_compilation = self._track(back_to_98, "Golden Motel", 7, (by("Mötörgrånd"),))
        # a featured guest listed first on the host's album: album artist != first track artist
        hollow = self._album("Hollow Atlas (Deluxe)", "album", (by("Astra Vey"),), date(2026, 2, 20), "day", 12)
        self.staple_feature = self._track(
            hollow, "Savage Skyline", 4, (by("Lil Kumo"), by("Astra Vey"), by("Kofi Mensah"))
        )
        tokyo = self._album("東京", "single", (by("Yūna Takahashi"),), date(2025, 11, 7), "day", 1)
        self.staple_cjk = self._track(tokyo, "東京", 1, (by("Yūna Takahashi"), by("東京ノイズ")))

    @property
    def staples(self) -> tuple[Track, ...]:
        return (self.staple_feature, self.staple_compilation, self.staple_month, self.staple_cjk)

    def by_name(self, name: str) -> Artist:
        return next(a for a in self.artists if a.name == name)

    def _album(self, name, album_type, artists, release, precision, total) -> Album:
        markets = tuple(sorted(self.rng.sample(MARKETS, self.rng.randint(4, 7))))
        key = f"{name}|{'|'.join(a.name for a in artists)}"
        return Album(spotify_id("album", key), name, album_type, artists, release, precision, total, markets)

    def _title(self) -> str:
        while True:
            title = self._title_pool.pop()
            if title not in self._titles:
                self._titles.add(title)
                return title

    def _track(self, album: Album, name: str, number: int, artists=None) -> Track:
        rng = self.rng
        artists = artists or album.artists
        shown = name if len(artists) == 1 else f"{name} (feat. {', '.join(a.name for a in artists[1:])})"
        key = f"{shown}|{album.id}"
        isrc = f"{rng.choice(['QZ', 'GB', 'US', 'SE', 'JP', 'BR', 'FR'])}{hexhash(key, 3).upper()}"
        isrc += f"{album.release.year % 100:02d}{rng.randint(0, 99999):05d}"
        track = Track(
            spotify_id("track", key),
            shown,
            tuple(artists),
            album,
            number,
            rng.randint(128_000, 292_000),
            rng.random() < 0.3,
            isrc,
            rng.random() > 0.08,
            rng.randint(25, 88),
        )
        self.tracks.append(track)
        return track

    def _album_of(self, person: Artist) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            release, precision = date(rng.randint(1984, 2004), 1, 1), "year"
        elif roll < 0.16:
            release, precision = date(rng.randint(2007, 2014), rng.randint(1, 12), 1), "month"
        elif roll < 0.55:
            release, precision = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1250)), "day"
        else:  # new releases during the sample weeks feed the charts' new entries
            release, precision = date(2026, 7, 10) + timedelta(days=rng.randint(0, 110)), "day"
        single = rng.random() < 0.4
        name = self._title() if single else f"{rng.choice(ADJECTIVES)} {rng.choice(ALBUM_WORDS)}"
        taken = self._album_names.setdefault(person, set())
        while not single and name in taken:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(ALBUM_WORDS)}"
        taken.add(name)
        album = self._album(
            name,
            "single" if single else "album",
            (person,),
            release,
            precision,
            rng.randint(1, 3) if single else rng.randint(8, 18),
        )
        picked = rng.sample(range(1, album.total_tracks + 1), min(album.total_tracks, rng.randint(1, 3)))
        for number in sorted(picked):
            title = name if single and number == 1 else self._title()
            artists = [person]
            if rng.random() < 0.3:
                guests = rng.sample([a for a in self.artists if a != person], rng.randint(1, 2))
                # some features put the guest first, on the host's album
                artists = guests[:1] + [person] + guests[1:] if rng.random() < 0.35 else [person, *guests]
            self._track(album, title, number, tuple(artists))

    def _compilation(self, name, release, precision, total) -> Album:
        album = self._album(name, "compilation", (VARIOUS,), release, precision, total)
        for number in sorted(self.rng.sample(range(1, total + 1), 5)):
            self._track(album, self._title(), number, (self.rng.choice(self.artists),))
        return album


# ------------------------------------------------------------------------------------------ charts


class Chart:
    """The songs of one playlist, ranked by a score that does a random walk with momentum.

    New releases (or back-catalogue sleepers) enter around the cut-off with an upward push, climb for
    a few weeks while the push fades, then drift down and leave; now and then a song that left weeks
    ago is revived (a viral comeback). A burn-in before the first week gives a mature mix of ages.
    """

    BURN_IN = 6
    KEEP = 0.6  # share of last week's momentum a song keeps
    FRESH_FROM = date(2026, 7, 1)

    def __init__(self, rng, tracks, slots, start, new_per_week, revive_chance, drift):
        self.rng, self.slots, self.new_per_week = rng, slots, new_per_week
        self.revive_chance, self.drift = revive_chance, drift
        self.tracks = {t.id: t for t in tracks}
        fresh = [t for t in tracks if t.album.release >= self.FRESH_FROM]
        self.queue = sorted(fresh, key=lambda t: (t.album.release, t.id))
        back = [t for t in tracks if t.album.release < self.FRESH_FROM]
        rng.shuffle(back)
        self.back = back[start:]
        # track id -> [score, momentum, the song's own drift: staying power]
        self.state = {t.id: [rng.uniform(0, 100), rng.gauss(-2, 3), self._drift()] for t in back[:start]}
        self.dropped: dict[str, tuple[int, int]] = {}  # track id -> (week it left, week its stint began)
        self.since: dict[str, int] = {}  # track id -> week index the current stint began
        self.ranking: list[Track] = []
        self._rank(-self.BURN_IN - 1)
        for w in range(-self.BURN_IN, 0):
            self.step(w)

    def step(self, w: int) -> list[Track]:
        """Advance to week index `w` (0 = the first sample week) and return the ranking."""
        rng = self.rng
        cutoff = self.state[self.ranking[-1].id][0]
        for value in self.state.values():
            value[1] = self.KEEP * value[1] + rng.gauss(value[2], 3.0)
            value[0] += value[1]
        week_end = FIRST_WEEK + timedelta(weeks=w, days=6)
        for _ in range(rng.randint(*self.new_per_week)):
            if self.queue and self.queue[0].album.release <= week_end:
                fresh = self.queue.pop(0)
            elif self.back:
                fresh = self.back.pop()
            else:
                continue
            self.state[fresh.id] = [cutoff + rng.uniform(-4, 16), rng.uniform(8, 16), self._drift()]
        # comebacks: songs that charted for 2+ weeks and left two to four weeks ago, recent hits first
        gone = sorted(
            (-start, k) for k, (left, start) in self.dropped.items() if 2 <= w - left <= 4 and left - start >= 2
        )
        gone = [k for _, k in gone[:3]]
        if gone and rng.random() < self.revive_chance:
            self.state[rng.choice(gone)] = [cutoff + rng.uniform(5, 25), rng.uniform(4, 10), self._drift()]
        return self._rank(w)

    def _drift(self) -> float:
        return self.drift + self.rng.gauss(0, 2.5)

    def _rank(self, w: int) -> list[Track]:
        ranked = sorted(self.state, key=lambda k: (-self.state[k][0], k))[: self.slots]
        kept = set(ranked)
        for k in list(self.state):
            if k in kept:
                self.dropped.pop(k, None)
                self.since.setdefault(k, w)
            elif k not in self.dropped:
                self.dropped[k] = (w, self.since.pop(k, w))
        assert len(ranked) == self.slots, "the chart ran out of songs: give it a bigger pool"
        floor = self.state[ranked[-1]][0] - 60
        long_gone = sorted((self.state[k][0], k) for k in self.state if self.state[k][0] < floor)
        long_gone = [k for _, k in long_gone]
        for k in long_gone[: max(0, len(self.state) - self.slots - 10)]:
            del self.state[k]  # only a revival brings it back
        self.ranking = [self.tracks[k] for k in ranked]
        return self.ranking


# ---------------------------------------------------------------------------------------- playlists


@dataclass(frozen=True)
class PlaylistSpec:
    key: str
    name: str
    description: str
    shape: str  # "legacy", "2026", "2026+track"
    size: int
    owner: tuple[str, str]  # (id, display name)
    collaborators: tuple[str, ...]
    followers: int
    public: bool
    collaborative: bool
    created: datetime

    @property
    def id(self) -> str:
        return spotify_id("playlist", self.key)


SPECS = [
    PlaylistSpec(
        "late-night-drive",
        "Late Night Drive",
        "Slow-burning songs for empty highways. Updated most Sundays.",
        "legacy",
        50,
        ("maralindqvist", "Mara Lindqvist"),
        (),
        1284,
        True,
        False,
        datetime(2025, 3, 14, 21, 7, 33, tzinfo=UTC),
    ),
    PlaylistSpec(
        "global-pulse-150",
        "Global Pulse 150",
        "The 150 songs the Pulse community played most this week. New chart every Friday.",
        "2026",
        150,
        (user_id("Pulse Charts"), "Pulse Charts"),
        (),
        48210,
        True,
        False,
        datetime(2024, 9, 6, 5, 0, 0, tzinfo=UTC),
    ),
    PlaylistSpec(
        "manana-sessions",
        "Mañana Sessions",
        "Música para el día siguiente — a shared playlist, add freely.",
        "2026+track",
        40,
        (user_id("Lucía Ferrán"), "Lucía Ferrán"),
        (user_id("Tomo Hayashi"), user_id("Ade Okafor")),
        312,
        False,
        True,
        datetime(2026, 1, 2, 18, 44, 10, tzinfo=UTC),
    ),
]

# Fixed positions (1-based) of the edge cases; chart songs fill every other position.
LAYOUTS = {
    "late-night-drive": {
        3: "staple_feature",
        5: "staple_compilation",
        9: "local",
        12: "staple_month",
        17: "null",
        24: "episode",
        33: "dup:3",
        41: "staple_cjk",
    },
    "global-pulse-150": {77: "null"},
    "manana-sessions": {4: "staple_cjk", 13: "null", 21: "local", 30: "episode", 36: "dup:4"},
}


def user_json(uid: str, display_name: str | None = None) -> dict:
    obj = {"display_name": display_name} if display_name else {}
    obj.update(
        external_urls={"spotify": f"{WEB}/user/{uid}"},
        href=f"{API}/users/{uid}",
        id=uid,
        type="user",
        uri=f"spotify:user:{uid}",
    )
    return obj


def artist_json(a: Artist) -> dict:
    return {
        "external_urls": {"spotify": f"{WEB}/artist/{a.id}"},
        "href": f"{API}/artists/{a.id}",
        "id": a.id,
        "name": a.name,
        "type": "artist",
        "uri": f"spotify:artist:{a.id}",
    }


def images_json(key: str) -> list[dict]:
    h = hexhash(key)
    sizes = (("b273", 640), ("1e02", 300), ("4851", 64))
    return [{"url": f"https://i.scdn.co/image/ab67616d0000{p}{h}", "width": s, "height": s} for p, s in sizes]


def album_json(album: Album, legacy: bool) -> dict:
    body = {
        "album_type": album.album_type,
        "artists": [artist_json(a) for a in album.artists],
        "external_urls": {"spotify": f"{WEB}/album/{album.id}"},
        "href": f"{API}/albums/{album.id}",
        "id": album.id,
        "images": images_json(album.id),
        "name": album.name,
        "release_date": album.release_date,
        "release_date_precision": album.precision,
        "total_tracks": album.total_tracks,
        "type": "album",
        "uri": f"spotify:album:{album.id}",
    }
    return {"available_markets": list(album.markets), **body} if legacy else body


def track_json(t: Track, legacy: bool, popularity: int) -> dict:
    if legacy:  # key order of the real 2024 responses
        return {
            "preview_url": None,
            "available_markets": list(t.album.markets),
            "explicit": t.explicit,
            "type": "track",
            "episode": False,
            "track": True,
            "album": album_json(t.album, True),
            "artists": [artist_json(a) for a in t.artists],
            "disc_number": 1,
            "track_number": t.track_number,
            "duration_ms": t.duration_ms,
            "external_ids": {"isrc": t.isrc},
            "external_urls": {"spotify": f"{WEB}/track/{t.id}"},
            "href": f"{API}/tracks/{t.id}",
            "id": t.id,
            "name": t.name,
            "popularity": popularity,
            "uri": f"spotify:track:{t.id}",
            "is_local": False,
        }
    return {
        "album": album_json(t.album, False),
        "artists": [artist_json(a) for a in t.artists],
        "disc_number": 1,
        "duration_ms": t.duration_ms,
        "explicit": t.explicit,
        "external_ids": {"isrc": t.isrc} if t.isrc_in_2026 else {},
        "external_urls": {"spotify": f"{WEB}/track/{t.id}"},
        "href": f"{API}/tracks/{t.id}",
        "id": t.id,
        "is_local": False,
        "name": t.name,
        "track_number": t.track_number,
        "type": "track",
        "uri": f"spotify:track:{t.id}",
    }


LOCAL_FILES = {
    "late-night-drive": ("Tape Hiss Collective", "Basement Demos", "Untitled #4 (Live at Home)", 203),
    "manana-sessions": ("Abuela Rosa", "Cassette de Familia", "Bolero para Mañana", 187),
}
EPISODES = {
    "late-night-drive": ("Liner Notes", "Liner Notes Media", "Ep. 112: Why night songs sound slower", 2_714_000),
    "manana-sessions": ("Café con Ritmo", "Ondas del Sur", "Episodio 48: La nueva cumbia", 1_845_000),
}


def local_json(key: str, legacy: bool) -> dict:
    who, album, title, seconds = LOCAL_FILES[key]
    uri = f"spotify:local:{quote_plus(who)}:{quote_plus(album)}:{quote_plus(title)}:{seconds}"
    obj = {
        "album": {
            "album_type": None,
            "artists": [],
            "external_urls": {},
            "href": None,
            "id": None,
            "images": [],
            "name": album,
            "release_date": None,
            "release_date_precision": None,
            "type": "album",
            "uri": None,
        },
        "artists": [{"external_urls": {}, "href": None, "id": None, "name": who, "type": "artist", "uri": None}],
        "disc_number": 0,
        "duration_ms": seconds * 1000,
        "explicit": False,
        "external_ids": {},
        "external_urls": {},
        "href": None,
        "id": None,
        "is_local": True,
        "name": title,
        "track_number": 0,
        "type": "track",
        "uri": uri,
    }
    if legacy:
        obj["album"]["available_markets"] = []
        obj.update(available_markets=[], popularity=0, preview_url=None)
    return obj


def episode_json(key: str, legacy: bool) -> dict:
    show, publisher, title, duration = EPISODES[key]
    sid, eid = spotify_id("show", show), spotify_id("episode", f"{show}|{title}")
    obj = {
        "description": f"{title}. A conversation from {show}.",
        "duration_ms": duration,
        "explicit": False,
        "external_urls": {"spotify": f"{WEB}/episode/{eid}"},
        "href": f"{API}/episodes/{eid}",
        "id": eid,
        "images": images_json(eid)[:1],
        "is_local": False,
        "name": title,
        "release_date": "2026-07-30",
        "release_date_precision": "day",
        "show": {
            "external_urls": {"spotify": f"{WEB}/show/{sid}"},
            "href": f"{API}/shows/{sid}",
            "id": sid,
            "name": show,
            "publisher": publisher,
            "total_episodes": 140,
            "type": "show",
            "uri": f"spotify:show:{sid}",
        },
        "type": "episode",
        "uri": f"spotify:episode:{eid}",
    }
    if legacy:
        obj.update(episode=True, track=False)
    return obj


def entry_json(spec: PlaylistSpec, obj: dict | None, added_at: str, added_by: str) -> dict:
    is_local = bool(obj and obj.get("is_local"))
    by = user_json(added_by)
    if spec.shape == "legacy":
        return {
            "added_at": added_at,
            "added_by": by,
            "is_local": is_local,
            "primary_color": None,
            "track": obj,
            "video_thumbnail": {"url": None},
        }
    entry = {"added_at": added_at, "added_by": by, "is_local": is_local, "item": obj}
    if spec.shape == "2026+track":  # the deprecated duplicate Spotify still sends while migrating
        entry["track"] = obj
    return entry


class PlaylistHistory:
    """One playlist across the weeks: its chart, edge cases, followers and snapshot ids."""

    def __init__(self, spec: PlaylistSpec, chart: Chart, catalog: Catalog, rng: random.Random, frozen_week=None):
        self.spec, self.chart, self.catalog, self.rng = spec, chart, catalog, rng
        self.layout = LAYOUTS[spec.key]
        self.frozen_week = frozen_week  # the curator skipped a week: same content, same snapshot_id
        self.followers = spec.followers
        self.version, self.signature, self.snapshot = 0, None, None
        self.added: dict[str, tuple[str, str, int]] = {}  # track id -> (added_at, added_by, stint start)

    def _added(self, track: Track, w: int) -> tuple[str, str]:
        """(added_at, added_by) of the track's current stint in the playlist."""
        spec, rng = self.spec, self.rng
        since = self.chart.since[track.id]
        if self.added.get(track.id, (None, None, None))[2] != since:
            if since < -Chart.BURN_IN and spec.key == "global-pulse-150":  # charted weeks before the sample
                moment = WEEK0 + timedelta(weeks=-rng.randint(7, 30), days=4, hours=5)
            elif since < -Chart.BURN_IN:  # in the playlist before the simulation began
                if spec.shape == "legacy" and rng.random() < 0.5:
                    moment = spec.created  # the playlist's first import: many identical added_at
                else:
                    moment = spec.created + (WEEK0 - spec.created) * rng.uniform(0.05, 0.6)
            elif spec.key == "global-pulse-150":  # the chart bot adds a week's new entries at once, Friday 05:00
                moment = WEEK0 + timedelta(weeks=since, days=4, hours=5)
            else:
                moment = WEEK0 + timedelta(weeks=since, seconds=rng.randint(0, 7 * 86400 - 1))
            adders = (spec.owner[0], *spec.collaborators)
            self.added[track.id] = (iso(moment.replace(microsecond=0)), rng.choice(adders), since)
        return self.added[track.id][:2]

    def week(self, w: int) -> dict:
        spec, legacy = self.spec, self.spec.shape == "legacy"
        ranking = enumerate(self.chart.ranking if w == self.frozen_week else self.chart.step(w))
        created = (iso(self.spec.created), spec.owner[0])
        entries, by_position = [], {}
        for position in range(1, spec.size + 1):
            kind = self.layout.get(position)
            if kind is None:
                rank, track = next(ranking)
                # popularity is global, but a song high in this playlist is usually popular too
                popularity = min(100, round(0.5 * track.base_popularity + 50 * (1 - rank / self.chart.slots)))
                entry = entry_json(spec, track_json(track, legacy, popularity), *self._added(track, w))
                by_position[position] = entry
            elif kind.startswith("staple_"):
                track = getattr(self.catalog, kind)
                entry = entry_json(spec, track_json(track, legacy, track.base_popularity), *created)
                by_position[position] = entry
            elif kind.startswith("dup:"):  # the same track added again, months later
                adder = (spec.owner[0], *spec.collaborators)[-1]
                entry = {**by_position[int(kind[4:])], "added_at": "2026-07-19T09:12:45Z", "added_by": user_json(adder)}
            elif kind == "null":  # a track removed from Spotify's catalogue: the API sends null
                added_at = "2025-11-02T16:20:00Z" if legacy else "2026-05-11T08:00:00Z"
                entry = entry_json(spec, None, added_at, spec.owner[0])
            elif kind == "local":
                entry = entry_json(spec, local_json(spec.key, legacy), *created)
            else:
                entry = entry_json(spec, episode_json(spec.key, legacy), "2026-08-01T07:30:00Z", spec.owner[0])
            entries.append(entry)
        if w > 0:
            self.followers += self.rng.randint(0, 12) if spec.size < 100 else self.rng.randint(150, 900)
        # like Spotify's, the snapshot id changes with the playlist's content, not with followers or popularity
        content = [(e["added_at"], (e.get("item") or e.get("track") or {}).get("uri")) for e in entries]
        signature = hashlib.sha1(json.dumps(content).encode()).digest()
        if signature != self.signature:
            self.version, self.signature = self.version + 1, signature
            self.snapshot = base64.b64encode((1_000_000 + self.version).to_bytes(4, "big") + signature).decode()
        return self._playlist(entries)

    def _playlist(self, entries: list[dict]) -> dict:
        spec = self.spec
        key = "tracks" if spec.shape == "legacy" else "items"
        paging = {
            "href": f"{API}/playlists/{spec.id}/{key}?offset=0&limit=100",
            "items": entries,
            "limit": 100,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": len(entries),
        }
        return {
            "collaborative": spec.collaborative,
            "description": spec.description,
            "external_urls": {"spotify": f"{WEB}/playlist/{spec.id}"},
            "followers": {"href": None, "total": self.followers},
            "href": f"{API}/playlists/{spec.id}",
            "id": spec.id,
            "images": [{"height": None, "url": f"{MOSAIC}{hexhash(spec.key)}", "width": None}],
            **({"items": paging} if key == "items" else {}),
            "name": spec.name,
            "owner": user_json(*spec.owner),
            "primary_color": None,
            "public": spec.public,
            "snapshot_id": self.snapshot,
            **({"tracks": paging} if key == "tracks" else {}),
            "type": "playlist",
            "uri": f"spotify:playlist:{spec.id}",
        }


def build(seed: int = SEED) -> dict[str, dict[str, dict]]:
    """{week key: {playlist id: playlist response}} for every sample week."""
    rng = random.Random(seed)
    catalog = Catalog(rng)
    pool = [t for t in catalog.tracks if t not in catalog.staples]
    rng.shuffle(pool)
    hits = pool[:420]  # the chart's universe; the two smaller playlists borrow some of its songs
    drive = [t for t in pool if not t.explicit][:100] + hits[:25]
    latin = [t for t in pool if any(c in t.name + t.artists[0].name for c in "ñáéíóúãçÑ")]
    manana = latin[:30] + pool[-70:] + hits[:15]
    histories = [
        _history(SPECS[0], catalog, rng, drive, 48, (1, 4), 0.15, frozen_week=6),
        _history(SPECS[1], catalog, rng, hits, 170, (8, 16), 0.8),
        _history(SPECS[2], catalog, rng, manana, 40, (1, 4), 0.25),
    ]
    for h in histories:
        assert not h.spec.id.startswith("37i9dQZ"), h.spec
    albums = {t.album.id: t.album for t in catalog.tracks}
    assert len(albums) == len({t.album for t in catalog.tracks}), "two albums share an id"
    assert len({t.id for t in catalog.tracks}) == len(catalog.tracks), "two tracks share an id"
    weeks = {}
    for w, monday in enumerate(WEEKS):
        weeks[monday.isoformat()] = {h.spec.id: h.week(w) for h in histories}
    return weeks


def _history(spec, catalog, rng, tracks, start, new_per_week, revive, frozen_week=None) -> PlaylistHistory:
    """A playlist over `tracks`: `start` songs in play at first, `new_per_week` entries, `revive` chance."""
    unique = list({t.id: t for t in tracks}.values())
    chart = Chart(rng, unique, spec.size - len(LAYOUTS[spec.key]), start, new_per_week, revive, -2.5)
    return PlaylistHistory(spec, chart, catalog, rng, frozen_week)


def gzip_json(obj) -> bytes:
    buffer = io.BytesIO()
    # filename='' and mtime=0 keep the gzip header free of names and times: reruns are byte-identical
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(json.dumps(obj, ensure_ascii=False, sort_keys=False, separators=(",", ":")).encode())
    return buffer.getvalue()


def write(out: Path, seed: int = SEED) -> list[Path]:
    """Write every week under `out`, replacing earlier generated files; returns the files written."""
    for old in out.glob("*/*.json.gz"):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", old.parent.name):
            old.unlink()
    written = []
    for week, playlists in build(seed).items():
        for playlist_id, playlist in playlists.items():
            path = out / week / f"{playlist_id}.json.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gzip_json(playlist))
            written.append(path)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    files = write(args.out)
    size = sum(f.stat().st_size for f in files)
    print(f"wrote {len(files)} files, {size / 1024:.0f} KiB, under {args.out}")


if __name__ == "__main__":
    main()
