"""What a document says about itself: type, number, issuer, date, signer.

A Vietnamese document states its identity in two fixed places: the header
(issuing organ, national or Party motto, ``Số: …``, place and date, the title
in capitals) and the closing block (``Nơi nhận:``, ``T/M …``/``KT. …``, the
position line, the signer's name).  Everything between is body, and a date
or number found there belongs to a *cited* document, so it is never read as
this document's own.

The header is read by ``indexer.header``; this module reads the number,
date, subject and type from it, the signer from the closing block, and
composes them.  What neither says may be stated elsewhere in the text
(``_Clues``) or, for a page saved from the legal site, by the site's own
metadata table (a ``Catalogue``, handed on by the web reader): that is read
last, and only fills what the document's own text left empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby, takewhile

from indexer.analyzer import fold
from indexer.codes import type_by_code, type_by_name, type_by_symbol, word_list
from indexer.header import (
    BODY_OPENER,
    DAY_OPENING,
    DAY_WORD,
    NEAR_TITLE,
    NUMBER_LINE,
    PLACE_DATE,
    SUBJECT_LINE,
    Header,
    Unit,
    read_header,
    subject_wraps,
    title_type,
    units_of,
)
from indexer.lines import RECIPIENTS
from indexer.model import Catalogue, DocumentMeta
from indexer.names import (
    AUTHORITY,
    SIGNED_MARK,
    committee_under,
    complete_body,
    header_issuer,
    mostly_capitals,
    person_name,
    proper_case,
    starts_with,
    surnames,
)
from indexer.references import (
    canonical_symbol,
    citation_forms,
    extract_references,
    mask_citations,
)

__all__ = ["extract_metadata", "document_card", "parse_date"]

# A position line is short; longer units are not worth testing.
MAX_POSITION_CHARS = 120
MAX_ORGAN_WORDS = 10  # an organ's name, as a letter's closing sentence names it
OPENING_UNITS = 6  # "Kính gửi" opens a letter within its first units
SHORT_NUMBER_LINE = 40  # a number line of a document without a header, not a sentence citing another's

# A full date; spacing is loose: pages print "tháng11", "tháng 1 1" and split "ng ày" across markup.  A scan's
# OCR misreads marks ("thảng", "nãm", "nàm") and digits ("l7", "2O20"); a text may have lost its accents.
_DIGIT = r"[\dOoIl]"
_TWO_DIGITS = rf"\d(?:\s?\d)?|{_DIGIT}\s?{_DIGIT}"
_YEAR = rf"[12]{_DIGIT}{{3}}"
_MONTH_WORD = r"th\s?[aàáảãạ]ng"
_YEAR_WORD = r"n\s?[aăắằẳẵặâấầẩẫậàáảãạ][mn]"
_FULL_DATE = re.compile(
    rf"{DAY_WORD}\s*(?P<d1>{_TWO_DIGITS})\s*{_MONTH_WORD}\s*(?P<m1>{_TWO_DIGITS})\s*{_YEAR_WORD}\s*(?P<y1>{_YEAR})"
    rf"|{DAY_WORD}\s*(?P<d2>{_TWO_DIGITS})\s*[/.-]\s*(?P<m2>{_TWO_DIGITS})\s*[/.-]\s*(?P<y2>{_YEAR})",
    re.IGNORECASE,
)
# Month only, as a bulletin dates itself: "tháng 12/2020", "tháng 12 năm 2020".
_MONTH_DATE = re.compile(rf"{_MONTH_WORD}\s*(?P<m>{_TWO_DIGITS})\s*(?:/|-|{_YEAR_WORD})\s*(?P<y>{_YEAR})", re.IGNORECASE)
_OCR_DIGITS = str.maketrans("OoIl", "0011", " ")
# A bulletin's issue line, first under its title: "Số 8 - tháng 8 năm 2025", "Số 12 (tháng 12/2020)".
_ISSUE = re.compile(r"^Số\s*\d+\s*[-–(,]\s*tháng\b", re.IGNORECASE)
# A place name wrapped over two lines has at most this many words on the first ("Thành phố Hồ Chí").
_PLACE_WORDS = 4
# A line of a list: what the recipients' lines open with.
_LIST_MARK = re.compile(r"[-+•]")
# A letter opens on its addressee.
_ADDRESSED = re.compile(r"^Kính\s+gửi\b", re.IGNORECASE)
# A recipient list opens the closing block.
_RECIPIENTS = re.compile(rf"^{RECIPIENTS}\b", re.IGNORECASE)
# "Số:" inside a header line, or its last letter where the "S" was lost ("… K/sk: 21A) ố: 172/TB-UBND"), or "Số" read
# "S6" by OCR, its colon lost too ("… năm 2025 ` 4 S6 166-KH/ĐU"); of a known kind only (``canonical_symbol``).
_NUMBER_INSIDE = re.compile(
    r"(?<!\w)(?:(?:S[ốôóổo]|ố)\s*:|Số\s|S6\s*:?)\s*(?P<rest>\d{1,6}\s?[/:-]\s?[A-ZĐ†€][\w†€/.-]*)")
# A title in capitals that carries the number: "ÁN LỆ SỐ 67/2023/AL", "SỐ 101-SL/L.003 NGÀY 20-5-1957 …".
_TITLE_NUMBER = re.compile(r"^(?:[^\W\d_]+\s+){0,2}(?:SỐ|[Ss]ố)\s*:?\s*(?P<rest>\d.*)$")
# What an old title says besides its subject: "CỦA QUỐC HỘI KHOÁ XII, KỲ HỌP THỨ 5", "SỐ 30/2009/QH12 NGÀY 17
# THÁNG 6 NĂM 2009", "số 26/2018/AL" (whose "VỀ …" tail is the subject), and a footnote mark ("AL¹").
# The date is the one right after the number: a title that names another document by its number and date
# ("SỬA ĐỔI … NGHỊ QUYẾT SỐ 10/2022/NQ-HĐND NGÀY 14 THÁNG 7 NĂM 2022 CỦA …") keeps it, and its tail.
_TITLE_CLAUSE = re.compile(
    r"(?:^|\s)(?:của\s+(?:quốc hội|ủy ban thường vụ quốc hội|chính phủ)\b.*?|số\s*:?\s*\d\S*(?:\s+ngày\s.{0,25}?\d{4})?)"
    r"(?=\s+về\s|$)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+",
    re.IGNORECASE,
)
# A number the reference patterns cannot read (old types): "21-LCT/HĐNN8", "101-SL/L.003"; no word's first letters
# ("Số 9 - tháng 9/2025" is no "9-th"), a footnote's mark after it may stand ("43/2021/AL¹").
_PRINTED_SYMBOL = re.compile(r"\d+[0-9A-Za-zĐđ.]*(?:\s?[-/]\s?[0-9A-Za-zĐđ][0-9A-Za-zĐđ.]*(?![a-zà-ỹA-ZÀ-Ỹ]))+")
# A speck OCR reads beside a symbol's dash or stroke ("04/NQ-.UBBC").
_SPECKS_BY_STROKES = re.compile(r"(?<=[-/])[.,·'`_]+|[.,·'`_]+(?=[-/])")
# A symbol's dash and letters as OCR misreads them: a colon for the dash ("167:TB/ĐU"), a dagger for a T ("223-†B/ĐU"),
# a euro sign for a C ("194/€V-CAX").
_MISREAD_IN_SYMBOL = re.compile(r"(?<=\d):(?=[A-ZĐ†€])|†|(?<=[/-])€")  # a euro sign after a digit is a digit
_MISREAD_AS = {":": "-", "†": "T", "€": "C"}
# A symbol's kind as OCR misreads it under a seal ("04/NO-UBBC" of a Nghị quyết, "555-TP/ĐU" of a Thông báo): letters it
# confuses.
_OCR_LETTERS = str.maketrans("O0P", "QQB")
_KIND_IN_SYMBOL = re.compile(r"^(?P<head>\d+(?:/\d{4})?[/-])(?P<kind>[A-ZĐ0-9]+)(?=[-/])")
# Types whose names follow the type word directly: "Luật Điện lực", never "Luật về điện lực".
_NAMED_WITHOUT_ABOUT = ("Luật", "Bộ luật", "Pháp lệnh")
# A symbol inside a title: "1237/QĐ-TTG", "24-CT/TW".
_SYMBOL_IN_TEXT = re.compile(r"\d+[\w.]*(?:[-/][\wĐđ.]+)+")
# An annex names the document it belongs to: "(Kèm theo Công văn số 17809/BTC-CTK ngày 17 tháng 11
# năm 2025 của Bộ Tài chính)".  A page without a header still says its number and date there.
_ANNEX_CAPTION = re.compile(
    r"\(\s*(?:ban hành\s+)?kèm\s+theo\s+(?P<type>[^\W\d_][^()\d]{0,30}?)\s+số\s*:?\s*(?P<number>\S+)"
    r"\s+(?P<date>ngày[^()]{0,30}?\d{4})(?:\s+(?:của|do)\s+(?P<issuer>[^()]{3,80}?))?\s*\)",
    re.IGNORECASE,
)
# The closing sentence of a letter names who speaks: "Cục Thuế trả lời để Công ty biết./.",
# "Bộ Văn hóa, Thể thao và Du lịch yêu cầu các đơn vị …".
_SPEAKER = re.compile(
    r"(?:^|(?<=[.;:]\s)|(?<=\n))(?P<organ>[^\W\d_][^.;:()\d]{2,70}?)\s+"
    r"(?:trả lời|thông báo|yêu cầu|đề nghị|có ý kiến|hướng dẫn|trân trọng)\b"
)
# The formula of adoption: a law's closing "Luật này đã được Quốc hội … khóa XII, kỳ họp thứ 3 thông qua ngày
# 03 tháng 6 năm 2008.", a precedent's "Được Hội đồng Thẩm phán Tòa án nhân dân tối cao thông qua ngày …".
_PASSED = re.compile(
    r"^(?:(?:Hiến pháp|Bộ luật|Luật|Pháp lệnh|Nghị quyết) này (?:đã )?được|Được) (?P<organ>Quốc hội"
    r"|Ủy ban Thường vụ Quốc hội|Hội đồng Thẩm phán Tòa án nhân dân tối cao)\b.{0,160}?thông qua (?:vào )?"
    r"(?P<date>ngày.{0,30}?\d{4})",
    re.IGNORECASE,
)


def parse_date(text: str) -> str | None:
    """First date in ``text`` as ISO 8601: ``ngày 17 tháng 3 năm 2020`` and
    ``ngày 17/03/2020`` give ``2020-03-17``, ``tháng 12/2020`` gives ``2020-12``."""
    full = _FULL_DATE.search(text)
    month = _MONTH_DATE.search(text)
    if full and (not month or full.start() <= month.start()):
        n = "1" if full.group("d1") else "2"
        day, mon, year = (int(full.group(part + n).translate(_OCR_DIGITS)) for part in "dmy")
        return f"{year:04d}-{mon:02d}-{day:02d}" if 1 <= mon <= 12 and 1 <= day <= 31 else None
    if month and 1 <= (mon := int(month.group("m").translate(_OCR_DIGITS))) <= 12:
        return f"{int(month.group('y').translate(_OCR_DIGITS)):04d}-{mon:02d}"
    return None


def _own_date(zone: list[Unit], title_lines: list[Unit]) -> tuple[str | None, str | None]:
    """(place, date) from the header: a place/date line, else a date standing
    alone on its line, else a month in the title (``tháng 12/2020``).  A date
    inside a citation ("Quyết định số 1237/QĐ-TTg ngày 27/7/2013") is never taken."""
    text = "\n".join(u.text for u in zone if u not in title_lines)
    for match in PLACE_DATE.finditer(text):
        date = parse_date(text[match.end() : match.end() + 40])
        if date:
            place = match.group("place").strip()
            if " " not in place:  # one word: its first ones may stand on the line above ("Hà" / "Nội, ngày …")
                place = " ".join(filter(None, (_wrapped_place(text[: match.start()]), place)))
            return place, date
    for unit in (u for u in zone if u not in title_lines and DAY_OPENING.match(u.text)):
        if date := parse_date(unit.text):
            return None, date
    return None, parse_date(mask_citations(" ".join(u.text for u in title_lines)))


def _wrapped_place(before: str) -> str | None:
    """The first words of a place the page wrapped before its last word ("Hà" / "Nội, ngày …",
    "Thành phố Hồ Chí" / "Minh, ngày …"): the last line with text above the place line, when it
    holds only a few words of letters, the first and last capitalised, not in capitals (the organ above is)."""
    lines = [line.strip() for line in before.splitlines() if line.strip()]
    if not lines:
        return None
    words = lines[-1].split()
    if len(words) > _PLACE_WORDS or mostly_capitals(lines[-1]) or not all(w.isalpha() for w in words):
        return None
    return lines[-1] if words[0][:1].isupper() and words[-1][:1].isupper() else None


def _own_number(zone: list[Unit], title_lines: list[Unit]) -> str | None:
    """The symbol after ``Số``; a page may print it on the next line ("Số:" / "38/2025/QĐ-UBND"),
    an old document in its title ("ÁN LỆ SỐ 67/2023/AL", "LUẬT / SỐ 101-SL/L.003 NGÀY …").
    A symbol of no known type is kept as printed; OCR's specks beside its dashes and strokes are not
    part of it ("04/NQ-.UBBC", a seal's edge).  A scan's line that a seal garbled before the number holds
    it inside ("XÃ THỚI BÌNH Sât De 5 cà K/sk: 21A) ố: 172/TB-UBND"): after "Số:" or its last letter, a
    symbol of a known kind only."""
    for i, unit in enumerate(zone):
        if match := NUMBER_LINE.match(unit.text):
            following = zone[i + 1].text if i + 1 < len(zone) else ""
            if symbol := _symbol(_as_printed(f"{match.group('rest')} {following}")):
                return symbol
    titled = (m for u in title_lines if (m := _TITLE_NUMBER.match(u.text)))
    inside = (symbol for u in zone for m in _NUMBER_INSIDE.finditer(u.text)
              if (symbol := canonical_symbol(_as_printed(m["rest"]))))
    return next((_symbol(m.group("rest")) for m in titled), None) or next(inside, None)


def _as_printed(symbol: str) -> str:
    """A symbol as OCR read it, without the specks beside its strokes and with the dash and letters it misreads."""
    return _MISREAD_IN_SYMBOL.sub(lambda m: _MISREAD_AS[m.group()], _SPECKS_BY_STROKES.sub("", symbol))


def _kind_as_titled(number: str | None, doc_type: str | None) -> str | None:
    """``number`` with the code of the title's kind where OCR misread it (``_misread_code``): "04/NO-UBBC" under
    "NGHỊ QUYẾT" is 04/NQ-UBBC ("NO" is no kind, and reads "NQ" with O taken for Q).  Any other number is kept as
    read."""
    match = _KIND_IN_SYMBOL.match(number or "")
    kind = type_by_name(doc_type) if doc_type and match else None
    if match is None or kind is None or not kind.code or type_by_symbol(match["kind"]) is not None \
            or not _misread_code(match["kind"], kind.code):
        return number
    return _symbol(f"{match['head']}{kind.code}{match.string[match.end():]}")


def _misread_code(read: str, code: str) -> bool:
    """Whether OCR's reading of a kind's code is ``code`` misread: as long, each letter the code's (O taken for Q, P
    for B), any digit one of its letters, but not all ("824-7B/ĐU" and "750-1B/ĐU" under "THÔNG BÁO KẾT LUẬN", a seal
    over the T).  A kind's code holds no digit."""
    read = read.translate(_OCR_LETTERS)
    return len(read) == len(code) and not read.isdigit() \
        and all(letter == wanted or letter.isdigit() for letter, wanted in zip(read, code))


