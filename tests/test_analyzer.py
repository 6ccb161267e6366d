"""The text analyzer: the forms every indexed and queried text takes; the stored text hash must never change."""

import sqlite3
import unicodedata

import pytest

from indexer.analyzer import (
    WORD,
    columns,
    fold,
    fold_char_map,
    matching_text,
    normalize,
    pairs,
    spellings,
    strip_accents,
    text_hash,
    tokens,
)


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


def test_strip_accents_keeps_case_spacing_and_punctuation():
    assert strip_accents("Chỉ thị 05 yêu cầu gì?  Đảng ủy") == "Chi thi 05 yeu cau gi?  Dang uy"


def test_strip_accents_reads_nfd_input():
    assert strip_accents(unicodedata.normalize("NFD", "Thuỷ lợi hoá")) == "Thuy loi hoa"


def test_tokens_are_fts5_unicode61_tokens():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    text = "Chỉ thị số 05-CT/TW ngày 15/5/2016; NĐ-CP, Điều 8: khoản_3 «pa-nô» ĐẠI HỘI 1.300 m²"
    db.execute("INSERT INTO t(rowid, x) VALUES (1, ?)", [text])
    assert tokens(text) == [r[0] for r in db.execute("SELECT term FROM v ORDER BY offset")]


def test_tokens_split_at_underscore_where_words_do_not():
    assert tokens("Khoản_3 Điều") == ["khoản", "3", "điều"]
    assert WORD.findall("Khoản_3 Điều") == ["Khoản_3", "Điều"]


def test_pairs_are_adjacent_tokens():
    assert pairs("Chỉ thị 05-CT/TW") == [("chỉ", "thị"), ("thị", "05"), ("05", "ct"), ("ct", "tw")]
    assert pairs("Đảng") == []


def test_matching_text_puts_the_heading_path_first():
    assert matching_text("I. NHIỆM VỤ", "Tuyên truyền") == "I. NHIỆM VỤ\nTuyên truyền"
    assert matching_text("", "Tuyên truyền") == "Tuyên truyền"


MATCHING = "I. NHIỆM VỤ\nUỷ ban kiểm tra thực hiện Chỉ thị số 05-CT/TW"


def test_columns_are_lower_case_normalised_and_folded():
    assert columns(MATCHING) == ("i. nhiệm vụ\nủy ban kiểm tra thực hiện chỉ thị số 05-ct/tw",
                                 "i. nhiem vu\nuy ban kiem tra thuc hien chi thi so 05-ct/tw")


def test_text_hash_is_the_value_existing_indexes_store():
    # Indexes built before the analyzer held text_hash store these values; a new value would re-embed everything.
    assert text_hash(MATCHING) == "70157620a7813693701ea55d3a08a1081e17f0f7"
    stored = matching_text(
        "III- CÁC ĐỢT TUYEN TRUYỀN",
        "Đề công tác tuyên truyền Đại hội chi bộ, đảng bộ cơ sở, Đại hội đại biểu Đảng bộ Khối các cơ quan tỉnh "
        "lần thứ VI và Đại hội đại biểu Đảng bộ tỉnh lần thứ XVI và tiến tới Đại hội XIII của Đảng đạt kết quả "
        "thiết thực, hoạt động tuyên truyền chia làm ba đợt cao điểm cụ thể như sau:")
    assert text_hash(stored) == "780fe064dd3a7d93a7f33d87b6852bea397a41ad"  # a chunk of corpus/ke-hoach-…md


def test_text_hash_ignores_what_normalisation_removes():
    variant = unicodedata.normalize("NFD", MATCHING.replace("Uỷ", "Ủy").replace(" ", "\u00a0 "))
    assert text_hash(variant) == text_hash(MATCHING)
    assert text_hash(MATCHING.lower()) != text_hash(MATCHING)


@pytest.mark.parametrize(("syllable", "spelled"), [
    ("kỳ", ("kỳ", "kì")), ("kì", ("kì", "kỳ")), ("ky", ("ky", "ki")), ("qui", ("qui", "quy")), ("lý", ("lý", "lí")),
    ("tỷ", ("tỷ", "tỉ")), ("hy", ("hy", "hi")), ("mỹ", ("mỹ", "mĩ")),
    ("thi", ("thi",)), ("khi", ("khi",)), ("chị", ("chị",)), ("di", ("di",)), ("y", ("y",)), ("kịp", ("kịp",)),
])
def test_spellings_of_i_and_y(syllable, spelled):
    assert spellings(syllable) == spelled
