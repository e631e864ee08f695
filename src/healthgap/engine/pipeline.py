"""The engine end to end: record-level tables → every computable indicator, protected.

First every input table is validated against its schema (:mod:`healthgap.engine.records`)
on the chosen backend: a broken rule stops the run with every broken rule's first offending
row (file, row, column, rule), before anything is computed. Then, for each indicator whose
catalogue recipe compiles (:mod:`healthgap.engine.recipes`):

1. aggregate events and denominators on the chosen backend (DuckDB or Spark, one Ibis
   expression: :mod:`healthgap.engine.aggregate`);
2. roll up locally to boroughs, ICBs and London; persons and each sex; IMD 2019 deciles
   (national and within London) and London quintiles; rolling periods of the recipe's
   length (e.g. 2018 - 20, 2019 - 21);
3. compute the statistic with the official method (:mod:`healthgap.engine.compute`);
4. apply disclosure control (:mod:`healthgap.engine.disclosure`), to indicators that are
   subsets of one another (suicides among all deaths counted by life expectancy; self-harm
   10–24 among all ages) together, per period, with only their values held (ADR 0611);
5. derive the SII, RII and decile gap from the published decile values
   (:mod:`healthgap.engine.inequality`) and the WHO HEAT summary measures across London
   deciles and ethnic groups (:mod:`healthgap.engine.heat_measures`);
6. compare every value with London, its ICB and England, borough quintiles and trends
   (:mod:`healthgap.engine.comparisons`).

The same function serves the *aggregated-input* route: :func:`values_from_aggregates` takes
counts an analyst already holds (the AGGREGATE_SCHEMA shape) through steps 3–4, so the two
routes give identical numbers for identical counts (tested).

Input directory layout (as written by ``healthgap synth``): ``deaths/``, ``admissions/``,
``registers/`` and ``population/``, each a directory of Parquet files, or ``<table>.parquet`` /
``<table>.csv``. LSOA codes are LSOA 2011 (IMD 2019 deciles).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyarrow as pa
import pyarrow.compute as pc

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.framework import Catalogue
from healthgap.catalogue.models import Polarity
from healthgap.engine.aggregate import (
    Period,
    aggregate_events,
    aggregate_population,
    attribute_cells,
    needed_attributes,
    roll_up,
)
from healthgap.engine.backends import Backend, connect
from healthgap.engine.comparisons import ENGLAND, LONDON, indicator_comparisons
from healthgap.engine.compute import compute_values
from healthgap.engine.disclosure import DisclosureReport, protect, protect_many
from healthgap.engine.heat_measures import heat_values
from healthgap.engine.inequality import DECILE_BREAKDOWNS, inequality_values
from healthgap.engine.recipes import EngineRecipe, NotComputable, compile_recipe, subset_pairs
from healthgap.engine.records import validate_inputs
from healthgap.errors import ConfigurationError, InputError
from healthgap.geography import load_geography
from healthgap.store.columns import column_names

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "DEFAULT_BREAKDOWNS",
    "ENGLAND_BREAKDOWNS",
    "EngineResult",
    "area_parents",
    "input_paths",
    "input_tables",
    "lsoa_attributes",
    "rolling_periods",
    "run_engine",
    "subset_groups",
    "validate_input",
    "values_from_aggregates",
]

#: Breakdowns per area level. Boroughs get London quintiles only: deciles of a borough's few
#: LSOAs hold small, unstable counts that disclosure control would mostly withhold.
DEFAULT_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "ltla": ("none", "imd2019_quintile_london"),
    "icb": ("none", "imd2019_decile", "imd2019_decile_london", "imd2019_quintile_london"),
    "region": ("none", "imd2019_decile", "imd2019_decile_london", "imd2019_quintile_london"),
}

#: Whether disclosure control ties an indicator's overlapping rolling periods (latent yearly
#: tables with every relation: ``protect(..., periods=True)``, withheld consistently across
#: them, ADR 0611). On by default: three-year rates published for 2016-18, 2017-19 and 2018-20
#: can otherwise be differenced through their single years. ``run_engine(protect_overlaps=False)``
#: and ``healthgap compute --per-period-disclosure`` protect each period's table alone (faster;
#: the release's provenance says so). With two windows or fewer it adds nothing.
ROLLING_PERIODS = True

#: Added when the records reach beyond London: England by national deciles.
ENGLAND_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "country": ("none", "imd2019_decile", "imd2019_quintile")
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class EngineResult:
    """Values for every computed indicator, what was skipped and why, and provenance."""

    values: pa.Table
    computed: tuple[str, ...]
    skipped: Mapping[str, str]
    disclosure: Mapping[str, DisclosureReport]
    provenance: Mapping[str, object] = field(default_factory=dict)
    #: Every value compared with London, its ICB and England, borough quintiles, change from
    #: the previous period and recent trend (:mod:`healthgap.engine.comparisons`).
    comparisons: pa.Table | None = None


Scope = Literal["london", "england"]


def lsoa_attributes(scope: Scope = "london") -> pa.Table:
    """LSOA 2011 → borough/LTLA, ICB, region, England and IMD 2019 deciles/quintiles
    (a national quintile is a pair of national deciles: fifths of the national rank).

    ``london``: London's 4,835 LSOAs. ``england``: all 32,844; ICBs and London deciles and
    quintiles are held for London's LSOAs only (null elsewhere: those LSOAs are left out of
    those levels and breakdowns, and counted everywhere else).
    """
    geo = load_geography()
    dep = geo.deprivation("imd2019")
    icb = {b.code: geo.icb_of(b.code).code for b in geo.boroughs()}
    london = pa.table(
        {
            "lsoa_code": pa.array(dep["lsoa_code"].astype(str).tolist(), pa.string()),
            "ltla_code": pa.array(dep["ltla_code"].astype(str).tolist(), pa.string()),
            "icb_code": pa.array([icb[c] for c in dep["ltla_code"]], pa.string()),
            "region_code": pa.array([LONDON] * len(dep), pa.string()),
            "country_code": pa.array([ENGLAND] * len(dep), pa.string()),
            "imd_decile": pa.array(dep["national_decile"].astype("int64").tolist(), pa.int64()),
            "imd_quintile": pa.array(
                ((dep["national_decile"].astype("int64") + 1) // 2).tolist(), pa.int64()
            ),
            "imd_london_decile": pa.array(
                dep["london_decile"].astype("int64").tolist(), pa.int64()
            ),
            "imd_london_quintile": pa.array(
                dep["london_quintile"].astype("int64").tolist(), pa.int64()
            ),
        }
    )
    if scope == "london":
        return london
    if scope != "england":
        raise ConfigurationError(f"unknown scope {scope!r}; choose london or england")
    eng = geo.england_lsoa11()
    rest = eng[~eng["lsoa_code"].isin(set(dep["lsoa_code"]))]
    n = len(rest)
    others = pa.table(
        {
            "lsoa_code": pa.array(rest["lsoa_code"].tolist(), pa.string()),
            "ltla_code": pa.array(rest["ltla_code"].tolist(), pa.string()),
            "icb_code": pa.nulls(n, pa.string()),
            "region_code": pa.array(rest["region_code"].tolist(), pa.string()),
            "country_code": pa.array([ENGLAND] * n, pa.string()),
            "imd_decile": pa.array(rest["national_decile"].tolist(), pa.int64()),
            "imd_quintile": pa.array(((rest["national_decile"] + 1) // 2).tolist(), pa.int64()),
            "imd_london_decile": pa.nulls(n, pa.int64()),
            "imd_london_quintile": pa.nulls(n, pa.int64()),
        }
    )
    return pa.concat_tables([london, others]).sort_by("lsoa_code")


def area_parents(scope: Scope = "london") -> dict[str, str]:
    """Child area → parent, for secondary suppression across geographies: borough → ICB →
    London → England; with ``england``, every other LTLA → its region → England."""
    geo = load_geography()
    parents = {b.code: geo.icb_of(b.code).code for b in geo.boroughs()}
    parents.update({icb.code: LONDON for icb in geo.icbs()})
    parents[LONDON] = ENGLAND
    if scope == "england":
        eng = geo.england_lsoa11()
        for ltla, region in zip(eng["ltla_code"], eng["region_code"], strict=True):
            if region != LONDON:
                parents[ltla] = region
        parents.update(dict.fromkeys(set(eng["region_code"]), ENGLAND))
    return parents


def rolling_periods(years: Sequence[int], period_years: int) -> list[Period]:
    """Every complete rolling period of ``period_years`` consecutive years in ``years``."""
    held = set(years)
    out = []
    for end in sorted(held):
        start = end - period_years + 1
        if all(y in held for y in range(start, end + 1)):
            out.append(Period(start, end))
    return out


def input_paths(directory: Path) -> dict[str, Path]:
    """The record tables found in ``directory``: table name → directory or file."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigurationError(f"{directory}: not a directory")
    found: dict[str, Path] = {}
    for name in ("deaths", "admissions", "registers", "population"):
        for candidate in (
            directory / name,
            directory / f"{name}.parquet",
            directory / f"{name}.csv",
        ):
            if candidate.exists():
                found[name] = candidate
                break
    if "population" not in found:
        raise ConfigurationError(f"{directory}: no population/ denominators found")
    return found