def _symbol(printed: str) -> str | None:
    """The canonical symbol in ``printed``, else the first number-like token as printed."""
    if symbol := canonical_symbol(printed):
        return symbol
    match = _PRINTED_SYMBOL.search(printed)
    return re.sub(r"\s", "", match.group()) if match else None


def _subject(zone: list[Unit], title_lines: list[Unit]) -> str | None:
    """The trích yếu: a ``V/v`` line (with its wrapped lines) or the title's second
    line on, as printed: a bulletin's "(Phục vụ …)" keeps its brackets."""
    for i, unit in enumerate(zone):
        if match := SUBJECT_LINE.match(unit.text):
            parts = [match.group("subject"), *(zone[k].text for k in subject_wraps(zone, i))]
            return " ".join(parts).strip() or None
    if not title_lines:
        return None
    type_name = title_type(title_lines[0]) or ""
    rest = [title_lines[0].text[len(type_name) :].strip(" :."), *(u.text for u in title_lines[1:])]  # "NGHỊ QUYẾT."
    # lines in capitals are cased together (a name may wrap), a line in small letters is kept as printed;
    # a line whose capitals run on into small letters (a PDF's text joins them) is cut between the two
    runs = groupby((piece for part in rest if part for piece in _capitals_first(part)), key=mostly_capitals)
    subject = " ".join(proper_case(" ".join(run), is_name=False) for _, run in runs)
    subject = re.sub(r"\s+", " ", _TITLE_CLAUSE.sub("", subject)).strip()
    if type_name in _NAMED_WITHOUT_ABOUT:  # "LUẬT … SỐ 28/2004/QH11 VỀ ĐIỆN LỰC" is the Luật Điện lực
        subject = re.sub(r"^[Vv]ề\s+", "", subject)
    first = subject.split(" ", 1)[0]
    # "Kế hoạch" / "Triển khai …": the subject goes on the type word
    if first[:1].isalpha() and first.istitle() and not starts_with("proper_phrases", subject):
        subject = first.lower() + subject[len(first) :]
    return subject or None


