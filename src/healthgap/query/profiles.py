"""Reads for the indicator and area pages that go beyond single values: a population
pyramid, an area's deprivation profile and LSOA deprivation, funnel-plot control limits,
the male–female gap and inequality measures over time.

Presentations (web, charts, reports) draw these; they compute no statistic themselves.
Methods: funnel limits and significance from :mod:`healthgap.methods.funnel` (PHE Technical
Guide – Funnel Plots, 2017); the sex gap's interval is the normal one from the two 95%
intervals' standard errors, as the engine's deprivation gap (``engine.inequality``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from healthgap.geography import LATEST_EDITION, LONDON, Edition
from healthgap.methods import z_from_confidence
from healthgap.methods.errors import MethodInputError
from healthgap.methods.funnel import assign_funnel_significance, funnel_limits
from healthgap.query.errors import NoData
from healthgap.query.models import InequalityRow, ValueRow
from healthgap.query.reader import ReadLayer, Viewer

__all__ = [
    "AGE_BANDS",
    "DecileShare",
    "DeprivationProfile",
    "Funnel",
    "FunnelLine",
    "FunnelPoint",
    "InequalityTrendRow",
    "LsoaDeprivation",
    "Pyramid",
    "PyramidRow",
    "SexGapRow",
    "deprivation_profile",
    "funnel",
    "inequality_trend",
    "population_pyramid",
    "sex_gap",
]

#: Five-year age bands of the pyramid: (first year of age, label); the last is open.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    *((a, f"{a}-{a + 4}") for a in range(0, 90, 5)),
    (90, "90+"),
)


# ---------------------------------------------------------------------- pyramid
@dataclass(frozen=True, slots=True)
class PyramidRow:
    age_band: str
    age_start: int
    sex: str
    population: float
    percent: float  # of the area's whole population


@dataclass(frozen=True, slots=True)
class Pyramid:
    """Population by five-year age band and sex for one area and year (the latest held with
    both sexes); an ICB's is the sum of its boroughs'."""

    area_code: str
    area_name: str
    year: int
    release_id: int
    summed_from: tuple[str, ...]
    rows: tuple[PyramidRow, ...]

    @property
    def total(self) -> float:
        return sum(r.population for r in self.rows)


def population_pyramid(read: ReadLayer, viewer: Viewer, area: str) -> Pyramid:
    """The area's population pyramid; ``NoData`` when no population by sex is held."""
    info = read.area(area)
    codes = [info.code]
    if info.area_type == "icb":
        codes = [a.code for a in read.areas(area_type="ltla", parent=info.code)]
    table = read.store.population(area_codes=codes, sexes=["male", "female"], visibility=viewer)
    years = Counter(
        (y, c)
        for y, c in zip(
            table.column("year").to_pylist(), table.column("area_code").to_pylist(), strict=True
        )
    )
    complete = [y for y in {y for y, _ in years} if all((y, c) in years for c in codes)]
    if not complete:
        raise NoData(
            {"area": info.code, "population": "by age and sex"},
            {"years_held": [str(y) for y in sorted({y for y, _ in years})]},
        )
    year = max(complete)
    sums: dict[tuple[int, str], float] = {}
    release = 0
    for y, start, sex, pop, rel in zip(
        table.column("year").to_pylist(),
        table.column("age_start").to_pylist(),
        table.column("sex").to_pylist(),
        table.column("population").to_pylist(),
        table.column("release_id").to_pylist(),
        strict=True,
    ):
        if y != year:
            continue
        band = next(first for first, _ in reversed(AGE_BANDS) if int(start) >= first)
        sums[(band, sex)] = sums.get((band, sex), 0.0) + float(pop)
        release = max(release, int(rel))
    total = sum(sums.values()) or 1.0
    rows = tuple(
        PyramidRow(
            label,
            first,
            sex,
            sums.get((first, sex), 0.0),
            100 * sums.get((first, sex), 0.0) / total,
        )
        for first, label in AGE_BANDS
        for sex in ("female", "male")
    )
    return Pyramid(
        info.code, info.name, year, release, tuple(codes) if len(codes) > 1 else (), rows
    )


# ---------------------------------------------------------------------- deprivation
@dataclass(frozen=True, slots=True)
class LsoaDeprivation:
    lsoa_code: str
    lsoa_name: str
    ltla_code: str
    score: float
    london_decile: int  # 1 = most deprived tenth of London's LSOAs
    national_decile: int


@dataclass(frozen=True, slots=True)
class DecileShare:
    decile: int
    lsoas: int
    share: float  # of the area's LSOAs, percent
    london_share: float  # of London's LSOAs, percent (10 by construction, up to rounding)


@dataclass(frozen=True, slots=True)
class DeprivationProfile:
    """An area's LSOAs by London IMD decile (ADR 0302: deciles recomputed within London)."""

    area_code: str
    area_name: str
    edition: str
    lsoa_type: str
    lsoas: tuple[LsoaDeprivation, ...]
    shares: tuple[DecileShare, ...]


