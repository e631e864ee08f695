"""Comparison outcomes of engine values: benchmarks, quintiles, change and trend, by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from healthgap.engine.comparisons import (
    ENGLAND,
    LONDON,
    ComparisonSettings,
    comparison_outcomes,
    fingertips_polarity,
    indicator_comparisons,
)
from healthgap.engine.pipeline import EngineResult
from healthgap.errors import InputError
from healthgap.geography import load_geography
from healthgap.methods.compare import value_categories
from healthgap.methods.trend import change_from_previous, recent_trend
from healthgap.store.columns import COMPARISON_COLUMNS, VALUE_COLUMNS

GEO = load_geography()
BOROUGHS = [b.code for b in GEO.boroughs()]
ICB_OF = {b: GEO.icb_of(b).code for b in BOROUGHS}
CAMDEN = "E09000007"
CROYDON = "E09000008"


def row(
    area: str,
    value: float | None,
    *,
    area_type: str | None = None,
    half_width: float = 1.0,
    year: int = 2020,
    span: int = 1,
    sex: str = "persons",
    series: str = "engine:le",
    indicator_id: str | None = "life_expectancy",
    unit: str | None = "years",
    suppressed: bool = False,
    breakdown: tuple[str, str] = ("none", ""),
) -> dict[str, Any]:
    kind = area_type or {"E09": "ltla", "E54": "icb", "E12": "region", "E92": "country"}[area[:3]]
    label = str(year) if span == 1 else f"{year - span + 1} - {year % 100:02d}"
    return {
        "indicator_id": indicator_id,
        "series": series,
        "area_code": area,
        "area_type": kind,
        "period_start": date(year - span + 1, 1, 1),
        "period_end": date(year, 12, 31),
        "period_label": label,
        "sex": sex,
        "age_band": "All ages",
        "breakdown_type": breakdown[0],
        "breakdown_category": breakdown[1],
        "value": value,
        "lower95_0cl": None if value is None else value - half_width,
        "upper95_0cl": None if value is None else value + half_width,
        "lower99_8cl": None if value is None else value - 1.6 * half_width,
        "upper99_8cl": None if value is None else value + 1.6 * half_width,
        "count": 100.0,
        "denominator": 1000.0,
        "unit": unit,
        "suppressed": suppressed,
        "provisional": False,
        "revised": False,
        "note": None,
    }


def table(rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema(
        [
            (
                c.name,
                {
                    "VARCHAR": pa.string(),
                    "DOUBLE": pa.float64(),
                    "DATE": pa.date32(),
                    "BOOLEAN": pa.bool_(),
                }[c.type],
            )
            for c in VALUE_COLUMNS
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def pick(out: pa.Table, area: str, benchmark: str, **match: object) -> dict[str, Any]:
    found = [
        r
        for r in out.to_pylist()
        if r["area_code"] == area
        and r["benchmark"] == benchmark
        and all(r[k] == v for k, v in match.items())
    ]
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ significance
@pytest.mark.parametrize(
    ("london", "polarity", "expected"),
    [
        (82.0, "high_is_good", "Worse"),  # London above the borough's CI
        (82.0, "low_is_good", "Better"),
        (82.0, "no_judgement", "Lower"),
        (78.5, "high_is_good", "Better"),
        (78.5, "low_is_good", "Worse"),
        (78.5, "no_judgement", "Higher"),
        (80.5, "high_is_good", "Similar"),
        (81.0, "low_is_good", "Similar"),  # a benchmark on the limit is Similar (inclusive)
    ],
)
def test_single_ci_outcome_against_london_by_polarity(
    london: float, polarity: str, expected: str
) -> None:
    out = comparison_outcomes(
        table([row(CAMDEN, 80.0), row(LONDON, london)]), polarity=polarity, icb_of=ICB_OF
    )
    got = pick(out, CAMDEN, "region")
    assert got["outcome"] == expected
    assert got["benchmark_area_code"] == LONDON
    assert got["benchmark_value"] == london
    assert got["comparison_method"] == 1
    assert got["reason"] == ""


def test_double_ci_and_two_level_methods() -> None:
    values = table([row(CAMDEN, 80.0), row(LONDON, 82.5, half_width=0.4)])
    # double overlap: 79–81 vs 82.1–82.9 do not overlap → the borough is lower → Worse
    double = comparison_outcomes(values, polarity=1, comparison_method=12, icb_of=ICB_OF)
    assert pick(double, CAMDEN, "region")["outcome"] == "Worse"
    # two levels: 82.5 is beyond the 99.8% limit (81.6) → Worst
    two = comparison_outcomes(values, polarity=1, comparison_method=17, icb_of=ICB_OF)
    assert pick(two, CAMDEN, "region")["outcome"] == "Worst"
    none = comparison_outcomes(values, polarity=1, comparison_method=-1, icb_of=ICB_OF)
    got = pick(none, CAMDEN, "region")
    assert (got["outcome"], got["reason"]) == ("Not compared", "method -1 (no comparison)")


def test_icb_benchmark_is_the_boroughs_own_icb() -> None:
    icbs = sorted(set(ICB_OF.values()))
    assert ICB_OF[CAMDEN] != ICB_OF[CROYDON]
    rows = [row(CAMDEN, 80.0), row(CROYDON, 80.0), row(LONDON, 80.0)]
    rows += [row(code, 70.0 + i) for i, code in enumerate(icbs)]
    out = comparison_outcomes(table(rows), polarity="high_is_good", icb_of=ICB_OF)
    for borough in (CAMDEN, CROYDON):
        got = pick(out, borough, "icb")
        expected = GEO.icb_of(borough).code
        assert got["benchmark_area_code"] == expected
        assert got["benchmark_value"] == 70.0 + icbs.index(expected)
        assert got["outcome"] == "Better"
    # ICBs are compared with London, not with an ICB; London only with England
    assert {r["benchmark"] for r in out.to_pylist() if r["area_code"] == icbs[0]} == {
        "region",
        "country",
        "previous",
    }
    assert {r["benchmark"] for r in out.to_pylist() if r["area_code"] == LONDON} == {
        "country",
        "previous",
    }


def test_missing_icb_value_is_not_compared_with_reason() -> None:
    out = comparison_outcomes(
        table([row(CAMDEN, 80.0), row(LONDON, 80.0)]), polarity=1, icb_of=ICB_OF
    )
    got = pick(out, CAMDEN, "icb")
    assert got["outcome"] == "Not compared"
    assert got["reason"] == "no value for the borough's ICB"
    assert got["benchmark_area_code"] == ICB_OF[CAMDEN]
    assert got["benchmark_value"] is None


def test_england_from_benchmarks_table_matches_indicator_and_breakdown() -> None:
    values = table(
        [
            row(CAMDEN, 80.0),
            row(CAMDEN, 75.0, breakdown=("imd2019_quintile_london", "1")),
            row(LONDON, 80.0),
        ]
    )
    published = table(
        [
            row(ENGLAND, 83.0, series="fingertips:90366", half_width=0.1),
            row(
                ENGLAND, 70.0, series="fingertips:90366", breakdown=("imd2019_quintile_london", "1")
            ),
            row(ENGLAND, 10.0, series="fingertips:1", indicator_id="other"),
            row(CAMDEN, 1.0, series="fingertips:90366"),  # not England: ignored
        ]
    )
    out = comparison_outcomes(values, polarity=1, benchmarks=published, icb_of=ICB_OF)
    overall = pick(out, CAMDEN, "country", breakdown_type="none")
    assert (overall["benchmark_value"], overall["outcome"]) == (83.0, "Worse")
    assert overall["benchmark_area_code"] == ENGLAND
    quintile = pick(out, CAMDEN, "country", breakdown_type="imd2019_quintile_london")
    assert (quintile["benchmark_value"], quintile["outcome"]) == (70.0, "Better")
    assert pick(out, LONDON, "country")["outcome"] == "Worse"


def test_england_in_values_wins_over_benchmarks() -> None:
    values = table([row(CAMDEN, 80.0), row(ENGLAND, 79.5)])
    published = table([row(ENGLAND, 90.0, series="fingertips:90366")])
    out = comparison_outcomes(values, polarity=1, benchmarks=published, icb_of=ICB_OF)
    got = pick(out, CAMDEN, "country")
    assert (got["benchmark_value"], got["outcome"]) == (79.5, "Similar")


def test_ambiguous_benchmarks_are_refused() -> None:
    published = table(
        [row(ENGLAND, 83.0, series="fingertips:a"), row(ENGLAND, 83.1, series="fingertips:b")]
    )
    with pytest.raises(InputError, match="two England benchmark values"):
        comparison_outcomes(table([row(CAMDEN, 80.0)]), polarity=1, benchmarks=published)


def test_unit_mismatch_is_not_compared() -> None:
    values = table([row(CAMDEN, 80.0)])
    published = table([row(ENGLAND, 83.0, series="fingertips:x", unit="per 100,000")])
    out = comparison_outcomes(values, polarity=1, benchmarks=published, icb_of=ICB_OF)
    got = pick(out, CAMDEN, "country")
    assert got["outcome"] == "Not compared"
    assert "unit 'years' differs" in got["reason"]
    assert "'per 100,000'" in got["reason"]


def test_suppressed_value_and_benchmark_are_not_compared() -> None:
    values = table(
        [
            row(CAMDEN, None, suppressed=True),
            row(CROYDON, 80.0),
            row(LONDON, None, suppressed=True),
            row(ICB_OF[CROYDON], 81.0),
        ]
    )
    out = comparison_outcomes(values, polarity=1, icb_of=ICB_OF)
    for benchmark in ("region", "icb", "country", "boroughs", "previous"):
        got = pick(out, CAMDEN, benchmark)
        assert (got["outcome"], got["reason"]) == ("Not compared", "value suppressed")
    got = pick(out, CROYDON, "region")
    assert (got["outcome"], got["reason"]) == ("Not compared", "benchmark suppressed")
    assert got["benchmark_value"] is None
    assert pick(out, CROYDON, "icb")["outcome"] == "Similar"


def test_empty_duplicate_and_malformed_input_raise() -> None:
    with pytest.raises(InputError, match="empty"):
        comparison_outcomes(table([]), polarity=1)
    with pytest.raises(InputError, match="appears twice") as info:
        comparison_outcomes(
            table([row(CAMDEN, 1.0), row(CROYDON, 1.0), row(CAMDEN, 2.0)]), polarity=1
        )
    assert info.value.row == 3
    with pytest.raises(InputError, match="no column 'unit'"):
        comparison_outcomes(table([row(CAMDEN, 1.0)]).drop_columns(["unit"]), polarity=1)
    with pytest.raises(InputError, match="unknown polarity"):
        comparison_outcomes(table([row(CAMDEN, 1.0)]), polarity="up")
    with pytest.raises(InputError, match="comparison method"):
        comparison_outcomes(table([row(CAMDEN, 1.0)]), polarity=1, comparison_method=3)


def test_polarity_names_and_catalogue_settings() -> None:
    assert [fingertips_polarity(p) for p in ("high_is_good", "low_is_good", "no_judgement")] == [
        1,
        0,
        99,
    ]
    assert fingertips_polarity(-1) == -1
    from healthgap.catalogue import load_catalogue

    le = ComparisonSettings.for_indicator(load_catalogue().indicator("life_expectancy"))
    assert (le.polarity, le.method, le.multiplier) == (1, 1, 1.0)


# ------------------------------------------------------------------ quintiles
@pytest.mark.parametrize("polarity", [1, 0, 99])
def test_borough_quintiles_match_value_categories(polarity: int) -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(80, 2, len(BOROUGHS)).round(2)
    rows = [row(b, float(v)) for b, v in zip(BOROUGHS, values, strict=True)]
    rows += [row(LONDON, 80.0)] + [row(b, 50.0, sex="male") for b in BOROUGHS[:4]]
    out = comparison_outcomes(table(rows), polarity=polarity, icb_of=ICB_OF)
    expected = value_categories(values, method=15, polarity=polarity).category
    got = [pick(out, b, "boroughs", sex="persons")["borough_quintile"] for b in BOROUGHS]
    assert got == [int(x) for x in expected]
    assert sorted(set(got)) == [1, 2, 3, 4, 5]
    best = BOROUGHS[int(np.argmax(values))]
    first = pick(out, best, "boroughs", sex="persons")
    if polarity == 1:
        assert (first["borough_quintile"], first["outcome"]) == (1, "Best")
    elif polarity == 99:
        assert (first["borough_quintile"], first["outcome"]) == (5, "Highest")
    else:
        assert (first["borough_quintile"], first["outcome"]) == (5, "Worst")
    assert first["comparison_method"] == 15
    assert all(
        r["borough_quintile"] is None for r in out.to_pylist() if r["benchmark"] != "boroughs"
    )


def test_quintiles_need_five_boroughs() -> None:
    rows = [row(b, 80.0 + i) for i, b in enumerate(BOROUGHS[:4])]
    out = comparison_outcomes(table(rows), polarity=1, icb_of=ICB_OF)
    got = pick(out, BOROUGHS[0], "boroughs")
    assert got["borough_quintile"] is None
    assert (got["outcome"], got["reason"]) == ("Not compared", "4 values; quintiles need 5")


def test_quintiles_are_per_group_and_leave_out_suppressed() -> None:
    rows = [row(b, 80.0 + i) for i, b in enumerate(BOROUGHS)]
    rows += [row(b, 60.0 - i, sex="female") for i, b in enumerate(BOROUGHS)]
    rows[0] = row(BOROUGHS[0], None, suppressed=True)
    out = comparison_outcomes(table(rows), polarity=1, icb_of=ICB_OF)
    persons = [80.0 + i for i in range(len(BOROUGHS))]
    persons[0] = np.nan
    expected = value_categories(persons, method=15, polarity=1).category
    for i, b in enumerate(BOROUGHS[1:], start=1):
        assert pick(out, b, "boroughs", sex="persons")["borough_quintile"] == int(expected[i])
    # females are ranked among females: the lowest value (last borough) is in quintile 5
    assert pick(out, BOROUGHS[-1], "boroughs", sex="female")["borough_quintile"] == 5
    assert pick(out, BOROUGHS[0], "boroughs", sex="female")["borough_quintile"] == 1


# ------------------------------------------------------------------ change and trend
def test_change_from_previous_matches_the_method() -> None:
    series = [80.0, 80.5, 83.0, 82.8, 80.0]
    rows = [row(CAMDEN, v, year=2015 + i) for i, v in enumerate(series)]
    out = comparison_outcomes(table(rows), polarity=1, icb_of=ICB_OF)
    for i in range(1, len(series)):
        got = pick(out, CAMDEN, "previous", period_label=str(2015 + i))
        vals = np.array(series[: i + 1])
        expected = change_from_previous(vals, lower95=vals - 1, upper95=vals + 1)
        assert got["outcome"] == expected.value
        assert got["benchmark_value"] == series[i - 1]
        assert got["comparison_method"] == 12
    first = pick(out, CAMDEN, "previous", period_label="2015")
    assert (first["outcome"], first["reason"]) == ("Not compared", "no previous period")
    assert [
        pick(out, CAMDEN, "previous", period_label=str(y))["outcome"] for y in (2017, 2019)
    ] == [
        "Increasing",
        "Decreasing",
    ]


def test_recent_trend_on_an_improving_annual_series() -> None:
    years = range(2013, 2021)
    improving = [row(CAMDEN, 78.0 + 0.8 * i, year=y, half_width=0.3) for i, y in enumerate(years)]
    flat = [row(CROYDON, 80.0 + 0.05 * (i % 2), year=y) for i, y in enumerate(years)]
    out = comparison_outcomes(table(improving + flat), polarity="high_is_good", icb_of=ICB_OF)
    latest = [
        r for r in out.to_pylist() if r["area_code"] == CAMDEN and r["period_label"] == "2020"
    ]
    assert {r["recent_trend"] for r in latest} == {"Increasing and getting better"}
    assert {r["trend_reason"] for r in latest} == {""}
    earlier = [
        r for r in out.to_pylist() if r["area_code"] == CAMDEN and r["period_label"] != "2020"
    ]
    assert earlier
    assert all(r["recent_trend"] is None for r in earlier)
    v = np.array([78.0 + 0.8 * i for i in range(8)])
    assert recent_trend(v, polarity=1, lower95=v - 0.3, upper95=v + 0.3).direction == 1
    croydon = pick(out, CROYDON, "previous", period_label="2020")
    assert croydon["recent_trend"] == "No significant change"
    # low is good: the same rise is getting worse
    worse = comparison_outcomes(table(improving), polarity="low_is_good", icb_of=ICB_OF)
    assert pick(worse, CAMDEN, "previous", period_label="2020")["recent_trend"] == (
        "Increasing and getting worse"
    )


def test_recent_trend_breaks_on_a_gap_and_skips_rolling_periods() -> None:
    gap = [
        row(CAMDEN, 78.0 + i, year=y, half_width=0.2)
        for i, y in enumerate((2013, 2014, 2016, 2017, 2018, 2019))
    ]
    rolling = [
        row(CROYDON, 78.0 + i, year=y, span=3, half_width=0.2)
        for i, y in enumerate(range(2013, 2021))
    ]
    out = comparison_outcomes(table(gap + rolling), polarity=1, icb_of=ICB_OF)
    g = pick(out, CAMDEN, "previous", period_label="2019")
    assert g["recent_trend"] == "Cannot be calculated"
    assert "only 4 consecutive valid points" in g["trend_reason"]
    r = pick(out, CROYDON, "previous", period_label="2018 - 20")
    assert r["recent_trend"] == "Cannot be calculated"
    assert "more than one year" in r["trend_reason"]
    # change from previous still compares consecutive rolling periods
    assert r["outcome"] == "Increasing"


# ------------------------------------------------------------------ shape
def test_output_has_the_declared_columns_and_one_row_per_value_and_benchmark() -> None:
    rows = [row(b, 80.0 + i / 10) for i, b in enumerate(BOROUGHS)]
    rows += [row(LONDON, 80.0), row(ENGLAND, 81.0)]
    rows += [row(code, 80.0) for code in sorted(set(ICB_OF.values()))]
    out = comparison_outcomes(table(rows), polarity=1, icb_of=ICB_OF)
    assert out.column_names == [c.name for c in COMPARISON_COLUMNS]
    # boroughs: region, icb, country, boroughs, previous; ICBs: region, country, previous;
    # London: country, previous; England: previous
    assert out.num_rows == 33 * 5 + 5 * 3 + 2 + 1
    keys = [(r["area_code"], r["benchmark"]) for r in out.to_pylist()]
    assert len(set(keys)) == len(keys)


def test_indicator_comparisons_uses_catalogue_polarity_and_flags_unmapped_series() -> None:
    rows = [row(CAMDEN, 80.0), row(LONDON, 82.0)]
    rows += [
        row(CAMDEN, 80.0, series="engine:rii", indicator_id=None),
        row(LONDON, 82.0, series="engine:rii", indicator_id=None),
    ]
    out = indicator_comparisons(table(rows), icb_of=ICB_OF)
    assert pick(out, CAMDEN, "region", series="engine:le")["outcome"] == "Worse"
    unmapped = pick(out, CAMDEN, "region", series="engine:rii")
    assert unmapped["outcome"] == "Not compared"
    assert "not mapped to an indicator" in unmapped["reason"]


# ------------------------------------------------------------------ real engine output
@pytest.fixture(scope="module")
def engine_values(synthetic_london_computed: EngineResult) -> pa.Table:
    """Protected engine values of life expectancy (and the measures derived from it: SII,
    HEAT), from the session's shared run, which also computed suicide."""
    values = synthetic_london_computed.values
    return values.filter(pc.starts_with(values["series"], "engine:life-expectancy"))


