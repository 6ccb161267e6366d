"""Document-type and issuer codes, and the names of bodies and positions,
read once from ``data/codes.json``.

They live in data because they change with the bodies that use them
(ministries merge, Party boards are renamed); code that needs them asks the
accessors below instead of holding its own lists.  Every lookup is accent-
and case-insensitive, because the same code is printed ``CĐ``, ``CD`` or
``cd`` depending on the keyboard that typed it.  The name helpers at the end
(``proper_case``, ``complete_body``, ``person_name``) are the rules that read
those word lists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from indexer.normalize import fold, nfc

__all__ = [
    "DocType",
    "Issuer",
    "doc_types",
    "issuers",
    "type_by_code",
    "type_by_symbol",
    "type_by_name",
    "issuer_code",
    "issuer_by_code",
    "law_type_code",
    "word_list",
    "proper_case",
    "starts_with",
    "complete_body",
    "mostly_capitals",
    "person_name",
    "SIGNED_MARK",
]

_DATA_FILE = Path(__file__).with_name("data") / "codes.json"


@dataclass(frozen=True)
class DocType:
    """A kind of document: ``code`` as printed in numbers (None if it has none)."""

    code: str | None
    name: str
    symbols: tuple[str, ...]
    abbreviations: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def spoken(self) -> tuple[str, ...]:
        """Every phrase that names this type in running text."""
        return (self.name, *self.words)


@dataclass(frozen=True)
class Issuer:
    """A body that issues documents, with the names that refer to it in text."""

    code: str
    name: str
    symbols: tuple[str, ...]
    names: tuple[str, ...]


@cache
def _data() -> dict:
    return json.loads(_DATA_FILE.read_text(encoding="utf-8"))


@cache
def doc_types() -> tuple[DocType, ...]:
    return tuple(
        DocType(
            code=entry["code"],
            name=entry["name"],
            symbols=tuple(entry.get("symbols", ())),
            abbreviations=tuple(entry.get("abbreviations", ())),
            words=tuple(entry.get("words", ())),
        )
        for entry in _data()["doc_types"]
    )


@cache
def issuers() -> tuple[Issuer, ...]:
    return tuple(
        Issuer(code=e["code"], name=e["name"], symbols=tuple(e["symbols"]), names=tuple(e.get("names", ())))
        for e in _data()["issuers"]
    )


def _exact_then_folded(pairs: list[tuple[str, object]]) -> tuple[dict[str, object], dict[str, object]]:
    """Two lookup tables: exact (upper-cased NFC) and folded.

    Folding merges codes that differ only by a diacritic (``TƯ`` and ``TU``
    both fold to ``tu``).  The exact table keeps them apart; in the folded
    table a plain-ASCII spelling wins, since that is what an unaccented
    keyboard would type for it.
    """
    exact: dict[str, object] = {}
    folded: dict[str, object] = {}
    for printed, value in sorted(pairs, key=lambda pair: not pair[0].isascii()):
        exact.setdefault(nfc(printed).upper(), value)
        folded.setdefault(fold(printed), value)
    return exact, folded


@cache
def _type_symbol_tables() -> tuple[dict[str, object], dict[str, object]]:
    return _exact_then_folded([(s, t) for t in doc_types() for s in (*t.symbols, *t.abbreviations)])


@cache
def _issuer_symbol_tables() -> tuple[dict[str, object], dict[str, object]]:
    return _exact_then_folded([(s, i) for i in issuers() for s in (i.code, *i.symbols)])


def _lookup(tables: tuple[dict[str, object], dict[str, object]], printed: str) -> object | None:
    exact, folded = tables
    return exact.get(nfc(printed).strip().upper()) or folded.get(fold(printed))


def type_by_code(code: str) -> DocType | None:
    return next((t for t in doc_types() if t.code == code), None)


def type_by_symbol(printed: str) -> DocType | None:
    """The type whose code is printed as ``printed`` (``CD`` → Công điện)."""
    found = _lookup(_type_symbol_tables(), printed)
    return found if isinstance(found, DocType) else None


@cache
def _types_by_spoken_name() -> dict[str, DocType]:
    return {fold(phrase): t for t in doc_types() for phrase in t.spoken}


def type_by_name(text: str) -> DocType | None:
    """The type named exactly by ``text`` (``KẾ HOẠCH``, ``chi thi``)."""
    return _types_by_spoken_name().get(fold(text))


def issuer_by_code(code: str) -> Issuer | None:
    found = _lookup(_issuer_symbol_tables(), code)
    return found if isinstance(found, Issuer) else None


def issuer_code(printed: str) -> str | None:
    """Canonical issuer code for a printed one: ``ttg`` → ``TTg``, ``TƯ`` → ``TW``.

    A legislature suffix is kept (``QH14``): it is part of the citation.
    None when the code is unknown; callers then keep what was printed.
    """
    found = issuer_by_code(printed)
    if found:
        return found.code
    stem = printed.rstrip("0123456789")
    if stem != printed and (found := issuer_by_code(stem)):
        return found.code + printed[len(stem):]
    return None


def law_type_code(issuer: str) -> str | None:
    """Type code of a number with no type code (``68/2020/QH14`` → ``L``)."""
    stem = fold(issuer).rstrip("0123456789").upper()
    return _data()["law_issuers"].get(stem)


def word_list(name: str) -> tuple[str, ...]:
    """One of the plain word lists in the data file (``positions``, ``organ_heads`` ...)."""
    return tuple(_data()[name])


# Words after which a locality name follows; these stop it ("tỉnh Bắc Ninh năm 2026").
_NOT_A_PLACE = {"và", "về", "năm", "giai", "đoạn", "trong", "theo", "cho", "của", "các", "lần", "thứ", "nhiệm", "kỳ",
                "đến", "tại", "trên", "địa", "bàn", "đối", "với", "khóa", "hội", "nhà", "-", "–"}
# Roman numerals are kept only after the words that introduce them ("khóa XII", "lần thứ XIII").
_ROMAN_BEFORE = {"khóa", "khoá", "thứ", "hội", "phần", "chương", "mục"}


@cache
def _phrase_casing() -> tuple[re.Pattern[str], dict[str, str]]:
    phrases = [*word_list("proper_phrases"), *word_list("positions"), *(i.name for i in issuers())]
    table = {p.lower(): p for p in sorted(phrases, key=len)}
    alternation = "|".join(re.escape(p) for p in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), table


@cache
def _acronyms() -> frozenset[str]:
    return frozenset(nfc(s).upper() for i in issuers() for s in (i.code, *i.symbols) if len(s) >= 3)


def mostly_capitals(text: str) -> bool:
    """Printed in capitals; a stray small letter ("TTg", "CT.08") is tolerated."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _capitalise(word: str) -> str:
    for i, char in enumerate(word):
        if char.isalpha():
            return word[:i] + char.upper() + word[i + 1 :]
    return word


