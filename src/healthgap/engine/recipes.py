"""Catalogue recipes compiled once into what the engine runs.

A recipe (``healthgap.catalogue`` ``Recipe``) says which records are events, what the
denominator is, the age range, the statistic, the standard population and the period length.
:func:`compile_recipe` turns it into an :class:`EngineRecipe` — or, when the engine cannot
compute it from the record-level tables it knows, a :class:`NotComputable` with the reason.
Nothing is dropped silently.

Event-filter notation: a key ending ``_icd10`` filters the column without that suffix by ICD-10
codes ('X60-X84' a range of categories, 'C34' a prefix); any other key filters the column of
that name by its values. A proportion of events may give a ``denominator_filter`` in the same
notation: the denominator's records meet it, and the numerator's meet it and the
``event_filter`` too.

Every recipe field the catalogue sets must be one this compiler implements
(:data:`IMPLEMENTED_RECIPE_FIELDS`); a recipe setting any other field is not computable, with
the field named, so that a new field can never be silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from healthgap.catalogue.models import Indicator, Recipe, Statistic
from healthgap.engine.aggregate import CodeFilter, EventSelection
from healthgap.engine.bands import ALL_AGES, ESP2013_19, LIFE_TABLE_20, AgeBanding
from healthgap.engine.compute import StatisticSpec, engine_series_key
from healthgap.engine.disclosure import DisclosureRule
from healthgap.engine.records import RECORD_SCHEMAS

__all__ = [
    "EVENT_TABLES",
    "IMPLEMENTED_RECIPE_FIELDS",
    "EngineRecipe",
    "NotComputable",
    "compile_recipe",
    "engine_series_key",
    "unimplemented_fields",
]

#: Catalogue event names → (record table, date column that places an event in a year).
EVENT_TABLES: dict[str, tuple[str, str]] = {
    "deaths": ("deaths", "date_of_registration"),
    "hospital_admissions": ("admissions", "admission_date"),
    "admissions": ("admissions", "admission_date"),
}

_POPULATION = "mid-year population"

#: The ``Recipe`` fields :func:`compile_recipe` applies. A recipe that sets any other field
#: is refused (NotComputable, naming the field) rather than computed without it.
IMPLEMENTED_RECIPE_FIELDS: frozenset[str] = frozenset(
    {
        "events",
        "event_filter",
        "population",
        "denominator_filter",
        "age_from",
        "age_to",
        "sex",
        "statistic",
        "standard_population",
        "period_years",
        "multiplier",
    }
)


@dataclass(frozen=True)
class EngineRecipe:
    """Everything the engine needs to compute one indicator from records."""

    indicator_id: str
    table: str
    date_column: str
    selection: EventSelection
    denominator: Literal["population", "events"]
    denominator_selection: EventSelection
    period_years: int
    spec: StatisticSpec
    disclosure: DisclosureRule


@dataclass(frozen=True)
class NotComputable:
    indicator_id: str
    reason: str


def _banding(statistic: Statistic, age_from: int, age_to: int | None) -> AgeBanding | str:
    if statistic is Statistic.DSR:
        if age_from % 5 or (age_to is not None and (age_to + 1) % 5):
            return f"a DSR's age range must fit the 5-year ESP 2013 bands (got {age_from}–{age_to})"
        return ESP2013_19
    if statistic is Statistic.LIFE_EXPECTANCY:
        return LIFE_TABLE_20
    if statistic in (Statistic.CRUDE_RATE, Statistic.PROPORTION):
        return ALL_AGES
    return f"statistic '{statistic.value}' is not computed from records by the engine yet"


def _age_label(age_from: int, age_to: int | None) -> str:
    if age_from == 0 and age_to is None:
        return "All ages"
    if age_to is None:
        return f"{age_from}+ yrs"
    if age_from == 0:
        return f"<{age_to + 1} yrs"
    return f"{age_from}-{age_to} yrs"


_Filters = tuple[list[CodeFilter], list[tuple[str, tuple[str, ...]]]]


def _filters(
    spec: Mapping[str, Sequence[str]], fields: set[str], *, table: str, what: str
) -> _Filters | str:
    """A recipe filter as ICD-10 code filters and value filters, or why it cannot be."""
    codes: list[CodeFilter] = []
    values: list[tuple[str, tuple[str, ...]]] = []
    for key, allowed in spec.items():
        column = key.removesuffix("_icd10")
        if column not in fields:
            return f"{what} '{key}' needs column '{column}', which the {table} schema lacks"
        if key.endswith("_icd10"):
            codes.append(CodeFilter.parse(column, allowed))
        else:
            values.append((column, tuple(allowed)))
    return codes, values


def unimplemented_fields(recipe: Recipe) -> tuple[str, ...]:
    """Fields the recipe sets that :func:`compile_recipe` does not implement."""
    return tuple(sorted(set(recipe.model_fields_set) - IMPLEMENTED_RECIPE_FIELDS))


def compile_recipe(indicator: Indicator) -> EngineRecipe | NotComputable:
    """Compile an indicator's recipe, or say exactly why the engine cannot compute it."""
    recipe = indicator.recipe
    if recipe is None:
        return NotComputable(indicator.id, "the catalogue gives no record-level recipe")
    unknown = unimplemented_fields(recipe)
    if unknown:
        return NotComputable(
            indicator.id,
            f"recipe field(s) {', '.join(unknown)} not implemented by the engine",
        )
    if recipe.standard_population not in (None, "esp2013"):
        return NotComputable(
            indicator.id,
            f"standard population '{recipe.standard_population}' is not implemented "
            "(the engine standardises to the ESP 2013)",
        )
    if recipe.denominator_filter and recipe.statistic is not Statistic.PROPORTION:
        return NotComputable(
            indicator.id, "a denominator filter is implemented for proportions of events only"
        )
    table_info = EVENT_TABLES.get(recipe.events)
    if table_info is None:
        return NotComputable(
            indicator.id,
            f"no record-level schema for events '{recipe.events}' "
            f"(the engine reads: {', '.join(sorted({t for t, _ in EVENT_TABLES.values()}))})",
        )
    table, date_column = table_info
    fields = {f.name for f in RECORD_SCHEMAS[table].fields}
    event_filters = _filters(recipe.event_filter, fields, table=table, what="event filter")
    if isinstance(event_filters, str):
        return NotComputable(indicator.id, event_filters)
    den_filters = _filters(
        recipe.denominator_filter, fields, table=table, what="denominator filter"
    )
    if isinstance(den_filters, str):
        return NotComputable(indicator.id, den_filters)
    # the numerator's records meet the denominator's filter and the event filter on top
    codes = [*den_filters[0], *event_filters[0]]
    values = [*den_filters[1], *event_filters[1]]
    age_from = recipe.age_from or 0
    banding = _banding(recipe.statistic, age_from, recipe.age_to)
    if isinstance(banding, str):
        return NotComputable(indicator.id, banding)
    sexes = () if recipe.sex in ("persons", "by_sex") else (recipe.sex,)
    selection = EventSelection(
        codes=tuple(codes),
        values=tuple(values),
        age_min=age_from,
        age_max=recipe.age_to,
        sexes=sexes,
    )
    if recipe.population.strip().lower() == _POPULATION:
        if recipe.denominator_filter:
            return NotComputable(
                indicator.id,
                "a denominator filter on the mid-year population is not supported "
                f"(got {', '.join(sorted(recipe.denominator_filter))})",
            )
        denominator: Literal["population", "events"] = "population"
        denominator_selection = EventSelection(age_min=age_from, age_max=recipe.age_to, sexes=sexes)
    elif recipe.statistic is Statistic.PROPORTION and recipe.population.startswith(recipe.events):
        # e.g. "deaths aged 65+ with dementia mentioned": the numerator's records are a
        # subset of the denominator's, which meet the denominator filter
        denominator = "events"
        denominator_selection = EventSelection(
            codes=tuple(den_filters[0]),
            values=tuple(den_filters[1]),
            age_min=age_from,
            age_max=recipe.age_to,
            sexes=sexes,
        )
    else:
        return NotComputable(
            indicator.id,
            f"denominator '{recipe.population}' is not a table the engine reads",
        )
    statistic = {
        Statistic.DSR: "dsr",
        Statistic.CRUDE_RATE: "crude_rate",
        Statistic.PROPORTION: "proportion",
        Statistic.LIFE_EXPECTANCY: "life_expectancy",
    }[recipe.statistic]
    spec = StatisticSpec(
        indicator_id=indicator.id,
        statistic=statistic,  # type: ignore[arg-type]
        banding=banding,
        multiplier=recipe.multiplier,
        age_label=_age_label(age_from, recipe.age_to),
        unit=indicator.unit,
    )
    threshold = indicator.disclosure.suppress_below if indicator.disclosure else 5
    applies_to = indicator.disclosure.applies_to if indicator.disclosure else "numerator"
    return EngineRecipe(
        indicator_id=indicator.id,
        table=table,
        date_column=date_column,
        selection=selection,
        denominator=denominator,
        denominator_selection=denominator_selection,
        period_years=recipe.period_years,
        spec=spec,
        disclosure=DisclosureRule(
            min_count=max(threshold, 1),
            applies_to=applies_to,
            event_denominator=denominator == "events",
        ),
    )


