"""A PDF's printed lines into paragraphs: the text one paragraph a line, and where each page starts.

The structure pass reads a file line by line, so the paragraphs are rebuilt
from the layout measured over the whole document (body size, margins, line
pitch): a wider gap, a first-line indent, a short last line or a list marker
after closing punctuation starts a new one.  Running heads, footers and page
numbers are left out; footnotes follow the paragraph that runs over their
page's end rather than cutting it in two.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from indexer.header import is_motto
from indexer.readers.pdf_lines import Line

__all__ = ["assemble"]

# A page number alone on a line: "3", "- 3 -", "Trang 3", "3/12", "Page 3 of 12".
_PAGE_NUMBER = re.compile(r"^(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*(?:(?:/|of|trên)\s*\d{1,4})?\s*[-–—]?$",
                          re.IGNORECASE)
# Lines that open a new item even without an indent: bullets, numbers, article headings.
_ITEM = re.compile(
    r"^(?:[-+•–*]\s|\d+(?:\.\d+)*[.)]\s|[a-zđ][).]\s|[IVXLC]+[.)]\s|\[\d+\]|(?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+)"
)
_TERMINAL = (".", ":", ";", "!", "?", "…", ".”", '."', ".)")


@dataclass
class _Layout:
    """The document's usual geometry, against which a line's position means something."""

    size: float  # body font size
    left: float
    right: float
    pitch: float  # baseline to baseline inside a paragraph
    page_height: float

    @property
    def short_by(self) -> float:
        """How far before the right margin a line must stop to have ended its paragraph."""
        return max(0.15 * (self.right - self.left), 3 * self.size)


# --- the document's layout, running furniture and footnotes ------------------


def _mode(values: Sequence[float], default: float) -> float:
    return Counter(values).most_common(1)[0][0] if values else default


def _layout(pages: list[list[Line]], page_height: float) -> _Layout:
    """Body size, margins and line pitch: the most common values over the whole document."""
    lines = [line for page in pages for line in page]
    size = _mode([round(line.size) for line in lines for _ in line.text], 12.0)
    body = [line for line in lines if abs(line.size - size) < 1]
    left = _mode([round(line.x0) for line in body], 0.0)
    ends = sorted(line.x1 for line in body)
    right = ends[int(0.9 * (len(ends) - 1))] if ends else left + 400
    steps = [round(b.y - a.y) for page in pages for a, b in pairwise(page)
             if abs(a.size - size) < 1 and abs(b.size - size) < 1 and 0 < b.y - a.y < 3 * size]
    return _Layout(size=size, left=left, right=right, pitch=_mode(steps, 1.2 * size), page_height=page_height)


def _furniture_key(line: Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def _at_top(line: Line, layout: _Layout) -> bool:
    """Within the top 12 % of the page, where running heads and a document's header print."""
    return line.y < 0.12 * layout.page_height


def _in_margin(line: Line, layout: _Layout) -> bool:
    """Within the top or bottom 12 % of the page, where running heads and page numbers print."""
    return _at_top(line, layout) or line.y > 0.88 * layout.page_height


def _running_keys(pages: list[list[Line]], layout: _Layout) -> set[str]:
    """Margin lines (digits masked) that repeat on at least half of the pages (and two)."""
    counts = Counter(key for page in pages for key in {_furniture_key(ln) for ln in page if _in_margin(ln, layout)})
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, n in counts.items() if n >= needed}


def _without_furniture(page: list[Line], layout: _Layout, running: set[str]) -> list[Line]:
    """The page less its running heads and footers, and a page number printed first or last.

    A page whose top margin prints a header's motto opens a document: what repeats there in capitals (the organ)
    and the motto are its header, as a decision and the plan it issues each print one, not a running head; a
    running title in small letters above them is still one."""
    if not page:
        return page
    edges = (min(ln.y for ln in page), max(ln.y for ln in page))
    opens = any(is_motto(ln.text) for ln in page if _at_top(ln, layout))

    def furniture(line: Line) -> bool:
        if not _in_margin(line, layout):
            return False
        number = line.y in edges and _PAGE_NUMBER.match(line.text) is not None
        header = opens and _at_top(line, layout) and (_is_upper(line.text) or is_motto(line.text))
        return number or (_furniture_key(line) in running and not header)

    return [line for line in page if not furniture(line)]


def _split_notes(lines: list[Line], layout: _Layout) -> tuple[list[Line], list[Line]]:
    """Body lines and footnote lines: small print below the page's last body-size line."""
    body_bottom = max((ln.y for ln in lines if ln.size >= 0.85 * layout.size), default=None)
    if body_bottom is None:
        return lines, []
    is_note = [ln.size < 0.85 * layout.size and ln.y > body_bottom for ln in lines]
    return [ln for ln, note in zip(lines, is_note) if not note], [ln for ln, note in zip(lines, is_note) if note]


# --- lines to paragraphs -----------------------------------------------------


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _continues(prev: Line, cur: Line, layout: _Layout) -> bool:
    """A line starting in lower case after one without closing punctuation goes on the same sentence; so does
    the last line of a centred title, whatever its case, centred under a line that fills the text's width
    ("… Quần thể danh thắng Tràng" / "An": a title that ends on a name)."""
    if prev.text.endswith(_TERMINAL):
        return False
    return cur.text[:1].islower() or _centred_tail(prev, cur, layout)


