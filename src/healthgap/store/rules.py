"""What a stored number may be: the value rules every loader and calculator share.

Pure functions on NumPy arrays (boolean masks of the rows breaking a rule) and the rule
texts that name them in messages, so ``load`` (``healthgap.sources``), the analyst layer
and the engine refuse the same things in the same words. ADR 0501 lists the rules.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NOT_A_PERCENTAGE",
    "NOT_WHOLE",
    "NUMERATOR_ABOVE_DENOMINATOR",
    "PERCENT_UNITS",
    "WITHHELD_COLUMNS",
    "is_percentage_unit",
    "not_whole",
    "numerator_above_denominator",
    "outside_percentage",
    "withhold_suppressed",
]

#: Refused: more events than the population at risk (deaths > population in a band,
#: count > denominator of a proportion or rate).
NUMERATOR_ABOVE_DENOMINATOR = "numerator is larger than the denominator"
#: Refused: a percentage (unit '%') below 0 or above 100.
NOT_A_PERCENTAGE = (
    "a percentage must be between 0 and 100 (for a ratio shown as a percentage, "
    "give the unit as 'ratio (%)')"
)
#: Flagged, not refused: a count with a fractional part (averaged or weighted counts exist).
NOT_WHOLE = "count is not a whole number"

#: Units (lower-case, stripped) that mean a proportion as a percentage, bounded by 0 and 100.
PERCENT_UNITS: frozenset[str] = frozenset({"%", "percent", "per cent", "percentage"})

#: Columns never published for a suppressed value (the value itself, its limits, its count).
WITHHELD_COLUMNS: tuple[str, ...] = (
    "value",
    "lower95_0cl",
    "upper95_0cl",
    "lower99_8cl",
    "upper99_8cl",
    "count",
)


def _floats(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def numerator_above_denominator(numerator: ArrayLike, denominator: ArrayLike) -> NDArray[np.bool_]:
    """Rows whose numerator (events, deaths) exceeds its denominator (population at risk).

    Missing (NaN) on either side never breaks the rule. Not for ratio measures (an SMR's
    observed count may exceed its expected count): callers leave those out.
    """
    n, d = _floats(numerator), _floats(denominator)
    with np.errstate(invalid="ignore"):
        return np.asarray(n > d, dtype=np.bool_)


def is_percentage_unit(unit: str | None) -> bool:
    """Whether ``unit`` means a percentage bounded by 0–100 ('%', 'percent', …)."""
    return unit is not None and unit.strip().lower() in PERCENT_UNITS


def outside_percentage(value: ArrayLike) -> NDArray[np.bool_]:
    """Rows whose value (a percentage) is below 0 or above 100; NaN is not outside."""
    v = _floats(value)
    with np.errstate(invalid="ignore"):
        return np.asarray((v < 0) | (v > 100), dtype=np.bool_)


def not_whole(count: ArrayLike) -> NDArray[np.bool_]:
    """Rows whose count is finite but not a whole number."""
    c = _floats(count)
    with np.errstate(invalid="ignore"):
        return np.asarray(np.isfinite(c) & (c != np.round(c)), dtype=np.bool_)


def withhold_suppressed(values: pa.Table) -> pa.Table:
    """``values`` (VALUE_COLUMNS) with value, limits and count nulled on suppressed rows.

    A suppressed number is never published, nor anything that would reveal it.
    """
    mask = pc.fill_null(values["suppressed"], False)
    if not pc.any(mask).as_py():
        return values
    out = values
    for name in WITHHELD_COLUMNS:
        i = out.schema.get_field_index(name)
        col = out[name]
        out = out.set_column(
            i, out.schema.field(i), pc.if_else(mask, pa.scalar(None, col.type), col)
        )
    return out
