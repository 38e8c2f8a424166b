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

REPORTS_FOLDER = "reports"  # <lake>/reports/week=<week>/: beside the tables, not one of them


def _location(uri: str) -> dg.MetadataValue:
    return dg.MetadataValue.url(uri) if uri.startswith("s3://") else dg.MetadataValue.path(uri)


# Locally the UI can only copy a path (a browser opens no file:// link from it): the labels say where
# the chart is shown instead. On S3 the links open the object's page in the S3 console.
LOCAL_LABELS = {
    "image": "image file (the chart is shown in report: Show Markdown)",
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


def _weeks_of(table: pa.Table, week: str) -> pa.Table:
    return table.filter(pc.equal(table[WEEK_COLUMN], week))


def build_weekly_report(partitions: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """`weekly_report` over `partitions`."""

    @dg.asset(
        deps=["chart_movements", "artist_trends", "playlists"],
        partitions_def=partitions,
        backfill_policy=SINGLE_RUN,
        group_name="trends",
        kinds={"matplotlib", "markdown"},
        owners=OWNERS,
    )
    def weekly_report(context: dg.AssetExecutionContext, lake: LakeStorage) -> dg.MaterializeResult:
        """The week in music, to look at rather than read: top artists and a chart of their songs on
        the charts over the last 12 weeks, then per playlist the top climbers, new entries and exits.
        Shown as the `report` of each week's materialization; the chart is also written next to the
        data as `<lake>/reports/week=<week>/top_artists.png`, with the report as `report.md`."""
        weeks = sorted(context.partition_keys)
        window = sorted(set(weeks_back(weeks[0], CHART_WEEKS)) | set(weeks))
        artist_trends = lake.read_weeks("artist_trends", window, with_week=True, missing="skip")
        movements = lake.read_weeks("chart_movements", weeks, with_week=True)
        playlists = lake.read_weeks("playlists", weeks, with_week=True, missing="skip")
        for week in weeks:
            png = top_artists_png(artist_trends, week)
            folder = f"{REPORTS_FOLDER}/week={week}"
            image_uri = lake.write_object(f"{folder}/{IMAGE_NAME}", png, content_type="image/png")
            names = {r["playlist_id"]: r["playlist_name"] for r in _weeks_of(playlists, week).to_pylist()}
            week_movements = _weeks_of(movements, week).drop_columns([WEEK_COLUMN])
            week_artists = _weeks_of(artist_trends, week).drop_columns([WEEK_COLUMN])
            # the file links the image beside it; the UI gets it inline (the Dagster UI renders data: images)
            markdown = report_markdown(week, week_movements, week_artists, names, image=IMAGE_NAME)
            report_uri = lake.write_object(
                f"{folder}/{REPORT_NAME}", markdown.encode(), content_type="text/markdown; charset=utf-8"
            )
            inline = report_markdown(
                week,
                week_movements,
                week_artists,
                names,
                image="data:image/png;base64," + base64.b64encode(png).decode(),
            )
            context.add_asset_metadata(
                {
                    "report": dg.MetadataValue.md(inline),
                    **file_metadata("image", image_uri),
                    **file_metadata("report_file", report_uri),
                    "image_bytes": len(png),
                    "dagster/uri": _location(image_uri.rsplit("/", 1)[0]),
                },
                partition_key=week,
            )
        return dg.MaterializeResult()

    return weekly_report
