"""Raw items -> the columns the tables need: one strict columnar parse, with quarantine.

Every item of the week is parsed by pyarrow's JSON reader with an explicit schema (ITEM_SCHEMA),
from newline-delimited slices; only when the strict parse of a slice fails is that slice halved
until each bad item stands alone. An item whose fields cannot be typed (`duration_ms: "abc"`, a
string track, a song with no artist) gets a reason and an all-null row (so it is no song); text
with a lone surrogate is repaired (U+FFFD) for that item only (docs/data-contract.md, Edge cases).
"""

import json
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from spotify_assets.lake.raw_records import valid_text

_URLS = pa.struct([("spotify", pa.string())])
ARTIST = pa.struct([("id", pa.string()), ("name", pa.string()), ("external_urls", _URLS)])
_ALBUM = pa.struct(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("album_type", pa.string()),
        ("release_date", pa.string()),
        ("release_date_precision", pa.string()),
        ("total_tracks", pa.int32()),
        ("external_urls", _URLS),
        ("artists", pa.list_(ARTIST)),
    ]
)
_TRACK = pa.struct(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("is_local", pa.bool_()),
        ("duration_ms", pa.int64()),
        ("explicit", pa.bool_()),
        ("popularity", pa.int32()),
        ("external_ids", pa.struct([("isrc", pa.string())])),
        ("external_urls", _URLS),
        ("album", _ALBUM),
        ("artists", pa.list_(ARTIST)),
    ]
)
# Only what the tables need is parsed; everything else stays in the raw zone's verbatim JSON.
ITEM_SCHEMA = pa.schema([("added_at", pa.string()), ("is_local", pa.bool_()), ("track", _TRACK), ("item", _TRACK)])
_PARSE_OPTIONS = pa_json.ParseOptions(explicit_schema=ITEM_SCHEMA, unexpected_field_behavior="ignore")
_READ_OPTIONS = pa_json.ReadOptions(block_size=1 << 24)


