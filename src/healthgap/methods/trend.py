"""Fingertips' recent trend marker and "change from previous".

Recent trend (``Analysis/TrendMarkers``; Fingertips "Trend markers" technical guidance):

* eligible when the longest unbroken run of valid points ending at the latest period has at
  least 5 points (its 5 most recent are used), periods are single years (``year_range`` 1)
  and no point has count equal to denominator;
* method A (WLS) regresses value on t = 1…5 with weights w = 1/SE², SE = (U95 − L95)/3.92:
  b = (Σw·Σwty − Σwt·Σwy)/(Σw·Σwt² − (Σwt)²), Var(b) = Σw/(Σw·Σwt² − (Σwt)²), χ² = b²/Var(b);
* method B (proportions) is the Cochran–Armitage test for trend on counts r_i of n_i:
  χ² = N(N·Σr_i t_i − R·Σn_i t_i)² / [R(N − R)(N·Σn_i t_i² − (Σn_i t_i)²)], direction from
  the unweighted slope of log(r_i/(n_i − r_i)) on t (Armitage 1955; Cochran 1954);
* significant when χ² > 9.5495 (= 3.0902², 99.8%) and the slope has the same sign in all
  six fits (all five points and each four-point fit leaving one out).

Change from previous (``TrendBetweenTwoValuesCalculator``): latest vs previous with double
overlapping 95% CIs → Increasing / Decreasing / No change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods.compare import Polarity
from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = [
    "CHI_SQUARED_998",
    "Change",
    "TrendLabel",
    "TrendResult",
    "change_from_previous",
    "recent_trend",
]

CHI_SQUARED_998 = 9.5495
"""χ² (1 df) threshold at 99.8%, as Fingertips uses it (3.0902²)."""
TREND_POINTS = 5


class TrendLabel(StrEnum):
    """Recent-trend wording, exactly as Fingertips' ``TrendMarkerLabelProvider``."""

    INCREASING_GETTING_WORSE = "Increasing and getting worse"
    INCREASING_GETTING_BETTER = "Increasing and getting better"
    DECREASING_GETTING_BETTER = "Decreasing and getting better"
    DECREASING_GETTING_WORSE = "Decreasing and getting worse"
    INCREASING = "Increasing"
    DECREASING = "Decreasing"
    NO_SIGNIFICANT_CHANGE = "No significant change"
    CANNOT_BE_CALCULATED = "Cannot be calculated"


class Change(StrEnum):
    """Change from the previous period."""

    INCREASING = "Increasing"
    DECREASING = "Decreasing"
    NO_CHANGE = "No change"
    NOT_COMPARED = "Not compared"


@dataclass(frozen=True)
class TrendResult:
    """The recent trend of one series: label, direction (+1/−1/0), statistic and method."""

    label: TrendLabel
    direction: int
    chi_squared: float
    slope: float
    method: str
    points_used: int
    reason: str


def _label(direction: int, polarity: Polarity) -> TrendLabel:
    if direction == 0:
        return TrendLabel.NO_SIGNIFICANT_CHANGE
    up = direction > 0
    if polarity is Polarity.LOW_IS_GOOD:
        return TrendLabel.INCREASING_GETTING_WORSE if up else TrendLabel.DECREASING_GETTING_BETTER
    if polarity is Polarity.HIGH_IS_GOOD:
        return TrendLabel.INCREASING_GETTING_BETTER if up else TrendLabel.DECREASING_GETTING_WORSE
    return TrendLabel.INCREASING if up else TrendLabel.DECREASING


def _wls(t: FloatArray, y: FloatArray, w: FloatArray) -> tuple[float, float]:
    sw, swt, swy = w.sum(), (w * t).sum(), (w * y).sum()
    swtt, swty = (w * t * t).sum(), (w * t * y).sum()
    denom = sw * swtt - swt**2
    slope = (sw * swty - swt * swy) / denom
    return float(slope), float(sw / denom)


def _cochran_armitage(t: FloatArray, r: FloatArray, n: FloatArray) -> float:
    big_n, big_r = n.sum(), r.sum()
    num = big_n * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2
    den = big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2)
    return float(num / den) if den > 0 else math.nan


def _logit_slope(t: FloatArray, r: FloatArray, n: FloatArray) -> float:
    if (r <= 0).any() or (r >= n).any():
        # log-odds undefined: the direction of the Cochran–Armitage score instead
        return float(n.sum() * (r * t).sum() - r.sum() * (n * t).sum())
    y = np.log(r / (n - r))
    tc = t - t.mean()
    return float((tc * (y - y.mean())).sum() / (tc * tc).sum())


def _cannot(reason: str, method: str) -> TrendResult:
    return TrendResult(TrendLabel.CANNOT_BE_CALCULATED, 0, math.nan, math.nan, method, 0, reason)


