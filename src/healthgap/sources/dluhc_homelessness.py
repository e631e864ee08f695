"""DLUHC statutory homelessness snapshot (``data/homelessness/``), via humaniverse/healthyr.

One row per London borough (LA 2023 codes), one column per measure. The file does not say
which period it covers; healthyr builds it from the latest live tables using 2023 LA codes,
so the values are read as calendar year 2023 and every row carries a note saying the
period is assumed (``docs/design/0502-bundled-source-decisions.md``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from healthgap.sources.areas import area_types_for
from healthgap.sources.common import DATA_DIR, SourceContext, source_file
from healthgap.sources.csvfile import read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.values import parse_numbers, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["FILE", "homelessness_files", "read_homelessness"]

FILE = "homelessness/dluhc_homelessness_london_ltla23.csv"
PUBLISHER = "DLUHC statutory homelessness live tables (via healthyr)"
CODE = "ltla23_code"
MEASURES = {
    "Households assessed as homeless per (000s)": "per 1,000 households",
    "Households in temporary accommodation per 1,000": "per 1,000 households",
}
PERIOD_NOTE = "period not stated by the source; 2023 assumed from its LA 2023 codes"


def homelessness_files() -> tuple[Path, ...]:
    """The file :func:`read_homelessness` reads."""
    return (DATA_DIR / FILE,)


def read_homelessness(*, context: SourceContext) -> ReleaseInput:
    """One release: one series per measure column."""
    (path,) = homelessness_files()
    csv = read_csv_file(path, name=FILE, required=(CODE, *MEASURES))
    f = csv.frame
    parts, infos = [], []
    for column, unit in MEASURES.items():
        key = series_key("dluhc_homelessness", slug(column))
        part = pd.DataFrame({"_line": f["_line"], "_file": FILE})
        part["area_code"] = f[CODE].str.strip()
        part["area_type"] = area_types_for(part["area_code"], lookup=context.lookup)
        part["period_start"] = date(2023, 1, 1)
        part["period_end"] = date(2023, 12, 31)
        part["period_label"] = "2023"
        part["series"] = key
        part["sex"] = "persons"
        part["value"] = parse_numbers(f, column, file=FILE)
        part["suppressed"] = part["value"].isna()
        part["unit"] = unit
        part["note"] = PERIOD_NOTE
        parts.append(part)
        infos.append(
            SeriesInfo(
                key, column, PUBLISHER, unit=unit, indicator_id=context.resolve_indicator(key)
            )
        )
    table = values_table(
        pd.concat(parts, ignore_index=True),
        file=FILE,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        shown={"area_code": CODE},
    )
    return ReleaseInput(
        source="dluhc_homelessness",
        files=(source_file(csv),),
        series=tuple(infos),
        values=table,
        note=PERIOD_NOTE,
    )
