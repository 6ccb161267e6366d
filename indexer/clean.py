"""Find Word/Markdown debris and derive display text from spans of the original.

Documents arrive as Word exports, PDF extractions and Markdown conversions, and
each leaves markup that is neither content nor pleasant to read: bookmarks,
bold markers, broken hyperlink fragments, heading hashes, horizontal rules.
We never rewrite the original text (offsets must keep pointing into it);
instead ``find_debris`` returns spans to skip, and ``display_text`` builds the
text a user reads from paragraph spans minus those debris spans.

Bullet markers (``- ``, ``+ ``) are *not* debris: they read fine and tell the
reader that the line is an item of a list.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from indexer.analyzer import nfc
from indexer.model import Span

__all__ = ["find_debris", "display_text", "strip_span"]

# One pattern per kind of debris; each match is a span dropped from display.
# Order does not matter: overlapping matches are merged.
DEBRIS_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Word bookmarks kept by the export: "[bookmark: _GoBack]".
    re.compile(r"\[bookmark:[^\]\n]*\]"),
    # Bold/strong markers, and single-star emphasis hugging a word ("*để báo cáo*").
    re.compile(r"\*{2,}|(?<![*\w])\*(?=[^\s*])|(?<=[^\s*])\*(?![*\w])"),
    # Double-underscore bold; longer runs are fill-in blanks and stay.
    re.compile(r"(?<!_)__(?!_)"),
    # Broken hyperlink fragments: "&mode=detail&document_id=201052"".
    re.compile(r'&[\w.-]+=[^\s&"]*(?:&[\w.-]+=[^\s&"]*)*"|&[\w.-]+=[^\s&"]*(?:&[\w.-]+=[^\s&"]*)+'),
    # HTML tag leftovers of links and inline formatting.
    re.compile(r"</?(?:a|span|font|b|i|u|strong|em|br|p|div)\b[^<>\n]*>", re.IGNORECASE),
    # Empty Markdown links "[](...)", and the URL part of "[text](url)" with its "[".
    re.compile(r"\[\]\([^)\s]*\)|\[(?=[^\[\]\n]*\]\([^)\s]*\))|\]\([^)\s]*\)"),
    # Markdown heading markers at the start of a line.
    re.compile(r"^[ \t]*#{1,6}(?=[ \t]|$)[ \t]*", re.MULTILINE),
    # Horizontal rules and decorative dash/equal runs ("-----", "QUỐC HỘI --------", a Word line of em dashes "———"
    # under the issuing body or the title), and the ornament "---o0o---" on a line of its own.
    re.compile(r"-{3,}|={3,}|[—–─═~]{3,}|^[ \t]*[-—–─~*_.]*(?:o0o|oOo|0o0|OoO)[-—–─~*_.]*[ \t]*$"
               r"|^[ \t]*_{3,}[ \t]*$", re.MULTILINE),
    # A line holding only a star (the ornament under an issuing body) or table pipes.
    re.compile(r"^[ \t]*\*[ \t]*$|^[ \t:|-]*\|[ \t:|-]*$", re.MULTILINE),
    # Markdown backslash escapes from converters ("1\." "\-").
    re.compile(r"\\(?=[.\-*_#\[\]()+!])"),
)

# Whitespace folded to one space in display text (NBSP and friends included).
_SPACE_RUN = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")


def find_debris(text: str) -> list[Span]:
    """Spans of markup to drop from display and matching, sorted and merged.

    Parsing one document asks this of the same text several times (its sections, its passages,
    the lines kept): the answers for the last few texts are kept.
    """
    return list(_debris_of(text))


@lru_cache(maxsize=4)
def _debris_of(text: str) -> tuple[Span, ...]:
    raw = sorted(
        (m.start(), m.end()) for pattern in DEBRIS_PATTERNS for m in pattern.finditer(text) if m.end() > m.start()
    )
    merged: list[list[int]] = []
    for start, end in raw:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(Span(start, end) for start, end in merged)


_last_starts: tuple[list[Span] | None, list[int]] = (None, [])


def _starts(debris: list[Span]) -> list[int]:
    """Start offsets of ``debris`` for bisection, kept for the list last asked about.

    One document's debris list is consulted once per paragraph and per chunk
    edge; rebuilding the starts each time made table-heavy pages quadratic.
    """
    global _last_starts
    if _last_starts[0] is not debris:
        _last_starts = (debris, [d.start for d in debris])
    return _last_starts[1]


def _kept_pieces(text: str, span: Span, debris: list[Span]) -> list[str]:
    """The parts of ``span`` that are not debris, in order."""
    starts = _starts(debris)
    i = max(bisect.bisect_right(starts, span.start) - 1, 0)
    pieces, pos = [], span.start
    while i < len(debris) and debris[i].start < span.end:
        d = debris[i]
        if d.end > pos:
            pieces.append(text[pos : max(pos, d.start)])
            pos = max(pos, d.end)
        i += 1
    if pos < span.end:
        pieces.append(text[pos : span.end])
    return pieces


def _clean_paragraph(text: str, span: Span, debris: list[Span]) -> str:
    """One paragraph on one line: soft line breaks of wrapped text become spaces."""
    kept = "".join(_kept_pieces(text, span, debris))
    return _SPACE_RUN.sub(" ", nfc(kept)).strip()


def display_text(text: str, spans: list[Span], debris: list[Span]) -> str:
    """What the reader sees: paragraphs joined by newlines, debris removed, NFC.

    Tone-mark placement stays as printed (no ``normalize``): this is for
    display, and staff quote it back.
    """
    lines = (_clean_paragraph(text, span, debris) for span in spans)
    return "\n".join(line for line in lines if line)


def _in_debris(pos: int, debris: list[Span]) -> Span | None:
    i = bisect.bisect_right(_starts(debris), pos) - 1
    return debris[i] if i >= 0 and debris[i].end > pos else None


def strip_span(text: str, span: Span, debris: list[Span]) -> Span:
    """Shrink ``span`` to start and end on a visible, non-debris character.

    Offsets then point at the first and last words a reader sees, so a
    passage shown in context is highlighted exactly (not from a ``**``).
    """
    start, end = span.start, span.end
    while start < end:
        hit = _in_debris(start, debris)
        if hit:
            start = hit.end
        elif text[start].isspace():
            start += 1
        else:
            break
    while end > start:
        hit = _in_debris(end - 1, debris)
        if hit:
            end = hit.start
        elif text[end - 1].isspace():
            end -= 1
        else:
            break
    return Span(start, max(start, end))
