"""Whether an adapted model ranks better than the bundled one, on pairs of documents it never trained on."""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from kb.adaptation.pairs import Pair
from kb.embedding.embedder import Embedder

__all__ = ["held_out_mrr"]

SAMPLE = 300  # pairs ranked: enough to tell a gain of a few points, and a minute of embedding on two cores


def held_out_mrr(embedder: Embedder, pairs: Sequence[Pair], sample: int = SAMPLE, seed: int = 13) -> float:
    """MRR@10 of each anchor's own passage among all the sampled pairs' passages (0 with no pairs)."""
    chosen = list(pairs) if len(pairs) <= sample else random.Random(seed).sample(list(pairs), sample)
    if not chosen:
        return 0.0
    passages = embedder.encode_passages([p.positive for p in chosen])
    queries = np.stack([embedder.encode_query(p.anchor) for p in chosen])
    scores = queries @ passages.T
    own = scores[np.arange(len(chosen)), np.arange(len(chosen))]
    ranks = (scores > own[:, None]).sum(axis=1) + 1
    return round(float(np.where(ranks <= 10, 1.0 / ranks, 0.0).mean()), 4)
