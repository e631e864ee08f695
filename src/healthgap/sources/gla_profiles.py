"""GLA London Borough Profiles, 2017 edition (``data/gla/london-borough-profiles-2017.csv``).

Wide (one row per borough, 84 columns) → tidy: one series per *numeric* column,
``gla_borough_profiles:<slug(column)>``. The period and unit are parsed from the column
header (``'Male_life_expectancy,_(2012-14)'`` → 2012 - 14, years). Columns that are text
(political control, countries of birth) or whose header names no period are not read;
the release note lists them with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import DATA_DIR, SourceContext, add_periods, source_file
from healthgap.sources.csvfile import read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.periods import ACADEMIC, FINANCIAL, Period, parse_period_label
from healthgap.sources.values import BLANKS, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["FILE", "column_period", "column_unit", "profile_files", "read_borough_profiles"]

FILE = "gla/london-borough-profiles-2017.csv"
PUBLISHER = "GLA London Borough Profiles 2017"
ID_COLUMNS = ("Code", "Area_name", "Inner/_Outer_London")

_SPLIT_RANGE = re.compile(r"(\d{4})/(\d{2})\s+to\s+(\d{4})/(\d{2})")
_SPLIT = re.compile(r"(\d{4})/(\d{2})")
_RANGE = re.compile(r"(\d{4})-(\d{2})(?!\d)")
_MONTH = re.compile(r"\b([A-Z][a-z]{2})-(\d{2}|\d{4})\b")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def column_period(header: str) -> str | None:
    """The period a profile column covers, as a Fingertips-style label, or None.

    >>> column_period("Male_life_expectancy,_(2012-14)")
    '2012 - 14'
    >>> column_period("Youth_Unemployment_(claimant)_rate_18-24_(Dec-15)")
    'Dec 2015'
    """
    text = header.replace("_", " ")
    if m := _SPLIT_RANGE.search(text):
        return f"{m[1]}/{m[2]} - {m[3][2:]}/{m[4]}"
    if m := _SPLIT.search(text):
        first, second = int(m[1]), int(m[2])
        if second == (first + 1) % 100:
            return f"{m[1]}/{m[2]}"
        return f"{m[1]} - {m[2]}"  # '2012/14': three calendar years pooled
    if m := _MONTH.search(text):
        year = m[2] if len(m[2]) == 4 else f"20{m[2]}"
        return f"{m[1]} {year}"
    if m := _RANGE.search(text):
        return f"{m[1]} - {m[2]}"
    years = _YEAR.findall(text)
    return years[-1] if years else None


_UNITS: tuple[tuple[str, str], ...] = (
    (r"out of 10", "score out of 10"),
    (r"%|proportion|employment rate|unemployment rate|turnout|recycling rate|survival rate", "%"),
    (r"\(£\)|pay|price|income", "£"),
    (r"per hectare", "per hectare"),
    (r"per thousand|rates of children looked after|conception rate", "per 1,000"),
    (r"per hundred", "per 100"),
    (r"hectares", "hectares"),
    (r"life expectancy|average age", "years"),
    (r"number of|estimate|net |new homes|migration|overseas nationals", "count"),
)


def column_unit(header: str) -> str | None:
    """The unit named or implied by a profile column header, or None when unclear."""
    text = header.replace("_", " ").lower()
    for pattern, unit in _UNITS:
        if re.search(pattern, text):
            return unit
    return None


def _academic(header: str) -> bool:
    return bool(re.search(r"obesity|gcse|pupils", header, re.IGNORECASE))


def profile_files() -> tuple[Path, ...]:
    """The file :func:`read_borough_profiles` reads."""
    return (DATA_DIR / FILE,)


def read_borough_profiles(*, context: SourceContext) -> ReleaseInput:
    """One release: every numeric profile column with a period in its header."""
    (path,) = profile_files()
    csv = read_csv_file(path, name=FILE, required=ID_COLUMNS, allow_extra=True)
    f = csv.frame
    parts, infos = [], []
    skipped: dict[str, str] = {}
    for column in csv.header:
        if column in ID_COLUMNS:
            continue
        raw = f[column].astype(str).str.strip()
        blank = raw.isin(BLANKS)
        numbers = pd.to_numeric(
            raw.str.replace(",", "", regex=False).where(~blank, None), errors="coerce"
        )
        if (numbers.isna() & ~blank).any():
            skipped[column] = "text, not a number"
            continue
        label = column_period(column)
        if label is None:
            skipped[column] = "the header names no period"
            continue
        month = ACADEMIC if _academic(column) else FINANCIAL
        key = series_key("gla_borough_profiles", slug(column))
        unit = column_unit(column)
        part = pd.DataFrame({"_line": f["_line"], "_file": FILE})
        part["area_code"] = f["Code"].str.strip()
        part["area_type"] = area_types_for(part["area_code"], lookup=context.lookup)

        def parse(text: str, month: int = month) -> Period:
            return parse_period_label(text, year_start_month=month)

        add_periods(part, pd.Series(label, index=f.index), parse, file=FILE, shown=column)
        part["series"] = key
        words = column.replace("_", " ")
        part["sex"] = (
            "female"
            if re.search(r"\bFemale\b", words)
            else "male"
            if re.search(r"\bMale\b", words)
            else "persons"
        )
        part["value"] = numbers.astype("float64")
        part["suppressed"] = part["value"].isna()
        part["unit"] = unit
        parts.append(part)
        infos.append(
            SeriesInfo(
                key,
                column.replace("_", " "),
                PUBLISHER,
                unit=unit,
                indicator_id=context.resolve_indicator(key),
            )
        )
    if not parts:
        raise SourceValidationError("no numeric column with a period was found", file=FILE)
    table = values_table(
        pd.concat(parts, ignore_index=True),
        file=FILE,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        shown={"area_code": "Code"},
    )
    return ReleaseInput(
        source="gla_borough_profiles",
        files=(source_file(csv),),
        series=tuple(infos),
        values=table,
        note="GLA London Borough Profiles 2017, numeric columns; not read: "
        + "; ".join(f"{c} ({why})" for c, why in skipped.items()),
    )
