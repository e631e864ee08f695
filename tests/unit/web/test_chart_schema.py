"""Every chart kind's spec is valid Vega-Lite: the charts skip Altair's per-call validation
(it costs as much as the SVG render), so it is done here, once per kind."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from healthgap.charts import choropleth, compare_areas, spine, trend
from healthgap.charts.specs import SpineEntry
from healthgap.geography import LONDON_BOROUGHS, load_geography
from healthgap.query import ComparisonRow, Provenance, ValueRow


def _row(code: str, value: float, period: int = 2023) -> ValueRow:
    comp = ComparisonRow("region", "E12000007", "London", 80.0, 1, "Worse", "", None)
    return ValueRow(
        "life_expectancy", "Life expectancy", "s", "years", "high_is_good", None, 1, None,
        code, f"Area {code}", "ltla", None, None, str(period), date(period, 1, 1),
        date(period, 12, 31), "persons", "All ages", "none", "", value, value - 1, value + 1,
        None, None, None, None, False, False, False, None, None, None, (comp,),
        Provenance(1, "test", None, datetime(2024, 1, 1)),
    )  # fmt: skip


def _specs() -> dict[str, dict[str, Any]]:
    rows = [_row(c, 80.0 + i / 10) for i, c in enumerate(LONDON_BOROUGHS)]
    history = [_row("E12000007", 80.0 + k / 10, 2019 + k) for k in range(5)]
    entry = SpineEntry("life_expectancy", "LE", "high_is_good", rows[0], 80.5, 81.0, 79.0, 83.0)
    return {
        "choropleth": choropleth(rows, load_geography().boundaries("ltla"), title="t").spec,
        "compare": compare_areas(
            rows, benchmark="region", benchmark_name="London", benchmark_value=80.5, title="t"
        ).spec,
        "trend": trend({"London": history}, title="t").spec,
        "spine": spine([entry], area_name="Area").spec,
    }


@pytest.mark.parametrize("kind", ["choropleth", "compare", "trend", "spine"])
def test_chart_spec_is_valid_vega_lite(kind: str) -> None:
    validate_jsonschema(_specs()[kind], load_schema())
