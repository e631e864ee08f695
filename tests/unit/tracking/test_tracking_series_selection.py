"""Which stored series a verdict rests on: only the indicator's own series (ADR 0700).

A proxy (``proxy: true``), a transformed series (a complement, a difference) or another
indicator's series may sit in the store for the same area and period; a loader stores a
proxy without an indicator id. None of them may measure a commitment, an indicator's
target, a gap trend or a red-red flag.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.catalogue import Catalogue, load_catalogue
from healthgap.geography import LONDON_BOROUGHS
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, Store, open_store
from healthgap.tracking import ENGLAND, LONDON, Status, assess_commitment, assess_equity
from healthgap.tracking.assessment import assess_indicator, indicator_observations

PM25 = "pm25_annual_mean"  # own series ons_sdg:11-6-2/pm2-5; proxy ons_health_index:…
PM25_OWN = "ons_sdg:11-6-2/pm2-5"
PM25_PROXY = "ons_health_index:air-pollution"
PM25_2030 = "pm25_who_interim_2030"  # at most 10 µg/m³ by 2030
AS_OF = date(2026, 12, 7)

Point = tuple[str, int, float]  # area, year, value


def _table(
    points: Sequence[Point],
    *,
    series: str,
    indicator: str | None,
    breakdown: tuple[str, str] = ("none", ""),
    unit: str = "µg/m³",
) -> pa.Table:
    cols: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for area, year, value in points:
        row: dict[str, object] = {
            "indicator_id": indicator,
            "series": series,
            "area_code": area,
            "area_type": "ltla" if area.startswith("E09") else "region",
            "period_start": date(year, 1, 1),
            "period_end": date(year, 12, 31),
            "period_label": str(year),
            "sex": "persons",
            "age_band": "All ages",
            "breakdown_type": breakdown[0],
            "breakdown_category": breakdown[1],
            "value": value,
            "lower95_0cl": None,
            "upper95_0cl": None,
            "lower99_8cl": None,
            "upper99_8cl": None,
            "count": None,
            "denominator": None,
            "unit": unit,
            "suppressed": False,
            "provisional": False,
            "revised": False,
            "note": None,
        }
        for k, v in row.items():
            cols[k].append(v)
    return pa.table(cols)


def _load(store: Store, table: pa.Table, *, series: str, name: str) -> None:
    store.load_release(
        ReleaseInput(
            source=series.split(":", 1)[0],
            files=(SourceFile(name, hashlib.sha256(name.encode()).hexdigest(), table.num_rows),),
            series=(SeriesInfo(key=series, name=f"Series {series}", publisher="test"),),
            values=table,
            published_at=date(2024, 6, 1),
        )
    )


def _falling(area: str, start: float) -> list[Point]:
    """2012 … 2021, falling by 0.5 a year from ``start``."""
    return [(area, 2012 + i, start - 0.5 * i) for i in range(10)]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "hg.duckdb")
    yield s
    s.close()


def test_the_catalogue_names_each_indicators_own_series_apart_from_its_proxies(
    catalogue: Catalogue,
) -> None:
    pm25 = catalogue.indicator(PM25)
    assert pm25.own_series_keys == (PM25_OWN,)
    assert pm25.proxy_series_keys == (PM25_PROXY,)
    assert catalogue.indicator("dental_decay_free_5yo").own_series_keys == ()
    for ind in catalogue.indicators:
        assert set(ind.own_series_keys) | set(ind.proxy_series_keys) == set(ind.series_keys)
        for key in ind.own_series_keys:
            assert catalogue.indicator_id_for_series(key) == ind.id


def test_a_commitment_is_not_judged_on_a_proxy_held_for_london(
    store: Store, catalogue: Catalogue
) -> None:
    """The proxy holds London, 2012–2021, well under 10; the own series holds none."""
    proxy = _table(_falling(LONDON, 12.0), series=PM25_PROXY, indicator=None)
    _load(store, proxy, series=PM25_PROXY, name="health_index.csv")
    result = assess_commitment(catalogue, store, catalogue.commitment(PM25_2030), as_of=AS_OF)
    assert result.status is Status.NOT_ASSESSABLE
    assert result.assessment is None
    assert result.series is None
    assert result.to_dict()["series"] is None
    assert PM25_PROXY not in result.measured_by
    assert f"never read as it: {PM25_PROXY} (proxy or transformed)" in result.basis
    assert PM25_PROXY not in result.reason  # plain words for the public


def test_a_proxy_for_the_same_area_and_period_does_not_stand_in_for_the_own_series(
    store: Store, catalogue: Catalogue
) -> None:
    """The own series holds the boroughs (no counts, so no London sum); the proxy holds
    London for the same years. London is not assessable; it is never the proxy's value."""
    own = [p for b in LONDON_BOROUGHS for p in _falling(b, 14.0)]
    _load(store, _table(own, series=PM25_OWN, indicator=PM25), series=PM25_OWN, name="sdg.csv")
    proxy = _table(_falling(LONDON, 9.0), series=PM25_PROXY, indicator=None)
    _load(store, proxy, series=PM25_PROXY, name="health_index.csv")
    result = assess_commitment(catalogue, store, catalogue.commitment(PM25_2030), as_of=AS_OF)
    assert result.status is Status.NOT_ASSESSABLE, result.measured_by
    assert result.basis.startswith(
        f"indicator {PM25}: no London value in the bundled data: {PM25_OWN} holds"
    )
    assert result.reason == "no London values of this measure are held"
    # A borough is judged on its own series (14.0 → 9.5 by 2021), not on the proxy.
    (borough,) = assess_indicator(
        catalogue, store, PM25, area_codes=[LONDON_BOROUGHS[0]], as_of=AS_OF
    )
    assert borough.measured_by.startswith(f"indicator {PM25}: {PM25_OWN} ")
    assert borough.series == PM25_OWN
    assert borough.assessment is not None
    assert borough.assessment.latest is not None
    assert borough.assessment.latest.value == pytest.approx(9.5)


