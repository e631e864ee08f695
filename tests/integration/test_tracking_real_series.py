"""Assessments on the real bundled series, and the CLI, on the session's bundled store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import typer
from scipy import stats
from typer.testing import CliRunner

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.cli.assess import register as register_assess
from healthgap.cli.progress import register as register_progress
from healthgap.store import Store, open_store
from healthgap.tracking import (
    ENGLAND,
    LONDON,
    GapVerdict,
    Status,
    assess_commitments,
    assess_equity,
    assess_indicator,
    red_red,
)
from healthgap.tracking.assessment import indicator_observations

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 1)


def _today() -> date:
    """Read as published today (asked when the test runs, not at import: a run that
    crosses midnight UTC would read the store as of yesterday)."""
    return datetime.now(UTC).date()


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


def _series(store: Store, key: str, area: str, sex: str = "persons") -> list[tuple[date, float]]:
    rows = store.values(series=[key], area_codes=[area]).to_pylist()
    return sorted(
        (r["period_start"], r["value"])
        for r in rows
        if r["sex"] == sex and r["breakdown_type"] == "none" and r["value"] is not None
    )


def test_every_commitment_has_an_assessment_or_a_reason(store: Store, catalogue: Catalogue) -> None:
    rows = assess_commitments(catalogue, store, as_of=AS_OF, published_on=_today())
    assert [r.id for r in rows] == [c.id for c in catalogue.commitments]
    assert all(r.reason.strip() for r in rows)
    tbc = [c.id for c in catalogue.commitments if c.target.status.value == "tbc"]
    assert tbc
    for r in rows:
        if r.id in tbc:
            assert r.status is Status.NOT_ASSESSABLE
            assert "to be confirmed" in r.reason


def test_year6_obesity_london_is_not_assessable_without_a_london_value(
    store: Store, catalogue: Catalogue
) -> None:
    # Fingertips extracts hold boroughs and England without counts: London cannot be
    # aggregated, and England must not stand in for it. (Reception overweight is assessed
    # from NCMP's own London row: tests/integration/test_assess_london_own_series.py.)
    assert _series(store, "fingertips:90323", LONDON) == []
    rows = store.values(series=["fingertips:90323"]).to_pylist()
    assert all(r["count"] is None for r in rows)
    (a,) = assess_commitments(
        catalogue,
        store,
        commitment_ids=["halve_year6_obesity_2030"],
        as_of=AS_OF,
        published_on=_today(),
    )
    assert a.status is Status.NOT_ASSESSABLE
    assert "no London value in the bundled data" in a.basis
    assert a.reason.startswith("no London values of this measure are held")


def test_reception_overweight_england_against_a_tenth_less_by_2023_24(
    store: Store, catalogue: Catalogue
) -> None:
    data = _series(store, "fingertips:20601", ENGLAND)
    assert len(data) == 12  # 2006/07 … 2017/18
    # school years run September to August: mid-point = start + 182.5 days
    t = np.array([s.year + (s.timetuple().tm_yday - 1 + 182.5) / 365.25 for s, _ in data])
    y = np.array([v for _, v in data])
    target = 0.9 * y[-1]  # baseline: the 2017/18 value (last period ending by 2018)
    fit = stats.linregress(t, y)
    deadline = 2024 + 91 / 366  # end of March 2024
    pred = fit.intercept + fit.slope * deadline
    resid = y - (fit.intercept + fit.slope * t)
    s2 = (resid**2).sum() / (len(y) - 2)
    sxx = ((t - t.mean()) ** 2).sum()
    se = np.sqrt(s2 * (1 + 1 / len(y) + (deadline - t.mean()) ** 2 / sxx))
    upper = pred + stats.t.ppf(0.975, len(y) - 2) * se
    lower = pred - stats.t.ppf(0.975, len(y) - 2) * se
    expected = (
        Status.ON_TRACK
        if upper <= target
        else Status.OFF_TRACK
        if lower > target
        else Status.AT_RISK
    )
    rows = assess_indicator(
        catalogue,
        store,
        "reception_overweight_obese",
        area_codes=[ENGLAND],
        as_of=AS_OF,
        published_on=_today(),
    )
    (a,) = [r for r in rows if r.commitment_id == "reception_overweight_10pct_2023_24"]
    assert a.assessment is not None
    assert a.assessment.target is not None
    assert a.assessment.target.value == pytest.approx(target)
    assert a.assessment.projection is not None
    assert a.assessment.projection.value == pytest.approx(pred, abs=0.02)
    assert a.status is expected
    assert expected is Status.OFF_TRACK  # 22.4 % in 2017/18, barely falling; target 20.16 %
    assert "no value for its final period is held" in a.reason


def test_smoking_prevalence_london_is_the_aps_series_and_its_commitment_is_tbc(
    store: Store, catalogue: Catalogue
) -> None:
    obs, why = indicator_observations(
        store, catalogue.indicator("smoking_prevalence"), area_code=LONDON
    )
    # London's own APS series (SDG 3.a.1), adults 18+, 2011-2021
    assert why.startswith("ons_sdg:3-a-1 (18+ yrs, persons)")
    assert [o.label for o in obs] == [str(y) for y in range(2011, 2022)]
    england, _ = indicator_observations(
        store, catalogue.indicator("smoking_prevalence"), area_code=ENGLAND
    )
    raw = _series(store, "fingertips:92443", ENGLAND)
    assert [o.value for o in england] == [v for _, v in raw]
    (a,) = assess_commitments(
        catalogue,
        store,
        commitment_ids=["smoking_accelerated_reduction"],
        as_of=AS_OF,
        published_on=_today(),
    )
    assert a.status is Status.NOT_ASSESSABLE
    assert "TBC" in a.reason


@pytest.mark.parametrize("sex", ["male", "female"])
def test_sii_in_life_expectancy_england_gap_is_widening(
    store: Store, catalogue: Catalogue, sex: str
) -> None:
    data = _series(store, "fingertips:92901", ENGLAND, sex)
    assert len(data) == 13  # 2010-12 … 2022-24
    # 3-year rolling periods overlap: only 2010-12, 2013-15, 2016-18, 2019-21, 2022-24 are used
    used = data[::-3][::-1]
    assert [s.year for s, _ in used] == [2010, 2013, 2016, 2019, 2022]
    t = np.array([s.year + 1.5 for s, _ in used])
    y = np.array([v for _, v in used])
    fit = stats.linregress(t, y)  # OLS slope, t test on 5 - 2 = 3 degrees of freedom
    assert fit.slope > 0
    assert fit.pvalue < 0.05
    rows = assess_equity(catalogue, store, indicator_ids=["sii_life_expectancy"])
    (row,) = [r for r in rows if r.area_code == ENGLAND and r.sex == sex]
    assert row.verdict is GapVerdict.WIDENING
    assert row.gap is not None
    assert row.gap.trend is not None
    assert row.gap.trend.slope == pytest.approx(fit.slope, rel=1e-6)
    assert row.gap.p_value == pytest.approx(fit.pvalue, rel=1e-6)
    assert (row.gap.points, row.gap.periods_held) == (5, 13)
    assert "5 non-overlapping of 13 overlapping periods, t test on 3 df" in row.basis
    assert (
        row.reason
        == "the gap has grown over 5 separate time periods, by more than chance would explain"
    )
    assert row.to_dict()["points"] == 5
    boroughs = {r.area_code for r in rows if r.area_code and r.area_code.startswith("E09")}
    # every borough but the City of London, whose SII is not published (too few LSOAs)
    assert _series(store, "fingertips:92901", "E09000001", sex) == []
    assert len(boroughs) == 32
    assert "E09000001" not in boroughs
    assert all(r.verdict is not GapVerdict.CANNOT_BE_CALCULATED for r in rows if r.sex == sex)


def test_deprivation_gap_with_two_periods_says_why(store: Store, catalogue: Catalogue) -> None:
    rows = assess_equity(catalogue, store, indicator_ids=["reception_obesity_deprivation_gap"])
    eng = [r for r in rows if r.area_code == ENGLAND]
    assert eng
    assert eng[0].verdict is GapVerdict.CANNOT_BE_CALCULATED
    # two 3-year rolling periods that overlap: one independent period
    assert "1 non-overlapping of 2 overlapping periods" in eng[0].basis
    assert eng[0].reason == "there is only 1 separate time period; a trend needs at least 3"


def test_cli_progress_and_assess(store_path: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    register_progress(app)
    register_assess(app)
    runner = CliRunner()
    path = tmp_path / "cli.duckdb"
    args = ["--store", str(path)]
    for i, v in enumerate([60_000, 120_000, 180_000]):
        r = runner.invoke(
            app,
            [
                "progress", "record", "wellbeing_ambassadors_2025", "--value", str(v),
                "--as-of", f"{2022 + i}-01-01", "--source", "Thrive LDN", "--by", "analyst",
                *args,
            ],
        )  # fmt: skip
        assert r.exit_code == 0, r.output
    fix = runner.invoke(
        app,
        [
            "progress", "record", "wellbeing_ambassadors_2025", "--value", "125000",
            "--as-of", "2023-01-01", "--source", "revised", "--corrects", "2", *args,
        ],
    )  # fmt: skip
    assert fix.exit_code == 0
    assert "correcting return 2" in fix.output
    listed = json.loads(runner.invoke(app, ["progress", "list", "--json", *args]).output)
    assert [r["value"] for r in listed] == [60000.0, 125000.0, 180000.0]
    hist = json.loads(
        runner.invoke(
            app, ["progress", "history", "wellbeing_ambassadors_2025", "--json", *args]
        ).output
    )
    assert [(r["return_id"], r["current"]) for r in hist] == [
        (1, True),
        (2, False),
        (3, True),
        (4, True),
    ]
    bad = runner.invoke(app, ["progress", "history", "wellbeing_ambassador", *args])
    assert bad.exit_code == 2
    assert "wellbeing_ambassadors_2025" in bad.output
    out = runner.invoke(
        app, ["assess", "--commitment", "wellbeing_ambassadors_2025", "--json", *args]
    )
    assert out.exit_code == 0, out.output
    (a,) = json.loads(out.output)["assessments"]
    assert a["status"] in {"on_track", "at_risk", "off_track", "achieved"}
    assert a["latest"]["value"] == 180000.0
    unknown = runner.invoke(app, ["assess", "--commitment", "nope_2025", *args])
    assert unknown.exit_code == 2
    real = runner.invoke(app, ["assess", "--equity", "--store", str(store_path)])
    assert real.exit_code == 0, real.output
    assert "sii_life_expectancy" in real.output
    assert "widening" in real.output
    assert "non-overlapping periods only" in real.output
    eq = runner.invoke(
        app, ["assess", "--equity", "--json", "--indicator", "sii_life_expectancy", "--store",
              str(store_path)],
    )  # fmt: skip
    assert eq.exit_code == 0, eq.output
    (england,) = [
        r
        for r in json.loads(eq.output)["equity"]
        if r["area_code"] == ENGLAND and r["sex"] == "male"
    ]
    assert (england["points"], england["periods_held"]) == (5, 13)
    assert england["test"] == "Student's t on 3 degrees of freedom"


def test_red_red_against_london_on_healthy_life_expectancy(
    store: Store, catalogue: Catalogue
) -> None:
    flags = red_red(catalogue, store, "healthy_life_expectancy", sex="female")
    assert len(flags) == 32  # ONS Explore (with 95% limits) holds 32 boroughs
    london = {
        r["period_start"]: r["value"]
        for r in store.values(
            series=["ons_explore:healthy-life-expectancy"], area_codes=[LONDON]
        ).to_pylist()
        if r["sex"] == "female"
    }
    latest = max(london)
    rows = {
        r["area_code"]: r
        for r in store.values(series=["ons_explore:healthy-life-expectancy"]).to_pylist()
        if r["sex"] == "female" and r["period_start"] == latest
    }
    for f in flags:
        assert f.benchmark_code == LONDON
        r = rows[f.area_code]
        # method 1 (single 95% CI), high is good
        if r["lower95_0cl"] > london[latest]:
            want = "Better"
        elif r["upper95_0cl"] < london[latest]:
            want = "Worse"
        else:
            want = "Same"
        assert f.comparison == want
        # 3-year rolling periods are not eligible for the Fingertips recent trend
        assert f.trend == "Cannot be calculated"
        assert f.flag is False
