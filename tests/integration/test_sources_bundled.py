"""Every bundled source reads into valid releases: no rows lost, values as published."""

from __future__ import annotations

import csv
import dataclasses
import inspect
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from healthgap.errors import SourceValidationError
from healthgap.sources import bundled_release_count, bundled_releases, pending_bundled_releases
from healthgap.sources.bundled import (
    BUNDLED_PUBLISHED,
    BUNDLED_SOURCES,
    BundledSource,
    PendingRelease,
)
from healthgap.sources.common import DATA_DIR
from healthgap.sources.csvfile import file_sha256
from healthgap.sources.resolve import context_for, default_resolver
from healthgap.sources.values import arrow_schema
from healthgap.store.columns import (
    DEATH_COLUMNS,
    DEPRIVATION_COLUMNS,
    POPULATION_COLUMNS,
    VALUE_COLUMNS,
)
from healthgap.store.release_input import ReleaseInput

REPO = Path(__file__).resolve().parents[2]


def _resolver(key: str) -> str | None:
    return "life_expectancy" if key == "fingertips:90366" else None


@pytest.fixture(scope="module")
def read_by_readers() -> dict[str, ReleaseInput]:
    """Each bundled source's release exactly as its reader builds it (no checksum check, no
    publication date), keyed by the source's declared name."""
    context = context_for(_resolver)
    return {b.source: b.read(context) for b in BUNDLED_SOURCES}


@pytest.fixture(scope="module")
def releases(read_by_readers: dict[str, ReleaseInput]) -> dict[str, ReleaseInput]:
    """``bundled_releases()``: each release checksummed, read (checked against those
    checksums) and dated; the readers' output above is reused instead of parsed again."""
    out = {}
    for pending in pending_bundled_releases(resolve_indicator=_resolver):
        built = read_by_readers[pending.source]
        reuse = dataclasses.replace(pending.bundled, read=lambda _c, r=built: r)
        release = dataclasses.replace(pending, bundled=reuse).read()
        out[release.source] = release
    return out


def _checksummed(bundled: BundledSource) -> tuple[str, list[str]]:
    """What ``healthgap init`` checks against the store before reading: the source's name
    and the SHA-256 of the bytes of each file its reader takes its paths from."""
    return bundled.source, sorted(file_sha256(path) for path in bundled.files())


def test_checksums_before_reading_are_the_release_read(
    read_by_readers: dict[str, ReleaseInput],
) -> None:
    """The guard that ``init`` never skips a release the store does not hold: for EVERY
    bundled source, the source and file checksums found without parsing are exactly the
    source and file checksums of the release its reader builds."""
    assert len(BUNDLED_SOURCES) == len(read_by_readers) == bundled_release_count()
    for bundled in BUNDLED_SOURCES:
        release = read_by_readers[bundled.source]
        assert _checksummed(bundled) == (
            release.source,
            sorted(f.sha256 for f in release.files),
        ), bundled.source
        assert len(bundled.files()) == len(release.files), bundled.source
    pending = [(p.source, sorted(p.sha256s)) for p in pending_bundled_releases()]
    assert pending == [_checksummed(b) for b in BUNDLED_SOURCES]


def test_a_release_read_from_other_files_than_checksummed_is_refused() -> None:
    """``PendingRelease.read`` refuses a release whose files are not the ones checksummed
    (a file list out of step with its reader), rather than loading it under wrong sums."""
    homelessness, profiles = (
        next(b for b in BUNDLED_SOURCES if b.source == name)
        for name in ("dluhc_homelessness", "gla_borough_profiles")
    )
    drifted = dataclasses.replace(homelessness, files=profiles.files)
    pending = PendingRelease(
        drifted.source,
        tuple(file_sha256(path) for path in drifted.files()),
        None,
        drifted,
        lambda: context_for(_resolver),
    )
    with pytest.raises(SourceValidationError, match="not the files checksummed before reading"):
        pending.read()


def _raw_rows(name: str) -> int:
    return len(pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False))


def _rows(table: pa.Table | None) -> int:
    assert table is not None
    return int(table.num_rows)


def test_releases_are_lazy_and_counted(releases: dict[str, ReleaseInput]) -> None:
    assert inspect.isgenerator(bundled_releases(resolve_indicator=_resolver))
    assert len(releases) == bundled_release_count() == 13


