"""Every catalogue recipe compiles to an engine recipe or to a stated reason."""

from __future__ import annotations

from healthgap.catalogue import load_catalogue
from healthgap.engine.bands import ESP2013_19, LIFE_TABLE_20
from healthgap.engine.recipes import EngineRecipe, NotComputable, compile_recipe


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
