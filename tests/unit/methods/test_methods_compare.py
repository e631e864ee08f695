"""Fingertips benchmarking: comparator methods with polarity, categories, spine, averages."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.methods import (
    MethodInputError,
    Outcome,
    benchmark_value,
    compare_with_benchmark,
    fingertips_percentile,
    outcome_labels,
    spine_statistics,
    value_categories,
)

REFERENCE = Path(__file__).parents[2] / "reference" / "compare.csv"
OPTIONAL = (
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "benchmark_lower95",
    "benchmark_upper95",
    "denominator",
    "denominator2",
)


def _rows() -> list[dict[str, str]]:
    with REFERENCE.open() as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_reference_outcomes(row: dict[str, str]) -> None:
    """Given a golden case, the outcome after polarity is the hand-derived one."""
    kw = {k: [float(row[k]) if row[k] else np.nan] for k in OPTIONAL}
    res = compare_with_benchmark(
        [float(row["value"])],
        benchmark=float(row["benchmark"]),
        method=int(row["method"]),
        polarity=int(row["polarity"]),
        unit=float(row["unit"]),
        confidence=float(row["confidence"]),
        **kw,  # type: ignore[arg-type]
    )
    assert res.outcome[0] == row["expected"]
    assert (res.reason[0] != "") == (row["expected"] == Outcome.NOT_COMPARED)


def test_vectorised_with_benchmark_array() -> None:
    """Many areas at once, each with its own benchmark, missing values not compared."""
    res = compare_with_benchmark(
        [10.0, 20.0, np.nan],
        benchmark=[15.0, 15.0, 15.0],
        method=1,
        polarity=0,
        lower95=[9.0, 18.0, np.nan],
        upper95=[11.0, 22.0, np.nan],
    )
    assert list(res.outcome) == ["Better", "Worse", "Not compared"]
    assert res.reason[2] == "missing value"


def test_bob_labels() -> None:
    """No-judgement outcomes read Higher/Similar/Lower on screen."""
    assert list(outcome_labels(["Better", "Same", "Worse"], polarity=99)) == [
        "Higher",
        "Similar",
        "Lower",
    ]
    assert list(outcome_labels(["Better", "Same"], polarity=1)) == ["Better", "Similar"]


def test_method_needs_its_inputs() -> None:
    """Method 12 without benchmark CIs raises naming the missing argument."""
    with pytest.raises(MethodInputError) as info:
        compare_with_benchmark(
            [1.0], benchmark=1.0, method=12, polarity=1, lower95=[0.5], upper95=[1.5]
        )
    assert info.value.field == "benchmark_lower95"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=40), st.floats(0, 1))
def test_percentile_is_type7(values: list[float], f: float) -> None:
    """Property: Fingertips' interpolated percentile equals the 'linear' (type 7) quantile."""
    assert fingertips_percentile(values, f) == pytest.approx(
        float(np.quantile(values, f)), rel=1e-9, abs=1e-6
    )


def test_percentile_needs_more_than_three_values() -> None:
    """Three values give no percentile (NaN)."""
    assert np.isnan(fingertips_percentile([1.0, 2.0, 3.0], 0.5))


def test_quintiles_reversed_for_high_is_good_quartiles_never() -> None:
    """1…10: bounds at P20 = 2.8 …; value on a bound is in the lower bin; polarity orders."""
    x = np.arange(1.0, 11.0)
    low = value_categories(x, method=15, polarity=0)
    np.testing.assert_allclose(low.bounds, [1, 2.8, 4.6, 6.4, 8.2, 10])
    assert list(low.category) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    high = value_categories(x, method=15, polarity=1)
    assert list(high.category) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    quart = value_categories(x, method=16, polarity=1)
    assert quart.category[0] == 1
    assert quart.category[-1] == 4
    few = value_categories([1.0, 2.0, 3.0, 4.0], method=15)
    assert np.isnan(few.category).all()
    assert "need 5" in few.reason[0]


def test_spine_75_percent_rule() -> None:
    """Spine stats shown with 3 of 4 areas (75%), hidden with 2 of 4 unless always_show."""
    vals = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, np.nan]
    s = spine_statistics(vals)
    assert s.shown
    assert s.median == 4.0
    assert s.minimum == 1.0
    assert s.maximum == 7.0
    assert s.p25 == pytest.approx(2.5)
    hidden = spine_statistics([1.0, 2.0, 3.0, 4.0, 5.0], expected=7)
    assert not hidden.shown
    assert "75%" in hidden.reason
    assert spine_statistics([1.0, 2.0, 3.0, 4.0, 5.0], expected=7, always_show=True).shown


def test_benchmark_value_is_pooled() -> None:
    """Σcount/Σdenominator × unit over valid areas; DSRs are refused; one area is not enough."""
    assert benchmark_value([10, 30, np.nan], [100, 100, 50], statistic="proportion", unit=100) == 20
    assert benchmark_value([3, 4], statistic="count") == 7
    with pytest.raises(MethodInputError):
        benchmark_value([1, 2], [3, 4], statistic="dsr")
    with pytest.raises(MethodInputError):
        benchmark_value([1, np.nan], [3, 4], statistic="proportion")
