"""`LakeStorage`: where the lake is, as a resource. The IO manager writes every asset's output through
it; assets that read other weeks (history, carry-forward, the report) or write files that are not
their output (the report's PNG and Markdown) use it too, so both see the same lake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import dagster as dg
import pyarrow as pa
from pydantic import Field

from spotify_assets.lake import storage
from spotify_assets.lake.conform import TableLike
from spotify_assets.lake.location import week_uri


class LakeStorage(dg.ConfigurableResource):
    """The lake's Parquet storage (`spotify_assets.lake.storage`) at one location."""

    base_uri: str = Field(description="Local path or s3://bucket/prefix of the lake.")
    s3_endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (e.g. http://127.0.0.1:9000); defaults to AWS_ENDPOINT_URL.",
    )

    def uri(self, table: str, week: str | None = None) -> str:
        """The folder URI of one week of `table`, or of the whole table."""
        return week_uri(self.base_uri, table, week)

    def list_weeks(self, table: str) -> list[str]:
        return storage.list_weeks(self.base_uri, table, s3_endpoint_url=self.s3_endpoint_url)

    def read_weeks(
        self,
        table: str,
        weeks: Sequence[str],
        *,
        with_week: bool | None = None,
        missing: Literal["error", "skip"] = "error",
    ) -> pa.Table:
        return storage.read_weeks(
            self.base_uri, table, weeks, with_week=with_week, missing=missing, s3_endpoint_url=self.s3_endpoint_url
        )

    def read_unpartitioned(self, table: str) -> pa.Table:
        return storage.read_unpartitioned(self.base_uri, table, s3_endpoint_url=self.s3_endpoint_url)

    def write_week(self, table: str, week: str | None, data: TableLike) -> storage.WrittenFile:
        return storage.write_week(self.base_uri, table, week, data, s3_endpoint_url=self.s3_endpoint_url)

    def write_weeks(self, table: str, weeks: Sequence[str], data: TableLike) -> list[storage.WrittenFile]:
        return storage.write_weeks(self.base_uri, table, weeks, data, s3_endpoint_url=self.s3_endpoint_url)

    def write_object(self, relative_path: str, data: bytes, *, content_type: str | None = None) -> str:
        return storage.write_object(
            self.base_uri, relative_path, data, content_type=content_type, s3_endpoint_url=self.s3_endpoint_url
        )
