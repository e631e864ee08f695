"""The chart specifications: choropleth, compare-areas, trend and spine charts.

Each function takes read models (``ValueRow``) and returns a :class:`~healthgap.charts.Chart`
whose spec draws exactly its ``records`` (inline data), so the data table, the CSV and the
picture cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import altair as alt

from healthgap.charts.base import OUTCOME_COLOURS, OUTCOME_SHAPES, Chart, outcome_class, unchecked
from healthgap.query import ValueRow

__all__ = ["SpineEntry", "choropleth", "compare_areas", "spine", "trend"]

#: ColorBrewer "Blues" (5 classes): sequential, colour-blind-safe and printable in grey.
_BANDS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
_NO_DATA = "No data"
_NO_DATA_COLOUR = "#d9d9d9"
_WIDTH = 560
_FONT = "system-ui, sans-serif"


def _r(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(float(x), digits)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.1f}"


class _Values:
    """Inline rows handed to Altair as they are: Altair would otherwise walk (and validate)
    every row and coordinate, which costs more than drawing the chart (0.5 s for a map)."""

    _schema: ClassVar[dict[str, str]] = {"type": "array"}

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = list(rows)

    def to_dict(self, *args: Any, **kwargs: Any) -> list[Any]:
        return self.rows


def _data(values: Sequence[Any]) -> Any:
    """Inline data (Altair's ``Data`` is untyped)."""
    return alt.Data(values=_Values(values))  # type: ignore[no-untyped-call]


def _config(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    # Altair's jsonschema validation costs about as much as the SVG render; the specs are
    # validated once per chart kind by the tests (tests/unit/web/test_chart_schema.py).
    spec: dict[str, Any] = chart.properties(description=description).to_dict(validate=False)
    spec.pop("title", None)  # the page's caption carries the title
    spec["config"] = {
        "font": _FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 12, "titleFontSize": 12},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 0},
    }
    return spec


def _bands(values: Sequence[float]) -> list[tuple[float, float, str]]:
    """Five quantile bands (low, high, label) over ``values``."""
    xs = sorted(values)
    if not xs:
        return []
    n = len(xs)
    cuts = [xs[min(n - 1, round(i * (n - 1) / 5))] for i in range(6)]
    out: list[tuple[float, float, str]] = []
    for i in range(5):
        lo, hi = cuts[i], cuts[i + 1]
        if out and lo == out[-1][0] and hi == out[-1][1]:
            continue
        out.append((lo, hi, f"{i + 1}: {lo:,.1f} to {hi:,.1f}"))
    return out


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Twice the signed area of a lon/lat ring (positive: counter-clockwise)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, [*ring[1:], ring[0]], strict=True))


def _rewind(geometry: Mapping[str, Any]) -> dict[str, Any]:
    """GeoJSON (RFC 7946: exterior rings counter-clockwise) in d3-geo's winding (exterior
    rings clockwise, holes counter-clockwise); the wrong winding fills the whole globe."""

    def polygon(rings: Sequence[Any]) -> list[Any]:
        out = []
        for i, ring in enumerate(rings):
            ccw = _ring_area(ring) > 0
            want_ccw = i > 0
            out.append(list(ring) if ccw == want_ccw else list(reversed(ring)))
        return out

    kind = geometry["type"]
    if kind == "Polygon":
        return {"type": kind, "coordinates": polygon(geometry["coordinates"])}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [polygon(p) for p in geometry["coordinates"]]}
    return dict(geometry)


