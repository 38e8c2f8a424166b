"""One week's dimension snapshots from the week's lake tables and the snapshots before (no I/O).

Sources: `dim_playlist` from `playlists`, `dim_song` from `songs` (the first row of a song by
(`playlist_id`, `position`), as `albums` takes its values), `dim_album` from `albums`, `dim_artist`
from `artists`; `bridge_song_artist` is every artist of every version of `dim_song`; `dim_week` adds
the week to the weeks before. Popularity, followers and snapshot ids change every week: they are
measures (on the facts or in `playlists`), not attributes, so they do not make versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pyarrow as pa

from spotify_assets.lake.star_schemas import BRIDGE_SONG_ARTIST, DIM_WEEK, STAR_SCHEMAS
from spotify_assets.star.versions import UNKNOWN, first_rows, next_snapshot, week_date


@dataclass(frozen=True)
class Dimension:
    table: str
    key: str
    attributes: tuple[str, ...]
    source: str  # the lake table the week's members come from
    name_column: str  # set to "unknown" on the unknown member, so a BI tool shows a label


DIMENSIONS = (
    Dimension(
        "dim_playlist",
        "playlist_id",
        ("playlist_name", "owner_id", "owner_name", "description", "url"),
        "playlists",
        "playlist_name",
    ),
    Dimension(
        "dim_song",
        "song_id",
        ("song_name", "duration_ms", "explicit", "isrc", "url", "album_id", "artist_id", "artist_ids"),
        "songs",
        "song_name",
    ),
    Dimension(
        "dim_album",
        "album_id",
        ("album_name", "album_type", "release_date", "release_date_precision", "total_tracks", "url", "artist_ids"),
        "albums",
        "album_name",
    ),
    Dimension("dim_artist", "artist_id", ("artist_name", "url"), "artists", "artist_name"),
)
DIMENSION_KEYS = {d.table: d.key for d in DIMENSIONS}


def _ordered_songs(songs: pa.Table) -> pa.Table:
    return songs.sort_by([("playlist_id", "ascending"), ("position", "ascending")])


def dimension_snapshot(
    dimension: Dimension,
    week: str,
    source: pa.Table,
    previous: pa.Table | None,
    only_new: Sequence[dict] = (),
) -> pa.Table:
    if dimension.source == "songs":
        source = _ordered_songs(source)
    return next_snapshot(
        previous,
        first_rows(source, dimension.key),
        key=dimension.key,
        attributes=dimension.attributes,
        week=week,
        schema=STAR_SCHEMAS[dimension.table],
        unknown={dimension.name_column: UNKNOWN},
        only_new=only_new,
    )


def bridge_snapshot(dim_song: pa.Table) -> pa.Table:
    """Every artist of every version of every song, with the version's validity."""
    rows = [
        {
            "song_id": version["song_id"],
            "artist_id": artist_id,
            "artist_position": position,
            "valid_from_week": version["valid_from_week"],
            "valid_to_week": version["valid_to_week"],
            "is_current": version["is_current"],
        }
        for version in dim_song.to_pylist()
        for position, artist_id in enumerate(version["artist_ids"] or [], start=1)
        if artist_id is not None
    ]
    return pa.Table.from_pylist(rows, schema=BRIDGE_SONG_ARTIST)


def week_row(week: str) -> dict:
    """The `dim_week` row of a Monday key: ISO year and week; month, quarter and year of its Thursday,
    so a week across two months or years belongs where most of its days are, as ISO weeks do."""
    monday = week_date(week)
    thursday = monday + timedelta(days=3)
    iso = monday.isocalendar()
    return {
        "week_start": monday,
        "week_end": monday + timedelta(days=6),
        "iso_year": iso.year,
        "iso_week": iso.week,
        "month": thursday.month,
        "quarter": (thursday.month - 1) // 3 + 1,
        "year": thursday.year,
    }


def week_snapshot(week: str, previous: pa.Table | None) -> pa.Table:
    rows = previous.to_pylist() if previous is not None else []
    if week_date(week) not in {row["week_start"] for row in rows}:
        rows.append(week_row(week))
    return pa.Table.from_pylist(sorted(rows, key=lambda row: row["week_start"]), schema=DIM_WEEK)


def week_dimensions(
    week: str,
    sources: Mapping[str, pa.Table],
    previous: Mapping[str, pa.Table | None],
    chart_songs: Sequence[dict] = (),
) -> dict[str, pa.Table]:
    """Every dimension's snapshot of `week` (and the bridge) from the week's lake tables (`sources`,
    by table name) and the snapshots of the week before (`previous`, by dimension; None to start).
    `chart_songs` are songs known only from a chart (`song_id`, `song_name`): added to `dim_song`
    without album or artist when the dimension does not know them."""
    built = {"dim_week": week_snapshot(week, previous.get("dim_week"))}
    for dimension in DIMENSIONS:
        built[dimension.table] = dimension_snapshot(
            dimension,
            week,
            sources[dimension.source],
            previous.get(dimension.table),
            only_new=chart_songs if dimension.table == "dim_song" else (),
        )
    built["bridge_song_artist"] = bridge_snapshot(built["dim_song"])
    return built
