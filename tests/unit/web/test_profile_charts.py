"""The new charts draw exactly their records; sentences about inequality are honest."""

from __future__ import annotations

import csv
import io
from datetime import date

import numpy as np

from healthgap.charts import profiles as cp
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
from healthgap.web.profiles import measure_sentence


def _csv(chart: cp.Chart) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(chart.csv())))


def _inline(spec: object, column: str) -> list[dict[str, object]]:
    found: list[list[dict[str, object]]] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            v = x.get("values")
            if isinstance(v, list) and v and isinstance(v[0], dict) and column in v[0]:
                found.append(v)
            for y in x.values():
                walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)

    walk(spec)
    assert len(found) == 1
    return found[0]


def test_funnel_chart_draws_points_and_thinned_limits() -> None:
    xs = np.linspace(100, 10_000, 100)
    lines = tuple(
        FunnelLine(level, side, float(x), 15.0 + (1 if side == "upper" else -1) * 300 / np.sqrt(x))
        for level in ("95%", "99.8%")
        for side in ("lower", "upper")
        for x in xs
    )
    points = (
        FunnelPoint("E09000001", "City", 30.0, 300, 1000, "High (0.001)"),
        FunnelPoint("E09000002", "Barking", 15.0, 750, 5000, "Not significant"),
    )
    f = Funnel(
        "smoking_prevalence", "s", "2023", "persons", "proportion", "Wilson", 15.0, points, lines
    )
    chart = cp.funnel_plot(f, title="t", x_title="Denominator")
    rows = _csv(chart)
    assert [r["kind"] for r in rows].count("area") == 2
    limits = [r for r in rows if r["kind"] == "limit"]
    assert 0 < len(limits) <= 4 * 31
    # only the limit points inside the drawn x range are listed, as drawn
    assert all(800 <= float(r["x"]) <= 6000 for r in limits)
    drawn = _inline(chart.spec, "kind")
    assert len(drawn) == len(rows)
    assert "City (High (0.001))" in chart.summary
    assert "1 outside" in chart.summary
    assert chart.svg().startswith("<svg")


def test_pyramid_records_and_summary() -> None:
    rows = tuple(
        PyramidRow(label, a, sex, 100.0, 100 / 38)
        for a, label in [(a, f"{a}-{a + 4}") for a in range(0, 90, 5)] + [(90, "90+")]
        for sex in ("female", "male")
    )
    chart = cp.population_pyramid(Pyramid("E09000012", "Hackney", 2021, 1, (), rows))
    assert len(_csv(chart)) == 38
    assert _inline(chart.spec, "age_band") == list(chart.records)
    assert "3,800 residents in 2021" in chart.summary
    assert "15.8% aged under 15" in chart.summary


def test_deprivation_charts() -> None:
    lsoas = tuple(
        LsoaDeprivation(f"E0100000{i}", f"L{i}", "E09000012", 30.0 - i, 1 + i % 10, 1)
        for i in range(4)
    )
    shares = tuple(
        DecileShare(d, 1 if d <= 4 else 0, 25.0 if d <= 4 else 0.0, 10.0) for d in range(1, 11)
    )
    d = DeprivationProfile("E09000012", "Hackney", "imd2019", "lsoa11", lsoas, shares)
    bars = cp.deprivation_profile(d)
    assert [int(r["decile"]) for r in _csv(bars)] == list(range(1, 11))
    assert "50.0% are in London's two most deprived deciles" in bars.summary
    square = [[[0.0, 51.5], [0.0, 51.6], [0.1, 51.6], [0.1, 51.5], [0.0, 51.5]]]
    geo = {
        "features": [
            {"properties": {"code": x.lsoa_code, "name": x.lsoa_name},
             "geometry": {"type": "Polygon", "coordinates": square}}
            for x in lsoas
        ]
        + [{"properties": {"code": "E01999999", "name": "Missing"},
            "geometry": {"type": "Polygon", "coordinates": square}}]
    }  # fmt: skip
    m = cp.decile_map(d, geo)
    got = _csv(m)
    assert len(got) == 5
    assert got[-1]["decile_label"] == "No data"
    assert got[0]["decile_label"] == "Decile 1 (most deprived)"


def test_inequality_trend_and_sex_gap_charts() -> None:
    def t(period: str, measure: str, v: float) -> InequalityTrendRow:
        row = InequalityRow(
            "le", "E12000007", period, "male", "b", measure, v, v - 1, v + 1, "years", None
        )
        return InequalityTrendRow(period, date(int(period), 1, 1), row)

    sii = "sii-imd2019-decile-london"
    rows = [
        t("2022", sii, 9.0),
        t("2023", sii, 10.0),
        t("2023", "heat-aci-imd2019-decile-london", 1.0),
    ]
    chart = cp.inequality_trend(
        rows, title="t", chart_id="x", measures=("sii-imd2019-decile-london",)
    )
    got = _csv(chart)
    assert [r["period"] for r in got] == ["2022", "2023"]
    assert got[0]["measure"] == "Slope index of inequality (SII)"
    assert "10.0 in 2023 (95% interval 9.0 to 11.0), 9.0 in 2022" in chart.summary
    gap = cp.sex_gap(
        [SexGapRow("2023", date(2023, 1, 1), 78.0, 82.0, -4.0, -4.8, -3.2)],
        title="g",
        unit="years",
        chart_id="sg",
    )
    assert "a gap of -4.0 years (95% interval -4.8 to -3.2)" in gap.summary


def test_measure_sentences_are_honest() -> None:
    assert "bigger than chance" in measure_sentence(
        "slope index of inequality (SII)", 2.0, 0.5, 3.5
    )
    assert "could be due to chance" in measure_sentence(
        "slope index of inequality (SII)", 1.0, -0.2, 2.2
    )
    # a ratio's "no inequality" is 1, not 0
    assert "could be due to chance" in measure_sentence(
        "relative index of inequality (RII)", 1.1, 0.9, 1.3
    )
    assert "bigger than chance" in measure_sentence(
        "relative index of inequality (RII)", 1.3, 1.1, 1.5
    )
    assert "no interval" in measure_sentence("gap", 1.0, None, None)
    assert "could not be calculated" in measure_sentence("gap", None, None, None)
