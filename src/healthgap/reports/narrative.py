"""The reports' narrative, written from the data by rules: pure functions from the read
layer's typed results to plain-English sentences.

The rules (ADR 0830):

* "significantly better/worse/higher/lower" only when the stored comparison says so
  (Fingertips' method for the indicator, 95% or 99.8% as declared); otherwise "not
  significantly different" or "not tested";
* "improving" / "worsening" only when the stored recent trend (Fingertips' test on the latest
  five periods) says "getting better" / "getting worse"; otherwise "no significant change
  over the last five periods" or "no recent trend can be calculated";
* "narrowing" / "widening" only when the gap verdict (trend of the inequality measure over
  non-overlapping periods, 5%) says so; otherwise "no significant change" with the periods it
  rests on, or why it cannot be calculated;
* every number carries its period and, when one is published, its 95% interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from healthgap.charts import outcome_class
from healthgap.query import AssessmentRow, ComparisonRow, InequalityRow, ReleaseChange, ValueRow
from healthgap.query.equity import GapVerdictRow

__all__ = [
    "STATUS_LABELS",
    "commitment_sentence",
    "compared_with",
    "fmt",
    "gap_sentence",
    "inequality_sentence",
    "interval",
    "measured",
    "recent_trend",
    "release_change",
    "value_with_unit",
]

#: Commitment statuses (tracking's rules, ADR 0700) in plain words.
STATUS_LABELS: dict[str, str] = {
    "met": "met",
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "missed": "missed",
    "not_assessable": "not assessable",
}


def fmt(x: float | None) -> str:
    """A number as printed: one decimal place from 10 up, two below; 'n/a' for none.

    >>> fmt(79.84), fmt(1.234), fmt(None), fmt(-0.5)
    ('79.8', '1.23', 'n/a', '-0.50')
    """
    if x is None:
        return "n/a"
    return f"{x:,.1f}" if abs(x) >= 10 else f"{x:.2f}"


def value_with_unit(x: float | None, unit: str | None) -> str:
    """``x`` with its unit: '21.9%', '79.8 years', '123.4 per 100,000'.

    >>> value_with_unit(21.88, "%"), value_with_unit(79.84, "years")
    ('21.9%', '79.8 years')
    """
    if x is None:
        return "n/a"
    if not unit:
        return fmt(x)
    return f"{fmt(x)}%" if unit.strip() == "%" else f"{fmt(x)} {unit.strip()}"


def interval(lower: float | None, upper: float | None) -> str:
    """'95% confidence interval 1.0 to 2.0', or that none is published.

    >>> interval(79.6, 80.04)
    '95% confidence interval 79.6 to 80.0'
    >>> interval(None, 3.0)
    'no confidence interval published'
    """
    if lower is None or upper is None:
        return "no confidence interval published"
    return f"95% confidence interval {fmt(lower)} to {fmt(upper)}"


def measured(row: ValueRow) -> str:
    """The value of ``row`` with its period and interval, e.g. '79.8 years in 2021 - 23
    (95% confidence interval 79.6 to 80.0)'."""
    if row.value is None:
        why = "suppressed" if row.suppressed else "not published"
        return f"no value ({why}) for {row.period_label}"
    return (
        f"{value_with_unit(row.value, row.unit)} in {row.period_label} "
        f"({interval(row.lower95_0cl, row.upper95_0cl)})"
    )


def compared_with(
    comparison: ComparisonRow | None,
    benchmark: str,
    benchmark_value: float | None,
    unit: str | None,
) -> str:
    """How a value compares with ``benchmark`` by the stored test: 'significantly worse than
    England (80.1 years)' only when the stored outcome is significant."""
    bench = f"{benchmark} ({value_with_unit(benchmark_value, unit)})"
    if benchmark_value is None:
        return f"not compared with {benchmark}: it has no value in the same series and period"
    cls = "not compared" if comparison is None else outcome_class(comparison.outcome)
    if cls in ("better", "worse"):
        return f"significantly {cls} than {bench}"
    if cls in ("higher", "lower"):
        return f"significantly {cls} than {bench} (no better or worse direction is declared)"
    if cls == "similar":
        return f"not significantly different from {bench}"
    return f"not tested against {bench}: no significance test is stored for this value"


