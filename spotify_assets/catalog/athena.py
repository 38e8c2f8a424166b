"""Run a query on Athena in the lake's Glue database and fetch its rows (boto3, no Dagster).

dagster-aws's `AthenaClient.execute_query` cannot name a database, so the shipped queries (which
name bare tables) run through its boto3 client here, with `QueryExecutionContext`.

A query this process gives up on (its timeout, or Ctrl-C) is stopped with `StopQueryExecution`:
left running, it would keep scanning (and billing) up to the workgroup's cutoff.
"""

import time
from collections.abc import Callable
from typing import Any

from spotify_assets.catalog.status import CatalogError

FINISHED = ("SUCCEEDED", "FAILED", "CANCELLED")


class AthenaQueryInterrupted(KeyboardInterrupt):
    """Ctrl-C while waiting for a query, which was stopped."""

    def __init__(self, execution_id: str):
        self.execution_id = execution_id
        super().__init__(f"interrupted: stopped Athena query {execution_id}")


def _stop(client: Any, execution_id: str) -> None:
    # a second Ctrl-C during the stop request must not leave the query running either
    try:
        client.stop_query_execution(QueryExecutionId=execution_id)
    except KeyboardInterrupt:
        client.stop_query_execution(QueryExecutionId=execution_id)


def athena_query(
    client: Any,
    sql: str,
    *,
    database: str,
    workgroup: str = "primary",
    output_location: str | None = None,
    poll_interval_s: float = 1.0,
    timeout_s: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[list[str], list[tuple[str | None, ...]]]:
    """The column names and rows (as Athena's strings; NULL as None) of `sql` run in `database`."""
    request: dict[str, Any] = {
        "QueryString": sql,
        "QueryExecutionContext": {"Database": database},
        "WorkGroup": workgroup,
    }
    if output_location:
        request["ResultConfiguration"] = {"OutputLocation": output_location}
    execution_id = client.start_query_execution(**request)["QueryExecutionId"]
    deadline = clock() + timeout_s
    try:
        while True:
            status = client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
            if status["State"] in FINISHED:
                break
            if clock() >= deadline:
                _stop(client, execution_id)
                raise CatalogError(
                    f"Athena query {execution_id} still {status['State']} after {timeout_s:g} s: stopped it "
                    f"(raise the timeout, e.g. spotify-assets-sql --timeout {2 * timeout_s:g})"
                )
            sleep(poll_interval_s)
    except KeyboardInterrupt:
        _stop(client, execution_id)
        raise AthenaQueryInterrupted(execution_id) from None
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason", "Athena gave no reason")
        raise CatalogError(f"Athena query {execution_id} {status['State']}: {reason}")

    columns: list[str] = []
    rows: list[tuple[str | None, ...]] = []
    for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id):
        result = page["ResultSet"]
        if not columns:
            columns = [c["Name"] for c in result.get("ResultSetMetadata", {}).get("ColumnInfo", [])]
        for row in result.get("Rows", []):
            values = tuple(d.get("VarCharValue") for d in row.get("Data", []))
            if not rows and values == tuple(columns):
                continue  # a SELECT's first row repeats the column names
            rows.append(values)
    return columns, rows
