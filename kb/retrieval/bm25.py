"""BM25 shares of a query's terms, and the best ``count`` chunks by their sum without scoring every one.

The formula is FTS5's ``bm25()`` (see ``kb.retrieval.lexicon``); the top-k
is MaxScore, exact, which leaves the commonest terms out of every chunk that
can no longer make the top.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

__all__ = ["B", "K1", "Term", "max_score_top", "scored_top"]

K1, B = 1.2, 0.75  # FTS5's bm25() constants
PROBE = 1 << 16  # chunks whose scores give a search its first threshold
SEARCH_COST = 16  # a binary search in a term's postings costs about as much as adding this many postings whole


@dataclass(frozen=True)
class Term:
    """One phrase of a query: its IDF and postings, and its BM25 share in a chunk.

    ``chunks`` are as the lexicon stores them (``postings.POSTED``) until ``indexed``: ``max_score_top`` gathers
    by them, and numpy converts a uint32 index array on every use, which made it two to three times slower;
    ``scored_top`` only searches them, and converting a common syllable's postings cost more than the search.
    """

    idf: float
    chunks: np.ndarray  # ascending
    counts: np.ndarray
    weight: float

    def indexed(self) -> Term:
        """The term with its chunks as platform integers, to gather by."""
        return replace(self, chunks=self.chunks.astype(np.intp))

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

        Read twice by ``max_score_top`` (to order the terms, then to sum those left); once is a pass over the postings.
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
    """The chunks whose scores give ``max_score_top`` its threshold: every chunk the terms added so far matched,
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


def max_score_top(terms: list[Term], norms: np.ndarray, count: int,
                  allowed: np.ndarray | None) -> list[tuple[int, float]]:
    """The ``count`` best chunks (of those ``allowed``, if given) by their terms' summed shares, best first, ties by id
    (the terms ``Term.indexed``).

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
    terms = sorted(terms, key=lambda t: -t.bound)
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


def scored_top(terms: list[Term], norms: np.ndarray, count: int, chunks: np.ndarray) -> list[tuple[int, float]]:
    """The ``count`` best of a few ``chunks`` (ascending, each once, of the terms' chunks' type) that any term
    matches, as ``max_score_top`` ranks them: each term's share found by binary search in its postings.

    Where the chunks are one document's passages and the terms common ("kinh phí", "thực hiện"), this reads a
    few dozen postings of each term where ``max_score_top`` reads them all (``Lexicon.top``).
    """
    if not len(chunks):
        return []
    total = np.zeros(len(chunks), np.float32)
    for term in sorted(terms, key=lambda t: -t.bound):  # the order max_score_top adds them: the same sums
        found = np.minimum(np.searchsorted(term.chunks, chunks), len(term.chunks) - 1)
        hit = term.chunks[found] == chunks
        total[hit] += term.shares(norms, found[hit])
    matched = np.flatnonzero(total)
    best = matched[np.lexsort((chunks[matched], -total[matched]))][:count]
    return list(zip(chunks[best].tolist(), total[best].astype(np.float64).tolist()))
