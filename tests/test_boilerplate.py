import re
from pathlib import Path

import pytest

from indexer.boilerplate import (
    HEADER_LINES,
    BoilerplateLines,
    find_boilerplate,
    line_key,
)
from indexer.model import Span
from indexer.readers.web import strip_web_furniture

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ADMIN = SHARED / "data" / "admin-docs" / "docs"
LAWS = SHARED / "data" / "laws-txt"
needs_admin = pytest.mark.skipif(not ADMIN.is_dir(), reason=f"{ADMIN} is absent: no saved web pages")
needs_laws = pytest.mark.skipif(not LAWS.is_dir(), reason=f"{LAWS} is absent: no laws")

HEADER = ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
          "Số: 12/QĐ-UBND", "Hà Tĩnh, ngày 19 tháng 11 năm 2025", "QUYẾT ĐỊNH", "Về việc công bố thủ tục hành chính",
          "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16/6/2025;",
          "Theo đề nghị của Giám đốc Sở Tư pháp;", "QUYẾT ĐỊNH:", "Điều 1. Phạm vi điều chỉnh",
          "Trong Quyết định này, các từ ngữ dưới đây được hiểu như sau:", "Điều 2. Hiệu lực thi hành"]
NOTICE = "Tài liệu được tải về từ cổng thông tin, mọi sao chép phải ghi rõ nguồn."


def document(n: int, extra: list[str] = ()) -> str:
    body = [f"Nội dung riêng số {n} của văn bản này nói về việc thứ {n} trong năm.", *extra,
            "Quyết định này có hiệu lực kể từ ngày ký.", "Nguyễn Văn An"]
    return "\n".join([*HEADER, *body])


@pytest.mark.parametrize("line", [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "**Độc lập - Tự do - Hạnh phúc**", "Độc lập – Tự do – Hạnh phúc",
    "Điều 1. Phạm vi điều chỉnh", "**Điều 3. Tổ chức thực hiện**", "Chương II", "1. Chính phủ quy định chi tiết điều này.",
    "a) Người đang chấp hành án phạt tù;", "- Như Điều 3;", "Nơi nhận:", "Nguyễn Thị Kim Ngân", "Phạm vi điều chỉnh",
    "Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;", "Theo đề nghị của Bộ trưởng Bộ Tài chính;",
    "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:", "Quyết định này có hiệu lực kể từ ngày ký.",
])
def test_line_key_exempts_headings_and_legal_formulas(line):
    assert line_key(line) is None


def test_line_key_normalises_notices():
    assert line_key("**Click vào phần bôi vàng để xem chi tiết.**") == "click vào phần bôi vàng để xem chi tiết."
    assert line_key("Trân trọng cảm ơn Quý Thành viên vì đã sử dụng dịch vụ") == line_key(
        "trân  trọng cảm ơn quý thành viên vì đã sử dụng dịch vụ")
    assert line_key("Thông tin được cập nhật hoá hằng ngày trên trang") == line_key(
        "Thông tin được cập nhật hóa hằng ngày trên trang")


def test_boilerplate_lines_need_enough_files_and_share():
    counter = BoilerplateLines()
    for n in range(20):
        counter.add(document(n, [NOTICE] * 2 if n < 5 else []))
    assert counter.files == 20
    assert counter.lines(min_files=5, min_share=0.2) == {line_key(NOTICE)}
    assert counter.lines(min_files=6, min_share=0.2) == frozenset()
    assert counter.lines(min_files=5, min_share=0.3) == frozenset()


def test_find_boilerplate_spans_the_notice_lines_only():
    text = document(1, [NOTICE, "Một dòng nội dung khác của văn bản, không lặp lại ở đâu.", f"**{NOTICE}**"])
    spans = find_boilerplate(text, frozenset({line_key(NOTICE)}))
    assert [text[s.start : s.end] for s in spans] == [NOTICE, f"**{NOTICE}**"]
    assert all(s.start == 0 or text[s.start - 1] == "\n" for s in spans)
    assert all(s.end == len(text) or text[s.end] == "\n" for s in spans)
    assert find_boilerplate(text, frozenset()) == []


def test_find_boilerplate_never_touches_the_header():
    text = "\n".join([NOTICE, *HEADER[1:], NOTICE])
    assert find_boilerplate(text, frozenset({line_key(NOTICE)})) == [Span(len(text) - len(NOTICE), len(text))]


def admin_texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(ADMIN.glob("*.md"))]


@needs_admin
def test_boilerplate_finds_the_sites_notices_in_saved_pages():
    counter = BoilerplateLines()
    texts = admin_texts()
    for text in texts:
        counter.add(text)
    found = counter.lines()
    for notice in ("Trân trọng cảm ơn Quý Thành viên.", "Rà chuột vào nội dụng văn bản để sử dụng.",
                   "Xin lỗi Quý khách vì sự bất tiện này!"):
        assert line_key(notice) in found
    assert not [key for key in found if re.search(r"độc lập|cộng hòa|^điều \d|căn cứ", key)]
    text = texts[0]
    spans = find_boilerplate(text, found)
    covered = [text[s.start : s.end] for s in spans]
    assert covered and all(line_key(line) in found for line in covered)
    lettered = [line for line in text.split("\n") if any(c.isalpha() for c in line)]
    assert covered == [line for line in lettered[HEADER_LINES:] if line_key(line) in found]


@needs_admin
def test_boilerplate_finds_nothing_left_after_stripping_the_site():
    counter = BoilerplateLines()
    for text in admin_texts():
        counter.add(strip_web_furniture(text))
    assert counter.lines() == frozenset()


@needs_laws
def test_boilerplate_keeps_what_laws_share():
    counter = BoilerplateLines()
    for path in sorted(LAWS.glob("*.txt")):
        counter.add(path.read_text(encoding="utf-8"))
    assert counter.files > 200
    assert counter.lines() == frozenset()
