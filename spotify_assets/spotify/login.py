"""One-time helper: get a refresh token for user auth through Spotify's consent page.

    spotify-assets-login            # or: python -m spotify_assets.spotify.login [--port 8888]

Reads SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (from the environment or ./.env), opens the
consent page, catches the redirect on http://127.0.0.1:PORT/callback (register exactly that URI in
the app's settings), and writes the refresh token to ./.env (or --env-file) as
SPOTIFY_REFRESH_TOKEN, readable by its owner only (mode 0600). The token is never printed.

The consent uses PKCE (RFC 7636, S256) on top of the state check: a code intercepted on its way to
the loopback callback cannot be exchanged without this process's code verifier.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlencode

import requests
from spotipy.oauth2 import start_local_http_server

from spotify_assets.endpoints import EndpointRefusedError
from spotify_assets.spotify.auth import (
    SCOPES,
    Credentials,
    TokenEndpointError,
    authorize_url,
    credentials_error,
    token_url,
)
from spotify_assets.spotify.endpoints import spotify_endpoints

TOKEN_VARIABLE = "SPOTIFY_REFRESH_TOKEN"


def _dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.removeprefix("export ").split("=", 1)
                values[key.strip()] = value.strip().strip("'\"")
    return values


def pkce_pair() -> tuple[str, str]:
    """(code verifier, its S256 code challenge): 64 random bytes, base64url without padding."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def exchange_code(accounts_url: str, creds: Credentials, code: str, redirect_uri: str, verifier: str) -> dict:
    """The token endpoint's answer to the authorization code (with the PKCE verifier)."""
    response = requests.post(
        token_url(accounts_url),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(creds.client_id, creds.client_secret),
        timeout=10,
    )
    if response.status_code != 200:
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise TokenEndpointError(response.status_code, body.get("error"), body.get("error_description"))
    return response.json()


def write_env_value(path: Path, name: str, value: str) -> None:
    """Set `name=value` in the dotenv file `path` (replacing the variable's line, keeping the others),
    atomically, readable and writable by its owner only."""
    lines = path.read_text().splitlines() if path.is_file() else []
    assignment = re.compile(rf"^\s*(export\s+)?{re.escape(name)}\s*=")
    kept = [line for line in lines if not assignment.match(line)]
    text = "\n".join([*kept, f"{name}={value}"]) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # created 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    os.chmod(path, 0o600)


def main(
    argv: list[str] | None = None,
    open_url: Callable[[str], object] = webbrowser.open,
    environ: Mapping[str, str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="spotify-assets-login", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8888, help="port of the redirect URI (default 8888)")
    parser.add_argument("--no-browser", action="store_true", help="print the consent URL instead of opening it")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the consent (default 300)")
    parser.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="dotenv file the refresh token is written to (default .env)"
    )
    args = parser.parse_args(argv)

    env = {**_dotenv(args.env_file), **(os.environ if environ is None else environ)}
    missing = [name for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET") if not env.get(name)]
    if missing:
        print(
            f"error: {' and '.join(missing)} not set. Create an app at https://developer.spotify.com/dashboard, "
            "then set them in the environment or in .env.",
            file=sys.stderr,
        )
        return 2
    creds = Credentials(env["SPOTIFY_CLIENT_ID"], env["SPOTIFY_CLIENT_SECRET"])
    try:
        _, accounts_url = spotify_endpoints(env)
    except EndpointRefusedError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    redirect_uri = f"http://127.0.0.1:{args.port}/callback"
    state = secrets.token_urlsafe(16)
    verifier, challenge = pkce_pair()
    query = {
        "client_id": creds.client_id,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
        "code_challenge_method": "S256",
        "code_challenge": challenge,
    }
    url = f"{authorize_url(accounts_url)}?{urlencode(query)}"

    try:
        server = start_local_http_server(args.port)
    except OSError as err:
        print(f"error: cannot listen on 127.0.0.1:{args.port} ({err.strerror}); pass --port", file=sys.stderr)
        return 2
    print(f"Redirect URI (add it in the app's settings on the Spotify dashboard): {redirect_uri}")
    print(f"Scopes asked: {SCOPES}")
    print(f"Open this page and agree:\n  {url}", flush=True)
    if not args.no_browser:
        threading.Thread(target=open_url, args=(url,), daemon=True).start()

    deadline = time.monotonic() + args.timeout
    try:
        # Browsers may ask for other paths (favicon) first: wait for the callback itself.
        while server.auth_code is None and server.error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                print(f"error: no answer on {redirect_uri} within {args.timeout:.0f} s", file=sys.stderr)
                return 1
            server.timeout = remaining
            server.handle_request()
    finally:
        server.server_close()
    if server.error is not None:
        print(f"error: Spotify did not grant access: {server.error}", file=sys.stderr)
        return 1
    if getattr(server, "state", None) != state:
        print("error: the answer's state does not match this request; run the helper again", file=sys.stderr)
        return 1

    try:
        answer = exchange_code(accounts_url, creds, server.auth_code, redirect_uri, verifier)
    except TokenEndpointError as err:
        if err.status in (400, 401):
            print(f"error: {credentials_error(err, creds)}", file=sys.stderr)
        else:
            print(f"error: Spotify's accounts service answered {err.status}; try again later", file=sys.stderr)
        return 1
    except requests.RequestException as err:
        print(
            f"error: Spotify's accounts service could not be reached ({type(err).__name__}); try again", file=sys.stderr
        )
        return 1
    refresh_token = answer.get("refresh_token")
    if not refresh_token:
        print("error: Spotify answered without a refresh token", file=sys.stderr)
        return 1
    env_file = args.env_file.expanduser().resolve()
    write_env_value(env_file, TOKEN_VARIABLE, refresh_token)
    print(f"\nDone. {TOKEN_VARIABLE} is in {env_file} (mode 0600, readable only by you); keep that file secret.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
