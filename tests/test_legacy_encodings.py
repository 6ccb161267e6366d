import difflib
import json
import random
import unicodedata
from pathlib import Path

import pytest

from indexer.decode import decode_text
from indexer.errors import UnreadableFileError
from indexer.legacy_encodings import (
    MIN_SCORE,
    decode_font_run,
    decode_legacy,
    looks_vietnamese,
    restore_tcvn3_case,
)

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "encodings"
# Variant suffix -> the encoding the reading path must report for it.
TEXT_VARIANTS = {"nfd.txt": "utf-8", "utf16le_bom.txt": "utf-16", "cp1258.txt": "cp1258",
                 "tcvn3.txt": "tcvn3", "vni.txt": "vni"}
SENTENCE = "Quyết định của Bộ Chính trị về công tác cán bộ và việc kiểm tra, giám sát của Đảng"


def sample_cases() -> list:
    if not SAMPLES.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{SAMPLES} is absent"))]
    stems = json.loads((SAMPLES / "MANIFEST.json").read_text(encoding="utf-8"))
    return [pytest.param(stem, variant, id=f"{stem}.{variant}") for stem in stems for variant in TEXT_VARIANTS]


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def accuracy(truth: str, text: str) -> float:
    """1 - edit distance / len(truth), the distance counted on difflib's alignment."""
    if truth == text:
        return 1.0
    opcodes = difflib.SequenceMatcher(None, truth, text, autojunk=False).get_opcodes()
    edits = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in opcodes if op != "equal")
    return 1 - edits / len(truth)


def read_bytes(data: bytes) -> tuple[str, str]:
    """The plain-text reading path: UTF-8/UTF-16 first, legacy encodings when those refuse."""
    try:
        return decode_text(data)
    except UnreadableFileError:
        return decode_legacy(data)


@pytest.mark.parametrize("stem,variant", sample_cases())
def test_read_every_sample_variant_matches_the_truth(stem, variant):
    truth = clean((SAMPLES / f"{stem}.utf8.txt").read_text(encoding="utf-8"))
    text, encoding = read_bytes((SAMPLES / f"{stem}.{variant}").read_bytes())
    assert encoding == TEXT_VARIANTS[variant]
    assert accuracy(truth, clean(text)) >= 0.995


def test_decode_legacy_returns_nfc_for_cp1258_combining_marks():
    text, encoding = decode_legacy("Quyê\u0301t đi\u0323nh".encode("cp1258"))
    assert (text, encoding) == ("Quyết định", "cp1258")
    assert unicodedata.is_normalized("NFC", text)


def test_decode_legacy_reads_viscii():
    data = (b"Quy\xaat \xf0\xb8nh c\xfca B\xb5 Ch\xednh tr\xb8 v\xab c\xf4ng t\xe1c c\xe1n b\xb5 v\xe0 vi\xaec "
            b"ki\xacm tra, gi\xe1m s\xe1t c\xfca \xd0\xe4ng")
    assert decode_legacy(data) == (SENTENCE, "viscii")


def test_decode_legacy_reads_vni_capitals():
    assert decode_legacy("ÑAÛNG COÄNG SAÛN VIEÄT NAM quyeát ñònh".encode("cp1252")) == (
        "ĐẢNG CỘNG SẢN VIỆT NAM quyết định", "vni")


@pytest.mark.parametrize("data", [
    ("The committee's café meeting approved the budget. Naïve résumés were rejected; the façade "
     "will be repaired next year, and the minutes are attached for your review.").encode("latin-1"),
    bytes(random.Random(7).randrange(256) for _ in range(4000)),
    bytes(random.Random(8).randrange(0x80, 0x100) for _ in range(4000)),
], ids=["english-latin1", "random-bytes", "random-high-bytes"])
def test_decode_legacy_refuses_what_is_not_vietnamese(data):
    with pytest.raises(UnreadableFileError, match="does not look like Vietnamese in any known encoding"):
        decode_legacy(data)


def test_looks_vietnamese_separates_vietnamese_from_english_and_mojibake():
    assert looks_vietnamese(SENTENCE) > 0.8
    assert looks_vietnamese("The quick brown fox jumps over the lazy dog near the river bank") < MIN_SCORE
    assert looks_vietnamese(SENTENCE.encode("utf-8").decode("cp1252", errors="replace")) < MIN_SCORE
    assert looks_vietnamese("") == 0.0


@pytest.mark.parametrize("text,font,expected", [
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", ".VnTime", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("céng hßa x· héi", ".VnTimeH", "CỘNG HÒA XÃ HỘI"),
    ("§¶NG CéNG S¶N", ".VnArial", "ĐẢNG CỘNG SẢN"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "VNI-Times", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("ÑAÛNG COÄNG SAÛN, Quoác hoäi", "VNI-Helve", "ĐẢNG CỘNG SẢN, Quốc hội"),
    ("\u201cQuyÕt ®Þnh\u201d", ".VnTime", "“Quyết định”"),  # Windows-1252 quotes stay quotes
    ("\uf051uy\uf0d5t", ".VnTime", "Quyết"),  # symbol-font code points
    ("Quye\u0302\u0301t đi\u0323nh", "Times New Roman", "Quyết định"),
])
def test_decode_font_run_converts_legacy_fonts_to_nfc(text, font, expected):
    assert decode_font_run(text, font) == expected


@pytest.mark.parametrize("decoded,expected", [
    ("BAN CHỉ ĐạO QUốC GIA", "BAN CHỈ ĐẠO QUỐC GIA"),
    ("Hà Nội, ngày 11", "Hà Nội, ngày 11"),
    ("Số: 252/KH-BCĐQG1237", "Số: 252/KH-BCĐQG1237"),
    ("HàI CốT", "HÀI CỐT"),
    ("QUYếT ĐịNH Số 1237", "QUYẾT ĐỊNH SỐ 1237"),
    ("Chương I. ở đâu", "Chương I. Ở đâu"),
])
def test_restore_tcvn3_case_puts_back_lost_capitals(decoded, expected):
    assert restore_tcvn3_case(decoded) == expected
