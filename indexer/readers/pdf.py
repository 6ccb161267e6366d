"""Born-digital PDF files: text in reading order, one paragraph per line, page offsets kept.

A PDF holds positioned glyphs, not paragraphs: every printed line ends in a
hard break, page numbers and running titles repeat on every page, footnotes
sit in the middle of a sentence that runs on to the next page, and
superscripts (``m²``, footnote marks) print on the line they belong to.
The structure pass reads a file line by line, so this reader rebuilds
paragraphs from the layout (vertical gaps, first-line indents, short last
lines, list markers) and writes each on one line, a blank line between
paragraphs, with ``SourceText.pages`` giving the offset where each page
starts so that every chunk can cite its page.

PDFium (``pypdfium2``) does the reading: it is fast and gives each glyph's
box, baseline and font size.  A page with no text layer but a picture (a
scan) is read by OCR (``indexer.readers.ocr``) into lines measured the same
way, so the same rules make its paragraphs and it keeps its page; a scanned
page OCR cannot read is named in ``SourceText.warnings``.  A file with a
password, or with no text found at all, is refused with the reason, never
indexed empty.
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.analyzer import nfc
from indexer.errors import OcrPageError, OcrUnavailableError, UnreadableFileError
from indexer.limits import DEFAULT_LIMITS, ReadingLimits, check_limit
from indexer.model import SourceText
from indexer.readers import ocr

__all__ = ["read_pdf"]

# A page with fewer letters than this has no text layer worth the name.
_MIN_PAGE_LETTERS = 20
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
# pdfium reports a line-end hyphen it considers soft as U+0002.
_SOFT_HYPHEN = "\x02"
# A page number alone on a line: "3", "- 3 -", "Trang 3", "3/12", "Page 3 of 12".
_PAGE_NUMBER = re.compile(r"^(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*(?:(?:/|of|trên)\s*\d{1,4})?\s*[-–—]?$",
                          re.IGNORECASE)
# Lines that open a new item even without an indent: bullets, numbers, article headings.
_ITEM = re.compile(
    r"^(?:[-+•–*]\s|\d+(?:\.\d+)*[.)]\s|[a-zđ][).]\s|[IVXLC]+[.)]\s|\[\d+\]|(?:Điều|Chương|Mục|Phần)\s+[\dIVXLC]+)"
)
_TERMINAL = (".", ":", ";", "!", "?", "…", ".”", '."', ".)")


@dataclass
class _Line:
    """One printed line: its text (NFC) and where it sits on the page (points, y downwards)."""

    text: str
    x0: float
    x1: float
    y: float  # baseline, from the top of the page
    size: float
    page: int


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


def read_pdf(path: Path, limits: ReadingLimits = DEFAULT_LIMITS) -> SourceText:
    """Read a PDF into paragraphs (one per line, blank line between), NFC, with page offsets; scans by OCR."""
    document = _open(path)
    try:
        check_limit(limits, "max_pdf_pages", len(document), "pages")
        pages, height = _read_pages(document)
        warnings = _read_scanned_pages(document, pages, limits)
    finally:
        document.close()
    _require_text(pages, warnings)
    text, starts = _assemble(pages, height)
    return SourceText(path=path, text=text, encoding="pdf", format="pdf", pages=starts, warnings=warnings)


def _open(path: Path) -> pdfium.PdfDocument:
    """The opened document, or ``UnreadableFileError`` naming the problem (password, damage)."""
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFileError("not a valid PDF: no %PDF header")
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableFileError("not a valid PDF: the file is truncated (no %%EOF at its end); copy it again")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise UnreadableFileError("password-protected PDF: save a copy without the password") from exc
        raise UnreadableFileError(f"not a valid PDF: {exc}") from exc


def _read_pages(document: pdfium.PdfDocument) -> tuple[list[list[_Line]], float]:
    """Every page's lines, and the tallest page's height (the margins are measured against it)."""
    pages, height = [], 0.0
    for number in range(len(document)):
        try:
            page = document[number]
            height = max(height, page.get_height())
            pages.append(_page_lines(page, number))
        except pdfium.PdfiumError as exc:  # a page object missing or damaged, though the file opened
            raise UnreadableFileError(f"a damaged PDF: page {number + 1} cannot be read ({exc})") from exc
        page.close()
    return pages, height


def _letters(lines: list[_Line]) -> int:
    return sum(c.isalpha() for line in lines for c in line.text)


def _require_text(pages: list[list[_Line]], warnings: list[str]) -> None:
    """Refuse a file most of whose pages gave no text (by OCR either): what is left is not the document."""
    textless = sum(1 for lines in pages if _letters(lines) < _MIN_PAGE_LETTERS)
    if not pages or textless * 2 > len(pages):
        raise UnreadableFileError("; ".join(warnings) if warnings else
                                  "no text layer, and no scanned image for OCR to read (text drawn as shapes?)")


# --- scanned pages -----------------------------------------------------------


def _read_scanned_pages(document: pdfium.PdfDocument, pages: list[list[_Line]], limits: ReadingLimits) -> list[str]:
    """Put OCR's lines in place of each scanned page's (empty) ones; what could not be read, page by page.

    Without Tesseract a mostly scanned file is refused with the command that
    installs it; a text file with a few scanned pages (a signed last page) is
    read without them, and they are named.
    """
    scanned = [number for number, lines in enumerate(pages)
               if _letters(lines) < _MIN_PAGE_LETTERS and _has_image(document, number)]
    if not scanned:
        return []
    check_limit(limits, "max_ocr_pages", len(scanned), "scanned pages to read by OCR")
    missing = ocr.unavailable_reason()
    if missing and len(scanned) * 2 > len(pages):
        raise OcrUnavailableError(missing)
    if missing:
        return [f"{_page_list(scanned)} not read: {missing}"]
    warnings = []
    for number in scanned:
        page = document[number]
        try:
            pages[number] = [_Line(line.text, line.left, line.right, line.baseline, line.size, number)
                             for line in ocr.read_scanned_page(page, timeout=limits.max_ocr_page_seconds)]
        except OcrPageError as exc:
            warnings.append(f"scanned page {number + 1} not read: {exc}")
        finally:
            page.close()
    return warnings


def _has_image(document: pdfium.PdfDocument, number: int) -> bool:
    """Whether the page holds a picture (a scan's page is one), at its top level or in a form on it."""
    page = document[number]
    try:
        return next(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2), None) is not None
    finally:
        page.close()


