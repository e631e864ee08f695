"""The engine beyond London: records from LSOAs across England give LTLAs, regions and
England itself, with London's own levels unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from healthgap.engine.pipeline import ENGLAND, LONDON, run_engine
from healthgap.errors import InputError
from healthgap.geography import load_geography

pytestmark = pytest.mark.slow


def _remapped(src: Path, dst: Path, mapping: dict[str, str]) -> None:
    """``src`` plus a copy of the records of ``mapping``'s LSOAs under their new codes."""
    for table in ("deaths", "population"):
        t = pq.read_table(src / table)
        picked = t.filter(pc.is_in(t["lsoa_code"], value_set=pa.array(list(mapping))))
        codes = pa.array([mapping[c] for c in picked["lsoa_code"].to_pylist()], pa.string())
        moved = picked.set_column(picked.schema.get_field_index("lsoa_code"), "lsoa_code", codes)
        if "record_id" in moved.column_names:  # a copied death is another death: its own id
            ids = pc.binary_join_element_wise("copy-", moved["record_id"], "")
            moved = moved.set_column(moved.schema.get_field_index("record_id"), "record_id", ids)
        (dst / table).mkdir(parents=True)
        pq.write_table(pa.concat_tables([t, moved]), dst / table / "part-0.parquet")


@pytest.fixture(scope="module")
def dirs(
    tmp_path_factory: pytest.TempPathFactory, synthetic_london_spark_input: Path
) -> tuple[Path, Path, dict[str, str]]:
    """(London, England, the copied LSOAs' new codes): London is the session's six-borough
    cut of Synthetic London (every ICB, a seventh of the population rows); England is it
    plus a copy of every 10th of its LSOAs on LSOAs spread over the other eight regions."""
    base = tmp_path_factory.mktemp("england")
    london = synthetic_london_spark_input
    eng = load_geography().england_lsoa11()
    elsewhere = eng[eng.region_code != LONDON].lsoa_code.to_numpy()
    held = pq.read_table(london / "population", columns=["lsoa_code"])["lsoa_code"]
    source = sorted(pc.unique(held).to_pylist())[::10]
    targets = elsewhere[np.linspace(0, len(elsewhere) - 1, len(source)).astype(int)]
    mapping = dict(zip(source, targets.tolist(), strict=True))
    england = base / "england"
    _remapped(london, england, mapping)
    return london, england, mapping


@pytest.fixture(scope="module")
def runs(dirs: tuple[Path, Path, dict[str, str]]):
    """Unprotected runs on London and on England (London plus the copied LSOAs)."""
    london, england, _ = dirs
    kw = {"indicators": ["life_expectancy"], "checksums": False, "disclosure_control": False}
    return run_engine(london, **kw), run_engine(england, **kw)


def _deaths(result, area: str, breakdown: str = "none", category: str = "") -> float:
    v = result.values
    rows = v.filter(
        (pc.field("area_code") == area)
        & (pc.field("sex") == "persons")
        & (pc.field("breakdown_type") == breakdown)
        & (pc.field("breakdown_category") == category)
        & (pc.field("indicator_id") == "life_expectancy")
    )
    assert rows.num_rows == 1, (area, rows.num_rows)
    return float(rows["count"][0].as_py())


def test_records_beyond_london_add_ltlas_regions_and_england(runs, dirs) -> None:
    london_run, england_run = runs
    _, _, mapping = dirs
    assert london_run.provenance["scope"] == "london"
    assert england_run.provenance["scope"] == "england"
    v = england_run.values.to_pandas()
    types = v.groupby("area_type").area_code.nunique().to_dict()
    assert types["country"] == 1
    assert types["region"] == 9
    assert types["icb"] == 5  # ICBs only for London (no England-wide LSOA 2011 -> ICB lookup)
    eng = load_geography().england_lsoa11().set_index("lsoa_code")
    boroughs = london_run.values.filter(pc.equal(london_run.values["area_type"], "ltla"))
    assert pc.count_distinct(boroughs["area_code"]).as_py() == 6  # the input's
    assert types["ltla"] == 6 + eng.loc[list(mapping.values()), "ltla_code"].nunique()
    # London is unchanged; England is London plus the copied LSOAs, and the regions add up
    assert _deaths(england_run, LONDON) == _deaths(london_run, LONDON)
    regions = list(v[v.area_type == "region"].area_code.unique())
    assert _deaths(england_run, ENGLAND) == sum(_deaths(england_run, r) for r in regions)
    london_dir, england_dir, _ = dirs
    years = england_run.provenance["years"]

    def records(d: Path) -> int:
        # life expectancy counts deaths registered in the years (ONS practice)
        col = "date_of_registration"
        dates = pq.read_table(d / "deaths", columns=[col])[col]
        return int(pc.sum(pc.is_in(pc.year(dates), value_set=pa.array(years))).as_py())

    copied = records(england_dir) - records(london_dir)
    assert copied > 0
    assert _deaths(england_run, ENGLAND) == _deaths(london_run, LONDON) + copied
    # England by national decile, and London-only breakdowns absent outside London
    national = v[(v.area_code == ENGLAND) & (v.breakdown_type == "imd2019_decile")]
    assert set(national.breakdown_category) == {str(d) for d in range(1, 11)}
    for q in range(1, 6):  # a national quintile is a pair of national deciles
        pair = _deaths(england_run, ENGLAND, "imd2019_decile", str(2 * q - 1)) + _deaths(
            england_run, ENGLAND, "imd2019_decile", str(2 * q)
        )
        assert _deaths(england_run, ENGLAND, "imd2019_quintile", str(q)) == pair
    outside = v[(v.area_type == "region") & (v.area_code != LONDON)]
    assert "imd2019_decile_london" not in set(outside.breakdown_type)


def test_sii_across_national_deciles_for_england(runs) -> None:
    _, england_run = runs
    v = england_run.values.to_pandas()
    sii = v[(v.series == "engine:life-expectancy/sii-imd2019-decile") & (v.area_code == ENGLAND)]
    assert len(sii) >= 1
    assert (sii.indicator_id == "sii_life_expectancy").all()
    assert sii.value.notna().all()


def test_protected_england_run_and_comparisons(dirs) -> None:
    _, england, _ = dirs
    result = run_engine(england, indicators=["life_expectancy"], checksums=False)
    assert result.comparisons is not None
    cmp = result.comparisons.to_pandas()
    ltla = cmp[(cmp.area_type == "ltla") & (cmp.benchmark == "country")]
    assert (ltla.benchmark_area_code == ENGLAND).all()
    assert (ltla.outcome != "Not compared").any()  # England comes from the records


def test_lsoa_outside_england_is_named(synthetic_london_spark_input: Path, tmp_path: Path) -> None:
    """A Welsh LSOA among the population's codes stops the run, named. (The input is the
    session's six-borough cut of Synthetic London: a seventh of the rows to validate.)"""
    bad = tmp_path / "wales"
    shutil.copytree(synthetic_london_spark_input, bad)
    t = pq.read_table(bad / "population")
    codes = t["lsoa_code"].to_pylist()
    codes[0] = "W01000001"
    t = t.set_column(t.schema.get_field_index("lsoa_code"), "lsoa_code", pa.array(codes))
    shutil.rmtree(bad / "population")
    (bad / "population").mkdir()
    pq.write_table(t, bad / "population" / "part-0.parquet")
    with pytest.raises(InputError, match="W01000001"):
        run_engine(bad, indicators=["life_expectancy"], checksums=False)
