"""Compute stage: aggregates to values agree with the methods called directly."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from healthgap.engine.bands import ALL_AGES, ESP2013_19, LIFE_TABLE_20
from healthgap.engine.compute import StatisticSpec, compute_values
from healthgap.methods import dsr, life_expectancy, rate
from healthgap.methods.standard_populations import ESP2013
from healthgap.store.columns import column_names


def _aggregates(banding, events: np.ndarray, population: np.ndarray, areas=("A", "B")) -> pa.Table:
    k = len(banding.starts)
    rows = []
    for a_i, area in enumerate(areas):
        for b in range(k):
            rows.append((area, b, float(events[a_i, b]), float(population[a_i, b])))
    area, idx, ev, pop = zip(*rows, strict=True)
    n = len(rows)
    return pa.table(
        {
            "area_code": area,
            "area_type": ["ltla"] * n,
            "period_label": ["2017 - 19"] * n,
            "period_start_year": pa.array([2017] * n, pa.int64()),
            "period_end_year": pa.array([2019] * n, pa.int64()),
            "sex": ["persons"] * n,
            "breakdown_type": ["none"] * n,
            "breakdown_category": [""] * n,
            "age_index": pa.array(idx, pa.int64()),
            "age_band": [banding.labels[i] for i in idx],
            "events": ev,
            "population": pop,
        }
    )


def test_dsr_matches_method_and_fills_canonical_columns() -> None:
    rng = np.random.default_rng(3)
    pop = rng.integers(2_000, 9_000, (2, 19)).astype(float)
    ev = rng.poisson(pop * np.linspace(0.0005, 0.08, 19))
    out = compute_values(_aggregates(ESP2013_19, ev, pop), StatisticSpec("x", "dsr", ESP2013_19))
    assert out.column_names == column_names()
    direct = dsr(ev[0], pop[0], ESP2013.array(), confidence=(0.95, 0.998))
    assert out["value"][0].as_py() == pytest.approx(float(direct.value[0]), rel=1e-12)
    assert out["lower99_8cl"][0].as_py() == pytest.approx(float(direct.at(0.998).lower[0]))
    assert out["count"][0].as_py() == ev[0].sum()
    assert out["period_start"][0].as_py().isoformat() == "2017-01-01"
    assert out["period_end"][0].as_py().isoformat() == "2019-12-31"


def test_dsr_with_fewer_than_ten_events_is_withheld_with_reason() -> None:
    pop = np.full((2, 19), 1000.0)
    ev = np.zeros((2, 19))
    ev[0, 18] = 3
    ev[1, :] = 2
    out = compute_values(_aggregates(ESP2013_19, ev, pop), StatisticSpec("x", "dsr", ESP2013_19))
    assert out["value"][0].as_py() is None
    assert out["suppressed"][0].as_py() is True
    assert out["note"][0].as_py()
    assert out["value"][1].as_py() is not None


def test_crude_rate_over_all_ages() -> None:
    out = compute_values(
        _aggregates(ALL_AGES, np.array([[25.0], [4.0]]), np.array([[10_000.0], [10_000.0]])),
        StatisticSpec("x", "crude_rate", ALL_AGES),
    )
    direct = rate(np.array([25.0, 4.0]), np.array([10_000.0, 10_000.0]), confidence=(0.95, 0.998))
    assert out["value"].to_pylist() == pytest.approx(direct.value.tolist())
    assert out["upper95_0cl"].to_pylist() == pytest.approx(direct.at(0.95).upper.tolist())


def test_life_expectancy_at_birth_and_at_65() -> None:
    pop = np.tile(np.array([600, 2400, *[3000] * 13, 2500, 2000, 1500, 900, 500], float), (2, 1))
    m = np.array([0.004, 0.0002, *np.geomspace(0.0001, 0.02, 13), 0.03, 0.05, 0.08, 0.13, 0.25])
    ev = np.round(pop * m)
    agg = _aggregates(LIFE_TABLE_20, ev, pop)
    at0 = compute_values(agg, StatisticSpec("le", "life_expectancy", LIFE_TABLE_20, multiplier=1))
    at65 = compute_values(
        agg,
        StatisticSpec(
            "le65", "life_expectancy", LIFE_TABLE_20, multiplier=1, life_expectancy_age=65
        ),
    )
    direct = life_expectancy(ev[0], pop[0], startage=np.asarray(LIFE_TABLE_20.starts))
    assert at0["value"][0].as_py() == pytest.approx(float(direct.value[0]))
    assert at65["value"][0].as_py() == pytest.approx(float(direct.value[14]))
    assert 60 < at0["value"][0].as_py() < 95
