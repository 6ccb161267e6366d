"""The exceptions the indexer raises; kb reports them by file name, the service maps them to statuses."""

from __future__ import annotations

__all__ = ["IndexerError", "UnreadableFileError", "LimitExceededError", "OcrUnavailableError", "OcrPageError"]


class IndexerError(Exception):
    """Base class: every error the indexer raises on purpose.

    ``code`` and ``params`` say what the English message says as data, for whoever words it in another language.
    """

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class UnreadableFileError(IndexerError):
    """A file cannot be read or decoded; the message says why and what to do."""


class LimitExceededError(UnreadableFileError):
    """A file over one of the configured reading limits (size, pages, nesting...): skipped, not broken."""


class OcrUnavailableError(UnreadableFileError):
    """A scanned file needs OCR, and this machine lacks Tesseract or its Vietnamese model: the message says what to install."""


class OcrPageError(IndexerError):
    """One page OCR could not read (too slow, Tesseract failed, nothing legible); the reader reports it by page and goes on."""
