"""Where a query's words occur in a passage, accent-insensitively, for highlighting.

Positions are found in a folded copy of the passage that keeps its length
(``fold_char_map``), so they apply to the displayed, accented text as is.
"""

from __future__ import annotations

import re

from indexer.normalize import fold, fold_char_map

__all__ = ["highlight_spans", "mark"]

_WORD = re.compile(r"\w+", re.UNICODE)
# Question words and particles that every passage contains: highlighting them is noise.
_QUIET = frozenset(fold(w) for w in "gì nào những các là của và có được về cho với thì the what does".split())


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    wanted = {w for w in _WORD.findall(fold(query)) if w not in _QUIET}
    folded = fold_char_map(text)
    return [(m.start(), m.end()) for m in _WORD.finditer(folded) if m.group().lower() in wanted]


def mark(text: str, query: str, before: str, after: str, escape=lambda s: s) -> str:
    """``text`` with every query word wrapped in ``before``/``after``; other text passed through ``escape``."""
    out, last = [], 0
    for start, end in highlight_spans(text, query):
        out += [escape(text[last:start]), before, escape(text[start:end]), after]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
