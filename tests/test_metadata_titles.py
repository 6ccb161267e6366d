"""A document's title and place read whole from its header, as provincial web pages print them (issue 15).

The title is what a question about a document's subject ("nội dung chính của Quyết định 72/2025/QĐ-UBND")
finds on its card; a title cut after one syllable ("Quyết định công.") or lost leaves the card with
nothing but its number. Before these rules, 21 of the 266 documents of ``admin-docs`` and the evaluation
sets had a cut or missing title.
"""

from __future__ import annotations

from indexer.metadata import extract_metadata
from indexer.names import starts_with_spelled

# The header table of a web page: its empty cells come through as lines of their own.
HEADER = """ỦY BAN NHÂN
DÂN
THÀNH PHỐ HÀ NỘI
--------
|
|
CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
|
|
|
|
Số:
72/2025/QĐ-UBND
|
|
Hà Nội, ngày
27 tháng 11 năm 2025
|
|
|
"""
BODY = """Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;
QUYẾT ĐỊNH:
Điều 1. Quyết định này có hiệu lực từ ngày ký.
"""


def _title(title_lines: str) -> str | None:
    return extract_metadata(HEADER + title_lines + BODY).title


def test_a_title_after_the_empty_cells_of_a_header_table_is_found() -> None:
    title = _title("QUYẾT ĐỊNH\nBÃI BỎ TOÀN BỘ QUYẾT ĐỊNH\nSỐ 17/2025/QĐ-UBND NGÀY 28 THÁNG 02 NĂM 2025\n"
                   "CỦA ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI\n")
    assert title == ("Quyết định bãi bỏ toàn bộ quyết định số 17/2025/QĐ-UBND ngày 28 tháng 02 năm 2025 "
                     "của Ủy ban nhân dân thành phố Hà Nội")


def test_a_title_wrapped_after_its_first_syllable_goes_on_past_a_line_that_folds_like_an_organ() -> None:
    # "BỐ", "BỎ" fold to "bo" as "BỘ" (a ministry) does: only the accents say the line goes on the title.
    assert _title("QUYẾT ĐỊNH\nCÔNG\nBỐ DANH MỤC THỦ TỤC HÀNH CHÍNH MỚI BAN HÀNH LĨNH VỰC BÁO CHÍ\n"
                  "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ\n") == (
        "Quyết định công bố danh mục thủ tục hành chính mới ban hành lĩnh vực báo chí")
    assert _title("QUYẾT ĐỊNH\nBÃI\nBỎ QUYẾT ĐỊNH SỐ 14/2025/QĐ-UBND NGÀY 01/3/2025 CỦA ỦY BAN NHÂN DÂN\n"
                  "QUY ĐỊNH CHỨC NĂNG, NHIỆM VỤ CỦA SỞ XÂY DỰNG\n").startswith(
        "Quyết định bãi bỏ quyết định số 14/2025/QĐ-UBND ngày 01/3/2025 của Ủy ban nhân dân")


def test_a_line_that_opens_with_an_organ_word_and_a_comma_goes_on_the_title() -> None:
    assert _title("QUYẾT ĐỊNH\nCÔNG BỐ QUY TRÌNH NỘI\nBỘ, ĐIỆN TỬ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH\n") == (
        "Quyết định công bố quy trình nội bộ, điện tử giải quyết thủ tục hành chính")


def test_the_enacting_authority_still_closes_the_title() -> None:
    assert _title("QUYẾT ĐỊNH\nCÔNG BỐ DANH MỤC THỦ TỤC HÀNH CHÍNH\nCHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI\n") == (
        "Quyết định công bố danh mục thủ tục hành chính")


def test_a_title_line_ending_on_of_goes_on_past_the_organ_it_names() -> None:
    # 1383/QĐ-BNV: the title is wrapped before the ministry it names, and the minister enacts under it.
    assert _title("QUYẾT ĐỊNH\nVỀ VIỆC BAN HÀNH LỊCH PHỔ BIẾN THÔNG TIN THỐNG KÊ NĂM 2026 CỦA\nBỘ NỘI VỤ\n"
                  "BỘ TRƯỞNG BỘ NỘI VỤ\n") == (
        "Quyết định về việc ban hành lịch phổ biến thông tin thống kê năm 2026 của Bộ Nội vụ")


def test_a_title_that_names_another_document_by_number_and_date_keeps_what_follows() -> None:
    title = _title("NGHỊ QUYẾT\nSỬA ĐỔI MỘT SỐ ĐIỀU CỦA NGHỊ QUYẾT\nSỐ 10/2022/NQ-HĐND NGÀY 14 THÁNG 7 NĂM 2022 "
                   "CỦA HỘI ĐỒNG NHÂN DÂN TỈNH\nVỀ PHÂN BỔ VỐN XÂY DỰNG NÔNG THÔN MỚI GIAI ĐOẠN 2021-2025\n")
    assert title is not None
    assert title.endswith("về phân bổ vốn xây dựng nông thôn mới giai đoạn 2021-2025")


def test_an_organ_is_told_by_its_accents_and_by_going_on_as_a_name() -> None:
    assert starts_with_spelled("organ_heads", "BỘ TÀI CHÍNH")
    assert starts_with_spelled("positions", "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH")
    assert not starts_with_spelled("organ_heads", "BỐ DANH MỤC THỦ TỤC")
    assert not starts_with_spelled("organ_heads", "BỎ QUYẾT ĐỊNH SỐ 14/2025/QĐ-UBND")
    assert not starts_with_spelled("organ_heads", "BỘ, ĐIỆN TỬ GIẢI QUYẾT")


def test_a_place_wrapped_before_its_last_word_is_read_whole() -> None:
    for printed, place in (("Lai\nChâu, ngày 28 tháng 11 năm 2025", "Lai Châu"),
                           ("Thành phố Hồ Chí\nMinh, ngày 28 tháng 11 năm 2025", "Thành phố Hồ Chí Minh")):
        text = HEADER.replace("Hà Nội, ngày\n27 tháng 11 năm 2025", printed) + "QUYẾT ĐỊNH\nVỀ VIỆC CÔNG BỐ\n" + BODY
        assert extract_metadata(text).place == place


def test_a_line_above_a_place_of_two_words_is_not_part_of_it() -> None:
    text = HEADER.replace("Hà Nội, ngày\n27 tháng 11 năm 2025", "Chính sách thuế TNCN\nHà Nội, ngày 27 tháng 11 năm 2025")
    assert extract_metadata(text + "QUYẾT ĐỊNH\nVỀ VIỆC CÔNG BỐ\n" + BODY).place == "Hà Nội"


def test_a_telegram_s_sender_line_closes_its_title() -> None:
    # 344b9eec106a648a.md and four more công điện: "THỦ TƯỚNG CHÍNH PHỦ điện:" opens the body, under the title.
    assert _title("CÔNG ĐIỆN\nVỀ VIỆC TẬP TRUNG ỨNG PHÓ MƯA LŨ\nTHỦ TƯỚNG CHÍNH PHỦ điện:\n") == (
        "Công điện về việc tập trung ứng phó mưa lũ")


def test_a_title_whose_capitals_run_on_into_small_letters_is_cased_part_by_part() -> None:
    assert _title("THÔNG BÁO\nKẾT LUẬN CỦA BAN THƯỜNG VỤ HUYỆN ỦY về công tác chuyển đổi số\n") == (
        "Thông báo kết luận của Ban Thường vụ Huyện ủy về công tác chuyển đổi số")
