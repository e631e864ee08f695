"""ONS UK SDG health series with London region rows: TB incidence (3.3.2), smoking (3.a.1).

Files in ``data/ons_sdg/``, read into the ``ons_sdg`` release next to the other SDG files.
Rows with every breakdown column blank are the headline values. ``Region`` ``London`` rows
carry ``GeoCode`` E12000007; the rest are England (E92000001).

- ``indicator_3-3-2_…``: TB case notifications per 100,000 (UKHSA), one calendar year each,
  2000–2020; England also by ethnic group, by country of birth, and by both
  (``breakdown_type`` ``ethnic_group``, ``country_of_birth``,
  ``ethnic_group_by_country_of_birth`` with category ``'<group>; <birth>'``). Key
  ``ons_sdg:3-3-2``.
- ``indicator_3-a-1_…``: current cigarette smokers aged 18+ (Annual Population Survey), %,
  2011–2021; London and England by sex and by age (``age_band`` ``18-24 yrs`` … ``65+ yrs``;
  headline ``18+ yrs``); England also by ethnicity, socio-economic class (``nssec``) and
  country of birth. Key ``ons_sdg:3-a-1``.

``Observation status`` other than ``Normal value`` becomes the row's note.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.geography.areas import ENGLAND, LONDON
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import SourceContext, add_periods, map_sex
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key
from healthgap.sources.periods import CALENDAR, Period, PeriodError
from healthgap.sources.values import parse_numbers
from healthgap.store.release_input import SeriesInfo

__all__ = ["READERS", "SMOKING_FILE", "SMOKING_KEY", "TB_FILE", "TB_KEY", "read_smoking", "read_tb"]

PUBLISHER = "ONS UK SDG data"
TB_FILE = "indicator_3-3-2_tb_incidence_london_england.csv"
SMOKING_FILE = "indicator_3-a-1_smoking_london_england.csv"
TB_KEY = series_key("ons_sdg", "3-3-2")
SMOKING_KEY = series_key("ons_sdg", "3-a-1")

Parsed = tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]

_YEAR = re.compile(r"^\d{4}$")
_AGE = re.compile(r"^(\d+) to (\d+)$")
_AGE_OVER = re.compile(r"^(\d+) and over$")


def _calendar_year(label: str) -> Period:
    if not _YEAR.match(label):
        raise PeriodError(f"year '{label}' is not a calendar year like 2020")
    year = int(label)
    return Period(date(year, CALENDAR, 1), date(year, 12, 31), label)


def _text(f: pd.DataFrame, column: str) -> pd.Series:
    return f[column].astype(str).str.strip()


def _areas(f: pd.DataFrame, *, file: str) -> pd.Series:
    """E12000007 for ``Region`` London, E92000001 otherwise; ``GeoCode`` must agree."""
    region = _text(f, "Region")
    code = pd.Series(np.where(region == "London", LONDON, ENGLAND), index=f.index)
    bad = (region != "") & (region != "London")
    bad |= _text(f, "GeoCode").ne(code)
    if bad.any():
        first = f.loc[bad].iloc[0]
        raise SourceValidationError(
            "only England (blank Region, GeoCode E92000001) and London (Region London, "
            "GeoCode E12000007) are known",
            file=file,
            row=int(first["_line"]),
            column="GeoCode",
            value=f"{first['Region']}/{first['GeoCode']}",
        )
    return code


def _common(csv: CsvFile, context: SourceContext, key: str, unit: str) -> pd.DataFrame:
    f = csv.frame
    out = pd.DataFrame({"_line": f["_line"], "_file": csv.name})
    out["area_code"] = _areas(f, file=csv.name)
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    add_periods(out, _text(f, "Year"), _calendar_year, file=csv.name, shown="Year")
    out["series"] = key
    out["value"] = parse_numbers(f, "Value", file=csv.name)
    out["suppressed"] = out["value"].isna()
    out["unit"] = unit
    status = _text(f, "Observation status")
    out["note"] = status.where(~status.isin(["", "Normal value"]), None)
    return out


def _single_split(
    f: pd.DataFrame, columns: dict[str, str], *, file: str
) -> tuple[np.ndarray, pd.Series]:
    """``breakdown_type`` and ``breakdown_category`` where at most one column is filled."""
    filled = pd.DataFrame({c: _text(f, c) != "" for c in columns})
    several = filled.sum(axis=1) > 1
    if several.any():
        raise SourceValidationError(
            f"a row is split by more than one of {', '.join(columns)}",
            file=file,
            row=int(f.loc[several, "_line"].iloc[0]),
        )
    kinds = np.select([filled[c] for c in columns], list(columns.values()), "none")
    category = pd.Series("", index=f.index)
    for c in columns:
        category = category.where(~filled[c], _text(f, c))
    return kinds, category


def read_tb(path: Path, name: str, context: SourceContext) -> Parsed:
    """TB notifications per 100,000, England (and by ethnic group / birth) and London."""
    cols = (
        "Year",
        "Series",
        "Country",
        "Country of birth",
        "Ethnic group",
        "Region",
        "Observation status",
        "Units",
        "GeoCode",
        "Value",
    )
    csv = read_csv_file(path, name=name, required=cols, optional=("Unit multiplier",))
    f = csv.frame
    out = _common(csv, context, TB_KEY, "per 100,000")
    out["sex"] = "persons"
    ethnic, birth = _text(f, "Ethnic group"), _text(f, "Country of birth")
    out["breakdown_type"] = np.select(
        [(ethnic != "") & (birth != ""), ethnic != "", birth != ""],
        ["ethnic_group_by_country_of_birth", "ethnic_group", "country_of_birth"],
        "none",
    )
    both = ethnic + "; " + birth
    out["breakdown_category"] = np.select(
        [(ethnic != "") & (birth != ""), ethnic != "", birth != ""], [both, ethnic, birth], ""
    )
    info = SeriesInfo(
        TB_KEY,
        "TB case notifications per 100,000 (single year, SDG 3.3.2)",
        PUBLISHER,
        unit="per 100,000",
        measure="Crude rate",
        indicator_id=context.resolve_indicator(TB_KEY),
    )
    return csv, out, [info]


def _age_band(f: pd.DataFrame, *, file: str) -> pd.Series:
    raw = _text(f, "Age")
    bands: dict[str, str] = {"": "18+ yrs"}
    for text in pd.unique(raw):
        if text in bands:
            continue
        m, over = _AGE.match(text), _AGE_OVER.match(text)
        if m is not None:
            bands[text] = f"{m[1]}-{m[2]} yrs"
        elif over is not None:
            bands[text] = f"{over[1]}+ yrs"
        else:
            line = int(f.loc[raw == text, "_line"].iloc[0])
            raise SourceValidationError(
                "age must look like '18 to 24' or '65 and over'",
                file=file,
                row=line,
                column="Age",
                value=text,
            )
    return raw.map(bands)


def read_smoking(path: Path, name: str, context: SourceContext) -> Parsed:
    """APS adult smoking prevalence: London and England by sex and age; England by group."""
    cols = (
        "Year",
        "Series",
        "Sex",
        "Age",
        "Country",
        "Region",
        "Socio-economic classification",
        "Ethnicity",
        "Country of birth",
        "Units",
        "Observation status",
        "GeoCode",
        "Value",
    )
    csv = read_csv_file(path, name=name, required=cols, optional=("Unit multiplier",))
    f = csv.frame
    out = _common(csv, context, SMOKING_KEY, "%")
    out["sex"] = map_sex(f, "Sex", file=csv.name)
    out["age_band"] = _age_band(f, file=csv.name)
    kinds, category = _single_split(
        f,
        {
            "Socio-economic classification": "nssec",
            "Ethnicity": "ethnic_group",
            "Country of birth": "country_of_birth",
        },
        file=csv.name,
    )
    out["breakdown_type"] = kinds
    out["breakdown_category"] = category
    info = SeriesInfo(
        SMOKING_KEY,
        "Current cigarette smokers aged 18+, Annual Population Survey (SDG 3.a.1)",
        PUBLISHER,
        unit="%",
        measure="Percentage",
        indicator_id=context.resolve_indicator(SMOKING_KEY),
    )
    return csv, out, [info]


READERS = {TB_FILE: read_tb, SMOKING_FILE: read_smoking}
