"""The image's command really serves the code location deploy/workspace.yaml points at: run the
Dockerfile's CMD here (on loopback and a free port instead of 0.0.0.0:4000) and load the
workspace through it, as the production webserver and daemon do; the image's health check
command reports it serving; and it writes nothing to DAGSTER_HOME or the home directory (the
image's root filesystem is read-only)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._grpc.client import DagsterGrpcClient
from dockerfile_parse import DockerfileParser

from spotify_assets_tests.deploy.conftest import DEPLOY_DIR, free_port

pytestmark = pytest.mark.subprocess

ROOT = DEPLOY_DIR.parent
BIN = Path(sys.executable).parent


def dockerfile_command() -> list[str]:
    structure = DockerfileParser(str(ROOT / "Dockerfile")).structure
    return json.loads(next(i["value"] for i in structure if i["instruction"] == "CMD"))


def dockerfile_health_check() -> list[str]:
    structure = DockerfileParser(str(ROOT / "Dockerfile")).structure
    check = next(i["value"] for i in structure if i["instruction"] == "HEALTHCHECK")
    return json.loads(check.split("CMD", 1)[1])


def with_option(argv: list[str], names: tuple[str, ...], value: str) -> list[str]:
    argv = list(argv)
    index = next(i for i, arg in enumerate(argv) if arg in names)
    argv[index + 1] = value
    return argv


def wait_until_serving(client: DagsterGrpcClient, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the code server exited with {server.returncode}")
        try:
            client.ping("ready?")
            return
        except Exception:
            time.sleep(0.25)
    raise AssertionError(f"the code server did not answer within {timeout}s")


def test_dockerfile_command_serves_the_workspace_code_location(tmp_path, monkeypatch):
    port = free_port()
    argv = dockerfile_command()
    argv = with_option(argv, ("-h", "--host"), "127.0.0.1")
    argv = with_option(argv, ("-p", "--port"), str(port))
    home = tmp_path / "dagster_home"
    home.mkdir()
    user_home, scratch = tmp_path / "home", tmp_path / "tmp"
    user_home.mkdir()
    scratch.mkdir()
    # storage away from DAGSTER_HOME, as in production (PostgreSQL, and /tmp for local files)
    (home / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {scratch}/storage\n"
        f"local_artifact_storage:\n  module: dagster._core.storage.root\n  class: LocalArtifactStorage\n"
        f"  config:\n    base_dir: {scratch}/artifacts\ntelemetry:\n  enabled: false\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SPOTIFY_", "GLUE_", "DAGSTER_"))},
        "DAGSTER_HOME": str(home),
        "HOME": str(user_home),
        "TMPDIR": str(scratch),
        "SPOTIFY_ASSETS_LAKE": str(tmp_path / "lake"),
        "DAGSTER_CODE_SERVER_HOST": "127.0.0.1",
    }
    workspace = yaml.safe_load((DEPLOY_DIR / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"]["port"] = port
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump(workspace))

    log = (tmp_path / "code-server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / argv[0]), *argv[1:]],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_serving(DagsterGrpcClient(port=port, host="127.0.0.1"), server)
        # what the task definition's healthCheck runs (docs/deploy-aws.md)
        health = dockerfile_health_check()
        health = with_option(health, ("-p", "--port"), str(port))
        checked = subprocess.run([str(BIN / health[0]), *health[1:]], env=env, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert sorted(p.name for p in user_home.iterdir()) == []
        assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml"]
        # What the webserver and daemon do at start: load deploy/workspace.yaml, reach the server.
        monkeypatch.setenv("DAGSTER_CODE_SERVER_HOST", "127.0.0.1")
        with (
            DagsterInstance.local_temp(str(home)) as instance,
            WorkspaceProcessContext(
                instance, WorkspaceFileTarget(paths=[str(tmp_path / "workspace.yaml")])
            ) as workspace_context,
        ):
            request = workspace_context.create_request_context()
            assert request.code_location_names == ["spotify_assets"]
            assert request.get_code_location_error("spotify_assets") is None
            (repository,) = request.get_code_location("spotify_assets").get_repositories().values()
            assert repository.has_job("weekly_lake")
            assert "weekly_lake_schedule" in [s.name for s in repository.get_schedules()]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
