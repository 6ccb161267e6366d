"""Citations in documents and in queries meet on one key, whatever the spelling."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from indexer.analyzer import nfc
from indexer.references import (
    canonical_symbol,
    citation_forms,
    extract_references,
    mask_citations,
)

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _keys(text: str) -> list[str]:
    return [r.full_key for r in extract_references(text)]


@pytest.mark.parametrize(
    ("text", "full_keys"),
    [
        ("Chỉ thị số 05-CT/TW của Bộ Chính trị", ["CT:5:TW"]),
        ("Chỉ thị 05", ["CT:5"]),
        ("Chỉ thị 5", ["CT:5"]),
        ("CT 05", ["CT:5"]),
        ("chi thi 05", ["CT:5"]),
        ("CHỈ THỊ 05", ["CT:5"]),
        ("05-CT/TW", ["CT:5:TW"]),
        ("ct05", ["CT:5"]),
        ("Chỉ thị 35, Chỉ thị 45, Kết luận 75", ["CT:35", "CT:45", "KL:75"]),
        ("NQ số 18-NQ/TW", ["NQ:18:TW"]),
        ("Nghị quyết 18", ["NQ:18"]),
        ("nghi quyet 18", ["NQ:18"]),
        ("Hướng dẫn số 108-HD/BTGTW", ["HD:108:BTGTW"]),
        ("Công điện số 1300/CĐ-TTg", ["CĐ:1300:TTg"]),
        ("1300/CĐ-TTg", ["CĐ:1300:TTg"]),
        ("cong dien 1300/CD-TTG", ["CĐ:1300:TTg"]),
        ("Kế hoạch số 131-KH/TU, ngày 17/03/2020", ["KH:131:TU"]),
        ("Kế hoạch 131", ["KH:131"]),
        ("kh 131", ["KH:131"]),
        ("ke hoach 131", ["KH:131"]),
        ("30/2020/NĐ-CP", ["NĐ:30:CP"]),
        ("30/2020/ND-CP", ["NĐ:30:CP"]),
        ("Nghị định số 30/2020/NĐ-CP", ["NĐ:30:CP"]),
        ("Luật số 68/2020/QH14", ["L:68:QH14"]),
        ("Chỉ thị 06-CT/TU", ["CT:6:TU"]),
        ("Chỉ thị 35 - CT/TW", ["CT:35:TW"]),
        ("Quy định số 47-QĐ/TW", ["QĐi:47:TW"]),
        ("Số: 11654/VPCP-CN", ["CV:11654:VPCP"]),
        ("Công văn 5402/CT-CS", ["CV:5402:CT"]),
        ("5402/CT-CS", ["CV:5402:CT"]),
        ("Chỉ thị số 33/CT-TTg", ["CT:33:TTg"]),
        ("Kế hoạch số 32 của Ban Thường vụ Tỉnh ủy", ["KH:32:TU"]),
        # a province whose name opens with a unit's syllable ("đồng", "cà", "năm") after the number
        ("QĐ 2811 Đồng Nai", ["QĐ:2811"]),
        ("quyet dinh 2811 dong thap", ["QĐ:2811"]),
        ("Quyết định 1763 Cà Mau", ["QĐ:1763"]),
        ("Quyết định 15 Nam Định", ["QĐ:15"]),
        # number and year without the symbol's codes
        ("QĐ 72/2025 UBND Hà Nội", ["QĐ:72:UBND"]),
        ("Nghị quyết số 20/2025 của HĐND tỉnh", ["NQ:20"]),
        # a question goes on after the number with a verb that opens like a unit ("quý")
        ("Chỉ thị 05 quy định gì", ["CT:5"]),
        ("quyet dinh 30 quy dinh nhung gi", ["QĐ:30"]),
        ("Quyết định 30 quy chế", ["QĐ:30"]),
        ("QĐ 1521 thủ tục hành chính", ["QĐ:1521"]),
        ("TB 624", ["TB:624"]),
        # a notice of conclusions is a Thông báo, numbered TB, whatever "kết luận" says
        ("Thông báo kết luận số 221-TB/TW", ["TB:221:TW"]),
        ("thong bao ket luan 221", ["TB:221"]),
        ("TB kết luận 283", ["TB:283"]),  # as staff shorten it: no Kết luận 283
        ("TBKL 283", ["TB:283"]),
        # a number typed, or printed, without the dash before its type
        ("131 KH/TU", ["KH:131:TU"]),
        ("Quyết định số 2609QĐ/UBND", ["QĐ:2609:UBND"]),
        # the rest of the symbol typed with spaces: its year, its issuer's code (typed with a capital, or a legislature's)
        ("luat so 02 2011 QH13", ["L:2:QH13"]),
        ("luat so 44 2019 qh14", ["L:44:QH14"]),
        ("Luật 24/2008 QH12", ["L:24:QH12"]),
        ("QĐ 1521 UBND Bắc Ninh", ["QĐ:1521:UBND"]),
        ("công văn số 5608 CT-CS", ["CV:5608:CT"]),
        ("CĐ 230 TTg", ["CĐ:230:TTg"]),
        # a Party number typed with its issuer after a slash and no type code, or glued to its abbreviation
        ("Hướng dẫn 22/ĐUK", ["HD:22:ĐUK"]),
        ("HD22/ĐUK hạn chót", ["HD:22:ĐUK"]),
        ("CT 05/TU yêu cầu gì", ["CT:5:TU"]),
        ("Chỉ thị 05 tu dưỡng", ["CT:5"]),
        # old laws numbered by the President's office, and a circular by its abbreviation
        ("Luật 18-L/CTN", ["L:18:CTN"]),
        ("TT 80/2021", ["TT:80"]),
        ("Kế hoạch 131 đợt tuyên truyền thứ ba", ["KH:131"]),
        ("chi thi 05 cap uy phai lam gi", ["CT:5"]),
        # minutes and invitations, kinds of their own since parsing version 22
        ("Biên bản số 12/BB-ĐKT", ["BB:12:ĐKT"]),
        ("biên bản số 02 ngày 5/3/2025", ["BB:2"]),
        ("Giấy mời 31/GM-UBND", ["GM:31:UBND"]),
    ],
)
def test_citation_spellings(text: str, full_keys: list[str]) -> None:
    assert _keys(text) == full_keys


def test_issuer_of_a_bare_citation_is_read_after_it() -> None:
    (ref,) = extract_references("Chỉ thị số 05 của Bộ Chính trị khóa XII")
    assert (ref.key, ref.issuer_code, ref.text) == ("CT:5", "TW", "Chỉ thị số 05")


def test_state_numbers_carry_their_year() -> None:
    (decree,) = extract_references("Nghị định số 30/2020/NĐ-CP")
    (law,) = extract_references("Luật số 68/2020/QH14")
    assert (decree.doc_type, decree.number, decree.issuer_code, decree.year) == ("NĐ", "30", "CP", "2020")
    assert (law.doc_type, law.number, law.issuer_code, law.year) == ("L", "68", "QH14", "2020")


def test_a_number_with_its_year_but_no_codes_carries_the_year() -> None:
    (ref,) = extract_references("Quyết định 72/2025 của Ủy ban nhân dân thành phố")
    assert (ref.key, ref.year, ref.text) == ("QĐ:72", "2025", "Quyết định 72/2025")


@pytest.mark.parametrize("text", ["Nghị quyết 18 năm 2017", "nghi quyet 18 nam 2017 ve gi", "Luật số 40 năm 2019 về kiến trúc",
                                  "nghị định 103 2024"])
def test_the_year_typed_after_a_number_is_its_year(text: str) -> None:
    (ref,) = extract_references(text)
    assert ref.year == ref.text[-4:]


def test_debris_inside_a_citation_does_not_become_its_number() -> None:
    text = 'Thủ tướng Chính phủ tại Công điện số &mode=detail&document_id=201052"1300/CĐ-TTg, ngày 24/9/2020'
    (ref,) = extract_references(text)
    assert ref.full_key == "CĐ:1300:TTg"
    assert text[ref.char_start : ref.char_end] == ref.text == "1300/CĐ-TTg"


@pytest.mark.parametrize(
    "text",
    [
        "NQ Đại hội nhiệm kỳ 2015 - 2020",
        "Theo Tổng cục Thống kê, trong quý III/2020, lực lượng lao động",
        "đến ngày 29/10/2020, 67/67 (100%) đảng bộ",
        "Đại hội XIII của Đảng",
        "có 1.235 đại biểu, 46.761/47.661 cán bộ",
        "Thông điệp 5K",
        "kế hoạch 5 năm 2016-2020",
        "khen thưởng 5 đồng chí",
        "Quyết định 3 ca trực",
        "Kế hoạch 2021",
        "kế hoạch 5 năm 2021 - 2025",
        "Kế hoạch 3 quý đầu năm",
        "Nghị quyết Trung ương 4 khóa XII",
        "Luật\n1. Văn bản quy phạm pháp luật",
        "tuyến đường bộ cao tốc CT.08",
        "kế hoạch 3/4 số hộ",
        "lập biên bản 2 vụ vi phạm",
        "biên bản 3 cuộc họp",
        "kế hoạch 4 trường hợp",
        "Án lệ số 67/2023/AL",  # a number, its year, then a symbol no pattern reads: not "Án lệ 67" of no year
    ],
)
def test_not_citations(text: str) -> None:
    assert extract_references(text) == []


@pytest.mark.parametrize("query", ["chi thi 05 yeu cau gi", "CT 05", "05-CT/TW", "Chỉ thị 05 yêu cầu gì?"])
def test_queries_meet_the_document_key(query: str) -> None:
    assert [r.key for r in extract_references(query)] == ["CT:5"]


def test_same_document_cited_twice_gives_two_references() -> None:
    refs = extract_references("Chỉ thị 05 ... và tiếp tục Chỉ thị 05.")
    assert [r.key for r in refs] == ["CT:5", "CT:5"]
    assert refs[0].char_start < refs[1].char_start


def test_spans_point_into_text_that_is_not_nfc() -> None:
    text = unicodedata.normalize("NFD", "Thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị")
    (ref,) = extract_references(text)
    assert ref.full_key == "CT:5:TW"
    assert nfc(text[ref.char_start : ref.char_end]) == "Chỉ thị số 05-CT/TW"


def test_bulletin_references() -> None:
    text = nfc((CORPUS / "thong-tin-sinh-hoat-noi-bo-2020-12.txt").read_text(encoding="utf-8"))
    refs = extract_references(text)
    assert all(text[r.char_start : r.char_end] == r.text for r in refs)
    keys = {r.full_key for r in refs}
    assert {"CT:35:TW", "CT:35", "CT:45", "KL:75", "CĐ:1300:TTg", "CT:5:TW", "CT:5", "HD:108:BTGTW"} <= keys
    assert {"KH:32:TU", "NQ:18:TW"} <= keys
    assert not any(r.number == "201052" for r in refs)


def test_plan_references() -> None:
    text = (CORPUS / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md").read_text(encoding="utf-8")
    assert _keys(text) == ["KH:131:TU", "CT:5:TW", "CT:6:TU", "CT:12:TU", "CT:5:TW", "CT:6:TU"]


@pytest.mark.parametrize(
    ("printed", "canonical"),
    [
        ("05-CT/TW", "05-CT/TW"),
        ("05 - ct/tw", "05-CT/TW"),
        ("05–CT/TƯ", "05-CT/TW"),
        ("1300/CĐ-TTg", "1300/CĐ-TTg"),
        ("1300/CD-TTG", "1300/CĐ-TTg"),
        ("1300 / cd - ttg", "1300/CĐ-TTg"),
        ("30/2020/NĐ-CP", "30/2020/NĐ-CP"),
        ("30/2020/nd-cp", "30/2020/NĐ-CP"),
        ("131-KH/TU", "131-KH/TU"),
        ("131 – kh/tu", "131-KH/TU"),
        ("Số: 142-KH/TĐTN-TG", "142-KH/TĐTN-TG"),
        ("68/2020/QH14", "68/2020/QH14"),
        ("68/2020/qh14", "68/2020/QH14"),
        ("Số: 2873/QĐ-UBND", "2873/QĐ-UBND"),
        ("276/QNI-KTr", "276/QNI-KTr"),
        ("không có số", None),
    ],
)
def test_canonical_symbol(printed: str, canonical: str | None) -> None:
    assert canonical_symbol(printed) == canonical


def test_a_party_number_with_a_unit_keeps_it_in_print_and_meets_its_citations() -> None:
    """The Youth Union numbers a board's plan 142-KH/TĐTN-TG: the unit is part of the number staff
    copy, while the key (type, number, issuer) is the one a citation without the unit has."""
    own = extract_references("Số: 142-KH/TĐTN-TG")[0]
    cited = extract_references("thực hiện Kế hoạch số 142-KH/TĐTN của Ban Thường vụ Tỉnh đoàn")[0]
    assert (own.key, own.issuer_code) == (cited.key, cited.issuer_code) == ("KH:142", "TĐTN")


def test_citation_forms_for_the_card() -> None:
    forms = citation_forms("131-KH/TU", "Kế hoạch")
    assert {"Kế hoạch số 131", "Kế hoạch 131", "KH 131"} <= set(forms)
    assert {"Chỉ thị số 05", "Chỉ thị 5"} <= set(citation_forms("05-CT/TW"))


def test_mask_citations_blanks_the_cited_date() -> None:
    masked = mask_citations("KẾ HOẠCH TRIỂN KHAI QUYẾT ĐỊNH SỐ 1237/QĐ-TTG NGÀY 27 THÁNG 7 NĂM 2013 CỦA THỦ TƯỚNG")
    assert "1237" not in masked and "2013" not in masked and masked.endswith("CỦA THỦ TƯỚNG")
