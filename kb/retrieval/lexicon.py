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
syllables by ``indexer.analyzer.tokens``.

SQLite stays the source of truth.  The lexicon is derived from its chunks and
caught up before every search: chunks above the last id seen are added (ids are
``AUTOINCREMENT``, so a new chunk always has a larger one), chunks that the
``chunk_deletions`` log lists since the last entry seen are dropped.  The file
``lexicon.npz`` keeps a snapshot so that a process does not tokenise every
passage when it starts; it is a cache: missing, unreadable, of another database
or disagreeing with it, it is rebuilt from the chunks.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer.analyzer import tokens
from kb.retrieval.snapshot import read_snapshot, write_snapshot

__all__ = ["Lexicon", "Phrase", "COLUMNS"]

COLUMNS = ("accented", "folded")
K1, B = 1.2, 0.75  # FTS5's bm25() constants
FORMAT = 1  # of lexicon.npz; raise it when the arrays or the tokenizer change
MAX_SEGMENTS = 8  # past this many segments a column's small ones are merged
PROBE = 1 << 16  # chunks whose scores give a search its first threshold
SEARCH_COST = 16  # a binary search in a term's postings costs about as much as adding this many postings whole
_PAIR = np.uint64(1 << 32)  # a pair's key: (first + 1) × 2³² + second; a syllable's is its id
log = logging.getLogger("kb")

Phrase = tuple[str, tuple[str, ...]]  # (column, one syllable or two adjacent ones)


@dataclass(frozen=True)
class Segment:
    """One column's postings for a run of chunks: for each term key (sorted), its chunks and counts."""

    keys: np.ndarray  # uint64, sorted, unique
    starts: np.ndarray  # int64, one more than keys: term i's postings are [starts[i], starts[i + 1])
    chunks: np.ndarray  # uint32 chunk ids, ascending within a term
    counts: np.ndarray  # uint16 occurrences in the chunk

    def postings(self, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.keys, key))
        if i == len(self.keys) or self.keys[i] != key:
            return _NONE
        start, end = self.starts[i], self.starts[i + 1]
        return self.chunks[start:end], self.counts[start:end]

    @property
    def size(self) -> int:
        return len(self.chunks)


_NONE = (np.zeros(0, np.uint32), np.zeros(0, np.uint16))


def _segment(chunk_ids: Sequence[int], token_ids: Sequence[Sequence[int]]) -> Segment:
    """Postings of syllables and adjacent pairs, counted per chunk, in one sort."""
    lengths = np.fromiter(map(len, token_ids), np.int64, len(token_ids))
    if not lengths.sum():
        return _grouped(np.zeros(0, np.uint64), *_NONE)
    flat = np.fromiter(itertools.chain.from_iterable(token_ids), np.uint64, int(lengths.sum()))
    owner = np.repeat(np.asarray(chunk_ids, np.uint64), lengths)
    same = owner[1:] == owner[:-1]
    keys = np.concatenate([flat, (flat[:-1][same] + 1) * _PAIR + flat[1:][same]])
    owners = np.concatenate([owner, owner[1:][same]])
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    first = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])])
    counts = np.diff(np.r_[first, len(keys)])
    return _grouped(keys[first], owners[first].astype(np.uint32), np.minimum(counts, 65535).astype(np.uint16))


def _grouped(keys: np.ndarray, chunks: np.ndarray, counts: np.ndarray) -> Segment:
    """A segment from postings sorted by key (one entry per key and chunk)."""
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    return Segment(keys[first], np.r_[first, len(keys)].astype(np.int64), chunks, counts)


def _merged(segments: Sequence[Segment], alive: np.ndarray) -> Segment:
    """One segment holding the live postings of ``segments``, which cover ascending chunk ranges.

    A stable sort by key keeps each term's chunks ascending: the segments come in id order.
    """
    if len(segments) == 1 and alive[segments[0].chunks].all():
        return segments[0]
    keys = np.concatenate([np.repeat(s.keys, np.diff(s.starts)) for s in segments])
    chunks = np.concatenate([s.chunks for s in segments])
    counts = np.concatenate([s.counts for s in segments])
    live = alive[chunks]
    keys, chunks, counts = keys[live], chunks[live], counts[live]
    order = np.argsort(keys, kind="stable")
    return _grouped(keys[order], chunks[order], counts[order])


