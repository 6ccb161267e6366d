"""Document-type and issuer codes, read once from ``data/codes.json``.

The codes live in data because they change with the bodies that use them
(ministries merge, Party boards are renamed); code that needs them asks the
small accessors below instead of holding its own lists.  Every lookup is
accent- and case-insensitive, because the same code is printed ``CĐ``, ``CD``
or ``cd`` depending on the keyboard that typed it.
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


def _capitalise(word: str) -> str:
    for i, char in enumerate(word):
        if char.isalpha():
            return word[:i] + char.upper() + word[i + 1 :]
    return word


def proper_case(text: str, capitalise_first: bool = True) -> str:
    """Sentence case for a line printed in capitals, keeping names capitalised.

    ``ĐẢNG ỦY KHỐI CƠ QUAN - DOANH NGHIỆP TỈNH`` → ``Đảng ủy Khối Cơ quan -
    Doanh nghiệp tỉnh``; ``ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH`` → ``Ủy ban nhân dân
    tỉnh Hà Tĩnh``; ``PHÓ BÍ THƯ`` → ``Phó Bí thư``.  Known names come from
    the data file; the name after ``Ban``/``Bộ``/``Khối``, after a dash, and a
    place after ``tỉnh``/``huyện`` are capitalised.  Mixed-case text is
    returned as printed: someone already chose its capitals.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.9 * len(letters):
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
        pair = f"{words[i - 2].lower()} {previous}" if i > 1 else ""
        if bare in _NOT_A_PLACE or any(c.isdigit() for c in word) or previous[-1:] in (",", ";", ")"):
            place_left = 0
        if i < len(originals) and (nfc(originals[i]).strip(".,;:()") in _acronyms() or any(c.isdigit() for c in word)):
            words[i] = originals[i]
        elif re.fullmatch(r"[ivxlc]+", bare) and previous in _ROMAN_BEFORE:
            words[i] = word.upper()
        elif (i == 0 and capitalise_first) or previous in heads or previous in ("-", "–") or place_left:
            words[i] = _capitalise(word)
        place_left = max(place_left - 1, 0)
        if (bare in localities or f"{previous} {bare}" in localities) and word == word.strip(",;"):
            place_left = 3
    return " ".join(words)
