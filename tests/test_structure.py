"""Sections, heading paths, kinds and per-article issuers, on the real samples and small strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.clean import display_text, find_debris
from indexer.model import Section
from indexer.names import person_name
from indexer.structure import article_key, heading_level, parse_sections

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
BULLETIN = "thong-tin-sinh-hoat-noi-bo-2020-12.txt"
PLAN = "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"

PART_I = "I. NỘI DUNG ĐỊNH HƯỚNG SINH HOẠT CHI BỘ"
PART_II = "II. THÔNG TIN THAM KHẢO"
BULLETIN_ARTICLES = {
    (PART_I, "1. Một số kết quả chủ yếu của Đại hội các đảng bộ trực thuộc Trung ương"): "Ban Tuyên giáo Trung ương",
    (
        PART_I,
        "2. Tiếp tục nêu cao tinh thần trách nhiệm, tinh thần cảnh giác, tuyệt đối không lơ là, "
        "chủ quan đối với dịch bệnh Covid - 19",
    ): "Ban Tuyên giáo Trung ương",
    (
        PART_I,
        "3. Kết quả 01 năm thực hiện chuyên đề năm 2020 về học tập và làm theo tư tưởng, đạo đức, "
        "phong cách Hồ Chí Minh",
    ): "Ban Tuyên giáo Tỉnh ủy",
    (
        PART_I,
        "4. Một số giải pháp đấu tranh phản bác các luận điệu chống phá của các thế lực thù địch "
        "trước thềm Đại hội đại biểu toàn quốc lần thứ XIII của Đảng",
    ): "Ban Tuyên giáo Trung ương",
    (PART_I, "5. “Dân chủ, kỷ cương, đoàn kết, nêu gương, hiệu quả”"): "Ban Tuyên giáo Đảng ủy Khối",
    (PART_II, "1. Một số tác động của dịch Covid-19 đến thị trường lao động Việt Nam"): "Ban Tuyên giáo Trung ương",
    (PART_II, "2. Một số đánh giá bước đầu về cuộc bầu cử Tổng thống Mỹ năm 2020"): "Ban Tuyên giáo Trung ương",
}


def _parse(name: str) -> tuple[str, list[Section]]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    return text, parse_sections(text)


def _shown(text: str, section: Section) -> str:
    return display_text(text, section.paragraphs, find_debris(text))


def _paths(sections: list[Section]) -> list[str]:
    return [" › ".join(s.heading_path) for s in sections if s.kind == "body"]


def test_bulletin_parts_and_articles_with_exact_headings() -> None:
    _, sections = _parse(BULLETIN)
    articles = {tuple(s.heading_path[:2]) for s in sections if s.kind == "body"}
    assert articles == set(BULLETIN_ARTICLES)


def test_bulletin_unnumbered_subheadings_sit_under_their_article() -> None:
    _, sections = _parse(BULLETIN)
    subheadings = {s.heading_path[2] for s in sections if len(s.heading_path) == 3}
    assert subheadings == {
        "Một số kinh nghiệm rút ra:",
        "Công tác tuyên truyền sau Đại hội",
        "Đạt và vượt chỉ tiêu NQ Đại hội nhiệm kỳ 2015 - 2020",
        "Quyết tâm nhiệm kỳ 2020 - 2025",
    }


def test_bulletin_issuer_per_article() -> None:
    _, sections = _parse(BULLETIN)
    for section in (s for s in sections if s.kind == "body"):
        assert section.issuer == BULLETIN_ARTICLES[tuple(section.heading_path[:2])], section.heading_path


def test_bulletin_signature_lines_end_their_own_article() -> None:
    """The author's line is printed under the article: it ends that article's last section, never opens the next."""
    text, sections = _parse(BULLETIN)
    for section in sections:
        lines = _shown(text, section).split("\n")
        assert not any(line.startswith(("Ban Tuyên giáo", "Kim Ngân")) for line in lines[:-1])
    signed = [s for s in sections if _shown(text, s).split("\n")[-1].startswith(("Ban Tuyên giáo", "Kim Ngân"))]
    assert len(signed) == len(BULLETIN_ARTICLES)
    assert all(_shown(text, s).split("\n")[-1].endswith(s.issuer or "") for s in signed)


def test_bulletin_header_and_enumerations_stay_body() -> None:
    text, sections = _parse(BULLETIN)
    assert sections[0].kind == "header"
    assert "THÔNG TIN SINH HOẠT NỘI BỘ" in _shown(text, sections[0])
    assert "(Phục vụ sinh hoạt chi bộ tháng 12/2020)" in _shown(text, sections[0])
    openers = ("Một là", "Hai là", "Ba là", "Bốn là", "Thứ nhất", "Thứ hai")
    assert not any(h.startswith(openers) for s in sections for h in s.heading_path)
    assert not any(s.kind == "closing" for s in sections)


def test_bulletin_garbled_tail_is_in_no_section() -> None:
    text, sections = _parse(BULLETIN)
    assert all(" ? " not in _shown(text, s) for s in sections)


def test_plan_header_and_closing() -> None:
    text, sections = _parse(PLAN)
    header = [_shown(text, s) for s in sections if s.kind == "header"]
    closing = [_shown(text, s) for s in sections if s.kind == "closing"]
    assert header == ["KẾ HOẠCH\ntuyên truyền đại hội đảng bộ các cấp nhiệm kỳ 2020-2025\n"
                      "và Đại hội đại biểu toàn quốc lần thứ XIII của Đảng"]
    assert len(closing) == 1 and closing[0].startswith("Nơi nhận:")
    assert "T/M BAN THƯỜNG VỤ" in closing[0] and closing[0].endswith("Lê Thanh Giang")
    body = "\n".join(_shown(text, s) for s in sections if s.kind == "body")
    assert "Nơi nhận" not in body and "Lê Thanh Giang" not in body and "**" not in body


def test_plan_preamble_is_body_without_heading() -> None:
    text, sections = _parse(PLAN)
    preamble = next(s for s in sections if s.kind == "body")
    assert preamble.heading_path == [] and preamble.issuer is None
    assert _shown(text, preamble).startswith("Thực hiện Kế hoạch số 131-KH/TU, ngày 17/03/2020")


def test_plan_heading_paths_by_numbering_not_hashes() -> None:
    _, sections = _parse(PLAN)
    paths = _paths(sections)
    assert "I- MỤC ĐÍCH, YÊU CẦU › 1. Mục đích" in paths
    assert "III- CÁC ĐỢT TUYEN TRUYỀN › 2. Đợt 2: Từ sau khi kết thúc Đại hội đại biểu Đảng bộ tỉnh lần thứ XVI " \
        "đến Đại hội XIII của Đảng." in paths
    assert "III- CÁC ĐỢT TUYEN TRUYỀN › 3. Đợt 3: Sau khi bế mạc Đại hội XIII của Đảng, tập trung tuyên truyền:" in paths
    assert "IV- CÁC HOẠT ĐỘNG TUYEN TRUYỀN CHỦ YẾU › 3. Tuyên truyền cổ động trực quan" in paths
    assert "V. TỔ CHỨC THỰC HIỆN › 2. Ban Tuyên giáo Đảng ủy Khối" in paths
    assert all(len(s.heading_path) <= 2 for s in sections)
    assert all(s.issuer is None for s in sections)


def test_plan_numbered_items_under_part_ii_are_body() -> None:
    text, sections = _parse(PLAN)
    part_ii = [s for s in sections if s.heading_path and s.heading_path[0] == "II- NỘI DUNG TUYẾN TRUYỀN"]
    assert [s.heading_path for s in part_ii] == [["II- NỘI DUNG TUYẾN TRUYỀN"]]
    lines = _shown(text, part_ii[0]).split("\n")
    assert [line[:2] for line in lines[1:]] == ["1.", "2.", "3.", "4.", "5.", "6.", "7."]


def test_plan_paragraph_split_mid_sentence_is_rejoined() -> None:
    text, sections = _parse(PLAN)
    body = "\n".join(_shown(text, s) for s in sections if s.kind == "body")
    assert "thời kỳ quá độ lên chủ nghĩa xã hội, 10 năm" in body
    assert "phong trào thi đua yêu nước, cũng như" in body


def test_list_of_short_numbered_lines_is_not_headings() -> None:
    text = (
        "I. NHIỆM VỤ\n"
        "Các chi bộ thực hiện những việc sau đây trong quý I năm 2021:\n"
        "1. Hội nghị quán triệt\n2. Tọa đàm chuyên đề\n3. Sinh hoạt chi bộ\n"
    )
    sections = parse_sections(text)
    assert [s.heading_path for s in sections] == [["I. NHIỆM VỤ"]]
    assert len(sections[0].paragraphs) == 4


def test_heading_levels_come_from_numbering() -> None:
    assert heading_level("II- NỘI DUNG") < heading_level("2. Yêu cầu") < heading_level("b) Điểm")
    assert heading_level("b) Điểm") < heading_level("Quyết tâm nhiệm kỳ 2020 - 2025")
    assert article_key(["I. A", "2. B", "Tiểu mục"]) == ("I. A", "2. B")


@pytest.mark.parametrize(
    ("signature", "issuer"),
    [
        ("                     Ban Tuyên giáo Trung ương", "Ban Tuyên giáo Trung ương"),
        ("Kim Ngân – Ban Tuyên giáo Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy"),
        # a comma inside the organ's name is its own; a line that ends on one goes on (a list, a sentence)
        ("Minh Anh - Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hóa, Thể thao và Du lịch"),
        ("Sở Văn hóa, Thể thao và Du lịch,", None),
        ("Ban Tuyên giáo Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh", "Ban Tuyên giáo Đảng ủy Khối Cơ quan - Doanh nghiệp tỉnh"),
    ],
)
def test_signature_line_sets_article_issuer(signature: str, issuer: str | None) -> None:
    body = "Đảng bộ Khối đã lãnh đạo thực hiện thắng lợi các chỉ tiêu nghị quyết đại hội nhiệm kỳ 2015 - 2020."
    text = f"I. PHẦN MỘT\n1. Bài thứ nhất\n{body}\n{signature}\n2. Bài thứ hai\n{body}\n"
    first, second = parse_sections(text)
    assert first.issuer == issuer and second.issuer is None
    assert len(first.paragraphs) == 2  # the body, then the line under it: signed or not, it stays in the article
    assert display_text(text, first.paragraphs[-1:], []) == signature.strip()


WRAPPED_ORGAN = """ỦY BAN NHÂN DÂN
TỈNH HÀ TĨNH
Số: 80/2025/QĐ-UBND
QUYẾT ĐỊNH
Bãi bỏ Quyết định số 15/2025/QĐ-UBND
Điều 1. Bãi bỏ toàn bộ Quyết định số 15/2025/QĐ-UBND ngày 01/3/2025 của Ủy ban nhân dân tỉnh.
Điều 2. Quyết định này có hiệu lực kể từ ngày ban hành.
Nơi nhận:
- Như Điều 2;
- Lưu: VT, NC2.
TM. ỦY BAN
NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Trần Báu Hà
"""


def test_a_wrapped_organ_above_the_position_is_no_signer() -> None:
    """"NHÂN DÂN", the end of "TM. ỦY BAN NHÂN DÂN", reads like a name in capitals; the signer is under the
    position, and nothing after the closing is an annex."""
    assert person_name(["NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]) is None
    assert person_name(["TRẦN BÁU HÀ"]) == "Trần Báu Hà"
    sections = parse_sections(WRAPPED_ORGAN)
    closing = [_shown(WRAPPED_ORGAN, s) for s in sections if s.kind == "closing"]
    assert len(closing) == 1 and closing[0].endswith("Trần Báu Hà")
    assert not any(heading.startswith("Phụ lục") for s in sections for heading in s.heading_path)


CAPITAL_BULLETIN = """TỈNH ỦY ĐỒNG NAI
BAN TUYÊN GIÁO VÀ DÂN VẬN
BẢN TIN SINH HOẠT CHI BỘ
Số 8 - tháng 8 năm 2025
ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU
Sau 6 tháng thực hiện Chỉ thị 24-CT/TU của Ban Thường vụ Tỉnh ủy, các cơ quan, đơn vị trong tỉnh đã tiết kiệm 412 tỷ \
đồng chi thường xuyên, chuyển sang bổ sung vốn cho các công trình giao thông và nhà ở cho người có công.
Ban Tuyên giáo và Dân vận Tỉnh ủy
CHỦ ĐỘNG PHÒNG, CHỐNG SỐT XUẤT HUYẾT TRONG MÙA
MƯA
Bảy tháng đầu năm 2025, toàn tỉnh ghi nhận 3.412 ca mắc sốt xuất huyết, tăng 28% so với cùng kỳ năm 2024.
SỞ Y TẾ
CẢNH GIÁC VỚI THỦ ĐOẠN GIẢ DANH CÔNG AN
Cơ quan công an không làm việc qua điện thoại, không yêu cầu người dân cài ứng dụng qua đường link lạ.
Công an tỉnh
Chịu trách nhiệm xuất bản: Ban Tuyên giáo và Dân vận Tỉnh ủy Đồng Nai.
"""


def test_a_bulletin_titled_in_capitals_reads_each_article_whole_and_signed() -> None:
    """Articles titled in capitals, not numbered, a title wrapped over two lines ("… TRONG MÙA" / "MƯA"), each
    signed below, a signature in capitals too; the imprint closes the bulletin, so the last signature is one."""
    body = [s for s in parse_sections(CAPITAL_BULLETIN) if s.kind == "body"]
    assert [(s.heading_path, s.issuer) for s in body] == [
        (["ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU"], "Ban Tuyên giáo và Dân vận Tỉnh ủy"),
        (["CHỦ ĐỘNG PHÒNG, CHỐNG SỐT XUẤT HUYẾT TRONG MÙA MƯA"], "Sở Y tế"),
        (["CẢNH GIÁC VỚI THỦ ĐOẠN GIẢ DANH CÔNG AN"], "Công an tỉnh"),
    ]


def test_an_organ_name_above_capital_lines_signs_nothing_unless_it_ends_an_article() -> None:
    """A header read as text ("ỦY BAN NHÂN DÂN" / "TỈNH BẮC NINH CỘNG HÒA …") names an organ above capital
    lines, but no paragraph ends above it, so it signs nothing: a capital line is a title only after an article."""
    text = ("Trang chủ › Văn bản\nỦY BAN NHÂN DÂN\nTỈNH BẮC NINH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
            "Ủy ban nhân dân tỉnh quyết định phê duyệt danh mục dự án đầu tư công trung hạn giai đoạn 2026 - 2030.\n")
    assert all(s.issuer is None for s in parse_sections(text))


# a contents longer than a header may be: each article's title, then its page
CONTENTS = "TRONG SỐ NÀY\n" + "".join(f"{title}\n{page}\n" for page, title in enumerate([
    "ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU", "CHỦ ĐỘNG PHÒNG, CHỐNG SỐT XUẤT HUYẾT TRONG MÙA MƯA",
    "CẢNH GIÁC VỚI THỦ ĐOẠN GIẢ DANH CÔNG AN", "GIỮ GÌN BẢN SẮC VĂN HÓA CÁC DÂN TỘC", "CHUYỂN ĐỔI SỐ Ở CƠ SỞ",
    "GƯƠNG NGƯỜI TỐT, VIỆC TỐT", "TIN VẮN TRONG TỈNH"], start=2))


@pytest.mark.parametrize("furniture", ["LƯU HÀNH NỘI BỘ\n", "TRONG SỐ NÀY\n- Đồng Nai sau 6 tháng thực hiện Chỉ thị 24\n", ""])
def test_a_bulletins_first_title_heads_its_first_article_not_the_header(furniture: str) -> None:
    """The title under the issue line (wrapped over two lines here) is the first article's, as the titles after
    each signature are the next ones'; "LƯU HÀNH NỘI BỘ" and the contents stay in the header."""
    text = CAPITAL_BULLETIN.replace("ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU\n",
                                    f"{furniture}ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN\nCHỈ THỊ 24-CT/TU VỀ TIẾT KIỆM\n")
    sections = parse_sections(text)
    header = _shown(text, sections[0])
    assert sections[0].kind == "header" and "ĐỒNG NAI SAU" not in header and furniture.split("\n")[0] in header
    assert sections[1].heading_path == ["ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU VỀ TIẾT KIỆM"]


