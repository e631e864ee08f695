"""What the pages show, read through the read layer: the chosen series, sex and period of
an indicator, headline measures, the tartan rug and an area's spine entries."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from healthgap.catalogue.models import Indicator
from healthgap.charts.specs import SpineEntry
from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS
from healthgap.query import NoData, ReadLayer, UnknownParameter, ValueRow, Viewer

__all__ = [
    "BENCHMARKS",
    "RUG_TESTED_KINDS",
    "Rug",
    "RugColumn",
    "Selection",
    "default_benchmark",
    "indicator_values",
    "latest_by_indicator",
    "london_series",
    "rug",
    "select",
    "select_from",
    "spine_entries",
]

#: The benchmark switch: URL value → (stored comparison key, area code, label).
BENCHMARKS: dict[str, tuple[str, str, str]] = {
    "london": ("region", LONDON, "London"),
    "england": ("country", ENGLAND, "England"),
}


@dataclass(frozen=True)
class Selection:
    """An indicator's values for one series, sex and period (breakdown 'none')."""

    indicator: Indicator
    series: str | None
    sexes: tuple[str, ...]
    sex: str | None
    periods: tuple[str, ...]
    period: str | None
    rows: tuple[ValueRow, ...] = field(default=())

    def at(self, area: str, period: str | None = None) -> ValueRow | None:
        want = period or self.period
        return next((r for r in self.rows if r.area_code == area and r.period_label == want), None)

    def boroughs(self) -> list[ValueRow]:
        return [r for r in self.rows if r.period_label == self.period and r.area_type == "ltla"]

    def history(self, area: str) -> list[ValueRow]:
        return sorted((r for r in self.rows if r.area_code == area), key=lambda r: r.period_start)


def select(
    q: ReadLayer,
    viewer: Viewer,
    indicator_id: str,
    *,
    sex: str | None = None,
    period: str | None = None,
    london: bool = False,
) -> Selection:
    """The indicator's best-covered series (most borough values; declared order breaks ties),
    its sex ('persons' by default) and period (the latest with borough values by default);
    ``london``: among the series that hold a London value, when any does
    (:func:`london_series`). ``UnknownParameter`` for an unknown indicator, sex or period."""
    ind = q.indicator(indicator_id)
    rows = indicator_values(q, viewer, ind.id)
    if london:
        rows = london_series(rows) or rows
    return select_from(ind, rows, sex=sex, period=period)


def indicator_values(q: ReadLayer, viewer: Viewer, indicator_id: str) -> list[ValueRow]:
    """Every value of the indicator without a breakdown, every series (none: empty)."""
    try:
        return list(q.values(viewer, indicator=indicator_id, breakdown="none"))
    except NoData:
        return []


def default_benchmark(sel: Selection) -> str:
    """The key of :data:`BENCHMARKS` to compare the boroughs with when none is asked:
    London, unless the selection's series has no London value in its period and England
    has one (as Fingertips, whose default is England): else every borough is "not
    compared". Shared by the indicator page and the reports' indicator summary."""
    london, england = sel.at(LONDON), sel.at(ENGLAND)
    if (london is None or london.value is None) and (
        england is not None and england.value is not None
    ):
        return "england"
    return "london"


def london_series(rows: Sequence[ValueRow]) -> list[ValueRow]:
    """The rows of the series that hold a London value: where London is the subject (the
    home page's headline measures, the reports' London sentences), the best-covered series
    is chosen among these. An indicator can be best covered for the boroughs by a series
    that has no London row (healthy life expectancy: Fingertips' for the boroughs, ONS's for
    London)."""
    held = {r.series for r in rows if r.area_code == LONDON and r.value is not None}
    return [r for r in rows if r.series in held]


def latest_by_indicator(q: ReadLayer, viewer: Viewer) -> dict[str, list[ValueRow]]:
    """One read of every series' latest values (breakdown 'none'), by indicator id."""
    try:
        rows = q.values(viewer, breakdown="none", latest=True)
    except NoData:
        rows = []
    out: dict[str, list[ValueRow]] = defaultdict(list)
    for r in rows:
        if r.indicator_id is not None:
            out[r.indicator_id].append(r)
    return out


def select_from(
    ind: Indicator,
    rows: Sequence[ValueRow],
    *,
    sex: str | None = None,
    period: str | None = None,
) -> Selection:
    """:func:`select` over rows already read."""
    if not rows:
        return Selection(ind, None, (), None, (), None)
    by_series: dict[str, list[ValueRow]] = defaultdict(list)
    for r in rows:
        by_series[r.series].append(r)
    declared = list(ind.series_keys)

    def rank(s: str) -> tuple[int, int, str]:
        ltla = sum(1 for r in by_series[s] if r.area_type == "ltla")
        return (-ltla, declared.index(s) if s in declared else len(declared), s)

    series = min(by_series, key=rank)
    chosen = by_series[series]
    sexes = tuple(sorted({r.sex for r in chosen}, key=lambda s: (s != "persons", s)))
    if sex is None:
        sex = sexes[0]
    elif sex not in sexes:
        raise UnknownParameter("sex", sex, valid=sexes)
    chosen = [r for r in chosen if r.sex == sex]
    ages = Counter(r.age for r in chosen)
    age = ages.most_common(1)[0][0]
    chosen = [r for r in chosen if r.age == age]
    starts = {r.period_label: r.period_start for r in chosen}
    periods = tuple(sorted(starts, key=lambda p: starts[p]))
    local = [r for r in chosen if r.area_type == "ltla"]
    default = max(local or chosen, key=lambda r: r.period_start).period_label
    if period is None:
        period = default
    elif period not in periods:
        raise UnknownParameter("period", period, valid=periods)
    return Selection(ind, series, sexes, sex, periods, period, tuple(chosen))


