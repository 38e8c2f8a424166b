"""Which raw week a table was built from: the raw week's fingerprint, recorded in the footer of
every curated table file built from it, so a table older than its raw week shows
(docs/faults.md; the `tables_match_raw` check)."""

import hashlib
import json
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spotify_assets.lake.location import DEFAULT_S3_TIMEOUT_S, PART_FILE, open_lake, parallel
from spotify_assets.lake.rules import Outcome, Rule


def raw_fingerprint(raw: pa.Table) -> str:
    """A sha256 of one raw week's content (every column, row by row, nulls included), whatever its
    chunking: the tables built from it record it, so a table older than its raw week shows."""
    digest = hashlib.sha256()
    for name in sorted(raw.column_names):
        # validity, value lengths and value bytes hashed as three streams: chunk boundaries do not matter
        streams = [hashlib.sha256() for _ in range(3)]
        for chunk in pc.cast(raw[name], pa.large_string()).chunks:
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
            streams[0].update(chunk.is_valid().to_numpy(zero_copy_only=False).astype(np.uint8).tobytes())
            streams[1].update(np.diff(offsets).tobytes())
            if chunk.buffers()[2] is not None:
                streams[2].update(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])
        digest.update(name.encode() + b"\0" + b"".join(stream.digest() for stream in streams))
    return digest.hexdigest()


# A table built from a raw week carries, in its schema metadata, the raw fingerprint of each week
# (JSON {week: sha256}: `raw_records.raw_fingerprint`); each week's file keeps its own in its footer.
FINGERPRINTS_KEY = b"spotify_assets.raw_fingerprints"
FINGERPRINT_KEY = b"spotify_assets.raw_fingerprint"


def with_fingerprints(data: pa.Table, fingerprints: dict[str, str]) -> pa.Table:
    """`data` tagged with the raw fingerprint of each of its weeks, for the writers below."""
    return data.replace_schema_metadata({**(data.schema.metadata or {}), FINGERPRINTS_KEY: json.dumps(fingerprints)})


def fingerprints_of(data: pa.Table) -> dict[str, str]:
    return json.loads((data.schema.metadata or {}).get(FINGERPRINTS_KEY, b"{}"))


def stamped(data: pa.Table, fingerprint: str | None) -> pa.Table:
    return data if fingerprint is None else data.replace_schema_metadata({FINGERPRINT_KEY: fingerprint})


def stored_fingerprints(
    base_uri: str,
    table: str,
    weeks: Sequence[str],
    *,
    s3_endpoint_url: str | None = None,
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S,
) -> dict[str, str | None]:
    """The raw fingerprint in the footer of each stored week of `table` (None: no file, or a file
    written before fingerprints were recorded). Reads footers only."""
    lake = open_lake(base_uri, s3_endpoint_url, s3_timeout_s=s3_timeout_s)

    def read(week: str) -> str | None:
        path = f"{lake.dir(table, week)}/{PART_FILE}"
        with lake.errors("reading the footer of", path):
            try:
                with lake.fs.open_input_file(path) as handle:
                    metadata = pq.ParquetFile(handle).schema_arrow.metadata or {}
            except FileNotFoundError:
                return None
        value = metadata.get(FINGERPRINT_KEY)
        return value.decode() if value else None

    return dict(zip(weeks, parallel(read, list(weeks)), strict=True))


# Everything built from the stored raw weeks, without extracting again.
REBUILD_SELECTION = "key:raw_playlist+ and not key:raw_playlist"
# The curated tables built from one parse of the raw week (defs/assets/tables.py).
BUILT_FROM_RAW = ("playlists", "songs", "albums", "artists", "rejected_items")

TABLES_MATCH_RAW = Rule(
    table="lake_catalog",
    name="tables_match_raw",
    description=(
        "Every curated table of the week (playlists, songs, albums, artists, rejected_items) was built "
        "from the raw week now stored: a table older than its raw (a run stopped between the two, or "
        "raw_playlist materialized alone) is named, with how to rebuild it."
    ),
)


def tables_match_raw(week: str, raw: str | None, tables: dict[str, str | None]) -> Outcome:
    """`raw`: the stored raw week's fingerprint; `tables`: the one each curated table's file records."""
    if raw is None:
        return Outcome(TABLES_MATCH_RAW, True, f"week {week}: no fingerprinted raw week to compare with")
    older = sorted(table for table, fingerprint in tables.items() if fingerprint != raw)
    if not older:
        return Outcome(TABLES_MATCH_RAW, True, "ok")
    return Outcome(
        TABLES_MATCH_RAW,
        False,
        f"week {week}: {', '.join(older)} were not built from the raw week now stored; rebuild them from it "
        f"(no new extraction): dagster asset materialize -m spotify_assets.definitions "
        f"--select {REBUILD_SELECTION!r} --partition {week}",
        {"stale_tables": older, "week": week},
    )
