"""The header of a document: issuing organs, motto, number line, title.

A Vietnamese document states its identity at the top: the issuing organ
(and its parent) in capitals, opposite the national or Party motto, then
``Số: …``, place and date, and the title in capitals (``QUYẾT ĐỊNH`` / the
subject).  The text is first cut into units (lines, split again at table
pipes, Markdown emphasis removed, spaced-out letters rejoined), on which the
header rules and ``indexer.metadata`` work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import accumulate, dropwhile, takewhile

from indexer.analyzer import fold, fold_char_map, nfc, normalize
from indexer.cells import cells_of
from indexer.codes import doc_types, issuers, word_list
from indexer.lines import BULLETIN_MARKS
from indexer.names import (
    board_of_committee,
    lowered_list,
    mostly_capitals,
    proper_case,
    starts_with,
    starts_with_spelled,
)

__all__ = ["Unit", "Header", "units_of", "read_header", "title_type", "DAY_OPENING", "DAY_WORD", "NEAR_TITLE", "NUMBER_LINE",
           "PLACE_DATE", "SUBJECT_LINE", "BODY_OPENER", "subject_wraps", "is_motto"]

# The header is among the first units: mottos are looked for there only (a law
# quotes "Cộng hòa xã hội chủ nghĩa Việt Nam" all through its body).
HEADER_SCAN = 150
# After the type word, a title that names its number and goes on: "Án lệ số 26/2018/AL về …" (folded);
# "Luật số: 68/2020/QH14" is a number line.
_NUMBERED_TITLE = re.compile(r"\s+so\s+\d\S*\s+ve\s")
# The title is looked for among this many lines with text after the organ and motto lines.
TITLE_SCAN = 14
# With neither motto nor organ read, a title among this many first lines with text still opens a header.
NEAR_TITLE = 5
# A subject in small letters wraps over a few lines at most.
MAX_SMALL_SUBJECT_LINES = 3
MAX_SUBJECT_CHARS = 250
# Markdown around a unit: heading marks, emphasis, escapes, trailing rule ("QUỐC HỘI -------", "… năm 2025 —————").
_MARKDOWN = re.compile(r"^\s*#+\s*|\*+|__|\\|\s[-—–─]{3,}\s*$")
# A unit that only separates: rules, stars, the ornament "---o0o---", nothing.
_SEPARATOR = re.compile(r"^[-—–─═~*_=•.\s]*(?:o0o|oOo|0o0|OoO)?[-—–─═~*_=•.\s]*$")
# Garbled text (a broken re-encoding) shows as syllables cut by " ? ".
_GARBLED = " ? "
# Letters a page spaced out ("V Ă N PHÒNG", "n ă m"): a run of single letters is one word.
_SPELLED_OUT = re.compile(r"(?<!\S)[^\W\d_](?: [^\W\d_])+(?!\S)")
# Mottos that stand opposite the issuing organ in every header.
# The Youth Union's headers print its own name there: "ĐOÀN TNCS HỒ CHÍ MINH".
_MOTTO = re.compile(
    r"cong\W+hoa\W+xa\W+hoi\W+chu\W+nghia\W+viet\W+nam|dang\W+cong\W+san\W+viet\W+nam|doc\W+lap\W+tu\W+do\W+hanh\W+phuc"
    r"|doan\W+(?:tncs|thanh\W+nien\W+cong\W+san)\W+ho\W+chi\W+minh"
)


def is_motto(text: str) -> bool:
    """Whether a line holds a header's motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM", …)."""
    return bool(_MOTTO.search(fold_char_map(text)))


# The document's own number: "Số: 2873/QĐ-UBND", "Số 221-KL/TW", "Luật số: 68/2020/QH14"; before a digit, also
# "SỐ" in capitals (not "TẦN SỐ VÔ TUYẾN ĐIỆN", a title) and "Số" as OCR misreads it ("Sô", "Sổ", "Só", "5ö", "S¿") or
# a text without accents types it ("So"), a speck for its colon ("Sổ`191-TB/ĐU"); a seal's marks stuck to it and a
# section sign for its S ("›§ố 610-TB/ĐU", "-§ố 555-TB/ĐU"; not a list's dash, "- Số lượng …").
NUMBER_LINE = re.compile(
    r"^(?:[^\w\s]{1,2}(?=\S))?(?:[^\W\d_]+\s+){0,2}(?:[Ss§]ố|(?:SỐ|[Ss5§][ôổóoồộỗöÔỔÓOỒỘỖÖ¿])(?=\s*[:`'’]?\s*\d))(?!\w)\s*[:`'’]?\s*"
    r"(?P<rest>.*)$")
