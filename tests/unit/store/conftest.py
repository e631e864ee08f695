"""Small, real releases for the store tests (no mocks: every test uses a DuckDB file)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.store import (
    VALUE_COLUMNS,
    ReleaseInput,
    SeriesInfo,
    SourceFile,
    Store,
    open_store,
)

BOROUGHS = ("E09000001", "E09000002", "E09000003")


def value_table(
    *,
    series: str = "fingertips:90366",
    areas: tuple[str, ...] = BOROUGHS,
    years: tuple[int, ...] = (2021, 2022),
    base: float = 80.0,
    indicator_id: str | None = "life_expectancy",
) -> pa.Table:
    """One row per area × year; value = base + area index + year offset / 10."""
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for i, area in enumerate(areas):
        for year in years:
            v = base + i + (year - 2000) / 10
            row: dict[str, object] = {
                "indicator_id": indicator_id,
                "series": series,
                "area_code": area,
                "area_type": "ltla",
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "period_label": str(year),
                "sex": "persons",
                "age_band": "All ages",
                "breakdown_type": "none",
                "breakdown_category": "",
                "value": v,
                "lower95_0cl": v - 1,
                "upper95_0cl": v + 1,
                "lower99_8cl": v - 2,
                "upper99_8cl": v + 2,
                "count": 10.0,
                "denominator": 1000.0,
                "unit": "years",
                "suppressed": False,
                "provisional": False,
                "revised": False,
                "note": None,
            }
            for k, val in row.items():
                rows[k].append(val)
    return pa.table(rows)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def release_of(
    values: pa.Table | None,
    *,
    source: str = "fingertips",
    file: str = "le.csv",
    published_at: date | None = None,
    embargo_until: datetime | None = None,
    series: tuple[SeriesInfo, ...] | None = None,
    population: pa.Table | None = None,
    note: str | None = None,
) -> ReleaseInput:
    n = 0 if values is None else values.num_rows
    if series is None and values is not None:
        keys = sorted(set(values.column("series").to_pylist()))
        series = tuple(SeriesInfo(key=k, name=f"Series {k}", publisher="OHID") for k in keys)
    return ReleaseInput(
        source=source,
        files=(SourceFile(file, sha(f"{file}:{published_at}:{n}:{note}"), n),),
        series=series or (),
        values=values,
        population=population,
        published_at=published_at,
        embargo_until=embargo_until,
        note=note,
    )


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "healthgap.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[Store]:
    s = open_store(store_path)
    yield s
    s.close()


@pytest.fixture
def make_values() -> Callable[..., pa.Table]:
    return value_table


@pytest.fixture
def make_release() -> Callable[..., ReleaseInput]:
    return release_of
