"""What a citation's key says (type, number, issuer, a law's term, year), and which document it names."""

from __future__ import annotations

import pytest

from indexer.local_issuers import local_issuer_key
from indexer.references import extract_references
from kb.storage.citations import (
    AMBIGUOUS,
    RESOLVED,
    SELF,
    UNRESOLVED,
    Candidate,
    Cited,
    Resolution,
    agrees,
    resolve,
)


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Luật số 56/2024/QH15", ("L", "56", "QH15", "QH15", "2024")),
        ("Luật Quốc tịch Việt Nam số 56/2014/QH13", ("L", "56", "QH13", "QH13", "2014")),
        ("Pháp lệnh số 02/2022/UBTVQH15", ("PL", "2", "UBTVQH15", "UBTVQH15", "2022")),
        ("Chỉ thị số 05-CT/TW", ("CT", "5", "TW", None, None)),
        ("Chỉ thị 05", ("CT", "5", None, None, None)),
        ("NQ số 18-NQ/TW", ("NQ", "18", "TW", None, None)),
        ("1300/CĐ-TTg", ("CĐ", "1300", "TTg", None, None)),
        ("Nghị định số 30/2020/NĐ-CP", ("NĐ", "30", "CP", None, "2020")),
        ("Nghị quyết số 72/2025/NQ-HĐND", ("NQ", "72", "HĐND", None, "2025")),
    ],
)
def test_key_fields_of_a_citation(text: str, fields: tuple) -> None:
    (ref,) = extract_references(text)
    assert (ref.doc_type, ref.number, ref.issuer_code, ref.term, ref.issued_year) == fields


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Chỉ thị số 05-CT/TW, ngày 15/5/2016 của Bộ Chính trị", "2016-05-15"),
        ("Kế hoạch số 131-KH/TU ngày 17/03/2020", "2020-03-17"),
        ("Quyết định số 1237/QĐ-TTg ngày 27 tháng 7 năm 2013", "2013-07-27"),
        ("Chỉ thị 05 ngày 15/5/2016 của Bộ Chính trị", "2016-05-15"),
        ("Chỉ thị số 05-CT/TW ngày 45/5/2016", None),
        ("Chỉ thị số 05-CT/TW. Ngày 15/5/2016 là ngày khác", None),
    ],
)
def test_a_date_printed_right_after_a_citation_is_the_cited_documents(text: str, date: str | None) -> None:
    ref = extract_references(text)[0]
    assert (ref.year, ref.date, ref.issued_year) == (None, date, date and date[:4])


def test_the_year_in_the_number_wins_over_the_date_after_it() -> None:
    (ref,) = extract_references("Luật số 56/2024/QH15 ngày 29 tháng 11 năm 2024")
    assert (ref.year, ref.date, ref.issued_year) == ("2024", "2024-11-29", "2024")


def test_cited_fields_from_stored_keys() -> None:
    assert Cited.from_keys("L:56", "L:56:QH15", "2024") == Cited("L", "56", "QH15", "2024")
    assert Cited.from_keys("CT:5", "CT:5", "2016", "2016-05-15") == Cited("CT", "5", None, "2016", "2016-05-15")
    assert Cited.from_keys("QĐi:47", "QĐi:47:TW", None) == Cited("QĐi", "47", "TW")


# -- resolution rules -------------------------------------------------------------------------------------
LAW_2014 = Candidate(10, Cited("L", "56", "QH13", "2014"), "2014-11-20")
LAW_2024 = Candidate(11, Cited("L", "56", "QH15", "2024"), "2024-11-29")
CT_TW = Candidate(20, Cited("CT", "5", "TW"), "2016-05-15")
CT_TU = Candidate(21, Cited("CT", "5", "TU"), "2020-03-01")
RESOLUTION_72 = Candidate(30, Cited("NQ", "72", "HĐND", "2025"), "2025-11-20")


def test_fields_printed_by_both_must_agree() -> None:
    assert not agrees(Cited("L", "56", "QH15", "2024"), LAW_2014)
    assert not agrees(Cited("L", "56", None, "2024"), LAW_2014)  # the year alone tells them apart
    assert not agrees(Cited("L", "56", "QH15"), LAW_2014)  # and so does the term alone
    assert agrees(Cited("L", "56"), LAW_2014)
    assert not agrees(Cited("NQ", "56"), LAW_2014)
    assert not agrees(Cited("L", "57", "QH13", "2014"), LAW_2014)


def test_a_party_number_is_checked_against_the_documents_date() -> None:
    assert agrees(Cited("CT", "5", "TW", "2016"), CT_TW)
    assert not agrees(Cited("CT", "5", "TW", "2019"), CT_TW)


def test_a_printed_day_must_be_the_documents_day() -> None:
    """Every province has a 70/2025/QĐ-UBND: the day printed after the citation tells which."""
    cited = Cited("NQ", "72", "HĐND", "2025", "2025-10-29")
    assert not agrees(cited, RESOLUTION_72)
    assert agrees(Cited("NQ", "72", "HĐND", "2025", "2025-11-20"), RESOLUTION_72)
    assert agrees(cited, Candidate(30, RESOLUTION_72.own, "2025-11"))  # a date of the month alone cannot tell


def test_a_law_of_another_year_and_term_is_not_linked() -> None:
    assert resolve(Cited("L", "56", "QH15", "2024"), [LAW_2014], citing_id=30) == Resolution(UNRESOLVED)
    assert resolve(Cited("L", "56", "QH15", "2024"), [LAW_2014, LAW_2024], citing_id=30) == Resolution(RESOLVED, (11,))