def _capitals_first(line: str) -> list[str]:
    """``line`` cut after the words in capitals that open it, when small letters follow them:
    "KẾT LUẬN CỦA BAN THƯỜNG VỤ HUYỆN ỦY về công tác …" → the conclusion's name, then its subject."""
    words = line.split()
    head = list(takewhile(lambda word: word.isupper(), words))
    if len(head) < 2 or len(head) == len(words):
        return [line]
    return [" ".join(head), " ".join(words[len(head) :])]


def _title(header: Header, printed_subject: str | None) -> str | None:
    """Type and subject ("Quy định về …"); a letter's title is its ``V/v`` subject.
    Numbers in it are written as cited ("1237/QĐ-TTG" → "1237/QĐ-TTg")."""
    if header.title_type:
        title = " ".join(p for p in (header.title_type, printed_subject) if p)
    elif printed_subject and any(SUBJECT_LINE.match(u.text) for u in header.zone):
        title = f"V/v {printed_subject}"  # the trích yếu as printed
    else:
        return None
    return title and _SYMBOL_IN_TEXT.sub(lambda m: canonical_symbol(m.group()) or m.group(), title)


def _doc_type(header: Header, number: str | None, opening: list[Unit]) -> str | None:
    """Type from the title line; a letter with a ``V/v`` line, or opening on
    "Kính gửi", and no title is a công văn; only then the symbol (``QĐ`` may be
    an old Party Quy định)."""
    if header.title_type:
        return header.title_type
    if any(SUBJECT_LINE.match(u.text) for u in header.zone) or _ADDRESSED.match(" ".join(u.text for u in opening)):
        return "Công văn"
    return _symbol_type(number)


