"""ONS UK Sustainable Development Goals data (``data/ons_sdg/*``).

Each file has its own disaggregation columns; a reader per file turns them into canonical
rows. Keys: ``ons_sdg:<indicator number>`` for one series, ``ons_sdg:<n>/<slug(series)>``
where a file holds several. Areas: ``GeoCode`` where given; a blank ``GeoCode`` with no
region or local authority is England (E92000001); the city ``London`` of 11.6.2 is the
Greater London region (E12000007).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.geography import ENGLAND, LONDON
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import (
    DATA_DIR,
    SourceContext,
    add_periods,
    map_sex,
    source_file,
)
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.ons_sdg_health import READERS as HEALTH_READERS
from healthgap.sources.periods import ACADEMIC, FINANCIAL, Period, parse_period_label
from healthgap.sources.values import parse_numbers, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["DIRECTORY", "read_ons_sdg_directory", "sdg_files"]

DIRECTORY = "ons_sdg"
PUBLISHER = "ONS UK SDG data"

Parsed = tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]


def _base(
    csv: CsvFile, context: SourceContext, codes: pd.Series, year_start_month: int | None = None
) -> pd.DataFrame:
    f = csv.frame
    out = pd.DataFrame({"_line": f["_line"], "_file": csv.name})
    out["area_code"] = codes
    out["area_type"] = area_types_for(codes, lookup=context.lookup)
    month = year_start_month

    def parse(label: str) -> Period:
        return parse_period_label(label, year_start_month=month or FINANCIAL)

    add_periods(out, f["Year"].str.strip(), parse, file=csv.name, shown="Year")
    out["value"] = parse_numbers(f, "Value", file=csv.name)
    out["suppressed"] = out["value"].isna()
    return out


def _status(f: pd.DataFrame) -> pd.Series:
    status = f["Observation status"].astype(str).str.strip()
    return status.where(~status.isin(["", "Normal value"]), None).str.lower()


def _geo(f: pd.DataFrame, *, file: str) -> pd.Series:
    code = f["GeoCode"].astype(str).str.strip()
    national = (
        (code == "")
        & (f.get("Region", "") == "")
        & (f.get("Local authority", pd.Series("", index=f.index)) == "")
    )
    code = code.where(~national, ENGLAND)
    if (code == "").any():
        first = f.loc[code == ""].iloc[0]
        raise SourceValidationError(
            "area code is missing for a sub-national row",
            file=file,
            row=int(first["_line"]),
            column="GeoCode",
        )
    return code


def _infos(
    out: pd.DataFrame, names: dict[str, str], unit: str, context: SourceContext
) -> list[SeriesInfo]:
    return [
        SeriesInfo(k, names[k], PUBLISHER, unit=unit, indicator_id=context.resolve_indicator(k))
        for k in sorted(pd.unique(out["series"]))
    ]


def _suicide(path: Path, name: str, context: SourceContext) -> Parsed:
    cols = (
        "Year",
        "Sex",
        "Age",
        "Country",
        "Region",
        "Observation status",
        "Unit multiplier",
        "Unit measure",
        "GeoCode",
        "Value",
    )
    csv = read_csv_file(path, name=name, required=cols)
    f = csv.frame
    out = _base(csv, context, _geo(f, file=name))
    out["series"] = series_key("ons_sdg", "3-4-2")
    out["sex"] = map_sex(f, "Sex", file=name)
    age = f["Age"].astype(str).str.strip()
    out["age_band"] = age.where(age != "", "All ages")
    out["unit"] = "per 100,000"
    out["note"] = _status(f)
    names = {"ons_sdg:3-4-2": "Suicide rate (SDG 3.4.2)"}
    return csv, out, _infos(out, names, "per 100,000", context)


def _pm_mortality(path: Path, name: str, context: SourceContext) -> Parsed:
    cols = (
        "Year",
        "Series",
        "Region",
        "Local authority",
        "Deprivation decile",
        "Observation status",
        "Units",
        "GeoCode",
        "Value",
    )
    csv = read_csv_file(path, name=name, required=cols)
    f = csv.frame
    out = _base(csv, context, _geo(f, file=name))
    series = f["Series"].astype(str).str.strip()
    keys = series.map(lambda s: series_key("ons_sdg", "3-9-1", slug(s)))
    out["series"] = keys
    out["sex"] = "persons"
    decile = f["Deprivation decile"].astype(str).str.strip()
    out["breakdown_type"] = np.where(decile != "", "imd_decile", "none")
    out["breakdown_category"] = decile
    out["unit"] = "%"
    out["note"] = _status(f)
    names = dict(zip(keys, series, strict=True))
    return csv, out, _infos(out, names, "%", context)


def _eyfsp(path: Path, name: str, context: SourceContext) -> Parsed:
    cols = (
        "Year",
        "Series",
        "Region",
        "Local authority",
        "Gender",
        "Ethnicity",
        "Free school meals",
        "Learning category",
        "Learning sub-category (higher)",
        "Observation status",
        "Unit multiplier",
        "Unit measure",
        "GeoCode",
        "Value",
    )
    csv = read_csv_file(path, name=name, required=cols)
    f = csv.frame
    out = _base(csv, context, _geo(f, file=name), year_start_month=ACADEMIC)
    series = f["Series"].astype(str).str.strip()
    area = f["Learning sub-category (higher)"].astype(str).str.strip()
    area = area.where(area != "", f["Learning category"].astype(str).str.strip())
    keys = [
        series_key("ons_sdg", "4-2-1", slug(s), *([slug(a)] if a else []))
        for s, a in zip(series, area, strict=True)
    ]
    out["series"] = keys
    labels = [f"{s}: {a or 'good level of development'}" for s, a in zip(series, area, strict=True)]
    out["sex"] = map_sex(f, "Gender", file=name)
    ethnic = f["Ethnicity"].astype(str).str.strip()
    fsm = f["Free school meals"].astype(str).str.strip()
    both = (ethnic != "") & (fsm != "")
    if both.any():
        raise SourceValidationError(
            "a row has both an ethnicity and a free-school-meals split",
            file=name,
            row=int(f.loc[both, "_line"].iloc[0]),
            column="Free school meals",
        )
    out["breakdown_type"] = np.select(
        [ethnic != "", fsm != ""], ["ethnic_group", "fsm_status"], "none"
    )
    out["breakdown_category"] = np.where(ethnic != "", ethnic, fsm)
    out["age_band"] = "5 yrs"
    out["unit"] = "%"
    out["note"] = _status(f)
    names = dict(zip(keys, labels, strict=True))
    return csv, out, _infos(out, names, "%", context)


def _pm_concentration(path: Path, name: str, context: SourceContext) -> Parsed:
    csv = read_csv_file(
        path, name=name, required=("Year", "Series", "City", "Urbanisation", "Value")
    )
    f = csv.frame
    city = f["City"].astype(str).str.strip()
    if (city != "London").any():
        first = f.loc[city != "London"].iloc[0]
        raise SourceValidationError(
            "only the city 'London' is known",
            file=name,
            row=int(first["_line"]),
            column="City",
            value=str(first["City"]),
        )
    out = _base(csv, context, pd.Series(LONDON, index=f.index))
    series = f["Series"].astype(str).str.strip()
    keys = series.map(lambda s: series_key("ons_sdg", "11-6-2", slug(s)))
    out["series"] = keys
    out["sex"] = "persons"
    out["unit"] = "µg/m³"
    names = {
        k: f"Annual mean {s} concentration (SDG 11.6.2)" for k, s in zip(keys, series, strict=True)
    }
    return csv, out, _infos(out, names, "µg/m³", context)


READERS: dict[str, Callable[[Path, str, SourceContext], Parsed]] = {
    "indicator_3-4-2_suicide_rate_england_london.csv": _suicide,
    "indicator_3-9-1_pm_attributable_mortality.csv": _pm_mortality,
    "indicator_4-2-1_eyfsp_london.csv": _eyfsp,
    "indicator_11-6-2_pm_london.csv": _pm_concentration,
    **HEALTH_READERS,
}


def sdg_files() -> tuple[Path, ...]:
    """The files :func:`read_ons_sdg_directory` reads, in order: one per entry of READERS."""
    return tuple(DATA_DIR / DIRECTORY / file_name for file_name in READERS)


def read_ons_sdg_directory(*, context: SourceContext) -> ReleaseInput:
    """One release holding every bundled SDG file (the files of :func:`sdg_files`)."""
    files, frames, infos = [], [], []
    for path in sdg_files():
        csv, frame, series = READERS[path.name](path, f"{DIRECTORY}/{path.name}", context)
        files.append(source_file(csv))
        frames.append(frame)
        infos.extend(series)
    table = values_table(
        pd.concat(frames, ignore_index=True),
        file=DIRECTORY,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        shown={"area_code": "GeoCode", "value": "Value", "period_label": "Year"},
    )
    return ReleaseInput(
        source="ons_sdg",
        files=tuple(files),
        series=tuple(infos),
        values=table,
        note="ONS UK SDG indicator data (sdg-data)",
    )
