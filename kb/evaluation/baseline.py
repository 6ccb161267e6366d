"""The yardstick: plain Okapi BM25 (``rank_bm25``) over the same passages kb searches.

A figure for kb means little alone; beside a well-known baseline on the same
passages and the same questions it says whether the hybrid machinery earns
its keep.  Tokens are Vietnamese syllables with accents folded
(``indexer.analyzer``), which is what a plain BM25 for Vietnamese does
and what survives queries typed without accents.  It sees the same text as
kb's legs: the heading path, then the passage.
"""

from __future__ import annotations

from rank_bm25 import BM25Okapi

from indexer.analyzer import WORD, fold

__all__ = ["BM25Baseline", "syllables", "DESCRIPTION"]

DESCRIPTION = "rank_bm25 0.2.2 BM25Okapi (k1 1.5, b 0.75), folded syllables"


def syllables(text: str) -> list[str]:
    """Accent-folded, lower-case syllables (and numbers): ``Chỉ thị 05`` → ``chi thi 05``."""
    return WORD.findall(fold(text))


class BM25Baseline:
    """BM25 over ``(id, text)`` passages; ``search`` returns ``[(id, score)]`` best first."""

    def __init__(self, passages: list[tuple[int, str]]) -> None:
        if not passages:
            raise ValueError("The BM25 baseline needs at least one passage.")
        self._ids = [pid for pid, _ in passages]
        self._bm25 = BM25Okapi([syllables(text) for _, text in passages])

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        tokens = syllables(query)
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        order = sorted(range(len(scores)), key=lambda i: (-scores[i], self._ids[i]))[:k]
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]