@unchecked
def choropleth(
    rows: Sequence[ValueRow], geojson: Mapping[str, Any], *, title: str, chart_id: str = "map"
) -> Chart:
    """A map of ``rows`` (one per area) over the boundaries in ``geojson`` (features with a
    ``code`` property), coloured in five quantile bands; areas without a value say so."""
    by_code = {r.area_code: r for r in rows}
    present = [r.value for r in rows if r.value is not None]
    bands = _bands(present)
    records: list[dict[str, Any]] = []
    for f in geojson["features"]:
        code = str(f["properties"]["code"])
        r = by_code.get(code)
        value = None if r is None else r.value
        band = _NO_DATA
        if value is not None:
            band = next((lab for lo, hi, lab in bands if lo <= value <= hi), bands[-1][2])
        records.append(
            {
                "area_code": code,
                "area_name": str(f["properties"]["name"]),
                "period": None if r is None else r.period_label,
                "value": _r(value),
                "lower95": None if r is None else _r(r.lower95_0cl),
                "upper95": None if r is None else _r(r.upper95_0cl),
                "band": band,
            }
        )
    domain = [lab for _, _, lab in bands] + [_NO_DATA]
    colours = [_BANDS[int(lab[0]) - 1] for _, _, lab in bands] + [_NO_DATA_COLOUR]
    cols = ["area_code", "area_name", "period", "value", "lower95", "upper95", "band"]
    chart = (
        alt.Chart(
            _data(
                [
                    {
                        "type": "Feature",
                        "properties": {"code": f["properties"]["code"]},
                        "geometry": _rewind(f["geometry"]),
                    }
                    for f in geojson["features"]
                ]
            )
        )
        .mark_geoshape(stroke="#333333", strokeWidth=0.6)
        .transform_lookup(
            lookup="properties.code",
            from_=alt.LookupData(_data(records), "area_code", cols[1:]),
        )
        .encode(
            color=alt.Color(
                "band:N",
                title="Value band",
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(orient="right"),
            ),
            tooltip=[
                alt.Tooltip("area_name:N", title="Area"),
                alt.Tooltip("value:Q", title="Value"),
                alt.Tooltip("period:N", title="Period"),
            ],
        )
        .project("mercator")
        .properties(width=_WIDTH - 180, height=320, title=title)
    )
    if present:
        lo = min(records, key=lambda x: x["value"] if x["value"] is not None else float("inf"))
        hi = max(records, key=lambda x: x["value"] if x["value"] is not None else float("-inf"))
        summary = (
            f"Map of {len(records)} areas; {len(present)} have a value. Lowest: "
            f"{lo['area_name']} ({_fmt(lo['value'])}); highest: {hi['area_name']} "
            f"({_fmt(hi['value'])})."
        )
    else:
        summary = f"Map of {len(records)} areas; none has a published value for this selection."
    return Chart(chart_id, title, _config(chart, summary), tuple(cols), tuple(records), summary)


