"""What a document says about itself: type, number, issuer, date, signer.

A Vietnamese document states its identity in two fixed places: the header
(issuing organ, national or Party motto, ``Số: …``, place and date, the title
in capitals) and the closing block (``Nơi nhận:``, ``T/M …``/``KT. …``, the
position line, the signer's name).  Everything between is body, and a date
or number found there belongs to a *cited* document, so it is never read as
this document's own.

The text is first cut into units: lines, split again at table pipes, with the
Markdown emphasis removed; all rules below work on units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from indexer.codes import doc_types, type_by_code
from indexer.names import SIGNED_MARK, complete_body, mostly_capitals, person_name, proper_case, starts_with
from indexer.model import DocumentMeta
from indexer.normalize import fold, fold_char_map, nfc, normalize
from indexer.references import canonical_symbol, citation_forms, extract_references, mask_citations

__all__ = ["extract_metadata", "document_card", "parse_date"]

# The header is among the first units: mottos are looked for there only (a law
# quotes "Cộng hòa xã hội chủ nghĩa Việt Nam" all through its body).
HEADER_SCAN = 150
# A position line is short; longer units are not worth testing.
MAX_POSITION_CHARS = 120

# Markdown around a unit: heading marks, emphasis, escapes, trailing rule ("QUỐC HỘI -------").
_MARKDOWN = re.compile(r"^\s*#+\s*|\*+|__|\\|\s-{3,}\s*$")
# A unit that only separates: rules, stars, nothing.
_SEPARATOR = re.compile(r"^[-*_=\s]*$")
# Garbled text (a broken re-encoding) shows as syllables cut by " ? ".
_GARBLED = " ? "
# Letters a page spaced out ("V Ă N PHÒNG", "n ă m"): a run of single letters is one word.
_SPELLED_OUT = re.compile(r"(?<!\S)[^\W\d_](?: [^\W\d_])+(?!\S)")
# Mottos that stand opposite the issuing organ in every header.
_MOTTO = re.compile(
    r"cong\W+hoa\W+xa\W+hoi\W+chu\W+nghia\W+viet\W+nam|dang\W+cong\W+san\W+viet\W+nam|doc\W+lap\W+tu\W+do\W+hanh\W+phuc"
)
# The document's own number: "Số: 2873/QĐ-UBND", "Số 221-KL/TW", "Luật số: 68/2020/QH14".
_NUMBER_LINE = re.compile(r"^(?:[^\W\d_]+\s+){0,2}[Ss]ố\b\s*:?\s*(?P<rest>.*)$")
# Trích yếu of a công văn: "V/v cung ứng vật liệu…".
_SUBJECT_LINE = re.compile(r"^V/v\b\.?:?\s*(?P<subject>.*)$", re.IGNORECASE)
# Units that open the body: the header ends before them.
_BODY_OPENER = re.compile(
    r"^(?:Kính gửi|Căn cứ|Thực hiện|Xét|Theo đề nghị|Điều \d|Chương [IVXLC\d]|Phần|Ngày \d|Trả lời"
    r"|Tiếp nhận)\b"
    r"|^(?:[IVXLC]+|\d+)\s*[.)\-–]\s",
)
# A full date; spacing is loose: pages print "tháng11", "tháng 1 1" and split "ng ày" across markup.
_DAY_WORD = r"ng\s?ày"
_TWO_DIGITS = r"\d(?:\s?\d)?"
_FULL_DATE = re.compile(
    rf"{_DAY_WORD}\s*(?P<d1>{_TWO_DIGITS})\s*tháng\s*(?P<m1>{_TWO_DIGITS})\s*năm\s*(?P<y1>\d{{4}})"
    rf"|{_DAY_WORD}\s*(?P<d2>{_TWO_DIGITS})\s*[/.-]\s*(?P<m2>{_TWO_DIGITS})\s*[/.-]\s*(?P<y2>\d{{4}})",
    re.IGNORECASE,
)
# Month only, as a bulletin dates itself: "tháng 12/2020", "tháng 12 năm 2020".
_MONTH_DATE = re.compile(rf"tháng\s*(?P<m>{_TWO_DIGITS})\s*(?:/|-|năm)\s*(?P<y>\d{{4}})", re.IGNORECASE)
# "Bạc Liêu, ngày 17 tháng 3 năm 2020": a line opening with a place (no digits) then a date.
_PLACE_DATE = re.compile(
    rf"(?:^|(?<=\n))(?P<place>[^\W\d_][^\n\d,:;/]{{0,40}}?)\s*,?\s*(?={_DAY_WORD}\s*\d)", re.IGNORECASE
)
# Signing for someone: thay mặt (T/M, TM.), ký thay (KT.), thừa lệnh (TL.), thừa ủy quyền (TUQ.), quyền (Q.).
_AUTHORITY = re.compile(r"^(?P<kind>T/M|TM|KT|TL|TUQ|Q)(?:\s*[./]\s*|\s+)(?P<rest>\S.*)$")
# A recipient list opens the closing block.
_RECIPIENTS = re.compile(r"^Nơi nhận\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Unit:
    text: str
    bold: bool

    @property
    def blank(self) -> bool:
        return bool(_SEPARATOR.match(self.text))

    @cached_property
    def upper(self) -> bool:
        return mostly_capitals(self.text)


def _units(text: str) -> list[_Unit]:
    """Lines split at table pipes, Markdown removed, garbled lines dropped."""
    units = []
    for line in nfc(text).splitlines():
        for cell in line.split("|"):
            if cell.count(_GARBLED) >= 3:
                continue
            clean = _SPELLED_OUT.sub(_join_capitals, normalize(_MARKDOWN.sub(" ", cell)).strip())
            units.append(_Unit(clean, "**" in cell))
    return units


def _join_capitals(match: re.Match[str]) -> str:
    joined = match.group().isupper() or len(match.group()) >= 5  # "V Ă N", "n ă m"; not "chú ý ở đây"
    return match.group().replace(" ", "") if joined else match.group()


def _title_type(unit: _Unit) -> str | None:
    """Type name when ``unit`` is a title line ("KẾ HOẠCH …"); the title is in capitals or bold."""
    if not (unit.upper or unit.bold) or unit.blank:
        return None
    folded = fold(unit.text)
    for doc_type in sorted(doc_types(), key=lambda t: len(t.name), reverse=True):
        if re.match(rf"{re.escape(fold(doc_type.name))}(?![\w:])", folded):
            return doc_type.name
    return None


def _motto_units(units: list[_Unit]) -> set[int]:
    """Indexes of the units that hold the national or Party motto: it opens its
    unit in capitals, "Độc lập - Tự do - Hạnh phúc" follows it directly.  The
    same words in a sentence ("Căn cứ Hiến pháp nước Cộng hòa …") are no motto."""
    units = units[:HEADER_SCAN]
    joined = "\n".join(u.text for u in units)
    starts = [0, *accumulate(len(u.text) + 1 for u in units)]
    found: set[int] = set()
    last_end = -10
    for match in _MOTTO.finditer(fold_char_map(joined)):
        opens_unit = match.start() in starts and _Unit(joined[match.start() : match.end()], False).upper
        if opens_unit or match.start() - last_end <= 2:
            found.update(i for i in range(len(units)) if starts[i] < match.end() and match.start() < starts[i + 1] - 1)
            last_end = match.end()
    return found


@dataclass
class _Header:
    organs: list[str] = field(default_factory=list)
    zone: list[_Unit] = field(default_factory=list)  # organ lines to the end of the title block
    title_type: str | None = None
    title_lines: list[_Unit] = field(default_factory=list)
    end: int = 0  # index of the first unit after the header


def _organ_run(units: list[_Unit], indexes: range, motto: set[int]) -> list[int]:
    """Consecutive capitalised organ lines along ``indexes``; separators and the
    ``Số …`` line, which a Party header prints under the organ, are stepped over."""
    run = []
    for i in (i for i in indexes if i not in motto and not units[i].blank):
        if _NUMBER_LINE.match(units[i].text):
            continue
        if not units[i].upper or _title_type(units[i]):
            break
        run.append(i)
    return run


def _header(units: list[_Unit]) -> _Header:
    """Organ lines (beside the motto, or first in the text), then the title."""
    motto = _motto_units(units)
    first = next((i for i, u in enumerate(units) if not u.blank), len(units))
    if motto:
        top = min(motto)
        organ_idx = sorted(_organ_run(units, range(top - 1, max(top - 12, -1), -1), motto))
        after = _organ_run(units, range(top, min(top + 8, len(units))), motto)
        organ_idx += [i for i in after if starts_with("organ_heads", units[i].text)]
        start = min([top, *organ_idx])
    elif first < len(units) and units[first].upper and starts_with("organ_heads", units[first].text):
        organ_idx, start = _organ_run(units, range(first, min(first + 8, len(units))), motto), first
    elif first < len(units) and _title_type(units[first]):
        organ_idx, start = [], first
    else:
        return _Header()
    header = _Header(organs=_organs([units[i].text for i in organ_idx]))
    header.end = _read_title(units, max([start - 1, *organ_idx, *(m for m in motto if m < start + 20)]) + 1, header)
    header.zone = [u for i, u in enumerate(units[start : header.end], start) if i not in motto]
    return header


def _read_title(units: list[_Unit], start: int, header: _Header) -> int:
    """Find the title after the organ/motto lines; returns where the header ends.
    After a ``V/v`` line only a title in capitals counts ("V/v Chỉ thị của …" is a subject)."""
    letter = False
    for i in range(start, min(start + 14, len(units))):
        unit = units[i]
        letter = letter or bool(_SUBJECT_LINE.match(unit.text))
        if not unit.blank and _BODY_OPENER.match(unit.text):
            return i
        if (kind := _title_type(unit)) and not _NUMBER_LINE.match(unit.text) and (unit.upper or not letter):
            header.title_type, header.title_lines = kind, [unit]
            return _title_continuation(units, i + 1, header.title_lines)
    return min(start + 14, len(units))


def _title_continuation(units: list[_Unit], start: int, lines: list[_Unit]) -> int:
    """Subject lines under the type line: capitals, bold or in parentheses, up to the body."""
    stop = min(start + 12, len(units))
    for i in range(start, stop):
        unit = units[i]
        if unit.blank:
            if unit.text and set(unit.text) <= set("-_=*"):
                return i + 1  # a drawn rule closes the title block
            continue
        bracketed = unit.text.startswith("(") and unit.text.endswith(")")
        if _BODY_OPENER.match(unit.text) or _enacting_authority(units, i) or len(unit.text) > 300:
            return i
        if not (unit.upper or unit.bold or bracketed):
            return i
        lines.append(unit)
    return stop


def _enacting_authority(units: list[_Unit], i: int) -> bool:
    """"CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH" between the title and "Căn cứ …" enacts;
    it is not a line of the subject (which may well name "BAN BÍ THƯ")."""
    unit = units[i]
    if not unit.upper or not (starts_with("organ_heads", unit.text) or starts_with("positions", unit.text)):
        return False
    following = next((u for u in units[i + 1 : i + 4] if not u.blank), None)
    return following is None or bool(_BODY_OPENER.match(following.text))


def _organs(lines: list[str]) -> list[str]:
    """Join wrapped organ lines; a line opening with an organ word starts a new
    organ, unless the line before is a lone word cut from it ("ỦY" / "BAN NHÂN DÂN")."""
    organs: list[str] = []
    for line in lines:
        if organs and (not starts_with("organ_heads", line) or " " not in organs[-1]):
            organs[-1] = f"{organs[-1]} {line}"
        else:
            organs.append(line)
    return [proper_case(o.strip(" ,")) for o in organs]


def parse_date(text: str) -> str | None:
    """First date in ``text`` as ISO 8601: ``ngày 17 tháng 3 năm 2020`` and
    ``ngày 17/03/2020`` give ``2020-03-17``, ``tháng 12/2020`` gives ``2020-12``."""
    full = _FULL_DATE.search(text)
    month = _MONTH_DATE.search(text)
    if full and (not month or full.start() <= month.start()):
        n = "1" if full.group("d1") else "2"
        day, mon, year = (int(full.group(part + n).replace(" ", "")) for part in "dmy")
        return f"{year:04d}-{mon:02d}-{day:02d}" if 1 <= mon <= 12 and 1 <= day <= 31 else None
    if month and 1 <= (mon := int(month.group("m").replace(" ", ""))) <= 12:
        return f"{int(month.group('y')):04d}-{mon:02d}"
    return None


def _own_date(zone: list[_Unit], title_lines: list[_Unit]) -> tuple[str | None, str | None]:
    """(place, date) from the header: a place/date line, else a date standing
    alone on its line, else a month in the title (``tháng 12/2020``).  A date
    inside a citation ("Quyết định số 1237/QĐ-TTg ngày 27/7/2013") is never taken."""
    text = "\n".join(u.text for u in zone if u not in title_lines)
    for match in _PLACE_DATE.finditer(text):
        date = parse_date(text[match.end() : match.end() + 40])
        if date:
            return match.group("place").strip(), date
    for unit in (u for u in zone if u not in title_lines and re.match(rf"{_DAY_WORD}\s*\d", u.text, re.I)):
        if date := parse_date(unit.text):
            return None, date
    return None, parse_date(mask_citations(" ".join(u.text for u in title_lines)))


def _own_number(zone: list[_Unit]) -> str | None:
    """The symbol after ``Số``; a page may print it on the next line ("Số:" / "38/2025/QĐ-UBND")."""
    for i, unit in enumerate(zone):
        if match := _NUMBER_LINE.match(unit.text):
            following = zone[i + 1].text if i + 1 < len(zone) else ""
            return canonical_symbol(f"{match.group('rest')} {following}")
    return None


def _subject(zone: list[_Unit], title_lines: list[_Unit]) -> str | None:
    """The trích yếu: a ``V/v`` line (with its wrapped lines) or the title's second
    line on, as printed: a bulletin's "(Phục vụ …)" keeps its brackets."""
    for i, unit in enumerate(zone):
        if match := _SUBJECT_LINE.match(unit.text):
            parts = [match.group("subject")]
            for more in zone[i + 1 : i + 4]:
                if more.blank or more.upper or _PLACE_DATE.match(more.text) or _NUMBER_LINE.match(more.text):
                    break
                parts.append(more.text)
            return " ".join(parts).strip() or None
    if not title_lines:
        return None
    type_name = _title_type(title_lines[0]) or ""
    rest = [title_lines[0].text[len(type_name) :].strip(" :"), *(u.text for u in title_lines[1:])]
    return proper_case(" ".join(part for part in rest if part), is_name=False) or None


