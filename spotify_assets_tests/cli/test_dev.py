"""`make dev` (the Dagster UI) stops whole, within 10 s, on Ctrl-C and on SIGTERM to its process group."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.subprocess


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(sid: int) -> str:
    """`pid args` of every process left in session `sid` (make, `dg dev` and all it started)."""
    return subprocess.run(["ps", "-o", "pid=,args=", "-s", str(sid)], capture_output=True, text=True).stdout


def _wait_until_serving(port: int, process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"make dev exited with {process.returncode}:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"make dev did not serve on {port} in {timeout} s:\n{log.read_text()}")


@pytest.mark.parametrize(
    ("how", "sigint_ignored"),
    [
        # Ctrl-C in a terminal: SIGINT to the foreground process group.
        (signal.SIGINT, False),
        # A service manager, a CI step or `make dev &` from a script: SIGTERM to the group, and SIGINT
        # inherited as ignored, as a non-interactive shell leaves it for background commands.
        (signal.SIGTERM, True),
    ],
    ids=["ctrl-c", "sigterm-from-background"],
)
def test_make_dev_stops_webserver_daemon_and_code_server(tmp_path, how, sigint_ignored):
    port = _free_port()
    log = tmp_path / "make-dev.log"

    def as_started(ignore: bool = sigint_ignored) -> None:
        if ignore:
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    with log.open("w") as out:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "dev"],
            cwd=ROOT,
            env={**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=as_started,
        )
    try:
        _wait_until_serving(port, make, log)
        running = _session(make.pid)
        assert "dagster_webserver" in running and "dagster._daemon" in running and "code-server" in running

        os.killpg(make.pid, how)  # make's group: make, and the launcher that owns `dg dev`
        make.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _session(make.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _session(make.pid), f"still running 10 s after {how.name}:\n{_session(make.pid)}"
        shown = log.read_text()
        assert "Dagster services shut down." in shown and "Aborted" not in shown, shown[-2000:]
    finally:
        for line in _session(make.pid).splitlines():
            os.kill(int(line.split()[0]), signal.SIGKILL)


CHILD = """
import signal, sys, time
received = []
signal.signal(signal.SIGINT, lambda *_: received.append(1))
print("ready", flush=True)
while not received:
    time.sleep(0.01)
time.sleep(0.5)  # a shutdown in progress: a second interrupt now would abort it
sys.exit(len(received))
"""


def test_the_launcher_passes_on_one_interrupt_however_many_signals_arrive():
    """make's own SIGTERM arrives together with the process group's: `dg dev` must get one SIGINT."""
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; from spotify_assets.cli.dev import run; sys.exit(run({[sys.executable, '-c', CHILD]!r}))",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert launcher.stdout.readline().strip() == "ready"
    for signum in (signal.SIGTERM, signal.SIGTERM, signal.SIGINT):
        os.kill(launcher.pid, signum)
    assert launcher.wait(timeout=10) == 1


def test_make_dev_installs_dg_after_make_run():
    """`make run` installs the runtime only; `make dev` runs `dg`, a dev-extra tool, so it must
    install the dev extra itself (a new user types `make run`, then `make dev`)."""
    planned = subprocess.run(["make", "--dry-run", "--always-make", "dev"], cwd=ROOT, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr
    assert "--extra dev" in planned.stdout, planned.stdout
