"""Is the gap narrowing? Trends in inequality measures, and who is improving fastest.

The strategy asks for "progress fastest in the groups with the greatest risk of poor health":
the average improving is not enough, the gap must close. For a series of an inequality
measure — the slope index of inequality (SII, absolute gap, 0 = equality), the relative index
(RII, 1 = equality) or the most-versus-least-deprived gap — healthgap fits a weighted linear
trend (weights 1/SE², SE from the 95% limits; over-dispersion scaled as in
``trajectory.project``) and tests the slope with a two-sided Student's t test on k − 2
degrees of freedom (k points, as the projection's interval) at the requested confidence
(default 95%): with 3–5 points a normal z would be over-confident. The gap is **narrowing**
when the measure moves significantly towards equality, **widening** when it moves
significantly away, else **no significant change**. RII is tested on the log scale
(log RII = 0 at equality). Every verdict says how many points it rests on.

**Overlapping periods.** Rolling periods (2015–17, 2016–18, …) share years, so their values
are not independent; Fingertips does not compute its trend marker on them at all. Here only
**non-overlapping** periods are used: counting back from the latest, each period kept is the
latest that ends by the start of the one kept after it (2022–24, 2019–21, 2016–18, …).
Observations without period bounds are taken as non-overlapping.

Whether the most deprived improve faster: the difference of the two groups' trend slopes
(independent estimates), tested with Student's t on Welch–Satterthwaite degrees of freedom,
read in the indicator's good direction.

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
    "non_overlapping",
]

_EPS = 1e-9


def non_overlapping(observations: Sequence[Observation]) -> list[Observation]:
    """Periods that share no time, latest first kept, returned oldest first (see above)."""
    kept: list[Observation] = []
    for o in sorted(observations, key=lambda o: o.time, reverse=True):
        if kept:
            nxt = kept[-1]
            if o.end is not None and nxt.start is not None and o.end > nxt.start + _EPS:
                continue
        kept.append(o)
    return kept[::-1]


def _used(kept: int, held: int) -> str:
    if kept == held:
        return f"{kept} periods"
    return f"{kept} non-overlapping of {held} overlapping periods"


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

    @property
    def df(self) -> int:
        """Degrees of freedom of the slope's t statistic: points − 2."""
        return self.points - 2

    def z(self) -> float:
        """The slope over its standard error (a t statistic on ``df`` degrees of freedom)."""
        return self.slope / self.se if self.se > 0 else math.copysign(math.inf, self.slope)

    def p_value(self) -> float:
        """Two-sided p-value of the slope from Student's t on ``df`` degrees of freedom."""
        return float(2 * stats.t.sf(abs(self.z()), df=self.df))


@dataclass(frozen=True)
class GapTrend:
    """A gap verdict: ``reason`` in plain words (shown to the public), ``detail`` the test it
    rests on (slope, p, periods used, degrees of freedom; for analysts)."""

    measure: str
    verdict: GapVerdict
    reason: str
    trend: Trend | None
    first: Observation | None
    latest: Observation | None
    p_value: float | None = None
    points: int = 0
    """How many periods the verdict rests on (non-overlapping)."""
    periods_held: int = 0
    detail: str = ""


