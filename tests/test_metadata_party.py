"""Party and provincial documents in their official layouts (Hướng dẫn 36-HD/VPTW, Nghị định 30/2020/NĐ-CP):
typed columns, a saved web page's flattened table cells, a Word header table."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from indexer.metadata import extract_metadata
from indexer.model import DocumentMeta
from indexer.readers.web_furniture import read_saved_page
from indexer.readers.word import read_docx
from indexer.references import extract_references, own_reference

FIXTURES = Path(__file__).resolve().parent / "data" / "metadata"


def _fixture(name: str) -> DocumentMeta:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return extract_metadata(read_saved_page(text).text if name.endswith(".md") else text)


def _fields(meta: DocumentMeta) -> tuple:
    return (meta.number, meta.doc_type, meta.issuer, meta.signer, meta.signer_position, meta.date, meta.title)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("quy-dinh-ban-bi-thu.txt", ("148-QĐ/TW", "Quy định", "Ban Bí thư", "Trần Văn Bình", None,
                                     "2024-05-23",
                                     "Quy định về tổ chức và hoạt động của đảng đoàn, ban cán sự đảng")),
        ("huong-dan-ban-to-chuc-trung-uong.md", ("38-HD/BTCTW", "Hướng dẫn", "Ban Tổ chức Trung ương", "Hoàng Minh Đức",
                                                 "Phó Trưởng ban", "2024-03-15",
                                                 "Hướng dẫn một số vấn đề cụ thể về nghiệp vụ công tác đảng viên")),
        ("bao-cao-tinh-uy.txt", ("215-BC/TU", "Báo cáo", "Tỉnh ủy Quảng Ninh", "Lê Thị Thanh Hương",
                                 "Phó Bí thư Thường trực", "2024-12-05",
                                 "Báo cáo tình hình thực hiện nhiệm vụ năm 2024, phương hướng, nhiệm vụ năm 2025")),
        ("chuong-trinh-hanh-dong-tinh-uy.txt", ("05-CTr/TU", "Chương trình", "Ban Chấp hành Đảng bộ tỉnh Thanh Hóa",
                                                "Nguyễn Đức Long", "Bí thư", "2025-10-28",
                                                "Chương trình hành động thực hiện Nghị quyết Đại hội đại biểu Đảng bộ"
                                                " tỉnh lần thứ XX, nhiệm kỳ 2025 - 2030")),
        ("cong-van-so-giao-duc.md", ("1245/SGDĐT-GDPT", "Công văn", "Sở Giáo dục và Đào tạo tỉnh Quảng Ninh",
                                     "Phạm Thị Thu Hà", "Phó Giám đốc", "2024-09-09",
                                     "V/v triển khai nhiệm vụ giáo dục trung học năm học 2024-2025")),
    ],
)
def test_party_and_provincial_documents(name: str, expected: tuple) -> None:
    assert _fields(_fixture(name)) == expected


def test_place_is_whole_when_a_cell_holds_motto_and_date() -> None:
    meta = _fixture("huong-dan-ban-to-chuc-trung-uong.md")  # "ĐẢNG CỘNG SẢN VIỆT NAM ---- Hà Nội, ngày …" in one cell
    assert meta.place == "Hà Nội"


def test_word_header_table_gives_number_and_date(tmp_path: Path) -> None:
    """Left cell: the body and its number; right cell: the motto, place and date; a wrapped position."""
    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.text = "ỦY BAN NHÂN DÂN\nTỈNH QUẢNG NINH\n-------\nSố: 85/KH-UBND"
    right.text = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n---------------\n"
                  "Quảng Ninh, ngày 20 tháng 3 năm 2024")
    for line in ("KẾ HOẠCH", "Triển khai thực hiện Quyết định số 1899/QĐ-TTG của Thủ tướng Chính phủ",
                 "Thực hiện Quyết định số 1899/QĐ-TTg, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:",
                 "I. MỤC ĐÍCH, YÊU CẦU", "Nơi nhận:", "- Như trên;", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH",
                 "PHÓ CHỦ TỊCH", "Vũ Văn Diện"):
        document.add_paragraph(line)
    path = tmp_path / "ke-hoach.docx"
    document.save(str(path))
    meta = extract_metadata(read_docx(path).text)
    assert (meta.number, meta.doc_type, meta.date, meta.place) == ("85/KH-UBND", "Kế hoạch", "2024-03-20", "Quảng Ninh")
    assert meta.issuer == "Ủy ban nhân dân tỉnh Quảng Ninh"
    assert (meta.signer, meta.signer_position) == ("Vũ Văn Diện", "Phó Chủ tịch")
    assert meta.title == "Kế hoạch triển khai thực hiện Quyết định số 1899/QĐ-TTg của Thủ tướng Chính phủ"


def test_position_wrapped_over_two_lines_stays_out_of_the_title() -> None:
    text = ("ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nSố: 12/QĐ-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Độc lập - Tự do - Hạnh phúc\nBắc Ninh, ngày 02 tháng 01 năm 2025\nQUYẾT ĐỊNH\n"
            "VỀ VIỆC THÀNH LẬP BAN CHỈ ĐẠO\nCHỦ TỊCH ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH\nCăn cứ Luật Tổ chức chính quyền"
            " địa phương;\nQUYẾT ĐỊNH:\nĐiều 1. Thành lập Ban Chỉ đạo.\n")
    assert extract_metadata(text).title == "Quyết định về việc thành lập Ban Chỉ đạo"


def test_precedent_typed_in_small_letters_names_its_type_and_number() -> None:
    meta = extract_metadata("Án lệ số 26/2018/AL về xác định thời điểm bắt đầu tính thời hiệu\n"
                            "Được Hội đồng Thẩm phán Tòa án nhân dân tối cao thông qua ngày 17 tháng 10 năm 2018.\n")
    assert (meta.doc_type, meta.number, meta.date) == ("Án lệ", "26/2018/AL", "2018-10-17")


def test_old_law_title_leaves_its_number_and_session_out() -> None:
    meta = extract_metadata("LUẬT\nQUY HOẠCH ĐÔ THỊ\nCỦA QUỐC HỘI KHOÁ XII, KỲ HỌP THỨ 5\n"
                            "SỐ 30/2009/QH12 NGÀY 17 THÁNG 6 NĂM 2009\nCăn cứ Hiến pháp;\n"
                            "Luật này đã được Quốc hội nước Cộng hoà xã hội chủ nghĩa Việt Nam khoá XII, kỳ họp thứ 5 "
                            "thông qua ngày 17 tháng 6 năm 2009.\nNguyễn Phú Trọng\n(Đã ký)\n")
    assert (meta.number, meta.title, meta.signer) == ("30/2009/QH12", "Luật quy hoạch đô thị", "Nguyễn Phú Trọng")


def test_judges_council_over_its_court_is_the_issuer() -> None:
    meta = extract_metadata("HỘI ĐỒNG THẨM PHÁN\nTÒA ÁN NHÂN DÂN TỐI CAO\n-------\nSố: 04/2019/NQ-HĐTP\t"
                            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                            "Hà Nội, ngày 18 tháng 6 năm 2019\nNGHỊ QUYẾT\nVề quy trình lựa chọn, công bố và áp dụng án lệ\n"
                            "HỘI ĐỒNG THẨM PHÁN TÒA ÁN NHÂN DÂN TỐI CAO\nCăn cứ Luật Tổ chức Tòa án nhân dân;\n")
    assert (meta.doc_type, meta.number, meta.issuer, meta.issuer_parent) == (
        "Nghị quyết", "04/2019/NQ-HĐTP", "Hội đồng Thẩm phán Tòa án nhân dân tối cao", "Tòa án nhân dân tối cao")


def test_a_party_regulation_numbered_qd_is_keyed_as_a_quy_dinh() -> None:
    """"Quy định số 148-QĐ/TW" must find the Quy định, "Quyết định số 148-QĐ/TW" must not."""
    meta = _fixture("quy-dinh-ban-bi-thu.txt")
    own = own_reference(str(meta.number), meta.doc_type)
    assert own is not None and (own.key, own.full_key) == ("QĐi:148", "QĐi:148:TW")
    cited_as_rule, cited_as_decision = extract_references("Quy định số 148-QĐ/TW và Quyết định số 148-QĐ/TW")
    assert cited_as_rule.full_key == own.full_key and cited_as_decision.full_key == "QĐ:148:TW"
    decision = own_reference("148-QĐ/TW", "Quyết định")
    assert decision is not None and decision.full_key == "QĐ:148:TW"


def test_a_party_letter_in_a_word_header_table_keeps_its_number_and_organ(tmp_path: Path) -> None:
    """The Word reader gives the left cell (organ, number, the letter's V/v subject), then the right one."""
    document = docx.Document()
    left, right = document.add_table(rows=1, cols=2).rows[0].cells
    left.text = "TỈNH ỦY ĐỒNG THÁP\n*\nSố 320-CV/TU\nV/v triển khai thực hiện Kết luận số 21-KL/TW của Bộ Chính trị"
    right.text = "ĐẢNG CỘNG SẢN VIỆT NAM\nĐồng Tháp, ngày 15 tháng 11 năm 2021"
    for line in ("Kính gửi: Các huyện ủy, thành ủy.", "Nội dung.", "T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", "Trần Văn Ba"):
        document.add_paragraph(line)
    document.save(str(tmp_path / "cong-van.docx"))
    meta = extract_metadata(read_docx(tmp_path / "cong-van.docx").text)
    assert (meta.number, meta.issuer, meta.date, meta.signer) == ("320-CV/TU", "Tỉnh ủy Đồng Tháp", "2021-11-15", "Trần Văn Ba")
    assert meta.title == "V/v triển khai thực hiện Kết luận số 21-KL/TW của Bộ Chính trị"


def test_a_letter_read_column_by_column_keeps_its_number_and_organ_above_its_subject() -> None:
    """A Word or PDF header read a column at a time: organ, number and the wrapped ``V/v`` subject of the
    left column come before the motto and the date of the right one."""
    meta = extract_metadata("TỈNH ỦY ĐỒNG THÁP\n*\nSố 320-CV/TU\nV/v triển khai thực hiện Kết luận số\n"
                            "21-KL/TW của Bộ Chính trị\nĐẢNG CỘNG SẢN VIỆT NAM\nĐồng Tháp, ngày 15 tháng 11 năm 2021\n"
                            "Kính gửi: Các huyện ủy, thành ủy.\nNội dung.\nT/L BAN THƯỜNG VỤ\nCHÁNH VĂN PHÒNG\nTrần Văn Ba\n")
    assert (meta.number, meta.doc_type, meta.issuer, meta.date) == ("320-CV/TU", "Công văn", "Tỉnh ủy Đồng Tháp", "2021-11-15")
    assert meta.subject == "triển khai thực hiện Kết luận số 21-KL/TW của Bộ Chính trị"


_PLAN_BODY = "KẾ HOẠCH\ntuyên truyền đại hội đảng bộ các cấp\nI. MỤC ĐÍCH, YÊU CẦU\n1. Tuyên truyền sâu rộng.\n"


@pytest.mark.parametrize("text", [
    # the right column (motto, place and date) read before the left one (organ, number)
    "ĐẢNG CỘNG SẢN VIỆT NAM\nBến Tre, ngày 17 tháng 3 năm 2020\nTỈNH ỦY BẾN TRE\n*\nSố 131-KH/TU\n\n" + _PLAN_BODY
    + "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\n(Đã ký)\nNguyễn Văn Tâm\n",
    # a PDF read without its columns: the organ runs on into the motto, the number into the date
    "TỈNH ỦY BẾN TRE ĐẢNG CỘNG SẢN VIỆT NAM\n*\nSố 131-KH/TU Bến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY
    + "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\nNguyễn Văn Tâm\n",
    # the closing table read row by row: the recipients between the position and the name
    "TỈNH ỦY BẾN TRE\n*\nSố 131-KH/TU\nĐẢNG CỘNG SẢN VIỆT NAM\nBến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY
    + "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\nNơi nhận:\n- Ban Tuyên giáo Trung ương,\n- Lưu Văn phòng Tỉnh ủy.\nNguyễn Văn Tâm\n",
    # a PDF's text or an OCR'd scan runs the recipients' column and the signature's into one line
    "TỈNH ỦY BẾN TRE\n*\nSố 131-KH/TU\nĐẢNG CỘNG SẢN VIỆT NAM\nBến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY
    + "Nơi nhận: T/M BAN THƯỜNG VỤ - Ban Tuyên giáo Trung ương, PHÓ BÍ THƯ - Lưu Văn phòng Tỉnh ủy, - Thường trực "
    "HĐND, UBND tỉnh;\nNguyễn Văn Tâm\n",
])
def test_a_party_plan_read_in_any_column_order_keeps_its_identity(text: str) -> None:
    meta = extract_metadata(text)
    assert (meta.number, meta.issuer, meta.signer, meta.signer_position, meta.date) == (
        "131-KH/TU", "Tỉnh ủy Bến Tre", "Nguyễn Văn Tâm", "Phó Bí thư", "2020-03-17")


def test_the_legislature_named_in_full_is_no_organ_beside_a_motto() -> None:
    """"QUỐC HỘI NƯỚC CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" under an old law's date is its enacting body, whole."""
    meta = extract_metadata("QUỐC HỘI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nSố: 65/2006/QH11\n"
                            "Hà Nội, ngày 29 tháng 6 năm 2006\nQUỐC HỘI NƯỚC CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                            "Khoá XI, kỳ họp thứ 9\nLUẬT\nLUẬT SƯ\nCăn cứ vào Hiến pháp;\nLuật này quy định về luật sư.\n")
    assert (meta.issuer, meta.number) == ("Quốc hội", "65/2006/QH11")


def test_a_title_whose_subject_runs_on_after_its_type_word_is_the_title() -> None:
    """A PDF's text joins "KẾ HOẠCH" and the subject under it into one line."""
    meta = extract_metadata("TỈNH ỦY BẾN TRE ĐẢNG CỘNG SẢN VIỆT NAM\n*\nSố 131-KH/TU Bến Tre, ngày 17 tháng 3 năm 2020\n"
                            "KẾ HOẠCH tuyên truyền đại hội đảng bộ các cấp nhiệm kỳ 2020 - 2025\n"
                            "I. MỤC ĐÍCH, YÊU CẦU\n1. Tuyên truyền sâu rộng.\nT/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\nNguyễn Văn Tâm\n")
    assert (meta.doc_type, meta.title) == ("Kế hoạch", "Kế hoạch tuyên truyền đại hội đảng bộ các cấp nhiệm kỳ 2020 - 2025")


def test_a_parent_organ_the_motto_and_the_organ_run_into_one_line_are_three() -> None:
    """A born-digital PDF joins the header's first two rows: "ĐẢNG BỘ TỈNH …" and "HUYỆN ỦY …" around the motto."""
    meta = extract_metadata("ĐẢNG BỘ TỈNH BẾN TRE ĐẢNG CỘNG SẢN VIỆT NAM HUYỆN ỦY CHÂU THÀNH\n*\n"
                            "Số 45-TB/HU Châu Thành, ngày 3 tháng 4 năm 2022\nTHÔNG BÁO\nKẾT LUẬN CỦA BAN THƯỜNG VỤ HUYỆN ỦY\n"
                            "Ngày 01/4/2022, Ban Thường vụ Huyện ủy họp và kết luận như sau:\n1. Đẩy mạnh chuyển đổi số.\n"
                            "Nơi nhận: T/M BAN THƯỜNG VỤ - Các chi, đảng bộ cơ sở, BÍ THƯ - Lưu VP.\nLê Văn Hùng\n")
    assert (meta.issuer, meta.issuer_parent, meta.number, meta.date) == (
        "Huyện ủy Châu Thành", "Đảng bộ tỉnh Bến Tre", "45-TB/HU", "2022-04-03")
    assert (meta.signer, meta.signer_position) == ("Lê Văn Hùng", "Bí thư")


@pytest.mark.parametrize(("text", "issuer"), [
    # OCR reads the two columns row by row: the organ's second line stands between the motto's two
    ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nTỈNH NGHỆ AN Độc lập - Tự do - Hạnh phúc\n\n"
     "Nghệ An, ngày 21 tháng 11 năm 2024 Số: 1523/QĐ-UBND\n\nQUYẾT ĐỊNH\n\nVề việc giao chỉ tiêu năm 2025\n\nCăn cứ Luật.\n",
     "Ủy ban nhân dân tỉnh Nghệ An"),
    # the star under a Party organ read as a letter, on its own line or at the end of the organ's
    ("ĐẢNG BỘ TỈNH QUẢNG NAM ĐẢNG CỘNG SẢN VIỆT NAM\n\nHUYỆN ỦY THĂNG BÌNH\n\nK\n\n"
     "Số 45-KH/HU Thăng Bình, ngày 17 tháng 3 năm 2025\n\n" + _PLAN_BODY, "Huyện ủy Thăng Bình"),
    ("TỈNH ỦY QUẢNG BÌNH ĐẢNG CỘNG SẢN VIỆT NAM\n\nBAN TUYÊN GIÁO k Đồng Hới, ngày 05 tháng 8 năm 2024 Số 12-HD/BTGTU\n\n"
     "HƯỚNG DẪN\n\ntuyên truyền kết quả Hội nghị Trung ương 10\n\nI. MỤC ĐÍCH, YÊU CẦU\n\n1. Tuyên truyền sâu rộng.\n",
     "Ban Tuyên giáo Tỉnh ủy Quảng Bình"),
])
def test_an_ocr_read_header_keeps_its_organ_whole_and_clean(text: str, issuer: str) -> None:
    assert extract_metadata(text).issuer == issuer


def test_a_youth_union_plan_beside_its_union_name_has_its_number_type_and_date() -> None:
    """The Youth Union prints "ĐOÀN TNCS HỒ CHÍ MINH" where the Party prints its motto."""
    meta = extract_metadata("BCH ĐOÀN TỈNH QUẢNG BÌNH\n***\nĐOÀN TNCS HỒ CHÍ MINH\n"
                            "Số: 142-KH/TĐTN-TG Quảng Bình, ngày 24 tháng 01 năm 2025\nKẾ HOẠCH\n"
                            "Phát huy vai trò của đoàn viên trên không gian mạng năm 2025\n"
                            "I. MỤC ĐÍCH, YÊU CẦU\n- Nâng cao nhận thức của đoàn viên.\n")
    assert (meta.number, meta.doc_type, meta.date) == ("142-KH/TĐTN-TG", "Kế hoạch", "2025-01-24")
    assert meta.issuer == "BCH Đoàn tỉnh Quảng Bình"
    assert meta.title == "Kế hoạch phát huy vai trò của đoàn viên trên không gian mạng năm 2025"


def test_a_scanned_telegram_read_row_by_row_keeps_its_organ_and_signer() -> None:
    """OCR ran the organ's second line into the motto and the signer's name onto a recipient's line."""
    meta = extract_metadata(
        "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA TỈNH QUẢNG BÌNH VIỆT NAM\n\nĐộc lập - Tự do - Hạnh phúc "
        "Số: 07/CĐ-UBND Quảng Bình, ngày 26 tháng 10 năm 2024\n\nCÔNG ĐIỆN\n\nVề việc chủ động ứng phó với bão số 6\n\n"
        "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG BÌNH điện:\n\n- Chủ tịch Ủy ban nhân dân các huyện;\n\n"
        "1. Theo dõi chặt chẽ diễn biến của bão.\n\nNơi nhận: CHỦ TỊCH\n\n- Như trên; (đã ký)\n\n"
        "- TT Tỉnh ủy, TT HĐND tỉnh (b/c); T\n\n- Các PCT UBND tỉnh; Phạm Quốc Hưng\n\n- Lưu: VT, KT.")
    assert (meta.issuer, meta.number, meta.date) == ("Ủy ban nhân dân tỉnh Quảng Bình", "07/CĐ-UBND", "2024-10-26")
    assert (meta.signer, meta.signer_position) == ("Phạm Quốc Hưng", "Chủ tịch")


def test_a_signer_named_after_the_last_recipient_is_the_signer() -> None:
    meta = extract_metadata("ĐẢNG BỘ HUYỆN LỆ THỦY ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG ỦY XÃ SEN THỦY\n*\n"
                            "Số 27-KH/ĐU Sen Thủy, ngày 09 tháng 4 năm 2025\n" + _PLAN_BODY +
                            "Nơi nhận: T/M ĐẢNG ỦY\n- Ban Thường vụ Huyện ủy (b/c), BÍ THƯ\n- Ban Tuyên giáo Huyện ủy (b/c), "
                            "(đã ký)\n- Các chi bộ trực thuộc,\n- Lưu VP Đảng ủy. Dương Văn Tuần")
    assert (meta.signer, meta.signer_position, meta.issuer) == ("Dương Văn Tuần", "Bí thư", "Đảng ủy xã Sen Thủy")


@pytest.mark.parametrize("date_line", ["Bến Tre, ngàv 17 thảng 3 nãm 2020", "Bến Tre, ngày l7 tháng 3 năm 2O20",
                                       "Ben Tre, ngay 17 thang 3 nam 2020"])
def test_a_date_line_as_ocr_misreads_it_or_typed_without_accents_is_read(date_line: str) -> None:
    meta = extract_metadata(f"TỈNH ỦY BẾN TRE\n*\nSố 131-KH/TU\nĐẢNG CỘNG SẢN VIỆT NAM\n{date_line}\n" + _PLAN_BODY)
    assert (meta.number, meta.date) == ("131-KH/TU", "2020-03-17")


@pytest.mark.parametrize("number_line", ["Sô 131-KH/TU", "Sổ 131-KH/TU", "So 131-KH/TU", "SỐ: 131-KH/TU"])
def test_a_number_line_as_ocr_misreads_it_keeps_the_number_and_the_organ_above_it(number_line: str) -> None:
    """"Số" read without its tone, with another, or in capitals: the number was lost, and the organ with it."""
    meta = extract_metadata(f"TỈNH ỦY BẾN TRE\n*\n{number_line}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Bến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY)
    assert (meta.number, meta.issuer) == ("131-KH/TU", "Tỉnh ủy Bến Tre")


@pytest.mark.parametrize(("number_line", "number"), [
    ("Sổ`131-KH/TU", "131-KH/TU"),  # a speck read for the colon
    ("S¿ 131-KH/TU `", "131-KH/TU"),  # "Số" read as "S¿"
    ("Số 131:KH/TU", "131-KH/TU"),  # the dash read as a colon
    ("Số 131-†B/TU", "131-TB/TU"),  # the T read as a dagger
    ("Sổ`191-TB/ĐÚ", "191-TB/ĐU"),  # a mark on a letter of the code
    ("Số: 131/€V-TU", "131/CV-TU"),  # the C after the stroke read as a euro sign
])
def test_a_number_as_ocr_misreads_its_marks_is_read(number_line: str, number: str) -> None:
    meta = extract_metadata(f"TỈNH ỦY BẾN TRE\n*\n{number_line}\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Bến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY)
    assert (meta.number, meta.issuer) == (number, "Tỉnh ủy Bến Tre")


def test_a_euro_sign_after_a_digit_is_a_misread_digit_not_a_c() -> None:
    """"3€/TB-UBND" is 36 or 38 read wrong: no number at all is better than "3C/TB-UBND"."""
    meta = extract_metadata("TỈNH ỦY BẾN TRE\n*\nSố: 3€/TB-TU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Bến Tre, ngày 17 tháng 3 năm 2020\n" + _PLAN_BODY)
    assert meta.number != "3C/TB-TU"


def test_a_number_ocr_ran_into_the_date_line_is_read_without_its_colon() -> None:
    meta = extract_metadata("ĐẢNG BỘ TỈNH QUẢNG TRỊ ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG ỦY ¬¿ tu) LẦNG\n"
                            "nà Hải Lăng, ngày 06 tháng 11 năm 2025 Số 167:TB/ĐU s- g, ngay g\n"
                            "THÔNG BÁO KẾT LUẬN\ncủa Thường trực Đảng ủy xã về công tác ứng phó lũ\n"
                            "Ngày 04/11/2025, Thường trực Đảng ủy xã họp.\n")
    assert (meta.number, meta.date) == ("167-TB/ĐU", "2025-11-06")


def test_a_ward_named_an_is_an_organ_not_a_phuong_an() -> None:
    """"PHƯỜNG AN CỰU" folds like "PHƯƠNG ÁN" (a type): its marks say it is the organ's second line."""
    meta = extract_metadata("ỦY BAN NHÂN DÂN\nPHƯỜNG AN CỰU\nSố: 463/GM-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                            "Độc lập - Tự do - Hạnh phúc\nAn Cựu, ngày 03 tháng 11 năm 2025\nGIẤY MỜI\n"
                            "Họp triển khai tiêm vét vắc xin sởi - rubella\nTrân trọng kính mời.\n")
    assert (meta.number, meta.issuer, meta.doc_type) == ("463/GM-UBND", "Ủy ban nhân dân phường An Cựu", "Giấy mời")


@pytest.mark.parametrize(("organ", "issuer"), [
    ("ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ\n\n3", "Đội quản lý thị trường số 3"),
    ("ĐỘI QUẢN LÝ THỊ TRƯỜNG\nSỐ 3", "Đội quản lý thị trường số 3"),
])
def test_an_organ_whose_name_ends_with_its_number_keeps_it_and_the_documents_number(organ: str, issuer: str) -> None:
    """The team's number wrapped onto a line of its own ("SỐ 3") is no document number, nor a "Sở"."""
    meta = extract_metadata(f"CHI CỤC QUẢN LÝ THỊ TRƯỜNG\n\nTỈNH ĐỒNG NAI\n\n{organ}\n\nSố: 58/BB-KT\n\n"
                            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nĐộc lập - Tự do - Hạnh phúc\n\n"
                            "Trảng Bom, ngày 18 tháng 12 năm 2025\n\nBIÊN BẢN KIỂM TRA\n\n"
                            "Hôm nay, chúng tôi gồm:\n")
    assert (meta.number, meta.issuer, meta.issuer_parent) == (
        "58/BB-KT", issuer, "Chi cục Quản lý thị trường tỉnh Đồng Nai")


def test_a_boards_name_wrapped_at_doi_so_is_one_organ() -> None:
    """"ĐỔI SỐ" folds like "Đội" (a team, an organ's head): only its marks tell it goes on the board's name."""
    meta = extract_metadata("TỈNH ỦY NINH BÌNH\nBAN CHỈ ĐẠO PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ,\n"
                            "ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN\nĐỔI SỐ\n*\nSố 114-KH/BCĐ\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Ninh Bình, ngày 10 tháng 9 năm 2025\n" + _PLAN_BODY)
    assert meta.issuer is not None and meta.issuer.endswith("chuyển đổi số Tỉnh ủy Ninh Bình")


def test_a_letters_subject_wrapped_after_a_comma_stays_out_of_the_organ() -> None:
    meta = extract_metadata("CỤC ĐƯỜNG BỘ VIỆT NAM\n\nKHU QUẢN LÝ ĐƯỜNG BỘ I\n\n———\n\nSố: 1276/KQLĐBI-QLBT\n\n"
                            "V/v phối hợp xử lý điểm đen trên Quốc lộ 21,\n\nQuốc lộ 10 đoạn qua tỉnh Ninh Bình\n\n"
                            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n\nĐộc lập - Tự do - Hạnh phúc\n\n"
                            "Hà Nội, ngày 04 tháng 12 năm 2025\n\nKính gửi: Sở Xây dựng tỉnh Ninh Bình.\n")
    assert (meta.number, meta.issuer, meta.issuer_parent) == (
        "1276/KQLĐBI-QLBT", "Khu quản lý đường bộ I", "Cục Đường bộ Việt Nam")


@pytest.mark.parametrize(("organ", "body", "issuer"), [
    ("ĐẢNG BỘ TỈNH ĐỒNG THÁP ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG ỦY x ` vINH KIM",
     "Đồng chí Bí thư Đảng ủy xã kết luận. Giao Đảng ủy xã theo dõi.", "Đảng ủy xã Vĩnh Kim"),
    ("ĐẢNG BỘ TỈNH QUẢNG BÌNH ĐẢNG CỘNG SẢN VIỆT NAM\n|UYỆN ỦY ¿ %",
     "Thường trực Huyện ủy kết luận. Huyện ủy giao Ban Tuyên giáo Huyện ủy theo dõi.", "Huyện ủy Vĩnh Kim"),
])
def test_a_party_organisation_read_alone_above_a_garbled_committee_gives_the_committee(
        organ: str, body: str, issuer: str) -> None:
    """A seal garbled the committee's line: the province's Party organisation issues nothing, the committee the text
    names most does, at the place of the date line."""
    meta = extract_metadata(f"{organ}\nVĩnh Kim, ngày 21 tháng 10 năm 2025\nSố 191-TB/ĐU\nTHÔNG BÁO KẾT LUẬN\n"
                            f"về buổi tiếp công dân\n{body}\n")
    assert (meta.issuer, meta.number) == (issuer, "191-TB/ĐU")
    assert meta.issuer_parent is not None and meta.issuer_parent.lower().startswith("đảng bộ tỉnh")


def test_a_commune_named_like_an_organs_head_keeps_its_name_and_a_wrapped_subject_its_date() -> None:
    """"TRƯỜNG" (a school) and "VŨ" (a "Vụ") after "XÃ" are a place's first syllable; a subject wrapped onto "2025 -
    2026 …" opens no body, so the place and date under it are the letter's."""
    meta = extract_metadata("ĐẢNG BỘ TỈNH QUẢNG TRỊ\nĐẢNG ỦY XÃ TRƯỜNG NINH\n\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Số 321-CV/ĐU\nV/v lãnh đạo gieo cấy vụ Đông Xuân\n2025 - 2026 đúng khung thời vụ\n"
                            "Trường Ninh, ngày 29 tháng 12 năm 2025\nKính gửi: Các chi bộ trực thuộc Đảng bộ xã\n"
                            "Thực hiện Kế hoạch 278-KH/ĐU của Ban Thường vụ Đảng ủy.\n")
    assert (meta.issuer, meta.number, meta.date, meta.place) == (
        "Đảng ủy xã Trường Ninh", "321-CV/ĐU", "2025-12-29", "Trường Ninh")
    assert meta.title == "V/v lãnh đạo gieo cấy vụ Đông Xuân 2025 - 2026 đúng khung thời vụ"


def test_a_record_without_a_date_line_is_dated_by_its_hom_nay() -> None:
    meta = extract_metadata("ỦY BAN NHÂN DÂN\nXÃ CẨM THỦY\nSố: 16/BB-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
                            "Độc lập - Tự do - Hạnh phúc\nBIÊN BẢN\nPhiên giao dịch việc làm lưu động\n"
                            "Hôm nay, vào hồi 8 giờ ngày 18 tháng 11 năm 2025, tại sân nhà văn hóa xã, Ủy ban nhân dân"
                            " xã tổ chức phiên giao dịch việc làm.\n")
    assert (meta.number, meta.date, meta.doc_type) == ("16/BB-UBND", "2025-11-18", "Biên bản")


def test_the_standing_board_over_its_committee_is_one_organ() -> None:
    """"BAN THƯỜNG VỤ TỈNH ỦY" holds the head "Vụ", which cut it into "Ban Thường" and "Vụ Tỉnh ủy"."""
    meta = extract_metadata("ĐẢNG BỘ TỈNH NGHỆ AN\nBAN THƯỜNG VỤ TỈNH ỦY\nĐẢNG CỘNG SẢN VIỆT NAM\n*\nSố 215-KH/TU\n"
                            "Vinh, ngày 12 tháng 3 năm 2025\n" + _PLAN_BODY)
    assert (meta.issuer, meta.issuer_parent, meta.number) == ("Ban Thường vụ Tỉnh ủy Nghệ An", "Đảng bộ tỉnh Nghệ An",
                                                              "215-KH/TU")


@pytest.mark.parametrize("name", ["H'Lim Niê", "Y Bih Niê", "H'LIM NIÊ"])
def test_a_signer_of_the_central_highlands_is_read_with_the_apostrophe_and_one_letter_syllable(name: str) -> None:
    meta = extract_metadata("ĐẢNG BỘ TỈNH ĐẮK LẮK\nHUYỆN ỦY CƯ M'GAR\n*\nSố 112-KH/HU\nĐẢNG CỘNG SẢN VIỆT NAM\n"
                            "Cư M'gar, ngày 06 tháng 01 năm 2025\n" + _PLAN_BODY +
                            f"Nơi nhận:\n- Lưu Văn phòng Huyện ủy.\nT/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ\n(Đã ký)\n{name}\n")
    assert (meta.signer, meta.signer_position) == (name.title() if name.isupper() else name, "Phó Bí thư")


@pytest.mark.parametrize(("subject", "title"), [
    ("Thực hiện Chương trình hành động số 45-CTr/TU của Tỉnh ủy\nvề phát triển kinh tế tư nhân",
     "Kế hoạch thực hiện Chương trình hành động số 45-CTr/TU của Tỉnh ủy về phát triển kinh tế tư nhân"),
    ("Thực hiện Nghị quyết số 68-NQ/TW ngày 04/5/2025 của Bộ Chính trị, Ủy ban nhân dân tỉnh ban hành Kế hoạch "
     "thực hiện như sau:", "Kế hoạch"),  # the body's opening sentence
])
def test_a_plan_titled_by_what_it_carries_out_keeps_its_subject(subject: str, title: str) -> None:
    meta = extract_metadata("ỦY BAN NHÂN DÂN\nTỈNH QUẢNG TRỊ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
                            f"Số: 1950/KH-UBND\nQuảng Trị, ngày 27 tháng 6 năm 2025\nKẾ HOẠCH\n{subject}\n"
                            "I. MỤC ĐÍCH, YÊU CẦU\nCụ thể hóa các mục tiêu.\n")
    assert meta.title == title


@pytest.mark.parametrize(("organs", "issuer"), [
    ("ĐẢNG BỘ TỈNH LÀO CAI\nTỈNH ỦY", "Tỉnh ủy Lào Cai"),  # every province's committee is no one "Tỉnh ủy"
    ("ĐẢNG BỘ HUYỆN LỆ THỦY\nĐẢNG ỦY XÃ SEN THỦY", "Đảng ủy xã Sen Thủy"),
    ("TỈNH ỦY THANH HÓA\nBAN TỔ CHỨC", "Ban Tổ chức Tỉnh ủy Thanh Hóa"),
    ("ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH\nVĂN PHÒNG", "Văn phòng Đảng ủy Khối Các cơ quan tỉnh"),
    ("BAN CHẤP HÀNH TRUNG ƯƠNG\nBAN TỔ CHỨC", "Ban Tổ chức Trung ương"),
])
def test_a_party_body_under_its_parent_is_named_with_its_place(organs: str, issuer: str) -> None:
    meta = extract_metadata(f"{organs}\n*\nSố 38-HD/BTCTU\nĐẢNG CỘNG SẢN VIỆT NAM\nThanh Hóa, ngày 10 tháng 6 năm 2025\n"
                            + _PLAN_BODY)
    assert meta.issuer == issuer
