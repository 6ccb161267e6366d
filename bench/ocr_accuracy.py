"""How well and how fast kb's OCR reads Vietnamese pages (a benchmark, not a test).

    .venv/bin/python bench/ocr_accuracy.py [--pages 8] [--dpi 300] [--turn 90] [--speckled 0.005] [PDF ...]

Takes born-digital PDFs (default: the court precedents in
``../shared/data/docx-pdf/court-docs``), pages spread over the files, and
reads each page twice: its own text layer (the truth) and, through
``indexer.readers.ocr.read_scanned_page``, the picture PDFium renders of it,
which is what a scan gives the reader.  Character accuracy is
1 - CER, the Levenshtein distance over the truth's length, both sides NFC with
every run of white space made one space.  Seconds a page are wall time for
rendering and OCR together, and CPU seconds (ours and Tesseract's), which a
busy machine does not inflate; Tesseract runs on one thread, as kb runs it.
``--turn`` renders each page turned clockwise (as a scanner fed it sideways
gives it), which the reader must turn back (OSD).  ``--speckled`` prints the
page as a 200 dpi picture with that share of its pixels set to black or white
dots (a worn photocopy, a fax), which the reader must filter out.
"""

from __future__ import annotations

import argparse
import io
import re
import resource
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.errors import OcrPageError  # noqa: E402
from indexer.readers import ocr  # noqa: E402

COURT_DOCS = ROOT.parent / "shared" / "data" / "docx-pdf" / "court-docs"


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def levenshtein(truth: str, text: str) -> int:
    """Edit distance, by Hyyrö's bit-parallel algorithm: one pass over ``text`` with ``len(truth)``-bit integers."""
    if not truth:
        return len(text)
    mask, high = (1 << len(truth)) - 1, 1 << (len(truth) - 1)
    positions: dict[str, int] = {}
    for i, char in enumerate(truth):
        positions[char] = positions.get(char, 0) | (1 << i)
    plus, minus, distance = mask, 0, len(truth)
    for char in text:
        equal = positions.get(char, 0)
        vertical = equal | minus
        horizontal = (((equal & plus) + plus) ^ plus) | equal
        up = minus | ~(horizontal | plus)
        down = plus & horizontal
        distance += 1 if up & high else -1 if down & high else 0
        up, down = (up << 1) | 1, down << 1
        plus, minus = (down | ~(vertical | up)) & mask, up & vertical & mask
    return distance


def sample(paths: list[Path], count: int) -> list[tuple[Path, int]]:
    """``count`` pages taken in turn from each file (page 1 of each, then page 2 ...), files sorted."""
    sizes = {}
    for path in paths:
        document = pdfium.PdfDocument(path)
        sizes[path] = len(document)
        document.close()
    chosen: list[tuple[Path, int]] = []
    for number in range(max(sizes.values(), default=0)):
        chosen += [(path, number) for path in paths if number < sizes[path]]
    return chosen[:count]


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract), user and system."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def speckled(page: pdfium.PdfPage, share: float, seed: int) -> pdfium.PdfDocument:
    """A picture-only PDF of ``page`` scanned at 200 dpi, ``share`` of its pixels made black or white dots."""
    pixels = np.array(page.render(scale=200 / 72, grayscale=True).to_pil().convert("L"))
    dots = np.random.default_rng(seed).random(pixels.shape)
    pixels[dots < share / 2] = 0
    pixels[(dots >= share / 2) & (dots < share)] = 255
    scan = io.BytesIO()
    Image.fromarray(pixels).save(scan, "PDF", resolution=200)
    return pdfium.PdfDocument(scan.getvalue())


def measure(path: Path, number: int, dpi: int, turn: int = 0,
            speckles: float = 0.0) -> tuple[int, int, float, float, str | None]:
    """``(edits, truth length, seconds, CPU seconds, why OCR refused the page)`` for one page."""
    document = pdfium.PdfDocument(path)
    page = document[number]
    try:
        textpage = page.get_textpage()
        truth = normalised(textpage.get_text_range())
        textpage.close()
        if speckles:  # the page's picture stands in for it
            scan = speckled(page, speckles, seed=number)
            page.close()
            document.close()
            document, page = scan, scan[0]
        page.set_rotation((page.get_rotation() + turn) % 360)
        start, cpu = time.perf_counter(), cpu_seconds()
        try:
            text, refused = normalised(" ".join(line.text for line in ocr.read_scanned_page(page, timeout=600, dpi=dpi))), None
        except OcrPageError as exc:
            text, refused = "", str(exc)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    finally:
        page.close()
        document.close()
    return levenshtein(truth, text), len(truth), seconds, cpu, refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path, help="born-digital PDFs (default: ../shared's court documents)")
    parser.add_argument("--pages", type=int, default=8, help="pages to read, spread over the files")
    parser.add_argument("--dpi", type=int, default=ocr.DPI, help="rendering resolution")
    parser.add_argument("--turn", type=int, default=0, choices=(0, 90, 180, 270), help="degrees each page is turned")
    parser.add_argument("--speckled", type=float, default=0.0, help="share of a 200 dpi scan's pixels made dots")
    args = parser.parse_args()
    missing = ocr.unavailable_reason()
    if missing:
        print(missing, file=sys.stderr)
        return 1
    paths = sorted(args.pdfs or COURT_DOCS.rglob("*.pdf"))
    if not paths:
        print(f"no PDF to read (looked in {COURT_DOCS})", file=sys.stderr)
        return 1
    total_edits = total_chars = 0
    total_seconds = total_cpu = 0.0
    pages = sample(paths, args.pages)
    print(f"{'page':<40} {'chars':>6} {'accuracy':>8} {'seconds':>7} {'cpu s':>6}")
    for path, number in pages:
        edits, chars, seconds, cpu, refused = measure(path, number, args.dpi, args.turn, args.speckled)
        total_edits, total_chars = total_edits + edits, total_chars + chars
        total_seconds, total_cpu = total_seconds + seconds, total_cpu + cpu
        note = f"  refused: {refused}" if refused else ""
        accuracy = 1 - edits / max(chars, 1)
        print(f"{path.name[-34:]} p{number + 1:<3} {chars:>6} {accuracy:>8.3f} {seconds:>7.1f} {cpu:>6.1f}{note}")
    print(f"\n{len(pages)} pages at {args.dpi} dpi, turned {args.turn}°, speckled {args.speckled:g}: "
          f"character accuracy {1 - total_edits / max(total_chars, 1):.3f} "
          f"(1 - CER over {total_chars:,} characters), {total_seconds / max(len(pages), 1):.1f} s a page "
          f"({total_cpu / max(len(pages), 1):.1f} s of CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
