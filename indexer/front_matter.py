"""Front matter: ``key: value`` lines between two ``---`` lines at the very top of a text or Markdown file.

kb reads settings for one file from it (``access: restricted``).  The block is
taken out of the text before anything else, so it is neither indexed nor
shown; a file whose first line is not exactly ``---``, or whose block holds
anything but ``key: value`` lines and blank lines, has no front matter and is
read as it is.
"""

from __future__ import annotations

import re

__all__ = ["SUFFIXES", "split_front_matter"]

SUFFIXES = frozenset({".md", ".txt"})
_BLOCK = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n"
    r"((?:[ \t]*[A-Za-z_][\w-]*[ \t]*:[^\r\n]*\r?\n|[ \t]*\r?\n)*?)"
    r"---[ \t]*(?:\r?\n|\Z)"
)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """The front matter's values (keys lower-cased, values unquoted) and the text after the block."""
    block = _BLOCK.match(text)
    if not block:
        return {}, text
    values = {}
    for line in block.group(1).splitlines():
        key, colon, value = line.partition(":")
        if colon:
            values[key.strip().lower()] = value.strip().strip("\"'")
    return values, text[block.end():]
