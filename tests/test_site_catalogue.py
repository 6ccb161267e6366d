"""The legal site's metadata table fills what a saved page's own text does not say, and nothing else.

Pages saved from THƯ VIỆN PHÁP LUẬT carry the site's table (``Số hiệu``,
``Ngày ban hành`` …); the web readers cut it from the text and hand it on as
the ``SourceText``'s ``catalogue``.  A page that dropped the document's own
header (a letter that opens on "Kính gửi:") then still has a number, a date
and a type; a page with its header keeps its own.  Each page is written here
as the site saves it and read through the real reader and parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_kb_at

from indexer.front_matter import split_front_matter
from indexer.limits import ReadingLimits
from indexer.parse import CARD_SECTION, parse_document
from indexer.read import read_file
from kb.indexing import index_paths
from kb.retrieval.query import understand
from kb.retrieval.refusal import NO_NUMBER
from kb.retrieval.search import search

SITE_HEAD = """Bản dịch này thuộc quyền sở hữu của **
THƯ VIỆN PHÁP LUẬT**. Mọi hành vi sao chép là vi phạm pháp luật.
Click vào phần bôi vàng để xem chi tiết.
|
Đang tải văn bản...
#
"""
# The table as the Markdown conversion prints it: each label and value between lone pipes.
TABLE = {"Số hiệu": "171/CV-BCĐ", "Loại văn bản": "Công văn",
         "Nơi ban hành": "Ban Chỉ đạo sắp xếp ĐVHC các cấp và xây dựng mô hình tổ chức CQĐP 02 cấp",
         "Người ký": "Phạm Thị Thanh Trà", "Ngày ban hành": "21/11/2025", "Tình trạng": "Đã biết"}
LETTER = """**Kính gửi:** Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.
Chủ tịch Ủy ban nhân dân các tỉnh tập trung, khẩn trương chỉ đạo,
giải quyết dứt điểm các khó khăn, vướng mắc ở cấp xã khi vận hành chính quyền địa phương 02 cấp.
**1. Về tổ chức thực hiện chức năng, nhiệm vụ được phân cấp**
Tiếp tục đánh giá tính khả thi của việc phân cấp, phân quyền ở cấp xã.
**Nơi nhận:**
- Như trên;
- Lưu: VT.
**TRƯỞNG BAN**
**PHÓ THỦ TƯỚNG**
**Phạm Thị Thanh Trà**
"""
ADMIN_PAGE = Path(__file__).resolve().parents[2] / "shared" / "data" / "admin-docs" / "docs" / "65c9ecb9e2fa82c1.md"
HEADER = """BỘ TÀI CHÍNH
**CỤC THUẾ**
-------
Số: 5402/CT-CS
V/v chính sách thuế giá trị gia tăng
Hà Nội, ngày 20 tháng 11 năm 2025
"""


def _page(table: dict[str, str], document: str) -> str:
    rows = "".join(f"**{label}:**\n|\n{value}\n|\n" for label, value in table.items())
    return f"{SITE_HEAD}{rows}{document}\nVăn bản liên quan\n"


def _read(tmp_path: Path, text: str, name: str = "page.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_document(read_file(path, limits=ReadingLimits()))


def test_a_page_without_its_own_header_takes_number_date_type_and_issuer_from_the_sites_table(tmp_path):
    parsed = _read(tmp_path, _page(TABLE, LETTER))
    meta = parsed.meta
    assert (meta.number, meta.date, meta.doc_type) == ("171/CV-BCĐ", "2025-11-21", "Công văn")
    assert meta.issuer == TABLE["Nơi ban hành"]
    assert meta.signer == "Phạm Thị Thanh Trà"  # the document's own closing block, as before
    card = next(chunk for chunk in parsed.chunks if chunk.kind == "card")
    assert card.heading_path == [CARD_SECTION]
    assert "Số, ký hiệu: 171/CV-BCĐ" in card.text and "ngày 21 tháng 11 năm 2025" in card.text
    # the number went through the header's normalisation: a query naming it finds the card's key
    assert {ref.full_key for ref in card.references} == {"CV:171:BCĐ"}
    assert "CV:171:BCĐ" in understand("Công văn 171/CV-BCĐ").full_keys
    assert "Số hiệu" not in parsed.source.text  # the table is still not the document's text


def test_a_page_with_its_own_header_keeps_its_own_values_where_the_table_differs(tmp_path):
    table = {**TABLE, "Số hiệu": "9999/CT-CS", "Loại văn bản": "Chỉ thị", "Nơi ban hành": "Bộ Tài chính",
             "Ngày ban hành": "01/01/2024"}
    meta = _read(tmp_path, _page(table, HEADER + LETTER)).meta
    assert (meta.number, meta.date, meta.doc_type) == ("5402/CT-CS", "2025-11-20", "Công văn")
    assert meta.issuer == "Cục Thuế"


def test_a_field_the_table_lacks_stays_empty_and_a_province_is_no_issuer(tmp_path):
    table = {label: value for label, value in TABLE.items() if label != "Ngày ban hành"}
    meta = _read(tmp_path, _page({**table, "Nơi ban hành": "Tỉnh Bắc Ninh"}, LETTER)).meta
    assert meta.number == "171/CV-BCĐ"
    assert meta.date is None
    assert meta.issuer is None  # the site files a committee's documents under its province: not an organ


def test_the_html_reader_hands_the_table_on_too(tmp_path):
    cells = "".join(f"<td><b>{label}:</b></td><td>{value}</td>" for label, value in list(TABLE.items())[:4])
    page = (f"<html><body><div>Bản quyền của <b>THƯ VIỆN PHÁP LUẬT</b>.</div>"
            "<div>Click vào phần bôi vàng để xem chi tiết.</div>"
            f"<table><tr>{cells}</tr><tr><td><b>Ngày ban hành:</b></td><td>21/11/2025</td>"
            f"<td><b>Tình trạng:</b></td><td>Đã biết</td></tr></table>"
            + "".join(f"<p>{line}</p>" for line in LETTER.replace("**", "").splitlines()) + "</body></html>")
    meta = _read(tmp_path, page, "page.html").meta
    assert (meta.number, meta.date, meta.doc_type) == ("171/CV-BCĐ", "2025-11-21", "Công văn")


def test_a_question_naming_the_letter_by_number_is_answered_not_refused(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "65c9ecb9e2fa82c1.md").write_text(_page(TABLE, LETTER), encoding="utf-8")
    kb = fake_kb_at(tmp_path / "home")
    index_paths(kb, [folder])
    found = search(kb, "Who signed Official Letter 171/CV-BCD?", 3)
    assert found.refused != NO_NUMBER and found.results
    assert found.results[0].document.number == "171/CV-BCĐ"


@pytest.mark.skipif(not ADMIN_PAGE.exists(), reason=f"{ADMIN_PAGE} is absent: the shared data folder is not mounted")
def test_the_real_letter_that_dropped_its_header_gets_its_number_and_date():
    """The page of the report: Công văn 171/CV-BCĐ opens on "Kính gửi:", its header nowhere in the text."""
    meta = parse_document(read_file(ADMIN_PAGE, limits=ReadingLimits())).meta
    assert (meta.number, meta.date, meta.doc_type) == ("171/CV-BCĐ", "2025-11-21", "Công văn")
    assert meta.signer == "Phạm Thị Thanh Trà"


def test_front_matter_on_a_saved_page_is_kept_for_indexing_not_cut_with_the_furniture(tmp_path):
    path = tmp_path / "restricted.md"
    path.write_text("---\naccess: restricted\n---\n" + _page(TABLE, LETTER), encoding="utf-8")
    source = read_file(path, limits=ReadingLimits())
    values, text = split_front_matter(source.text)
    assert values == {"access": "restricted"}
    assert text.startswith("**Kính gửi:**") and source.catalogue is not None
