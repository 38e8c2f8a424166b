"""`SpotifyChartsResource` (resource key `spotify_charts`): where the chart CSV files are,
`SPOTIFY_CHARTS_DIR` (README.md, Spotify Charts)."""

import dagster as dg
from pydantic import Field

from spotify_assets.charts.folder import DEFAULT_S3_TIMEOUT_S, ChartFolder


class SpotifyChartsResource(dg.ConfigurableResource):
    """The charts folder: a local path or s3://bucket/prefix; None follows no charts."""

    charts_dir: str | None = Field(
        default=None, description="Local path or s3://bucket/prefix of the chart CSV files (SPOTIFY_CHARTS_DIR)."
    )
    s3_timeout_s: float = Field(
        default=DEFAULT_S3_TIMEOUT_S, description="Connect and read timeout of every S3 request, in seconds."
    )

    def folder(self) -> ChartFolder | None:
        return ChartFolder(self.charts_dir, self.s3_timeout_s) if self.charts_dir else None
