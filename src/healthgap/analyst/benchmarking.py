"""Quintiles/quartiles, spine statistics, change from previous and targets on data frames.

The remaining Fingertips comparison rules (METHODS.md §4: 3.4, 3.5, 3.6, 3.7) for analysts
with files, per group of rows (``group_by``): each is a thin frame wrapper over
``healthgap.methods.compare``, ``healthgap.methods.trend`` and ``healthgap.methods.targets``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import group_rows, input_error, numeric_column
from healthgap.methods.compare import spine_statistics, value_categories
from healthgap.methods.errors import MethodInputError
from healthgap.methods.targets import compare_with_target
from healthgap.methods.trend import change_from_previous

__all__ = ["CALCULATIONS", "categories", "change", "spine", "target_comparison"]


def categories(
    data: pd.DataFrame,
    *,
    value: str,
    method: int = 15,
    polarity: int = 1,
    group_by: Sequence[str] = (),
) -> pd.DataFrame:
    """The input rows with ``category`` (Fingertips quintile 15 / quartile 16) and ``reason``."""
    grouping = group_rows(data, group_by)
    v = numeric_column(data, value, argument="value", allow_missing=True)
    category = np.full(len(data), np.nan)
    reason = np.full(len(data), "", dtype=object)
    for g in range(grouping.count):
        sel = grouping.codes == g
        try:
            res = value_categories(v[sel], method=method, polarity=polarity)
        except MethodInputError as exc:
            raise input_error(exc, columns={"value": value}, grouping=grouping) from exc
        category[sel] = res.category
        reason[sel] = res.reason
    out = data.copy()
    out["category"] = category
    out["reason"] = reason
    return out


def spine(
    data: pd.DataFrame,
    *,
    value: str,
    expected: int | None = None,
    always_show: bool = False,
    group_by: Sequence[str] = (),
) -> pd.DataFrame:
    """Per group: min, P5, P25, median, P75, P95, max, coverage and whether it may be shown."""
    grouping = group_rows(data, group_by)
    v = numeric_column(data, value, argument="value", allow_missing=True)
    rows = []
    for g in range(grouping.count):
        sel = grouping.codes == g
        try:
            s = spine_statistics(v[sel], expected=expected, always_show=always_show)
        except MethodInputError as exc:
            raise input_error(exc, columns={"value": value}, grouping=grouping) from exc
        rows.append(
            (
                s.minimum,
                s.p5,
                s.p25,
                s.median,
                s.p75,
                s.p95,
                s.maximum,
                s.count,
                s.coverage,
                s.shown,
                s.reason,
            )
        )
    cols = [
        "min",
        "p5",
        "p25",
        "median",
        "p75",
        "p95",
        "max",
        "count",
        "coverage",
        "shown",
        "reason",
    ]
    out = grouping.keys.copy().reset_index(drop=True)
    out[cols] = pd.DataFrame(rows, columns=cols)
    return out


def change(
    data: pd.DataFrame,
    *,
    value: str,
    period: str,
    lower_cl: str,
    upper_cl: str,
    group_by: Sequence[str] = (),
) -> pd.DataFrame:
    """Per group: latest vs previous period by double overlapping 95% limits."""
    grouping = group_rows(data, group_by)
    order = np.lexsort((data[period].to_numpy(), grouping.codes))
    y = numeric_column(data, value, argument="value", allow_missing=True)[order]
    lo = numeric_column(data, lower_cl, argument="lower_cl", allow_missing=True)[order]
    hi = numeric_column(data, upper_cl, argument="upper_cl", allow_missing=True)[order]
    codes = grouping.codes[order]
    results = []
    for g in range(grouping.count):
        sel = codes == g
        try:
            results.append(change_from_previous(y[sel], lower95=lo[sel], upper95=hi[sel]).value)
        except MethodInputError as exc:
            raise input_error(exc, columns={"value": value}, grouping=grouping) from exc
    out = grouping.keys.copy().reset_index(drop=True)
    out["change"] = results
    return out


def target_comparison(
    data: pd.DataFrame,
    *,
    value: str,
    polarity: int,
    target: float | None = None,
    lower: float | None = None,
    upper: float | None = None,
    use_ci: bool = False,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
) -> pd.DataFrame:
    """The input rows with ``outcome`` and ``reason`` against a target value or range."""
    v = numeric_column(data, value, argument="value", allow_missing=True)
    lo = (
        numeric_column(data, lower_cl, argument="lower_cl", allow_missing=True)
        if lower_cl
        else None
    )
    hi = (
        numeric_column(data, upper_cl, argument="upper_cl", allow_missing=True)
        if upper_cl
        else None
    )
    try:
        res = compare_with_target(
            v,
            polarity=polarity,
            target=target,
            lower=lower,
            upper=upper,
            use_ci=use_ci,
            lower95=lo,
            upper95=hi,
        )
    except MethodInputError as exc:
        raise input_error(exc, columns={"value": value}) from exc
    out = data.copy()
    out["outcome"] = res.outcome
    out["reason"] = res.reason
    return out


_GROUP_BY = Parameter("group_by", "columns", "Grouping columns, comma-separated.", ())

CALCULATIONS: tuple[Calculation, ...] = (
    Calculation(
        "categories",
        "Fingertips quintiles (method 15) or quartiles (16) of the areas' values, per group.",
        (
            Parameter("value", "column", "Column of values."),
            Parameter("method", "integer", "15 quintiles or 16 quartiles.", 15),
            Parameter("polarity", "integer", "1 high is good (quintile 1 best), 0, 99.", 1),
            _GROUP_BY,
        ),
        categories,
    ),
    Calculation(
        "spine",
        "Spine chart statistics (min, P5 … P95, max) with the 75% coverage rule, per group.",
        (
            Parameter("value", "column", "Column of the child areas' values."),
            Parameter("expected", "integer", "Number of child areas expected.", None),
            Parameter("always_show", "flag", "Show even below 75% coverage.", False),
            _GROUP_BY,
        ),
        spine,
    ),
    Calculation(
        "change",
        "Change from previous period by double overlapping 95% limits, per group.",
        (
            Parameter("value", "column", "Column of values."),
            Parameter("period", "column", "Column ordering the periods (oldest first)."),
            Parameter("lower_cl", "column", "Column of lower 95% limits."),
            Parameter("upper_cl", "column", "Column of upper 95% limits."),
            _GROUP_BY,
        ),
        change,
    ),
    Calculation(
        "target",
        "Compare values with a target value or a range (Fingertips 'compared to goal').",
        (
            Parameter("value", "column", "Column of values."),
            Parameter("polarity", "integer", "0 low is good, 1 high is good."),
            Parameter("target", "number", "Single target value.", None),
            Parameter("lower", "number", "Lower end of a target range.", None),
            Parameter("upper", "number", "Upper end of a target range.", None),
            Parameter("use_ci", "flag", "Judge by the whole 95% interval.", False),
            Parameter("lower_cl", "column", "Column of lower 95% limits.", None),
            Parameter("upper_cl", "column", "Column of upper 95% limits.", None),
        ),
        target_comparison,
    ),
)