@unchecked
def compare_areas(
    rows: Sequence[ValueRow],
    *,
    benchmark: str,
    benchmark_name: str,
    benchmark_value: float | None,
    title: str,
    chart_id: str = "compare",
) -> Chart:
    """Areas' values with 95% intervals, sorted, against a benchmark line (``benchmark`` is
    the stored comparison key: 'region' or 'country'); each point's colour and shape give
    the stored significance."""
    records: list[dict[str, Any]] = []
    for r in sorted(rows, key=lambda r: (r.value is None, r.value or 0.0)):
        comp = r.comparison(benchmark)
        outcome = "Not compared" if comp is None else comp.outcome
        records.append(
            {
                "area_code": r.area_code,
                "area_name": r.area_name,
                "period": r.period_label,
                "value": _r(r.value),
                "lower95": _r(r.lower95_0cl),
                "upper95": _r(r.upper95_0cl),
                "compared_to": benchmark_name,
                "benchmark_value": _r(benchmark_value),
                "outcome": outcome,
                "significance": outcome_class(outcome),
            }
        )
    order = [str(x["area_name"]) for x in records]
    classes = list(OUTCOME_COLOURS)
    base = alt.Chart(_data(records)).encode(y=alt.Y("area_name:N", sort=order, title=None))
    bars = base.mark_rule(color="#555555").encode(x="lower95:Q", x2="upper95:Q")
    points = base.mark_point(filled=True, size=70, stroke="#222222", strokeWidth=0.8).encode(
        x=alt.X("value:Q", title="Value", scale=alt.Scale(zero=False)),
        color=alt.Color(
            "significance:N",
            title=f"Compared with {benchmark_name}",
            scale=alt.Scale(domain=classes, range=[OUTCOME_COLOURS[c] for c in classes]),
        ),
        shape=alt.Shape(
            "significance:N",
            scale=alt.Scale(domain=classes, range=[OUTCOME_SHAPES[c] for c in classes]),
        ),
        tooltip=[
            alt.Tooltip("area_name:N", title="Area"),
            alt.Tooltip("value:Q", title="Value"),
            alt.Tooltip("lower95:Q", title="Lower 95%"),
            alt.Tooltip("upper95:Q", title="Upper 95%"),
            alt.Tooltip("outcome:N", title="Compared"),
        ],
    )
    layers: list[alt.Chart] = [bars, points]
    if benchmark_value is not None:
        rule = (
            alt.Chart(_data([{"benchmark": benchmark_value}]))
            .mark_rule(color="#000000", strokeDash=[6, 3], strokeWidth=1.5)
            .encode(x="benchmark:Q")
        )
        layers.append(rule)
    chart = alt.layer(*layers).properties(
        width=_WIDTH - 260, height=max(120, 14 * len(records)), title=title
    )
    counts: dict[str, int] = {}
    for x in records:
        counts[x["significance"]] = counts.get(x["significance"], 0) + 1
    parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    summary = (
        f"{len(records)} areas compared with {benchmark_name} ({_fmt(benchmark_value)}): {parts}."
    )
    cols = (
        "area_code",
        "area_name",
        "period",
        "value",
        "lower95",
        "upper95",
        "compared_to",
        "benchmark_value",
        "outcome",
        "significance",
    )
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def trend(
    series: Mapping[str, Sequence[ValueRow]], *, title: str, chart_id: str = "trend"
) -> Chart:
    """Values over time with 95% intervals, one line per area (``series``: name → rows)."""
    records: list[dict[str, Any]] = []
    for name, rows in series.items():
        for r in sorted(rows, key=lambda r: r.period_start):
            records.append(
                {
                    "area_name": name,
                    "area_code": r.area_code,
                    "period": r.period_label,
                    "value": _r(r.value),
                    "lower95": _r(r.lower95_0cl),
                    "upper95": _r(r.upper95_0cl),
                }
            )
    periods = sorted({str(x["period"]) for x in records})
    base = alt.Chart(_data(records)).encode(
        x=alt.X("period:O", sort=periods, title="Period"),
        color=alt.Color("area_name:N", title="Area", scale=alt.Scale(scheme="dark2")),
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("value:Q", title="Value", scale=alt.Scale(zero=False)),
        strokeDash=alt.StrokeDash("area_name:N", legend=None),
        tooltip=["area_name:N", "period:N", "value:Q", "lower95:Q", "upper95:Q"],
    )
    band = base.mark_rule(opacity=0.6).encode(y="lower95:Q", y2="upper95:Q")
    chart = alt.layer(band, line).properties(width=_WIDTH - 160, height=220, title=title)
    bits = []
    for name, rows in series.items():
        vals = [r for r in sorted(rows, key=lambda r: r.period_start) if r.value is not None]
        if len(vals) >= 2:
            a, b = vals[0], vals[-1]
            word = "rose" if (b.value or 0) > (a.value or 0) else "fell"
            if b.value == a.value:
                word = "was unchanged"
            bits.append(
                f"{name} {word} from {_fmt(a.value)} ({a.period_label}) to "
                f"{_fmt(b.value)} ({b.period_label})"
            )
        elif vals:
            bits.append(f"{name}: {_fmt(vals[0].value)} ({vals[0].period_label}) only")
    summary = ("; ".join(bits) + ".") if bits else "No values over time for this selection."
    cols = ("area_name", "area_code", "period", "value", "lower95", "upper95")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@dataclass(frozen=True)
class SpineEntry:
    """One indicator row of a spine chart: the area's latest value, its London and England
    values and the range across London's boroughs."""

    indicator_id: str
    indicator_name: str
    polarity: str | None
    row: ValueRow
    london: float | None
    england: float | None
    low: float | None
    high: float | None


