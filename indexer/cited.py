"""What a citation prints of the document it cites: type, number, date, issuer and subject, as printed.

A document the index does not hold is still known by how others cite it:
"Chỉ thị số 05-CT/TW ngày 15/5/2016 của Bộ Chính trị về đẩy mạnh học tập và
làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh, Ban Thường vụ …" gives the
type (Chỉ thị), the number (05-CT/TW), the date (2016-05-15), the issuer (Bộ
Chính trị) and the subject (đẩy mạnh học tập … Hồ Chí Minh).  Staff write
citations in this one order (number, ``ngày``, ``của`` issuer, ``về`` subject),
so each part is read where the one before it ends, on the folded text (accents
optional) with the words taken from the original.

Where a part ends is a guess from punctuation: a subject runs to the end of
its clause (``;``, ``:``, a parenthesis, a full stop) or to a comma before a
capitalised word, which in these sentences is the body that acts ("…, Ban
Thường vụ Tỉnh ủy ban hành …") or the next citation of a list; an issuer runs
to the word that opens the subject.  A part not printed is ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from indexer.analyzer import fold_char_map, nfc
from indexer.codes import type_by_code
from indexer.model import Reference
from indexer.references import canonical_symbol, extract_references

__all__ = ["CitedDocument", "describe"]

# The longest issuer or subject kept, in characters; a longer one is cut at a word and marked "…".
_ISSUER_CHARS = 120
_SUBJECT_CHARS = 240
# Words that open a subject after the issuer; "về" and "về việc" (V/v) are dropped, the others are part of it.
_ABOUT = r"ve viec|v/v|ve"
_SUBJECT_VERBS = (r"quy dinh|huong dan|ban hanh|sua doi|phe duyet|thuc hien|trien khai|tiep tuc|tang cuong"
                  r"|day manh|bai bo|thay the|ve viec|v/v|ve")


_LAWS = frozenset({"L", "PL"})  # the types cited by name before their number: Luật and Bộ luật (L), Pháp lệnh


@dataclass(frozen=True)
class CitedDocument:
    """A cited document as its citation prints it; ``number`` is the symbol in one spelling (``05-CT/TW``), or
    the bare number as printed ("Chỉ thị 05" → ``05``)."""

    doc_type: str | None
    number: str
    date: str | None  # ISO 8601, when printed right after the number
    issuer: str | None
    subject: str | None


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        "date": re.compile(r"[\s,]*(?:ban hanh\s+)?ngay\s*\d{1,2}(?:\s*[/.-]\s*\d{1,2}\s*[/.-]\s*|\s+thang\s+\d{1,2}"
                           r"\s+nam\s+)\d{4}"),
        "issuer": re.compile(r"[\s,]*(?:cua|do)\s+"),
        # "… được sửa đổi, bổ sung bởi Nghị định …" tells of a later document, not what this one is about
        "clause_end": re.compile(r"\s*[;:()\[\]]|\.(?:\s|$)|\s(?:da\s)?duoc\s(?:sua doi|bo sung)"),
        # A law is cited by its name before its number: "Luật Tổ chức chính quyền địa phương số 72/2025/QH15".
        # Its name may hold commas ("Luật sửa đổi, bổ sung một số điều của Luật …"); "pháp luật" opens none.
        "law_name": re.compile(r"(?<!\w)(?<!phap )(?:bo luat|luat|phap lenh)\s+(?P<name>[^;:()\[\]]{3,160}?)\s+"
                               r"(?:so\s*:?\s*)?$"),
        "subject_verb": re.compile(rf"\s(?:{_SUBJECT_VERBS})(?!\w)"),
        "about": re.compile(rf"[\s,]*(?:(?P<about>{_ABOUT})\s*:?\s+|(?=(?:{_SUBJECT_VERBS})(?!\w)))"),
        "comma": re.compile(r",\s+(?=\w)"),
    }


def describe(sentence: str, printed: str) -> CitedDocument | None:
    """The document cited as ``printed`` in ``sentence`` (the sentence it was found in), or ``None`` if
    ``printed`` is no citation.  A ``printed`` not found in the sentence is described from itself alone."""
    text = _plain(sentence)
    refs = extract_references(text)
    wanted = _plain(printed)  # as stored; a reader's own spelling may hold more or less of it ("luật số 87/…")
    ref = next((r for r in refs if r.text == wanted), None) or next(
        (r for r in refs if wanted in r.text or r.text in wanted), None)
    if ref is None:
        text = _plain(printed)
        refs = extract_references(text)
        if not refs:
            return None
        ref = refs[0]
    following = [r.char_start for r in refs if r.char_start >= ref.char_end]
    return _read(text, ref, min(following, default=len(text)))


def _plain(text: str) -> str:
    """One line, NFC, without Markdown's emphasis: "Luật** **Quản lý thuế" is "Luật Quản lý thuế"."""
    return " ".join(re.sub(r"\*+", " ", nfc(text)).split())


