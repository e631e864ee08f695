"""Data-frame plumbing shared by the analyst calculations.

Reading and writing CSV or Parquet, grouping columns, parsing ``confidence`` the way
PHEindicatormethods accepts it, naming output columns the way it names them, and turning a
:class:`~healthgap.methods.errors.MethodInputError` into an :class:`~healthgap.errors.InputError`
that names the group (or row) and the column.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from healthgap.errors import InputError
from healthgap.methods._core_checks import (
    NUMERATOR_ABOVE_DENOMINATOR,
    PEOPLE_RULE,
    numerator_above_denominator,
)
from healthgap.methods.errors import MethodInputError
from healthgap.methods.result import FloatArray, Result, confidence_label

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "OUTPUT_TYPES",
    "Grouping",
    "OutputType",
    "confidence_text",
    "group_rows",
    "input_error",
    "interval_columns",
    "numeric_column",
    "parse_confidence",
    "read_table",
    "result_columns",
    "result_frame",
    "write_atomically",
    "write_table",
]

OutputType = Literal["full", "standard", "value", "lower", "upper"]
OUTPUT_TYPES: tuple[str, ...] = ("full", "standard", "value", "lower", "upper")

_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            "unsupported file type: use .csv or .parquet", file=str(path), value=path.suffix
        )
    return fmt


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file (by extension)."""
    import pandas as pd

    path = Path(path)
    fmt = _format(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        if fmt == "csv":
            return pd.read_csv(path)
        return pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot be read as {fmt}: {exc}", file=str(path)) from exc


def write_table(frame: pd.DataFrame, path: str | Path) -> None:
    """Write CSV or Parquet (by extension) atomically: a temporary file renamed into place."""
    path = Path(path)
    if _format(path) == "csv":
        write_atomically(path, lambda temporary: frame.to_csv(temporary, index=False))
    else:
        write_atomically(path, lambda temporary: frame.to_parquet(temporary, index=False))


def write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(temporary)`` on a temporary file beside ``path``, then rename it into place
    (nothing is left at ``path`` if writing fails); refuses an output directory that is not."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("output directory does not exist", file=str(path))
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def parse_confidence(value: object) -> tuple[float, ...]:
    """Confidence levels as fractions from 0.95, 95, "0.95,0.998", "95, 99.8" or a sequence.

    Each level must lie in [0.9, 1] (or [90, 100] as a percentage); levels must not repeat.
    """
    if isinstance(value, str):
        parts: Sequence[object] = [p for p in value.replace(";", ",").split(",") if p.strip()]
    elif isinstance(value, int | float):
        parts = [value]
    elif isinstance(value, Sequence):
        parts = list(value)
    else:
        raise InputError("confidence must be a number or a list of numbers", key="confidence")
    if not parts:
        raise InputError("confidence is empty", key="confidence")
    levels: list[float] = []
    for part in parts:
        try:
            level = float(str(part).strip())
        except ValueError as exc:
            raise InputError("confidence is not a number", key="confidence", value=part) from exc
        if 90 <= level <= 100:
            level /= 100
        if not 0.9 <= level <= 1:
            raise InputError(
                "confidence must be between 0.9 and 1 (or 90 and 100)",
                key="confidence",
                value=part,
            )
        levels.append(round(level, 6))
    if len(set(levels)) != len(levels):
        raise InputError("confidence levels repeat", key="confidence", value=value)
    return tuple(levels)


def confidence_text(levels: Sequence[float]) -> str:
    """'95%' or '95%, 99.8%' as in PHEindicatormethods' ``confidence`` column."""
    return ", ".join(f"{level * 100:g}%" for level in levels)


def interval_columns(levels: Sequence[float]) -> list[tuple[str, str]]:
    """(lower, upper) column names: lowercl/uppercl for one level, lower95_0cl … for several."""
    if len(levels) == 1:
        return [("lowercl", "uppercl")]
    return [
        (f"lower{confidence_label(level)}cl", f"upper{confidence_label(level)}cl")
        for level in levels
    ]


@dataclass(frozen=True)
class Grouping:
    """Rows' dense group codes and one row of grouping-column values per group."""

    columns: tuple[str, ...]
    codes: np.ndarray
    keys: pd.DataFrame

    @property
    def count(self) -> int:
        """The number of groups."""
        return len(self.keys)

    def describe(self, code: int) -> str:
        """'col=value, col2=value' for group ``code`` ('all rows' when ungrouped)."""
        if not self.columns:
            return "all rows"
        row = self.keys.iloc[code]
        return ", ".join(f"{c}={row[c]}" for c in self.columns)


def _columns(data: pd.DataFrame, names: Sequence[str], argument: str) -> None:
    for name in names:
        if name not in data.columns:
            raise InputError(
                f"no such column for '{argument}' (columns: {', '.join(map(str, data.columns))})",
                column=name,
            )


def group_rows(data: pd.DataFrame, group_by: Sequence[str]) -> Grouping:
    """Group codes in order of first appearance; an empty ``group_by`` makes one group."""
    import pandas as pd

    columns = tuple(group_by)
    _columns(data, columns, "group_by")
    if not columns:
        return Grouping(columns, np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=[0]))
    for column in columns:
        missing = data[column].isna().to_numpy()
        if missing.any():
            raise InputError(
                "grouping column has a missing value",
                row=int(np.argmax(missing)) + 2,
                column=column,
            )
    codes = data.groupby(list(columns), sort=False).ngroup().to_numpy(dtype=np.intp)
    first = np.unique(codes, return_index=True)[1]
    key_frame = data[list(columns)].iloc[first].reset_index(drop=True)
    return Grouping(columns, codes, key_frame)