def _symbol_type(number: str | None) -> str | None:
    """The type a symbol's code names: ``Quyết định`` for ``3608/QĐ-BYT``."""
    refs = extract_references(number or "")
    found = type_by_code(refs[0].doc_type) if refs else None
    return found.name if found else None


def _texts(units: list[Unit]) -> list[str]:
    return [u.text for u in units if not u.blank]


def _recipient_line(text: str) -> bool:
    """Where the recipients stand in the column beside the signature, their list runs through its block
    ("- Lưu VT,", "đảng ủy trực thuộc,"): a list mark, a small letter or a closing comma tells their lines."""
    return bool(_LIST_MARK.match(text)) or text[:1].islower() or text.endswith((",", ";"))


def _beside_recipients(units: list[Unit]) -> list[str]:
    """The lines of a closing block that are no recipient: what a closing table read row by row put
    between the position and the name ("CHỦ TỊCH", "- Như trên;", …, "Phạm Quốc Hưng")."""
    return [text for text in _texts(units) if not (_recipient_line(text) or SIGNED_MARK.fullmatch(text))]


def _is_position(unit: Unit) -> bool:
    return len(unit.text) <= MAX_POSITION_CHARS and unit.upper and starts_with("positions", unit.text)


def _recipients_at(units: list[Unit], start: int) -> int | None:
    """Where ``Nơi nhận`` opens the recipients, from ``start`` on."""
    return next((i for i in range(start, len(units)) if _RECIPIENTS.match(units[i].text)), None)


