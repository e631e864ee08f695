"""The catalogue's public surface: look-ups, search, series mapping."""

from __future__ import annotations

import pytest

import healthgap.catalogue as catalogue_pkg
from healthgap.catalogue import Catalogue, series_key, slug
from healthgap.errors import CatalogueError


def test_all_is_sorted_and_everything_is_importable() -> None:
    names = catalogue_pkg.__all__
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for name in names:
        assert hasattr(catalogue_pkg, name), name
    assert {"Catalogue", "load_catalogue", "coverage", "Indicator"} <= set(names)


def test_unknown_indicator_names_the_id_and_the_closest_match(cat: Catalogue) -> None:
    with pytest.raises(CatalogueError) as info:
        cat.indicator("suicde_rate")
    assert "'suicde_rate'" in str(info.value)
    assert "did you mean 'suicide_rate'" in str(info.value)


def test_unknown_id_with_nothing_close_has_no_suggestion(cat: Catalogue) -> None:
    with pytest.raises(CatalogueError) as info:
        cat.indicator("zzzzqqqq")
    assert "did you mean" not in str(info.value)


def test_series_maps_only_to_direct_sources(cat: Catalogue) -> None:
    assert cat.indicator_id_for_series("fingertips:90366") == "life_expectancy"
    assert cat.indicator_id_for_series("fingertips:93563") == "dental_decay_5yo"
    assert cat.indicator_id_for_series("ons_sdg:11-6-2/pm2-5") == "pm25_annual_mean"
    # a proxy never maps: its values are not the indicator's values
    assert cat.indicator_id_for_series("ons_health_index:suicides") is None
    assert cat.indicator_id_for_series("fingertips:0") is None


def test_complement_source_is_kept_for_the_table1_measure(cat: Catalogue) -> None:
    free = cat.indicator("dental_decay_free_5yo")
    assert free.polarity.value == "high_is_good"
    assert free.sources[0].transform.value == "complement"
    assert cat.indicator("dental_decay_5yo").polarity.value == "low_is_good"


def test_commitments_for_indicator(cat: Catalogue) -> None:
    ids = {c.id for c in cat.commitments_for_indicator("reception_overweight_obese")}
    assert ids == {"reception_overweight_10pct_2023_24", "halve_reception_overweight_2030"}
    assert cat.commitments_for_indicator("dental_decay_5yo") == ()
    with pytest.raises(CatalogueError):
        cat.commitments_for_indicator("nope")


def test_search_needs_every_word_and_ranks_names_first(cat: Catalogue) -> None:
    hits = cat.search("HIV late")
    assert hits[0].id == "hiv_late_diagnosis"
    assert all(h.score > 0 for h in hits)
    assert cat.search("smoking pregnancy")[0].id == "smoking_in_pregnancy"
    assert cat.search("Smoking prevalence")[0].id == "smoking_prevalence"
    assert cat.search("") == ()
    assert cat.search("xylophone") == ()
    kinds = {h.kind for h in cat.search("suicide")}
    assert kinds == {"indicator", "commitment", "focus_area"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Households assessed as homeless per (000s)", "households-assessed-as-homeless-per-000s"),
        ("PM2.5", "pm2-5"),
        ("--Already--", "already"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text) == expected


def test_series_key() -> None:
    assert series_key("ons_sdg", "11-6-2", "PM2.5") == "ons_sdg:11-6-2/pm2-5"
    assert series_key("ons_explore", "cigarette-smokers") == "ons_explore:cigarette-smokers"


def test_models_are_frozen(cat: Catalogue) -> None:
    ind = cat.indicator("life_expectancy")
    with pytest.raises(ValueError, match="frozen"):
        ind.polarity = "low_is_good"  # type: ignore[misc]