def test_a_header_of_capitals_alone_gives_no_article_its_title() -> None:
    """Where the capital lines reach the organ, nothing tells a title from the header: the header stays whole."""
    text = CAPITAL_BULLETIN.replace("BẢN TIN SINH HOẠT CHI BỘ\nSố 8 - tháng 8 năm 2025\n", "")
    assert "ĐỒNG NAI SAU 6 THÁNG" in _shown(text, parse_sections(text)[0])


@pytest.mark.parametrize("authority", ["K/T TRƯỞNG BAN", "T/L BAN THƯỜNG VỤ", "KT. GIÁM ĐỐC"])
def test_a_signature_before_the_recipients_opens_the_closing(authority: str) -> None:
    """A Party document signs "K/T" and "T/L" with a slash; a signature printed above "Nơi nhận:" is the closing,
    not the end of the last section."""
    text = ("HƯỚNG DẪN\n1. Tổ chức thực hiện\nCác đảng ủy xã phân công cấp ủy viên phụ trách từng thôn và báo cáo "
            f"hằng tháng về Ban Chỉ đạo.\n{authority}\nPHÓ TRƯỞNG BAN\nQuảng Đại Dương\nNơi nhận:\n- Lưu VP.\n")
    sections = parse_sections(text)
    assert [s.kind for s in sections][-1] == "closing"
    assert _shown(text, sections[-1]).startswith(authority)
    assert "Quảng Đại Dương" not in "".join(_shown(text, s) for s in sections if s.kind == "body")


