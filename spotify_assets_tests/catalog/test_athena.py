"""Athena queries this process gives up on are stopped (catalog/athena.py), against moto's Athena
on loopback: a query held RUNNING by moto's state manager (the `running_athena` fixture), then a
timeout or Ctrl-C."""

import pytest

from spotify_assets.catalog.athena import AthenaQueryInterrupted, athena_query
from spotify_assets.catalog.status import CatalogError


def _state(client) -> str:
    (execution_id,) = client.list_query_executions()["QueryExecutionIds"]
    return client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]["State"]


def test_ctrl_c_while_waiting_stops_the_query(running_athena):
    def interrupted(seconds):  # Ctrl-C arrives while the CLI waits between two polls
        raise KeyboardInterrupt

    with pytest.raises(AthenaQueryInterrupted) as raised:
        athena_query(running_athena, "select 1", database="spotify_lake", sleep=interrupted)

    assert isinstance(raised.value, KeyboardInterrupt)
    assert str(raised.value) == f"interrupted: stopped Athena query {raised.value.execution_id}"
    assert _state(running_athena) == "CANCELLED"


def test_a_query_past_its_timeout_is_stopped(running_athena):
    ticks = iter(range(100))

    with pytest.raises(CatalogError, match=r"still (QUEUED|RUNNING) after 3 s: stopped it"):
        athena_query(
            running_athena,
            "select 1",
            database="spotify_lake",
            timeout_s=3,
            clock=lambda: next(ticks),
            sleep=lambda s: None,
        )

    assert _state(running_athena) == "CANCELLED"
