"""Indirectly standardised rates and ratios (SMR) with Byar's / exact Poisson limits.

E = Σ (x_refᵢ/n_refᵢ)·nᵢ; ratio = O/E × refvalue; rate = O/E × (Σx_ref/Σn_ref × multiplier);
limits = O_{L,U}/E × the same factor, O_{L,U} Byar's limits for O ≥ 10, exact below
(Breslow & Day 1987 vol. II; PHE Technical Guide – Confidence Intervals, ISR/SMR).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods import _core_checks as check
from healthgap.methods.errors import MethodInputError
from healthgap.methods.intervals import poisson_limits
from healthgap.methods.rate import poisson_method_text
from healthgap.methods.result import FloatArray, Interval, Result

__all__ = ["IsrComponents", "isr_components", "isr_rate", "isr_ratio"]


@dataclass(frozen=True)
class IsrComponents:
    """Per-group observed and expected counts and the crude reference rate (per 1)."""

    observed: FloatArray
    expected: FloatArray
    reference_rate: FloatArray


def isr_components(
    x: ArrayLike | None,
    n: ArrayLike,
    x_ref: ArrayLike,
    n_ref: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    observed_totals: ArrayLike | None = None,
    events_can_recur: bool = True,
) -> IsrComponents:
    """Observed O, expected E and reference rate per group; see :func:`isr_rate`.

    With ``events_can_recur=False`` (people, e.g. deaths) x ≤ n, x_ref ≤ n_ref and
    observed_totals ≤ Σn are required.
    """
    na = check.floats("n", n)
    xr = check.floats("x_ref", x_ref)
    nr = check.floats("n_ref", n_ref)
    check.same_length(n=na, x_ref=xr, n_ref=nr)
    codes, n_groups = check.group_codes(groups, len(na))
    for field, values in (("n", na), ("x_ref", xr), ("n_ref", nr)):
        check.no_nan(field, values, codes)
        check.non_negative(field, values, codes)
    check.positive("n_ref", nr, codes)
    if not events_can_recur:
        check.people_within_population("x_ref", xr, "n_ref", nr, codes)
    if observed_totals is not None:
        observed = check.floats("observed_totals", observed_totals)
        if len(observed) != n_groups:
            raise MethodInputError(
                f"needs one total per group ({n_groups}), got {len(observed)}",
                field="observed_totals",
            )
        check.no_nan("observed_totals", observed, np.arange(n_groups, dtype=np.intp))
        check.non_negative("observed_totals", observed, np.arange(n_groups, dtype=np.intp))
        if not events_can_recur:
            check.people_within_population(
                "observed_totals",
                observed,
                "n",
                check.group_sum(na, codes, n_groups),
                np.arange(n_groups, dtype=np.intp),
            )
    elif x is None:
        raise MethodInputError("x or observed_totals is needed", field="x")
    else:
        xa = check.floats("x", x)
        check.same_length(n=na, x=xa)
        xa = np.where(np.isnan(xa), 0.0, xa)  # missing counts are zero events
        check.non_negative("x", xa, codes)
        if not events_can_recur:
            check.people_within_population("x", xa, "n", na, codes)
        observed = check.group_sum(xa, codes, n_groups)
    expected = check.group_sum(xr / nr * na, codes, n_groups)
    empty = expected <= 0
    if empty.any():
        raise MethodInputError(
            "expected count is 0 (no population or no reference events)",
            field="n",
            group=int(np.flatnonzero(empty)[0]),
        )
    reference_rate = check.group_sum(xr, codes, n_groups) / check.group_sum(nr, codes, n_groups)
    return IsrComponents(observed=observed, expected=expected, reference_rate=reference_rate)


def _standardised(
    parts: IsrComponents, factor: FloatArray, levels: tuple[float, ...]
) -> tuple[FloatArray, tuple[Interval, ...]]:
    scale = factor / parts.expected
    intervals = []
    for level in levels:
        lower, upper = poisson_limits(parts.observed, confidence=level)
        intervals.append(Interval(level, lower * scale, upper * scale))
    return parts.observed * scale, tuple(intervals)


def isr_rate(
    x: ArrayLike | None,
    n: ArrayLike,
    x_ref: ArrayLike,
    n_ref: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 100_000,
    observed_totals: ArrayLike | None = None,
    events_can_recur: bool = True,
) -> Result:
    """Indirectly standardised rate per group, one row per age band.

    ``x`` events (NaN = 0; may be None when ``observed_totals`` gives O per group), ``n`` the
    population, ``x_ref``/``n_ref`` the reference events and population of the row's band.
    ``events_can_recur=False`` (people, e.g. deaths) refuses counts above their population.
    """
    levels = check.confidences(confidence)
    parts = isr_components(
        x,
        n,
        x_ref,
        n_ref,
        groups=groups,
        observed_totals=observed_totals,
        events_can_recur=events_can_recur,
    )
    value, intervals = _standardised(parts, parts.reference_rate * multiplier, levels)
    return Result(
        value=value,
        intervals=intervals,
        statistic=f"indirectly standardised rate per {multiplier:g}",
        method=poisson_method_text(parts.observed),
        multiplier=float(multiplier),
        reason=np.full(len(value), "", dtype=np.str_),
    )


def isr_ratio(
    x: ArrayLike | None,
    n: ArrayLike,
    x_ref: ArrayLike,
    n_ref: ArrayLike,
    *,
    groups: ArrayLike | None = None,
    confidence: float | Sequence[float] = 0.95,
    refvalue: float = 1.0,
    observed_totals: ArrayLike | None = None,
    events_can_recur: bool = True,
) -> Result:
    """Indirectly standardised ratio (SMR) O/E × ``refvalue`` per group; see :func:`isr_rate`."""
    levels = check.confidences(confidence)
    parts = isr_components(
        x,
        n,
        x_ref,
        n_ref,
        groups=groups,
        observed_totals=observed_totals,
        events_can_recur=events_can_recur,
    )
    value, intervals = _standardised(parts, np.full(len(parts.observed), float(refvalue)), levels)
    return Result(
        value=value,
        intervals=intervals,
        statistic=f"indirectly standardised ratio x {refvalue:g}",
        method=poisson_method_text(parts.observed),
        multiplier=float(refvalue),
        reason=np.full(len(value), "", dtype=np.str_),
    )
