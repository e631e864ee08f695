"""Each commitment measured by an indicator is measured by one that measures what it says."""

from __future__ import annotations

import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.tracking.assessment import measuring_indicator

CAT: Catalogue = load_catalogue()

# Commitment → the indicator its wording measures (excess weight is not obesity; how fast a
# diagnosis comes is not how many are diagnosed).
MEASURED_BY = {
    "reception_overweight_10pct_2023_24": "reception_overweight_obese",
    "halve_reception_overweight_2030": "reception_overweight_obese",
    "halve_year6_obesity_2030": "year6_obesity",
    "pm25_who_interim_2030": "pm25_annual_mean",
    "no2_legal_limits_2025": "no2_roads_compliant",
    "active_travel_20min_2041": "active_travel_20min",
    "cyp_mh_access_35pct": "cyp_mental_health_access",
    "dementia_diagnosis_within_6_weeks_85pct": "dementia_diagnosis_6_weeks",
}


@pytest.mark.parametrize("commitment_id", sorted(MEASURED_BY))
def test_commitment_is_measured_by_the_indicator_its_wording_names(commitment_id: str) -> None:
    (c,) = [c for c in CAT.commitments if c.id == commitment_id]
    ind = measuring_indicator(CAT, c)
    assert ind is not None
    assert ind.id == MEASURED_BY[commitment_id]


def test_excess_weight_series_never_feed_an_obesity_indicator() -> None:
    for ind in CAT.indicators:
        ncmp = [k for k in ind.series_keys if k.startswith("ons_els_app:")]
        if ncmp:
            assert "overweight" in ind.name.lower(), ind.id
            assert "including obesity" in ind.name.lower(), ind.id
