"""The exceptions kb raises; only the CLI and the service translate them into exit codes and HTTP statuses."""

from __future__ import annotations

__all__ = [
    "KbError",
    "ModelError",
    "ModelMismatchError",
    "UnreadableFileError",
    "LimitExceededError",
    "NotFoundError",
    "InvalidQueryError",
    "IndexInconsistentError",
    "IndexBusyError",
    "StorageError",
    "SnapshotError",
    "ConfigError",
]


class KbError(Exception):
    """Base class: every error kb raises on purpose."""


class ModelError(KbError):
    """The embedding model cannot be found, converted or loaded."""


class ModelMismatchError(KbError):
    """The index was built with another embedding model than the one asked for."""


class UnreadableFileError(KbError):
    """A file cannot be read or decoded; the message says why and what to do."""


class LimitExceededError(UnreadableFileError):
    """A file over one of the configured ``Limits`` (size, pages, nesting...): skipped, not broken."""


class NotFoundError(KbError):
    """A document or chunk id that is not in the index."""


class InvalidQueryError(KbError):
    """A search request that cannot be answered as asked (empty query, bad date, k out of range)."""


class IndexInconsistentError(KbError):
    """The vector file and the SQLite database disagree and could not be repaired."""


class IndexBusyError(KbError):
    """Another process holds the index folder's write lock."""


class StorageError(KbError):
    """Writing to the index folder failed (disk full, I/O error): the run stops, the last committed state stays."""


class SnapshotError(KbError):
    """A backup or restore that cannot be done as asked (destination not empty, snapshot failing the check)."""


class ConfigError(KbError, ValueError):
    """A settings file that names an unknown setting or an impossible value."""
