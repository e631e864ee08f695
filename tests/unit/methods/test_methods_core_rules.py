"""Rules of the core statistics: bad input raises naming field and group; NA carries a reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from healthgap import methods
from healthgap.methods.errors import MethodInputError

STARTS = np.array(methods.LE_STARTAGES, dtype=float)


def _example_life_table() -> tuple[np.ndarray, np.ndarray]:
    """Deaths and population of the golden reference case "one area, 20 bands"."""
    ref = pd.read_csv(Path(__file__).resolve().parents[2] / "reference" / "life_expectancy.csv")
    case = ref[ref.case == "one area, 20 bands"]
    return case.deaths.to_numpy(dtype=float), case.population.to_numpy(dtype=float)


# A plausible 20-band population and deaths (large enough to publish every band).
DEATHS, POP = _example_life_table()


@pytest.mark.parametrize(
    ("x", "n", "field", "group", "words"),
    [
        ([1, -1], [10, 10], "x", 1, "negative"),
        ([1, 11], [10, 10], "x", 1, "larger than the denominator"),
        ([1, 1], [10, 0], "n", 1, "greater than 0"),
        ([np.nan, 1], [10, 10], "x", 0, "missing"),
    ],
)
def test_proportion_rejects_bad_input_naming_field_and_element(x, n, field, group, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MethodInputError, match=words) as info:
        methods.proportion(x, n)
    assert info.value.field == field
    assert info.value.group == group


def test_unequal_lengths_are_refused() -> None:
    with pytest.raises(MethodInputError, match="length") as info:
        methods.rate([1, 2, 3], [10, 10])
    assert info.value.field == "n"


def test_confidence_one_gives_the_whole_unit_interval_for_proportions() -> None:
    result = methods.proportion([3], [10], confidence=1.0)
    assert result.at(1.0).lower[0] == 0.0
    assert result.at(1.0).upper[0] == 1.0


def test_bad_confidence_is_refused() -> None:
    with pytest.raises(MethodInputError) as info:
        methods.rate([1], [10], confidence=95)
    assert info.value.field == "confidence"


def test_proportion_statistic_names_percentages() -> None:
    assert methods.proportion([1], [4], multiplier=100).statistic == "percentage"
    assert methods.proportion([1], [4]).statistic == "proportion of 1"


def test_rate_method_is_exact_below_ten_and_byars_from_ten() -> None:
    assert methods.rate([9], [100]).method == "Exact"
    assert methods.rate([10], [100]).method == "Byars"
    assert list(methods.poisson_method([0, 9, 10, 11])) == ["Exact", "Exact", "Byars", "Byars"]


def test_zero_count_has_zero_lower_limit_and_exact_upper() -> None:
    lower, upper = methods.exact_poisson([0.0])
    assert lower[0] == 0.0
    assert upper[0] == pytest.approx(-np.log(0.025), rel=1e-12)  # ½χ²(2) closed form


def test_z_from_confidence_matches_qnorm() -> None:
    assert methods.z_from_confidence(0.95) == pytest.approx(1.959963985, abs=1e-9)
    assert methods.z_from_confidence(0.998) == pytest.approx(3.090232306, abs=1e-9)


def test_mean_of_one_value_has_no_limits_and_says_why() -> None:
    result = methods.mean([4.0, 1.0, 3.0], groups=[0, 1, 1])
    assert result.value[0] == 4.0
    assert np.isnan(result.at(0.95).lower[0])
    assert "fewer than 2" in result.reason[0]
    assert result.reason[1] == ""


def test_groups_must_be_dense() -> None:
    with pytest.raises(MethodInputError, match="dense") as info:
        methods.mean([1.0, 2.0], groups=[0, 2])
    assert info.value.group == 1


def test_standard_populations_sum_to_100000_and_have_their_bands() -> None:
    for standard, bands in ((methods.ESP2013, 19), (methods.ESP2013_21, 21), (methods.ESP1976, 18)):
        assert sum(standard.weights) == 100_000
        assert len(standard.weights) == len(standard.labels) == bands
    assert methods.ESP2013.labels[-1] == "90+"
    assert methods.ESP2013_21.labels[:2] == ("0-0", "1-4")
    # the 19-band form merges 0 + 1-4 and 90-94 + 95+ of the 21-band form
    w21 = methods.ESP2013_21.weights
    assert methods.ESP2013.weights == (w21[0] + w21[1], *w21[2:19], w21[19] + w21[20])


def test_standard_weights_name_the_missing_band_and_group() -> None:
    groups = np.repeat([0, 1], 19)[:-1]
    band = np.concatenate([np.arange(19), np.arange(18)])
    with pytest.raises(MethodInputError, match="90\\+ of esp2013 is missing") as info:
        methods.standard_weights(methods.ESP2013, groups=groups, band=band)
    assert info.value.group == 1
    assert info.value.field == "ageband"


def test_dsr_treats_missing_counts_as_zero() -> None:
    with_nan = methods.dsr([np.nan, 20, 30], [100, 200, 300], [1, 1, 1])
    with_zero = methods.dsr([0, 20, 30], [100, 200, 300], [1, 1, 1])
    assert with_nan.value[0] == with_zero.value[0]


def test_dsr_withholds_value_and_limits_below_ten_with_reason() -> None:
    result = methods.dsr([3, 6, 20], [100, 100, 100], [1, 1, 1], groups=[0, 0, 1])
    assert np.isnan(result.value[0])
    assert np.isnan(result.at(0.95).lower[0])
    assert "total count < 10" in result.reason[0]
    assert np.isfinite(result.value[1])
    assert result.reason[1] == ""


def test_dsr_rejects_negative_standard_weights_naming_group() -> None:
    with pytest.raises(MethodInputError) as info:
        methods.dsr([5, 6, 20], [100, 100, 100], [1, 1, -1], groups=[0, 0, 1])
    assert (info.value.field, info.value.group) == ("stdpop", 1)


def test_non_independent_events_with_frequency_one_equal_independent() -> None:
    x = np.array([12.0, 30.0, 25.0])
    n = np.array([1000.0, 2000.0, 1500.0])
    w = np.array([3.0, 5.0, 2.0])
    plain = methods.dsr(x, n, w)
    nonind = methods.dsr(x, n, w, eventfreq=[1, 1, 1], ageband=["a", "b", "c"])
    np.testing.assert_allclose(nonind.value, plain.value, rtol=1e-12)
    np.testing.assert_allclose(nonind.at(0.95).upper, plain.at(0.95).upper, rtol=1e-12)
    assert nonind.method == "Dobson, with confidence adjusted for non-independent events"


def test_non_independent_events_variance_is_sum_of_f_squared_variances() -> None:
    # band a: 10 people with 1 event, 4 people with 3 events; band b: 20 people with 1 event
    x = np.array([10.0, 4.0, 20.0])
    f = np.array([1.0, 3.0, 1.0])
    n = np.array([1000.0, 1000.0, 2000.0])
    w = np.array([3.0, 3.0, 5.0])
    parts = methods.dsr_components(x, n, w, eventfreq=f, ageband=["a", "a", "b"])
    assert parts.total_count[0] == 10 + 12 + 20
    assert parts.total_weight[0] == 8.0
    assert parts.total_pop[0] == 3000.0
    by_hand = (1 * (9 * 10 / 1000**2) + 9 * (9 * 4 / 1000**2) + 1 * (25 * 20 / 2000**2)) / 64
    assert parts.variance[0] == pytest.approx(by_hand, rel=1e-12)
    value = methods.dsr(x, n, w, eventfreq=f, ageband=["a", "a", "b"], multiplier=1).value[0]
    assert value == pytest.approx((3 * 22 / 1000 + 5 * 20 / 2000) / 8, rel=1e-12)


def test_non_independent_events_rows_of_a_band_must_share_population() -> None:
    with pytest.raises(MethodInputError, match="same age band") as info:
        methods.dsr([5, 6], [100, 101], [1, 1], eventfreq=[1, 2], ageband=["a", "a"])
    assert info.value.field == "n"


def test_non_independent_events_individuals_cannot_outnumber_the_band() -> None:
    """x counts individuals with f events: 60 + 50 people in a band of 100 is impossible."""
    with pytest.raises(MethodInputError, match="larger than the denominator 'n'") as info:
        methods.dsr(
            [60, 50, 5], [100, 100, 100], [1, 1, 1], eventfreq=[1, 2, 1], ageband=["a", "a", "b"]
        )
    assert info.value.field == "x"
    # 60 people with 2 events each: 120 events in 100 people is possible
    ok = methods.dsr([60, 5], [100, 100], [1, 1], eventfreq=[2, 1], ageband=["a", "b"])
    assert np.isfinite(ok.value[0])


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda recur: methods.rate([5, 120], [100, 100], events_can_recur=recur), "x"),
        (
            lambda recur: methods.dsr(
                [15, 12, 120], [100, 100, 100], [1, 1, 1], groups=[0, 1, 1], events_can_recur=recur
            ),
            "x",
        ),
        (
            lambda recur: methods.isr_rate(
                [5, 120], [100, 100], [1, 1], [10, 10], events_can_recur=recur
            ),
            "x",
        ),
        (
            lambda recur: methods.isr_ratio(
                [5, 5], [100, 100], [1, 11], [10, 10], events_can_recur=recur
            ),
            "x_ref",
        ),
        (
            lambda recur: methods.isr_ratio(
                None, [10, 10], [1, 1], [10, 10], observed_totals=[21], events_can_recur=recur
            ),
            "observed_totals",
        ),
    ],
)
def test_counts_of_people_cannot_exceed_their_population(call, field) -> None:  # type: ignore[no-untyped-def]
    """Deaths cannot outnumber the population (the store's load rule); admissions can."""
    with pytest.raises(MethodInputError, match="cannot outnumber") as info:
        call(False)
    assert info.value.field == field
    assert np.isfinite(call(True).value).all()  # events that can recur: as PHEindicatormethods


def test_numerator_above_denominator_is_the_one_rule() -> None:
    from healthgap.methods._core_checks import numerator_above_denominator

    assert numerator_above_denominator([3.0, 5.0, 4.0], [4.0, 4.0, 4.0]).tolist() == [
        False,
        True,
        False,
    ]
    with pytest.raises(MethodInputError, match="cannot outnumber"):
        methods.proportion([5], [4])


def test_isr_observed_totals_replace_x() -> None:
    n, xr, nr = [100.0, 200.0], [10.0, 30.0], [1000.0, 1000.0]
    from_rows = methods.isr_ratio([7, 8], n, xr, nr)
    from_total = methods.isr_ratio(None, n, xr, nr, observed_totals=[15])
    np.testing.assert_allclose(from_total.value, from_rows.value, rtol=1e-12)
    with pytest.raises(MethodInputError, match="one total per group"):
        methods.isr_ratio(None, n, xr, nr, observed_totals=[15, 3])


def test_life_expectancy_rows_keep_input_order() -> None:
    ordered = methods.life_expectancy(DEATHS, POP, startage=STARTS)
    flip = np.arange(20)[::-1]
    reversed_ = methods.life_expectancy(DEATHS[flip], POP[flip], startage=STARTS[flip])
    np.testing.assert_allclose(reversed_.value, ordered.value[flip], rtol=1e-12)


def test_life_expectancy_groups_are_independent() -> None:
    one = methods.life_expectancy(DEATHS, POP, startage=STARTS)
    two = methods.life_expectancy(
        np.r_[DEATHS, DEATHS * 2],
        np.r_[POP, POP],
        startage=np.r_[STARTS, STARTS],
        groups=np.repeat([0, 1], 20),
    )
    np.testing.assert_allclose(two.value[:20], one.value, rtol=1e-12)
    assert two.value[20] < one.value[0]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d, p: (d * np.r_[np.ones(19), 0], p), "no deaths in the 90+"),
        (lambda d, p: (d - np.r_[20, np.zeros(19)], p), "negative deaths"),
        (lambda d, p: (d, p * np.r_[0, np.ones(19)]), "population 0 or less"),
        (lambda d, p: (d + np.r_[np.zeros(19), 10_000], p), "deaths exceed population"),
    ],
)
def test_life_expectancy_data_rules_give_na_with_reason(change, words) -> None:  # type: ignore[no-untyped-def]
    d, p = change(DEATHS.copy(), POP.copy())
    result = methods.life_expectancy(d, p, startage=STARTS)
    assert np.isnan(result.value).all()
    assert np.isnan(result.at(0.95).upper).all()
    assert all(words in r for r in result.reason)


