"""A PDF page's glyphs into printed lines: text (NFC), where each sits on the page, its font size.

pdfium hands over glyphs, not lines: its own line breaks sometimes merge two
printed lines (a full-size glyph far off the baseline starts the next one)
and sometimes split one after a superscript (the pieces on one baseline are
joined again).  Small raised digits become superscript characters so that a
footnote mark or ``m²`` reads as printed.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.analyzer import nfc

__all__ = ["Line", "page_lines"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# pdfium reports a line-end hyphen it considers soft as U+0002.
_SOFT_HYPHEN = "\x02"


@dataclass
class Line:
    """One printed line: its text (NFC) and where it sits on the page (points, y downwards)."""

    text: str
    x0: float
    x1: float
    y: float  # baseline, from the top of the page
    size: float
    page: int


@dataclass
class _Glyphs:
    """Characters of one line as they are collected, with the line's baseline so far."""

    chars: list[str] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # left, right, baseline, size
    baseline: float | None = None  # of the last full-size glyph
    size: float = 0.0  # largest glyph so far

    def add(self, char: str, box: tuple[float, float, float, float]) -> None:
        self.chars.append(char)
        self.boxes.append(box)
        size = box[3]
        if not char.isspace() and size >= 0.8 * self.size:
            self.baseline, self.size = box[2], max(self.size, size)

    def off_baseline(self, y: float, size: float) -> bool:
        """A full-size glyph far off the line's baseline starts another line (pdfium merged two)."""
        if self.baseline is None or size < 0.8 * self.size:
            return False
        return abs(y - self.baseline) > 0.7 * max(size, self.size)


def page_lines(page: pdfium.PdfPage, number: int) -> list[Line]:
    """The page's printed lines in content order (pdfium's reading order)."""
    height = page.get_height()
    textpage = page.get_textpage()
    lines: list[Line] = []
    current = _Glyphs()
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if char in "\r\n":
            _flush(current, lines, height, number)
            current = _Glyphs()
            continue
        left, _, right, _ = textpage.get_charbox(i)
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
        size = pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
        if current.off_baseline(y.value, size):
            _flush(current, lines, height, number)
            current = _Glyphs()
        current.add("-" if char == _SOFT_HYPHEN else char, (left, right, y.value, size))
        if char == _SOFT_HYPHEN:  # pdfium joined a hyphenated line end: break it again
            _flush(current, lines, height, number)
            current = _Glyphs()
    _flush(current, lines, height, number)
    textpage.close()
    return _rejoin(lines)


def _rejoin(lines: list[Line]) -> list[Line]:
    """Mend lines pdfium split on one baseline (it breaks after a superscript: ``66,6m²`` / ``) và``).

    Only a piece that starts within a word space or two of the previous
    one's end is rejoined; cells of a table row stand further apart.
    """
    joined: list[Line] = []
    for line in lines:
        prev = joined[-1] if joined else None
        gap = line.x0 - prev.x1 if prev else 0.0
        if prev and abs(line.y - prev.y) < 0.35 * min(line.size, prev.size) and -0.5 <= gap < 1.5 * line.size:
            separator = "" if gap < 0.2 * line.size else " "
            joined[-1] = Line(prev.text + separator + line.text, prev.x0, line.x1, prev.y,
                              max(prev.size, line.size), prev.page)
        else:
            joined.append(line)
    return joined


def _flush(glyphs: _Glyphs, lines: list[Line], height: float, page: int) -> None:
    """Turn collected glyphs into a ``Line``; raised small digits become superscripts."""
    inked = [(c, b) for c, b in zip(glyphs.chars, glyphs.boxes) if not c.isspace() and b[3] > 1.5]
    if not inked:
        return
    size = Counter(round(b[3], 1) for _, b in inked).most_common(1)[0][0]
    baseline = Counter(round(b[2], 1) for _, b in inked if round(b[3], 1) == size).most_common(1)[0][0]
    chars = [
        c.translate(_SUPERSCRIPT) if b[3] < 0.8 * size and b[2] > baseline + 0.2 * size else c
        for c, b in zip(glyphs.chars, glyphs.boxes)
    ]
    text = nfc(re.sub(r"\s+", " ", "".join(chars)).strip())
    x0, x1 = min(b[0] for _, b in inked), max(b[1] for _, b in inked)
    lines.append(Line(text=text, x0=x0, x1=x1, y=height - baseline, size=size, page=page))
