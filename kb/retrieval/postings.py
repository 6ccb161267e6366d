"""A column's postings for a run of chunks, as numpy arrays: built in one sort, merged, looked up by term key.

The lexicon adds chunks as segments (one per batch caught up from SQLite)
and merges them now and then, dropping the postings of deleted chunks; a
term's postings are the concatenation of its runs in every segment, whose
chunk ranges ascend.  A term key is a syllable's vocabulary id, or for a
pair of adjacent syllables ``(first + 1) × 2³² + second``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["NO_POSTINGS", "PAIR", "POSTED", "Segment", "build_segment", "merge_segments"]

PAIR = np.uint64(1 << 32)  # a pair's key: (first + 1) × 2³² + second; a syllable's is its id
# The chunk ids' type in postings.  Searched with ids of another type (``np.searchsorted`` with int64 ids), numpy
# copies a term's whole postings first: 50 µs for a common syllable at 200,000 passages, against 2 µs.
POSTED = np.uint32


@dataclass(frozen=True)
class Segment:
    """One column's postings for a run of chunks: for each term key (sorted), its chunks and counts."""

    keys: np.ndarray  # uint64, sorted, unique
    starts: np.ndarray  # int64, one more than keys: term i's postings are [starts[i], starts[i + 1])
    chunks: np.ndarray  # POSTED chunk ids, ascending within a term
    counts: np.ndarray  # uint16 occurrences in the chunk

    def postings(self, key: np.uint64) -> tuple[np.ndarray, np.ndarray]:
        i = int(np.searchsorted(self.keys, key))
        if i == len(self.keys) or self.keys[i] != key:
            return NO_POSTINGS
        start, end = self.starts[i], self.starts[i + 1]
        return self.chunks[start:end], self.counts[start:end]

    @property
    def size(self) -> int:
        return len(self.chunks)


NO_POSTINGS = (np.zeros(0, POSTED), np.zeros(0, np.uint16))


def build_segment(chunk_ids: Sequence[int], token_ids: Sequence[Sequence[int]]) -> Segment:
    """Postings of syllables and adjacent pairs, counted per chunk, in one sort."""
    lengths = np.fromiter(map(len, token_ids), np.int64, len(token_ids))
    if not lengths.sum():
        return _grouped(np.zeros(0, np.uint64), *NO_POSTINGS)
    flat = np.fromiter(itertools.chain.from_iterable(token_ids), np.uint64, int(lengths.sum()))
    owner = np.repeat(np.asarray(chunk_ids, np.uint64), lengths)
    same = owner[1:] == owner[:-1]
    keys = np.concatenate([flat, (flat[:-1][same] + 1) * PAIR + flat[1:][same]])
    owners = np.concatenate([owner, owner[1:][same]])
    order = np.lexsort((owners, keys))
    keys, owners = keys[order], owners[order]
    first = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])])
    counts = np.diff(np.r_[first, len(keys)])
    return _grouped(keys[first], owners[first].astype(POSTED), np.minimum(counts, 65535).astype(np.uint16))


def _grouped(keys: np.ndarray, chunks: np.ndarray, counts: np.ndarray) -> Segment:
    """A segment from postings sorted by key (one entry per key and chunk)."""
    first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    return Segment(keys[first], np.r_[first, len(keys)].astype(np.int64), chunks, counts)


def merge_segments(segments: Sequence[Segment], alive: np.ndarray) -> Segment:
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