def recent_trend(label: str | None, reason: str | None = None) -> str:
    """The stored recent trend in words: 'improving' / 'worsening' only when the test found
    a significant trend that is getting better / worse.

    >>> recent_trend("Decreasing and getting better")
    'improving (significantly decreasing over the last five periods)'
    >>> recent_trend("No significant change")
    'no significant change over the last five periods'
    """
    if label is None or label.strip().lower() in ("", "cannot be calculated"):
        tail = f" ({reason})" if reason else ""
        return f"no recent trend can be calculated{tail}"
    low = label.strip().lower()
    if low == "no significant change":
        return "no significant change over the last five periods"
    direction = "increasing" if low.startswith("increasing") else "decreasing"
    if low.endswith("getting better"):
        return f"improving (significantly {direction} over the last five periods)"
    if low.endswith("getting worse"):
        return f"worsening (significantly {direction} over the last five periods)"
    return f"significantly {direction} over the last five periods (no better or worse direction)"


def gap_sentence(v: GapVerdictRow, *, where: str, what: str) -> str:
    """The gap verdict in words: 'narrowing' / 'widening' only when the test says so."""
    measure = {"sii": "slope index of inequality", "rii": "relative index of inequality"}.get(
        v.measure or "", "gap between the most and least deprived"
    )
    sex = f" ({v.sex})" if v.sex and v.sex != "persons" else ""
    span = ""
    if v.first_period and v.latest_period:
        span = (
            f" from {fmt(v.first_value)} in {v.first_period} to {fmt(v.latest_value)} in "
            f"{v.latest_period}"
        )
    on = "" if v.points is None else f"; {v.points} non-overlapping periods"
    p = "" if v.p_value is None else f", p = {v.p_value:.3f}"
    # An indicator that is itself the measure ("The slope index of inequality (SII)") is
    # named once, not as "the slope index of inequality in The slope index of …".
    subject = what[:1].lower() + what[1:] if measure in what.lower() else f"the {measure} in {what}"
    if v.verdict == "narrowing":
        return f"In {where}, {subject}{sex} is narrowing{span}{p}{on}."
    if v.verdict == "widening":
        return f"In {where}, {subject}{sex} is widening{span}{p}{on}."
    if v.verdict == "no significant change":
        return (
            f"In {where}, {subject}{sex} shows no significant change{span}"
            f"{p}{on}: it cannot be said to be narrowing or widening."
        )
    place = f" in {where}" if where else ""
    return f"No trend in the gap in {what}{place} can be calculated: {v.reason}."


def inequality_sentence(rows: Sequence[InequalityRow], *, where: str, what: str) -> str:
    """The SII, RII and most-versus-least gap of one indicator, area and period, each with
    its interval (as the read layer computed them on demand)."""
    names = {"sii": "slope index of inequality", "rii": "relative index of inequality"}
    parts = []
    period = rows[0].period_label if rows else ""
    for r in rows:
        if r.measure not in ("sii", "rii", "gap") or r.value is None:
            continue
        name = names.get(r.measure, "gap between the most and least deprived")
        parts.append(f"the {name} is {fmt(r.value)} ({interval(r.lower95_0cl, r.upper95_0cl)})")
    if not parts:
        return f"No inequality measure of {what} can be computed for {where}."
    return f"In {where}, {period}, for {what}: " + "; ".join(parts) + "."


def commitment_sentence(a: AssessmentRow) -> str:
    """A commitment's status with the numbers it rests on (latest value, projection and its
    interval, target), or why it cannot be assessed."""
    status = STATUS_LABELS.get(a.status, a.status.replace("_", " "))
    d: dict[str, Any] = a.detail
    if a.status == "not_assessable":
        why = a.reason.rstrip(".")
        return f"{why[:1].upper()}{why[1:]}."
    bits = []
    latest = d.get("latest")
    if latest and latest.get("value") is not None:
        bits.append(
            f"latest value {fmt(latest['value'])} in {latest.get('label')} "
            f"({interval(latest.get('lower95'), latest.get('upper95'))})"
        )
    proj = d.get("projection")
    target = d.get("target") or {}
    if proj and proj.get("value") is not None:
        bits.append(
            f"projected {fmt(proj['value'])} at the deadline (95% interval "
            f"{fmt(proj.get('lower'))} to {fmt(proj.get('upper'))}; {proj.get('method')}, "
            f"{proj.get('points')} values)"
        )
    if target.get("value") is not None:
        bits.append(f"target {fmt(target['value'])}")
    body = "; ".join(bits)
    return f"{status.capitalize()}: {body}." if body else f"{status.capitalize()}: {a.reason}."


def release_change(c: ReleaseChange, name: str) -> str:
    """One series' change between two releases, in words.

    >>> from healthgap.query import ReleaseChange
    >>> release_change(ReleaseChange("s", "x", 3, 0, 1, 10), "Life expectancy")
    'Life expectancy: 3 values added, 1 revised, 0 removed (10 unchanged).'
    """
    return (
        f"{name}: {c.added} values added, {c.revised} revised, {c.removed} removed "
        f"({c.unchanged} unchanged)."
    )
