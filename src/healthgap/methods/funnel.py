"""Funnel plots: control limits, chart points and significance (PHE Technical Guide, 2017).

* Proportions: the limits at denominator n are the observed proportions whose Wilson score
  interval just touches the baseline P̄ = Σx/Σn. Inverting Wilson's score test gives the
  closed form P̄ ± z·√(P̄(1 − P̄)/n) (identical to the quadratic "sigma adjustment" of the
  PHE macro, without its cancellation error), z = Φ⁻¹(0.975) ("2σ", 95%) or Φ⁻¹(0.999)
  ("3σ", 99.8%); floored at 0 and capped at 100% of the multiplier's scale.
* Ratios and rates: exact Poisson limits. For O observed events the expected counts whose
  tail probability is 0.025 / 0.001 are μ_L = ½χ²_α(2O) and μ_U = ½χ²_{1−α}(2O + 2) — the
  roots the PHE macro finds by bisection on the Poisson CDF, here exact. Ratio limits are
  O/μ (count ratios −1, ISRs ×100); rate limits use the population μ/rate.
* Significance: proportions compare x/n with the limits at the area's n; ratios compare 1
  with the area's own Byar (O ≥ 10) or exact (O < 10) limits of O/E; rates compare the
  weighted average with O_{L,U}/derived denominator, derived = multiplier·O/rate.

Reference: Public Health England, "Technical Guide – Funnel Plots" (June 2017);
Spiegelhalter D (2005) Stat Med 24:1185-1202; PHEindicatormethods ``calculate_funnel_limits``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray, Interval

__all__ = [
    "FunnelLimits",
    "FunnelSignificance",
    "FunnelStatistic",
    "assign_funnel_significance",
    "funnel_axis_points",
    "funnel_limits",
    "funnel_limits_at",
    "funnel_points",
    "poisson_mean_limits",
]

_TAILS = {0.95: 0.025, 0.998: 0.001}


class FunnelStatistic(StrEnum):
    """What the funnel plots."""

    PROPORTION = "proportion"
    RATIO = "ratio"
    RATE = "rate"


class FunnelSignificance(StrEnum):
    """Where a point lies relative to the 95% and 99.8% control limits."""

    HIGH_0001 = "High (0.001)"
    HIGH_0025 = "High (0.025)"
    LOW_0001 = "Low (0.001)"
    LOW_0025 = "Low (0.025)"
    NOT_SIGNIFICANT = "Not significant"
    NOT_APPLICABLE = "Not applicable for events less than 10 for dsrs"


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits at each plotting point (95% and 99.8%), with the baseline.

    ``points`` are population (proportion), observed events (ratio) or events (rate);
    ``expected`` holds, for ratios the expected events and for rates the one-year
    population at each limit (keyed like ``intervals``, lower then upper).
    """

    points: FloatArray
    baseline: float
    intervals: tuple[Interval, ...]
    expected: tuple[Interval, ...]
    statistic: str
    method: str
    multiplier: float

    def at(self, confidence: float) -> Interval:
        """The limits at ``confidence`` (0.95 or 0.998)."""
        for interval in self.intervals:
            if abs(interval.confidence - confidence) < 1e-12:
                return interval
        raise KeyError(f"no limits at confidence {confidence}")


def poisson_mean_limits(observed: ArrayLike, *, tail: float) -> tuple[FloatArray, FloatArray]:
    """Exact Poisson limits of the mean for observed counts: (½χ²_tail(2O), ½χ²_{1−tail}(2O+2)).

    μ_L solves P(X ≥ O | μ) = tail (0 when O = 0) and μ_U solves P(X ≤ O | μ) = tail.
    """
    o = np.asarray(observed, dtype=np.float64)
    from scipy import special  # imported on first use: ~0.3 s

    lower = np.where(o > 0, special.gammaincinv(np.where(o > 0, o, 1.0), tail), 0.0)
    upper = special.gammainccinv(o + 1.0, tail)
    return lower, upper


