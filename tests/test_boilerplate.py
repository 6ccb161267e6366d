from pathlib import Path

import pytest

from indexer.boilerplate import FurnitureLines, document_span, find_furniture, line_key
from indexer.readers.web_furniture import read_saved_page

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ADMIN = SHARED / "data" / "admin-docs" / "docs"
LAWS = SHARED / "data" / "laws-txt"
ENCODINGS = SHARED / "data" / "encodings"
needs_admin = pytest.mark.skipif(not ADMIN.is_dir(), reason=f"{ADMIN} is absent: no saved web pages")
needs_laws = pytest.mark.skipif(not LAWS.is_dir(), reason=f"{LAWS} is absent: no laws")
needs_encodings = pytest.mark.skipif(not ENCODINGS.is_dir(), reason=f"{ENCODINGS} is absent")

MENU = ["Trang chủ | Văn bản pháp luật | Hỏi đáp pháp luật | Liên hệ với chúng tôi", ""]
HEADER = ["BỘ TÀI CHÍNH", "**CỤC HẢI QUAN**", "-------", "|", "**CỘNG HÒA XÃ HỘI", "CHỦ NGHĨA VIỆT NAM**",
          "Độc lập - Tự do - Hạnh phúc", "Số: 38544/TB-CHQ", "*Hà Nội, ngày 27", "tháng 11 năm 2025*", "**THÔNG BÁO**"]
BODY = ["Căn cứ Luật Hải quan ngày 23 tháng 6 năm 2014;", "Căn cứ Nghị định số 08/2015/NĐ-CP ngày 21 tháng 01",
        "năm 2015 của Chính phủ quy định chi tiết và biện pháp thi hành Luật Hải quan;",
        "Cục Hải quan thông báo kết quả xác định trước mã số như sau:"]
SIGNATURE = ["*Nơi nhận:*", "- Chi cục Kiểm định hải quan;", "- Lưu: VT, NVTHQ-PL-Uyên (3b).", "**TL. CỤC TRƯỞNG**",
             "KT. TRƯỞNG BAN NGHIỆP VỤ THUẾ HQ", "PHÓ TRƯỞNG BAN", "Đào Thu Hương"]
NOTICE = "Tài liệu được tải về từ cổng thông tin, mọi sao chép phải ghi rõ nguồn."
LOGIN = "Bạn vừa bị đăng xuất khỏi tài khoản do có người khác đăng nhập."


def page(n: int, body: list[str] = BODY, after: list[str] = (NOTICE, LOGIN)) -> str:
    """A document as a site saves it: a menu, the document, the site's notices after the signature."""
    own = f"Nội dung riêng số {n} của thông báo này nói về mặt hàng thứ {n} trong năm."
    return "\n".join([*MENU, NOTICE, *HEADER, *body, own, *SIGNATURE, *after])


@pytest.mark.parametrize("line", [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "**Độc lập - Tự do - Hạnh phúc**", "Độc lập – Tự do – Hạnh phúc",
    "Điều 1. Phạm vi điều chỉnh", "**Điều 3. Tổ chức thực hiện**", "Chương II", "1. Chính phủ quy định chi tiết điều này.",
    "a) Người đang chấp hành án phạt tù;", "- Như Điều 3;", "Nơi nhận:", "Nguyễn Thị Kim Ngân", "Phạm vi điều chỉnh",
    "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;", "Theo đề nghị của Bộ trưởng Bộ Tài chính;",
    "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:", "Quyết định này có hiệu lực kể từ ngày ký.",
    "Ghi chú: Kết quả xác định trước mã số trên chỉ có giá trị sử dụng đối với tổ chức đã gửi đề nghị",
])
def test_line_key_exempts_headings_and_legal_formulas(line):
    assert line_key(line) is None


def test_line_key_normalises_notices():
    assert line_key("**Click vào phần bôi vàng để xem chi tiết.**") == "click vào phần bôi vàng để xem chi tiết."
    assert line_key("Thông tin được cập nhật hoá hằng ngày trên trang") == line_key(
        "Thông tin được cập nhật hóa hằng ngày trên trang")


