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
    "INTERSECTIONS",
    "CodeFilter",
    "EventSelection",
    "Period",
    "aggregate_events",
    "aggregate_population",
    "attribute_cells",
    "needed_attributes",
    "roll_up",
]

#: Area levels a roll-up can produce, and the LSOA attribute column that names the area.
AREA_LEVELS: dict[str, str] = {
    "lsoa11": "lsoa_code",
    "ltla": "ltla_code",
    "icb": "icb_code",
    "region": "region_code",
    "country": "country_code",
}

#: Breakdowns a roll-up can produce: breakdown_type → attribute column(s); an intersection
#: names several, and its category joins their values with "|" (e.g. "asian|1").
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "none": (),
    "imd2019_decile": ("imd_decile",),
    "imd2019_quintile": ("imd_quintile",),
    "imd2019_decile_london": ("imd_london_decile",),
    "imd2019_quintile_london": ("imd_london_quintile",),
    "ethnic_group": ("ethnic_group",),
    "ethnic_group_imd2019_quintile_london": ("ethnic_group", "imd_london_quintile"),
}

#: Each intersection breakdown → the single breakdowns that are its margins, in category order.
INTERSECTIONS: dict[str, tuple[str, ...]] = {
    name: tuple(b for col in cols for b, c in BREAKDOWNS.items() if c == (col,))
    for name, cols in BREAKDOWNS.items()
    if len(cols) > 1
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


def attribute_cells(attributes: pa.Table, columns: Sequence[str]) -> tuple[pa.Table, pa.Table]:
    """Number the distinct combinations of the LSOAs' ``columns`` ("cells").

    Returns ``lsoa_code → cell_id`` (for the backend's join) and ``cell_id → columns`` (row
    ``i`` is cell ``i``). A null attribute (no London decile outside London) is a value of its
    own. The same attributes and columns always give the same numbering.
    """
    cols = list(dict.fromkeys(columns))
    combined = np.zeros(attributes.num_rows, dtype=np.int64)
    for c in cols:
        enc = pc.dictionary_encode(attributes[c]).combine_chunks()
        card = len(enc.dictionary)
        idx = enc.indices.fill_null(card).to_numpy(zero_copy_only=False).astype(np.int64)
        combined = combined * (card + 1) + idx
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    lookup = pa.table(
        {
            "lsoa_code": attributes["lsoa_code"],
            "cell_id": pa.array(inverse.astype(np.int64)),
        }
    )
    return lookup, attributes.select(cols).take(pa.array(first))


def _with_attributes(table: ir.Table, lookup: ir.Table | None) -> tuple[ir.Table, list[str]]:
    """``table`` with its LSOA replaced by the LSOA's cell (``lookup``: lsoa_code, cell_id).

    Grouping by cell instead of LSOA collapses the thousands of LSOAs to the few hundred
    combinations of borough, ICB and deciles before anything leaves the backend. Rows whose
    LSOA is not in ``lookup`` keep it in ``unmatched_lsoa`` (null otherwise), so the caller
    can name it instead of losing the rows.
    """
    import ibis

    if lookup is None:
        return table, ["lsoa_code"]
    cells = lookup.select(attr_lsoa=lookup.lsoa_code, cell_id=lookup.cell_id)
    joined = table.left_join(cells, table.lsoa_code == cells.attr_lsoa)
    joined = joined.mutate(
        unmatched_lsoa=ibis.ifelse(
            joined.attr_lsoa.isnull(), joined.lsoa_code, ibis.null().cast("string")
        )
    )
    return joined, ["cell_id", "unmatched_lsoa"]


def aggregate_events(
    events: ir.Table,
    *,
    selection: EventSelection,
    banding: AgeBanding,
    date_column: str,
    years: Sequence[int],
    age_column: str = "age",
    attributes: ir.Table | None = None,
) -> ir.Table:
    """Stage 1 for events: counts by lsoa_code, year, sex, age_index, ethnic_group.

    Runs on whatever backend ``events`` is bound to. Records outside ``years`` are ignored.
    With ``attributes`` (``lsoa_code → cell_id`` from :func:`attribute_cells`, on the same
    backend), counts are by ``cell_id`` (plus ``unmatched_lsoa``) instead of by LSOA.
    """
    sel = _selected(events, selection, age_col=age_column)
    year = sel[date_column].year().cast("int64")
    sel = sel.mutate(
        year=year,
        age_index=banding.index_expr(sel[age_column]),
    ).filter(year.isin(list(years)))
    sel = sel.select("lsoa_code", "year", "sex", "age_index", "ethnic_group")
    sel, place = _with_attributes(sel, attributes)
    keys = [*place, "year", "sex", "age_index", "ethnic_group"]
    return sel.group_by(keys).aggregate(events=sel.count().cast("float64"))


def aggregate_population(
    population: ir.Table,
    *,
    banding: AgeBanding,
    years: Sequence[int],
    age_min: int = 0,
    age_max: int | None = None,
    sexes: Sequence[str] = (),
    attributes: ir.Table | None = None,
) -> ir.Table:
    """Stage 1 for denominators: population by lsoa_code, year, sex, age_index (+ ethnic_group
    when the population table has one); by ``cell_id`` instead of LSOA when ``attributes``
    is given (as :func:`aggregate_events`)."""
    preds = [population.year.isin(list(years)), population.age >= age_min]
    if age_max is not None:
        preds.append(population.age <= age_max)
    if sexes:
        preds.append(population.sex.isin(list(sexes)))
    pop = population.filter(*preds)
    pop = pop.mutate(age_index=banding.index_expr(pop.age))
    cols = ["lsoa_code", "year", "sex", "age_index", "population"]
    if "ethnic_group" in population.columns:
        cols.append("ethnic_group")
    pop = pop.select(*cols)
    pop, place = _with_attributes(pop, attributes)
    keys = [*place, "year", "sex", "age_index"]
    if "ethnic_group" in population.columns:
        keys.append("ethnic_group")
    return pop.group_by(keys).aggregate(population=pop.population.sum().cast("float64"))


def needed_attributes(
    area_levels: Sequence[str], breakdowns: Sequence[str] | Mapping[str, Sequence[str]]
) -> list[str]:
    """The LSOA attribute columns a roll-up to ``area_levels`` × ``breakdowns`` needs."""
    per_level = _per_level(area_levels, breakdowns)
    every = [b for lv in area_levels for b in per_level[lv]]
    return list(
        dict.fromkeys(
            [AREA_LEVELS[lv] for lv in area_levels]
            + [c for b in every for c in BREAKDOWNS[b] if c != "ethnic_group"]
        )
    )


def _per_level(
    area_levels: Sequence[str], breakdowns: Sequence[str] | Mapping[str, Sequence[str]]
) -> dict[str, tuple[str, ...]]:
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
    for lv in area_levels:
        for b in per_level[lv]:
            if b not in BREAKDOWNS:
                raise InputError(f"unknown breakdown; choose from {', '.join(BREAKDOWNS)}", value=b)
    return per_level


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

    ``events`` and ``population`` are the stage-1 results as Arrow tables, either by LSOA
    (``lsoa_code``; joined here onto ``lsoa_attributes``, which has ``lsoa_code`` and the
    columns named in AREA_LEVELS and BREAKDOWNS) or already by LSOA attributes (stage 1 with
    ``attributes=``; ``unmatched_lsoa`` names LSOAs the attributes lacked).
    ``breakdowns`` applies to every level, or maps each level to its own breakdowns.
    Each level × breakdown is summed by calendar year once; periods are then sums of their
    years, so the cost hardly grows with the number of rolling periods.
    Returns AGGREGATE_SCHEMA rows, one per area × period × sex × breakdown category × age band,
    with ``events`` = 0 where none occurred. Events whose LSOA has no population at all are an
    error (they would silently vanish from every rate).
    """
    per_level = _per_level(area_levels, breakdowns)
    every = [b for lv in area_levels for b in per_level[lv]]
    by_ethnicity = any("ethnic_group" in BREAKDOWNS[b] for b in every)
    pop_has_ethnicity = "ethnic_group" in population.column_names
    if by_ethnicity and not pop_has_ethnicity:
        raise InputError(
            "an ethnic-group breakdown needs population denominators by ethnic group",
            column="ethnic_group",
        )
    needed = needed_attributes(area_levels, per_level)
    lookup, cells = attribute_cells(lsoa_attributes, needed)
    ev_cells, pop_cells = _cells(events, population, lsoa_attributes, lookup)
    cell_keys = ["year", "sex", "age_index", "cell_id"]
    if pop_has_ethnicity:
        joined = _full_join(ev_cells, pop_cells, [*cell_keys, "ethnic_group"])
        del ev_cells, pop_cells
        # Every breakdown but ethnicity uses events and population summed over ethnic group,
        # so events of unknown ethnicity still count. The ethnic breakdown uses
        # ethnic-specific denominators and leaves events of unknown ethnicity out (ONS
        # practice).
        base = _sum_by(joined, cell_keys, ["events", "population", "rows"])
        ethnic = joined.filter(pc.field("ethnic_group") != "unknown") if by_ethnicity else None
        del joined
    else:
        base = _full_join(_sum_by(ev_cells, cell_keys, ["events"]), pop_cells, cell_keys)
        ethnic = None
    years = np.unique(base["year"].to_numpy())
    spans = []
    for period in periods:
        lo = int(np.searchsorted(years, period.start_year))
        hi = int(np.searchsorted(years, period.end_year, side="right"))
        if hi > lo:
            spans.append((period, lo, hi))
    if not spans:
        raise InputError("no population rows fall in the requested periods", column="year")
    parts = {"base": _Part(base, years, cells)}
    if ethnic is not None:
        parts["ethnic"] = _Part(ethnic, years, cells)
    pieces: list[pa.Table] = []
    for level in area_levels:
        area_col = AREA_LEVELS[level]
        for breakdown in per_level[level]:
            cat_cols = BREAKDOWNS[breakdown]
            part = parts["ethnic" if "ethnic_group" in cat_cols else "base"]
            keys = [area_col, *cat_cols, "sex", "age_index"]
            for sexed in (True, False):
                pieces.append(
                    _periods_of(
                        part,
                        keys if sexed else [k for k in keys if k != "sex"],
                        years=years,
                        spans=spans,
                        area_col=area_col,
                        area_type=level,
                        breakdown=breakdown,
                        cat_cols=cat_cols,
                        banding=banding,
                    )
                )
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


def _cells(
    events: pa.Table, population: pa.Table, attributes: pa.Table, lookup: pa.Table
) -> tuple[pa.Table, pa.Table]:
    """Events and population by cell (``lookup``: lsoa_code → cell_id), checked for lost rows.

    Stage-1 tables by LSOA are mapped to cells here; tables already by cell (``cell_id`` and
    ``unmatched_lsoa`` columns, numbered by :func:`attribute_cells` from the same attributes)
    must name no unmatched LSOA. For the latter, the lookup stage 1 used for events must have
    been limited to LSOAs with population rows, so that events in an LSOA without any
    denominator surface as unmatched.
    """
    ev_by_lsoa = "unmatched_lsoa" not in events.column_names
    pop_by_lsoa = "unmatched_lsoa" not in population.column_names
    if ev_by_lsoa != pop_by_lsoa:
        raise InputError(
            "events and population must both be by LSOA or both by cell",
            column="unmatched_lsoa",
        )
    geo_lsoas = attributes["lsoa_code"]
    _no_unmatched(population, geo_lsoas, what="population")
    _no_unmatched(events, geo_lsoas, what="events")
    if ev_by_lsoa:
        held = pc.unique(population["lsoa_code"])
        unknown = pc.invert(pc.is_in(events["lsoa_code"], value_set=held))
        if pc.any(unknown).as_py():
            _lost_events(events.filter(unknown), "lsoa_code")
    return _attributed(events, lookup), _attributed(population, lookup)


def _lost_events(rows: pa.Table, column: str) -> None:
    lost = pc.sum(rows["events"]).as_py()
    raise InputError(
        f"{int(lost)} events are in LSOAs with no population denominator at all "
        "(check LSOA vintage and years)",
        column="lsoa_code",
        value=rows[column][0].as_py(),
    )


def _no_unmatched(table: pa.Table, geo_lsoas: pa.ChunkedArray, *, what: str) -> None:
    """Stage-1 rows by attributes whose LSOA the attributes lacked are an error, named."""
    if "unmatched_lsoa" not in table.column_names:
        return
    bad = table.filter(pc.is_valid(table["unmatched_lsoa"]))
    if bad.num_rows == 0:
        return
    code = bad["unmatched_lsoa"][0].as_py()
    if what == "events" and pc.is_in(pa.array([code]), value_set=geo_lsoas)[0].as_py():
        _lost_events(bad, "unmatched_lsoa")
    raise InputError(
        f"{what}: LSOA is not in the geography (LSOA 2011 codes in England expected)",
        column="lsoa_code",
        value=code,
    )


def _attributed(table: pa.Table, lookup: pa.Table) -> pa.Table:
    """Stage-1 rows by LSOA → rows by cell (summed); rows already by cell pass through
    without ``unmatched_lsoa``."""
    value = "events" if "events" in table.column_names else "population"
    if "unmatched_lsoa" in table.column_names:
        if "cell_id" not in table.column_names:
            raise InputError("stage-1 rows by LSOA attributes lack cell_id", column="cell_id")
        return table.drop_columns(["unmatched_lsoa"])
    unknown = pc.invert(pc.is_in(table["lsoa_code"], value_set=lookup["lsoa_code"]))
    if pc.any(unknown).as_py():
        # an LSOA the attributes do not hold at all is an error, not a silent loss
        raise InputError(
            "LSOA is not in the geography",
            column="lsoa_code",
            value=pc.filter(table["lsoa_code"], unknown)[0].as_py(),
        )
    joined = table.join(lookup, keys="lsoa_code", join_type="left outer")
    keys = [c for c in table.column_names if c not in ("lsoa_code", value)]
    return _sum_by(joined, ["cell_id", *keys], [value])


def _full_join(events: pa.Table, population: pa.Table, keys: list[str]) -> pa.Table:
    """Events onto population cells (events 0 where none; population 0 for events in a cell
    the estimates leave empty), with ``rows`` = 1 per cell for presence counting."""
    joined = population.join(events.select([*keys, "events"]), keys=keys, join_type="full outer")
    for name in ("events", "population"):
        joined = joined.set_column(
            joined.schema.get_field_index(name),
            name,
            pc.fill_null(pc.cast(joined[name], pa.float64()), 0.0),
        )
    return joined.append_column("rows", pa.array(np.ones(joined.num_rows)))


class _Part:
    """A table by cell, each key column encoded once for many group-bys; cell attributes
    (borough, ICB, deciles) are read through ``cell_id`` from the small ``cells`` table."""

    def __init__(self, table: pa.Table, years: np.ndarray, cells: pa.Table) -> None:
        self.table = table
        self.cells = cells
        self.cell_id = table["cell_id"].to_numpy()
        self.year_pos = np.searchsorted(years, table["year"].to_numpy())
        self.numbers = {n: table[n].to_numpy() for n in ("events", "population", "rows")}
        self._codes: dict[str, tuple[np.ndarray, int, np.ndarray | None]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, int, np.ndarray | None]:
        """Codes 0 … card-1, the cardinality, and where the value is held (None: all)."""
        if column not in self._codes:
            by_cell = column in self.cells.column_names
            source = self.cells[column] if by_cell else self.table[column]
            enc = pc.dictionary_encode(source).combine_chunks()
            valid = None
            if enc.null_count:
                valid = enc.is_valid().to_numpy(zero_copy_only=False)
            idx = enc.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
            if by_cell:
                idx = idx[self.cell_id]
                valid = None if valid is None else valid[self.cell_id]
            self._codes[column] = (idx, len(enc.dictionary), valid)
        return self._codes[column]

    def values(self, column: str, rows: np.ndarray) -> pa.Array:
        """The ``column`` values of ``rows``."""
        if column in self.cells.column_names:
            return self.cells[column].take(pa.array(self.cell_id[rows]))
        return self.table[column].take(pa.array(rows))


def _dense_codes(part: _Part, keys: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Group code (0 … G-1, in key order) of every row that has all ``keys``, the first row of
    each group, and which rows have all keys (None: every row). A row without an area or a
    category (an LSOA outside London has no London decile) belongs to no group of that level.
    Linear time while the key space is small (it always is here); sorted otherwise."""
    n = part.table.num_rows
    combined = np.zeros(n, dtype=np.int64)
    keep: np.ndarray | None = None
    space = 1
    for k in keys:
        idx, card, valid = part.codes(k)
        combined = combined * (card + 1) + idx
        space *= card + 1
        if valid is not None:
            keep = valid if keep is None else keep & valid
    rows = np.arange(n, dtype=np.int64)
    if keep is not None:
        combined, rows = combined[keep], rows[keep]
    if space > 4 * n + (1 << 20):
        _, first, codes = np.unique(combined, return_index=True, return_inverse=True)
        return codes.astype(np.int64), rows[first], keep
    first_at = np.full(space, n, dtype=np.int64)
    np.minimum.at(first_at, combined, rows)
    held = np.flatnonzero(first_at < n)
    remap = np.zeros(space, dtype=np.int64)
    remap[held] = np.arange(len(held))
    return remap[combined], first_at[held], keep


def _periods_of(
    part: _Part,
    keys: list[str],
    *,
    years: np.ndarray,
    spans: Sequence[tuple[Period, int, int]],
    area_col: str,
    area_type: str,
    breakdown: str,
    cat_cols: tuple[str, ...],
    banding: AgeBanding,
) -> pa.Table:
    """Sum ``part`` by ``keys`` × year once, then each period as the sum of its years."""
    g, first, keep = _dense_codes(part, keys)
    n_groups, n_years = len(first), len(years)
    flat = g * n_years + (part.year_pos if keep is None else part.year_pos[keep])
    size = n_groups * n_years

    def by_year(name: str) -> np.ndarray:
        w = part.numbers[name] if keep is None else part.numbers[name][keep]
        return np.bincount(flat, weights=w, minlength=size).reshape(n_groups, n_years)

    ev, po, rows = by_year("events"), by_year("population"), by_year("rows")
    ev_p = np.stack([ev[:, lo:hi].sum(axis=1) for _, lo, hi in spans], axis=1)
    po_p = np.stack([po[:, lo:hi].sum(axis=1) for _, lo, hi in spans], axis=1)
    present = np.stack([rows[:, lo:hi].sum(axis=1) > 0 for _, lo, hi in spans], axis=1)
    gi, pi = np.nonzero(present)
    n = len(gi)
    group_rows = {k: part.values(k, first[gi]) for k in keys}
    labels = pa.array([p.label for p, _, _ in spans], pa.string())
    starts = np.array([p.start_year for p, _, _ in spans], dtype=np.int64)
    ends = np.array([p.end_year for p, _, _ in spans], dtype=np.int64)
    age_index = group_rows["age_index"].to_numpy().astype(np.int64)
    take_pi = pa.array(pi)
    return pa.table(
        {
            "area_code": pc.cast(group_rows[area_col], pa.string()),
            "area_type": pa.repeat(pa.scalar(area_type), n),
            "period_label": labels.take(take_pi),
            "period_start_year": pa.array(starts[pi]),
            "period_end_year": pa.array(ends[pi]),
            "sex": (
                pc.cast(group_rows["sex"], pa.string())
                if "sex" in keys
                else pa.repeat(pa.scalar("persons"), n)
            ),
            "breakdown_type": pa.repeat(pa.scalar(breakdown), n),
            "breakdown_category": (
                pc.binary_join_element_wise(
                    *(pc.cast(group_rows[c], pa.string()) for c in cat_cols), "|"
                )
                if cat_cols
                else pa.repeat(pa.scalar(""), n)
            ),
            "age_index": pa.array(age_index),
            "age_band": pa.array(np.asarray(banding.labels, dtype=object)[age_index], pa.string()),
            "events": pa.array(ev_p[gi, pi]),
            "population": pa.array(po_p[gi, pi]),
        },
        schema=AGGREGATE_SCHEMA,
    )
