"""Reference tables: populations, registered deaths, Index of Multiple Deprivation.

- Populations (``data/population/``): ONS small-area and LA estimates by single year of age
  (wide: one column per age, ``90+`` open) for 2019/2020, persons; ONS MYE2 mid-2014 by sex
  and single year of age (long; age 90 = 90+).
- Deaths 2014 by sex and age band (``Under1``, ``1-4`` … ``90andover``).
- IMD 2019 (LSOA 2011) and 2025 (LSOA 2021): score, national rank and decile.

Published totals (``total_population``, deaths ``All ages``) are checked against the sum of
the ages and then left out, so summing a table never double counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import AreaLookup, Scope, area_types_for, check_area_codes
from healthgap.sources.common import DATA_DIR, SourceContext, map_sex, source_file
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.values import parse_numbers, to_arrow
from healthgap.store.columns import DEATH_COLUMNS, DEPRIVATION_COLUMNS, POPULATION_COLUMNS
from healthgap.store.release_input import ReleaseInput

__all__ = [
    "DEATHS_FILE",
    "DEPRIVATION_FILES",
    "POPULATION_FILES",
    "deaths_files",
    "deprivation_files",
    "population_files",
    "read_deaths",
    "read_deprivation",
    "read_population",
]


@dataclass(frozen=True)
class WidePopulation:
    """A wide single-year-of-age population file."""

    file: str
    code_column: str
    area_type: str
    year: int
    scope: Scope


POPULATION_FILES: tuple[WidePopulation, ...] = (
    WidePopulation(
        "population/population19_lsoa11_sya_persons_london.csv",
        "lsoa11_code",
        "lsoa11",
        2019,
        "london",
    ),
    WidePopulation(
        "population/population20_lsoa11_sya_persons_london.csv",
        "lsoa11_code",
        "lsoa11",
        2020,
        "london",
    ),
    WidePopulation(
        "population/population19_ltla19_sya_persons_england.csv",
        "ltla19_code",
        "ltla",
        2019,
        "england",
    ),
    WidePopulation(
        "population/population20_ltla21_sya_persons_england.csv",
        "ltla21_code",
        "ltla",
        2020,
        "england",
    ),
)
MYE2_FILE = "population/ons_mye2_2014_population_sex_sya_london.csv"
DEATHS_FILE = "population/ons_deaths_2014_registrations_sex_ageband_london.csv"
DEPRIVATION_FILES: dict[str, tuple[str, str]] = {
    "imd2019": ("deprivation/imd2019_lsoa11_england.csv", "lsoa11_code"),
    "imd2025": ("deprivation/imd2025_lsoa21_england_scores_ranks_deciles.csv", "lsoa21_code"),
}

_AGES = (*(str(a) for a in range(90)), "90+")


def _integers(csv: CsvFile, column: str, *, minimum: int = 0) -> np.ndarray:
    numbers = parse_numbers(csv.frame, column, file=csv.name)
    bad = numbers.isna() | (numbers != np.round(numbers)) | (numbers < minimum)
    if bad.any():
        line = int(csv.frame.loc[bad, "_line"].iloc[0])
        raise SourceValidationError(
            f"must be a whole number of at least {minimum}",
            file=csv.name,
            row=line,
            column=column,
            value=str(csv.frame.loc[bad, column].iloc[0]),
        )
    return numbers.to_numpy(dtype=np.int64)


def _check_codes(csv: CsvFile, column: str, lookup: AreaLookup | None, scope: Scope) -> None:
    frame = pd.DataFrame({"code": csv.frame[column].str.strip(), "_line": csv.frame["_line"]})
    check_area_codes(frame, "code", file=csv.name, lookup=lookup, scope=scope, source_column=column)


def _wide_population(
    spec: WidePopulation, lookup: AreaLookup | None, path: Path
) -> tuple[CsvFile, pd.DataFrame]:
    csv = read_csv_file(
        path,
        name=spec.file,
        required=(spec.code_column, "total_population", *_AGES),
        allow_extra=True,
    )
    _check_codes(csv, spec.code_column, lookup, spec.scope)
    counts = np.column_stack([_integers(csv, a) for a in _AGES])
    total = _integers(csv, "total_population")
    wrong = counts.sum(axis=1) != total
    if wrong.any():
        i = int(np.argmax(wrong))
        raise SourceValidationError(
            f"total_population is not the sum of the ages ({int(counts[i].sum())})",
            file=spec.file,
            row=int(csv.frame["_line"].iloc[i]),
            column="total_population",
            value=int(total[i]),
        )
    n, k = counts.shape
    codes = csv.frame[spec.code_column].str.strip().to_numpy()
    frame = pd.DataFrame(
        {
            "area_code": np.repeat(codes, k),
            "area_type": spec.area_type,
            "year": spec.year,
            "sex": "persons",
            "age_start": np.tile(np.arange(k, dtype=np.int64), n),
            "age_end": pd.array(np.tile(np.append(np.arange(k - 1), -1), n), dtype="Int64"),
            "population": counts.ravel().astype("float64"),
        }
    )
    frame["age_end"] = frame["age_end"].mask(frame["age_end"] < 0)
    return csv, frame


def _mye2(context: SourceContext, path: Path) -> tuple[CsvFile, pd.DataFrame]:
    csv = read_csv_file(
        path,
        name=MYE2_FILE,
        required=("area_code", "year", "sex", "age", "population"),
        optional=("area_name",),
    )
    _check_codes(csv, "area_code", context.lookup, "london")
    age = _integers(csv, "age")
    codes = csv.frame["area_code"].str.strip()
    frame = pd.DataFrame(
        {
            "area_code": codes,
            "area_type": area_types_for(codes, lookup=context.lookup),
            "year": _integers(csv, "year", minimum=1800),
            "sex": map_sex(csv.frame, "sex", file=csv.name),
            "age_start": age,
            "age_end": pd.array(np.where(age >= 90, -1, age), dtype="Int64"),
            "population": _integers(csv, "population").astype("float64"),
        }
    )
    frame["age_end"] = frame["age_end"].mask(frame["age_end"] < 0)
    return csv, frame


def _duplicates(frame: pd.DataFrame, keys: list[str], file: str) -> None:
    dup = frame.duplicated(keys)
    if dup.any():
        raise SourceValidationError(
            f"duplicate row for {', '.join(keys)}: {frame.loc[dup, keys].iloc[0].tolist()}",
            file=file,
        )


def population_files(base: Path = DATA_DIR) -> tuple[Path, ...]:
    """The files :func:`read_population` reads, in order: the wide estimates, then MYE2."""
    return (*(base / s.file for s in POPULATION_FILES), base / MYE2_FILE)


def read_population(*, context: SourceContext, base: Path = DATA_DIR) -> ReleaseInput:
    """One release: every bundled population estimate (the files of :func:`population_files`)."""
    *wide, mye2 = population_files(base)
    parts = [
        _wide_population(s, context.lookup, path)
        for s, path in zip(POPULATION_FILES, wide, strict=True)
    ]
    parts.append(_mye2(context, mye2))
    frame = pd.concat([p[1] for p in parts], ignore_index=True)
    _duplicates(frame, ["area_code", "year", "sex", "age_start"], "population")
    return ReleaseInput(
        source="ons_population",
        files=tuple(source_file(p[0]) for p in parts),
        population=to_arrow(frame, POPULATION_COLUMNS),
        note="ONS mid-year population estimates (SAPE 2019/2020 LSOA11, LA 2019/2020, "
        "MYE2 2014 by sex)",
    )


_BAND = re.compile(r"^(\d+)-(\d+)$")


def _band(text: str) -> tuple[int, int | None] | None:
    t = text.strip().lower().replace(" ", "")
    if t in ("under1", "<1"):
        return 0, 0
    if m := re.match(r"^(\d+)(?:andover|\+)$", t):
        return int(m[1]), None
    if m := _BAND.match(t):
        return int(m[1]), int(m[2])
    return None


def deaths_files(base: Path = DATA_DIR) -> tuple[Path, ...]:
    """The file :func:`read_deaths` reads."""
    return (base / DEATHS_FILE,)


def read_deaths(*, context: SourceContext, base: Path = DATA_DIR) -> ReleaseInput:
    """One release: deaths registered in 2014 by sex and age band."""
    (path,) = deaths_files(base)
    csv = read_csv_file(
        path,
        name=DEATHS_FILE,
        required=("area_code", "year", "sex", "age_band", "deaths"),
        optional=("area_name",),
    )
    f = csv.frame
    _check_codes(csv, "area_code", context.lookup, "london")
    deaths = _integers(csv, "deaths")
    band_text = f["age_band"].astype(str).str.strip()
    total = band_text.str.lower() == "all ages"
    bands = {b: _band(b) for b in pd.unique(band_text[~total])}
    unknown = [b for b, v in bands.items() if v is None]
    if unknown:
        line = int(f.loc[band_text == unknown[0], "_line"].iloc[0])
        raise SourceValidationError(
            "not an age band like '1-4', 'Under1' or '90andover'",
            file=DEATHS_FILE,
            row=line,
            column="age_band",
            value=unknown[0],
        )
    codes = f["area_code"].str.strip()
    frame = pd.DataFrame(
        {
            "area_code": codes,
            "area_type": area_types_for(codes, lookup=context.lookup),
            "year": _integers(csv, "year", minimum=1800),
            "sex": map_sex(f, "sex", file=DEATHS_FILE),
            "deaths": deaths.astype("float64"),
            "_total": total.to_numpy(),
            "_line": f["_line"],
            "_band": band_text,
        }
    )
    sums = frame[~frame["_total"]].groupby(["area_code", "year", "sex"])["deaths"].sum()
    totals = frame[frame["_total"]].set_index(["area_code", "year", "sex"])
    for key, row in totals.iterrows():
        if sums.get(key, np.nan) != row["deaths"]:
            raise SourceValidationError(
                f"'All ages' is not the sum of the age bands ({sums.get(key, 0):g})",
                file=DEATHS_FILE,
                row=int(row["_line"]),
                column="deaths",
                value=int(row["deaths"]),
            )
    frame = frame[~frame["_total"]].copy()
    starts = {b: v[0] for b, v in bands.items() if v is not None}
    ends = {b: (-1 if v[1] is None else v[1]) for b, v in bands.items() if v is not None}
    frame["age_start"] = frame["_band"].map(starts).astype("int64")
    frame["age_end"] = frame["_band"].map(ends).astype("Int64")
    frame["age_end"] = frame["age_end"].mask(frame["age_end"] < 0)
    _duplicates(frame, ["area_code", "year", "sex", "age_start"], DEATHS_FILE)
    return ReleaseInput(
        source="ons_deaths",
        files=(source_file(csv),),
        deaths=to_arrow(frame, DEATH_COLUMNS),
        note="ONS deaths registered in 2014 by area of usual residence, sex and age band; "
        "'All ages' totals checked and left out",
    )


def _editions(editions: tuple[str, ...] | None) -> tuple[str, ...]:
    chosen = tuple(DEPRIVATION_FILES) if editions is None else editions
    unknown = [e for e in chosen if e not in DEPRIVATION_FILES]
    if unknown or not chosen:
        raise SourceValidationError(
            f"unknown IMD edition {unknown[0] if unknown else '(none given)'}; "
            f"bundled: {', '.join(DEPRIVATION_FILES)}"
        )
    return chosen


def deprivation_files(
    editions: tuple[str, ...] | None = None, base: Path = DATA_DIR
) -> tuple[Path, ...]:
    """The files :func:`read_deprivation` reads for ``editions``, in order."""
    return tuple(base / DEPRIVATION_FILES[e][0] for e in _editions(editions))


def read_deprivation(
    *,
    context: SourceContext,
    base: Path = DATA_DIR,
    editions: tuple[str, ...] | None = None,
) -> ReleaseInput:
    """One release of IMD editions for all of England: by default IMD 2019 (LSOA 2011) and
    IMD 2025 (LSOA 2021), source ``mhclg_imd``; one edition alone is source
    ``mhclg_<edition>`` (each edition has its own publication date)."""
    chosen = _editions(editions)
    files, frames = [], []
    for edition, path in zip(chosen, deprivation_files(chosen, base), strict=True):
        file, code_column = DEPRIVATION_FILES[edition]
        csv = read_csv_file(
            path,
            name=file,
            required=(code_column, "IMD_score", "IMD_rank", "IMD_decile"),
            allow_extra=True,
        )
        _check_codes(csv, code_column, context.lookup, "england")
        decile = _integers(csv, "IMD_decile", minimum=1)
        if (decile > 10).any():
            i = int(np.argmax(decile > 10))
            raise SourceValidationError(
                "decile must be between 1 and 10",
                file=file,
                row=int(csv.frame["_line"].iloc[i]),
                column="IMD_decile",
                value=int(decile[i]),
            )
        frames.append(
            pd.DataFrame(
                {
                    "lsoa_code": csv.frame[code_column].str.strip(),
                    "edition": edition,
                    "score": parse_numbers(csv.frame, "IMD_score", file=file),
                    "rank": _integers(csv, "IMD_rank", minimum=1),
                    "decile": decile,
                }
            )
        )
        files.append(source_file(csv))
    frame = pd.concat(frames, ignore_index=True)
    _duplicates(frame, ["lsoa_code", "edition"], "deprivation")
    years = " and ".join(e.removeprefix("imd") for e in chosen)
    return ReleaseInput(
        source="mhclg_imd" if editions is None else f"mhclg_{'_'.join(chosen)}",
        files=tuple(files),
        deprivation=to_arrow(frame, DEPRIVATION_COLUMNS),
        note=f"English Indices of Deprivation {years}: IMD score, rank and decile",
    )
