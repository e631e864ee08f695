"""Declared polarity and comparison method agree with the labels Fingertips itself published.

The bundled Fingertips extracts carry Fingertips' own "compared to England" label on every
borough row ("Better", "Worse", "Similar", "Not compared"; "Higher"/"Lower" for indicators
Fingertips does not judge). A borough above England labelled "Better" means high is good. So:

- an id whose rows are all "Not compared" is not benchmarked: comparison method -1;
- an id labelled Higher/Lower has no polarity: ``no_judgement``;
- an id labelled Better/Worse is benchmarked (method ≠ -1) and its polarity is the one every
  significant label implies.

Every catalogue indicator that declares a Fingertips id directly (not a proxy, not derived) is
held to this. Indicators with no bundled label state where their polarity comes from.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from healthgap.catalogue import Catalogue, ComparisonMethod, Polarity, Transform, load_catalogue
from healthgap.sources.common import DATA_DIR
from healthgap.sources.fingertips_extracts import SPECS

CATALOGUE: Catalogue = load_catalogue()
ENGLAND = "E92000001"
JUDGED = {"Better", "Worse"}
UNJUDGED_PREFIXES = ("Higher", "Lower")


def _frame(path: Path) -> pd.DataFrame:
    """Area, period, sex, value and label of the whole-area rows of one extract.

    The sex is in ``inequality`` where that says Male/Female/Persons, else in ``unit``; rows
    split by deprivation quintile are dropped (only whole areas are compared with England).
    """
    f = pd.read_csv(path, dtype=str, keep_default_na=False)
    label = f["compared_to_England"] if "compared_to_England" in f.columns else f["significance"]
    split = f["inequality"].str.strip() if "inequality" in f.columns else f["unit"].map(str)
    sex = split.where(split.isin(["Male", "Female", "Persons"]), f["unit"].str.strip())
    out = pd.DataFrame(
        {
            "area": f["area_code"].str.strip(),
            "period": f["period"].str.strip(),
            "sex": sex,
            "value": pd.to_numeric(f["value"], errors="coerce"),
            "label": label.str.strip(),
        }
    )
    return out[~split.str.contains("quintile", case=False)]


def _evidence() -> dict[int, dict[str, Counter[str]]]:
    """Per Fingertips id: counts of labels, and polarity votes from significant labels."""
    out: dict[int, dict[str, Counter[str]]] = {}
    for path in sorted((DATA_DIR / "fingertips_ohid").glob("*/*.csv")):
        spec = SPECS[path.stem]
        f = _frame(path)
        england = f[f["area"] == ENGLAND].drop_duplicates(["period", "sex"])
        ref = england.set_index(["period", "sex"])["value"]
        areas = f[f["area"] != ENGLAND]
        got = out.setdefault(spec.fingertips_id, {"labels": Counter(), "votes": Counter()})
        for row in areas.itertuples(index=False):
            label = str(row.label)
            got["labels"][label.split(" ")[0]] += 1
            if label not in JUDGED:
                continue
            base = ref.get((row.period, row.sex))
            if base is None or pd.isna(base) or pd.isna(row.value) or row.value == base:
                continue
            above = bool(row.value > base)
            high_is_good = above == (label == "Better")
            got["votes"]["high_is_good" if high_is_good else "low_is_good"] += 1
    return out


EVIDENCE = _evidence()


def _direct_declarations() -> list[tuple[str, int]]:
    return sorted(
        (ind.id, s.fingertips_id)
        for ind in CATALOGUE.indicators
        for s in ind.sources
        if s.fingertips_id is not None and not s.proxy and s.transform is Transform.NONE
    )


@pytest.mark.parametrize(("indicator_id", "fingertips_id"), _direct_declarations())
def test_declared_polarity_and_comparison_match_fingertips_labels(
    indicator_id: str, fingertips_id: int
) -> None:
    ind = CATALOGUE.indicator(indicator_id)
    evidence = EVIDENCE.get(fingertips_id)
    if evidence is None:  # no bundled label: the catalogue must say where polarity comes from
        assert "polarity" in ind.data_quality.lower(), (
            f"{indicator_id}: no Fingertips label is bundled for {fingertips_id}; "
            "data_quality must state where the polarity comes from"
        )
        return
    labels, votes = evidence["labels"], evidence["votes"]
    if set(labels) == {"Not"}:  # every row "Not compared": Fingertips does not benchmark it
        assert ind.comparison_method is ComparisonMethod.NONE, (indicator_id, dict(labels))
        return
    if any(k in labels for k in UNJUDGED_PREFIXES):
        assert ind.polarity is Polarity.NO_JUDGEMENT, (indicator_id, dict(labels))
        return
    assert votes, (indicator_id, dict(labels))
    (direction, _), *rest = votes.most_common()
    assert not rest, f"{indicator_id}: labels disagree on direction {dict(votes)}"
    assert ind.polarity.value == direction, (indicator_id, dict(votes))
    assert ind.comparison_method is not ComparisonMethod.NONE, indicator_id


def test_every_bundled_extract_is_labelled() -> None:
    # the evidence above exists for every extract (a file without labels would test nothing)
    assert set(EVIDENCE) == {s.fingertips_id for s in SPECS.values()}
    for fid, got in EVIDENCE.items():
        assert sum(got["labels"].values()) > 0, fid


def test_polarity_without_a_label_names_its_source() -> None:
    """Indicators with no bundled Fingertips label say where their polarity comes from."""
    labelled = {
        ind.id
        for ind in CATALOGUE.indicators
        for s in ind.sources
        if s.fingertips_id in EVIDENCE and not s.proxy and s.transform is Transform.NONE
    }
    missing = [
        ind.id
        for ind in CATALOGUE.indicators
        if ind.id not in labelled and "polarity" not in ind.data_quality.lower()
    ]
    assert missing == []


# Fingertips' own metadata (FingertipsNext search-setup/assets/indicators.json, 2025):
# id → (polarity, comparison method, value type) as published.
FINGERTIPS_METADATA = {
    93474: (Polarity.NO_JUDGEMENT, ComparisonMethod.CI_OVERLAP_ONE_LEVEL, "proportion"),
    91894: (Polarity.NO_JUDGEMENT, ComparisonMethod.CI_OVERLAP_ONE_LEVEL, "proportion"),
    93861: (Polarity.NO_JUDGEMENT, ComparisonMethod.NONE, "proportion"),
}


@pytest.mark.parametrize(
    ("indicator_id", "fingertips_id"),
    [
        ("deaths_in_hospital", 93474),
        ("dementia_deaths_hospital", 91894),
        ("pm_attributable_mortality", 93861),
    ],
)
def test_adopted_ids_carry_fingertips_metadata(indicator_id: str, fingertips_id: int) -> None:
    ind = CATALOGUE.indicator(indicator_id)
    assert fingertips_id in {s.fingertips_id for s in ind.sources}
    polarity, method, statistic = FINGERTIPS_METADATA[fingertips_id]
    assert (ind.polarity, ind.statistic.value, ind.unit) == (polarity, statistic, "%")
    assert ind.comparison_method is method


def test_smi_excess_mortality_is_an_indirectly_standardised_ratio() -> None:
    ind = CATALOGUE.indicator("smi_excess_mortality")
    assert ind.statistic.value == "isr"
    assert "indirectly standardised ratio" in ind.definition.lower()


def test_children_low_income_is_the_hmrc_measure_its_id_names() -> None:
    """10101 is HMRC 'children in low income families', not DWP 'relative low income'."""
    ind = CATALOGUE.indicator("children_low_income")
    assert 10101 in {s.fingertips_id for s in ind.sources}
    assert ind.name == "Children in low income families (under 16s)"
    assert "relative" not in ind.name.lower()
    assert "relative" not in ind.definition.lower()
    dwp = [s for s in ind.sources if s.series and s.series.startswith("ons_explore:")]
    assert dwp
    assert all(s.proxy for s in dwp)


@pytest.mark.parametrize(
    ("indicator_id", "fingertips_id"), [("tb_incidence", 91361), ("syphilis_diagnosis_rate", 90742)]
)
def test_ids_confirmed_by_fingertips_constants_are_declared(
    indicator_id: str, fingertips_id: int
) -> None:
    """fingertips-open Constants.cs: IncidenceOfTB = 91361, SyphilisDiagnosis = 90742."""
    ind = CATALOGUE.indicator(indicator_id)
    assert fingertips_id in {s.fingertips_id for s in ind.sources}
    assert "polarity" in ind.data_quality.lower()
