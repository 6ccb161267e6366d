"""Reading a scanned PDF page: render it, let Debian's Tesseract read it in Vietnamese, keep its lines.

Offices scan signed documents, so many PDFs hold a picture of each page and
no text.  PDFium renders such a page in grey at 300 dpi (Tesseract's own
advice; ``bench/ocr_accuracy.py`` measures what lower costs), and the
``tesseract`` program reads it into hOCR: each line's box and baseline, each
word's confidence.  The lines come back in points, y from the top of the
page, as the PDF reader measures its text-layer lines, so the same layout
rules rebuild the paragraphs and every passage keeps its page.

A scanner fed a page sideways or upside down makes a picture Tesseract
reads as noise, and a photocopy's or a fax's dots make Tesseract see marks
everywhere.  A page read less than cleanly (under ``_SPOTLESS_CONFIDENCE``) is
read again through a median filter that takes the dots away; a page still
read poorly (refused, or under ``_CLEAN_CONFIDENCE``) is asked its orientation
(Tesseract's OSD, ``--psm 0``: Debian's ``tesseract-ocr-osd``), turned upright
and read again.  A page whose orientation cannot be
told is read as it is.  The most confident reading stands.  Only such pages
pay for the second reading and for OSD (about half an OCR's time a page): a
clean upright page, the common case, never does.

Tesseract's layout analysis takes a block that a seal overlaps for a picture
and drops it whole: a signed copy's scan loses the signer's title and name,
or its number.  On a colour scan a seal's red and a signature's blue are told
from the print and each seen in its own channel, where the ink is as pale as
the paper and the print under it stays dark.  Ink the reading left out, in a
region large enough to hold words, is read again alone as one block of text
(``--psm 6``), and its words read with confidence are put among the page's
lines by where they sit.

Tesseract runs as a program, one process a page, with ``OMP_THREAD_LIMIT=1``:
its OpenMP threads made a page five times slower on a busy two-core machine
(23 s against 4.6 s), and a Python wrapper (pytesseract) could only set that
in our own environment, where it would also bind torch's threads.  A page
that takes longer than its limit is stopped, and a page Tesseract fails on,
finds nothing on, reads with little confidence or reads as garbled text is
refused with the reason (``OcrPageError``), for the reader to report by page.

An indexing run keeps the text its furniture pass read for the indexing
pass only within a budget of characters (``kb.indexing``); a file past it is
read again, so what a page gave is also remembered by its image's digest, a
few kilobytes a page, for the last ``_REMEMBERED`` pages: OCR is by far the
slowest step.  A page that ran out of time is tried again.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import statistics
import subprocess
import threading
from collections import OrderedDict
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pypdfium2 as pdfium
from lxml import etree
from PIL import Image, ImageFilter

from indexer.analyzer import nfc
from indexer.errors import OcrPageError
from indexer.garbled import find_garbled

__all__ = ["DPI", "LANGUAGE", "OcrLine", "read_scanned_page", "unavailable_reason"]

LANGUAGE = "vie"
DPI = 300
# A page larger than A2 at 300 dpi is rendered at a lower resolution: the memory of one grey image stays under this.
_MAX_PIXELS = 40_000_000
# Mean word confidence (0-100) below which a page's text is noise: clean print reads at 85-95.
_MIN_CONFIDENCE = 50
# Below this a page is read again without its speckles: clean print reads at 92-95, a page with dots on 0.5 % of its
# pixels at 85-89 (character accuracy 0.83-0.91, filtered 0.98), and the more confident reading is the more accurate.
_SPOTLESS_CONFIDENCE = 90
# Below this a page may be turned: a court precedent's page read sideways or upside down gave 40-42, upright 94.
_CLEAN_CONFIDENCE = 75
# OSD's orientation confidence from which its answer is taken: 14-24 on real pages, turned or not.
_MIN_ORIENTATION_CONFIDENCE = 5.0
_OSD = re.compile(rb"Rotate:\s*(\d+).*?Orientation confidence:\s*([\d.]+)", re.DOTALL)
_INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd (make setup runs .ci/install-ocr, which does it)"
_HOCR = {"h": "http://www.w3.org/1999/xhtml"}
_REMEMBERED = 512
# A "word" that is only bars: the edge of the sheet, a fold or a table rule, never text in these documents.
_RULE = re.compile(r"[|¦]+")
# Unread ink: a pixel darker than this grey is ink; the page is looked at in squares of a twelfth of an inch, and a
# region of squares holding ink no line covers is read again when it holds enough ink for a few words (a speck of
# dust holds far less).
_INK = 110
_SQUARES_PER_INCH = 12
_MIN_UNREAD_INK = 0.005  # the share of a square's pixels that makes it part of a region
_MIN_UNREAD_PIXELS = 500 / 300**2  # a region's pixels of ink, per square dpi (500 at 300 dpi)
_MIN_WORD_CONFIDENCE = 80  # a word read again below this is a seal's or a signature's stroke, or cut by one
_MIN_LETTERS = 2  # a line read again with fewer letters is a stroke too (">", "©")
# Coloured ink, in the channels of a colour rendering (blue, green, red): a seal's red or a signature's blue, its own
# channel this far above the other two and this bright, and the pixels this near it (black print and grey paper
# are no colour).
_BLUE, _RED = 0, 2
_INK_MARGIN, _INK_FLOOR, _INK_EDGE = 40, 110, 3


@dataclass(frozen=True)
class OcrLine:
    """A line Tesseract read: its text (NFC) and where it sits, in points with y from the top of the page."""

    text: str
    left: float
    right: float
    baseline: float
    size: float  # Tesseract's estimate of the line's font size (its x_size)


class _Timeout(OcrPageError):
    """A page OCR did not finish in time: not remembered, the machine may only have been busy."""


class _Remembered:
    """What the last pages read gave (their lines, or why they could not be read), by image digest; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size, self.lock = size, threading.Lock()
        self.pages: OrderedDict[bytes, list[OcrLine] | OcrPageError] = OrderedDict()

    def get(self, key: bytes) -> list[OcrLine] | OcrPageError | None:
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
            return self.pages.get(key)

    def put(self, key: bytes, result: list[OcrLine] | OcrPageError) -> None:
        with self.lock:
            self.pages[key] = result
            if len(self.pages) > self.size:
                self.pages.popitem(last=False)


