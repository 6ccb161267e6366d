"""BM25 over an inverted index held in memory: the lexical legs of a search.

SQLite's FTS5 ranks every row that matches any term of an OR query through its
``bm25()`` function, a few microseconds a row: at 200,000 passages the query
"trách nhiệm của người đứng đầu trong công tác tuyên truyền" matched 176,000 of
them and took 500 ms (``bench/bench_scale.py``), where a whole search has 30 ms.
Here each term's postings are numpy arrays, and a query adds each term's share
to all of its passages at once.  The formula is FTS5's ``bm25()`` to the letter
(column weights inside the saturation, one length for both columns), so the
weights tuned against it keep their meaning; ``tests/test_lexicon.py`` compares
the two on a real corpus.

Terms are syllables and pairs of adjacent syllables (FTS5's two-word phrase),
in two columns stored by the chunks table: ``accented`` (NFC, one tone-mark
convention, lower case) and ``folded`` (no diacritics), both cut into
syllables by ``indexer.analyzer.tokens``.  A syllable spelled two ways ("kỳ" and
"kì", "quy" and "qui": ``indexer.analyzer.spellings``) is one term, its postings
those of both spellings: where FTS5 would need an OR of the two, and the one the
question did not type would count apart.

SQLite stays the source of truth.  The lexicon is derived from its chunks and
caught up before every search: chunks above the last id seen are added (ids are
``AUTOINCREMENT``, so a new chunk always has a larger one), chunks that the
``chunk_deletions`` log lists since the last entry seen are dropped.  The file
``lexicon.npz`` keeps a snapshot so that a process does not tokenise every
passage when it starts; it is a cache: missing, unreadable, of another database
or disagreeing with it, it is rebuilt from the chunks.

This module keeps the vocabulary, each chunk's length and whether it is
live, and the snapshot; the postings arrays are ``kb.retrieval.postings``,
a term's BM25 share and the top-k ``kb.retrieval.bm25``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import reduce
from itertools import product
from pathlib import Path

import numpy as np

from indexer.analyzer import spellings, tokens
from kb.retrieval.bm25 import K1, SEARCH_COST, B, Term, max_score_top, scored_top
from kb.retrieval.postings import NO_POSTINGS, PAIR, POSTED, Segment, build_segment, merge_segments
from kb.retrieval.snapshot import read_snapshot, write_snapshot

__all__ = ["Lexicon", "Phrase", "COLUMNS"]

COLUMNS = ("accented", "folded")
FORMAT = 1  # of lexicon.npz; raise it when the arrays or the tokenizer change
MAX_SEGMENTS = 8  # past this many segments a column's small ones are merged

Phrase = tuple[str, tuple[str, ...]]  # (column, one syllable or two adjacent ones)


class Lexicon:
    """Postings of both columns, the vocabulary, and each chunk's length: everything BM25 needs."""

    def __init__(self, database: str = "") -> None:
        self.database = database  # the SQLite file's id (meta ``database_id``) this was built from
        self.last_chunk = 0  # highest chunk id seen
        self.last_deletion = 0  # highest ``chunk_deletions`` entry applied
        self.vocabulary: dict[str, int] = {}
        self.segments: dict[str, list[Segment]] = {c: [] for c in COLUMNS}
        self.lengths = np.zeros(1, np.float32)  # tokens of both columns, by chunk id
        self.alive = np.zeros(1, bool)  # by chunk id
        self.rows = 0  # live chunks
        self.indexed = 0  # chunks in the segments, live or dropped since
        self.total_tokens = 0.0
        self._norm = np.zeros(0, np.float32)
        self._norm_state: tuple[int, float, int] | None = None

    def __len__(self) -> int:
        return self.rows

    # -- keeping up with SQLite -------------------------------------------------------------
    def add(self, rows: Iterable[tuple[int, str, str]]) -> int:
        """Index chunks given as ``(id, accented, folded)``, each id above every id seen; how many."""
        rows = list(rows)
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        if ids[0] <= self.last_chunk or ids != sorted(ids) or ids[-1] >= 2**32:
            raise ValueError("chunks must come in ascending id order, each above the last one indexed")
        self._grow(ids[-1] + 1)
        length, added = np.zeros(len(rows), np.float32), {}
        texts = [(accented, folded) for _, accented, folded in rows]
        for n, column in enumerate(COLUMNS):
            token_ids = [self._ids(tokens(t[n])) for t in texts]
            length += np.fromiter(map(len, token_ids), np.float32, len(rows))
            added[column] = build_segment(ids, token_ids)
        index = np.asarray(ids)
        self.lengths[index], self.alive[index] = length, True  # before the postings: a search may be reading
        for column, segment in added.items():
            self.segments[column].append(segment)
        self.rows += len(rows)
        self.indexed += len(rows)
        self.total_tokens += float(length.sum())
        self.last_chunk = ids[-1]
        return len(rows)

    def drop(self, chunk_ids: Iterable[int]) -> int:
        """Forget these chunks (deleted from SQLite); ids never seen or already dropped are ignored."""
        ids = np.fromiter(chunk_ids, np.int64)
        ids = np.unique(ids[(ids > 0) & (ids < len(self.alive))])
        ids = ids[self.alive[ids]]
        self.alive[ids] = False
        self.rows -= len(ids)
        self.total_tokens -= float(self.lengths[ids].sum())
        return len(ids)

    def compact(self) -> None:
        """Keep each column's segment count small, and drop dead postings once they are a fifth of all."""
        purge = self.rows < 0.8 * self.indexed
        for column, segments in self.segments.items():
            if purge and segments:
                self.segments[column] = [merge_segments(segments, self.alive)]
            elif len(segments) > MAX_SEGMENTS:
                base, rest = segments[0], merge_segments(segments[1:], self.alive)
                self.segments[column] = [base, rest] if rest.size * 4 < base.size else [merge_segments(segments, self.alive)]
        if purge:
            self.indexed = self.rows

    def _grow(self, size: int) -> None:
        if size > len(self.alive):
            capacity = max(size, int(len(self.alive) * 1.5))
            self.lengths = np.concatenate([self.lengths, np.zeros(capacity - len(self.lengths), np.float32)])
            self.alive = np.concatenate([self.alive, np.zeros(capacity - len(self.alive), bool)])

    def _ids(self, words: list[str]) -> list[int]:
        vocabulary = self.vocabulary
        return [vocabulary.setdefault(w, len(vocabulary)) for w in words]

    # -- ranking ---------------------------------------------------------------------------
    def scores(self, phrases: Iterable[Phrase], weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Every live chunk matching any phrase, and its BM25 score (higher is better), as FTS5 computes it.

        Each phrase counts once per time it is given, as each phrase of an FTS5 query does.
        """
        norms = self._norms()
        total = np.zeros(len(norms), np.float32)
        for term in self._terms(phrases, weights, len(norms)):
            term = term.indexed()
            total[term.chunks] += term.shares(norms)
        matched = np.flatnonzero(total)
        return matched, total[matched].astype(np.float64)

    def top(self, phrases: Iterable[Phrase], weights: dict[str, float], count: int,
            among: set[int] | None = None) -> list[tuple[int, float]]:
        """The ``count`` best chunks (of ``among``, if given) by the score of ``scores``, best first, ties by id.

        Exact, at a fraction of the cost of ranking every chunk matched: ``bm25.max_score_top``; or, among
        fewer chunks than the terms have postings, by looking each of them up (``bm25.scored_top``).
        """
        norms = self._norms()
        terms, allowed = self._terms(phrases, weights, len(norms)), None
        if among is not None:
            ids = np.fromiter(among, np.int64, len(among))
            ids = ids[(ids > 0) & (ids < len(norms))]
            if len(ids) * SEARCH_COST < sum(len(term.chunks) for term in terms):
                return scored_top(terms, norms, count, np.unique(ids).astype(POSTED))
            allowed = np.zeros(len(norms), bool)
            allowed[ids] = True
        return max_score_top([term.indexed() for term in terms], norms, count, allowed)

    def coverage(self, terms: Iterable[tuple[str, ...]], chunk_ids: Sequence[int],
                 upto: int | None = None) -> list[float]:
        """For each chunk, the IDF-weighted share of the distinct folded ``terms`` it holds (0 to 1), as the
        lexicon stood when it had taken in chunk ``upto`` (``holding``).

        The evidence that a passage is about the query, where BM25's score is
        only comparable within one query: a term the index has never seen
        weighs the most (it is the most informative, and nothing holds it),
        one in most passages (``của``, ``là``) next to nothing (never quite
        nothing: a query of common words only is covered by a passage that
        holds them all), so a passage that holds the rare words of a question
        covers it and gibberish covers nothing.  Terms are single syllables
        (``("thue",)``) or adjacent pairs (``("bun", "cha")``): a pair is held
        where the passage has the two syllables side by side, as a word.
        """
        return self.covered(terms, chunk_ids, upto)[0]

    def covered(self, terms: Iterable[tuple[str, ...]], chunk_ids: Sequence[int],
                upto: int | None = None) -> tuple[list[float], list[int], int]:
        """For each chunk, its ``coverage`` of the terms and how many of them it holds: a question's words found side
        by side in one passage, whatever their weight (``kb.retrieval.refusal``), read off the same postings; and
        how many of the (distinct) terms any live chunk holds, whether a chunk holds all the index has of them."""
        phrases = list(dict.fromkeys(terms))
        ids = np.asarray(chunk_ids, POSTED)
        idf, holds = np.zeros(len(phrases)), np.zeros((len(phrases), len(ids)))  # a row a term, a column a chunk
        rows = self.rows if upto is None else int(np.count_nonzero(self.alive[: upto + 1]))
        held = 0
        for n, phrase in enumerate(phrases):
            chunks = self.holding(phrase, upto)
            idf[n], held = self._idf(len(chunks), rows), held + bool(len(chunks))
            if len(chunks) and len(ids):
                found = np.minimum(np.searchsorted(chunks, ids), len(chunks) - 1)
                holds[n] = chunks[found] == ids
        total = sum(idf.tolist())  # term by term, as the rows are summed: a passage holding all covers exactly 1
        shares = ((idf[:, None] * holds).sum(axis=0) / total).tolist() if total else [0.0] * len(ids)
        return shares, holds.sum(axis=0).astype(int).tolist(), held

    def holding(self, term: tuple[str, ...], upto: int | None = None) -> np.ndarray:
        """The live chunks holding a folded syllable or pair, those above chunk ``upto`` left out: chunks another
        thread took in after a search's legs ran, which its later steps must not read (``_terms`` likewise)."""
        chunks = self.postings("folded", term)[0]
        return chunks if upto is None or not len(chunks) or chunks[-1] <= upto else chunks[chunks <= upto]

    def _terms(self, phrases: Iterable[Phrase], weights: dict[str, float], size: int) -> list[Term]:
        """Each phrase with postings (as stored: ``Term.indexed``), with its IDF; chunks beyond ``size`` (added
        meanwhile) left out."""
        terms = []
        for column, words in phrases:
            chunks, counts = self.postings(column, words)
            if len(chunks) and chunks[-1] >= size:  # added by another thread since this search began
                chunks, counts = chunks[chunks < size], counts[chunks < size]
            if len(chunks):
                terms.append(Term(self._idf(len(chunks)), chunks, counts, weights[column]))
        return terms

    def _idf(self, holding: int, rows: int | None = None) -> float:
        """BM25's inverse document frequency of a term ``holding`` chunks of ``rows`` (all live ones) hold,
        floored just above 0."""
        rows = self.rows if rows is None else rows
        return max(1e-6, math.log((rows - holding + 0.5) / (holding + 0.5)))

    def _norms(self) -> np.ndarray:
        """``K1 × (1 − B + B × length / average length)`` by chunk id: BM25's part that depends on the chunk only.

        Computed again only when the lexicon has changed since.
        """
        state = (self.rows, self.total_tokens, len(self.lengths))
        if self._norm_state != state:
            average = self.total_tokens / max(1, self.rows)
            self._norm = (K1 * (1 - B + B * self.lengths / np.float32(average or 1))).astype(np.float32)
            self._norm_state = state
        return self._norm

    def postings(self, column: str, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The live chunks holding a syllable or a pair of adjacent syllables in ``column``, with counts,
        however its syllables are spelled (``indexer.analyzer.spellings``: "định kì" is "định kỳ")."""
        found = [self._postings(column, spelled) for spelled in product(*map(spellings, words))]
        found = [(chunks, counts) for chunks, counts in found if len(chunks)]
        if len(found) <= 1:
            return found[0] if found else NO_POSTINGS
        return reduce(_merged, found)

    def _postings(self, column: str, words: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        found_ids = [self.vocabulary.get(w) for w in words]
        ids = [i for i in found_ids if i is not None]
        if len(ids) < len(found_ids) or not 1 <= len(ids) <= 2:
            return NO_POSTINGS
        key = np.uint64(ids[0]) if len(ids) == 1 else (np.uint64(ids[0]) + 1) * PAIR + np.uint64(ids[1])
        found = [s.postings(key) for s in self.segments[column]]
        if len(found) == 1:
            chunks, counts = found[0]
        else:
            chunks = np.concatenate([f[0] for f in found]) if found else NO_POSTINGS[0]
            counts = np.concatenate([f[1] for f in found]) if found else NO_POSTINGS[1]
        if self.rows == self.indexed:  # nothing dropped since the segments were merged
            return chunks, counts
        live = self.alive[chunks]
        return chunks[live], counts[live]

    # -- the snapshot file -------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the lexicon (segments merged, dead postings dropped) to ``path`` whole, via a temporary name."""
        arrays: dict[str, np.ndarray] = {}
        for column, segments in self.segments.items():
            merged = merge_segments(segments, self.alive) if segments else build_segment([], [])
            self.segments[column] = [merged]
            for field in ("keys", "starts", "chunks", "counts"):
                arrays[f"{column}_{field}"] = getattr(merged, field)
        self.indexed = self.rows
        meta = {"format": FORMAT, "database": self.database, "last_chunk": self.last_chunk,
                "last_deletion": self.last_deletion, "rows": self.rows, "total_tokens": self.total_tokens}
        write_snapshot(path, meta, self.vocabulary, {"lengths": self.lengths, "alive": self.alive, **arrays})

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read a snapshot; ``ValueError`` if it is not one this version wrote (the caller rebuilds).

        ``FileNotFoundError`` if there is none.
        """
        with read_snapshot(path, FORMAT) as (meta, words, data):
            lexicon = cls(meta["database"])
            lexicon.last_chunk, lexicon.last_deletion = meta["last_chunk"], meta["last_deletion"]
            lexicon.rows = lexicon.indexed = meta["rows"]
            lexicon.total_tokens = meta["total_tokens"]
            lexicon.vocabulary = {w: i for i, w in enumerate(words)}
            lexicon.lengths, lexicon.alive = data["lengths"], data["alive"]
            lexicon.segments = {c: [Segment(*(data[f"{c}_{f}"] for f in ("keys", "starts", "chunks", "counts")))]
                                for c in COLUMNS}
        return lexicon


def _merged(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two spellings' postings as one term's (chunks ascending, each once; counts summed): the shorter's chunks
    found by binary search in the longer's, the rest inserted in order.  ``np.unique`` sorted them both whole on
    every search: 7 ms for "lý" of "quản lý" (and "lí") at 200,000 passages, against 0.8."""
    (chunks, counts), (other, other_counts) = sorted((first, second), key=lambda postings: -len(postings[0]))
    at = np.searchsorted(chunks, other)
    shared = chunks[np.minimum(at, len(chunks) - 1)] == other
    counts = counts.copy()
    counts[at[shared]] += other_counts[shared]
    return np.insert(chunks, at[~shared], other[~shared]), np.insert(counts, at[~shared], other_counts[~shared])