# "ngày" as pages print it: spacing is loose, markup may split "ng ày"; OCR reads "ngàv", "ngảy", a text
# that lost its accents "ngay".
DAY_WORD = r"ng\s?[aàáảãạ][yv]"
# A line that opens on its date: "ngày 17 …", "ngàv l7 …" (a letter read as a digit only before a digit).
DAY_OPENING = re.compile(rf"{DAY_WORD}\s*[OoIl]?\d", re.IGNORECASE)
# "Bạc Liêu, ngày 17 tháng 3 năm 2020": a line opening with a place (no digits, but a district's or a ward's number in a
# city: "Quận 7, ngày …") then a date; a header read column by column may print it between the motto and the organ.
# Its day may be left blank for the hand that signs ("Đồng Văn, ngày      tháng 10 năm 2025"): then the month is the date.
PLACE_DATE = re.compile(
    rf"(?:^|(?<=\n))(?P<place>[^\W\d_](?:[^\n\d,:;/]|(?<=quận )\d|(?<=phường )\d){{0,40}}?)\s*,?\s*"
    rf"(?={DAY_OPENING.pattern}|{DAY_WORD}\s+th[aá]ng\s*\d)",
    re.IGNORECASE,
)
# A công điện opens on who sends it: "THỦ TƯỚNG CHÍNH PHỦ điện:", "BỘ XÂY DỰNG điện:".
_TELEGRAM_SENDER = re.compile(r"\bđiện\s*:\s*$", re.IGNORECASE)
# Trích yếu of a công văn: "V/v cung ứng vật liệu…".
SUBJECT_LINE = re.compile(r"^V/v\b\.?:?\s*(?P<subject>.*)$", re.IGNORECASE)
# Units that open the body: the header ends before them.
_OPENING_WORDS = (r"^(?:Kính gửi|Căn cứ|Thực hiện|Xét|Theo đề nghị|Điều \d|ĐIỀU \d|Chương [IVXLC\d]|CHƯƠNG [IVXLC\d]"
                  r"|Phần|PHẦN|Ngày \d|Trả lời|Tiếp nhận)\b")
BODY_OPENER = re.compile(rf"{_OPENING_WORDS}|^(?:[IVXLC]+|\d+)\s*[.)\-–]\s")
# What opens a body in words, never a wrapped subject's line (one may open with digits: "2025 - 2026 …").
_BODY_WORDS = re.compile(_OPENING_WORDS)


@dataclass(frozen=True)
class Unit:
    text: str
    bold: bool

    @property
    def blank(self) -> bool:
        return bool(_SEPARATOR.match(self.text))

    @cached_property
    def upper(self) -> bool:
        return mostly_capitals(self.text)


def units_of(text: str) -> list[Unit]:
    """Lines cut into their columns and cells (``indexer.cells``), Markdown removed, garbled lines dropped."""
    units: list[Unit] = []
    for line in nfc(text).splitlines():
        for cell, bold in cells_of(line):
            if cell.count(_GARBLED) >= 3:
                continue
            clean = _LEADING_MARKS.sub("", _SPELLED_OUT.sub(_join_capitals, normalize(_MARKDOWN.sub(" ", cell)).strip()))
            units.extend(Unit(_without_seal_marks(part), bold) for part in _before_motto(_without_specks(clean)))
    return units


# A list's mark, which opens a heading ("II. BÁO CÁO KẾT QUẢ", "a) …"): never a speck.
_LIST_MARK_TOKEN = re.compile(r"[IVXLC]+[.)]|\d{1,2}[.)]|[a-zđ][.)]|[-+•*]")
_QUOTES = "\"“”'‘’`„"
_STUCK_MARKS = "/›‹»«"  # a seal's strokes OCR reads stuck to a title's first word ("/“THÔNG BÁO KẾT LUẬN")


def _speck(token: str, words: bool) -> bool:
    """A token OCR made of a seal's or a stain's strokes before a header's line: marks with a letter at most ("._",
    "6`", ".A"), and with ``words`` also letters among marks or digits ("S2”"), a lone letter ("I") or a short word
    not in capitals ("wvụg", "Đp", "của"); never a list's mark nor a word in capitals, which an organ's or a title's
    line opens with."""
    if len(token) > 5 or _LIST_MARK_TOKEN.fullmatch(token):
        return False
    letters = sum(c.isalpha() for c in token)
    if not words:
        return letters <= 1 and letters < len(token)
    return letters < len(token) or letters == 1 or not token.isupper()


def _without_specks(text: str) -> str:
    """A scan's header line without the specks OCR read before it (``_speck``, one or two tokens, or quotes and
    strokes stuck to its first word): "I ĐẢNG CỘNG SẢN VIỆT NAM", "S2” THÔNG BÁO KẾT LUẬN", "wvụg 6` BÁO CÁO",
    "\"THÔNG BÁO.", "/“THÔNG BÁO", ".A Thới Bình, ngày 27 tháng 8 năm 2025".  Only before what opens a header's
    line: the motto or a title in capitals, or a place and date (after marks only: "Tại Hà Nội, ngày …" is a
    sentence, "Ý Yên, ngày …" a place).  Everything else, and every line of a clean page, is kept as it is."""
    tokens = text.split(" ")
    for count in (1, 2):
        rest = " ".join(tokens[count:])
        if len(tokens) > count and all(_speck(t, words=True) for t in tokens[:count]) and _opens_header_line(rest):
            return rest
        if len(tokens) > count and all(_speck(t, words=False) for t in tokens[:count]) and rest[:1].isupper() \
                and PLACE_DATE.match(rest):
            return rest
    unquoted = text.lstrip(_QUOTES + _STUCK_MARKS)
    return unquoted if unquoted != text and _opens_header_line(unquoted) else text


