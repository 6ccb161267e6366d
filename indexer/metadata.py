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
from dataclasses import dataclass
from functools import cache

from indexer.codes import doc_types, proper_case, type_by_symbol, word_list
from indexer.model import DocumentMeta
from indexer.normalize import fold, fold_char_map, nfc, normalize
from indexer.references import canonical_symbol, extract_references

__all__ = ["extract_metadata", "document_card", "parse_date"]

# Markdown around a unit: heading marks, emphasis, escapes, trailing rule ("QUỐC HỘI -------").
_MARKDOWN = re.compile(r"^\s*#+\s*|\*+|__|\\|\s-{3,}\s*$")
# A unit that only separates: rules, stars, nothing.
_SEPARATOR = re.compile(r"^[-*_=\s]*$")
# Garbled text (a broken re-encoding) shows as syllables cut by " ? ".
_GARBLED = " ? "
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
    r"^(?:Kính gửi|Căn cứ|Thực hiện|Xét|Theo đề nghị|Điều \d|Chương [IVXLC\d]|Phần|Ngày \d|Trả lời|Tiếp nhận)\b"
    r"|^(?:[IVXLC]+|\d+)\s*[.)\-–]\s",
)
# Full date, as printed in place/date lines and citations.
_FULL_DATE = re.compile(
    r"ngày\s+(?P<d1>\d{1,2})\s+tháng\s+(?P<m1>\d{1,2})\s+năm\s+(?P<y1>\d{4})"
    r"|ngày\s+(?P<d2>\d{1,2})\s*[/.-]\s*(?P<m2>\d{1,2})\s*[/.-]\s*(?P<y2>\d{4})",
    re.IGNORECASE,
)
# Month only, as a bulletin dates itself: "tháng 12/2020", "tháng 12 năm 2020".
_MONTH_DATE = re.compile(r"tháng\s+(?P<m>\d{1,2})\s*(?:/|-|năm)\s*(?P<y>\d{4})", re.IGNORECASE)
# "Bạc Liêu, ngày 17 tháng 3 năm 2020": a place (capitalised, no digits) then a date.
_PLACE_DATE = re.compile(r"(?P<place>[^\W\d_][^\n\d,:;]{0,40}?)\s*,\s*(?=[Nn]gày\s)")
# Signature authority: thay mặt (T/M, TM.), ký thay (KT.), thừa lệnh (TL.), thừa ủy quyền (TUQ.), quyền (Q.).
_AUTHORITY = re.compile(r"^(?P<kind>T/M|TM|KT|TL|TUQ|Q)\s*[./]?\s*(?P<rest>\S.*)$")
# A recipient list opens the closing block.
_RECIPIENTS = re.compile(r"^Nơi nhận\b", re.IGNORECASE)
# "(Đã ký)" and image placeholders that stand between position and name.
_SIGNED_MARK = re.compile(r"\(?\s*đã\s+ký\s*\)?|\[[^\]]*\]", re.IGNORECASE)
# One syllable of a person's name.
_NAME_WORD = re.compile(r"^[^\W\d_]{1,7}$")
# A document's authorship clause: "… của Ban Thường vụ Tỉnh ủy" cites someone else.
_AUTHORSHIP_BEFORE = re.compile(r"(?:của|do)\s+(?:\S+\s+){0,3}$", re.IGNORECASE)


@dataclass(frozen=True)
class _Unit:
    text: str
    bold: bool

    @property
    def blank(self) -> bool:
        return bool(_SEPARATOR.match(self.text))

    @property
    def upper(self) -> bool:
        letters = [c for c in self.text if c.isalpha()]
        return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _units(text: str) -> list[_Unit]:
    """Lines split at table pipes, Markdown removed, garbled lines dropped."""
    units = []
    for line in nfc(text).splitlines():
        for cell in line.split("|"):
            if cell.count(_GARBLED) >= 3:
                continue
            clean = normalize(_MARKDOWN.sub(" ", cell)).strip()
            units.append(_Unit(clean, "**" in cell))
    return units


@cache
def _starts_with(list_name: str) -> re.Pattern[str]:
    """Folded "unit starts with one of these words" pattern for a data word list."""
    words = sorted((fold(w) for w in word_list(list_name)), key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words))})(?!\w)")


