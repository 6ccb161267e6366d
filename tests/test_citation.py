"""The official citation of a document, built from its metadata (indexer.citation)."""

from __future__ import annotations

import pytest

from indexer.citation import citation, citation_date

CT05_SUBJECT = "về đẩy mạnh học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"


def test_a_directive_is_cited_with_number_date_issuer_and_subject():
    assert citation("Chỉ thị", "05-CT/TW", "2016-05-15", "Bộ Chính trị", CT05_SUBJECT) == (
        "Chỉ thị số 05-CT/TW ngày 15 tháng 5 năm 2016 của Bộ Chính trị " + CT05_SUBJECT)


@pytest.mark.parametrize("iso, cited", [
    ("2020-03-05", "ngày 05 tháng 3 năm 2020"),  # a day under 10 with two digits, March with one
    ("2024-01-18", "ngày 18 tháng 01 năm 2024"),  # January and February with two
    ("2025-02-19", "ngày 19 tháng 02 năm 2025"),
    ("2025-11-28", "ngày 28 tháng 11 năm 2025"),
    ("2020-12", "tháng 12 năm 2020"),
    ("2019", "năm 2019"),
    (None, None), ("", None), ("không rõ", None),
])
def test_dates_are_written_as_the_corpus_cites_them(iso, cited):
    assert citation_date(iso) == cited


def test_a_subject_without_about_gets_it_and_an_act_verb_reads_on():
    assert citation("Nghị định", "30/2020/NĐ-CP", "2020-03-05", "Chính phủ", "công tác văn thư") == (
        "Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư")
    assert citation("Thông tư", "33/2025/TT-BKHCN", "2025-11-15", "Bộ Khoa học và Công nghệ",
                    "Quy định tiêu chí doanh nghiệp") == (
        "Thông tư số 33/2025/TT-BKHCN ngày 15 tháng 11 năm 2025 của Bộ Khoa học và Công nghệ "
        "quy định tiêu chí doanh nghiệp")


def test_a_letter_is_about_its_matter_and_loses_the_final_stop():
    assert citation("Công văn", "5317/CT-CS", "2025-11-19", "Cục Thuế", "khoản tiền phải nộp bổ sung.",
                    title="V/v khoản tiền phải nộp bổ sung.") == (
        "Công văn số 5317/CT-CS ngày 19 tháng 11 năm 2025 của Cục Thuế về việc khoản tiền phải nộp bổ sung")


def test_a_law_is_cited_by_its_name_and_number():
    assert citation("Luật", "68/2020/QH14", "2020-11-13", "Quốc hội", "cư trú") == "Luật Cư trú số 68/2020/QH14"
    assert citation("Bộ luật", "45/2019/QH14", "2019-11-20", "Quốc hội", "lao động") == (
        "Bộ luật Lao động số 45/2019/QH14")
    assert citation("Luật", None, "2025-06-16", None, "tổ chức chính quyền địa phương") == (
        "Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025")


def test_a_subject_that_names_the_issuers_replaces_the_issuer():
    assert citation("Kết luận", "221-KL/TW", "2025-11-28", "Ban Chấp hành Trung ương",
                    "của Bộ Chính trị, Ban Bí thư về tình hình") == (
        "Kết luận số 221-KL/TW ngày 28 tháng 11 năm 2025 của Bộ Chính trị, Ban Bí thư về tình hình")


def test_missing_parts_are_left_out_with_their_words():
    assert citation("Kế hoạch", None, None, "Tỉnh ủy Bạc Liêu", None) == "Kế hoạch của Tỉnh ủy Bạc Liêu"
    assert citation("Kế hoạch", "131-KH/TU", None, None, "") == "Kế hoạch số 131-KH/TU"
    assert citation(None, "131-KH/TU", "2020-03-17", None, None) == "Văn bản số 131-KH/TU ngày 17 tháng 3 năm 2020"
    assert citation(None, None, "2020-03-17", "Tỉnh ủy", "về việc gì") is None
    assert all("None" not in (citation(t, n, d, i, s) or "") for t in ("Chỉ thị", None) for n in ("1-CT/TW", None)
               for d in ("2020-01-02", None) for i in ("Ban", None) for s in ("về x", None))


def test_an_acronym_or_a_subject_in_capitals_keeps_its_case():
    assert citation("Công điện", "1/CĐ-TTg", "2020-01-02", "Thủ tướng Chính phủ", "COVID-19 và phòng chống") == (
        "Công điện số 1/CĐ-TTg ngày 02 tháng 01 năm 2020 của Thủ tướng Chính phủ về COVID-19 và phòng chống")