def test_a_bare_citation_resolves_only_to_the_one_candidate() -> None:
    assert resolve(Cited("CT", "5"), [CT_TW], citing_id=30) == Resolution(RESOLVED, (20,))
    assert resolve(Cited("CT", "5"), [CT_TW, CT_TU], citing_id=30) == Resolution(AMBIGUOUS, (20, 21))
    assert resolve(Cited("CT", "5", "TW"), [CT_TW, CT_TU], citing_id=30) == Resolution(RESOLVED, (20,))


def test_copies_of_one_document_are_one_candidate() -> None:
    copy = Candidate(12, LAW_2024.own, LAW_2024.date)
    assert resolve(Cited("L", "56"), [LAW_2024, copy], citing_id=30) == Resolution(RESOLVED, (11, 12))
    assert resolve(Cited("L", "56"), [LAW_2024, copy, LAW_2014], citing_id=30) == Resolution(AMBIGUOUS, (10, 11, 12))


def test_same_number_on_two_dates_is_two_documents() -> None:
    other_province = Candidate(31, RESOLUTION_72.own, "2025-12-05")
    found = resolve(Cited("NQ", "72", "HĐND", "2025"), [RESOLUTION_72, other_province], citing_id=40)
    assert found == Resolution(AMBIGUOUS, (30, 31))


def test_a_document_never_cites_itself() -> None:
    other_province = Candidate(31, RESOLUTION_72.own, "2025-12-05")
    own_number = Cited("NQ", "72", "HĐND", "2025")
    # Its own number printed in full is itself, even while another document has that number too.
    assert resolve(own_number, [RESOLUTION_72, other_province], 30, RESOLUTION_72) == Resolution(SELF)
    # Nor do its copies count: a .txt citing the number of its own .docx.
    copy = Candidate(32, RESOLUTION_72.own, RESOLUTION_72.date)
    assert resolve(own_number, [RESOLUTION_72, copy], 30, RESOLUTION_72) == Resolution(SELF)
    # A document without a number of its own is still never its own candidate.
    assert resolve(own_number, [RESOLUTION_72], 30) == Resolution(UNRESOLVED)


def test_a_bare_citation_of_its_own_number_names_another_document_if_there_is_one() -> None:
    """Inside Chỉ thị 05-CT/TU, "Chỉ thị 05" is the Politburo's when the index holds it, else itself."""
    assert resolve(Cited("CT", "5"), [CT_TW, CT_TU], 21, CT_TU) == Resolution(RESOLVED, (20,))
    assert resolve(Cited("CT", "5"), [CT_TU], 21, CT_TU) == Resolution(SELF)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("UBND tỉnh Bình Dương", "uy ban nhan dan tinh binh duong"),
        ("ỦY BAN NHÂN DÂN TỈNH BÌNH DƯƠNG", "uy ban nhan dan tinh binh duong"),
        ("Ủy ban nhân dân Thành phố Hồ Chí Minh về việc", "uy ban nhan dan thanh pho ho chi minh"),
        ("UBND TP. Hồ Chí Minh", "uy ban nhan dan thanh pho ho chi minh"),
        ("HĐND tỉnh Bà Rịa - Vũng Tàu khóa VII", "hoi dong nhan dan tinh ba ria vung tau"),
        ("Sở Giáo dục và Đào tạo tỉnh Quảng Ninh", "so giao duc va dao tao tinh quang ninh"),
        ("Tỉnh ủy Quảng Ninh", "tinh uy quang ninh"),
        ("UBND tỉnh Lâm Đồng)* và", "uy ban nhan dan tinh lam dong"),
        ("Ủy ban nhân dân tỉnh ban hành", None),  # no place: any province's
        ("Ủy ban nhân dân tỉnh, Ủy ban nhân dân xã Tuần Giáo", None),  # the comma ends it: the next body is no place
        ("Sở Y tế", None),
        ("Bộ Chính trị", None),
        (None, None),
    ],
)
def test_a_local_body_is_keyed_by_its_name_and_place(name: str | None, key: str | None) -> None:
    assert local_issuer_key(name) == key


def test_a_citation_keeps_the_local_body_named_after_it() -> None:
    named, bare, central = extract_references(
        "Quyết định số 15/2021/QĐ-UBND ngày 12/3/2021 của Ủy ban nhân dân tỉnh Bình Dương; "
        "Quyết định số 16/2021/QĐ-UBND; Chỉ thị số 05-CT/TW của Bộ Chính trị")
    assert named.issuer_name == "uy ban nhan dan tinh binh duong"
    assert bare.issuer_name is None and central.issuer_name is None


def test_a_citation_naming_a_local_body_agrees_only_with_that_bodys_document() -> None:
    cited = Cited("QĐ", "15", "UBND", "2021", None, "uy ban nhan dan tinh quang ninh")
    own = [Candidate(1, Cited("QĐ", "15", "UBND", "2021", None, "uy ban nhan dan tinh binh duong"), "2021-03-12"),
           Candidate(2, Cited("QĐ", "15", "UBND", "2021", None, "uy ban nhan dan tinh quang ninh"), "2021-03-12"),
           Candidate(3, Cited("QĐ", "15", "UBND", "2021"), "2021-03-12")]  # its issuer unread: not that body's
    assert [agrees(cited, c) for c in own] == [False, True, False]
    ran_on = Cited("QĐ", "15", "UBND", "2021", None, "uy ban nhan dan tinh quang ninh ban")  # "… Quảng Ninh Ban hành"
    assert [agrees(ran_on, c) for c in own] == [False, True, False]
    assert resolve(cited, own, citing_id=9) == Resolution(RESOLVED, (2,))
    assert resolve(Cited("QĐ", "15", "UBND", "2021"), own[:2], citing_id=9) == Resolution(AMBIGUOUS, (1, 2))