def _page_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n + 1) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
    return f"scanned page{'s' if len(numbers) > 1 else ''} {shown}"


# --- glyphs to lines ---------------------------------------------------------


def _page_lines(page: pdfium.PdfPage, number: int) -> list[_Line]:
    """The page's printed lines in content order (pdfium's reading order)."""
    height = page.get_height()
    textpage = page.get_textpage()
    lines: list[_Line] = []
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


def _rejoin(lines: list[_Line]) -> list[_Line]:
    """Mend lines pdfium split on one baseline (it breaks after a superscript: ``66,6m²`` / ``) và``).

    Only a piece that starts within a word space or two of the previous
    one's end is rejoined; cells of a table row stand further apart.
    """
    joined: list[_Line] = []
    for line in lines:
        prev = joined[-1] if joined else None
        gap = line.x0 - prev.x1 if prev else 0.0
        if prev and abs(line.y - prev.y) < 0.35 * min(line.size, prev.size) and -0.5 <= gap < 1.5 * line.size:
            separator = "" if gap < 0.2 * line.size else " "
            joined[-1] = _Line(prev.text + separator + line.text, prev.x0, line.x1, prev.y,
                               max(prev.size, line.size), prev.page)
        else:
            joined.append(line)
    return joined


def _flush(glyphs: _Glyphs, lines: list[_Line], height: float, page: int) -> None:
    """Turn collected glyphs into a ``_Line``; raised small digits become superscripts."""
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
    lines.append(_Line(text=text, x0=x0, x1=x1, y=height - baseline, size=size, page=page))


# --- the document's layout, running furniture and footnotes ------------------


def _mode(values: Sequence[float], default: float) -> float:
    return Counter(values).most_common(1)[0][0] if values else default


def _layout(pages: list[list[_Line]], page_height: float) -> _Layout:
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


def _furniture_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", line.text.lower())


def _in_margin(line: _Line, layout: _Layout) -> bool:
    """Within the top or bottom 12 % of the page, where running heads and page numbers print."""
    return line.y < 0.12 * layout.page_height or line.y > 0.88 * layout.page_height


def _running_keys(pages: list[list[_Line]], layout: _Layout) -> set[str]:
    """Margin lines (digits masked) that repeat on at least half of the pages (and two)."""
    counts = Counter(key for page in pages for key in {_furniture_key(ln) for ln in page if _in_margin(ln, layout)})
    needed = max(2, math.ceil(len(pages) / 2))
    return {key for key, n in counts.items() if n >= needed}


def _without_furniture(page: list[_Line], layout: _Layout, running: set[str]) -> list[_Line]:
    """The page less its running heads and footers, and a page number printed first or last."""
    if not page:
        return page
    edges = (min(ln.y for ln in page), max(ln.y for ln in page))

    def furniture(line: _Line) -> bool:
        if not _in_margin(line, layout):
            return False
        number = line.y in edges and _PAGE_NUMBER.match(line.text) is not None
        return number or _furniture_key(line) in running

    return [line for line in page if not furniture(line)]


def _split_notes(lines: list[_Line], layout: _Layout) -> tuple[list[_Line], list[_Line]]:
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


def _continues(prev: _Line, cur: _Line) -> bool:
    """A line starting in lower case after one without closing punctuation goes on the same sentence."""
    return cur.text[:1].islower() and not prev.text.endswith(_TERMINAL)


def _starts_paragraph(prev: _Line, cur: _Line, layout: _Layout) -> bool:
    """Whether ``cur`` opens a new paragraph after ``prev``, judged from the layout first."""
    same_page = prev.page == cur.page
    gap = cur.y - prev.y
    if same_page and (gap < -0.5 * layout.size or gap > 1.2 * layout.pitch):
        return True  # a wider gap, or a jump back up (another column or table cell)
    if abs(cur.size - prev.size) > 1:
        return True
    if _continues(prev, cur):
        return False
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


def _note_paragraphs(notes: list[_Line]) -> list[list[_Line]]:
    """Footnotes, one paragraph each: a new one starts at each leading footnote number."""
    paragraphs: list[list[_Line]] = []
    for line in notes:
        if not paragraphs or re.match(r"^[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+\s", line.text):
            paragraphs.append([line])
        else:
            paragraphs[-1].append(line)
    return paragraphs


def _paragraphs(pages: list[list[_Line]], page_height: float) -> list[list[_Line]]:
    """Paragraphs in reading order; a page's footnotes follow the paragraph that runs over the page end."""
    layout = _layout(pages, page_height)
    running = _running_keys(pages, layout)
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    pending: list[list[_Line]] = []
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


def _paragraph_text(paragraph: list[_Line]) -> tuple[str, list[tuple[int, int]]]:
    """A paragraph's lines joined, and ``(page, offset)`` where each line starts in it."""
    text, marks = "", []
    for line in paragraph:
        if text:
            text, separator = _joint(text, line.text)
            text += separator
        marks.append((line.page, len(text)))
        text += line.text
    return text, marks


def _assemble(pages: list[list[_Line]], page_height: float) -> tuple[str, list[int]]:
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