def test_life_expectancy_small_population_from_an_age_is_still_calculated() -> None:
    """PHEindicatormethods 2.1.0 applies the 5,000 rule to the group total only (ADR 0102)."""
    result = methods.life_expectancy(DEATHS / 3, POP / 3, startage=STARTS)
    used = np.cumsum((POP / 3)[::-1])[::-1]
    assert used[-1] <= 5000 < used[0]
    assert np.isfinite(result.value).all()
    assert np.isfinite(result.at(0.95).lower).all()


def test_life_expectancy_total_population_of_5000_or_fewer_is_na_at_every_band() -> None:
    population = POP / POP.sum() * 5000
    result = methods.life_expectancy(DEATHS / POP.sum() * 5000, population, startage=STARTS)
    assert np.isnan(result.value).all()
    assert np.isnan(result.at(0.95).lower).all()
    assert all("total population of the group is 5,000 or fewer" in r for r in result.reason)
    bigger = methods.life_expectancy(
        DEATHS / POP.sum() * 5001, POP / POP.sum() * 5001, startage=STARTS
    )
    assert np.isfinite(bigger.value).all()


def test_life_expectancy_fewer_than_one_death_at_90_is_still_calculated() -> None:
    """Averaged counts: R computes with 0.5 deaths at 90+; only zero deaths give no table."""
    deaths = DEATHS.copy()
    deaths[-1] = 0.5
    result = methods.life_expectancy(deaths, POP, startage=STARTS)
    assert np.isfinite(result.at(0.95).lower).all()
    assert not any("no deaths" in r for r in result.reason)


