"""Scanned PDFs: pages that are only pictures are read by Tesseract, keep their pages, and what cannot be read is named.

The scans are made here from a real born-digital court precedent
(``../shared``): its pages rendered to grey pictures at 200 dpi and saved as
a picture-only PDF, as an office scanner saves a signed document, so the
born-digital text is the truth the OCR is held to.  Tests that run Tesseract
skip, saying why, when it is not installed (``.ci/install-ocr`` installs it).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from conftest import open_kb, skip_out_loud
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from indexer.errors import LimitExceededError, OcrUnavailableError, UnreadableFileError
from indexer.limits import ReadingLimits
from indexer.metadata import extract_metadata
from indexer.model import SourceText
from indexer.readers import ocr
from indexer.readers.pdf import read_pdf
from kb.indexing import index_paths
from kb.retrieval.search import search

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ORIGINAL = SHARED / "data" / "docx-pdf" / "court-docs" / "an_le" / "an_le_so_432021AL.pdf"
SCAN_DPI = 200
pytestmark = pytest.mark.skipif(not ORIGINAL.is_file(), reason=f"{ORIGINAL} is absent: no real PDF to scan")


def picture(number: int, blur: float = 0.0) -> Image.Image:
    """Page ``number`` (0-based) of the original as a scanner sees it: grey pixels, optionally out of focus."""
    document = pdfium.PdfDocument(ORIGINAL)
    try:
        image = document[number].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def scanned_pdf(path: Path, pictures: list[Image.Image]) -> Path:
    first, *rest = pictures
    first.save(path, "PDF", save_all=True, append_images=rest, resolution=SCAN_DPI)
    return path


def pdf_of_pages(path: Path, parts: list[tuple[Path, int]]) -> Path:
    """A PDF made of the given pages (file, 0-based number) of other PDFs, in order."""
    made = pdfium.PdfDocument.new()
    for source, number in parts:
        document = pdfium.PdfDocument(source)
        made.import_pages(document, [number])
        document.close()
    made.save(path)
    made.close()
    return path


def page_text(source: SourceText, page: int) -> str:
    """The text of 1-based ``page``."""
    assert source.pages is not None
    starts = [*source.pages, len(source.text)]
    return source.text[starts[page - 1] : starts[page]]


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@pytest.fixture(scope="module")
def tesseract(request):
    reason = ocr.unavailable_reason()
    if reason:
        skip_out_loud(request, f"OCR tests: {reason}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """``scan.pdf`` (pages 1-2 of the original, scanned) and ``born.pdf`` (the same pages as printed)."""
    folder = tmp_path_factory.mktemp("scans")
    scanned_pdf(folder / "scan.pdf", [picture(0), picture(1)])
    pdf_of_pages(folder / "born.pdf", [(ORIGINAL, 0), (ORIGINAL, 1)])
    return folder


def test_read_pdf_reads_a_scan_page_by_page_as_the_text_layer_reads(tesseract, folder):
    scan, born = read_pdf(folder / "scan.pdf"), read_pdf(folder / "born.pdf")
    assert scan.warnings == [] and len(scan.pages or []) == 2
    assert similarity(scan.text, born.text) > 0.9
    for page, other in ((1, 2), (2, 1)):
        assert similarity(page_text(scan, page), page_text(born, page)) > 0.85
        assert similarity(page_text(scan, page), page_text(born, other)) < 0.5
    assert "NỘI DUNG VỤ ÁN" in page_text(scan, 2)


def speckled(image: Image.Image, share: float) -> Image.Image:
    """``image`` with ``share`` of its pixels made black or white dots, as a worn photocopy or a fax prints it."""
    pixels = np.array(image.convert("L"))
    dots = np.random.default_rng(0).random(pixels.shape)
    pixels[dots < share / 2] = 0
    pixels[(dots >= share / 2) & (dots < share)] = 255
    return Image.fromarray(pixels)


def test_a_speckled_scan_reads_as_the_clean_one(tesseract, folder, tmp_path):
    """Tesseract reads each dot as a mark (0.65-0.75 of the characters right with dots on 1 % of the
    pixels); the reader reads such a page again through a median filter."""
    scan = read_pdf(scanned_pdf(tmp_path / "speckled.pdf", [speckled(picture(0), 0.01)]))
    assert scan.warnings == []
    assert similarity(page_text(scan, 1), page_text(read_pdf(folder / "born.pdf"), 1)) > 0.9


def test_read_pdf_reads_the_scanned_page_of_a_printed_file(tesseract, folder, tmp_path):
    mixed = read_pdf(pdf_of_pages(tmp_path / "signed.pdf", [(folder / "born.pdf", 0), (folder / "scan.pdf", 1)]))
    assert mixed.warnings == []
    assert similarity(page_text(mixed, 2), page_text(read_pdf(folder / "born.pdf"), 2)) > 0.85


def test_index_scan_makes_searchable_passages_with_pages_and_names_the_page_it_cannot_read(
        tesseract, folder, tmp_path, model_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    scanned_pdf(docs / "scan.pdf", [picture(0), picture(1), picture(2, blur=5)])
    kb = open_kb(tmp_path / "home", model_path)
    report = index_paths(kb, [docs])
    [outcome] = report.files
    assert outcome.status == "indexed" and outcome.chunks > 0
    assert outcome.reason and outcome.reason.startswith("scanned page 3 not read: OCR could not read it")
    assert report.summary()["problems"] == [{"source": "scan.pdf", "status": "indexed", "reason": outcome.reason,
                                            "access": outcome.access}]
    first = search(kb, "Ngân hàng cho bà Nguyễn Thị L vay tổng cộng 8.000.000.000 đồng theo hợp đồng tín dụng", 3)
    assert first.results[0].page == 2 and "Ngân hàng" in first.results[0].text
    second = search(kb, "bên mua đã được cấp giấy chứng nhận nhưng mới thanh toán được một phần tiền mua nhà đất", 3)
    assert second.results[0].page == 1


def test_scanned_page_over_its_time_is_reported_by_page(tesseract, tmp_path):
    path = scanned_pdf(tmp_path / "slow.pdf", [picture(3), picture(4)])
    with pytest.raises(UnreadableFileError) as refused:
        read_pdf(path, ReadingLimits(max_ocr_page_seconds=0.01))
    assert str(refused.value) == ("scanned page 1 not read: OCR took over 0.01 s (raise limits.max_ocr_page_seconds "
                                  "to wait longer); scanned page 2 not read: OCR took over 0.01 s (raise "
                                  "limits.max_ocr_page_seconds to wait longer)")


def test_scan_over_the_ocr_page_limit_is_skipped_before_any_ocr(folder):
    with pytest.raises(LimitExceededError, match=r"scanned pages to read by OCR: 2, over the limit of 1 \(raise "
                                                 r"limits.max_ocr_pages"):
        read_pdf(folder / "scan.pdf", ReadingLimits(max_ocr_pages=1))


def test_scan_without_tesseract_is_reported_with_the_install_command(folder, tmp_path, monkeypatch, model_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where no tesseract program is found
    with pytest.raises(OcrUnavailableError, match="Tesseract is not installed: apt-get install tesseract-ocr "
                                                  "tesseract-ocr-vie"):
        read_pdf(folder / "scan.pdf")
    report = index_paths(open_kb(tmp_path / "home", model_path), [folder / "scan.pdf"], dry_run=True)
    assert [(f.status, f.reason) for f in report.files] == [("error", ocr.unavailable_reason())]


def test_printed_file_with_a_scanned_page_is_read_without_it_when_tesseract_is_missing(folder, tmp_path, monkeypatch):
    path = pdf_of_pages(tmp_path / "signed.pdf", [(folder / "born.pdf", 0), (folder / "scan.pdf", 1)])
    monkeypatch.setenv("PATH", str(tmp_path))
    source = read_pdf(path)
    assert source.warnings == [f"scanned page 2 not read: {ocr.unavailable_reason()}"]
    assert page_text(source, 2) == "" and "hợp đồng thế chấp trong trường hợp tài sản thế chấp" in page_text(source, 1)


@pytest.mark.e2e
@pytest.mark.parametrize("degrees", [90, 180])
def test_a_page_scanned_sideways_or_upside_down_is_read_upright(tesseract, folder, tmp_path, degrees):
    """A scanner fed the page turned: OSD tells how it lies, and it reads as well as the upright scan."""
    turned = read_pdf(scanned_pdf(tmp_path / "turned.pdf", [picture(0).rotate(degrees, expand=True)]))
    upright, born = read_pdf(folder / "scan.pdf"), read_pdf(folder / "born.pdf")
    assert turned.warnings == []
    accuracy = similarity(page_text(turned, 1), page_text(born, 1))
    assert accuracy > 0.85 and accuracy > similarity(page_text(upright, 1), page_text(born, 1)) - 0.02


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def party_plan_page() -> Image.Image:
    """A Party plan as printed and scanned: the header's two columns, the closing table's two columns."""
    page = Image.new("L", (int(8.27 * SCAN_DPI), int(11.69 * SCAN_DPI)), 255)
    draw = ImageDraw.Draw(page)
    regular, bold = (ImageFont.truetype(str(DEJAVU / name), 34) for name in ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"))
    lines = [(330, 150, bold, "TỈNH ỦY BẾN TRE"), (1100, 150, bold, "ĐẢNG CỘNG SẢN VIỆT NAM"), (330, 200, regular, "*"),
             (330, 250, regular, "Số 131-KH/TU"), (1100, 250, regular, "Bến Tre, ngày 17 tháng 3 năm 2020"),
             (827, 400, bold, "KẾ HOẠCH"), (827, 450, bold, "tuyên truyền đại hội đảng bộ các cấp"),
             (827, 560, regular, "I. MỤC ĐÍCH, YÊU CẦU"), (827, 615, regular, "Tuyên truyền sâu rộng trong cán bộ, đảng viên."),
             (330, 900, bold, "Nơi nhận:"), (1100, 900, bold, "T/M BAN THƯỜNG VỤ"),
             (330, 950, regular, "- Ban Tuyên giáo Trung ương,"), (1100, 950, bold, "PHÓ BÍ THƯ"),
             (330, 1000, regular, "- Lưu Văn phòng Tỉnh ủy."), (1100, 1150, bold, "Nguyễn Văn Tâm")]
    for x, y, font, text in lines:
        draw.text((x - draw.textlength(text, font=font) / 2, y), text, font=font, fill=0)
    return page


def test_a_scanned_party_plan_gives_its_number_issuer_signer_and_date(tesseract, tmp_path, request):
    """OCR runs each row of a two-column table into one line: the motto after the organ, the position
    among the recipients; the metadata is read all the same."""
    if not (DEJAVU / "DejaVuSerif.ttf").is_file():
        skip_out_loud(request, f"no DejaVu fonts in {DEJAVU} to print the page with")
    meta = extract_metadata(read_pdf(scanned_pdf(tmp_path / "ke-hoach.pdf", [party_plan_page()])).text)
    assert (meta.number, meta.doc_type, meta.issuer, meta.date) == ("131-KH/TU", "Kế hoạch", "Tỉnh ủy Bến Tre", "2020-03-17")
    assert (meta.signer, meta.signer_position) == ("Nguyễn Văn Tâm", "Phó Bí thư")


def red_sealed(page: Image.Image, centres: list[tuple[int, int]]) -> Image.Image:
    """The page in colour with a red seal stamped over each centre: ink over print, as a stamp multiplies it."""
    stamp = Image.new("RGB", page.size, "white")
    draw, red = ImageDraw.Draw(stamp), (200, 35, 40)
    font = ImageFont.truetype(str(DEJAVU / "DejaVuSerif-Bold.ttf"), 22)
    for x, y in centres:
        for width, radius in ((9, 150), (4, 118)):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=red, width=width)
        draw.regular_polygon((x, y, 40), 5, fill=red)
        draw.text((x - 110, y - 125), "TỈNH ỦY BẾN TRE  *  ĐẢNG CỘNG SẢN", font=font, fill=red)
    return ImageChops.multiply(page.convert("RGB"), stamp)


def blue_signed(page: Image.Image, x: int, y: int) -> Image.Image:
    """The page with a signature in blue ink swept across the name under (``x``, ``y``)."""
    ink = Image.new("RGB", page.size, "white")
    draw, blue = ImageDraw.Draw(ink), (30, 50, 170)
    draw.line([(x + 3 * t, y + 40 * np.sin(t / 6) + t % 17) for t in range(110)], fill=blue, width=5)
    draw.line([(x + 20, y + 60), (x + 300, y - 30)], fill=blue, width=4)
    return ImageChops.multiply(page, ink)


def test_a_red_seal_and_a_blue_signature_on_a_colour_scan_hide_neither_number_nor_signer(tesseract, tmp_path, request):
    """In grey a seal and a signature are as dark as print, and Tesseract drops the blocks they overlap (no number,
    no signer); in colour each ink is told apart and seen in its own channel, where it is pale and print dark."""
    if not (DEJAVU / "DejaVuSerif.ttf").is_file():
        skip_out_loud(request, f"no DejaVu fonts in {DEJAVU} to print the page with")
    scan = tmp_path / "ke-hoach-dong-dau.pdf"
    signed = blue_signed(red_sealed(party_plan_page(), [(420, 250), (1020, 1080)]), 950, 1120)
    signed.save(scan, "PDF", resolution=SCAN_DPI)
    meta = extract_metadata(read_pdf(scan).text)
    assert (meta.number, meta.issuer, meta.signer, meta.signer_position) == (
        "131-KH/TU", "Tỉnh ủy Bến Tre", "Nguyễn Văn Tâm", "Phó Bí thư")


EVAL = Path(__file__).resolve().parents[1] / "eval"


@pytest.mark.parametrize(("scan", "signer"), [
    ("fresh-23/docs/chi-thi-65-hu-co-do-an-toan-giao-thong-thuy-ben-khach-ngang-song-2022.pdf", "Tăng Minh Quới"),
    ("fresh-20/docs/ke-hoach-84-hu-van-yen-phat-trien-vung-que-huu-co-2022.pdf", "Đặng Văn Thuyết"),
])
def test_a_signature_a_seal_overlaps_is_read_again_apart(tesseract, scan, signer):
    """Tesseract takes the block a seal overlaps for a picture and drops it, the signer's title and name in it:
    the ink its reading left out is read again alone (two signed copies scanned for the held-out sets)."""
    meta = extract_metadata(read_pdf(EVAL / scan).text)
    assert (meta.signer, meta.signer_position) == (signer, "Bí thư")
