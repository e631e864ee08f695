"""Readable results (issue 17, item 5): numbers, units and periods shown one way."""

from __future__ import annotations

import math

import pytest

from healthgap.cli import format as fmt


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (250_000.0, "250,000"),
        (2_500_000.0, "2,500,000"),
        (82.4379, "82.4"),
        (0.012345, "0.0123"),
        (10, "10"),
        (-3.14159, "-3.14"),
        (0.0, "0"),
        (math.nan, ""),
        (None, ""),
    ],
)
def test_numbers_are_rounded_with_separators_never_exponents(
    value: float | None, shown: str
) -> None:
    assert fmt.number(value) == shown
    assert "e+" not in fmt.number(value)


def test_quantities_carry_their_units() -> None:
    assert fmt.quantity(10, "ug/m3") == "10 µg/m³"
    assert fmt.quantity(45.23, "percentage") == "45.2%"
    assert fmt.quantity(250_000, "people") == "250,000 people"


@pytest.mark.parametrize(
    ("label", "shown"),
    [("2022 - 24", "2022–24"), ("2022-2024", "2022–24"), ("2022–24", "2022–24"),
     ("2023/2024", "2023/24"), ("2023/24", "2023/24"), ("2021", "2021")],
)  # fmt: skip
def test_period_labels_are_spelt_one_way(label: str, shown: str) -> None:
    assert fmt.period(label) == shown