def test_tables_have_exactly_the_declared_columns(releases: dict[str, ReleaseInput]) -> None:
    declared = [
        ("values", VALUE_COLUMNS),
        ("population", POPULATION_COLUMNS),
        ("deaths", DEATH_COLUMNS),
        ("deprivation", DEPRIVATION_COLUMNS),
    ]
    for release in releases.values():
        tables = [(getattr(release, name), cols) for name, cols in declared]
        present = [(t, cols) for t, cols in tables if t is not None]
        assert len(present) == 1, release.source
        table, columns = present[0]
        assert table.schema.equals(arrow_schema(columns)), release.source
        for column in columns:
            if not column.nullable:
                assert table[column.name].null_count == 0, (release.source, column.name)


def test_files_carry_checksums_and_row_counts(releases: dict[str, ReleaseInput]) -> None:
    for release in releases.values():
        for f in release.files:
            assert len(f.sha256) == 64
            assert f.rows == _raw_rows(f.name), f.name


@pytest.mark.parametrize(
    "source",
    [
        "fingertips_extract:corporate_plan_2024",
        "fingertips_extract:dashboard_2020",
        "fingertips_extract:trafford_themes_2026",
        "ons_explore",
        "ons_sdg",
        "ons_els_app",
    ],
)
def test_long_sources_keep_every_row(releases: dict[str, ReleaseInput], source: str) -> None:
    release = releases[source]
    assert _rows(release.values) == sum(_raw_rows(f.name) for f in release.files)


def test_wide_sources_give_one_row_per_cell(releases: dict[str, ReleaseInput]) -> None:
    hi = releases["ons_health_index"]
    expected = _raw_rows("ons_health_index/health_index_indicators_london_ltla21.csv")
    expected += 4 * _raw_rows("ons_health_index/health_index_scores_london_ltla21.csv")
    expected += 4 * _raw_rows("ons_health_index/health_index_scores_ics_england.csv")
    assert _rows(hi.values) == expected
    homeless = releases["dluhc_homelessness"]
    assert _rows(homeless.values) == 2 * _raw_rows(homeless.files[0].name)
    gla = releases["gla_borough_profiles"]
    assert _rows(gla.values) == 33 * len(gla.series)
    assert len(gla.series) == 72


def test_reference_tables_keep_every_cell(releases: dict[str, ReleaseInput]) -> None:
    pop = releases["ons_population"]
    wide = [f for f in pop.files if "sya_persons" in f.name]
    long = [f for f in pop.files if "mye2" in f.name]
    assert _rows(pop.population) == 91 * sum(f.rows for f in wide) + long[0].rows
    deaths = releases["ons_deaths"]
    raw = pd.read_csv(DATA_DIR / deaths.files[0].name, dtype=str)
    assert _rows(deaths.deaths) == int((raw["age_band"] != "All ages").sum())
    for edition in ("imd2019", "imd2025"):
        imd = releases[f"mhclg_{edition}"]
        assert _rows(imd.deprivation) == sum(f.rows for f in imd.files)
        assert imd.deprivation is not None
        assert set(imd.deprivation["edition"].to_pylist()) == {edition}


def test_every_bundled_release_carries_its_publication_date(
    releases: dict[str, ReleaseInput],
) -> None:
    """Without one, "as published on" any day before the store was built finds nothing."""
    assert set(releases) == set(BUNDLED_PUBLISHED)
    for source, release in releases.items():
        assert release.published_at == BUNDLED_PUBLISHED[source], source
        assert date(2016, 1, 1) <= release.published_at <= datetime.now(UTC).date(), source
    assert releases["mhclg_imd2019"].published_at == date(2019, 9, 26)


def _one(table: pa.Table | None, **where: object) -> dict[str, object]:
    assert table is not None
    mask = None
    for column, value in where.items():
        cond = pc.equal(table[column], pa.scalar(value))
        mask = cond if mask is None else pc.and_(mask, cond)
    rows = table.filter(mask).to_pylist()
    assert len(rows) == 1, where
    return rows[0]


def test_england_male_life_expectancy_2015_17(releases: dict[str, ReleaseInput]) -> None:
    row = _one(
        releases["fingertips_extract:trafford_themes_2026"].values,
        series="fingertips:90366",
        area_code="E92000001",
        period_label="2015 - 17",
        sex="male",
    )
    assert row["value"] == 79.5
    assert (row["period_start"], row["period_end"]) == (date(2015, 1, 1), date(2017, 12, 31))
    assert row["indicator_id"] == "life_expectancy"
    assert row["unit"] == "years"