def proper_case(text: str, is_name: bool = True) -> str:
    """Sentence case for a line printed in capitals, keeping names capitalised.

    ``ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH`` → ``Đảng ủy Khối Cơ quan -
    Doanh nghiệp tỉnh``; ``ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH`` → ``Ủy ban nhân dân
    tỉnh Hà Tĩnh``; ``PHÓ BÍ THƯ`` → ``Phó Bí thư``.  Known names come from
    the data file; the name after ``Ban``/``Bộ``/``Khối`` and a place after
    ``tỉnh``/``huyện`` are capitalised.  A name (``is_name``) also starts
    with a capital and capitalises after a dash ("Cơ quan - Doanh nghiệp"),
    which a phrase does not ("kinh tế - xã hội").  Mixed-case text is
    returned as printed: someone already chose its capitals.
    """
    if not mostly_capitals(text):
        return text
    pattern, table = _phrase_casing()
    words = pattern.sub(lambda m: table[m.group().lower()], text.lower()).split(" ")
    originals = text.split(" ")
    heads = {w.lower() for w in word_list("name_heads")}
    localities = {w.lower() for w in word_list("localities")}
    place_left = 0
    for i, word in enumerate(words):
        bare = word.strip(".,;:()").lower()
        previous = words[i - 1].lower() if i else ""
        # "Bộ Tài chính", "Khối Cơ quan": only a head that itself opens a name ("của bộ máy", "Đảng bộ tỉnh")
        opens_name = previous in heads and words[i - 1][:1].isupper()
        if bare in _NOT_A_PLACE or any(c.isdigit() for c in word) or previous[-1:] in (",", ";", ")"):
            place_left = 0
        if i < len(originals) and (nfc(originals[i]).strip(".,;:()") in _acronyms() or any(c.isdigit() for c in word)):
            words[i] = originals[i]
        elif re.fullmatch(r"[ivxlc]+", bare) and previous in _ROMAN_BEFORE:
            words[i] = word.upper()
        elif ((i == 0 or previous in ("-", "–")) and is_name) or opens_name or place_left:
            words[i] = _capitalise(word)
        place_left = max(place_left - 1, 0)
        if (bare in localities or f"{previous} {bare}" in localities) and word == word.strip(",;"):
            place_left = 3
    return " ".join(words)