def test_the_own_series_is_read_when_both_hold_the_area(store: Store, catalogue: Catalogue) -> None:
    own = _table(_falling(LONDON, 15.0), series=PM25_OWN, indicator=PM25)
    _load(store, own, series=PM25_OWN, name="sdg.csv")
    proxy = _table(_falling(LONDON, 9.0), series=PM25_PROXY, indicator=None)
    _load(store, proxy, series=PM25_PROXY, name="health_index.csv")
    result = assess_commitment(catalogue, store, catalogue.commitment(PM25_2030), as_of=AS_OF)
    assert result.measured_by.startswith(f"indicator {PM25}: {PM25_OWN} ")
    assert result.series == PM25_OWN
    assert result.to_dict()["series"] == PM25_OWN
    assert result.assessment is not None
    assert result.assessment.latest is not None
    assert result.assessment.latest.value == pytest.approx(10.5)


def test_an_indicator_target_is_not_judged_per_borough_on_a_proxy(
    store: Store, catalogue: Catalogue
) -> None:
    """The bundled store holds the Health Index proxy for every borough: `assess --indicator
    pm25_annual_mean` judged 32 boroughs 'achieved' on it."""
    proxy = [p for b in LONDON_BOROUGHS for p in _falling(b, 12.0)]
    _load(
        store,
        _table(proxy, series=PM25_PROXY, indicator=None),
        series=PM25_PROXY,
        name="health_index.csv",
    )
    rows = assess_indicator(catalogue, store, PM25, as_of=AS_OF)
    assert [r.area_code for r in rows] == [LONDON, ENGLAND]  # no borough is held as pm25
    assert {r.status for r in rows} == {Status.NOT_ASSESSABLE}
    assert all(r.assessment is None for r in rows)
    assert all(f"{PM25}: {PM25_PROXY}" not in r.measured_by for r in rows)


