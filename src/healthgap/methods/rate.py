"""Crude rates with Byar's limits (counts ≥ 10) or exact Poisson limits (counts < 10).

Reference: Breslow & Day (1987) vol. II; Armitage & Berry (2002); PHE Technical Guide –
Confidence Intervals (Byar's method; exact method for small counts).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.intervals import poisson_limits
from healthgap.methods.result import Interval, Result

__all__ = ["rate"]


def rate(
    x: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    events_can_recur: bool = True,
) -> Result:
    """r = x/n × multiplier per element; limits O_{L,U}/n × multiplier.

    With ``events_can_recur=False`` (x counts people, e.g. deaths) x > n is refused; events
    that can recur for one person (admissions) may exceed n, as in PHEindicatormethods.

    ``Result.method`` is 'Byars' if every count is ≥ 10, 'Exact' if every count is < 10,
    else 'Byars (x >= 10) / Exact (x < 10)'; :func:`~healthgap.methods.intervals.poisson_method`
    gives it per element. Raises :class:`MethodInputError` for NaN, x < 0 or n ≤ 0.
    """
    levels = check.confidences(confidence)
    xa = check.floats("x", x)
    na = check.floats("n", n)
    check.same_length(x=xa, n=na)
    check.no_nan("x", xa)
    check.no_nan("n", na)
    check.non_negative("x", xa)
    check.positive("n", na)
    if not events_can_recur:
        check.people_within_population("x", xa, "n", na)
    intervals = []
    for level in levels:
        lower, upper = poisson_limits(xa, confidence=level)
        intervals.append(Interval(level, lower / na * multiplier, upper / na * multiplier))
    return Result(
        value=xa / na * multiplier,
        intervals=tuple(intervals),
        statistic=f"rate per {multiplier:g}",
        method=poisson_method_text(xa),
        multiplier=float(multiplier),
        reason=np.full(len(xa), "", dtype=np.str_),
    )


def poisson_method_text(counts: ArrayLike) -> str:
    """One method text for a whole result of Poisson limits."""
    small = np.asarray(counts, dtype=np.float64) < 10
    if small.all():
        return "Exact"
    if not small.any():
        return "Byars"
    return "Byars (x >= 10) / Exact (x < 10)"
