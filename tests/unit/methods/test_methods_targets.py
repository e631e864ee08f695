"""Comparison with a target: single value, CI-based, range, polarity."""

from __future__ import annotations

import numpy as np
import pytest

from healthgap.methods import MethodInputError, compare_with_target


def test_single_value_by_polarity() -> None:
    """≥ target is Better when high is good; ≤ target is Better when low is good."""
    v = [70.0, 75.0, 80.0, np.nan]
    assert list(compare_with_target(v, target=75, polarity=1).outcome) == [
        "Worse",
        "Better",
        "Better",
        "Not compared",
    ]
    assert list(compare_with_target(v, target=75, polarity=0).outcome) == [
        "Better",
        "Better",
        "Worse",
        "Not compared",
    ]


def test_ci_based() -> None:
    """With use_ci, a CI containing the target is Same; wholly beyond it Better/Worse."""
    res = compare_with_target(
        [70.0, 76.0, 80.0],
        target=75,
        polarity=1,
        use_ci=True,
        lower95=[68.0, 74.0, 77.0],
        upper95=[72.0, 78.0, 83.0],
    )
    assert list(res.outcome) == ["Worse", "Same", "Better"]


def test_range() -> None:
    """Range [lower, upper): below → Worse, at/above upper → Better (high is good)."""
    res = compare_with_target([1.0, 2.0, 3.0], lower=2, upper=3, polarity=1)
    assert list(res.outcome) == ["Worse", "Same", "Better"]
    res = compare_with_target([1.0, 2.0, 3.0], lower=2, upper=3, polarity=0)
    assert list(res.outcome) == ["Better", "Same", "Worse"]


def test_no_polarity_not_compared_and_bad_arguments() -> None:
    """BOB polarity gives Not compared with a reason; target and range together raise."""
    res = compare_with_target([1.0], target=1, polarity=99)
    assert res.outcome[0] == "Not compared"
    assert "polarity" in res.reason[0]
    with pytest.raises(MethodInputError):
        compare_with_target([1.0], target=1, lower=0, upper=2, polarity=1)
    with pytest.raises(MethodInputError):
        compare_with_target([1.0], lower=3, upper=2, polarity=1)
