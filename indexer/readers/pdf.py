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

This module opens the file, reads its scanned pages and refuses what holds no
document; glyphs become lines in ``pdf_lines``, lines become paragraphs and
the text in ``pdf_paragraphs``.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.errors import OcrPageError, OcrUnavailableError, UnreadableFileError
from indexer.limits import DEFAULT_LIMITS, ReadingLimits, check_limit
from indexer.model import SourceText
from indexer.readers import ocr
from indexer.readers.pdf_lines import Line, page_lines
from indexer.readers.pdf_paragraphs import assemble

__all__ = ["read_pdf"]

# A page with fewer letters than this has no text layer worth the name.
_MIN_PAGE_LETTERS = 20


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
    text, starts = assemble(pages, height)
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


def _read_pages(document: pdfium.PdfDocument) -> tuple[list[list[Line]], float]:
    """Every page's lines, and the tallest page's height (the margins are measured against it)."""
    pages, height = [], 0.0
    for number in range(len(document)):
        try:
            page = document[number]
            height = max(height, page.get_height())
            pages.append(page_lines(page, number))
        except pdfium.PdfiumError as exc:  # a page object missing or damaged, though the file opened
            raise UnreadableFileError(f"a damaged PDF: page {number + 1} cannot be read ({exc})") from exc
        page.close()
    return pages, height


def _letters(lines: list[Line]) -> int:
    return sum(c.isalpha() for line in lines for c in line.text)


def _require_text(pages: list[list[Line]], warnings: list[str]) -> None:
    """Refuse a file most of whose pages gave no text (by OCR either): what is left is not the document."""
    textless = sum(1 for lines in pages if _letters(lines) < _MIN_PAGE_LETTERS)
    if not pages or textless * 2 > len(pages):
        raise UnreadableFileError("; ".join(warnings) if warnings else
                                  "no text layer, and no scanned image for OCR to read (text drawn as shapes?)")


# --- scanned pages -----------------------------------------------------------


def _read_scanned_pages(document: pdfium.PdfDocument, pages: list[list[Line]], limits: ReadingLimits) -> list[str]:
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
            pages[number] = [Line(line.text, line.left, line.right, line.baseline, line.size, number)
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

