"""Document-type and issuer codes, and the names of bodies and positions,
read once from ``data/codes.json``.

They live in data because they change with the bodies that use them
(ministries merge, Party boards are renamed); code that needs them asks the
accessors below instead of holding its own lists.  Every lookup is accent-
and case-insensitive, because the same code is printed ``CĐ``, ``CD`` or
``cd`` depending on the keyboard that typed it.  The rules that read the word
lists (casing, bodies, people's names) are in ``indexer.names``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from indexer.analyzer import fold, nfc

__all__ = [
    "DocType",
    "Issuer",
    "doc_types",
    "issuers",
    "type_by_code",
    "sharing_numbers",
    "keys_sharing_numbers",
    "type_by_symbol",
    "type_by_name",
    "issuer_code",
    "issuer_by_code",
    "law_type_code",
    "word_list",
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
    numbered_as: tuple[str, ...] = ()  # other types' codes its numbers may carry (a Party Quy định: 47-QĐ/TW)

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
            numbered_as=tuple(entry.get("numbered_as", ())),
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


@cache
def sharing_numbers(code: str) -> tuple[str, ...]:
    """The other types whose documents a number of type ``code`` may name: a Party Quy định is numbered
    ``47-QĐ/TW`` like a Quyết định, so "QĐ 47" may be either, and "Quy định 47" may be cited as ``47-QĐ/TW``."""
    return tuple(t.code for t in doc_types() if t.code and code in t.numbered_as) + next(
        (t.numbered_as for t in doc_types() if t.code == code), ())


def keys_sharing_numbers(keys: Iterable[str]) -> list[str]:
    """Reference keys (``QĐ:47``, ``QĐ:47:TW``) and the same numbers of the types that share their numbering
    (``QĐi:47``): what a number as printed or typed may name."""
    return sorted({f"{code}:{rest}" for key in keys for kind, rest in [key.split(":", 1)]
                   for code in (kind, *sharing_numbers(kind))})


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


@cache
def spelled_out() -> dict[str, str]:
    """The abbreviations staff type for bodies and tasks ("UBND", "ĐVTN", "PCCC"), folded, each with the words a
    passage may print in full (the data's ``spelled_out``)."""
    return {fold(short): words for short, words in _data()["spelled_out"].items()}


def word_list(name: str) -> tuple[str, ...]:
    """One of the plain word lists in the data file (``positions``, ``organ_heads`` ...)."""
    return tuple(_data()[name])
