"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI, VISCII and Windows-1258.

Offices still hold directives typed before Unicode.  Their bytes are valid in
several 8-bit encodings at once, so the encoding cannot be read from the bytes:
each candidate is decoded and the one whose result looks most like Vietnamese
wins.  "Looks like Vietnamese" is measured on words: the share that are
well-formed Vietnamese syllables (onset, rhyme, a tone the rhyme allows) and
the share that are among the most frequent syllables of Vietnamese legal text.
Mojibake fails both, and so does English.  When no candidate passes, the file
is refused rather than indexed as garbage.

Word files typed in legacy fonts (``.VnTime``, ``VNI-Times``) store the same
bytes as Latin-1 characters; ``decode_font_run`` turns them into Unicode.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from indexer.errors import UnreadableFileError

__all__ = ["MIN_SCORE", "decode_font_run", "decode_legacy", "font_encoding", "looks_vietnamese", "restore_tcvn3_case"]

# A decoded text scoring below this is not taken for Vietnamese.  Real documents
# (laws, admin-docs with web furniture, the legacy samples) score 0.63-0.95;
# English text at most 0.17; a wrong legacy decoding at most 0.35.
MIN_SCORE = 0.5

# --- TCVN3 (TCVN 5712:1993 VN3, the ABC fonts) --------------------------------
# Only lowercase letters carry tones: uppercase toned letters were typed in the
# "H" fonts (.VnTimeH), which draw the same codes as capitals.
_TCVN3_CODES = (
    "a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae "
    "b5 b6 b7 b8 b9 bb bc bd be c6 c7 c8 c9 ca cb "
    "cc ce cf d0 d1 d2 d3 d4 d5 d6 d7 d8 dc dd de "
    "df e1 e2 e3 e4 e5 e6 e7 e8 e9 ea eb ec ed ee "
    "ef f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe"
)
_TCVN3_CHARS = (
    "ĂÂÊÔƠƯĐăâêôơưđ"
    "àảãáạằẳẵắặầẩẫấậ"
    "èẻẽéẹềểễếệìỉĩíị"
    "òỏõóọồổỗốộờởỡớợ"
    "ùủũúụừửữứựỳỷỹýỵ"
)

# --- VISCII (RFC 1456) ---------------------------------------------------------
_VISCII_CODES = "02 05 06 14 19 1e " + " ".join(f"{b:02x}" for b in range(0x80, 0x100))
_VISCII_CHARS = (
    "ẲẴẪỶỸỴ"
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐ"
    "ỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"
    "Õắằặấầẩậẽẹếềểễệố"
    "ồổỗỠƠộờởịỰỨỪỬơớƯ"
    "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳ"
    "ĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉ"
    "đựòóôõỏọụùúũủýợỮ"
)

# --- VNI: a base letter followed by a byte for its marks -----------------------
# Marks after a, e, o (circumflex group), a (breve group) and every vowel (plain
# tones), in the order acute, grave, hook, tilde, dot below.
_VNI_CIRCUMFLEX = "áàåãä"  # â = a + "â"
_VNI_BREVE = "éèúüë"  # ă = a + "ê"
_VNI_TONE = "ùøûõï"
_VNI_LETTERS = {"ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "î": "ỵ", "Î": "Ỵ"}
_VNI_I = "íìæóò"  # i with a tone is one byte
_TONE_MARKS = "\u0301\u0300\u0309\u0303\u0323"  # acute, grave, hook, tilde, dot: VNI's order

# Private-use code points (U+F020-U+F0FF) are how Word keeps 8-bit symbol fonts.
_SYMBOL_FONT_BASE = 0xF000


def _charmap(codes: str, chars: str) -> str:
    """A 256-character decoding table: the encoding's letters over Windows-1252.

    Bytes the legacy encoding leaves alone are the punctuation Windows put there
    (curly quotes, dashes, the ellipsis), which these files do use.
    """
    table = [bytes([b]).decode("cp1252", errors="replace") for b in range(256)]
    table = [c if c != "\ufffd" else chr(b) for b, c in enumerate(table)]
    for byte, char in zip(bytes.fromhex(codes), chars, strict=True):
        table[byte] = char
    return "".join(table)


_TCVN3_TABLE = _charmap(_TCVN3_CODES, _TCVN3_CHARS)
_VISCII_TABLE = _charmap(_VISCII_CODES, _VISCII_CHARS)
_LATIN_TABLE = _charmap("", "")
# Lowercase letters TCVN3 has no capitals for: their case in the source is unknown.
_TCVN3_CASELESS = frozenset(_TCVN3_CHARS[14:])


def _compose(base: str, *marks: str) -> str:
    return unicodedata.normalize("NFC", base + "".join(marks))


def _vni_sequences() -> dict[str, str]:
    """Every VNI spelling of a Vietnamese letter, lower and upper case, to the letter."""
    lower: dict[str, str] = {}
    for base in "aeo":
        lower[base + "â"] = _compose(base, "\u0302")
        for mark, tone in zip(_VNI_CIRCUMFLEX, _TONE_MARKS):
            lower[base + mark] = _compose(base, "\u0302", tone)
    lower["aê"] = "ă"
    for mark, tone in zip(_VNI_BREVE, _TONE_MARKS):
        lower["a" + mark] = _compose("a", "\u0306", tone)
    for base in "aeouyôö":
        letter = _VNI_LETTERS.get(base, base)
        for mark, tone in zip(_VNI_TONE, _TONE_MARKS):
            lower[base + mark] = _compose(letter, tone)
    for mark, tone in zip(_VNI_I, _TONE_MARKS):
        lower[mark] = _compose("i", tone)
    lower.update({k: v for k, v in _VNI_LETTERS.items() if k.islower()})
    return lower | {seq.upper(): letter.upper() for seq, letter in lower.items()}


_VNI = _vni_sequences()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, _VNI), key=len, reverse=True)))


