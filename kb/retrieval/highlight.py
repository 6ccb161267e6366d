"""Where a query matches a passage, for highlighting, and the excerpt of a long passage around its best match.

A Vietnamese word is mostly two syllables, so a query's syllable on its own is
noise: for ``chi thi 05`` the ``Chí`` of ``Hồ Chí Minh``, a ``thì``, the ``thị``
of ``đô thị``.  What is highlighted is the phrase: the query's words in a row
(``Chỉ thị số 05``, a joining word such as ``số`` or ``và`` between them
allowed), as one mark; a lone word only when the query is one word.  The words
are those of the query as searched: with the accents the search put back
(``SearchResponse.restored``) when it did, compared accent for accent (in either
tone-mark convention), so ``Chí`` is not ``chỉ``; when the restored words hold no
phrase of a passage, the words as typed, those typed without accents matching
every accented form.  Positions are in the passage as given (NFC, as stored).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from indexer.analyzer import WORD, fold, nfc, normalize

__all__ = ["EXCERPT_CHARS", "Excerpt", "excerpt", "highlight_spans", "mark", "mark_spans"]

EXCERPT_CHARS = 420  # a result shows this much of its passage around the best match
# Question words and particles that every passage contains: never a match of their own.
_QUIET = frozenset("gì nào những các là của và có được về cho với thì the what does do".split())
# Words that may stand between two of a phrase's words: "Chỉ thị số 05", "học tập và làm theo".
_JOINING = _QUIET | {"số", "so"}
_SENTENCE_END = re.compile(r"[.;:!?…][”\"»)]?\s|\n")

Span = tuple[int, int]


@dataclass(frozen=True)
class _Match:
    """A run of the query's words in a passage: where it is and how many different query words it holds."""

    start: int
    end: int
    words: int


def _terms(query: str) -> list[str]:
    """The query's words that can match: normalised, lower case, question words left out."""
    return [w for w in WORD.findall(normalize(query).lower()) if w not in _QUIET]


def _matching(word: str, terms: list[str]) -> list[int]:
    """The places in ``terms`` that ``word`` is: accented terms compared as written, unaccented ones folded."""
    lower = word.lower()
    written, plain = normalize(lower), fold(lower)
    return [i for i, t in enumerate(terms) if t == written or (t == plain and fold(t) == t)]


def _runs(text: str, terms: list[str]) -> list[_Match]:
    """Every run of ``terms`` in ``text`` that holds a phrase: two terms or more in the query's order (one for a
    one-word query), only spaces or one joining word between them."""
    needed = min(2, len(set(terms)))
    runs: list[_Match] = []
    held: list[int] = []  # the places in ``terms`` of the current run's words
    start = end = previous = 0  # the run's start and end, the end of the word before
    joined = False  # the current run has just passed a joining word

    def close() -> None:
        if len({terms[i] for i in held}) >= needed:
            runs.append(_Match(start, end, len(set(held))))
        held.clear()

    for match in WORD.finditer(text):
        places = _matching(match.group(), terms)
        between, previous = text[previous : match.start()], match.end()
        if held and (between.strip() or (not places and (joined or match.group().lower() not in _JOINING))):
            close()  # punctuation, a second word between, or one that joins nothing: the phrase has ended
        if not places:
            joined = bool(held)
            continue
        later = [i for i in places if i > held[-1]] if held else places
        if not later:  # a word of the query said again, or out of order, begins another phrase
            close()
            later = places
        if not held:
            start = match.start()
        held.append(later[0])
        end, joined = match.end(), False
    if held:
        close()
    return runs


def _matches(text: str, query: str, restored: str | None) -> list[_Match]:
    """The phrases of the query as searched (restored), else as typed."""
    text = nfc(text)
    for words in ([restored] if restored else []) + [query]:
        terms = _terms(words)
        runs = _runs(text, terms) if terms else []
        if runs:
            return runs
    return []


def highlight_spans(text: str, query: str, restored: str | None = None) -> list[Span]:
    """Where the query's phrases stand in ``text``, in order; ``restored``: the query with its accents put back."""
    return [(m.start, m.end) for m in _matches(text, query, restored)]


def mark_spans(text: str, spans: list[Span], before: str, after: str, escape: Callable[[str], str] = str) -> str:
    """``text`` with each span wrapped in ``before``/``after``; all text passed through ``escape``."""
    out, last = [], 0
    for start, end in spans:
        out += [escape(text[last:start]), before, escape(text[start:end]), after]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def mark(text: str, query: str, before: str, after: str, escape: Callable[[str], str] = str,
         restored: str | None = None) -> str:
    """``text`` with every phrase of the query wrapped in ``before``/``after``; other text passed through ``escape``."""
    return mark_spans(text, highlight_spans(text, query, restored), before, after, escape)


@dataclass(frozen=True)
class Excerpt:
    """Part of a passage (or all of it), where its phrases stand in it, and whether it was cut."""

    text: str
    spans: list[Span]
    cut: bool

    def marked(self, before: str, after: str, escape: Callable[[str], str] = str) -> str:
        return mark_spans(self.text, self.spans, before, after, escape)


def _window(text: str, best: _Match | None, limit: int) -> tuple[int, int]:
    """About ``limit`` characters of ``text`` holding ``best``: from the start of its sentence (or a third of
    the window before it), to a sentence end after it where one falls in the window's last 40 %."""
    anchor = best.start if best else 0
    start = 0
    if anchor > limit // 4:  # a sentence's start is kept even near the end; a cut between words fills the window
        sentence = max((m.end() for m in _SENTENCE_END.finditer(text, 0, anchor)), default=0)
        start = sentence if anchor - sentence <= limit // 3 else \
            min(text.find(" ", anchor - limit // 3) + 1, max(0, len(text) - limit))
    if start and not text[start - 1].isspace():
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + limit)
    if end < len(text):  # end at a sentence end in the window's last 40 % (never before the match), else between words
        after = max(start + limit * 6 // 10, best.end if best else 0)
        ends = [m.start() + (text[m.start()] != "\n") for m in _SENTENCE_END.finditer(text, after, end)]
        end = ends[-1] if ends else max(text.rfind(" ", after, end), after)
    return start, end


def excerpt(text: str, query: str, restored: str | None = None, limit: int = EXCERPT_CHARS) -> Excerpt:
    """About ``limit`` characters of a passage around its best match (the phrase holding the most of the
    query's words, the first of those), cut at sentences, with its phrases' spans.

    Passages run to 300 words: ten of them in full bury the answer, so a result
    shows the window a reader needs and the full passage is one click away.
    """
    matches = _matches(text, query, restored)
    if len(text) <= limit:
        return Excerpt(text, [(m.start, m.end) for m in matches], False)
    best = max(matches, key=lambda m: m.words, default=None)  # max keeps the first of equals
    start, end = _window(text, best, limit)
    body = text[start:end]
    lead = len(body) - len(body.lstrip())
    body = body.strip()
    prefix = "… " if start else ""
    shift = len(prefix) - start - lead
    spans = [(m.start + shift, m.end + shift) for m in matches if start + lead <= m.start and m.end <= start + lead + len(body)]
    return Excerpt(prefix + body + (" …" if end < len(text) else ""), spans, True)
