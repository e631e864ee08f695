"""Funnel limits and significance, recent trend and benchmark comparison on data frames.

Argument names follow PHEindicatormethods (funnels) and Fingertips (comparisons).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import group_rows, input_error, numeric_column
from healthgap.methods.compare import compare_with_benchmark
from healthgap.methods.errors import MethodInputError
from healthgap.methods.funnel import assign_funnel_significance, funnel_limits
from healthgap.methods.trend import recent_trend

__all__ = ["CALCULATIONS", "benchmark_comparison", "funnel_significance", "funnel_table", "trend"]


def _optional(data: pd.DataFrame, column: str | None, argument: str) -> np.ndarray | None:
    if column is None:
        return None
    return numeric_column(data, column, argument=argument, allow_missing=True)


def funnel_table(
    data: pd.DataFrame,
    *,
    numerator: str,
    statistic: str,
    multiplier: float,
    denominator: str | None = None,
    rate: str | None = None,
    rate_type: str | None = None,
    ratio_type: str | None = None,
    years_of_data: float | None = None,
) -> pd.DataFrame:
    """The 100-row table of 95% and 99.8% control limits (``calculate_funnel_limits``)."""
    num = numeric_column(data, numerator, argument="numerator")
    den = _optional(data, denominator, "denominator")
    r = _optional(data, rate, "rate")
    cols = {"numerator": numerator, "denominator": denominator or "", "rate": rate or ""}
    try:
        lim = funnel_limits(
            num,
            den,
            statistic=statistic,
            multiplier=multiplier,
            rate=r,
            rate_type=rate_type,
            ratio_type=ratio_type,
            years_of_data=years_of_data,
        )
    except MethodInputError as exc:
        raise input_error(exc, columns=cols) from exc
    axis = {"proportion": "Population", "ratio": "Observed_events", "rate": "Events"}[statistic]
    out = pd.DataFrame({axis: lim.points})
    for interval, tag in zip(lim.intervals, ("2s", "3s"), strict=True):
        out[f"lower_{tag}_limit"] = interval.lower
        out[f"upper_{tag}_limit"] = interval.upper
    out["baseline"] = lim.baseline
    out["statistic"] = lim.statistic
    out["method"] = lim.method
    return out


def funnel_significance(
    data: pd.DataFrame,
    *,
    numerator: str,
    statistic: str,
    denominator: str | None = None,
    rate: str | None = None,
    rate_type: str | None = None,
    multiplier: float = 1.0,
) -> pd.DataFrame:
    """The input rows with a ``significance`` column (``assign_funnel_significance``)."""
    num = numeric_column(data, numerator, argument="numerator")
    den = _optional(data, denominator, "denominator")
    r = _optional(data, rate, "rate")
    try:
        sig = assign_funnel_significance(
            num, den, statistic=statistic, rate=r, rate_type=rate_type, multiplier=multiplier
        )
    except MethodInputError as exc:
        raise input_error(exc, columns={"numerator": numerator}) from exc
    out = data.copy()
    out["significance"] = sig
    return out


def trend(
    data: pd.DataFrame,
    *,
    value: str,
    period: str,
    polarity: int,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    count: str | None = None,
    denominator: str | None = None,
    method: str = "wls",
    group_by: Sequence[str] = (),
) -> pd.DataFrame:
    """Fingertips' recent trend per group, over rows ordered by ``period``."""
    grouping = group_rows(data, group_by)
    ordered = np.lexsort((data[period].to_numpy(), grouping.codes))
    y = numeric_column(data, value, argument="value", allow_missing=True)[ordered]
    series = {
        name: None if arr is None else arr[ordered]
        for name, arr in (
            ("lower95", _optional(data, lower_cl, "lower_cl")),
            ("upper95", _optional(data, upper_cl, "upper_cl")),
            ("count", _optional(data, count, "count")),
            ("denominator", _optional(data, denominator, "denominator")),
        )
    }
    codes = grouping.codes[ordered]
    rows = []
    for g in range(grouping.count):
        sel = codes == g
        part = {k: (None if v is None else v[sel]) for k, v in series.items()}
        try:
            res = recent_trend(
                y[sel],
                polarity=polarity,
                method=method,
                lower95=part["lower95"],
                upper95=part["upper95"],
                count=part["count"],
                denominator=part["denominator"],
            )
        except MethodInputError as exc:
            raise input_error(exc, columns={"value": value}, grouping=grouping) from exc
        rows.append((res.label.value, res.chi_squared, res.slope, res.method, res.reason))
    out = grouping.keys.copy().reset_index(drop=True)
    out[["trend", "chi_squared", "slope", "method", "reason"]] = pd.DataFrame(rows)
    return out


