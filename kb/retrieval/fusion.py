"""Fusing ranked lists from the retrieval legs: small pure functions over ``[(id, score)]``.

Each leg returns hits best first with scores on its own scale (BM25, cosine,
reference strength).  ``weighted_sum`` rescales each leg to [0, 1] (min-max)
and adds them with the configured weights; ``reciprocal_rank`` (RRF) uses
ranks only.
Which one ``kb`` uses is chosen by measurement (``kb eval``), see docs/ranking.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["Hits", "min_max", "weighted_sum", "reciprocal_rank"]

Hits = Sequence[tuple[int, float]]


def min_max(hits: Hits) -> dict[int, float]:
    """Scores mapped to [0, 1] between the leg's worst and best candidate.

    Cosine similarities of one query sit in a narrow band (0.80–0.89 for e5):
    dividing by the best would make them all ~1 and the dense leg would not
    discriminate; min-max spreads them.
    """
    if not hits:
        return {}
    low, high = min(s for _, s in hits), max(s for _, s in hits)
    if high <= low:
        return {doc: 1.0 for doc, _ in hits}
    return {doc: (score - low) / (high - low) for doc, score in hits}


def weighted_sum(legs: Mapping[str, Hits], weights: Mapping[str, float]) -> list[tuple[int, float]]:
    totals: dict[int, float] = {}
    for name, hits in legs.items():
        weight = weights.get(name, 0.0)
        for doc, score in min_max(hits).items():
            totals[doc] = totals.get(doc, 0.0) + weight * score
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def reciprocal_rank(legs: Mapping[str, Hits], weights: Mapping[str, float], k: int = 60) -> list[tuple[int, float]]:
    totals: dict[int, float] = {}
    for name, hits in legs.items():
        weight = weights.get(name, 0.0)
        for rank, (doc, _) in enumerate(hits, start=1):
            totals[doc] = totals.get(doc, 0.0) + weight / (k + rank)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
