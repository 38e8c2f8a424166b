"""One week of `raw_spotify_chart` → `spotify_chart_entries` and `rejected_chart_lines`
(docs/data-contract.md, Spotify Charts).

Both formats parse, told apart by their header (names compared without case or surrounding space,
in any order):
- charts.spotify.com: `rank,uri,artist_names,track_name,source,peak_rank,previous_rank,weeks_on_chart,streams`;
- spotifycharts.com: `Position,Track Name,Artist,Streams,URL`, usually after a note line.

A chart file is the unit of quarantine: a file whose header is unknown, with a line that cannot be
typed (a non-numeric rank or stream count, a wrong number of fields), or that is one of two files
for the same chart and week, is left out of `spotify_chart_entries` whole, and each fault gets a
`rejected_chart_lines` row naming the file and line (0: the file as a whole). The week's other
charts land. Blank lines are skipped; a header-only file is an empty chart.
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.charts.names import ChartName, ChartNameError, parse_name
from spotify_assets.lake.schemas import REJECTED_CHART_LINES, SPOTIFY_CHART_ENTRIES

NEW_HEADER = (
    "rank",
    "uri",
    "artist_names",
    "track_name",
    "source",
    "peak_rank",
    "previous_rank",
    "weeks_on_chart",
    "streams",
)
OLD_HEADER = ("position", "track name", "artist", "streams", "url")
# each format's column → the entry field it fills
_FIELDS = {
    NEW_HEADER: {
        "rank": "rank",
        "uri": "song_id",
        "artist_names": "artist_names",
        "track_name": "song_name",
        "source": "label",
        "peak_rank": "peak_rank",
        "previous_rank": "previous_rank",
        "weeks_on_chart": "weeks_on_chart",
        "streams": "streams",
    },
    OLD_HEADER: {
        "position": "rank",
        "track name": "song_name",
        "artist": "artist_names",
        "streams": "streams",
        "url": "song_id",
    },
}
_TRACK_PREFIXES = ("spotify:track:", "https://open.spotify.com/track/", "http://open.spotify.com/track/")
_WHOLE = re.compile(r"-?[0-9]+")
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1
LEFT_OUT = "the chart is left out of spotify_chart_entries this week"


class _LineError(ValueError):
    pass


@dataclass
class ChartTables:
    """One week's chart entries and rejections, and the charts that landed."""

    entries: pa.Table
    rejected: pa.Table
    charts: list[ChartName] = field(default_factory=list)


def _whole(text: str, column: str, *, minimum: int, maximum: int = _INT32_MAX, optional: bool = False) -> int | None:
    value = text.strip()
    if not value and optional:
        return None
    if not _WHOLE.fullmatch(value) or not minimum <= int(value) <= maximum:
        raise _LineError(f"{column} is {text!r}, not a whole number from {minimum}")
    return int(value)


def _song_id(text: str) -> str | None:
    """The track id of a `spotify:track:<id>` URI or an open.spotify.com track URL; anything else
    verbatim, for the warning check `song_id_valid` to name."""
    value = text.strip()
    for prefix in _TRACK_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :].split("?", 1)[0]
    return value or None


def _header(record: list[str]) -> tuple[str, ...] | None:
    names = tuple(name.strip().lower() for name in record)
    for known in (NEW_HEADER, OLD_HEADER):
        if len(names) == len(known) and set(names) == set(known):
            return names
    return None


