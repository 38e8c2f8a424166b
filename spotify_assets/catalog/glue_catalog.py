"""The lake in the AWS Glue Data Catalog, for Athena (boto3 only, no Dagster).

Two ways to make a week queryable:

- *partitions*: when every table exists in Glue with exactly the columns of `lake/schemas.py`, register
  the run's `week=` folders as partitions with `BatchCreatePartition` (seconds, free);
- *crawl*: when a table or a column is new, run the Glue crawler (a minute or more, billed), which
  creates or updates the tables and adds every partition it finds.

Either way, each snapshot dimension's Athena view `<table>_latest` (`catalog/athena_views.py`) is then
created or updated once its table is in Glue with its columns.

`GlueCatalog.validate()` checks the configuration and decides the path without changing anything,
so bad settings fail before the catalog (or anything else) is touched.

Longer than the project's ~300 lines on purpose: one class over one AWS service, whose methods
share its clients, the plan and the crawl deadline; split, each half would need the other's state.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

from botocore.exceptions import ClientError

from spotify_assets.catalog.athena_views import view_difference, view_name, view_table_input
from spotify_assets.catalog.glue_types import glue_columns
from spotify_assets.catalog.status import CatalogError, CatalogReport, TableStatus
from spotify_assets.lake.schemas import TABLE_SCHEMAS, WEEK_COLUMN
from spotify_assets.lake.star_schemas import SNAPSHOT_TABLES

Mode = Literal["auto", "crawl", "partitions"]

SUCCEEDED = "SUCCEEDED"
# moto reports a successful crawl as COMPLETED; AWS's LastCrawl.Status is SUCCEEDED | CANCELLED |
# FAILED. COMPLETED is accepted as moto's spelling of SUCCEEDED and for nothing else.
MOTO_SUCCEEDED = "COMPLETED"
CRAWL_EVERYTHING = "CRAWL_EVERYTHING"
CRAWL_NEW_FOLDERS_ONLY = "CRAWL_NEW_FOLDERS_ONLY"
_BATCH = 100  # BatchCreatePartition takes at most 100 partitions a call


PARTITION_KEYS = [{"Name": WEEK_COLUMN, "Type": "string"}]


def split_s3_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/a/b/` -> (`bucket`, `a/b`)."""
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise CatalogError(
            f"SPOTIFY_ASSETS_LAKE={uri!r} is not an s3://bucket/prefix URI; the Glue catalog "
            "needs the lake on S3 (a local lake is catalogued in DuckDB)"
        )
    return parsed.netloc, parsed.path.strip("/")


def table_level(lake_uri: str) -> int:
    """Glue's `TableLevelConfiguration` for the lake's table folders (`<lake>/<table>/`): their
    absolute depth, the bucket being level 1."""
    _, prefix = split_s3_uri(lake_uri)
    return 1 + len([p for p in prefix.split("/") if p]) + 1


def crawler_configuration(lake_uri: str) -> str:
    """One table per table folder (even where two tables' schemas are compatible), partitions
    keeping their table's schema."""
    return json.dumps(
        {
            "Version": 1.0,
            "Grouping": {
                "TableGroupingPolicy": "CombineCompatibleSchemas",
                "TableLevelConfiguration": table_level(lake_uri),
            },
            "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
        },
        sort_keys=True,
    )


def s3_lake_weeks(s3: Any, lake_uri: str, table: str) -> set[str]:
    """The weeks of `table` that hold a Parquet file in the lake on S3."""
    bucket, prefix = split_s3_uri(lake_uri)
    folder = f"{prefix}/{table}/{WEEK_COLUMN}=" if prefix else f"{table}/{WEEK_COLUMN}="
    weeks = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
        for obj in page.get("Contents", []):
            week, _, name = obj["Key"][len(folder) :].partition("/")
            if name.endswith(".parquet") and not name.startswith((".", "_")):
                weeks.add(week)
    return weeks


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


@dataclass(frozen=True)
class Plan:
    """What a refresh will do, decided by `GlueCatalog.validate()` before anything changes."""

    path: Literal["crawl", "partitions"]
    new_tables: tuple[str, ...] = ()
    changed_tables: dict[str, str] = field(default_factory=dict)  # table -> what differs
    database_exists: bool = True
    crawler: dict[str, Any] | None = None  # the existing crawler, as get_crawler returned it
    role_arn: str | None = None

    @property
    def schema_stable(self) -> bool:
        return not self.new_tables and not self.changed_tables