def test_document_span_runs_from_the_issuing_body_to_the_signers_name():
    text = page(1)
    span = document_span(text)
    assert text[span.start :].startswith("BỘ TÀI CHÍNH")
    assert text[: span.end].endswith("Đào Thu Hương")


def test_document_span_is_the_whole_text_without_a_header_or_a_signature():
    text = "\n".join([NOTICE, *BODY, NOTICE])
    assert document_span(text).start == 0 and document_span(text).end == len(text)


def test_document_span_keeps_recipients_after_the_signature():
    text = "\n".join([*HEADER, *BODY, "T/M BỘ CHÍNH TRỊ", "Trần Cẩm Tú", "Nơi nhận:", "- Các tỉnh uỷ, thành uỷ,",
                      "Ban Chấp hành Trung ương Đảng,", "- Lưu Văn phòng Trung ương Đảng.", NOTICE])
    assert text[: document_span(text).end].endswith("- Lưu Văn phòng Trung ương Đảng.")


def test_furniture_lines_need_enough_files_and_share():
    counter = FurnitureLines()
    for n in range(20):
        counter.add(page(n) if n < 5 else page(n, after=[]))  # the login notice in 5 files, the rest in 20
    assert counter.files == 20
    everywhere = {line_key(MENU[0]), line_key(NOTICE)}
    assert counter.lines(min_files=5, min_share=0.2) == everywhere | {line_key(LOGIN)}
    assert counter.lines(min_files=6, min_share=0.2) == everywhere
    assert counter.lines(min_files=5, min_share=0.3) == everywhere


def test_lines_repeated_inside_the_documents_are_never_furniture():
    """The same text in every file (one law in several encodings): nothing of it is furniture."""
    quoted = "Trân trọng đề nghị các đơn vị phối hợp thực hiện nghiêm túc nội dung thông báo này ngay."
    counter = FurnitureLines()
    for n in range(10):
        counter.add(page(n, body=[*BODY, NOTICE, quoted]))
    assert line_key(quoted) not in counter.lines()
    text = page(3, body=[*BODY, NOTICE, quoted])
    removed = [text[s.start : s.end] for s in find_furniture(text, counter.lines())]
    assert removed == [MENU[0], NOTICE, NOTICE, LOGIN]  # before the header, after the signature; not inside
    assert text.count(NOTICE) == 3


def test_find_furniture_spans_whole_lines():
    text = page(1)
    spans = find_furniture(text, frozenset({line_key(LOGIN)}))
    assert [text[s.start : s.end] for s in spans] == [LOGIN]
    assert all(s.start == 0 or text[s.start - 1] == "\n" for s in spans)
    assert all(s.end == len(text) or text[s.end] == "\n" for s in spans)
    assert find_furniture(text, frozenset()) == []


def texts(folder: Path, pattern: str) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(folder.glob(pattern))]


@needs_admin
def test_furniture_of_raw_saved_pages_is_the_sites_only():
    counter = FurnitureLines()
    for text in texts(ADMIN, "*.md"):
        counter.add(text)
    found = counter.lines()
    assert line_key("Rà chuột vào nội dụng văn bản để sử dụng.") in found
    assert not [key for key in found if key.startswith(("căn cứ", "nơi nhận")) or "độc lập" in key]


@needs_admin
def test_no_furniture_is_left_after_stripping_the_site():
    counter = FurnitureLines()
    for text in texts(ADMIN, "*.md"):
        counter.add(read_saved_page(text).text)
    assert counter.lines() == frozenset()


@needs_encodings
def test_the_same_texts_in_several_encodings_lose_only_the_sites_lines():
    utf8 = texts(ENCODINGS, "*.utf8.txt")
    counter = FurnitureLines()
    for text in utf8 * 5:
        counter.add(text)
    for text in utf8:
        span = document_span(text)
        assert all(s.start >= span.end or s.end <= span.start for s in find_furniture(text, counter.lines()))
    assert line_key("Xin lỗi Quý khách vì sự bất tiện này!") in counter.lines()


@needs_laws
def test_furniture_keeps_what_laws_share():
    counter = FurnitureLines()
    for text in texts(LAWS, "*.txt"):
        counter.add(text)
    assert counter.files > 200
    assert counter.lines() == frozenset()