@unchecked
def spine(entries: Sequence[SpineEntry], *, area_name: str, chart_id: str = "spine") -> Chart:
    """A spine chart: each indicator centred on England, scaled by the widest borough
    distance, turned so that better is to the right (polarity); the area's marker gives its
    significance against England by colour and shape."""
    records: list[dict[str, Any]] = []
    for e in entries:
        v = e.row.value
        if v is None or e.england is None:
            continue
        spread = max(
            abs((e.low if e.low is not None else v) - e.england),
            abs((e.high if e.high is not None else v) - e.england),
            abs(v - e.england),
            1e-9,
        )
        sign = -1.0 if e.polarity == "low_is_good" else 1.0

        england = e.england

        def pos(
            x: float | None, spread: float = spread, sign: float = sign, england: float = england
        ) -> float | None:
            return None if x is None else round(sign * (x - england) / spread, 4)

        comp = e.row.comparison("country")
        outcome = "Not compared" if comp is None else comp.outcome
        lo_pos, hi_pos = pos(e.low), pos(e.high)
        records.append(
            {
                "indicator_id": e.indicator_id,
                "indicator": e.indicator_name,
                "period": e.row.period_label,
                "sex": e.row.sex,
                "value": _r(v),
                "london": _r(e.london),
                "england": _r(e.england),
                "borough_low": _r(e.low),
                "borough_high": _r(e.high),
                "outcome": outcome,
                "significance": outcome_class(outcome),
                "pos_value": pos(v),
                "pos_london": pos(e.london),
                "pos_worst": None if lo_pos is None or hi_pos is None else min(lo_pos, hi_pos),
                "pos_best": None if lo_pos is None or hi_pos is None else max(lo_pos, hi_pos),
            }
        )
    classes = list(OUTCOME_COLOURS)
    order = [str(x["indicator"]) for x in records]
    base = alt.Chart(_data(records)).encode(
        y=alt.Y("indicator:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    )
    x_scale = alt.Scale(domain=[-1.05, 1.05])
    rng = base.mark_bar(color="#dddddd", height=10).encode(
        x=alt.X(
            "pos_worst:Q",
            scale=x_scale,
            title="Worse than England  ←  England  →  better than England",
            axis=alt.Axis(labels=False, ticks=False),
        ),
        x2="pos_best:Q",
    )
    eng = (
        alt.Chart(_data([{"x": 0}]))
        .mark_rule(color="#000000", strokeWidth=1.5)
        .encode(x=alt.X("x:Q", scale=x_scale))
    )
    lon = base.mark_tick(color="#555555", thickness=2, size=14).encode(x="pos_london:Q")
    pts = base.mark_point(filled=True, size=80, stroke="#222222", strokeWidth=0.8).encode(
        x="pos_value:Q",
        color=alt.Color(
            "significance:N",
            title="Compared with England",
            scale=alt.Scale(domain=classes, range=[OUTCOME_COLOURS[c] for c in classes]),
        ),
        shape=alt.Shape(
            "significance:N",
            scale=alt.Scale(domain=classes, range=[OUTCOME_SHAPES[c] for c in classes]),
        ),
        tooltip=["indicator:N", "value:Q", "london:Q", "england:Q", "outcome:N"],
    )
    chart = alt.layer(rng, eng, lon, pts).properties(
        width=_WIDTH - 240, height=max(100, 22 * len(records)), title=f"{area_name}: spine chart"
    )
    worse = sum(1 for x in records if x["significance"] == "worse")
    better = sum(1 for x in records if x["significance"] == "better")
    summary = (
        f"{area_name} on {len(records)} indicators against England: {better} significantly "
        f"better, {worse} significantly worse, the rest similar or not compared."
    )
    cols = tuple(k for k in (records[0] if records else {"indicator": 0}) if k[:4] != "pos_")
    if not records:
        cols = ("indicator_id", "indicator", "period", "value", "london", "england", "outcome")
    return Chart(
        chart_id,
        f"{area_name}: spine chart",
        _config(chart, summary),
        cols,
        tuple(records),
        summary,
    )
