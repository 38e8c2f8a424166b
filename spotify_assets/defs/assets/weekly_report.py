"""`weekly_report`: the week in music as Markdown and a chart, in the UI and next to the data."""

import base64
from urllib.parse import quote

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from spotify_assets.defs.assets.common import OWNERS, SINGLE_RUN
from spotify_assets.defs.resources.lake import LakeStorage
from spotify_assets.lake.schemas import WEEK_COLUMN
from spotify_assets.trends.history import weeks_back
from spotify_assets.trends.render import CHART_WEEKS, IMAGE_NAME, REPORT_NAME, report_markdown, top_artists_png
from spotify_assets.trends.streams_report import STREAMS_IMAGE_NAME, streams_markdown, top_streamed_png

REPORTS_FOLDER = "reports"  # <lake>/reports/week=<week>/: beside the tables, not one of them


def _location(uri: str) -> dg.MetadataValue:
    return dg.MetadataValue.url(uri) if uri.startswith("s3://") else dg.MetadataValue.path(uri)


# Locally the UI can only copy a path (a browser opens no file:// link from it): the labels say where
# the chart is shown instead. On S3 the links open the object's page in the S3 console.
LOCAL_LABELS = {
    "image": "image file (the chart is shown in report: Show Markdown)",
    "streams_image": "streams image file (the chart is shown in report: Show Markdown)",
    "report_file": "report file (the same Markdown as report: Show Markdown)",
}


def s3_console_url(uri: str) -> str:
    """The S3 console page of the object at `uri` (s3://bucket/key)."""
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return f"https://s3.console.aws.amazon.com/s3/object/{bucket}?prefix={quote(key)}"


def file_metadata(name: str, uri: str) -> dict[str, dg.MetadataValue]:
    """`name` -> a link a person can open on S3, or a local path under a label saying where to look."""
    if uri.startswith("s3://"):
        return {name: dg.MetadataValue.url(s3_console_url(uri)), f"{name}_uri": dg.MetadataValue.text(uri)}
    return {LOCAL_LABELS[name]: dg.MetadataValue.path(uri)}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _weeks_of(table: pa.Table, week: str) -> pa.Table:
    return table.filter(pc.equal(table[WEEK_COLUMN], week))


def build_weekly_report(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`weekly_report` over `partitions`."""

    @dg.asset(
        deps=["chart_movements", "artist_trends", "playlists", "song_streams", "artist_streams"],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="trends",
        kinds={"matplotlib", "markdown"},
        owners=OWNERS,
    )
    def weekly_report(context: dg.AssetExecutionContext, lake: LakeStorage) -> dg.MaterializeResult:
        """The week in music, to look at rather than read: top artists and a chart of their songs on
        the charts over the last 12 weeks, then per playlist the top climbers, new entries and exits,
        then the streams on the Spotify Charts: per chart its top streamed songs with their change
        from last week and the artists' share of its streams, with a chart of the leaders' streams
        over the last 12 weeks. Shown as the `report` of each week's materialization; the charts are
        also written next to the data as `<lake>/reports/week=<week>/top_artists.png` and
        `top_streamed.png`, with the report as `report.md`. A week without playlists or without
        chart files still gets its report, saying so."""
        weeks = sorted(context.partition_keys)
        window = sorted(set(weeks_back(weeks[0], CHART_WEEKS)) | set(weeks))
        artist_trends = lake.read_weeks("artist_trends", window, with_week=True, missing="skip")
        movements = lake.read_weeks("chart_movements", weeks, with_week=True, missing="skip")
        playlists = lake.read_weeks("playlists", weeks, with_week=True, missing="skip")
        song_streams = lake.read_weeks("song_streams", window, with_week=True, missing="skip")
        artist_streams = lake.read_weeks("artist_streams", weeks, with_week=True, missing="skip")
        for week in weeks:
            png = top_artists_png(artist_trends, week)
            streams_png = top_streamed_png(song_streams, week)
            folder = f"{REPORTS_FOLDER}/week={week}"
            image_uri = lake.write_object(f"{folder}/{IMAGE_NAME}", png, content_type="image/png")
            streams_image_uri = lake.write_object(
                f"{folder}/{STREAMS_IMAGE_NAME}", streams_png, content_type="image/png"
            )
            names = {r["playlist_id"]: r["playlist_name"] for r in _weeks_of(playlists, week).to_pylist()}
            week_movements = _weeks_of(movements, week).drop_columns([WEEK_COLUMN])
            week_artists = _weeks_of(artist_trends, week).drop_columns([WEEK_COLUMN])
            week_songs_streams = _weeks_of(song_streams, week).drop_columns([WEEK_COLUMN])
            week_artist_streams = _weeks_of(artist_streams, week).drop_columns([WEEK_COLUMN])

            playlists_part = (week, week_movements, week_artists, names)
            streams_part = (week, week_songs_streams, week_artist_streams)
            # the file links the images beside it; the UI gets them inline (the Dagster UI renders data: images)
            markdown = "\n".join(
                [
                    report_markdown(*playlists_part, image=IMAGE_NAME),
                    streams_markdown(*streams_part, image=STREAMS_IMAGE_NAME),
                ]
            )
            report_uri = lake.write_object(
                f"{folder}/{REPORT_NAME}", markdown.encode(), content_type="text/markdown; charset=utf-8"
            )
            inline = "\n".join(
                [
                    report_markdown(*playlists_part, image=_data_uri(png)),
                    streams_markdown(*streams_part, image=_data_uri(streams_png)),
                ]
            )
            context.add_asset_metadata(
                {
                    "report": dg.MetadataValue.md(inline),
                    **file_metadata("image", image_uri),
                    **file_metadata("streams_image", streams_image_uri),
                    **file_metadata("report_file", report_uri),
                    "image_bytes": len(png),
                    "streams_image_bytes": len(streams_png),
                    "dagster/uri": _location(image_uri.rsplit("/", 1)[0]),
                },
                partition_key=week,
            )
        return dg.MaterializeResult()

    return weekly_report
