import re
import unicodedata
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

from indexer.errors import UnreadableFileError
from indexer.readers.pdf import read_pdf

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AN_LE = SHARED / "data" / "docx-pdf" / "court-docs" / "an_le"
COURT_PDFS = sorted(AN_LE.glob("*.pdf")) if AN_LE.is_dir() else []
needs_court = pytest.mark.skipif(not COURT_PDFS, reason=f"{AN_LE} is absent: no real PDFs to read")


def make_pdf(path: Path, pages: list[list[tuple[float, float, float, str]]], password: str | None = None) -> Path:
    """A PDF whose pages print the given ``(x, y from top, size, text)`` lines in Helvetica."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(595, 842)
        font = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        })
        fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        escaped = (t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for *_, t in lines)
        operators = [f"BT /F1 {size} Tf {x} {842 - y} Td ({text}) Tj ET"
                     for (x, y, size, _), text in zip(lines, escaped)]
        stream = StreamObject()
        stream.set_data("\n".join(operators).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(user_password=password, algorithm="RC4-128")
    with path.open("wb") as file:
        writer.write(file)
    return path


SENTENCES = [
    "The council met in the spring and agreed on the plan for schools and roads in the north",
    "Each district sends a report every month with the number of new houses and the cost of",
    "repairs, and the office checks the figures against the budget before the next meeting",
    "A second paragraph starts here with an indent, as printed documents mark a new idea in",
    "the text, and it goes on for a while so that the line reaches the right margin of page",
]


def report_pages(count: int) -> list[list[tuple[float, float, float, str]]]:
    """Pages with a running title, a page number, indented paragraphs and a hyphenated line end."""
    pages = []
    for n in range(1, count + 1):
        lines = [(72, 40, 9, "Annual report of the district council"), (290, 810, 10, f"- {n} -")]
        for k, sentence in enumerate(SENTENCES):
            indent = 20 if k in (0, 3) else 0
            lines.append((72 + indent, 120 + 15 * k, 12, f"{sentence} {n}"))
        lines.append((72, 120 + 15 * len(SENTENCES), 12, "docu-"))
        lines.append((72, 135 + 15 * len(SENTENCES), 12, f"ment number {n} ends the page."))
        pages.append(lines)
    return pages


def page_count(path: Path) -> int:
    document = pypdfium2.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


@needs_court
@pytest.mark.parametrize("path", COURT_PDFS, ids=lambda p: p.name)
def test_read_pdf_court_precedent_has_pages_and_nfc_text(path):
    source = read_pdf(path)
    assert source.format == "pdf"
    assert len(source.pages) == page_count(path)
    assert source.pages[0] == 0
    assert all(a < b for a, b in pairwise(source.pages)), source.pages
    assert source.pages[-1] < len(source.text)
    assert unicodedata.is_normalized("NFC", source.text)
    assert "ÁN LỆ SỐ" in source.text[: source.pages[1]]


@needs_court
@pytest.mark.parametrize("path", COURT_PDFS, ids=lambda p: p.name)
def test_read_pdf_drops_repeated_header_and_footer_lines(path):
    source = read_pdf(path)
    bounds = [*source.pages, len(source.text)]
    edges = Counter()
    for start, end in pairwise(bounds):
        lines = [line for line in source.text[start:end].split("\n") if line.strip()]
        edges.update({re.sub(r"\d+", "#", line) for line in (lines[0], lines[-1])})
    repeated = [line for line, n in edges.items() if n > len(source.pages) / 2]
    assert not repeated
    assert not re.search(r"^\s*\d{1,3}\s*$", source.text, re.MULTILINE), "a page number is left"


@needs_court
@pytest.mark.parametrize("path", COURT_PDFS, ids=lambda p: p.name)
def test_read_pdf_joins_lines_into_paragraphs(path):
    source = read_pdf(path)
    paragraphs = source.text.split("\n\n")
    assert not re.search(r"\w-\n\w", source.text)
    assert all("\n" not in paragraph for paragraph in paragraphs)
    assert not [p for p in paragraphs if p[:1].islower()], "a paragraph split mid-sentence"
    assert len(paragraphs) > 5 * len(source.pages) / 2


@needs_court
def test_read_pdf_finds_a_sentence_on_its_page():
    source = read_pdf(AN_LE / "an_le_so_432021AL.pdf")
    sentence = ("Ngân hàng cho bà Nguyễn Thị L - Chủ Doanh nghiệp tư nhân thương mại dịch vụ "
                "Nguyễn Tấn Đ vay tổng cộng 8.000.000.000 đồng")
    assert source.page_at(source.text.index(sentence)) == 2
    across = "“Chưa thanh toán hết tiền mua nhà đất”"  # runs from page 1 onto page 2
    assert source.page_at(source.text.index(across)) == 1


@needs_court
def test_read_pdf_keeps_superscripts_and_footnotes_apart():
    source = read_pdf(AN_LE / "an_le_so_432021AL.pdf")
    assert source.text.startswith("ÁN LỆ SỐ 43/2021/AL¹\n\n")
    assert "298,3m² đất" in source.text
    # the footnote of page 1 follows the paragraph that runs over onto page 2
    note = ("“Đăng ký thế chấp”.\n\n¹ Án lệ này do Vụ Pháp chế và Quản lý khoa học Tòa án nhân dân tối cao "
            "đề xuất.\n\nNỘI DUNG VỤ ÁN:")
    assert note in source.text


def test_read_pdf_removes_running_title_and_page_numbers(tmp_path):
    source = read_pdf(make_pdf(tmp_path / "report.pdf", report_pages(3)))
    assert "Annual report" not in source.text
    assert not re.search(r"- \d -", source.text)
    assert source.text.startswith("The council met")
    assert source.page_at(source.text.index("ment number 2")) == 2


def test_a_header_printed_atop_each_document_of_a_file_is_no_running_head(tmp_path):
    """A decision and the plan it issues each open on their organ and motto: the lines repeat on both pages, and
    both stay (read as a running head, the decision lost its organ and its title)."""
    pages = [[(72, 40, 11, "UY BAN NHAN DAN"), (300, 40, 11, "CONG HOA XA HOI CHU NGHIA VIET NAM"),
              (72, 200, 11, f"{kind} so {n} of the commune council"), (290, 810, 10, f"- {n} -")]
             for n, kind in ((1, "QUYET DINH"), (2, "KE HOACH"))]
    source = read_pdf(make_pdf(tmp_path / "decision.pdf", pages))
    assert source.text.count("UY BAN NHAN DAN") == 2 and source.text.startswith("UY BAN NHAN DAN")
    assert not re.search(r"- \d -", source.text)


def test_read_pdf_mends_hyphen_and_keeps_paragraphs(tmp_path):
    source = read_pdf(make_pdf(tmp_path / "report.pdf", report_pages(2)))
    assert "document number 1 ends the page." in source.text
    paragraphs = source.text.split("\n\n")
    assert paragraphs[0] == " ".join(f"{s} 1" for s in SENTENCES[:3])
    assert paragraphs[1].startswith("A second paragraph starts here") and paragraphs[1].endswith("ends the page.")


def test_read_pdf_refuses_password_protected(tmp_path):
    path = make_pdf(tmp_path / "secret.pdf", report_pages(1), password="secret")
    with pytest.raises(UnreadableFileError, match="password"):
        read_pdf(path)


def test_read_pdf_refuses_scan_without_text(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [[], []])
    with pytest.raises(UnreadableFileError, match="OCR"):
        read_pdf(path)


def test_read_pdf_refuses_truncated_file(tmp_path):
    whole = make_pdf(tmp_path / "whole.pdf", report_pages(2)).read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(UnreadableFileError, match="not a valid PDF"):
        read_pdf(path)


def test_read_pdf_refuses_other_bytes(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.7\nthis is not a PDF body\n%%EOF\n")
    with pytest.raises(UnreadableFileError, match="not a valid PDF"):
        read_pdf(path)
    path.write_text("plain text named .pdf")
    with pytest.raises(UnreadableFileError, match="not a valid PDF"):
        read_pdf(path)


def _laid_out(lines: list[tuple[float, float, float, str]]) -> str:
    """``assemble`` over one page of ``(x0, x1, y, text)`` lines in 12 pt: the text as paragraphs."""
    from indexer.readers.pdf_lines import Line
    from indexer.readers.pdf_paragraphs import assemble

    body = [(72, 523, 100 + 15 * k, SENTENCES[k % len(SENTENCES)]) for k in range(6)]
    page = [Line(text, x0, x1, y, 12.0, 0) for x0, x1, y, text in body + lines]
    return assemble([page], 842)[0]


def test_read_pdf_joins_a_centred_titles_last_line_under_it():
    title = "KẾ HOẠCH thực hiện Chỉ thị số 14-CT/TU về bảo vệ và phát huy giá trị Quần thể danh thắng Tràng"
    text = _laid_out([(72, 523, 220, title), (290, 305, 235, "An"), (92, 523, 265, "Thực hiện Chỉ thị số 14.")])
    assert f"{title} An\n" in text + "\n"


def test_read_pdf_keeps_a_centred_heading_apart():
    text = _laid_out([(72, 523, 220, "Các cơ quan, đơn vị báo cáo kết quả thực hiện về Văn phòng Tỉnh ủy"),
                      (250, 345, 235, "II. NHIỆM VỤ"), (92, 523, 250, "Thực hiện Chỉ thị số 14.")])
    assert "\n\nII. NHIỆM VỤ" in text