@dataclass(frozen=True)
class FasterImprovement:
    answer: bool | None
    reason: str
    difference_per_year: float | None = None
    p_value: float | None = None
    points: tuple[int, int] = (0, 0)
    """Periods each trend rests on: (most deprived, average)."""


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
    held = len(observations)
    obs = non_overlapping(observations)
    first, latest = (obs[0], obs[-1]) if obs else (None, None)
    used = _used(len(obs), held)
    if len(obs) < 3:
        return GapTrend(
            measure,
            GapVerdict.CANNOT_BE_CALCULATED,
            _too_few(len(obs)),
            None,
            first,
            latest,
            points=len(obs),
            periods_held=held,
            detail=f"a trend needs at least 3 periods; {len(obs)} held"
            + ("" if len(obs) == held else f" ({used})"),
        )
    transform: Literal["none", "log"] = "log" if measure == "rii" else "none"
    trend = fit_trend(obs, transform=transform)
    # distance from equality on the fitted scale: SII and gaps are 0 at equality, log RII too
    current = math.log(obs[-1].value) if measure == "rii" else obs[-1].value
    away = math.copysign(1.0, current) if current != 0.0 else 0.0
    p = trend.p_value()
    on = f"over {len(obs)} separate time periods"
    if p >= 1 - confidence or away == 0.0:
        verdict = GapVerdict.NO_SIGNIFICANT_CHANGE
        why = f"slope {trend.slope:+.3g} a year is not significant (p = {p:.3g})"
        plain = f"the change {on} is too small, or too uncertain, to be more than chance"
    elif math.copysign(1.0, trend.slope) == away:
        verdict = GapVerdict.WIDENING
        why = f"moving away from equality by {abs(trend.slope):.3g} a year (p = {p:.3g})"
        plain = f"the gap has grown {on}, by more than chance would explain"
    else:
        verdict = GapVerdict.NARROWING
        why = f"moving towards equality by {abs(trend.slope):.3g} a year (p = {p:.3g})"
        plain = f"the gap has closed {on}, by more than chance would explain"
    if measure == "rii":
        why += " on the log scale"
    why += f"; {used}, t test on {trend.df} df"
    return GapTrend(measure, verdict, plain, trend, first, latest, p, len(obs), held, detail=why)


def _too_few(n: int) -> str:
    """Why no trend: in plain words (rolling periods that share years count once)."""
    if n == 0:
        return "no values are held to follow over time; a trend needs at least 3 time periods"
    if n == 1:
        return "there is only 1 separate time period; a trend needs at least 3"
    return f"there are only {n} separate time periods; a trend needs at least 3"


def improves_faster(
    most_deprived: Sequence[Observation],
    average: Sequence[Observation],
    *,
    higher_is_better: bool,
    confidence: float = 0.95,
) -> FasterImprovement:
    """Do the most deprived improve significantly faster than the average?"""
    most, avg = non_overlapping(most_deprived), non_overlapping(average)
    points = (len(most), len(avg))
    if len(most) < 3 or len(avg) < 3:
        return FasterImprovement(
            None,
            f"both series need at least 3 non-overlapping periods; {points[0]} and "
            f"{points[1]} held",
            points=points,
        )
    a = fit_trend(most)
    b = fit_trend(avg)
    sign = 1.0 if higher_is_better else -1.0
    diff = sign * (a.slope - b.slope)  # > 0: most deprived improving faster
    se = math.hypot(a.se, b.se)
    if se > 0:
        # Welch–Satterthwaite degrees of freedom for a difference of two slopes
        parts = [v**2 / d for v, d in ((a.se**2, a.df), (b.se**2, b.df)) if v > 0]
        df = (a.se**2 + b.se**2) ** 2 / sum(parts)
        p = float(2 * stats.t.sf(abs(diff) / se, df=df))
        test = f"t test on {df:.3g} df"
    else:
        p, test = 0.0, "exact lines"
    on = f"{points[0]} and {points[1]} periods, {test}"
    if p >= 1 - confidence:
        return FasterImprovement(
            False,
            f"no significant difference in improvement (p = {p:.3g}; {on})",
            diff,
            p,
            points,
        )
    if diff > 0:
        return FasterImprovement(
            True, f"faster by {diff:.3g} a year (p = {p:.3g}; {on})", diff, p, points
        )
    return FasterImprovement(
        False, f"slower by {-diff:.3g} a year (p = {p:.3g}; {on})", diff, p, points
    )


def is_red_red(comparison: str, recent_trend: str) -> bool:
    """Significantly worse than the benchmark and getting worse (Fingertips wording)."""
    worse = comparison.strip().lower() in {"worse", "worst"}
    return worse and recent_trend.strip().lower().endswith("getting worse")
