"""London's own published series make London commitments assessable (issue #12)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.store import Store, open_store
from healthgap.tracking import LONDON, Status, assess_commitments
from healthgap.tracking.assessment import indicator_observations

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 1)
NCMP_RECEPTION = "ons_els_app:ncmp-reception-overweight-obese"


@pytest.fixture(scope="module")
def store_path(bundled_store) -> Path:
    """The session's store of the bundled data (``healthgap init``; read-only)."""
    return bundled_store.path


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = open_store(store_path, read_only=True)
    yield s
    s.close()


@pytest.mark.parametrize(
    "commitment", ["reception_overweight_10pct_2023_24", "halve_reception_overweight_2030"]
)
def test_reception_overweight_commitments_are_assessed_from_london_ncmp(
    store: Store, catalogue: Catalogue, commitment: str
) -> None:
    (row,) = [
        r
        for r in assess_commitments(catalogue, store, as_of=AS_OF)
        if r.id == commitment and r.kind == "commitment"
    ]
    assert row.status is not Status.NOT_ASSESSABLE, row.reason
    assert row.area_code == LONDON
    assert row.assessment is not None
    assert row.assessment.latest is not None
    assert row.assessment.latest.label == "2021/22"
    assert row.assessment.latest.value == pytest.approx(21.88566)  # London, NCMP 2021/22


def test_london_reception_series_is_the_ncmp_region_row(store: Store, catalogue: Catalogue) -> None:
    ind = catalogue.indicator("reception_overweight_obese")
    obs, note = indicator_observations(store, ind, area_code=LONDON)
    assert note.startswith(NCMP_RECEPTION)
    assert [o.label for o in obs][:2] == ["2007/08", "2008/09"]  # 2006/07 is withheld for London
    assert len(obs) == 15


def test_obesity_commitment_is_not_fed_by_excess_weight(store: Store, catalogue: Catalogue) -> None:
    # halving Year 6 *obesity* must not be judged on NCMP overweight-including-obesity
    for ind_id in ("year6_obesity", "reception_obesity"):
        assert NCMP_RECEPTION not in catalogue.indicator(ind_id).series_keys
        assert "ons_els_app:ncmp-year6-overweight-obese" not in (
            catalogue.indicator(ind_id).series_keys
        )
    (row,) = [
        r
        for r in assess_commitments(catalogue, store, as_of=AS_OF)
        if r.id == "halve_year6_obesity_2030"
    ]
    assert row.status is Status.NOT_ASSESSABLE


def test_every_not_assessable_names_what_would_make_it_assessable(
    store: Store, catalogue: Catalogue
) -> None:
    rows = [
        r
        for r in assess_commitments(catalogue, store, as_of=AS_OF)
        if r.status is Status.NOT_ASSESSABLE
    ]
    assert rows
    for r in rows:
        if r.measured_by.startswith("indicator "):
            # plain words: no London value held, and (where the catalogue says) what data
            # would give it; the series read are the basis's, for analysts
            assert r.reason.startswith("no London values of this measure are held"), r.id
            assert f"indicator {r.indicator_id}: " in r.basis, (r.id, r.basis)
        elif r.measured_by.startswith("progress returns"):
            # a return would (in plain words: the public sees it; the CLI adds the command)
            assert r.reason == "no progress returns recorded yet", (r.id, r.reason)
        else:  # no measure yet: the target itself must be set first
            assert "TBC" in r.reason or "qualitative" in r.reason, (r.id, r.reason)


def test_year6_obesity_reason_names_the_fingertips_london_rows(
    store: Store, catalogue: Catalogue
) -> None:
    (row,) = assess_commitments(
        catalogue, store, commitment_ids=["halve_year6_obesity_2030"], as_of=AS_OF
    )
    assert row.status is Status.NOT_ASSESSABLE
    assert "no London value in the bundled data: fingertips:90323" in row.basis
    assert "E12000007" in row.basis
    assert "to load it: healthgap fetch fingertips --indicator 90323," in row.basis
    assert row.reason == (
        "no London values of this measure are held; it could be assessed with Fingertips "
        "90323 (Year 6 obesity including severe obesity) rows for the London region, or its "
        "borough rows with counts and denominators, from the Fingertips API"
    )


@pytest.mark.parametrize(
    "commitment", ["reception_overweight_10pct_2023_24", "halve_reception_overweight_2030"]
)
def test_cli_assess_gives_a_status_from_london_ncmp(store_path: Path, commitment: str) -> None:
    from typer.testing import CliRunner

    from healthgap.cli.main import app

    out = CliRunner().invoke(
        app, ["assess", "--commitment", commitment, "--json", "--store", str(store_path)]
    )
    assert out.exit_code == 0, out.output
    (row,) = json.loads(out.output)["assessments"]
    assert row["status"] != "not_assessable", row["reason"]
    assert row["area_code"] == LONDON
    assert row["latest"]["label"] == "2021/22"
    assert NCMP_RECEPTION in row["measured_by"]


def test_pm25_boroughs_are_not_judged_on_the_health_index_proxy(
    store: Store, catalogue: Catalogue
) -> None:
    """The bundled store holds ons_health_index:air-pollution (a proxy) for every borough and
    pm25_annual_mean's own series for London only: the target is judged for London alone
    (32 boroughs were 'achieved' on the proxy before ADR 0700's "Which series" rule)."""
    from healthgap.tracking import assess_indicator

    rows = assess_indicator(catalogue, store, "pm25_annual_mean", as_of=AS_OF)
    assert [r.area_code for r in rows] == [LONDON, "E92000001"]
    assert rows[0].measured_by.startswith("indicator pm25_annual_mean: ons_sdg:11-6-2/pm2-5 ")
    assert all("ons_health_index" not in r.measured_by for r in rows)
