"""Fingertips benchmarking: comparison methods, polarity, quintiles/quartiles, spine statistics.

Rules as implemented by Fingertips (``PholioVisualisationWS/Analysis``), documented in
METHODS.md §4: every comparer first decides "higher = Better", then flips Better↔Worse and
Best↔Worst when low is good; "no judgement" (BOB, polarity 99) is not flipped; polarity −1
and method −1 mean "Not compared". Confidence bounds are inclusive (a benchmark equal to a
limit is Same).

Methods: 1 single overlapping 95% CI; 17 single overlapping CIs at two levels (95%, 99.8%);
12 double overlapping 95% CIs; 5 SPC (funnel) for proportions; 6 SPC for DSRs (exact
Poisson); 15/16 quintiles/quartiles (categories, ``value_categories``); −1 no comparison.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

__all__ = [
    "Comparison",
    "ComparisonMethod",
    "Outcome",
    "Polarity",
    "SpineStatistics",
    "ValueCategories",
    "benchmark_value",
    "compare_with_benchmark",
    "fingertips_percentile",
    "outcome_labels",
    "spine_statistics",
    "value_categories",
]

SPC_Z = {0.95: 1.96, 0.998: 3.0902}
"""Fingertips' ``ComparatorConfidence`` z values for SPC proportions."""
SPC_P = {0.95: 0.025, 0.998: 0.001}
"""Fingertips' tail probabilities for SPC DSRs."""


class Polarity(IntEnum):
    """Fingertips polarity ids; a member's lower-case name is the catalogue's polarity name."""

    NOT_APPLICABLE = -1
    LOW_IS_GOOD = 0
    HIGH_IS_GOOD = 1
    NO_JUDGEMENT = 99

    @classmethod
    def of(cls, polarity: int | str) -> Polarity:
        """The polarity of an id (1, 0, 99, −1) or a name (``high_is_good`` → 1).

        The one mapping from the catalogue's polarity names to Fingertips ids.
        """
        for member in cls:
            if polarity in (member.name.lower(), member.value, str(member.value)):
                return member
        names = ", ".join(p.name.lower() for p in cls)
        ids = ", ".join(str(p.value) for p in cls)
        raise MethodInputError(
            f"unknown polarity {polarity!r}; use one of {names} or {ids}", field="polarity"
        )


class ComparisonMethod(IntEnum):
    """Fingertips comparator method ids."""

    NONE = -1
    SINGLE_CI = 1
    SPC_PROPORTIONS = 5
    SPC_DSR = 6
    DOUBLE_CI = 12
    QUINTILES = 15
    QUARTILES = 16
    SINGLE_CI_TWO_LEVELS = 17


class Outcome(StrEnum):
    """Comparison outcome (Fingertips ``Significance``), after polarity."""

    BETTER = "Better"
    SAME = "Same"
    WORSE = "Worse"
    BEST = "Best"
    WORST = "Worst"
    NOT_COMPARED = "Not compared"


_FLIP = {
    Outcome.BETTER.value: Outcome.WORSE.value,
    Outcome.WORSE.value: Outcome.BETTER.value,
    Outcome.BEST.value: Outcome.WORST.value,
    Outcome.WORST.value: Outcome.BEST.value,
}


@dataclass(frozen=True)
class Comparison:
    """Outcome per area, with the reason where an area was not compared."""

    outcome: NDArray[np.str_]
    reason: NDArray[np.str_]
    method: ComparisonMethod
    polarity: Polarity
    confidence: float


def _arr(name: str, data: ArrayLike | None, n: int) -> FloatArray | None:
    if data is None:
        return None
    a = np.asarray(data, dtype=np.float64)
    if a.ndim == 0:
        return np.full(n, float(a))
    if a.shape != (n,):
        raise MethodInputError(f"must be a scalar or have {n} elements", field=name)
    return a


