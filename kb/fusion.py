"""Fusing ranked lists from the retrieval legs: small pure functions over ``[(id, score)]``.

Each leg returns hits best first with scores on its own scale (BM25, cosine,
reference strength).  ``weighted_sum`` rescales each leg to [0, 1] and adds
them with the configured weights; ``reciprocal_rank`` (RRF) uses ranks only.
Which one ``kb`` uses is chosen by measurement (``kb eval``), see README.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["Hits", "scaled", "weighted_sum", "reciprocal_rank"]

Hits = Sequence[tuple[int, float]]


def scaled(hits: Hits) -> dict[int, float]:
    """Scores divided by the leg's best score, so the top hit of each leg weighs 1.

    Dividing by the maximum (rather than min-max) keeps a weak leg weak: the
    last of fifty lexical hits still gets its share instead of zero.
    """
    if not hits:
        return {}
    best = max(score for _, score in hits)
    if best <= 0:
        return {doc: 0.0 for doc, _ in hits}
    return {doc: max(score, 0.0) / best for doc, score in hits}


def weighted_sum(legs: Mapping[str, Hits], weights: Mapping[str, float]) -> list[tuple[int, float]]:
    totals: dict[int, float] = {}
    for name, hits in legs.items():
        weight = weights.get(name, 0.0)
        for doc, score in scaled(hits).items():
            totals[doc] = totals.get(doc, 0.0) + weight * score
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def reciprocal_rank(legs: Mapping[str, Hits], weights: Mapping[str, float], k: int = 60) -> list[tuple[int, float]]:
    totals: dict[int, float] = {}
    for name, hits in legs.items():
        weight = weights.get(name, 0.0)
        for rank, (doc, _) in enumerate(hits, start=1):
            totals[doc] = totals.get(doc, 0.0) + weight / (k + rank)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
