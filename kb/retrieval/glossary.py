"""An English question put into the words Vietnamese documents use, by a bilingual office glossary.

The embedding model reads English, but the lexical and phrase legs match
words, and the reference leg document numbers: "directive", "Provincial Party
Committee" or "take effect" match nothing in a Vietnamese text.  The glossary
(``glossary.tsv`` beside this module, kept as data so that staff can review and
extend it) gives the Vietnamese of each term, longest phrase first, so an
English question also reaches those legs.  Words it does not know are left
out of the rendering, except numbers and codes ("05", "18-NQ/TW"), which keep
their place so that "Directive No. 05" reads "chỉ thị 05" and the reference
leg finds Chỉ thị 05.  What it did not read as English (names such as "Nghe An",
numbers, codes) is kept apart as the query's residue: the only words of an
English question worth matching as typed, since its English words match
nothing but the English of bilingual forms and translators' notes.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from itertools import groupby

from indexer.analyzer import fold, normalize

__all__ = ["Glossary", "GlossaryError", "Translation", "glossary", "marked", "parse_glossary"]

FUNCTION_WORD = "-"  # the target of a word that means nothing to search for
RESPELLING = "="  # the target's prefix of a British spelling
_WORD = re.compile(r"[a-z]+")
_APOSTROPHE_S = re.compile(r"['’]s\b")
# "don't" is "do not" ("t" is no word), "they're" is "they": what is left is a function word or nothing.
_CONTRACTED = re.compile(r"(?:\bca|\bwo)?n['’]t\b|['’](?:re|ve|ll|m|d)\b")
_CONTRACTIONS = {"can't": "can not", "won't": "will not", "n't": " not"}  # keyed with a straight apostrophe
_EDGE_PUNCTUATION = "\"'“”‘’()[]{}.,;:!?"
_SENTENCE_ENDS = (".", "?", "!", ":")
# Function words that end Vietnamese place names ("Định Mỹ", "Khánh An"): after a word the glossary lacks, typed in
# lower case, they go on with it.
_NAME_ENDINGS = frozenset(("my", "an"))
# A Vietnamese syllable typed without its marks: initial consonants, one to three vowels, a final consonant.
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?")
# A holder of office named by the body's own entry: "Minister of Finance" is "bộ trưởng" of
# "Ministry of Finance", so the holder's title goes before that entry's Vietnamese.
_HOLDER_OF = {"minister": "ministry"}
# A phrasal verb's object said between its verb and its particle: "hand it in", "turn them down", "pay it back".
_PARTICLES = frozenset(("in", "out", "down", "up", "back", "over", "off", "on", "away"))
_OBJECTS = frozenset(("it", "them", "him", "her", "this", "that", "these", "those", "one", "everything"))


def marked(token: str) -> bool:
    """Whether a token is a Vietnamese word typed with its marks ("Xát", "Tuần"): in an English question, a name's."""
    return fold(token) != token.lower()


def _singular(word: str) -> str:
    """A plural's singular by rule alone ("fees" → "fee", "policies" → "policy", "taxes" → "tax", "dies" → "die").

    Entries and queries go through the same rule, so a word it mangles
    ("news" → "new") still meets its entry; what it must not do is merge two
    entries, which ``parse_glossary`` checks.  A verb's "-ies" on a stem of
    one consonant is its "-ie" ("dies", "lies", "ties"): "dy" meets no entry.
    """
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-1] if len(word) == 4 else word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses")):
        return word[:-2]
    return word[:-1]


_DROPPED_E = re.compile(r"(?:^|[^aeiou])[aeiou][^aeiouwxy]$")  # "rat" of "rating", "car" of "caring"


def _bases(word: str) -> tuple[str, ...]:
    """The bases a past form or a gerund may have, by rule, likeliest first: "rewarded" → "reward", "proposed" →
    "propose", "applied" → "apply", "stopped" → "stop", "giving" → "give".  Read only for a word that has no entry
    of its own, so "planned", "issued", "funding" keep theirs.  A stem ending in one vowel between consonants drops
    an "e" ("rating" → "rate", "caring" → "care"): its own base would have doubled the consonant ("ratting").
    A plural in "-es" that ``_singular`` cut to "-e" is read without it: "buffaloes" → "buffalo", "buses" → "bus",
    "bonuses" → "bonus"."""
    if word.endswith(("oe", "use")) and len(word) > 2:
        return (word[:-1],)
    if len(word) <= 4:
        return ()
    if word.endswith("ied"):
        return (word[:-3] + "y",)
    stem = word[:-2] if word.endswith("ed") else word[:-3] if word.endswith("ing") else ""
    if len(stem) == 2 and word.endswith("ing"):  # "going", "doing"
        return (stem,)
    if len(stem) < 3:
        return ()
    doubled = (stem[:-1],) if stem[-1] == stem[-2] else ()
    if _DROPPED_E.search(stem):
        return (stem + "e", stem, *doubled)
    return (stem, stem + "e", *doubled)


