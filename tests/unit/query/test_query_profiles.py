"""The read layer's pyramid, deprivation profile, funnel, sex gap, inequality trend and map
boundaries, over a small real store loaded through ``healthgap.publish``."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from healthgap.geography import LONDON
from healthgap.publish import load_release
from healthgap.query import NoData, ReadLayer, UnknownParameter, public
from healthgap.query.maps import map_boundaries, simplify_ring
from healthgap.query.profiles import (
    deprivation_profile,
    funnel,
    inequality_trend,
    population_pyramid,
    sex_gap,
)
from healthgap.store import (
    POPULATION_COLUMNS,
    VALUE_COLUMNS,
    ReleaseInput,
    SeriesInfo,
    SourceFile,
    open_store,
)

HACKNEY = "E09000012"
NCL_ICB = "E54000028"
NCL = ("E09000003", "E09000007", "E09000010", "E09000014", "E09000019")
SMOKING = "fingertips:92443"
LE = "fingertips:90366"


def _value(**kw: Any) -> dict[str, Any]:
    v = kw["value"]
    half = kw.pop("half", 0.5)
    row = {
        "indicator_id": None, "series": None, "area_code": None, "area_type": "ltla",
        "period_start": date(2023, 1, 1), "period_end": date(2023, 12, 31),
        "period_label": "2023", "sex": "persons", "age_band": "All ages",
        "breakdown_type": "none", "breakdown_category": "", "value": v,
        "lower95_0cl": v - half, "upper95_0cl": v + half, "lower99_8cl": v - 2 * half,
        "upper99_8cl": v + 2 * half, "count": None, "denominator": None, "unit": None,
        "suppressed": False, "provisional": False, "revised": False, "note": None,
    }  # fmt: skip
    row.update(kw)
    return row


def _values() -> pa.Table:
    rows = []
    boroughs = [f"E090000{i:02d}" for i in range(1, 34)]
    for i, code in enumerate(boroughs):
        n = 1000.0 + 100 * i
        p = 0.30 if i == 5 else 0.15
        x = round(n * p)
        rows.append(
            _value(indicator_id="smoking_prevalence", series=SMOKING, area_code=code,
                   value=100 * x / n, count=float(x), denominator=n, unit="%")
        )  # fmt: skip
    for sex, v in (("male", 78.0), ("female", 82.0)):
        rows.append(
            _value(indicator_id="life_expectancy", series=LE, area_code=LONDON,
                   area_type="region", sex=sex, value=v, half=0.3, unit="years")
        )  # fmt: skip
    cols = [c.name for c in VALUE_COLUMNS]
    return pa.table({c: [r.get(c) for r in rows] for c in cols})


def _population() -> pa.Table:
    rows = []
    for code in (HACKNEY, *NCL):
        for sex in ("male", "female"):
            for age in range(91):
                rows.append(
                    {"area_code": code, "area_type": "ltla", "year": 2021, "sex": sex,
                     "age_start": age, "age_end": age, "population": 100.0 + age}
                )  # fmt: skip
    # an older year held only for Hackney: not complete for the ICB
    rows += [
        {"area_code": HACKNEY, "area_type": "ltla", "year": 2015, "sex": "male",
         "age_start": 0, "age_end": 0, "population": 5.0}
    ]  # fmt: skip
    cols = [c.name for c in POPULATION_COLUMNS]
    return pa.table({c: [r.get(c) for r in rows] for c in cols})


@pytest.fixture(scope="module")
def q(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadLayer]:
    path: Path = tmp_path_factory.mktemp("profiles") / "store.duckdb"
    values, population = _values(), _population()
    with open_store(path) as s:
        load_release(
            s,
            ReleaseInput(
                source="fingertips",
                files=(SourceFile("p.csv", hashlib.sha256(b"p").hexdigest(), values.num_rows),),
                series=(
                    SeriesInfo(SMOKING, "smoking", "OHID", "%"),
                    SeriesInfo(LE, "life expectancy", "OHID", "years"),
                ),
                values=values,
                population=population,
                published_at=date(2024, 1, 10),
            ),
        )
    layer = ReadLayer(open_store(path, read_only=True))
    yield layer
    layer.close()


def test_pyramid_bands_and_sums(q: ReadLayer) -> None:
    p = population_pyramid(q, public(), HACKNEY)
    assert p.year == 2021
    assert len(p.rows) == 38
    assert p.total == pytest.approx(2 * sum(100.0 + a for a in range(91)))
    assert sum(r.percent for r in p.rows) == pytest.approx(100.0)
    first = next(r for r in p.rows if r.age_band == "0-4" and r.sex == "male")
    assert first.population == pytest.approx(sum(100.0 + a for a in range(5)))
    top = next(r for r in p.rows if r.age_band == "90+" and r.sex == "female")
    assert top.population == pytest.approx(190.0)


def test_icb_pyramid_sums_its_boroughs(q: ReadLayer) -> None:
    p = population_pyramid(q, public(), NCL_ICB)
    assert set(p.summed_from) == set(NCL)
    assert p.total == pytest.approx(5 * 2 * sum(100.0 + a for a in range(91)))


def test_pyramid_without_population_is_no_data(q: ReadLayer) -> None:
    with pytest.raises(NoData, match="population"):
        population_pyramid(q, public(), "E09000001")


def test_deprivation_profile_counts_the_areas_lsoas(q: ReadLayer) -> None:
    d = deprivation_profile(q, HACKNEY)
    # the newest edition by default, as the reports' briefings (IMD 2025, LSOAs 2021)
    assert (d.edition, d.lsoa_type) == ("imd2025", "lsoa21")
    deciles = q.geography.deprivation("imd2025")
    mine = deciles[deciles["ltla_code"] == HACKNEY]
    assert len(d.lsoas) == len(mine) == 149
    assert sum(s.lsoas for s in d.shares) == 149
    older = deprivation_profile(q, HACKNEY, edition="imd2019")
    assert (older.lsoa_type, len(older.lsoas)) == ("lsoa11", 144)
    assert sum(s.share for s in d.shares) == pytest.approx(100.0)
    assert d.shares[0].lsoas == int((mine["london_decile"] == 1).sum())
    london = deprivation_profile(q, LONDON)
    assert [round(s.share) for s in london.shares] == [10] * 10
    with pytest.raises(NoData):
        deprivation_profile(q, d.lsoas[0].lsoa_code)
    with pytest.raises(UnknownParameter):
        deprivation_profile(q, "E09999999")


def test_funnel_flags_the_outlier_and_gives_ordered_limits(q: ReadLayer) -> None:
    f = funnel(
        q, public(), indicator="smoking_prevalence", series=SMOKING, period="2023", sex="persons"
    )
    assert len(f.points) == 33
    odd = {p.area_code: p.significance for p in f.points}
    assert odd["E09000006"] == "High (0.001)"
    assert sum(1 for s in odd.values() if s != "Not significant") == 1
    assert 15.0 < f.baseline < 16.0
    for level in ("95%", "99.8%"):
        lower = sorted((ln.x, ln.y) for ln in f.lines if ln.level == level and ln.side == "lower")
        upper = sorted((ln.x, ln.y) for ln in f.lines if ln.level == level and ln.side == "upper")
        assert lower
        assert upper
        # the funnel narrows as the denominator grows
        assert lower[0][1] < lower[-1][1] < f.baseline < upper[-1][1] < upper[0][1]


def test_funnel_is_no_data_without_counts_or_for_life_expectancy(q: ReadLayer) -> None:
    with pytest.raises(NoData, match="statistics_with_funnels"):
        funnel(q, public(), indicator="life_expectancy", series=LE, period="2023", sex="male")


def test_sex_gap_and_its_interval(q: ReadLayer) -> None:
    (g,) = sex_gap(q, public(), series=LE, area=LONDON)
    assert g.gap == pytest.approx(-4.0)
    half = 1.959963984540054 * math.hypot(0.3 / 1.959963984540054, 0.3 / 1.959963984540054)
    assert g.lower95 == pytest.approx(-4.0 - half, abs=1e-5)
    assert g.upper95 == pytest.approx(-4.0 + half, abs=1e-5)


def test_inequality_trend_without_the_breakdown_is_no_data(q: ReadLayer) -> None:
    with pytest.raises(NoData):
        inequality_trend(
            q, public(), indicator="life_expectancy", area=LONDON,
            breakdown="imd2019_decile_london", sex="male",
        )  # fmt: skip


def test_map_boundaries_within_an_area(q: ReadLayer) -> None:
    hackney = map_boundaries(q, "lsoa11", within=HACKNEY)
    assert len(hackney["features"]) == 144
    assert {f["properties"]["code"] for f in hackney["features"]} == {
        a.code for a in q.areas(area_type="lsoa11", parent=HACKNEY)
    }
    assert len(map_boundaries(q, "icb")["features"]) == 5
    assert len(map_boundaries(q, "ltla")["features"]) == 33
    with pytest.raises(UnknownParameter, match="level"):
        map_boundaries(q, "lsoa")


def test_simplify_ring_keeps_a_closed_ring_and_drops_near_collinear_points() -> None:
    # a square with many points along each side, and a 1e-7° wobble
    side = [i / 100 for i in range(100)]
    ring = (
        [[x, 51.5 + (1e-7 if i % 2 else 0)] for i, x in enumerate(side)]
        + [[1.0, 51.5 + y / 100] for y in range(100)]
        + [[1.0 - x, 51.5 + 1.0] for x in side]
        + [[0.0, 52.5 - y / 100] for y in range(100)]
        + [[0.0, 51.5]]
    )
    out = simplify_ring(ring, tolerance=15.0, digits=5)
    assert out[0] == out[-1]
    assert 4 <= len(out) <= 6
    tiny = [[0.0, 0.0], [1e-6, 0.0], [1e-6, 1e-6], [0.0, 0.0]]
    assert len(simplify_ring(tiny, tolerance=15.0, digits=7)) == 4