@dataclass(frozen=True)
class _Term:
    """One phrase of a query: its IDF and postings, and its BM25 share in a chunk.

    ``chunks`` are platform integers: numpy converts a uint32 index array on
    every use, which made gathering by it two to three times slower.
    """

    idf: float
    chunks: np.ndarray  # intp, ascending
    counts: np.ndarray
    weight: float

    def shares(self, norms: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
        """The term's score in each of its chunks (or in those at positions ``at`` of its postings)."""
        chunks, counts = (self.chunks, self.counts) if at is None else (self.chunks[at], self.counts[at])
        frequency = counts.astype(np.float32)
        frequency *= np.float32(self.weight)
        divisor = norms.take(chunks)
        divisor += frequency
        share = np.float32(self.idf * (K1 + 1)) * frequency
        share /= divisor
        return share

    @cached_property
    def bound(self) -> float:
        """No chunk gets more from this term: the share of its largest count in a chunk of length 0.

        Read twice by ``top`` (to order the terms, then to sum those left); once is a pass over the postings.
        """
        frequency = float(self.counts.max()) * self.weight
        return self.idf * (K1 + 1) * frequency / (frequency + K1 * (1 - B))


def _kth(scores: np.ndarray, count: int) -> float:
    """The ``count``-th highest of ``scores`` (0 if there are fewer)."""
    return float(np.partition(scores, len(scores) - count)[len(scores) - count]) if len(scores) >= count else 0.0


def _union(ascending: list[np.ndarray]) -> np.ndarray:
    """The chunks of ascending arrays, each once, ascending: a stable sort merges the runs (``np.unique``
    hashes, seven times slower here)."""
    merged = np.sort(np.concatenate(ascending), kind="stable")
    first = np.ones(len(merged), bool)
    first[1:] = merged[1:] != merged[:-1]
    return merged[first]


class _Probe:
    """The chunks whose scores give ``top`` its threshold: every chunk the terms added so far matched,
    up to ``PROBE`` of them, then an even sample.  Any subset will do (the ``count``-th best of a subset
    is at most the true one); the rarest terms' chunks, which come first, are those that make the top.
    """

    def __init__(self, allowed: np.ndarray | None) -> None:
        self.allowed = allowed
        self.parts: list[np.ndarray] = []
        self.size = 0  # chunks in the parts, counted with repeats
        self.complete = True  # the parts hold every chunk added
        self._chunks: np.ndarray | None = np.zeros(0, np.intp)

    def add(self, chunks: np.ndarray) -> None:
        room = PROBE - self.size
        if room < len(chunks):
            self.complete = False
            if room < PROBE // 2:
                return
            chunks = chunks[:: -(-len(chunks) // room)]
        self.parts.append(chunks if self.allowed is None else chunks[self.allowed[chunks]])
        self.size += len(chunks)
        self._chunks = None

    def chunks(self) -> np.ndarray:
        """The probe's chunks, each once, ascending."""
        if self._chunks is None:
            self._chunks = self.parts[0] if len(self.parts) == 1 else _union(self.parts)
        return self._chunks


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
            added[column] = _segment(ids, token_ids)
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
                self.segments[column] = [_merged(segments, self.alive)]
            elif len(segments) > MAX_SEGMENTS:
                base, rest = segments[0], _merged(segments[1:], self.alive)
                self.segments[column] = [base, rest] if rest.size * 4 < base.size else [_merged(segments, self.alive)]
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
            total[term.chunks] += term.shares(norms)
        matched = np.flatnonzero(total)
        return matched, total[matched].astype(np.float64)

    def top(self, phrases: Iterable[Phrase], weights: dict[str, float], count: int,
            among: set[int] | None = None) -> list[tuple[int, float]]:
        """The ``count`` best chunks (of ``among``, if given) by the score of ``scores``, best first, ties by id.

        MaxScore (Turtle and Flood, 1995): terms are added rarest first, and
        once those left could not lift a chunk that none of the terms so far
        matched to the ``count``-th score so far, they are added only to the
        chunks that can still reach it, found by binary search in their
        postings.  Exact: every chunk left out scores below ``count`` others.

        The ``count``-th score so far is taken among a probe of at most
        ``PROBE`` chunks (those of the rarest terms, a sample of the others):
        a lower bound of the true one, since scores only grow and the probe is
        a subset, at a fraction of the cost of ranking every chunk matched.
        Common syllables are where the time goes (at 2,000,000 passages "của"
        alone has more than a million postings): they come last, are often
        added whole all the same (a syllable leg's threshold stays low against
        them), and then the final threshold keeps the ranking to a few hundred
        chunks instead of every one matched.  Past the cut, each term added
        raises the threshold and lowers the bound of those left, so the
        candidates shrink as it goes.
        """
        norms = self._norms()
        allowed = None
        if among is not None:
            allowed = np.zeros(len(norms), bool)
            ids = np.fromiter(among, np.int64, len(among))
            allowed[ids[(ids > 0) & (ids < len(norms))]] = True
        terms = sorted(self._terms(phrases, weights, len(norms)), key=lambda t: -t.bound)
        if not terms:
            return []
        left = np.cumsum([t.bound for t in terms][::-1])[::-1].tolist() + [0.0]  # bound of terms i, i+1, …
        total = np.zeros(len(norms), np.float32)
        probe = _Probe(allowed)
        threshold, done = 0.0, 0  # terms added whole
        while done < len(terms):
            # Asking is worth it only where the terms added could outweigh those left, and where it
            # costs less than adding the next term whole (it reads the probe).
            if done and left[done] < left[0] - left[done] and len(terms[done].chunks) >= probe.size:
                threshold = _kth(total[probe.chunks()], count)
                if left[done] < threshold:
                    break
            total[terms[done].chunks] += terms[done].shares(norms)
            probe.add(terms[done].chunks)
            done += 1
        else:
            threshold = _kth(total[probe.chunks()], count)
        bar = threshold - left[done]  # a chunk below it cannot reach the threshold
        if probe.complete:  # every chunk touched is in the probe
            candidates = probe.chunks()[total[probe.chunks()] >= bar] if bar > 0 else probe.chunks()
        else:
            candidates = np.flatnonzero(total >= bar) if bar > 0 else np.flatnonzero(total)
            if allowed is not None:
                candidates = candidates[allowed[candidates]]
        for i, term in enumerate(terms[done:], start=done):
            if i > done:  # the threshold rises and the bound of the terms left falls: fewer candidates
                threshold = max(threshold, _kth(total[probe.chunks()], count))
                candidates = candidates[total[candidates] >= threshold - left[i]]
            if len(candidates) * SEARCH_COST < len(term.chunks):
                found = np.minimum(np.searchsorted(term.chunks, candidates), len(term.chunks) - 1)
                hit = term.chunks[found] == candidates
                total[candidates[hit]] += term.shares(norms, found[hit])
            else:
                total[term.chunks] += term.shares(norms)
        scores = total[candidates]
        best = np.argpartition(-scores, count - 1)[:count] if len(scores) > count else np.arange(len(scores))
        best = best[np.lexsort((candidates[best], -scores[best]))]
        return list(zip(candidates[best].tolist(), scores[best].astype(np.float64).tolist()))

    def coverage(self, syllables: Iterable[str], chunk_ids: Sequence[int]) -> list[float]:
        """For each chunk, the IDF-weighted share of the distinct folded ``syllables`` it holds (0 to 1).

        The evidence that a passage is about the query, where BM25's score is
        only comparable within one query: a syllable the index has never seen
        weighs the most (it is the most informative, and nothing holds it),
        one in most passages (``của``, ``là``) next to nothing (never quite
        nothing: a query of common words only is covered by a passage that
        holds them all), so a passage that holds the rare words of a question
        covers it and gibberish covers nothing.
        """
        words = list(dict.fromkeys(syllables))
        ids = np.asarray(chunk_ids, np.int64)
        held, total = np.zeros(len(ids)), 0.0
        for word in words:
            chunks = self.postings("folded", (word,))[0]
            idf = max(1e-6, math.log((self.rows - len(chunks) + 0.5) / (len(chunks) + 0.5)))  # as BM25 floors it
            total += idf
            if len(chunks) and len(ids):
                found = np.minimum(np.searchsorted(chunks, ids), len(chunks) - 1)
                held += idf * (chunks[found] == ids)
        return (held / total).tolist() if total else [0.0] * len(ids)

    def _terms(self, phrases: Iterable[Phrase], weights: dict[str, float], size: int) -> list[_Term]:
        """Each phrase with postings, with its IDF; chunks beyond ``size`` (added meanwhile) left out."""
        terms = []
        for column, words in phrases:
            chunks, counts = self.postings(column, words)
            if len(chunks) and chunks[-1] >= size:  # added by another thread since this search began
                chunks, counts = chunks[chunks < size], counts[chunks < size]
            if len(chunks):
                idf = max(1e-6, math.log((self.rows - len(chunks) + 0.5) / (len(chunks) + 0.5)))
                terms.append(_Term(idf, chunks.astype(np.intp), counts, weights[column]))
        return terms

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
        """The live chunks holding a syllable or a pair of adjacent syllables in ``column``, with counts."""
        found_ids = [self.vocabulary.get(w) for w in words]
        ids = [i for i in found_ids if i is not None]
        if len(ids) < len(found_ids) or not 1 <= len(ids) <= 2:
            return _NONE
        key = np.uint64(ids[0]) if len(ids) == 1 else (np.uint64(ids[0]) + 1) * _PAIR + np.uint64(ids[1])
        found = [s.postings(key) for s in self.segments[column]]
        if len(found) == 1:
            chunks, counts = found[0]
        else:
            chunks = np.concatenate([f[0] for f in found]) if found else _NONE[0]
            counts = np.concatenate([f[1] for f in found]) if found else _NONE[1]
        if self.rows == self.indexed:  # nothing dropped since the segments were merged
            return chunks, counts
        live = self.alive[chunks]
        return chunks[live], counts[live]

    # -- the snapshot file -------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the lexicon (segments merged, dead postings dropped) to ``path`` whole, via a temporary name."""
        arrays: dict[str, np.ndarray] = {}
        for column, segments in self.segments.items():
            merged = _merged(segments, self.alive) if segments else _segment([], [])
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
