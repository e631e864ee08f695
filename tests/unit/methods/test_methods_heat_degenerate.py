"""HEAT measures on degenerate and small settings: NA with a reason, never an exception;
and every bounded measure's limits inside its bounds (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.methods.heat import (
    between_group_variance,
    heat_setting,
    heat_summary,
    relative_concentration_index,
)
from healthgap.methods.heat._build import ZERO_MEAN, ZERO_MEAN_LIMITS

NON_NEGATIVE = {"R", "RII", "BGV", "BGSD", "COV", "MDMU", "MDMW", "MDBU", "MDBW", "IDISU", "IDISW"}
NON_NEGATIVE |= {"TI", "MLD"}  # μ = Σ pⱼyⱼ (no setting average supplied): Jensen


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize("heat_compatible", [False, True])
def test_heat_setting_with_no_events_gives_na_with_reason(
    ordered: bool, heat_compatible: bool
) -> None:
    """Given every subgroup at 0 (no events: the setting average is 0), the relative measures
    (RCI, COV, IDIS, TI, MLD, PAF) and PAR are NaN with the reason; nothing raises
    (RCI raised ZeroDivisionError)."""
    rows = heat_summary(
        np.zeros(10 if ordered else 5),
        population=np.full(10 if ordered else 5, 1000.0),
        se=np.full(10 if ordered else 5, 2.0),
        ordered=ordered,
        favourable=False,
        scale=100_000,
        confidence=(0.95, 0.998),
        heat_compatible=heat_compatible,
        draws=50,
    )
    by = {(r.measure, r.confidence): r for r in rows}
    undefined = {"PAF", "PAR"} | ({"RCI"} if ordered else {"COV", "IDISU", "IDISW", "TI", "MLD"})
    for measure in undefined:
        for level in (0.95, 0.998):
            row = by[(measure, level)]
            assert math.isnan(row.value), measure
            assert math.isnan(row.lower), measure
            assert math.isnan(row.upper), measure
            assert row.reason == ZERO_MEAN, measure
    assert by[("D", 0.95)].value == 0.0
    if not ordered:  # simulated measures: 0, but draws truncated at 0 cannot bracket it
        for measure in ("BGSD", "MDMW", "MDBU"):
            row = by[(measure, 0.95)]
            assert row.value == 0.0, measure
            assert math.isnan(row.lower), measure
            assert row.reason == ZERO_MEAN_LIMITS, measure
    for row in rows:
        assert math.isfinite(row.value) or row.reason, row.measure


def test_rci_of_zero_mean_is_na_not_zero_division() -> None:
    setting = heat_setting(
        [0.0, 0.0, 0.0], population=[10, 20, 30], se=[1, 1, 1], ordered=True,
        favourable=False, scale=100,
    )  # fmt: skip
    result = relative_concentration_index(setting, confidence=(0.95, 0.998))
    assert math.isnan(result.value[0])
    assert result.reason[0] == ZERO_MEAN


def test_between_group_variance_lower_limit_is_not_negative() -> None:
    """Given subgroups close together with wide SEs, the normal interval of the BGV would
    start below 0 (it did: -1.2); a variance's lower limit is 0."""
    setting = heat_setting(
        [10.0, 11.0, 12.0], population=[100, 100, 100], se=[3.0, 3.0, 3.0], ordered=False,
        favourable=False, scale=100,
    )  # fmt: skip
    result = between_group_variance(setting, confidence=(0.95, 0.998))
    value = float(result.value[0])
    assert value == pytest.approx(2 / 3)
    for interval in result.intervals:
        assert float(interval.lower[0]) == 0.0
        assert float(interval.upper[0]) > value


ESTIMATE = st.sampled_from([0.0, 0.0, 1e-9, 0.5, 3.0, 50.0, 99.5, 100.0])
POPULATION = st.sampled_from([1.0, 2.0, 7.0, 150.0, 1e6])
SE = st.sampled_from([0.0, 1e-6, 0.2, 5.0, 40.0])