def compare_with_benchmark(
    value: ArrayLike,
    *,
    benchmark: ArrayLike,
    method: int,
    polarity: int,
    lower95: ArrayLike | None = None,
    upper95: ArrayLike | None = None,
    lower998: ArrayLike | None = None,
    upper998: ArrayLike | None = None,
    benchmark_lower95: ArrayLike | None = None,
    benchmark_upper95: ArrayLike | None = None,
    denominator: ArrayLike | None = None,
    denominator2: ArrayLike | None = None,
    unit: float = 1.0,
    confidence: float = 0.95,
) -> Comparison:
    """Compare each area's value with its benchmark by a Fingertips comparator method.

    Missing values, benchmarks, CIs or denominators give "Not compared" with a reason.
    ``unit`` is the indicator's multiplier (100 for percentages, 100000 for rates);
    ``confidence`` (0.95 or 0.998) picks the SPC level for methods 5 and 6.
    """
    v = np.asarray(value, dtype=np.float64)
    if v.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="value")
    n = v.shape[0]
    try:
        m = ComparisonMethod(int(method))
    except ValueError:
        raise MethodInputError(f"unknown comparison method {method!r}", field="method") from None
    try:
        pol = Polarity(int(polarity))
    except ValueError:
        raise MethodInputError(f"unknown polarity {polarity!r}", field="polarity") from None
    if m in (ComparisonMethod.QUINTILES, ComparisonMethod.QUARTILES):
        raise MethodInputError(
            "methods 15 and 16 assign categories, not significance: use value_categories",
            field="method",
        )
    if (
        m in (ComparisonMethod.SPC_PROPORTIONS, ComparisonMethod.SPC_DSR)
        and confidence not in SPC_Z
    ):
        raise MethodInputError("SPC methods need confidence 0.95 or 0.998", field="confidence")
    b = _arr("benchmark", benchmark, n)
    assert b is not None
    outcome = np.full(n, Outcome.NOT_COMPARED.value, dtype=object)
    reason = np.full(n, "", dtype=object)
    if m is ComparisonMethod.NONE or pol is Polarity.NOT_APPLICABLE:
        reason[:] = "method -1 (no comparison)" if m is ComparisonMethod.NONE else "polarity -1"
        return Comparison(
            outcome.astype(np.str_), reason.astype(np.str_), m, pol, float(confidence)
        )

    valid = np.isfinite(v) & np.isfinite(b)
    reason[~np.isfinite(v)] = "missing value"
    reason[np.isfinite(v) & ~np.isfinite(b)] = "missing benchmark"
    higher = v > b
    direction = np.where(higher, Outcome.BETTER.value, Outcome.WORSE.value)

    def need(name: str, arr: FloatArray | None) -> FloatArray:
        nonlocal valid
        if arr is None:
            raise MethodInputError(f"method {int(m)} needs '{name}'", field=name)
        ok = np.isfinite(arr)
        reason[valid & ~ok] = f"missing {name}"
        valid = valid & ok
        return arr

    if m is ComparisonMethod.SINGLE_CI:
        lo = need("lower95", _arr("lower95", lower95, n))
        hi = need("upper95", _arr("upper95", upper95, n))
        same = (lo <= b) & (b <= hi)
        res = np.where(same, Outcome.SAME.value, direction)
    elif m is ComparisonMethod.SINGLE_CI_TWO_LEVELS:
        lo = need("lower95", _arr("lower95", lower95, n))
        hi = need("upper95", _arr("upper95", upper95, n))
        lo8 = need("lower998", _arr("lower998", lower998, n))
        hi8 = need("upper998", _arr("upper998", upper998, n))
        res = np.where(v < b, Outcome.WORST.value, Outcome.BEST.value)
        res = np.where((b >= lo8) & (b <= lo), Outcome.BETTER.value, res)
        res = np.where((b >= hi) & (b <= hi8), Outcome.WORSE.value, res)
        res = np.where((lo <= b) & (b <= hi), Outcome.SAME.value, res)
    elif m is ComparisonMethod.DOUBLE_CI:
        lo = need("lower95", _arr("lower95", lower95, n))
        hi = need("upper95", _arr("upper95", upper95, n))
        blo = need("benchmark_lower95", _arr("benchmark_lower95", benchmark_lower95, n))
        bhi = need("benchmark_upper95", _arr("benchmark_upper95", benchmark_upper95, n))
        overlap = (lo <= bhi) & (blo <= hi)
        res = np.where(overlap, Outcome.SAME.value, direction)
    elif m is ComparisonMethod.SPC_PROPORTIONS:
        den = need("denominator", _arr("denominator", denominator, n))
        positive = den > 0
        reason[valid & ~positive] = "denominator ≤ 0"
        valid &= positive
        z = SPC_Z[confidence]
        with np.errstate(invalid="ignore", divide="ignore"):
            e = den * b / unit
            root = z * np.sqrt(z * z + 4 * e * (1 - e / den))
            low = (2 * e + z * z - root) / (2 * (den + z * z))
            high = (2 * e + z * z + root) / (2 * (den + z * z))
        p1 = v / unit
        res = np.where(p1 > high, Outcome.BETTER.value, Outcome.SAME.value)
        res = np.where(p1 < low, Outcome.WORSE.value, res)
    else:  # SPC for DSRs
        den2 = need("denominator2", _arr("denominator2", denominator2, n))
        positive = den2 > 0
        reason[valid & ~positive] = "denominator2 ≤ 0"
        valid &= positive
        p = SPC_P[confidence]
        from scipy import special  # imported on first use: ~0.3 s

        with np.errstate(invalid="ignore", divide="ignore"):
            e = b * den2 / unit
            e_low = np.where(e > 0, special.gammaincinv(np.where(e > 0, e, 1.0), p), 0.0)
            e_high = special.gammainccinv(e + 1.0, p)
            low = e_low / den2 * unit
            high = e_high / den2 * unit
        res = np.where(v > high, Outcome.BETTER.value, Outcome.SAME.value)
        res = np.where(v < low, Outcome.WORSE.value, res)

    if pol is Polarity.LOW_IS_GOOD:
        res = np.array([_FLIP.get(r, r) for r in res], dtype=object)
    outcome = np.where(valid, res, Outcome.NOT_COMPARED.value)
    return Comparison(outcome.astype(np.str_), reason.astype(np.str_), m, pol, float(confidence))


