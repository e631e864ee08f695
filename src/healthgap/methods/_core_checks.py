"""Argument checks shared by the core statistics (private).

Every check raises :class:`MethodInputError` naming the field and the first offending group
(the element index for element-wise methods, the group code for grouped ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray

IntArray = NDArray[np.intp]


def confidences(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """Normalise one or several confidence levels (fractions) to a tuple, checked."""
    levels = (
        (float(confidence),)
        if isinstance(confidence, int | float)
        else tuple(map(float, confidence))
    )
    if not levels:
        raise MethodInputError("at least one confidence level is needed", field="confidence")
    for level in levels:
        if not 0.0 < level <= 1.0:
            raise MethodInputError(
                f"confidence must be a fraction in (0, 1], got {level!r}", field="confidence"
            )
    if len(set(levels)) != len(levels):
        raise MethodInputError("confidence levels repeat", field="confidence")
    return levels


def floats(field: str, values: ArrayLike) -> FloatArray:
    """A 1-D float64 array."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise MethodInputError(f"values must be numeric ({exc})", field=field) from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise MethodInputError(f"expected a 1-D array, got {array.ndim} dimensions", field=field)
    return array


def same_length(**arrays: FloatArray | IntArray) -> int:
    """The common length of the arrays; raises naming the first that differs."""
    items = list(arrays.items())
    first_name, first = items[0]
    for name, array in items[1:]:
        if len(array) != len(first):
            raise MethodInputError(
                f"length {len(array)} differs from '{first_name}' (length {len(first)})",
                field=name,
            )
    return len(first)


def _first(mask: NDArray[np.bool_], groups: IntArray | None) -> int:
    index = int(np.flatnonzero(mask)[0])
    return index if groups is None else int(groups[index])


def no_nan(field: str, values: FloatArray, groups: IntArray | None = None) -> None:
    """Reject NaN or infinite values."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise MethodInputError(
            "missing or non-finite value", field=field, group=_first(bad, groups)
        )


def non_negative(field: str, values: FloatArray, groups: IntArray | None = None) -> None:
    """Reject negative values (NaN must be rejected before)."""
    bad = values < 0
    if bad.any():
        raise MethodInputError("must not be negative", field=field, group=_first(bad, groups))


def positive(field: str, values: FloatArray, groups: IntArray | None = None) -> None:
    """Reject values ≤ 0."""
    bad = values <= 0
    if bad.any():
        raise MethodInputError("must be greater than 0", field=field, group=_first(bad, groups))


NUMERATOR_ABOVE_DENOMINATOR = "numerator is larger than the denominator"
"""The rule's words, as the store's load (``store.rules``, ADR 0501) says them."""

PEOPLE_RULE = "deaths, cases and individuals cannot outnumber the population they come from"
"""Why the rule holds for counts of people (and not for events that can recur)."""


def numerator_above_denominator(numerator: ArrayLike, denominator: ArrayLike) -> NDArray[np.bool_]:
    """Where a count of people exceeds its population: the numerator ≤ denominator rule.

    A proportion's numerator, deaths, and the individuals of a non-independent-events DSR are
    people counted once, so more of them than the population is an input error. Events that
    can recur for one person (admissions, attendances) may outnumber the population: callers
    apply this rule only to counts of people. NaN on either side never breaks the rule. Same
    name and meaning as ``healthgap.store.rules.numerator_above_denominator`` (load side).

    >>> numerator_above_denominator([3, 5, 0, float("nan")], [4, 4, 4, 4]).tolist()
    [False, True, False, False]
    """
    n = np.asarray(numerator, dtype=np.float64)
    d = np.asarray(denominator, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray(n > d, dtype=np.bool_)


def people_within_population(
    field: str,
    count: FloatArray,
    population_field: str,
    population: FloatArray,
    groups: IntArray | None = None,
) -> None:
    """Raise naming the first element (or group) where a count of people exceeds ``population``."""
    bad = numerator_above_denominator(count, population)
    if bad.any():
        raise MethodInputError(
            f"{NUMERATOR_ABOVE_DENOMINATOR} '{population_field}': {PEOPLE_RULE}",
            field=field,
            group=_first(bad, groups),
        )


def group_codes(groups: ArrayLike | None, length: int) -> tuple[IntArray, int]:
    """Dense integer group codes 0..G-1 (all present) for ``length`` rows; None = one group."""
    if groups is None:
        return np.zeros(length, dtype=np.intp), 1
    codes = np.asarray(groups)
    if codes.ndim != 1 or len(codes) != length:
        raise MethodInputError(
            f"groups must be a 1-D array of length {length}, got shape {codes.shape}",
            field="groups",
        )
    if length == 0:
        raise MethodInputError("no rows", field="groups")
    if not np.issubdtype(codes.dtype, np.integer):
        raise MethodInputError("group codes must be integers", field="groups")
    if codes.min() < 0:
        raise MethodInputError("group codes must not be negative", field="groups")
    n_groups = int(codes.max()) + 1
    present = np.bincount(codes, minlength=n_groups)
    if (present == 0).any():
        missing = int(np.flatnonzero(present == 0)[0])
        raise MethodInputError(
            "group codes must be dense (0..G-1); this code has no rows",
            field="groups",
            group=missing,
        )
    return codes.astype(np.intp, copy=False), n_groups


def group_sum(values: FloatArray, codes: IntArray, n_groups: int) -> FloatArray:
    """Per-group sums by ``np.bincount``."""
    sums: FloatArray = np.bincount(codes, weights=values, minlength=n_groups).astype(np.float64)
    return sums
