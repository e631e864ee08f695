"""Trafford Data Lab extracts of the OHID Fingertips API (``data/fingertips_ohid/*``).

Two layouts exist: the 2024–2026 one (``area_code, area_name, area_type, period, indicator,
measure, unit, value, compared_to_England, inequality``) and the 2020 dashboard one
(``area_code, area_name, period, value, indicator, measure, unit, significance[, group]``).
The extracts' ``unit`` column holds the Fingertips *sex* for most files (``Persons``,
``Male``, ``Female``) and a unit or population for a few (``Years``, ``Deaths``); the
``inequality``/``group`` column holds sex, or the deprivation quintile for England rows.
Neither layout has the Fingertips indicator id, age band or unit, so those are declared
per file below from the Fingertips metadata (PROVENANCE.md §4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import DATA_DIR, SourceContext, add_periods, source_file
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.periods import ACADEMIC, FINANCIAL, parse_period_label
from healthgap.sources.values import parse_numbers, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo, SourceFile
from healthgap.store.schema import VALUE_KEY

__all__ = [
    "EXTRACT_DIRECTORIES",
    "FileSpec",
    "extract_files",
    "published_outcomes",
    "read_extract_directory",
    "read_extract_file",
]

PUBLISHER = "OHID Fingertips (Trafford Data Lab extract)"

EXTRACT_DIRECTORIES: tuple[str, ...] = (
    "fingertips_ohid/corporate_plan_2024",
    "fingertips_ohid/dashboard_2020",
    "fingertips_ohid/trafford_themes_2026",
)

REQUIRED = ("area_code", "period", "indicator", "measure", "unit", "value")
OPTIONAL = ("area_name", "area_type", "compared_to_England", "inequality", "group", "significance")


@dataclass(frozen=True)
class FileSpec:
    """What a file does not say: Fingertips id(s), unit, age band, kind of split year.

    ``deprivation_id`` is the id of the rows broken down by deprivation quintile.
    """

    fingertips_id: int
    unit: str
    age_band: str = "All ages"
    year_start_month: int = FINANCIAL
    deprivation_id: int | None = None


_LE = FileSpec(90366, "years")
_HLE = FileSpec(90362, "years")
_SII = FileSpec(92901, "years")
_U75 = FileSpec(93721, "per 100,000", "<75 yrs")
_OB_R = FileSpec(90319, "%", "4-5 yrs", ACADEMIC, deprivation_id=92026)
_OB_6 = FileSpec(90323, "%", "10-11 yrs", ACADEMIC, deprivation_id=92033)

#: Per file stem. Age bands follow the Fingertips indicator definitions.
SPECS: dict[str, FileSpec] = {
    # trafford_themes_2026 and corporate_plan_2024
    "life_expectancy": _LE,
    "healthy_life_expectancy": _HLE,
    "inequality_life_expectancy": _SII,
    "mortality_rate": _U75,
    "obese_reception": _OB_R,
    "obese_year6": _OB_6,
    "adults_smoking": FileSpec(92443, "%", "18+ yrs"),
    "adults_smoking_manual": FileSpec(92445, "%", "18-64 yrs"),
    "active_adults": FileSpec(93014, "%", "19+ yrs"),
    "inactive_adults": FileSpec(93015, "%", "19+ yrs"),
    "overweight_adult": FileSpec(93088, "%", "18+ yrs"),
    "active_children": FileSpec(93570, "%", "5-16 yrs", ACADEMIC),
    "children_dental_decay": FileSpec(93563, "%", "5 yrs", ACADEMIC),
    "adults_depression": FileSpec(848, "%", "18+ yrs"),
    "contraception_larc": FileSpec(92254, "per 1,000", "15-44 yrs"),
    # dashboard_2020
    "dementia_diagnosis": FileSpec(92949, "%", "65+ yrs"),
    "deaths_at_home": FileSpec(92727, "%", "65+ yrs"),
    "admissions_self_harm": FileSpec(21001, "per 100,000"),
    "admissions_self_harm_young_people": FileSpec(90813, "per 100,000", "10-24 yrs"),
    "admissions_falls": FileSpec(22401, "per 100,000", "65+ yrs"),
    "alcohol_related_admissions": FileSpec(91414, "per 100,000"),
    "alcohol_related_mortality": FileSpec(91382, "per 100,000"),
    "school_readiness_fsm": FileSpec(90632, "%", "5 yrs", ACADEMIC),
    "excess_weight_reception": FileSpec(20601, "%", "4-5 yrs", ACADEMIC),
    "excess_weight_year6": FileSpec(20602, "%", "10-11 yrs", ACADEMIC),
    "low_income_families": FileSpec(10101, "%", "<16 yrs"),
    "children_in_care": FileSpec(90803, "per 10,000", "<18 yrs"),
    "mortality_serious_mental_illness": FileSpec(91096, "ratio (%)", "18-74 yrs"),
    "preventable_mortality_from_cancer": FileSpec(40502, "per 100,000", "<75 yrs"),
    "slope_index_of_inequality": _SII,
    "healthy_life_expectancy_at_birth": _HLE,
    "smoking_adults": FileSpec(92443, "%", "18+ yrs"),
}

_SEX_VALUES = {"Persons": "persons", "Male": "male", "Female": "female"}
_QUINTILE = re.compile(r"quintile", re.IGNORECASE)


def read_extract_file(
    path: Path,
    *,
    context: SourceContext,
    name: str | None = None,
    spec: FileSpec | None = None,
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    """Parse one extract file into canonical rows (not yet validated) and its series.

    Without a ``spec`` (a user's file of unknown indicator) the series key is
    ``trafford:<slug(indicator)>`` and the unit and age band are not known.
    """
    csv = read_csv_file(path, name=name, required=REQUIRED, optional=OPTIONAL)
    f = csv.frame
    file = csv.name
    out = pd.DataFrame({"_line": f["_line"], "_file": file})
    out["area_code"] = f["area_code"].str.strip()
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    year_month = spec.year_start_month if spec else FINANCIAL
    add_periods(
        out,
        f["period"].str.strip(),
        lambda s: parse_period_label(s, year_start_month=year_month),
        file=file,
        shown="period",
    )
    split = (
        f["inequality"]
        if "inequality" in f.columns
        else (f["group"] if "group" in f.columns else pd.Series("", index=f.index))
    )
    split = split.astype(str).str.strip()
    unit_col = f["unit"].astype(str).str.strip()
    sex = unit_col.map(_SEX_VALUES)
    sex = sex.fillna(split.map(_SEX_VALUES)).fillna("persons")
    quintile = split.str.contains(_QUINTILE)
    other = (split != "") & ~quintile & ~split.isin(list(_SEX_VALUES))
    if other.any():
        first = f.loc[other].iloc[0]
        raise SourceValidationError(
            "expected a sex (Male/Female) or a deprivation quintile",
            file=file,
            row=int(first["_line"]),
            column="inequality" if "inequality" in f.columns else "group",
            value=str(split[other].iloc[0]),
        )
    out["sex"] = sex
    out["breakdown_type"] = np.where(quintile, "imd_quintile", "none")
    out["breakdown_category"] = np.where(quintile, split, "")
    out["value"] = parse_numbers(f, "value", file=file)
    outcome = next((c for c in ("compared_to_England", "significance") if c in f.columns), None)
    out["_outcome"] = f[outcome].astype(str).str.strip() if outcome else ""
    out["suppressed"] = out["value"].isna()
    out["note"] = pd.Series("no value published", index=out.index).where(out["suppressed"])
    indicator = f["indicator"].astype(str).str.strip()
    series: list[SeriesInfo] = []
    if spec is None:
        out["series"] = indicator.map(lambda s: series_key("trafford", slug(s)))
        out["unit"] = None
        for key, rows in out.groupby("series", sort=True):
            label = indicator[rows.index[0]]
            series.append(
                SeriesInfo(
                    str(key),
                    label,
                    PUBLISHER,
                    measure=str(f.loc[rows.index[0], "measure"]),
                    indicator_id=context.resolve_indicator(str(key)),
                )
            )
        return csv, out, series
    ids = np.where(
        quintile & (spec.deprivation_id is not None), spec.deprivation_id or 0, spec.fingertips_id
    )
    out["series"] = [f"fingertips:{i}" for i in ids]
    out["unit"] = spec.unit
    out["age_band"] = spec.age_band
    for fid in sorted({int(i) for i in ids}):
        rows = ids == fid
        key = f"fingertips:{fid}"
        label = indicator[rows].iloc[0]
        series.append(
            SeriesInfo(
                key,
                label,
                PUBLISHER,
                unit=spec.unit,
                measure=str(f.loc[rows, "measure"].iloc[0]),
                fingertips_id=fid,
                indicator_id=context.resolve_indicator(key),
            )
        )
    return csv, out, series


#: Fingertips' words for a comparison with England → the stored outcome (the level of a
#: "Higher 99.8" is dropped: the store's outcomes are words).
_OUTCOMES = {
    "better": "Better",
    "similar": "Similar",
    "worse": "Worse",
    "higher": "Higher",
    "lower": "Lower",
    "not compared": "Not compared",
}


def published_outcomes(values: pa.Table, outcomes: pd.Series) -> pa.Table | None:
    """Fingertips' own comparison of each value with England (``compared_to_England``, or
    ``significance`` in the 2020 layout), row for row with ``values``, as the release's
    ``published_outcomes``: kept in place of the derived comparison, since the extracts carry
    no confidence limits to recompute it. None when the files give no outcome."""
    words = outcomes.astype(str).str.strip().str.lower().str.replace(r"\s+99\.8$", "", regex=True)
    shown = words.map(_OUTCOMES)
    keep = shown.notna().to_numpy()
    if not keep.any():
        return None
    picked = values.select(list(VALUE_KEY)).filter(pa.array(keep))
    kept = shown[keep]
    reason = ["not compared by Fingertips" if o == "Not compared" else "" for o in kept]
    columns = {
        "benchmark": pa.array(["country"] * len(kept), pa.string()),
        "outcome": pa.array(kept.tolist(), pa.string()),
        "reason": pa.array(reason, pa.string()),
    }
    for name, column in columns.items():
        picked = picked.append_column(name, column)
    return picked


def extract_files(directory: str) -> tuple[Path, ...]:
    """The files :func:`read_extract_directory` reads from ``directory``: its CSVs, sorted."""
    return tuple(sorted((DATA_DIR / directory).glob("*.csv")))


def read_extract_directory(directory: str, *, context: SourceContext) -> ReleaseInput:
    """One release from a bundled extract directory (the files of :func:`extract_files`)."""
    files: list[SourceFile] = []
    frames: list[pd.DataFrame] = []
    infos: dict[str, SeriesInfo] = {}
    for path in extract_files(directory):
        spec = SPECS.get(path.stem)
        if spec is None:
            raise SourceValidationError(
                "no Fingertips indicator is declared for this file", file=f"{directory}/{path.name}"
            )
        csv, frame, series = read_extract_file(
            path, context=context, name=f"{directory}/{path.name}", spec=spec
        )
        files.append(source_file(csv))
        frames.append(frame)
        for info in series:
            infos.setdefault(info.key, info)
    combined = pd.concat(frames, ignore_index=True)
    table = values_table(
        combined,
        file=directory,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        scope="london",
    )
    return ReleaseInput(
        source=f"fingertips_extract:{directory.rsplit('/', 1)[-1]}",
        files=tuple(files),
        series=tuple(infos[k] for k in sorted(infos)),
        values=table,
        published_outcomes=published_outcomes(table, combined["_outcome"]),
        note=f"OHID Fingertips indicators as extracted by Trafford Data Lab ({directory})",
    )
