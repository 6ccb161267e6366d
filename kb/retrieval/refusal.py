"""Knowing when nothing answers: the evidence the legs give, and the rule that reads it.

A search always has a best passage, and the fused score cannot say whether it
answers: each leg is min-max scaled within its own query, so every query's
best sits near the top of the scale, "zzzzqqq" as much as a real question.
The legs' raw evidence can say it.  A document number that no passage is or
cites means the index does not hold what was asked for.  Otherwise a question
is answered when some candidate passage holds most of its informative
syllables (IDF-weighted coverage, which gibberish and questions about
other subjects lack) or when the model finds a passage close in meaning
(its cosine, which carries questions in English, whose words the lexical legs
barely match).  A question in Vietnamese must also find its words together:
"cách làm bún chả Hà Nội" shares "cách làm", "Hà", "Nội", "bún" and "chả" with
the passages of an index of laws, one here and one there, and the model finds
every Vietnamese question close to every Vietnamese passage; pairs of adjacent
syllables ("bún chả") are its words, and no passage holds those.  A question in
English holds few words the lexical legs can search, so the model must find it
closer to a passage than a Vietnamese one.  The thresholds are settings
(``kb.config.Refusal``), chosen and measured in docs/ranking.md.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from indexer.analyzer import pairs, tokens
from indexer.header import NUMBER_LINE
from indexer.parse import frame_part
from kb.config import Refusal
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.asking import asking_pairs
from kb.retrieval.lexicon import Lexicon
from kb.retrieval.query import Query
from kb.storage.filters import DocumentFilters

__all__ = ["NO_MATCH", "NO_NUMBER", "Evidence", "Verdict", "gather", "judge", "printed_unread", "subject_pairs"]

NO_NUMBER = "unknown_number"  # the query names a document number that nothing in the index is or cites
NO_MATCH = "no_match"  # no passage holds enough of its words nor comes close in meaning
_CLAUSE_END = re.compile(r"[?!:;,.](?:\s|$)")  # a mark that ends a clause (not the point inside "1.000", "2.5")
_DIGITS = re.compile(r"\d+")
_SYMBOL_AFTER = re.compile(r"\s?[/:-]")  # the stroke or dash after a number's digits, as printed or misread


@dataclass(frozen=True)
class Evidence:
    """What the legs found that bears on whether anything answers."""

    coverage: float  # the best IDF-weighted share of the query's syllables one candidate passage holds
    similarity: float | None  # the dense leg's best cosine; None when the leg did not run or found nothing
    references: int  # passages that are, or cite, a document of a type and number the query names
    numbers: tuple[str, ...]  # the document numbers the query names, as typed
    pairs: float | None = None  # coverage of its syllable pairs (subject_pairs); None: English, one word, all held
    held: int = 0  # the most of those pairs one candidate holds
    english: bool = False  # the query was read as English (through the glossary)
    searched: float = 1.0  # the share of an English question's words the legs can search (``Translation.searched``)
    syllables: int = 0  # how many syllables the question's coverage reads (a statement's are many)


@dataclass(frozen=True)
class Verdict:
    """Why a search shows nothing: a code for programs, a sentence for people, the numbers not held."""

    code: str
    reason: str
    numbers: tuple[str, ...] = ()


def gather(kb: KnowledgeBase, query: Query, found: dict[str, list[tuple[int, float]]],
           filters: DocumentFilters | None = None, upto: int | None = None) -> Evidence:
    """The evidence of one search's legs (``kb.retrieval.search.legs``, run with these ``filters``).

    Where the reference leg found nothing for a query that names an issuer, the
    type and number alone are asked again: an issuer code typed without accents
    or with a typo (``NQ-HDTP``, ``QH51``) must not make a held document missing.
    ``upto`` is the last chunk the lexicon had taken in when the legs ran: while a
    writer commits, the lexicon takes in chunks their candidates never saw, and a
    word only those hold ("phê duyệt" of the pages an upload is adding) would make
    the question look unanswered by every candidate.
    """
    candidates = sorted({chunk_id for leg in ("lexical", "phrase", "dense") for chunk_id, _ in found.get(leg, [])})
    lexicon = kb.lexicon.current()
    syllables = tokens(query.evidence_text)
    coverage = lexicon.coverage([(word,) for word in syllables], candidates, upto)
    # An English question's Vietnamese is the glossary's terms side by side, not a sentence: its pairs say nothing.
    seen = _Seen(lexicon, upto)
    # As typed, and with its abbreviations spelled out ("bhxh" → "bảo hiểm xã hội"), whichever a candidate holds best.
    typed = [query.evidence_text, *filter(None, [query.spelled_evidence])] if query.translation is None else []
    together, held = None, 0
    for words in filter(None, (subject_pairs(text, seen) for text in typed)):
        share, count = _held_together(lexicon, words, candidates, upto)
        together = share if together is None or share is None else max(together, share)
        held = max(held, count)
        if share is None:
            break
    dense = found.get("dense")
    references = len(found.get("reference", []))
    if not references and query.keys:
        references = len(kb.store.chunks.citing(query.keys, [], filters, years=query.years))
    return Evidence(coverage=max(coverage, default=0.0), pairs=together, held=held,
                    similarity=dense[0][1] if dense else None,
                    references=references, numbers=query.numbers, english=query.translation is not None,
                    searched=query.translation.searched(lexicon.vocabulary) if query.translation else 1.0,
                    syllables=len(syllables))


def printed_unread(kb: KnowledgeBase, numbers: tuple[str, ...], candidates: list[int],
                   filters: DocumentFilters | None) -> int:
    """The headers, of the documents of ``candidates``, that print a number of ``numbers`` on their number line
    though kb read no number there: "cv 194" is the scan whose seal left "Số: 194/€V-CAX".  Only a number line of a
    document without a number counts, so a question naming a document nobody wrote ("Quyết định 455/QĐ-UBND") is
    refused still."""
    named = {found.group().lstrip("0") for number in numbers if (found := _DIGITS.search(number))}
    if not named or not candidates:
        return 0
    unnumbered = sorted({row["doc_id"] for row in kb.store.chunks.hits(candidates).values() if not row["doc_number"]})
    headers = kb.store.chunks.hits(kb.store.chunks.frames(unnumbered, filters)) if unnumbered else {}
    return sum(1 for row in headers.values() if frame_part(row["section"]) == "header"
               and any(_prints(line, named) for line in row["text"].splitlines()))


def _prints(line: str, named: set[str]) -> bool:
    """Whether ``line`` is a number line whose number's digits (no leading zeros) are among ``named``."""
    number = NUMBER_LINE.match(line)
    digits = _DIGITS.match(number["rest"]) if number else None
    return bool(number and digits and digits.group().lstrip("0") in named
                and _SYMBOL_AFTER.match(number["rest"], digits.end()))


