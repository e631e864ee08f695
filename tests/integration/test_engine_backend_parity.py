"""The aggregation stage gives identical results on DuckDB and on local Spark."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from healthgap.engine.aggregate import (
    CodeFilter,
    EventSelection,
    Period,
    aggregate_events,
    aggregate_population,
    roll_up,
)
from healthgap.engine.backends import Backend, connect
from healthgap.engine.bands import ESP2013_19

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _data(seed: int = 7) -> tuple[pa.Table, pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    lsoas = [f"L{i:03d}" for i in range(40)]
    attrs = pa.table(
        {
            "lsoa_code": lsoas,
            "ltla_code": [f"B{i % 4}" for i in range(40)],
            "icb_code": [f"I{i % 2}" for i in range(40)],
            "region_code": ["E12000007"] * 40,
            "imd_decile": [i % 10 + 1 for i in range(40)],
            "imd_london_decile": [i % 10 + 1 for i in range(40)],
            "imd_london_quintile": [i % 10 // 2 + 1 for i in range(40)],
        }
    )
    n = 20_000
    start = dt.date(2018, 1, 1)
    deaths = pa.table(
        {
            "lsoa_code": rng.choice(lsoas, n),
            "date_of_death": [
                start + dt.timedelta(days=int(d)) for d in rng.integers(0, 3 * 365, n)
            ],
            "age": rng.integers(0, 101, n),
            "sex": rng.choice(["male", "female"], n),
            "ethnic_group": rng.choice(["white", "asian", "black", "mixed", "other"], n),
            "underlying_cause": rng.choice(["C34.1", "I21", "J44", "X70", "C50"], n),
        }
    )
    grid = np.array(
        [
            (lsoa, y, s, a)
            for lsoa in lsoas
            for y in (2018, 2019, 2020)
            for s in ("male", "female")
            for a in range(91)
        ],
        dtype=object,
    )
    population = pa.table(
        {
            "lsoa_code": grid[:, 0].astype(str),
            "year": grid[:, 1].astype(np.int64),
            "sex": grid[:, 2].astype(str),
            "age": grid[:, 3].astype(np.int64),
            "population": rng.integers(5, 40, len(grid)).astype(float),
        }
    )
    return deaths, population, attrs


def _aggregate(backend: Backend) -> pa.Table:
    deaths, population, attrs = _data()
    ev = aggregate_events(
        backend.table(deaths, table_name="deaths"),
        selection=EventSelection(codes=(CodeFilter.parse("underlying_cause", ["C"]),), age_max=74),
        banding=ESP2013_19,
        date_column="date_of_death",
        years=[2018, 2019, 2020],
    )
    pop = aggregate_population(
        backend.table(population, table_name="population"),
        banding=ESP2013_19,
        years=[2018, 2019, 2020],
        age_max=74,
    )
    return roll_up(
        backend.to_arrow(ev),
        backend.to_arrow(pop),
        attrs,
        banding=ESP2013_19,
        periods=[Period(2018, 2020), Period(2020, 2020)],
        breakdowns=("none", "imd2019_decile", "imd2019_quintile_london"),
    )


@pytest.fixture(scope="module")
def spark_backend() -> Backend:
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    return connect("spark")


def test_duckdb_and_spark_agree_exactly(spark_backend: Backend) -> None:
    duck = _aggregate(connect("duckdb"))
    spark = _aggregate(spark_backend)
    assert duck.num_rows > 1000
    assert duck.schema == spark.schema
    assert duck.equals(spark)
    assert pa.compute.sum(duck["events"]).as_py() > 0