def _opens_header_line(text: str) -> bool:
    """Whether ``text`` is in capitals and opens with the motto or with a title's type name."""
    return mostly_capitals(text) and (bool(_MOTTO.match(fold_char_map(text))) or title_type(Unit(text, False)) is not None)


# OCR's specks before a line ("_ XÃ KHÁNH VĨNH", ".. ĐẢNG BỘ TỈNH TÂY NINH", "-,„ XÃ VINH HẬU", "'Cao Thị Mỹ Hạnh");
# not a list's dash
_LEADING_MARKS = re.compile(r"^(?:-?[_~`'„.,]+\s+|['`„]+(?=[A-ZĐÀ-Ỹ]))")
_TRAILING_DOTS = re.compile(r"(?<=[^\W\d_])(?:\.{2,}|…)$")


def _without_seal_marks(text: str) -> str:
    """An organ's line in capitals without the marks OCR read at its end from a seal's strokes: marks, short words
    in small letters, a lone capital, at least one of them marks ("ĐẢNG ỦY PHƯỜNG BỈM SƠN z : R", "ĐẢNG ỦY XÃ KIM BÔI
    sóc : §"). With them the line may no longer read as capitals, and the organ it names was lost."""
    if mostly_capitals(text):  # dots OCR read after its last word from a seal's rim ("PHƯỜNG NGÃ BẢY...")
        text = _TRAILING_DOTS.sub("", text)
    words = text.split()
    end = len(words)
    while end > 2 and _seal_mark(words[end - 1]):
        end -= 1
    kept = " ".join(words[:end])
    marked = any(map(_is_mark, words[end:]))
    return kept if marked and mostly_capitals(kept) and starts_with("organ_heads", kept) else text


def _seal_mark(word: str) -> bool:
    """A mark, a short word in small letters ("sóc") or a lone capital ("R") read from a seal."""
    return _is_mark(word) or (word.isalpha() and (len(word) == 1 or (word.islower() and len(word) <= 3)))


def _is_mark(word: str) -> bool:
    """Marks alone ("§", ":") or with a digit among them ("#2"); not a number, which names a unit ("QUẬN ỦY QUẬN 1",
    "QUÂN KHU 4")."""
    return not any(c.isalnum() for c in word) or bool(_MARKED_NUMBER.fullmatch(word))


_MARKED_NUMBER = re.compile(r"[^\w\s]+\d+|\d+[^\w\s]+")  # "#2", "2§": a digit among a seal's marks


def _before_motto(text: str) -> list[str]:
    """A line in capitals that runs an organ and the motto together is cut apart, as a PDF read without its
    columns prints them: "TỈNH ỦY BẾN TRE ĐẢNG CỘNG SẢN VIỆT NAM" is the organ, then the motto;
    "ĐẢNG BỘ TỈNH BẾN TRE ĐẢNG CỘNG SẢN VIỆT NAM HUYỆN ỦY CHÂU THÀNH" the parent organ, the motto, the organ;
    "TỈNH NGHỆ AN Độc lập - Tự do - Hạnh phúc" the organ's second line, then the motto's."""
    match = _MOTTO.search(fold_char_map(text))
    if match is None:
        return _motto_around(text)
    before, motto, after = text[: match.start()].strip(), text[match.start() : match.end()], text[match.end() :].strip()
    if before and fold(before).split()[-1] == "nuoc":  # "QUỐC HỘI NƯỚC CỘNG HÒA …" is the legislature's full name
        return [text]
    others = [part for part in (before, after) if part]
    # the motto in any case: the state's second line is printed "Độc lập - Tự do - Hạnh phúc", after its first too
    apart = others and all(mostly_capitals(part) or is_motto(part) for part in others)
    return [part for part in (before, motto, after) if part] if apart else [text]


# OCR reads a row of a two-column header word by word across both columns when the organ's two lines stand
# beside the motto's one: "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA TỈNH QUẢNG BÌNH VIỆT NAM".
_MOTTO_AROUND = re.compile(r"cong\W+hoa\W+xa\W+hoi\W+chu\W+nghia\W+(?P<organ>(?:[^\W\d_]+\W+){1,6}?)viet\W+nam\b")


def _motto_around(text: str) -> list[str]:
    """The organ, then the motto, of a line in capitals whose motto holds the organ's second line."""
    match = _MOTTO_AROUND.search(fold_char_map(text))
    if match is None or not mostly_capitals(text) or not starts_with("organ_heads", text):
        return [text]
    organ = f"{text[: match.start()].strip()} {text[match.start('organ') : match.end('organ')].strip()}"
    motto = f"{text[match.start() : match.start('organ')].strip()} {text[match.end('organ') : match.end()]}"
    return [organ, motto, *filter(None, [text[match.end() :].strip()])]


