"""Understanding a query: its matching forms, the documents it names, its lexical terms.

A question asked in English is also put into Vietnamese by the office glossary
(``kb.retrieval.glossary``): its terms join the lexical and phrase legs beside
the words as typed, the document numbers of its rendering ("Directive 05"
→ "chỉ thị 05") the reference leg, and the model embeds the question and its rendering with the
glossary's other senses: multilingual as it is, the model finds the Vietnamese passages better with
the office's own words beside the English ones (docs/ranking.md has the figures).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from indexer.analyzer import fold, normalize, pairs, tokens
from indexer.codes import keys_sharing_numbers, spelled_out
from indexer.references import extract_references
from kb.retrieval.glossary import Translation, glossary, marked
from kb.retrieval.lexicon import Phrase

__all__ = ["Query", "understand"]

# A Vietnamese syllable written without accents: onset, one to three vowels, coda.  English
# words rarely fit ("what", "directive", "require" do not), which tells the two apart offline.
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(ch|ng|nh|[cmnpt])?")
VIETNAMESE_SHARE = 0.75  # share of words that must read as Vietnamese syllables


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    normalized: str  # NFC, one tone-mark convention: what the model embeds (see dense_texts)
    folded: str
    has_accents: bool
    keys: list[str]  # reference keys: "CT:5"
    full_keys: list[str]  # "CT:5:TW" where the query names the issuer
    translation: Translation | None = None  # the glossary's Vietnamese, for a query in English
    numbers: tuple[str, ...] = ()  # the documents it names, as typed ("Chỉ thị 05-CT/TW"), to say which are missing
    asked: str = ""  # the query without the documents it names: what it asks of them ("phê duyệt gì")
    years: tuple[tuple[str, str], ...] = ()  # (key, year) of each number typed with its year: "55/2030/TT-BTC"
    spelled: tuple[str, ...] = ()  # the words of the abbreviations it types ("UBND" → "ủy ban nhân dân")

    @property
    def unaccented_vietnamese(self) -> bool:
        """Vietnamese typed without accents (``chi thi 05 yeu cau gi``), not English or accented text.

        The embedding model reads such a query poorly: search restores its accents, and if the
        index's accent model cannot, the dense leg weighs less for it.
        """
        return not self.has_accents and _reads_as_vietnamese(self.folded)

    @property
    def dense_texts(self) -> tuple[str, ...]:
        """What the model embeds (``kb.retrieval.search`` searches with the mean of the texts' vectors): the query
        normalised; for English also the glossary's Vietnamese, its rendering then its other terms
        (``instruction`` → ``hướng dẫn`` in the rendering, ``chỉ thị`` after it: the model is not told which sense
        the office meant).  Apart, the English and the Vietnamese each find the passages their own words would, and
        the two together beat each alone and the two joined, which the model read until stop 49.  From stop 49 to
        56 it read the joined text too: as good on 5,312 tuning questions, and a third of an English question's
        CPU (docs/ranking.md, "Stop 57")."""
        if self.translation is None:
            return (self.normalized,)
        rendering = self.translation.rendering
        others = [term for term in self.translation.terms if term not in rendering]
        vietnamese = " ".join([rendering, *others])
        return (self.normalized, vietnamese)

    @property
    def evidence_text(self) -> str:
        """The folded words a passage that answers would hold: the query's own, or for English the
        glossary's Vietnamese and the residue, since its English words match no Vietnamese passage."""
        if self.translation is None:
            return self.folded
        return fold(" ".join((self.translation.residue, *self.translation.terms)))

    @property
    def spelled_evidence(self) -> str | None:
        """The folded query with its office abbreviations spelled out ("bhxh tinh" → "bao hiem xa hoi tinh"), if it
        types any: a passage that answers spells them, and holds the question's words together only so."""
        if not self.spelled or self.translation is not None:
            return None
        return " ".join(fold(words) if (words := _abbreviation_words(word)) else word for word in self.folded.split())

    def restored(self, text: str) -> Query:
        """The query searched for this one: ``text`` is it with accents put back (``kb.retrieval.accents``).

        Its accented terms and the text the model embeds are the restored ones;
        its folded terms, the documents it names and its abbreviations stay those typed, so the
        folded leg still matches what was typed if a syllable was restored wrong.
        """
        return replace(understand(text), text=self.text, folded=self.folded, keys=self.keys, full_keys=self.full_keys,
                       numbers=self.numbers, years=self.years, spelled=self.spelled)

    def syllables(self) -> list[Phrase]:
        """The lexical leg's terms: each syllable in the accented column as typed (if the query has
        accents) and in the folded one folded; for English, the syllables of the glossary's terms
        and of the residue (``_columns``)."""
        glossary_terms = self.translation.terms if self.translation else ()
        return self._columns(lambda text: [(w,) for w in tokens(text)], self._vietnamese(glossary_terms))

    def pairs(self) -> list[Phrase]:
        """The phrase leg's terms: every two adjacent syllables (``chỉ thị``, ``thị 05``).

        Vietnamese words are mostly two syllables, written apart: a pair is the
        word, where single syllables match every word that shares one (and,
        folded, every syllable that differs only by accent).  For English, also
        the pairs of the Vietnamese rendering (``thị 05`` of "Directive 05") and
        of each glossary term.
        """
        vietnamese = (self.translation.rendering, *self.translation.terms) if self.translation else ()
        return self._columns(pairs, self._vietnamese(vietnamese))

    def _vietnamese(self, terms: tuple[str, ...]) -> tuple[str, ...]:
        """The Vietnamese searched beside the query's own words: the glossary's, and the abbreviations spelled out
        ("ĐVTN phường Ngã Bảy góp ý gì", where the report prints "đoàn viên thanh niên")."""
        return (*terms, *self.spelled)

    def _columns(self, terms: Callable[[str], Iterable[tuple[str, ...]]],
                 vietnamese: tuple[str, ...]) -> list[Phrase]:
        """The terms of the query as typed, then those of ``vietnamese`` (accented and folded) not among them.

        Of an English question only the residue counts as typed (names, numbers,
        words the glossary does not know): its English words would match only
        the English of bilingual forms, not the Vietnamese that answers.
        """
        accented = [("accented", t) for t in terms(self.normalized)] if self.has_accents else []
        typed_text = fold(self.translation.residue) if self.translation else self.folded
        typed: list[Phrase] = accented + [("folded", t) for t in terms(typed_text)]
        added = dict.fromkeys((column, t) for text in vietnamese for column, form in
                              (("accented", text), ("folded", fold(text))) for t in terms(form))
        present = set(typed)
        return typed + [phrase for phrase in added if phrase not in present]


def _reads_as_vietnamese(folded: str) -> bool:
    """Whether most words of a folded text are Vietnamese syllables (and there are words)."""
    words = [w for w in tokens(folded) if w.isalpha()]
    return bool(words) and sum(bool(_SYLLABLE.fullmatch(w)) for w in words) >= VIETNAMESE_SHARE * len(words)


def _translation(normalized: str) -> Translation | None:
    """The glossary's Vietnamese of an English query; None for Vietnamese, accented or not.

    English is text whose words typed without marks mostly do not read as
    Vietnamese syllables and among which the glossary knows at least one
    (a function word or a term): a name, a number or a code alone is not English.
    Words typed with their marks are the Vietnamese names an English question
    holds ("How far from the forest must a kiln be in Bát Xát?"), so they must be
    fewer than the others: more, and it is Vietnamese typed half without marks.
    """
    words = normalized.split()
    unmarked = [word for word in words if not marked(word)]
    if (len(words) - len(unmarked)) * 2 >= len(words) or _reads_as_vietnamese(fold(" ".join(unmarked))):
        return None
    translation = glossary().translate(normalized)
    return translation if translation.english else None


def understand(text: str) -> Query:
    normalized = normalize(text)
    folded = fold(text)
    has_accents = normalized.lower() != folded
    translation = _translation(normalized)
    named = extract_references(normalized)
    references = named + (extract_references(translation.rendering) if translation else [])
    # "Kết luận 251-TB/ĐU", "conclusion 251-TB/DU": the index holds the notice as TB:251, the word says KL:251.
    coded = [other for reference in references if (other := reference.by_symbol)]
    return Query(
        text=text,
        normalized=normalized,
        folded=folded,
        has_accents=has_accents,
        keys=keys_sharing_numbers(r.key for r in references + coded),
        full_keys=keys_sharing_numbers(r.full_key for r in references + coded),
        translation=translation,
        numbers=tuple(dict.fromkeys(r.text for r in references)),
        asked=_without(normalized, [(r.char_start, r.char_end) for r in named]) if references else "",
        years=tuple(sorted({(key, r.year) for r in references if r.year for key in keys_sharing_numbers([r.key])})),
        spelled=_spelled(folded),
    )


def _spelled(folded: str) -> tuple[str, ...]:
    """The words of the office abbreviations a folded query types ("ubnd" → "ủy ban nhân dân"), each once."""
    return tuple(dict.fromkeys(words for word in folded.split() if (words := _abbreviation_words(word))))


def _abbreviation_words(word: str) -> str | None:
    """The words an office abbreviation a query types stands for ("ubnd," → "ủy ban nhân dân"), None for any other word."""
    return spelled_out().get(word.strip(",.;:?!()"))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the spans cut out, the words on either side kept apart."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} {text[end:]}"
    return " ".join(text.split())
