"""Chart specifications for the indicator's breakdowns and the area profile: values by a
breakdown with intervals, inequality measures over time, the male–female gap, the funnel
plot, the population pyramid, the deprivation profile and the LSOA deprivation map.

Like :mod:`healthgap.charts.specs`, each returns a :class:`Chart` whose spec draws exactly
its ``records`` (inline data); every number comes from the read layer, none is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from healthgap.charts.base import Chart, unchecked
from healthgap.charts.specs import _WIDTH, _data, _fmt, _r, _rewind
from healthgap.charts.specs import _config as _base_config
from healthgap.query import ValueRow
from healthgap.query.profiles import (
    DeprivationProfile,
    Funnel,
    InequalityTrendRow,
    Pyramid,
    SexGapRow,
)

__all__ = [
    "DECILE_COLOURS",
    "breakdown_values",
    "decile_map",
    "deprivation_profile",
    "funnel_plot",
    "inequality_trend",
    "population_pyramid",
    "sex_gap",
]

#: London IMD deciles, 1 (most deprived) to 10: viridis, reversed so the most deprived tenth
#: is darkest — perceptually ordered, colour-blind-safe and readable in grey.
DECILE_COLOURS: tuple[str, ...] = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
#: Funnel significance → (colour, shape); Okabe–Ito colours, shape as the second signal.
_FUNNEL_STYLE: dict[str, tuple[str, str]] = {
    "High (0.001)": ("#d55e00", "triangle-up"),
    "High (0.025)": ("#e69f00", "triangle-up"),
    "Not significant": ("#999999", "circle"),
    "Low (0.025)": ("#56b4e9", "triangle-down"),
    "Low (0.001)": ("#0072b2", "triangle-down"),
    "Not applicable for events less than 10 for dsrs": ("#ffffff", "cross"),
}
#: At most this many points of each control-limit line are drawn (and listed).
_LIMIT_POINTS = 30


def _config(chart: alt.TopLevelMixin, description: str) -> dict[str, Any]:
    """The shared configuration, with room to spare on the left and right: vl-convert
    measures text in its own fallback font, narrower than a browser's system-ui, so long
    axis labels would otherwise be cut at the SVG's edge."""
    spec = _base_config(chart, description)
    spec["padding"] = {"left": 36, "right": 24, "top": 5, "bottom": 5}
    return spec


def _decile_label(d: int) -> str:
    suffix = " (most deprived)" if d == 1 else " (least deprived)" if d == 10 else ""
    return f"Decile {d}{suffix}"


@unchecked
def breakdown_values(
    rows: Sequence[ValueRow], *, title: str, breakdown: str, chart_id: str
) -> Chart:
    """One period's values across a breakdown's categories (deprivation deciles in order,
    ethnic groups by name), each with its 95% interval."""

    def order(r: ValueRow) -> tuple[int, str]:
        c = r.breakdown_category
        return (int(c), c) if c.isdigit() else (0, c)

    records: list[dict[str, Any]] = [
        {
            "category": (
                _decile_label(int(r.breakdown_category))
                if r.breakdown_category.isdigit()
                else r.breakdown_category
            ),
            "area_name": r.area_name,
            "period": r.period_label,
            "sex": r.sex,
            "value": _r(r.value),
            "lower95": _r(r.lower95_0cl),
            "upper95": _r(r.upper95_0cl),
        }
        for r in sorted(rows, key=order)
    ]
    cats = [str(x["category"]) for x in records]
    base = alt.Chart().encode(
        y=alt.Y("category:N", sort=cats, title=None, axis=alt.Axis(labelLimit=220))
    )
    bars = base.mark_rule(color="#555555", strokeWidth=2).encode(x="lower95:Q", x2="upper95:Q")
    pts = base.mark_point(filled=True, size=70, color="#08519c", shape="circle").encode(
        x=alt.X("value:Q", title="Value", scale=alt.Scale(zero=False)),
        tooltip=["category:N", "value:Q", "lower95:Q", "upper95:Q"],
    )
    chart = alt.layer(bars, pts, data=_data(records)).properties(
        width=_WIDTH - 260, height=max(100, 22 * len(records)), title=title
    )
    shown = [x for x in records if x["value"] is not None]
    if shown:
        lo = min(shown, key=lambda x: x["value"])
        hi = max(shown, key=lambda x: x["value"])
        summary = (
            f"{len(records)} {breakdown}: lowest {lo['category']} ({_fmt(lo['value'])}), "
            f"highest {hi['category']} ({_fmt(hi['value'])})."
        )
    else:
        summary = f"No values by {breakdown} for this selection."
    cols = ("category", "area_name", "period", "sex", "value", "lower95", "upper95")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


