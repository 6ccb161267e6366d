"""Understanding a query: its matching forms, the documents it names, its lexical terms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from indexer.analyzer import fold, normalize, pairs, tokens
from indexer.references import extract_references
from kb.retrieval.lexicon import Phrase

__all__ = ["Query", "understand"]

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
    numbers: tuple[str, ...] = ()  # the documents it names, as typed ("Chỉ thị 05-CT/TW"), to say which are missing

    @property
    def unaccented_vietnamese(self) -> bool:
        """Vietnamese typed without accents (``chi thi 05 yeu cau gi``), not English or accented text.

        The embedding model reads such a query poorly, so the dense leg weighs less for it.
        """
        words = [w for w in tokens(self.folded) if w.isalpha()]
        if self.has_accents or not words:
            return False
        return sum(bool(_SYLLABLE.fullmatch(w)) for w in words) >= VIETNAMESE_SHARE * len(words)

    def syllables(self) -> list[Phrase]:
        """The lexical leg's terms: each syllable in the accented column as typed (if the query has
        accents) and in the folded one folded."""
        return self._columns(lambda text: [(w,) for w in tokens(text)])

    def pairs(self) -> list[Phrase]:
        """The phrase leg's terms: every two adjacent syllables (``chỉ thị``, ``thị 05``).

        Vietnamese words are mostly two syllables, written apart: a pair is the
        word, where single syllables match every word that shares one (and,
        folded, every syllable that differs only by accent).
        """
        return self._columns(pairs)

    def _columns(self, terms: Callable[[str], Iterable[tuple[str, ...]]]) -> list[Phrase]:
        accented = [("accented", t) for t in terms(self.normalized)] if self.has_accents else []
        return accented + [("folded", t) for t in terms(self.folded)]


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
        numbers=tuple(dict.fromkeys(r.text for r in references)),
    )
