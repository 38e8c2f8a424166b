import pytest

from spotify_assets.spotify.ids import is_editorial, parse_playlist_id, parse_playlist_ids

PID = "3cEYpjA9oz9GiPac4AsH4n"


@pytest.mark.parametrize(
    "value",
    [
        PID,
        f"  {PID}\n",
        f"spotify:playlist:{PID}",
        f"https://open.spotify.com/playlist/{PID}",
        f"https://open.spotify.com/playlist/{PID}?si=e8e1e56d145e4f9b",
        f"https://open.spotify.com/intl-de/playlist/{PID}?si=abc&pt=1",
        f"https://open.spotify.com/intl-pt-BR/playlist/{PID}/",
        f"open.spotify.com/playlist/{PID}",
    ],
)
def test_accepted_forms(value):
    assert parse_playlist_id(value) == PID


@pytest.mark.parametrize(
    "value",
    [
        "",
        PID[:-1],
        PID + "x",
        "3cEYpjA9oz9GiPac4AsH4-",
        f"spotify:track:{PID}",
        f"https://open.spotify.com/album/{PID}",
        f"https://example.com/playlist/{PID}",
        f"https://open.spotify.com/playlist/{PID}x",
    ],
)
def test_rejected_forms_name_the_value_and_the_accepted_forms(value):
    with pytest.raises(ValueError) as error:
        parse_playlist_id(value)
    message = str(error.value)
    assert repr(value) in message
    assert "spotify:playlist:<id>" in message and "open.spotify.com/playlist/<id>" in message


def test_non_string_is_rejected():
    with pytest.raises(ValueError, match="None"):
        parse_playlist_id(None)


def test_is_editorial():
    assert is_editorial("37i9dQZEVXbMDoHDwVN2tF")
    assert is_editorial("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=x")
    assert not is_editorial(PID)
    assert not is_editorial("37i9dQYEVXbMDoHDwVN2tF")


def test_parse_playlist_ids_dedupes_in_order():
    other = "37i9dQZEVXbMDoHDwVN2tF"
    values = [f"spotify:playlist:{other}", PID, f"https://open.spotify.com/playlist/{other}?si=1", " ", PID]
    assert parse_playlist_ids(values) == [other, PID]
    assert parse_playlist_ids(f"{PID}, spotify:playlist:{other},,{PID}") == [PID, other]
    assert parse_playlist_ids([]) == []


def test_parse_playlist_ids_names_the_bad_value():
    with pytest.raises(ValueError, match="not-a-playlist"):
        parse_playlist_ids([PID, "not-a-playlist"])
