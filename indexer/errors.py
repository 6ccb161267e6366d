"""The exceptions the indexer raises; kb reports them by file name, the service maps them to statuses."""

from __future__ import annotations

__all__ = ["IndexerError", "UnreadableFileError", "LimitExceededError"]


class IndexerError(Exception):
    """Base class: every error the indexer raises on purpose."""


class UnreadableFileError(IndexerError):
    """A file cannot be read or decoded; the message says why and what to do."""


class LimitExceededError(UnreadableFileError):
    """A file over one of the configured reading limits (size, pages, nesting...): skipped, not broken."""