def outcome_labels(outcome: ArrayLike, *, polarity: int) -> NDArray[np.str_]:
    """On-screen words: Better/Similar/Worse (Best/Worst), or Higher/Similar/Lower for BOB."""
    words = {Outcome.SAME.value: "Similar"}
    if Polarity(int(polarity)) is Polarity.NO_JUDGEMENT:
        words |= {
            Outcome.BETTER.value: "Higher",
            Outcome.WORSE.value: "Lower",
            Outcome.BEST.value: "Highest",
            Outcome.WORST.value: "Lowest",
        }
    out = [words.get(str(o), str(o)) for o in np.asarray(outcome).ravel()]
    return np.asarray(out, dtype=np.str_)


def fingertips_percentile(values: ArrayLike, fraction: float) -> float:
    """Fingertips' percentile: n = (N − 1)·f + 1, x[k] + (n − k)(x[k+1] − x[k]), k = ⌊n⌋.

    Over the finite values, sorted; rounded to 10 decimal places. NaN if fewer than 4 values.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[np.isfinite(x)]
    count = x.shape[0]
    if count <= 3:
        return math.nan
    pos = (count - 1) * fraction + 1
    k = math.floor(pos)
    if k >= count:
        return round(float(x[-1]), 10)
    return round(float(x[k - 1] + (pos - k) * (x[k] - x[k - 1])), 10)


@dataclass(frozen=True)
class ValueCategories:
    """Quintile/quartile category per value (NaN where none), the bounds used and why."""

    category: FloatArray
    bounds: FloatArray
    reason: NDArray[np.str_]
    reversed: bool


def value_categories(
    values: ArrayLike, *, method: int = ComparisonMethod.QUINTILES, polarity: int = 1
) -> ValueCategories:
    """Fingertips quintiles (method 15) or quartiles (16) of the areas' values.

    Bounds [min, P20, …, max] with interpolated percentiles; a value falls in the first bin
    whose (inclusive) upper bound it does not exceed. Quintiles with polarity "high is good"
    are numbered so that 1 is best (highest); otherwise 1 is the lowest value. Quartiles are
    never reversed. Quintiles need ≥ 5 values, quartiles ≥ 4.
    """
    m = ComparisonMethod(int(method))
    if m not in (ComparisonMethod.QUINTILES, ComparisonMethod.QUARTILES):
        raise MethodInputError("must be 15 (quintiles) or 16 (quartiles)", field="method")
    pol = Polarity(int(polarity))
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="values")
    bins = 5 if m is ComparisonMethod.QUINTILES else 4
    finite = np.isfinite(x)
    count = int(finite.sum())
    minimum = 5 if bins == 5 else 4
    reason = np.where(finite, "", "missing value").astype(object)
    if count < minimum:
        reason[finite] = (
            f"{count} values; {'quintiles' if bins == 5 else 'quartiles'} need {minimum}"
        )
        return ValueCategories(
            np.full(x.shape, np.nan), np.full(bins + 1, np.nan), reason.astype(np.str_), False
        )
    inner = [fingertips_percentile(x, i / bins) for i in range(1, bins)]
    bounds = np.array([float(np.nanmin(x)), *inner, float(np.nanmax(x))])
    cat = np.searchsorted(bounds[1:], x, side="left").astype(np.float64) + 1
    cat = np.minimum(cat, bins)
    flip = bins == 5 and pol is Polarity.HIGH_IS_GOOD
    if flip:
        cat = bins + 1 - cat
    cat[~finite] = np.nan
    return ValueCategories(cat, bounds, reason.astype(np.str_), flip)


@dataclass(frozen=True)
class SpineStatistics:
    """Spine chart statistics of the child areas' values and whether they may be shown."""

    minimum: float
    p5: float
    p25: float
    median: float
    p75: float
    p95: float
    maximum: float
    count: int
    expected: int
    coverage: float
    shown: bool
    reason: str


