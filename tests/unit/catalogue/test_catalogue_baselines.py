"""Baselines the strategy documents state are held with the document as their source."""

from __future__ import annotations

import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.catalogue.models import Measure

CAT: Catalogue = load_catalogue()

# Commitment → (value, document, section, the words of the document, whitespace normalised).
STATED = {
    "reception_overweight_10pct_2023_24": (22.0, "004", "4.2 Reduce childhood obesity", "22%"),
    "living_wage_people_2024": (
        20.0,
        "002",
        "5.4 Healthy Places (2)",
        "In 2020, almost 20 per cent of employee jobs in London were paid below the London "
        "Living Wage.",
    ),
    "active_travel_20min_2041": (
        35.0,
        "002",
        "5.6 Healthy Living",
        "35% of Londoners achieving 20 minutes of active travel per day",
    ),
    "cyp_mh_access_35pct": (30.5, "004", None, "still just 30.5%"),
    "zero_suicide_city": (12.0, "004", None, "12 Londoners die each week from suicide"),
    "smoking_accelerated_reduction": (13.9, "004", "Figure 2", "17.2% in 2014 to 13.9%"),
    "hiv_zero_new_infections_2030": (1549.0, "004", None, "1,549"),
    "hiv_zero_stigma_2030": (14.0, "004", None, "14%"),
    "nursing_workforce_8000_2024": (51000.0, "004", "4.1.1 Workforce", "more than 51,000 nurses"),
    "nursing_vacancy_rate_5pct_2028": (13.5, "004", "4.1.1 Workforce", "vacancy rate of 13.5%"),
    "zero_emission_buses_2034": (200.0, "004", "4.2 Improve air quality", "over 200 electric"),
}


def _baseline(commitment_id: str) -> Measure:
    (c,) = [c for c in CAT.commitments if c.id == commitment_id]
    assert c.baseline is not None, commitment_id
    return c.baseline


@pytest.mark.parametrize("commitment_id", sorted(STATED))
def test_stated_baseline_is_held_with_its_document(commitment_id: str) -> None:
    value, document, section, _ = STATED[commitment_id]
    baseline = _baseline(commitment_id)
    assert baseline.value == value
    assert baseline.source is not None
    assert baseline.source.document == document
    if section is not None:
        assert baseline.source.section == section


def test_every_baseline_names_its_source() -> None:
    missing = [c.id for c in CAT.commitments if c.baseline and c.baseline.source is None]
    assert missing == []
    held = {c.id for c in CAT.commitments if c.baseline is not None}
    assert set(STATED) <= held