def benchmark_comparison(
    data: pd.DataFrame,
    *,
    value: str,
    benchmark: str,
    method: int,
    polarity: int,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    lower998_cl: str | None = None,
    upper998_cl: str | None = None,
    benchmark_lower_cl: str | None = None,
    benchmark_upper_cl: str | None = None,
    denominator: str | None = None,
    denominator2: str | None = None,
    unit: float = 1.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The input rows with ``outcome`` and ``reason`` against a benchmark column."""
    v = numeric_column(data, value, argument="value", allow_missing=True)
    b = numeric_column(data, benchmark, argument="benchmark", allow_missing=True)
    try:
        res = compare_with_benchmark(
            v,
            benchmark=b,
            method=method,
            polarity=polarity,
            lower95=_optional(data, lower_cl, "lower_cl"),
            upper95=_optional(data, upper_cl, "upper_cl"),
            lower998=_optional(data, lower998_cl, "lower998_cl"),
            upper998=_optional(data, upper998_cl, "upper998_cl"),
            benchmark_lower95=_optional(data, benchmark_lower_cl, "benchmark_lower_cl"),
            benchmark_upper95=_optional(data, benchmark_upper_cl, "benchmark_upper_cl"),
            denominator=_optional(data, denominator, "denominator"),
            denominator2=_optional(data, denominator2, "denominator2"),
            unit=unit,
            confidence=confidence,
        )
    except MethodInputError as exc:
        raise input_error(exc, columns={"value": value, "benchmark": benchmark}) from exc
    out = data.copy()
    out["outcome"] = res.outcome
    out["reason"] = res.reason
    return out


def _opt(name: str, help: str) -> Parameter:
    return Parameter(name, "column", help, None)


_STAT = Parameter(
    "statistic", "choice", "proportion, ratio or rate.", choices=("proportion", "ratio", "rate")
)

CALCULATIONS: tuple[Calculation, ...] = (
    Calculation(
        "funnel_limits",
        "Funnel plot control limits at 95% and 99.8% (calculate_funnel_limits).",
        (
            Parameter("numerator", "column", "Column of numerators (events)."),
            _STAT,
            Parameter("multiplier", "number", "Multiplier of the plotted values."),
            _opt("denominator", "Column of denominators (or expected events for ratios)."),
            _opt("rate", "Column of rates (rate funnels)."),
            Parameter("rate_type", "choice", "dsr or crude.", None, ("dsr", "crude")),
            Parameter("ratio_type", "choice", "count or isr.", None, ("count", "isr")),
            Parameter("years_of_data", "number", "Years the data cover (rates).", None),
        ),
        funnel_table,
    ),
    Calculation(
        "funnel_significance",
        "Each area's funnel significance (assign_funnel_significance).",
        (
            Parameter("numerator", "column", "Column of numerators (events)."),
            _STAT,
            _opt("denominator", "Column of denominators (or expected events for ratios)."),
            _opt("rate", "Column of rates (rate funnels)."),
            Parameter("rate_type", "choice", "dsr or crude.", None, ("dsr", "crude")),
            Parameter("multiplier", "number", "Multiplier of the rates.", 1.0),
        ),
        funnel_significance,
    ),
    Calculation(
        "trend",
        "Fingertips recent trend per group (chi-squared at 99.8%, leave-one-out check).",
        (
            Parameter("value", "column", "Column of values."),
            Parameter("period", "column", "Column ordering the periods (oldest first)."),
            Parameter("polarity", "integer", "0 low is good, 1 high is good, 99 no judgement."),
            _opt("lower_cl", "Column of lower 95% limits (method wls)."),
            _opt("upper_cl", "Column of upper 95% limits (method wls)."),
            _opt("count", "Column of counts (method cochran-armitage)."),
            _opt("denominator", "Column of denominators (method cochran-armitage)."),
            Parameter(
                "method", "choice", "wls or cochran-armitage.", "wls", ("wls", "cochran-armitage")
            ),
            Parameter("group_by", "columns", "Grouping columns, comma-separated.", ()),
        ),
        trend,
    ),
    Calculation(
        "benchmark_comparison",
        "Compare values with a benchmark column by a Fingertips comparator method.",
        (
            Parameter("value", "column", "Column of values."),
            Parameter("benchmark", "column", "Column of benchmark values."),
            Parameter("method", "integer", "Comparator id: 1, 5, 6, 12, 17 or -1."),
            Parameter("polarity", "integer", "0 low is good, 1 high is good, 99, -1."),
            _opt("lower_cl", "Column of lower 95% limits."),
            _opt("upper_cl", "Column of upper 95% limits."),
            _opt("lower998_cl", "Column of lower 99.8% limits."),
            _opt("upper998_cl", "Column of upper 99.8% limits."),
            _opt("benchmark_lower_cl", "Column of the benchmark's lower 95% limits."),
            _opt("benchmark_upper_cl", "Column of the benchmark's upper 95% limits."),
            _opt("denominator", "Column of denominators (method 5)."),
            _opt("denominator2", "Column of denominator2 (method 6)."),
            Parameter("unit", "number", "Indicator multiplier (100 for %).", 1.0),
            Parameter("confidence", "number", "SPC level 0.95 or 0.998.", 0.95),
        ),
        benchmark_comparison,
    ),
)