@st.composite
def degenerate(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(2, 12))
    return {
        "estimates": np.array(draw(st.lists(ESTIMATE, min_size=n, max_size=n))),
        "population": np.array(draw(st.lists(POPULATION, min_size=n, max_size=n))),
        "se": np.array(draw(st.lists(SE, min_size=n, max_size=n))),
        "ordered": draw(st.booleans()),
        "favourable": draw(st.booleans()),
        "scale": draw(st.sampled_from([1.0, 100.0, 1000.0, 100_000.0])),
        "heat_compatible": draw(st.booleans()),
    }


def _bounds(measure: str, data: dict[str, object]) -> tuple[float, float]:
    est = np.asarray(data["estimates"])
    pop = np.asarray(data["population"])
    scale = float(data["scale"])  # type: ignore[arg-type]
    top = 100.0 if scale == 100 else math.inf
    mu = float(pop @ est / pop.sum())
    favourable = bool(data["favourable"])
    if measure in NON_NEGATIVE or measure.startswith(("D_", "R_")):
        return 0.0, math.inf
    if measure == "RCI":
        return (-1.0, 1.0) if data["heat_compatible"] else (-100.0, 100.0)
    if measure == "SII":
        return -scale, scale
    if measure in ("D", "ACI"):
        return -top, top
    if measure == "PAF":
        return (0.0, math.inf) if favourable else (-100.0, 0.0)
    if measure == "PAR":
        return (0.0, math.inf) if favourable else (-mu * (1 + 1e-12), 0.0)
    raise AssertionError(f"no declared range for {measure}")


@settings(max_examples=250, deadline=None)
@given(data=degenerate())
def test_heat_summary_never_raises_and_keeps_limits_in_bounds(data: dict[str, object]) -> None:
    """Given small, sparse settings (zeros, one-person subgroups, zero or huge SEs, any
    scale), every applicable measure comes back — a value, or NaN with the reason — and every
    limit lies inside the measure's range and brackets the value."""
    rows = heat_summary(
        data["estimates"],  # type: ignore[arg-type]
        population=data["population"],  # type: ignore[arg-type]
        se=data["se"],  # type: ignore[arg-type]
        ordered=bool(data["ordered"]),
        favourable=bool(data["favourable"]),
        scale=float(data["scale"]),  # type: ignore[arg-type]
        confidence=(0.95, 0.998),
        heat_compatible=bool(data["heat_compatible"]),
        draws=40,
    )
    assert rows
    for row in rows:
        if not math.isfinite(row.value):
            assert row.reason, row.measure
            continue
        low, high = _bounds(row.measure, data)
        assert low <= row.value <= high, row.measure
        for limit in (row.lower, row.upper):
            if math.isnan(limit):
                assert row.reason, row.measure
                continue
            assert low <= limit <= high, (row.measure, row.lower, row.upper)
        if not (math.isnan(row.lower) or math.isnan(row.upper)):
            assert row.lower <= row.upper, row.measure


def test_logistic_sii_with_a_fit_at_the_scale_is_na_not_a_warning() -> None:
    """Given two one-person subgroups at 99.5 % and a million at 100 %, the logistic rank
    model's fitted values reach exactly 1 (IRLS divided 0 by 0: a RuntimeWarning, an error
    under the test settings); SII and RII are NaN with a reason instead (found by Hypothesis)."""
    rows = heat_summary(
        np.array([99.5, 99.5, 100.0]),
        population=np.array([1.0, 1.0, 1e6]),
        se=np.zeros(3),
        ordered=True,
        favourable=False,
        scale=100.0,
        confidence=(0.95,),
        draws=50,
    )
    by = {r.measure: r for r in rows}
    for measure in ("SII", "RII"):
        assert math.isnan(by[measure].value) or math.isfinite(by[measure].value), measure
        if math.isnan(by[measure].value):
            assert by[measure].reason, measure
