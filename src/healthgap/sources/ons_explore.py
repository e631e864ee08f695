"""ONS Explore Local Statistics files (``data/ons_explore_local_statistics/*``).

Columns: ``areacd, areanm, geography, indicator, period, observation, measure, unit,
lci_95, uci_95, status, notes``. ``period`` is an ISO 8601 interval. A file with one
measure gives ``ons_explore:<file stem>``; a split by sex (Male/Female healthy life
expectancy) goes into ``sex``; a file with several measures gives
``ons_explore:<file stem>/<slug(indicator)>``. ``status`` ``u`` = low reliability (kept, noted),
``x``/``c`` = suppressed or confidential.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.sources.areas import area_types_for
from healthgap.sources.common import (
    DATA_DIR,
    SourceContext,
    add_periods,
    directory_release,
)
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.periods import parse_iso_interval
from healthgap.sources.values import parse_numbers
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = [
    "DIRECTORY",
    "explore_files",
    "parse_ons_explore_csv",
    "read_ons_explore_directory",
    "read_ons_explore_file",
]

DIRECTORY = "ons_explore_local_statistics"
PUBLISHER = "ONS Explore Local Statistics"
REQUIRED = (
    "areacd",
    "geography",
    "indicator",
    "period",
    "observation",
    "measure",
    "unit",
    "lci_95",
    "uci_95",
    "status",
    "notes",
)
OPTIONAL = ("areanm",)
SHOWN = {
    "area_code": "areacd",
    "value": "observation",
    "lower95_0cl": "lci_95",
    "upper95_0cl": "uci_95",
    "period_label": "period",
}

_SEX_PREFIX = re.compile(r"^(Male|Female)\s+(.*)$")
_STATUS_NOTES = {"u": "low reliability", "p": "provisional", "r": "revised"}
_SUPPRESSED = {"x", "c", "z"}


def read_ons_explore_file(
    path: Path, *, context: SourceContext, name: str | None = None
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    """Parse one Explore Local Statistics file into canonical rows and series."""
    csv = read_csv_file(path, name=name, required=REQUIRED, optional=OPTIONAL)
    frame, series = parse_ons_explore_csv(csv, context=context, stem=Path(path).stem)
    return csv, frame, series


def parse_ons_explore_csv(
    csv: CsvFile, *, context: SourceContext, stem: str
) -> tuple[pd.DataFrame, list[SeriesInfo]]:
    """Canonical rows and series of an already-read Explore file named ``stem``."""
    f = csv.frame
    file = csv.name
    out = pd.DataFrame({"_line": f["_line"], "_file": file})
    out["area_code"] = f["areacd"].str.strip()
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    add_periods(out, f["period"].str.strip(), parse_iso_interval, file=file, shown="period")
    indicator = f["indicator"].astype(str).str.strip()
    parts = indicator.str.extract(_SEX_PREFIX)
    has_sex = parts[0].notna()
    measure_name = indicator.where(~has_sex, parts[1].str.strip().str.capitalize())
    out["sex"] = np.where(has_sex, parts[0].str.lower(), "persons")
    distinct = pd.unique(measure_name)
    if len(distinct) == 1:
        out["series"] = series_key("ons_explore", stem)
    else:
        out["series"] = measure_name.map(lambda m: series_key("ons_explore", stem, slug(m)))
    out["value"] = parse_numbers(f, "observation", file=file)
    out["lower95_0cl"] = parse_numbers(f, "lci_95", file=file)
    out["upper95_0cl"] = parse_numbers(f, "uci_95", file=file)
    out["unit"] = f["unit"].astype(str).str.strip()
    status = f["status"].astype(str).str.strip().str.lower()
    notes = f["notes"].astype(str).str.strip()
    out["suppressed"] = status.isin(_SUPPRESSED) | out["value"].isna()
    out["provisional"] = status == "p"
    out["revised"] = status == "r"
    status_note = status.map(_STATUS_NOTES).fillna("")
    joined = (status_note + "; " + notes).str.strip("; ")
    out["note"] = joined.where(joined != "", None)
    series: list[SeriesInfo] = []
    for key, rows in out.groupby("series", sort=True):
        first = rows.index[0]
        label = (
            measure_name[first]
            if len(distinct) > 1
            else (measure_name[first] if has_sex[first] else indicator[first])
        )
        series.append(
            SeriesInfo(
                str(key),
                str(label),
                PUBLISHER,
                unit=str(out.loc[first, "unit"]),
                measure=str(f.loc[first, "measure"]),
                indicator_id=context.resolve_indicator(str(key)),
            )
        )
    return out, series


def explore_files() -> tuple[Path, ...]:
    """The files :func:`read_ons_explore_directory` reads: the directory's CSVs, sorted."""
    return tuple(sorted((DATA_DIR / DIRECTORY).glob("*.csv")))


def read_ons_explore_directory(*, context: SourceContext) -> ReleaseInput:
    """One release holding every bundled Explore Local Statistics file."""
    return directory_release(
        explore_files(),
        lambda path: read_ons_explore_file(path, context=context, name=f"{DIRECTORY}/{path.name}"),
        source="ons_explore",
        directory=DIRECTORY,
        note="ONS Explore Local Statistics (explore-local-statistics-data)",
        context=context,
        shown=SHOWN,
    )