def test_obesity_quintiles_use_the_deprivation_indicator(releases: dict[str, ReleaseInput]) -> None:
    raw = pd.read_csv(DATA_DIR / "fingertips_ohid/trafford_themes_2026/obese_reception.csv")
    want = raw[(raw["inequality"] == "Most deprived quintile") & (raw["area_code"] == "E92000001")]
    want = want.iloc[0]
    row = _one(
        releases["fingertips_extract:trafford_themes_2026"].values,
        series="fingertips:92026",
        breakdown_category="Most deprived quintile",
        area_code="E92000001",
    )
    assert row["value"] == want["value"]
    assert row["breakdown_type"] == "imd_quintile"
    assert row["period_label"] == want["period"] == "2020/21 - 24/25"
    assert (row["period_start"], row["period_end"]) == (date(2020, 9, 1), date(2025, 8, 31))
    assert row["indicator_id"] is None


def test_ons_explore_spot_value(releases: dict[str, ReleaseInput]) -> None:
    raw = pd.read_csv(DATA_DIR / "ons_explore_local_statistics/healthy-life-expectancy.csv")
    want = raw[(raw["areacd"] == "E12000007") & (raw["indicator"].str.startswith("Female"))]
    want = want[want["period"] == "2020-01-01/P3Y"].iloc[0]
    row = _one(
        releases["ons_explore"].values,
        series="ons_explore:healthy-life-expectancy",
        area_code="E12000007",
        period_label="2020 - 22",
        sex="female",
    )
    assert (row["value"], row["lower95_0cl"], row["upper95_0cl"]) == (
        want["observation"],
        want["lci_95"],
        want["uci_95"],
    )


def test_sdg_and_gla_spot_values(releases: dict[str, ReleaseInput]) -> None:
    raw = pd.read_csv(DATA_DIR / "ons_sdg/indicator_11-6-2_pm_london.csv")
    want = raw[(raw["Series"] == "PM2.5") & (raw["Year"] == 2019)].iloc[0]
    row = _one(releases["ons_sdg"].values, series="ons_sdg:11-6-2/pm2-5", period_label="2019")
    assert (row["value"], row["area_code"]) == (want["Value"], "E12000007")
    gla = pd.read_csv(DATA_DIR / "gla/london-borough-profiles-2017.csv")
    want_le = gla.loc[gla["Code"] == "E09000003", "Male_life_expectancy,_(2012-14)"].iloc[0]
    row = _one(
        releases["gla_borough_profiles"].values,
        series="gla_borough_profiles:male-life-expectancy-2012-14",
        area_code="E09000003",
    )
    assert (row["value"], row["sex"], row["unit"], row["period_label"]) == (
        want_le,
        "male",
        "years",
        "2012 - 14",
    )


def test_deaths_and_population_spot_values(releases: dict[str, ReleaseInput]) -> None:
    deaths = releases["ons_deaths"].deaths
    assert deaths is not None
    rows = deaths.filter(
        pc.and_(pc.equal(deaths["area_code"], "E09000001"), pc.equal(deaths["sex"], "male"))
    )
    raw = pd.read_csv(DATA_DIR / "population/ons_deaths_2014_registrations_sex_ageband_london.csv")
    total = raw[(raw.area_code == "E09000001") & (raw.sex == "Male") & (raw.age_band == "All ages")]
    assert pc.sum(rows["deaths"]).as_py() == total["deaths"].iloc[0]
    pop = releases["ons_population"].population
    assert pop is not None
    lsoa = pop.filter(pc.and_(pc.equal(pop["area_code"], "E01000001"), pc.equal(pop["year"], 2019)))
    assert pc.sum(lsoa["population"]).as_py() == 1636
    open_band = lsoa.filter(pc.equal(lsoa["age_start"], 90)).to_pylist()[0]
    assert (open_band["age_end"], open_band["population"]) == (None, 44)


def test_reference_list_matches_the_bundled_series(releases: dict[str, ReleaseInput]) -> None:
    with (REPO / "docs/reference/source-series.csv").open(encoding="utf-8") as f:
        listed = {row["key"] for row in csv.DictReader(f)}
    produced = {s.key for r in releases.values() for s in r.series}
    assert listed == produced


