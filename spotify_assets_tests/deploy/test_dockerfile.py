"""The production image, checked without a Docker engine: hadolint finds nothing, the image runs as
a non-root user with no secret baked in, and its command serves the code location that
pyproject.toml and deploy/workspace.yaml name."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|ACCESS_KEY|API_KEY|PRIVATE|SPOTIFY_CLIENT", re.I)


@pytest.fixture(scope="module")
def instructions() -> list[dict]:
    return DockerfileParser(str(DOCKERFILE)).structure


def values(instructions: list[dict], name: str) -> list[str]:
    return [i["value"] for i in instructions if i["instruction"] == name]


def command(instructions: list[dict]) -> list[str]:
    cmd = values(instructions, "ENTRYPOINT") + values(instructions, "CMD")
    assert len(cmd) == 1, "exactly one CMD (or ENTRYPOINT), in exec form"
    return json.loads(cmd[0])


def option(argv: list[str], *names: str) -> str:
    for i, arg in enumerate(argv):
        if arg in names:
            return argv[i + 1]
    raise AssertionError(f"{'/'.join(names)} missing from {argv}")


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([hadolint, "--no-color", DOCKERFILE], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_runs_as_a_non_root_user(instructions):
    users = values(instructions, "USER")
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    kinds = [i["instruction"] for i in instructions]
    assert kinds.index("USER") < kinds.index("CMD"), "USER must be set before the command"


def test_no_secret_is_baked_into_the_image(instructions):
    parser = DockerfileParser(str(DOCKERFILE))
    names = list(parser.envs) + list(parser.args)
    assert not [n for n in names if SECRET_NAME.search(n)], names
    assert not [n for n in names if n.startswith("AWS_")], names
    copied = " ".join(values(instructions, "COPY") + values(instructions, "ADD"))
    assert ".env" not in copied
    assert not re.search(r"(^|\s)\.\s", copied + " "), "COPY . would take whatever the context holds"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".venv", "data", ".dagster_home", "spotify_assets_tests"} <= set(ignored)


def test_image_installs_the_project_without_dev_extras(instructions):
    runs = " ".join(values(instructions, "RUN"))
    assert 'pip install --no-deps ".[deploy]"' in runs
    assert "[dev" not in runs and "-e " not in runs
    assert "pip check" in runs


def test_command_serves_the_code_location_named_in_pyproject_and_workspace(instructions):
    argv = command(instructions)
    assert argv[:3] == ["dagster", "code-server", "start"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())
    server = workspace["load_from"][0]["grpc_server"]

    assert option(argv, "-m", "--module-name") == pyproject["module_name"]
    assert option(argv, "--location-name") == pyproject["code_location_name"] == server["location_name"]
    assert option(argv, "-h", "--host") == "0.0.0.0"
    port = option(argv, "-p", "--port")
    assert int(port) == server["port"]
    assert port in values(instructions, "EXPOSE")


def _pins(requirements: str) -> set[tuple[str, str]]:
    """(name, version) of each `name==version ; markers \\` line of a `uv export` file. A name may
    appear twice, for two Python versions."""
    pins = set()
    for line in requirements.splitlines():
        if re.match(r"[A-Za-z0-9]", line):
            name, version = line.split(";")[0].rstrip(" \\").split("==")
            pins.add((canonicalize_name(name), version.strip()))
    return pins


def test_image_installs_the_lock_with_hashes(instructions):
    """deploy/requirements.txt is uv.lock exported (`make lock`): every runtime dependency at the
    version the tests ran with, each with its hashes, which the image requires."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["deploy"]]
    requirements = (ROOT / "deploy" / "requirements.txt").read_text()
    pins = _pins(requirements)
    locked = {
        (canonicalize_name(p["name"]), p["version"])
        for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]
        if "version" in p
    }
    missing = [str(r) for r in wanted if canonicalize_name(r.name) not in {name for name, _ in pins}]
    assert not missing, f"not in deploy/requirements.txt: {missing}; run `make lock`"
    assert pins <= locked, f"deploy/requirements.txt is not uv.lock's export: {sorted(pins - locked)}; run `make lock`"
    hashed = re.findall(r"^[A-Za-z0-9][^\n]*\\\n\s+--hash=sha256:[0-9a-f]{64}", requirements, re.M)
    assert len(hashed) == len(pins), "a pin without its hashes: run `make lock`"
    assert "pip install --require-hashes --requirement deploy/requirements.txt" in " ".join(values(instructions, "RUN"))