def _held_together(lexicon: Lexicon, words: list[tuple[str, str]], candidates: list[int],
                   upto: int | None) -> tuple[float | None, int]:
    """The best share of ``words`` (pairs) one candidate holds, and the most it holds; the share is None when one
    candidate holds every pair the index holds anywhere: the pairs it lacks are where two words meet ("sách nhà" of
    "ngân sách nhà nước" in a small index), not words it lacks."""
    shares, counts, known = lexicon.covered(words, candidates, upto)
    most = max(counts, default=0)
    return (None if known and most == known else max(shares, default=0.0)), most


class _Seen:
    """The syllables the index held when the legs ran (``upto``): the vocabulary, as of that chunk.

    Each syllable is looked up once: ``subject_pairs`` asks of most twice (as the second of one pair, the
    first of the next), for each way the question is read."""

    def __init__(self, lexicon: Lexicon, upto: int | None) -> None:
        self.lexicon, self.upto = lexicon, upto
        self._held: dict[str, bool] = {}

    def __contains__(self, syllable: object) -> bool:
        if not isinstance(syllable, str) or syllable not in self.lexicon.vocabulary:
            return False
        if self.upto is None:
            return True
        if syllable not in self._held:
            self._held[syllable] = bool(len(self.lexicon.holding((syllable,), self.upto)))
        return self._held[syllable]


def subject_pairs(folded: str, vocabulary: Container[str]) -> list[tuple[str, str]]:
    """The pairs of adjacent syllables a passage that answers would hold side by side.

    Only syllables of one clause pair: no word spans a question mark, a colon or a comma ("sau đây? Trả
    lời: Đi du học" holds no word "đây trả" nor "lời đi"). Left out: the pairs of asking ("bao nhiêu",
    "như thế nào": passages state, they seldom ask) and the pairs that share a syllable with one of them
    ("hoạch về" of "kế hoạch về việc": where two words meet, not a word); and those with a syllable the
    index never saw, a typo ("rừng trng") or a name, which the syllables' coverage weighs already: one
    typo would otherwise cost a question two pairs.
    """
    kept = []
    for clause in _CLAUSE_END.split(folded):
        adjacent = pairs(clause)
        asking = {i for i, pair in enumerate(adjacent) if pair in asking_pairs()}
        kept += [pair for i, pair in enumerate(adjacent)
                 if not {i - 1, i, i + 1} & asking and pair[0] in vocabulary and pair[1] in vocabulary]
    return kept


def judge(evidence: Evidence, rule: Refusal, filtered: bool = False) -> Verdict | None:
    """A verdict when nothing answers, else None; ``filtered``: the search was narrowed by metadata filters."""
    where = " among the documents the filters keep" if filtered else ""
    if evidence.references:
        return None
    if rule.numbers and evidence.numbers:
        named = ", ".join(evidence.numbers)
        return Verdict(NO_NUMBER, f"No document numbered {named} is in the index{where}, and no passage cites it.",
                       evidence.numbers)
    # Nor for an English question most of whose words neither the glossary nor the index knows: e5 finds "How do I
    # bake sourdough bread at home?" as close to a passage (0.88) as the questions that passage answers.
    if evidence.english and evidence.searched < rule.english_read:
        return Verdict(NO_MATCH, f"Nothing in the index{where} answers this: most of the question's words are in "
                                 "neither the office glossary nor the documents.")
    # The model alone never vouches for a query no candidate shares a single informative syllable with:
    # e5 puts strings it cannot read close to everything ("zzzzqqq" scores a cosine of 0.83).
    bar = rule.english if evidence.english else rule.similarity
    close = evidence.coverage > 0 and evidence.similarity is not None and evidence.similarity >= bar
    if evidence.coverage < rule.coverage and not close:
        return Verdict(NO_MATCH, f"Nothing in the index{where} answers this: no passage holds enough of the "
                                 "question's words, and none is close in meaning.")
    statement = 0 < rule.statement <= evidence.syllables
    if evidence.pairs is not None and evidence.pairs < rule.pairs and not 0 < rule.held <= evidence.held \
            and not statement:
        return Verdict(NO_MATCH, f"Nothing in the index{where} answers this: no passage holds the question's "
                                 "words together.")
    return None
