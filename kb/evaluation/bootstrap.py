"""Bootstrap confidence intervals for the means ``kb eval`` prints: how far a figure could move by luck of the questions.

On a hundred or two questions a figure moves by several hundredths when a few
questions are swapped for others like them, so a change of 0.01 between two
runs says nothing by itself.  The percentile bootstrap resamples the questions
with replacement and reads the interval off the resampled means; a fixed seed
makes a report repeatable, so two runs on the same rankings print the same
interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["RESAMPLES", "LEVEL", "SEED", "interval"]

RESAMPLES = 1000
LEVEL = 0.95
SEED = 15


def interval(values: Sequence[float], resamples: int = RESAMPLES, level: float = LEVEL,
             seed: int = SEED) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of ``values`` (one per question), at ``level``."""
    data = np.asarray(values, dtype=np.float64)
    if len(data) == 0:
        return (0.0, 0.0)
    picks = np.random.default_rng(seed).integers(0, len(data), size=(resamples, len(data)))
    means = data[picks].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (round(float(low), 4), round(float(high), 4))