def _starts(list_name: str, text: str) -> bool:
    return bool(_starts_with(list_name).match(fold(text)))


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
    """Indexes of the units that hold the national or Party motto."""
    joined = "\n".join(u.text for u in units)
    starts = [0]
    for unit in units:
        starts.append(starts[-1] + len(unit.text) + 1)
    found: set[int] = set()
    for match in _MOTTO.finditer(fold_char_map(joined)):
        if not found and not joined[match.start()].isupper():
            continue  # "Đảng Cộng sản Việt Nam" in running text is not the motto
        found.update(i for i in range(len(units)) if starts[i] < match.end() and match.start() < starts[i + 1] - 1)
        if len(found) > 8:
            break
    return found


@dataclass
class _Header:
    organs: list[str]
    zone: list[_Unit]  # organ lines to the end of the title block
    title_type: str | None = None
    title_lines: list[_Unit] | None = None
    end: int = 0  # index of the first unit after the header


def _organ_run(units: list[_Unit], indexes: range, motto: set[int]) -> list[int]:
    """Consecutive capitalised organ lines along ``indexes``, separators skipped."""
    run = []
    for i in indexes:
        if i in motto or units[i].blank:
            continue
        if not units[i].upper or _title_type(units[i]) or _NUMBER_LINE.match(units[i].text):
            break
        run.append(i)
    return run


def _header(units: list[_Unit]) -> _Header:
    motto = _motto_units(units)
    first = next((i for i, u in enumerate(units) if not u.blank), len(units))
    if motto:
        top = min(motto)
        organ_idx = sorted(_organ_run(units, range(top - 1, max(top - 12, -1), -1), motto))
        organ_idx += [i for i in _organ_run(units, range(top, min(top + 8, len(units))), motto) if _starts("organ_heads", units[i].text)]
        start = min([top, *organ_idx])
    elif first < len(units) and units[first].upper and _starts("organ_heads", units[first].text):
        organ_idx = _organ_run(units, range(first, min(first + 8, len(units))), motto)
        start = first
    elif first < len(units) and _title_type(units[first]):
        organ_idx, start = [], first
    else:
        return _Header(organs=[], zone=[])
    header = _Header(organs=_organs([units[i].text for i in organ_idx]), zone=[])
    scan_from = max([start, *organ_idx, *(m for m in motto if m < start + 20)]) + 1
    end = _read_title(units, scan_from, header)
    header.zone = [u for i, u in enumerate(units[start:end], start) if i not in motto]
    header.end = end
    return header


def _read_title(units: list[_Unit], start: int, header: _Header) -> int:
    """Find the title after the organ/motto lines; returns where the header ends."""
    i = start
    while i < min(start + 14, len(units)):
        unit = units[i]
        if not unit.blank and _BODY_OPENER.match(unit.text):
            return i
        if (kind := _title_type(unit)) and not _NUMBER_LINE.match(unit.text):
            header.title_type, header.title_lines = kind, [unit]
            return _title_continuation(units, i + 1, header.title_lines)
        i += 1
    return i


def _title_continuation(units: list[_Unit], i: int, lines: list[_Unit]) -> int:
    """Subject lines under the type line: capitals, bold or in parentheses, up to the body."""
    while i < len(units) and len(lines) < 8:
        unit = units[i]
        if unit.blank:
            if unit.text and set(unit.text) <= set("-_=*"):
                return i + 1  # a drawn rule closes the title block
            i += 1
            continue
        authority_line = unit.upper and (_starts("organ_heads", unit.text) or _starts("positions", unit.text))
        bracketed = unit.text.startswith("(") and unit.text.endswith(")")
        if _BODY_OPENER.match(unit.text) or authority_line or len(unit.text) > 300:
            return i
        if not (unit.upper or unit.bold or bracketed):
            return i
        lines.append(unit)
        i += 1
    return i


def _organs(lines: list[str]) -> list[str]:
    """Join wrapped organ lines; a line opening with an organ word starts a new organ."""
    organs: list[str] = []
    for line in lines:
        if organs and not _starts("organ_heads", line):
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
        day, mon, year = (int(full.group(part + n)) for part in "dmy")
        return f"{year:04d}-{mon:02d}-{day:02d}" if 1 <= mon <= 12 and 1 <= day <= 31 else None
    if month and 1 <= int(month.group("m")) <= 12:
        return f"{int(month.group('y')):04d}-{int(month.group('m')):02d}"
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
    for unit in zone:
        if unit not in title_lines and re.match(r"^[Nn]gày\s+\d", unit.text) and (date := parse_date(unit.text)):
            return None, date
    title = " ".join(u.text for u in title_lines)
    if not extract_references(title):
        return None, parse_date(title)
    return None, None


def _own_number(zone: list[_Unit]) -> str | None:
    for i, unit in enumerate(zone):
        if match := _NUMBER_LINE.match(unit.text):
            following = zone[i + 1].text if i + 1 < len(zone) else ""
            return canonical_symbol(f"{match.group('rest')} {following}")
    return None


