"""Citations of other documents, reduced to keys that match every spelling.

Staff cite the same document as ``Chỉ thị số 05-CT/TW``, ``Chỉ thị 05``,
``CT 05`` or ``chi thi 05``; a state document as ``30/2020/NĐ-CP`` or
``Nghị định số 30/2020/ND-CP``.  All of them must meet on one key (``CT:5``,
``NĐ:30``), in documents and in queries alike.

The patterns run on a folded copy of the text (no diacritics, lower case), so
one pattern serves accented and unaccented spellings; each folded character
remembers where it came from, so spans point into the caller's own string even
when it is not NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from indexer.analyzer import fold, fold_char_map, nfc
from indexer.codes import (
    doc_types,
    issuer_code,
    issuers,
    law_type_code,
    type_by_code,
    type_by_name,
    type_by_symbol,
)
from indexer.local_issuers import local_issuer_key
from indexer.model import Reference
from indexer.relations import MENTIONS, relations

__all__ = ["extract_references", "canonical_symbol", "citation_forms", "mask_citations", "own_reference"]

_DASH = "[-\u2010-\u2015\u2212]"  # hyphen and the Unicode dashes word processors substitute for it
_CODE = "[a-z][a-z0-9]*"  # a code inside a number, folded: "cd", "ttg", "qh14", "bcdqg1237"

# State style, Nghị định 30/2020/NĐ-CP: number [/ year] / type - issuer[-unit...].
# A công văn puts the issuer where the type goes (11654/VPCP-CN).
_STATE = (
    rf"(?P<s_num>\d{{1,6}})(?:\s?/\s?(?P<s_year>(?:19|20)\d\d))?\s?/\s?(?P<s_kind>{_CODE})"
    rf"\s?{_DASH}\s?(?P<s_rest>{_CODE}(?:{_DASH}{_CODE})*)"
)
# Laws and ordinances carry no type code: 68/2020/QH14, 02/2022/UBTVQH15.
_LAW = r"(?P<l_num>\d{1,6})\s?/\s?(?P<l_year>(?:19|20)\d\d)\s?/\s?(?P<l_issuer>[a-z]+\s?\d+)"
# Party style, number-type/issuer[-unit...]: 05-CT/TW, 131-KH/TU, 108-HD/BTGTW, the Youth Union's
# 142-KH/TĐTN-TG (its propaganda board); typed without its dash, 131 KH/TU.
_PARTY = (
    rf"(?P<p_num>\d{{1,6}})(?:\s?{_DASH}\s?|\s?)(?P<p_kind>[a-z]+)\s?/\s?(?P<p_issuer>{_CODE}(?:{_DASH}{_CODE})*)"
)
# A whole number-and-symbol; not glued to a longer token (dates, "46.761/47.661").
_SYMBOL = rf"(?<![\w/.,])(?:{_STATE}|{_LAW}|{_PARTY})(?!\w)"
# "số" / "số:" between a type word and its number.
_SO = r"(?:so\b\s?:?\s?)?"
# A bare number must stand on the type word's line: "Luật\n1. ..." is a list item.
_SAME_LINE = r"[^\S\n]"
# What may follow a bare cited number without it being a document number:
# a symbol the patterns could not read, a decimal, or a unit or count met after a type word in real
# text ("kế hoạch 5 năm", "thông báo 03 lần", "trái pháp luật 06 người"), unless the unit's syllable
# opens a province's name ("QĐ 2811 Đồng Nai", "Quyết định 1763 Cà Mau").  Not the words a question
# goes on with after the number: "Chỉ thị 05 quy định gì", "Kế hoạch 131 đợt ba", "Chỉ thị 05 cấp ủy".
_NOT_A_DOCUMENT_NUMBER = (
    rf"\s?{_DASH}\s?\w|\s?/\s?(?![a-z]+(?:{_DASH}[a-z]+)*(?![\w/.,]))\w|[.,]\w|\s?%"
    r"|\s(?!(?:dong nai|dong thap|ca mau|nam dinh)\b)"
    r"(?:nam|thang|quy(?!\s(?:dinh|che|trinh|hoach|pham)\b)|tuan|gio|phut|lan|nguoi|trieu|nghin|ty|dong"
    r"|ca|can bo|vu|cuoc|truong hop)\b"
)
# The year printed in words after a bare number ("Nghị quyết 18 năm 2017"), unless a range of years follows
# ("kế hoạch 5 năm 2021-2025" is a five-year plan).
_YEAR_IN_WORDS = rf"\snam\s(?P<b_year_word>(?:19|20)\d\d)(?!\s?{_DASH}\s?\d)"
# The rest of a symbol typed after a bare number with spaces, or a slash before the issuer alone: its year, its
# issuer's code ("luat so 02 2011 QH13", "Luật 24/2008 QH12", "QĐ 1521 UBND Bắc Ninh", "công văn số 5608 CT-CS",
# "Hướng dẫn 22/ĐUK", "CT 05/TU").
_TYPED_REST = re.compile(
    rf"(?:\s(?P<year>(?:19|20)\d\d)(?!\w))?(?:(?:\s|\s?/\s?)(?P<code>{_CODE})(?:{_DASH}{_CODE})*(?!\w))?")
# The date printed right after a citation, which belongs to the cited document:
# ", ngày 17/03/2020", " ngày 27 tháng 7 năm 2013" (folded).
_CITED_DATE = (r"[\s,]*ngay\s?(?P<day>\d{1,2})\s?(?:[/.-]\s?(?P<month>\d{1,2})\s?[/.-]|thang\s?(?P<month_word>\d{1,2})\s?nam)"
               r"\s?(?P<year>\d{4})")


# How much of the text after "của" can be a body's name ("Sở Lao động - Thương binh và Xã hội tỉnh Bà Rịa - Vũng Tàu").
_ISSUER_NAME_CHARS = 120


@dataclass(frozen=True)
class _Folded:
    """Folded text plus, for each folded character, its index in the original."""

    text: str
    origin: Sequence[int]


@lru_cache(maxsize=4096)
def _fold_one(char: str) -> str:
    return "" if unicodedata.combining(char) else "d" if char in "ðÐ" else fold_char_map(char)


class _FoldTable(dict[int, str]):
    """``str.translate``'s table for ``_fold_one``, filled as characters are met.

    A character that does not fold to exactly one maps to nothing here, so a text
    keeps its length through the table only when every character folds to one.
    """

    def __missing__(self, code: int) -> str:
        folded = _fold_one(chr(code))
        self[code] = folded if len(folded) == 1 else ""
        return self[code]


_FOLD_TABLE = _FoldTable()


def _fold_with_origin(text: str) -> _Folded:
    """Fold one character at a time; combining marks (non-NFC input) fold to nothing.

    Text whose every character folds to one (NFC text, nearly always) is folded in one
    ``translate`` and keeps its positions; only the rest is walked a character at a time.
    """
    folded = text.translate(_FOLD_TABLE)
    if len(folded) == len(text):
        return _Folded(folded, range(len(text)))
    pieces = [(_fold_one(char), index) for index, char in enumerate(text)]
    return _Folded("".join(piece for piece, _ in pieces), tuple(i for piece, i in pieces for _ in piece))


def _original_span(text: str, folded: _Folded, start: int, end: int) -> tuple[int, int]:
    """Map a folded span back, keeping the combining marks of its last letter."""
    first = folded.origin[start]
    last = folded.origin[end - 1] + 1
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return first, last


def _alternation(phrases: list[str]) -> str:
    """Regex alternation of folded phrases, longest first, any spacing between words."""
    folded = sorted({fold(p) for p in phrases if p}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in folded)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """Compiled once, from the codes data, since the type words come from there."""
    names = _alternation([phrase for t in doc_types() for phrase in t.spoken])
    abbreviations = _alternation([a for t in doc_types() for a in t.abbreviations])
    # A type named in words or by its abbreviation ("Chỉ thị", "CT"), word-bounded.
    type_word = rf"(?<!\w)(?:(?P<word>{names})\s*|(?P<abbr>{abbreviations})\s{{0,2}})"
    type_word_same_line = rf"(?<!\w)(?:(?P<word>{names}){_SAME_LINE}*|(?P<abbr>{abbreviations}){_SAME_LINE}{{0,2}})"
    authors = _alternation([name for issuer in issuers() for name in issuer.names])
    return {
        "symbol": re.compile(_SYMBOL),
        "cited_symbol": re.compile(rf"{type_word}{_SO}{_SYMBOL}"),
        "cited_number": re.compile(
            rf"{type_word_same_line}(?P<so>(?:so\b{_SAME_LINE}?:?{_SAME_LINE}?)?)"
            rf"(?P<b_num>\d{{1,6}})(?:\s?/\s?(?P<b_year>(?:19|20)\d\d)|{_YEAR_IN_WORDS})?(?!\w)"
            # after a year, a slash opens a symbol no pattern reads ("Án lệ 67/2023/AL"): an issuer's code after a
            # slash is read right after the number only ("Hướng dẫn 22/ĐUK")
            rf"(?(b_year)(?!\s?/\s?\w))(?!{_NOT_A_DOCUMENT_NUMBER})"
        ),
        # "... của Bộ Chính trị" after a bare citation names its issuer; its date may stand between.
        "author": re.compile(rf"(?:{_CITED_DATE})?,?\s(?:cua|do)\s(?:ban thuong vu\s)?(?P<author>{authors})(?!\w)"),
        "cited_date": re.compile(_CITED_DATE),
        # "... của UBND tỉnh Bình Dương": where the name of the body that issued it begins.
        "issued_by": re.compile(rf"(?:{_CITED_DATE})?,?\s(?:cua|do)\s(?:ban thuong vu\s)?"),
    }


def _number(printed: str) -> str:
    """Canonical number: leading zeros dropped, so "05" and "5" meet."""
    return str(int(printed))


def _issuer(printed: str) -> str:
    return issuer_code(printed) or (printed if any(c.isupper() for c in printed) else printed.upper())


@dataclass(frozen=True)
class _Parts:
    """What a symbol says, before the type named in words is taken into account."""

    number: str
    type_code: str | None
    issuer: str | None
    year: str | None
    symbol_type: str | None = None  # the symbol's own code where the word before it names another type


def _symbol_start(match: re.Match[str]) -> int:
    return next(match.start(name) for name in ("s_num", "l_num", "p_num") if match.group(name) is not None)


def _slice(text: str, folded: _Folded, start: int, end: int) -> str:
    first, last = _original_span(text, folded, start, end)
    return text[first:last]


def _group_text(text: str, folded: _Folded, match: re.Match[str], name: str) -> str:
    """The original spelling of one code group: case and Đ matter for codes."""
    printed = nfc(_slice(text, folded, match.start(name), match.end(name)))
    return re.sub(_DASH, "-", re.sub(r"\s", "", printed))


def _is_cong_van(kind: str, after_kind: str) -> bool:
    """Whether a state-style number is a công văn (issuer-unit, no type code).

    ``11654/VPCP-CN`` has no type code at all.  ``5402/CT-CS`` looks like a
    Chỉ thị but is a công văn of Cục Thuế (issuer code CT, unit CS): when the
    first code is also an issuer and what follows is no known issuer, the
    issuer-unit reading wins (a Chỉ thị is ``05/CT-TTg``, ``12/CT-UBND``).
    """
    if type_by_symbol(kind) is None:
        return True
    return issuer_code(kind) is not None and issuer_code(after_kind) is None


def _symbol_parts(text: str, folded: _Folded, match: re.Match[str]) -> _Parts | None:
    """Read a symbol match (on ``folded``) into number, type, issuer and year."""
    group = match.group
    if group("s_num"):
        printed_kind = _group_text(text, folded, match, "s_kind")
        after_kind = _group_text(text, folded, match, "s_rest").split("-")[0]
        if _is_cong_van(printed_kind, after_kind):
            return _Parts(group("s_num"), "CV", _issuer(printed_kind), group("s_year"))
        kind = type_by_symbol(printed_kind)
        return _Parts(group("s_num"), kind.code if kind else "CV", _issuer(after_kind), group("s_year"))
    if group("l_num"):
        issuer = _group_text(text, folded, match, "l_issuer")
        return _Parts(group("l_num"), law_type_code(issuer), _issuer(issuer), group("l_year"))
    kind = type_by_symbol(_group_text(text, folded, match, "p_kind"))
    if kind is None:
        return None
    issuer = _group_text(text, folded, match, "p_issuer").split("-")[0]
    return _Parts(group("p_num"), kind.code, _issuer(issuer), None)


def _word_type(match: re.Match[str]) -> str | None:
    """Type code named in words before a number ("Quy định số 47-QĐ/TW" is a Quy định)."""
    word = match.group("word") or match.group("abbr")
    if not word:
        return None
    found = type_by_name(word) or type_by_symbol(word)
    return found.code if found else None


def _author(folded: str, end: int) -> str | None:
    """Issuer code named right after a bare citation: "Chỉ thị 05 của Bộ Chính trị" → TW."""
    match = _patterns()["author"].match(folded, end)
    if not match:
        return None
    author = fold(match.group("author"))
    return next((i.code for i in issuers() for name in i.names if fold(name) == author), None)


def _typed_rest(text: str, folded: _Folded, end: int) -> tuple[int, str | None, str | None]:
    """Where the year and issuer code typed after a bare number end, the year, the issuer's code.

    A code counts when it is a known issuer's typed with a capital ("UBND", "TTg"; the syllable "tu" is no
    Tỉnh ủy) or a legislature's in any case ("qh13"); a year alone counts too ("nghị định 103 2024").
    """
    match = _TYPED_REST.match(folded.text, end)
    if match is None:
        return end, None, None
    stop, year = (match.end("year"), match.group("year")) if match.group("year") else (end, None)
    if match.group("code"):
        printed = _group_text(text, folded, match, "code")
        code = issuer_code(printed)
        if code and (printed[0].isupper() or re.fullmatch(r"(?:ubtv)?qh\d+", match.group("code"))):
            return match.end(), year, code
    return stop, year, None


def _local_issuer(text: str, folded: _Folded, end: int) -> str | None:
    """The local body a citation says issued it ("… ngày 12/3/2021 của UBND tỉnh Bình Dương"), as its key."""
    match = _patterns()["issued_by"].match(folded.text, end)
    if not match or match.end() >= len(folded.text):
        return None
    start = folded.origin[match.end()]
    line_end = text.find("\n", start)
    return local_issuer_key(text[start:line_end if line_end != -1 else None][:_ISSUER_NAME_CHARS])


def _candidates(text: str, folded: _Folded) -> list[tuple[int, int, _Parts]]:
    """Every citation found, in priority order: a type word with a symbol, a bare
    symbol, a type word with a bare number.  Earlier ones win overlaps.  Each
    has a type: a number whose type is known neither from a word nor from its
    symbol is no citation."""
    patterns = _patterns()
    found: list[tuple[int, int, _Parts]] = []
    for name in ("cited_symbol", "symbol"):
        for match in patterns[name].finditer(folded.text):
            symbol_start = _symbol_start(match)
            sub = patterns["symbol"].fullmatch(folded.text, symbol_start, match.end())
            parts = _symbol_parts(text, folded, sub) if sub else None
            word_type = _word_type(match) if name == "cited_symbol" else None
            if parts and (word_type or parts.type_code):
                other = parts.type_code if word_type and parts.type_code != word_type else None
                parts = _Parts(parts.number, word_type or parts.type_code, parts.issuer, parts.year, other)
                found.append((match.start(), match.end(), parts))
    for match in patterns["cited_number"].finditer(folded.text):
        printed_number = match.group("b_num")
        if not match.group("so").strip() and re.fullmatch(r"(?:19|20)\d\d", printed_number):
            continue  # "Kế hoạch 2021" is a year's plan, not plan number 2021
        type_code = _word_type(match)
        if type_code:
            end, typed_year, typed_issuer = _typed_rest(text, folded, match.end())
            parts = _Parts(printed_number, type_code, typed_issuer or _author(folded.text, end),
                           match.group("b_year") or match.group("b_year_word") or typed_year)
            found.append((match.start(), end, parts))
    return found


def _iso_date(match: re.Match[str]) -> str | None:
    """``ngày 15/5/2016`` → ``2016-05-15``; None for no real day and month."""
    day, month = int(match.group("day")), int(match.group("month") or match.group("month_word"))
    return f"{match.group('year')}-{month:02d}-{day:02d}" if 1 <= day <= 31 and 1 <= month <= 12 else None


def extract_references(text: str, own: Reference | None = None) -> list[Reference]:
    """Every document cited in ``text``, in order, with spans into ``text``; ``own`` is the number of the
    document ``text`` is from, if known.

    The same document cited at two places gives two references: a caller that
    wants one per document dedupes by ``key`` or ``full_key``.  A date printed
    right after a citation is the cited document's: its year is kept
    (``date``): it tells apart two documents of one number (a Party number has
    no year, and every province has a 70/2025/QĐ-UBND).

    A document does nothing to itself: a citation of its own number is a mention, whatever its sentence
    says (a decree's forms print "Căn cứ Nghị định số 99/2022/NĐ-CP …" of the decree they belong to).
    """
    folded = _fold_with_origin(text)
    taken: list[tuple[int, int, _Parts]] = []
    for start, end, parts in _candidates(text, folded):
        if not any(start < t_end and t_start < end for t_start, t_end, _ in taken):
            taken.append((start, end, parts))
    taken.sort(key=lambda t: t[0])
    kinds = relations(folded.text, [(start, end) for start, end, _ in taken])
    references: list[Reference] = []
    for (start, end, parts), relation in zip(taken, kinds, strict=True):
        first, last = _original_span(text, folded, start, end)
        sentence = _original_span(text, folded, relation.sentence_start, relation.sentence_end) \
            if relation.sentence_end > relation.sentence_start else (first, last)
        date = _patterns()["cited_date"].match(folded.text, end)
        reference = Reference(
            doc_type=str(parts.type_code),
            number=_number(parts.number),
            issuer_code=parts.issuer,
            text=text[first:last],
            year=parts.year,
            char_start=first,
            char_end=last,
            date=_iso_date(date) if date else None,
            issuer_name=_local_issuer(text, folded, end),
            kind=relation.kind,
            symbol_type=parts.symbol_type,
            sentence_start=sentence[0],
            sentence_end=sentence[1],
        )
        references.append(replace(reference, kind=MENTIONS) if own and _is_own(reference, own) else reference)
    return references


def _is_own(cited: Reference, own: Reference) -> bool:
    """Whether ``cited`` can be the number ``own``: the same type and number, and no issuer or year both print
    that differ."""
    def same(a: str | None, b: str | None) -> bool:
        return a is None or b is None or a == b
    return (cited.key == own.key and same(cited.issuer_code, own.issuer_code)
            and same(cited.issued_year, own.issued_year))


def _codes(text: str, folded: _Folded, match: re.Match[str], name: str) -> str:
    """A group of dash-joined codes ("ttg", "tdtn-tg") in their canonical spelling: ``TTg``, ``TĐTN-TG``."""
    return "-".join(_issuer(part) for part in _group_text(text, folded, match, name).split("-"))


def canonical_symbol(printed: str) -> str | None:
    """One spelling of the first number-and-symbol in ``printed``, or None.

    ``05 - ct/tw`` → ``05-CT/TW``; ``1300/CD-TTG`` → ``1300/CĐ-TTg``;
    ``30/2020/nd-cp`` → ``30/2020/NĐ-CP``.  The number keeps its printed
    zeros (it is how the document is filed); codes take their canonical case
    and letters; unknown codes keep what was printed.
    """
    text = nfc(printed)
    folded = _fold_with_origin(text)
    match = _patterns()["symbol"].search(folded.text)
    if not match:
        return None
    if match.group("s_num"):
        printed_kind = _group_text(text, folded, match, "s_kind")
        kind = type_by_symbol(printed_kind)
        head = kind.code if kind and kind.code else _issuer(printed_kind)
        year = f"/{match.group('s_year')}" if match.group("s_year") else ""
        return f"{match.group('s_num')}{year}/{head}-{_codes(text, folded, match, 's_rest')}"
    if match.group("l_num"):
        issuer = _issuer(_group_text(text, folded, match, "l_issuer"))
        return f"{match.group('l_num')}/{match.group('l_year')}/{issuer}"
    kind = type_by_symbol(_group_text(text, folded, match, "p_kind"))
    if kind is None or kind.code is None:
        return None
    return f"{match.group('p_num')}-{kind.code}/{_codes(text, folded, match, 'p_issuer')}"


def own_reference(symbol: str, type_name: str | None = None) -> Reference | None:
    """The key of a document's own number ``symbol``, the type read from its title (``type_name``)
    taking the place of the symbol's where the two share a code: a Party Quy định is numbered
    ``47-QĐ/TW`` like a Quyết định and cited "Quy định số 47-QĐ/TW", so its key is ``QĐi:47``."""
    refs = extract_references(symbol)
    if not refs:
        return None
    titled = type_by_name(type_name) if type_name else None
    if titled and titled.code and refs[0].doc_type in titled.numbered_as:
        return replace(refs[0], doc_type=titled.code)
    return refs[0]


def citation_forms(symbol: str, type_name: str | None = None) -> list[str]:
    """The ways staff cite the document numbered ``symbol``: for ``05-CT/TW``
    "Chỉ thị số 05", "Chỉ thị 05", "Chỉ thị số 5", "Chỉ thị 5", "CT 5".
    ``type_name`` is the type read from the title (a ``QĐ`` may be a Quy định)."""
    ref = own_reference(symbol, type_name)
    if ref is None:
        return []
    name = type_name or getattr(type_by_code(ref.doc_type), "name", ref.doc_type)
    printed = re.search(r"\d+", ref.text)
    numbers = dict.fromkeys(n for n in (printed.group() if printed else None, ref.number) if n)
    return [form for n in numbers for form in (f"{name} số {n}", f"{name} {n}")] + [f"{ref.doc_type} {ref.number}"]


def mask_citations(text: str) -> str:
    """``text`` with every citation, and the date printed right after it, blanked
    out, so that what remains can be searched for the document's own date
    ("KẾ HOẠCH TRIỂN KHAI QUYẾT ĐỊNH SỐ 1237/QĐ-TTG NGÀY 27/7/2013 …")."""
    text = nfc(text)
    folded = fold_char_map(text)
    for ref in extract_references(text):
        date = _patterns()["cited_date"].match(folded, ref.char_end)
        end = date.end() if date else ref.char_end
        text = text[: ref.char_start] + " " * (end - ref.char_start) + text[end:]
    return text