def numeric_column(
    data: pd.DataFrame, column: str, *, argument: str, allow_missing: bool = False
) -> FloatArray:
    """A column as float64; names the row and value that are not numbers."""
    import pandas as pd

    _columns(data, [column], argument)
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values) & raw.notna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"'{argument}' must be numeric", row=i + 2, column=column, value=raw.iloc[i]
        )
    if not allow_missing and np.isnan(values).any():
        i = int(np.argmax(np.isnan(values)))
        raise InputError(f"'{argument}' has a missing value", row=i + 2, column=column)
    return values


RECUR_HINT = " (if one person can have several events, e.g. admissions: --events-can-recur true)"
"""How to compute a rate of events that can recur, named when the people rule refuses a row."""


def refuse_people_above_population(
    data: pd.DataFrame,
    *,
    x: str,
    x_values: FloatArray,
    n: str,
    n_values: FloatArray,
    hint: str = "",
) -> None:
    """Refuse the first row whose count of people ``x`` exceeds its population ``n``.

    The numerator ≤ denominator rule of :func:`healthgap.methods._core_checks.
    numerator_above_denominator`, reported with the file row (header = line 1) and column.
    """
    bad = numerator_above_denominator(x_values, n_values)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(
            f"{NUMERATOR_ABOVE_DENOMINATOR} '{n}' ({n_values[i]:g}): {PEOPLE_RULE}{hint}",
            row=i + 2,
            column=x,
            value=f"{x_values[i]:g}",
        )


def input_error(
    exc: MethodInputError,
    *,
    columns: Mapping[str, str],
    grouping: Grouping | None = None,
) -> InputError:
    """An InputError naming the group (grouped) or the row (row-wise) and the column.

    ``columns`` maps method field names (``x``, ``n`` …) to the user's column names.
    """
    column = columns.get(exc.field or "", exc.field)
    argument = f"'{exc.field}': " if exc.field else ""
    if isinstance(exc.group, int) and grouping is not None and exc.field != "groups":
        return InputError(
            f"{argument}{exc.rule}", column=column, key=f"group {grouping.describe(exc.group)}"
        )
    if isinstance(exc.group, int) and grouping is None:
        return InputError(f"{argument}{exc.rule}", row=exc.group + 2, column=column)
    return InputError(f"{argument}{exc.rule}", column=column)


def result_columns(
    result: Result,
    *,
    levels: Sequence[float],
    type: OutputType = "full",
) -> dict[str, Any]:
    """Output columns for ``result`` by name, in order: value, limits, and with type 'full'
    confidence, statistic, method and reason (arrays or lists, one item per result)."""
    names = interval_columns(levels)
    columns: dict[str, Any] = {}
    if type in ("full", "standard", "value"):
        columns["value"] = result.value
    for (lower_name, upper_name), level in zip(names, levels, strict=True):
        interval = result.at(level)
        if type in ("full", "standard", "lower"):
            columns[lower_name] = interval.lower
        if type in ("full", "standard", "upper"):
            columns[upper_name] = interval.upper
    if type == "full":
        count = len(result.value)
        columns["confidence"] = [confidence_text(levels)] * count
        columns["statistic"] = [result.statistic] * count
        columns["method"] = [result.method] * count
        reason = result.reason if len(result.reason) == count else np.full(count, "")
        columns["reason"] = reason
    return columns


def result_frame(
    result: Result,
    *,
    levels: Sequence[float],
    type: OutputType = "full",
) -> pd.DataFrame:
    """:func:`result_columns` as a data frame."""
    import pandas as pd

    return pd.DataFrame(result_columns(result, levels=levels, type=type))
