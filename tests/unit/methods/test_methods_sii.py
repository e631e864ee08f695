"""Slope and relative index of inequality: golden values, simulation, invariants, bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from healthgap.methods import MethodInputError, sii_confidence_positions, slope_index_of_inequality

REFERENCE = Path(__file__).parents[2] / "reference" / "sii.csv"


def _cases() -> dict[str, list[dict[str, str]]]:
    cases: dict[str, list[dict[str, str]]] = {}
    with REFERENCE.open() as f:
        for row in csv.DictReader(f):
            cases.setdefault(row["case"], []).append(row)
    return cases


@pytest.mark.parametrize("case", sorted(_cases()))
def test_reference_point_estimates(case: str) -> None:
    """Given a golden case, the SII, RII and intercept match the hand derivation to 1e-9."""
    rows = _cases()[case]
    result = slope_index_of_inequality(
        [float(r["value"]) for r in rows],
        quantile=[int(r["quantile"]) for r in rows],
        population=[float(r["population"]) for r in rows],
        se=[1.0] * len(rows),
        repetitions=1000,
        rii=True,
        intercept=True,
    )
    assert result.sii.value[0] == pytest.approx(float(rows[0]["expected_sii"]), rel=1e-9)
    assert result.rii is not None
    assert result.rii.value[0] == pytest.approx(float(rows[0]["expected_rii"]), rel=1e-9)
    assert result.intercept is not None
    assert result.intercept[0] == pytest.approx(float(rows[0]["expected_intercept"]), rel=1e-9)


def _decile_data(groups: int = 3, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    q = np.tile(np.arange(1, 11), groups)
    return {
        "value": 70 + q * 1.2 + rng.normal(0, 0.3, q.size),
        "quantile": q,
        "population": rng.uniform(1000, 3000, q.size),
        "group": np.repeat(np.arange(groups), 10),
        "se": rng.uniform(0.2, 0.5, q.size),
    }


def test_input_order_does_not_matter() -> None:
    """Given shuffled rows, the point estimates are those of the sorted rows."""
    d = _decile_data()
    perm = np.random.default_rng(1).permutation(d["value"].size)
    a = slope_index_of_inequality(
        d["value"],
        quantile=d["quantile"],
        population=d["population"],
        group=d["group"],
        se=d["se"],
        repetitions=1000,
    )
    b = slope_index_of_inequality(
        d["value"][perm],
        quantile=d["quantile"][perm],
        population=d["population"][perm],
        group=d["group"][perm],
        se=d["se"][perm],
        repetitions=1000,
    )
    np.testing.assert_allclose(a.sii.value, b.sii.value, rtol=1e-12)


def test_seeded_simulation_is_reproducible_and_seed_sensitive() -> None:
    """Given the same seed the limits repeat exactly; another seed moves them."""
    d = _decile_data()
    kw = {
        "quantile": d["quantile"],
        "population": d["population"],
        "group": d["group"],
        "se": d["se"],
        "repetitions": 2000,
        "rii": True,
    }
    one = slope_index_of_inequality(d["value"], seed=3, **kw)  # type: ignore[arg-type]
    two = slope_index_of_inequality(d["value"], seed=3, **kw)  # type: ignore[arg-type]
    other = slope_index_of_inequality(d["value"], seed=4, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(one.sii.at(0.95).lower, two.sii.at(0.95).lower)
    assert not np.array_equal(one.sii.at(0.95).lower, other.sii.at(0.95).lower)


def test_linear_simulation_matches_normal_theory() -> None:
    """Given value_type 0, the simulated 95% limits approach SII ± 1.96·SE(SII) (200k draws)."""
    d = _decile_data(groups=1)
    res = slope_index_of_inequality(
        d["value"],
        quantile=d["quantile"],
        population=d["population"],
        se=d["se"],
        repetitions=200_000,
        seed=11,
    )
    a = d["population"] / d["population"].sum()
    b = np.cumsum(a) - a / 2
    bbar = (a * b).sum()
    c = a * (b - bbar) / (a * (b - bbar) ** 2).sum()
    sd = np.sqrt(((c * d["se"]) ** 2).sum())
    z = stats.norm.ppf(0.975)
    assert res.sii.at(0.95).lower[0] == pytest.approx(res.sii.value[0] - z * sd, abs=0.02 * sd)
    assert res.sii.at(0.95).upper[0] == pytest.approx(res.sii.value[0] + z * sd, abs=0.02 * sd)


def test_log_scale_simulation_draws_each_quantile() -> None:
    """Given rates (value_type 1) without transform, limits come from back-transformed draws
    and bracket the SII; with transform the SII is the difference of fitted rates."""
    d = _decile_data(groups=2)
    rates = d["value"] / 100
    lo, hi = rates * 0.95, rates * 1.05
    plain = slope_index_of_inequality(
        rates,
        quantile=d["quantile"],
        population=d["population"],
        group=d["group"],
        lower_cl=lo,
        upper_cl=hi,
        value_type=1,
        repetitions=5000,
        rii=True,
        confidence=(0.95, 0.998),
    )
    assert np.all(plain.sii.at(0.998).lower < plain.sii.at(0.95).lower)
    assert np.all(plain.sii.at(0.95).lower < plain.sii.value)
    assert np.all(plain.sii.value < plain.sii.at(0.95).upper)
    assert plain.rii is not None
    assert np.all(plain.rii.at(0.95).lower < plain.rii.value)
    tr = slope_index_of_inequality(
        rates,
        quantile=d["quantile"],
        population=d["population"],
        group=d["group"],
        lower_cl=lo,
        upper_cl=hi,
        value_type=1,
        transform=True,
        repetitions=5000,
        intercept=True,
        rii=True,
    )
    assert tr.intercept is not None
    assert tr.rii is not None
    fitted_top = tr.intercept * tr.rii.value
    np.testing.assert_allclose(tr.sii.value, fitted_top - tr.intercept, rtol=1e-12)
    assert np.all(tr.sii.at(0.95).lower < tr.sii.value)


def test_confidence_positions_are_order_statistics() -> None:
    """Given R = 100000, the positions are 2500/97500 at 95% and 100/99900 at 99.8%."""
    assert sii_confidence_positions(100_000, 0.95) == (2500, 97500)
    assert sii_confidence_positions(100_000, 0.998) == (100, 99900)
    assert sii_confidence_positions(1000, 0.95) == (25, 975)


def test_negative_multiplier_swaps_limits_and_inverts_rii() -> None:
    """Given multiplier −1, SII changes sign, limits stay ordered, RII is inverted."""
    d = _decile_data(groups=1)
    kw = {
        "quantile": d["quantile"],
        "population": d["population"],
        "se": d["se"],
        "repetitions": 2000,
        "rii": True,
        "seed": 5,
    }
    pos = slope_index_of_inequality(d["value"], **kw)  # type: ignore[arg-type]
    neg = slope_index_of_inequality(d["value"], multiplier=-1, **kw)  # type: ignore[arg-type]
    assert neg.sii.value[0] == pytest.approx(-pos.sii.value[0])
    assert neg.sii.at(0.95).lower[0] == pytest.approx(-pos.sii.at(0.95).upper[0])
    assert neg.rii is not None
    assert pos.rii is not None
    assert neg.rii.value[0] == pytest.approx(1 / pos.rii.value[0])
    assert neg.sii.at(0.95).lower[0] < neg.sii.at(0.95).upper[0]


@settings(max_examples=25, deadline=None)
@given(
    values=st.lists(st.floats(1, 100), min_size=5, max_size=12),
    seed=st.integers(0, 10_000),
)
def test_reversing_quantile_order_changes_sign(values: list[float], seed: int) -> None:
    """Property: numbering the quantiles the other way round negates the SII."""
    n = len(values)
    pop = np.random.default_rng(seed).uniform(100, 1000, n)
    q = np.arange(1, n + 1)
    fwd = slope_index_of_inequality(
        values, quantile=q, population=pop, se=np.ones(n), repetitions=1000
    )
    rev = slope_index_of_inequality(
        values, quantile=q[::-1], population=pop, se=np.ones(n), repetitions=1000
    )
    assert rev.sii.value[0] == pytest.approx(-fwd.sii.value[0], rel=1e-9, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(values=st.lists(st.floats(50, 90), min_size=5, max_size=10), seed=st.integers(0, 99))
def test_limits_bracket_and_998_is_wider(values: list[float], seed: int) -> None:
    """Property: 99.8% limits ⊇ 95% limits, and the 95% limits bracket the estimate."""
    n = len(values)
    res = slope_index_of_inequality(
        values,
        quantile=np.arange(1, n + 1),
        population=np.full(n, 500.0),
        se=np.full(n, 0.5),
        repetitions=4000,
        confidence=(0.95, 0.998),
        seed=seed,
    )
    i95, i998 = res.sii.at(0.95), res.sii.at(0.998)
    assert i998.lower[0] <= i95.lower[0] <= res.sii.value[0] <= i95.upper[0] <= i998.upper[0]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"quantile": [1, 2, 3, 4]}, "quantile", "5 to 100 quantiles"),
        ({"value": [1.0, np.nan, 3.0, 4.0, 5.0]}, "value", "missing"),
        ({"population": [1.0, -2.0, 3.0, 4.0, 5.0]}, "population", "> 0"),
        ({"quantile": [1, 1, 3, 4, 5]}, "quantile", "repeated"),
        ({"repetitions": 999}, "repetitions", "at least 1000"),
        ({"value_type": 2}, "value", "between 0 and 1"),
        ({"confidence": 0.5}, "confidence", "[0.9, 1)"),
    ],
)
def test_bad_input_names_field_and_group(
    change: dict[str, object], field: str, fragment: str
) -> None:
    """Given bad input, the error names the field (and the group) and the rule."""
    args: dict[str, object] = {
        "value": [1.0, 2.0, 3.0, 4.0, 5.0],
        "quantile": [1, 2, 3, 4, 5],
        "population": [1.0, 2.0, 3.0, 4.0, 5.0],
        "group": ["E09000001"] * 5,
        "se": [0.1] * 5,
        "repetitions": 1000,
    }
    if "quantile" in change and len(change["quantile"]) == 4:  # type: ignore[arg-type]
        for key in ("value", "population", "group", "se"):
            args[key] = args[key][:4]  # type: ignore[index]
    args.update(change)
    value = args.pop("value")
    with pytest.raises(MethodInputError) as info:
        slope_index_of_inequality(value, **args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert fragment in str(info.value)
    if field in ("quantile", "value", "population") and "value_type" not in change:
        assert info.value.group == "E09000001"


def test_performance_200_areas_deciles_10000_reps() -> None:
    """200 groups × 10 deciles × 10,000 simulations runs well under a second (target 250 ms)."""
    import time

    d = _decile_data(groups=200)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        slope_index_of_inequality(
            d["value"],
            quantile=d["quantile"],
            population=d["population"],
            group=d["group"],
            se=d["se"],
            repetitions=10_000,
        )
        best = min(best, time.perf_counter() - start)
    assert best < 1.0