def recent_trend(
    value: ArrayLike,
    *,
    polarity: int,
    lower95: ArrayLike | None = None,
    upper95: ArrayLike | None = None,
    count: ArrayLike | None = None,
    denominator: ArrayLike | None = None,
    method: str = "wls",
    year_range: int = 1,
) -> TrendResult:
    """Fingertips' recent trend of one series (oldest period first).

    ``method`` 'wls' (method A; needs 95% CIs) or 'cochran-armitage' (method B; needs counts
    and denominators). Ineligible series give "Cannot be calculated" with the reason.
    """
    y = np.asarray(value, dtype=np.float64)
    if y.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="value")
    n_pts = y.shape[0]
    pol = Polarity(int(polarity))
    if method not in ("wls", "cochran-armitage"):
        raise MethodInputError("must be 'wls' or 'cochran-armitage'", field="method")

    def opt(name: str, data: ArrayLike | None) -> FloatArray | None:
        if data is None:
            return None
        a = np.asarray(data, dtype=np.float64)
        if a.shape != y.shape:
            raise MethodInputError(f"must have {n_pts} elements like 'value'", field=name)
        return a

    lo, hi = opt("lower95", lower95), opt("upper95", upper95)
    r, d = opt("count", count), opt("denominator", denominator)
    label = (
        "weighted least squares (method A)" if method == "wls" else "Cochran-Armitage (method B)"
    )
    if method == "wls" and (lo is None or hi is None):
        raise MethodInputError("method A needs 95% confidence limits", field="lower95")
    if method == "cochran-armitage" and (r is None or d is None):
        raise MethodInputError("method B needs counts and denominators", field="count")
    if year_range != 1:
        return _cannot("periods span more than one year (rolling/overlapping data)", label)

    valid = np.isfinite(y)
    for a in (lo, hi, r, d):
        if a is not None:
            valid &= np.isfinite(a)
    if n_pts == 0 or not np.isfinite(y[-1]):
        return _cannot("the latest period has no value", label)
    if not valid[-1]:
        lacking = {
            what
            for what, a in (
                ("95% confidence limits", lo),
                ("95% confidence limits", hi),
                ("count", r),
                ("denominator", d),
            )
            if a is not None and not np.isfinite(a[-1])
        }
        return _cannot(f"the latest value has no {' or '.join(sorted(lacking))}", label)
    breaks = np.flatnonzero(~valid)
    run_start = int(breaks[-1]) + 1 if breaks.size else 0
    if n_pts - run_start < TREND_POINTS:
        return _cannot(
            f"only {n_pts - run_start} consecutive valid points up to the latest; needs "
            f"{TREND_POINTS}",
            label,
        )
    sl = slice(n_pts - TREND_POINTS, n_pts)
    t = np.arange(1.0, TREND_POINTS + 1)
    if r is not None and d is not None and (r[sl] == d[sl]).any():
        return _cannot("a point has count equal to denominator", label)

    if method == "wls":
        assert lo is not None
        assert hi is not None
        se = (hi[sl] - lo[sl]) / 3.92
        if (se <= 0).any():
            return _cannot("a point has a zero-width confidence interval", label)
        w = 1.0 / se**2
        yy = y[sl]

        def fit(idx: FloatArray | np.ndarray) -> tuple[float, float]:
            return _wls(t[idx], yy[idx], w[idx])

        slope, var = fit(np.arange(TREND_POINTS))
        chi2 = slope**2 / var
        slopes = [slope] + [fit(np.delete(np.arange(TREND_POINTS), k))[0] for k in range(5)]
    else:
        assert r is not None
        assert d is not None
        rr, dd = r[sl], d[sl]
        if (rr < 0).any() or (rr > dd).any() or (dd <= 0).any():
            raise MethodInputError("counts must be 0…denominator, denominators > 0", field="count")
        chi2 = _cochran_armitage(t, rr, dd)
        if not np.isfinite(chi2):
            return _cannot("no variation in counts (all 0 or all equal to denominator)", label)
        idx_all = np.arange(TREND_POINTS)
        slope = _logit_slope(t, rr, dd)
        slopes = [slope] + [
            _logit_slope(
                t[np.delete(idx_all, k)], rr[np.delete(idx_all, k)], dd[np.delete(idx_all, k)]
            )
            for k in range(5)
        ]
    signs = {int(np.sign(s)) for s in slopes}
    significant = chi2 > CHI_SQUARED_998 and len(signs) == 1 and 0 not in signs
    direction = int(np.sign(slope)) if significant else 0
    reason = (
        ""
        if significant
        else (
            f"χ² = {chi2:.4g} ≤ {CHI_SQUARED_998}"
            if chi2 <= CHI_SQUARED_998
            else "slope changes sign when a point is left out"
        )
    )
    return TrendResult(_label(direction, pol), direction, chi2, slope, label, TREND_POINTS, reason)


def change_from_previous(value: ArrayLike, *, lower95: ArrayLike, upper95: ArrayLike) -> Change:
    """Latest vs previous period of a series (oldest first) by double overlapping 95% CIs."""
    y = np.asarray(value, dtype=np.float64)
    lo = np.asarray(lower95, dtype=np.float64)
    hi = np.asarray(upper95, dtype=np.float64)
    if y.ndim != 1 or lo.shape != y.shape or hi.shape != y.shape:
        raise MethodInputError("value, lower95 and upper95 must be aligned 1-D", field="value")
    if y.shape[0] < 2:
        return Change.NOT_COMPARED
    last = slice(-2, None)
    if not (
        np.isfinite(y[last]).all() and np.isfinite(lo[last]).all() and np.isfinite(hi[last]).all()
    ):
        return Change.NOT_COMPARED
    overlap = lo[-1] <= hi[-2] and lo[-2] <= hi[-1]
    if overlap:
        return Change.NO_CHANGE
    return Change.INCREASING if y[-1] > y[-2] else Change.DECREASING