class GlossaryError(ValueError):
    """A line of the glossary file that cannot be read, or an English term given twice."""


@dataclass(frozen=True)
class Translation:
    """What the glossary made of a query.

    ``terms`` are every Vietnamese term of every phrase it knew, for the
    lexical legs; ``rendering`` is the query in Vietnamese word order (each
    phrase's first term, numbers and codes kept), for the phrase leg's pairs and
    for the document numbers; ``english`` counts the words it recognised as English;
    ``residue`` is the rest, in order: unknown words (names) and numbers and codes;
    ``read`` counts the words an entry read, and ``unknown`` holds the words none did.
    """

    terms: tuple[str, ...]
    rendering: str
    english: int
    residue: str = ""
    senses: tuple[tuple[str, ...], ...] = ()  # the terms of each phrase it knew, one group a phrase
    read: int = 0
    unknown: tuple[str, ...] = ()

    def searched(self, vocabulary: Container[str]) -> float:
        """The share of its words the lexical legs can search: those an entry read, and the unknown ones an index
        of ``vocabulary`` (folded syllables) holds, such as the names of its places."""
        held = sum(fold(word) in vocabulary for word in self.unknown)
        return (self.read + held) / max(1, self.read + len(self.unknown))


@dataclass(frozen=True)
class Glossary:
    """The glossary as read from its file: immutable, shared by every search of the process."""

    entries: dict[tuple[str, ...], tuple[str, ...]]  # English words → Vietnamese terms (NFC, lower case), or none
    function_words: frozenset[str]
    respellings: dict[str, str]  # British word → American word
    longest: int  # words in the longest English phrase

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of an entry or a function word."""
        return frozenset(word for phrase in self.entries for word in phrase) | self.function_words

    @cached_property
    def single_words(self) -> frozenset[str]:
        """The words an entry or a function word reads alone: "van" is one ("xe"), "giang" only in "Hau Giang"."""
        return frozenset(phrase[0] for phrase in self.entries if len(phrase) == 1) | self.function_words

    def words(self, token: str) -> list[str]:
        """A token's English words as the entries are keyed: lower case, contractions undone ("don't": "do not"),
        "'s" joined, singular, respelled.

        "'s" is joined where an entry then holds the word ("women's": "women"); elsewhere it is a possessive
        and goes ("Lao Cai's": "cai", not "cais"), so that a name searched as typed is the name.
        """
        lower = _CONTRACTED.sub(lambda match: _CONTRACTIONS.get(match.group().lower().replace("’", "'"), " "),
                                token.lower())
        joined = self._keyed(_APOSTROPHE_S.sub("s", lower))
        if not _APOSTROPHE_S.search(lower) or set(joined) <= self.vocabulary:
            return joined
        return self._keyed(_APOSTROPHE_S.sub("", lower))

    def _keyed(self, text: str) -> list[str]:
        return [self._respelled(_singular(w)) for w in _WORD.findall(text)]

    def _respelled(self, word: str) -> str:
        return self.respellings.get(word, word)

    def translate(self, text: str) -> Translation:
        """The Vietnamese of ``text``'s known phrases (longest first), and its rendering with numbers and codes kept."""
        terms: dict[str, None] = {}
        senses: list[tuple[str, ...]] = []
        rendering: list[str] = []
        residue: list[str] = []
        unknown: list[str] = []
        english = read = 0
        for run in self._runs(text):
            if isinstance(run, str):
                rendering.append(run)
                residue.append(run)
                continue
            if isinstance(run, tuple):  # a name: searched as typed, from the residue, as a word the glossary lacks
                residue.extend(run)
                unknown.extend(run)
                continue
            start, after_unknown = 0, False
            while start < len(run):
                unread = len(residue)
                holder = self._holder(run, start)
                if holder:
                    title, body = holder
                    terms.update(dict.fromkeys((title, *self.entries[body])))
                    senses.append((title, *self.entries[body]))
                    rendering.append(f"{title} {self.entries[body][0]}")
                    english += len(body)  # "minister" stands for the body's first word, "ministry"
                    read += len(body)
                    start += len(body)
                    continue
                for size in range(min(self.longest, len(run) - start), 0, -1):
                    phrase = self._entry(tuple(run[start : start + size]))
                    if phrase in self.entries:
                        english += size
                        if self.entries[phrase]:  # a function phrase ("their own") has no term: nothing to search
                            terms.update(dict.fromkeys(self.entries[phrase]))
                            senses.append(self.entries[phrase])
                            rendering.append(self.entries[phrase][0])
                            read += size
                        break
                    base = self._base(phrase[0]) if size == 1 else None
                    if base in self.function_words and after_unknown and base in _NAME_ENDINGS:
                        residue.append(phrase[0])  # "dinh my", "khanh an" typed in lower case: a name's last syllable
                        unknown.append(phrase[0])
                        break
                    if base in self.function_words:  # "the", or "telling", "going": a sign of English only
                        english += 1
                        break
                    if base:
                        terms.update(dict.fromkeys(self.entries[(base,)]))
                        senses.append(self.entries[(base,)])
                        rendering.append(self.entries[(base,)][0])
                        english += 1
                        read += 1
                        break
                else:
                    size = 1  # an unknown word: searched as typed, from the residue
                    residue.append(run[start])
                    unknown.append(run[start])
                after_unknown = len(residue) > unread  # the word just read went to the residue: the glossary lacks it
                start += size
        return Translation(tuple(terms), " ".join(rendering), english, " ".join(residue), tuple(senses), read,
                           tuple(unknown))

    def _entry(self, phrase: tuple[str, ...]) -> tuple[str, ...]:
        """The entry a phrase reads as: itself, or with its first word's past form or gerund taken back to the base
        an entry holds ("turned off" → "turn off", "handing in" → "hand in"), so that a phrasal verb is not read as
        its verb alone ("turned" → "turn", chuyển)."""
        if phrase in self.entries or len(phrase) == 1:
            return phrase
        return next(((base, *phrase[1:]) for base in _bases(phrase[0]) if (base, *phrase[1:]) in self.entries), phrase)

    def _base(self, word: str) -> str | None:
        """What a word without an entry of its own reads as: itself if it is a function word, else the base of its
        past form or gerund that an entry or a function word holds ("telling" → "tell")."""
        if word in self.function_words:
            return word
        return next((base for base in _bases(word) if (base,) in self.entries or base in self.function_words), None)

    def _holder(self, run: list[str], start: int) -> tuple[str, tuple[str, ...]] | None:
        """The title and the body's entry of "Minister of X" at ``start`` when "Ministry of X" is an entry."""
        body = _HOLDER_OF.get(run[start])
        if body is None or (run[start],) not in self.entries:
            return None
        for size in range(min(self.longest, len(run) - start), 1, -1):
            phrase = (body, *run[start + 1 : start + size])
            if phrase in self.entries:
                return self.entries[(run[start],)][0], phrase
        return None

    def _runs(self, text: str) -> list[list[str] | str | tuple[str, ...]]:
        """``text`` as runs of English words (lists), cut at every number or code, which stands as typed between
        them (a string), and at every word of a Vietnamese name (a tuple of that word; typed with its marks, the
        word whole: "Bát Xát" is no "b t x t")."""
        runs: list[list[str] | str | tuple[str, ...]] = [[]]
        raws = text.split()
        tokens = [raw.strip(_EDGE_PUNCTUATION) for raw in raws]
        keyed = [[token.lower()] if marked(token) else self.words(token) for token in tokens]
        openers = [at == 0 or raws[at - 1].endswith(_SENTENCE_ENDS) for at in range(len(raws))]
        for token, words, named in zip(tokens, keyed, self._names(tokens, keyed, openers), strict=True):
            if named:
                runs += [tuple(words), []]
            elif self._kept(token):
                runs += [token, []]
            else:
                last = runs[-1]
                assert isinstance(last, list)
                last.extend(words)
        return [self._joined_particles(run) if isinstance(run, list) else run for run in runs if run]

    def _joined_particles(self, run: list[str]) -> list[str]:
        """``run`` with each phrasal verb's particle moved before the object said between them: "hand it in" reads
        as the entry "hand in" (nộp), where word by word it was "hand" (tay) and "in"; a past form too ("handed it
        in")."""
        joined = list(run)
        for at in range(len(joined) - 2):
            verb, said, particle = joined[at : at + 3]
            if said not in _OBJECTS or particle not in _PARTICLES:
                continue
            base = next((b for b in (verb, *_bases(verb)) if (b, particle) in self.entries), None)
            if base is not None:
                joined[at : at + 3] = [base, particle, said]
        return joined

    def _names(self, tokens: list[str], keyed: list[list[str]], openers: list[bool]) -> list[bool]:
        """Which ``tokens`` (``keyed``: their words) name a place or a person in Vietnamese: two capitalised syllables
        side by side or more, the run no entry of its own and, at a sentence's opening, one of them no English word the
        glossary reads alone ("the Long He party" inside one, "Long" no dài), or any typed with its marks ("Hoàng Su
        Phì", "Huế"). "Ban Gioc" is a waterfall, not a ban; "Tay Son" no son; "Van Giang" no van ("giang" is read only
        in "Hau Giang"). A function word after one is its last syllable ("Nam Trà My", "Phu My"); before one, its first
        only inside a sentence (``openers``: the tokens that open one), where nothing but a name capitalises it ("the An
        Loc ward", "the My Quy school", not "In Nam Dinh, …")."""
        shaped = [token[:1].isupper() and token[1:].islower() and len(words) == 1
                  and (marked(token) or bool(_SYLLABLE.fullmatch(words[0])))
                  for token, words in zip(tokens, keyed, strict=True)]
        syllable: list[bool] = []
        for at, words in enumerate(keyed):
            opening = not openers[at] and at + 1 < len(shaped) and shaped[at + 1]
            syllable.append(shaped[at] and (words[0] not in self.function_words or bool(syllable and syllable[-1])
                                            or (opening and words[0] != "i")))
        named: list[bool] = []
        for is_syllable, run in groupby(zip(syllable, tokens, keyed, strict=True), key=lambda triple: triple[0]):
            found = list(run)
            inside = not openers[len(named)]  # the run opens no sentence: only a name capitalises it there
            name = is_syllable and (len(found) >= 2 or marked(found[0][1])) \
                and tuple(words[0] for _, _, words in found) not in self.entries \
                and (inside and len(found) >= 2 or any(words[0] not in self.single_words for _, _, words in found))
            named += [name] * len(found)
        return named

    def _kept(self, token: str) -> bool:
        """A number, a date or a code ("05", "18-NQ/TW", "UBND"): kept as typed.  "VAT" is a word of the glossary."""
        if any(c.isdigit() for c in token):
            return True
        return len(token) > 1 and token.isupper() and not set(self.words(token)) <= self.vocabulary


