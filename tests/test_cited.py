"""indexer.cited: a cited document's type, number, date, issuer and subject, read from the sentence citing it.

The sentences are real ones, from ../shared/data/admin-docs (file named beside each) and the corpus, copied
here so the test runs without that folder.
"""

from __future__ import annotations

import pytest

from indexer.cited import CitedDocument, describe

CASES = [
    # the example: a Party directive, its subject running over commas to the body that acts
    ("Thực hiện Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, "
     "đạo đức, phong cách Hồ Chí Minh, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch thực hiện như sau:",
     "Chỉ thị số 05-CT/TW",
     CitedDocument("Chỉ thị", "05-CT/TW", "2016-05-15", "Bộ Chính trị",
                   "đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh")),
    # 55f3a3d0d7e08b45.md: the date in words, Markdown emphasis around the line
    ("*Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08 tháng 6 năm 2010 của Chính phủ về kiểm soát thủ tục hành chính;",
     "Nghị định số 63/2010/NĐ-CP",
     CitedDocument("Nghị định", "63/2010/NĐ-CP", "2010-06-08", "Chính phủ", "kiểm soát thủ tục hành chính")),
    # the ministry of 987cadc82373c854.md, whose name holds a comma (the subject ours): "về việc" dropped
    ("Căn cứ Quyết định số 1381/QĐ-BVHTTDL ngày 15/5/2025 của Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch về việc "
     "công bố thủ tục hành chính;",
     "Quyết định số 1381/QĐ-BVHTTDL",
     CitedDocument("Quyết định", "1381/QĐ-BVHTTDL", "2025-05-15", "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch",
                   "công bố thủ tục hành chính")),
    # 295bcce4a429a236.md: a subject opened by its verb keeps it
    ("*Căn cứ Nghị định số 94/2016/NĐ-CP ngày 01 tháng 7 năm 2016 của Chính phủ quy định chi tiết và hướng dẫn thi "
     "hành một số điều của Luật thống kê;*",
     "Nghị định số 94/2016/NĐ-CP",
     CitedDocument("Nghị định", "94/2016/NĐ-CP", "2016-07-01", "Chính phủ",
                   "quy định chi tiết và hướng dẫn thi hành một số điều của Luật thống kê")),
    # f1526a5ac4023b74.md: a replaced decision of a named province
    ("Quyết định này thay thế Quyết định số 25/2025/QĐ-UBND ngày 18 tháng 3 năm 2025 của Ủy ban nhân dân tỉnh "
     "Đồng Nai ban hành Bảng giá tính thuế tài nguyên đối với nhóm, loại tài nguyên có tính chất lý, hóa giống "
     "nhau trên địa bàn tỉnh Đồng Nai năm 2025.",
     "Quyết định số 25/2025/QĐ-UBND",
     CitedDocument("Quyết định", "25/2025/QĐ-UBND", "2025-03-18", "Ủy ban nhân dân tỉnh Đồng Nai",
                   "ban hành Bảng giá tính thuế tài nguyên đối với nhóm, loại tài nguyên có tính chất lý, hóa giống "
                   "nhau trên địa bàn tỉnh Đồng Nai năm 2025")),
    # 24c6583aa4c3280a.md: a Party resolution, its subject a proper name in capitals
    ("*Căn cứ Nghị quyết số 60-NQ/TW ngày 12 tháng 4 năm 2025 của Ban Chấp hành Trung ương về Hội nghị lần thứ 11 "
     "Ban Chấp hành Trung ương Đảng khóa XIII;*",
     "Nghị quyết số 60-NQ/TW",
     CitedDocument("Nghị quyết", "60-NQ/TW", "2025-04-12", "Ban Chấp hành Trung ương",
                   "Hội nghị lần thứ 11 Ban Chấp hành Trung ương Đảng khóa XIII")),
    # a53257314ff9bbd2.md: a title in capitals: no comma rule by case
    ("BÃI BỎ QUYẾT ĐỊNH SỐ 15/2025/QĐ-UBND NGÀY 01/3/2025 CỦA ỦY BAN NHÂN DÂN TỈNH BAN HÀNH QUY ĐỊNH CHỨC NĂNG, "
     "NHIỆM VỤ, QUYỀN HẠN VÀ CƠ CẤU TỔ CHỨC CỦA SỞ NỘI VỤ",
     "QUYẾT ĐỊNH SỐ 15/2025/QĐ-UBND",
     CitedDocument("Quyết định", "15/2025/QĐ-UBND", "2025-03-01", "ỦY BAN NHÂN DÂN TỈNH",
                   "BAN HÀNH QUY ĐỊNH CHỨC NĂNG, NHIỆM VỤ, QUYỀN HẠN VÀ CƠ CẤU TỔ CHỨC CỦA SỞ NỘI VỤ")),
    # 3870cd0c35318a44.md: a citation wrapped over lines; "Bộ Giáo dục" holds no verb "giao"
    ("Căn cứ Công văn số 2553/BGDĐT-GDTX\nngày 18 tháng 4 năm 2013 của Bộ Giáo dục và Đào tạo về hướng dẫn đánh giá "
     "trung\ntâm học tập cộng đồng;",
     "Công văn số 2553/BGDĐT-GDTX",
     CitedDocument("Công văn", "2553/BGDĐT-GDTX", "2013-04-18", "Bộ Giáo dục và Đào tạo",
                   "hướng dẫn đánh giá trung tâm học tập cộng đồng")),
    # 0f2d0646af982d1b.md: a law is named before its number
    ("*Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15 ngày 16 tháng 6 năm 2025;*",
     "72/2025/QH15",
     CitedDocument("Luật", "72/2025/QH15", "2025-06-16", None, "Tổ chức chính quyền địa phương")),
    # b8baff03f9998968.md: "được sửa đổi bổ sung bởi …" tells of later documents, not of the subject
    ("*Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08 tháng 6 năm 2010 của Chính phủ về kiểm soát thủ tục hành chính được "
     "sửa đổi bổ sung bởi Nghị định số 48/2013/NĐ-CP ngày 14 tháng 5 năm 2013;*",
     "Nghị định số 63/2010/NĐ-CP",
     CitedDocument("Nghị định", "63/2010/NĐ-CP", "2010-06-08", "Chính phủ", "kiểm soát thủ tục hành chính")),
    # 606d5f203dec293b.md: an amending law, named with commas
    ("Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản quy phạm pháp luật số 87/2025/QH15;",
     "87/2025/QH15",
     CitedDocument("Luật", "87/2025/QH15", None, None,
                   "sửa đổi, bổ sung một số điều của Luật Ban hành văn bản quy phạm pháp luật")),
    # 8bb752497f83eeee.md: "bị bãi bỏ" inside a title is part of it
    ("Căn cứ Quyết định số 4347/QĐ-BVHTTDL ngày 14/11/2025 của Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch về việc công "
     "bố thủ tục hành chính mới ban hành và bị bãi bỏ trong một số lĩnh vực;",
     "Quyết định số 4347/QĐ-BVHTTDL",
     CitedDocument("Quyết định", "4347/QĐ-BVHTTDL", "2025-11-14", "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch",
                   "công bố thủ tục hành chính mới ban hành và bị bãi bỏ trong một số lĩnh vực")),
    # a citation inside the subject belongs to it; the parenthesis ends it
    ("Căn cứ Nghị định số 62/2024/NĐ-CP ngày 07/6/2024 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định "
     "số 24/2018/NĐ-CP (đã được sửa đổi);",
     "Nghị định số 62/2024/NĐ-CP",
     CitedDocument("Nghị định", "62/2024/NĐ-CP", "2024-06-07", "Chính phủ",
                   "sửa đổi, bổ sung một số điều của Nghị định số 24/2018/NĐ-CP")),
]


