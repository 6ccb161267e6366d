"""Understanding a query: its matching forms, the documents it names, its full-text expressions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from indexer.normalize import fold, normalize
from indexer.references import extract_references

__all__ = ["Query", "understand"]

_TOKEN = re.compile(r"\w+", re.UNICODE)
# A Vietnamese syllable written without accents: onset, one to three vowels, coda.  English
# words rarely fit ("what", "directive", "require" do not), which tells the two apart offline.
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?")
VIETNAMESE_SHARE = 0.75  # share of words that must read as Vietnamese syllables


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    normalized: str  # NFC, one tone-mark convention: what the model embeds
    folded: str
    has_accents: bool
    keys: list[str]  # reference keys: "CT:5"
    full_keys: list[str]  # "CT:5:TW" where the query names the issuer

    @property
    def unaccented_vietnamese(self) -> bool:
        """Vietnamese typed without accents (``chi thi 05 yeu cau gi``), not English or accented text.

        The embedding model reads such a query poorly, so the dense leg weighs less for it.
        """
        words = [w for w in _TOKEN.findall(self.folded) if w.isalpha()]
        if self.has_accents or not words:
            return False
        return sum(bool(_SYLLABLE.fullmatch(w)) for w in words) >= VIETNAMESE_SHARE * len(words)

    def _columns(self, accented: list[str], folded: list[str]) -> str:
        """Terms in the accented column as typed (if the query has accents) and in the folded one folded."""
        if not folded:
            return ""
        parts = [f"accented : ({' OR '.join(accented)})"] if self.has_accents else []
        return " OR ".join(parts + [f"folded : ({' OR '.join(folded)})"])

    def fts_match(self) -> str:
        """An FTS5 expression: any syllable, in the accented column as typed, in the folded one folded.

        Every token is quoted, so user input can never be read as FTS5 syntax.
        """
        accented = _TOKEN.findall(self.normalized.lower())
        folded = _TOKEN.findall(self.folded)
        return self._columns([f'"{t}"' for t in accented], [f'"{t}"' for t in folded])

    def fts_phrases(self) -> str:
        """An FTS5 expression of every two adjacent syllables as a phrase: ``"chỉ thị" OR "thị 05"``.

        Vietnamese words are mostly two syllables, written apart: a phrase
        match is the word, where single syllables match every word that
        shares one (and, folded, every syllable that differs only by accent).
        """
        accented = _TOKEN.findall(self.normalized.lower())
        folded = _TOKEN.findall(self.folded)
        return self._columns(_pairs(accented), _pairs(folded)) if len(folded) > 1 else ""


def _pairs(tokens: list[str]) -> list[str]:
    return [f'"{a} {b}"' for a, b in pairwise(tokens)]


def understand(text: str) -> Query:
    normalized = normalize(text)
    folded = fold(text)
    references = extract_references(normalized)
    return Query(
        text=text,
        normalized=normalized,
        folded=folded,
        has_accents=normalized.lower() != folded,
        keys=sorted({r.key for r in references}),
        full_keys=sorted({r.full_key for r in references}),
    )