def test_default_resolver_is_the_catalogue() -> None:
    from healthgap.catalogue import load_catalogue

    catalogue = load_catalogue()
    resolve = default_resolver()
    for key in ("fingertips:90366", "ons_sdg:3-4-2", "nobody:nothing"):
        assert resolve(key) == catalogue.indicator_id_for_series(key)


def test_ncmp_london_and_combined_area_spot_values(releases: dict[str, ReleaseInput]) -> None:
    table = releases["ons_els_app"].values
    london = _one(
        table,
        series="ons_els_app:ncmp-reception-overweight-obese",
        area_code="E12000007",
        period_label="2021/22",
    )
    assert (london["area_type"], london["age_band"], london["unit"]) == ("region", "4-5 yrs", "%")
    assert london["value"] == pytest.approx(21.88566)
    assert (london["lower95_0cl"], london["upper95_0cl"]) == pytest.approx((21.61071, 22.1618))
    assert london["period_start"] == date(2021, 9, 1)
    england = _one(
        table,
        series="ons_els_app:ncmp-year6-overweight-obese",
        area_code="E92000001",
        period_label="2021/22",
    )
    assert england["value"] == pytest.approx(37.7598)  # the published national figure, 37.8 %
    combined = table.filter(pc.equal(table["area_code"], "E67000001"))
    assert combined.num_rows == 32
    assert set(combined["area_type"].to_pylist()) == {"ltla_combined"}
    # never split: neither Hackney nor the City has a row of its own
    for code in ("E09000001", "E09000012"):
        assert table.filter(pc.equal(table["area_code"], code)).num_rows == 0
    ltla = table.filter(pc.equal(table["area_type"], "ltla"))
    assert len(set(ltla["area_code"].to_pylist())) == 31


def test_ncmp_status_flags(releases: dict[str, ReleaseInput]) -> None:
    table = releases["ons_els_app"].values
    assert table is not None
    raw = pd.read_csv(
        DATA_DIR / "ons_els_app/excess_weight_reception_london.csv",
        dtype=str,
        keep_default_na=False,
    )
    withheld = raw[raw["Observation Status"] == "c"]
    assert len(withheld) == 2
    for _, cell in withheld.iterrows():
        rows = table.filter(
            pc.and_(
                pc.equal(table["area_code"], cell["AREACD"]),
                pc.equal(table["series"], "ons_els_app:ncmp-reception-overweight-obese"),
            )
        ).to_pylist()
        flagged = [r for r in rows if r["note"] == "withheld by the publisher"]
        assert flagged
        assert all(r["suppressed"] and r["value"] is None for r in flagged)
    low = raw[(raw["Observation Status"] == "u") & (raw["Value"] != "")].iloc[0]
    row = _one(
        table,
        series="ons_els_app:ncmp-reception-overweight-obese",
        area_code=low["AREACD"],
        period_label=f"{low['Period'][:4]}/{(int(low['Period'][:4]) + 1) % 100:02d}",
    )
    assert (row["note"], row["suppressed"]) == ("low reliability", False)
    assert row["value"] == pytest.approx(float(low["Value"]))


def test_sdg_tb_and_smoking_spot_values(releases: dict[str, ReleaseInput]) -> None:
    table = releases["ons_sdg"].values
    tb = _one(
        table,
        series="ons_sdg:3-3-2",
        area_code="E92000001",
        period_label="2020",
        breakdown_type="none",
    )
    assert tb["value"] == pytest.approx(7.3)  # the published England figure
    tb_london = _one(
        table,
        series="ons_sdg:3-3-2",
        area_code="E12000007",
        period_label="2000",
    )
    assert (tb_london["value"], tb_london["area_type"]) == (36.4, "region")
    smoking = _one(
        table,
        series="ons_sdg:3-a-1",
        area_code="E92000001",
        period_label="2019",
        sex="persons",
        age_band="18+ yrs",
        breakdown_type="none",
    )
    assert smoking["value"] == pytest.approx(13.9)
    by_age = table.filter(
        pc.and_(
            pc.equal(table["series"], "ons_sdg:3-a-1"), pc.equal(table["area_code"], "E12000007")
        )
    )
    assert set(by_age["age_band"].to_pylist()) == {
        "18+ yrs",
        "18-24 yrs",
        "25-34 yrs",
        "35-44 yrs",
        "45-54 yrs",
        "55-64 yrs",
        "65+ yrs",
    }
    nssec = table.filter(pc.equal(table["breakdown_type"], "nssec"))
    assert "Routine and manual" in set(nssec["breakdown_category"].to_pylist())
