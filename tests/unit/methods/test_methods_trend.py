"""Recent trend (both methods, χ² at 99.8%, leave-one-out) and change from previous."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from healthgap.methods import (
    CHI_SQUARED_998,
    Change,
    TrendLabel,
    change_from_previous,
    recent_trend,
)

REFERENCE = Path(__file__).parents[2] / "reference" / "trend.csv"


def _cases() -> dict[str, list[dict[str, str]]]:
    cases: dict[str, list[dict[str, str]]] = {}
    with REFERENCE.open() as f:
        for row in csv.DictReader(f):
            cases.setdefault(row["case"], []).append(row)
    return cases


@pytest.mark.parametrize("case", sorted(_cases()))
def test_reference_trends(case: str) -> None:
    """Given a golden series, χ² matches the hand derivation and the label is Fingertips'."""
    rows = _cases()[case]
    res = recent_trend(
        [float(r["value"]) for r in rows],
        lower95=[float(r["lower95"]) for r in rows],
        upper95=[float(r["upper95"]) for r in rows],
        polarity=int(rows[0]["polarity"]),
    )
    assert res.chi_squared == pytest.approx(float(rows[0]["expected_chi_squared"]), rel=1e-9)
    assert res.label == rows[0]["expected_label"]


def test_threshold_constant() -> None:
    """The threshold is χ²(1 df) at 99.8% to 4 decimal places."""
    from scipy import stats

    assert round(float(stats.chi2.ppf(0.998, 1)), 4) == CHI_SQUARED_998


def test_gap_breaks_the_run() -> None:
    """A missing point four periods back leaves 3 consecutive points: cannot be calculated."""
    y = [1, 2, 3, np.nan, 5, 6, 7.0]
    res = recent_trend(y, lower95=np.subtract(y, 0.1), upper95=np.add(y, 0.1), polarity=1)
    assert res.label is TrendLabel.CANNOT_BE_CALCULATED
    assert "3 consecutive" in res.reason
    y = [np.nan, 1, 2, 3, 4, 5.0]
    ok = recent_trend(y, lower95=np.subtract(y, 0.1), upper95=np.add(y, 0.1), polarity=1)
    assert ok.label is TrendLabel.INCREASING_GETTING_BETTER


def test_the_reason_says_what_the_latest_period_lacks() -> None:
    """A latest value without confidence limits (PM2.5 in London, 2019) is a value: the
    reason names the missing limits, not a missing value."""
    y = [11.0, 11.5, 12.0, 11.8, 11.4]
    lo, hi = np.subtract(y, 0.2), np.add(y, 0.2)
    lo[-1] = hi[-1] = np.nan
    res = recent_trend(y, lower95=lo, upper95=hi, polarity=-1)
    assert res.label is TrendLabel.CANNOT_BE_CALCULATED
    assert "the latest value has no 95% confidence limits" in res.reason
    gone = recent_trend([*y[:-1], np.nan], lower95=lo, upper95=hi, polarity=-1)
    assert "the latest period has no value" in gone.reason
    counts = recent_trend(
        y, polarity=-1, method="cochran-armitage", count=[1, 2, 3, 4, np.nan], denominator=[9] * 5
    )
    assert "the latest value has no count" in counts.reason


def test_rolling_periods_and_full_counts_ineligible() -> None:
    """Multi-year periods, and a count equal to its denominator, make the trend ineligible."""
    y = [1, 2, 3, 4, 5.0]
    lo, hi = np.subtract(y, 0.1), np.add(y, 0.1)
    assert recent_trend(y, lower95=lo, upper95=hi, polarity=1, year_range=3).label == (
        TrendLabel.CANNOT_BE_CALCULATED
    )
    res = recent_trend(
        y, lower95=lo, upper95=hi, polarity=1, count=[1, 2, 3, 4, 5], denominator=[9, 9, 9, 9, 5]
    )
    assert "count equal to denominator" in res.reason


def test_leave_one_out_sign_check() -> None:
    """A large χ² driven by one point whose removal flips the slope is not significant."""
    y = [10.0, 10.0, 10.0, 10.0, 10.0]
    y2 = [10.2, 10.1, 10.0, 9.9, 12.0]
    se = [0.01, 0.01, 0.01, 0.01, 0.01]
    lo = np.subtract(y2, 1.96 * np.array(se))
    hi = np.add(y2, 1.96 * np.array(se))
    res = recent_trend(y2, lower95=lo, upper95=hi, polarity=1)
    assert res.chi_squared > CHI_SQUARED_998
    assert res.label is TrendLabel.NO_SIGNIFICANT_CHANGE
    assert "changes sign" in res.reason
    flat = recent_trend(y, lower95=np.subtract(y, 0.1), upper95=np.add(y, 0.1), polarity=1)
    assert flat.label is TrendLabel.NO_SIGNIFICANT_CHANGE


def test_cochran_armitage_matches_scalar_formula() -> None:
    """Method B χ² equals the Cochran–Armitage formula; a falling proportion with low-is-good
    is 'Decreasing and getting better'."""
    r = np.array([300.0, 280, 250, 220, 200])
    n = np.array([1000.0, 1000, 1000, 1000, 1000])
    t = np.arange(1.0, 6.0)
    big_n, big_r = n.sum(), r.sum()
    expected = (
        big_n
        * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2
        / (big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2))
    )
    res = recent_trend(r / n, count=r, denominator=n, polarity=0, method="cochran-armitage")
    assert res.chi_squared == pytest.approx(expected, rel=1e-12)
    assert res.label is TrendLabel.DECREASING_GETTING_BETTER


def test_change_from_previous() -> None:
    """Double-overlapping CIs: overlap → No change, else by direction."""
    assert change_from_previous([10, 12.0], lower95=[9, 11.5], upper95=[11.6, 12.5]) is (
        Change.NO_CHANGE
    )
    assert change_from_previous([10, 14.0], lower95=[9, 13], upper95=[11, 15]) is (
        Change.INCREASING
    )
    assert change_from_previous([14, 10.0], lower95=[13, 9], upper95=[15, 11]) is (
        Change.DECREASING
    )
    assert change_from_previous([10.0], lower95=[9.0], upper95=[11.0]) is Change.NOT_COMPARED
