"""HEAT rules: subgroup choice for D/R, applicability, truncation, simulation, validation."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from healthgap.methods.errors import MethodInputError
from healthgap.methods.heat import (
    ZERO_REPLACEMENT,
    heat_setting,
    heat_summary,
    mean_difference_from_reference,
    simple_pair,
    simulate,
    simulation_limits,
    theil_index,
)

EST = [20.0, 30.0, 40.0, 50.0, 60.0]
POP = [78.0, 91.0, 162.0, 103.0, 105.0]
SE = [5.0, 7.0, 10.0, 12.0, 14.0]


def _setting(**kw: object) -> object:
    base: dict[str, object] = {
        "population": POP,
        "se": SE,
        "ordered": False,
        "favourable": True,
        "scale": 100,
    }
    base.update(kw)
    estimates = base.pop("estimates", EST)
    return heat_setting(estimates, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "pair"),
    [
        (
            {"estimates": [30.0, 50.0], "population": [1.0, 1.0], "se": [1.0, 1.0], "reference": 1},
            (1, 0),
        ),
        (
            {
                "estimates": [30.0, 50.0],
                "population": [1.0, 1.0],
                "se": [1.0, 1.0],
                "reference": 1,
                "favourable": False,
            },
            (0, 1),
        ),
        (
            {
                "estimates": [50.0, 30.0],
                "population": [1.0, 1.0],
                "se": [1.0, 1.0],
                "favourable": False,
            },
            (0, 1),
        ),
        ({"ordered": True}, (4, 0)),
        ({"ordered": True, "favourable": False}, (0, 4)),
        ({"ordered": True, "order": [5, 4, 3, 2, 1]}, (0, 4)),
        ({"reference": 2}, (2, 0)),
        ({"reference": 2, "favourable": False}, (4, 2)),
        ({}, (4, 0)),
        ({"favourable": False}, (4, 0)),
    ],
)
def test_heat_simple_pair_follows_heat_rules(kw: dict[str, object], pair: tuple[int, int]) -> None:
    assert simple_pair(_setting(**kw)) == pair  # type: ignore[arg-type]


def test_heat_applicability_by_dimension() -> None:
    ordered = {
        r.measure
        for r in heat_summary(EST, population=POP, se=SE, ordered=True, favourable=True, scale=100)
    }
    assert ordered == {"D", "R", "ACI", "RCI", "SII", "RII", "PAF", "PAR"}
    plain = {
        r.measure
        for r in heat_summary(EST, population=POP, se=SE, ordered=False, favourable=True, scale=100)
    }
    assert {
        "BGV",
        "BGSD",
        "COV",
        "MDMU",
        "MDMW",
        "MDBU",
        "MDBW",
        "IDISU",
        "IDISW",
        "TI",
        "MLD",
    } <= plain
    assert not {"MDRU", "MDRW", "ACI", "SII"} & plain
    with_ref = {
        r.measure
        for r in heat_summary(
            EST, population=POP, se=SE, ordered=False, favourable=True, scale=100, reference=1
        )
    }
    assert {"MDRU", "MDRW"} <= with_ref
    binary = {
        r.measure
        for r in heat_summary(
            EST[:2], population=POP[:2], se=SE[:2], ordered=False, favourable=True, scale=100
        )
    }
    assert binary == {"D", "R", "PAF", "PAR"}


def test_heat_all_21_measures_are_reachable() -> None:
    seen = set()
    for ordered, ref in ((True, None), (False, 1)):
        seen |= {
            r.measure
            for r in heat_summary(
                EST,
                population=POP,
                se=SE,
                ordered=ordered,
                favourable=True,
                scale=100,
                reference=ref,
            )
        }
    assert len(seen) == 21


def test_heat_spread_variants_for_many_subgroups() -> None:
    rng = np.random.default_rng(1)
    est = rng.uniform(10, 90, size=101)
    rows = heat_summary(
        est,
        population=np.full(101, 50.0),
        se=np.full(101, 2.0),
        ordered=False,
        favourable=True,
        scale=100,
        draws=50,
    )
    by = {(r.measure, r.confidence): r for r in rows}
    p80, p20 = np.quantile(est, [0.8, 0.2])
    assert by[("D_p80_p20", 0.95)].value == pytest.approx(p80 - p20)
    assert by[("R_p95_p5", 0.95)].value == pytest.approx(
        np.quantile(est, 0.95) / np.quantile(est, 0.05)
    )
    top, bottom = est[est >= p80].mean(), est[est <= p20].mean()
    assert by[("D_q5_q1", 0.95)].value == pytest.approx(top - bottom)
    assert {"D_p90_p10", "D_d10_d1", "D_top5_bottom5"} <= {m for m, _ in by}
    few = {
        r.measure
        for r in heat_summary(
            est[:30],
            population=np.full(30, 5.0),
            se=None,
            ordered=False,
            favourable=True,
            scale=100,
        )
    }
    assert not any(m.startswith("D_") for m in few)


def test_heat_paf_par_truncated_at_zero_by_polarity() -> None:
    # adverse indicator, reference (most advantaged) above the mean → truncated to ≤ 0
    rows = {
        r.measure: r
        for r in heat_summary(EST, population=POP, se=SE, ordered=True, favourable=False, scale=100)
    }
    assert rows["PAF"].value == 0.0
    assert rows["PAR"].value == 0.0
    assert rows["PAF"].upper <= 0.0
    # adverse, non-ordered: best = lowest → PAR negative
    rows = {
        r.measure: r
        for r in heat_summary(
            EST, population=POP, se=SE, ordered=False, favourable=False, scale=100
        )
    }
    assert rows["PAR"].value < 0
    assert rows["PAR"].lower <= rows["PAR"].value <= rows["PAR"].upper


def test_heat_theil_replaces_zero_estimates() -> None:
    setting = _setting(estimates=[0.0, 30.0, 40.0, 50.0, 60.0])
    value = float(theil_index(setting).value[0])
    p = np.array(POP) / sum(POP)
    y = np.array([ZERO_REPLACEMENT, 30, 40, 50, 60])
    mu = float(p @ np.array([0.0, 30, 40, 50, 60]))
    assert value == pytest.approx(1000 * float(p @ (y / mu * np.log(y / mu))))


def test_heat_simulation_truncated_and_seeded() -> None:
    setting = _setting(estimates=[1.0, 99.0, 50.0], population=[1.0, 1.0, 1.0], se=[5.0, 5.0, 5.0])
    first = simulate(setting, draws=2000, seed=7).samples
    assert first.min() >= 0
    assert first.max() <= 100
    assert np.array_equal(first, simulate(setting, draws=2000, seed=7).samples)
    assert not np.array_equal(first, simulate(setting, draws=2000, seed=8).samples)
    rates = _setting(
        estimates=[1.0, 500.0, 50.0], population=[1.0, 1.0, 1.0], se=[5.0, 5.0, 5.0], scale=1000
    )
    assert simulate(rates, draws=500).samples[:, 1].max() > 500  # no cap unless scale 100


def test_heat_simulation_limits_are_type7_quantiles() -> None:
    values = np.arange(1.0, 101.0)
    ((lo, hi),) = simulation_limits(values, (0.95,))
    # type 7: h = (n - 1) p + 1 → 1 + 99 × 0.025 = 3.475
    assert lo == pytest.approx(3.475)
    assert hi == pytest.approx(97.525)


def test_heat_mdr_simulation_quirk_only_when_compatible() -> None:
    setting = _setting(reference=1)
    sim = simulate(setting, draws=300)
    ours = mean_difference_from_reference(setting, weighted=True, simulation=sim)
    heat = mean_difference_from_reference(
        setting, weighted=True, simulation=sim, heat_compatible=True
    )
    assert ours.value[0] == heat.value[0]
    assert ours.intervals[0].lower[0] < heat.intervals[0].lower[0]  # best-subgroup draws


def test_heat_missing_inputs_give_reasoned_nan_rows() -> None:
    rows = {
        r.measure: r
        for r in heat_summary(
            EST, population=None, se=None, ordered=False, favourable=True, scale=100
        )
    }
    assert math.isnan(rows["BGV"].value)
    assert "population" in rows["BGV"].reason
    assert not math.isnan(rows["MDBU"].value)
    assert "standard errors" in rows["MDBU"].reason
    assert rows["D"].value == 40.0
    assert math.isnan(rows["D"].lower)


def test_heat_sii_with_estimates_above_scale_says_why() -> None:
    rows = {
        r.measure: r
        for r in heat_summary(
            [70.0, 75.0, 80.0],
            population=[10, 10, 10],
            se=None,
            ordered=True,
            favourable=True,
            scale=1,
        )
    }
    assert math.isnan(rows["SII"].value)
    assert "scale" in rows["SII"].reason
    assert not math.isnan(rows["ACI"].value)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"estimates": [1.0]}, "estimates"),
        ({"estimates": [1.0, math.nan, 3.0, 4.0, 5.0]}, "estimates"),
        ({"estimates": [1.0, -2.0, 3.0, 4.0, 5.0]}, "estimates"),
        ({"estimates": [1.0, 2.0, 3.0, 4.0, 101.0]}, "estimates"),
        ({"population": [1.0, 0.0, 1.0, 1.0, 1.0]}, "population"),
        ({"population": [1.0, 1.0]}, "population"),
        ({"se": [1.0, -1.0, 1.0, 1.0, 1.0]}, "se"),
        ({"reference": 9}, "reference"),
        ({"scale": 0}, "scale"),
        ({"ordered": True, "order": [1, 1, 2, 3, 4]}, "order"),
        ({"order": [1, 2, 3, 4, 5]}, "order"),
    ],
)
def test_heat_invalid_input_names_the_field(kw: dict[str, object], field: str) -> None:
    with pytest.raises(MethodInputError) as info:
        _setting(**kw)
    assert info.value.field == field


def test_heat_error_names_the_subgroup_label() -> None:
    with pytest.raises(MethodInputError, match="'Q2'"):
        _setting(estimates=[1.0, -1.0, 2.0, 3.0, 4.0], labels=["Q1", "Q2", "Q3", "Q4", "Q5"])


def test_heat_confidence_levels_and_widths() -> None:
    rows = heat_summary(
        EST, population=POP, se=SE, ordered=False, favourable=True, scale=100, confidence=(95, 99.8)
    )
    by = {(r.measure, r.confidence): r for r in rows}
    for measure in ("D", "BGV", "TI", "MLD", "BGSD", "IDISW", "PAF"):
        w95 = by[(measure, 0.95)].upper - by[(measure, 0.95)].lower
        w998 = by[(measure, 0.998)].upper - by[(measure, 0.998)].lower
        assert w998 > w95, measure
    with pytest.raises(MethodInputError):
        heat_summary(
            EST,
            population=POP,
            se=SE,
            ordered=False,
            favourable=True,
            scale=100,
            confidence=(0.95, 95),
        )


def test_heat_summary_takes_milliseconds() -> None:
    est = np.linspace(20, 80, 25)
    start = time.perf_counter()
    for _ in range(5):
        heat_summary(
            est,
            population=np.full(25, 100.0),
            se=np.full(25, 3.0),
            ordered=False,
            favourable=True,
            scale=100,
            reference=3,
            confidence=(0.95, 0.998),
        )
    assert (time.perf_counter() - start) / 5 < 0.1


def test_heat_sii_zero_when_counts_are_exactly_equal() -> None:
    rows = {
        r.measure: r
        for r in heat_summary(
            [25.0] * 4, population=[400.0] * 4, se=None, ordered=True, favourable=True, scale=100
        )
    }
    assert rows["SII"].value == pytest.approx(0.0, abs=1e-9)
    assert rows["RII"].value == pytest.approx(1.0, abs=1e-12)
