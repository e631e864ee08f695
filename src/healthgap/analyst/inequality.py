"""Slope/relative index of inequality and quantile assignment as data-frame calculations.

Argument names follow PHEindicatormethods' ``phe_sii`` and ``phe_quantile``. All groups are
computed in one vectorised call to :mod:`healthgap.methods`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from healthgap.analyst.calculation import Calculation, Parameter
from healthgap.analyst.frame import (
    confidence_text,
    group_rows,
    input_error,
    numeric_column,
    parse_confidence,
)
from healthgap.errors import InputError
from healthgap.methods.errors import MethodInputError
from healthgap.methods.quantiles import assign_quantiles
from healthgap.methods.result import confidence_label
from healthgap.methods.sii import slope_index_of_inequality

__all__ = ["CALCULATIONS", "quantile", "sii"]

Confidence = float | str | Sequence[float]


def sii(
    data: pd.DataFrame,
    *,
    quantile: str,
    population: str,
    value: str,
    x: str | None = None,
    value_type: int = 0,
    transform: bool = False,
    lower_cl: str | None = None,
    upper_cl: str | None = None,
    se: str | None = None,
    multiplier: float = 1.0,
    repetitions: int = 100_000,
    confidence: Confidence = 0.95,
    rii: bool = False,
    intercept: bool = False,
    group_by: Sequence[str] = (),
    seed: int = 0,
) -> pd.DataFrame:
    """SII (and RII, intercept) per group with simulated limits (``phe_sii``).

    Standard errors from ``se``, else from ``lower_cl``/``upper_cl`` (95%), else from the
    count ``x``: value/√x for rates (value_type 1), √(p(1 − p)/population) for proportions (2).
    """
    levels = parse_confidence(confidence)
    grouping = group_rows(data, group_by)
    columns = {
        "quantile": quantile,
        "population": population,
        "value": value,
        "se": se or "",
        "lower_cl": lower_cl or "",
        "upper_cl": upper_cl or "",
    }
    q = numeric_column(data, quantile, argument="quantile")
    pop = numeric_column(data, population, argument="population")
    y = numeric_column(data, value, argument="value")
    se_v = lo = hi = None
    if se is not None:
        se_v = numeric_column(data, se, argument="se")
    elif lower_cl is not None and upper_cl is not None:
        lo = numeric_column(data, lower_cl, argument="lower_cl")
        hi = numeric_column(data, upper_cl, argument="upper_cl")
    elif x is not None:
        xv = numeric_column(data, x, argument="x")
        if value_type == 1:
            with np.errstate(divide="ignore"):
                se_v = y / np.sqrt(xv)
        elif value_type == 2:
            se_v = np.sqrt(y * (1 - y) / pop)
        else:
            raise InputError("value_type 0 needs 'se' or 'lower_cl' and 'upper_cl'", key="se")
        columns["se"] = x
    else:
        raise InputError("give 'se', 'lower_cl' and 'upper_cl', or 'x'", key="se")
    try:
        res = slope_index_of_inequality(
            y,
            quantile=q,
            population=pop,
            group=grouping.codes,
            value_type=value_type,
            transform=transform,
            se=se_v,
            lower_cl=lo,
            upper_cl=hi,
            multiplier=multiplier,
            repetitions=repetitions,
            confidence=levels,
            rii=rii,
            intercept=intercept,
            seed=seed,
        )
    except MethodInputError as exc:
        raise input_error(exc, columns=columns, grouping=grouping) from exc
    out = grouping.keys.iloc[res.groups.astype(np.intp)].reset_index(drop=True)
    out["sii"] = res.sii.value
    for level in levels:
        label = confidence_label(level)
        out[f"sii_lower{label}cl"] = res.sii.at(level).lower
        out[f"sii_upper{label}cl"] = res.sii.at(level).upper
    if res.rii is not None:
        out["rii"] = res.rii.value
        for level in levels:
            label = confidence_label(level)
            out[f"rii_lower{label}cl"] = res.rii.at(level).lower
            out[f"rii_upper{label}cl"] = res.rii.at(level).upper
    if res.intercept is not None:
        out["intercept"] = res.intercept
    out["confidence"] = confidence_text(levels)
    out["statistic"] = res.sii.statistic
    out["method"] = res.sii.method
    return out


def quantile(
    data: pd.DataFrame,
    *,
    values: str,
    nquantiles: int = 10,
    invert: bool = True,
    group_by: Sequence[str] = (),
) -> pd.DataFrame:
    """The input rows with their quantile (``phe_quantile``) and, where NA, the reason."""
    grouping = group_rows(data, group_by)
    v = numeric_column(data, values, argument="values", allow_missing=True)
    try:
        res = assign_quantiles(v, groups=grouping.codes, nquantiles=nquantiles, invert=invert)
    except MethodInputError as exc:
        raise input_error(exc, columns={"values": values}, grouping=grouping) from exc
    out = data.copy()
    out["quantile"] = pd.array(res.quantile, dtype="Float64").astype("Int64")
    out["nquantiles"] = res.nquantiles
    out["groupvars"] = ", ".join(group_by)
    out["qinverted"] = (
        "lowest quantile represents highest values"
        if invert
        else "lowest quantile represents lowest values"
    )
    out["reason"] = res.reason
    return out


_GROUP_BY = Parameter("group_by", "columns", "Grouping columns, comma-separated.", ())


def _opt(name: str, help: str) -> Parameter:
    return Parameter(name, "column", help, None)


CALCULATIONS: tuple[Calculation, ...] = (
    Calculation(
        "sii",
        "Slope (and relative) index of inequality, Low & Low, simulated limits (phe_sii).",
        (
            Parameter("quantile", "column", "Column of quantile numbers, 1 = most deprived."),
            Parameter("population", "column", "Column of quantile populations."),
            Parameter("value", "column", "Column of quantile values."),
            _opt("x", "Column of counts (SE for rates/proportions when no se or CIs)."),
            Parameter("value_type", "integer", "0 normal, 1 rate (log), 2 proportion (logit).", 0),
            Parameter("transform", "flag", "Fit on the log/logit scale.", False),
            _opt("lower_cl", "Column of lower 95% limits."),
            _opt("upper_cl", "Column of upper 95% limits."),
            _opt("se", "Column of standard errors."),
            Parameter("multiplier", "number", "Scale (and sign) of the SII.", 1.0),
            Parameter("repetitions", "integer", "Simulations (at least 1000).", 100_000),
            Parameter("confidence", "confidence", "0.95, 0.998 or 0.95,0.998.", (0.95,)),
            Parameter("rii", "flag", "Also the relative index of inequality.", False),
            Parameter("intercept", "flag", "Also the fitted value at rank 0.", False),
            _GROUP_BY,
            Parameter("seed", "integer", "Random seed (reproducible limits).", 0),
        ),
        sii,
    ),
    Calculation(
        "quantile",
        "Assign deprivation quantiles, OHID algorithm (phe_quantile).",
        (
            Parameter("values", "column", "Column of values to rank (e.g. IMD score)."),
            Parameter("nquantiles", "integer", "Number of quantiles.", 10),
            Parameter("invert", "flag", "Highest value in quantile 1.", True),
            _GROUP_BY,
        ),
        quantile,
    ),
)
