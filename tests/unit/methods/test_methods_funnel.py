"""Funnel plots: golden limits, PHStatsMethods parity, significance, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap.methods import (
    MethodInputError,
    assign_funnel_significance,
    funnel_limits,
    funnel_limits_at,
    funnel_points,
)

REFERENCE = Path(__file__).parents[2] / "reference" / "funnel.csv"


def _rows() -> list[dict[str, str]]:
    with REFERENCE.open() as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['case']} {r['confidence']}")
def test_reference_limits(row: dict[str, str]) -> None:
    """Given a golden point, the limits match the hand derivation to 1e-9."""
    lim = funnel_limits_at(
        [float(row["point"])],
        baseline=float(row["baseline"]),
        statistic=row["statistic"],
        multiplier=100 if row["statistic"] == "proportion" else 1,
    )
    interval = lim.at(float(row["confidence"]))
    assert interval.lower[0] == pytest.approx(float(row["expected_lower"]), rel=1e-9)
    assert interval.upper[0] == pytest.approx(float(row["expected_upper"]), rel=1e-9)


def _areas(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    den = rng.integers(200, 20_000, 30).astype(float)
    num = rng.binomial(den.astype(int), 0.12).astype(float)
    return pd.DataFrame({"num": num, "den": den})


def test_proportion_limits_match_phstatsmethods() -> None:
    """Differential: same axis points and limits (1e-9) as calculate_funnel_limits."""
    from PHStatsMethods import calculate_funnel_limits

    df = _areas()
    ref = calculate_funnel_limits(df, "num", "proportion", 100, denom_col="den")
    ours = funnel_limits(df["num"], df["den"], statistic="proportion", multiplier=100)
    np.testing.assert_array_equal(ours.points, ref["Population"].to_numpy(dtype=float))
    np.testing.assert_allclose(ours.at(0.95).lower, ref["lower_2s_limit"], rtol=1e-9)
    np.testing.assert_allclose(ours.at(0.95).upper, ref["upper_2s_limit"], rtol=1e-9)
    np.testing.assert_allclose(ours.at(0.998).lower, ref["lower_3s_limit"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.at(0.998).upper, ref["upper_3s_limit"], rtol=1e-9)
    assert ours.baseline == pytest.approx(float(ref["baseline"].iloc[0]), rel=1e-12)


def test_ratio_limits_match_phstatsmethods_bisection() -> None:
    """Differential: exact Poisson ratio limits agree with the bisection.

    The bisection stops at 1e-7 in μ/(1+μ): about 1e-4 relative for μ near 0.001.
    """
    from PHStatsMethods import calculate_funnel_limits

    df = pd.DataFrame({"obs": [12.0, 40, 85, 150, 33], "exp": [10.0, 45, 80, 120, 40]})
    ref = calculate_funnel_limits(df, "obs", "ratio", 1, denom_col="exp", ratio_type="isr")
    ours = funnel_limits_at(
        ref["Observed_events"], baseline=1.0, statistic="ratio", multiplier=1, ratio_type="isr"
    )
    for conf, tag in ((0.95, "2s"), (0.998, "3s")):
        np.testing.assert_allclose(ours.at(conf).lower, ref[f"lower_{tag}_limit"], rtol=1e-4)
        np.testing.assert_allclose(ours.at(conf).upper, ref[f"upper_{tag}_limit"], rtol=1e-4)


def test_rate_limits_match_phstatsmethods() -> None:
    """Differential: crude-rate funnel points and limits agree (bisection tolerance)."""
    from PHStatsMethods import calculate_funnel_limits

    df = pd.DataFrame({"obs": [120.0, 340, 85, 900, 410], "pop": [1e5, 2.5e5, 9e4, 6e5, 3e5]})
    df["rate"] = df["obs"] / df["pop"] * 1e5
    ref = calculate_funnel_limits(
        df, "obs", "rate", 100_000, denom_col="pop", rate="rate", rate_type="crude", years_of_data=1
    )
    ours = funnel_limits(
        df["obs"],
        df["pop"],
        statistic="rate",
        multiplier=100_000,
        rate=df["rate"],
        rate_type="crude",
        years_of_data=1,
    )
    np.testing.assert_array_equal(ours.points, ref["Events"].to_numpy(dtype=float))
    np.testing.assert_allclose(ours.at(0.95).lower, ref["lower_2s_limit"], rtol=1e-4)
    np.testing.assert_allclose(ours.at(0.998).upper, ref["upper_3s_limit"], rtol=1e-4)


@pytest.mark.parametrize("statistic", ["proportion", "ratio", "rate"])
def test_significance_matches_phstatsmethods(statistic: str) -> None:
    """Differential: the same significance label for every area."""
    from PHStatsMethods import assign_funnel_significance as ref_sig

    df = _areas(seed=9)
    kw: dict[str, object] = {}
    if statistic == "ratio":
        df["den"] = df["num"] * np.random.default_rng(2).uniform(0.6, 1.4, len(df))
    if statistic == "rate":
        df["rate"] = df["num"] / df["den"] * 1e5
        kw = {"rate": "rate", "rate_type": "dsr", "multiplier": 100_000}
    ref = ref_sig(df.copy(), "num", statistic, denom_col="den", **kw)
    ours = assign_funnel_significance(
        df["num"],
        df["den"],
        statistic=statistic,
        rate=df["rate"] if statistic == "rate" else None,
        rate_type="dsr" if statistic == "rate" else None,
        multiplier=100_000 if statistic == "rate" else 1,
    )
    expected = ref["significance"].str.replace("DSRs", "dsrs").to_numpy()
    assert list(ours) == list(expected)
    assert len(set(ours)) > 1


def test_limits_widen_at_998_and_narrow_with_size() -> None:
    """99.8% limits contain 95% limits; both narrow as the denominator grows."""
    lim = funnel_limits_at(
        np.array([100.0, 1000, 10000]), baseline=0.3, statistic="proportion", multiplier=1
    )
    assert np.all(lim.at(0.998).lower <= lim.at(0.95).lower)
    assert np.all(lim.at(0.998).upper >= lim.at(0.95).upper)
    assert np.all(np.diff(lim.at(0.95).upper - lim.at(0.95).lower) < 0)


def test_dsr_points_drop_small_counts() -> None:
    """DSR funnel points with fewer than 10 events are dropped (NaN)."""
    rate, den = funnel_points([5, 50], [20.0, 200.0], rate_type="dsr", multiplier=100_000)
    assert np.isnan(rate[0])
    assert np.isnan(den[0])
    assert den[1] == pytest.approx(100_000 * 50 / 200)


@pytest.mark.parametrize(
    ("num", "den", "field"),
    [
        ([-1.0, 2.0], [10.0, 10.0], "numerator"),
        ([11.0, 2.0], [10.0, 10.0], "numerator"),
        ([1.0, np.nan], [10.0, 10.0], "numerator"),
        ([1.0, 2.0], [10.0, 0.0], "denominator"),
        ([1.0, 2.0], [10.0], "denominator"),
    ],
)
def test_bad_counts(num: list[float], den: list[float], field: str) -> None:
    """Negative counts, x > n, NaN, zero or misaligned denominators raise naming the field."""
    with pytest.raises(MethodInputError) as info:
        funnel_limits(num, den, statistic="proportion", multiplier=100)
    assert info.value.field == field
