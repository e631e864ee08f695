"""Profile's wording of comparisons and its red-red rule (issue 17, item 3)."""

from __future__ import annotations

import pytest

from healthgap.cli.profile import is_red_red, outcome_phrase


@pytest.mark.parametrize(
    ("outcome", "against", "said"),
    [
        ("Worse", "country", "Worse than England"),
        ("Better", "region", "Better than London"),
        ("Similar", "icb", "Similar to ICB"),
        ("Same", "country", "Similar to England"),
        ("Higher", "country", "Higher than England"),
        ("Lower", "region", "Lower than London"),
        ("Not compared", "country", "Not compared"),
        ("Worst", "boroughs", "Worst"),
        (None, "country", ""),
    ],
)
def test_fingertips_wording(outcome: str | None, against: str, said: str) -> None:
    assert outcome_phrase(outcome, against) == said


@pytest.mark.parametrize(
    ("outcome", "trend", "flag"),
    [
        ("Worse", "Increasing and getting worse", True),
        ("Worst", "Decreasing and getting worse", True),
        ("Worse", "Increasing and getting better", False),
        ("Similar", "Increasing and getting worse", False),
        ("Worse", "No significant change", False),
        ("Lower", "Decreasing and getting worse", False),  # no judgement: never red
        ("Worse", None, False),
    ],
)
def test_red_red_needs_worse_and_getting_worse(outcome: str, trend: str | None, flag: bool) -> None:
    assert is_red_red(outcome, trend) is flag