def _read(text: str, ref: Reference, next_citation: int) -> CitedDocument:
    """The parts printed after ``ref``, read up to the end of ``text``; a list of citations ("…, Chỉ thị 06
    …") ends a part where the next one begins."""
    folded = fold_char_map(text)
    patterns = _patterns()
    at = ref.char_end
    date = patterns["date"].match(folded, at)
    at = date.end() if date else at
    issuer = None
    by = patterns["issuer"].match(folded, at)
    if by:
        limit = _limit(folded, by.end(), next_citation)
        end = min(_end(folded, patterns["subject_verb"], by.end(), limit),
                  _end(folded, patterns["clause_end"], by.end(), limit), _comma(text, by.end(), limit, capital=False))
        issuer = _part(text, by.end(), end, _ISSUER_CHARS)
        at = end if issuer else at
    subject = None
    about = patterns["about"].match(folded, at)
    if about:
        start = about.end()
        limit = _limit(folded, start, next_citation)
        end = min(_end(folded, patterns["clause_end"], start, limit), _comma(text, start, limit, capital=True))
        subject = _part(text, start, end, _SUBJECT_CHARS)
    named = patterns["law_name"].search(folded, 0, ref.char_start + _digits_at(ref.text)) \
        if ref.doc_type in _LAWS else None
    if subject is None and named:
        subject = _part(text, named.start("name"), named.end("name"), _SUBJECT_CHARS)
    return CitedDocument(doc_type=_type_name(ref.doc_type), number=_number(ref), date=ref.date, issuer=issuer,
                         subject=subject)


def _end(text: str, pattern: re.Pattern[str], start: int, limit: int) -> int:
    """Where a part beginning at ``start`` ends: at ``pattern``, else at ``limit``."""
    found = pattern.search(text, start, limit)
    return found.start() if found else limit


def _limit(folded: str, start: int, next_citation: int) -> int:
    """How far a part beginning at ``start`` may run: to the comma or "và" that joins the next citation to this
    one ("Chỉ thị 05 của Bộ Chính trị, Chỉ thị 06 …"), else to the end, since a citation without one is part
    of the subject ("… sửa đổi, bổ sung một số điều của Nghị định số 24/2018/NĐ-CP")."""
    joined = re.search(r"(?:,|;|\s(?:va|hoac))\s*$", folded[start:next_citation])
    return start + joined.start() if joined and next_citation < len(folded) else len(folded)


def _comma(text: str, start: int, limit: int, *, capital: bool) -> int:
    """The first comma in ``text[start:limit]`` before a word that is (``capital``) or is not capitalised, which
    only the original text shows: a body's name goes on after a capital ("Bộ Văn hóa, Thể thao và Du lịch"), a
    subject stops there ("…, Ban Thường vụ Tỉnh ủy ban hành")."""
    if not any(c.islower() for c in text[start:limit]):
        return limit  # a title in capitals says nothing by its case
    return next((m.start() for m in _patterns()["comma"].finditer(text, start, limit)
                 if text[m.end()].isupper() == capital), limit)


def _part(text: str, start: int, end: int, longest: int) -> str | None:
    """``text[start:end]`` without markup and edge punctuation, cut at a word past ``longest``; ``None`` if empty."""
    part = text[start:end].strip(" ,;*_\"'“”")
    if len(part) > longest:
        part = part[:longest].rsplit(" ", 1)[0].rstrip(" ,;") + " …"
    return part or None


def _digits_at(printed: str) -> int:
    """Where the number begins in a printed citation ("luật số 64/2025/QH15" → 9)."""
    digits = re.search(r"\d", printed)
    return digits.start() if digits else len(printed)


def _type_name(code: str) -> str | None:
    found = type_by_code(code)
    return found.name if found else None


def _number(ref: Reference) -> str:
    symbol = canonical_symbol(ref.text)
    if symbol:
        return symbol
    digits = re.search(r"\d+", ref.text)
    return digits.group() if digits else ref.number