@dataclass(frozen=True)
class RugCell:
    area_code: str
    value: float | None
    outcome: str
    trend: str | None


@dataclass(frozen=True)
class RugColumn:
    """A column of the rug: an area and its kind ('ltla', 'icb', 'region', 'country')."""

    code: str
    name: str
    kind: str
    #: The comparison key its cells show ('' for the benchmark's own column: value only).
    compared_with: str


@dataclass(frozen=True)
class RugRow:
    indicator: Indicator
    period: str
    sex: str
    cells: tuple[RugCell | None, ...]
    london: float | None
    england: float | None

    def count(self, cls: str, columns: Sequence[RugColumn], kinds: Sequence[str]) -> int:
        """Cells of ``kinds`` columns in display class ``cls``."""
        from healthgap.charts import outcome_class

        return sum(
            1
            for col, c in zip(columns, self.cells, strict=True)
            if c is not None and col.kind in kinds and outcome_class(c.outcome) == cls
        )


#: The columns whose cells are tested against the chosen benchmark (and counted).
RUG_TESTED_KINDS = ("ltla", "icb")


@dataclass(frozen=True)
class Rug:
    columns: tuple[RugColumn, ...]
    rows: tuple[RugRow, ...]

    @property
    def areas(self) -> tuple[tuple[str, str], ...]:
        """The borough columns as (code, name)."""
        return tuple((c.code, c.name) for c in self.columns if c.kind == "ltla")

    def counts(self, kinds: Sequence[str] = RUG_TESTED_KINDS) -> Counter[str]:
        """Cells of ``kinds`` columns by display class."""
        from healthgap.charts import outcome_class

        return Counter(
            outcome_class(c.outcome)
            for r in self.rows
            for col, c in zip(self.columns, r.cells, strict=True)
            if c is not None and col.kind in kinds
        )


def rug(
    q: ReadLayer,
    viewer: Viewer,
    benchmark: str,
    *,
    aim: str | None = None,
    focus: str | None = None,
) -> Rug:
    """Every indicator with borough values (of ``aim`` and ``focus`` area when given) ×
    London, England, the five London ICBs and the 33 boroughs. Borough and ICB cells show
    the stored comparison with ``benchmark`` ('london' or 'england'); London's cell its
    comparison with England; England's cell its value."""
    key = BENCHMARKS[benchmark][0]
    names = {a.code: a.name for a in q.areas(area_type="ltla", parent=LONDON)}
    columns = [
        RugColumn(LONDON, "London", "region", "country"),
        RugColumn(ENGLAND, "England", "country", ""),
    ]
    columns += [
        RugColumn(a.code, a.name.removeprefix("NHS ").removesuffix(" Integrated Care Board"),
                  "icb", key)
        for a in q.areas(area_type="icb", parent=LONDON)
    ]  # fmt: skip
    columns += [RugColumn(c, names.get(c, c), "ltla", key) for c in LONDON_BOROUGHS]
    out = []
    latest = latest_by_indicator(q, viewer)
    for ind in q.indicators():
        if aim is not None and aim not in ind.aims:
            continue
        if focus is not None and focus not in ind.focus_areas:
            continue
        sel = select_from(ind, latest.get(ind.id, []))
        if sel.period is None or sel.sex is None or not sel.boroughs():
            continue
        cells: list[RugCell | None] = []
        for col in columns:
            r = sel.at(col.code)
            if r is None:
                cells.append(None)
                continue
            comp = r.comparison(col.compared_with) if col.compared_with else None
            outcome = "Not compared" if comp is None else comp.outcome
            cells.append(RugCell(col.code, r.value, outcome, r.recent_trend))
        lon, eng = sel.at(LONDON), sel.at(ENGLAND)
        out.append(
            RugRow(
                ind,
                sel.period,
                sel.sex,
                tuple(cells),
                None if lon is None else lon.value,
                None if eng is None else eng.value,
            )
        )
    return Rug(tuple(columns), tuple(out))


def spine_entries(
    q: ReadLayer, viewer: Viewer, area: str, indicators: Sequence[Indicator]
) -> list[SpineEntry]:
    """Each indicator's latest value at ``area`` with London, England and the borough range."""
    latest = latest_by_indicator(q, viewer)
    entries = (
        spine_entry(ind, select_from(ind, latest.get(ind.id, [])), area) for ind in indicators
    )
    return [e for e in entries if e is not None]


def spine_entry(ind: Indicator, sel: Selection, area: str) -> SpineEntry | None:
    """One indicator's spine entry at ``area`` from its selection (None: no value there)."""
    row = sel.at(area)
    if row is None or row.value is None:
        return None
    lon, eng = sel.at(LONDON), sel.at(ENGLAND)
    vals = [r.value for r in sel.boroughs() if r.value is not None]
    return SpineEntry(
        ind.id,
        f"{ind.name} ({row.sex}, {row.period_label})",
        ind.polarity.value,
        row,
        None if lon is None else lon.value,
        None if eng is None else eng.value,
        min(vals) if vals else None,
        max(vals) if vals else None,
    )
