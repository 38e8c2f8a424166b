"""One-time helper: get a refresh token for user auth through Spotify's consent page.

    spotify-assets-login            # or: python -m spotify_assets.spotify.login [--port 8888]

Reads SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET (from the environment or ./.env), opens the
consent page, catches the redirect on http://127.0.0.1:PORT/callback (register exactly that URI in
the app's settings), and prints the refresh token to put in .env as SPOTIFY_REFRESH_TOKEN.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Mapping
from pathlib import Path

from spotipy.oauth2 import start_local_http_server

from spotify_assets.spotify.auth import (
    DEFAULT_ACCOUNTS_URL,
    SCOPES,
    Credentials,
    TokenEndpointError,
    credentials_error,
    user_auth_manager,
)


def _dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.removeprefix("export ").split("=", 1)
                values[key.strip()] = value.strip().strip("'\"")
    return values


def main(
    argv: list[str] | None = None,
    open_url: Callable[[str], object] = webbrowser.open,
    environ: Mapping[str, str] | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog="spotify-assets-login", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8888, help="port of the redirect URI (default 8888)")
    parser.add_argument("--no-browser", action="store_true", help="print the consent URL instead of opening it")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the consent (default 300)")
    args = parser.parse_args(argv)

    env = {**_dotenv(Path(".env")), **(os.environ if environ is None else environ)}
    missing = [name for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET") if not env.get(name)]
    if missing:
        print(
            f"error: {' and '.join(missing)} not set. Create an app at https://developer.spotify.com/dashboard, "
            "then set them in the environment or in .env.",
            file=sys.stderr,
        )
        return 2
    creds = Credentials(env["SPOTIFY_CLIENT_ID"], env["SPOTIFY_CLIENT_SECRET"])
    redirect_uri = f"http://127.0.0.1:{args.port}/callback"
    manager = user_auth_manager(creds, env.get("SPOTIFY_ACCOUNTS_URL") or DEFAULT_ACCOUNTS_URL, redirect_uri)
    state = secrets.token_urlsafe(16)
    url = manager.get_authorize_url(state=state)

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
        manager.get_access_token(server.auth_code, as_dict=False, check_cache=False)
    except TokenEndpointError as err:
        if err.status in (400, 401):
            print(f"error: {credentials_error(err, creds)}", file=sys.stderr)
        else:
            print(f"error: Spotify's accounts service answered {err.status}; try again later", file=sys.stderr)
        return 1
    refresh_token = (manager.cache_handler.get_cached_token() or {}).get("refresh_token")
    if not refresh_token:
        print("error: Spotify answered without a refresh token", file=sys.stderr)
        return 1
    print("\nDone. Put this line in .env (next to SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET), and keep it secret:")
    print(f"SPOTIFY_REFRESH_TOKEN={refresh_token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