def deprivation_profile(
    read: ReadLayer, area: str, *, edition: Edition = LATEST_EDITION
) -> DeprivationProfile:
    """The LSOAs of a borough, ICB or London with their London IMD deciles, and the share of
    the area's LSOAs in each decile. ``UnknownParameter`` for an unknown area; ``NoData`` for
    an area that holds no LSOAs (an LSOA itself, England)."""
    info = read.area(area)
    lsoa_type = "lsoa11" if edition == "imd2019" else "lsoa21"
    table = read.geography.deprivation(edition)
    if info.code != LONDON:
        inside = {a.code for a in read.areas(area_type=lsoa_type, parent=info.code)}
        if not inside:
            raise NoData(
                {"area": info.code, "deprivation": edition},
                {"area_types": ["ltla", "icb", "region (London)"]},
            )
        table = table[table["lsoa_code"].isin(inside)]
    names = {a.code: a.name for a in read.areas(area_type=lsoa_type)}
    table = table.sort_values("lsoa_code")
    lsoas = tuple(
        LsoaDeprivation(
            str(code), names.get(str(code), str(code)), str(ltla), float(score), int(d), int(nd)
        )
        for code, ltla, score, d, nd in zip(
            table["lsoa_code"].tolist(),
            table["ltla_code"].tolist(),
            table["score"].tolist(),
            table["london_decile"].tolist(),
            table["national_decile"].tolist(),
            strict=True,
        )
    )
    full = read.geography.deprivation(edition)
    london = Counter(int(d) for d in full["london_decile"])
    here = Counter(x.london_decile for x in lsoas)
    n, total = max(len(lsoas), 1), len(full)
    shares = tuple(
        DecileShare(d, here.get(d, 0), 100 * here.get(d, 0) / n, 100 * london.get(d, 0) / total)
        for d in range(1, 11)
    )
    return DeprivationProfile(info.code, info.name, edition, lsoa_type, lsoas, shares)


# ---------------------------------------------------------------------- funnel
@dataclass(frozen=True, slots=True)
class FunnelPoint:
    area_code: str
    area_name: str
    value: float
    count: float
    denominator: float  # the x axis: population (proportions) or person-years (rates)
    significance: str  # 'High (0.025)', 'Low (0.001)', 'Not significant' …


@dataclass(frozen=True, slots=True)
class FunnelLine:
    level: str  # '95%' or '99.8%'
    side: str  # 'lower' or 'upper'
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Funnel:
    """A funnel plot of the boroughs' values for one period and sex: the points, the
    baseline (London's pooled value) and the 95% and 99.8% control limits."""

    indicator_id: str
    series: str
    period_label: str
    sex: str
    statistic: str
    method: str
    baseline: float
    points: tuple[FunnelPoint, ...]
    lines: tuple[FunnelLine, ...]


_FUNNEL_STATISTICS = {"proportion": "proportion", "crude_rate": "rate", "dsr": "rate"}


def funnel(
    read: ReadLayer,
    viewer: Viewer,
    *,
    indicator: str,
    series: str,
    period: str,
    sex: str,
) -> Funnel:
    """Funnel-plot points and control limits for the London boroughs' values of one series.

    Proportions are plotted against their denominators with Wilson-score limits; crude rates
    and DSRs against their (derived) person-years with exact Poisson limits. ``NoData`` when
    the statistic has no funnel (life expectancy, ratios, means) or fewer than three
    boroughs publish both a count and a denominator."""
    ind = read.indicator(indicator)
    stat = _FUNNEL_STATISTICS.get(ind.statistic.value)
    asked = {"indicator": ind.id, "period": period, "sex": sex, "funnel": "boroughs"}
    if stat is None:
        raise NoData(asked, {"statistics_with_funnels": sorted(_FUNNEL_STATISTICS)})
    rows = [
        r
        for r in read.values(
            viewer,
            indicator=series,
            area_type="ltla",
            parent=LONDON,
            period=period,
            sex=sex,
            breakdown="none",
        )
        if r.value is not None and r.count is not None and r.denominator
    ]
    if len(rows) < 3:
        raise NoData(asked, {"boroughs_with_count_and_denominator": [str(len(rows))]})
    ages = Counter(r.age for r in rows)
    rows = [r for r in rows if r.age == ages.most_common(1)[0][0]]
    num = np.array([float(r.count or 0) for r in rows])
    den = np.array([float(r.denominator or 0) for r in rows])
    years = max(1.0, (rows[0].period_end - rows[0].period_start).days / 365.25)
    try:
        if stat == "proportion":
            limits = funnel_limits(num, den, statistic=stat, multiplier=ind.multiplier)
            sig = assign_funnel_significance(num, den, statistic=stat)
            xs = den
        else:
            rate_type = "dsr" if ind.statistic.value == "dsr" else "crude"
            rate = np.array([float(r.value or 0) for r in rows])
            limits = funnel_limits(
                num,
                den,
                statistic=stat,
                multiplier=ind.multiplier,
                rate=rate if rate_type == "dsr" else None,
                rate_type=rate_type,
                years_of_data=years,
            )
            sig = assign_funnel_significance(
                num,
                den,
                statistic=stat,
                rate=rate if rate_type == "dsr" else None,
                rate_type=rate_type,
                multiplier=ind.multiplier,
            )
            xs = den / years
    except MethodInputError as e:
        raise NoData(asked, {"reason": [str(e)]}) from None
    lines: list[FunnelLine] = []
    for conf, level in ((0.95, "95%"), (0.998, "99.8%")):
        interval = limits.at(conf)
        x_lo = x_hi = limits.points
        if stat == "rate":
            exp = next(e for e in limits.expected if abs(e.confidence - conf) < 1e-12)
            x_lo, x_hi = exp.lower, exp.upper
        for side, xs_, ys in (("lower", x_lo, interval.lower), ("upper", x_hi, interval.upper)):
            lines += [
                FunnelLine(level, side, round(float(x), 4), round(float(y), 6))
                for x, y in zip(xs_, ys, strict=True)
                if np.isfinite(x) and np.isfinite(y) and x > 0
            ]
    points = tuple(
        FunnelPoint(
            r.area_code, r.area_name, float(r.value or 0), float(r.count or 0), float(x), str(s)
        )
        for r, x, s in zip(rows, xs, sig, strict=True)
    )
    return Funnel(
        ind.id,
        series,
        period,
        sex,
        limits.statistic,
        limits.method,
        limits.baseline,
        points,
        tuple(lines),
    )


