"""A loopback HTTP server that speaks the Spotify Web API, as development-mode apps see it in 2026.

- `GET /authorize`: the consent page, which agrees at once and redirects to `redirect_uri`.
- `POST /api/token`: authorization-code, refresh-token and client-credentials grants, checked
  against the configured credentials (400 `invalid_client` / `invalid_grant` otherwise); a code
  issued with a PKCE `code_challenge` (S256) is exchanged only with its `code_verifier`.
- `GET /v1/playlists/{id}`: metadata and the first page, in the 2026 shape (`items`/`item`, first
  page of 50) or the legacy shape (`tracks`/`track`, first page of 100, `next` on `/tracks`), with
  Spotify's `fields=` filter applied.
- `GET /v1/playlists/{id}/items?offset&limit`: pages of at most 50 whose `next` points back here.
- `GET /v1/playlists/{id}/tracks`: 403, as for development-mode apps since March 2026.

Faults are queued per path (`fault(...)`) and served before the normal answer, one per request.
Every request is recorded (method, path, query, Authorization header) so tests can count them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID = "fake-client-id"
CLIENT_SECRET = "fake-client-secret-3f9a1c"
REFRESH_TOKEN = "fake-refresh-token-8e2d4b"
MARKETS = ["AD", "AR", "AT", "AU", "BE", "BG", "BO", "BR", "CA", "CH", "CL", "CO", "CR", "CY", "CZ", "DE"] * 11


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    status: int = 0


@dataclass
class Fault:
    status: int
    retry_after: str | None = None
    body: Any = None
    delay_s: float = 0.0


@dataclass
class _Playlist:
    metadata: dict[str, Any]
    entries: list[dict[str, Any]]  # canonical entries, the track under "track"
    shape: str  # "2026" or "legacy"
    first_page: int


@dataclass
class FakeSpotify:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    refresh_token: str = REFRESH_TOKEN
    requests: list[Recorded] = field(default_factory=list)
    latency_s: float = 0.0  # added to every API answer, to make concurrency observable
    max_in_flight: int = 0  # the most API requests served at the same time

    def __post_init__(self):
        self._playlists: dict[str, _Playlist] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._tokens: set[str] = set()
        self._codes: dict[str, tuple[str, str | None]] = {}  # authorization code -> redirect_uri, challenge
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._in_flight = 0

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSpotify:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/v1/"

    @property
    def accounts_url(self) -> str:
        return f"{self.base_url}/"

    def env(self, refresh_token: bool = True) -> dict[str, str]:
        """The environment that points the project at this server."""
        env = {
            "SPOTIFY_API_URL": self.api_url,
            "SPOTIFY_ACCOUNTS_URL": self.accounts_url,
            "SPOTIFY_CLIENT_ID": self.client_id,
            "SPOTIFY_CLIENT_SECRET": self.client_secret,
        }
        if refresh_token:
            env["SPOTIFY_REFRESH_TOKEN"] = self.refresh_token
        return env

    # -- programming it -----------------------------------------------------------------------

    def add_playlist(
        self,
        playlist: dict[str, Any],
        shape: str = "2026",
        first_page: int | None = None,
    ) -> str:
        """Serve a playlist given as a full response (either shape, every item embedded)."""
        playlist = copy.deepcopy(playlist)
        key = "items" if isinstance(playlist.get("items"), dict) else "tracks"
        paging = playlist.pop(key)
        entries = [_canonical(e) for e in paging["items"]]
        pid = playlist["id"]
        with self._lock:
            self._playlists[pid] = _Playlist(playlist, entries, shape, first_page or (50 if shape == "2026" else 100))
        return pid

    def set_items(self, pid: str, entries: list[dict[str, Any]], snapshot_id: str) -> None:
        with self._lock:
            self._playlists[pid].entries = [_canonical(e) for e in entries]
            self._playlists[pid].metadata["snapshot_id"] = snapshot_id

    def fault(
        self,
        path: str,
        status: int,
        *,
        retry_after: str | int | None = None,
        body: Any = None,
        times: int = 1,
        delay_s: float = 0.0,
    ) -> None:
        """Answer the next `times` requests on `path` (e.g. "/v1/playlists/abc/items") with `status`."""
        if body is None and status != 200:
            body = {"error": {"status": status, "message": _REASONS.get(status, "Error")}}
        with self._lock:
            self._faults.setdefault(path, []).extend(
                [Fault(status, None if retry_after is None else str(retry_after), body, delay_s)] * times
            )

    def quota_exceeded(self, path: str) -> None:
        self.fault(
            path,
            429,
            retry_after=3600,
            body={"error": {"status": 429, "message": "Quota exceeded for this app", "reason": "QUOTA_EXCEEDED"}},
        )

    def api_requests(self, prefix: str = "/v1/") -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    def token_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/api/token"]

    # -- serving ------------------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path)
            return queue.pop(0) if queue else None

    def handle(self, method: str, path: str, query: dict[str, str], headers, body: bytes) -> tuple[int, dict, Any]:
        fault = self._take_fault(path)
        if fault:
            time.sleep(fault.delay_s)
            if fault.status == 401:
                self._revoke(headers.get("Authorization"))
            if fault.status != 200:
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return fault.status, extra, fault.body
        if path == "/authorize":
            return self._authorize(query)
        if path == "/api/token" and method == "POST":
            return self._token(headers, parse_qs(body.decode()))
        if not path.startswith("/v1/"):
            return 404, {}, {"error": {"status": 404, "message": "Service not found"}}
        if not self._authorized(headers.get("Authorization")):
            return 401, {}, {"error": {"status": 401, "message": "Invalid access token"}}
        match = re.fullmatch(r"/v1/playlists/([^/]+)(/items|/tracks)?", path)
        if not match:
            return 404, {}, {"error": {"status": 404, "message": "Service not found"}}
        pid, sub = match.groups()
        with self._lock:
            playlist = copy.deepcopy(self._playlists.get(pid))
        if playlist is None:
            return 404, {}, {"error": {"status": 404, "message": "Resource not found"}}
        if sub == "/tracks":
            return 403, {}, {"error": {"status": 403, "message": "Forbidden"}}
        if sub == "/items":
            limit = int(query.get("limit", 20))
            if not 1 <= limit <= 50:
                return 400, {}, {"error": {"status": 400, "message": "Invalid limit"}}
            answer = self._page(playlist, int(query.get("offset", 0)), limit, endpoint="items")
        else:
            answer = self._playlist(playlist)
        return 200, {}, apply_fields(answer, query.get("fields"))

    def _token(self, headers, form: dict[str, list[str]]) -> tuple[int, dict, Any]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        given = (headers.get("Authorization") or "").removeprefix("Basic ")
        if given != expected:
            client = base64.b64decode(given or "").decode(errors="replace").split(":", 1)[0] if given else ""
            description = "Invalid client secret" if client == self.client_id else "Invalid client"
            return 400, {}, {"error": "invalid_client", "error_description": description}
        grant = form.get("grant_type", [""])[0]
        if grant == "authorization_code":
            with self._lock:
                redirect_uri, challenge = self._codes.pop(form.get("code", [""])[0], (None, None))
            if redirect_uri != form.get("redirect_uri", [""])[0]:
                return 400, {}, {"error": "invalid_grant", "error_description": "Invalid authorization code"}
            if challenge is not None and _s256(form.get("code_verifier", [""])[0]) != challenge:
                return 400, {}, {"error": "invalid_grant", "error_description": "code_verifier was incorrect"}
        elif grant == "refresh_token":
            if form.get("refresh_token", [""])[0] != self.refresh_token:
                return 400, {}, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
        elif grant != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type", "error_description": grant}
        token = f"access-{next(self._counter)}"
        with self._lock:
            self._tokens.add(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        if grant == "authorization_code":
            answer["refresh_token"] = self.refresh_token
        if grant in ("refresh_token", "authorization_code"):
            answer["scope"] = "playlist-read-private playlist-read-collaborative"
        return 200, {}, answer

    def _authorize(self, query: dict[str, str]) -> tuple[int, dict, Any]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_client"}
        if "code_challenge" in query and query.get("code_challenge_method") != "S256":
            return 400, {}, {"error": "invalid_request", "error_description": "code_challenge_method must be S256"}
        code = f"code-{next(self._counter)}"
        with self._lock:
            self._codes[code] = (query["redirect_uri"], query.get("code_challenge"))
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, None

    def _authorized(self, header: str | None) -> bool:
        with self._lock:
            return bool(header) and header.removeprefix("Bearer ") in self._tokens

    def _revoke(self, header: str | None) -> None:
        with self._lock:
            self._tokens.discard((header or "").removeprefix("Bearer "))

    def _page(self, playlist: _Playlist, offset: int, limit: int, endpoint: str) -> dict[str, Any]:
        pid = playlist.metadata["id"]
        total = len(playlist.entries)
        key = "item" if playlist.shape == "2026" and endpoint == "items" else "track"
        items = [_shaped(e, key) for e in playlist.entries[offset : offset + limit]]
        url = f"{self.api_url}playlists/{pid}/{endpoint}"
        return {
            "href": f"{url}?{urlencode({'offset': offset, 'limit': limit})}",
            "limit": limit,
            "next": f"{url}?{urlencode({'offset': offset + limit, 'limit': limit})}"
            if offset + limit < total
            else None,
            "offset": offset,
            "previous": f"{url}?{urlencode({'offset': max(0, offset - limit), 'limit': limit})}" if offset else None,
            "total": total,
            "items": items,
        }

    def _playlist(self, playlist: _Playlist) -> dict[str, Any]:
        if playlist.shape == "2026":
            return {**playlist.metadata, "items": self._page(playlist, 0, playlist.first_page, "items")}
        return {**playlist.metadata, "tracks": self._page(playlist, 0, playlist.first_page, "tracks")}


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


_REASONS = {
    400: "Bad request",
    401: "The access token expired",
    403: "Forbidden",
    404: "Resource not found",
    429: "API rate limit exceeded",
    500: "Server error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def _canonical(entry: dict[str, Any]) -> dict[str, Any]:
    entry = dict(entry)
    if "item" in entry:
        entry["track"] = entry.pop("item")
    return entry


def _shaped(entry: dict[str, Any], key: str) -> dict[str, Any]:
    entry = dict(entry)
    if key == "item":
        entry["item"] = entry.pop("track")
    return entry


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeSpotify
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        record = Recorded(method, url.path, query, self.headers.get("Authorization"))
        with self.server_fake._lock:
            self.server_fake.requests.append(record)
        fake, api = self.server_fake, url.path.startswith("/v1/")
        with fake._lock:
            fake._in_flight += api
            fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
        try:
            time.sleep(fake.latency_s if api else 0)
            status, headers, answer = fake.handle(method, url.path, query, self.headers, body)
        finally:
            with fake._lock:
                fake._in_flight -= api
        record.status = status
        payload = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # keep test output quiet
        return


# -- Spotify's `fields` filter ---------------------------------------------------------------


def parse_fields(spec: str) -> dict[str, Any]:
    """`a,b(c,d.e)` -> {"a": None, "b": {"c": None, "d": {"e": None}}}; None selects everything."""
    pos = 0

    def parse_list() -> dict[str, Any]:
        nonlocal pos
        tree: dict[str, Any] = {}
        while pos < len(spec):
            name = re.match(r"[^,()]*", spec[pos:]).group(0)
            pos += len(name)
            sub = None
            if pos < len(spec) and spec[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(spec) or spec[pos] != ")":
                    raise ValueError(f"unbalanced parentheses in fields={spec!r}")
                pos += 1
            node = tree
            parts = name.strip().split(".")
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            node[parts[-1]] = _merge(node.get(parts[-1], {}), sub) if parts[-1] in node else sub
            if pos < len(spec) and spec[pos] == ",":
                pos += 1
                continue
            break
        return tree

    tree = parse_list()
    if pos != len(spec):
        raise ValueError(f"unbalanced parentheses in fields={spec!r}")
    return tree


def _merge(a, b):
    if a is None or b is None:
        return None
    return {**a, **{k: _merge(a[k], v) if k in a else v for k, v in b.items()}}


def apply_fields(value: Any, spec: str | None) -> Any:
    if not spec:
        return value
    return _select(value, parse_fields(spec))


def _select(value: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None:
        return value
    if isinstance(value, list):
        return [_select(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: _select(value[k], sub) for k, sub in tree.items() if k in value}
    return value


# -- synthetic playlists ---------------------------------------------------------------------


def make_playlist(pid: str, n_items: int, snapshot_id: str = "snap-1", name: str | None = None) -> dict[str, Any]:
    """A full legacy-shaped `GET /playlists/{id}` response with every item embedded, including the
    bulk (`available_markets`) a fields filter should keep off the wire."""
    owner = {
        "id": "owner1",
        "display_name": "Owner One",
        "type": "user",
        "uri": "spotify:user:owner1",
        "href": "https://api.spotify.com/v1/users/owner1",
        "external_urls": {"spotify": "https://open.spotify.com/user/owner1"},
    }
    entries = [make_entry(pid, i) for i in range(n_items)]
    return {
        "id": pid,
        "name": name or f"Playlist {pid}",
        "description": "A fake playlist",
        "public": True,
        "collaborative": False,
        "snapshot_id": snapshot_id,
        "uri": f"spotify:playlist:{pid}",
        "href": f"https://api.spotify.com/v1/playlists/{pid}",
        "type": "playlist",
        "images": [{"url": "https://i.scdn.co/image/x", "height": 640, "width": 640}],
        "followers": {"href": None, "total": 42},
        "primary_color": None,
        "external_urls": {"spotify": f"https://open.spotify.com/playlist/{pid}"},
        "owner": owner,
        "tracks": {
            "href": f"https://api.spotify.com/v1/playlists/{pid}/tracks",
            "limit": 100,
            "next": None,
            "offset": 0,
            "previous": None,
            "total": n_items,
            "items": entries,
        },
    }


def _artist(aid: str, name: str) -> dict[str, Any]:
    return {
        "id": aid,
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{aid}",
        "href": f"https://api.spotify.com/v1/artists/{aid}",
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{aid}"},
    }


def make_entry(pid: str, i: int) -> dict[str, Any]:
    tid, alid = f"{pid[:6]}Tr{i:04d}", f"{pid[:6]}Al{i // 3:04d}"
    artists = [
        _artist(f"Ar{i % 17:04d}", f"Artist {i % 17}"),
        _artist(f"Ar{(i + 5) % 17:04d}", f"Artist {(i + 5) % 17}"),
    ]
    # three tracks per album, each carrying the same album object (as Spotify sends it)
    a = i // 3
    album = {
        "id": alid,
        "name": f"Album {a}",
        "album_type": "album",
        "release_date": "1998" if a % 4 == 0 else "2024-03-01",
        "release_date_precision": "year" if a % 4 == 0 else "day",
        "total_tracks": 12,
        "images": [{"url": "https://i.scdn.co/image/a", "height": 300, "width": 300}],
        "uri": f"spotify:album:{alid}",
        "href": f"https://api.spotify.com/v1/albums/{alid}",
        "type": "album",
        "external_urls": {"spotify": f"https://open.spotify.com/album/{alid}"},
        "artists": [_artist(f"Ar{a % 17:04d}", f"Artist {a % 17}")],
        "available_markets": MARKETS,
    }
    track = {
        "id": tid,
        "name": f"Song {i} – é",
        "type": "track",
        "uri": f"spotify:track:{tid}",
        "href": f"https://api.spotify.com/v1/tracks/{tid}",
        "duration_ms": 180000 + i,
        "explicit": i % 2 == 0,
        "popularity": i % 101,
        "is_local": False,
        "external_ids": {"isrc": f"USRC{i:08d}"},
        "external_urls": {"spotify": f"https://open.spotify.com/track/{tid}"},
        "disc_number": 1,
        "track_number": i % 12 + 1,
        "episode": False,
        "track": True,
        "preview_url": None,
        "available_markets": MARKETS,
        "album": album,
        "artists": artists,
    }
    return {
        "added_at": f"2026-11-{1 + i % 20:02d}T10:00:00Z",
        "added_by": {
            "id": "owner1",
            "type": "user",
            "uri": "spotify:user:owner1",
            "href": "https://api.spotify.com/v1/users/owner1",
            "external_urls": {"spotify": "https://open.spotify.com/user/owner1"},
        },
        "is_local": False,
        "primary_color": None,
        "video_thumbnail": {"url": None},
        "track": track,
    }
