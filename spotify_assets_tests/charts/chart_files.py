"""Small chart CSV files for tests, in both formats, written as charts.spotify.com and the older
spotifycharts.com export write them."""

import csv
import hashlib
import io

NEW_HEADER = "rank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams"
OLD_NOTE = ',,,"Note that these figures are generated using a formula that protects against any artificial inflation of chart positions.",'
OLD_HEADER = "Position,Track Name,Artist,Streams,URL"
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


def new_format(rows: list[dict], *, bom: bool = True, crlf: bool = False) -> bytes:
    out = io.StringIO(newline="")
    end = "\r\n" if crlf else "\n"
    out.write(NEW_HEADER + end)
    writer = csv.writer(out, lineterminator=end)
    for e in rows:
        writer.writerow(
            [
                e["rank"],
                f"spotify:track:{e['song_id']}",
                e["artist_names"],
                e["song_name"],
                e["label"],
                e["peak_rank"],
                e["previous_rank"],
                e["weeks_on_chart"],
                e["streams"],
            ]
        )
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def old_format(rows: list[dict], *, note: bool = True, crlf: bool = False) -> bytes:
    out = io.StringIO(newline="")
    end = "\r\n" if crlf else "\n"
    if note:
        out.write(OLD_NOTE + end)
    out.write(OLD_HEADER + end)
    writer = csv.writer(out, lineterminator=end)
    for e in rows:
        url = f"https://open.spotify.com/track/{e['song_id']}"
        writer.writerow([e["rank"], e["song_name"], e["artist_names"], e["streams"], url])
    return out.getvalue().encode()
