import json
import re
import unicodedata
from pathlib import Path

import pytest

from indexer.errors import UnreadableFileError
from indexer.readers.web import read_html, read_web_text
from indexer.readers.web_furniture import looks_like_saved_page, read_saved_page

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ADMIN = SHARED / "data" / "admin-docs"
ADMIN_DOCS = sorted((ADMIN / "docs").glob("*.md")) if ADMIN.is_dir() else []
needs_admin = pytest.mark.skipif(not ADMIN_DOCS, reason=f"{ADMIN} is absent: no saved web pages to read")
# The three pages whose document the site had not published ("Văn bản này đang cập nhật Nội dung").
UNPUBLISHED = {"234679e21a8956c3.md", "a22c466ad399da74.md", "c245527d1c70c596.md"}

PAGE = """<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Công văn 5348/CT-CS</title>
<style>body { font-family: serif }</style><script>var promo = "Đăng ký ngay";</script></head>
<body>
<header class="site-header"><a href="/">Trang chủ</a> <a href="/vb">Văn bản</a></header>
<nav id="menu"><ul><li>Văn bản mới</li><li>Tra cứu</li></ul></nav>
<div class="login-box">Bạn chưa đăng nhập. <a>Đăng nhập</a> | <a>Đăng ký</a></div>
<div id="content">
  <table><tr><td><p>BỘ TÀI CHÍNH<br><b>CỤC THUẾ</b><br>-------</p></td>
      <td><p><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br>Độc lập - Tự do - Hạnh phúc</p></td></tr>
    <tr><td><p>Số: 5348/CT-CS</p></td><td><p><i>Hà Nội, ngày 17 tháng 11 năm 2025</i></p></td></tr></table>
  <p>Kính gửi: Thuế tỉnh Lào Cai.</p>
  <p>Cục Thuế nhận được công văn của Thuế tỉnh Lào Cai
     về chính sách thuế. Cục Thuế có ý kiến như sau:</p>
  <table border="1"><tr><th>STT</th><th>Nội dung</th><th>Thuế suất</th></tr>
    <tr><td>1</td><td>Dịch vụ tư vấn</td><td>10%</td></tr></table>
  <p style="display:none">Nội dung ẩn</p>
  <div class="share-buttons">Chia sẻ Facebook</div>
  <p>Cục Thuế trả lời để Thuế tỉnh Lào Cai được biết./.</p>
</div>
<aside>Văn bản cùng lĩnh vực</aside>
<footer><p>© 2025 Cơ sở dữ liệu pháp luật.</p></footer>
<script>console.log("loaded")</script>
</body></html>"""

EXPECTED = """BỘ TÀI CHÍNH
CỤC THUẾ
-------
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 5348/CT-CS
Hà Nội, ngày 17 tháng 11 năm 2025
Kính gửi: Thuế tỉnh Lào Cai.
Cục Thuế nhận được công văn của Thuế tỉnh Lào Cai về chính sách thuế. Cục Thuế có ý kiến như sau:
STT\tNội dung\tThuế suất
1\tDịch vụ tư vấn\t10%
Cục Thuế trả lời để Thuế tỉnh Lào Cai được biết./."""

SAVED_PAGE = """<html><body>
<div>Bản dịch này thuộc quyền sở hữu của <b>THƯ VIỆN PHÁP LUẬT</b>. Mọi hành vi sao chép là vi phạm.</div>
<div>Đang tải văn bản...</div>
<table><tr><td><b>Số hiệu:</b></td><td>2873/QĐ-UBND</td><td><b>Loại văn bản:</b></td><td>Quyết định</td></tr>
<tr><td><b>Nơi ban hành:</b></td><td>Tỉnh Hà Tĩnh</td><td><b>Người ký:</b></td><td>Hồ Huy Thành</td></tr>
<tr><td><b>Tình trạng:</b></td><td>Đã biết</td></tr></table>
<table><tr><td><p><b>ỦY BAN NHÂN DÂN</b><br>TỈNH HÀ TĨNH</p></td><td><p>Độc lập - Tự do - Hạnh phúc</p></td></tr></table>
<p>Số: 2873/QĐ-UBND</p><p>QUYẾT ĐỊNH</p><p>Điều 1. Công bố Danh mục thủ tục hành chính.</p>
<div>Quyết định 2873/QĐ-UBND năm 2025 công bố Danh mục thủ tục hành chính</div>
<div>Văn bản này chưa cập nhật nội dung Tiếng Anh</div>
<h2>Văn bản liên quan</h2><div>Ban hành: 27/11/2025</div>
</body></html>"""