@cache
def _starts_pattern(list_name: str) -> re.Pattern[str]:
    words = sorted((fold(w) for w in word_list(list_name)), key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(map(re.escape, words))})(?!\w)")


def starts_with(list_name: str, text: str) -> bool:
    """Whether ``text`` opens with a phrase of a data word list, accents and case ignored."""
    return bool(_starts_pattern(list_name).match(fold(text)))


# "… của Ban Thường vụ Tỉnh ủy": the committee authored a cited document, it is not the speaker.
_AUTHORSHIP_BEFORE = re.compile(r"(?:của|do)\s+(?:\S+\s+){0,3}$", re.IGNORECASE)


def _committee_mentions(text: str) -> list[str]:
    """Party committees named in ``text`` other than as authors of cited documents,
    each with the rest of its name ("Đảng ủy Khối các cơ quan tỉnh")."""
    continuations = {fold(w) for w in word_list("name_continuations")}
    heads = "|".join(re.escape(h) for h in sorted(word_list("parent_heads"), key=len, reverse=True))
    mentions = []
    for match in re.finditer(rf"(?<!\w)(?:{heads})(?!\w)", text, re.IGNORECASE):
        if _AUTHORSHIP_BEFORE.search(text[max(0, match.start() - 40) : match.start()]):
            continue
        words = [match.group()]
        for token in text[match.end() :].split("\n", 1)[0].split()[:8]:
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


def complete_body(body: str, text: str) -> str:
    """``Ban Thường vụ`` alone names no one: add the committee that ``text``
    speaks for, the one it mentions most (a longer name absorbs its prefixes:
    "Đảng ủy Khối" counts for "Đảng ủy Khối các cơ quan tỉnh")."""
    if fold(body) not in {fold(b) for b in word_list("bodies_needing_parent")}:
        return body
    mentions = _committee_mentions(text)
    if not mentions:
        return body

    def support(name: str) -> tuple[int, int]:
        key = fold(name)
        return sum(key.startswith(fold(m)) or fold(m).startswith(key) for m in mentions), len(name)

    return f"{body} {max(set(mentions), key=support)}"


# "(Đã ký)" and image placeholders printed where the signature was.
SIGNED_MARK = re.compile(r"\(?\s*đã\s+ký\s*\)?|\[[^\]]*\]", re.IGNORECASE)
# One syllable of a person's name.
_NAME_WORD = re.compile(r"^[^\W\d_]{1,7}$")


def _name_words(text: str) -> list[str] | None:
    """The syllables of (part of) a name, rank and "(Đã ký)" removed; None
    unless every word is one capitalised syllable ("Lê Thanh Giang")."""
    text = SIGNED_MARK.sub(" ", text).strip(" .,")
    for prefix in sorted(word_list("name_prefixes"), key=len, reverse=True):
        if text.lower().startswith(prefix.lower() + " "):
            text = text[len(prefix) :].strip()
    words = text.split()
    if not 1 <= len(words) <= 6 or not all(_NAME_WORD.match(w) and re.search("[aeiouy]", fold(w)) for w in words):
        return None  # every syllable has a vowel: "TRƯ Ở NG BAN" is debris, not a name
    if all(w.isupper() for w in words):
        titled = starts_with("positions", text) or starts_with("organ_heads", text)
        return None if titled or len(words) < 2 else [w.capitalize() for w in words]
    return words if all(w[0].isupper() and w[1:].islower() for w in words) else None


def person_name(lines: list[str]) -> str | None:
    """A signer's name from the lines under the position.  A web page may wrap
    it ("Trần" / "Chí Hùng"), so up to three short lines are joined; a line in
    capitals after a name is the annex title that follows it ("PHỤ LỤC")."""
    words: list[str] = []
    for line in lines[:3]:
        part = _name_words(line)
        if part is None or (words and (mostly_capitals(line) or len(words) >= 3)) or len(words) + len(part) > 6:
            break
        words += part
    return " ".join(words) if len(words) >= 2 else None
