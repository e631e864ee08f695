"""Gap narrowing, faster improvement for the most deprived, and red-red flags."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from healthgap.tracking.equity import (
    GapVerdict,
    fit_trend,
    gap_trend,
    improves_faster,
    is_red_red,
    non_overlapping,
)
from healthgap.tracking.trajectory import Observation


def _series(values: list[float], se: float | None = None, start: int = 2010) -> list[Observation]:
    return [
        Observation(float(start + i), v, *((v - 1.96 * se, v + 1.96 * se) if se else (None, None)))
        for i, v in enumerate(values)
    ]


def test_sii_falling_towards_zero_is_narrowing() -> None:
    g = gap_trend(_series([9.0, 8.6, 8.1, 7.7, 7.2], se=0.2), measure="sii")
    assert g.verdict is GapVerdict.NARROWING
    assert g.trend is not None
    assert g.trend.slope == pytest.approx(-0.45, abs=0.01)


def test_negative_sii_rising_towards_zero_is_narrowing_too() -> None:
    g = gap_trend(_series([-9.0, -8.5, -8.0, -7.4, -7.0], se=0.2), measure="sii")
    assert g.verdict is GapVerdict.NARROWING


def test_sii_growing_is_widening() -> None:
    g = gap_trend(_series([7.0, 7.4, 7.9, 8.3, 8.8], se=0.2), measure="sii")
    assert g.verdict is GapVerdict.WIDENING


def test_noisy_flat_series_is_no_significant_change() -> None:
    g = gap_trend(_series([8.0, 8.6, 7.7, 8.4, 8.1], se=0.6), measure="sii")
    assert g.verdict is GapVerdict.NO_SIGNIFICANT_CHANGE


def test_rii_is_judged_against_one_on_the_log_scale() -> None:
    g = gap_trend(_series([1.8, 1.7, 1.6, 1.5, 1.4], se=0.02), measure="rii")
    assert g.verdict is GapVerdict.NARROWING
    below_one = gap_trend(_series([0.5, 0.55, 0.6, 0.66, 0.7], se=0.01), measure="rii")
    assert below_one.verdict is GapVerdict.NARROWING


def test_too_few_periods_cannot_be_calculated() -> None:
    g = gap_trend(_series([9.0, 8.0]), measure="gap")
    assert g.verdict is GapVerdict.CANNOT_BE_CALCULATED
    # the reason is plain words for the public; the detail is the analyst's
    assert g.reason == "there are only 2 separate time periods; a trend needs at least 3"
    assert g.detail == "a trend needs at least 3 periods; 2 held"


def test_weighted_slope_matches_closed_form() -> None:
    obs = _series([1.0, 2.0, 2.5, 4.5], se=0.5)
    t = fit_trend(obs)
    x = np.arange(4.0)
    slope = np.polyfit(x, [1.0, 2.0, 2.5, 4.5], 1)[0]  # equal weights → OLS slope
    assert t.slope == pytest.approx(slope)


def test_most_deprived_improving_faster() -> None:
    most = _series([70.0, 71.0, 72.0, 73.0, 74.0], se=0.2)  # +1/yr (life expectancy)
    avg = _series([80.0, 80.2, 80.4, 80.6, 80.8], se=0.1)  # +0.2/yr
    f = improves_faster(most, avg, higher_is_better=True)
    assert f.answer is True
    assert f.difference_per_year == pytest.approx(0.8, abs=1e-6)
    g = improves_faster(avg, most, higher_is_better=True)
    assert g.answer is False
    # for a low-is-good measure a falling rate is improvement
    h = improves_faster(
        _series([30.0, 28.0, 26.0, 24.0, 22.0], se=0.3),
        _series([20.0, 19.8, 19.6, 19.4, 19.2], se=0.2),
        higher_is_better=False,
    )
    assert h.answer is True


def test_red_red_needs_both_worse_and_getting_worse() -> None:
    assert is_red_red("Worse", "Increasing and getting worse")
    assert is_red_red("Worst", "Decreasing and getting worse")
    assert not is_red_red("Similar", "Increasing and getting worse")
    assert not is_red_red("Worse", "No significant change")
    assert not is_red_red("Better", "Decreasing and getting worse")


def test_few_points_use_student_t_on_k_minus_2_df() -> None:
    # OLS slope −0.46 a year, t = −3.9 on 2 df: p = 0.098 (a normal z would say p = 0.003)
    values = [9.0, 8.1, 8.3, 7.4]
    ref = stats.linregress(np.arange(4.0), values)
    g = gap_trend(_series(values), measure="sii")
    assert g.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert g.verdict is GapVerdict.NO_SIGNIFICANT_CHANGE
    assert g.points == 4
    assert g.trend is not None
    assert g.trend.df == 2
    assert "4 periods, t test on 2 df" in g.detail
    assert g.reason == (
        "the change over 4 separate time periods is too small, or too uncertain, to be more "
        "than chance"
    )


def test_overlapping_rolling_periods_are_not_counted_as_independent() -> None:
    # 3-year rolling periods 2010-12 … 2018-20: only 2012-14, 2015-17, 2018-20 share no year
    obs = [
        Observation(
            y + 1.5, 9.0 - 0.3 * (y - 2010), label=f"{y} - {y + 2 - 2000}", start=y, end=y + 3.0
        )
        for y in range(2010, 2019)
    ]
    g = gap_trend(obs, measure="sii")
    assert (g.points, g.periods_held) == (3, 9)
    assert g.first is not None
    assert [g.first.label, g.latest.label if g.latest else None] == ["2012 - 14", "2018 - 20"]
    assert "3 non-overlapping of 9 overlapping periods" in g.detail
    assert "over 3 separate time periods" in g.reason
    assert [o.label for o in non_overlapping(obs)] == ["2012 - 14", "2015 - 17", "2018 - 20"]
    # single years do not overlap: all are kept
    assert len(non_overlapping(_series([1.0, 2.0, 3.0, 4.0]))) == 4


def test_faster_improvement_uses_t_with_welch_degrees_of_freedom() -> None:
    most = _series([70.0, 70.9, 72.1, 72.8, 74.1])
    avg = _series([80.0, 80.3, 80.3, 80.7, 80.8])
    f = improves_faster(most, avg, higher_is_better=True)
    a, b = fit_trend(most), fit_trend(avg)
    se = np.hypot(a.se, b.se)
    df = se**4 / (a.se**4 / 3 + b.se**4 / 3)
    assert f.p_value == pytest.approx(2 * stats.t.sf((a.slope - b.slope) / se, df), rel=1e-9)
    assert f.points == (5, 5)
    assert "5 and 5 periods, t test on" in f.reason
