"""The one-time login helper, end to end against the fake accounts service: consent page with a
PKCE challenge, redirect to the helper's loopback callback, code exchanged with its verifier for a
refresh token, written to .env (mode 0600) and never printed."""

import fnmatch
import socket
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

from spotify_assets.spotify.login import main, write_env_value
from spotify_assets_tests.endpoint_rule import RecordingServer

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_login_writes_the_refresh_token_to_dotenv_never_to_the_terminal(fake_spotify, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("# mine\nSPOTIFY_PLAYLISTS=abc\nSPOTIFY_REFRESH_TOKEN=old-token\n")
    port = _free_port()
    visited = []

    def browser(url):  # what the user's browser does: open the consent page, follow the redirect
        visited.append(url)
        requests.get(url, timeout=5)

    env = fake_spotify.env(refresh_token=False)
    code = main(["--port", str(port), "--timeout", "10"], open_url=browser, environ=env)

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"http://127.0.0.1:{port}/callback" in captured.out
    assert fake_spotify.refresh_token not in captured.out + captured.err
    assert f"SPOTIFY_REFRESH_TOKEN is in {tmp_path / '.env'} (mode 0600" in captured.out
    dotenv = tmp_path / ".env"
    assert dotenv.read_text() == f"# mine\nSPOTIFY_PLAYLISTS=abc\nSPOTIFY_REFRESH_TOKEN={fake_spotify.refresh_token}\n"
    assert stat.S_IMODE(dotenv.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]  # no token cache, no temporary file left
    assert "playlist-read-private" in visited[0] and "playlist-read-collaborative" in visited[0]
    assert visited[0].startswith(fake_spotify.accounts_url + "authorize?")


def test_the_consent_carries_a_pkce_challenge_and_the_exchange_its_verifier(fake_spotify, tmp_path, monkeypatch):
    """The fake exchanges a code issued with a challenge only with its verifier, as Spotify does
    (next test): the helper's success proves it sent the verifier."""
    monkeypatch.chdir(tmp_path)
    challenges = []

    def browser(url):
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        challenges.append((query["code_challenge_method"], query["code_challenge"]))
        requests.get(url, timeout=5)

    port = _free_port()
    assert main(["--port", str(port), "--timeout", "10"], open_url=browser, environ=fake_spotify.env(False)) == 0

    [(method, challenge)] = challenges
    assert method == "S256" and len(challenge) == 43  # base64url of a SHA-256, unpadded


def test_a_code_without_its_verifier_is_refused(fake_spotify):
    authorize = (
        fake_spotify.accounts_url
        + "authorize?"
        + "&".join(
            f"{k}={v}"
            for k, v in {
                "client_id": fake_spotify.client_id,
                "response_type": "code",
                "redirect_uri": "http://127.0.0.1:1/callback",
                "code_challenge_method": "S256",
                "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            }.items()
        )
    )
    location = requests.get(authorize, timeout=5, allow_redirects=False).headers["Location"]
    code = parse_qs(urlparse(location).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:1/callback"}

    answer = requests.post(
        fake_spotify.accounts_url + "api/token",
        data={**form, "code_verifier": "not-the-verifier"},
        auth=(fake_spotify.client_id, fake_spotify.client_secret),
        timeout=5,
    )

    assert answer.status_code == 400 and answer.json()["error_description"] == "code_verifier was incorrect"


def test_login_writes_where_it_is_told_and_tightens_an_open_file(fake_spotify, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "secrets" / "spotify.env"
    target.parent.mkdir()
    target.write_text("export SPOTIFY_REFRESH_TOKEN='old'\n")
    target.chmod(0o644)

    code = main(
        ["--port", str(_free_port()), "--timeout", "10", "--env-file", str(target)],
        open_url=lambda url: requests.get(url, timeout=5),
        environ=fake_spotify.env(refresh_token=False),
    )

    assert code == 0
    assert target.read_text() == f"SPOTIFY_REFRESH_TOKEN={fake_spotify.refresh_token}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not (tmp_path / ".env").exists()
    assert fake_spotify.refresh_token not in capsys.readouterr().out


def test_login_refuses_an_accounts_url_that_is_not_tls_before_sending_anything(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with RecordingServer() as listener:
        env = {
            "SPOTIFY_CLIENT_ID": "id",
            "SPOTIFY_CLIENT_SECRET": "secret-never-sent-7d1",
            # a plain-http host that is not loopback (the listener is reached only if the rule fails)
            "SPOTIFY_ACCOUNTS_URL": listener.url.replace("127.0.0.1", "accounts.example"),
        }
        code = main(["--no-browser", "--port", str(_free_port()), "--timeout", "1"], environ=env)

    assert code == 2
    err = capsys.readouterr().err
    assert "SPOTIFY_ACCOUNTS_URL is refused" in err and "secret-never-sent-7d1" not in err
    assert listener.requests == []


def test_gitignore_covers_every_dotenv_file():
    patterns = [p for p in (ROOT / ".gitignore").read_text().splitlines() if p and not p.startswith("#")]
    for name in (".env", ".env.local", ".env.production", "spotify.env"):
        assert any(fnmatch.fnmatch(name, p.lstrip("/")) for p in patterns), name


def test_write_env_value_keeps_other_lines_and_replaces_the_variable(tmp_path):
    path = tmp_path / ".env"
    path.write_text("A=1\n  export SPOTIFY_REFRESH_TOKEN = x\nB=2")
    write_env_value(path, "SPOTIFY_REFRESH_TOKEN", "new")
    assert path.read_text() == "A=1\nB=2\nSPOTIFY_REFRESH_TOKEN=new\n"


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
