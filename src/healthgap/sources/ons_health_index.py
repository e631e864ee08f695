"""ONS Health Index for England (``data/ons_health_index/*``), via humaniverse/healthyr.

Raw indicators (long: ``ltla21_code, year, indicator, value``) give
``ons_health_index:<slug(indicator)>``; composite scores (wide, one column per score) give
``ons_health_index:score/<slug(name)>`` with ``name`` the column without ``_score``, so
the borough and ICS files share keys. Values are index values (England 2015 = 100).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from healthgap.sources.areas import area_types_for
from healthgap.sources.common import DATA_DIR, SourceContext, add_periods, source_file
from healthgap.sources.csvfile import CsvFile, read_csv_file
from healthgap.sources.keys import series_key, slug
from healthgap.sources.periods import parse_period_label
from healthgap.sources.values import parse_numbers, values_table
from healthgap.store.release_input import ReleaseInput, SeriesInfo

__all__ = ["DIRECTORY", "health_index_files", "read_health_index_directory"]

DIRECTORY = "ons_health_index"
PUBLISHER = "ONS Health Index for England"
UNIT = "index (England 2015 = 100)"
_INDICATORS = "health_index_indicators_london_ltla21.csv"
_SCORES = {
    "health_index_scores_london_ltla21.csv": "ltla21_code",
    "health_index_scores_ics_england.csv": "icb22_code",
}


def _frame(csv: CsvFile, code_column: str, context: SourceContext) -> pd.DataFrame:
    f = csv.frame
    out = pd.DataFrame({"_line": f["_line"], "_file": csv.name})
    out["area_code"] = f[code_column].str.strip()
    out["area_type"] = area_types_for(out["area_code"], lookup=context.lookup)
    add_periods(out, f["year"].str.strip(), parse_period_label, file=csv.name, shown="year")
    out["sex"] = "persons"
    out["unit"] = UNIT
    return out


def _indicators(
    path: Path, context: SourceContext
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    name = f"{DIRECTORY}/{path.name}"
    csv = read_csv_file(
        path,
        name=name,
        required=("ltla21_code", "year", "indicator", "value"),
    )
    out = _frame(csv, "ltla21_code", context)
    indicator = csv.frame["indicator"].astype(str).str.strip()
    keys = {i: series_key("ons_health_index", slug(i)) for i in pd.unique(indicator)}
    out["series"] = indicator.map(keys)
    out["value"] = parse_numbers(csv.frame, "value", file=name)
    out["suppressed"] = out["value"].isna()
    infos = [
        SeriesInfo(
            k,
            f"Health Index: {i}",
            PUBLISHER,
            unit=UNIT,
            measure="index",
            indicator_id=context.resolve_indicator(k),
        )
        for i, k in sorted(keys.items(), key=lambda kv: kv[1])
    ]
    return csv, out, infos


def _scores(
    path: Path, code_column: str, context: SourceContext
) -> tuple[CsvFile, pd.DataFrame, list[SeriesInfo]]:
    name = f"{DIRECTORY}/{path.name}"
    csv = read_csv_file(
        path,
        name=name,
        required=(code_column, "year"),
        allow_extra=True,
    )
    score_columns = [c for c in csv.header if c.endswith(("_score", "_domain"))]
    base = _frame(csv, code_column, context)
    parts, infos = [], []
    for column in score_columns:
        label = column.removesuffix("_score")
        key = series_key("ons_health_index", "score", slug(label))
        part = base.copy()
        part["series"] = key
        part["value"] = parse_numbers(csv.frame, column, file=name)
        part["suppressed"] = part["value"].isna()
        parts.append(part)
        infos.append(
            SeriesInfo(
                key,
                f"Health Index score: {label.replace('_', ' ')}",
                PUBLISHER,
                unit=UNIT,
                measure="index",
                indicator_id=context.resolve_indicator(key),
            )
        )
    return csv, pd.concat(parts, ignore_index=True), infos


def health_index_files() -> tuple[Path, ...]:
    """The files :func:`read_health_index_directory` reads, in order: indicators, scores."""
    return tuple(DATA_DIR / DIRECTORY / f for f in (_INDICATORS, *_SCORES))


def read_health_index_directory(*, context: SourceContext) -> ReleaseInput:
    """One release: raw indicators for London boroughs and composite scores."""
    indicators, *scores = health_index_files()
    results = [_indicators(indicators, context)]
    results += [_scores(path, _SCORES[path.name], context) for path in scores]
    infos: dict[str, SeriesInfo] = {}
    for _, _, series in results:
        for info in series:
            infos.setdefault(info.key, info)
    table = values_table(
        pd.concat([r[1] for r in results], ignore_index=True),
        file=DIRECTORY,
        resolve_indicator=context.resolve_indicator,
        lookup=context.lookup,
        scope="england",
    )
    return ReleaseInput(
        source="ons_health_index",
        files=tuple(source_file(r[0]) for r in results),
        series=tuple(infos[k] for k in sorted(infos)),
        values=table,
        note="ONS Health Index for England, via humaniverse/healthyr",
    )
