"""The one-time login helper, end to end against the fake accounts service: consent page, redirect
to the helper's loopback callback, code exchanged for a refresh token that the live source accepts."""

import socket

import requests

from spotify_assets.spotify.login import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_login_prints_a_refresh_token_for_the_env_file(fake_spotify, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    port = _free_port()
    visited = []

    def browser(url):  # what the user's browser does: open the consent page, follow the redirect
        visited.append(url)
        requests.get(url, timeout=5)

    env = fake_spotify.env(refresh_token=False)
    code = main(["--port", str(port), "--timeout", "10"], open_url=browser, environ=env)

    out = capsys.readouterr().out
    assert code == 0
    assert f"http://127.0.0.1:{port}/callback" in out
    assert f"SPOTIFY_REFRESH_TOKEN={fake_spotify.refresh_token}" in out
    assert "playlist-read-private" in visited[0] and "playlist-read-collaborative" in visited[0]
    assert visited[0].startswith(fake_spotify.accounts_url + "authorize?")
    assert list(tmp_path.iterdir()) == []  # no token cache file


def test_login_reads_the_client_from_dotenv_and_names_what_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SPOTIFY_CLIENT_ID=abc\n")

    code = main(["--no-browser"], environ={})

    assert code == 2
    err = capsys.readouterr().err
    assert "SPOTIFY_CLIENT_SECRET" in err and "SPOTIFY_CLIENT_ID" not in err


def test_login_refuses_a_wrong_client_secret_without_printing_it(fake_spotify, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    env = {**fake_spotify.env(refresh_token=False), "SPOTIFY_CLIENT_SECRET": "not-the-secret-91c"}
    port = _free_port()

    code = main(
        ["--port", str(port), "--timeout", "10"], open_url=lambda url: requests.get(url, timeout=5), environ=env
    )

    captured = capsys.readouterr()
    assert code == 1
    assert "SPOTIFY_CLIENT_SECRET" in captured.err
    assert "not-the-secret-91c" not in captured.err + captured.out