def _anchor(units: list[Unit], start: int) -> int | None:
    """Where the signature block starts: an authority line near ``Nơi nhận``, else
    the last position line followed by a name (laws sign without recipients)."""
    recipients = _recipients_at(units, start)
    if recipients is None:
        window = range(start, len(units))
    else:
        window = range(max(start, recipients - 25), min(len(units), recipients + 40))
    for i in window:
        if AUTHORITY.match(units[i].text) and units[i].upper:
            return i
    signed = [i for i in window if _is_position(units[i]) and person_name(_beside_recipients(units[i + 1 : i + 16])[:4])]
    if not signed:
        return None
    return signed[0] if recipients else signed[-1]


def _recipients_apart(units: list[Unit]) -> list[Unit]:
    """The recipients' lines with the signature's authority and position cut out of them, each its own unit.

    A closing table read row by row (a PDF's text, an OCR'd scan) runs its two columns into one line:
    "Nơi nhận: T/M BAN THƯỜNG VỤ - Ban Tuyên giáo Trung ương, PHÓ BÍ THƯ - Lưu Văn phòng Tỉnh ủy.".
    Only a run of two words in capitals or more that opens an authority or a position is cut out;
    "- Thường trực HĐND, UBND tỉnh;" stays whole.
    """
    apart: list[Unit] = []
    for unit in units:
        if not (_RECIPIENTS.match(unit.text) or _LIST_MARK.match(unit.text)):
            apart.extend(_signature_apart(unit))
            continue
        words, i = unit.text.split(), 0
        piece: list[str] = []
        pieces: list[str] = []
        while i < len(words):
            run = list(takewhile(lambda w: w.isupper(), words[i:]))
            text = " ".join(run)
            if len(run) >= 2 and (AUTHORITY.match(text) or starts_with("positions", text)):
                pieces += [" ".join(piece), text]
                piece, i = [], i + len(run)
            else:
                piece.append(words[i])
                i += 1
        pieces += _name_after_recipient(" ".join(piece))
        apart.extend(Unit(text, unit.bold) for text in pieces if text)
    return apart


# Where a web page flattened a signature block onto one line, its lines' separators: a dash, a colon, a comma.
_FLATTENED = re.compile(r"\s+[-–]\s+|\s*:\s+|\s*,\s+")


def _signature_apart(unit: Unit) -> list[Unit]:
    """A signature block a web page printed on one line cut into its lines: "KT. CHỦ TỊCH - PHÓ CHỦ TỊCH: Trần
    Quốc Khởi", "TM. ỦY BAN NHÂN DÂN - KT. CHỦ TỊCH - PHÓ CHỦ TỊCH Lê Thị Bích Ngọc (đã ký)", "GIÁM ĐỐC Kiều Văn
    Bình (đã ký)".  Only a line of titles in capitals, the first an authority or a position and the last a
    position, then a person's name; any other line whole."""
    text = SIGNED_MARK.sub(" ", unit.text).strip()
    if len(text) > MAX_POSITION_CHARS:
        return [unit]
    *titles, last = _FLATTENED.split(text)
    words = last.split()
    capitals = list(takewhile(lambda word: mostly_capitals(word) or not any(c.isalpha() for c in word), words))
    if capitals:  # "GIÁM ĐỐC Kiều Văn Bình": the last title and the name with no separator between
        titles.append(" ".join(capitals))
    name = " ".join(words[len(capitals):])
    if not (titles and name and all(mostly_capitals(t) for t in titles)
            and (AUTHORITY.match(titles[0]) or starts_with("positions", titles[0]))
            and starts_with("positions", titles[-1]) and person_name([name]) == name):
        return [unit]
    return [Unit(line, unit.bold) for line in (*titles, name)]