@pytest.mark.parametrize(("sentence", "printed", "expected"), CASES, ids=[c[2].number for c in CASES])
def test_describe_real_sentences(sentence: str, printed: str, expected: CitedDocument) -> None:
    assert describe(sentence, printed) == expected


def test_describe_a_list_of_citations_ends_each_at_the_next() -> None:
    sentence = "Thực hiện Chỉ thị 05 của Bộ Chính trị, Chỉ thị 06-CT/TU của Tỉnh ủy về học tập"
    assert describe(sentence, "Chỉ thị 05") == CitedDocument("Chỉ thị", "05", None, "Bộ Chính trị", None)
    assert describe(sentence, "Chỉ thị 06-CT/TU") == CitedDocument("Chỉ thị", "06-CT/TU", None, "Tỉnh ủy", "học tập")


def test_describe_without_accents() -> None:
    found = describe("Thuc hien Chi thi so 05-CT/TW ngay 15/5/2016 cua Bo Chinh tri ve day manh hoc tap.",
                     "Chi thi so 05-CT/TW")
    assert found == CitedDocument("Chỉ thị", "05-CT/TW", "2016-05-15", "Bo Chinh tri", "day manh hoc tap")


def test_describe_printed_missing_from_the_sentence_reads_it_alone() -> None:
    assert describe("", "Kế hoạch số 131-KH/TU") == CitedDocument("Kế hoạch", "131-KH/TU", None, None, None)
    assert describe("Không trích dẫn gì.", "không phải số") is None
