"""A throwaway PostgreSQL cluster on a loopback port, for the production instance tests.

Debian's `postgresql` package provides the server binaries (`.ci/run` installs it); the fixture
runs initdb into a temporary directory, starts the server with pg_ctl, creates a database and
removes everything afterwards. No system service is started."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    username: str
    password: str
    db_name: str

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads its storage settings from."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db_name,
        }

    def connect(self):
        return psycopg2.connect(
            host=self.host, port=self.port, user=self.username, password=self.password, dbname=self.db_name
        )


def postgres_bindir(root: Path = Path("/usr/lib/postgresql")) -> Path:
    """The newest Debian PostgreSQL bin directory; a missing server fails the test, never skips it."""
    candidates = sorted(root.glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    for bindir in reversed(candidates):
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    pytest.fail(
        "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin. "
        "Run `bash .ci/run` (it installs them) or `apt-get update && apt-get install -y postgresql`.",
        pytrace=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    bindir = postgres_bindir()
    # initdb refuses to run as root: run the server as Debian's `postgres` user then. The directory
    # is made with mkdtemp, not pytest's tmp_path, whose 0700 parents that user cannot enter.
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root but there is no `postgres` user: `apt-get install -y postgresql` creates it")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="spotify-assets-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if as_user:
        os.chown(root, owner.pw_uid, owner.pw_gid)
        os.chown(sockets, owner.pw_uid, owner.pw_gid)
    password = "dagster-test-password"
    pwfile = root / "pwfile"
    pwfile.write_text(password)
    if as_user:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)

    def run(*cmd: str) -> None:
        result = subprocess.run([*as_user, *cmd], capture_output=True, text=True)
        if result.returncode != 0:
            log = root / "server.log"
            pytest.fail(
                f"{' '.join(cmd)} failed:\n{result.stdout}{result.stderr}\n{log.read_text() if log.exists() else ''}"
            )

    # Password auth over TCP, as on RDS: the instance must really use DAGSTER_PG_PASSWORD.
    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "dagster",
        f"--pwfile={pwfile}",
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    )
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", password=password, dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("CREATE DATABASE dagster")
        admin.close()
        yield Postgres("127.0.0.1", port, "dagster", password, "dagster")
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
