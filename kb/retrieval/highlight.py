"""Where a query's words occur in a passage, for highlighting.

A word typed without accents matches every accented form (``chi thi`` lights
up ``Chỉ thị``); a word typed with accents matches only that word, in either
tone-mark convention (``Chỉ`` lights up ``chỉ`` but not the ``Chí`` of ``Hồ Chí
Minh``).  Positions are in the passage as given (NFC, as stored).
"""

from __future__ import annotations

from collections.abc import Callable

from indexer.analyzer import WORD, fold, nfc, normalize

__all__ = ["highlight_spans", "mark"]

# Question words and particles that every passage contains: highlighting them is noise.
_QUIET = frozenset("gì nào những các là của và có được về cho với thì the what does do".split())


def _wanted(query: str) -> tuple[set[str], set[str]]:
    """The query's accented words (compared as typed) and unaccented ones (compared folded)."""
    accented: set[str] = set()
    plain: set[str] = set()
    for word in WORD.findall(normalize(query).lower()):
        if word in _QUIET:
            continue
        (plain if fold(word) == word else accented).add(word)
    return accented, plain


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    accented, plain = _wanted(query)
    spans = []
    for match in WORD.finditer(nfc(text)):
        word = match.group().lower()
        if normalize(word) in accented or fold(word) in plain:
            spans.append((match.start(), match.end()))
    return spans


def mark(text: str, query: str, before: str, after: str, escape: Callable[[str], str] = str) -> str:
    """``text`` with every query word wrapped in ``before``/``after``; other text passed through ``escape``."""
    out, last = [], 0
    for start, end in highlight_spans(text, query):
        out += [escape(text[last:start]), before, escape(text[start:end]), after]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