def selection_within(a: EngineRecipe, b: EngineRecipe) -> bool:
    """True when every event ``a`` counts is one ``b`` counts: the same records and dates,
    every filter of ``b`` also in ``a`` (same codes or values), ``a``'s ages within ``b``'s
    and its sexes among ``b``'s (e.g. suicides 10+ within all deaths). A sufficient
    condition: other nestings (a code range inside a wider one) are not recognised."""
    if (a.table, a.date_column) != (b.table, b.date_column):
        return False
    sa, sb = a.selection, b.selection
    if not set(sb.codes) <= set(sa.codes) or not set(sb.values) <= set(sa.values):
        return False
    a_max = sa.age_max if sa.age_max is not None else 10**6
    b_max = sb.age_max if sb.age_max is not None else 10**6
    if not (sb.age_min <= sa.age_min and a_max <= b_max):
        return False
    return not sb.sexes or (bool(sa.sexes) and set(sa.sexes) <= set(sb.sexes))


def subset_pairs(recipes: Sequence[EngineRecipe]) -> list[tuple[int, int]]:
    """(i, j) for every pair of recipes where ``i``'s events are among ``j``'s and both
    pool the same years (counts of ``i`` ≤ the same cells of ``j``; disclosure control)."""
    return [
        (i, j)
        for i, a in enumerate(recipes)
        for j, b in enumerate(recipes)
        if i != j and a.period_years == b.period_years and selection_within(a, b)
    ]
