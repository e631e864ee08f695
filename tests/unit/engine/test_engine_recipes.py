"""Every catalogue recipe compiles to an engine recipe or to a stated reason."""

from __future__ import annotations

from healthgap.catalogue import load_catalogue
from healthgap.catalogue.models import Indicator, Recipe, Statistic
from healthgap.engine.bands import ESP2013_19, LIFE_TABLE_20
from healthgap.engine.recipes import (
    IMPLEMENTED_RECIPE_FIELDS,
    EngineRecipe,
    NotComputable,
    compile_recipe,
    unimplemented_fields,
)


def test_every_indicator_compiles_or_says_why() -> None:
    cat = load_catalogue()
    compiled = {i.id: compile_recipe(i) for i in cat.indicators}
    computable = {k: v for k, v in compiled.items() if isinstance(v, EngineRecipe)}
    reasons = {k: v.reason for k, v in compiled.items() if isinstance(v, NotComputable)}
    assert len(computable) >= 4
    assert all(r.strip() for r in reasons.values())
    assert set(computable) | set(reasons) == {i.id for i in cat.indicators}


def test_life_expectancy_and_suicide_recipes() -> None:
    cat = load_catalogue()
    le = compile_recipe(cat.indicator("life_expectancy"))
    assert isinstance(le, EngineRecipe)
    assert le.spec.banding is LIFE_TABLE_20
    assert le.table == "deaths"
    suicide = compile_recipe(cat.indicator("suicide_rate"))
    assert isinstance(suicide, EngineRecipe)
    assert suicide.spec.statistic == "dsr"
    assert suicide.spec.banding is ESP2013_19
    assert suicide.selection.age_min == 10
    (codes,) = suicide.selection.codes
    assert codes.column == "underlying_cause"
    assert ("X60", "X84") in codes.ranges
    assert suicide.period_years == 3


def test_unknown_events_table_is_not_computable_with_reason() -> None:
    cat = load_catalogue()
    tb = compile_recipe(cat.indicator("tb_incidence"))
    assert isinstance(tb, NotComputable)
    assert "tb_notifications" in tb.reason


def _dementia_in_hospital_on_underlying_cause() -> Indicator:
    """The catalogue's dementia-deaths-in-hospital recipe, with its filters moved onto
    columns the deaths schema holds (dementia as the underlying cause; no place of death)."""
    indicator = load_catalogue().indicator("dementia_deaths_hospital")
    assert indicator.recipe is not None
    recipe = indicator.recipe.model_copy(
        update={
            "event_filter": {"underlying_cause_icd10": ("F01",)},
            "denominator_filter": {"underlying_cause_icd10": ("F00-F03", "G30")},
        }
    )
    return indicator.model_copy(update={"recipe": recipe})


def test_denominator_filter_is_applied_to_the_denominator_and_the_numerator() -> None:
    """Given a proportion of deaths whose denominator is 'deaths aged 65+ with dementia',
    the denominator selects dementia deaths 65+ (not every death 65+), and the numerator
    meets the denominator's filter and its own."""
    compiled = compile_recipe(_dementia_in_hospital_on_underlying_cause())
    assert isinstance(compiled, EngineRecipe)
    assert compiled.denominator == "events"
    den = compiled.denominator_selection
    assert den.age_min == 65
    (dementia,) = den.codes
    assert dementia.column == "underlying_cause"
    assert dementia.ranges == (("F00", "F03"),)
    assert dementia.prefixes == ("G30",)
    numerator_codes = {(c.column, c.prefixes, c.ranges) for c in compiled.selection.codes}
    assert numerator_codes == {
        ("underlying_cause", ("G30",), (("F00", "F03"),)),
        ("underlying_cause", ("F01",), ()),
    }


def test_denominator_filter_on_the_population_is_refused() -> None:
    indicator = load_catalogue().indicator("suicide_rate")
    assert indicator.recipe is not None
    recipe = indicator.recipe.model_copy(
        update={"denominator_filter": {"sex": ("female",)}, "statistic": Statistic.PROPORTION}
    )
    out = compile_recipe(indicator.model_copy(update={"recipe": recipe}))
    assert isinstance(out, NotComputable)
    assert "denominator filter" in out.reason


class _RecipeWithMore(Recipe):
    """A recipe model grown by a field the compiler has never heard of."""

    place_of_care: str | None = None


