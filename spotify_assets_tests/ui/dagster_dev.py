"""`dagster dev` in a process group of its own, and the GraphQL calls the UI makes to it."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")
LOCATION = "spotify_assets"
REPOSITORY = "__repository__"  # the repository Dagster builds from a `Definitions` object
# Variables that would point the code location at live Spotify, Glue or another lake.
PROJECT_ENV_PREFIXES = ("SPOTIFY_", "GLUE_")
T = TypeVar("T")


class GraphQLError(AssertionError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 2.0) -> T:
    """Call `probe` until it returns something other than None; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@dataclass
class DagsterDev:
    """A running `dagster dev` (webserver + daemon + code server) on 127.0.0.1."""

    process: subprocess.Popen
    port: int
    home: Path
    lake: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, workdir: Path) -> "DagsterDev":
        """Start `dagster dev` as a user does from the project root, with a fresh instance and
        lake in `workdir`. The instance config is the one `make dev` installs."""
        home, lake, log = workdir / "dagster_home", workdir / "lake", workdir / "dagster_dev.log"
        home.mkdir(parents=True)
        shutil.copy(ROOT / "scripts" / "dagster.yaml", home / "dagster.yaml")
        env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_ENV_PREFIXES)}
        env.update(
            DAGSTER_HOME=str(home),
            SPOTIFY_ASSETS_LAKE=str(lake),
            SPOTIFY_ASSETS_CATALOG=str(workdir / "catalog.duckdb"),
            PYTHONUNBUFFERED="1",
        )
        port = free_port()
        command = [DAGSTER, "dev", "-h", "127.0.0.1", "-p", str(port)]
        cwd = ROOT
        if (ROOT / ".env").exists():
            # `dagster dev` loads ./.env over the environment; a developer's .env (live credentials,
            # another lake) must not leak into the test, so start elsewhere on the same workspace.
            cwd, command = workdir, [*command, "-w", str(ROOT / "workspace.yaml")]
        with log.open("wb") as out:
            # its own process group: `dagster dev` outlives a SIGTERM to its parent alone
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return cls(process, port, home, lake, log)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def _alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"dagster dev exited with {self.process.returncode}:\n{self.log_tail()}")

    def wait_until_loaded(self, timeout: float = 300) -> None:
        """Wait for the webserver to answer and for the code location to be loaded."""

        def server_info() -> dict | None:
            self._alive()
            try:
                with urllib.request.urlopen(f"{self.url}/server_info", timeout=5) as response:
                    return json.load(response)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                return None

        def location_loaded() -> bool | None:
            self._alive()
            entries = self.graphql(
                """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
                     locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
            )["workspaceOrError"]["locationEntries"]
            entry = next((e for e in entries if e["name"] == LOCATION), None)
            assert entry is not None, f"no code location {LOCATION!r}, only {[e['name'] for e in entries]}"
            if entry["loadStatus"] != "LOADED":
                return None
            error = entry["locationOrLoadError"]
            assert error["__typename"] == "RepositoryLocation", f"code location failed to load: {error}"
            return True

        try:
            wait_for("the webserver's /server_info", server_info, timeout)
            wait_for(f"code location {LOCATION!r} to load", location_loaded, timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n--- dagster dev log ---\n{self.log_tail()}") from None

    def stop(self, grace: float = 15) -> None:
        """SIGTERM the whole process group, then SIGKILL whatever is left of it."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            # children (webserver, daemon, code servers, run workers) may outlive the leader
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    # --- GraphQL: what the UI sends --------------------------------------------------------

    def graphql(self, query: str, variables: Mapping[str, Any] | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": dict(variables or {})}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        if body.get("errors"):
            raise GraphQLError(json.dumps(body["errors"], indent=1))
        return body["data"]

    def repository_selector(self) -> dict:
        return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}

    def launch_job(self, job: str, partition: str) -> str:
        result = self.graphql(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
                 __typename ... on LaunchRunSuccess { run { runId } }
                 ... on PythonError { message } ... on RunConfigValidationInvalid { errors { message } } } }""",
            {
                "params": {
                    "selector": {**self.repository_selector(), "jobName": job},
                    "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
                }
            },
        )["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def launch_backfill(self, asset_keys: list[str], partitions: list[str]) -> str:
        """What the UI's "Materialize…" dialog sends for a set of weekly assets and weeks."""
        result = self.graphql(
            """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
                 __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }""",
            {"params": {"assetSelection": [{"path": [key]} for key in asset_keys], "partitionNames": partitions}},
        )["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def run_status(self, run_id: str) -> str:
        return self.graphql("query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})[
            "runOrError"
        ]["status"]

    def backfill_status(self, backfill_id: str) -> str:
        return self.graphql(
            "query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } } }",
            {"id": backfill_id},
        )["partitionBackfillOrError"]["status"]

    def runs_tagged(self, key: str, value: str) -> list[dict]:
        return self.graphql(
            """query($filter: RunsFilter) { runsOrError(filter: $filter) { ... on Runs {
                 results { runId status tags { key value } } } } }""",
            {"filter": {"tags": [{"key": key, "value": value}]}},
        )["runsOrError"]["results"]
