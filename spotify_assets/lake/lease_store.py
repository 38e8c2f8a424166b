"""Where the lake's leases live and how one is written, without Dagster: `<lake>/_leases/<key>.json`
on local disk or S3, every write conditional (docs/decisions.md, decision 35; the protocol that uses
them is `lake/lease.py`).

On local disk: an exclusive create (`O_CREAT|O_EXCL`) to take, a replace (`os.replace`) checked
against the bytes read, both under an `flock` of the `_leases` folder that the kernel releases when a
process dies. On S3: `PutObject` with `If-None-Match: *` to take and `If-Match: <etag>` to renew,
release or take over, through boto3 (`pyarrow.fs` cannot make conditional writes).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from spotify_assets.lake.location import Lake

LEASES_DIR = "_leases"


def utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    run_id: str

    @classmethod
    def current(cls, run_id: str) -> Owner:
        return cls(socket.gethostname(), os.getpid(), run_id)

    def dead_here(self) -> bool:
        """This owner's process ran on this host and no longer exists."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # exists, another user's
            return False
        return False

    def __str__(self) -> str:
        return f"run {self.run_id} (pid {self.pid} on host {self.host})"


@dataclass(frozen=True)
class LeaseRecord:
    key: str
    owner: Owner
    since: float  # when this owner took the lease (epoch seconds)
    renewed: float
    expires: float

    def live(self, now: float) -> bool:
        """Unexpired, and not held by a process of this host that is gone (a `kill -9` frees its
        weeks at once on the same machine; elsewhere the TTL decides)."""
        return self.expires > now and not self.owner.dead_here()

    def to_bytes(self) -> bytes:
        fields = asdict(self) | {"expires_utc": utc(self.expires)}
        return json.dumps(fields, indent=1, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaseRecord:
        fields = json.loads(data)
        fields.pop("expires_utc", None)
        return cls(**(fields | {"owner": Owner(**fields["owner"])}))


class LeaseStore(Protocol):
    """Where leases live; every write is conditional. A version is an opaque string (an ETag)."""

    def read(self, key: str) -> tuple[LeaseRecord, str] | None: ...
    def create(self, key: str, record: LeaseRecord) -> str | None: ...  # None: exists already
    def replace(self, key: str, record: LeaseRecord, version: str) -> str | None: ...  # None: changed
    def delete(self, key: str, version: str) -> bool: ...  # False: changed
    def keys(self) -> list[str]: ...


class LocalLeaseStore:
    def __init__(self, root: str) -> None:
        self.dir = f"{root}/{LEASES_DIR}"

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[str]:
        import fcntl

        os.makedirs(self.dir, exist_ok=True)
        # the folder itself is the lock (Linux and macOS flock a directory): no lock file to leave behind
        fd = os.open(self.dir, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield f"{self.dir}/{key}.json"
        finally:
            os.close(fd)  # releases the flock

    @staticmethod
    def _load(path: str) -> tuple[LeaseRecord, str] | None:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            return None
        return LeaseRecord.from_bytes(data), hashlib.sha256(data).hexdigest()

    def read(self, key: str) -> tuple[LeaseRecord, str] | None:
        with self._locked(key) as path:
            return self._load(path)

    def create(self, key: str, record: LeaseRecord) -> str | None:
        data = record.to_bytes()
        with self._locked(key) as path:
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                return None
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        return hashlib.sha256(data).hexdigest()

    def replace(self, key: str, record: LeaseRecord, version: str) -> str | None:
        data = record.to_bytes()
        with self._locked(key) as path:
            current = self._load(path)
            if current is None or current[1] != version:
                return None
            temp = f"{self.dir}/.{key}.json.{os.getpid()}.tmp"
            with open(temp, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        return hashlib.sha256(data).hexdigest()

    def delete(self, key: str, version: str) -> bool:
        with self._locked(key) as path:
            current = self._load(path)
            if current is None or current[1] != version:
                return False
            os.remove(path)
        return True

    def keys(self) -> list[str]:
        names = os.listdir(self.dir) if os.path.isdir(self.dir) else []
        return sorted(n.removesuffix(".json") for n in names if n.endswith(".json") and not n.startswith("."))


class S3LeaseStore:
    """Conditional PUTs through boto3: `If-None-Match: *` creates, `If-Match: <etag>` replaces."""

    def __init__(self, lake: Lake) -> None:
        self.lake = lake
        self.client = lake.boto3_client()
        self.bucket, _, prefix = lake.root.partition("/")
        self.prefix = f"{prefix}/{LEASES_DIR}/".lstrip("/")

    def _put(self, key: str, record: LeaseRecord, **condition: str) -> str | None:
        from botocore.exceptions import ClientError

        path = f"{self.bucket}/{self.prefix}{key}.json"
        try:
            with self.lake.errors("writing the lease", path):
                response = self.client.put_object(
                    Bucket=self.bucket, Key=f"{self.prefix}{key}.json", Body=record.to_bytes(), **condition
                )
        except ClientError as error:
            # 412: the condition failed; 409: a concurrent conditional write won; 404: gone meanwhile
            if error.response["Error"]["Code"] in {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"}:
                return None
            raise
        return response["ETag"]

    def read(self, key: str) -> tuple[LeaseRecord, str] | None:
        path = f"{self.bucket}/{self.prefix}{key}.json"
        try:
            with self.lake.errors("reading the lease", path):
                response = self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}{key}.json")
                return LeaseRecord.from_bytes(response["Body"].read()), response["ETag"]
        except self.client.exceptions.NoSuchKey:
            return None

    def create(self, key: str, record: LeaseRecord) -> str | None:
        return self._put(key, record, IfNoneMatch="*")

    def replace(self, key: str, record: LeaseRecord, version: str) -> str | None:
        return self._put(key, record, IfMatch=version)

    def delete(self, key: str, version: str) -> bool:
        # S3 has no conditional delete on every store: check the version, then delete. Callers
        # delete only a lease they have just renewed, which nobody can take over before it expires.
        current = self.read(key)
        if current is None or current[1] != version:
            return False
        with self.lake.errors("deleting the lease", f"{self.bucket}/{self.prefix}{key}.json"):
            self.client.delete_object(Bucket=self.bucket, Key=f"{self.prefix}{key}.json")
        return True

    def keys(self) -> list[str]:
        with self.lake.errors("listing the leases", f"{self.bucket}/{self.prefix}"):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
            names = [o["Key"][len(self.prefix) :] for page in pages for o in page.get("Contents", [])]
        return sorted(n.removesuffix(".json") for n in names if n.endswith(".json") and "/" not in n)


def lease_store(lake: Lake) -> LeaseStore:
    return S3LeaseStore(lake) if lake.is_s3 else LocalLeaseStore(lake.root)
