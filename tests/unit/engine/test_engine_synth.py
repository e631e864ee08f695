"""Synthetic London: reproducible, sized as asked, bounded in memory, and plausible."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from healthgap.engine.synth import (
    SYNTH_TABLES,
    generate_synthetic_london,
    plan_synthetic_london,
)
from healthgap.engine.synth_inputs import london_inputs
from healthgap.errors import InputError
from healthgap.methods.life_expectancy import life_expectancy

STARTAGE = np.array([0, 1, *range(5, 95, 5)])


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _decile_frame() -> pd.DataFrame:
    inp = london_inputs()
    return pd.DataFrame(
        {
            "lsoa_code": list(inp.lsoa_codes),
            "decile": inp.london_decile,
            "borough": inp.borough_codes,
        }
    )


def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path: Path) -> None:
    """Given the same arguments twice, the output files are byte-identical."""
    a = generate_synthetic_london(tmp_path / "a", rows=60_000, seed=5)
    b = generate_synthetic_london(tmp_path / "b", rows=60_000, seed=5)
    c = generate_synthetic_london(tmp_path / "c", rows=60_000, seed=6)
    fa, fb, fc = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert fa == fb
    assert a.rows == b.rows
    assert fa.keys() == fc.keys()
    assert fa["deaths/part-00000.parquet"] != fc["deaths/part-00000.parquet"]
    assert c.rows != a.rows


def test_rows_close_to_request_and_manifest(tmp_path: Path) -> None:
    """Given --rows N, the event rows are within 2% of N; synth.json records the run."""
    s = generate_synthetic_london(tmp_path / "o", rows=250_000, seed=1, rows_per_file=100_000)
    assert abs(s.event_rows - 250_000) / 250_000 < 0.02
    assert set(s.rows) == {*SYNTH_TABLES, "population"}
    manifest = json.loads((tmp_path / "o" / "synth.json").read_text())
    assert manifest["rows"] == s.rows
    assert manifest["lsoa_vintage"] == "lsoa11"
    assert len(s.files["registers"]) >= 2  # part files rotate
    got = duckdb.sql(f"select count(*) from '{tmp_path}/o/registers/*.parquet'").fetchone()
    assert got is not None
    assert got[0] == s.rows["registers"]
    assert not (tmp_path / ".o.partial").exists()


def test_plan_scales_years_then_fraction() -> None:
    """Below one full year the population is sampled; above it, replicate years are added."""
    small = plan_synthetic_london(1_000_000, year=2019)
    assert small.years == (2019,)
    assert 0 < small.fraction < 0.1
    big = plan_synthetic_london(100_000_000, year=2019)
    per_year = sum(big.expected_rows.values()) / len(big.years) / big.fraction
    assert len(big.years) == int(np.ceil(100_000_000 / per_year))
    assert big.years[-1] == 2019
    assert big.fraction <= 1.0
    assert sum(big.expected_rows.values()) == pytest.approx(100_000_000, rel=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rows": 0}, "positive"),
        ({"rows": 10, "tables": ("deaths", "births")}, "tables"),
        ({"rows": 10, "year": 2999}, "complete past calendar year"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        generate_synthetic_london(tmp_path / "x", **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()


def test_refuses_non_empty_output(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        generate_synthetic_london(tmp_path, rows=1000)
    assert (tmp_path / "keep.txt").read_text() == "mine"


_RSS_SCRIPT = """
import resource, sys, tempfile
from healthgap.engine.synth import generate_synthetic_london, _model
_model()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as d:
    generate_synthetic_london(d + "/o", rows=int(sys.argv[1]), seed=2)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)
"""


def _peak_growth_mb(rows: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(rows)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_memory_does_not_grow_with_rows() -> None:
    """Given 10× more rows (200k → 2M), peak memory during generation grows by < 60 MB."""
    small = _peak_growth_mb(200_000)
    large = _peak_growth_mb(2_000_000)
    assert large < 400
    assert large - small < 60


@pytest.fixture(scope="module")
def deaths_3y(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three replicate years of deaths for (about) all of London."""
    out = tmp_path_factory.mktemp("plaus") / "deaths"
    generate_synthetic_london(out, rows=155_000, seed=3, year=2019, tables=("deaths",))
    return out


def _by_band(con: duckdb.DuckDBPyConnection, group: str) -> pd.DataFrame:
    sql = f"""
    with d as (
      select {group} as g, sex, least(age, 90) as age, count(*) as deaths
      from deaths join lk using (lsoa_code) group by all),
    p as (
      select {group} as g, sex, age, sum(population) as pop
      from pop join lk using (lsoa_code) group by all)
    select p.g, p.sex,
      case when p.age = 0 then 0 when p.age < 5 then 1 else p.age // 5 * 5 end as band,
      sum(coalesce(d.deaths, 0))::double as deaths, sum(p.pop)::double as pop
    from p left join d using (g, sex, age)
    group by all order by p.g, p.sex, band
    """
    return con.sql(sql).df()


