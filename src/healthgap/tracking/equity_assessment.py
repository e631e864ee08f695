"""Equity assessment from the store: is the gap narrowing, and red-red flags.

For every indicator that is itself an inequality measure (statistic ``sii`` or
``percentage_point_gap``) the series of each area and sex held is tested with
``equity.gap_trend``. For every indicator whose series hold a deprivation breakdown
(``imd_quintile`` / ``imd_decile`` rows), the most-versus-least-deprived gap per period is
tested, and the most deprived group's trend is compared with the whole area's
(``equity.improves_faster``). Indicators that declare a deprivation breakdown the store does
not hold get a row with that reason. Red-red (``red_red``): per area, the latest value
compared with London (else England) by the indicator's Fingertips method and polarity, and
the Fingertips recent trend; flagged when significantly worse and getting worse.

Trends use non-overlapping periods only and a t test on k − 2 degrees of freedom
(``equity.gap_trend``); each row says how many periods it rests on. ``as_of`` reads the
values as published on that date. Boroughs are ``geography.LONDON_BOROUGHS``. Only an
indicator's own series are read (``assessment.indicator_rows``): never a proxy, a
transformed series or another indicator's series; the one exception is a deprivation-gap
indicator's declared derivation (``_gap_sources``), named as such in each row's basis.
Each row's ``reason`` is plain words for the public; its ``basis`` the series, periods and
test it rests on, for analysts (ADR 0700).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np

from healthgap.catalogue import (
    Breakdown,
    Catalogue,
    Indicator,
    Polarity,
    Statistic,
    Transform,
)
from healthgap.geography import LONDON_BOROUGHS
from healthgap.methods.compare import Polarity as MethodPolarity
from healthgap.methods.compare import compare_with_benchmark
from healthgap.methods.trend import recent_trend
from healthgap.store import Store
from healthgap.tracking.assessment import ENGLAND, LONDON, indicator_rows, period_observation
from healthgap.tracking.equity import (
    FasterImprovement,
    GapTrend,
    GapVerdict,
    gap_trend,
    improves_faster,
    is_red_red,
)
from healthgap.tracking.trajectory import Observation

__all__ = ["EquityRow", "RedRed", "assess_equity", "red_red"]

_DEPRIVATION = ("imd_quintile", "imd_decile")
_LONDON_BOROUGHS = frozenset(LONDON_BOROUGHS)
_DEPRIVATION_BREAKDOWNS = {Breakdown.DEPRIVATION_DECILE, Breakdown.DEPRIVATION_QUINTILE}
_MEASURES = {
    "sii": "slope index of inequality",
    "rii": "relative index of inequality",
    "gap": "gap",
}


@dataclass(frozen=True)
class EquityRow:
    """The gap verdict for one indicator, area and sex (or the reason there is none).

    ``reason`` says why the verdict is what it is in plain words (the website and reports
    show it); ``basis`` says what it rests on: the series or derivation read, the periods
    used and the test (for analysts: the CLI and the API; ADR 0700)."""

    indicator_id: str
    area_code: str | None
    sex: str | None
    measure: Literal["sii", "rii", "gap"] | None
    verdict: GapVerdict
    reason: str
    gap: GapTrend | None = None
    faster: FasterImprovement | None = None
    series: str | None = None
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        g = self.gap
        return {
            "indicator_id": self.indicator_id,
            "area_code": self.area_code,
            "sex": self.sex,
            "measure": self.measure,
            "series": self.series,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "basis": self.basis,
            "slope_per_year": None if g is None or g.trend is None else g.trend.slope,
            "slope_se": None if g is None or g.trend is None else g.trend.se,
            "p_value": None if g is None else g.p_value,
            "test": None
            if g is None or g.trend is None
            else f"Student's t on {g.trend.df} degrees of freedom",
            "points": None if g is None else g.points,
            "periods_held": None if g is None else g.periods_held,
            "periods_used": "non-overlapping",
            "first": None if g is None or g.first is None else [g.first.label, g.first.value],
            "latest": None if g is None or g.latest is None else [g.latest.label, g.latest.value],
            "most_deprived_improves_faster": None if self.faster is None else self.faster.answer,
            "faster_reason": None if self.faster is None else self.faster.reason,
            "faster_points": None if self.faster is None else list(self.faster.points),
        }


@dataclass(frozen=True)
class RedRed:
    """Whether one area is significantly worse than its benchmark and getting worse."""

    indicator_id: str
    area_code: str
    benchmark_code: str
    period: str
    comparison: str
    trend: str
    flag: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator_id": self.indicator_id,
            "area_code": self.area_code,
            "benchmark_code": self.benchmark_code,
            "period": self.period,
            "comparison": self.comparison,
            "trend": self.trend,
            "red_red": self.flag,
            "reason": self.reason,
        }


def _obs(rows: Sequence[dict[str, Any]]) -> list[Observation]:
    return sorted(
        (
            period_observation(
                r["period_start"],
                r["period_end"],
                float(r["value"]),
                lower95=r["lower95_0cl"],
                upper95=r["upper95_0cl"],
                label=str(r["period_label"]),
            )
            for r in rows
        ),
        key=lambda o: o.time,
    )


def _groups(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["series"], r["area_code"], r["sex"]), []).append(r)
    return out


def _rank(category: str) -> int | None:
    """0 for the most deprived group, 1 for the least, None otherwise (published wording)."""
    text = category.lower()
    if "most deprived" in text and "second" not in text:
        return 0
    if "least deprived" in text and "second" not in text:
        return 1
    return None


def _measure_series(indicator: Indicator, rows: Sequence[dict[str, Any]]) -> list[EquityRow]:
    measure: Literal["sii", "gap"] = "sii" if indicator.statistic is Statistic.SII else "gap"
    plain = [r for r in rows if r["breakdown_type"] == "none"]
    out = []
    for (series, area, sex), group in sorted(_groups(plain).items()):
        g = gap_trend(_obs(group), measure=measure)
        basis = f"{_MEASURES[measure]} series {series}: {g.detail}"
        out.append(
            EquityRow(
                indicator.id, area, sex, measure, g.verdict, g.reason, g, series=series, basis=basis
            )
        )
    return out


def _gap_sources(indicator: Indicator) -> list[str]:
    """The series a deprivation-gap indicator is declared to be derived from (``transform:
    derived``, not a proxy), e.g. ``reception_obesity_deprivation_gap`` from the quintiles of
    ``fingertips:92026``: the most-minus-least-deprived gap this module computes is that
    derivation. Only a percentage-point gap that declares a deprivation breakdown has them."""
    if indicator.statistic is not Statistic.PERCENTAGE_POINT_GAP or not (
        _DEPRIVATION_BREAKDOWNS & set(indicator.breakdowns)
    ):
        return []
    return [
        s.series
        for s in indicator.sources
        if s.series is not None and not s.proxy and s.transform is Transform.DERIVED
    ]


def _source_rows(store: Store, keys: list[str], as_of: date | None) -> list[dict[str, Any]]:
    table = store.values(series=keys, as_published_on=as_of)
    return [r for r in table.to_pylist() if r["value"] is not None and not r["suppressed"]]


def _deprivation_gap(
    indicator: Indicator, rows: Sequence[dict[str, Any]], *, declared: bool = False
) -> list[EquityRow]:
    """Most-minus-least-deprived gap trends per series, area and sex; ``declared``: the rows
    are of a series the indicator is derived from (``_gap_sources``), and the reason says so."""
    dep = [r for r in rows if r["breakdown_type"] in _DEPRIVATION]
    plain = _groups([r for r in rows if r["breakdown_type"] == "none"])
    out = []
    for (series, area, sex), group in sorted(_groups(dep).items()):
        by_period: dict[tuple[Any, Any], dict[int, dict[str, Any]]] = {}
        for r in group:
            rank = _rank(r["breakdown_category"])
            if rank is not None:
                by_period.setdefault((r["period_start"], r["period_end"]), {})[rank] = r
        gaps: list[Observation] = []
        most: list[Observation] = []
        for (start, end), pair in sorted(by_period.items()):
            if 0 not in pair or 1 not in pair:
                continue
            a, b = pair[0], pair[1]
            lo = hi = None
            if None not in (a["lower95_0cl"], a["upper95_0cl"], b["lower95_0cl"], b["upper95_0cl"]):
                se = np.hypot(
                    (a["upper95_0cl"] - a["lower95_0cl"]) / 3.919927969080108,
                    (b["upper95_0cl"] - b["lower95_0cl"]) / 3.919927969080108,
                )
                diff = a["value"] - b["value"]
                lo, hi = diff - 1.959963984540054 * se, diff + 1.959963984540054 * se
            label = str(a["period_label"])
            gaps.append(
                period_observation(
                    start, end, a["value"] - b["value"], lower95=lo, upper95=hi, label=label
                )
            )
            most.append(
                period_observation(
                    start,
                    end,
                    a["value"],
                    lower95=a["lower95_0cl"],
                    upper95=a["upper95_0cl"],
                    label=label,
                )
            )
        g = gap_trend(gaps, measure="gap")
        average = [o for o in _obs(plain.get((series, area, sex), [])) if o.time >= 0]
        faster = None
        if indicator.polarity is not Polarity.NO_JUDGEMENT:
            faster = improves_faster(
                most, average, higher_is_better=indicator.polarity is Polarity.HIGH_IS_GOOD
            )
        out.append(
            EquityRow(
                indicator.id,
                area,
                sex,
                "gap",
                g.verdict,
                g.reason,
                g,
                faster,
                series,
                (
                    f"most minus least deprived of {series}, the derivation the catalogue "
                    f"declares for {indicator.id}: {g.detail}"
                    if declared
                    else f"most minus least deprived of {series}: {g.detail}"
                ),
            )
        )
    return out


def assess_equity(
    catalogue: Catalogue,
    store: Store,
    *,
    indicator_ids: Sequence[str] | None = None,
    as_of: date | None = None,
) -> list[EquityRow]:
    """Gap trends for every inequality measure and deprivation breakdown held.

    ``as_of``: the values as published on that date (default: now).
    """
    chosen = (
        catalogue.indicators
        if indicator_ids is None
        else tuple(catalogue.indicator(i) for i in indicator_ids)
    )
    out: list[EquityRow] = []
    for ind in chosen:
        is_measure = ind.statistic in (Statistic.SII, Statistic.PERCENTAGE_POINT_GAP)
        wants_dep = bool(_DEPRIVATION_BREAKDOWNS & set(ind.breakdowns))
        if not is_measure and not wants_dep:
            continue
        rows = indicator_rows(store, ind, as_of)
        found: list[EquityRow] = []
        if is_measure:
            found += _measure_series(ind, rows)
        found += _deprivation_gap(ind, rows)
        derived = _gap_sources(ind)
        if derived:
            found += _deprivation_gap(ind, _source_rows(store, derived, as_of), declared=True)
        if not found:
            why = (
                "no values of this inequality measure are held yet"
                if is_measure
                else "no values by deprivation are held yet for this indicator"
            )
            keys = [*ind.own_series_keys, *derived]
            basis = f"series read: {', '.join(keys)}" if keys else "no series of its own declared"
            found.append(
                EquityRow(
                    ind.id, None, None, None, GapVerdict.CANNOT_BE_CALCULATED, why, basis=basis
                )
            )
        out += found
    return out


def red_red(
    catalogue: Catalogue,
    store: Store,
    indicator_id: str,
    *,
    sex: str = "persons",
    as_of: date | None = None,
) -> list[RedRed]:
    """Red-red flags per borough for one indicator at its latest period (as published on
    ``as_of``, default now)."""
    ind = catalogue.indicator(indicator_id)
    plain = [
        r
        for r in indicator_rows(store, ind, as_of)
        if r["breakdown_type"] == "none" and r["sex"] == sex
    ]
    with_ci = [
        k
        for k in ind.own_series_keys
        if any(r["series"] == k and r["lower95_0cl"] is not None for r in plain)
    ]
    keys = with_ci or list(ind.own_series_keys)
    rows = [r for r in plain if keys and r["series"] == keys[0]]
    polarity = MethodPolarity.of(ind.polarity)
    by_area: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_area.setdefault(r["area_code"], []).append(r)
    bench_code = LONDON if LONDON in by_area else ENGLAND
    bench = sorted(by_area.get(bench_code, []), key=lambda r: r["period_start"])
    out: list[RedRed] = []
    for area, group in sorted(by_area.items()):
        if area not in _LONDON_BOROUGHS:
            continue
        group = sorted(group, key=lambda r: r["period_start"])
        last = group[-1]
        match = [b for b in bench if b["period_start"] == last["period_start"]]
        if not match:
            comparison = "Not compared"
            why = f"no {bench_code} value for {last['period_label']}"
        else:
            b = match[0]
            c = compare_with_benchmark(
                [last["value"]],
                benchmark=b["value"],
                method=int(ind.comparison_method),
                polarity=int(polarity),
                lower95=[np.nan if last["lower95_0cl"] is None else last["lower95_0cl"]],
                upper95=[np.nan if last["upper95_0cl"] is None else last["upper95_0cl"]],
                unit=ind.multiplier,
            )
            comparison, why = str(c.outcome[0]), str(c.reason[0])
        values = [r["value"] for r in group]
        lows = [np.nan if r["lower95_0cl"] is None else r["lower95_0cl"] for r in group]
        highs = [np.nan if r["upper95_0cl"] is None else r["upper95_0cl"] for r in group]
        span = max(1, round(((last["period_end"] - last["period_start"]).days + 1) / 365.25))
        trend = recent_trend(
            values, polarity=int(polarity), lower95=lows, upper95=highs, year_range=span
        )
        flag = is_red_red(comparison, trend.label.value)
        reason = f"vs {bench_code}: {comparison}" + (f" ({why})" if why else "")
        reason += f"; recent trend: {trend.label.value}"
        if trend.reason:
            reason += f" ({trend.reason})"
        out.append(
            RedRed(
                ind.id,
                area,
                bench_code,
                str(last["period_label"]),
                comparison,
                trend.label.value,
                flag,
                reason,
            )
        )
    return out
