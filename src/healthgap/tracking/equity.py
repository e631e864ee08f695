"""Is the gap narrowing? Trends in inequality measures, and who is improving fastest.

The strategy asks for "progress fastest in the groups with the greatest risk of poor health":
the average improving is not enough, the gap must close. For a series of an inequality
measure — the slope index of inequality (SII, absolute gap, 0 = equality), the relative index
(RII, 1 = equality) or the most-versus-least-deprived gap — healthgap fits a weighted linear
trend (weights 1/SE², SE from the 95% limits; over-dispersion scaled as in
``trajectory.project``) and tests the slope with a two-sided z test at the requested
confidence (default 95%). The gap is **narrowing** when the measure moves significantly
towards equality, **widening** when it moves significantly away, else **no significant
change**. RII is tested on the log scale (log RII = 0 at equality).

Whether the most deprived improve faster: the difference of the two groups' trend slopes,
z-tested (independent estimates), read in the indicator's good direction.

"Red-red": an area significantly worse than its benchmark (Fingertips comparison outcome
'Worse' or 'Worst') *and* with a recent trend that is getting worse.

References: Fingertips technical guidance, *Trend markers* (WLS on 1/SE²); Low & Low (2004)
JECH 58:680 (SII/RII); Marmot Review (2010) on proportionate universalism.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
from scipy import stats

from healthgap.tracking.trajectory import Observation

__all__ = [
    "FasterImprovement",
    "GapTrend",
    "GapVerdict",
    "Trend",
    "fit_trend",
    "gap_trend",
    "improves_faster",
    "is_red_red",
]


class GapVerdict(StrEnum):
    NARROWING = "narrowing"
    WIDENING = "widening"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    CANNOT_BE_CALCULATED = "cannot be calculated"


@dataclass(frozen=True)
class Trend:
    """A weighted linear trend: slope per year with its standard error."""

    slope: float
    se: float
    points: int
    method: str

    def z(self) -> float:
        return self.slope / self.se if self.se > 0 else math.copysign(math.inf, self.slope)


@dataclass(frozen=True)
class GapTrend:
    measure: str
    verdict: GapVerdict
    reason: str
    trend: Trend | None
    first: Observation | None
    latest: Observation | None
    p_value: float | None = None


@dataclass(frozen=True)
class FasterImprovement:
    answer: bool | None
    reason: str
    difference_per_year: float | None = None
    p_value: float | None = None


def fit_trend(
    observations: Sequence[Observation], *, transform: Literal["none", "log"] = "none"
) -> Trend:
    """Weighted (1/SE²) or, without limits, ordinary least-squares slope per year."""
    k = len(observations)
    if k < 3:
        raise ValueError(f"a trend needs at least 3 values; got {k}")
    t = np.array([o.time for o in observations], dtype=float)
    y = np.array([o.value for o in observations], dtype=float)
    lo = [o.lower95 for o in observations]
    hi = [o.upper95 for o in observations]
    if transform == "log":
        if np.any(y <= 0):
            raise ValueError("a log-scale trend needs positive values")
        y = np.log(y)
    weighted = all(a is not None and b is not None and b > a for a, b in zip(lo, hi, strict=True))
    x = t - t.mean()
    if weighted:
        lo_a = np.array(lo, dtype=float)
        hi_a = np.array(hi, dtype=float)
        if transform == "log":
            se = (np.log(hi_a) - np.log(lo_a)) / (2 * 1.959963984540054)
        else:
            se = (hi_a - lo_a) / (2 * 1.959963984540054)
        w = 1.0 / se**2
        sw, swx, swxx = w.sum(), (w * x).sum(), (w * x * x).sum()
        denom = sw * swxx - swx**2
        slope = float((sw * (w * x * y).sum() - swx * (w * y).sum()) / denom)
        intercept = ((w * y).sum() - slope * swx) / sw
        chi2 = float((w * (y - intercept - slope * x) ** 2).sum())
        scale = max(1.0, chi2 / (k - 2))
        var = float(sw / denom) * scale
        method = "weighted least squares (1/SE²)"
    else:
        sxx = float((x * x).sum())
        slope = float((x * (y - y.mean())).sum() / sxx)
        resid = y - y.mean() - slope * x
        var = float((resid**2).sum() / (k - 2) / sxx)
        method = "ordinary least squares"
    return Trend(slope=slope, se=math.sqrt(max(var, 0.0)), points=k, method=method)


def gap_trend(
    observations: Sequence[Observation],
    *,
    measure: Literal["sii", "rii", "gap"],
    confidence: float = 0.95,
) -> GapTrend:
    """Is an inequality measure moving towards equality (0 for SII/gap, 1 for RII)?"""
    obs = sorted(observations, key=lambda o: o.time)
    first, latest = (obs[0], obs[-1]) if obs else (None, None)
    if len(obs) < 3:
        return GapTrend(
            measure,
            GapVerdict.CANNOT_BE_CALCULATED,
            f"a trend needs at least 3 periods; {len(obs)} held",
            None,
            first,
            latest,
        )
    transform: Literal["none", "log"] = "log" if measure == "rii" else "none"
    trend = fit_trend(obs, transform=transform)
    # distance from equality on the fitted scale: SII and gaps are 0 at equality, log RII too
    current = math.log(obs[-1].value) if measure == "rii" else obs[-1].value
    away = math.copysign(1.0, current) if current != 0.0 else 0.0
    p = float(2 * stats.norm.sf(abs(trend.z())))
    if p >= 1 - confidence or away == 0.0:
        verdict = GapVerdict.NO_SIGNIFICANT_CHANGE
        why = f"slope {trend.slope:+.3g} a year is not significant (p = {p:.3g})"
    elif math.copysign(1.0, trend.slope) == away:
        verdict = GapVerdict.WIDENING
        why = f"moving away from equality by {abs(trend.slope):.3g} a year (p = {p:.3g})"
    else:
        verdict = GapVerdict.NARROWING
        why = f"moving towards equality by {abs(trend.slope):.3g} a year (p = {p:.3g})"
    if measure == "rii":
        why += " on the log scale"
    return GapTrend(measure, verdict, why, trend, first, latest, p)


def improves_faster(
    most_deprived: Sequence[Observation],
    average: Sequence[Observation],
    *,
    higher_is_better: bool,
    confidence: float = 0.95,
) -> FasterImprovement:
    """Do the most deprived improve significantly faster than the average?"""
    if len(most_deprived) < 3 or len(average) < 3:
        return FasterImprovement(None, "both series need at least 3 periods")
    a = fit_trend(sorted(most_deprived, key=lambda o: o.time))
    b = fit_trend(sorted(average, key=lambda o: o.time))
    sign = 1.0 if higher_is_better else -1.0
    diff = sign * (a.slope - b.slope)  # > 0: most deprived improving faster
    se = math.hypot(a.se, b.se)
    p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else 0.0
    if p >= 1 - confidence:
        return FasterImprovement(
            False, f"no significant difference in improvement (p = {p:.3g})", diff, p
        )
    if diff > 0:
        return FasterImprovement(True, f"faster by {diff:.3g} a year (p = {p:.3g})", diff, p)
    return FasterImprovement(False, f"slower by {-diff:.3g} a year (p = {p:.3g})", diff, p)


def is_red_red(comparison: str, recent_trend: str) -> bool:
    """Significantly worse than the benchmark and getting worse (Fingertips wording)."""
    worse = comparison.strip().lower() in {"worse", "worst"}
    return worse and recent_trend.strip().lower().endswith("getting worse")
