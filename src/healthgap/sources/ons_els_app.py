"""NCMP excess weight from the ONS Explore Local Statistics app (``data/ons_els_app/*``).

Columns: ``AREACD, AREANM, Geography, Variable Name, Indicator, Mission, Category, Period,
Value, Measure, Unit, Lower/Upper Confidence Interval (95%), Observation Status, Polarity,
Notes``. ``Period`` is an ISO 8601 interval starting 1 August (``2021-08-01T00:00:00/P1Y``);
it is stored as the school year (``2021/22``, September to August) like every NCMP series.
``Observation Status``: ``u`` = low reliability (kept, noted), ``c``/``x`` = withheld
(suppressed); any other text is a publisher's note (NCMP publishes Hackney and City of London
as one area, ``E67000001``, held as such by the geography and never split).

Keys: ``ons_els_app:ncmp-reception-overweight-obese`` and
``ons_els_app:ncmp-year6-overweight-obese`` (overweight *including* obesity, BMI ≥ 85th
centile of UK90: excess weight, not obesity).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthgap.errors import SourceValidationError
from healthgap.sources.areas import area_types_for
from healthgap.sources.common import (
    DATA_DIR,
    SourceContext,
    add_periods,
    directory_release,
)
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key
from healthgap.sources.periods import ACADEMIC, Period, parse_iso_interval, parse_period_label
from healthgap.sources.values import parse_numbers
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["DIRECTORY", "FILES", "ncmp_files", "read_ncmp_directory", "read_ncmp_file"]

DIRECTORY = "ons_els_app"
PUBLISHER = "ONS Explore Local Statistics (NCMP, OHID)"
LCI = "Lower Confidence Interval (95%)"
UCI = "Upper Confidence Interval (95%)"
REQUIRED = (
    "AREACD",
    "Indicator",
    "Period",
    "Value",
    "Unit",
    LCI,
    UCI,
    "Observation Status",
)
OPTIONAL = (
    "AREANM",
    "Geography",
    "Variable Name",
    "Mission",
    "Category",
    "Measure",
    "Polarity",
    "Notes",
)
SHOWN = {
    "area_code": "AREACD",
    "value": "Value",
    "lower95_0cl": LCI,
    "upper95_0cl": UCI,
    "period_label": "Period",
}

#: File → (series key, name, age band as Fingertips publishes it for the NCMP year).
FILES: dict[str, tuple[str, str, str]] = {
    "excess_weight_reception_london.csv": (
        series_key("ons_els_app", "ncmp-reception-overweight-obese"),
        "Reception: prevalence of overweight (including obesity), NCMP",
        "4-5 yrs",
    ),
    "excess_weight_year6_london.csv": (
        series_key("ons_els_app", "ncmp-year6-overweight-obese"),
        "Year 6: prevalence of overweight (including obesity), NCMP",
        "10-11 yrs",
    ),
}

_LOW_RELIABILITY = "u"
_WITHHELD = {"c", "x"}


def _school_year(text: str) -> Period:
    """``2021-08-01T00:00:00/P1Y`` → the school year 2021/22 (September to August)."""
    start, _, duration = text.partition("/")
    interval = parse_iso_interval(f"{start.split('T', 1)[0]}/{duration}")
    if duration != "P1Y" or interval.start.month != 8:
        return interval
    return parse_period_label(interval.label, year_start_month=ACADEMIC)


def read_ncmp_file(
    path: Path, *, context: SourceContext, name: str | None = None
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    """Parse one NCMP excess-weight file into canonical rows and its series."""
    csv = read_csv_file(path, name=name, required=REQUIRED, optional=OPTIONAL)
    f = csv.frame
    file = csv.name
    spec = FILES.get(Path(path).name)
    if spec is None:
        raise SourceValidationError(
            f"not a known NCMP file; expected one of {', '.join(sorted(FILES))}", file=file
        )
    key, label, age_band = spec
    out = pd.DataFrame({"_line": f["_line"], "_file": file})
    out["area_code"] = f["AREACD"].astype(str).str.strip()
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    add_periods(out, f["Period"].astype(str).str.strip(), _school_year, file=file, shown="Period")
    out["series"] = key
    out["sex"] = "persons"
    out["age_band"] = age_band
    out["value"] = parse_numbers(f, "Value", file=file)
    out["lower95_0cl"] = parse_numbers(f, LCI, file=file)
    out["upper95_0cl"] = parse_numbers(f, UCI, file=file)
    out["unit"] = f["Unit"].astype(str).str.strip()
    status = f["Observation Status"].astype(str).str.strip()
    code = status.str.lower()
    out["suppressed"] = code.isin(_WITHHELD) | out["value"].isna()
    note = status.where(~code.isin([_LOW_RELIABILITY, *_WITHHELD]), "")
    note = note.mask(code == _LOW_RELIABILITY, "low reliability")
    note = note.mask(code.isin(_WITHHELD), "withheld by the publisher")
    out["note"] = note.where(note != "", None)
    indicator = context.resolve_indicator(key)
    info = SeriesInfo(key, label, PUBLISHER, unit="%", measure="Percentage", indicator_id=indicator)
    return csv, out, [info]


def ncmp_files(base: Path = DATA_DIR) -> tuple[Path, ...]:
    """The files :func:`read_ncmp_directory` reads, in order: one per entry of FILES."""
    return tuple(base / DIRECTORY / file_name for file_name in FILES)


def read_ncmp_directory(*, context: SourceContext, base: Path = DATA_DIR) -> ReleaseInput:
    """One release holding both bundled NCMP files (Reception and Year 6)."""
    return directory_release(
        ncmp_files(base),
        lambda path: read_ncmp_file(path, context=context, name=f"{DIRECTORY}/{path.name}"),
        source="ons_els_app",
        directory=DIRECTORY,
        note="NCMP excess weight, ONS Explore Local Statistics app (explore-local-statistics-app)",
        context=context,
        shown=SHOWN,
    )