_remembered = _Remembered(_REMEMBERED)


def unavailable_reason() -> str | None:
    """Why scanned pages cannot be read on this machine, with the command that fixes it; ``None`` when they can."""
    program = shutil.which("tesseract")
    if program is None:
        return f"a scanned PDF needs OCR, and Tesseract is not installed: {_INSTALL}"
    try:
        listed = subprocess.run([program, "--list-langs"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"a scanned PDF needs OCR, and Tesseract does not run ({exc}): {_INSTALL}"
    if LANGUAGE not in listed.split():
        return f"a scanned PDF needs OCR, and Tesseract has no Vietnamese model: {_INSTALL}"
    return None


def read_scanned_page(page: pdfium.PdfPage, *, timeout: float, dpi: int = DPI) -> list[OcrLine]:
    """The page's lines as Tesseract reads them, or ``OcrPageError`` saying why it could not."""
    image, dpi = _render(page, dpi)
    key = hashlib.sha256(image.tobytes()).digest()
    result = _remembered.get(key)
    if result is None:
        try:
            result = _read_image(image, dpi, timeout)
        except _Timeout:
            raise
        except OcrPageError as exc:
            result = exc
        _remembered.put(key, result)
    if isinstance(result, OcrPageError):
        raise OcrPageError(str(result))
    return result


def _read_image(image: np.ndarray, dpi: int, timeout: float) -> list[OcrLine]:
    """The page read as it is; when it reads less than cleanly, read again without its speckles; when it still
    reads poorly, turned upright if OSD says how it lies.  The most confident reading stands."""
    best = _attempt(image, dpi, timeout)
    if best.confidence < _SPOTLESS_CONFIDENCE:
        despeckled = _despeckle(image)
        cleaned = _attempt(despeckled, dpi, timeout)
        if cleaned.confidence > best.confidence:
            best, image = cleaned, despeckled
    if not best.clean:
        turns = _quarter_turns(image, dpi, timeout)
        if turns:
            turned = _attempt(np.rot90(image, turns), dpi, timeout)
            if turned.confidence > best.confidence:
                best, image = turned, np.rot90(image, turns)
    if best.refused is not None:
        raise best.refused
    return _with_unread_ink(best.lines, image, dpi, timeout)


def _with_unread_ink(lines: list[OcrLine], image: np.ndarray, dpi: int, timeout: float) -> list[OcrLine]:
    """The page's lines, with those of each region of ink no line covers read again alone: a region's lines
    follow the last line that sits no lower than its own last, as Tesseract puts a column's block after the
    column beside it ("Nơi nhận" on the left, the signature on the right)."""
    merged = list(lines)
    unread = _without_lines(image, lines, dpi)
    for region in _unread_regions(unread, dpi):
        block = _read_region(unread, region, dpi, timeout)
        if block:
            lowest = block[-1].baseline
            at = max((i + 1 for i, kept in enumerate(merged) if kept.baseline <= lowest), default=0)
            merged[at:at] = block
    return merged


def _without_lines(image: np.ndarray, lines: list[OcrLine], dpi: int) -> np.ndarray:
    """The page with the lines read whited out, each from above its capitals to below its descenders: what is
    left is ink the reading left out, and reading it again cannot read those lines twice."""
    scale, margin = dpi / 72, dpi // _SQUARES_PER_INCH // 2
    unread = image.copy()
    for line in lines:
        top, bottom = int((line.baseline - 1.6 * line.size) * scale), int((line.baseline + 0.6 * line.size) * scale)
        left, right = int(line.left * scale) - margin, int(line.right * scale) + margin
        unread[max(0, top):max(0, bottom), max(0, left):max(0, right)] = 255
    return unread


def _unread_regions(unread: np.ndarray, dpi: int) -> list[tuple[int, int, int, int]]:
    """Boxes (top, bottom, left, right, in pixels) of the regions of a page (its lines read whited out) that
    hold ink."""
    square = max(1, dpi // _SQUARES_PER_INCH)
    ink = unread < _INK
    rows, columns = ink.shape[0] // square, ink.shape[1] // square
    share = ink[:rows * square, :columns * square].reshape(rows, square, columns, square).mean(axis=(1, 3))
    ndimage = _ndimage()
    labels, _ = ndimage.label(ndimage.binary_closing(share > _MIN_UNREAD_INK, iterations=2))
    regions = []
    for found in ndimage.find_objects(labels):
        top, bottom = found[0].start * square, found[0].stop * square
        left, right = found[1].start * square, found[1].stop * square
        if ink[top:bottom, left:right].sum() >= _MIN_UNREAD_PIXELS * dpi * dpi:
            regions.append((top, bottom, left, right))
    return regions


def _read_region(unread: np.ndarray, region: tuple[int, int, int, int], dpi: int, timeout: float) -> list[OcrLine]:
    """A region's lines (of the page with its lines read whited out) read as one block of text, in points on the
    page, its words read with little confidence left out; nothing when Tesseract fails on it (the page's own
    reading stands)."""
    margin = max(1, dpi // _SQUARES_PER_INCH)
    top, bottom, left, right = region
    top, left = max(0, top - margin), max(0, left - margin)
    try:
        hocr = _tesseract(_pgm(unread[top:bottom + margin, left:right + margin]), dpi, timeout,
                          ["-l", LANGUAGE, "--psm", "6", "hocr"])
    except _Timeout:
        raise
    except OcrPageError:
        return []
    points = 72 / dpi
    return [OcrLine(line.text, line.left + left * points, line.right + left * points, line.baseline + top * points,
                    line.size) for line in _parse_hocr(hocr, points, _MIN_WORD_CONFIDENCE)[0]
            if sum(character.isalpha() for character in line.text) >= _MIN_LETTERS]


@dataclass(frozen=True)
class _Attempt:
    """One reading of a page: its lines and mean word confidence, or why it was refused (confidence -1)."""

    lines: list[OcrLine]
    confidence: float
    refused: OcrPageError | None = None

    @property
    def clean(self) -> bool:
        return self.refused is None and self.confidence >= _CLEAN_CONFIDENCE


def _attempt(image: np.ndarray, dpi: int, timeout: float) -> _Attempt:
    try:
        return _Attempt(*_reading(image, dpi, timeout))
    except _Timeout:
        raise
    except OcrPageError as exc:
        return _Attempt([], -1.0, exc)


def _despeckle(image: np.ndarray) -> np.ndarray:
    """The page through a 3 × 3 median filter: a photocopy's or a fax's dots (salt and pepper) go, strokes stay.

    Tesseract reads each dot as a mark: court precedents' pages with dots on
    1 % of their pixels read at a character accuracy of 0.64-0.75, filtered
    at 0.98 (``bench/ocr_accuracy.py --speckled 0.01``), and a speckled Party
    plan gave no number, date or signer until filtered.  Clean thin print
    loses a little (0.986 to 0.936 at 150 dpi), and reads less confidently,
    so the reading as it is stands for it.
    """
    return np.asarray(Image.fromarray(image).filter(ImageFilter.MedianFilter(3)))


def _reading(image: np.ndarray, dpi: int, timeout: float) -> tuple[list[OcrLine], float]:
    """The page's lines and their mean word confidence, or ``OcrPageError`` if they are not legible."""
    lines, confidences = _parse_hocr(_tesseract(_pgm(image), dpi, timeout, ["-l", LANGUAGE, "hocr"]), 72 / dpi)
    return _even_sizes(lines), _check_legible(lines, confidences)


def _quarter_turns(image: np.ndarray, dpi: int, timeout: float) -> int:
    """How many quarter turns counter-clockwise (``np.rot90``) bring the page upright; 0 when OSD cannot tell."""
    try:
        found = _OSD.search(_tesseract(_pgm(image), dpi, timeout, ["--psm", "0"]))
    except _Timeout:
        raise
    except OcrPageError:
        return 0  # too little text to tell ("Too few characters"): read as it is
    if not found or float(found.group(2)) < _MIN_ORIENTATION_CONFIDENCE:
        return 0
    return (4 - int(found.group(1)) // 90) % 4  # OSD says how far to turn it clockwise


def _render(page: pdfium.PdfPage, dpi: int) -> tuple[np.ndarray, int]:
    """The page as grey pixels (rows × columns) at ``dpi`` (lowered for a huge page), and the resolution used; its
    coloured ink (``_coloured_ink``) seen in the ink's own channel, where a seal is pale and the print under it dark.
    PDFium renders the grey as it always did, so a grey scan is read exactly as before."""
    width, height = page.get_size()
    dpi = min(dpi, int(72 * (_MAX_PIXELS / max(width * height, 1.0)) ** 0.5))
    pixels, colour = _pixels(page, dpi, grayscale=True), _pixels(page, dpi, grayscale=False)
    for channel in (_RED, _BLUE):
        ink = _coloured_ink(colour, channel)
        if ink.any():  # the ink's own colour is paper: what is darker in its channel is print under the ink
            seen = colour[..., channel][ink].astype(np.float32)
            pixels[ink] = np.minimum(seen * 255 / np.median(seen), 255).astype(np.uint8)
    return pixels, dpi


def _pixels(page: pdfium.PdfPage, dpi: int, grayscale: bool) -> np.ndarray:
    """The page's pixels, rows × columns (× blue, green, red)."""
    bitmap = page.render(scale=dpi / 72, grayscale=grayscale)
    channels = 1 if grayscale else bitmap.n_channels
    try:  # PDFium pads each row to four bytes: keep the columns only
        rows = np.frombuffer(bytes(bitmap.buffer), np.uint8).reshape(bitmap.height, bitmap.stride)
        pixels = rows[:, :bitmap.width * channels]
    finally:
        bitmap.close()
    return (pixels if grayscale else pixels.reshape(bitmap.height, bitmap.width, channels)).copy()


def _coloured_ink(pixels: np.ndarray, channel: int) -> np.ndarray:
    """Where a colour scan holds ink of one colour: a red seal or a blue signature, which Tesseract reads as a
    picture and with it drops the number or the signer's name they cover.  In grey such ink is as dark as print;
    in colour it stands out in its own channel (print under it is dark in every channel)."""
    own = pixels[..., channel]
    others = np.maximum(*(pixels[..., other] for other in range(3) if other != channel))
    ink = (own > _INK_FLOOR) & (own.astype(np.int16) - others > _INK_MARGIN)
    # with its pale edges, where the ink fades into the paper: seen in its channel they are paper too
    return _ndimage().binary_dilation(ink, iterations=_INK_EDGE) if ink.any() else ink


def _ndimage() -> ModuleType:
    """``scipy.ndimage``, imported on a scan's first page: it takes 0.2 s to import, which every ``kb`` command and
    the service's start paid, reading a scan or not."""
    from scipy import ndimage

    return ndimage


def _pgm(image: np.ndarray) -> bytes:
    rows, columns = image.shape
    return b"P5 %d %d 255\n" % (columns, rows) + np.ascontiguousarray(image).tobytes()


def _tesseract(image: bytes, dpi: int, timeout: float, arguments: list[str]) -> bytes:
    """What Tesseract writes for one image read from its standard input: hOCR, or OSD's report (``--psm 0``)."""
    program = shutil.which("tesseract") or "tesseract"
    command = [program, "stdin", "stdout", "--dpi", str(dpi), *arguments]
    try:
        done = subprocess.run(command, input=image, capture_output=True, timeout=timeout,
                              env=os.environ | {"OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired as exc:
        raise _Timeout(f"OCR took over {timeout:g} s (raise limits.max_ocr_page_seconds to wait longer)") from exc
    except OSError as exc:
        raise OcrPageError(f"Tesseract could not be started: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrPageError(f"Tesseract failed (exit {done.returncode}): {said[-1] if said else 'no message'}")
    return done.stdout


def _numbers(title: str, key: str) -> list[float]:
    """The numbers after ``key`` in an hOCR ``title`` (``bbox 1 2 3 4; x_size 50``)."""
    found = re.search(rf"\b{key}((?:\s+-?[\d.]+)+)", title)
    return [float(n) for n in found.group(1).split()] if found else []


def _parse_hocr(hocr: bytes, points_per_pixel: float,
                min_confidence: float = 0.0) -> tuple[list[OcrLine], list[float]]:
    """Lines (in points) and every word's confidence, from Tesseract's hOCR; the words read with less confidence
    than ``min_confidence`` are left out."""
    root = etree.fromstring(hocr, etree.XMLParser(resolve_entities=False, no_network=True))
    lines, confidences = [], []
    for element in root.iterfind(".//h:span[@class='ocr_line']", _HOCR):
        read = [(text, (_numbers(w.get("title", ""), "x_wconf") or [0.0])[0])
                for w in element.findall("h:span[@class='ocrx_word']", _HOCR)
                if (text := "".join(w.itertext()).strip()) and not _RULE.fullmatch(text)]
        words = [(word, confidence) for word, confidence in read if confidence >= min_confidence]
        confidences += [confidence for _, confidence in words]
        text = nfc(" ".join(word for word, _ in words))
        title = element.get("title", "")
        box = _numbers(title, "bbox")
        if not text or len(box) != 4:
            continue
        offset = (_numbers(title, "baseline") or [0.0, 0.0])[-1]
        size = (_numbers(title, "x_size") or [box[3] - box[1]])[0]
        lines.append(OcrLine(text, box[0] * points_per_pixel, box[2] * points_per_pixel,
                             (box[3] + offset) * points_per_pixel, size * points_per_pixel))
    return lines, confidences


def _check_legible(lines: list[OcrLine], confidences: list[float]) -> float:
    """Refuse a page with nothing read, read with little confidence, or read mostly as garbled text;
    the mean word confidence of one that passes."""
    if not lines:
        raise OcrPageError("OCR found no text on it (a blank page, or only a picture)")
    confidence = statistics.fmean(confidences) if confidences else 0.0
    if confidence < _MIN_CONFIDENCE:
        raise OcrPageError(f"OCR could not read it (word confidence {confidence:.0f} %, under {_MIN_CONFIDENCE} %): "
                           "a blurred, handwritten or photographed page?")
    text = "\n".join(line.text for line in lines)
    garbled = sum(span.end - span.start for span in find_garbled(text))
    if garbled * 2 > len(text):
        raise OcrPageError("OCR read it as garbled text")
    return confidence


def _even_sizes(lines: list[OcrLine]) -> list[OcrLine]:
    """Give lines of the body one size: Tesseract's estimate varies a little from line to line.

    The layout rules take a change of size for a new paragraph (a title, a
    footnote), so lines within 15 % of the page's median are set to it;
    larger and smaller print keeps its own.
    """
    body = statistics.median(line.size for line in lines)
    return [OcrLine(line.text, line.left, line.right, line.baseline, body) if abs(line.size - body) <= 0.15 * body
            else line for line in lines]