def test_life_expectancy_wide_interval_withholds_value_but_keeps_limits() -> None:
    deaths = DEATHS.copy()
    population = POP.copy()
    deaths[-1], population[-1] = 1.0, 6000.0  # one death in 6,000 people aged 90+
    result = methods.life_expectancy(deaths, population, startage=STARTS)
    interval = result.at(0.95)
    assert interval.upper[-1] - interval.lower[-1] > 20
    assert np.isnan(result.value[-1])
    assert np.isfinite(interval.upper[-1])
    assert "wider than 20 years" in result.reason[-1]


@pytest.mark.parametrize(
    ("starts", "words"),
    [
        (np.r_[STARTS[:-1], 85.0], "repeated"),
        (np.r_[STARTS[:-1], 95.0], "not one of the 20 bands"),
    ],
)
def test_life_expectancy_band_structure_errors_name_group(starts, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MethodInputError, match=words) as info:
        methods.life_expectancy(DEATHS, POP, startage=starts)
    assert info.value.field == "startage"
    assert info.value.group == 0


def test_life_expectancy_missing_band_is_an_error() -> None:
    with pytest.raises(MethodInputError, match="missing") as info:
        methods.life_expectancy(DEATHS[:19], POP[:19], startage=STARTS[:19])
    assert info.value.field == "startage"