def _join_capitals(match: re.Match[str]) -> str:
    joined = match.group().isupper() or len(match.group()) >= 5  # "V Ă N", "n ă m"; not "chú ý ở đây"
    return match.group().replace(" ", "") if joined else match.group()


def title_type(unit: Unit) -> str | None:
    """Type name when ``unit`` is a title line ("KẾ HOẠCH …"); the title is in capitals or bold, or its type
    word is, with the subject run on after it ("KẾ HOẠCH tuyên truyền …", as a PDF's text joins the two
    lines), or it names its own number in any case ("Án lệ số 26/2018/AL về …", as a Word file may type it).
    A locality spelled with its marks is an organ's line, whatever its letters fold to: "PHƯỜNG AN CỰU" is no
    "PHƯƠNG ÁN"."""
    if unit.blank:
        return None
    folded = fold(unit.text)
    for doc_type, printed in _printed_type_names():
        if match := re.match(rf"{re.escape(printed)}(?![\w:])", folded):
            if starts_with_spelled("localities", unit.text):
                return None
            numbered = _NUMBERED_TITLE.match(folded[match.end() :])
            capital_type = " " in unit.text[: match.end()] and unit.text[: match.end()].isupper()
            return doc_type if unit.upper or unit.bold or numbered or capital_type else None
    return None


@cache
def _printed_type_names() -> list[tuple[str, str]]:
    """``(type, folded name)`` for every name a title prints a type by, longest first: its own, and its other
    Vietnamese names that do not start with it ("BẢN TIN SINH HOẠT CHI BỘ" for "Thông tin sinh hoạt nội bộ";
    "THÔNG BÁO KẾT LUẬN" is read by "Thông báo", its subject after it).  Its English words are no title."""
    names = [(t.name, fold(t.name)) for t in doc_types()]
    names += [(t.name, fold(word)) for t in doc_types() for word in t.words
              if not word.isascii() and not fold(word).startswith(fold(t.name))]
    return sorted(names, key=lambda pair: len(pair[1]), reverse=True)


def _motto_units(units: list[Unit]) -> set[int]:
    """Indexes of the units that hold the national or Party motto: it opens its
    unit in capitals, "Độc lập - Tự do - Hạnh phúc" follows it directly.  The
    same words in a sentence ("Căn cứ Hiến pháp nước Cộng hòa …") are no motto, nor a title that opens on them
    ("ĐẢNG CỘNG SẢN VIỆT NAM: ĐOÀN KẾT, …", in a bulletin's contents); "Độc lập - Tự do - Hạnh phúc" alone on its
    line is, in any case."""
    units = units[:HEADER_SCAN]
    joined = "\n".join(u.text for u in units)
    starts = [0, *accumulate(len(u.text) + 1 for u in units)]
    found: set[int] = set()
    last_end = -10
    for match in _MOTTO.finditer(fold_char_map(joined)):
        if joined[match.end() : match.end() + 3].lstrip()[:1] == ":":
            continue
        opens_unit = match.start() in starts and Unit(joined[match.start() : match.end()], False).upper
        # "Độc lập - Tự do - Hạnh phúc" alone on its line, in any case
        whole_unit = match.group().startswith("doc") and match.start() in starts and match.end() + 1 in starts
        if opens_unit or whole_unit or match.start() - last_end <= 2:
            found.update(i for i in range(len(units)) if starts[i] < match.end() and match.start() < starts[i + 1] - 1)
            last_end = match.end()
    return found | _mass_mottos(units)


# A mass organisation prints its national name where the Party prints its motto, opposite its own level's organ:
# "HỘI NÔNG DÂN TỈNH HÀ TĨNH / BCH HỘI NÔNG DÂN XÃ HƯƠNG SƠN" and "HỘI NÔNG DÂN VIỆT NAM".
_MASS_MOTTO = re.compile(r"hoi (nong dan|cuu chien binh|lien hiep phu nu) viet nam")


def _mass_mottos(units: list[Unit]) -> set[int]:
    """Indexes of the units that are a mass organisation's national name, whole, below a unit naming that
    organisation at its own level; alone, or under "BAN CHẤP HÀNH TRUNG ƯƠNG", the name is the organ."""
    found = set()
    for i, unit in enumerate(units):
        match = _MASS_MOTTO.fullmatch(fold(unit.text).strip(" ."))
        if match and unit.upper and any(f"hoi {match.group(1)} " in fold(above.text) for above in units[:i]):
            found.add(i)
    return found


@dataclass
class Header:
    organs: list[str] = field(default_factory=list)
    zone: list[Unit] = field(default_factory=list)  # organ lines to the end of the title block
    title_type: str | None = None
    title_lines: list[Unit] = field(default_factory=list)
    end: int = 0  # index of the first unit after the header


def _written_above(units: list[Unit], top: int, count: int) -> range:
    """The indexes above ``top``, upwards, as far as its ``count``-th unit with text: a PDF puts a blank line between
    its lines, and a wrapped organ and subject over a column of blanks leave the organ's first line far above."""
    i, seen = top, 0
    while i > 0 and seen < count:
        i -= 1
        seen += not units[i].blank
    return range(top - 1, i - 1, -1)