@pytest.mark.slow
def test_comparisons_of_real_engine_output(engine_values: pa.Table) -> None:
    out = indicator_comparisons(engine_values, icb_of=ICB_OF)
    rows = out.to_pylist()
    le = [r for r in engine_values.to_pylist() if r["indicator_id"] == "life_expectancy"]
    value_of = {
        (r["area_code"], r["sex"], r["breakdown_type"], r["breakdown_category"]): r for r in le
    }
    region = [
        r for r in rows if r["benchmark"] == "region" and r["indicator_id"] == "life_expectancy"
    ]
    assert region
    compared = 0
    for r in region:
        own = value_of[(r["area_code"], r["sex"], r["breakdown_type"], r["breakdown_category"])]
        london = value_of[(LONDON, r["sex"], r["breakdown_type"], r["breakdown_category"])]
        if own["value"] is None or london["value"] is None:
            assert r["outcome"] == "Not compared"
            continue
        compared += 1
        inside = own["lower95_0cl"] <= london["value"] <= own["upper95_0cl"]
        expected = (
            "Similar" if inside else ("Better" if own["value"] > london["value"] else "Worse")
        )
        assert r["outcome"] == expected
        assert r["benchmark_value"] == london["value"]
    assert compared > 100
    # every borough's ICB row is its own ICB; quintiles exist for the overall borough values
    for r in rows:
        if r["benchmark"] == "icb":
            assert r["benchmark_area_code"] == ICB_OF[r["area_code"]]
    overall = [
        r
        for r in rows
        if r["benchmark"] == "boroughs" and r["breakdown_type"] == "none" and r["sex"] == "persons"
    ]
    assert sorted({r["borough_quintile"] for r in overall}) == [1, 2, 3, 4, 5]
    # one rolling period: trends cannot be calculated (Fingertips: annual data only)
    assert {r["recent_trend"] for r in rows} == {"Cannot be calculated"}
