"""Where the lake is: a local folder or `s3://bucket/prefix`, opened as a `pyarrow.fs` filesystem.

Layout (Hive): `<base>/<table>/week=<YYYY-MM-DD>/part-0.parquet`, or `<base>/<table>/part-0.parquet`
for an unpartitioned table (docs/data-contract.md, Layout and types).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pyarrow.fs as pafs

MAX_THREADS = 8
# The one data file of a week folder (or of an unpartitioned table's folder).
PART_FILE = "part-0.parquet"
DEFAULT_S3_TIMEOUT_S = 30.0
# attempts per S3 request (the first and one retry): a hanging endpoint costs about twice the timeout
S3_ATTEMPTS = 2
# what pyarrow's (curl's) and botocore's messages say when the endpoint does not answer
_UNREACHABLE = ("curlCode: 28", "Timeout was reached", "curlCode: 7,", "NETWORK_CONNECTION")


class LakeUnreachableError(OSError):
    """The lake's S3 endpoint did not answer within the timeout, or refused the connection."""


class LakeBucketMissingError(FileNotFoundError):
    """The lake's S3 bucket does not exist."""


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
    s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S
    endpoint: str | None = None  # the S3 endpoint requests go to, for messages

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
                with contextlib.suppress(FileNotFoundError):  # e.g. an orphan another run removed
                    os.remove(path)
            return
        # pyarrow's S3 delete_file re-creates the parent "directory" as an empty `week=.../`
        # marker object after every delete; boto3 deletes just the objects.
        client = self.boto3_client()
        bucket = paths[0].split("/", 1)[0]
        for start in range(0, len(paths), 1000):
            keys = [{"Key": p.split("/", 1)[1]} for p in paths[start : start + 1000]]
            with self.errors("deleting", paths[start]):
                response = client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if response.get("Errors"):
                raise OSError(f"could not delete stale lake objects: {response['Errors']}")

    def boto3_client(self) -> Any:
        """An S3 client for what pyarrow cannot do, with the lake's timeouts and retries."""
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=self.s3_timeout_s,
            read_timeout=self.s3_timeout_s,
            retries={"mode": "standard", "total_max_attempts": S3_ATTEMPTS},
        )
        return boto3.client("s3", endpoint_url=self.s3_endpoint_url, config=config)

    @contextlib.contextmanager
    def errors(self, action: str, path: str) -> Iterator[None]:
        """Turn an S3 timeout or refused connection while `action` on `path` into a
        `LakeUnreachableError` naming the endpoint, the object and what to check."""
        if not self.is_s3:
            yield
            return
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            yield
        except LakeUnreachableError:
            raise
        except (BotoConnectionError, HTTPClientError) as error:
            raise LakeUnreachableError(self._unreachable(action, path, error)) from error
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchBucket":
                raise
            raise LakeBucketMissingError(self._no_bucket(action, path)) from error
        except OSError as error:
            if "NO_SUCH_BUCKET" in str(error):
                raise LakeBucketMissingError(self._no_bucket(action, path)) from error
            if not any(sign in str(error) for sign in _UNREACHABLE):
                raise
            raise LakeUnreachableError(self._unreachable(action, path, error)) from error

    def _no_bucket(self, action: str, path: str) -> str:
        bucket = path.split("/", 1)[0]
        return (
            f"the lake's bucket {bucket!r} does not exist at {self.endpoint} (while {action} "
            f"{self.uri(path)}). Create it (the stack's lake bucket: docs/deploy-aws.md), or set "
            f"SPOTIFY_ASSETS_LAKE to s3://<an existing bucket>/<prefix>."
        )

    def _unreachable(self, action: str, path: str, error: BaseException) -> str:
        return (
            f"the lake's S3 endpoint {self.endpoint} did not answer while {action} "
            f"{self.uri(path)} (timeout {self.s3_timeout_s:g} s per request, {S3_ATTEMPTS} attempts): "
            f"{error}. Check that the endpoint is reachable from this machine (network, VPN, proxy, "
            f"firewall or security group), that AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) names "
            f"the right endpoint and that the bucket exists there; if the store is only slow, raise "
            f"SPOTIFY_ASSETS_S3_TIMEOUT_S."
        )


def open_lake(base_uri: str, s3_endpoint_url: str | None = None, *, s3_timeout_s: float = DEFAULT_S3_TIMEOUT_S) -> Lake:
    """The lake at `base_uri`; on S3 every request gives up after `s3_timeout_s` (connect and read)."""
    base = normalize_base(base_uri)
    if not is_s3_uri(base):
        fs, root = pafs.FileSystem.from_uri(base)
        return Lake(fs, root.rstrip("/"), base, s3_endpoint_url, s3_timeout_s)
    limits = {
        "connect_timeout": s3_timeout_s,
        "request_timeout": s3_timeout_s,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=S3_ATTEMPTS),
    }
    if s3_endpoint_url:
        endpoint = urlparse(s3_endpoint_url)
        fs = pafs.S3FileSystem(
            endpoint_override=endpoint.netloc or endpoint.path,
            scheme="http" if endpoint.scheme == "http" else "https",
            **limits,
        )
        root = base.removeprefix("s3://")
    else:
        # from_uri honours AWS_ENDPOINT_URL, env credentials and region; the same options again
        # with the timeouts (its pickled form is the constructor's arguments)
        resolved, root = pafs.FileSystem.from_uri(base)
        options = resolved.__reduce__()[1][0]
        fs = pafs.S3FileSystem(**{**options, **limits})
    options = fs.__reduce__()[1][0]
    region = options.get("region") or "us-east-1"
    endpoint_name = s3_endpoint_url or options.get("endpoint_override") or f"https://s3.{region}.amazonaws.com"
    return Lake(fs, root.rstrip("/"), base, s3_endpoint_url, s3_timeout_s, endpoint_name)


def is_data_file(info: pafs.FileInfo) -> bool:
    return info.base_name.endswith(".parquet") and not info.base_name.startswith((".", "_"))


def is_temp_file(name: str) -> bool:
    """A local write in flight (or orphaned by a crash): `.<name>.<uuid>.tmp`."""
    return name.startswith(".") and name.endswith(".tmp")


def parallel(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    if len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(items))) as pool:
        return list(pool.map(fn, items))
