"""A throwaway PostgreSQL cluster on a loopback port, for the production instance tests.

Debian's `postgresql` package provides the server binaries (`.ci/run` installs it); the fixture
runs initdb into a temporary directory, starts the server with pg_ctl, creates a database and
removes everything afterwards. No system service is started. Like RDS, the server speaks TLS with
a certificate for its address signed by a CA of its own: deploy/dagster.yaml's `verify-full`
checks it against `PGSSLROOTCERT`, as the image does with the RDS bundle."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
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
    ca_file: Path  # the CA that signed the server's certificate (the image has the RDS bundle)

    def env(self) -> dict[str, str]:
        """The variables deploy/dagster.yaml reads its storage settings from, and libpq's CA file."""
        return {
            "DAGSTER_PG_HOST": self.host,
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USERNAME": self.username,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.db_name,
            "PGSSLROOTCERT": str(self.ca_file),
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


def make_ca(directory: Path, name: str) -> tuple[Path, object, object]:
    """A self-signed CA in `directory`: (its PEM file, its certificate, its key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path, cert, key


def server_certificate(directory: Path, ca_cert, ca_key, host: str) -> tuple[Path, Path]:
    """A server certificate for `host` (an IP address SAN) signed by the CA: (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(host))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = directory / "server.crt", directory / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_file.chmod(0o600)
    return cert_file, key_file


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
    ca_file, ca_cert, ca_key = make_ca(root, "test-rds-ca")
    cert_file, key_file = server_certificate(root, ca_cert, ca_key, "127.0.0.1")
    if as_user:
        for path in (pwfile, cert_file, key_file):
            os.chown(path, owner.pw_uid, owner.pw_gid)

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
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c ssl=on -c ssl_cert_file={cert_file} -c ssl_key_file={key_file}"
    )
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start")
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", password=password, dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("CREATE DATABASE dagster")
        admin.close()
        yield Postgres("127.0.0.1", port, "dagster", password, "dagster", ca_file)
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
