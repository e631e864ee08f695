"""Aggregation: record-level events and population denominators to grouped counts.

Two stages, so that every backend gives the same answer:

1. **On the backend** (DuckDB or Spark, through one Ibis expression): select the events and
   count them by LSOA × calendar year × sex × age band × ethnic group; sum the population the
   same way. This is the only stage that touches record-level data.
2. **Locally, in Arrow** (small data, identical for every backend): join events onto the
   population rows (so age bands with no events are kept with a zero — needed for
   standardisation), pool years into periods, and roll up to every requested area level and
   breakdown (deprivation decile/quintile, ethnic group) and to persons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthgap.engine.bands import AgeBanding
from healthgap.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "AGGREGATE_SCHEMA",
    "AREA_LEVELS",
    "BREAKDOWNS",
    "CodeFilter",
    "EventSelection",
    "Period",
    "aggregate_events",
    "aggregate_population",
    "roll_up",
]

#: Area levels a roll-up can produce, and the LSOA attribute column that names the area.
AREA_LEVELS: dict[str, str] = {
    "lsoa11": "lsoa_code",
    "ltla": "ltla_code",
    "icb": "icb_code",
    "region": "region_code",
}

#: Breakdowns a roll-up can produce: breakdown_type → attribute column (None = no breakdown).
BREAKDOWNS: dict[str, str | None] = {
    "none": None,
    "imd2019_decile": "imd_decile",
    "imd2019_decile_london": "imd_london_decile",
    "imd2019_quintile_london": "imd_london_quintile",
    "ethnic_group": "ethnic_group",
}

AGGREGATE_SCHEMA = pa.schema(
    [
        ("area_code", pa.string()),
        ("area_type", pa.string()),
        ("period_label", pa.string()),
        ("period_start_year", pa.int64()),
        ("period_end_year", pa.int64()),
        ("sex", pa.string()),
        ("breakdown_type", pa.string()),
        ("breakdown_category", pa.string()),
        ("age_index", pa.int64()),
        ("age_band", pa.string()),
        ("events", pa.float64()),
        ("population", pa.float64()),
    ]
)


@dataclass(frozen=True)
class CodeFilter:
    """ICD-10 codes in one column: a code matches a prefix ('C' = all cancers, 'I2' = I20–I29)
    or lies in an inclusive range of three-character categories ('X60', 'X84').
    Codes are compared upper-cased and without dots."""

    column: str
    prefixes: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, column: str, specs: Sequence[str]) -> CodeFilter:
        """From catalogue notation: 'X60-X84' is a range, 'C34' a prefix."""
        prefixes: list[str] = []
        ranges: list[tuple[str, str]] = []
        for raw in specs:
            spec = raw.strip().upper().replace(".", "")
            if "-" in spec:
                lo, hi = (p.strip() for p in spec.split("-", 1))
                if len(lo) < 3 or len(hi) < 3:
                    raise InputError("an ICD-10 range needs 3-character ends", value=raw)
                ranges.append((lo[:3], hi[:3]))
            elif spec:
                prefixes.append(spec)
            else:
                raise InputError("empty ICD-10 code", column=column)
        return cls(column, tuple(prefixes), tuple(ranges))


@dataclass(frozen=True)
class EventSelection:
    """Which records count as events (all conditions must hold)."""

    codes: tuple[CodeFilter, ...] = ()
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    age_min: int = 0
    age_max: int | None = None
    sexes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    """Calendar years pooled into one period, labelled as Fingertips does ('2017 - 19')."""

    start_year: int
    end_year: int
    label: str = field(default="")

    def __post_init__(self) -> None:
        if self.end_year < self.start_year:
            raise InputError(
                "a period must end on or after its start",
                value=f"{self.start_year}-{self.end_year}",
            )
        if not self.label:
            label = (
                str(self.start_year)
                if self.start_year == self.end_year
                else f"{self.start_year} - {str(self.end_year)[-2:]}"
            )
            object.__setattr__(self, "label", label)


def _selected(events: ir.Table, selection: EventSelection, *, age_col: str) -> ir.Table:
    import ibis

    preds = [events[age_col] >= selection.age_min]
    if selection.age_max is not None:
        preds.append(events[age_col] <= selection.age_max)
    if selection.sexes:
        preds.append(events.sex.isin(list(selection.sexes)))
    for column, allowed in selection.values:
        preds.append(events[column].isin(list(allowed)))
    for f in selection.codes:
        code = events[f.column].upper().replace(".", "")
        cat = code.substr(0, 3)
        either = [code.startswith(p) for p in f.prefixes]
        either += [(cat >= lo) & (cat <= hi) for lo, hi in f.ranges]
        preds.append(ibis.or_(*either))
    return events.filter(*preds)


def aggregate_events(
    events: ir.Table,
    *,
    selection: EventSelection,
    banding: AgeBanding,
    date_column: str,
    years: Sequence[int],
    age_column: str = "age",
) -> ir.Table:
    """Stage 1 for events: counts by lsoa_code, year, sex, age_index, ethnic_group.

    Runs on whatever backend ``events`` is bound to. Records outside ``years`` are ignored.
    """
    sel = _selected(events, selection, age_col=age_column)
    year = sel[date_column].year().cast("int64")
    sel = sel.mutate(
        year=year,
        age_index=banding.index_expr(sel[age_column]),
    ).filter(year.isin(list(years)))
    keys = ["lsoa_code", "year", "sex", "age_index", "ethnic_group"]
    return sel.group_by(keys).aggregate(events=sel.count().cast("float64"))


def aggregate_population(
    population: ir.Table,
    *,
    banding: AgeBanding,
    years: Sequence[int],
    age_min: int = 0,
    age_max: int | None = None,
    sexes: Sequence[str] = (),
) -> ir.Table:
    """Stage 1 for denominators: population by lsoa_code, year, sex, age_index (+ ethnic_group
    when the population table has one)."""
    preds = [population.year.isin(list(years)), population.age >= age_min]
    if age_max is not None:
        preds.append(population.age <= age_max)
    if sexes:
        preds.append(population.sex.isin(list(sexes)))
    pop = population.filter(*preds)
    pop = pop.mutate(age_index=banding.index_expr(pop.age))
    keys = ["lsoa_code", "year", "sex", "age_index"]
    if "ethnic_group" in population.columns:
        keys.append("ethnic_group")
    return pop.group_by(keys).aggregate(population=pop.population.sum().cast("float64"))


def _whole(values: pa.ChunkedArray) -> bool:
    """Every value a whole number below 2**53 (so float64 sums of them are exact)."""
    x = values.to_numpy()
    return bool(np.all(np.floor(x) == x) and np.all(np.abs(x) < 2.0**53))


def _sum_by(table: pa.Table, keys: list[str], values: list[str]) -> pa.Table:
    out = table.group_by(keys, use_threads=False).aggregate([(v, "sum") for v in values])
    return out.rename_columns([c.removesuffix("_sum") for c in out.column_names])


def roll_up(
    events: pa.Table,
    population: pa.Table,
    lsoa_attributes: pa.Table,
    *,
    banding: AgeBanding,
    periods: Sequence[Period],
    area_levels: Sequence[str] = ("ltla", "icb", "region"),
    breakdowns: Sequence[str] | Mapping[str, Sequence[str]] = ("none", "imd2019_decile_london"),
) -> pa.Table:
    """Stage 2: join, pool years into periods, and roll up to areas × breakdowns × sex.

    ``events`` and ``population`` are the stage-1 results as Arrow tables;
    ``lsoa_attributes`` has ``lsoa_code`` and the columns named in AREA_LEVELS and BREAKDOWNS.
    ``breakdowns`` applies to every level, or maps each level to its own breakdowns.
    The join onto LSOA attributes is done once; the LSOA rows are then collapsed to one row
    per distinct combination of the attributes needed before periods are pooled.
    Returns AGGREGATE_SCHEMA rows, one per area × period × sex × breakdown category × age band,
    with ``events`` = 0 where none occurred. Events whose LSOA, year, sex and age band have no
    population are an error (they would silently vanish from every rate).
    """
    for level in area_levels:
        if level not in AREA_LEVELS:
            raise InputError(
                f"unknown area level; choose from {', '.join(AREA_LEVELS)}", value=level
            )
    per_level: dict[str, tuple[str, ...]] = (
        {lv: tuple(breakdowns.get(lv, ())) for lv in area_levels}
        if isinstance(breakdowns, Mapping)
        else {lv: tuple(breakdowns) for lv in area_levels}
    )
    every = [b for lv in area_levels for b in per_level[lv]]
    for b in every:
        if b not in BREAKDOWNS:
            raise InputError(f"unknown breakdown; choose from {', '.join(BREAKDOWNS)}", value=b)
    by_ethnicity = "ethnic_group" in every
    pop_has_ethnicity = "ethnic_group" in population.column_names
    if by_ethnicity and not pop_has_ethnicity:
        raise InputError(
            "an ethnic-group breakdown needs population denominators by ethnic group",
            column="ethnic_group",
        )

    needed = list(
        dict.fromkeys(
            [AREA_LEVELS[lv] for lv in area_levels]
            + [c for b in every if (c := BREAKDOWNS[b]) and c != "ethnic_group"]
        )
    )
    base_keys = ["lsoa_code", "year", "sex", "age_index"]
    # Every breakdown but ethnicity uses events and population summed over ethnic group, so
    # events of unknown ethnicity still count. The ethnic breakdown uses ethnic-specific
    # denominators and leaves events of unknown ethnicity out (ONS practice).
    base = _joined(
        _sum_by(events, base_keys, ["events"]),
        _sum_by(population, base_keys, ["population"]),
        keys=base_keys,
        attributes=lsoa_attributes,
        needed=needed,
    )
    # Sums of LSOAs sharing every needed attribute, so the period loop reads few rows. Only
    # for whole-number counts and populations, whose float sums do not depend on the order.
    cells = ["year", "sex", "age_index", *needed]
    collapse = _whole(base["events"]) and _whole(base["population"])
    if collapse:
        base = _sum_by(base, cells, ["events", "population"])
    ethnic: pa.Table | None = None
    if by_ethnicity:
        known = events.filter(pc.field("ethnic_group") != "unknown")
        ethnic = _joined(
            _sum_by(known, [*base_keys, "ethnic_group"], ["events"]),
            _sum_by(population, [*base_keys, "ethnic_group"], ["population"]),
            keys=[*base_keys, "ethnic_group"],
            attributes=lsoa_attributes,
            needed=needed,
        )
        if collapse and _whole(ethnic["population"]):
            ethnic = _sum_by(ethnic, [*cells, "ethnic_group"], ["events", "population"])

    pieces: list[pa.Table] = []
    for period in periods:
        parts = {
            name: t.filter(
                pa.array(
                    (t["year"].to_numpy() >= period.start_year)
                    & (t["year"].to_numpy() <= period.end_year)
                )
            )
            for name, t in (("base", base), ("ethnic", ethnic))
            if t is not None
        }
        if parts["base"].num_rows == 0:
            continue
        for level in area_levels:
            area_col = AREA_LEVELS[level]
            for breakdown in per_level[level]:
                cat_col = BREAKDOWNS[breakdown]
                part = parts["ethnic" if breakdown == "ethnic_group" else "base"]
                keys = [area_col, "sex", "age_index"] + ([cat_col] if cat_col else [])
                summed = _sum_by(part, keys, ["events", "population"])
                persons = _sum_by(summed, [k for k in keys if k != "sex"], ["events", "population"])
                persons = persons.append_column(
                    "sex", pa.array(["persons"] * persons.num_rows, pa.string())
                )
                for t in (summed, persons):
                    pieces.append(
                        _shape(
                            t,
                            area_col=area_col,
                            area_type=level,
                            breakdown=breakdown,
                            cat_col=cat_col,
                            period=period,
                            banding=banding,
                        )
                    )
    if not pieces:
        raise InputError("no population rows fall in the requested periods", column="year")
    out = pa.concat_tables(pieces)
    return out.sort_by(
        [
            ("area_type", "ascending"),
            ("area_code", "ascending"),
            ("period_start_year", "ascending"),
            ("sex", "ascending"),
            ("breakdown_type", "ascending"),
            ("breakdown_category", "ascending"),
            ("age_index", "ascending"),
        ]
    )


def _joined(
    events: pa.Table,
    population: pa.Table,
    *,
    keys: list[str],
    attributes: pa.Table,
    needed: list[str],
) -> pa.Table:
    """Events joined onto population (zero where none) and onto the LSOA attributes."""
    joined = population.join(events, keys=keys, join_type="full outer")
    no_pop = pc.is_null(joined["population"])
    if pc.any(no_pop).as_py():
        # A cell with events but no population row is an empty cell of the estimates (real
        # populations have them): it counts with population 0. An LSOA with no population
        # rows at all is a vintage or coverage error, and its events would vanish.
        held = pc.unique(population["lsoa_code"])
        unknown = pc.invert(pc.is_in(joined["lsoa_code"], value_set=held))
        if pc.any(unknown).as_py():
            lost = pc.sum(pc.filter(joined["events"], unknown)).as_py()
            first = pc.filter(joined["lsoa_code"], unknown)[0].as_py()
            raise InputError(
                f"{int(lost)} events are in LSOAs with no population denominator at all "
                "(check LSOA vintage and years)",
                column="lsoa_code",
                value=first,
            )
        joined = joined.set_column(
            joined.schema.get_field_index("population"),
            "population",
            pc.fill_null(joined["population"], 0.0),
        )
    joined = joined.set_column(
        joined.schema.get_field_index("events"), "events", pc.fill_null(joined["events"], 0.0)
    )
    joined = joined.join(attributes, keys="lsoa_code", join_type="left outer")
    for col in needed:
        nulls = pc.is_null(joined[col])
        if pc.any(nulls).as_py():
            first = pc.filter(joined["lsoa_code"], nulls)[0].as_py()
            raise InputError(
                "LSOA has no value for this attribute in the geography",
                column=col,
                value=first,
            )
    return joined


def _shape(
    t: pa.Table,
    *,
    area_col: str,
    area_type: str,
    breakdown: str,
    cat_col: str | None,
    period: Period,
    banding: AgeBanding,
) -> pa.Table:
    n = t.num_rows
    labels = np.asarray(banding.labels, dtype=object)
    age_index = t["age_index"].to_numpy()
    category = pc.cast(t[cat_col], pa.string()) if cat_col else pa.array([""] * n, pa.string())
    return pa.table(
        {
            "area_code": pc.cast(t[area_col], pa.string()),
            "area_type": pa.array([area_type] * n, pa.string()),
            "period_label": pa.array([period.label] * n, pa.string()),
            "period_start_year": pa.array([period.start_year] * n, pa.int64()),
            "period_end_year": pa.array([period.end_year] * n, pa.int64()),
            "sex": pc.cast(t["sex"], pa.string()),
            "breakdown_type": pa.array([breakdown] * n, pa.string()),
            "breakdown_category": category,
            "age_index": pc.cast(t["age_index"], pa.int64()),
            "age_band": pa.array(labels[age_index], pa.string()),
            "events": pc.cast(t["events"], pa.float64()),
            "population": pc.cast(t["population"], pa.float64()),
        },
        schema=AGGREGATE_SCHEMA,
    )