# A recipient's line closed by its punctuation, then what stood beside it in the signature's column.
_BESIDE_RECIPIENT = re.compile(r"(?P<recipient>.*[;,.)])\s+(?P<beside>[^;,.()]+)$")


def _name_after_recipient(line: str) -> list[str]:
    """A recipient's line and the signer's name run on after it, as OCR reads the closing table's
    last row ("- Các PCT UBND tỉnh; Phạm Quốc Hưng"), as two; any other line whole."""
    found = _BESIDE_RECIPIENT.match(line)
    if found is None or person_name([found.group("beside")]) is None or mostly_capitals(found.group("beside")):
        return [line]
    return [found.group("recipient"), found.group("beside")]


# Every central Party document prints the Central Committee as its organ; the body that issues it signs for itself.
_CENTRAL_COMMITTEE = "ban chap hanh trung uong"
_CENTRAL_BODIES = {"bo chinh tri", "ban bi thu"}


MAX_WRAPPED_WORDS = 2  # a line in capitals this short under a position is its end ("TRỰC", "TỈNH"), not another title


def _signature(units: list[Unit], start: int) -> tuple[str | None, str | None, str | None]:
    """(body signed for, position, signer) from the closing block: "T/M BAN THƯỜNG VỤ",
    "PHÓ BÍ THƯ", "Lê Thanh Giang".  A body's name may wrap ("TM. ỦY BAN / NHÂN DÂN")."""
    represented = position = None
    anchor = _anchor(units, start)
    block = [] if anchor is None else [u for u in units[anchor : anchor + 16] if not u.blank]
    body_open = False
    position_line = False  # whether the line before printed the position itself (not an authority's line)
    for i, unit in enumerate(block):
        authority = AUTHORITY.match(unit.text) if unit.upper else None
        if SIGNED_MARK.fullmatch(unit.text):
            continue
        after_position, position_line = position_line, False
        if authority:
            body_open = authority.group("kind").replace("/", "") == "TM"
            superior, own_position = _own_position(authority.group("rest"))
            position = own_position or position
            represented, position = (superior, position) if body_open else (represented, own_position or superior)
            body_open = body_open and own_position is None
        elif unit.upper and _is_position(unit):
            position, body_open, position_line = unit.text, False, True
        elif unit.upper and body_open:
            represented = f"{represented} {unit.text}"
        elif (name := person_name(_texts(block[i:]))) and (position or represented):
            return represented, position, name
        elif unit.upper:  # a position's last words wrapped onto a line of their own ("… BỘ CHQS" / "TỈNH") end it
            wrapped = after_position and len(unit.text.split()) <= MAX_WRAPPED_WORDS
            position, position_line = f"{position} {unit.text}" if wrapped else unit.text, True
        elif not (_recipient_line(unit.text) or _RECIPIENTS.match(unit.text)):
            break
    return represented, position, None


def _own_position(rest: str) -> tuple[str, str | None]:
    """An authority line that also holds the signer's position, as a flattened cell prints it:
    "K/T TRƯỞNG BAN PHÓ TRƯỞNG BAN" → ("TRƯỞNG BAN", "PHÓ TRƯỞNG BAN").  The part before
    must be two words at least: "T/M BAN BÍ THƯ" is a body, not "BAN" and a Bí thư."""
    words = rest.split()
    for k in range(2, len(words)):
        tail = " ".join(words[k:])
        if starts_with("positions", tail) and len(tail) <= MAX_POSITION_CHARS:
            return " ".join(words[:k]), tail
    return rest, None


def _name_after_adoption(units: list[Unit], start: int) -> str | None:
    """An old law prints its signer's name alone under the adoption formula, with no position."""
    passed = next((i for i in range(len(units) - 1, start - 1, -1) if _PASSED.match(units[i].text)), None)
    return None if passed is None else person_name(_texts(units[passed + 1 : passed + 4]))