def test_a_proxy_that_is_another_indicators_series_is_not_read_either(
    store: Store, catalogue: Catalogue
) -> None:
    """active_travel_20min has no series of its own; its proxies are Active Lives physical
    activity (the direct series of physically_active_adults) and a GLA cycling column."""
    cycling = "gla_borough_profiles:of-adults-who-cycle-at-least-once-per-month-2014-15"
    for key, ind in ((cycling, None), ("fingertips:93014", "physically_active_adults")):
        table = _table(_falling(LONDON, 70.0), series=key, indicator=ind, unit="%")
        _load(store, table, series=key, name=f"{key}.csv")
    c = catalogue.commitment("active_travel_20min_2041")
    result = assess_commitment(catalogue, store, c, as_of=AS_OF)
    assert result.status is Status.NOT_ASSESSABLE
    assert result.basis.startswith(
        "indicator active_travel_20min: the store holds no persons values for "
        "active_travel_20min (no series of its own declared; never read as it: "
        f"fingertips:93014, {cycling} (proxy or transformed))"
    )
    assert result.basis.endswith("; to load it: healthgap load")
    assert result.reason.startswith(
        "no London values of this measure are held; it could be assessed with TfL Travel in London"
    )


def test_a_complement_stored_without_an_id_is_not_the_indicators_value(
    store: Store, catalogue: Catalogue
) -> None:
    """fingertips:93563 is the share WITH decay; 'free from decay' is its complement."""
    key = "fingertips:93563"
    _load(
        store,
        _table(_falling(LONDON, 30.0), series=key, indicator=None, unit="%"),
        series=key,
        name="decay.csv",
    )
    free = catalogue.indicator("dental_decay_free_5yo")
    obs, why = indicator_observations(store, free, area_code=LONDON)
    assert obs == []
    assert "never read as it: fingertips:93563" in why
    with_decay = catalogue.indicator("dental_decay_5yo")
    obs, _ = indicator_observations(store, with_decay, area_code=LONDON)
    assert [o.value for o in obs][-1] == pytest.approx(25.5)


def test_a_deprivation_gap_is_not_read_from_a_proxy(store: Store, catalogue: Catalogue) -> None:
    """Under-75 preventable mortality's proxy is cardiovascular causes only."""
    key = "ons_explore:preventable-cardiovascular-mortality-england"
    tables = [
        _table(
            _falling(ENGLAND, start),
            series=key,
            indicator=None,
            breakdown=("imd_decile", category),
            unit="per 100,000",
        )
        for start, category in ((60.0, "Most deprived decile"), (20.0, "Least deprived decile"))
    ]
    _load(store, pa.concat_tables(tables), series=key, name="cvd.csv")
    rows = assess_equity(catalogue, store, indicator_ids=["under75_preventable_mortality"])
    assert [r.series for r in rows] == [None]
    assert rows[0].reason == "no values by deprivation are held yet for this indicator"
    assert rows[0].basis.startswith("series read: ")
    assert key not in rows[0].basis  # the proxy is not among the series read


def test_a_deprivation_gap_indicator_reads_the_series_it_is_declared_derived_from(
    store: Store, catalogue: Catalogue
) -> None:
    """reception_obesity_deprivation_gap is most − least deprived quintile of fingertips:92026
    (``transform: derived``); the row says it rests on that declared derivation."""
    key = "fingertips:92026"
    tables = [
        _table(
            _falling(ENGLAND, start),
            series=key,
            indicator=None,
            breakdown=("imd_quintile", category),
            unit="%",
        )
        for start, category in ((14.0, "Most deprived quintile"), (8.0, "Least deprived quintile"))
    ]
    _load(store, pa.concat_tables(tables), series=key, name="quintiles.csv")
    (row,) = assess_equity(catalogue, store, indicator_ids=["reception_obesity_deprivation_gap"])
    assert row.series == key
    assert row.area_code == ENGLAND
    assert row.gap is not None
    assert row.gap.points == 10
    assert row.basis.startswith(
        f"most minus least deprived of {key}, the derivation the catalogue declares for "
        "reception_obesity_deprivation_gap: "
    )
    assert key not in row.reason  # the public reason is plain words