def input_tables(backend: Backend, directory: Path) -> dict[str, ir.Table]:
    """The record tables found in ``directory``, read lazily on ``backend``."""
    return {
        name: backend.read(path, table_name=name) for name, path in input_paths(directory).items()
    }


def validate_input(backend: Backend, directory: Path) -> dict[str, int]:
    """Check every record table in ``directory`` against its schema on ``backend`` (DuckDB or
    Spark: the checks are aggregations there; only their results and the first offending
    rows come back). LSOAs must be England's LSOA 2011 codes. Rows per table; raises
    :class:`~healthgap.engine.records.RecordValidationError` listing every broken rule and
    naming the backend that checked them."""
    england = frozenset(load_geography().england_lsoa11()["lsoa_code"].astype(str))
    duckdb = backend.name == "duckdb"
    if duckdb:  # CSV rows are numbered in scan order, which DuckDB then keeps
        backend.con.raw_sql("SET preserve_insertion_order = true")
    try:
        reports = validate_inputs(
            input_paths(directory),
            con=backend.con,
            lsoa_codes=england,
            lsoa_rule="must be an England LSOA 2011 code",
            backend=backend.name,
        )
    finally:
        if duckdb:
            backend.con.raw_sql("SET preserve_insertion_order = false")
    return {r.schema: r.rows for r in reports}