def _name_closing(units: list[Unit], start: int) -> str | None:
    """The signer's name as the document's last line, after its recipients, where the signature block above it was
    not read: a seal over a scan's titles makes OCR mix them with the recipients ("xố "TL BAN THƯỜNG VỤ",
    "/e T6 HÄNH VĂN PHÒNG"), and the name under them is legible.  It must open with a surname (the data file's
    ``surnames``): OCR's tail of a name the seal cut ("Văn Tuyên") is no name."""
    recipients = _recipients_at(units, start)
    last_at = next((i for i in range(len(units) - 1, start - 1, -1) if not units[i].blank), None)
    if recipients is None or last_at is None or last_at <= recipients:
        return None
    last = _OCR_TAIL.sub("", units[last_at].text.strip())  # a stroke of the signature read after it ("… Tường -")
    name = person_name([last])
    return name if name == last and fold(name.split()[0]) in surnames() else None


def _body_text(units: list[Unit], start: int) -> str:
    """The body's lines, up to the recipients."""
    body = [u.text for u in units[start:]]
    return "\n".join(body[: next((i for i, line in enumerate(body) if _RECIPIENTS.match(line)), len(body))])


@dataclass
class _Clues:
    """Number, date and issuer stated outside the header, for a document whose
    header is missing (a page that dropped it, an old law): a law's passing
    formula, an annex's caption, the speaker of a letter's closing sentence."""

    number: str | None = None
    date: str | None = None
    issuer: str | None = None


def _organ_named(text: str) -> bool:
    """An organ word then a name ("Cục Thuế", "Bộ Văn hóa, …"), not "Trường hợp …"."""
    words = text.split()
    return 2 <= len(words) <= MAX_ORGAN_WORDS and words[1][0].isupper() and starts_with("organ_heads", text)


def _speaker(body: str) -> str | None:
    """The organ that speaks last in the body: a letter's closing sentence."""
    speakers = [m.group("organ") for m in _SPEAKER.finditer(body)]
    return next((organ for organ in reversed(speakers) if _organ_named(organ)), None)


# A record's opening, which dates it where no place-and-date line does: "Hôm nay, vào hồi 8 giờ ngày 18 tháng 11 năm
# 2025, tại …" (a Biên bản drawn up as the meeting ran).
_TODAY = re.compile(r"^Hôm nay\b[^.;]{0,60}?(?P<date>ngày\s*\d.{0,25}?\d{4})", re.IGNORECASE)


def _clues(units: list[Unit], start: int, body: str) -> _Clues:
    """What the text after the header says of the document itself; the
    adoption formula first, it is the document's own sentence; a record's "Hôm nay, … ngày …" its own day."""
    passed = next((m for u in reversed(units[start:]) if (m := _PASSED.match(u.text))), None)
    caption = _ANNEX_CAPTION.search(" ".join(u.text for u in units[start:]))
    today = next((m for u in units[start : start + OPENING_UNITS] if (m := _TODAY.match(u.text))), None)
    return _Clues(
        number=caption and _symbol(caption.group("number")),
        date=parse_date(passed.group("date")) if passed else caption and parse_date(caption.group("date"))
        or today and parse_date(today.group("date")),
        issuer=(passed and passed.group("organ")) or (caption and caption.group("issuer")) or _speaker(body),
    )


def _catalogued(catalogue: Catalogue | None) -> DocumentMeta:
    """The site's catalogue entry read as the document's own header would be: the number through
    ``_symbol`` (so its reference keys are a header's: ``CV:171:BCĐ``), the date ``21/11/2025`` as
    ``2025-11-21``, the type by its name.  The issuer only where it names an organ ("Bộ Y tế"): the
    site files a provincial committee's documents under the province ("Tỉnh Bắc Ninh"), no issuer."""
    if catalogue is None:
        return DocumentMeta()
    found = type_by_name(catalogue.doc_type) if catalogue.doc_type else None
    issuer = catalogue.issuer if catalogue.issuer and starts_with("organ_heads", catalogue.issuer) else None
    return DocumentMeta(
        number=catalogue.number and _symbol(catalogue.number), doc_type=found.name if found else None,
        issuer=issuer, date=catalogue.date and parse_date(f"ngày {catalogue.date}"),
    )


# Marks OCR reads after a position from a seal's or a signature's strokes ("Phó Bí thư'°", "Bí thu'-").
_OCR_TAIL = re.compile(r"[^\w)]+$")


def _position_as_known(position: str) -> str:
    """A signer's position with the tone marks OCR dropped put back, when it is a known position but for them
    ("PHO CHU TỊCH" read from a scan, "Pho chu tịch" cased: "Phó Chủ tịch").  One that differs only in case
    is left as printed."""
    known = next((name for name in word_list("positions") if fold(name) == fold(position)), None)
    return known if known and known.lower() != position.lower() else position


def _opening_lines(units: list[Unit]) -> list[Unit]:
    """The first ``NEAR_TITLE`` lines with text before the body opens ("Kính gửi", "Căn cứ", "Thực hiện …"): a
    document whose header could not be read says its place, date and number there if anywhere.  A number line is
    its own only when short ("Kế hoạch số 8/KH-SCT"): "Kết luận số 221-KL/TW, ngày 28/11/2025 của Bộ Chính trị …" in
    an article's first sentence is another's."""
    written = (unit for unit in units if not unit.blank)
    opening = list(takewhile(lambda unit: not BODY_OPENER.match(unit.text), written))[:NEAR_TITLE]
    return [unit for unit in opening if len(unit.text) <= SHORT_NUMBER_LINE or not NUMBER_LINE.match(unit.text)]


