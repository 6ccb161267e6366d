"""The exceptions kb raises; only the CLI and the service translate them into exit codes and HTTP statuses.

The indexer's own (a file that cannot be read, or is over a reading limit) are in ``indexer.errors``.
"""

from __future__ import annotations

__all__ = [
    "KbError",
    "ModelError",
    "ModelMismatchError",
    "NotFoundError",
    "NoIndexError",
    "InvalidQueryError",
    "UnknownFilterError",
    "InvalidStatusError",
    "IndexInconsistentError",
    "IndexBusyError",
    "StorageError",
    "DatabaseUnavailableError",
    "SnapshotError",
    "ConfigError",
    "UnsupportedContentError",
    "UploadTooLargeError",
    "ServeError",
]


class KbError(Exception):
    """Base class: every error kb raises on purpose.

    The message is English, for the command line, logs and the API; ``code`` and ``params`` say the same
    as data (which file, which limit), so the service can word it in Vietnamese for its pages
    (``service/messages.py``) without parsing the English.
    """

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class ModelError(KbError):
    """The embedding model cannot be found, converted or loaded."""


class ModelMismatchError(KbError):
    """The index was built with another embedding model than the one asked for."""


class NotFoundError(KbError):
    """A document or chunk id that is not in the index."""


class NoIndexError(KbError):
    """A folder asked to be searched, shown or served that holds no index: reads never create one."""


class InvalidQueryError(KbError):
    """A search request that cannot be answered as asked (empty query, bad date, k out of range)."""


class UnknownFilterError(InvalidQueryError):
    """A filter value that names nothing kb knows (a document type that is no type): rather than an empty
    answer that looks like "no such documents", the values it knows, so each caller can say so in its words."""

    def __init__(self, name: str, value: str, known: list[str]) -> None:
        self.name, self.value, self.known = name, value, known
        super().__init__(f"Unknown {name} {value!r}; known: {', '.join(known)}.")


class InvalidStatusError(KbError):
    """A document status that cannot be set: a status kb does not know, or a replacing document that is not there."""


class IndexInconsistentError(KbError):
    """The vector file and the SQLite database disagree and could not be repaired."""


class IndexBusyError(KbError):
    """Another process holds the index folder's write lock."""


class StorageError(KbError):
    """Writing to the index folder failed (disk full, I/O error): the run stops, the last committed state stays."""


class DatabaseUnavailableError(StorageError):
    """The database server went away mid-write (a failover, a restart): nothing of the open transaction stays.

    A worker waits for the server (or its promoted replica) and runs the job again, rather than
    recording every later file as failed.
    """


class SnapshotError(KbError):
    """A backup or restore that cannot be done as asked (destination not empty, snapshot failing the check)."""


class ConfigError(KbError, ValueError):
    """A settings file that names an unknown setting or an impossible value."""


class UnsupportedContentError(KbError):
    """An upload whose bytes are not what its name says, or of a type kb cannot read."""


class UploadTooLargeError(KbError):
    """An uploaded file or request over the configured size limits (``kb.config.Limits``)."""


class ServeError(KbError):
    """``kb serve`` cannot listen where asked: the port is taken, or the address is not this machine's."""
