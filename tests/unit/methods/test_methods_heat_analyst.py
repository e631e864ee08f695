"""``healthgap calc heat``: the data-frame front end to the HEAT summary measures."""

from __future__ import annotations

import pandas as pd
import pytest

from healthgap.analyst.heat import heat
from healthgap.analyst.registry import CALCULATIONS
from healthgap.errors import InputError


def _frame() -> pd.DataFrame:
    rows = []
    for area, shift in (("E09000001", 0.0), ("E09000002", 5.0)):
        for q, (est, pop, se) in enumerate(
            zip([20, 30, 40, 50, 60], [78, 91, 162, 103, 105], [5, 7, 10, 12, 14], strict=True),
            start=1,
        ):
            rows.append(
                {
                    "area": area,
                    "quintile": f"Q{q}",
                    "order": q,
                    "est": est + shift,
                    "pop": pop,
                    "se": se,
                }
            )
    return pd.DataFrame(rows)


def test_heat_calc_is_registered_and_runs_per_setting() -> None:
    calc = CALCULATIONS["heat"]
    out = calc.run(
        _frame(),
        {
            "estimate": "est",
            "population": "pop",
            "se": "se",
            "subgroup": "quintile",
            "subgroup_order": "order",
            "group_by": "area",
            "ordered": "true",
            "favourable": "true",
            "scale": "100",
            "confidence": "0.95,0.998",
        },
    )
    assert set(out["area"]) == {"E09000001", "E09000002"}
    assert len(out) == 2 * 8
    assert {"lower95_0cl", "upper99_8cl", "kind", "weighted", "statistic", "reason"} <= set(out)
    sii = out[(out["area"] == "E09000001") & (out["measure"] == "SII")].iloc[0]
    assert sii["value"] == pytest.approx(44.44502, abs=5e-6)
    d = out[(out["area"] == "E09000002") & (out["measure"] == "D")].iloc[0]
    assert d["value"] == pytest.approx(40.0)
    assert "Q5 vs Q1" in d["statistic"]


def test_heat_calc_reads_settings_from_template_columns() -> None:
    frame = _frame().assign(ordered_dimension=0, favourable_indicator=1, indicator_scale=100)
    out = heat(
        frame,
        estimate="est",
        population="pop",
        se="se",
        group_by=("area",),
        ordered_dimension="ordered_dimension",
        favourable_indicator="favourable_indicator",
        indicator_scale="indicator_scale",
        type="standard",
    )
    assert "BGV" in set(out["measure"])
    assert "statistic" not in out.columns


def test_heat_calc_error_names_group_subgroup_and_column() -> None:
    frame = _frame()
    frame.loc[7, "pop"] = 0
    with pytest.raises(InputError) as info:
        heat(
            frame,
            estimate="est",
            population="pop",
            se="se",
            subgroup="quintile",
            group_by=("area",),
            ordered=True,
            favourable=True,
            scale=100,
        )
    message = str(info.value)
    assert "area=E09000002" in message
    assert "Q3" in message
    assert "'pop'" in message


def test_heat_calc_requires_the_dimension_type() -> None:
    with pytest.raises(InputError, match="ordered"):
        heat(
            _frame(),
            estimate="est",
            population="pop",
            group_by=("area",),
            favourable=True,
            scale=100,
        )
