"""Every chart kind's spec is valid Vega-Lite: the charts skip Altair's validation (at
construction, per thread, and in ``to_dict``; together they cost more than the SVG render), so
it is done here, fully, once per kind — and every chart builder of the package is covered."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import altair as alt
import pytest
from altair.utils import schemapi
from altair.utils.schemapi import SchemaValidationError, validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from healthgap.charts import choropleth, compare_areas, spine, trend
from healthgap.charts import profiles as cp
from healthgap.charts import reports as cr
from healthgap.charts import specs as cs
from healthgap.charts.base import unchecked
from healthgap.charts.specs import SpineEntry
from healthgap.geography import LONDON_BOROUGHS, load_geography
from healthgap.query import ComparisonRow, Provenance, ValueRow
from healthgap.query.models import InequalityRow
from healthgap.query.profiles import (
    DecileShare,
    DeprivationProfile,
    Funnel,
    FunnelLine,
    FunnelPoint,
    InequalityTrendRow,
    LsoaDeprivation,
    Pyramid,
    PyramidRow,
    SexGapRow,
)


def _row(
    code: str, value: float, period: int = 2023, btype: str = "none", cat: str = ""
) -> ValueRow:
    comp = ComparisonRow("region", "E12000007", "London", 80.0, 1, "Worse", "", None)
    return ValueRow(
        "life_expectancy", "Life expectancy", "s", "years", "high_is_good", None, 1, None,
        code, f"Area {code}", "ltla", None, None, str(period), date(period, 1, 1),
        date(period, 12, 31), "persons", "All ages", btype, cat, value, value - 1, value + 1,
        None, None, None, None, False, False, False, None, None, None, (comp,),
        Provenance(1, "test", None, datetime(2024, 1, 1)),
    )  # fmt: skip


def _deprivation() -> DeprivationProfile:
    lsoas = tuple(
        LsoaDeprivation(f"E0100000{i}", f"L{i}", "E09000012", 30.0 - i, 1 + i % 10, 1)
        for i in range(4)
    )
    shares = tuple(
        DecileShare(d, 1 if d <= 4 else 0, 25.0 if d <= 4 else 0.0, 10.0) for d in range(1, 11)
    )
    return DeprivationProfile("E09000012", "Hackney", "imd2019", "lsoa11", lsoas, shares)


def _lsoa_geo(d: DeprivationProfile) -> dict[str, Any]:
    square = [[[0.0, 51.5], [0.0, 51.6], [0.1, 51.6], [0.1, 51.5], [0.0, 51.5]]]
    return {
        "features": [
            {"properties": {"code": x.lsoa_code, "name": x.lsoa_name},
             "geometry": {"type": "Polygon", "coordinates": square}}
            for x in d.lsoas
        ]
    }  # fmt: skip


def _funnel() -> Funnel:
    lines = tuple(
        FunnelLine(level, side, float(x), 15.0 + (1 if side == "upper" else -1) * 300 / x**0.5)
        for level in ("95%", "99.8%")
        for side in ("lower", "upper")
        for x in range(100, 10_000, 500)
    )
    points = (
        FunnelPoint("E09000001", "City", 30.0, 300, 1000, "High (0.001)"),
        FunnelPoint("E09000002", "Barking", 15.0, 750, 5000, "Not significant"),
    )
    return Funnel(
        "smoking_prevalence", "s", "2023", "persons", "proportion", "Wilson", 15.0, points, lines
    )


def _inequality() -> list[InequalityTrendRow]:
    sii = "sii-imd2019-decile-london"
    return [
        InequalityTrendRow(
            p, date(int(p), 1, 1),
            InequalityRow("le", "E12000007", p, "male", "b", sii, v, v - 1, v + 1, "years", None),
        )
        for p, v in (("2022", 9.0), ("2023", 10.0))
    ]  # fmt: skip


_DETAIL = {
    "target": {"baseline_time": 2018.2, "baseline_value": 21.8, "deadline": 2031.0, "value": 10.9},
    "projection": {"time": 2031.0, "value": 20.5, "lower": 17.9, "upper": 23.1},
}

#: chart builder → a spec it draws from small read models
KINDS: dict[str, Callable[[], dict[str, Any]]] = {
    "choropleth": lambda: (
        choropleth(
            [_row(c, 80.0 + i / 10) for i, c in enumerate(LONDON_BOROUGHS)],
            load_geography().boundaries("ltla"),
            title="t",
        ).spec
    ),
    "compare_areas": lambda: (
        compare_areas(
            [_row(c, 80.0 + i / 10) for i, c in enumerate(LONDON_BOROUGHS)],
            benchmark="region",
            benchmark_name="London",
            benchmark_value=80.5,
            title="t",
        ).spec
    ),
    "trend": lambda: (
        trend(
            {"London": [_row("E12000007", 80.0 + k / 10, 2019 + k) for k in range(5)]}, title="t"
        ).spec
    ),
    "spine": lambda: (
        spine(
            [
                SpineEntry(
                    "life_expectancy",
                    "LE",
                    "high_is_good",
                    _row(LONDON_BOROUGHS[0], 80.0),
                    80.5,
                    81.0,
                    79.0,
                    83.0,
                )
            ],
            area_name="Area",
        ).spec
    ),
    "breakdown_values": lambda: (
        cp.breakdown_values(
            [
                _row("E12000007", 70.0 + d, btype="imd2019-decile-london", cat=str(d))
                for d in (1, 2)
            ],
            title="t",
            breakdown="imd2019-decile-london",
            chart_id="b",
        ).spec
    ),
    "inequality_trend": lambda: (
        cp.inequality_trend(
            _inequality(), title="t", chart_id="x", measures=("sii-imd2019-decile-london",)
        ).spec
    ),
    "sex_gap": lambda: (
        cp.sex_gap(
            [SexGapRow("2023", date(2023, 1, 1), 78.0, 82.0, -4.0, -4.8, -3.2)],
            title="g",
            unit="years",
            chart_id="sg",
        ).spec
    ),
    "funnel_plot": lambda: cp.funnel_plot(_funnel(), title="t", x_title="Denominator").spec,
    "population_pyramid": lambda: (
        cp.population_pyramid(
            Pyramid(
                "E09000012",
                "Hackney",
                2021,
                1,
                (),
                tuple(
                    PyramidRow(f"{a}-{a + 4}", a, sex, 100.0, 100 / 38)
                    for a in range(0, 90, 5)
                    for sex in ("female", "male")
                ),
            )
        ).spec
    ),
    "deprivation_profile": lambda: cp.deprivation_profile(_deprivation()).spec,
    "decile_map": lambda: cp.decile_map(_deprivation(), _lsoa_geo(_deprivation())).spec,
    "glide_path": lambda: (
        cr.glide_path(
            [_row("E12000007", 21.8, 2018), _row("E12000007", 21.6, 2019)],
            _DETAIL,
            title="t",
            chart_id="g",
        ).spec
    ),
    "decile_profile": lambda: (
        cr.decile_profile([(d, 1, 0.1) for d in range(1, 11)], area_name="Camden").spec
    ),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_chart_spec_is_valid_vega_lite(kind: str) -> None:
    validate_jsonschema(KINDS[kind](), load_schema())


def test_every_chart_builder_is_validated_here() -> None:
    """A new chart kind (a public builder run ``unchecked``) must be added to KINDS."""
    builders = {
        name
        for module in (cs, cp, cr)
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
        and hasattr(getattr(module, name), "__wrapped__")
    }
    assert builders == set(KINDS)


def test_a_broken_spec_fails_the_schema_check() -> None:
    spec = KINDS["spine"]()
    spec["layer"][0]["mark"] = {"type": "no-such-mark"}
    with pytest.raises(Exception, match="no-such-mark"):
        validate_jsonschema(spec, load_schema())


def test_unchecked_skips_construction_checks_on_its_own_thread_only() -> None:
    """Inside a chart builder Altair does not validate each object as it is made; outside it,
    and on every other thread meanwhile, Altair's own setting still holds."""
    seen: list[str] = []

    def elsewhere() -> None:
        try:
            alt.Scale(zero="no")  # type: ignore[arg-type]
            seen.append("not validated")
        except SchemaValidationError:
            seen.append("validated")

    @unchecked
    def build() -> alt.Scale:
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
        return alt.Scale(zero="no")  # type: ignore[arg-type]

    assert build().to_dict(validate=False) == {"zero": "no"}
    assert seen == ["validated"]
    with pytest.raises(SchemaValidationError):
        alt.Scale(zero="no")  # type: ignore[arg-type]
    with schemapi.debug_mode(False):  # Altair's own switch still works, both ways
        alt.Scale(zero="no")  # type: ignore[arg-type]
    assert bool(schemapi.DEBUG_MODE)