def _subject(zone: list[_Unit], title_lines: list[_Unit]) -> str | None:
    """The trích yếu: a ``V/v`` line (with its wrapped lines) or the title's second line on."""
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
    first = title_lines[0].text
    type_name = _title_type(title_lines[0]) or ""
    rest = [first[len(type_name) :].strip(" :")] + [u.text for u in title_lines[1:]]
    subject = " ".join(part for part in rest if part).strip()
    if subject.startswith("(") and subject.endswith(")"):
        subject = subject[1:-1]
    return proper_case(subject, capitalise_first=False) or None


def _doc_type(header: _Header, number: str | None) -> str | None:
    """Type from the title line; a letter with ``V/v``/``Kính gửi`` and no title is
    a công văn; only then the symbol (``QĐ`` may be an old Party Quy định)."""
    if header.title_type:
        return header.title_type
    if any(_SUBJECT_LINE.match(u.text) for u in header.zone):
        return "Công văn"
    refs = extract_references(number or "")
    found = type_by_symbol(refs[0].doc_type) if refs else None
    return found.name if found else None


@dataclass
class _Signature:
    represented: str | None = None  # the body in "T/M BAN THƯỜNG VỤ"
    position: str | None = None
    signer: str | None = None


def _person_name(text: str) -> str | None:
    """A signer's name: 2–6 capitalised syllables, no digits ("Lê Thanh Giang")."""
    text = _SIGNED_MARK.sub(" ", text).strip(" .,")
    words = text.split()
    if not 2 <= len(words) <= 6 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if all(w.isupper() for w in words):
        if _starts("positions", text) or _starts("organ_heads", text) or _AUTHORITY.match(text):
            return None
        return " ".join(w.capitalize() for w in words)
    return text if all(w[0].isupper() and w[1:].islower() for w in words) else None


def _is_position(unit: _Unit) -> bool:
    return unit.upper and _starts("positions", unit.text)


def _anchor(units: list[_Unit], start: int) -> int | None:
    """Where the signature block starts: an authority line near ``Nơi nhận``, else
    the last position line followed by a name (laws sign without recipients)."""
    recipients = next((i for i in range(start, len(units)) if _RECIPIENTS.match(units[i].text)), None)
    window = range(max(start, recipients - 25), min(len(units), recipients + 40)) if recipients else range(start, len(units))
    for i in window:
        if units[i].upper and _AUTHORITY.match(units[i].text):
            return i
    signed = [i for i in window if _is_position(units[i]) and any(_person_name(u.text) for u in units[i + 1 : i + 5])]
    if not signed:
        return None
    return signed[0] if recipients else signed[-1]


def _signature(units: list[_Unit], start: int) -> _Signature:
    signature = _Signature()
    anchor = _anchor(units, start)
    if anchor is None:
        return signature
    body_open = False
    for unit in units[anchor : anchor + 12]:
        if unit.blank or _SIGNED_MARK.fullmatch(unit.text):
            continue
        if (name := _person_name(unit.text)) and (signature.position or signature.represented):
            signature.signer = name
            break
        authority = _AUTHORITY.match(unit.text) if unit.upper else None
        if authority:
            body_open = authority.group("kind") in ("T/M", "TM")
            rest = authority.group("rest")
            if body_open:
                signature.represented = rest
            else:
                signature.position = rest
        elif unit.upper and (_is_position(unit) or not body_open):
            signature.position, body_open = unit.text, False
        elif unit.upper:
            signature.represented = f"{signature.represented} {unit.text}"
        else:
            break
    return signature


def _parent_mentions(text: str) -> list[str]:
    """Names of Party committees in ``text`` that are not the author of a cited
    document: "Đảng ủy Khối các cơ quan tỉnh", "Tỉnh ủy Bạc Liêu"."""
    continuations = {fold(w) for w in word_list("name_continuations")}
    heads = "|".join(re.escape(h) for h in sorted(word_list("parent_heads"), key=len, reverse=True))
    mentions = []
    for match in re.finditer(rf"(?<!\w)(?:{heads})(?!\w)", text, re.IGNORECASE):
        if _AUTHORSHIP_BEFORE.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        words = [match.group()]
        for token in text[match.end() :].split()[:8]:
            word = token.rstrip(".,;:)")
            if not word or not (word[0].isupper() or fold(word) in continuations):
                break
            words.append(word)
            if word != token:
                break
        while words[-1] in ("-", "các"):
            words.pop()
        mentions.append(" ".join(words))
    return mentions


