"""coverage(): which indicators and commitments have data."""

from __future__ import annotations

from healthgap.catalogue import Catalogue, coverage


def test_coverage_from_a_store_summary(cat: Catalogue) -> None:
    held = {
        "fingertips:20601": ("2006/07", "2017/18", 408),
        "ons_health_index:suicides": ("2015", "2021", 231),
        "fingertips:90366": ("2015 - 17", "2023 - 25", 0),
    }
    result = coverage(cat, held)
    assert result.basis == "store"
    by_id = {c.indicator_id: c for c in result.indicators}
    reception = by_id["reception_overweight_obese"]
    assert reception.has_data
    assert reception.direct
    assert [(s.key, s.first_period, s.last_period, s.rows) for s in reception.series] == [
        ("fingertips:20601", "2006/07", "2017/18", 408)
    ]
    suicide = by_id["suicide_rate"]
    assert suicide.has_data
    assert not suicide.direct
    assert not by_id["life_expectancy"].has_data  # zero rows held is no data
    assert not by_id["hiv_testing_coverage"].has_data
    commitments = {c.commitment_id: c for c in result.commitments}
    assert commitments["reception_overweight_10pct_2023_24"].has_data
    assert commitments["reception_overweight_10pct_2023_24"].indicators_with_data == (
        "reception_overweight_obese",
    )
    assert commitments["zero_suicide_city"].has_data
    assert not commitments["anti_racist_hub"].has_data


def test_empty_store_means_nothing_has_data(cat: Catalogue) -> None:
    result = coverage(cat, {})
    assert result.basis == "store"
    assert not any(c.has_data for c in result.indicators)
    assert not any(c.has_data for c in result.commitments)


def test_without_a_store_coverage_falls_back_to_declared_bundled_flags(cat: Catalogue) -> None:
    result = coverage(cat, None)
    assert result.basis == "declared"
    for ic in result.indicators:
        assert ic.has_data == cat.indicator(ic.indicator_id).bundled
        assert all(s.rows == 0 and s.first_period == "" for s in ic.series)
    assert sum(c.has_data for c in result.indicators) >= 30
