"""One writer per week of the lake: leases across processes, instances and hosts, without Dagster
(docs/decisions.md, decision 35).

A lease is a small JSON object, `<lake>/_leases/week=<YYYY-MM-DD>.json` (`table=<name>.json` for an
unpartitioned table): its owner (host, pid, run id), since when it is held and until when. A run
takes a week's lease the first time it writes to the week, renews it from a heartbeat thread every
TTL/4 and releases it (deletes it) when it ends; a lease that was not renewed within its TTL is
expired, its writer dead or stalled, and the next writer takes it over. The `_` prefix keeps the folder out of every table
listing, pyarrow dataset, DuckDB glob and Glue crawl (`location.is_data_file`, the crawler's
`**/_*` exclusion).

Every change is a compare-and-swap (`lake/lease_store.py`: an exclusive create and an `flock`ed,
checked replace on disk; conditional PUTs on S3). Expiry compares the writer's clock with the
reader's: hosts' clocks must agree to well within the TTL.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

from spotify_assets.lake.lease_store import LeaseRecord, LeaseStore, Owner, utc

DEFAULT_TTL_S = 120.0
log = logging.getLogger(__name__)


def week_key(week: str | None, table: str) -> str:
    """The lease that guards a write of `week` of `table` (the table's own lease when unpartitioned)."""
    return f"week={week}" if week is not None else f"table={table}"


class LeaseHeldError(RuntimeError):
    """Another live writer holds a week this run must write."""


class LeaseLostError(RuntimeError):
    """This run's lease of a week expired or was taken over: it must not write the week any more."""


class Leases:
    """The leases one run holds on one lake. Thread-safe; `hold` takes, `close` releases.

    `on_taken(key, previous)` is called after each take, `previous` being the record of an expired
    lease that was never released (its writer died or stalled), else None.
    """

    def __init__(
        self,
        store: LeaseStore,
        owner: Owner,
        *,
        where: str,
        ttl_s: float = DEFAULT_TTL_S,
        wait_s: float | None = None,
        poll_s: float | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        on_taken: Callable[[str, LeaseRecord | None], None] | None = None,
    ) -> None:
        self.store, self.owner, self.where = store, owner, where
        self.ttl_s = ttl_s
        self.wait_s = ttl_s if wait_s is None else wait_s
        self.poll_s = poll_s if poll_s is not None else min(1.0, ttl_s / 8)
        self.clock, self.sleep, self.on_taken = clock, sleep, on_taken
        self._held: dict[str, tuple[LeaseRecord, str]] = {}
        self._lost: dict[str, str] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- taking ------------------------------------------------------------------------------

    def hold(self, keys: Iterable[str]) -> None:
        """Hold every lease of `keys` (in sorted order, so runs cannot deadlock), waiting up to
        `wait_s` for each; raise `LeaseHeldError` naming the holder when one stays held."""
        for key in sorted(set(keys)):
            if key in self._lost:
                self.ensure(key)
            deadline, told = self.clock() + self.wait_s, False
            # not under the lock while waiting: the heartbeat must keep renewing the others
            while (holder := self.try_take(key)) is not None:
                if self.clock() >= deadline:
                    raise LeaseHeldError(self._held_message(holder))
                if not told:
                    log.warning(
                        "waiting up to %g s for %s of %s, held by %s", self.wait_s, key, self.where, holder.owner
                    )
                    told = True
                self.sleep(self.poll_s)

    def try_take(self, key: str) -> LeaseRecord | None:
        """Take the lease of `key` if it is free, released or expired; else the live holder's record."""
        with self._lock:
            if key in self._held:
                return None
            now = self.clock()
            mine = LeaseRecord(key, self.owner, since=now, renewed=now, expires=now + self.ttl_s)
            current = self.store.read(key)
            if current is None:
                version = self.store.create(key, mine)
                previous = None
            else:
                record, found = current
                if record.live(now) and record.owner != self.owner:
                    return record
                version = self.store.replace(key, mine, found)
                previous = None if record.owner == self.owner else record
            if version is None:  # another writer changed it between our read and write
                again = self.store.read(key)
                return again[0] if again else self.try_take(key)
            self._held[key] = (mine, version)
            self._lost.pop(key, None)
        if self.on_taken is not None:
            self.on_taken(key, previous)
        return None

    def _held_message(self, holder: LeaseRecord) -> str:
        what = holder.key.replace("=", " ", 1)
        return (
            f"{what} of the lake {self.where} is being written by {holder.owner}, since "
            f"{utc(holder.since)}; its lease was renewed at {utc(holder.renewed)} and expires at "
            f"{utc(holder.expires)} unless renewed. Waited {self.wait_s:g} s. Wait for that run to "
            f"finish (or stop it) and start this one again; if that run's process is dead, its lease "
            f"expires {self.ttl_s:g} s after its last renewal and the next run takes it over. "
            f"SPOTIFY_ASSETS_LEASE_WAIT_S sets how long a run waits."
        )

    # --- holding -----------------------------------------------------------------------------

    def ensure(self, key: str) -> None:
        """Raise `LeaseLostError` unless this run still holds `key` by its own clock."""
        with self._lock:
            if key in self._lost:
                raise LeaseLostError(self._lost[key])
            if key not in self._held:
                raise LeaseLostError(f"{key} of the lake {self.where} is not held by {self.owner}")
            if self._held[key][0].expires <= self.clock():
                self.renew()
                if key in self._lost:
                    raise LeaseLostError(self._lost[key])

    def renew(self) -> None:
        """Extend every held lease by the TTL; a lease changed by someone else is lost."""
        with self._lock:
            now = self.clock()
            for key, (record, version) in list(self._held.items()):
                renewed = replace(record, renewed=now, expires=now + self.ttl_s)
                new_version = self.store.replace(key, renewed, version)
                if new_version is None:
                    del self._held[key]
                    self._lost[key] = (
                        f"{key} of the lake {self.where} was taken over by another writer after "
                        f"{self.owner} failed to renew it within {self.ttl_s:g} s; this run stops writing it"
                    )
                else:
                    self._held[key] = (renewed, new_version)

    def start_heartbeat(self, interval_s: float | None = None) -> None:
        interval = self.ttl_s / 4 if interval_s is None else interval_s

        def beat() -> None:
            while not self._stop.wait(interval):
                with contextlib.suppress(Exception):  # a failed beat is retried; the TTL is the bound
                    self.renew()

        self._thread = threading.Thread(target=beat, name="lake-lease-heartbeat", daemon=True)
        self._thread.start()

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._held)

    def release(self, keys: Iterable[str] | None = None) -> None:
        """Delete the leases of `keys` (default: all held), renewed first: a lease is deleted only
        while nobody else can have taken it over."""
        with self._lock:
            self.renew()
            for key in sorted(self._held if keys is None else set(keys) & set(self._held)):
                _, version = self._held.pop(key)
                self.store.delete(key, version)

    def close(self) -> None:
        """Stop the heartbeat and release every lease still held."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            self.release()
        except Exception as error:  # e.g. the store is unreachable: the leases expire by themselves
            log.warning(
                "could not release the leases %s of %s (%s); they expire unrenewed", self.held(), self.where, error
            )
