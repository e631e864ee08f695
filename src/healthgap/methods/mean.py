"""Means with Student's t confidence limits.

x̄ ± |t_{α/2, n−1}| · s/√n, s the sample standard deviation (Student 1908; PHE Technical
Guide – Confidence Intervals, means).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.result import FloatArray, Interval, Result

__all__ = ["MeanComponents", "mean", "mean_components"]


@dataclass(frozen=True)
class MeanComponents:
    """Per-group sum, count and sample standard deviation (NaN with fewer than 2 values)."""

    total: FloatArray
    count: FloatArray
    sd: FloatArray


def mean_components(x: ArrayLike, *, groups: ArrayLike | None = None) -> MeanComponents:
    """Sum, count and sample SD of ``x`` per group (two-pass, by ``np.bincount``)."""
    xa = check.floats("x", x)
    codes, n_groups = check.group_codes(groups, len(xa))
    check.no_nan("x", xa, codes)
    count = np.bincount(codes, minlength=n_groups).astype(np.float64)
    total = check.group_sum(xa, codes, n_groups)
    centre = total / count
    squares = check.group_sum((xa - centre[codes]) ** 2, codes, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.where(count > 1, np.sqrt(squares / (count - 1)), np.nan)
    return MeanComponents(total=total, count=count, sd=sd)


def mean(
    x: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> Result:
    """The mean of ``x`` per group (``groups``: dense integer codes; None = one group).

    Groups with one value get the mean with NaN limits and a reason.
    """
    levels = check.confidences(confidence)
    parts = mean_components(x, groups=groups)
    value = parts.total / parts.count
    enough = parts.count > 1
    dof = np.where(enough, parts.count - 1, 1.0)
    from scipy import special  # imported on first use: ~0.3 s

    intervals = []
    for level in levels:
        t = np.abs(special.stdtrit(dof, (1.0 - level) / 2.0))
        half = np.where(enough, t * parts.sd / np.sqrt(parts.count), np.nan)
        intervals.append(Interval(level, value - half, value + half))
    reason = np.where(enough, "", "fewer than 2 values: no confidence limits")
    return Result(
        value=value,
        intervals=tuple(intervals),
        statistic="mean",
        method="Student's t-distribution with n-1 degrees of freedom",
        multiplier=1.0,
        reason=reason.astype(np.str_),
    )
