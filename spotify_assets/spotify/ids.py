"""Spotify playlist ids: parse what users paste (id, URI, open.spotify.com URL) into a bare id."""

import re
from collections.abc import Iterable

_ID = r"[0-9A-Za-z]{22}"
PLAYLIST_ID = re.compile(_ID)  # a bare id, as replay files are named: `PLAYLIST_ID.fullmatch(name)`
_FORMS = (
    re.compile(rf"^({_ID})$"),
    re.compile(rf"^spotify:playlist:({_ID})$"),
    # Share links carry ?si=... and, outside the US, a locale segment such as /intl-de/ or /intl-pt-BR/.
    re.compile(rf"^(?:https?://)?open\.spotify\.com/(?:intl-[A-Za-z-]+/)?playlist/({_ID})/?(?:[?#].*)?$"),
)
ACCEPTED_FORMS = (
    "a 22-character playlist id (3cEYpjA9oz9GiPac4AsH4n), a URI (spotify:playlist:<id>) "
    "or a link (https://open.spotify.com/playlist/<id>?si=...)"
)
# Spotify-owned editorial and algorithmic playlists: 404 for new and development-mode apps since 2024-11-27.
EDITORIAL_PREFIX = "37i9dQZ"


def parse_playlist_id(value: str) -> str:
    """The bare playlist id in `value`, or ValueError naming the value and the accepted forms."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str):
        for form in _FORMS:
            match = form.match(text)
            if match:
                return match.group(1)
    raise ValueError(f"{value!r} is not a Spotify playlist; expected {ACCEPTED_FORMS}")


def is_editorial(playlist_id: str) -> bool:
    """True for Spotify-owned editorial/algorithmic playlists, which the Web API no longer serves to new apps."""
    return parse_playlist_id(playlist_id).startswith(EDITORIAL_PREFIX)


def parse_playlist_ids(values: Iterable[str] | str) -> list[str]:
    """Bare ids of `values` (an iterable, or one comma-separated string), deduplicated, in order."""
    if isinstance(values, str):
        values = values.split(",")
    ids: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and not value.strip():
            continue
        ids.setdefault(parse_playlist_id(value), None)
    return list(ids)