def _decode_vni(data: bytes) -> str:
    text = codecs.charmap_decode(data, "strict", _LATIN_TABLE)[0]
    return _VNI_PATTERN.sub(lambda m: _VNI[m.group()], text)


def _decode_tcvn3(data: bytes) -> str:
    return restore_tcvn3_case(codecs.charmap_decode(data, "strict", _TCVN3_TABLE)[0])


def _decode_viscii(data: bytes) -> str:
    return codecs.charmap_decode(data, "strict", _VISCII_TABLE)[0]


def _decode_cp1258(data: bytes) -> str:
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


# In order of how common they are in old office files: ties go to the first.
_DECODERS: dict[str, Callable[[bytes], str]] = {
    "tcvn3": _decode_tcvn3,
    "vni": _decode_vni,
    "cp1258": _decode_cp1258,
    "viscii": _decode_viscii,
}

# --- Case in TCVN3 text ----------------------------------------------------------
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = ".!?"
_LINE_OPENERS = " \t#>*|-–•(\"“"


def _word_case(word: str) -> tuple[int, int]:
    """(capitals, lowercase letters) among the letters whose case is known."""
    known = [c for c in word if c not in _TCVN3_CASELESS]
    return sum(c.isupper() for c in known), sum(c.islower() for c in known)


def _is_capitals(word: str) -> bool:
    upper, lower = _word_case(word)
    return upper >= 2 and lower == 0


def restore_tcvn3_case(text: str) -> str:
    """Put back the capitals TCVN3 text lost: ``CHØ`` decodes to ``CHỉ``, meant ``CHỈ``.

    A toned vowel takes the case of the word around it: capitals when every
    other letter is a capital; a word with one leading capital (``Hà``/``HÀ``)
    follows its neighbours on the same line; a word of caseless letters alone
    (``ở``, ``ủy``) is capitalised at the start of a sentence.
    """
    if not _TCVN3_CASELESS.intersection(text):
        return text
    words = list(_WORD.finditer(text))
    pieces, done = [], 0
    for i, match in enumerate(words):
        if _TCVN3_CASELESS.intersection(match.group()):
            pieces += [text[done : match.start()], _fix_word(text, words, i)]
            done = match.end()
    return "".join(pieces) + text[done:]


def _fix_word(text: str, words: list[re.Match[str]], i: int) -> str:
    word = words[i].group()
    upper, lower = _word_case(word)
    if lower:
        return word
    if upper >= 2 or (upper == 1 and not word[0].isupper()):
        return word.upper()
    if _neighbour_is_capitals(text, words, i):
        return word.upper()
    if upper == 0 and _starts_sentence(text, words[i].start()):
        return word[0].upper() + word[1:]
    return word


def _starts_sentence(text: str, start: int) -> bool:
    """Whether ``start`` opens a line (after list marks) or follows a full stop."""
    line = text[text.rfind("\n", 0, start) + 1 : start]
    before = line.rstrip()
    return not line.strip(_LINE_OPENERS) or (before != line and before[-1:] in _SENTENCE_END)