def test_hle_with_everyone_healthy_and_huge_samples_is_life_expectancy() -> None:
    le = methods.life_expectancy(DEATHS, POP, startage=STARTS)
    hle = methods.healthy_life_expectancy(
        DEATHS, POP, np.ones(20), np.full(20, 1e12), startage=STARTS
    )
    np.testing.assert_allclose(hle.value, le.value, rtol=1e-12)
    np.testing.assert_allclose(hle.at(0.95).upper, le.at(0.95).upper, rtol=1e-12)


def test_hle_is_below_le_and_sampling_widens_the_interval() -> None:
    le = methods.life_expectancy(DEATHS, POP, startage=STARTS)
    prev = np.linspace(0.9, 0.4, 20)
    big = methods.healthy_life_expectancy(DEATHS, POP, prev, np.full(20, 1e9), startage=STARTS)
    small = methods.healthy_life_expectancy(DEATHS, POP, prev, np.full(20, 100.0), startage=STARTS)
    assert (big.value < le.value).all()
    np.testing.assert_allclose(small.value, big.value, rtol=1e-12)
    assert (small.at(0.95).upper - small.value > big.at(0.95).upper - big.value).all()


def test_hle_rejects_prevalence_above_one() -> None:
    prev = np.r_[np.full(19, 0.8), 1.2]
    with pytest.raises(MethodInputError, match="proportion") as info:
        methods.healthy_life_expectancy(DEATHS, POP, prev, np.full(20, 100.0), startage=STARTS)
    assert info.value.field == "prevalence"
