"""Status of a target on constructed trajectories: one test per status, plus the arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.tracking.trajectory import (
    Direction,
    Observation,
    Status,
    Target,
    assess,
    glide_value,
    project,
)

REDUCE_TO_10_BY_2030 = Target(
    value=10.0,
    deadline=2030.0,
    direction=Direction.DECREASE,
    baseline_value=20.0,
    baseline_time=2020.0,
)


def _line(slope: float, start: float, years: range, noise: float = 0.0, se: float | None = None):
    rng = np.random.default_rng(1)
    out = []
    for yr in years:
        v = start + slope * (yr - years[0]) + (rng.normal(0, noise) if noise else 0.0)
        lo, hi = (v - 1.96 * se, v + 1.96 * se) if se else (None, None)
        out.append(Observation(time=float(yr), value=v, lower95=lo, upper95=hi, label=str(yr)))
    return out


def test_achieved_when_latest_meets_target() -> None:
    obs = _line(-2.0, 20.0, range(2020, 2026))  # reaches 10 in 2025
    a = assess(obs, REDUCE_TO_10_BY_2030, as_of=2026)
    assert a.status is Status.ACHIEVED


def test_on_track_when_whole_interval_meets_target() -> None:
    obs = _line(-1.5, 20.0, range(2020, 2025), noise=0.05)  # heading for ~5 by 2030
    a = assess(obs, REDUCE_TO_10_BY_2030, as_of=2025)
    assert a.status is Status.ON_TRACK
    assert a.projection is not None
    assert a.projection.upper < 10
    assert a.observed_annual_change == pytest.approx(-1.5, abs=0.05)


def test_at_risk_when_target_inside_interval() -> None:
    obs = _line(-1.0, 20.0, range(2020, 2025), noise=1.0)  # central ~10 by 2030, noisy
    a = assess(obs, REDUCE_TO_10_BY_2030, as_of=2025)
    assert a.status is Status.AT_RISK
    assert a.projection is not None
    assert a.projection.lower < 10 < a.projection.upper


def test_off_track_when_whole_interval_misses() -> None:
    obs = _line(0.2, 20.0, range(2020, 2025), noise=0.05)  # rising
    a = assess(obs, REDUCE_TO_10_BY_2030, as_of=2025)
    assert a.status is Status.OFF_TRACK
    assert a.required_annual_change is not None
    assert a.required_annual_change < 0


def test_missed_when_deadline_passed_unmet() -> None:
    obs = _line(-0.5, 20.0, range(2020, 2031))
    a = assess(obs, REDUCE_TO_10_BY_2030, as_of=2031)
    assert a.status is Status.MISSED
    assert "deadline (2029-12-31) has passed" in a.reason
    # judged on the final period's value (2029: 15.5), not the later 2030 value
    assert a.judged_on is not None
    assert a.judged_on.label == "2029"


def test_not_assessable_without_target_or_enough_points() -> None:
    obs = _line(-1.0, 20.0, range(2020, 2022))
    assert assess(obs, None, as_of=2025).status is Status.NOT_ASSESSABLE
    two = assess(obs, REDUCE_TO_10_BY_2030, as_of=2025)
    assert two.status is Status.NOT_ASSESSABLE
    assert "at least 3" in two.reason
    assert assess([], REDUCE_TO_10_BY_2030, as_of=2025).reason.startswith("no values")


def test_increase_targets_are_direction_aware() -> None:
    up = Target(value=50.0, deadline=2030.0, direction=Direction.INCREASE)
    obs = _line(3.0, 30.0, range(2020, 2025), noise=0.05)
    assert assess(obs, up, as_of=2025).status is Status.ON_TRACK


def test_glide_path_is_linear_from_baseline_to_target() -> None:
    assert glide_value(REDUCE_TO_10_BY_2030, 2025.0) == pytest.approx(15.0)
    assert glide_value(Target(1.0, 2030.0, Direction.DECREASE), 2025.0) is None


def test_exact_line_projects_exactly_with_zero_width_ols_interval() -> None:
    obs = _line(-1.0, 20.0, range(2020, 2025))
    p = project(obs, to=2030.0)
    assert p.value == pytest.approx(10.0)
    assert p.upper - p.lower == pytest.approx(0.0, abs=1e-9)
    assert p.method == "ordinary least squares"


def test_weighted_fit_uses_confidence_limits() -> None:
    obs = _line(-1.0, 20.0, range(2020, 2025), se=0.5)
    p = project(obs, to=2030.0)
    assert p.method.startswith("weighted")
    assert p.value == pytest.approx(10.0)
    # width comes from the sampling error of the fit and of a new value (SE 0.5)
    assert p.upper - p.lower > 2 * 1.96 * 0.5


def test_wls_downweights_imprecise_points() -> None:
    precise = _line(-1.0, 20.0, range(2020, 2025), se=0.1)
    wild = Observation(2022.5, 40.0, lower95=0.0, upper95=80.0)
    p = project([*precise, wild], to=2030.0)
    assert p.value == pytest.approx(10.0, abs=0.2)


@given(
    slope=st.floats(-3, 3),
    noise=st.floats(0.01, 2),
    conf=st.sampled_from([0.95, 0.998]),
)
def test_prediction_interval_brackets_and_widens_with_confidence(
    slope: float, noise: float, conf: float
) -> None:
    obs = _line(slope, 20.0, range(2015, 2024), noise=noise)
    p95 = project(obs, to=2030.0, confidence=0.95)
    p = project(obs, to=2030.0, confidence=conf)
    assert p.lower <= p.value <= p.upper
    assert (p.upper - p.lower) >= (p95.upper - p95.lower) - 1e-9
    assert math.isfinite(p.value)


def test_deadlines_read_as_the_last_day_allowed() -> None:
    from healthgap.tracking.trajectory import deadline_date

    assert deadline_date(2031.0) == "2030-12-31"  # '2030' falls due at the end of 2030
    obs = _line(-1.0, 20.0, range(2020, 2025), noise=1.0)
    assert "by 2029-12-31" in assess(obs, REDUCE_TO_10_BY_2030, as_of=2025).reason