class RawDataError(ValueError):
    """The raw zone holds something the transform cannot read; the message names the row."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


# Items are parsed in slices of about this many bytes: the newline-joined copy of a slice is all
# the transform holds beside the raw column, and each slice still spans several parser blocks.
_SLICE_BYTES = 1 << 26


def _ndjson(items: pa.Array) -> pa.Buffer:
    """The items of one array as one newline-delimited buffer, built in C++ (no per-item Python objects)."""
    joined = pc.binary_join_element_wise(
        items.cast(pa.large_string()), pa.scalar("", pa.large_string()), pa.scalar("\n", pa.large_string())
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    return joined.buffers()[2][offsets[joined.offset] : offsets[joined.offset + len(joined)]]


def _slices(item_json: pa.ChunkedArray) -> list[pa.Array]:
    """The chunks of `item_json` cut into runs of about _SLICE_BYTES of JSON (zero-copy)."""
    slices = []
    for chunk in item_json.chunks:
        lengths = pc.binary_length(chunk).to_numpy(zero_copy_only=False)
        ends = np.cumsum(lengths, dtype=np.int64)
        start = 0
        while start < len(chunk):
            # the first row at which the slice reaches the budget (at least one row per slice)
            base = ends[start - 1] if start else 0
            stop = int(np.searchsorted(ends, base + _SLICE_BYTES, side="left")) + 1
            stop = min(max(stop, start + 1), len(chunk))
            slices.append(chunk.slice(start, stop - start))
            start = stop
    return slices


def parse_items(item_json: pa.ChunkedArray | pa.Array) -> tuple[pa.Table, dict[int, str]]:
    """Parse every item (one JSON object per row) into ITEM_SCHEMA columns, row for row.

    Returns the parsed rows and the rejected ones: {row: reason} for each item whose fields cannot
    be typed as ITEM_SCHEMA says; its parsed row is all null. A row that is not a JSON object at all
    raises RawDataError (the raw zone itself is broken)."""
    if isinstance(item_json, pa.Array):
        item_json = pa.chunked_array([item_json])
    if item_json.null_count:
        raise RawDataError(f"{item_json.null_count} raw item(s) have a position but no item_json")
    rejected: dict[int, str] = {}
    if len(item_json) == 0:
        return ITEM_SCHEMA.empty_table(), rejected
    parts, offset = [], 0
    for items in _slices(item_json):
        parts.extend(_parse_slice(items, offset, rejected))
        offset += len(items)
    return pa.concat_tables(parts), rejected


def _read(items: pa.Array) -> pa.Table:
    return pa_json.read_json(pa.BufferReader(_ndjson(items)), read_options=_READ_OPTIONS, parse_options=_PARSE_OPTIONS)


def _parse_slice(items: pa.Array, offset: int, rejected: dict[int, str]) -> list[pa.Table]:
    """The fast path: one strict parse of the slice. Only when it fails, the slice is halved until
    each bad item stands alone (a few parses per bad item); the good items keep the columnar parse."""
    try:
        parsed = _read(items)
        if parsed.num_rows == len(items):
            return [parsed]
        # a row holding no JSON object (an empty string) would shift every row after it
        error: Exception = ValueError(f"{parsed.num_rows} objects in {len(items)} rows")
    except pa.ArrowInvalid as parse_error:
        error = parse_error
    if len(items) > 1:
        half = len(items) // 2
        return _parse_slice(items.slice(0, half), offset, rejected) + _parse_slice(
            items.slice(half), offset + half, rejected
        )
    return [_parse_one(items[0].as_py(), offset, error, rejected)]


def _parse_one(text: str, row: int, error: Exception, rejected: dict[int, str]) -> pa.Table:
    """The one item the strict parse refused: rejected with the reason, or parsed once repaired."""
    try:
        item = json.loads(text)
    except ValueError as not_json:
        raise RawDataError(f"raw item at row {row} cannot be parsed: {not_json}", row=row) from not_json
    if not isinstance(item, dict):
        raise RawDataError(f"raw item at row {row} cannot be parsed: not a JSON object but {_shown(item)}", row=row)
    reason = _fault(item, ITEM_SCHEMA, "")
    if reason is None:
        # Fields of the right types; what JSON allows and UTF-8 or the parser do not (a lone
        # surrogate in a name, NaN in a field the tables do not read) is repaired, once, for this item.
        try:
            return _read(pa.array([json.dumps(_repaired(item))], pa.large_string()))
        except pa.ArrowInvalid as repaired_error:
            reason = f"cannot be parsed: {repaired_error} (first error: {error})"
    rejected[row] = reason
    return _NULL_ITEM


# The parsed row of a rejected item: no track, so it is no song.
# (built from arrays: Table.from_pylist would import pandas into every load of the code location)
_NULL_ITEM = pa.Table.from_arrays([pa.nulls(1, f.type) for f in ITEM_SCHEMA], schema=ITEM_SCHEMA)
_EXPECTED = {
    "duration_ms": "a whole number of milliseconds",
    "item": "a track object or null",
    "track": "a track object or null",
    "album": "an album object or null",
    "artists": "a list of artist objects",
}


def _shown(value: Any) -> str:
    """The value as it was sent, in JSON, cut to 80 characters."""
    text = json.dumps(value, ensure_ascii=False)
    text = "".join(char if not 0xD800 <= ord(char) <= 0xDFFF else f"\\u{ord(char):04x}" for char in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _fault(value: Any, arrow_type: pa.DataType | pa.Schema, path: str) -> str | None:
    """Why `value` cannot be typed as `arrow_type` ("item.duration_ms is "abc", not ..."), or None."""
    if value is None:
        return None
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    expected, ok = _EXPECTED.get(name), True
    if isinstance(arrow_type, pa.Schema) or pa.types.is_struct(arrow_type):
        ok, expected = isinstance(value, dict), expected or "an object"
        fields = list(arrow_type)
        for child in fields if ok else ():
            fault = _fault(value.get(child.name), child.type, f"{path}.{child.name}".lstrip("."))
            if fault:
                return fault
    elif pa.types.is_list(arrow_type):
        ok, expected = isinstance(value, list), expected or "a list"
        for index, element in enumerate(value if ok else ()):
            fault = _fault(element, arrow_type.value_type, f"{path}[{index}]")
            if fault:
                return fault
    elif pa.types.is_string(arrow_type):
        ok, expected = isinstance(value, str), expected or "a string"
    elif pa.types.is_boolean(arrow_type):
        ok, expected = isinstance(value, bool), expected or "true or false"
    elif pa.types.is_integer(arrow_type):
        bits = arrow_type.bit_width - 1
        whole = isinstance(value, int) and not isinstance(value, bool)
        ok = whole and -(2**bits) <= value < 2**bits
        expected = f"a whole number within {arrow_type}" if whole else expected or "a whole number"
    return None if ok else f"{path} is {_shown(value)}, not {expected}"


def _repaired(value: Any) -> Any:
    """`value` with lone surrogates replaced by U+FFFD and NaN or infinities by null."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _repaired(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_repaired(child) for child in value]
    return value
