import unicodedata

import pytest

from indexer.analyzer import fold, fold_char_map, normalize


@pytest.mark.parametrize("a,b", [("hoá", "hóa"), ("thuỷ lợi", "thủy lợi"), ("Uỷ ban", "Ủy ban"), ("khoẻ", "khỏe"),
                                 ("toà án", "tòa án"), ("xoè", "xòe")])
def test_tone_mark_conventions_match(a, b):
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize("word", ["quý", "hoàn", "thuyền", "khuya", "hoạch", "quỳnh", "hoặc", "hoằng", "khoẻo"])
def test_tone_marks_stay_where_both_conventions_agree(word):
    assert normalize(word) == word


def test_nfd_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Đảng ủy Khối các cơ quan tỉnh")
    assert decomposed != "Đảng ủy Khối các cơ quan tỉnh"
    assert normalize(decomposed) == "Đảng ủy Khối các cơ quan tỉnh"


def test_whitespace_and_non_breaking_spaces_fold():
    assert normalize("  Chỉ\u00a0thị \t 05\u200b ") == "Chỉ thị 05"


@pytest.mark.parametrize("text,folded", [("Đảng ủy", "dang uy"), ("Chỉ thị số 05-CT/TW", "chi thi so 05-ct/tw"),
                                         ("ĐẠI HỘI", "dai hoi"), ("đường", "duong")])
def test_fold_drops_all_diacritics_and_maps_d_bar(text, folded):
    assert fold(text) == folded


def test_fold_is_the_same_for_nfd_and_old_or_new_tone_marks():
    assert fold(unicodedata.normalize("NFD", "hoá")) == fold("hóa") == "hoa"


def test_fold_char_map_keeps_positions():
    text = "Ban Tuyên giáo  Tỉnh ủy"
    assert len(fold_char_map(text)) == len(text)
    assert fold_char_map(text)[16:] == "tinh uy"


def test_eth_lookalike_is_read_as_d_bar():
    assert normalize("Ðiều 416") == "Điều 416" and fold("Ðiều") == "dieu"