def test_read_html_keeps_article_text_and_table_rows(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    source = read_html(path)
    assert source.format == "html" and source.encoding == "utf-8"
    assert source.text == EXPECTED


def cp1258(text: str) -> bytes:
    """Windows-1258 bytes: precomposed vowels where the code page has them, tone marks combining."""
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def test_read_html_keeps_content_whose_class_names_chrome(tmp_path):
    path = tmp_path / "page.html"
    path.write_text('<html><body><div class="layout has-sidebar"><p>Điều 1. Phạm vi điều chỉnh</p>'
                    '<div class="sidebar">Văn bản mới</div></div></body></html>', encoding="utf-8")
    assert read_html(path).text == "Điều 1. Phạm vi điều chỉnh"


def test_read_html_keeps_an_articles_footer_with_its_signature(tmp_path):
    """A portal prints the recipients and the signature in a table classed as a footer inside the article; the
    site's own footer, outside it, is still dropped."""
    path = tmp_path / "page.html"
    path.write_text('<html><body><main><article><p>Kế hoạch phát huy vai trò cựu chiến binh kể chuyện lịch sử tại các '
                    'điểm di tích của phường.</p><table class="vb-footer"><tr><td><p>Nơi nhận:</p><p>- Lưu VP.</p></td>'
                    '<td><p>T/M ĐẢNG ỦY</p><p>Bạc Cầm Tuấn</p></td></tr></table></article></main>'
                    '<div class="site-footer"><p>Địa chỉ: tổ dân phố 9</p></div></body></html>', encoding="utf-8")
    text = read_html(path).text
    assert "T/M ĐẢNG ỦY\nBạc Cầm Tuấn" in text and "Địa chỉ" not in text


def test_read_html_declared_legacy_charset(tmp_path):
    path = tmp_path / "old.htm"
    body = "<html><head><meta charset=windows-1258></head><body><p>Chỉ thị về công tác tuyên truyền</p></body></html>"
    path.write_bytes(cp1258(body))
    source = read_html(path)
    assert unicodedata.normalize("NFC", source.text) == source.text == "Chỉ thị về công tác tuyên truyền"


def test_read_html_strips_the_legal_sites_furniture(tmp_path):
    path = tmp_path / "saved.html"
    path.write_text(SAVED_PAGE, encoding="utf-8")
    text = read_html(path).text
    assert text.splitlines() == ["ỦY BAN NHÂN DÂN", "TỈNH HÀ TĨNH", "Độc lập - Tự do - Hạnh phúc",
                                 "Số: 2873/QĐ-UBND", "QUYẾT ĐỊNH", "Điều 1. Công bố Danh mục thủ tục hành chính."]


def test_read_html_refuses_page_of_menus_only(tmp_path):
    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav>Trang chủ</nav><footer>© 2025</footer></body></html>", encoding="utf-8")
    with pytest.raises(UnreadableFileError, match="no text"):
        read_html(path)


@needs_admin
@pytest.mark.parametrize("path", ADMIN_DOCS, ids=lambda p: p.name)
def test_read_web_text_leaves_only_the_document(path):
    if path.name in UNPUBLISHED:
        with pytest.raises(UnreadableFileError, match="without the document's text"):
            read_web_text(path)
        return
    original = path.read_text(encoding="utf-8")
    text = read_web_text(path).text
    for furniture in ("THƯ VIỆN PHÁP LUẬT", "Đang tải văn bản", "**Số hiệu:**", "Tình trạng:",
                      "Văn bản liên quan", "Click vào phần bôi vàng", "Thành viên Pro"):
        assert furniture not in text, furniture
    document = original.split("**Tình trạng:**", 1)[1]
    own_number = re.search(r"^\W*Số\W+\d", document, re.MULTILINE)
    assert bool(re.search(r"^\W*Số\W+\d", text, re.MULTILINE)) == bool(own_number)
    assert text in original  # one contiguous piece of the page


@needs_admin
def test_read_saved_page_drops_the_sites_metadata_table_and_keeps_the_header():
    meta = {m["file"]: m for m in json.loads((ADMIN / "metadata.json").read_text(encoding="utf-8"))}
    path = ADMIN / "docs" / "005d8820eb95c1cb.md"
    text = read_saved_page(path.read_text(encoding="utf-8")).text
    lines = text.splitlines()
    assert lines[:3] == ["BỘ TÀI CHÍNH", "**CỤC THUẾ**", "-------"]
    assert f"Số: {meta[path.name]['so_hieu']}" in text
    assert not any(label in text for label in ("Loại văn bản:", "Nơi ban hành:", "Người ký:", "Ngày ban hành:"))


@needs_admin
def test_read_saved_page_drops_summary_and_english_translation():
    summary = read_saved_page((ADMIN / "docs" / "0326977b5d611b9a.md").read_text(encoding="utf-8")).text
    assert summary.startswith("**CHÍNH\nPHỦ**")
    assert "Xem thêm chi tiết" not in summary
    english = read_saved_page((ADMIN / "docs" / "514184bd8913458c.md").read_text(encoding="utf-8")).text
    assert english.rstrip().endswith("**Nguyễn Thị Bích Ngọc**")
    assert "MINISTRY OF" not in english and "Article" not in english


def test_read_web_text_leaves_own_markdown_unchanged():
    path = ROOT / "corpus" / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"
    source = read_web_text(path)
    assert source.text == path.read_bytes().decode("utf-8")
    assert source.format == "markdown"
    assert not looks_like_saved_page(source.text)
    assert read_saved_page(source.text).text == source.text


ENCODINGS = SHARED / "data" / "encodings"


@pytest.mark.skipif(not ENCODINGS.is_dir(), reason=f"{ENCODINGS} is absent")
@pytest.mark.parametrize("name", ["party_221-KL-TW_2025.utf8.txt", "party_221-KL-TW_2025.nfd.txt"])
def test_a_page_of_the_site_saved_as_text_loses_its_furniture(name):
    """The conclusion was copied from the site into a text file, with its comparison help and address; decomposed
    accents too, whose markers are read composed."""
    source = read_web_text(ENCODINGS / name, "text")
    assert source.format == "text" and source.text == unicodedata.normalize("NFC", source.text)
    assert "Số 221-KL/TW" in source.text and "Trần Cẩm Tú" in source.text
    assert "Rà chuột" not in source.text and "FILE ĐƯỢC ĐÍNH KÈM" not in source.text
