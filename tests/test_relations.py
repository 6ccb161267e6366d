"""The kind of each citation, read from real sentences of ../shared/data and corpus/."""

from __future__ import annotations

import pytest

from indexer.references import extract_references


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(ref.number, ref.kind) for ref in extract_references(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # corpus/: a plan carrying out the provincial committee's plan
    ("Thực hiện Kế hoạch số 131-KH/TU, ngày 17/03/2020 của Ban Thường vụ Tỉnh ủy về tuyên truyền đại hội "
     "đảng bộ các cấp, Ban Thường vụ Đảng ủy Khối các cơ quan tỉnh xây dựng kế hoạch tuyên truyền như sau:",
     [("131", "implements")]),
    # admin-docs: a basis line, even when it names a law that amends another
    ("Căn cứ Luật Ngân sách nhà nước số 83/2015/QH13 được sửa đổi, bổ sung bởi Luật số 59/2020/QH14, "
     "Luật số 56/2024/QH15;", [("83", "basis"), ("59", "basis"), ("56", "basis")]),
    ("Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08 tháng 6 năm 2010 của Chính phủ về kiểm soát thủ tục hành chính;",
     [("63", "basis")]),
    # admin-docs: replaces, across a line the file wraps
    ("2. Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số\n942/QĐ-TTg ngày 15 tháng 6 năm 2021.",
     [("942", "replaces")]),
    # admin-docs: repeals, of two decisions in one list
    ("Điều 1. Bãi bỏ Quyết định số 42/2018/QĐ-UBND ngày 08/8/2018 của UBND tỉnh và Quyết định số "
     "07/2022/QĐ-UBND ngày 10/3/2022 của UBND tỉnh.", [("42", "repeals"), ("7", "repeals")]),
    ("Quyết định số 15/2019/QĐ-UBND ngày 10/5/2019 của UBND tỉnh hết hiệu lực kể từ ngày Quyết định này có "
     "hiệu lực thi hành.", [("15", "repeals")]),
    # admin-docs: the title of an amending decision
    ("SỬA ĐỔI, BỔ SUNG QUYẾT ĐỊNH SỐ 3470/QĐ-UBND NGÀY 10 THÁNG 11 NĂM 2025 CỦA CHỦ TỊCH UBND THÀNH PHỐ",
     [("3470", "amends")]),
    ("Ban Tuyên giáo hướng dẫn thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị như sau:", [("5", "guides")]),
    # admin-docs: one cited decree amending another is no relation of the citing document's
    ("- Nghị định số 280/2025/NĐ-CP ngày 27/10/2025 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định "
     "số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc;", [("280", "mentions"), ("23", "mentions")]),
    # admin-docs: procedures "bị bãi bỏ", not the decision that lists them
    ("Quyết định số 1717/QĐ-UBND ngày 18/12/2024 của UBND tỉnh Bắc Ninh công bố thủ tục hành chính đặc thù mới "
     "và thủ tục hành chính đặc thù bị bãi bỏ", [("1717", "mentions")]),
    # admin-docs: "thực hiện" as an everyday verb, far from the decree
    ("Khi hết thời gian ổn định đơn giá thuê đất thì cơ quan thuế phối hợp với cơ quan có chức năng quản lý đất "
     "đai thực hiện tính lại tiền thuê đất để áp dụng cho chu kỳ ổn định tiếp theo theo Nghị định số "
     "126/2020/NĐ-CP.", [("126", "mentions")]),
])
def test_the_kind_comes_from_the_sentence(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


def test_unaccented_text_gives_the_same_kinds() -> None:
    assert _kinds("Can cu Nghi dinh so 63/2010/ND-CP; thuc hien Chi thi so 05-CT/TW.") == [
        ("63", "basis"), ("5", "implements")]


def test_each_citation_keeps_its_own_sentence() -> None:
    text = ("Căn cứ Luật Doanh nghiệp số 59/2020/QH14 quy định về tài sản góp vốn;\n"
            "Thực hiện Kế hoạch số 131-KH/TU của Tỉnh ủy, Ban Thường vụ ban hành kế hoạch.")
    law, plan = extract_references(text)
    assert text[law.sentence_start:law.sentence_end] == (
        "Căn cứ Luật Doanh nghiệp số 59/2020/QH14 quy định về tài sản góp vốn;")
    assert text[plan.sentence_start:plan.sentence_end] == (
        "Thực hiện Kế hoạch số 131-KH/TU của Tỉnh ủy, Ban Thường vụ ban hành kế hoạch.")


@pytest.mark.parametrize(("text", "expected"), [
    # admin-docs: the items under a repealing line, wrapped across lines as the file prints them
    ("5. Nghị quyết này bãi bỏ các Nghị quyết:\na) Nghị quyết số 11/2024/NQ-HĐND\nngày 29 tháng 6 năm 2024 của "
     "Hội đồng nhân dân tỉnh Trà Vinh quy định mức thu học\nphí đối với giáo dục mầm non.\nb) Nghị quyết số "
     "15/2024/NQ-HĐND\nngày 12 tháng 7 năm 2024 của Hội đồng nhân dân tỉnh Bến Tre.\n*Nghị quyết này đã được "
     "Hội đồng nhân dân tỉnh thông qua theo Nghị quyết số 20/2025/NQ-HĐND.",
     [("11", "repeals"), ("15", "repeals"), ("20", "mentions")]),
    # admin-docs: a heading "Căn cứ …:" over its list
    ("Căn cứ pháp lý của thủ tục hành chính:\n- Luật Đo đạc và bản đồ năm 2018;\n- Nghị định số 136/2025/NĐ-CP "
     "ngày 12/6/2025 của\nChính phủ Quy định phân quyền, phân cấp trong lĩnh vực Nông nghiệp và Môi\ntrường.",
     [("136", "basis")]),
    # the heading form of issue 16 over an admin-docs item: a carried basis wins, as an opening "Căn cứ" does
    ("**CĂN CỨ BAN HÀNH:**\n- Nghị định số 280/2025/NĐ-CP ngày 27/10/2025 của Chính phủ sửa đổi, bổ sung một số "
     "điều của Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc;\nTheo Quyết định số 1717/QĐ-UBND.",
     [("280", "basis"), ("23", "basis"), ("1717", "mentions")]),
    # admin-docs: a list after a colon with no cue stays a mention
    ("Trong đó, quy định địa điểm cho phép người Việt Nam đủ điều kiện vào chơi casino như sau:\n- Cho phép người "
     "Việt Nam đủ điều kiện vào chơi casino tại dự án casino Phú Quốc (tỉnh An Giang) kể từ ngày Nghị quyết "
     "08/2025/NQ-CP có hiệu lực thi hành.", [("8", "mentions")]),
    # admin-docs: a cue in a quoted column name is no cue of the list
    ("Tại cột “Tên VBQPPL quy định nội dung sửa đổi, bổ\nsung, thay thế” là văn bản sau đây:\n-\nThông tư số "
     "64/2025/TT-BTC ngày 30/6/2025 của Bộ trưởng Bộ Tài chính quy định\nmức thu.", [("64", "mentions")]),
])
def test_a_cue_ending_in_a_colon_carries_to_its_list(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected
