"""Fingertips API CSV exports (``/api/all_data/csv/...`` and the site's "Export" button).

Header (as served by the Fingertips API, PHOLIO ``DataControllerTest.HeaderText``)::

    Indicator ID, Indicator Name, Parent Code, Parent Name, Area Code, Area Name, Area Type,
    Sex, Age, Category Type, Category, Time period, Value, Lower CI 95.0 limit,
    Upper CI 95.0 limit, Lower CI 99.8 limit, Upper CI 99.8 limit, Count, Denominator,
    Value note, Recent Trend, Compared to England value or percentiles,
    Compared to Region value or percentiles, Time period Sortable, New data, Compared to goal

Newer exports add ``Time period range`` and vary the "Compared to …" columns; those are
accepted and ignored (comparisons are recomputed by healthgap).
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import SourceContext, add_periods, map_sex
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.fingertips_extracts import SPECS
from healthgap.sources.keys import slug
from healthgap.sources.periods import ACADEMIC, FINANCIAL, Period, parse_period_label
from healthgap.sources.values import parse_numbers
from healthgap.store.release_input import SeriesInfo

__all__ = ["OPTIONAL", "REQUIRED", "parse_fingertips_csv", "read_fingertips_export"]

PUBLISHER = "OHID Fingertips"
REQUIRED = (
    "Indicator ID",
    "Indicator Name",
    "Area Code",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
)
OPTIONAL = (
    "Parent Code",
    "Parent Name",
    "Area Name",
    "Recent Trend",
    "Time period Sortable",
    "New data",
    "Time period range",
)
SHOWN = {
    "area_code": "Area Code",
    "value": "Value",
    "lower95_0cl": "Lower CI 95.0 limit",
    "upper95_0cl": "Upper CI 95.0 limit",
    "lower99_8cl": "Lower CI 99.8 limit",
    "upper99_8cl": "Upper CI 99.8 limit",
    "count": "Count",
    "denominator": "Denominator",
    "period_label": "Time period",
    "sex": "Sex",
    "age_band": "Age",
    "series": "Indicator ID",
}

#: Indicators published by academic year (September–August), from the bundled specs.
ACADEMIC_IDS: frozenset[int] = frozenset(
    {s.fingertips_id for s in SPECS.values() if s.year_start_month == ACADEMIC}
    | {s.deprivation_id for s in SPECS.values() if s.deprivation_id is not None}
)


def _parse_period(label: str, *, year_start_month: int) -> Period:
    return parse_period_label(label, year_start_month=year_start_month)


def _breakdown_type(category_type: str) -> str:
    text = category_type.lower()
    if not text:
        return "none"
    edition = re.search(r"imd\s?(\d{4})", text)
    for word in ("decile", "quintile"):
        if "depriv" in text and word in text:
            return f"imd{edition[1]}_{word}" if edition else f"imd_{word}"
    if "ethnic" in text:
        return "ethnic_group"
    return slug(category_type).replace("-", "_")


def read_fingertips_export(
    path: Path, *, context: SourceContext, name: str | None = None
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    """Parse a Fingertips export into canonical rows (not yet validated) and its series."""
    csv = read_csv_file(
        path, name=name, required=REQUIRED, optional=OPTIONAL, optional_prefixes=("Compared to ",)
    )
    frame, series = parse_fingertips_csv(csv, context=context)
    return csv, frame, series


def parse_fingertips_csv(
    csv: CsvFile, *, context: SourceContext
) -> tuple[pd.DataFrame, list[SeriesInfo]]:
    """Canonical rows (not yet validated) and series of an already-read Fingertips CSV."""
    f = csv.frame
    file = csv.name
    ids = f["Indicator ID"].astype(str).str.strip()
    bad = ~ids.str.fullmatch(r"\d+")
    if bad.any():
        raise SourceValidationError(
            "Indicator ID must be a whole number",
            file=file,
            row=int(f.loc[bad, "_line"].iloc[0]),
            column="Indicator ID",
            value=str(ids[bad].iloc[0]),
        )
    out = pd.DataFrame({"_line": f["_line"], "_file": file})
    out["series"] = "fingertips:" + ids
    out["area_code"] = f["Area Code"].astype(str).str.strip()
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    numeric_ids = ids.astype(int)
    for fid in pd.unique(numeric_ids):
        rows = numeric_ids == fid
        month = ACADEMIC if int(fid) in ACADEMIC_IDS else FINANCIAL
        part = out.loc[rows, ["_line"]].copy()
        add_periods(
            part,
            f.loc[rows, "Time period"].astype(str).str.strip(),
            partial(_parse_period, year_start_month=month),
            file=file,
            shown="Time period",
        )
        for col in ("period_start", "period_end", "period_label"):
            out.loc[rows, col] = part[col]
    out["sex"] = map_sex(f, "Sex", file=file)
    age = f["Age"].astype(str).str.strip()
    out["age_band"] = age.where(age != "", "All ages")
    category_type = f["Category Type"].astype(str).str.strip()
    category = f["Category"].astype(str).str.strip()
    types = {t: _breakdown_type(t) for t in pd.unique(category_type)}
    out["breakdown_type"] = category_type.map(types)
    out["breakdown_category"] = category.where(category_type != "", "")
    for column, source in SHOWN.items():
        if column in ("value", "count", "denominator") or column.endswith("cl"):
            out[column] = parse_numbers(f, source, file=file)
    note = f["Value note"].astype(str).str.strip()
    lower = note.str.lower()
    out["suppressed"] = out["value"].isna() | lower.str.contains("suppress")
    out["provisional"] = lower.str.contains("provisional")
    out["revised"] = lower.str.contains("revised")
    out["note"] = note.where(note != "")
    names = f["Indicator Name"].astype(str).str.strip()
    series = [
        SeriesInfo(
            f"fingertips:{fid}",
            str(names[ids == fid].iloc[0]),
            PUBLISHER,
            fingertips_id=int(fid),
            indicator_id=context.resolve_indicator(f"fingertips:{fid}"),
        )
        for fid in sorted(pd.unique(ids), key=int)
    ]
    return out, series
