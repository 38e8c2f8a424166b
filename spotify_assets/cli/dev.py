"""`make dev`: the Dagster UI (`dg dev`: webserver, daemon and code server) that stops whole on Ctrl-C
and on SIGTERM.

Two things keep `dg dev` from stopping when it is simply exec'd by make:
- a process started in the background by a non-interactive shell (`make dev &`, nohup, a CI step,
  an IDE's task runner) inherits SIGINT as ignored; Python then installs no KeyboardInterrupt
  handler, and `dg dev`, which handles SIGTERM with its SIGINT handler, ignores both;
- on SIGTERM, GNU make sends its children a SIGTERM of its own: `dg dev` then gets a second
  interrupt while it shuts its services down, and aborts half-way ("Aborted!").
So `dg dev` runs in a process group of its own, with SIGINT restored, and this process turns the
first SIGINT or SIGTERM it receives into exactly one SIGINT to that group: the Ctrl-C that `dg dev`
handles cleanly.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# `dg dev` gives its services 10 s each; past this, whatever is left is killed.
SHUTDOWN_GRACE_S = 30


def dg_dev_command(port: str, host: str = "127.0.0.1") -> list[str]:
    """The `dg dev` command of this virtualenv, on `host:port`, for the project in the current directory."""
    return [str(Path(sys.executable).with_name("dg")), "dev", "--host", host, "--port", port]


def run(command: list[str]) -> int:
    """Run `command` in its own process group until it exits; the first SIGINT or SIGTERM becomes
    one SIGINT to the group. Returns its exit status."""
    # inherited by the child: either may have come in ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    child = subprocess.Popen(command, process_group=0)
    # One interrupt to pass on. Taken with list.pop(), one C call, because the two SIGTERMs (the
    # group's and make's) can arrive together and a second handler can run between the first
    # handler's bytecodes: a test-then-set would let both through, and two interrupts abort `dg dev`.
    to_pass_on = [signal.SIGINT]
    stopping_since: list[float] = []

    def stop(signum, frame) -> None:
        try:
            interrupt = to_pass_on.pop()
        except IndexError:
            return
        stopping_since.append(time.monotonic())
        os.killpg(child.pid, interrupt)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            return child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            if stopping_since and time.monotonic() > stopping_since[0] + SHUTDOWN_GRACE_S:
                os.killpg(child.pid, signal.SIGKILL)


def main() -> None:
    sys.exit(run(dg_dev_command(os.environ.get("PORT") or "3000")))


if __name__ == "__main__":
    main()