def _records(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """The CSV records of a file with the line each starts on (a quoted field may span lines)."""
    text = "\n".join(line for _, line in lines)
    first = lines[0][0] if lines else 1
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    records, start = [], first
    for record in reader:
        if record:  # a blank line is no record
            records.append((start, record))
        start = first + reader.line_num
    return records


def _entry(row: dict[str, str]) -> dict:
    peak = row.get("peak_rank")
    previous = row.get("previous_rank")
    weeks = row.get("weeks_on_chart")
    previous_rank = _whole(previous, "previous_rank", minimum=-1, optional=True) if previous is not None else None
    return {
        "rank": _whole(row["rank"], "rank", minimum=1),
        "song_id": _song_id(row["song_id"]),
        "song_name": row["song_name"],
        "artist_names": row["artist_names"],
        "streams": _whole(row["streams"], "streams", minimum=0, maximum=_INT64_MAX),
        "peak_rank": _whole(peak, "peak_rank", minimum=1, optional=True) if peak is not None else None,
        "previous_rank": None if previous_rank == -1 else previous_rank,
        "weeks_on_chart": _whole(weeks, "weeks_on_chart", minimum=1, optional=True) if weeks is not None else None,
        "label": row.get("label"),
    }


def parse_chart(name: ChartName, lines: list[tuple[int, str]]) -> tuple[list[dict], list[dict]]:
    """(entries, rejections) of one chart file's (line number, line) pairs: no entries when any
    line is rejected (the module's docstring says why)."""
    raw = dict(lines)

    def reject(number: int, reason: str) -> dict:
        return {
            "file_name": name.file_name,
            "line_number": number,
            "chart": name.chart,
            "reason": f"{reason}; {LEFT_OUT}",
            "line": raw.get(number),
        }

    records = _records(lines)
    if not records:
        return [], [reject(lines[0][0] if lines else 0, "the file has no header line")]
    header = None
    for index, (_, record) in enumerate(records[:2]):
        if header := _header(record):
            records = records[index + 1 :]
            break
    if header is None:
        number, record = records[0]
        return [], [
            reject(
                number,
                f"unknown header {','.join(record)!r}: expected {','.join(NEW_HEADER)} (charts.spotify.com) or "
                "Position,Track Name,Artist,Streams,URL (spotifycharts.com, after an optional note line)",
            )
        ]
    fields = [_FIELDS[NEW_HEADER if len(header) == len(NEW_HEADER) else OLD_HEADER][column] for column in header]
    entries, rejections = [], []
    for number, record in records:
        if len(record) != len(fields):
            rejections.append(reject(number, f"{len(record)} fields where the header has {len(fields)}"))
            continue
        try:
            entries.append(_entry(dict(zip(fields, record, strict=True))))
        except _LineError as error:
            rejections.append(reject(number, str(error)))
    return ([] if rejections else entries), rejections


def _entries_table(rows: list[dict], names: list[ChartName]) -> pa.Table:
    columns: dict[str, list] = defaultdict(list)
    for row, name in zip(rows, names, strict=True):
        columns["chart"].append(name.chart)
        columns["region"].append(name.region)
        columns["chart_date"].append(name.chart_date)
        for key, value in row.items():
            columns[key].append(value)
        columns["file_name"].append(name.file_name)
    table = pa.Table.from_arrays(
        [pa.array(columns[f.name], f.type) for f in SPOTIFY_CHART_ENTRIES], schema=SPOTIFY_CHART_ENTRIES
    )
    return table.sort_by([("chart", "ascending"), ("rank", "ascending")]) if table.num_rows else table


def chart_tables(raw: pa.Table) -> ChartTables:
    """One week of `raw_spotify_chart` rows → the week's entries and rejections."""
    by_file: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, number, line in zip(
        raw["file_name"].to_pylist(), raw["line_number"].to_pylist(), raw["line"].to_pylist(), strict=True
    ):
        by_file[name].append((number, line))
    rejections: list[dict] = []
    placed: dict[str, list[ChartName]] = defaultdict(list)
    for file_name in sorted(by_file):
        try:
            name = parse_name(file_name)
        except ChartNameError as error:
            rejections.append(_whole_file(file_name, None, f"{error}; {LEFT_OUT}"))
            continue
        placed[name.chart].append(name)
    rows: list[dict] = []
    row_names: list[ChartName] = []
    charts: list[ChartName] = []
    for chart, names in sorted(placed.items()):
        if len(names) > 1:
            listed = ", ".join(n.file_name for n in names)
            for name in names:
                rejections += parse_chart(name, sorted(by_file[name.file_name]))[1]
                rejections.append(
                    _whole_file(
                        name.file_name,
                        chart,
                        f"{len(names)} different files for chart {chart} of week {name.week} ({listed}); keep one "
                        f"of them in the charts folder; {LEFT_OUT}",
                    )
                )
            continue
        (name,) = names
        entries, rejected = parse_chart(name, sorted(by_file[name.file_name]))
        rejections += rejected
        if not rejected:
            charts.append(name)
            rows += entries
            row_names += [name] * len(entries)
    rejected_table = pa.Table.from_pylist(rejections, schema=REJECTED_CHART_LINES)
    if rejected_table.num_rows:
        rejected_table = rejected_table.sort_by([("file_name", "ascending"), ("line_number", "ascending")])
    return ChartTables(_entries_table(rows, row_names), rejected_table, charts)


def _whole_file(file_name: str, chart: str | None, reason: str) -> dict:
    return {"file_name": file_name, "line_number": 0, "chart": chart, "reason": reason, "line": None}


def week_charts(entries: pa.Table) -> list[str]:
    """The charts present in a week's entries."""
    return sorted(pc.unique(entries["chart"]).to_pylist()) if entries.num_rows else []
