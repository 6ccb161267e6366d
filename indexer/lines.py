"""The visible lines of a document and what each is to it, for the structure pass.

``indexer.structure`` (administrative numbering, bulletins) and
``indexer.legal`` (articles and clauses) both classify these lines; the
records and the line-shape tests they share live here so that neither
module imports the other's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.clean import display_text, strip_span
from indexer.model import Span

__all__ = ["Line", "Role", "content_lines", "heading_shaped", "tail_line", "TERMINAL", "CLOSING", "BULLETIN_MARKS",
           "RECIPIENTS"]

# A paragraph that does not end on one of these and is followed by a line
# starting in lower case was split mid-sentence by the conversion.
TERMINAL = (".", ";", ":", "!", "?", "…", '"', "”", ")", "»")
# What a bulletin prints under its name, neither its title nor an article's.
BULLETIN_MARKS = re.compile(r"^(?:LƯU HÀNH NỘI BỘ|TRONG SỐ NÀY)$", re.IGNORECASE)
# The closing block opens with the recipients or the signing authority (a Party document writes the slash:
# "K/T TRƯỞNG BAN", a state one the dot: "KT. CHỦ TỊCH"); a law's
# with the formula of its passing; a bulletin's with its imprint.
# The recipients' heading, after up to three marks OCR may read before it ("_Nơi nhận").
RECIPIENTS = r"[\W_]{0,3}Nơi nhận"
CLOSING = re.compile(
    rf"^(?:{RECIPIENTS}|T/M\b|K/T\b|T/L\b|T/UQ\b|TM[.\s]|KT[.\s]|TL[.\s]|TUQ[.\s]|Q\."
    r"|Chịu trách nhiệm (?:xuất bản|nội dung))"
    r"|^(?:Hiến pháp|Bộ luật|Luật|Pháp lệnh|Nghị quyết) này (?:đã )?được .{0,160}?thông qua"
)
_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[^\W\d_]")


@dataclass
class Line:
    """A visible line of the document: its span and its cleaned text."""

    span: Span
    clean: str

    @property
    def words(self) -> int:
        return len(self.clean.split())


@dataclass
class Role:
    """What a line is to the document, decided before sections are built."""

    kind: str  # "header", "closing", "heading", "clause", "signature", "body", "skip" (a joined title line)
    level: int = 0
    issuer: str | None = None
    title: str | None = None  # a legal heading's label; else the line is the title
    rest: Line | None = None  # text printed after an article's number that is its body, not its title


def _subtract(span: Span, holes: list[Span]) -> list[Span]:
    """``span`` minus the garbled ``holes`` that overlap it."""
    pieces, pos = [], span.start
    for hole in holes:
        if hole.end <= pos or hole.start >= span.end:
            continue
        pieces.append(Span(pos, max(pos, hole.start)))
        pos = max(pos, hole.end)
    pieces.append(Span(pos, span.end))
    return [p for p in pieces if p.end > p.start]


def content_lines(text: str, debris: list[Span], garbled: list[Span]) -> list[Line]:
    """Lines with something to read: blank, debris-only and garbled text left out."""
    lines, pos = [], 0
    for raw in text.split("\n"):
        for piece in _subtract(Span(pos, pos + len(raw)), garbled):
            span = strip_span(text, piece, debris)
            clean = display_text(text, [span], debris)
            if clean:
                lines.append(Line(span, clean))
        pos += len(raw) + 1
    return lines


def heading_shaped(clean: str, max_words: int) -> bool:
    """Short, one sentence, not a list item ending in ``;`` or ``,``, not a table's row (cells joined by
    `` | ``: its header row is as short as a title)."""
    return (
        len(clean.split()) <= max_words
        and " | " not in clean
        and not clean.endswith((";", ","))
        and not _SENTENCE_BREAK.search(clean.rstrip(".!?…"))
    )


def tail_line(text: str, debris: list[Span], line: Line, tail: str) -> Line:
    """The end of ``line`` that reads ``tail``, with its own span of the original
    text (found by display, so debris and decomposed letters are handled)."""
    head = line.clean[: len(line.clean) - len(tail)].strip()
    for pos in range(line.span.start, line.span.end):
        if display_text(text, [Span(line.span.start, pos)], debris) == head:
            span = strip_span(text, Span(pos, line.span.end), debris)
            return Line(span, display_text(text, [span], debris))
    return line
