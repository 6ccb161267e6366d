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
    # admin-docs (e7cd8d423108e103.md, a table cell): one cited decree amending another is no relation of the
    # citing document's
    ("Nghị định số 280/2025/NĐ-CP ngày 27/10/2025 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định "
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


@pytest.mark.parametrize(("text", "expected"), [
    # admin-docs 5884aa6f293e9bc0.md: the "Căn cứ pháp lý" column of a table of procedures, as a passage holds it
    # (cell borders gone, the column's heading in an earlier passage): the list after the other cells is of bases
    ("Không quy định\n- Cơ quan thực hiện: Sở Văn hóa, Thể thao và Du lịch.\n- Cơ quan có thẩm quyền: UBND tỉnh.\n"
     "- Nghị định số 146/2025/NĐ-CP ngày 12/6/2025 của Chính phủ quy định về\nphân quyền, phân cấp trong lĩnh vực "
     "công nghiệp và thương mại.\n- Nghị định số 69/2018/NĐ-CP ngày 15/5/2018 của Chính phủ quy định chi\ntiết một "
     "số điều của Luật Quản lý ngoại thương.", [("146", "basis"), ("69", "basis")]),
    # admin-docs cd648cfa4fdecfb2.md and 55f3a3d0d7e08b45.md: a law's name, or the parts cited, before the number
    ("Không\n- Luật Đầu tư số 61/2020/QH14 ngày 17/6/2020;\n- Luật số 90/2025/QH15 ngày 25/6/2025;",
     [("61", "basis"), ("90", "basis")]),
    ("- Điểm c, d, đ, e khoản 4 Điều\n31 Nghị định số 136/2025/NĐ-CP ngày 12/6/2025 của Chính phủ.", [("136", "basis")]),
    # admin-docs e0b9a318eafcfc30.md: a list under a line ending in ":" is that line's, here text, not bases
    ("Về vấn đề này, Cục Hải quan có ý\nkiến như sau:\n- Điều 86 Luật Hải quan số 54/2014/QH13 quy định\ntrị giá hải "
     "quan được sử dụng làm cơ sở cho việc tính thuế xuất khẩu.", [("54", "mentions")]),
    # admin-docs c8549ab2b220c20d.md: an item that opens with "Tại" points into a document, it does not list it
    ("- Tại khoản 3 Điều 18, khoản 4 Điều\n19 Nghị định số 103/2024/NĐ-CP ngày 30/7/2024 của Chính phủ về tiền sử "
     "dụng\nđất, tiền thuê đất.", [("103", "mentions")]),
])
def test_a_list_of_documents_no_line_announces_is_of_bases(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # admin-docs c5d930a5fc8373cd.md: the plan's own title, its cue wrapped across lines
    ("Nghệ An, ngày 18\ntháng 11 năm 2025\nKẾ HOẠCH\nTHỰC\nHIỆN QUYẾT ĐỊNH SỐ 1899/QĐ-TTG NGÀY 04/9/2025 CỦA THỦ "
     "TƯỚNG CHÍNH PHỦ BAN HÀNH\nKẾ HOẠCH TRIỂN KHAI THI HÀNH NGHỊ ĐỊNH QUY ĐỊNH CHI TIẾT MỘT SỐ ĐIỀU CỦA LUẬT\n"
     "PHÒNG THỦ DÂN SỰ", [("1899", "implements")]),
    # issue 16's example (no Hướng dẫn in admin-docs): a guide's title, its type on a line of its own
    ("Số 12-HD/BTGTU\nHà Nội, ngày 10 tháng 6 năm 2016\nHƯỚNG DẪN\nthực hiện Chỉ thị số 05-CT/TW ngày 15/5/2016 "
     "của Bộ Chính trị", [("12", "mentions"), ("5", "guides")]),
    ("**HƯỚNG DẪN**\nTuyên truyền và triển khai thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị",
     [("5", "guides")]),
])
def test_a_title_says_what_the_document_does(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # laws-txt/Luat-Kien-truc-2019-384114.txt: a law's amenders are named, not acted on; replacing a phrase in
    # the law amends it
    ("c) Thay thế cụm từ “quy chế quản lý quy hoạch, kiến trúc đô thị” bằng cụm từ “quy chế quản lý kiến trúc” "
     "tại Điều 5, điểm e khoản 3 Điều 12 của Luật Quy hoạch đô thị số 30/2009/QH12 đã được sửa đổi, bổ sung một "
     "số điều theo Luật số 77/2015/QH13 và Luật số 35/2018/QH14.",
     [("30", "amends"), ("77", "mentions"), ("35", "mentions")]),
    # docx-pdf/laws-docx/Luật-27-2023-QH15.docx: the law before its history ends, its amenders do not
    ("Luật Nhà ở số 65/2014/QH13 đã được sửa đổi, bổ sung một số điều theo Luật số 40/2019/QH14, Luật số "
     "61/2020/QH14 và Luật số 03/2022/QH15 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành.",
     [("65", "repeals"), ("40", "mentions"), ("61", "mentions"), ("3", "mentions")]),
    # docx-pdf/laws-docx/Luật-62-2020-QH14.docx: the amenders of an amended law, in a preamble
    ("Quốc hội ban hành Luật sửa đổi, bổ sung một số điều của Luật Xây dựng số 50/2014/QH13 đã được sửa đổi, bổ "
     "sung một số điều theo Luật số 03/2016/QH14, Luật số 35/2018/QH14 và Luật số 40/2019/QH14.",
     [("50", "amends"), ("3", "mentions"), ("35", "mentions"), ("40", "mentions")]),
    # docx-pdf/laws-docx/Luật-28-2018-QH14.docx: a long preamble list, every law of it amended
    ("Quốc hội ban hành Luật sửa đổi, bổ sung một số điều có liên quan đến quy hoạch của Luật An toàn thực phẩm số "
     "55/2010/QH12, Luật Công chứng số 53/2014/QH13, Luật Dược số 105/2016/QH13, Luật Đầu tư số 67/2014/QH13, Luật "
     "Điện lực số 28/2004/QH11 đã được sửa đổi, bổ sung một số điều theo Luật số 24/2012/QH13, Luật Hóa chất số "
     "06/2007/QH12, Luật Phòng, chống tác hại của thuốc lá số 09/2012/QH13, Luật Sử dụng năng lượng tiết kiệm và "
     "hiệu quả số 50/2010/QH12 và Luật Trẻ em số 102/2016/QH13.",
     [("55", "amends"), ("53", "amends"), ("105", "amends"), ("67", "amends"), ("28", "amends"),
      ("24", "mentions"), ("6", "amends"), ("9", "amends"), ("50", "amends"), ("102", "amends")]),
    # laws-txt/Luat-phi-va-le-phi-2015-298376.txt and docx-pdf/laws-docx/Luật-30-2023-QH15.docx: "Bỏ cụm từ",
    # "Bổ sung điểm …" opening a sentence amend
    ("c) Bỏ cụm từ “lệ phí tuyển sinh” tại Điều 101 và Điều 105 của Luật giáo dục số 38/2005/QH11 đã được sửa "
     "đổi, bổ sung một số điều theo Luật số 44/2009/QH12, Điều 64 và Điều 65 của Luật giáo dục đại học số "
     "08/2012/QH13;", [("38", "amends"), ("44", "mentions"), ("8", "amends")]),
    ("Bổ sung điểm c vào sau điểm b khoản 4 Điều 12 của Luật Bảo hiểm y tế số 25/2008/QH12 như sau:",
     [("25", "amends")]),
    # docx-pdf/laws-docx/Luật-71-2014-QH13.docx: repealing some provisions of a law amends it
    ("Bãi bỏ các quy định liên quan đến việc xác định thuế đối với cá nhân kinh doanh tại khoản 1 Điều 19 của Luật "
     "thuế thu nhập cá nhân số 04/2007/QH12.", [("4", "amends")]),
    # docx-pdf/laws-docx/Luật-32-2013-QH13.docx: an item of a list of repealed provisions
    ("2. Bãi bỏ các quy định tại các điều, khoản của các luật sau đây:\nl) Khoản 4 Điều 33 của Luật đầu tư số "
     "59/2005/QH11;", [("59", "amends")]),
    # admin-docs: a whole decision replaced is still replaced
    ("Quyết định này thay thế Quyết định số 942/QĐ-TTg ngày 15 tháng 6 năm 2021.", [("942", "replaces")]),
])
def test_amenders_and_parts(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # laws-txt/Bo-luat-dan-su-2015-296215.txt: "tiếp tục thực hiện theo" the old code is transitional
    ("a) Giao dịch dân sự chưa được thực hiện thì chủ thể giao dịch tiếp tục thực hiện theo quy định của Bộ luật "
     "dân sự số 33/2005/QH11.", [("33", "mentions")]),
    # docx-pdf/court-docs/nghi_dinh/nghi_dinh_99_2022_ND_CP.docx: "thực hiện theo", "có căn cứ" (grounds)
    ("tổ chức, cá nhân có yêu cầu cấp mới tài khoản thì thực hiện theo quy định tại Điều 54 Nghị định số "
     "102/2017/NĐ-CP ngày 01 tháng 9 năm 2017 của Chính phủ.", [("102", "mentions")]),
    ("Kê khai văn bản, tài liệu chứng minh có căn cứ xóa đăng ký quy định tại khoản 3 Điều 33 Nghị định số "
     "99/2022/NĐ-CP.", [("99", "mentions")]),
    # laws-txt/Luat-dieu-uoc-quoc-te-2016-303284.txt: "thực hiện" inside the law's own name
    ("Luật ký kết, gia nhập và thực hiện điều ước quốc tế số 41/2005/QH11 hết hiệu lực kể từ ngày Luật này có "
     "hiệu lực thi hành.", [("41", "repeals")]),
])
def test_transitional_and_named_cues_are_no_cues(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # docx-pdf/court-docs/nghi_dinh/nghi_dinh_99_2022_ND_CP.docx, footnotes of its forms: "căn cứ" as a noun
    # (grounds), not the basis of the citing text
    ("13 Ghi rõ căn cứ khôi phục việc đăng ký đã bị hủy tương ứng quy định tại khoản 3 Điều 21 Nghị định số "
     "99/2022/NĐ-CP.", [("99", "mentions")]),
    ("Kê khai cụ thể căn cứ thay đổi quy định tại khoản 1 Điều 18 Nghị định số 99/2022/NĐ-CP, sau đó kê khai cụ "
     "thể nội dung thay đổi.", [("99", "mentions")]),
    ("3 Ghi bản án, quyết định có hiệu lực pháp luật của Tòa án trong trường hợp xóa đăng ký theo căn cứ quy định "
     "tại điểm m khoản 1 Điều 20 Nghị định số 99/2022/NĐ-CP.", [("99", "mentions")]),
    # encodings/plan_252-KH-BCDQG1237_2013.cp1258.txt: a title ending in "THEO" over its basis line
    ("TRIỂN KHAI THỰC HIỆN QUYẾT ĐỊNH SỐ 1237/QĐ-TTG NGÀY 27 THÁNG 7 NĂM 2013 CỦA THỦ TƯỚNG CHÍNH PHỦ VỀ VIỆC PHÊ "
     "DUYỆT ĐỀ ÁN TÌM KIẾM, QUY TẬP HÀI CỐT LIỆT SĨ TỪ NAY ĐẾN NĂM 2020 VÀ NHỮNG NĂM TIẾP THEO\nCăn cứ Chỉ thị số "
     "24-CT/TW ngày 15 tháng 5 năm 2013 của Bộ Chính trị;", [("1237", "implements"), ("24", "basis")]),
    # laws-txt/Luat-70-2020-QH14-Thoa-thuan-quoc-te-376557.txt: "thực hiện" in the name of the law before, which
    # the list joins to the next
    ("Đối với thỏa thuận quốc tế đã được ký kết theo quy định tại Pháp lệnh Ký kết và thực hiện thỏa thuận quốc "
     "tế số 33/2007/PL-UBTVQH11 và Quyết định số 36/2018/QĐ-TTg ngày 24 tháng 8 năm 2018 của Thủ tướng Chính phủ "
     "quy định thủ tục ký kết, thực hiện thỏa thuận nhân danh Chính phủ.", [("33", "mentions"), ("36", "mentions")]),
    # laws-txt/Luat-Doanh-nghiep-2014-259730.txt: an amending law named by what it amends; its number is its own,
    # and it is repealed
    ("Luật doanh nghiệp số 60/2005/QH11 ngày 29 tháng 11 năm 2005 và Luật sửa đổi, bổ sung Điều 170 của Luật "
     "doanh nghiệp số 37/2013/QH13 ngày 20 tháng 6 năm 2013 hết hiệu lực thi hành kể từ ngày Luật này có hiệu "
     "lực, trừ các trường hợp sau đây:", [("60", "repeals"), ("37", "repeals")]),
])
def test_cues_that_are_nouns_or_names_are_no_cues(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # docx-pdf/laws-docx/Luật-03-2022-QH15.docx: a preamble's list of laws separated by ";"
    ("Quốc hội ban hành Luật sửa đổi, bổ sung một số điều của Luật Đầu tư công số 39/2019/QH14 đã được sửa đổi, "
     "bổ sung một số điều theo Luật số 64/2020/QH14 và Luật số 72/2020/QH14; Luật Đầu tư theo phương thức đối tác "
     "công tư số 64/2020/QH14; Luật Nhà ở số 65/2014/QH13 đã được sửa đổi, bổ sung một số điều theo Luật số "
     "40/2019/QH14.", [("39", "amends"), ("64", "mentions"), ("72", "mentions"), ("64", "amends"),
                       ("65", "amends"), ("40", "mentions")]),
    # docx-pdf/laws-docx/Luật-35-2018-QH14.docx: a law of the list cited by its year, with its amenders
    ("Quốc hội ban hành Luật sửa đổi, bổ sung một số điều của Luật Quy hoạch đô thị số 30/2009/QH12, Luật Dầu khí "
     "năm 1993 đã được sửa đổi, bổ sung một số điều theo Luật số 19/2000/QH10 và Luật số 10/2008/QH12, Bộ luật Lao "
     "động số 10/2012/QH13 và Luật Bảo vệ quyền lợi người tiêu dùng số 59/2010/QH12.",
     [("30", "amends"), ("19", "mentions"), ("10", "mentions"), ("10", "amends"), ("59", "amends")]),
    # a ";" before anything but a law's name still ends the sentence (Luật-03-2022-QH15.docx, its basis)
    ("Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam; Quốc hội ban hành Luật sửa đổi, bổ sung một số "
     "điều của Luật Đầu tư công số 39/2019/QH14.", [("39", "amends")]),
])
def test_a_preamble_list_of_laws_is_one_sentence(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds(text) == expected


def test_a_document_does_nothing_to_itself() -> None:
    """docx-pdf/court-docs/nghi_dinh/nghi_dinh_99_2022_ND_CP.docx: a form of its appendix."""
    own = extract_references("99/2022/NĐ-CP")[0]
    text = "Căn cứ Nghị định số 99/2022/NĐ-CP ngày 30 tháng 11 năm 2022 của Chính phủ về đăng ký biện pháp bảo đảm;"
    assert [ref.kind for ref in extract_references(text, own)] == ["mentions"]
    assert [ref.kind for ref in extract_references(text)] == ["basis"]
