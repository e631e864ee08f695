"""The narrative rules, one by one: the words "significantly", "improving", "narrowing" appear
only when the stored test says so, and every number carries its period and interval."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest

from healthgap.query import AssessmentRow, ComparisonRow, InequalityRow, Provenance, ValueRow
from healthgap.query.equity import GapVerdictRow
from healthgap.reports import narrative as say


def _row(**kw: Any) -> ValueRow:
    base = ValueRow(
        indicator_id="life_expectancy", indicator_name="Life expectancy", series="s",
        unit="years", polarity="high_is_good", statistic="life_expectancy",
        comparison_method=1, multiplier=1.0, area_code="E12000007", area_name="London",
        area_type="region", parent_code=None, parent_name=None, period_label="2021 - 23",
        period_start=date(2021, 1, 1), period_end=date(2023, 12, 31), sex="persons",
        age="All ages", breakdown_type="none", breakdown_category="", value=81.234,
        lower95_0cl=80.96, upper95_0cl=81.51, lower99_8cl=None, upper99_8cl=None,
        count=None, denominator=None, suppressed=False, provisional=False, revised=False,
        value_note=None, recent_trend=None, trend_reason=None, comparisons=(),
        provenance=Provenance(7, "fingertips", date(2025, 1, 1), datetime(2025, 1, 2)),
    )  # fmt: skip
    return replace(base, **kw)


def _comp(outcome: str) -> ComparisonRow:
    return ComparisonRow("country", "E92000001", "England", 80.0, 1, outcome, "", None)


def test_measured_gives_value_unit_period_and_interval() -> None:
    assert say.measured(_row()) == (
        "81.2 years in 2021 - 23 (95% confidence interval 81.0 to 81.5)"
    )
    assert say.measured(_row(lower95_0cl=None)).endswith("(no confidence interval published)")
    assert say.measured(_row(value=None, suppressed=True)) == "no value (suppressed) for 2021 - 23"
    assert say.measured(_row(unit="%", value=21.88)).startswith("21.9% in 2021 - 23")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("Better", "significantly better than England (80.0 years)"),
        ("Worse", "significantly worse than England (80.0 years)"),
        ("Higher", "significantly higher than England (80.0 years) (no better or worse"),
        ("Same", "not significantly different from England (80.0 years)"),
        ("Not compared", "not tested against England (80.0 years)"),
    ],
)
def test_compared_with_says_significantly_only_for_a_significant_outcome(
    outcome: str, expected: str
) -> None:
    text = say.compared_with(_comp(outcome), "England", 80.0, "years")
    assert text.startswith(expected)
    assert ("significantly " in text.replace("not significantly", "")) == (
        outcome in ("Better", "Worse", "Higher")
    )


def test_compared_with_without_a_comparison_or_benchmark_value() -> None:
    assert say.compared_with(None, "England", 80.0, "years").startswith("not tested")
    assert "it has no value in the same series and period" in say.compared_with(
        _comp("Better"), "England", None, "years"
    )


@pytest.mark.parametrize(
    ("label", "word"),
    [
        ("Increasing and getting better", "improving"),
        ("Decreasing and getting better", "improving"),
        ("Increasing and getting worse", "worsening"),
        ("Decreasing and getting worse", "worsening"),
        ("Increasing", "significantly increasing"),
        ("No significant change", "no significant change over the last five periods"),
        ("Cannot be calculated", "no recent trend can be calculated"),
        (None, "no recent trend can be calculated"),
    ],
)
def test_recent_trend_says_improving_only_when_the_test_says_getting_better(
    label: str | None, word: str
) -> None:
    text = say.recent_trend(label)
    assert text.startswith(word)
    assert ("improving" in text) == (label or "").endswith("getting better")
    assert ("worsening" in text) == (label or "").endswith("getting worse")


def _verdict(verdict: str, **kw: Any) -> GapVerdictRow:
    base = GapVerdictRow(
        "sii_life_expectancy", "E12000007", "male", "sii", verdict, "why", 0.012, 5, -0.2,
        "2010 - 12", 9.1, "2022 - 24", 10.4,
    )  # fmt: skip
    return replace(base, **kw)


@pytest.mark.parametrize("verdict", ["narrowing", "widening", "no significant change"])
def test_gap_sentence_says_narrowing_only_when_the_verdict_does(verdict: str) -> None:
    text = say.gap_sentence(_verdict(verdict), where="London", what="life expectancy")
    assert ("is narrowing" in text) == (verdict == "narrowing")
    assert ("is widening" in text) == (verdict == "widening")
    assert "from 9.10 in 2010 - 12 to 10.4 in 2022 - 24" in text
    assert "p = 0.012" in text
    assert "5 non-overlapping periods" in text
    if verdict == "no significant change":
        assert "cannot be said to be narrowing or widening" in text


def test_an_indicator_that_is_the_measure_is_named_once() -> None:
    text = say.gap_sentence(
        _verdict("no significant change"),
        where="Camden",
        what="The slope index of inequality (SII)",
    )
    assert text.startswith("In Camden, the slope index of inequality (SII) (male) shows no")
    other = say.gap_sentence(_verdict("widening"), where="London", what="Life expectancy")
    assert other.startswith("In London, the slope index of inequality in Life expectancy (male)")


def test_gap_sentence_when_it_cannot_be_calculated_gives_the_reason() -> None:
    v = _verdict("cannot be calculated", area_code=None, reason="no deprivation breakdown")
    text = say.gap_sentence(v, where="", what="Obesity")
    assert text == "No trend in the gap in Obesity can be calculated: no deprivation breakdown."
    assert "narrowing" not in text
    assert "widening" not in text


def test_inequality_sentence_gives_each_measure_with_its_interval() -> None:
    rows = [
        InequalityRow("x", "E09000001", "2022", "persons", "imd_decile", m, v, lo, hi, None, None)
        for m, v, lo, hi in (("sii", 8.27, 7.1, 9.4), ("rii", 1.1, 1.05, 1.16), ("hd", 1, 0, 2))
    ]
    text = say.inequality_sentence(rows, where="Camden", what="LE")
    assert text == (
        "In Camden, 2022, for LE: the slope index of inequality is 8.27 (95% confidence "
        "interval 7.10 to 9.40); the relative index of inequality is 1.10 (95% confidence "
        "interval 1.05 to 1.16)."
    )
    assert say.inequality_sentence([], where="Camden", what="LE").startswith("No inequality")


def _assessment(status: str, detail: dict[str, Any], reason: str = "r") -> AssessmentRow:
    return AssessmentRow(
        "commitment", "c", "T", "c", "i", "E12000007", None, status, reason, "m", "t", "2030",
        detail, 13,
    )  # fmt: skip


def test_commitment_sentence_gives_status_latest_projection_interval_and_target() -> None:
    detail = {
        "latest": {"label": "2021/22", "value": 21.88566, "lower95": 21.61, "upper95": 22.16},
        "projection": {
            "value": 20.48,
            "lower": 17.9,
            "upper": 23.06,
            "method": "OLS",
            "points": 15,
        },
        "target": {"value": 10.92},
    }
    text = say.commitment_sentence(_assessment("off_track", detail))
    assert text == (
        "Off track: latest value 21.9 in 2021/22 (95% confidence interval 21.6 to 22.2); "
        "projected 20.5 at the deadline (95% interval 17.9 to 23.1; OLS, 15 values); "
        "target 10.9."
    )


def test_commitment_sentence_not_assessable_gives_the_reason_only() -> None:
    a = _assessment("not_assessable", {}, reason="no progress returns recorded")
    assert say.commitment_sentence(a) == "No progress returns recorded."


def test_numbers_are_formatted_one_way() -> None:
    assert [say.fmt(x) for x in (1234.56, 12.0, 9.999, 0.1234, None)] == [
        "1,234.6",
        "12.0",
        "10.00",
        "0.12",
        "n/a",
    ]
    assert say.value_with_unit(12.3, "per 100,000") == "12.3 per 100,000"


def test_borough_gap_counts_add_up_to_the_tests_named() -> None:
    """One borough gap that could not be calculated was reported as "0 … 0 … 0 (1 tests)"."""
    from healthgap.reports.model import _borough_gaps_sentence

    one = _borough_gaps_sentence("Obesity gap", ["cannot be calculated"])
    assert "of 1 gap test (one per borough and sex)" in one
    assert "and 1 that could not be calculated." in one
    mixed = _borough_gaps_sentence(
        "Obesity gap", ["narrowing", "widening", "widening", "no significant change"]
    )
    assert mixed == (
        "Across London's boroughs, Obesity gap: of 4 gap tests (one per borough and sex), "
        "1 significantly narrowing, 2 significantly widening and 1 with no significant change."
    )
