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
    assert 'pip install --no-deps --no-index --no-build-isolation ".[deploy]"' in runs
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


def test_base_image_is_pinned_by_digest(instructions):
    (base,) = values(instructions, "FROM")
    assert re.fullmatch(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", base), base


def test_nothing_is_installed_without_a_hash(instructions):
    """The lock goes in with --require-hashes; the project itself is built from the context with no
    index and no build isolation (which would fetch setuptools unhashed): the backend is locked."""
    installs = [r for r in values(instructions, "RUN") if "pip install" in r]
    assert installs
    for install in installs:
        assert "--require-hashes" in install or ("--no-index" in install and "--no-build-isolation" in install), install
    assert "setuptools" in {name for name, _ in _pins((ROOT / "deploy" / "requirements.txt").read_text())}


def test_task_health_check_asks_the_code_server(instructions):
    (check,) = values(instructions, "HEALTHCHECK")
    argv = json.loads(check.split("CMD", 1)[1])
    assert argv[:3] == ["dagster", "api", "grpc-health-check"]
    assert option(argv, "-p", "--port") == option(command(instructions), "-p", "--port")
    guide = (ROOT / "docs" / "deploy-aws.md").read_text()
    assert '"command": ["CMD", "dagster", "api", "grpc-health-check", "-p", "4000"]' in guide


def test_instance_files_belong_to_root_and_are_read_only(instructions):
    copies = [c for c in values(instructions, "COPY") if "dagster.yaml" in c]
    assert copies == ["--chown=0:0 --chmod=0444 deploy/dagster.yaml deploy/workspace.yaml ${DAGSTER_HOME}/"]
    assert not [r for r in values(instructions, "RUN") if "chown" in r or "chmod" in r]


def test_image_writes_only_under_tmp(instructions):
    """With a read-only root filesystem and a writable /tmp: every place Dagster, matplotlib or the
    user's home would write points under /tmp."""
    parser = DockerfileParser(str(DOCKERFILE))
    assert parser.envs["MPLCONFIGDIR"].startswith("/tmp/")
    assert "--home-dir /tmp" in " ".join(values(instructions, "RUN"))
    instance = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    assert instance["local_artifact_storage"]["config"]["base_dir"].startswith("/tmp/")
    assert instance["compute_logs"]["config"]["local_dir"].startswith("/tmp/")
    guide = (ROOT / "docs" / "deploy-aws.md").read_text()
    assert '"readonlyRootFilesystem": true' in guide


def test_database_tls_is_checked_against_the_rds_bundle(instructions):
    instance = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    assert instance["storage"]["postgres"]["postgres_db"]["params"] == {"sslmode": "verify-full"}
    bundle = DockerfileParser(str(DOCKERFILE)).envs["PGSSLROOTCERT"]
    added = [a for a in values(instructions, "ADD") if a.endswith(" " + bundle)]
    assert added == [f"--chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem {bundle}"]


def test_every_runtime_dependency_is_imported():
    """A dependency nothing imports (tenacity was one) only widens the image: each must be used."""
    import ast

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    imported = set()
    for path in (ROOT / "spotify_assets").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    modules = {"pillow": "PIL", "dagster-aws": "dagster_aws", "dagster-postgres": "dagster_postgres"}
    # used by command rather than import: the webserver service runs `dagster-webserver`; the
    # PostgreSQL storage is named in deploy/dagster.yaml; setuptools builds the project in the image
    by_command = {"dagster-webserver", "dagster-postgres", "setuptools"}
    names = [
        canonicalize_name(Requirement(r).name)
        for r in project["dependencies"] + project["optional-dependencies"]["deploy"]
    ]
    unused = [n for n in names if n not in by_command and modules.get(n, n.replace("-", "_")) not in imported]
    assert not unused, f"runtime dependencies nothing imports: {unused}"