def _checksums(directory: Path) -> dict[str, str]:
    out = {}
    for path in sorted(p for p in Path(directory).rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        out[str(path.relative_to(directory))] = digest.hexdigest()
    return out


def _denominator_key(recipe: EngineRecipe) -> tuple[object, ...]:
    """Recipes with equal keys share one stage-1 denominator table."""
    return (
        recipe.denominator,
        recipe.table,
        recipe.spec.banding.name,
        recipe.denominator_selection,
    )


def values_from_aggregates(
    aggregates: pa.Table,
    recipe: EngineRecipe,
    *,
    parents: Mapping[str, str],
    disclosure_control: bool = True,
) -> tuple[pa.Table, DisclosureReport | None]:
    """Steps 3–4 (compute, protect) for counts already aggregated (AGGREGATE_SCHEMA).

    ``disclosure_control=False`` is for checking the arithmetic only: its output must not be
    published.
    """
    values = compute_values(aggregates, recipe.spec)
    if not disclosure_control:
        return values, None
    return protect(values, recipe.disclosure, parents=parents)


def subset_groups(recipes: Sequence[EngineRecipe]) -> tuple[list[EngineRecipe], set[int]]:
    """``recipes`` reordered so that indicators that are subsets of one another
    (:func:`~healthgap.engine.recipes.subset_pairs`, linked in chains: suicides among all
    deaths) come one after another, each group where its first member was; and the positions
    where a group ends. Disclosure control protects a group's indicators together, as an
    attacker sees them side by side (ADR 0611); an indicator in no pair is a group of one."""
    parent = list(range(len(recipes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in subset_pairs(recipes):
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(recipes)):
        groups.setdefault(root(i), []).append(i)
    ordered: list[EngineRecipe] = []
    ends: set[int] = set()
    for members in groups.values():  # dicts keep the order of each group's first member
        ordered += [recipes[i] for i in members]
        ends.add(len(ordered) - 1)
    return ordered, ends


def _derived(
    recipe: EngineRecipe, protected: pa.Table, cat: Catalogue, *, heat: bool
) -> list[pa.Table]:
    """Step 5 for one indicator: SII, RII and the decile gap, and the WHO HEAT measures, from
    its published (protected) values only."""
    out: list[pa.Table] = []
    for decile_breakdown in DECILE_BREAKDOWNS:
        measures = inequality_values(
            protected,
            indicator_id=recipe.indicator_id,
            statistic=recipe.spec.statistic,
            breakdown=decile_breakdown,
            multiplier=recipe.spec.multiplier,
        )
        if measures.num_rows:
            out.append(measures)
    polarity = cat.indicator(recipe.indicator_id).polarity
    if heat and polarity is not Polarity.NO_JUDGEMENT:
        measures = heat_values(
            protected,
            indicator_id=recipe.indicator_id,
            favourable=polarity is Polarity.HIGH_IS_GOOD,
            scale=1.0 if recipe.spec.statistic == "life_expectancy" else recipe.spec.multiplier,
        )
        if measures.num_rows:
            out.append(measures)
    return out


def run_engine(
    input_dir: Path,
    *,
    indicators: Sequence[str] | None = None,
    backend: str = "duckdb",
    catalogue: Catalogue | None = None,
    breakdowns: Mapping[str, Sequence[str]] | None = None,
    progress: Progress | None = None,
    checksums: bool = True,
    disclosure_control: bool = True,
    comparisons: bool = True,
    benchmarks: pa.Table | None = None,
    heat: bool = True,
    protect_overlaps: bool | None = None,
) -> EngineResult:
    """Compute every requested (default: every computable) indicator from ``input_dir``.

    ``benchmarks`` holds published values (e.g. England's, from the store) to compare with
    where the input has no such area; ``comparisons=False`` skips the comparison step and
    ``heat=False`` the WHO HEAT measures. ``protect_overlaps`` (default ``ROLLING_PERIODS``):
    disclosure control also protects against an attacker who ties overlapping periods
    through their single years, and withholds consistently across them (ADR 0611).
    """
    rolling = ROLLING_PERIODS if protect_overlaps is None else protect_overlaps
    started = time.perf_counter()
    cat = catalogue or load_catalogue()
    wanted = [cat.indicator(i) for i in indicators] if indicators else list(cat.indicators)
    compiled = {i.id: compile_recipe(i) for i in wanted}
    skipped: dict[str, str] = {
        k: v.reason for k, v in compiled.items() if isinstance(v, NotComputable)
    }
    runnable = [v for v in compiled.values() if isinstance(v, EngineRecipe)]
    be = connect(backend)
    try:
        # every table is checked against its schema before anything is computed
        tick = time.perf_counter()
        validated = validate_input(be, input_dir)
        validation_seconds = time.perf_counter() - tick
        tables = input_tables(be, input_dir)
        population = tables["population"]
        years = sorted(
            int(y) for y in be.to_arrow(population.select("year").distinct())["year"].to_pylist()
        )
        # Records beyond London's LSOAs widen the scope to England (every LTLA and region,
        # and England itself); an LSOA outside England is reported below, not lost.
        with_population = be.to_arrow(population.select("lsoa_code").distinct())
        attrs = lsoa_attributes("london")
        scope: Scope = "london"
        held = pc.is_in(with_population["lsoa_code"], value_set=attrs["lsoa_code"])
        if not pc.all(held).as_py():
            scope = "england"
            attrs = lsoa_attributes("england")
        by_level = dict(breakdowns or DEFAULT_BREAKDOWNS)
        if scope == "england" and breakdowns is None:
            by_level.update(ENGLAND_BREAKDOWNS)
        if "ethnic_group" in population.columns and breakdowns is None:
            by_level = {lv: (*b, "ethnic_group") for lv, b in by_level.items()}
            # ethnicity × deprivation where the counts can bear it (not boroughs)
            for lv in ("icb", "region"):
                by_level[lv] = (*by_level[lv], "ethnic_group_imd2019_quintile_london")
        parents = area_parents(scope)
        # Stage 1 groups by the LSOAs' attributes (borough, ICB, deciles) rather than by
        # LSOA, so that only a few hundred areas leave the backend. Events are matched only
        # to LSOAs that have population rows: events anywhere else are reported, not lost.
        needed = needed_attributes(tuple(by_level), by_level)
        lookup, _ = attribute_cells(attrs, needed)
        lookup_pop = lookup.filter(
            pc.is_in(lookup["lsoa_code"], value_set=with_population["lsoa_code"])
        )
        attrs_be = be.table(lookup, table_name="healthgap_lsoa_cells")
        attrs_ev = be.table(lookup_pop, table_name="healthgap_lsoa_cells_with_population")
        # Indicators sharing a denominator run one after another, so each is dropped early;
        # indicators that are subsets of one another (suicides among all deaths) run one
        # after another too, and are protected together when the group's last is computed.
        runnable.sort(key=lambda r: repr(_denominator_key(r)))
        runnable, group_ends = subset_groups(runnable)
        pop_cache: dict[tuple[object, ...], pa.Table] = {}
        # Denominators are large (LSOA × year × sex × age band × ethnic group): each is
        # dropped after the last indicator that uses it, to keep peak memory down.
        last_use = {_denominator_key(r): n for n, r in enumerate(runnable)}
        stages = dict.fromkeys(
            ("stage1", "roll_up", "compute", "disclosure", "inequality", "comparisons"), 0.0
        )
        stages = {"validation": validation_seconds, **stages}
        pieces: list[pa.Table] = []
        derived: list[pa.Table] = []
        reports: dict[str, DisclosureReport] = {}

        def values_of(n: int, recipe: EngineRecipe) -> pa.Table | None:
            """Stages 1–3 for one indicator: its values, unprotected (None when skipped)."""
            events = tables.get(recipe.table)
            if events is None:
                skipped[recipe.indicator_id] = f"no {recipe.table} records in the input"
                return None
            periods = rolling_periods(years, recipe.period_years)
            if not periods:
                skipped[recipe.indicator_id] = (
                    f"needs {recipe.period_years} consecutive years; the input holds {years}"
                )
                return None
            tick = time.perf_counter()
            ev = be.to_arrow(
                aggregate_events(
                    events,
                    selection=recipe.selection,
                    banding=recipe.spec.banding,
                    date_column=recipe.date_column,
                    years=years,
                    attributes=attrs_ev,
                )
            )
            den_key = _denominator_key(recipe)
            den = pop_cache.get(den_key)
            if den is None:
                sel = recipe.denominator_selection
                if recipe.denominator == "population":
                    den = be.to_arrow(
                        aggregate_population(
                            population,
                            banding=recipe.spec.banding,
                            years=years,
                            age_min=sel.age_min,
                            age_max=sel.age_max,
                            sexes=sel.sexes,
                            attributes=attrs_be,
                        )
                    )
                else:
                    den = be.to_arrow(
                        aggregate_events(
                            events,
                            selection=sel,
                            banding=recipe.spec.banding,
                            date_column=recipe.date_column,
                            years=years,
                            attributes=attrs_ev,
                        )
                    )
                    den = den.rename_columns(
                        ["population" if c == "events" else c for c in den.column_names]
                    )
                pop_cache[den_key] = den
            tock = time.perf_counter()
            stages["stage1"] += tock - tick
            if last_use[den_key] == n:  # the roll-up below is its last use
                pop_cache.pop(den_key, None)
            rolled = roll_up(
                ev,
                den,
                attrs,
                banding=recipe.spec.banding,
                periods=periods,
                area_levels=tuple(by_level),
                breakdowns=by_level,
            )
            # level by level, in the order of ``by_level`` (roll_up sorts levels by name)
            area_type = rolled["area_type"]
            aggregates = pa.concat_tables(
                rolled.filter(pc.equal(area_type, level)) for level in by_level
            )
            del ev, den, rolled, area_type  # free memory before the next stage
            tick = time.perf_counter()
            stages["roll_up"] += tick - tock
            values = compute_values(aggregates, recipe.spec)
            del aggregates
            tock = time.perf_counter()
            stages["compute"] += tock - tick
            return values

        # computed values of the current subset group, waiting to be protected together
        pending: list[tuple[EngineRecipe, pa.Table]] = []
        for n, recipe in enumerate(runnable):
            if progress:
                progress(recipe.indicator_id, n, len(runnable))
            fresh = values_of(n, recipe)
            if fresh is not None:
                pending.append((recipe, fresh))
            del fresh
            if n not in group_ends or not pending:
                continue
            # the group is complete: protect its indicators together, then derive from them
            group, pending = pending, []
            tock = time.perf_counter()
            if disclosure_control:
                names = " + ".join(r.indicator_id for r, _ in group)
                tell = None
                if progress:

                    def tell(done: int, total: int, n: int = n, name: str = names) -> None:
                        progress(f"{name}: disclosure control {done}/{total}", n, len(runnable))

                protected = protect_many(
                    [(v, r.disclosure) for r, v in group],
                    parents=parents,
                    subsets=subset_pairs([r for r, _ in group]),
                    progress=tell,
                    periods=rolling,
                )
                for (r, _), (_, report) in zip(group, protected, strict=True):
                    reports[r.indicator_id] = report
                done = [(r, table) for (r, _), (table, _) in zip(group, protected, strict=True)]
            else:
                done = list(group)
            del group
            stages["disclosure"] += time.perf_counter() - tock
            for finished, table in done:
                pieces.append(table)
                tick = time.perf_counter()
                derived.extend(_derived(finished, table, cat, heat=heat))
                stages["inequality"] += time.perf_counter() - tick
            del done
        if progress:
            progress("done", len(runnable), len(runnable))
    finally:
        be.close()
    if not pieces:
        raise InputError(
            "no indicator could be computed from this input: "
            + "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
        )
    values = pa.concat_tables([*pieces, *derived]).select(column_names())
    compared: pa.Table | None = None
    if comparisons:
        tick = time.perf_counter()
        # Derived series with no catalogue indicator (RII, gaps, HEAT measures) have no
        # declared polarity, so every comparison of theirs would be "Not compared".
        mapped = values.filter(pc.is_valid(values["indicator_id"]))
        compared = indicator_comparisons(mapped, catalogue=cat, benchmarks=benchmarks)
        del mapped
        stages["comparisons"] = time.perf_counter() - tick
    computed = tuple(sorted({str(p["indicator_id"][0].as_py()) for p in pieces}))
    provenance: dict[str, object] = {
        "backend": backend,
        "catalogue_version": cat.version,
        # each compiled recipe's fingerprint: a changed recipe gives a different hash
        "recipes": {
            r.indicator_id: hashlib.sha256(repr(r).encode()).hexdigest()[:16]
            for r in runnable
            if r.indicator_id in computed
        },
        "indicators": list(computed),
        "disclosure_control": disclosure_control,
        "protect_overlaps": rolling and disclosure_control,
        "scope": scope,
        "years": years,
        "validated_rows": validated,
        "seconds": round(time.perf_counter() - started, 3),
        "stage_seconds": {k: round(v, 3) for k, v in stages.items()},
    }
    if checksums:
        provenance["input_sha256"] = _checksums(Path(input_dir))
    return EngineResult(
        values=values,
        computed=computed,
        skipped=dict(sorted(skipped.items())),
        disclosure=reports,
        provenance=provenance,
        comparisons=compared,
    )
