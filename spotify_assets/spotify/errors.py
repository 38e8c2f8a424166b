"""Errors a playlist source raises. Each message names the playlist (and file or week) and the fix."""


class SpotifySourceError(Exception):
    """A playlist could not be read. The message says which one, why, and what to do."""


class SnapshotFormatError(SpotifySourceError):
    """A recorded snapshot is not a playlist response in the replay format (docs/data-contract.md)."""


class PlaylistNotFoundError(SpotifySourceError):
    """The playlist is not in the replay week, or the API answered 404."""


class WeekNotAvailableError(SpotifySourceError):
    """The source has nothing for the requested week (no replay folder, or a past week live)."""


# Live source (Spotify Web API). Every message names the playlist and says what to do; none holds
# a credential, a token or an Authorization header.


class SpotifyCredentialsError(SpotifySourceError):
    """The accounts service refused the credentials (400/401 on the token endpoint)."""


class PlaylistForbiddenError(SpotifySourceError):
    """403: the authenticated account may not read this playlist's items."""


class EditorialPlaylistError(PlaylistNotFoundError):
    """404 on a Spotify-owned editorial or algorithmic playlist (id starting 37i9dQZ)."""


class RateLimitedError(SpotifySourceError):
    """429 with a Retry-After longer than the configured cap, or too many 429s in a row."""


class QuotaExceededError(SpotifySourceError):
    """429 whose body says QUOTA_EXCEEDED: the developer account's quota is spent."""


class SpotifyUnavailableError(SpotifySourceError):
    """5xx, timeouts or connection errors that outlasted the retries, or any other HTTP error."""


class WeekFetchError(SpotifySourceError):
    """The week's playlists could not be read: every one asked for failed, or a failure that is not
    the playlist's own (refused credentials, an editorial playlist) failed the week. `failures` maps
    each playlist id to its error; nothing of the week is written."""

    def __init__(
        self, week: str, failures: "dict[str, SpotifySourceError]", total: int, *, stored: int = 0, why: str = ""
    ):
        self.week = week
        self.failures = failures
        lines = "\n".join(f"- {pid}: {err}" for pid, err in failures.items())
        kept = f" (the {stored} playlists stored for that week before stay as they were)" if stored else ""
        super().__init__(
            f"{len(failures)} of {total} playlists could not be read for week {week}, so nothing "
            f"of that week was written{kept}.{' ' + why if why else ''}\n{lines}"
        )


def fails_the_week(error: SpotifySourceError) -> bool:
    """True for a failure that is not the playlist's own: refused credentials (every playlist would
    fail the same way) or a Spotify editorial playlist (it fails every week until SPOTIFY_PLAYLISTS
    changes). Any other failure leaves the playlist missing and the rest of the week is stored."""
    return isinstance(error, SpotifyCredentialsError | EditorialPlaylistError)