# How urgent or secret a letter is, printed on a line of its own by the organ or the subject (Decree 30/2020: "KHẨN",
# "THƯỢNG KHẨN", "HỎA TỐC", "MẬT"): no word of the organ's name.
_URGENCY = re.compile(r"^(?:THƯỢNG KHẨN|KHẨN|HỎA TỐC|HOẢ TỐC|TỐI MẬT|TUYỆT MẬT|MẬT)(?:\s*[-–]\s*HẸN GIỜ)?\.?$")


def _organ_run(units: list[Unit], indexes: range, motto: set[int], past_date: bool = False) -> list[int]:
    """Consecutive capitalised organ lines along ``indexes``; separators, the ``Số …`` line, which a Party
    header prints under the organ, a letter's ``V/v …`` subject under it (wrapped lines included) and its mark of
    urgency are stepped over, and with ``past_date`` the place and date line: a two-column header read column by column
    puts them between the organ and the motto."""
    run = []
    subject = _subject_units(units, indexes)
    for i in (i for i in indexes if i not in motto and not units[i].blank):
        dated = past_date and PLACE_DATE.match(units[i].text)
        cut_number = _cut_organ_number(units, i)
        if (NUMBER_LINE.match(units[i].text) and not cut_number) or dated or i in subject \
                or _URGENCY.match(units[i].text):
            continue
        if not (units[i].upper or cut_number) or title_type(units[i]):
            break
        run.append(i)
    return run


# The number an organ's name ends with, on a line of its own: "SỐ 2", "3".
_ORGAN_NUMBER = re.compile(r"(?:SỐ )?\d{1,3}")


def _cut_organ_number(units: list[Unit], i: int) -> bool:
    """The number the organ's name wrapped onto, no document's number: "ĐỘI QUẢN LÝ THỊ TRƯỜNG SỐ" / "3",
    "ĐỘI QUẢN LÝ THỊ TRƯỜNG" / "SỐ 2" (in capitals, no colon, no symbol)."""
    above = next((units[k] for k in range(i - 1, -1, -1) if not units[k].blank), None)
    text = units[i].text.strip()
    if above is None or not above.upper:
        return False
    return bool(_ORGAN_NUMBER.fullmatch(text)) and (text.startswith("SỐ") or fold(above.text).endswith(" so"))


def _subject_units(units: list[Unit], indexes: range) -> set[int]:
    """The units along ``indexes`` that hold a ``V/v …`` line and the lines it wraps onto."""
    return {k for i in indexes if SUBJECT_LINE.match(units[i].text) for k in (i, *subject_wraps(units, i))}


def subject_wraps(units: list[Unit], i: int) -> list[int]:
    """The lines the ``V/v …`` line at ``i`` wraps onto, up to the capitals, the number or the place and date.  A PDF
    puts a blank line between its lines ("V/v điều chỉnh kế hoạch … năm" / "" / "2025"), where a page's table puts
    one between its cells ("V/v ghi nhãn hàng hóa" / "" / "Hà" / "Nội, ngày …"): past a blank, only a line that goes
    on in small letters or digits is the subject's, or any line after one that ends on a comma ("V/v … Quốc lộ 21," /
    "" / "Quốc lộ 10 đoạn qua tỉnh Ninh Bình")."""
    wraps = []
    written = [k for k in range(i + 1, len(units)) if not units[k].blank]
    for n, k in enumerate(written[:MAX_SMALL_SUBJECT_LINES]):
        text = units[k].text
        past_blank = units[k - 1].blank
        after_comma = units[written[n - 1] if n else i].text.rstrip().endswith(",")
        if units[k].upper or NUMBER_LINE.match(text) or PLACE_DATE.match(text) or _BODY_WORDS.match(text) \
                or (past_blank and not (text[:1].islower() or text[:1].isdigit() or after_comma
                                        or _abbreviation_first(text) or _last_word(units, written, n))):
            break
        wraps.append(k)
    return wraps


def _abbreviation_first(text: str) -> bool:
    """A subject wrapped at an abbreviation, in small letters after it ("V/v … vận động tham gia" / "" / "BHXH tự
    nguyện"): the line is no organ's, whose capitals run to its end."""
    first, _, rest = text.partition(" ")
    return 2 <= len(first) <= 6 and first.isalpha() and first.isupper() and rest[:1].islower()


def _last_word(units: list[Unit], written: list[int], n: int) -> bool:
    """A name cut off the subject's end ("… bệnh Dịch tả lợn châu" / "" / "Phi"): one or two words of letters, the
    column's capitals (the motto, the organ) next; a place cut before its date goes on in small letters ("Hà" /
    "Nội, ngày …")."""
    words = units[written[n]].text.split()
    following = units[written[n + 1]] if n + 1 < len(written) else None
    return len(words) <= 2 and all(word.isalpha() for word in words) and (following is None or following.upper)


