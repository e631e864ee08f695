"""Decimal-year placement of periods and deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from healthgap.tracking.periods import deadline_time, decimal_year, midpoint


def test_deadlines_are_the_end_of_the_named_period() -> None:
    assert deadline_time("2025") == 2026.0
    assert deadline_time("2023/24") == pytest.approx(2024 + 91 / 366)
    assert deadline_time("2021-03") == pytest.approx(2021 + 90 / 365)
    assert deadline_time("2021-12") == 2022.0


@pytest.mark.parametrize("bad", ["2023/25", "2021-13", "next year"])
def test_bad_deadlines_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="deadline"):
        deadline_time(bad)


def test_values_sit_at_their_mid_point() -> None:
    assert midpoint(date(2023, 1, 1), date(2023, 12, 31)) == pytest.approx(2023.5)
    school = midpoint(date(2023, 9, 1), date(2024, 8, 31))
    assert decimal_year(date(2024, 2, 29)) < school < decimal_year(date(2024, 3, 2))
    assert school < deadline_time("2023/24")  # the 2023/24 value counts as on time
    with pytest.raises(ValueError, match="before it starts"):
        midpoint(date(2024, 1, 2), date(2024, 1, 1))
