"""The canonical value table: build it from a reader's frame, validate it, type it.

A reader produces a pandas frame with (some of) ``VALUE_COLUMNS`` plus ``_line`` (line in the
file) and ``_file`` (file name); :func:`values_table` fills the optional columns, checks every
rule and returns a PyArrow table in exactly the declared column order and types.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import AreaLookup, Scope, check_area_codes
from healthgap.store.columns import AREA_TYPES, BREAKDOWN_NONE, SEXES, VALUE_COLUMNS, Column
from healthgap.store.rules import (
    NOT_A_PERCENTAGE,
    NOT_WHOLE,
    NUMERATOR_ABOVE_DENOMINATOR,
    WITHHELD_COLUMNS,
    is_percentage_unit,
    not_whole,
    numerator_above_denominator,
    outside_percentage,
    withhold_suppressed,
)

__all__ = [
    "KEY_COLUMNS",
    "SUPPRESSED_WITH_NUMBERS",
    "UNKNOWN_INDICATOR",
    "VALUE_SCHEMA",
    "Flag",
    "arrow_schema",
    "parse_numbers",
    "to_arrow",
    "values_table",
]

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
    "BIGINT": pa.int64(),
}


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    """The PyArrow schema of declared columns, in order, with their nullability."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.type], nullable=c.nullable) for c in columns])


VALUE_SCHEMA = arrow_schema(VALUE_COLUMNS)

#: The columns that identify one published number within a release.
KEY_COLUMNS: tuple[str, ...] = (
    "series",
    "area_code",
    "period_start",
    "period_end",
    "sex",
    "age_band",
    "breakdown_type",
    "breakdown_category",
)

#: Cell texts that mean "no number here" in the files we read.
BLANKS: frozenset[str] = frozenset({"", "-", ":", "..", "x", "*", "NA", "n/a", "N/A", "null"})

_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_numbers(
    frame: pd.DataFrame,
    column: str,
    *,
    file: str,
    shown: str | None = None,
    blanks: frozenset[str] = BLANKS,
) -> pd.Series:
    """Parse a string column as float64; blanks → NaN; anything else non-numeric is an error.

    Thousands separators (``'7,538'``) are accepted. Non-finite numbers are rejected.
    """
    try:  # fast path: every cell a plain finite number
        fast = np.asarray(frame[column].to_numpy(), dtype=np.float64)
        if np.isfinite(fast).all():
            return pd.Series(fast, index=frame.index)
    except ValueError:
        pass
    raw = frame[column].astype(str).str.strip()
    blank = raw.isin(blanks)
    cleaned = raw.where(~raw.str.match(_THOUSANDS), raw.str.replace(",", "", regex=False))
    numbers = pd.to_numeric(cleaned.where(~blank, None), errors="coerce").astype("float64")
    bad = (~blank & numbers.isna()) | ~np.isfinite(numbers.fillna(0.0))
    if bad.any():
        first = frame.loc[bad].iloc[0]
        raise SourceValidationError(
            "not a number",
            file=str(first["_file"]) if "_file" in frame.columns else file,
            row=int(first["_line"]),
            column=shown or column,
            value=str(raw[bad].iloc[0]),
        )
    return numbers


#: Refused: an ``indicator_id`` the catalogue does not hold (it could never be found).
UNKNOWN_INDICATOR = "unknown indicator id: not in the catalogue (see `healthgap catalogue`)"
#: Flagged: a row marked suppressed that still gives a value, limits or a count; they are
#: withheld (never stored or published).
SUPPRESSED_WITH_NUMBERS = "suppressed, yet value, limits or count given: withheld"


@dataclass(frozen=True)
class _Problem:
    line: int
    file: str
    column: str
    value: object
    rule: str


@dataclass(frozen=True)
class Flag:
    """An implausible row that was kept (and noted in the row's ``note``)."""

    file: str
    line: int
    column: str
    value: object
    rule: str
    rows: int = 1
    """How many rows of the file break the same rule."""

    def __str__(self) -> str:
        more = f" ({self.rows} rows)" if self.rows > 1 else ""
        where = f"{self.file}:{self.line}: column '{self.column}'"
        return f"{where}: value {self.value!r}: {self.rule}{more}"