def read_header(units: list[Unit]) -> Header:
    """Organ lines (beside the motto, or first in the text), then the title."""
    motto = _motto_units(units)
    first = next((i for i, u in enumerate(units) if not u.blank), len(units))
    if motto:
        top = min(motto)
        organ_idx = sorted(_organ_run(units, _written_above(units, top, 11), motto))
        # no organ above the motto: the right column (motto, place and date) was read first, the organ follows
        after = _organ_run(units, range(top, min(top + 8, len(units))), motto, past_date=not organ_idx)
        # the organ's second line between the motto's two lines, as OCR reads the rows of a two-column
        # header ("ỦY BAN NHÂN DÂN CỘNG HÒA …" / "TỈNH NGHỆ AN Độc lập - Tự do - Hạnh phúc")
        written = [i for i in range(max(top - 12, 0), min(top + 12, len(units))) if not units[i].blank]
        between = {i for above, i, below in zip(written, written[1:], written[2:])
                   if above in motto and below in motto} if organ_idx else set()
        # of the run after the motto, the organ's lines: its first opens with an organ's head, the next may go on
        # with its place ("ỦY BAN NHÂN DÂN" / "XÃ QUẢNG NINH", the right column read first)
        opened = list(dropwhile(lambda i: not starts_with("organ_heads", units[i].text), after))
        organ_idx += [i for i in after if i in between or i in opened]
        start = min([top, *organ_idx])
    elif first < len(units) and units[first].upper and starts_with("organ_heads", units[first].text):
        organ_idx, start = _organ_run(units, range(first, min(first + 8, len(units))), motto), first
    elif first < len(units) and (title_type(units[first]) or _title_near(units, first)):
        organ_idx, start = [], first
    else:
        return Header()
    header = Header(organs=_organs([units[i].text for i in organ_idx]))
    header.end = _read_title(units, max([start - 1, *organ_idx, *(m for m in motto if m < start + 20)]) + 1, header)
    header.zone = [u for i, u in enumerate(units[start : header.end], start) if i not in motto]
    return header


def _title_near(units: list[Unit], first: int) -> bool:
    """Whether a title in capitals stands among the first ``NEAR_TITLE`` lines with text, before the body: a scan
    whose motto and organ a seal or a stain garbled past reading ("\" . “=ằ....", "XÃ THỚI BÌNH Sât De 5 cà …") still
    has its header, its number and date among those lines ("THÔNG BÁO")."""
    for i in _lines_from(units, first, NEAR_TITLE):
        if BODY_OPENER.match(units[i].text):
            return False
        if units[i].upper and title_type(units[i]):
            return True
    return False


def _read_title(units: list[Unit], start: int, header: Header) -> int:
    """Find the title after the organ/motto lines; returns where the header ends.
    After a ``V/v`` line only a title in capitals counts ("V/v Chỉ thị của …" is a subject), and the lines it wraps
    onto open no body."""
    letter, wrapped = False, set()
    for i in _lines_from(units, start, TITLE_SCAN):
        unit = units[i]
        if SUBJECT_LINE.match(unit.text):
            letter, wrapped = True, set(subject_wraps(units, i))
        # a subject wrapped onto a line that opens like a list's item ("V/v … vụ Đông Xuân" / "2025 - 2026 …")
        if not unit.blank and BODY_OPENER.match(unit.text) and i not in wrapped:
            return i
        numbered = _NUMBERED_TITLE.match(fold(unit.text)[len(title_type(unit) or "") :])
        if (kind := title_type(unit)) and (numbered or not NUMBER_LINE.match(unit.text)) and (unit.upper or not letter):
            header.title_type, header.title_lines = kind, [unit]
            return _title_continuation(units, i + 1, header.title_lines)
    return min(start + TITLE_SCAN, len(units))


def _lines_from(units: list[Unit], start: int, count: int) -> list[int]:
    """Indexes of the units from ``start`` up to its ``count``-th unit with text: a page's header table
    leaves empty cells between its lines (seven or eight between the place and the title), which are
    no lines of the header and must not push the title out of reach."""
    indexes: list[int] = []
    written = 0
    for i in range(start, len(units)):
        indexes.append(i)
        written += bool(units[i].text)
        if written == count:
            break
    return indexes


# A title line that ends on a word that cannot end it: the next line goes on with the title even when it
# names an organ ("… LỊCH PHỔ BIẾN THÔNG TIN THỐNG KÊ NĂM 2026 CỦA" / "BỘ NỘI VỤ" / "BỘ TRƯỞNG BỘ NỘI VỤ").
_DANGLING = re.compile(r"\b(?:cua|ve|va|cho|doi voi|tai|voi|trong|theo|tren|den|giua|thuoc)\W*$")


# Right under a bare type line, a short line that says what the plan carries out is its subject, not the body's
# opening ("KẾ HOẠCH" / "Thực hiện Chương trình hành động số 45-CTr/TU của Tỉnh ủy"); the body's opening sentence
# is long and ends on what it announces ("…, Ủy ban nhân dân tỉnh ban hành Kế hoạch thực hiện như sau:").
_CARRIES_OUT = re.compile(r"^Thực hiện\b(?!.*\bnhư sau\b).{0,150}[^:.;,]$")


