"""One `dagster dev` for the UI tests, and the lake a user builds through it: a job run for one
week and two asset backfills (2 and 6 weeks), launched as the UI launches them."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from spotify_assets_tests.conftest import SAMPLE_WEEKS
from spotify_assets_tests.ui.dagster_dev import DagsterDev, wait_for

RUN_DONE = {"SUCCESS", "FAILURE", "CANCELED"}
BACKFILL_DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
LAKE_GROUPS = {"ingest", "lake"}
# Generous: on a busy 2-core machine a run takes ~1 min and the backfill daemon ticks every 30 s.
TIMEOUT = 600


@dataclass(frozen=True)
class UiLake:
    job_run_id: str
    job_week: str
    backfills: dict[str, list[str]]  # backfill id -> its weeks
    asset_keys: list[str]  # what the backfills selected

    @property
    def weeks(self) -> list[str]:
        return sorted([self.job_week, *(w for weeks in self.backfills.values() for w in weeks)])


@pytest.fixture(scope="package")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    server = DagsterDev.start(tmp_path_factory.mktemp("dagster_dev"))
    try:
        server.wait_until_loaded()
        yield server
    finally:
        server.stop()


def weekly_lake_assets(server: DagsterDev) -> list[str]:
    """The weekly assets of the ingest and lake groups, as the asset graph lists them."""
    nodes = server.graphql("{ assetNodes { assetKey { path } groupName partitionDefinition { type } } }")["assetNodes"]
    return sorted(
        "/".join(n["assetKey"]["path"])
        for n in nodes
        if n["groupName"] in LAKE_GROUPS and (n["partitionDefinition"] or {}).get("type") == "TIME_WINDOW"
    )


@pytest.fixture(scope="package")
def ui_lake(dagster_dev: DagsterDev) -> UiLake:
    """Launch everything at once (the daemon runs them side by side), then wait for all of it."""
    assets = weekly_lake_assets(dagster_dev)
    job_week = SAMPLE_WEEKS[0]
    run_id = dagster_dev.launch_job("weekly_lake", job_week)
    backfills = {}
    for weeks in (SAMPLE_WEEKS[1:3], SAMPLE_WEEKS[3:9]):
        backfills[dagster_dev.launch_backfill(assets, weeks)] = weeks

    def finished(status: str | None, done: set[str]) -> str | None:
        return status if status in done else None

    try:
        status = wait_for(f"run {run_id}", lambda: finished(dagster_dev.run_status(run_id), RUN_DONE), TIMEOUT)
        assert status == "SUCCESS", f"job run {run_id} for {job_week}: {status}"
        for backfill_id, weeks in backfills.items():
            status = wait_for(
                f"backfill {backfill_id}",
                lambda b=backfill_id: finished(dagster_dev.backfill_status(b), BACKFILL_DONE),
                TIMEOUT,
            )
            assert status in {"COMPLETED_SUCCESS", "COMPLETED"}, f"backfill {backfill_id} of {weeks}: {status}"
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- dagster dev log ---\n{dagster_dev.log_tail()}") from None
    return UiLake(run_id, job_week, backfills, assets)
