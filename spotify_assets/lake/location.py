"""Where the lake is: a local folder or `s3://bucket/prefix`, opened as a `pyarrow.fs` filesystem.

Layout (Hive): `<base>/<table>/week=<YYYY-MM-DD>/part-0.parquet`, or `<base>/<table>/part-0.parquet`
for an unpartitioned table (docs/data-contract.md, Layout and types).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pyarrow.fs as pafs

MAX_THREADS = 8


def is_s3_uri(base_uri: str) -> bool:
    return base_uri.startswith("s3://")


def normalize_base(base_uri: str) -> str:
    if is_s3_uri(base_uri) or "://" in base_uri:
        return base_uri.rstrip("/")
    return os.path.abspath(os.path.expanduser(base_uri))


def week_dir_name(week: str) -> str:
    return f"week={week}"


def week_uri(base_uri: str, table: str, week: str | None = None) -> str:
    """The folder URI of one week of a table, or of the whole table when `week` is None."""
    table_uri = f"{normalize_base(base_uri)}/{table}"
    return table_uri if week is None else f"{table_uri}/{week_dir_name(week)}"


@dataclass(frozen=True)
class Lake:
    fs: pafs.FileSystem
    root: str  # the base as a path of `fs` (no scheme)
    base_uri: str
    s3_endpoint_url: str | None

    @property
    def is_s3(self) -> bool:
        return is_s3_uri(self.base_uri)

    def dir(self, table: str, week: str | None = None) -> str:
        return f"{self.root}/{table}" + ("" if week is None else f"/{week_dir_name(week)}")

    def uri(self, path: str) -> str:
        return f"s3://{path}" if self.is_s3 else path

    def files(self, directory: str, recursive: bool = True) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(directory, recursive=recursive, allow_not_found=True)
        return [i for i in self.fs.get_file_info(selector) if i.type == pafs.FileType.File]

    def delete(self, paths: Sequence[str]) -> None:
        if not paths:
            return
        if not self.is_s3:
            for path in paths:
                os.remove(path)
            return
        # pyarrow's S3 delete_file re-creates the parent "directory" as an empty `week=.../`
        # marker object after every delete; boto3 deletes just the objects.
        import boto3

        client = boto3.client("s3", endpoint_url=self.s3_endpoint_url)
        bucket = paths[0].split("/", 1)[0]
        for start in range(0, len(paths), 1000):
            keys = [{"Key": p.split("/", 1)[1]} for p in paths[start : start + 1000]]
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if response.get("Errors"):
                raise OSError(f"could not delete stale lake objects: {response['Errors']}")


def open_lake(base_uri: str, s3_endpoint_url: str | None = None) -> Lake:
    base = normalize_base(base_uri)
    if is_s3_uri(base) and s3_endpoint_url:
        endpoint = urlparse(s3_endpoint_url)
        fs: pafs.FileSystem = pafs.S3FileSystem(
            endpoint_override=endpoint.netloc or endpoint.path,
            scheme="http" if endpoint.scheme == "http" else "https",
        )
        root = base.removeprefix("s3://")
    else:
        # honours AWS_ENDPOINT_URL, env credentials and region for s3://
        fs, root = pafs.FileSystem.from_uri(base)
    return Lake(fs, root.rstrip("/"), base, s3_endpoint_url)


def is_data_file(info: pafs.FileInfo) -> bool:
    return info.base_name.endswith(".parquet") and not info.base_name.startswith((".", "_"))


def parallel(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(items))) as pool:
        return list(pool.map(fn, items))