def _title_continuation(units: list[Unit], start: int, lines: list[Unit]) -> int:
    """Subject lines under the type line: capitals, bold or in parentheses, up to the body.
    The line right under a bare type line is the subject, whatever organ it names
    ("LUẬT" / "THUẾ TIÊU THỤ ĐẶC BIỆT")."""
    stop = min(start + 12, len(units))
    for i in range(start, stop):
        unit = units[i]
        if unit.blank:
            if unit.text and set(unit.text) <= set("-_=*"):
                return i + 1  # a drawn rule closes the title block
            continue
        bracketed = unit.text.startswith("(") and unit.text.endswith(")")
        subject_seen = len(lines) > 1 or fold(lines[0].text) != fold(title_type(lines[0]) or "")
        dangling = bool(_DANGLING.search(fold(lines[-1].text)))  # "… NĂM 2026 CỦA" / "BỘ NỘI VỤ" goes on
        enacting = subject_seen and not dangling and _enacting_authority(units, i)
        named_plan = not subject_seen and _CARRIES_OUT.match(unit.text)
        if (BODY_OPENER.match(unit.text) and not named_plan) or _TELEGRAM_SENDER.search(unit.text) or enacting \
                or len(unit.text) > 300 or BULLETIN_MARKS.match(unit.text):
            return i
        # a subject typed in small letters under the type line: "QUY ĐỊNH" / "về tổ chức và hoạt động …",
        # or in sentence case right under a bare type line ("KẾ HOẠCH" / "Triển khai thực hiện …")
        wrapped = (unit.text[:1].islower() or unit.text.startswith("Về ")) and len(lines) <= MAX_SMALL_SUBJECT_LINES
        wrapped = wrapped or (not subject_seen and len(unit.text) <= MAX_SUBJECT_CHARS and unit.text[-1:] not in ":.;")
        # a subject in sentence case broken where the author broke it: "KẾ HOẠCH thực hiện Nghị quyết … của Ban Chấp
        # hành" / "Đảng bộ tỉnh về xử lý ô nhiễm …", the line before left open
        wrapped = wrapped or (subject_seen and len(lines) <= MAX_SMALL_SUBJECT_LINES and _open_sentence(lines[-1])
                              and _open_sentence(unit) and len(unit.text) <= MAX_SUBJECT_CHARS)
        if not (unit.upper or unit.bold or bracketed or wrapped):
            return i
        lines.append(unit)
    return stop


def _open_sentence(unit: Unit) -> bool:
    """A line in small letters that no punctuation closes: a title's subject may go on after it."""
    return not unit.upper and unit.text[-1:] not in ":.;!?)"


def _enacting_authority(units: list[Unit], i: int) -> bool:
    """"CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" between the title and "Căn cứ …" enacts;
    it is not a line of the subject (which may well name "BAN BÍ THƯ")."""
    unit = units[i]
    if not unit.upper or re.match(r"SỐ\s*:?\s*\d", unit.text):  # "SỐ 30/2009/QH12 …" folds like "Sở"
        return False
    if not (starts_with_spelled("organ_heads", unit.text) or starts_with_spelled("positions", unit.text)):
        return False
    following = [u for u in units[i + 1 : i + 6] if not u.blank]
    wrapped = list(takewhile(lambda u: u.upper and not BODY_OPENER.match(u.text), following[:3]))
    rest = following[len(wrapped) :]  # "CHỦ TỊCH ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG NINH" / "Căn cứ …"
    return not rest or bool(BODY_OPENER.match(rest[0].text.lstrip("-–+• ")))  # "- Căn cứ Điều lệ Đảng …" too


# What OCR makes of the star printed under a Party organ ("*" read as "K", "x", "-_", ":"): a line of lone
# letters and marks, or a small letter or marks at the end of the organ's line ("BAN TUYÊN GIÁO k").
_MISREAD_STAR = re.compile(r"\s*(?:[^\W\d_]|[\W_]+)(?:\s+(?:[^\W\d_]|[\W_]+))*\s*")
# A dash where a page joined a name's wrapped lines: what follows it continues the name ("… - VÀ PHÁT TRIỂN …",
# "ỦY BAN NHÂN DÂN - TỈNH VĨNH LONG"; "… - TỈNH ỦY" is an organ of its own).
_WRAP_DASH = re.compile(r"\s+[-–]\s+(?=(?:VÀ|CỦA|TỈNH|THÀNH PHỐ|HUYỆN|QUẬN|THỊ XÃ|XÃ|PHƯỜNG)\s(?!ỦY\b))")
_STAR_READ = re.compile(r"(?:\s+(?:[^\W\d_A-ZÀ-Ỹ]|[\W_]+))+\s*$")