_MEASURE_NAMES = {
    "sii": "slope index of inequality (SII)",
    "rii": "relative index of inequality (RII)",
    "gap": "gap between the least and most deprived deciles",
    "heat-d": "difference between the most and least advantaged groups (HEAT D)",
    "heat-r": "ratio of the most to the least advantaged group (HEAT R)",
}


def measure_name(measure: str) -> str:
    """A measure key ('sii-imd2019-decile-london', 'heat-d-ethnic-group' …) in words
    (lower case, for use inside a sentence)."""
    parts = measure.split("-")
    head = "-".join(parts[:2]) if parts[0] == "heat" else parts[0]
    if head in _MEASURE_NAMES:
        return _MEASURE_NAMES[head]
    return f"HEAT {parts[1].upper()}" if parts[0] == "heat" else measure


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _order_of(name: str, measures: Sequence[str]) -> int:
    names = [_cap(measure_name(m)) for m in measures]
    return names.index(name) if name in names else len(names)


@unchecked
def inequality_trend(
    rows: Sequence[InequalityTrendRow], *, title: str, chart_id: str, measures: Sequence[str]
) -> Chart:
    """Inequality measures (the keys in ``measures``) over time with their 95% intervals,
    one small chart per measure (each with its own scale)."""
    records: list[dict[str, Any]] = [
        {
            "measure": _cap(measure_name(t.row.measure)),
            "period": t.period_label,
            "value": _r(t.row.value, 3),
            "lower95": _r(t.row.lower95_0cl, 3),
            "upper95": _r(t.row.upper95_0cl, 3),
            "unit": t.row.unit,
            "note": t.row.note,
        }
        for t in sorted(rows, key=lambda t: (t.row.measure, t.period_start))
        if t.row.measure in measures
    ]
    records.sort(key=lambda x: _order_of(x["measure"], measures))
    periods = sorted({str(x["period"]) for x in records})
    order = [_cap(measure_name(m)) for m in measures]
    base = alt.Chart().encode(x=alt.X("period:O", sort=periods, title="Period"))
    band = base.mark_rule(color="#777777", strokeWidth=2).encode(
        y=alt.Y("lower95:Q", title="Value", scale=alt.Scale(zero=False)), y2="upper95:Q"
    )
    line = base.mark_line(point=True, color="#08519c").encode(
        y="value:Q", tooltip=["measure:N", "period:N", "value:Q", "lower95:Q", "upper95:Q"]
    )
    chart = (
        alt.layer(band, line, data=_data(records))
        .properties(width=_WIDTH - 200, height=110)
        .facet(
            row=alt.Row(
                "measure:N",
                title=None,
                sort=order,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelAnchor="start",
                    labelOrient="top",
                    labelFontSize=12,
                    labelLimit=0,
                ),
            )
        )
        .resolve_scale(y="independent")
        .properties(title=title)
    )
    bits = []
    for name in dict.fromkeys(str(x["measure"]) for x in records):
        got = [x for x in records if x["measure"] == name and x["value"] is not None]
        if got:
            a, b = got[0], got[-1]
            ci = (
                f" (95% interval {_fmt(b['lower95'])} to {_fmt(b['upper95'])})"
                if b["lower95"] is not None
                else ""
            )
            bits.append(
                f"{name}: {_fmt(b['value'])} in {b['period']}{ci}"
                + (f", {_fmt(a['value'])} in {a['period']}" if a is not b else "")
            )
    summary = ("; ".join(bits) + ".") if bits else "No inequality measures for this selection."
    cols = ("measure", "period", "value", "lower95", "upper95", "unit", "note")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def sex_gap(rows: Sequence[SexGapRow], *, title: str, unit: str, chart_id: str) -> Chart:
    """Male minus female over time with the gap's 95% interval and a line at no gap."""
    records: list[dict[str, Any]] = [
        {
            "period": r.period_label,
            "male": _r(r.male),
            "female": _r(r.female),
            "gap": _r(r.gap, 3),
            "lower95": _r(r.lower95, 3),
            "upper95": _r(r.upper95, 3),
        }
        for r in rows
    ]
    periods = [str(x["period"]) for x in records]
    base = alt.Chart().encode(x=alt.X("period:O", sort=periods, title="Period"))
    band = base.mark_rule(color="#777777", strokeWidth=2).encode(
        y=alt.Y("lower95:Q", title=f"Male minus female ({unit})"), y2="upper95:Q"
    )
    line = base.mark_line(point=True, color="#08519c").encode(
        y="gap:Q", tooltip=["period:N", "male:Q", "female:Q", "gap:Q", "lower95:Q", "upper95:Q"]
    )
    zero = (
        alt.Chart(_data([{"zero": 0}]))
        .mark_rule(color="#000000", strokeDash=[4, 3])
        .encode(y="zero:Q")
    )
    chart = alt.layer(zero, alt.layer(band, line, data=_data(records))).properties(
        width=_WIDTH - 180, height=200, title=title
    )
    if records:
        last = records[-1]
        summary = (
            f"In {last['period']} the male value was {_fmt(last['male'])} and the female "
            f"{_fmt(last['female'])}: a gap of {_fmt(last['gap'])} {unit}"
            + (
                f" (95% interval {_fmt(last['lower95'])} to {_fmt(last['upper95'])})."
                if last["lower95"] is not None
                else "."
            )
        )
    else:
        summary = "No period holds values for both sexes."
    cols = ("period", "male", "female", "gap", "lower95", "upper95")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def funnel_plot(f: Funnel, *, title: str, x_title: str, chart_id: str = "funnel") -> Chart:
    """Boroughs' values against their denominators, with the baseline and the 95% and
    99.8% control limits from the read layer; colour and shape give each borough's place."""
    records: list[dict[str, Any]] = [
        {
            "kind": "area",
            "area_code": p.area_code,
            "area_name": p.area_name,
            "x": _r(p.denominator, 1),
            "value": _r(p.value, 3),
            "count": _r(p.count, 1),
            "significance": p.significance,
            "limit": None,
        }
        for p in sorted(f.points, key=lambda p: p.denominator)
    ]
    for level in ("95%", "99.8%"):
        for side in ("lower", "upper"):
            line = [ln for ln in f.lines if ln.level == level and ln.side == side]
            step = max(1, -(-len(line) // _LIMIT_POINTS))
            keep = line[::step] + ([line[-1]] if line and (len(line) - 1) % step else [])
            records += [
                {
                    "kind": "limit",
                    "area_code": None,
                    "area_name": None,
                    "x": _r(ln.x, 1),
                    "value": _r(ln.y, 3),
                    "count": None,
                    "significance": None,
                    "limit": f"{level} {side}",
                }
                for ln in keep
            ]
    xs = [x["x"] for x in records if x["kind"] == "area"]
    lo, hi = min(xs) * 0.8, max(xs) * 1.2
    records = [x for x in records if x["kind"] == "area" or lo <= x["x"] <= hi]
    data = _data(records)
    x_enc = alt.X("x:Q", title=x_title, scale=alt.Scale(domain=[lo, hi], nice=False))
    limits = (
        alt.Chart()
        .transform_filter("datum.kind === 'limit'")
        .mark_line(color="#444444", clip=True)
        .encode(
            x=x_enc,
            y=alt.Y("value:Q", title="Value", scale=alt.Scale(zero=False)),
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "limit:N",
                title="Control limits",
                scale=alt.Scale(
                    domain=["95% lower", "95% upper", "99.8% lower", "99.8% upper"],
                    range=[[4, 2], [4, 2], [1, 0], [1, 0]],
                ),
            ),
        )
    )
    base_rule = (
        alt.Chart(_data([{"baseline": _r(f.baseline, 3)}]))
        .mark_rule(color="#000000", strokeWidth=1.5)
        .encode(y="baseline:Q")
    )
    styles = [s for s in _FUNNEL_STYLE if any(x["significance"] == s for x in records)]
    pts = (
        alt.Chart()
        .transform_filter("datum.kind === 'area'")
        .mark_point(filled=True, size=70, stroke="#222222", strokeWidth=0.8)
        .encode(
            x=x_enc,
            y="value:Q",
            color=alt.Color(
                "significance:N",
                title="Against the funnel",
                legend=alt.Legend(titleLimit=0),
                scale=alt.Scale(domain=styles, range=[_FUNNEL_STYLE[s][0] for s in styles]),
            ),
            shape=alt.Shape(
                "significance:N",
                scale=alt.Scale(domain=styles, range=[_FUNNEL_STYLE[s][1] for s in styles]),
            ),
            tooltip=["area_name:N", "value:Q", "count:Q", "x:Q", "significance:N"],
        )
    )
    chart = alt.layer(alt.layer(limits, pts, data=data), base_rule).properties(
        width=_WIDTH - 260, height=280, title=title
    )
    areas = [x for x in records if x["kind"] == "area"]
    outside = [x for x in areas if x["significance"] != "Not significant"]
    summary = (
        f"{len(areas)} boroughs against London's pooled value ({_fmt(f.baseline)}; "
        f"{f.method} limits): {len(outside)} outside the 95% control limits"
        + (
            ": " + ", ".join(f"{x['area_name']} ({x['significance']})" for x in outside)
            if outside
            else ""
        )
        + "."
    )
    cols = ("kind", "area_code", "area_name", "x", "value", "count", "significance", "limit")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def population_pyramid(p: Pyramid, *, chart_id: str = "pyramid") -> Chart:
    """Population by five-year age band: females to the right, males to the left."""
    title = f"{p.area_name}: population by age and sex, {p.year}"
    records: list[dict[str, Any]] = [
        {
            "age_band": r.age_band,
            "sex": r.sex,
            "population": round(r.population),
            "percent": _r(r.percent, 2),
        }
        for r in p.rows
    ]
    bands = list(dict.fromkeys(str(x["age_band"]) for x in records))[::-1]
    chart = (
        alt.Chart(_data(records))
        .transform_calculate(signed="datum.sex === 'male' ? -datum.percent : datum.percent")
        .mark_bar()
        .encode(
            y=alt.Y("age_band:N", sort=bands, title="Age"),
            x=alt.X(
                "signed:Q",
                title="Per cent of the population (males left, females right)",
                axis=alt.Axis(labelExpr="abs(datum.value)", format=".0f"),
            ),
            color=alt.Color(
                "sex:N",
                title="Sex",
                scale=alt.Scale(domain=["female", "male"], range=["#e66101", "#5e3c99"]),
            ),
            tooltip=["age_band:N", "sex:N", "population:Q", "percent:Q"],
        )
        .properties(width=_WIDTH - 200, height=300, title=title)
    )
    total = sum(int(x["population"]) for x in records)
    young = sum(
        float(x["percent"] or 0) for x in records if x["age_band"] in ("0-4", "5-9", "10-14")
    )
    old = sum(
        float(x["percent"] or 0)
        for x in records
        if x["age_band"] in ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
    )
    summary = (
        f"{p.area_name} had {total:,} residents in {p.year}: {young:.1f}% aged under 15 and "
        f"{old:.1f}% aged 65 or over."
    )
    cols = ("age_band", "sex", "population", "percent")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def deprivation_profile(d: DeprivationProfile, *, chart_id: str = "deprivation") -> Chart:
    """Share of the area's LSOAs in each London IMD decile, with London's share (a tenth
    each, by construction) as a tick."""
    edition = d.edition.replace("imd", "IMD ")
    title = f"{d.area_name}: share of its LSOAs in each London deprivation decile ({edition})"
    records: list[dict[str, Any]] = [
        {
            "decile": s.decile,
            "decile_label": _decile_label(s.decile),
            "lsoas": s.lsoas,
            "share": _r(s.share, 1),
            "london_share": _r(s.london_share, 1),
        }
        for s in d.shares
    ]
    labels = [str(x["decile_label"]) for x in records]
    base = alt.Chart().encode(
        y=alt.Y("decile_label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=220))
    )
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title="Per cent of the area's LSOAs"),
        color=alt.Color(
            "decile_label:N",
            scale=alt.Scale(domain=labels, range=list(DECILE_COLOURS)),
            legend=None,
        ),
        tooltip=["decile_label:N", "lsoas:Q", "share:Q", "london_share:Q"],
    )
    tick = base.mark_tick(color="#000000", thickness=2, size=18).encode(x="london_share:Q")
    chart = alt.layer(bars, tick, data=_data(records)).properties(
        width=_WIDTH - 260, height=240, title=title
    )
    most = sum(float(x["share"] or 0) for x in records if int(x["decile"]) <= 2)
    least = sum(float(x["share"] or 0) for x in records if int(x["decile"]) >= 9)
    summary = (
        f"{len(d.lsoas)} LSOAs: {most:.1f}% are in London's two most deprived deciles and "
        f"{least:.1f}% in its two least deprived (London: 20% each, by construction)."
    )
    cols = ("decile", "decile_label", "lsoas", "share", "london_share")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def decile_map(
    d: DeprivationProfile, geojson: Mapping[str, Any], *, chart_id: str = "lsoa-map"
) -> Chart:
    """The area's LSOAs coloured by London IMD decile (1 = most deprived)."""
    edition = d.edition.replace("imd", "IMD ")
    title = f"{d.area_name}: LSOAs by London deprivation decile ({edition})"
    by_code = {x.lsoa_code: x for x in d.lsoas}
    records: list[dict[str, Any]] = []
    for f in geojson["features"]:
        code = str(f["properties"]["code"])
        x = by_code.get(code)
        records.append(
            {
                "lsoa_code": code,
                "lsoa_name": str(f["properties"]["name"]),
                "london_decile": None if x is None else x.london_decile,
                "decile_label": "No data" if x is None else _decile_label(x.london_decile),
                "imd_score": None if x is None else _r(x.score, 2),
            }
        )
    labels = [_decile_label(i) for i in range(1, 11)]
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
        .mark_geoshape(stroke="#ffffff", strokeWidth=0.3)
        .transform_lookup(
            lookup="properties.code",
            from_=alt.LookupData(
                _data(records), "lsoa_code", ["lsoa_name", "decile_label", "imd_score"]
            ),
        )
        .encode(
            color=alt.Color(
                "decile_label:N",
                title="London IMD decile",
                scale=alt.Scale(domain=[*labels, "No data"], range=[*DECILE_COLOURS, "#d9d9d9"]),
            ),
            tooltip=[
                alt.Tooltip("lsoa_name:N", title="LSOA"),
                alt.Tooltip("decile_label:N", title="Decile"),
                alt.Tooltip("imd_score:Q", title="IMD score"),
            ],
        )
        .project("mercator")
        .properties(width=_WIDTH - 280, height=300, title=title)
    )
    most = sum(1 for r in records if r["london_decile"] in (1, 2))
    summary = (
        f"Map of {len(records)} LSOAs in {d.area_name}; {most} are in London's two most "
        f"deprived deciles."
    )
    cols = ("lsoa_code", "lsoa_name", "london_decile", "decile_label", "imd_score")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)
