"""API efficiency: requests and bytes per playlist, the live source against a loopback Spotify API.

The real `LiveSource` (spotipy inside) fetches one playlist of 0, 50, 51 and 1,000 items from the
test suite's fake Spotify server (2026 shape: `items`/`item`, pages of at most 50), then the
1,000-item playlist again with last week's snapshot and an unchanged `snapshot_id`. Requests are the
API requests the server saw (token requests excluded); bytes are the JSON bodies it answered, and
what the same requests would have answered without the `fields` filter. Prints one JSON object.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

SIZES = (0, 50, 51, 1000)
FIRST_PAGE = 50  # the 2026 API embeds the first 50 items in GET /playlists/{id}
PID = "3cEYpjA9oz9GiPac4AsH4n"


def expected_requests(items: int) -> int:
    return 1 + math.ceil(max(0, items - FIRST_PAGE) / 50)


def _body_bytes(fake, recorded, with_fields: bool = True) -> int:
    """The size of the JSON the server answered to `recorded` (answered again: it is deterministic)."""
    query = dict(recorded.query) if with_fields else {k: v for k, v in recorded.query.items() if k != "fields"}
    status, _, answer = fake.handle(
        recorded.method, recorded.path, query, {"Authorization": recorded.authorization}, b""
    )
    return len(json.dumps(answer).encode()) if answer is not None else 0


def measure() -> dict:
    try:
        from spotify_assets.spotify.auth import Credentials
        from spotify_assets.spotify.client import LiveSource
        from spotify_assets_tests.spotify.fake_spotify import FakeSpotify, make_playlist
    except ImportError as error:
        return {"available": False, "reason": f"live source not available on this branch ({error})"}

    now = datetime.now(UTC)
    week = (now - timedelta(days=now.weekday())).strftime("%Y-%m-%d")
    cases = []
    fake = FakeSpotify().start()
    try:
        credentials = Credentials(fake.client_id, fake.client_secret, fake.refresh_token)
        previous = None
        cases_to_run = [
            *((f"playlist of {n:,} items", n, False) for n in SIZES),
            ("playlist of 1,000 items, snapshot_id unchanged", 1000, True),
        ]
        for label, items, unchanged in cases_to_run:
            if not unchanged:
                fake.add_playlist(make_playlist(PID, items, snapshot_id=f"snap-{items}"), shape="2026")
            source = LiveSource(credentials, api_url=fake.api_url, accounts_url=fake.accounts_url)
            fake.requests.clear()
            [snapshot] = source.fetch_week(week, [PID], previous={PID: previous} if unchanged else None)
            api = fake.api_requests()
            if len(snapshot.items) != items:
                raise RuntimeError(f"{label}: fetched {len(snapshot.items)} items, expected {items}")
            cases.append(
                {
                    "case": label,
                    "items": items,
                    "requests": len(api),
                    "expected": 1 if unchanged else expected_requests(items),
                    "bytes": sum(_body_bytes(fake, r) for r in api),
                    "bytes_unfiltered": sum(_body_bytes(fake, r, with_fields=False) for r in api),
                }
            )
            previous = snapshot
    finally:
        fake.stop()
    return {"available": True, "cases": cases}


def main() -> None:
    print(json.dumps(measure()))


if __name__ == "__main__":
    main()