def test_an_annex_after_the_signature_is_text_again() -> None:
    """A plan's table of households by ward printed after its signer: an annex under its own heading, not the
    closing's recipients and signature."""
    text = ("KẾ HOẠCH\nI. MỤC TIÊU\nBàn giao mặt bằng hai ga trước ngày 31/12/2025 và toàn tuyến trước ngày 30/6/2026.\n"
            "Nơi nhận:\n- Lưu: VT.\nTM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nDương Đức Thành\n"
            "PHỤ LỤC Số hộ bị ảnh hưởng theo phường\nSTT Phường Số hộ Thời hạn\n2 Tây Hồ 241 31/12/2025\n")
    sections = parse_sections(text)
    assert [s.kind for s in sections] == ["header", "body", "closing", "body"]
    assert _shown(text, sections[2]).endswith("Dương Đức Thành")
    assert sections[3].heading_path == ["PHỤ LỤC Số hộ bị ảnh hưởng theo phường"]
    assert "2 Tây Hồ 241 31/12/2025" in _shown(text, sections[3])


def test_a_closing_before_an_annex_longer_than_the_window_is_found() -> None:
    """A plan's list of search sites runs 40 lines after its signature: its closing is read before the annex, not
    left in the last article's text."""
    rows = "".join(f"{n}\nBản số {n}, xã Mường Chà\nĐợt 1 {n} hài cốt\n" for n in range(1, 15))
    text = ("KẾ HOẠCH\nI. MỤC TIÊU\nTìm kiếm, quy tập hài cốt liệt sĩ trong mùa khô.\nNơi nhận:\n- Lưu: VT.\n"
            f"KT. TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\nQuàng Văn Pấng\nPHỤ LỤC\nKHU VỰC TÌM KIẾM\n{rows}")
    sections = parse_sections(text)
    assert [s.kind for s in sections] == ["header", "body", "closing", "body"]
    assert _shown(text, sections[2]).endswith("Quàng Văn Pấng")
    assert sections[3].heading_path == ["PHỤ LỤC"]