def _centred_tail(prev: Line, cur: Line, layout: _Layout) -> bool:
    """Whether ``cur`` is a shorter line centred under ``prev``, a line as wide as the text: a wrapped title's
    end.  Not a heading (numbered, or in capitals), which a centred title's end is not."""
    width = layout.right - layout.left
    centred = abs((prev.x0 + prev.x1) / 2 - (cur.x0 + cur.x1) / 2) < layout.size
    return (prev.page == cur.page and prev.x1 - prev.x0 > 0.8 * width and cur.x0 > prev.x0 + layout.size
            and centred and not _ITEM.match(cur.text) and not _is_upper(cur.text))


def _starts_paragraph(prev: Line, cur: Line, layout: _Layout) -> bool:
    """Whether ``cur`` opens a new paragraph after ``prev``, judged from the layout first."""
    same_page = prev.page == cur.page
    gap = cur.y - prev.y
    if same_page and (gap < -0.5 * layout.size or gap > 1.2 * layout.pitch):
        return True  # a wider gap, or a jump back up (another column or table cell)
    if abs(cur.size - prev.size) > 1:
        return True
    if _continues(prev, cur, layout):
        return False
    if _is_upper(prev.text) and not _is_upper(cur.text):
        return True  # a title in capitals above its text, however wide ("ĐƯA NGHỊ QUYẾT … VÀO CUỘC SỐNG" / "Sau …")
    short = prev.x1 < layout.right - layout.short_by
    indented = cur.x0 > (prev.x0 if same_page else layout.left) + 0.5 * layout.size
    item = prev.text.endswith(_TERMINAL) and (_ITEM.match(cur.text) is not None or _is_upper(cur.text))
    return short or indented or item


def _joint(prev: str, cur: str) -> tuple[str, str]:
    """``(prev as kept, separator)`` for joining two lines of one paragraph.

    Vietnamese words are never split by hyphenation, so a line-end hyphen is
    usually real (``01/2014/NQ-`` / ``HĐTP``) and is kept, joined without a
    space; only between two lower-case ASCII word parts (``imple-``/``ment``)
    is it a break to mend.
    """
    if prev.endswith("\u00ad"):
        return prev[:-1], ""
    if prev.endswith("-") and len(prev) > 1 and not prev[-2].isspace():
        if re.search(r"\b[a-z]{2,}-$", prev) and re.match(r"[a-z]", cur):
            return prev[:-1], ""
        return prev, ""
    return prev, " "


def _note_paragraphs(notes: list[Line]) -> list[list[Line]]:
    """Footnotes, one paragraph each: a new one starts at each leading footnote number."""
    paragraphs: list[list[Line]] = []
    for line in notes:
        if not paragraphs or re.match(r"^[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+\s", line.text):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return paragraphs


def _paragraphs(pages: list[list[Line]], page_height: float) -> list[list[Line]]:
    """Paragraphs in reading order; a page's footnotes follow the paragraph that runs over the page end."""
    layout = _layout(pages, page_height)
    running = _running_keys(pages, layout)
    paragraphs: list[list[Line]] = []
    current: list[Line] = []
    pending: list[list[Line]] = []
    for page in pages:
        body, notes = _split_notes(_without_furniture(page, layout, running), layout)
        for line in body:
            if current and _starts_paragraph(current[-1], line, layout):
                paragraphs.append(current)
                paragraphs.extend(pending)
                current, pending = [], []
            current.append(line)
        pending.extend(_note_paragraphs(notes))
    return [p for p in (*paragraphs, current, *pending) if p]


def _paragraph_text(paragraph: list[Line]) -> tuple[str, list[tuple[int, int]]]:
    """A paragraph's lines joined, and ``(page, offset)`` where each line starts in it."""
    text, marks = "", []
    for line in paragraph:
        if text:
            text, separator = _joint(text, line.text)
            text += separator
        marks.append((line.page, len(text)))
        text += line.text
    return text, marks


def assemble(pages: list[list[Line]], page_height: float) -> tuple[str, list[int]]:
    """The text (paragraphs on one line each, a blank line between) and each page's start offset."""
    parts: list[str] = []
    first_offset: dict[int, int] = {}
    length = 0
    for paragraph in _paragraphs(pages, page_height):
        if parts:
            parts.append("\n\n")
            length += 2
        text, marks = _paragraph_text(paragraph)
        for page, offset in marks:
            first_offset.setdefault(page, length + offset)
        parts.append(text)
        length += len(text)
    return "".join(parts), _page_starts(first_offset, len(pages), length)


def _page_starts(first_offset: dict[int, int], count: int, end: int) -> list[int]:
    """Offset where each page starts; a page with no text starts where the next one does."""
    starts = [end] * count
    following = end
    for page in range(count - 1, -1, -1):
        following = first_offset.get(page, following)
        starts[page] = following
    starts[0] = 0
    return starts
