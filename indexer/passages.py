"""Cut body sections into passages of roughly ``min_words``–``max_words`` words.

A passage is what a search returns, so it should hold one idea in full: we
cut at paragraph boundaries when one is near the ideal cut, else at sentence
boundaries, and only for a sentence longer than ``max_words`` at ``;`` or
between words.  A section that is too long is cut into the fewest pieces that
fit, of near-equal size, so no piece ends up as a stub.  Consecutive pieces
of one section share a few whole sentences (``overlap_words``) so a statement
cut at a piece boundary is still found whole in one of them.

Tiny sections (a short subsection, a two-line intro) are merged with a
neighbour, but only within one article: same issuer and same headings down to
article level, so a passage never mixes two bodies' words.  A merged passage
takes the *common prefix* of the merged heading paths: labelling it with the
first subsection's title would claim the second subsection's text for it,
while the common prefix (at least the article heading) is true of all of it.

A legal article (Điều) is the unit a law is cited by, so it is never mixed
with another article, however small: an article that fits is one passage;
a longer one is cut at its clauses (Khoản), consecutive clauses packed into
near-equal passages, and only a clause too long on its own is cut at
sentences.  A passage holding exactly one clause names it in its path.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, pairwise

from indexer.clean import display_text, find_debris, strip_span
from indexer.legal import article_index
from indexer.model import Chunk, Section, Span
from indexer.structure import article_key

__all__ = ["chunk_sections"]

# Where a sentence may end: terminal punctuation, closing quotes, whitespace.
# It does end there unless the next word starts in lower case or the dot
# closes one of the abbreviations below ("TP. Hồ Chí Minh").
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’)\]]*\s+")
_ABBREVIATIONS = ("TP.", "Tp.", "TS.", "GS.", "ThS.", "BS.", "Th.S.")
_CLAUSE_END = re.compile(r";\s+")
_WORD = re.compile(r"\S+")


@dataclass
class _Unit:
    """A run of text never cut further: a sentence, or a clause of a very long one."""

    span: Span
    paragraph: int  # start offset of its paragraph: units of one paragraph rejoin on one line
    words: int


@dataclass
class _Piece:
    """A future chunk: its units in document order, its heading path and issuer."""

    units: list[_Unit]
    path: list[str]
    issuer: str | None

    @property
    def words(self) -> int:
        return sum(u.words for u in self.units)


def _sentence_end(text: str, match: re.Match[str], limit: int) -> bool:
    nxt = text[match.end()] if match.end() < limit else ""
    word = (text[max(0, match.start() - 8) : match.start() + 1].split() or [""])[-1]
    return bool(nxt) and not nxt.islower() and not word.endswith(_ABBREVIATIONS)


def _cut(text: str, span: Span, ends: re.Pattern[str], sentences: bool = False) -> list[Span]:
    """Split ``span`` after each match of ``ends`` (for sentences: real sentence ends only)."""
    spans, start = [], span.start
    for m in ends.finditer(text, span.start, span.end):
        if not sentences or _sentence_end(text, m, span.end):
            spans.append(Span(start, m.end()))
            start = m.end()
    spans.append(Span(start, span.end))
    return [s for s in spans if text[s.start : s.end].strip()]


def _word_windows(text: str, span: Span, size: int) -> list[Span]:
    """Last resort for a clause longer than ``size`` words: cut between words."""
    words = list(_WORD.finditer(text, span.start, span.end))
    return [Span(words[i].start(), words[min(i + size, len(words)) - 1].end()) for i in range(0, len(words), size)]


def _units(text: str, debris: list[Span], paragraph: Span, max_words: int) -> list[_Unit]:
    """A paragraph as sentences; a sentence over ``max_words`` as clauses or word windows."""

    def count(s: Span) -> int:
        return len(display_text(text, [s], debris).split())

    spans = []
    for sentence in _cut(text, paragraph, _SENTENCE_END, sentences=True):
        for clause in [sentence] if count(sentence) <= max_words else _cut(text, sentence, _CLAUSE_END):
            spans += [clause] if count(clause) <= max_words else _word_windows(text, clause, max_words)
    units = (_Unit(strip_span(text, s, debris), paragraph.start, count(s)) for s in spans)
    return [u for u in units if u.words]


def _breaks(units: list[_Unit], pieces: int) -> list[int]:
    """Indices of the units that start pieces 2..n: near equal shares of words,
    at a paragraph start when one lies within a quarter share of the ideal cut."""
    before = list(accumulate((u.words for u in units), initial=0))
    slack = before[-1] / pieces / 4
    starts: list[int] = []
    for k in range(1, pieces):
        ideal = k * before[-1] / pieces
        after = range((starts[-1] if starts else 0) + 1, len(units))
        # ``before`` only grows: the units within the slack of the ideal cut are one run of it
        near = range(max(after.start, bisect_left(before, ideal - slack)),
                     min(after.stop, bisect_right(before, ideal + slack)))
        pool = [i for i in near if units[i].paragraph != units[i - 1].paragraph] or near or list(after)
        if pool:
            starts.append(min(pool, key=lambda i: abs(before[i] - ideal)))
    return starts


def _overlap(previous: list[_Unit], budget: int) -> list[_Unit]:
    """The trailing whole sentences of the previous piece that fit in ``budget`` words."""
    tail: list[_Unit] = []
    for u in reversed(previous[1:]):
        if sum(t.words for t in tail) + u.words > budget:
            break
        tail.insert(0, u)
    return tail


def _split(units: list[_Unit], max_words: int, overlap_words: int) -> list[list[_Unit]]:
    """The fewest near-equal pieces of at most ``max_words`` words, overlap included."""
    total = sum(u.words for u in units)
    pieces = math.ceil(total / max(max_words - overlap_words, 1))
    while pieces > 1:
        cuts = [0, *_breaks(units, pieces), len(units)]
        cores = [units[a:b] for a, b in pairwise(cuts)]
        parts = cores[:1]
        for previous, core in pairwise(cores):
            room = min(overlap_words, max_words - sum(u.words for u in core))
            parts.append(_overlap(previous, room) + core)
        if all(sum(u.words for u in p) <= max_words for p in parts) or pieces >= len(units):
            return parts
        pieces += 1
    return [units]


def _section_pieces(
    text: str, debris: list[Span], section: Section, max_words: int, overlap_words: int
) -> list[_Piece]:
    units = [u for p in section.paragraphs for u in _units(text, debris, p, max_words)]
    if not units:
        return []
    parts = _split(units, max_words, overlap_words)
    return [_Piece(part, list(section.heading_path), section.issuer) for part in parts]


def _common_prefix(paths: list[list[str]]) -> list[str]:
    """The headings all ``paths`` share: what is true of every part of a joined passage."""
    prefix = paths[0]
    for path in paths[1:]:
        common = 0
        while common < min(len(prefix), len(path)) and prefix[common] == path[common]:
            common += 1
        prefix = prefix[:common]
    return list(prefix)


def _pack(sizes: list[int], max_words: int) -> list[list[int]]:
    """Consecutive blocks grouped into near-equal runs of at most ``max_words``
    (a block larger than that stands alone, to be cut at sentences)."""
    target = sum(sizes) / max(math.ceil(sum(sizes) / max_words), 1)
    groups: list[list[int]] = [[]]
    words = 0
    for i, size in enumerate(sizes):
        if groups[-1] and (words + size > max_words or words >= target):
            groups.append([])
            words = 0
        groups[-1].append(i)
        words += size
    return groups


def _article_pieces(
    text: str, debris: list[Span], sections: list[Section], max_words: int, overlap_words: int
) -> list[_Piece]:
    """The sections of one legal article (its opening text, its clauses) as passages."""
    blocks = [[u for p in s.paragraphs for u in _units(text, debris, p, max_words)] for s in sections]
    kept = [(s, b) for s, b in zip(sections, blocks) if b]
    if not kept:
        return []
    issuer = kept[0][0].issuer
    pieces = []
    for group in _pack([sum(u.words for u in b) for _, b in kept], max_words):
        units = [u for i in group for u in kept[i][1]]
        path = _common_prefix([kept[i][0].heading_path for i in group])
        parts = _split(units, max_words, overlap_words) if len(group) == 1 else [units]
        pieces += [_Piece(part, path, issuer) for part in parts]
    return pieces


def _runs(sections: list[Section]) -> list[list[Section]]:
    """Body sections in runs: all the sections of one legal article together,
    any other section alone."""
    runs: list[list[Section]] = []
    for section in sections:
        legal = article_index(section.heading_path) is not None
        if legal and runs and article_key(runs[-1][-1].heading_path) == article_key(section.heading_path):
            runs[-1].append(section)
        else:
            runs.append([section])
    return runs


def _same_article(a: _Piece, b: _Piece) -> bool:
    return a.issuer == b.issuer and article_key(a.path) == article_key(b.path)


def _join(a: _Piece, b: _Piece) -> _Piece:
    """``a`` then ``b``, under the common prefix of their heading paths (see module doc)."""
    units = a.units + [u for u in b.units if u not in a.units]
    return _Piece(units, _common_prefix([a.path, b.path]), a.issuer)


def _partner(pieces: list[_Piece], i: int, max_words: int) -> int | None:
    """The smaller neighbour in the same article that ``pieces[i]`` fits with."""
    options = [
        j
        for j in (i + 1, i - 1)
        if 0 <= j < len(pieces)
        and _same_article(pieces[i], pieces[j])
        and pieces[i].words + pieces[j].words <= max_words
    ]
    return min(options, key=lambda j: pieces[j].words, default=None)


def _merge_small(pieces: list[_Piece], min_words: int, max_words: int) -> list[_Piece]:
    """Join pieces under ``min_words`` to a neighbour of the same article while they fit."""
    pieces, i = list(pieces), 0
    while i < len(pieces):
        j = _partner(pieces, i, max_words) if pieces[i].words < min_words else None
        if j is None:
            i += 1
            continue
        a, b = min(i, j), max(i, j)
        pieces[a : b + 1] = [_join(pieces[a], pieces[b])]
        i = a
    return pieces


def _paragraph_spans(units: list[_Unit]) -> list[Span]:
    """Consecutive units of one paragraph rejoined into one span (one display line)."""
    spans: list[Span] = []
    for prev, u in zip([None, *units], units):
        if prev is not None and prev.paragraph == u.paragraph:
            spans[-1] = Span(spans[-1].start, u.span.end)
        else:
            spans.append(u.span)
    return spans


def _chunk(text: str, debris: list[Span], piece: _Piece) -> Chunk:
    return Chunk(
        text=display_text(text, _paragraph_spans(piece.units), debris),
        heading_path=piece.path,
        char_start=piece.units[0].span.start,
        char_end=piece.units[-1].span.end,
        issuer=piece.issuer,
        kind="body",
    )


def chunk_sections(
    text: str,
    sections: list[Section],
    *,
    min_words: int = 80,
    max_words: int = 300,
    overlap_words: int = 30,
    root: str | None = None,
) -> list[Chunk]:
    """Passages of the ``body`` sections, in document order (words = whitespace tokens).

    Header and closing sections are left to the document card: they name
    the document, they do not answer questions.  ``root`` (how the document
    is cited, ``indexer.legal.citation_root``) heads every heading path, so
    a passage reads "Luật Cư trú 2020 › Chương II. … › Điều 8. … › Khoản 3".
    """
    debris = find_debris(text)
    pieces: list[_Piece] = []
    for run in _runs([s for s in sections if s.kind == "body"]):
        if article_index(run[0].heading_path) is not None:
            pieces += _article_pieces(text, debris, run, max_words, overlap_words)
        else:
            pieces += _section_pieces(text, debris, run[0], max_words, overlap_words)
    chunks = [_chunk(text, debris, p) for p in _merge_small(pieces, min_words, max_words)]
    if root:
        for chunk in chunks:
            chunk.heading_path = [root, *chunk.heading_path]
    return chunks
