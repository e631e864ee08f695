"""A small real store for the read-layer tests: England, London and three boroughs, three
years of life expectancy, loaded through ``healthgap.publish`` (no mocks)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, open_store

ENGLAND = "E92000001"
LONDON = "E12000007"
BOROUGHS = ("E09000001", "E09000002", "E09000003")
SERIES = "fingertips:90366"
#: Value at each area: England 80, London 81, boroughs 70 (worse), 81 (similar), 90 (better).
BASE = {ENGLAND: 80.0, LONDON: 81.0, "E09000001": 70.0, "E09000002": 81.0, "E09000003": 90.0}
TYPES = {ENGLAND: "country", LONDON: "region"}


def values(years: tuple[int, ...] = (2019, 2020, 2021), *, shift: float = 0.0) -> pa.Table:
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for area, base in BASE.items():
        for year in years:
            v = base + (year - 2019) * 0.1 + shift
            row: dict[str, object] = {
                "indicator_id": "life_expectancy",
                "series": SERIES,
                "area_code": area,
                "area_type": TYPES.get(area, "ltla"),
                "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31),
                "period_label": str(year),
                "sex": "persons",
                "age_band": "All ages",
                "breakdown_type": "none",
                "breakdown_category": "",
                "value": v,
                "lower95_0cl": v - 0.5,
                "upper95_0cl": v + 0.5,
                "lower99_8cl": v - 1.0,
                "upper99_8cl": v + 1.0,
                "count": None,
                "denominator": None,
                "unit": "years",
                "suppressed": False,
                "provisional": False,
                "revised": False,
                "note": None,
            }
            for k, val in row.items():
                rows[k].append(val)
    return pa.table(rows)


def release(
    table: pa.Table,
    *,
    name: str = "le.csv",
    published_at: date | None = date(2024, 1, 10),
    embargo_until: datetime | None = None,
) -> ReleaseInput:
    digest = hashlib.sha256(f"{name}:{table.num_rows}:{embargo_until}".encode()).hexdigest()
    return ReleaseInput(
        source="fingertips",
        files=(SourceFile(name, digest, table.num_rows),),
        series=(SeriesInfo(SERIES, "Life expectancy at birth", "OHID", "years"),),
        values=table,
        published_at=published_at,
        embargo_until=embargo_until,
    )


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The store every ``store_path`` starts as (``release(values())`` loaded), built once
    per session: each test gets a file copy (milliseconds) instead of a load (0.4 s).
    Never open it; the session fails if it changed."""
    path = tmp_path_factory.mktemp("query-template") / "store.duckdb"
    with open_store(path) as s:
        load_release(s, release(values()))
    assert not path.with_name(path.name + ".wal").exists()  # one file holds it all
    before = path.read_bytes()
    yield path
    assert path.read_bytes() == before, "a test wrote to the template store"


@pytest.fixture
def store_path(tmp_path: Path, store_template: Path) -> Path:
    """A new store of the test's own: England, London, three boroughs, one release."""
    path = tmp_path / "store.duckdb"
    shutil.copyfile(store_template, path)
    return path


@pytest.fixture
def reader(store_path: Path) -> Iterator[ReadLayer]:
    layer = ReadLayer(open_store(store_path))
    yield layer
    layer.close()
