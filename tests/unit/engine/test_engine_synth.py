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

from healthgap.config import package_data_dir
from healthgap.engine.synth import (
    SYNTH_TABLES,
    _model,
    generate_synthetic_london,
    plan_synthetic_london,
)
from healthgap.engine.synth_inputs import london_inputs
from healthgap.engine.synth_rates import (
    CENSUS_2021_LONDON_SHARES,
    ETHNIC_GROUPS,
    ETHNIC_MORTALITY_RR,
    UNKNOWN_ETHNICITY_SHARE,
)
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


#: Generates each size in turn in one fresh process (after loading the model) and prints the
#: process's peak memory growth after each: a high-water mark, so the second figure is
#: max(peak of the first, peak of the second), and second − first is how far the larger
#: generation's peak rose above the smaller one's (0 when it did not).
_RSS_SCRIPT = """
import resource, sys, tempfile
from healthgap.engine.synth import generate_synthetic_london, _model
_model()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
for rows in sys.argv[1:]:
    with tempfile.TemporaryDirectory() as d:
        generate_synthetic_london(d + "/o", rows=int(rows), seed=2)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024, flush=True)
"""


def _peak_growth_mb(*rows: int) -> list[float]:
    """Peak memory growth (MB) after generating each of ``rows`` in turn (:data:`_RSS_SCRIPT`)."""
    out = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, *map(str, rows)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [float(line) for line in out.stdout.strip().splitlines()[-len(rows) :]]


@pytest.mark.slow
def test_memory_does_not_grow_with_rows() -> None:
    """Given 10× more rows (200k → 2M), peak memory during generation grows by < 60 MB."""
    small, large = _peak_growth_mb(200_000, 2_000_000)
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
    # the model's expected ratio, deciles 1–2 vs 9–10, is ≈ 1.31 (≈ 1,250 admissions a decile)
    assert 1.15 < rate["r"].iloc[:2].mean() / rate["r"].iloc[-2:].mean() < 1.5
    assert np.corrcoef(rate["decile"], rate["r"])[0, 1] < -0.8
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


# ---------------------------------------------------------------- ethnic-group denominators

_SAPE = "population/population20_lsoa11_sya_persons_london.csv"


def test_fixed_ethnic_split_sums_to_the_real_persons() -> None:
    """The synthetic population by ethnic group sums, over groups and sexes, to the real ONS
    SAPE persons of every LSOA × age (read here independently), and matches Census 2021."""
    sape = pd.read_csv(package_data_dir() / _SAPE)
    persons = sape[[str(a) for a in range(90)] + ["90+"]].to_numpy(dtype=np.int64)
    model = _model()
    by_group = model.ethnic_population.astype(np.int64)
    assert by_group.min() >= 0
    assert np.array_equal(by_group.sum(axis=(1, 3)), persons)
    assert np.array_equal(by_group.sum(axis=3), model.population)
    shares = by_group.sum(axis=(0, 1, 2)) / persons.sum()
    np.testing.assert_allclose(shares, CENSUS_2021_LONDON_SHARES, atol=0.002)


@pytest.fixture(scope="module")
def all_tables(synthetic_london_small: Path) -> tuple[Path, int]:
    """One sampled year (2020) with every table (fraction ≈ 0.01): the session's
    ``synthetic_london_small`` (tests/conftest.py), 300,000 rows, seed 11."""
    return synthetic_london_small, 11


def test_population_by_ethnic_group_sums_to_the_sampled_persons(
    all_tables: tuple[Path, int],
) -> None:
    """Summed over ethnic groups, population/ gives exactly the binomial sample of each
    LSOA × sex × age cell (drawn first from the chunk's stream, as without ethnicity);
    no zero rows, no 'unknown' group, one row per key."""
    root, seed = all_tables
    pop = duckdb.sql(f"select * from '{root}/population/*.parquet'").df()
    assert set(pop["ethnic_group"]) == set(ETHNIC_GROUPS)
    assert (pop["population"] > 0).all()
    key = ["lsoa_code", "year", "sex", "age", "ethnic_group"]
    assert not pop.duplicated(key).any()
    cells = pop.groupby(["lsoa_code", "sex", "age"])["population"].sum()

    model = _model()
    plan = plan_synthetic_london(300_000, year=2020)
    lsoa = np.arange(plan.lsoas_per_chunk)  # chunk 0 of replicate 0
    full = model.population[lsoa].reshape(-1)
    drawn = np.random.default_rng([seed, 0, 0]).binomial(full, plan.fraction)
    codes = np.repeat(np.asarray(model.inputs.lsoa_codes)[lsoa], 2 * 91)
    sexes = np.tile(np.repeat(["male", "female"], 91), lsoa.size)
    ages = np.tile(np.arange(91), 2 * lsoa.size)
    expected = pd.Series(drawn, index=pd.MultiIndex.from_arrays([codes, sexes, ages]))
    expected = expected[expected > 0]
    got = cells[cells.index.get_level_values(0).isin(set(codes))]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    assert len(got) > 1000


