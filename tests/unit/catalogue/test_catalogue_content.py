"""The catalogue holds what the strategy documents hold (names and values taken from the seeds)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from healthgap.catalogue import Catalogue, Polarity, TargetStatus

# Table 1 of 004 (London Health and Care Vision, §3.2), as printed, whitespace normalised.
TABLE1 = [
    "Average healthy life expectancy for London",
    "The slope index of inequality (SII)",
    "Reception: Prevalence of overweight including obesity",
    "Reception: Prevalence of severe obesity",
    "Year 6: Prevalence of overweight",
    "Year 6: Prevalence of obesity (including severe obesity)",
    "Reception: Inequality in the prevalence of obesity (including severe obesity)",
    "Proportion of five year olds free from dental decay",
    "School readiness: the percentage of children achieving a good level of development at the "
    "end of reception",
    "Number of schools with Healthy Schools London awards",
    "Number of early years settings with Healthy Early Years awards",
    "NHS Children and Young People Mental Health access",
    "Suicide: age-standardised rate per 100,000 population (three year average)",
    "Adults in contact with secondary mental health services who live in stable and appropriate "
    "accommodation",
    "Referrals Moving to Recovery for the Improving Access to Psychological Therapies pathway",
    "Rates of detention under the Mental Health Act",
    "Percentage of London roads compliant with EU limit levels for Nitrogen Dioxide (NO2)",
    "Meeting World Health Organisation (WHO) limits for PM2.5 concentrations by 2030",
    "Hospital admissions for asthma (under 19 years)",
    "Percentage of Londoners who report doing 20 minutes of walking or cycling on the previous day",
    "Smoking prevalence",
    "The difference in smoking rates of London vs national",
    "Smoking rates in pregnancy at the time of delivery",
    "Smoking rates among people working in routine and manual occupations",
    "Smoking rates in people with a serious mental illness",
    "Violent crime (including sexual violence)",
    "Hospital admissions for violence",
    "Number of people sleeping rough on the street",
    "Statutory homelessness rate (per 1,000 households)",
    "Deaths of homeless people (experimental statistics)",
    "HIV testing coverage",
    "HIV late diagnosis proportion",
    "New HIV diagnosis rate /100,000 (15 year old plus)",
    "Syphilis diagnostic rate /100,000",
    "New STI diagnoses (excl. chlamydia aged <25) /100,000",
    "Gonorrhoea diagnostic rate /100,000",
    "Dementia: Recorded prevalence (aged 65 years and over)",
    "Deaths in usual place of residence: People with dementia (aged 65 years and over)",
    "Dementia: Residential care and nursing home bed capacity (aged 65 years and over)",
    "Place of death – hospital: People with dementia (aged 65 years and over)",
    "Percentage of deaths that occur in hospital (all ages)",
    "Percentage of people who have died that have a Coordinate My Care record",
    "Percentage of population on palliative care register",
]

# Every numeric commitment in 000–004: id → (target status, target value, deadline).
NUMERIC_COMMITMENTS: dict[str, tuple[str, float | None, str | None]] = {
    "school_superzones_2025": ("set", 50, "2025"),
    "reception_overweight_10pct_2023_24": ("set", 10, "2023/24"),
    "wellbeing_ambassadors_2025": ("set", 250_000, "2025"),
    "net_zero_carbon_2030": ("set", 0, "2030"),
    "pm25_who_interim_2030": ("set", 10, "2030"),
    "cleanest_air_2050": ("qualitative", None, "2050"),
    "no2_legal_limits_2025": ("set", 100, "2025"),
    "zero_emission_buses_2034": ("set", 100, "2034"),
    "living_wage_employers_2024": ("set", 1_600, "2024"),
    "living_wage_people_2024": ("set", 48_000, "2024"),
    "living_wage_pay_2024": ("set", 635, "2024"),
    "anti_racist_hub": ("tbc", None, None),
    "active_travel_20min_2041": ("set", 100, "2041"),
    "sustainable_trips_80pct_2041": ("set", 80, "2041"),
    "nhs_net_zero_direct_2040": ("set", 0, "2040"),
    "nhs_net_zero_influence_2045": ("set", 0, "2045"),
    "halve_reception_overweight_2030": ("set", 50, "2030"),
    "halve_year6_obesity_2030": ("set", 50, "2030"),
    "narrow_child_obesity_gap_2030": ("qualitative", None, "2030"),
    "mental_health_support_teams_41": ("set", 41, "2024"),
    "mhst_coverage_25pct_2023": ("set", 25, "2023"),
    "cyp_mh_access_35pct": ("set", 35, "2020/21"),
    "cyp_mh_additional_345000": ("set", 345_000, "2023/24"),
    "mental_health_first_aider_every_school": ("set", 100, "2021-03"),
    "zero_suicide_training_100000": ("set", 100_000, None),
    "zero_suicide_city": ("set", 0, None),
    "ev_rapid_charge_points_2020": ("set", 300, "2020"),
    "ev_charge_points_per_borough_2022": ("set", 20, "2022"),
    "nhs_fleet_emissions_20pct": ("set", 20, "2023/24"),
    "nhs_fleet_low_emission_90pct": ("set", 90, "2028"),
    "nhs_fleet_ultra_low_25pct": ("set", 25, "2028"),
    "outpatient_appointments_30pct": ("set", 30, None),
    "smoking_accelerated_reduction": ("tbc", None, None),
    "hiv_zero_new_infections_2030": ("set", 0, "2030"),
    "hiv_zero_preventable_deaths_2030": ("set", 0, "2030"),
    "hiv_zero_stigma_2030": ("set", 0, "2030"),
    "fast_track_cities_investment_6m": ("set", 6, None),
    "hiv_stigma_free_organisations_2022": ("set", 100, "2022"),
    "dementia_friendly_capital_2022": ("qualitative", None, "2022"),
    "dementia_friendly_organisations_2000": ("set", 2_000, None),
    "dementia_friends_500000": ("set", 500_000, None),
    "dementia_diagnosis_within_6_weeks_85pct": ("set", 85, None),
    "no_rough_sleeper_dies_on_street": ("set", 0, None),
    "council_homes_11000_2022": ("set", 11_000, "2022"),
    "nursing_workforce_8000_2024": ("set", 8_000, "2024"),
    "nursing_vacancy_rate_5pct_2028": ("set", 5, "2028"),
    "gp_clinical_workforce_3000_2023_24": ("set", 3_000, "2023/24"),
}

PROJECT = Path(__file__).resolve().parents[3]
SEEDS = PROJECT / ".." / "shared" / "seeds"  # the strategy documents, beside the project
SOURCE_SERIES = PROJECT / "docs" / "reference" / "source-series.csv"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("name", TABLE1)
def test_each_table1_measure_is_an_indicator_by_name(cat: Catalogue, name: str) -> None:
    """Given Table 1 of the Vision, when looking up each measure by name, then one is flagged."""
    found = [i for i in cat.indicators if _norm(i.name) == _norm(name)]
    assert len(found) == 1, name
    assert found[0].table1


def test_table1_flags_only_the_table1_measures(cat: Catalogue) -> None:
    flagged = {_norm(i.name) for i in cat.indicators if i.table1}
    assert flagged == {_norm(n) for n in TABLE1}


def test_table1_names_are_in_the_document_text() -> None:
    """The names listed above are taken from 004, not invented (line breaks ignored)."""
    documents = sorted(SEEDS.glob("004_*.txt"))
    assert len(documents) == 1, f"expected the Vision (004_*.txt) in {SEEDS}"
    text = _norm(documents[0].read_text(encoding="utf-8"))
    missing = [n for n in TABLE1 if _norm(n) not in text]
    assert not missing


def test_at_least_45_indicators_with_declared_polarity(cat: Catalogue) -> None:
    assert len(cat.indicators) >= 45
    assert all(isinstance(i.polarity, Polarity) for i in cat.indicators)
    assert {i.polarity for i in cat.indicators} == set(Polarity)


def test_extra_indicators_for_life_expectancy_and_key_figures(cat: Catalogue) -> None:
    for wanted in (
        "life_expectancy",
        "healthy_life_expectancy",
        "sii_life_expectancy",
        "year6_severe_obesity",
        "homeless_mean_age_at_death",
        "tb_incidence",
        "smoking_occupation_ratio",
    ):
        cat.indicator(wanted)
    figures = {f.id: f for f in cat.key_figures}
    assert figures["rough_sleeper_life_expectancy_47"].value == 47
    assert figures["tb_four_times_deprived"].value == 4
    assert figures["severe_obesity_bd_vs_richmond"].value == 8
    assert figures["smoking_routine_manual_double"].value == 2


@pytest.mark.parametrize(("cid", "expected"), sorted(NUMERIC_COMMITMENTS.items()))
def test_every_numeric_commitment_is_present(
    cat: Catalogue, cid: str, expected: tuple[str, float | None, str | None]
) -> None:
    status, value, deadline = expected
    com = cat.commitment(cid)
    assert com.target.status == TargetStatus(status)
    assert com.target.value == value
    assert com.deadline == deadline


def test_no_commitment_is_missing_from_the_list(cat: Catalogue) -> None:
    assert {c.id for c in cat.commitments} == set(NUMERIC_COMMITMENTS)


def test_six_key_commitments_and_the_tbc_hub(cat: Catalogue) -> None:
    keyed = {c.key_commitment for c in cat.commitments if c.key_commitment}
    assert keyed == {1, 2, 3, 4, 5, 6}
    hub = cat.commitment("anti_racist_hub")
    assert hub.target.status is TargetStatus.TBC
    assert hub.target.value is None
    assert "TBC" in hub.target.text


def test_framework_structure_counts(cat: Catalogue) -> None:
    assert [a.name for a in sorted(cat.aims, key=lambda a: a.number)] == [
        "Healthy Children",
        "Healthy Minds",
        "Healthy Places",
        "Healthy Communities",
        "Healthy Living",
    ]
    assert len(cat.priorities) == 4
    assert sorted(f.number for f in cat.focus_areas) == list(range(1, 11))
    assert len(cat.missions) == 9
    assert {m.id: m.year for m in cat.missions}["building_strong_communities"] == 2025
    assert sorted(t.number for t in cat.six_tests) == list(range(1, 7))
    assert all(f.actions_so_far and f.next_steps for f in cat.focus_areas)


def test_every_indicator_has_a_source_and_proxies_are_named_as_such(cat: Catalogue) -> None:
    for ind in cat.indicators:
        assert ind.sources, ind.id
        assert ind.data_quality, ind.id
        if any(s.proxy for s in ind.sources):
            assert "prox" in ind.data_quality.lower(), ind.id


def test_dsr_recipes_use_esp2013(cat: Catalogue) -> None:
    recipes = [i.recipe for i in cat.indicators if i.recipe is not None]
    assert len(recipes) >= 10
    assert all(r.standard_population == "esp2013" for r in recipes if r.statistic.value == "dsr")


def test_bundled_series_keys_exist_in_the_source_readers_list(cat: Catalogue) -> None:
    """Every series the catalogue calls bundled is one the source readers actually produce."""
    assert SOURCE_SERIES.is_file(), SOURCE_SERIES
    with SOURCE_SERIES.open(encoding="utf-8") as fh:
        produced = {row["key"] for row in csv.DictReader(fh)}
    declared = {s.series for i in cat.indicators for s in i.sources if s.bundled}
    assert declared - produced == set()


def test_record_level_recipes_carry_a_suppression_threshold(cat: Catalogue) -> None:
    """Anything the engine computes from records must declare small-count suppression."""
    with_recipe = [ind for ind in cat.indicators if ind.recipe is not None]
    assert with_recipe
    assert [i.id for i in with_recipe if i.disclosure.suppress_below < 5] == []


def test_fingertips_ids_of_bundled_extracts_match_their_series_keys(cat: Catalogue) -> None:
    pairs = [
        (ind.id, src.series, src.fingertips_id)
        for ind in cat.indicators
        for src in ind.sources
        if src.series and src.series.startswith("fingertips:")
    ]
    assert pairs
    assert [p for p in pairs if p[1] != f"fingertips:{p[2]}"] == []
