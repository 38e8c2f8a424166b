"""`LakeStorage`: where the lake is, as a resource. The IO manager writes every asset's output through
it; assets that read other weeks (history, carry-forward, the report) or write files that are not
their output (the report's PNG and Markdown) use it too, so both see the same lake.

In a run it is also the run's writer identity (docs/decisions.md, decisions 35 and 36): it takes the
lease of a week the first time the run writes to it, renews the leases from a heartbeat thread and
releases them when the run ends; at set-up it cleans up after writers that died (their orphaned
temporary files) and marks their runs failed in this Dagster instance.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal

import dagster as dg
import pyarrow as pa
from pydantic import Field, PrivateAttr

from spotify_assets.defs.dagster_internals import free_pool_slots
from spotify_assets.endpoints import EndpointRefusedError, aws_endpoints_from_env
from spotify_assets.lake import fingerprints, reading, storage
from spotify_assets.lake.conform import TableLike
from spotify_assets.lake.lease import DEFAULT_TTL_S, Leases, week_key
from spotify_assets.lake.lease_store import LeaseRecord, Owner, lease_store, utc
from spotify_assets.lake.location import DEFAULT_S3_TIMEOUT_S, is_s3_uri, open_lake, week_uri
from spotify_assets.lake.recovery import clean_on_take, recover

# a run whose lease expired while it was in one of these never finished
_UNFINISHED = {dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED}

# One `Leases` per run and lake in this process, counted: Dagster sets up the `lake` resource and
# the copy nested in the IO manager separately, and both must write as the same holder.
_RUN_LEASES: dict[tuple[str, str], tuple[Leases, int]] = {}
_RUN_LEASES_LOCK = threading.Lock()


def report_dead_run(instance: dg.DagsterInstance | None, previous: LeaseRecord, log) -> None:
    """Mark the run of an expired, unreleased lease failed, if this instance shows it unfinished."""
    run = instance.get_run_by_id(previous.owner.run_id) if instance is not None else None
    if run is None:
        log.warning(f"took over the expired lease of {previous.key} from {previous.owner}: not a run of this instance")
        return
    if run.status in _UNFINISHED:
        instance.report_run_failed(
            run,
            message=(
                f"Marked failed by a later run: this run's lease of {previous.key} expired at "
                f"{utc(previous.expires)} without being released, so its process ({previous.owner}) died or "
                f"stalled. The weeks it was writing kept their previous files; materialize them again."
            ),
        )
        free_pool_slots(instance, run.run_id)
        log.warning(f"marked run {run.run_id} failed: its lease of {previous.key} expired unreleased")


class LakeStorage(dg.ConfigurableResource):
    """The lake's Parquet storage (`spotify_assets.lake.storage`) at one location."""

    base_uri: str = Field(description="Local path or s3://bucket/prefix of the lake.")
    s3_timeout_s: float = Field(
        default=DEFAULT_S3_TIMEOUT_S, description="Connect and read timeout of every S3 request, in seconds."
    )
    lease_ttl_s: float = Field(
        default=DEFAULT_TTL_S, description="A week's lease expires this long after its writer last renewed it."
    )
    lease_wait_s: float | None = Field(
        default=None, description="How long a run waits for a week another run holds (default: the TTL)."
    )
    _leases: Leases | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if is_s3_uri(self.base_uri):
            # An S3-compatible endpoint comes from AWS_ENDPOINT_URL(_S3) only, never from run
            # config: the run's AWS credentials sign every request to it (docs/decisions.md, 38).
            try:
                aws_endpoints_from_env()
            except EndpointRefusedError as error:
                raise dg.Failure(description=str(error), allow_retries=False) from error
        if not context.run_id:
            return
        with _RUN_LEASES_LOCK:
            key = (context.run_id, self.base_uri)
            if key in _RUN_LEASES:
                self._leases, users = _RUN_LEASES[key]
                _RUN_LEASES[key] = (self._leases, users + 1)
                return
            self._leases = self._start_leases(context)
            _RUN_LEASES[key] = (self._leases, 1)

    def _start_leases(self, context: dg.InitResourceContext) -> Leases:
        lake = open_lake(self.base_uri, s3_timeout_s=self.s3_timeout_s)
        log = context.log

        def report(key: str, previous: LeaseRecord | None) -> None:
            if previous is not None and previous.owner.run_id != context.run_id:
                report_dead_run(context.instance, previous, log)

        leases = Leases(
            lease_store(lake),
            Owner.current(context.run_id),
            where=lake.base_uri,
            ttl_s=self.lease_ttl_s,
            wait_s=self.lease_wait_s,
            on_taken=clean_on_take(lake, report),
        )
        recovered = recover(lake, leases)
        if recovered:
            log.warning(f"cleaned up after dead writers of the lake: {', '.join(recovered)}")
        leases.start_heartbeat()
        return leases

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._leases is None:
            return
        with _RUN_LEASES_LOCK:
            key = (context.run_id, self.base_uri)
            leases, users = _RUN_LEASES.pop(key, (self._leases, 1))
            if users > 1:
                _RUN_LEASES[key] = (leases, users - 1)
            else:
                leases.close()
            self._leases = None

    def hold_weeks(self, weeks: Sequence[str]) -> None:
        """Take the leases of `weeks` now, before any write: a run killed while it extracts is then
        recognised as dead by the next one (docs/decisions.md, decision 36)."""
        if self._leases is not None:
            self._leases.hold([week_key(week, "") for week in weeks])

    def uri(self, table: str, week: str | None = None) -> str:
        """The folder URI of one week of `table`, or of the whole table."""
        return week_uri(self.base_uri, table, week)

    def _where(self) -> dict:
        return {"s3_timeout_s": self.s3_timeout_s}

    def list_weeks(self, table: str) -> list[str]:
        return reading.list_weeks(self.base_uri, table, **self._where())

    def read_weeks(
        self,
        table: str,
        weeks: Sequence[str],
        *,
        with_week: bool | None = None,
        missing: Literal["error", "skip"] = "error",
    ) -> pa.Table:
        return reading.read_weeks(self.base_uri, table, weeks, with_week=with_week, missing=missing, **self._where())

    def read_unpartitioned(self, table: str) -> pa.Table:
        return reading.read_unpartitioned(self.base_uri, table, **self._where())

    def write_week(self, table: str, week: str | None, data: TableLike) -> storage.WrittenFile:
        return storage.write_week(self.base_uri, table, week, data, leases=self._leases, **self._where())

    def write_weeks(self, table: str, weeks: Sequence[str], data: TableLike) -> list[storage.WrittenFile]:
        return storage.write_weeks(self.base_uri, table, weeks, data, leases=self._leases, **self._where())

    def write_object(self, relative_path: str, data: bytes, *, content_type: str | None = None) -> str:
        return storage.write_object(
            self.base_uri, relative_path, data, content_type=content_type, leases=self._leases, **self._where()
        )

    def fingerprints(self, table: str, weeks: Sequence[str]) -> dict[str, str | None]:
        """The raw fingerprint each stored week of `table` records (footers only)."""
        return fingerprints.stored_fingerprints(self.base_uri, table, weeks, **self._where())
