"""Comparison with a target ("Compared to goal"), as Fingertips' target comparers.

* Single value: value ≥ target → Better when high is good; value ≤ target → Better when low
  is good; otherwise Worse. With ``use_ci=True`` the whole 95% CI must be beyond the target
  (Better/Worse); a CI that contains it gives Same.
* Range [lower, upper): below lower / at or above upper → Worse / Better (by polarity),
  in between → Same.

There is no trajectory or "on track" projection (Fingertips has none). Polarity 99 (no
judgement) and −1 give "Not compared". Reference: ``TargetComparerFactory.cs``,
``SingleValueTargetComparer.cs``, ``RangeTargetComparer.cs`` (PholioVisualisationWS).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from healthgap.methods.compare import Comparison, ComparisonMethod, Outcome, Polarity
from healthgap.methods.errors import MethodInputError

__all__ = ["compare_with_target"]


def compare_with_target(
    value: ArrayLike,
    *,
    polarity: int,
    target: float | None = None,
    lower: float | None = None,
    upper: float | None = None,
    use_ci: bool = False,
    lower95: ArrayLike | None = None,
    upper95: ArrayLike | None = None,
) -> Comparison:
    """Compare values with a single ``target`` or a range [``lower``, ``upper``)."""
    v = np.asarray(value, dtype=np.float64)
    if v.ndim != 1:
        raise MethodInputError("must be one-dimensional", field="value")
    pol = Polarity(int(polarity))
    single = target is not None
    if single == (lower is not None or upper is not None):
        raise MethodInputError("give either 'target' or both 'lower' and 'upper'", field="target")
    if not single and (lower is None or upper is None or not lower < upper):
        raise MethodInputError("a range needs lower < upper", field="lower")
    n = v.shape[0]
    reason = np.where(np.isfinite(v), "", "missing value").astype(object)
    if pol in (Polarity.NO_JUDGEMENT, Polarity.NOT_APPLICABLE):
        reason[:] = "targets need polarity 0 (low is good) or 1 (high is good)"
        return Comparison(
            np.full(n, Outcome.NOT_COMPARED.value).astype(np.str_),
            reason.astype(np.str_),
            ComparisonMethod.NONE,
            pol,
            0.95,
        )
    high_good = pol is Polarity.HIGH_IS_GOOD
    good, bad = Outcome.BETTER.value, Outcome.WORSE.value
    valid = np.isfinite(v)
    if single:
        assert target is not None
        if use_ci:
            if lower95 is None or upper95 is None:
                raise MethodInputError("use_ci needs 'lower95' and 'upper95'", field="lower95")
            lo = np.asarray(lower95, dtype=np.float64)
            hi = np.asarray(upper95, dtype=np.float64)
            if lo.shape != v.shape or hi.shape != v.shape:
                raise MethodInputError("must align with 'value'", field="lower95")
            ci_ok = np.isfinite(lo) & np.isfinite(hi)
            reason[valid & ~ci_ok] = "missing confidence limits"
            valid &= ci_ok
            above = lo >= target if high_good else hi <= target
            below = hi < target if high_good else lo > target
            res = np.where(above, good, np.where(below, bad, Outcome.SAME.value))
        else:
            met = v >= target if high_good else v <= target
            res = np.where(met, good, bad)
    else:
        assert lower is not None
        assert upper is not None
        low_side, high_side = (bad, good) if high_good else (good, bad)
        res = np.where(v < lower, low_side, np.where(v >= upper, high_side, Outcome.SAME.value))
    outcome = np.where(valid, res, Outcome.NOT_COMPARED.value)
    return Comparison(
        outcome.astype(np.str_), reason.astype(np.str_), ComparisonMethod.NONE, pol, 0.95
    )