def spine_statistics(
    values: ArrayLike,
    *,
    expected: int | None = None,
    always_show: bool = False,
    ignored: Sequence[bool] | None = None,
) -> SpineStatistics:
    """Min, P5, P25, median, P75, P95 and max with Fingertips' interpolated percentiles.

    ``expected`` is the number of child areas (default: the number of values given, missing
    ones included); ``ignored`` marks areas excluded from spine charts. The chart is shown only
    if at least 75% of the areas have a value, or ``always_show``.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="values")
    if ignored is not None:
        keep = ~np.asarray(ignored, dtype=bool)
        if keep.shape != x.shape:
            raise MethodInputError("must have one flag per value", field="ignored")
        x = x[keep]
    total = x.shape[0] if expected is None else int(expected)
    if total <= 0:
        raise MethodInputError("must be > 0", field="expected")
    count = int(np.isfinite(x).sum())
    coverage = count / total
    stats = [fingertips_percentile(x, f) for f in (0.05, 0.25, 0.5, 0.75, 0.95)]
    finite = x[np.isfinite(x)]
    lo = float(finite.min()) if count else math.nan
    hi = float(finite.max()) if count else math.nan
    shown = always_show or coverage >= 0.75
    reason = ""
    if not shown:
        reason = f"{count} of {total} areas have values ({coverage:.0%}); the spine needs 75%"
    elif count <= 3:
        shown, reason = False, f"{count} values; percentiles need more than 3"
    p5, p25, med, p75, p95 = stats
    return SpineStatistics(lo, p5, p25, med, p75, p95, hi, count, total, coverage, shown, reason)


def benchmark_value(
    count: ArrayLike,
    denominator: ArrayLike | None = None,
    *,
    statistic: str,
    unit: float = 1.0,
) -> float:
    """Fingertips' calculated average: Σcount/Σdenominator × unit over areas with both valid.

    For ``statistic`` 'proportion', 'crude rate' or 'isr'; 'count' gives Σcount. DSRs are
    never averaged (raises). Needs more than one valid area.
    """
    c = np.asarray(count, dtype=np.float64)
    if statistic == "dsr":
        raise MethodInputError(
            "DSR benchmarks are not averaged; supply the value", field="statistic"
        )
    if statistic == "count":
        ok = np.isfinite(c)
        if ok.sum() < 2:
            raise MethodInputError("needs more than one area with a count", field="count")
        return float(c[ok].sum())
    if statistic not in ("proportion", "crude rate", "isr"):
        raise MethodInputError(f"unknown statistic {statistic!r}", field="statistic")
    if denominator is None:
        raise MethodInputError("needs a denominator", field="denominator")
    d = np.asarray(denominator, dtype=np.float64)
    if d.shape != c.shape:
        raise MethodInputError("must match 'count'", field="denominator")
    ok = np.isfinite(c) & np.isfinite(d) & (d > 0) & (c >= 0)
    if ok.sum() < 2:
        raise MethodInputError(
            "needs more than one area with a count and denominator", field="count"
        )
    return float(c[ok].sum() / d[ok].sum() * unit)