def test_an_item_under_a_sub_heading_is_a_line_of_its_own() -> None:
    """"a) …" opens an item, though in small letters: it does not go on with "2.1. Tổ chức câu lạc bộ" above it."""
    text = ("2. NỘI DUNG\n2.1. Tổ chức câu lạc bộ\n"
            "a) Mỗi câu lạc bộ có từ 12 thành viên trở lên, trong đó ít nhất 4 người dưới 35 tuổi.\n"
            "b) Ban chủ nhiệm từ 3 đến 5 người do chi bộ thôn, khu phố giới thiệu.\n")
    section = parse_sections(text)[0]
    assert _shown(text, section).split("\n")[:2] == ["2.1. Tổ chức câu lạc bộ", "a) Mỗi câu lạc bộ có từ 12 thành viên "
                                                       "trở lên, trong đó ít nhất 4 người dưới 35 tuổi."]


def test_a_bulletins_contents_longer_than_a_header_stay_in_it() -> None:
    """Seven titles and their pages under "TRONG SỐ NÀY" take the header past its usual length; the first article
    still starts under its own title, signed by its body."""
    text = CAPITAL_BULLETIN.replace("Số 8 - tháng 8 năm 2025\n", f"Số 8 - tháng 8 năm 2025\n{CONTENTS}")
    sections = parse_sections(text)
    assert sections[0].kind == "header" and _shown(text, sections[0]).endswith("TIN VẮN TRONG TỈNH\n8")
    assert (sections[1].heading_path, sections[1].issuer) == (["ĐỒNG NAI SAU 6 THÁNG THỰC HIỆN CHỈ THỊ 24-CT/TU"],
                                                              "Ban Tuyên giáo và Dân vận Tỉnh ủy")


def test_a_letters_address_is_no_heading_of_its_text() -> None:
    """"Kính gửi:" above the recipients is short, unpunctuated and followed by longer lines, as a sub-heading is; it
    addresses them, and the letter's text is under no heading of that name."""
    text = ("Kính gửi:\n- Ủy ban nhân dân các xã, phường;\n- Chi cục Chăn nuôi và Thú y.\n"
            "Thực hiện Công điện số 11/CĐ-UBND ngày 28/7/2025 của Chủ tịch Ủy ban nhân dân tỉnh, Sở đề nghị các đơn vị "
            "thực hiện một số nội dung sau:\n1. Lấy mẫu xét nghiệm tất cả ổ dịch mới trong vòng 48 giờ.\n")
    assert not any("Kính gửi" in heading for s in parse_sections(text) for heading in s.heading_path)
