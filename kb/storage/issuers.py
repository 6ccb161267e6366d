"""An issuing body's name as the issuer filter compares it: abbreviations spelt out, accents folded.

Staff type ``UBND tỉnh Hà Tĩnh`` for what a letterhead prints as ``Ủy ban nhân dân
tỉnh Hà Tĩnh``, and some documents print the short form themselves.  Both the
filter and every stored name are read through ``issuer_key`` (the SQL function
``kb_issuer``), so either spelling finds the other.  The abbreviations are data,
``abbreviations.tsv`` beside this module, for staff to review and extend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from indexer.analyzer import fold, nfc

__all__ = ["Abbreviations", "issuer_key", "parse_abbreviations"]

_WORD = re.compile(r"[^\W_]+")


def _bare_d(word: str) -> str:
    """``word`` with Đ as D, its other letters as they are: how a capitals-only abbreviation is compared."""
    return word.replace("Đ", "D").replace("đ", "d")


@dataclass(frozen=True)
class Abbreviations:
    """Full names (folded) by abbreviation: ``any_case`` by folded form, ``capitals`` by its capitals (Đ as D)."""

    any_case: dict[str, str]
    capitals: dict[str, str]

    def spell(self, word: str) -> str:
        """One word of a name, folded, or the folded full name it abbreviates."""
        plain = fold(word)
        if plain in self.any_case:
            return self.any_case[plain]
        listed = _bare_d(word)
        found = self.capitals.get(listed) or (self.capitals.get(listed.upper()) if word.isupper() else None)
        return found or plain


def parse_abbreviations(text: str) -> Abbreviations:
    """The TSV's entries: ``ABBREVIATION<TAB>FULL NAME[<TAB>capitals]``, ``#`` comments."""
    any_case: dict[str, str] = {}
    capitals: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) not in (2, 3) or not all(fields[:2]) or fields[2:] not in ([], ["capitals"]):
            raise ValueError(f"abbreviations.tsv line {number}: expected ABBREVIATION<TAB>FULL NAME[<TAB>capitals], "
                             f"got {line!r}")
        short, full = nfc(fields[0]), " ".join(fold(fields[1]).split())
        if fields[2:]:
            capitals[_bare_d(short)] = capitals[_bare_d(short).upper()] = full
        else:
            any_case[fold(short)] = full
    return Abbreviations(any_case, capitals)


@cache
def _shipped() -> Abbreviations:
    """The abbreviations shipped with kb (``kb/storage/abbreviations.tsv``), read once."""
    return parse_abbreviations(resources.files("kb.storage").joinpath("abbreviations.tsv").read_text(encoding="utf-8"))


@lru_cache(maxsize=65536)  # an index holds a few hundred distinct names: each is spelt out once
def issuer_key(name: str | None) -> str:
    """``name``'s words, abbreviations spelt out, folded, one space apart: ``UBND tỉnh Hà Tĩnh`` and
    ``Ủy ban nhân dân tỉnh Hà Tĩnh`` both give ``uy ban nhan dan tinh ha tinh``."""
    if not name:
        return ""
    abbreviations = _shipped()
    return " ".join(abbreviations.spell(word) for word in _WORD.findall(nfc(name)))
