"""Reading the bundled geography files: explicit dtypes, required columns, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from healthgap.errors import InputError

__all__ = ["ColumnDtype", "read_table", "text_columns"]

ColumnDtype = Literal["string", "int64", "float64"]


def read_table(path: Path, *, columns: dict[str, ColumnDtype]) -> pd.DataFrame:
    """Read the ``columns`` (name → pandas dtype) of a CSV file; every value must be present.

    Raises ``InputError`` naming the file, and the row and column where it can, when a column is
    missing, a value is empty or a value does not parse as its dtype.
    """
    name = path.name
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\r\n").split(",")
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(
            f"required column missing (file has {', '.join(header)})", file=name, column=missing[0]
        )
    text_cols = dict.fromkeys(columns, "string")
    frame = pd.read_csv(path, usecols=list(columns), dtype=text_cols, keep_default_na=False)
    out: dict[str, pd.Series] = {}
    for col, dtype in columns.items():
        raw = frame[col].str.strip()
        empty = raw == ""
        if bool(empty.any()):
            row = int(empty.to_numpy().nonzero()[0][0]) + 2
            raise InputError("value is required", file=name, row=row, column=col, value="")
        if dtype == "string":
            out[col] = raw
            continue
        parsed = pd.to_numeric(raw, errors="coerce")
        bad = parsed.isna()
        if bool(bad.any()):
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"not a number ({dtype})", file=name, row=i + 2, column=col, value=str(raw.iloc[i])
            )
        if dtype == "int64" and bool((parsed != parsed.round()).any()):
            i = int((parsed != parsed.round()).to_numpy().nonzero()[0][0])
            raise InputError(
                "not a whole number", file=name, row=i + 2, column=col, value=str(raw.iloc[i])
            )
        out[col] = parsed.astype("int64") if dtype == "int64" else parsed.astype("float64")
    return pd.DataFrame(out)


def text_columns(*names: str) -> dict[str, ColumnDtype]:
    """``names`` all read as text."""
    return dict.fromkeys(names, "string")