def _byar_or_exact(observed: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Limits for an observed count: Byar's for O ≥ 10, exact χ² for O < 10 (PHE rates)."""
    from scipy import special  # imported on first use: ~0.3 s

    z = float(special.ndtri(0.5 + confidence / 2))
    o = observed
    with np.errstate(divide="ignore", invalid="ignore"):
        byar_lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        o1 = o + 1
        byar_hi = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    ex_lo, ex_hi = poisson_mean_limits(o, tail=(1 - confidence) / 2)
    small = o < 10
    return np.where(small, ex_lo, byar_lo), np.where(small, ex_hi, byar_hi)


def _signif_floor(x: float) -> float:
    """95% of x, rounded down to one significant figure (0 stays 0)."""
    if x == 0:
        return 0.0
    v = x * 0.95
    digits = len(str(math.floor(v))) - 1
    return float(math.floor(v / 10**digits) * 10**digits)


def _signif_ceiling(x: float) -> float:
    """105% of x, rounded up to two significant figures (0 stays 0)."""
    if x == 0:
        return 0.0
    v = x * 1.05
    digits = len(str(math.ceil(v))) - 2
    return float(math.ceil(v / 10**digits) * 10**digits)


def funnel_axis_points(axis_min: float, axis_max: float, *, n: int = 100) -> FloatArray:
    """``n`` whole-number plotting points from max(1, axis_min) to axis_max, geometric spacing.

    Each point is the previous one times (max/previous)^(1/remaining steps), rounded, and at
    least one more than the previous point.
    """
    pts = [max(1.0, float(axis_min))]
    for j in range(2, n + 1):
        prev = pts[-1]
        step = (axis_max / prev) ** (1 / (n + 1 - j)) * prev if axis_max > prev else prev
        pts.append(max(float(round(step)), prev + 1))
    return np.asarray(pts)


def _check_counts(
    numerator: FloatArray, denominator: FloatArray | None, *, statistic: FunnelStatistic
) -> None:
    if numerator.ndim != 1 or numerator.shape[0] == 0:
        raise MethodInputError("must be a non-empty one-dimensional array", field="numerator")
    if not np.isfinite(numerator).all():
        raise MethodInputError(
            "missing or non-finite; give 0 for areas with no events", field="numerator"
        )
    if (numerator < 0).any():
        raise MethodInputError("must be ≥ 0", field="numerator")
    if denominator is None:
        return
    if denominator.shape != numerator.shape:
        raise MethodInputError("must have the same length as 'numerator'", field="denominator")
    if not np.isfinite(denominator).all() or (denominator <= 0).any():
        raise MethodInputError("missing, non-finite or ≤ 0", field="denominator")
    if statistic is FunnelStatistic.PROPORTION and (numerator > denominator).any():
        raise MethodInputError("numerator > denominator for a proportion", field="numerator")


def _derived_denominator(
    numerator: FloatArray,
    denominator: FloatArray | None,
    rate: FloatArray | None,
    *,
    rate_type: str,
    multiplier: float,
) -> FloatArray:
    """Rates: multiplier·O/rate (DSR: NaN where O = 0; crude: the denominator where O = 0)."""
    if rate is None:
        if denominator is None:
            raise MethodInputError("rates need 'rate' or 'denominator'", field="rate")
        return denominator
    if rate.shape != numerator.shape:
        raise MethodInputError("must have the same length as 'numerator'", field="rate")
    zero = numerator == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        derived = multiplier * numerator / rate
    if rate_type == "dsr":
        return np.where(zero, np.nan, derived)
    if rate_type != "crude":
        raise MethodInputError("must be 'dsr' or 'crude'", field="rate_type")
    if zero.any():
        if denominator is None:
            raise MethodInputError(
                "areas with 0 events need a denominator for crude rates", field="denominator"
            )
        derived = np.where(zero, denominator, derived)
    if not np.isfinite(derived).all():
        raise MethodInputError("missing or zero rate where events > 0", field="rate")
    return derived


def funnel_limits_at(
    points: ArrayLike,
    *,
    baseline: float,
    statistic: str,
    multiplier: float,
    ratio_type: str | None = None,
    years_of_data: float = 1.0,
) -> FunnelLimits:
    """Control limits at given points around a baseline (a proportion or rate per unit).

    Proportions: points are populations. Ratios: points are observed events, limits O/μ
    (``ratio_type`` 'count' → −1, 'isr' → ×100). Rates: points are events; the population
    at each limit is μ/baseline (per year: / ``years_of_data``), the limit O/population ×
    multiplier.
    """
    stat = FunnelStatistic(statistic)
    pts = np.asarray(points, dtype=np.float64)
    intervals: list[Interval] = []
    expected: list[Interval] = []
    for confidence, tail in _TAILS.items():
        if stat is FunnelStatistic.PROPORTION:
            from scipy import special  # imported on first use: ~0.3 s

            z = float(special.ndtri(1 - tail))
            half = z * np.sqrt(baseline * (1 - baseline) / pts)
            cap = multiplier
            lower = np.clip((baseline - half) * multiplier, 0, None)
            upper = np.clip((baseline + half) * multiplier, None, cap)
            intervals.append(Interval(confidence, lower, upper))
            continue
        mu_lo, mu_hi = poisson_mean_limits(pts, tail=tail)
        if stat is FunnelStatistic.RATIO:
            lower, upper = pts / mu_hi, pts / mu_lo
            if ratio_type == "count":
                lower, upper = lower - 1, upper - 1
            elif ratio_type == "isr":
                lower, upper = lower * 100, upper * 100
            expected.append(Interval(confidence, mu_hi, mu_lo))
        else:
            pop_lo, pop_hi = mu_hi / baseline, mu_lo / baseline
            lower, upper = pts / pop_lo * multiplier, pts / pop_hi * multiplier
            expected.append(Interval(confidence, pop_lo / years_of_data, pop_hi / years_of_data))
        intervals.append(Interval(confidence, lower, upper))
    label = {
        FunnelStatistic.PROPORTION: "proportion",
        FunnelStatistic.RATIO: f"ratio ({ratio_type})",
        FunnelStatistic.RATE: f"rate (per {multiplier:g})",
    }[stat]
    return FunnelLimits(
        points=pts,
        baseline=float(baseline * multiplier) if stat is not FunnelStatistic.RATIO else 1.0,
        intervals=tuple(intervals),
        expected=tuple(expected),
        statistic=label,
        method="Wilson" if stat is FunnelStatistic.PROPORTION else "Poisson",
        multiplier=float(multiplier),
    )


def funnel_limits(
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    statistic: str,
    multiplier: float,
    rate: ArrayLike | None = None,
    rate_type: str | None = None,
    ratio_type: str | None = None,
    years_of_data: float | None = None,
) -> FunnelLimits:
    """The 100-point table of 95% and 99.8% control limits for a set of areas.

    Baseline = Σnumerator / Σdenominator (rates: the derived denominator). The axis runs
    from 0 (if the largest denominator is more than twice the smallest) or 95% of the
    smallest rounded down to one significant figure, to 105% of the largest rounded up to
    two (rates: per year, then converted to events at the baseline rate).
    """
    stat = FunnelStatistic(statistic)
    num = np.asarray(numerator, dtype=np.float64)
    den = None if denominator is None else np.asarray(denominator, dtype=np.float64)
    _check_counts(num, den, statistic=stat)
    if stat is FunnelStatistic.RATE:
        if rate_type is None or years_of_data is None:
            raise MethodInputError("rates need rate_type and years_of_data", field="rate_type")
        r = None if rate is None else np.asarray(rate, dtype=np.float64)
        used = _derived_denominator(num, den, r, rate_type=rate_type, multiplier=multiplier)
    else:
        if den is None:
            raise MethodInputError(f"{stat.value} funnels need a denominator", field="denominator")
        if stat is FunnelStatistic.RATIO and ratio_type not in ("count", "isr"):
            raise MethodInputError("must be 'count' or 'isr'", field="ratio_type")
        used = den
    average = float(num.sum() / np.nansum(used))
    lo, hi = float(np.nanmin(used)), float(np.nanmax(used))
    years = float(years_of_data) if years_of_data else 1.0
    if stat is FunnelStatistic.RATE:
        axis_min = 0.0 if hi > 2 * lo else _signif_floor(lo / years) * years
        axis_max = _signif_ceiling(hi / years) * years
        axis_min, axis_max = math.floor(axis_min * average), math.ceil(axis_max * average)
    else:
        axis_min = 0.0 if hi > 2 * lo else _signif_floor(lo)
        axis_max = _signif_ceiling(hi)
    pts = funnel_axis_points(axis_min, axis_max)
    return funnel_limits_at(
        pts,
        baseline=average,
        statistic=stat.value,
        multiplier=multiplier,
        ratio_type=ratio_type,
        years_of_data=years,
    )


def assign_funnel_significance(
    numerator: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    statistic: str,
    rate: ArrayLike | None = None,
    rate_type: str | None = None,
    multiplier: float = 1.0,
) -> NDArray[np.str_]:
    """Each area's position relative to the funnel: High/Low at 0.001 or 0.025, or not.

    For DSRs, areas with fewer than 10 events are "Not applicable …".
    """
    stat = FunnelStatistic(statistic)
    num = np.asarray(numerator, dtype=np.float64)
    den = None if denominator is None else np.asarray(denominator, dtype=np.float64)
    _check_counts(num, den, statistic=stat)
    if stat is FunnelStatistic.PROPORTION:
        if den is None:
            raise MethodInputError("proportion funnels need a denominator", field="denominator")
        average = float(num.sum() / den.sum())
        return _proportion_significance(num / den, average, den)
    if stat is FunnelStatistic.RATIO:
        if den is None:
            raise MethodInputError(
                "ratio funnels need a denominator (expected)", field="denominator"
            )
        reference = np.ones_like(num)
        expected = den
    else:
        if rate_type is None:
            raise MethodInputError("rates need rate_type", field="rate_type")
        r = None if rate is None else np.asarray(rate, dtype=np.float64)
        expected = _derived_denominator(num, den, r, rate_type=rate_type, multiplier=multiplier)
        reference = np.full_like(num, num.sum() / np.nansum(expected))
    result = _poisson_significance(num, expected, reference)
    if stat is FunnelStatistic.RATE and rate_type == "dsr":
        result = np.where(num < 10, FunnelSignificance.NOT_APPLICABLE.value, result)
    return result.astype(np.str_)


def _proportion_significance(p: FloatArray, average: float, den: FloatArray) -> NDArray[np.str_]:
    """Proportions: the most extreme level wins (0.001 beats 0.025)."""
    from scipy import special  # imported on first use: ~0.3 s

    z95 = float(special.ndtri(0.975))
    z998 = float(special.ndtri(0.999))
    sd = np.sqrt(average * (1 - average) / den)
    res = np.full(p.shape, FunnelSignificance.NOT_SIGNIFICANT.value, dtype=object)
    res = np.where(p > average + z95 * sd, FunnelSignificance.HIGH_0025.value, res)
    res = np.where(p > average + z998 * sd, FunnelSignificance.HIGH_0001.value, res)
    res = np.where(p < average - z95 * sd, FunnelSignificance.LOW_0025.value, res)
    res = np.where(p < average - z998 * sd, FunnelSignificance.LOW_0001.value, res)
    return res.astype(np.str_)


def _poisson_significance(
    observed: FloatArray, expected: FloatArray, reference: FloatArray
) -> NDArray[np.object_]:
    """Compare ``reference`` with each area's own O_{L,U}/expected at 95% and 99.8%."""
    res = np.full(observed.shape, FunnelSignificance.NOT_SIGNIFICANT.value, dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo95, hi95 = (v / expected for v in _byar_or_exact(observed, 0.95))
        lo998, hi998 = (v / expected for v in _byar_or_exact(observed, 0.998))
    res = np.where(reference > hi95, FunnelSignificance.LOW_0025.value, res)
    res = np.where(reference > hi998, FunnelSignificance.LOW_0001.value, res)
    res = np.where(reference < lo95, FunnelSignificance.HIGH_0025.value, res)
    res = np.where(reference < lo998, FunnelSignificance.HIGH_0001.value, res)
    return res


def funnel_points(
    numerator: ArrayLike,
    rate: ArrayLike,
    *,
    rate_type: str,
    denominator: ArrayLike | None = None,
    multiplier: float = 100_000,
    years_of_data: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """Chart points for rate funnels: (rate to plot, derived annual denominator).

    Derived denominator = multiplier·O/rate/years. DSR points with fewer than 10 events
    are dropped (NaN); crude rates with 0 events use the denominator.
    """
    num = np.asarray(numerator, dtype=np.float64)
    den = None if denominator is None else np.asarray(denominator, dtype=np.float64)
    r = np.asarray(rate, dtype=np.float64)
    _check_counts(num, den, statistic=FunnelStatistic.RATE)
    if r.shape != num.shape or not np.isfinite(r).all():
        raise MethodInputError("must be given for every area (0 allowed)", field="rate")
    if rate_type == "dsr":
        small = num < 10
        with np.errstate(divide="ignore", invalid="ignore"):
            derived = multiplier * num / r / years_of_data
        return np.where(small, np.nan, r), np.where(small, np.nan, derived)
    derived = _derived_denominator(num, den, r, rate_type=rate_type, multiplier=multiplier)
    return r.copy(), derived / years_of_data