def _doc_type(header: _Header, number: str | None) -> str | None:
    """Type from the title line; a letter with a ``V/v`` line and no title is a
    công văn; only then the symbol (``QĐ`` may be an old Party Quy định)."""
    if header.title_type:
        return header.title_type
    if any(_SUBJECT_LINE.match(u.text) for u in header.zone):
        return "Công văn"
    refs = extract_references(number or "")
    found = type_by_code(refs[0].doc_type) if refs else None
    return found.name if found else None


def _texts(units: list[_Unit]) -> list[str]:
    return [u.text for u in units if not u.blank]


def _is_position(unit: _Unit) -> bool:
    return len(unit.text) <= MAX_POSITION_CHARS and unit.upper and starts_with("positions", unit.text)


def _anchor(units: list[_Unit], start: int) -> int | None:
    """Where the signature block starts: an authority line near ``Nơi nhận``, else
    the last position line followed by a name (laws sign without recipients)."""
    recipients = next((i for i in range(start, len(units)) if _RECIPIENTS.match(units[i].text)), None)
    if recipients is None:
        window = range(start, len(units))
    else:
        window = range(max(start, recipients - 25), min(len(units), recipients + 40))
    for i in window:
        if _AUTHORITY.match(units[i].text) and units[i].upper:
            return i
    signed = [i for i in window if _is_position(units[i]) and person_name(_texts(units[i + 1 : i + 5]))]
    if not signed:
        return None
    return signed[0] if recipients else signed[-1]


