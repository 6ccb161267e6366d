"""The one way every reader refuses a file over a configured limit.

Limits come from ``kb.config.Limits`` (``$KB_HOME/settings.json``) and are
passed down to each reader as an argument, never read from a global, so a
test or a second index in the same process can use its own.  The message
names the setting, so whoever sees the skipped file knows how to let it in.
"""

from __future__ import annotations

from kb.config import Limits
from kb.errors import LimitExceededError

__all__ = ["check_limit", "longest_line"]


def check_limit(limits: Limits, name: str, value: float, what: str) -> None:
    """Raise ``LimitExceededError`` when ``value`` is over ``limits.<name>``."""
    limit = getattr(limits, name)
    if value > limit:
        raise LimitExceededError(
            f"{what}: {value:,.{_decimals(value)}f}, over the limit of {limit:,.{_decimals(limit)}f} "
            f"(raise limits.{name} in settings.json to index it)"
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