def test_events_have_ethnic_denominators(all_tables: tuple[Path, int]) -> None:
    """Every event of known ethnicity falls in a population cell of its ethnic group; each
    register person counts once, so register persons ≤ the cell's population (equal when
    'unknown' recording is put back); unknown shares are as declared."""
    root, _ = all_tables
    con = duckdb.connect()
    con.sql(f"create view pop as select * from '{root}/population/*.parquet'")
    for table in ("deaths", "admissions", "registers"):
        row = con.sql(
            f"""
            select count(*) filter (where e.ethnic_group <> 'unknown' and p.population is null),
                   count(*) filter (where e.ethnic_group = 'unknown'), count(*)
            from '{root}/{table}/*.parquet' e left join pop p
              on p.lsoa_code = e.lsoa_code and p.sex = e.sex and p.age = least(e.age, 90)
             and p.ethnic_group = e.ethnic_group
            """
        ).fetchone()
        assert row is not None
        orphans, unknown, n = row
        assert orphans == 0, table
        assert n > 300
        share = UNKNOWN_ETHNICITY_SHARE[table]
        assert abs(unknown / n - share) < 4 * np.sqrt(share * (1 - share) / n), table
    smokers = con.sql(
        f"""
        with r as (select lsoa_code, sex, least(age, 90) age, ethnic_group, count(*) n
                   from '{root}/registers/*.parquet' where condition = 'smoker' group by all),
             c as (select lsoa_code, sex, age, sum(n) n from r group by all),
             pc as (select lsoa_code, sex, age, sum(population) pop from pop
                    where age >= 15 group by all)
        select (select count(*) from r join pop p using (lsoa_code, sex, age, ethnic_group)
                where r.n > p.population),
               (select count(*) from pc full join c using (lsoa_code, sex, age)
                where c.n is distinct from pc.pop)
        """
    ).fetchone()
    assert smokers == (0, 0)


def test_ethnic_death_rates_reproduce_the_rate_ratios(deaths_3y: Path) -> None:
    """Death rates by ethnic group, standardised for deprivation decile × sex × age band
    (indirectly, deaths of known ethnicity), relative to White reproduce ETHNIC_MORTALITY_RR
    within 12%; and the age-standardised rates are far from the crude ones (White is older)."""
    con = _connect(deaths_3y)
    strata = con.sql(
        """
        with d as (
          select decile, sex, least(age, 90) age, ethnic_group g, count(*) deaths
          from deaths join lk using (lsoa_code) where ethnic_group <> 'unknown' group by all),
        p as (
          select decile, sex, age, ethnic_group g, sum(population) pop
          from pop join lk using (lsoa_code) group by all)
        select p.decile, p.sex, p.g,
          case when p.age = 0 then 0 when p.age < 5 then 1 else p.age // 5 * 5 end as band,
          sum(coalesce(d.deaths, 0))::double deaths, sum(p.pop)::double pop
        from p left join d using (decile, sex, age, g) group by all
        """
    ).df()
    assert set(strata["g"]) == set(ETHNIC_GROUPS)
    ref = strata.groupby(["decile", "sex", "band"])[["deaths", "pop"]].sum()
    strata = strata.join((ref["deaths"] / ref["pop"]).rename("ref"), on=["decile", "sex", "band"])
    strata["expected"] = strata["pop"] * strata["ref"]
    by_group = strata.groupby("g")[["deaths", "expected", "pop"]].sum()
    smr = by_group["deaths"] / by_group["expected"]
    for g, rr in zip(ETHNIC_GROUPS, ETHNIC_MORTALITY_RR, strict=True):
        got = smr[g] / smr["white"]
        assert abs(np.log(got / rr)) < 0.12, (g, got, rr, by_group.loc[g, "deaths"])
    crude = by_group["deaths"] / by_group["pop"]
    assert crude["white"] > 2 * crude["black"]  # confounded by age: the crude rates mislead