def _connect(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("lk", _decile_frame())
    con.sql(f"create view deaths as select * from '{root}/deaths/*.parquet'")
    con.sql(f"create view pop as select * from '{root}/population/*.parquet'")
    return con


def _le_at_birth(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (g, sex), part in frame.groupby(["g", "sex"], sort=True):
        part = part.sort_values("band")
        assert part["band"].tolist() == STARTAGE.tolist()
        r = life_expectancy(part["deaths"].to_numpy(), part["pop"].to_numpy(), startage=STARTAGE)
        rows.append({"g": g, "sex": sex, "le": float(r.value[0])})
    return pd.DataFrame(rows)


def test_deaths_have_a_deprivation_gradient(deaths_3y: Path) -> None:
    """Directly age-standardised death rates fall from the most to the least deprived decile
    by a factor of about 1.5–3 (within-London gradient)."""
    band = _by_band(_connect(deaths_3y), "decile")
    standard = band.groupby(["sex", "band"])["pop"].sum()
    band = band.join(standard.rename("std"), on=["sex", "band"])
    band["expected"] = band["deaths"] / band["pop"] * band["std"]
    dsr = band.groupby("g")["expected"].sum() / standard.sum() * 100_000
    assert dsr.index.tolist() == list(range(1, 11))
    ratio = dsr.loc[1] / dsr.loc[10]
    assert 1.5 < ratio < 3.0
    assert np.corrcoef(dsr.index, dsr.to_numpy())[0, 1] < -0.9
    crude_total = band["deaths"].sum() / band["pop"].sum() / 1e-5
    assert 450 < crude_total < 750  # London ≈ 560 deaths per 100,000 a year


def test_borough_and_decile_life_expectancy_is_plausible(deaths_3y: Path) -> None:
    """Borough LE at birth lies in London's range (men ~77–84, women ~81–87), women outlive men,
    and the most vs least deprived decile gap for men is several years."""
    con = _connect(deaths_3y)
    boroughs = _le_at_birth(_by_band(con, "borough"))
    men = boroughs[boroughs["sex"] == "male"].set_index("g")["le"]
    women = boroughs[boroughs["sex"] == "female"].set_index("g")["le"]
    big = men.drop("E09000001")  # City of London: ~8,000 people, too few for a stable LE
    assert len(men) == 33
    assert big.between(76.0, 85.5).all(), big.sort_values()
    assert women.drop("E09000001").between(80.0, 88.5).all()
    assert (women > men).sum() >= 31
    assert big.max() - big.min() > 2.0
    deciles = _le_at_birth(_by_band(con, "decile"))
    m = deciles[deciles["sex"] == "male"].set_index("g")["le"]
    f = deciles[deciles["sex"] == "female"].set_index("g")["le"]
    assert 5.0 < m.loc[10] - m.loc[1] < 9.0
    assert 3.5 < f.loc[10] - f.loc[1] < m.loc[10] - m.loc[1]


def test_admissions_and_registers_follow_gradients(tmp_path: Path) -> None:
    """Emergency admission rates and smoking prevalence are higher in deprived deciles;
    self-harm external causes are X60–X84, falls admissions are 65+, asthma under 19."""
    out = tmp_path / "o"
    generate_synthetic_london(out, rows=400_000, seed=4, tables=("admissions", "registers"))
    con = duckdb.connect()
    con.register("lk", _decile_frame())
    adm = f"'{out}/admissions/*.parquet'"
    pop = f"'{out}/population/*.parquet'"
    rate = con.sql(
        f"""
        with a as (select decile, count(*) n from {adm} join lk using (lsoa_code)
                   where admission_method = 'emergency' group by all),
             p as (select decile, sum(population) pop from {pop} join lk using (lsoa_code)
                   group by all)
        select decile, n / pop as r from a join p using (decile) order by decile
        """
    ).df()
    assert rate["r"].iloc[:2].mean() > 1.3 * rate["r"].iloc[-2:].mean()
    smoke = con.sql(
        f"""select decile, avg(flag::int) p from '{out}/registers/*.parquet'
            join lk using (lsoa_code) where condition = 'smoker' group by all order by decile"""
    ).df()
    assert smoke["p"].iloc[:2].mean() > 1.4 * smoke["p"].iloc[-2:].mean()
    assert 0.08 < smoke["p"].mean() < 0.2
    checks = con.sql(
        f"""select
          count(*) filter (where external_cause between 'X60' and 'X84' and age < 10),
          count(*) filter (where external_cause like 'W%' and primary_diagnosis like 'S72%'
                           and age < 65),
          count(*) filter (where primary_diagnosis like 'J45%' and age >= 19),
          count(*) filter (where discharge_date < admission_date),
          count(*) filter (where external_cause between 'X60' and 'X84')
        from {adm}"""
    ).fetchone()
    assert checks is not None
    assert checks[:4] == (0, 0, 0, 0)
    assert checks[4] > 0