def _neighbour_is_capitals(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether a word next to ``words[i]``, with only spaces between, is in capitals."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(words):
            left, right = sorted((words[i], words[j]), key=lambda m: m.start())
            gap = text[left.end() : right.start()]
            if gap and gap.strip(" \t") == "" and _is_capitals(words[j].group()):
                return True
    return False

# --- How Vietnamese a text looks ---------------------------------------------------
_ONSETS = "ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k l m n p r s t v x"
_RHYMES = """
a ac ach ai am an ang anh ao ap at au ay ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
e ec em en eng eo ep et ê êch êm ên ênh êp êt êu
i ia ich iêc iêm iên iêng iêp iêt iêu im in inh ip it iu
o oc oi om on ong op ot oong ooc ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
u ua uc ui um un ung up ut uôc uôi uôm uôn uông uôt
ư ưa ưc ưi ưm ưn ưng ưt ưu ươc ươi ươm ươn ương ươp ươt ươu
y yêm yên yêng yêt yêu
oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet
uân uâng uât uây uê uêch uênh uơ uy uya uych uyn uynh uyp uyt uyu uyên uyêt
"""
# The most frequent syllables of Vietnamese legal and administrative text
# (laws-txt and admin-docs); together about 80% of the words of such text.
_COMMON = """
của định và có điều quy công được người cơ hành quan luật các hợp pháp chức vụ nhân theo quyền động
cấp trong nước về tổ việc án chính quyết dụng thực lý hiện bảo tại với bộ hoặc thông dân không
trường nhiệm hội này nhà cho nghiệp sử ngày tài sở phải nhận quốc đồng thời sản thẩm sự quản kiểm
ban đối thành bản trình doanh văn đã tư báo đất để hạn khoản vi bị hoạt là viên phạm gia số lao từ
khác chứng tin chủ giải xã đầu làm sau cá nội việt nam ký trách hàng khi cầu thi dịch liên thì an tế
giao chỉ sơ kết nghị hiệu cáo tra yêu phương hiểm hồ phát phòng toán do kinh thủ đăng địa đến giấy
thể xuất liệu ngoài lập dung lực chuyển kiện dự ủy học đơn giá hình phủ thuế thuộc giáo sát tòa đổi
chi đại trưởng năm tiếp nghĩa hoạch một vệ xử thu đây tục trên điểm chế tiền tỉnh toàn kế khai phí
đảm chấp giám vào xác viện trung đề nghề bằng ty tác lợi quả thống lượng đủ tàu tự tạo mục năng kiến
xây dục chất ra dựng hóa nghệ cung tố thường diện tiêu nhập ứng mà triển thanh chương tháng sinh lại
tham đó trợ vốn hữu nguyên sách xét phẩm thiết phục độ bổ tịch vị phần thủy trước kể quân hộ tính
vực trị vận phép cao gian thuốc biện lệ nộp nơi trả biết lưu quá trực áp bệnh khoa mức chuẩn thức
dẫn gồm hòa cứ điện cảnh chuyên biển khu bố danh thay tiết cộng nhất tình gửi tập đình hệ những
thuận phân tổng tạm tiện hướng dữ bên nếu mình thư cổ khoán
"""
_SYLLABLE = re.compile(
    "(?:" + "|".join(_ONSETS.split()) + ")?(" + "|".join(sorted(_RHYMES.split(), key=len, reverse=True)) + ")"
)
_STOPPED = ("c", "ch", "p", "t")  # rhymes that only take the acute or dot-below tone
# Characters that belong in Vietnamese text besides ASCII and its letters.
_PUNCTUATION = frozenset("“”‘’–—…•°«»§·×\u00a0\ufeff")


def _split_tone(word: str) -> tuple[str, str]:
    """A lower-case syllable without its tone mark, and the tone marks it had.

    Comparing in this form makes ``hoá`` and ``hóa`` the same syllable.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = "".join(c for c in decomposed if c in _TONE_MARKS)
    bare = "".join(c for c in decomposed if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", bare), tones


_COMMON_KEYS = frozenset(_split_tone(w) for w in _COMMON.split())


@lru_cache(maxsize=65536)
def _word_score(word: str) -> tuple[bool, bool]:
    """(is a well-formed syllable, is a common syllable) for one word."""
    key = _split_tone(word)
    bare, tones = key
    match = _SYLLABLE.fullmatch(bare)
    valid = bool(match) and len(tones) <= 1
    if valid and tones and match and match.group(1).endswith(_STOPPED):
        valid = tones in "\u0301\u0323"
    return valid, key in _COMMON_KEYS


def _is_odd(char: str) -> bool:
    """A character no Vietnamese text would hold: the mark of a wrong decoding."""
    if char.isascii():
        return not (char.isprintable() or char in "\t\n\r\f")
    if char in _PUNCTUATION:
        return False
    if not char.isalpha():
        return True
    base = unicodedata.normalize("NFD", char)[0]
    return not (base.isascii() or base in "đĐ")


def looks_vietnamese(text: str) -> float:
    """How much ``text`` looks like Vietnamese, from 0 to 1.

    The mean of two shares of the words, well-formed syllables and common
    syllables, less a penalty for characters that do not belong (mojibake's
    ``§``, ``µ``, ``¸``, control characters).  Text without words scores 0.
    """
    text = unicodedata.normalize("NFC", text)
    words = _WORD.findall(text)
    if not words:
        return 0.0
    scores = [_word_score(w) for w in words]
    valid = sum(v for v, _ in scores) / len(scores)
    common = sum(c for _, c in scores) / len(scores)
    letters = sum(map(len, words))
    odd = sum(map(_is_odd, text)) / max(letters, 1)
    return max(0.0, (valid + common) / 2 - 3 * odd)


def decode_legacy(data: bytes) -> tuple[str, str]:
    """Decode 8-bit Vietnamese text; return ``(NFC text, encoding name)``.

    Tries TCVN3, VNI, Windows-1258 and VISCII and keeps the decoding that looks
    most Vietnamese.  Raises ``UnreadableFileError`` when none does, because a
    wrong guess would index mojibake that no query can ever match.
    """
    sample = data[:65536]
    scores = {name: looks_vietnamese(decode(sample)) for name, decode in _DECODERS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] < MIN_SCORE:
        raise UnreadableFileError(
            "the text does not look like Vietnamese in any known encoding "
            "(UTF-8, UTF-16, TCVN3, VNI, VISCII, Windows-1258): save it as UTF-8 and index again"
        )
    return unicodedata.normalize("NFC", _DECODERS[best](data)), best


# --- Word runs in legacy fonts -------------------------------------------------------


def font_encoding(font: str | None) -> str | None:
    """The legacy encoding a font name implies: ``.VnTime`` is TCVN3, ``VNI-Times`` VNI."""
    name = (font or "").strip().lower()
    if name.startswith(".vn"):
        return "tcvn3"
    if name.startswith(("vni-", "vni ")):
        return "vni"
    return None


def _is_capitals_font(font: str) -> bool:
    """TCVN3's "H" fonts (``.VnTimeH``, ``.VnArialH``) draw every letter as a capital."""
    return font.strip().lower().endswith("h")


def _char_byte(char: str) -> int | None:
    """The 8-bit code a legacy-font character was typed as, or ``None`` for real Unicode."""
    code = ord(char)
    if code < 256:
        return code
    if _SYMBOL_FONT_BASE + 0x20 <= code <= _SYMBOL_FONT_BASE + 0xFF:
        return code - _SYMBOL_FONT_BASE
    try:
        return char.encode("cp1252")[0]
    except UnicodeEncodeError:
        return None


def _font_bytes(text: str) -> list[bytes | str]:
    """Split run text into byte strings to decode and characters to keep as they are."""
    parts: list[bytes | str] = []
    for char in text:
        byte = _char_byte(char)
        if byte is None:
            parts.append(char)
        elif parts and isinstance(parts[-1], bytes):
            parts[-1] += bytes([byte])
        else:
            parts.append(bytes([byte]))
    return parts


def decode_font_run(text: str, font: str) -> str:
    """Unicode NFC text of a Word run set in ``font``.

    Runs in ``.Vn*`` (TCVN3) and ``VNI-*`` fonts hold the legacy bytes as
    Latin-1/Windows-1252 characters; others are only normalised to NFC.
    """
    encoding = font_encoding(font)
    if encoding is None:
        return unicodedata.normalize("NFC", text)
    decode = _decode_vni if encoding == "vni" else _decode_tcvn3
    decoded = "".join(decode(p) if isinstance(p, bytes) else p for p in _font_bytes(text))
    if encoding == "tcvn3" and _is_capitals_font(font):
        decoded = decoded.upper()
    return unicodedata.normalize("NFC", decoded)
