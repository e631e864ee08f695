"""The canonical, tidy shape of an indicator value: one row per published number.

Every source reader produces rows in this shape; the store keeps them (plus ``release_id``);
``healthgap export`` writes them. Column names follow PHEindicatormethods where one exists
(``value``, ``count``, ``denominator``, ``lower95_0cl`` …).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AREA_TYPES",
    "BENCHMARKS",
    "BREAKDOWN_NONE",
    "COMPARISON_COLUMNS",
    "DEATH_COLUMNS",
    "DEPRIVATION_COLUMNS",
    "POPULATION_COLUMNS",
    "SEXES",
    "VALUE_COLUMNS",
    "Column",
    "column_names",
]

ColumnType = Literal["VARCHAR", "DOUBLE", "DATE", "BOOLEAN", "BIGINT"]


@dataclass(frozen=True)
class Column:
    """One declared column. ``since`` is the store schema version that added it.

    A column added after version 1 must be appended (never inserted) and come with a
    migration step of the same version (see ``healthgap.store.migrations``).
    """

    name: str
    type: ColumnType
    nullable: bool
    help: str
    since: int = 1


#: Columns of an indicator value, in order. ``release_id`` is added by the store.
VALUE_COLUMNS: tuple[Column, ...] = (
    Column("indicator_id", "VARCHAR", True, "catalogue indicator id; null while unmapped"),
    Column("series", "VARCHAR", False, "source series key, e.g. 'fingertips:90366'"),
    Column("area_code", "VARCHAR", False, "GSS code (E09000001, E12000007, E92000001 …)"),
    Column("area_type", "VARCHAR", False, "one of AREA_TYPES"),
    Column("period_start", "DATE", False, "first day the value covers"),
    Column("period_end", "DATE", False, "last day the value covers"),
    Column("period_label", "VARCHAR", False, "period as published ('2021 - 23', '2019/20')"),
    Column("sex", "VARCHAR", False, "persons | male | female"),
    Column("age_band", "VARCHAR", False, "as published, e.g. 'All ages', '18+ yrs', '<75 yrs'"),
    Column("breakdown_type", "VARCHAR", False, "'none', 'imd2019_decile', 'ethnic_group' …"),
    Column("breakdown_category", "VARCHAR", False, "category within breakdown_type; '' if none"),
    Column("value", "DOUBLE", True, "the published value; null when suppressed"),
    Column("lower95_0cl", "DOUBLE", True, "lower 95% confidence limit"),
    Column("upper95_0cl", "DOUBLE", True, "upper 95% confidence limit"),
    Column("lower99_8cl", "DOUBLE", True, "lower 99.8% confidence limit"),
    Column("upper99_8cl", "DOUBLE", True, "upper 99.8% confidence limit"),
    Column("count", "DOUBLE", True, "numerator (events)"),
    Column("denominator", "DOUBLE", True, "denominator (population at risk)"),
    Column("unit", "VARCHAR", True, "unit as published ('%', 'per 100,000', 'years')"),
    Column("suppressed", "BOOLEAN", False, "value withheld (small numbers or quality)"),
    Column("provisional", "BOOLEAN", False, "value is provisional"),
    Column("revised", "BOOLEAN", False, "value revises an earlier publication"),
    Column("note", "VARCHAR", True, "free-text note from the publisher or loader"),
)

AREA_TYPES: tuple[str, ...] = (
    "country",  # E92000001
    "region",  # E12000007
    "icb",  # E54…
    "ltla_combined",  # E67000001 Hackney and City of London (NCMP), never split
    "ltla",  # E09… London boroughs (and other lower-tier LAs for England files)
    "ward",
    "msoa11",
    "msoa21",
    "lsoa11",
    "lsoa21",
)

SEXES: tuple[str, ...] = ("persons", "male", "female")

BREAKDOWN_NONE = "none"


def column_names() -> list[str]:
    """Names of VALUE_COLUMNS, in order."""
    return [c.name for c in VALUE_COLUMNS]


#: Population denominators (reference data): one row per area × year × sex × age band.
POPULATION_COLUMNS: tuple[Column, ...] = (
    Column("area_code", "VARCHAR", False, "GSS code"),
    Column("area_type", "VARCHAR", False, "one of AREA_TYPES"),
    Column("year", "BIGINT", False, "mid-year of the estimate"),
    Column("sex", "VARCHAR", False, "persons | male | female"),
    Column("age_start", "BIGINT", False, "first year of age in the band"),
    Column("age_end", "BIGINT", True, "last year of age in the band; null for an open band"),
    Column("population", "DOUBLE", False, "people"),
)

#: Registered deaths (reference data): one row per area × year × sex × age band.
DEATH_COLUMNS: tuple[Column, ...] = (
    Column("area_code", "VARCHAR", False, "GSS code"),
    Column("area_type", "VARCHAR", False, "one of AREA_TYPES"),
    Column("year", "BIGINT", False, "year of registration"),
    Column("sex", "VARCHAR", False, "persons | male | female"),
    Column("age_start", "BIGINT", False, "first year of age in the band"),
    Column("age_end", "BIGINT", True, "last year of age in the band; null for an open band"),
    Column("deaths", "DOUBLE", False, "deaths registered"),
)

#: Index of Multiple Deprivation (reference data): one row per LSOA × edition.
DEPRIVATION_COLUMNS: tuple[Column, ...] = (
    Column("lsoa_code", "VARCHAR", False, "LSOA 2011 (IMD 2019) or 2021 (IMD 2025) code"),
    Column("edition", "VARCHAR", False, "'imd2019' | 'imd2025'"),
    Column("score", "DOUBLE", True, "IMD score"),
    Column("rank", "BIGINT", False, "national rank, 1 = most deprived"),
    Column("decile", "BIGINT", False, "national decile, 1 = most deprived"),
)


#: Benchmark kinds of a comparison row (see ``COMPARISON_COLUMNS``).
BENCHMARKS: tuple[str, ...] = (
    "region",  # London, E12000007
    "icb",  # the borough's ICB (borough rows only)
    "country",  # England, E92000001
    "boroughs",  # quintile among the 33 London boroughs (borough rows only)
    "previous",  # change from the previous period of the same series
)

#: Comparison outcomes of an indicator value, stored with the release that holds the value:
#: one row per value × benchmark. The first eleven columns name the value (its store key plus
#: indicator, area type and period label); a row's value must be in the same release.
COMPARISON_COLUMNS: tuple[Column, ...] = (
    Column("indicator_id", "VARCHAR", True, "catalogue indicator id; null while unmapped", 4),
    Column("series", "VARCHAR", False, "series key of the compared value", 4),
    Column("area_code", "VARCHAR", False, "GSS code of the compared value", 4),
    Column("area_type", "VARCHAR", False, "one of AREA_TYPES", 4),
    Column("period_start", "DATE", False, "first day the value covers", 4),
    Column("period_end", "DATE", False, "last day the value covers", 4),
    Column("period_label", "VARCHAR", False, "period as published ('2018 - 20')", 4),
    Column("sex", "VARCHAR", False, "persons | male | female", 4),
    Column("age_band", "VARCHAR", False, "as published", 4),
    Column("breakdown_type", "VARCHAR", False, "'none', 'imd2019_decile' …", 4),
    Column("breakdown_category", "VARCHAR", False, "category within breakdown_type", 4),
    Column("benchmark", "VARCHAR", False, "one of BENCHMARKS", 4),
    Column("benchmark_area_code", "VARCHAR", True, "area compared with; null if none", 4),
    Column("benchmark_value", "DOUBLE", True, "the benchmark's value; null if none", 4),
    Column("comparison_method", "BIGINT", False, "Fingertips comparator id (1, 12, 15 …)", 4),
    Column(
        "outcome", "VARCHAR", False, "Better/Similar/Worse, Higher/Lower, … or 'Not compared'", 4
    ),
    Column("reason", "VARCHAR", False, "why not compared; '' when compared", 4),
    Column("borough_quintile", "BIGINT", True, "1-5 on 'boroughs' rows (Fingertips method 15)", 4),
    Column("recent_trend", "VARCHAR", True, "Fingertips recent trend; latest period only", 4),
    Column("trend_reason", "VARCHAR", True, "why the trend is not significant or computable", 4),
)
