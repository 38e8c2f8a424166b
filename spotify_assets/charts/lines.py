"""Chart files → `raw_spotify_chart` rows: every line of every file, verbatim, with the file's name
and sha256 (docs/data-contract.md, `raw_spotify_chart`).

A line is the text between line terminators (LF or CRLF), without the terminator; the UTF-8 byte
order mark that charts.spotify.com puts first is an encoding mark, not text, and is left out of line
1 (the file's sha256 still identifies its exact bytes). A final terminator does not start a line.
Bytes that are not UTF-8 are stored as U+FFFD. An empty file keeps one empty line 1, so that it is
seen (and rejected for its missing header) rather than vanishing.
"""

from collections.abc import Iterable

import pyarrow as pa

from spotify_assets.charts.folder import sha256_hex
from spotify_assets.lake.schemas import RAW_SPOTIFY_CHART

BOM = "\ufeff"


def file_lines(data: bytes) -> list[str]:
    """The lines of a file's bytes, as this module's docstring defines them."""
    text = data.decode("utf-8", errors="replace").removeprefix(BOM)
    if not text:
        return [""]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def raw_chart_table(files: Iterable[tuple[str, bytes]]) -> pa.Table:
    """One row per line of each (file name, bytes), files in the order given."""
    names, hashes, numbers, texts = [], [], [], []
    for name, data in files:
        lines = file_lines(data)
        digest = sha256_hex(data)
        names += [name] * len(lines)
        hashes += [digest] * len(lines)
        numbers += range(1, len(lines) + 1)
        texts += lines
    return pa.Table.from_arrays(
        [
            pa.array(names, pa.string()),
            pa.array(hashes, pa.string()),
            pa.array(numbers, pa.int32()),
            pa.array(texts, pa.string()),
        ],
        schema=RAW_SPOTIFY_CHART,
    )
