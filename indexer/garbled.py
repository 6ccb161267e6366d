"""Find text mangled by bad extraction, so it is kept out of the index.

A PDF extracted with a broken font map prints ``N ? I DUNG Đ ? NH HƯ ? NG``:
each letter the font could not map becomes a ``?`` (or U+FFFD) standing
alone between the pieces of a syllable.  Indexed, such text matches nothing
useful and pollutes results, so we find it and let the pipeline count it.

The signal is *stray* question marks: a ``?`` after whitespace or between two
letters.  A real question mark hugs the end of a word (``gì?``), so normal
questions are not flagged; a sloppy ``gì ?`` counts, but one or two per line
stay far below the thresholds.  We judge line by line (a paragraph of a
``.txt`` is a line), then let a garbled line pull in neighbouring lines that
are garbled too but too short to reach the count alone (wrapped text).
"""

from __future__ import annotations

import re
from functools import lru_cache

from indexer.model import Span

__all__ = ["find_garbled"]

# A "?" that stands in for a letter: after whitespace, or inside a word; and the
# replacement character a decoder leaves for bytes it could not read.
_STRAY_MARK = re.compile(r"(?<=\s)\?|(?<=\w)\?(?=\w)|\ufffd")
# A lone letter between spaces: the other half of a syllable cut by a "?".
_LONE_LETTER = re.compile(r"(?<!\S)[^\W\d_](?!\S)")
_TOKEN = re.compile(r"\S+")

MIN_MARKS = 3  # stray marks a line needs on its own to be judged garbled
MIN_SHARE = 0.3  # (stray marks + lone letters) per token: ~0.6 in garbled text, < 0.1 in prose


def _score(line: str) -> tuple[int, float]:
    """Stray marks in the line, and the share of tokens that look broken."""
    tokens = len(_TOKEN.findall(line))
    if not tokens:
        return 0, 0.0
    marks = len(_STRAY_MARK.findall(line))
    broken = marks + len(_LONE_LETTER.findall(line))
    return marks, broken / tokens


def _lines(text: str) -> list[Span]:
    """Each line's span without its newline and surrounding whitespace."""
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            spans.append(Span(start, start + len(stripped)))
        pos += len(line) + 1
    return spans


def _flags(text: str, lines: list[Span]) -> list[bool]:
    """Flag lines garbled on their own, then grow into weaker garbled neighbours."""
    scores = [_score(text[s.start : s.end]) for s in lines]
    flags = [marks >= MIN_MARKS and share >= MIN_SHARE for marks, share in scores]
    weak = [marks >= 1 and share >= MIN_SHARE for marks, share in scores]
    changed = True
    while changed:
        changed = False
        for i, flag in enumerate(flags):
            near = (i > 0 and flags[i - 1]) or (i + 1 < len(flags) and flags[i + 1])
            if not flag and weak[i] and near:
                flags[i] = changed = True
    return flags


def find_garbled(text: str) -> list[Span]:
    """Spans of garbled lines, consecutive ones merged (blank lines between them too).

    Parsing one document asks this of the same text several times: the answers for the last
    few texts are kept.
    """
    return list(_garbled_of(text))


@lru_cache(maxsize=4)
def _garbled_of(text: str) -> tuple[Span, ...]:
    lines = _lines(text)
    spans: list[Span] = []
    for span, flag in zip(lines, _flags(text, lines)):
        if not flag:
            continue
        if spans and not text[spans[-1].end : span.start].strip():
            spans[-1] = Span(spans[-1].start, span.end)
        else:
            spans.append(span)
    return tuple(spans)
