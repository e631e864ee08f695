"""Confidence parsing, file reading/writing and the calculation registry."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from healthgap import analyst
from healthgap.analyst import registry
from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import interval_columns, read_table, write_table
from healthgap.errors import InputError


@pytest.mark.parametrize(
    ("given", "levels"),
    [
        (0.95, (0.95,)),
        (95, (0.95,)),
        ("0.95,0.998", (0.95, 0.998)),
        ("95, 99.8", (0.95, 0.998)),
        ([0.95, 0.998], (0.95, 0.998)),
    ],
)
def test_confidence_parsing(given: object, levels: tuple[float, ...]) -> None:
    assert analyst.parse_confidence(given) == levels


@pytest.mark.parametrize("given", [0.5, "abc", "0.95,0.95", 101, ""])
def test_bad_confidence_is_refused(given: object) -> None:
    with pytest.raises(InputError) as info:
        analyst.parse_confidence(given)
    assert info.value.key == "confidence"


def test_interval_column_names_follow_phe() -> None:
    assert interval_columns([0.95]) == [("lowercl", "uppercl")]
    assert interval_columns([0.95, 0.998]) == [
        ("lower95_0cl", "upper95_0cl"),
        ("lower99_8cl", "upper99_8cl"),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_csv_and_parquet(tmp_path: Path, suffix: str) -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1.5, 2.5]})
    path = tmp_path / f"t{suffix}"
    write_table(frame, path)
    pd.testing.assert_frame_equal(read_table(path), frame)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported"):
        read_table(tmp_path / "data.xlsx")


def test_registry_holds_every_basic_calculation() -> None:
    assert set(analyst.CALCULATIONS) >= {
        "proportion", "rate", "mean", "dsr", "isr_rate", "isr_ratio", "life_expectancy", "hle"
    }  # fmt: skip
    for name, calculation in analyst.CALCULATIONS.items():
        assert calculation.name == name
        assert calculation.help
        assert all(p.help for p in calculation.parameters)


def test_registry_refuses_duplicate_names() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        registry.collect(("healthgap.analyst.basic", "healthgap.analyst.basic"))


def test_registry_refuses_a_module_without_calculations() -> None:
    with pytest.raises(TypeError, match="CALCULATIONS"):
        registry.collect(("healthgap.analyst.frame",))


def test_calculation_parses_text_options_and_fills_defaults() -> None:
    calc = analyst.CALCULATIONS["dsr"]
    options = calc.options({"x": "d", "n": "p", "stdpop": "esp2013", "group-by": "a, b",
                            "confidence": "95,99.8", "independent_events": "no"})  # fmt: skip
    assert options["group_by"] == ("a", "b")
    assert options["confidence"] == (0.95, 0.998)
    assert options["independent_events"] is False
    assert options["multiplier"] == 100_000.0
    assert options["eventfreq"] is None


def test_calculation_names_missing_and_unknown_options() -> None:
    calc = analyst.CALCULATIONS["proportion"]
    with pytest.raises(InputError, match="--n is missing"):
        calc.options({"x": "a"})
    with pytest.raises(InputError, match="unknown option") as info:
        calc.options({"x": "a", "n": "b", "stdpop": "c"})
    assert info.value.key == "stdpop"


def test_a_new_module_only_declares_calculations() -> None:
    def double(data: pd.DataFrame, *, column: str) -> pd.DataFrame:
        return data.assign(value=data[column] * 2)

    calc = Calculation("double", "Doubles.", (Parameter("column", "column", "A column."),), double)
    out = calc.run(pd.DataFrame({"v": [1, 2]}), {"column": "v"})
    assert list(out.value) == [2, 4]
