"""Invariants of the HEAT measures (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.methods.heat import heat_summary

SIZES = st.integers(min_value=3, max_value=12)
ANALYTIC = {"D", "R", "ACI", "RCI", "SII", "RII", "BGV", "TI", "MLD", "PAF", "PAR"}


@st.composite
def settings_data(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(SIZES)
    est = np.array(draw(st.lists(st.floats(5, 95), min_size=n, max_size=n)))
    pop = np.array(draw(st.lists(st.floats(100, 5000), min_size=n, max_size=n)))
    se = np.array(draw(st.lists(st.floats(0.1, 5), min_size=n, max_size=n)))
    return est, pop, se


@settings(max_examples=30, deadline=None)
@given(level=st.floats(1, 99), n=SIZES, ordered=st.booleans(), favourable=st.booleans())
def test_heat_equal_subgroups_show_no_inequality(
    level: float, n: int, ordered: bool, favourable: bool
) -> None:
    """Given every subgroup at the same level, D = 0, R = 1, BGV = TI = MLD = MDM = 0."""
    rows = heat_summary(
        np.full(n, level),
        population=np.linspace(200, 2000, n),
        se=np.full(n, 1.0),
        ordered=ordered,
        favourable=favourable,
        scale=100,
        draws=20,
    )
    by = {r.measure: r.value for r in rows}
    assert by["D"] == 0.0
    assert by["R"] == pytest.approx(1.0)
    assert by["PAF"] == pytest.approx(0.0, abs=1e-9)
    for measure in ("BGV", "TI", "MLD", "MDMW", "MDBU", "ACI"):
        if measure in by:
            assert by[measure] == pytest.approx(0.0, abs=1e-9), measure
    # SII/RII use HEAT's rounded counts round(y/scale · ⌈pop⌉): only ≈ 0 and ≈ 1
    if "SII" in by:
        assert abs(by["SII"]) < 100 * 0.5 / 200 * 4
        assert by["RII"] == pytest.approx(1.0, abs=0.2)


@settings(max_examples=30, deadline=None)
@given(data=settings_data(), seed=st.integers(0, 2**16))
def test_heat_non_ordered_measures_ignore_subgroup_order(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], seed: int
) -> None:
    """Permuting the subgroups of a non-ordered dimension changes no value."""
    est, pop, _se = data
    perm = np.random.default_rng(seed).permutation(len(est))
    kw = {"ordered": False, "favourable": True, "scale": 100, "se": None}
    first = {r.measure: r.value for r in heat_summary(est, population=pop, **kw)}  # type: ignore[arg-type]
    second = {r.measure: r.value for r in heat_summary(est[perm], population=pop[perm], **kw)}  # type: ignore[arg-type]
    assert first.keys() == second.keys()
    for measure, value in first.items():
        assert second[measure] == pytest.approx(value, rel=1e-9, abs=1e-9), measure


@settings(max_examples=30, deadline=None)
@given(data=settings_data(), ordered=st.booleans(), favourable=st.booleans())
def test_heat_analytic_intervals_bracket_values(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], ordered: bool, favourable: bool
) -> None:
    """Normal-approximation limits bracket the value, and 99.8 % is wider than 95 %."""
    est, pop, se = data
    for heat_compatible in (False, True):
        rows = heat_summary(
            est,
            population=pop,
            se=se,
            ordered=ordered,
            favourable=favourable,
            scale=100,
            confidence=(0.95, 0.998),
            heat_compatible=heat_compatible,
            draws=20,
        )
        by = {(r.measure, r.confidence): r for r in rows}
        for (measure, level), row in by.items():
            if measure not in ANALYTIC or np.isnan(row.value):
                continue
            assert row.lower <= row.value + 1e-9, measure
            assert row.value <= row.upper + 1e-9, measure
            if level == 0.998:
                narrow = by[(measure, 0.95)]
                assert row.lower <= narrow.lower + 1e-12
                assert narrow.upper <= row.upper + 1e-12


@settings(max_examples=20, deadline=None)
@given(data=settings_data())
def test_heat_ordered_measures_flip_with_the_order(
    data: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Reversing the subgroup order negates ACI and SII and inverts RII."""
    est, pop, _ = data
    n = len(est)
    kw = {"ordered": True, "favourable": True, "scale": 100, "se": None}
    up = {
        r.measure: r.value
        for r in heat_summary(est, population=pop, order=np.arange(1, n + 1), **kw)
    }  # type: ignore[arg-type]
    down = {
        r.measure: r.value
        for r in heat_summary(est, population=pop, order=np.arange(n, 0, -1), **kw)
    }  # type: ignore[arg-type]
    assert down["ACI"] == pytest.approx(-up["ACI"], abs=1e-9)
    assert down["SII"] == pytest.approx(-up["SII"], abs=1e-6)
    assert down["RII"] == pytest.approx(1.0 / up["RII"], rel=1e-6)