def _signature(units: list[_Unit], start: int) -> tuple[str | None, str | None, str | None]:
    """(body signed for, position, signer) from the closing block: "T/M BAN THƯỜNG VỤ",
    "PHÓ BÍ THƯ", "Lê Thanh Giang".  A body's name may wrap ("TM. ỦY BAN / NHÂN DÂN")."""
    represented = position = None
    anchor = _anchor(units, start)
    block = [] if anchor is None else [u for u in units[anchor : anchor + 16] if not u.blank]
    body_open = False
    for i, unit in enumerate(block):
        authority = _AUTHORITY.match(unit.text) if unit.upper else None
        if SIGNED_MARK.fullmatch(unit.text):
            continue
        if authority:
            body_open = authority.group("kind") in ("T/M", "TM")
            represented, position = (authority.group("rest"), position) if body_open else (represented, authority.group("rest"))
        elif unit.upper and _is_position(unit):
            position, body_open = unit.text, False
        elif unit.upper and body_open:
            represented = f"{represented} {unit.text}"
        elif (name := person_name(_texts(block[i:]))) and (position or represented):
            return represented, position, name
        elif unit.upper:
            position = unit.text
        else:
            break
    return represented, position, None


def extract_metadata(text: str) -> DocumentMeta:
    """Read a document's identity from its header and closing block."""
    units = _units(text)
    header = _header(units)
    lines = header.title_lines
    number = _own_number(header.zone)
    place, date = _own_date(header.zone, lines)
    printed_subject = _subject(header.zone, lines)
    subject = printed_subject and printed_subject.removeprefix("(").removesuffix(")")
    represented, position, signer = _signature(units, header.end)
    issuer = header.organs[-1] if header.organs else None
    if issuer is None and represented:
        body = [u.text for u in units[header.end :]]
        body = body[: next((i for i, line in enumerate(body) if _RECIPIENTS.match(line)), len(body))]
        issuer = complete_body(proper_case(represented), "\n".join(body))
    title = " ".join(p for p in (header.title_type, printed_subject) if p) if header.title_type else None
    return DocumentMeta(
        title=title, doc_type=_doc_type(header, number), number=number, issuer=issuer,
        issuer_parent=header.organs[-2] if len(header.organs) > 1 else None,
        signer=signer, signer_position=position and proper_case(position.strip(" ,")), place=place, date=date,
        subject=subject,
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
    issuer = meta.issuer and (f"{meta.issuer} ({meta.issuer_parent})" if meta.issuer_parent else meta.issuer)
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
