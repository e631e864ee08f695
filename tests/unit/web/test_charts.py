"""Charts: the CSV and table are exactly the drawn records; maps wind rings for d3."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from healthgap.charts import compare_areas, outcome_class
from healthgap.charts.specs import _rewind, _ring_area, choropleth
from healthgap.query import ComparisonRow, Provenance, ValueRow
from healthgap.web.pages import sentence


def _row(code: str, value: float | None, outcome: str = "Similar") -> ValueRow:
    comp = ComparisonRow("region", "E12000007", "London", 80.0, 1, outcome, "", None)
    return ValueRow(
        "life_expectancy", "Life expectancy", "s", "years", "high_is_good", None, 1, None,
        code, f"Area {code}", "ltla", None, None, "2023", date(2023, 1, 1), date(2023, 12, 31),
        "persons", "All ages", "none", "", value, None if value is None else value - 1,
        None if value is None else value + 1, None, None, None, None, False, False, False,
        None, None, None, (comp,), Provenance(1, "test", None, datetime(2024, 1, 1)),
    )  # fmt: skip


def test_outcome_classes_cover_stored_words() -> None:
    assert outcome_class("Same") == outcome_class("Similar") == "similar"
    assert outcome_class("Best") == "better"
    assert outcome_class("Lowest") == "lower"
    assert outcome_class("Not compared") == outcome_class(None) == "not compared"


def test_compare_chart_csv_is_the_drawn_records() -> None:
    chart = compare_areas(
        [_row("E09000003", 90.0, "Better"), _row("E09000001", 70.0, "Worse")],
        benchmark="region",
        benchmark_name="London",
        benchmark_value=80.0,
        title="t",
    )
    drawn = chart.spec["layer"][0]["data"]["values"]
    got = list(csv.DictReader(io.StringIO(chart.csv())))
    assert (
        [r["area_code"] for r in got]
        == [d["area_code"] for d in drawn]
        == [
            "E09000001",
            "E09000003",
        ]
    )
    assert [r["significance"] for r in got] == ["worse", "better"]
    assert "1 better" in chart.summary
    assert "1 worse" in chart.summary
    assert chart.svg().lstrip().startswith("<svg")


def test_rewind_makes_exterior_rings_clockwise() -> None:
    ccw = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    assert _ring_area(ccw) > 0
    out = _rewind({"type": "Polygon", "coordinates": [ccw, ccw]})
    assert _ring_area(out["coordinates"][0]) < 0  # exterior clockwise
    assert _ring_area(out["coordinates"][1]) > 0  # hole counter-clockwise


def test_choropleth_says_no_data_for_missing_areas() -> None:
    square = [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]
    geo = {
        "features": [
            {"properties": {"code": c, "name": c}, "geometry": {"type": "Polygon",
             "coordinates": square}}
            for c in ("A", "B")
        ]
    }  # fmt: skip
    chart = choropleth([_row("A", 5.0)], geo, title="m")
    assert [r["band"] for r in chart.records][1] == "No data"
    assert "2 areas; 1 have a value" in chart.summary


def test_sentence_says_whether_chance_explains_the_difference() -> None:
    s = sentence("Hackney", 85.0, "London", 80.0, "Better")
    assert s.startswith("Hackney's value is higher than London's")
    assert "bigger than chance alone would explain" in s
    assert "could be due to chance" in sentence("Hackney", 79.0, "London", 80.0, "Same")
    assert "cannot be compared" in sentence("Hackney", None, "London", 80.0, "Not compared")
