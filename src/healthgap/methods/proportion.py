"""Proportions with Wilson score confidence limits.

Reference: Wilson EB (1927) J Am Stat Assoc 22:209-12; Newcombe RG (1998) Stat Med 17:857-72;
PHE Technical Guide – Confidence Intervals (proportions).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.intervals import wilson
from healthgap.methods.result import Interval, Result

__all__ = ["proportion", "proportion_statistic"]


def proportion_statistic(multiplier: float) -> str:
    """'percentage' when the multiplier is 100, else 'proportion of {multiplier}'."""
    return "percentage" if multiplier == 100 else f"proportion of {multiplier:g}"


def proportion(
    x: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 1.0,
) -> Result:
    """p = x/n × multiplier per element, with Wilson score limits at each confidence.

    Raises :class:`MethodInputError` for NaN, x < 0, n ≤ 0 or x > n (group = element index).
    """
    levels = check.confidences(confidence)
    xa = check.floats("x", x)
    na = check.floats("n", n)
    check.same_length(x=xa, n=na)
    check.no_nan("x", xa)
    check.no_nan("n", na)
    check.non_negative("x", xa)
    check.positive("n", na)
    check.people_within_population("x", xa, "n", na)
    intervals = []
    for level in levels:
        lower, upper = wilson(xa, na, confidence=level)
        intervals.append(Interval(level, lower * multiplier, upper * multiplier))
    return Result(
        value=xa / na * multiplier,
        intervals=tuple(intervals),
        statistic=proportion_statistic(multiplier),
        method="Wilson",
        multiplier=float(multiplier),
        reason=np.full(len(xa), "", dtype=np.str_),
    )
