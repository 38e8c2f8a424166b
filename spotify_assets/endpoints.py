"""Where credentials may be sent: the endpoint rule (docs/decisions.md, decision 45).

A resource that holds a secret (the Spotify client secret and refresh token, the AWS credentials
of the run's role, a warehouse password) takes its endpoints from the environment only, never from
run config: whoever can launch a run could otherwise point it at their own server and receive the
secret. The endpoint must be `https://`, or plain `http://` to a loopback address (a test's fake
server, a local proxy on the same machine). Resources call `endpoint_from_env` when a run sets them
up, so a refused endpoint fails the run before any request leaves.

No Dagster here: the Spotify login helper and the live source check their endpoints the same way.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

# boto3 and pyarrow read these: the global AWS endpoint, and one per service (AWS_ENDPOINT_URL_S3 ...)
AWS_ENDPOINT_PREFIX = "AWS_ENDPOINT_URL"


class EndpointRefusedError(ValueError):
    """An endpoint that would receive credentials breaks the endpoint rule."""


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1, `localhost` and names under `.localhost` (RFC 6761)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(url: str) -> str:
    """`url` without user info, path or query: what an error may repeat without leaking a secret."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "a value that is not a URL"
    if not parts.scheme or not parts.hostname:
        return "a value that is not an absolute URL"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{port}/..."


def check_endpoint(name: str, url: str) -> str:
    """`url` if credentials may be sent to it; else `EndpointRefusedError` naming `name` and the rule."""
    try:
        parts = urlsplit(url)
        scheme, host, _ = parts.scheme, parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        scheme, host = "", None
    if scheme == "https" and host:
        return url
    if scheme == "http" and host and is_loopback(host):
        return url
    raise EndpointRefusedError(
        f"{name} is refused ({_shown(url)}): an endpoint that receives credentials must be https://, "
        f"or plain http:// only to a loopback address (127.0.0.1, ::1, localhost). Set {name} in the "
        f"environment to an https URL, or unset it for the service's default (docs/decisions.md, "
        f"decision 45)."
    )


def endpoint_from_env(name: str, default: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """The endpoint in environment variable `name` (else `default`), checked by `check_endpoint`."""
    environ = os.environ if environ is None else environ
    value = (environ.get(name) or "").strip() or default
    return None if value is None else check_endpoint(name, value)


def aws_endpoints_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every AWS endpoint override set in the environment (`AWS_ENDPOINT_URL`,
    `AWS_ENDPOINT_URL_<SERVICE>`), each checked by `check_endpoint`."""
    environ = os.environ if environ is None else environ
    return {
        name: check_endpoint(name, value.strip())
        for name, value in sorted(environ.items())
        if name.startswith(AWS_ENDPOINT_PREFIX) and value.strip()
    }