# ---------------------------------------------------------------------- sex gap
@dataclass(frozen=True, slots=True)
class SexGapRow:
    """Male minus female at one area and period, with its 95% interval."""

    period_label: str
    period_start: date
    male: float
    female: float
    gap: float
    lower95: float | None
    upper95: float | None


def sex_gap(read: ReadLayer, viewer: Viewer, *, series: str, area: str) -> list[SexGapRow]:
    """Every period's male-minus-female difference at ``area`` (breakdown 'none'), its
    interval ±1.96·√(se_m² + se_f²) with each SE from its published 95% interval (none when
    either interval is missing). ``NoData`` when no period holds both sexes."""
    rows = read.values(
        viewer, indicator=series, area=area, sex=["male", "female"], breakdown="none"
    )
    ages = Counter(r.age for r in rows)
    age = ages.most_common(1)[0][0]
    by: dict[str, dict[str, ValueRow]] = {}
    for r in rows:
        if r.age == age and r.value is not None:
            by.setdefault(r.period_label, {})[r.sex] = r
    z = z_from_confidence(0.95)
    out = []
    for label, pair in by.items():
        m, f = pair.get("male"), pair.get("female")
        if m is None or f is None:
            continue
        mv, fv = float(m.value or 0), float(f.value or 0)
        gap = mv - fv
        lo = hi = None
        ml, mu, fl, fu = m.lower95_0cl, m.upper95_0cl, f.lower95_0cl, f.upper95_0cl
        if ml is not None and mu is not None and fl is not None and fu is not None:
            se = np.hypot((mu - ml) / (2 * z), (fu - fl) / (2 * z))
            lo, hi = round(gap - z * float(se), 6), round(gap + z * float(se), 6)
        out.append(
            SexGapRow(label, m.period_start, round(mv, 6), round(fv, 6), round(gap, 6), lo, hi)
        )
    if not out:
        raise NoData(
            {"series": series, "area": area, "breakdown": "sex"},
            {"sexes": sorted({r.sex for r in rows})},
        )
    return sorted(out, key=lambda r: r.period_start)


# ---------------------------------------------------------------------- inequality trend
@dataclass(frozen=True, slots=True)
class InequalityTrendRow:
    period_label: str
    period_start: date
    row: InequalityRow


def inequality_trend(
    read: ReadLayer,
    viewer: Viewer,
    *,
    indicator: str,
    area: str,
    breakdown: str,
    sex: str,
) -> list[InequalityTrendRow]:
    """The inequality measures (``ReadLayer.inequality``) of every period that holds the
    breakdown at ``area``, oldest first. ``NoData`` when no period bears them."""
    held = read.values(viewer, indicator=indicator, area=area, sex=sex, breakdown=breakdown)
    starts = {r.period_label: r.period_start for r in held}

    def build(vis: Viewer) -> list[InequalityTrendRow]:
        got: list[InequalityTrendRow] = []
        for label in sorted(starts, key=lambda p: starts[p]):
            try:
                measures = read.inequality(
                    vis, indicator=indicator, area=area, period=label, breakdown=breakdown, sex=sex
                )
            except NoData:
                continue
            got += [InequalityTrendRow(label, starts[label], m) for m in measures]
        return got

    # remembered per version of what the viewer sees (ReadLayer._cached): the measures are
    # simulations, and every view of the indicator page (sex, period, benchmark) shows them
    params = {"indicator": indicator, "area": area, "breakdown": breakdown, "sex": sex}
    out = list(read._cached("inequality_trend", viewer, params, build))
    if not out:
        raise NoData(
            {"indicator": indicator, "area": area, "breakdown": breakdown, "sex": sex},
            {"periods_held": sorted(starts, key=lambda p: starts[p])},
        )
    return out
