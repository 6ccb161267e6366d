"""A law named in English by its name: the name read from the question, the law found by its subject, and its
own passage ranked first, on a real SQLite index of two laws that share a word."""

from __future__ import annotations

import pytest
from conftest import fake_kb_at

from kb.indexing import index_paths
from kb.retrieval.search import search
from kb.retrieval.titles import law_name, titled_laws


@pytest.mark.parametrize(("question", "name"), [
    ("Under the Law on Prices, which ministry certifies a valuation company?", "Prices"),
    ("Under the Law on Thrift Practice and Waste Prevention, must …", "Thrift Practice and Waste Prevention"),
    ("when did the national assembly pass the law on network information security", "network information security"),
    ("What does the Press Law say about press cards?", "Press"),
    ("Who must receive citizens under the Law on Citizen Reception No. 42/2013/QH13?", "Citizen Reception"),
    ("Which law regulates prices?", None),
    ("What does Decree 99/2022/ND-CP regulate?", None),
])
def test_the_name_of_the_law_a_question_names(question, name):
    assert law_name(question) == name


SUBJECTS = [(1, "giá"), (2, "thuế giá trị gia tăng"), (3, "an toàn thông tin mạng"), (4, "an ninh mạng"),
            (5, "thực hành tiết kiệm, chống lãng phí"), (6, "sửa đổi, bổ sung một số điều của luật giá")]


@pytest.mark.parametrize(("question", "laws"), [
    ("Under the Law on Prices, which ministry certifies a valuation company?", [1]),  # the subject it fills most
    ("when did the national assembly pass the law on network information security", [3]),  # in any word order
    ("Under the Law on Thrift Practice and Waste Prevention, must …", [5]),  # "prevention" is not "chống": one may miss
    ("Under the Law on Bananas, …", []),
])
def test_the_laws_a_name_fits(question, laws):
    assert titled_laws(question, lambda: SUBJECTS, 3) == laws


def test_the_subjects_are_not_read_for_a_question_that_names_no_law():
    def unread() -> list[tuple[int, str]]:
        raise AssertionError("read")
    assert titled_laws("What is the VAT rate on fertiliser?", unread, 3) == []


PRICES = """QUỐC HỘI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Luật số: 11/2012/QH13
Hà Nội, ngày 20 tháng 6 năm 2012
LUẬT GIÁ
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về quyền và nghĩa vụ của tổ chức, cá nhân trong lĩnh vực giá.
Điều 2. Doanh nghiệp thẩm định giá
Bộ Tài chính cấp Giấy chứng nhận đủ điều kiện kinh doanh dịch vụ thẩm định giá cho doanh nghiệp.
"""
VAT = """QUỐC HỘI
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Luật số: 13/2008/QH12
Hà Nội, ngày 03 tháng 6 năm 2008
LUẬT THUẾ GIÁ TRỊ GIA TĂNG
Chương I
NHỮNG QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Luật này quy định về đối tượng chịu thuế, người nộp thuế, căn cứ tính thuế giá trị gia tăng.
Điều 2. Doanh nghiệp kinh doanh dịch vụ
Công ty thẩm định giá được bộ chứng nhận và công ty định giá nộp thuế giá trị gia tăng; bộ chứng nhận công ty thẩm định giá.
"""


def test_asked_under_a_law_named_in_english_its_own_article_comes_first(tmp_path):
    documents = tmp_path / "docs"
    documents.mkdir()
    (documents / "luat-gia.txt").write_text(PRICES, encoding="utf-8")
    (documents / "luat-thue-gtgt.txt").write_text(VAT, encoding="utf-8")
    kb = fake_kb_at(tmp_path / "home")
    try:
        assert index_paths(kb, [documents]).count("indexed") == 2
        first = search(kb, "Under the Law on Prices, which ministry certifies a valuation company?", 5).results[0]
        assert first.document.source.endswith("luat-gia.txt") and "Bộ Tài chính" in first.text
    finally:
        kb.close()
