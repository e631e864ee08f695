"""healthgap's own tidy format: the canonical value columns as CSV or Parquet.

Required: ``series, area_code, period_start, period_end, period_label, sex, value``.
Optional (defaults): ``indicator_id`` (from the catalogue mapping), ``area_type`` (from the
geography), ``age_band`` ('All ages'), ``breakdown_type`` ('none'),
``breakdown_category`` (''), the four limits, ``count``, ``denominator``, ``unit``,
``note`` (null), ``suppressed``/``provisional``/``revised`` (false). No other columns.
Dates are ISO ``YYYY-MM-DD``; flags ``true/false`` (also ``1/0``, ``yes/no``).
For Parquet, "row" in messages is the 1-based data row plus one (as if line 1 were a header).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import SourceContext
from healthgap.sources.csvfile import CsvFile, _check_header, read_csv_file
from healthgap.sources.values import parse_numbers
from healthgap.store.columns import VALUE_COLUMNS
from healthgap.store.release_input import SeriesInfo

__all__ = ["OPTIONAL", "REQUIRED", "read_tidy"]

REQUIRED = ("series", "area_code", "period_start", "period_end", "period_label", "sex", "value")
#: ``release_id``, as ``healthgap export`` writes it, is accepted and ignored: a load is always
#: a new release, so an exported file can be loaded back as it is.
OPTIONAL = (*(c.name for c in VALUE_COLUMNS if c.name not in REQUIRED), "release_id")
_KEY = re.compile(r"^[a-z0-9_]+:[a-z0-9][a-z0-9/-]*$")
_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n", ""}


def _read_parquet(path: Path, name: str) -> CsvFile:
    data = path.read_bytes()
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceValidationError(f"not a readable Parquet file: {exc}", file=name) from None
    header = [str(c) for c in table.column_names]
    _check_header(header, name, REQUIRED, OPTIONAL, False)
    if table.num_rows == 0:
        raise SourceValidationError("file has no data rows", file=name, row=1)
    frame = pd.DataFrame(
        {c: [("" if v is None else str(v)) for v in table.column(c).to_pylist()] for c in header}
    )
    frame["_line"] = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return CsvFile(name, hashlib.sha256(data).hexdigest(), tuple(header), frame)


def _dates(frame: pd.DataFrame, column: str, file: str) -> pd.Series:
    text = frame[column].astype(str).str.strip()
    parsed: dict[str, date] = {}
    for value in pd.unique(text):
        try:
            parsed[value] = date.fromisoformat(value)
        except ValueError:
            line = int(frame.loc[text == value, "_line"].iloc[0])
            raise SourceValidationError(
                "not a date in YYYY-MM-DD form", file=file, row=line, column=column, value=value
            ) from None
    return text.map(parsed)


def _flags(frame: pd.DataFrame, column: str, file: str) -> pd.Series:
    text = frame[column].astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise SourceValidationError(
            "not true or false",
            file=file,
            row=int(frame.loc[bad, "_line"].iloc[0]),
            column=column,
            value=str(frame.loc[bad, column].iloc[0]),
        )
    return text.isin(_TRUE)


def read_tidy(
    path: Path, *, context: SourceContext, name: str | None = None
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    """Parse a tidy CSV or Parquet file into canonical rows (not yet validated)."""
    label = name or path.name
    if path.suffix.lower() in (".parquet", ".pq"):
        csv = _read_parquet(path, label)
    else:
        csv = read_csv_file(path, name=label, required=REQUIRED, optional=OPTIONAL)
    f = csv.frame
    out = pd.DataFrame({"_line": f["_line"], "_file": label})
    series = f["series"].astype(str).str.strip()
    bad = ~series.str.match(_KEY)
    if bad.any():
        raise SourceValidationError(
            "series key must look like '<source kind>:<slug>' (lower-case, e.g. "
            "'fingertips:90366')",
            file=label,
            row=int(f.loc[bad, "_line"].iloc[0]),
            column="series",
            value=str(series[bad].iloc[0]),
        )
    out["series"] = series
    out["area_code"] = f["area_code"].astype(str).str.strip()
    if "area_type" in f.columns:
        given = f["area_type"].astype(str).str.strip()
        derived = area_types_for(out["area_code"], lookup=context.lookup)
        out["area_type"] = given.where(given != "", derived)
    else:
        out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    out["period_start"] = _dates(f, "period_start", label)
    out["period_end"] = _dates(f, "period_end", label)
    out["period_label"] = f["period_label"].astype(str).str.strip()
    out["sex"] = f["sex"].astype(str).str.strip().str.lower()
    for column in (
        "value",
        "lower95_0cl",
        "upper95_0cl",
        "lower99_8cl",
        "upper99_8cl",
        "count",
        "denominator",
    ):
        if column in f.columns:
            out[column] = parse_numbers(f, column, file=label)
    for column in ("suppressed", "provisional", "revised"):
        if column in f.columns:
            out[column] = _flags(f, column, label)
    for column in (
        "indicator_id",
        "age_band",
        "breakdown_type",
        "breakdown_category",
        "unit",
        "note",
    ):
        if column in f.columns:
            text = f[column].astype(str).str.strip()
            out[column] = text.where(text != "", None)
    if "suppressed" not in out.columns:
        out["suppressed"] = out["value"].isna()
    unit = out["unit"] if "unit" in out.columns else pd.Series(None, index=out.index)
    infos = []
    for key in sorted(pd.unique(series)):
        first = series == key
        infos.append(
            SeriesInfo(
                str(key),
                str(key),
                "user file",
                unit=unit[first].iloc[0],
                indicator_id=context.resolve_indicator(str(key)),
            )
        )
    return csv, out, infos
