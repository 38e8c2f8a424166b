"""The endpoint rule as a reusable test pattern (docs/decisions.md, decision 45).

For a resource that holds a secret and talks to an endpoint:
- `endpoint_config_fields(job)` lists every run-config field of the job's resources whose name says
  it is an endpoint (a URL, a host, an account): it must be empty, because whoever launches a run
  could otherwise point the secret at their own server;
- `RecordingServer` is a loopback HTTP listener that records every request: point a refused
  endpoint (or a run-config override) at it and assert `requests == []` after the run.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg

# Field names that say "where to connect": a URL, an endpoint, a host, a (Snowflake) account.
ENDPOINT_FIELD = re.compile(r"url|endpoint|host|account|server", re.IGNORECASE)


def resource_config_paths(job: dg.JobDefinition) -> list[tuple[str, ...]]:
    """Every leaf of `resources:` in the run config `job` accepts, as a path of field names."""
    paths: list[tuple[str, ...]] = []

    def walk(config_type, path: tuple[str, ...]) -> None:
        fields = getattr(config_type, "fields", None)
        if not fields:
            paths.append(path)
            return
        for name, field in fields.items():
            walk(field.config_type, (*path, name))

    walk(job.run_config_schema.config_type.fields["resources"].config_type, ("resources",))
    return paths


def endpoint_config_fields(job: dg.JobDefinition) -> list[str]:
    """The run-config fields of `job`'s resources that name an endpoint, as `resources.key.config.field`."""
    return [".".join(p) for p in resource_config_paths(job) if ENDPOINT_FIELD.search(p[-1])]


class RecordingServer:
    """A loopback HTTP server that answers 200 to everything and records each request line."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorded.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format, *args):
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self) -> RecordingServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