def _first(
    frame: pd.DataFrame,
    mask: pd.Series,
    column: str,
    value_col: str | None,
    rule: str,
    shown: Mapping[str, str],
) -> _Problem | None:
    if not mask.any():
        return None
    hits = frame.loc[mask]
    first = hits.iloc[0]
    count = len(hits)
    more = f" ({count} rows break this rule)" if count > 1 else ""
    value: object = None if value_col is None else first[value_col]
    if isinstance(value, np.generic):  # numpy scalar → Python
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, date):
        value = value.isoformat()
    return _Problem(
        int(first["_line"]), str(first["_file"]), shown.get(column, column), value, rule + more
    )


def _ratio_unit(unit: pd.Series) -> pd.Series:
    text = unit.fillna("").astype(str).str.lower()
    return text.str.contains("ratio") | text.str.contains(r"\bsmr\b|\bsar\b", regex=True)


def _problems(frame: pd.DataFrame, shown: Mapping[str, str]) -> list[_Problem]:
    found: list[_Problem | None] = []
    for col in ("series", "area_code", "period_label", "sex", "age_band"):
        found.append(
            _first(
                frame,
                frame[col].isna() | (frame[col].astype(str) == ""),
                col,
                None,
                "required value is missing",
                shown,
            )
        )
    found.append(
        _first(
            frame,
            ~frame["area_type"].isin(AREA_TYPES),
            "area_type",
            "area_type",
            f"area type must be one of {', '.join(AREA_TYPES)}",
            shown,
        )
    )
    found.append(
        _first(
            frame,
            ~frame["sex"].isin(SEXES),
            "sex",
            "sex",
            "sex must be persons, male or female",
            shown,
        )
    )
    found.append(
        _first(
            frame,
            frame["period_end"] < frame["period_start"],
            "period_end",
            "period_end",
            "period ends before it starts",
            shown,
        )
    )
    for col in ("count", "denominator"):
        found.append(_first(frame, frame[col] < 0, col, col, "must not be negative", shown))
    above = pd.Series(
        numerator_above_denominator(frame["count"], frame["denominator"]), index=frame.index
    ) & ~_ratio_unit(frame["unit"])
    found.append(_first(frame, above, "count", "count", NUMERATOR_ABOVE_DENOMINATOR, shown))
    percent = frame["unit"].map(lambda u: isinstance(u, str) and is_percentage_unit(u))
    for col in ("value", "lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"):
        outside = percent.astype(bool) & outside_percentage(frame[col])
        found.append(_first(frame, outside, col, col, NOT_A_PERCENTAGE, shown))
    for level in ("95_0", "99_8"):
        lo, hi = f"lower{level}cl", f"upper{level}cl"
        found.append(
            _first(
                frame,
                frame[lo] > frame[hi],
                lo,
                lo,
                f"lower limit is above the upper limit ({hi})",
                shown,
            )
        )
        tol = 1e-9 * np.maximum(1.0, frame["value"].abs())
        found.append(
            _first(
                frame,
                frame[lo] > frame["value"] + tol,
                lo,
                lo,
                "lower limit is above the value",
                shown,
            )
        )
        found.append(
            _first(
                frame,
                frame[hi] < frame["value"] - tol,
                hi,
                hi,
                "upper limit is below the value",
                shown,
            )
        )
    dup = frame.duplicated(list(KEY_COLUMNS), keep="first")
    if dup.any():
        key = frame.loc[dup, list(KEY_COLUMNS)].iloc[0]
        same = (frame[list(KEY_COLUMNS)] == key).all(axis=1)
        first_line = int(frame.loc[same, "_line"].iloc[0])
        found.append(
            _first(
                frame,
                dup,
                "area_code",
                "area_code",
                "duplicate value: same series, area, period, sex, age band and breakdown as "
                f"line {first_line}",
                shown,
            )
        )
    return [p for p in found if p is not None]


def _unknown_indicators(
    frame: pd.DataFrame, known: frozenset[str] | None, shown: Mapping[str, str]
) -> _Problem | None:
    if known is None:
        return None
    given = frame["indicator_id"]
    bad = given.notna() & ~given.isin(known)
    return _first(frame, bad, "indicator_id", "indicator_id", UNKNOWN_INDICATOR, shown)