def parse_glossary(text: str) -> Glossary:
    """Read the glossary format (``ENGLISH<TAB>VIETNAMESE | …``, ``-`` function words, ``=word`` respellings).

    Raises ``GlossaryError`` for a malformed line or an English term given
    twice, so a bad edit fails loudly rather than shadowing an entry.
    """
    rows: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        english, tab, target = line.partition("\t")
        if not tab or not english.strip() or not target.strip() or english != english.strip().lower():
            raise GlossaryError(f"line {number}: expected 'english<TAB>vietnamese', lower-case English: {line!r}")
        rows.append((number, english, target.strip()))
    respellings = {english: target[1:] for _, english, target in rows if target.startswith(RESPELLING)}
    speller = Glossary({}, frozenset(), respellings, 0)
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    function_words: set[str] = set()
    seen: dict[str, int] = {}
    for number, english, target in rows:
        if english in seen:
            raise GlossaryError(f"line {number}: {english!r} is already given on line {seen[english]}")
        seen[english] = number
        if target.startswith(RESPELLING):
            continue
        key = tuple(w for token in english.split() for w in speller.words(token))
        if key in entries or (len(key) == 1 and key[0] in function_words):
            raise GlossaryError(f"line {number}: {english!r} is another spelling of an entry given before")
        if target == FUNCTION_WORD and len(key) == 1:
            function_words.update(key)
            continue
        if target == FUNCTION_WORD:  # a function phrase: its words are read together, as no term
            entries[key] = ()
            continue
        entries[key] = tuple(dict.fromkeys(normalize(term).lower() for term in target.split("|") if term.strip()))
    return Glossary(entries, frozenset(function_words), respellings, max(map(len, entries), default=0))


@cache
def glossary() -> Glossary:
    """The glossary shipped with kb (``kb/retrieval/glossary.tsv``), read once."""
    return parse_glossary(resources.files("kb.retrieval").joinpath("glossary.tsv").read_text(encoding="utf-8"))