def test_a_recipe_field_the_compiler_does_not_implement_is_refused() -> None:
    """Given a recipe that sets a field outside IMPLEMENTED_RECIPE_FIELDS, the compiler
    refuses it, naming the field, instead of computing the indicator without it."""
    indicator = load_catalogue().indicator("suicide_rate")
    assert indicator.recipe is not None
    grown = _RecipeWithMore(**indicator.recipe.model_dump(), place_of_care="hospice")
    out = compile_recipe(indicator.model_copy(update={"recipe": grown}))
    assert isinstance(out, NotComputable)
    assert "place_of_care" in out.reason
    assert unimplemented_fields(grown) == ("place_of_care",)
    # left at its default, the field asks nothing of the engine
    plain = _RecipeWithMore(**indicator.recipe.model_dump())
    assert isinstance(compile_recipe(indicator.model_copy(update={"recipe": plain})), EngineRecipe)


def test_implemented_fields_are_recipe_fields() -> None:
    assert set(Recipe.model_fields) >= IMPLEMENTED_RECIPE_FIELDS


def test_event_count_denominators_and_applies_to_reach_the_disclosure_rule() -> None:
    """Issue 11 item 3: a proportion of deaths has an event-count denominator, which
    disclosure control must protect; ``applies_to`` is passed through."""
    from healthgap.catalogue import load_catalogue
    from healthgap.engine.recipes import EngineRecipe, compile_recipe

    cat = load_catalogue()
    # the deaths schema has no any-cause column yet: the same recipe on the underlying cause
    ind = cat.indicator("dementia_deaths_hospital")
    assert ind.recipe is not None
    codes = ind.recipe.event_filter["any_cause_icd10"]
    recipe = ind.recipe.model_copy(
        update={
            "event_filter": {"underlying_cause_icd10": ("F00-F01",)},
            "denominator_filter": {"underlying_cause_icd10": codes},
        }
    )
    dementia = compile_recipe(ind.model_copy(update={"recipe": recipe}))
    assert isinstance(dementia, EngineRecipe)
    assert dementia.denominator == "events"
    assert dementia.disclosure.event_denominator
    assert dementia.disclosure.protects_denominator
    suicide = compile_recipe(cat.indicator("suicide_rate"))
    assert isinstance(suicide, EngineRecipe)
    assert not suicide.disclosure.protects_denominator
    expected = cat.indicator("suicide_rate").disclosure
    assert expected is not None
    assert suicide.disclosure.applies_to == expected.applies_to


def test_subset_pairs_from_recipes() -> None:
    """Suicides (10+, underlying cause X60–X84 …) are among all deaths (life expectancy),
    not the other way round; an indicator on another table is no subset."""
    from healthgap.engine.recipes import EngineRecipe, subset_pairs

    cat = load_catalogue()
    ids = ["suicide_rate", "life_expectancy", "self_harm_admissions"]
    recipes = [compile_recipe(cat.indicator(i)) for i in ids]
    assert all(isinstance(r, EngineRecipe) for r in recipes)
    assert subset_pairs(recipes) == [(0, 1)]  # type: ignore[arg-type]


def test_subset_groups_keep_each_group_together() -> None:
    """``run_engine`` protects indicators that are subsets of one another together: every
    computable recipe in catalogue order, regrouped, puts self-harm 10–24 next to self-harm
    at all ages and suicide next to life expectancy (each group where its first member was),
    every other indicator alone, and marks where each group ends."""
    from healthgap.engine.pipeline import subset_groups
    from healthgap.engine.recipes import EngineRecipe

    recipes = [
        r for i in load_catalogue().indicators if isinstance(r := compile_recipe(i), EngineRecipe)
    ]
    ordered, ends = subset_groups(recipes)
    assert sorted(r.indicator_id for r in ordered) == sorted(r.indicator_id for r in recipes)
    groups: list[set[str]] = []
    current: set[str] = set()
    for n, r in enumerate(ordered):
        current.add(r.indicator_id)
        if n in ends:
            groups.append(current)
            current = set()
    assert not current  # the last position ends a group
    assert {"self_harm_admissions", "self_harm_admissions_young"} in groups
    assert {"suicide_rate", "life_expectancy"} in groups
    assert all(len(g) == 1 for g in groups if not g & {"self_harm_admissions", "suicide_rate"})
    firsts = [r.indicator_id for r in recipes]
    starts = [min(firsts.index(i) for i in g) for g in groups]
    assert starts == sorted(starts)