def _organs(lines: list[str]) -> list[str]:
    """Join wrapped organ lines; a line opening with an organ word starts a new
    organ, unless the line before is a lone word cut from it ("ỦY" / "BAN NHÂN DÂN")
    or names no one yet ("VĂN PHÒNG" / "CHÍNH PHỦ").  A web page may print the lines
    on one, a dash between them: "UBND TỈNH ĐẮK LẮK - SỞ NÔNG NGHIỆP - VÀ PHÁT TRIỂN
    NÔNG THÔN" is the committee, then the department, its name wrapped before "VÀ"."""
    organs: list[str] = []
    printed_lines = (_WRAP_DASH.sub(" ", _STAR_READ.sub("", line)) for line in lines if not _MISREAD_STAR.fullmatch(line))
    for line in (part for printed in printed_lines if printed for part in _organ_parts(printed)):
        bare = organs and (" " not in organs[-1] or fold(organs[-1]) in _bare_heads())
        # "BAN TUYÊN GIÁO VÀ DÂN VẬN" / "THÀNH ỦY": the committee a board serves, its name wrapped before it
        serves = organs and board_of_committee(f"{organs[-1]} {line}") and not board_of_committee(organs[-1])
        # "ĐỘI QUẢN LÝ THỊ TRƯỜNG" / "SỐ 2": its number, no "Sở"
        numbered = _ORGAN_NUMBER.fullmatch(line)
        if organs and (not starts_with("organ_heads", line) or bare or serves or numbered
                       or _cut_word(organs[-1], line)):
            organs[-1] = f"{organs[-1]} {line}"
        else:
            organs.append(line)
    # "UBND TỈNH BẮC NINH - BAN …": the dash between two
    return [proper_case(o.strip(" ,-–")) for o in organs if not _head_and_specks(o)]


def _head_and_specks(organ: str) -> bool:
    """An organ's head with nothing after it but digits and marks, as OCR reads a name a seal covers ("ĐẢNG BỘ 1"):
    it names no body ("QUẬN ỦY QUẬN 1" has its name before the number)."""
    words = fold(organ).split()
    named = list(dropwhile(lambda word: not any(c.isalpha() for c in word), reversed(words)))[::-1]
    return len(named) < len(words) and " ".join(named) in _bare_heads()


def _cut_word(before: str, line: str) -> bool:
    """A line that opens with the second syllable of a word the line before cut, an organ's word on its own:
    "SỞ NÔNG NGHIỆP VÀ MÔI" / "TRƯỜNG" (a school, said alone), "TRUNG TÂM DỊCH" / "VỤ"."""
    return fold(f"{before.split()[-1]} {line.split()[0]}") in _cut_words()


@cache
def _cut_words() -> frozenset[str]:
    """The data file's words whose second syllable is an organ's word ("môi trường", "dịch vụ")."""
    return frozenset(fold(word) for word in word_list("words_ending_in_an_organ_head"))


def _organ_parts(line: str) -> list[str]:
    """A line that holds two organs, as a flattened table cell prints them ("BAN CHẤP HÀNH TRUNG
    ƯƠNG BAN TỔ CHỨC"), cut before the second.  A head inside a name starts no organ: both parts
    have two words at least ("BỘ NỘI VỤ"), the word before is no head ("ỦY BAN"), the head does
    not end a known issuer's name, the committee a board serves ends the board's name ("BAN
    DÂN VẬN TỈNH ỦY" is one body, not a board under a committee), and the head is no word's
    second syllable ("BẢO HIỂM XÃ HỘI CƠ SỞ CHÂU ĐỨC": "xã hội", "cơ sở")."""
    words = line.split()
    parts, start = [], 0
    for k in range(2, len(words) - 1):
        rest = " ".join(words[k:])
        opens = words[k].isupper() and starts_with("organ_heads", rest)
        # "ĐẢNG ỦY XÃ TRƯỜNG NINH": after a locality's word, a head is its name's first syllable
        localities = lowered_list("localities")
        after_locality = words[k - 1].lower() in localities or " ".join(words[k - 2 : k]).lower() in localities
        inside = (after_locality or starts_with("organ_heads", f"{words[k - 1]} {rest}")
                  or fold(" ".join(words[start : k + 1])) in _whole_names()
                  or board_of_committee(" ".join(words[start:])) or _cut_word(words[k - 1], words[k]))
        if opens and k - start >= 2 and not inside:
            parts.append(" ".join(words[start:k]))
            start = k
    return [*parts, " ".join(words[start:])]


@cache
def _whole_names() -> frozenset[str]:
    """Names a head inside them does not cut: known issuers ("Bộ Nội vụ"), and the bodies named under their
    parent ("Ban Thường vụ" of "BAN THƯỜNG VỤ TỈNH ỦY" is no "Ban Thường" and a "Vụ")."""
    return frozenset(fold(name) for name in (*(i.name for i in issuers()), *word_list("bodies_needing_parent")))


@cache
def _bare_heads() -> frozenset[str]:
    """Organ words that name no body on their own: "Văn phòng", "Ủy ban", "Ban"."""
    return frozenset(fold(w) for w in word_list("organ_heads"))
