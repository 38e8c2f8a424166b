import pytest


@pytest.fixture
def fake_spotify():
    """A loopback server speaking the Spotify Web API (see spotify/fake_spotify.py), started for
    one test: program playlists and faults on it, point the live source at `api_url`/`accounts_url`."""
    from spotify_assets_tests.spotify.fake_spotify import FakeSpotify

    fake = FakeSpotify().start()
    yield fake
    fake.stop()