def _flag_rows(frame: pd.DataFrame, shown: Mapping[str, str]) -> list[tuple[pd.Series, Flag]]:
    """Implausible rows (kept): each rule's rows and the flag naming the first."""
    out: list[tuple[pd.Series, Flag]] = []
    rules = [
        (pd.Series(not_whole(frame["count"]), index=frame.index), "count", NOT_WHOLE),
        (
            frame["suppressed"].astype(bool) & frame[list(WITHHELD_COLUMNS)].notna().any(axis=1),
            "suppressed",
            SUPPRESSED_WITH_NUMBERS,
        ),
    ]
    for mask, column, rule in rules:
        p = _first(frame, mask, column, column, rule, shown)
        if p is not None:
            flag = Flag(p.file, p.line, p.column, p.value, rule, int(mask.sum()))
            out.append((mask, flag))
    return out


def values_table(
    frame: pd.DataFrame,
    *,
    file: str,
    resolve_indicator: Callable[[str], str | None],
    lookup: AreaLookup | None,
    scope: Scope = "london",
    shown: Mapping[str, str] | None = None,
    known_indicators: frozenset[str] | None = None,
    flags: list[Flag] | None = None,
) -> pa.Table:
    """Fill defaults, validate every rule, and return the typed value table.

    Raises ``SourceValidationError`` at the earliest line in the file that breaks a rule
    (ties broken by rule order); the message names file, line, column, value and rule.
    Refused besides the column rules: an ``indicator_id`` not in ``known_indicators``
    (when given), a percentage outside 0–100, a count above its denominator. Implausible
    rows are kept, noted in their ``note`` and appended to ``flags``: a count that is not
    a whole number; a suppressed row giving numbers (withheld: value, limits and count
    of a suppressed row are never stored).
    """
    names = dict(shown or {})
    work = frame.copy()
    if "_file" not in work.columns:
        work["_file"] = file
    defaults: dict[str, str | bool] = {
        "age_band": "All ages",
        "breakdown_type": BREAKDOWN_NONE,
        "breakdown_category": "",
        "suppressed": False,
        "provisional": False,
        "revised": False,
    }
    for column in VALUE_COLUMNS:
        if column.name in defaults and column.name in work.columns:
            work[column.name] = work[column.name].fillna(defaults[column.name])
        elif column.name not in work.columns:
            if column.name in defaults:
                work[column.name] = defaults[column.name]
            elif column.type == "DOUBLE":
                work[column.name] = np.nan
            else:
                work[column.name] = None
    for col in ("suppressed", "provisional", "revised"):
        work[col] = work[col].fillna(False).astype(bool)
    check_area_codes(
        work,
        "area_code",
        file=file,
        lookup=lookup,
        scope=scope,
        source_column=names.get("area_code"),
    )
    problems = [*_problems(work, names), _unknown_indicators(work, known_indicators, names)]
    found = [p for p in problems if p is not None]
    if found:
        p = min(found, key=lambda q: q.line)
        raise SourceValidationError(p.rule, file=p.file, row=p.line, column=p.column, value=p.value)
    for mask, flag in _flag_rows(work, names):
        text = f"flagged: {flag.rule}"
        work["note"] = [
            (f"{n}; {text}" if isinstance(n, str) and n else text) if hit else n
            for n, hit in zip(work["note"], mask, strict=True)
        ]
        if flags is not None:
            flags.append(flag)
    series = pd.unique(work["series"])
    mapping = {s: resolve_indicator(str(s)) for s in series}
    given = work["indicator_id"]
    work["indicator_id"] = given.where(given.notna(), work["series"].map(mapping))
    return withhold_suppressed(to_arrow(work, VALUE_COLUMNS))


def to_arrow(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pa.Table:
    """The declared ``columns`` of ``frame``, typed, in order (nulls from NaN/None/NA)."""
    arrays = []
    for column in columns:
        data = frame[column.name]
        if column.type == "VARCHAR":
            data = data.astype(object).where(data.notna(), None)
        arrays.append(pa.Array.from_pandas(data, type=_ARROW_TYPES[column.type]))
    return pa.Table.from_arrays(arrays, schema=arrow_schema(columns))
