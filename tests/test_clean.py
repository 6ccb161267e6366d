"""Debris, display text and garbled-text detection, on the real samples and small strings."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from indexer.clean import display_text, find_debris, strip_span
from indexer.garbled import find_garbled
from indexer.model import Span

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
BULLETIN = "thong-tin-sinh-hoat-noi-bo-2020-12.txt"
PLAN = "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"

GOOD = (
    "Thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị về đẩy mạnh học tập và làm theo tư tưởng, "
    "đạo đức, phong cách Hồ Chí Minh, các chi bộ đã tổ chức sinh hoạt chuyên đề hằng tháng."
)
GARBLED = (
    "N ? I DUNG Đ ? NH HƯ ? NG SINH HO ? T CHI B ?   1. M ? t s ?  k ? t qu ?  ch ?  y ? u "
    "c ? a Đ ? i h ? i các đ ? ng b ?  tr ? c thu ? c Trung ương"
)


def _read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def _debris_texts(text: str) -> set[str]:
    return {text[s.start : s.end] for s in find_debris(text)}


def test_bulletin_debris_bookmark_and_link_fragment() -> None:
    found = _debris_texts(_read(BULLETIN))
    assert "[bookmark: _GoBack]" in found
    assert '&mode=detail&document_id=201052"' in found


def test_plan_debris_bold_headings_and_rules() -> None:
    found = _debris_texts(_read(PLAN))
    assert "**" in found and "-----" in found
    assert any(d.startswith("##") for d in found)


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("**KẾ HOẠCH**  ", "KẾ HOẠCH"),
        ("### **3. Đợt 3: Sau khi bế mạc**, tập trung:", "3. Đợt 3: Sau khi bế mạc, tập trung:"),
        ("- Ban Tuyên giáo Tỉnh ủy (*để báo cáo*),", "- Ban Tuyên giáo Tỉnh ủy (để báo cáo),"),
        ('số &mode=detail&document_id=201052"1300/CĐ-TTg', "số 1300/CĐ-TTg"),
        ('xem <a href="http://x.vn/a?id=1">Chỉ thị 05</a> tại', "xem Chỉ thị 05 tại"),
        ("xem [Chỉ thị 05](http://x.vn/ct05) và [](http://x.vn)", "xem Chỉ thị 05 và"),
        ("1\\. Mục đích", "1. Mục đích"),
        ("+ Quy chế bầu cử trong Đảng.", "+ Quy chế bầu cử trong Đảng."),
        ("- + Các hoạt động của Đại hội.", "- + Các hoạt động của Đại hội."),
    ],
)
def test_display_text_removes_debris_keeps_bullets(line: str, shown: str) -> None:
    assert display_text(line, [Span(0, len(line))], find_debris(line)) == shown


def test_display_text_is_nfc_and_keeps_diacritics() -> None:
    text = _read(BULLETIN)
    assert not unicodedata.is_normalized("NFC", text)
    shown = display_text(text, [Span(0, len(text))], find_debris(text))
    assert unicodedata.is_normalized("NFC", shown)
    assert "THÔNG TIN SINH HOẠT NỘI BỘ" in shown and "Ban Tuyên giáo Tỉnh ủy" in shown


def test_display_text_folds_spaces_and_joins_paragraphs_by_newline() -> None:
    text = "  Một\u00a0\u00a0là,\t  tiếp tục  \n\nHai là, đẩy mạnh"
    spans = [Span(0, 22), Span(24, len(text))]
    assert display_text(text, spans, []) == "Một là, tiếp tục\nHai là, đẩy mạnh"


def test_display_text_keeps_tone_mark_placement() -> None:
    text = "hoá và hóa, thuỷ và thủy"
    assert display_text(text, [Span(0, len(text))], []) == text


def test_strip_span_starts_on_visible_text() -> None:
    text = "[bookmark: _GoBack]5. Dân chủ**  "
    span = strip_span(text, Span(0, len(text)), find_debris(text))
    assert text[span.start : span.end] == "5. Dân chủ"


def test_garbled_tail_of_bulletin_is_found() -> None:
    text = _read(BULLETIN)
    spans = find_garbled(text)
    assert len(spans) == 1
    tail = text[spans[0].start : spans[0].end]
    assert "N ? I DUNG" in tail and len(tail) >= 5000
    assert "Ban Tuyên giáo Trung ương" in text[: spans[0].start]


def test_plan_has_no_garbled_text() -> None:
    assert find_garbled(_read(PLAN)) == []


@pytest.mark.parametrize(
    "line",
    [
        "Chỉ thị 05 yêu cầu gì?",
        "Chỉ thị 05 yêu cầu gì ? Ai thực hiện ? Khi nào ?",
        "| STT | Chỉ tiêu | 2019 | 2020 | ? |",
        "1.280 | 1.100 | 67/67 (100%) | 54,8 | 1,3",
        "Tình trạng: ? (chưa rõ) – xem lại",
    ],
)
def test_normal_text_is_not_garbled(line: str) -> None:
    assert find_garbled(f"{GOOD}\n{line}\n{GOOD}\n") == []


def test_garbled_paragraph_inside_good_text_is_found() -> None:
    text = f"{GOOD}\n\n{GARBLED}\n\n{GOOD}\n"
    spans = find_garbled(text)
    assert [text[s.start : s.end] for s in spans] == [GARBLED]


def test_wrapped_garbled_paragraph_is_found_whole() -> None:
    wrapped = "Đ ? i h ? i đ ? ng b ? \nc ? a Đ ? ng"
    text = f"{GOOD}\n{GARBLED}\n{wrapped}\n{GOOD}"
    spans = find_garbled(text)
    assert len(spans) == 1 and text[spans[0].start : spans[0].end] == f"{GARBLED}\n{wrapped}"


def test_replacement_characters_are_garbled() -> None:
    line = "Th\ufffdc hi\ufffdn Ch\ufffd th\ufffd s\ufffd 35 c\ufffda B\ufffd Ch\ufffdnh tr\ufffd"
    assert len(find_garbled(f"{GOOD}\n{line}\n")) == 1
