import difflib
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from indexer.errors import UnreadableFileError
from indexer.readers.word import read_docx

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ENCODINGS = SHARED / "data" / "encodings"
LAWS = SHARED / "data" / "docx-pdf" / "laws-docx"
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
needs_laws = pytest.mark.skipif(not LAWS.is_dir(), reason=f"{LAWS} is absent")


def accuracy(truth: str, text: str) -> float:
    """1 - edit distance / len(truth), the distance counted on difflib's alignment."""
    if truth == text:
        return 1.0
    opcodes = difflib.SequenceMatcher(None, truth, text, autojunk=False).get_opcodes()
    return 1 - sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in opcodes if op != "equal") / len(truth)


def make_docx(path: Path, body: str, styles: str = "", numbering: str = "", footnotes: str = "") -> Path:
    """A minimal Word package: the document, and styles, numbering and footnotes parts when given."""
    parts = {"word/document.xml": f'<w:document {W}><w:body>{body}</w:body></w:document>'}
    if styles:
        parts["word/styles.xml"] = f"<w:styles {W}>{styles}</w:styles>"
    if numbering:
        parts["word/numbering.xml"] = f"<w:numbering {W}>{numbering}</w:numbering>"
    if footnotes:
        parts["word/footnotes.xml"] = f"<w:footnotes {W}>{footnotes}</w:footnotes>"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    overrides = "".join(f'<Override PartName="/{name}" ContentType="{main}.{name[5:-4]}+xml"/>' for name in parts)
    overrides = overrides.replace(".document+xml", ".document.main+xml")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    part_rels = "".join(f'<Relationship Id="r{i}" Type="{rel}/{name[5:-4]}" Target="{name[5:]}"/>'
                        for i, name in enumerate(parts) if name != "word/document.xml")
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml",
                         '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="xml" ContentType="application/xml"/>'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                         f"{overrides}</Types>")
        package.writestr("_rels/.rels", f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                        f'<Relationship Id="r0" Type="{rel}/officeDocument" Target="word/document.xml"/>'
                                        "</Relationships>")
        package.writestr("word/_rels/document.xml.rels",
                         f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{part_rels}</Relationships>')
        for name, xml in parts.items():
            package.writestr(name, xml)
    return path


def para(text: str, font: str = "", props: str = "") -> str:
    fonts = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:p>{props}<w:r>{fonts}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


@pytest.mark.skipif(not ENCODINGS.is_dir(), reason=f"{ENCODINGS} is absent")
@pytest.mark.parametrize("stem", ["party_221-KL-TW_2025", "law_68-2020-QH14_cu_tru", "plan_252-KH-BCDQG1237_2013"])
def test_read_docx_in_vntime_matches_the_truth(stem):
    path = ENCODINGS / f"{stem}.tcvn3.docx"
    paragraphs = len(re.findall(r"<w:p[ >]", zipfile.ZipFile(path).read("word/document.xml").decode()))
    truth = (ENCODINGS / f"{stem}.utf8.txt").read_text(encoding="utf-8")
    # The sample holds the truth's first non-blank lines, one paragraph each.
    expected = "\n".join([line for line in truth.split("\n") if line.strip()][:paragraphs])
    source = read_docx(path)
    assert source.encoding == "docx+tcvn3"
    assert accuracy(expected, source.text) >= 0.995


@needs_laws
@pytest.mark.parametrize("name,number", [("Luật-04-2007-QH12.docx", "\nSố: 04/2007/QH12\n"),
                                         ("Luật-68-2020-QH14.docx", "\nLuật số: 68/2020/QH14\n")])
def test_read_docx_keeps_the_header_table_before_the_articles(name, number):
    text = read_docx(LAWS / name).text
    header = text[: re.search(r"^Điều\s1\b", text, re.MULTILINE).start()]
    assert header.startswith("QUỐC HỘI\n") and number in header
    assert re.search("CỘNG H(ÒA|OÀ) XÃ HỘI CHỦ NGHĨA VIỆT NAM", header)
    assert "|" not in header


@needs_laws
def test_read_docx_writes_out_automatic_article_numbers():
    text = read_docx(LAWS / "Luật-69-2014-QH13.docx").text
    assert "Điều 1. Phạm vi điều chỉnh" in text
    assert "\n2. Doanh nghiệp do Nhà nước nắm giữ 100% vốn điều lệ bao gồm:\na) Công ty" in text


@needs_laws
@pytest.mark.parametrize("path", sorted(LAWS.glob("*.docx")) if LAWS.is_dir() else [], ids=lambda p: p.name)
def test_read_docx_reads_every_law(path):
    source = read_docx(path)
    assert source.format == "docx" and source.encoding == "docx"
    assert len(source.text) > 500
    assert unicodedata.is_normalized("NFC", source.text)


@needs_laws
def test_read_docx_refuses_a_truncated_file(tmp_path):
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes((LAWS / "Luật-68-2020-QH14.docx").read_bytes()[:1000])
    with pytest.raises(UnreadableFileError, match="not a valid Word file: .*damaged or truncated"):
        read_docx(truncated)


@pytest.mark.parametrize("content,message", [
    (os.urandom(5000), "not a valid Word file"),
    (b"Quy\xea\xect \xf0\xe3nh", "not a valid Word file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000), "password-protected Word file: remove the password"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le") + bytes(4000), r"old Word \(.doc\)"),
], ids=["random-bytes", "text", "encrypted", "old-doc"])
def test_read_docx_says_what_is_wrong_with_a_file(tmp_path, content, message):
    path = tmp_path / "file.docx"
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=message):
        read_docx(path)


