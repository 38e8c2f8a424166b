"""Errors a playlist source raises. Each message names the playlist (and file or week) and the fix."""


class SpotifySourceError(Exception):
    """A playlist could not be read. The message says which one, why, and what to do."""


class SnapshotFormatError(SpotifySourceError):
    """A recorded snapshot is not a playlist response in the replay format (DESIGN §4)."""


class PlaylistNotFoundError(SpotifySourceError):
    """The playlist is not in the replay week, or the API answered 404."""


class WeekNotAvailableError(SpotifySourceError):
    """The source has nothing for the requested week (no replay folder, or a past week live)."""
