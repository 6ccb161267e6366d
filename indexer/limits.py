"""What one file may hold when it is read, and the one way every reader refuses a file over it.

Limits are passed down to each reader as an argument, never read from a
global, so a test or a second index in the same process can use its own; kb
extends them with its own (``kb.config.Limits``) and validates them where
the settings are read.  The message names the setting, so whoever sees the
skipped file knows how to let it in.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.errors import LimitExceededError

__all__ = ["DEFAULT_LIMITS", "ReadingLimits", "check_limit", "longest_line"]


@dataclass(frozen=True)
class ReadingLimits:
    """What one file may hold when it is indexed; a file over any of these is skipped with the limit's name.

    The defaults leave room above the real material in ``../shared/data``
    (docs/reliability.md gives its peaks).
    """

    max_file_bytes: int = 60 * 1024 * 1024
    max_docx_unzipped_bytes: int = 128 * 1024 * 1024  # sum of the parts' sizes: a zip bomb is refused unopened
    max_docx_ratio: float = 100.0  # unzipped / zipped size of any part over 1 MiB
    max_pdf_pages: int = 2000
    max_ocr_pages: int = 200  # scanned pages read by OCR in one file, each 2-3 s of one core
    max_ocr_page_seconds: float = 60.0  # one page's OCR; a page that takes longer is reported and left out
    max_html_depth: int = 256  # element nesting; at most 512 (the reader walks the page recursively)
    max_line_chars: int = 100_000  # one line of the text read (a PDF or Word paragraph is one line)
    max_text_chars: int = 10_000_000  # the text read from one file, checked before it is parsed
    max_passages: int = 5000  # passages one document may make


DEFAULT_LIMITS = ReadingLimits()


def check_limit(limits: ReadingLimits, name: str, value: float, what: str) -> None:
    """Raise ``LimitExceededError`` when ``value`` is over ``limits.<name>``."""
    limit = getattr(limits, name)
    if value > limit:
        raise LimitExceededError(
            f"{what}: {value:,.{_decimals(value)}f}, over the limit of {limit:,.{_decimals(limit)}f} "
            f"(raise limits.{name} in settings.json to index it)",
            code="limit", limit=name,
        )


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def longest_line(text: str) -> int:
    """Length of the longest ``\\n``-separated line, without copying the text line by line."""
    longest, start = 0, 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        longest = max(longest, end - start)
        start = end + 1
    return longest
