"""The indicator page's maps beyond boroughs, inequalities and funnel plot, and the area
profile's population pyramid and deprivation profile (issue #14 pages 3 and 4).

Everything is read through :mod:`healthgap.query` (values, ``inequality`` and the readers of
:mod:`healthgap.query.profiles`); the sentences only say what the read layer's intervals
and outcomes say. Design: ``docs/design/0820-website.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from healthgap.charts import Chart
from healthgap.charts import choropleth as choropleth_chart
from healthgap.charts import profiles as cp
from healthgap.geography import LONDON
from healthgap.query import AreaInfo, NoData, ReadLayer, UnknownParameter, ValueRow, Viewer
from healthgap.query.maps import MAP_LEVELS, map_boundaries
from healthgap.query.profiles import (
    deprivation_profile,
    funnel,
    inequality_trend,
    population_pyramid,
    sex_gap,
)
from healthgap.web.data import Selection

__all__ = ["BREAKDOWNS", "IndicatorExtras", "area_extras", "indicator_extras", "measure_sentence"]

#: Breakdowns shown on the indicator page: breakdown_type → (words, measures to chart).
BREAKDOWNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "imd2019_decile_london": (
        "London deprivation deciles (IMD 2019)",
        tuple(f"{m}-imd2019-decile-london" for m in ("sii", "rii", "gap")),
    ),
    "imd2019_decile": (
        "national deprivation deciles (IMD 2019)",
        tuple(f"{m}-imd2019-decile" for m in ("sii", "rii", "gap")),
    ),
    "ethnic_group": ("ethnic groups", ("heat-d-ethnic-group", "heat-r-ethnic-group")),
}
_SMALL = ("msoa21", "msoa11", "lsoa21", "lsoa11")
_FUNNEL_X = {"proportion": "Denominator (people)", "rate": "Person-years a year"}


@dataclass
class IndicatorExtras:
    """What the indicator page adds: charts (all downloadable) and notes per section."""

    maps: list[Chart] = field(default_factory=list)
    small_levels: tuple[str, ...] = ()
    small: str | None = None
    within: str | None = None
    within_choices: tuple[AreaInfo, ...] = ()
    icb_sentences: list[tuple[ValueRow, str]] = field(default_factory=list)
    inequality: list[dict[str, Any]] = field(default_factory=list)
    sex_gap: Chart | None = None
    sex_sentence: str | None = None
    funnel: Chart | None = None
    funnel_note: str | None = None

    def charts(self) -> list[Chart]:
        out = list(self.maps)
        for block in self.inequality:
            out += [c for c in (block["values"], block["trend"]) if c is not None]
        out += [c for c in (self.sex_gap, self.funnel) if c is not None]
        return out


def _interval(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f" (95% interval {lo:,.2f} to {hi:,.2f})"


def measure_sentence(name: str, value: float | None, lo: float | None, hi: float | None) -> str:
    """A measure of inequality in words: whether its 95% interval excludes no difference
    (0 for differences, 1 for ratios); honest when there is no interval."""
    if value is None:
        return f"The {name} could not be calculated for this selection."
    null = 1.0 if "relative" in name.lower() or "ratio" in name.lower() else 0.0
    head = f"The {name} is {value:,.2f}{_interval(lo, hi)}"
    if lo is None or hi is None:
        return head + ", but no interval is available to judge it against chance."
    if lo > null or hi < null:
        return head + ": the inequality is bigger than chance alone would explain."
    return head + ": the inequality could be due to chance alone."


def indicator_extras(
    q: ReadLayer,
    v: Viewer,
    sel: Selection,
    *,
    title: str,
    benchmark_key: str,
    benchmark_name: str,
    small: str | None,
    within: str | None,
) -> IndicatorExtras:
    """ICB and small-area maps, inequalities at London and the funnel for ``sel``."""
    from healthgap.web.pages import sentence

    ex = IndicatorExtras()
    if sel.period is None or sel.sex is None or sel.series is None:
        return ex
    now = [r for r in sel.rows if r.period_label == sel.period]
    # ---- maps: ICBs, then small areas within a borough
    icbs = [r for r in now if r.area_type == "icb"]
    if icbs:
        ex.maps.append(
            choropleth_chart(
                icbs,
                map_boundaries(q, "icb"),
                title=f"{title}: London's integrated care boards",
                chart_id="map-icb",
            )
        )
        bench = next((r for r in now if r.area_code == LONDON), None)
        for r in sorted(icbs, key=lambda r: r.area_name):
            comp = r.comparison(benchmark_key)
            ex.icb_sentences.append(
                (
                    r,
                    sentence(
                        r.area_name,
                        r.value,
                        benchmark_name,
                        None if bench is None else bench.value,
                        "Not compared" if comp is None else comp.outcome,
                    ),
                )
            )
    held = tuple(t for t in _SMALL if any(r.area_type == t for r in now))
    ex.small_levels = held
    if not held and (small is not None or within is not None):
        # never ignore a parameter silently: this selection has no small-area values
        raise NoData(
            {"indicator": sel.indicator.id, "period": sel.period, "small": small, "within": within},
            {"area_types_held": sorted({r.area_type for r in now})},
        )
    if held:
        if small is not None and small not in held:
            raise UnknownParameter("small", small, valid=held)
        level = small or held[0]
        rows = [r for r in now if r.area_type == level]
        choices = tuple(a for a in _boroughs(q) if _has_small(q, a.code, level, rows))
        ex.within_choices = choices
        valid = tuple(a.code for a in choices)
        if within is not None and within not in valid:
            raise UnknownParameter("within", within, valid=valid)
        area = within or (valid[0] if valid else None)
        if area is not None:
            geo = map_boundaries(q, level, within=area)
            codes = {f["properties"]["code"] for f in geo["features"]}
            name = q.area(area).name
            ex.maps.append(
                choropleth_chart(
                    [r for r in rows if r.area_code in codes],
                    geo,
                    title=f"{title}: {MAP_LEVELS[level][1]} in {name}",
                    chart_id="map-small",
                )
            )
            ex.small, ex.within = level, area
    # ---- inequalities at London
    for btype, (words, measures) in BREAKDOWNS.items():
        try:
            values = q.values(
                v,
                indicator=sel.series,
                area=LONDON,
                period=sel.period,
                sex=sel.sex,
                breakdown=btype,
            )
        except NoData:
            continue
        slug = btype.replace("_", "-")
        block: dict[str, Any] = {
            "breakdown": btype,
            "words": words,
            "values": cp.breakdown_values(
                values,
                title=f"{title}: London by {words}",
                breakdown=words,
                chart_id=f"ineq-{slug}",
            ),
            "trend": None,
            "measures": [],
            "note": None,
        }
        ind_id = sel.indicator.id
        try:
            trend = inequality_trend(
                q, v, indicator=ind_id, area=LONDON, breakdown=btype, sex=sel.sex
            )
        except NoData as e:
            block["note"] = f"No measures of inequality can be calculated: {e}"
        else:
            block["trend"] = cp.inequality_trend(
                trend,
                title=f"{sel.indicator.name} ({sel.sex}): inequality across {words} over time",
                chart_id=f"ineq-trend-{slug}",
                measures=measures,
            )
            for t in trend:
                if t.period_label == sel.period and t.row.measure in measures:
                    name = cp.measure_name(t.row.measure)
                    block["measures"].append(
                        (
                            t.row,
                            name,
                            measure_sentence(
                                name, t.row.value, t.row.lower95_0cl, t.row.upper95_0cl
                            ),
                        )
                    )
        ex.inequality.append(block)
    # ---- male and female
    if {"male", "female"} <= set(sel.sexes):
        try:
            gaps = sex_gap(q, v, series=sel.series, area=LONDON)
        except NoData:
            gaps = []
        if gaps:
            ex.sex_gap = cp.sex_gap(
                gaps,
                title=f"{sel.indicator.name}: male minus female in London over time",
                unit=sel.indicator.unit,
                chart_id="sex-gap",
            )
            last = next((g for g in gaps if g.period_label == sel.period), gaps[-1])
            ex.sex_sentence = (
                f"In {last.period_label}, London's male value ({last.male:,.1f}) was "
                f"{'higher' if last.gap > 0 else 'lower' if last.gap < 0 else 'the same as'}"
                f"{' than' if last.gap else ''} its female value ({last.female:,.1f}). "
                + measure_sentence(
                    "difference between males and females", last.gap, last.lower95, last.upper95
                ).replace("inequality", "difference")
            )
    # ---- funnel
    try:
        f = funnel(
            q, v, indicator=sel.indicator.id, series=sel.series, period=sel.period, sex=sel.sex
        )
    except NoData as e:
        if "statistics_with_funnels" in e.available:
            ex.funnel_note = (
                "No funnel plot: funnels are drawn for proportions and rates, and this "
                f"indicator is a {sel.indicator.statistic.value.replace('_', ' ')}."
            )
        elif "boroughs_with_count_and_denominator" in e.available:
            n_held = e.available["boroughs_with_count_and_denominator"][0]
            ex.funnel_note = (
                "No funnel plot: it needs each borough's count and denominator, and "
                f"{n_held} of London's boroughs publish both for this selection."
            )
        else:  # the NoData text names series keys and parameters: not for the public page
            ex.funnel_note = (
                "No funnel plot: no borough values are held for this period and sex in the "
                "indicator's own series."
            )
    else:
        ex.funnel = cp.funnel_plot(
            f,
            title=f"{title}: funnel plot of the boroughs",
            x_title=_FUNNEL_X.get(f.statistic.split(" ")[0], "Denominator"),
        )
    return ex


def _boroughs(q: ReadLayer) -> list[AreaInfo]:
    return q.areas(area_type="ltla", parent=LONDON)


def _has_small(q: ReadLayer, borough: str, level: str, rows: list[ValueRow]) -> bool:
    inside = {a.code for a in q.areas(area_type=level, parent=borough)}
    return any(r.area_code in inside for r in rows)


def area_extras(
    q: ReadLayer, v: Viewer, info: AreaInfo, *, map_borough: str | None
) -> dict[str, Any]:
    """The area profile's pyramid, deprivation profile and LSOA deprivation map (for an ICB
    or London, the map shows one of its boroughs: ``map_borough``, the first by default)."""
    out: dict[str, Any] = {
        "pyramid": None,
        "pyramid_note": None,
        "deprivation": None,
        "lsoa_map": None,
        "deprivation_note": None,
        "map_choices": (),
        "map_borough": None,
    }
    try:
        out["pyramid"] = cp.population_pyramid(population_pyramid(q, v, info.code))
    except NoData as e:
        out["pyramid_note"] = f"No population pyramid: {e}"
    try:
        profile = deprivation_profile(q, info.code)
    except NoData as e:
        out["deprivation_note"] = f"No deprivation profile: {e}"
        return out
    out["deprivation"] = cp.deprivation_profile(profile)
    target = info.code
    if info.area_type != "ltla":
        choices = tuple(q.areas(area_type="ltla", parent=info.code))
        valid = tuple(a.code for a in choices)
        if map_borough is not None and map_borough not in valid:
            raise UnknownParameter("map_borough", map_borough, valid=valid)
        target = map_borough or valid[0]
        out["map_choices"], out["map_borough"] = choices, target
        profile = deprivation_profile(q, target)
    elif map_borough is not None:
        raise UnknownParameter("map_borough", map_borough, valid=())
    out["lsoa_map"] = cp.decile_map(profile, map_boundaries(q, profile.lsoa_type, within=target))
    return out
