"""Small chart CSV files for tests, in both formats, written as charts.spotify.com and the older
spotifycharts.com export write them."""

import hashlib

from spotify_assets.charts.csv_files import new_format, old_format

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def track_id(seed: str) -> str:
    digest = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    return "".join(B62[(digest >> (6 * i)) % 62] for i in range(22))


def entries(n: int, seed: str = "s", top: int = 1_000_000) -> list[dict]:
    """n entries, ranks 1..n, streams falling, every one new this week."""
    return [
        {
            "rank": rank,
            "song_id": track_id(f"{seed}{rank}"),
            "song_name": f'Song "{rank}", part {rank}',
            "artist_names": f"Artist {rank}, The Band",
            "label": "Label, Inc.",
            "peak_rank": rank,
            "previous_rank": -1,
            "weeks_on_chart": 1,
            "streams": top - rank * 1000,
        }
        for rank in range(1, n + 1)
    ]


__all__ = ["entries", "new_format", "old_format", "track_id"]
