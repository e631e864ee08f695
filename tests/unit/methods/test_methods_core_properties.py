"""Property tests (Hypothesis) for the core statistics' invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap import methods

FAST = settings(max_examples=60, deadline=None)

counts_and_sizes = st.integers(1, 100_000).flatmap(
    lambda n: st.tuples(st.integers(0, n), st.just(n))
)


@FAST
@given(st.lists(counts_and_sizes, min_size=1, max_size=20))
def test_proportion_limits_bracket_value_within_0_1_and_widen(pairs: list[tuple[int, int]]) -> None:
    x, n = np.array(pairs).T
    result = methods.proportion(x, n, confidence=(0.95, 0.998))
    narrow, wide = result.at(0.95), result.at(0.998)
    assert (narrow.lower >= 0).all()
    assert (narrow.upper <= 1 + 1e-12).all()
    assert (narrow.lower <= result.value + 1e-12).all()
    assert (result.value <= narrow.upper + 1e-12).all()
    assert (wide.lower <= narrow.lower + 1e-12).all()
    assert (wide.upper >= narrow.upper - 1e-12).all()
    assert (wide.lower >= 0).all()
    assert (wide.upper <= 1 + 1e-12).all()


@FAST
@given(st.lists(st.tuples(st.integers(0, 50_000), st.integers(1, 10**7)), min_size=1, max_size=20))
def test_rate_limits_bracket_value_and_widen(pairs: list[tuple[int, int]]) -> None:
    x, n = np.array(pairs).T
    result = methods.rate(x, n, confidence=(0.95, 0.998))
    narrow, wide = result.at(0.95), result.at(0.998)
    assert (narrow.lower <= result.value * (1 + 1e-12)).all()
    assert (result.value <= narrow.upper).all()
    assert (wide.lower <= narrow.lower * (1 + 1e-12)).all()
    assert (wide.upper > narrow.upper).all()


bands = st.lists(
    st.tuples(st.integers(0, 500), st.integers(1, 50_000), st.integers(1, 10_000)),
    min_size=1,
    max_size=21,
)


@FAST
@given(bands, st.floats(0.01, 1000.0))
def test_dsr_is_unchanged_when_the_standard_is_scaled(
    rows: list[tuple[int, int, int]], k: float
) -> None:
    x, n, w = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    one = methods.dsr(x, n, w, confidence=(0.95, 0.998))
    scaled = methods.dsr(x, n, w * k, confidence=(0.95, 0.998))
    np.testing.assert_allclose(scaled.value, one.value, rtol=1e-9)
    for level in (0.95, 0.998):
        np.testing.assert_allclose(scaled.at(level).lower, one.at(level).lower, rtol=1e-9)
        np.testing.assert_allclose(scaled.at(level).upper, one.at(level).upper, rtol=1e-9)


@FAST
@given(bands)
def test_dsr_limits_bracket_value_and_widen_when_published(
    rows: list[tuple[int, int, int]],
) -> None:
    x, n, w = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    result = methods.dsr(x, n, w, confidence=(0.95, 0.998))
    if x.sum() < 10:
        assert np.isnan(result.value).all()
        assert result.reason[0]
        return
    narrow, wide = result.at(0.95), result.at(0.998)
    assert narrow.lower[0] <= result.value[0] <= narrow.upper[0]
    assert wide.lower[0] <= narrow.lower[0]
    assert wide.upper[0] >= narrow.upper[0]


@FAST
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40))
def test_mean_limits_bracket_value_and_widen(values: list[float]) -> None:
    result = methods.mean(values, confidence=(0.95, 0.998))
    narrow, wide = result.at(0.95), result.at(0.998)
    tol = 1e-9 * (1 + abs(result.value[0]))
    assert narrow.lower[0] - tol <= result.value[0] <= narrow.upper[0] + tol
    assert wide.lower[0] <= narrow.lower[0] + tol
    assert wide.upper[0] >= narrow.upper[0] - tol


@FAST
@given(
    st.lists(
        st.tuples(st.integers(1, 300), st.integers(1, 50_000), st.integers(1, 5000)),
        min_size=1,
        max_size=10,
    ),
    st.integers(0, 400),
)
def test_isr_limits_bracket_value(rows: list[tuple[int, int, int]], observed: int) -> None:
    n, x_ref, extra = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    n_ref = x_ref + extra
    result = methods.isr_ratio(
        None, n, x_ref, n_ref, observed_totals=[observed], confidence=(0.95, 0.998)
    )
    narrow, wide = result.at(0.95), result.at(0.998)
    assert narrow.lower[0] <= result.value[0] * (1 + 1e-12) <= narrow.upper[0] * (1 + 1e-12)
    assert wide.lower[0] <= narrow.lower[0] * (1 + 1e-12)
    assert wide.upper[0] >= narrow.upper[0]


@settings(max_examples=25, deadline=None)
@given(st.floats(0.5, 3.0), st.floats(1.0, 50.0))
def test_life_expectancy_limits_bracket_value(
    mortality_scale: float, population_scale: float
) -> None:
    base_m = np.array(
        [
            4e-3,
            2e-4,
            1e-4,
            1e-4,
            3e-4,
            4e-4,
            5e-4,
            7e-4,
            1e-3,
            1.5e-3,
            2.5e-3,
            4e-3,
            6e-3,
            1e-2,
            1.6e-2,
            2.6e-2,
            4.3e-2,
            7.5e-2,
            0.13,
            0.25,
        ]
    )
    population = np.full(20, 2000.0) * population_scale
    deaths = np.round(base_m * mortality_scale * population) + np.r_[np.zeros(19), 1.0]
    result = methods.life_expectancy(
        deaths, population, startage=methods.LE_STARTAGES, confidence=(0.95, 0.998)
    )
    shown = ~np.isnan(result.value)
    narrow, wide = result.at(0.95), result.at(0.998)
    assert (narrow.lower[shown] <= result.value[shown]).all()
    assert (result.value[shown] <= narrow.upper[shown]).all()
    assert (wide.lower[shown] <= narrow.lower[shown]).all()


@FAST
@given(
    st.lists(st.integers(1, 3_000), min_size=20, max_size=20),
    st.lists(st.floats(0.0, 0.2), min_size=20, max_size=20),
)
def test_life_expectancy_rows_with_values_are_those_of_phe_life_expectancy(
    population: list[int], death_rate: list[float]
) -> None:
    """PHEindicatormethods 2.1.0: all bands NA iff the total population is <= 5,000; otherwise
    a band is NA only where its 95% interval is wider than 20 years (ADR 0102)."""
    pop = np.array(population, dtype=float)
    deaths = np.floor(pop * np.array(death_rate))
    deaths[-1] = max(deaths[-1], 1.0)  # a death at 90+ (else the table has no open band)
    result = methods.life_expectancy(deaths, pop, startage=list(methods.LE_STARTAGES))
    table = methods.life_table(deaths, pop, startage=list(methods.LE_STARTAGES))
    if pop.sum() <= 5000:
        assert np.isnan(result.value).all()
        assert np.isnan(result.at(0.95).lower).all()
        return
    open_table = table.l[0] > 0
    interval = result.at(0.95)
    wide = interval.upper - interval.lower > 20
    expected_na = wide | ~open_table
    assert (np.isnan(result.value) == expected_na).all()
    assert np.isfinite(interval.lower[open_table]).all()