@dataclass(frozen=True)
class CrawlResult:
    seconds: float
    status: str
    waited_for_running_crawl: bool


class GlueCatalog:
    """Keeps the Glue database `database` in step with the lake at `lake_uri` (s3://bucket/prefix)."""

    def __init__(
        self,
        glue: Any,
        s3: Any,
        *,
        database: str,
        crawler_name: str,
        lake_uri: str,
        role_arn: str | None = None,
        tables: Sequence[str] = tuple(TABLE_SCHEMAS),
        timeout_s: float = 900.0,
        poll_interval_s: float = 15.0,
        mode: Mode = "auto",
        log: Callable[[str], None] = lambda message: None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.glue, self.s3 = glue, s3
        self.database, self.crawler_name = database, crawler_name
        self.lake_uri = lake_uri.rstrip("/")
        self.role_arn = role_arn
        self.tables = tuple(tables)
        self.timeout_s, self.poll_interval_s = timeout_s, poll_interval_s
        self.mode = mode
        self.log, self.sleep, self.clock = log, sleep, clock

    # --- locations ----------------------------------------------------------------------------

    def table_uri(self, table: str) -> str:
        return f"{self.lake_uri}/{table}/"

    def week_uri(self, table: str, week: str) -> str:
        return f"{self.lake_uri}/{table}/{WEEK_COLUMN}={week}/"

    # --- validation ---------------------------------------------------------------------------

    def validate(self) -> Plan:
        """Check the settings against AWS and decide the path; changes nothing."""
        if not self.database:
            raise CatalogError("GLUE_DATABASE is empty: set it to the Glue database for the lake's tables")
        unknown = [t for t in self.tables if t not in TABLE_SCHEMAS]
        if unknown:
            raise CatalogError(
                f"tables {unknown} have no schema in spotify_assets/lake/schemas.py; known: {list(TABLE_SCHEMAS)}"
            )
        bucket, _ = split_s3_uri(self.lake_uri)
        self._check_bucket(bucket)
        crawler = self._get_crawler()
        if crawler is not None and crawler.get("DatabaseName") != self.database:
            raise CatalogError(
                f"GLUE_CRAWLER={self.crawler_name!r} is already a crawler of Glue database "
                f"{crawler.get('DatabaseName')!r}, not of GLUE_DATABASE={self.database!r}: choose "
                "another GLUE_CRAWLER name (or set GLUE_DATABASE to that database)"
            )
        database_exists = self._database_exists()
        new, changed = [], {}
        for table in self.tables:
            found = self._get_table(table) if database_exists else None
            if found is None:
                new.append(table)
            elif difference := self._schema_difference(table, found):
                changed[table] = difference

        if self.mode == "partitions" and (new or changed):
            problems = [f"{t}: not in Glue database {self.database!r}" for t in new]
            problems += [f"{t}: {d}" for t, d in changed.items()]
            raise CatalogError(
                "mode='partitions' registers partitions of existing tables only, but "
                + "; ".join(problems)
                + ". Run once with mode='auto' or 'crawl' so the crawler creates or updates them."
            )
        path = (
            "partitions" if self.mode == "partitions" or (self.mode == "auto" and not new and not changed) else "crawl"
        )
        role = self.role_arn or (crawler or {}).get("Role")
        if path == "crawl" and not role:
            reason = f"tables {new + list(changed)} are new or changed" if new or changed else "mode='crawl'"
            raise CatalogError(
                f"GLUE_CRAWLER_ROLE_ARN is not set, and the Glue crawler {self.crawler_name!r} must "
                f"run ({reason}) and does not exist yet to take its role from: set "
                "GLUE_CRAWLER_ROLE_ARN to an IAM role Glue can assume that reads the lake's bucket"
            )
        return Plan(path, tuple(new), changed, database_exists, crawler, role)

    def _check_bucket(self, bucket: str) -> None:
        try:
            self.s3.head_bucket(Bucket=bucket)
        except ClientError as error:
            code = _error_code(error)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise CatalogError(
                    f"SPOTIFY_ASSETS_LAKE={self.lake_uri}: bucket {bucket!r} does not exist "
                    "(S3 HeadBucket: 404). Create it or fix SPOTIFY_ASSETS_LAKE."
                ) from None
            if code in ("403", "AccessDenied", "Forbidden"):
                raise CatalogError(
                    f"SPOTIFY_ASSETS_LAKE={self.lake_uri}: no access to bucket {bucket!r} (S3 "
                    "HeadBucket: 403). Check the AWS credentials and the bucket policy."
                ) from None
            raise

    def _get_crawler(self) -> dict[str, Any] | None:
        try:
            return self.glue.get_crawler(Name=self.crawler_name)["Crawler"]
        except ClientError as error:
            if _error_code(error) == "EntityNotFoundException":
                return None
            raise

    def _database_exists(self) -> bool:
        try:
            self.glue.get_database(Name=self.database)
            return True
        except ClientError as error:
            if _error_code(error) == "EntityNotFoundException":
                return False
            raise

    def _get_table(self, table: str) -> dict[str, Any] | None:
        try:
            return self.glue.get_table(DatabaseName=self.database, Name=table)["Table"]
        except ClientError as error:
            if _error_code(error) == "EntityNotFoundException":
                return None
            raise

    @staticmethod
    def _schema_difference(table: str, found: dict[str, Any]) -> str | None:
        """Why the Glue table differs from `lake/schemas.py`, or None when it has exactly its columns."""
        expected = [(c["Name"], c["Type"]) for c in glue_columns(TABLE_SCHEMAS[table])]
        columns = [(c["Name"], c["Type"]) for c in found.get("StorageDescriptor", {}).get("Columns", [])]
        if columns != expected:
            added = [n for n, _ in expected if n not in dict(columns)]
            if added:
                return f"new column(s) {added}"
            return f"columns {columns} differ from lake/schemas.py's {expected}"
        keys = [(k["Name"], k["Type"]) for k in found.get("PartitionKeys", [])]
        if keys != [(k["Name"], k["Type"]) for k in PARTITION_KEYS]:
            return f"partition keys {keys} instead of [('{WEEK_COLUMN}', 'string')]"
        return None

    # --- refresh ------------------------------------------------------------------------------

    def refresh(self, weeks: Sequence[str], plan: Plan | None = None) -> CatalogReport:
        """Make `weeks` queryable: register their partitions, or crawl; then report the catalog."""
        plan = plan or self.validate()
        self.ensure_database()
        details: dict[str, Any] = {"glue_database": self.database}
        if plan.path == "partitions":
            added = self.register_partitions(weeks)
            details["partitions_added"] = sum(len(w) for w in added.values())
        else:
            self.ensure_crawler(plan)
            crawl = self.crawl()
            details |= {
                "glue_crawler": self.crawler_name,
                "crawl_seconds": round(crawl.seconds, 1),
                "crawl_status": crawl.status,
                "waited_for_running_crawl": crawl.waited_for_running_crawl,
            }
            if plan.new_tables or plan.changed_tables:
                details["crawl_reason"] = "; ".join(
                    [f"{t}: new table" for t in plan.new_tables] + [f"{t}: {d}" for t, d in plan.changed_tables.items()]
                )
        changed, skipped = self.ensure_views()
        details["views_changed"] = changed
        if skipped:
            details["views_skipped"] = skipped
        return CatalogReport(plan.path, self.describe(), details, self.views())

    def ensure_database(self) -> None:
        try:
            self.glue.create_database(
                DatabaseInput={
                    "Name": self.database,
                    "Description": f"spotify_assets lake at {self.lake_uri} (one table per folder)",
                }
            )
            self.log(f"created Glue database {self.database!r}")
        except ClientError as error:
            if _error_code(error) != "AlreadyExistsException":
                raise

    def desired_crawler(self, plan: Plan) -> dict[str, Any]:
        """The crawler's settings. Incremental (new folders only) when the schema is stable; AWS
        then requires LOG for both schema-change behaviours. Otherwise crawl everything so new
        tables and columns land, updating tables in place and never deleting any."""
        incremental = plan.schema_stable
        return {
            "Name": self.crawler_name,
            "Role": plan.role_arn,
            "DatabaseName": self.database,
            "Description": "spotify_assets: one table per lake folder, partitioned by week",
            "Targets": {
                "S3Targets": [{"Path": self.table_uri(t), "Exclusions": ["**/_*", "**/.*"]} for t in self.tables]
            },
            "SchemaChangePolicy": (
                {"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"}
                if incremental
                else {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
            ),
            "RecrawlPolicy": {"RecrawlBehavior": CRAWL_NEW_FOLDERS_ONLY if incremental else CRAWL_EVERYTHING},
            "Configuration": crawler_configuration(self.lake_uri),
        }

    def ensure_crawler(self, plan: Plan) -> Literal["created", "updated", "unchanged"]:
        desired = self.desired_crawler(plan)
        existing = plan.crawler if plan.crawler is not None else self._get_crawler()
        if existing is None:
            self.glue.create_crawler(**desired)
            self.log(f"created Glue crawler {self.crawler_name!r}")
            return "created"
        changed = [k for k, v in desired.items() if not _same(k, existing.get(k), v)]
        if not changed:
            return "unchanged"
        recrawl = existing.get("RecrawlPolicy", {}).get("RecrawlBehavior")
        if recrawl == CRAWL_NEW_FOLDERS_ONLY and "Targets" in changed:
            # AWS refuses new S3 targets while a crawler is incremental: switch that off first
            self.glue.update_crawler(
                Name=self.crawler_name,
                RecrawlPolicy={"RecrawlBehavior": CRAWL_EVERYTHING},
                SchemaChangePolicy=desired["SchemaChangePolicy"],
            )
        self.glue.update_crawler(**desired)
        self.log(f"updated Glue crawler {self.crawler_name!r}: {', '.join(changed)}")
        return "updated"

    def crawl(self) -> CrawlResult:
        """Start the crawler (after any crawl already running) and wait for its crawl to end."""
        started = self.clock()
        waited = self._wait_ready("a crawl already running")
        for _ in range(10):
            before = self._get_crawler() or {}
            try:
                self.glue.start_crawler(Name=self.crawler_name)
                break
            except ClientError as error:
                if _error_code(error) != "CrawlerRunningException":
                    raise
                # someone else started it between our check and our start: wait for theirs too
                waited = self._wait_ready("a crawl started by someone else") or waited
        else:
            raise CatalogError(f"Glue crawler {self.crawler_name!r} kept being started by someone else")
        self.log(f"started Glue crawler {self.crawler_name!r}")
        previous_start = (before.get("LastCrawl") or {}).get("StartTime")
        crawler = self._wait_own_crawl(previous_start)
        last = crawler.get("LastCrawl") or {}
        status = last.get("Status", "UNKNOWN")
        if status not in (SUCCEEDED, MOTO_SUCCEEDED):
            message = last.get("ErrorMessage") or "Glue gave no error message"
            logs = (
                f" (CloudWatch logs: {last['LogGroup']} / {last.get('LogStream', '')})" if last.get("LogGroup") else ""
            )
            raise CatalogError(f"Glue crawler {self.crawler_name!r}: crawl {status}: {message}{logs}")
        return CrawlResult(self.clock() - started, SUCCEEDED, waited)

    def _wait_ready(self, what: str) -> bool:
        """Wait until the crawler is READY; True when it was not."""
        deadline = self.clock() + self.timeout_s
        waited = False
        while (state := (self._get_crawler() or {}).get("State", "READY")) != "READY":
            if not waited:
                self.log(f"Glue crawler {self.crawler_name!r} is {state} ({what}): waiting for it to finish")
            waited = True
            self._check_deadline(deadline, state, what)
            self.sleep(self.poll_interval_s)
        return waited

    def _wait_own_crawl(self, previous_start: Any) -> dict[str, Any]:
        deadline = self.clock() + self.timeout_s
        while True:
            crawler = self._get_crawler() or {}
            state = crawler.get("State")
            last = crawler.get("LastCrawl") or {}
            # READY with the previous crawl's LastCrawl means ours has not registered yet
            if state == "READY" and last.get("StartTime") != previous_start:
                return crawler
            self._check_deadline(deadline, state, "its crawl")
            self.sleep(self.poll_interval_s)

    def _check_deadline(self, deadline: float, state: Any, what: str) -> None:
        now = self.clock()
        if now >= deadline:
            waited = now - (deadline - self.timeout_s)
            raise CatalogError(
                f"Glue crawler {self.crawler_name!r} did not finish {what} within timeout_s="
                f"{self.timeout_s:g}: waited {waited:.1f} s and it is still {state}. Raise "
                "timeout_s, or look at the crawler in the Glue console."
            )

    def register_partitions(self, weeks: Iterable[str]) -> dict[str, list[str]]:
        """Register `weeks` of every table as Glue partitions; existing ones are left alone.

        Only weeks with a file in the lake are registered. Returns the weeks added per table.
        """
        weeks = sorted(set(weeks))
        storage_keys = set(self.glue.meta.service_model.shape_for("StorageDescriptor").members)
        added: dict[str, list[str]] = {}
        for table in self.tables:
            found = self._get_table(table)
            if found is None:
                raise CatalogError(f"table {table!r} is not in Glue database {self.database!r}; run a crawl")
            present = s3_lake_weeks(self.s3, self.lake_uri, table)
            missing = [w for w in weeks if w not in present]
            if missing:
                self.log(f"{table}: no Parquet file for week(s) {missing} in the lake; not registered")
            base = {k: v for k, v in found.get("StorageDescriptor", {}).items() if k in storage_keys}
            inputs = [
                {"Values": [w], "StorageDescriptor": base | {"Location": self.week_uri(table, w)}}
                for w in weeks
                if w in present
            ]
            added[table] = []
            for start in range(0, len(inputs), _BATCH):
                batch = inputs[start : start + _BATCH]
                response = self.glue.batch_create_partition(
                    DatabaseName=self.database, TableName=table, PartitionInputList=batch
                )
                errors = response.get("Errors", [])
                failed = [e for e in errors if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"]
                if failed:
                    raise CatalogError(
                        f"Glue refused partitions of {table!r}: "
                        + "; ".join(f"{e['PartitionValues']}: {e['ErrorDetail']}" for e in failed)
                    )
                existing = {tuple(e["PartitionValues"]) for e in errors}
                added[table] += [p["Values"][0] for p in batch if tuple(p["Values"]) not in existing]
            if added[table]:
                self.log(f"{table}: registered partition(s) {added[table]}")
        return added

    # --- views --------------------------------------------------------------------------------

    def ensure_views(self) -> tuple[dict[str, str], dict[str, str]]:
        """Create or update the Athena view of each snapshot table in Glue with its columns; a view
        already as wanted is left alone. Returns ({view: "created" | "updated"}, {view: why skipped})."""
        changed, skipped = {}, {}
        for table in (t for t in self.tables if t in SNAPSHOT_TABLES):
            name = view_name(table)
            base = self._get_table(table)
            why = f"table {table!r} is not in Glue yet" if base is None else self._schema_difference(table, base)
            if why:
                skipped[name] = why
                self.log(f"Athena view {name!r} not created or updated: {why}")
                continue
            desired = view_table_input(table, self.database)
            found = self._get_table(name)
            if found is not None and found.get("TableType") != "VIRTUAL_VIEW":
                skipped[name] = f"Glue table {name!r} is a {found.get('TableType')}, not a view: rename it"
                self.log(f"Athena view {name!r} not created or updated: {skipped[name]}")
            elif found is None:
                self.glue.create_table(DatabaseName=self.database, TableInput=desired)
                changed[name] = "created"
                self.log(f"created Athena view {name!r} (the latest snapshot of {table})")
            elif differ := view_difference(found, desired):
                self.glue.update_table(DatabaseName=self.database, TableInput=desired)
                changed[name] = "updated"
                self.log(f"updated Athena view {name!r}: its {', '.join(differ)} differed")
        return changed, skipped

    # --- reporting ----------------------------------------------------------------------------

    def _glue_tables(self) -> list[dict[str, Any]]:
        found = []
        for page in self.glue.get_paginator("get_tables").paginate(DatabaseName=self.database):
            found += page.get("TableList", [])
        return found

    def describe(self) -> tuple[TableStatus, ...]:
        """Every table of the Glue database (its views aside) with its partition count."""
        names = [t["Name"] for t in self._glue_tables() if t.get("TableType") != "VIRTUAL_VIEW"]
        return tuple(TableStatus(name, self.partition_count(name)) for name in sorted(names))

    def views(self) -> tuple[str, ...]:
        """The names of the Glue database's views (Athena's), sorted."""
        return tuple(sorted(t["Name"] for t in self._glue_tables() if t.get("TableType") == "VIRTUAL_VIEW"))

    def partition_count(self, table: str) -> int:
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=self.database, TableName=table, ExcludeColumnSchema=True
        )
        return sum(len(page.get("Partitions", [])) for page in pages)

    def partitions(self, table: str) -> list[str]:
        """The `week` values registered for `table`, sorted."""
        pages = self.glue.get_paginator("get_partitions").paginate(DatabaseName=self.database, TableName=table)
        return sorted(p["Values"][0] for page in pages for p in page.get("Partitions", []))


def _same(key: str, existing: Any, desired: Any) -> bool:
    if key == "Configuration":
        try:
            return json.loads(existing or "{}") == json.loads(desired)
        except ValueError:
            return False
    if key == "Targets":
        have = {t["Path"]: sorted(t.get("Exclusions", [])) for t in (existing or {}).get("S3Targets", [])}
        want = {t["Path"]: sorted(t.get("Exclusions", [])) for t in desired["S3Targets"]}
        return have == want
    if key == "Description":
        return True  # cosmetic: never worth an update on its own
    return existing == desired