def _complete_body(body: str, text: str) -> str:
    """``Ban Thường vụ`` alone names no one: add the committee the text speaks
    for, the one mentioned most often (a longer name absorbs its prefixes)."""
    if fold(body) not in {fold(b) for b in word_list("bodies_needing_parent")}:
        return body
    mentions = _parent_mentions(text)
    if not mentions:
        return body

    def support(name: str) -> tuple[int, int]:
        key = fold(name)
        return sum(key.startswith(fold(m)) or fold(m).startswith(key) for m in mentions), len(name)

    return f"{body} {max(set(mentions), key=support)}"


def extract_metadata(text: str) -> DocumentMeta:
    """Read a document's identity from its header and closing block."""
    units = _units(text)
    header = _header(units)
    title_lines = header.title_lines or []
    number = _own_number(header.zone)
    place, date = _own_date(header.zone, title_lines)
    subject = _subject(header.zone, title_lines)
    doc_type = _doc_type(header, number)
    signature = _signature(units, header.end)
    issuer = header.organs[-1] if header.organs else None
    parent = header.organs[-2] if len(header.organs) > 1 else None
    if issuer is None and signature.represented:
        body_units = units[header.end :]
        recipients = next((i for i, u in enumerate(body_units) if _RECIPIENTS.match(u.text)), len(body_units))
        body_text = "\n".join(u.text for u in body_units[:recipients])
        issuer = _complete_body(proper_case(signature.represented), body_text)
    title = None
    if header.title_type:
        title = " ".join(part for part in (header.title_type, subject and _bracketed(subject, title_lines)) if part)
    return DocumentMeta(
        title=title,
        doc_type=doc_type,
        number=number,
        issuer=issuer,
        issuer_parent=parent,
        signer=signature.signer,
        signer_position=proper_case(signature.position.strip(" ,")) if signature.position else None,
        place=place,
        date=date,
        subject=subject,
    )


def _bracketed(subject: str, title_lines: list[_Unit]) -> str:
    """The subject as the title prints it: a bulletin's "(Phục vụ …)" keeps its brackets."""
    return f"({subject})" if any(u.text.startswith("(") for u in title_lines[1:]) else subject


def _spoken_date(iso: str) -> str:
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 2:
        return f"tháng {parts[1]} năm {parts[0]} (tháng {parts[1]}/{parts[0]})"
    year, month, day = parts
    return f"ngày {day} tháng {month} năm {year} ({day:02d}/{month:02d}/{year}, {day}/{month}/{year})"


def _spoken_number(meta: DocumentMeta) -> str:
    """``131-KH/TU`` also as "Kế hoạch số 131", "Kế hoạch 131", "KH 131"."""
    refs = extract_references(meta.number or "")
    if not refs:
        return meta.number or ""
    ref = refs[0]
    name = meta.doc_type or (type_by_symbol(ref.doc_type).name if type_by_symbol(ref.doc_type) else "")
    printed = re.match(r"\d+", ref.text.lstrip())
    numbers = dict.fromkeys(n for n in (printed.group() if printed else None, ref.number) if n)
    spoken = [f"{name} số {n}, {name} {n}" for n in numbers] + [f"{ref.doc_type} {ref.number}"]
    return f"{meta.number} ({', '.join(spoken)})"


def document_card(meta: DocumentMeta) -> str:
    """A short Vietnamese text about the document itself, indexed like a passage
    so that "ai ký …", "Kế hoạch 131 ban hành ngày nào" find the document."""
    name = meta.title or " ".join(p for p in (meta.doc_type, meta.number, meta.subject and f"về {meta.subject}") if p)
    issuer = meta.issuer and (f"{meta.issuer} ({meta.issuer_parent})" if meta.issuer_parent else meta.issuer)
    signer = meta.signer and ", ".join(p for p in (meta.signer, meta.signer_position) if p)
    fields = [
        (None, name),
        ("Loại văn bản", meta.doc_type),
        ("Số, ký hiệu", meta.number and _spoken_number(meta)),
        ("Cơ quan ban hành", issuer and f"{issuer}, do {meta.issuer} ban hành"),
        ("Ngày ban hành", meta.date and f"ban hành {_spoken_date(meta.date)}"),
        ("Nơi ban hành", meta.place),
        ("Người ký", signer and f"{signer} (ai ký, người ký văn bản)"),
        ("Trích yếu", meta.subject),
    ]
    return " ".join(f"{label}: {value}." if label else f"{value}." for label, value in fields if value)