def test_read_docx_refuses_a_zip_that_is_not_a_word_file(tmp_path):
    path = tmp_path / "file.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("hello.txt", "hello")
    with pytest.raises(UnreadableFileError, match="not a valid Word file"):
        read_docx(path)


def test_read_docx_refuses_a_file_without_text(tmp_path):
    with pytest.raises(UnreadableFileError, match="holds no text"):
        read_docx(make_docx(tmp_path / "empty.docx", "<w:p/>"))


def test_read_docx_reads_tables_in_place_cell_by_cell(tmp_path):
    cell = "<w:tc>{}</w:tc>"
    table = ("<w:tbl><w:tr>" + cell.format(para("BỘ NỘI VỤ") + para("Số: 12/2024/TT-BNV"))
             + cell.format(para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")) + "</w:tr><w:tr>" + cell.format("<w:p/>")
             + cell.format(para("Hà Nội, ngày 5 tháng 3 năm 2024")) + "</w:tr></w:tbl>")
    path = make_docx(tmp_path / "t.docx", para("Trước") + table + para("THÔNG TƯ"))
    assert read_docx(path).text == ("Trước\nBỘ NỘI VỤ\nSố: 12/2024/TT-BNV\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                                    "Hà Nội, ngày 5 tháng 3 năm 2024\nTHÔNG TƯ")


def test_read_docx_reads_a_grid_of_data_one_row_a_line(tmp_path):
    """Three filled columns in two rows or more: a table of targets, each row one statement ("Thời gian thông
    quan … | 3 giờ/xe | 2 giờ/xe"); a cell of two paragraphs joins them, a merged or empty cell adds nothing."""
    def row(*cells: str) -> str:
        return "<w:tr>" + "".join(f"<w:tc>{cell}</w:tc>" for cell in cells) + "</w:tr>"

    table = ("<w:tbl>" + row(para("STT"), para("Chỉ tiêu"), para("Năm 2025"), para("Cơ quan chủ trì"))
             + row(para("1"), para("Thời gian thông quan"), para("3 giờ/xe"), para("Sở Công Thương") + para("Công an tỉnh"))
             + row(para("2"), para("Lối mở có camera"), "<w:p/>", para("Bộ đội Biên phòng")) + "</w:tbl>")
    path = make_docx(tmp_path / "t.docx", para("Các chỉ tiêu như sau:") + table + para("III. NHIỆM VỤ"))
    assert read_docx(path).text == ("Các chỉ tiêu như sau:\nSTT | Chỉ tiêu | Năm 2025 | Cơ quan chủ trì\n"
                                    "1 | Thời gian thông quan | 3 giờ/xe | Sở Công Thương Công an tỉnh\n"
                                    "2 | Lối mở có camera | Bộ đội Biên phòng\nIII. NHIỆM VỤ")


def test_read_docx_reads_each_footnote_after_the_paragraph_that_cites_it(tmp_path):
    """Numbered in the order the text cites them, whatever their ids; Word's separators are cited by nothing."""
    def cited(text: str, note: int) -> str:
        return (f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r>'
                f'<w:r><w:footnoteReference w:id="{note}"/></w:r></w:p>')

    notes = ('<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
             '<w:footnote w:id="7"><w:p><w:r><w:footnoteRef/></w:r>'
             '<w:r><w:t xml:space="preserve"> Theo số liệu của Cục Thống kê tỉnh năm 2020.</w:t></w:r></w:p></w:footnote>'
             '<w:footnote w:id="3">' + para("Kết luận số 21-KL/TW ngày 25/10/2021.") + "</w:footnote>")
    path = make_docx(tmp_path / "t.docx", cited("Cây chè là cây chủ lực", 7) + para("Giữa")
                     + cited("Thực hiện Kết luận 21", 3), footnotes=notes)
    assert read_docx(path).text == ("Cây chè là cây chủ lực\n(1) Theo số liệu của Cục Thống kê tỉnh năm 2020.\nGiữa\n"
                                    "Thực hiện Kết luận 21\n(2) Kết luận số 21-KL/TW ngày 25/10/2021.")


def test_read_docx_reads_a_text_box_once_after_the_paragraph_it_is_anchored_to(tmp_path):
    """Word stores a box twice, as a drawing and as its older VML fallback; a box inside a box is read once too."""
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'

    def box(*paragraphs: str) -> str:
        return f"<w:txbxContent>{''.join(paragraphs)}</w:txbxContent>"

    slogans = box(para("CÁC KHẨU HIỆU TUYÊN TRUYỀN"), para("Nhiệt liệt chào mừng 72 năm Chiến thắng Điện Biên Phủ!"))
    inner = box(para("Lưu ý"), f"<w:p><w:r><w:pict>{box(para('Bên trong'))}</w:pict></w:r></w:p>")
    anchored = (f'<w:p><w:r><w:t>2. Khẩu hiệu</w:t></w:r><w:r><mc:AlternateContent {mc}>'
                f"<mc:Choice><w:drawing>{slogans}</w:drawing></mc:Choice>"
                f"<mc:Fallback><w:pict>{slogans}</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")
    path = make_docx(tmp_path / "t.docx", anchored + f"<w:p><w:r><w:pict>{inner}</w:pict></w:r></w:p>" + para("3. Hình thức"))
    assert read_docx(path).text == ("2. Khẩu hiệu\nCÁC KHẨU HIỆU TUYÊN TRUYỀN\n"
                                    "Nhiệt liệt chào mừng 72 năm Chiến thắng Điện Biên Phủ!\nLưu ý\nBên trong\n3. Hình thức")


def test_read_docx_reads_the_body_of_a_file_whose_footnotes_are_damaged(tmp_path):
    path = make_docx(tmp_path / "t.docx", para("Thực hiện Kết luận 21"), footnotes="<w:footnote w:id='1'><w:p>")
    assert read_docx(path).text == "Thực hiện Kết luận 21"


def test_read_docx_decodes_runs_by_their_font(tmp_path):
    body = ('<w:p><w:r><w:rPr><w:rFonts w:ascii=".VnTimeH" w:hAnsi=".VnTimeH"/></w:rPr><w:t>chØ thÞ </w:t></w:r>'
            '<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/></w:rPr><w:t>số 05</w:t></w:r></w:p>'
            + para("Coäng hoøa xaõ hoäi chuû nghóa", "VNI-Times") + para("Quye\u0302\u0301t đi\u0323nh", "Arial"))
    source = read_docx(make_docx(tmp_path / "f.docx", body))
    assert source.text == "CHỈ THỊ số 05\nCộng hòa xã hội chủ nghĩa\nQuyết định"
    assert source.encoding == "docx+tcvn3+vni"


def test_read_docx_takes_the_font_from_the_paragraph_style(tmp_path):
    styles = ('<w:style w:type="paragraph" w:styleId="Base">'
              '<w:rPr><w:rFonts w:ascii=".VnTime" w:hAnsi=".VnTime"/></w:rPr></w:style>'
              '<w:style w:type="paragraph" w:styleId="Body"><w:basedOn w:val="Base"/></w:style>')
    body = para("QuyÕt ®Þnh nµy cã hiÖu lùc", props='<w:pPr><w:pStyle w:val="Body"/></w:pPr>')
    source = read_docx(make_docx(tmp_path / "s.docx", body, styles=styles))
    assert (source.text, source.encoding) == ("Quyết định này có hiệu lực", "docx+tcvn3")


def test_read_docx_decodes_tcvn3_whose_font_was_lost(tmp_path):
    source = read_docx(make_docx(tmp_path / "u.docx", para("§iÒu 1. Ph¹m vi ®iÒu chØnh cña LuËt nµy", "Arial")))
    assert (source.text, source.encoding) == ("Điều 1. Phạm vi điều chỉnh của Luật này", "docx+tcvn3")


def test_read_docx_numbers_list_paragraphs(tmp_path):
    numbering = ('<w:abstractNum w:abstractNumId="7">'
                 '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Điều %1."/></w:lvl>'
                 '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/></w:lvl>'
                 '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%3."/></w:lvl>'
                 '</w:abstractNum><w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>')

    def item(level: int, text: str) -> str:
        return para(text, props=f'<w:pPr><w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="3"/></w:numPr></w:pPr>')

    body = (item(0, "Phạm vi") + item(1, "một") + item(1, "hai") + item(2, "ba") + item(2, "bốn") + item(2, "năm")
            + item(2, "sáu") + item(0, "Đối tượng") + item(1, "bảy"))
    assert read_docx(make_docx(tmp_path / "n.docx", body, numbering=numbering)).text == (
        "Điều 1. Phạm vi\na) một\nb) hai\nI. ba\nII. bốn\nIII. năm\nIV. sáu\nĐiều 2. Đối tượng\na) bảy")


def _with_page_header(path: Path, header_lines: list[str], body_lines: list[str], *, first_page: bool = True) -> Path:
    """A Word file (python-docx) whose first page's header (or default header) holds ``header_lines``; the
    pages after carry a running title."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.different_first_page_header_footer = first_page
    section.header.paragraphs[0].text = "Kế hoạch triển khai Khu thương mại tự do Đà Nẵng"  # the running title
    printed = section.first_page_header if first_page else section.header
    printed.paragraphs[0].text = header_lines[0]
    for line in header_lines[1:]:
        printed.add_paragraph(line)
    for line in body_lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


HEADER_BLOCK = ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc", "Số: 178/KH-UBND", "Đà Nẵng, ngày 27 tháng 5 năm 2025"]
PLAN_BODY = ["KẾ HOẠCH", "Triển khai Khu thương mại tự do Đà Nẵng", "I. MỤC ĐÍCH, YÊU CẦU",
             "Hoàn thành thủ tục thành lập Khu thương mại tự do trong năm 2025."]


def test_read_docx_reads_a_header_block_printed_in_the_first_pages_header(tmp_path):
    text = read_docx(_with_page_header(tmp_path / "kh.docx", HEADER_BLOCK, PLAN_BODY)).text
    assert text.startswith("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ ĐÀ NẴNG\n")
    assert text.index("Số: 178/KH-UBND") < text.index("KẾ HOẠCH")
    assert "Kế hoạch triển khai Khu thương mại tự do" not in text  # the running title of the pages after


def test_read_docx_reads_no_running_title_nor_a_copy_of_the_bodys_own_header(tmp_path):
    plain = read_docx(_with_page_header(tmp_path / "title.docx", ["Kế hoạch số 178"], PLAN_BODY)).text
    assert plain.startswith("KẾ HOẠCH\n")
    copied = read_docx(_with_page_header(tmp_path / "copy.docx", ["Số: 178/KH-UBND"], HEADER_BLOCK + PLAN_BODY,
                                         first_page=False)).text
    assert copied.count("Số: 178/KH-UBND") == 1 and copied.startswith("ỦY BAN NHÂN DÂN\n")