def extract_metadata(text: str, catalogue: Catalogue | None = None) -> DocumentMeta:
    """Read a document's identity from its header and closing block; what they
    do not say is looked for where the document states it otherwise (``_Clues``),
    then in the ``catalogue`` of the site the page was saved from (``_catalogued``)."""
    units = _recipients_apart(units_of(text))
    header = read_header(units)
    lines = header.title_lines
    # no header read (a scan whose motto, organ and title a seal or a stain garbled, a portal's copy): a place and
    # date, a number, among its first lines are still its own ("Thủ Đức, ngày 19 tháng 4 năm 2024" under "._ ĐẲNG BỘ …
    # e2 ni ni ĐĂNG CỘNG SẢN VIỆT NAM")
    zone = header.zone or _opening_lines(units)
    place, date = _own_date(zone, lines)
    printed_subject = _subject(header.zone, lines)
    subject = printed_subject and printed_subject.removeprefix("(").removesuffix(")")
    represented, position, signer = _signature(units, header.end)
    signer = signer or _name_after_adoption(units, header.end) or _name_closing(units, header.end)
    body = _body_text(units, header.end)
    issuer, parent = header_issuer(header.organs)
    if issuer and (committee := committee_under(issuer, place, body)):
        issuer, parent = committee[0], parent or committee[1]
    if issuer is None and represented:
        issuer = complete_body(proper_case(represented), body)
    elif issuer and represented and fold(issuer) == _CENTRAL_COMMITTEE and fold(represented) in _CENTRAL_BODIES:
        issuer, parent = proper_case(represented), parent or issuer  # "T/M BỘ CHÍNH TRỊ" under the Central Committee
    number = _own_number(zone, lines)
    clues = _Clues() if number and date and issuer else _clues(units, header.end, body)
    number = number or clues.number
    title = _title(header, printed_subject)
    opening = [u for u in units[header.end : header.end + OPENING_UNITS] if not u.blank]
    if date is None and opening and _ISSUE.match(opening[0].text):
        date = parse_date(opening[0].text)
    site = _catalogued(catalogue)
    doc_type = _doc_type(header, number, opening) or site.doc_type
    number = _kind_as_titled(number, doc_type) or site.number
    position = position and _position_as_known(proper_case(_OCR_TAIL.sub("", position.strip(" ,"))))
    return DocumentMeta(
        title=title, doc_type=doc_type or _symbol_type(number), number=number,
        issuer=issuer or clues.issuer or site.issuer, issuer_parent=parent,
        signer=signer, signer_position=position, place=place,
        date=date or clues.date or site.date, subject=subject,
    )


def _spoken_date(iso: str) -> str:
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 2:
        return f"tháng {parts[1]} năm {parts[0]} (tháng {parts[1]}/{parts[0]})"
    year, month, day = parts
    numeric = dict.fromkeys((f"{day:02d}/{month:02d}/{year}", f"{day}/{month}/{year}"))
    return f"ngày {day} tháng {month} năm {year} ({', '.join(numeric)})"


def document_card(meta: DocumentMeta) -> str:
    """A short Vietnamese text about the document itself, indexed like a passage
    so that "ai ký …", "Kế hoạch 131 ban hành ngày nào" find the document."""
    name = meta.title or " ".join(p for p in (meta.doc_type, meta.number, meta.subject and f"về {meta.subject}") if p)
    named_in = meta.issuer_parent and fold(meta.issuer or "").endswith(fold(meta.issuer_parent))  # "Ban Tổ chức Tỉnh ủy X"
    issuer = meta.issuer and (f"{meta.issuer} ({meta.issuer_parent})" if meta.issuer_parent and not named_in else meta.issuer)
    signer = meta.signer and ", ".join(p for p in (meta.signer, meta.signer_position) if p)
    forms = meta.number and ", ".join(citation_forms(meta.number, meta.doc_type))
    fields = [
        (None, name),
        ("Loại văn bản", meta.doc_type),
        ("Số, ký hiệu", meta.number and (f"{meta.number} ({forms})" if forms else meta.number)),
        ("Cơ quan ban hành", issuer and f"{issuer}, do {meta.issuer} ban hành"),
        ("Ngày ban hành", meta.date and f"ban hành {_spoken_date(meta.date)}"),
        ("Nơi ban hành", meta.place),
        ("Người ký", signer and f"{signer} (ai ký, người ký văn bản)"),
        ("Trích yếu", meta.subject),
    ]
    return " ".join(f"{label}: {value}." if label else f"{value}." for label, value in fields if value)
