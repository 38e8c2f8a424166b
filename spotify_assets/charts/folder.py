"""The charts folder, `SPOTIFY_CHARTS_DIR`: a local directory or `s3://bucket/prefix` holding chart
CSV files as downloaded (docs/data-contract.md, Spotify Charts).

Only the folder's own visible `.csv` files count (no subfolders). Each file has a version: its
sha256 locally, its ETag on S3, so copying the same file in again is no change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spotify_assets.charts.names import is_chart_candidate

DEFAULT_S3_TIMEOUT_S = 30.0


class ChartFolderError(OSError):
    """The charts folder cannot be listed or read; the message names it and the fix."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ChartFolder:
    location: str  # a local path or s3://bucket/prefix
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S

    @property
    def is_s3(self) -> bool:
        return self.location.startswith("s3://")

    def _bucket_prefix(self) -> tuple[str, str]:
        bucket, _, prefix = self.location.removeprefix("s3://").partition("/")
        prefix = prefix.strip("/")
        return bucket, f"{prefix}/" if prefix else ""

    def _client(self) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=self.s3_timeout_s,
            read_timeout=self.s3_timeout_s,
            retries={"mode": "standard", "total_max_attempts": 2},
        )
        return boto3.client("s3", config=config)

    def _fail(self, action: str, error: BaseException) -> ChartFolderError:
        return ChartFolderError(
            f"SPOTIFY_CHARTS_DIR={self.location}: could not {action}: {error}. Point SPOTIFY_CHARTS_DIR at an "
            "existing folder (or s3://bucket/prefix) of chart CSV files, or unset it to follow no charts."
        )

    def names(self) -> list[str]:
        """The chart candidate files of the folder, by name, without reading them."""
        if self.is_s3:
            return list(self._s3_versions())
        root = Path(self.location)
        if not root.is_dir():
            raise self._fail("list it", FileNotFoundError("no such directory"))
        return sorted(p.name for p in root.iterdir() if p.is_file() and is_chart_candidate(p.name))

    def versions(self) -> dict[str, str]:
        """Every chart candidate file of the folder → its version (sha256 locally, ETag on S3), by name."""
        if self.is_s3:
            return self._s3_versions()
        root = Path(self.location)
        if not root.is_dir():
            raise self._fail("list it", FileNotFoundError("no such directory"))
        try:
            return {
                path.name: sha256_hex(path.read_bytes())
                for path in sorted(root.iterdir())
                if path.is_file() and is_chart_candidate(path.name)
            }
        except OSError as error:
            raise self._fail("read it", error) from error

    def _s3_versions(self) -> dict[str, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, prefix = self._bucket_prefix()
        found: dict[str, str] = {}
        try:
            pages = (
                self._client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(prefix) :]
                    if is_chart_candidate(name):
                        found[name] = obj["ETag"].strip('"')
        except (BotoCoreError, ClientError) as error:
            raise self._fail("list it", error) from error
        return dict(sorted(found.items()))

    def read(self, name: str) -> bytes:
        """The bytes of one file of the folder."""
        if not self.is_s3:
            try:
                return (Path(self.location) / name).read_bytes()
            except OSError as error:
                raise self._fail(f"read {name}", error) from error
        from botocore.exceptions import BotoCoreError, ClientError

        bucket, prefix = self._bucket_prefix()
        try:
            return self._client().get_object(Bucket=bucket, Key=prefix + name)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise self._fail(f"read {name}", error) from error
