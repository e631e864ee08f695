"""Chart specifications the reports add to the website's: a commitment's glide path and an
area's deprivation profile. Like :mod:`healthgap.charts.specs`, each draws exactly its
``records`` so the data table and the picture cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import altair as alt

from healthgap.charts.base import Chart, unchecked
from healthgap.charts.specs import _WIDTH, _config, _data, _fmt, _r
from healthgap.query import ValueRow

__all__ = ["decile_profile", "decimal_year", "glide_path"]


def decimal_year(day: date) -> float:
    """``day`` as a decimal year (1 January = .0)."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def _mid(r: ValueRow) -> float:
    return round((decimal_year(r.period_start) + decimal_year(r.period_end)) / 2, 3)


@unchecked
def glide_path(
    history: Sequence[ValueRow], detail: Mapping[str, Any], *, title: str, chart_id: str
) -> Chart:
    """Observed values (with 95% intervals) against the glide path from the baseline to the
    target at the deadline, and the projection at the deadline with its interval
    (``detail``: a stored commitment assessment's detail)."""
    records: list[dict[str, Any]] = []
    for r in sorted(history, key=lambda r: r.period_start):
        if r.value is None:
            continue
        records.append(
            {
                "series": "Observed",
                "period": r.period_label,
                "time": _mid(r),
                "value": _r(r.value),
                "lower95": _r(r.lower95_0cl),
                "upper95": _r(r.upper95_0cl),
            }
        )
    target = detail.get("target") or {}
    base_t = target.get("baseline_time")
    # A baseline whose year the source does not state is not placed anywhere: drawn at the
    # first observation it would invent a glide path (years too long or too short).
    undated = target.get("baseline_value") is not None and base_t is None
    if target.get("baseline_value") is not None and base_t is not None:
        records.append(
            {
                "series": "Glide path",
                "period": "baseline",
                "time": round(float(base_t), 3),
                "value": _r(target["baseline_value"]),
                "lower95": None,
                "upper95": None,
            }
        )
    if target.get("value") is not None and target.get("deadline") is not None:
        records.append(
            {
                "series": "Glide path",
                "period": "target at deadline",
                "time": round(float(target["deadline"]), 3),
                "value": _r(target["value"]),
                "lower95": None,
                "upper95": None,
            }
        )
    proj = detail.get("projection")
    if proj is not None and proj.get("value") is not None:
        records.append(
            {
                "series": "Projection",
                "period": "projected at deadline",
                "time": round(float(proj["time"]), 3),
                "value": _r(proj["value"]),
                "lower95": _r(proj.get("lower")),
                "upper95": _r(proj.get("upper")),
            }
        )
    domain = ["Observed", "Glide path", "Projection"]
    colours = ["#1b9e77", "#000000", "#d95f02"]
    base = alt.Chart(_data(records)).encode(
        x=alt.X("time:Q", title="Year", scale=alt.Scale(zero=False), axis=alt.Axis(format="d")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=domain, range=colours)),
    )
    observed = (
        base.transform_filter(alt.datum.series == "Observed")
        .mark_line(point=True)
        .encode(y=alt.Y("value:Q", title="Value", scale=alt.Scale(zero=False)))
    )
    glide = (
        base.transform_filter(alt.datum.series == "Glide path")
        .mark_line(strokeDash=[6, 3], point=True)
        .encode(y="value:Q")
    )
    bars = (
        base.transform_filter("datum.lower95 != null")
        .mark_rule()
        .encode(y="lower95:Q", y2="upper95:Q")
    )
    proj_pt = (
        base.transform_filter(alt.datum.series == "Projection")
        .mark_point(shape="diamond", filled=True, size=90)
        .encode(y="value:Q")
    )
    chart = alt.layer(bars, observed, glide, proj_pt).properties(
        width=_WIDTH - 180, height=180, title=title
    )
    obs = [x for x in records if x["series"] == "Observed"]
    bits = []
    if obs:
        bits.append(
            f"observed from {_fmt(obs[0]['value'])} ({obs[0]['period']}) to "
            f"{_fmt(obs[-1]['value'])} ({obs[-1]['period']})"
        )
    if undated:
        bits.append(
            f"baseline {_fmt(target['baseline_value'])} in a year the source does not state, "
            "so no glide path is drawn"
        )
    if target.get("value") is not None:
        bits.append(f"target {_fmt(target['value'])}")
    if proj is not None and proj.get("value") is not None:
        bits.append(
            f"projected {_fmt(proj['value'])} (95% interval {_fmt(proj.get('lower'))} to "
            f"{_fmt(proj.get('upper'))}) at the deadline"
        )
    summary = (
        ("Glide path: " + "; ".join(bits) + ".") if bits else "No values to draw a glide path."
    )
    cols = ("series", "period", "time", "value", "lower95", "upper95")
    return Chart(chart_id, title, _config(chart, summary), cols, tuple(records), summary)


@unchecked
def decile_profile(
    shares: Sequence[tuple[int, int, float]], *, area_name: str, chart_id: str = "deciles"
) -> Chart:
    """An area's small areas by London deprivation decile (1 = most deprived):
    ``shares`` are (decile, small areas, share of the area's small areas)."""
    records = [
        {"decile": d, "lsoas": n, "share_pct": round(100 * s, 1)} for d, n, s in sorted(shares)
    ]
    chart = (
        alt.Chart(_data(records))
        .mark_bar(color="#3182bd")
        .encode(
            x=alt.X("decile:O", title="London deprivation decile (1 = most deprived)"),
            y=alt.Y("share_pct:Q", title="% of the area's small areas (LSOAs)"),
            tooltip=["decile:O", "lsoas:Q", "share_pct:Q"],
        )
        .properties(width=_WIDTH - 200, height=160, title=f"{area_name}: deprivation profile")
    )
    top = max(records, key=lambda x: (x["share_pct"], -x["decile"])) if records else None
    most = sum(x["share_pct"] for x in records if x["decile"] <= 2)
    summary = (
        f"{area_name}: {round(most, 1)}% of its small areas are in London's two most deprived "
        f"deciles (20% across London); the largest share, {top['share_pct']}%, is in decile "
        f"{top['decile']}."
        if top
        else f"{area_name}: no small areas with a deprivation rank."
    )
    return Chart(
        chart_id,
        f"{area_name}: deprivation profile",
        _config(chart, summary),
        ("decile", "lsoas", "share_pct"),
        tuple(records),
        summary,
        {"lsoas": "Small areas (LSOAs)", "share_pct": "Share (%)", "decile": "Decile"},
    )
