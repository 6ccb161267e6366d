"""Abbreviations staff type ("UBND", "ĐVTN") are searched with the words a passage prints in full."""

from __future__ import annotations

from kb.retrieval.query import understand


def test_an_abbreviation_is_searched_spelled_out() -> None:
    query = understand("ĐVTN phường Ngã Bảy góp ý gì vào dự thảo văn kiện?")
    assert query.spelled == ("đoàn viên thanh niên",)
    assert ("accented", ("thanh", "niên")) in query.pairs()
    assert ("folded", ("doan", "vien")) in query.pairs()
    assert ("accented", ("đoàn",)) in query.syllables()


def test_typed_without_accents_and_kept_once_restored() -> None:
    typed = understand("btv dang uy xa ket luan gi ve pccc")
    assert typed.spelled == ("ban thường vụ", "phòng cháy chữa cháy")
    assert typed.restored("btv đảng ủy xã kết luận gì về pccc").spelled == typed.spelled


def test_words_that_are_no_abbreviation_add_nothing() -> None:
    assert understand("Chỉ thị 05 yêu cầu gì?").spelled == ()
