"""The two chart CSV formats as Spotify writes them (what `parse.py` reads): for the sample charts'
generator, the benchmark and the tests. Rows are dicts with `rank`, `song_id`, `song_name`,
`artist_names`, `label`, `peak_rank`, `previous_rank`, `weeks_on_chart`, `streams`."""

import csv
import io

NEW_HEADER = "rank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams"
OLD_NOTE = (
    ',,,"Note that these figures are generated using a formula that protects against any artificial '
    'inflation of chart positions.",'
)
OLD_HEADER = "Position,Track Name,Artist,Streams,URL"


def new_format(rows: list[dict], *, bom: bool = True, crlf: bool = False) -> bytes:
    """A charts.spotify.com file (UTF-8, with a BOM unless `bom` is false)."""
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
    """An older spotifycharts.com export (no BOM), after its note line unless `note` is false."""
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
