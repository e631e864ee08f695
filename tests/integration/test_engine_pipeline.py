"""The engine end to end on Synthetic London: plausible, protected, route- and backend-agnostic."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from healthgap.catalogue import load_catalogue
from healthgap.cli.main import app
from healthgap.engine.aggregate import AGGREGATE_SCHEMA, Period
from healthgap.engine.bands import LIFE_TABLE_20
from healthgap.engine.pipeline import area_parents, run_engine, values_from_aggregates
from healthgap.engine.recipes import EngineRecipe, compile_recipe
from healthgap.geography import load_geography
from healthgap.store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def synth_dir(synthetic_london_deaths: Path) -> Path:
    return synthetic_london_deaths


@pytest.fixture(scope="module")
def le_raw(synthetic_london_raw):
    """Life expectancy and suicide without disclosure control (arithmetic checks only): the
    session's shared run (tests/conftest.py)."""
    return synthetic_london_raw


def test_life_expectancy_is_plausible_and_follows_deprivation(le_raw) -> None:
    df = le_raw.values.to_pandas()
    le = df[(df.indicator_id == "life_expectancy") & (df.area_type == "region")]
    male = le[(le.sex == "male") & (le.breakdown_type == "none")]
    female = le[(le.sex == "female") & (le.breakdown_type == "none")]
    assert len(male) >= 1
    assert (male.value.between(77, 84)).all()
    assert (female.value.to_numpy() > male.value.to_numpy()).all()
    deciles = le[(le.sex == "male") & (le.breakdown_type == "imd2019_decile_london")]
    latest = deciles[deciles.period_label == deciles.period_label.max()]
    by_decile = latest.set_index(latest.breakdown_category.astype(int)).value.sort_index()
    gap = by_decile.loc[10] - by_decile.loc[1]
    assert 4 < gap < 10  # most vs least deprived decile, males
    assert (latest.lower95_0cl < latest.value).all()
    boroughs = df[
        (df.indicator_id == "life_expectancy")
        & (df.area_type == "ltla")
        & (df.breakdown_type == "none")
        & (df.sex == "persons")
        & (df.area_code != "E09000001")
    ]
    assert boroughs.area_code.nunique() == 32
    assert boroughs.value.between(76, 88).all()


def test_rolling_periods_and_labels(le_raw) -> None:
    labels = set(le_raw.values["period_label"].to_pylist())
    years = le_raw.provenance["years"]
    assert len(years) == 3
    assert labels == {f"{years[0]} - {str(years[2])[-2:]}"}
    assert le_raw.provenance["catalogue_version"] == load_catalogue().version


def test_disclosure_control_withholds_small_counts_and_says_why(synthetic_london_computed) -> None:
    protected = synthetic_london_computed  # life expectancy and suicide, protected
    df = protected.values.to_pandas()
    hidden = df[df.suppressed & df.note.fillna("").str.startswith("[c] withheld for disclosure")]
    assert len(hidden) > 0
    assert hidden["count"].isna().all()
    assert hidden["value"].isna().all()
    shown = df[~df.suppressed & (df.indicator_id == "suicide_rate")]
    assert (shown["count"] >= 5).all()  # the catalogue's threshold for suicides
    derived = df[df.series.str.contains("/sii-|/rii-|/gap-")]
    assert derived["count"].isna().all()  # derived measures publish no count
    report = protected.disclosure["suicide_rate"]
    assert report.primary > 0
    assert report.secondary > 0


def test_record_route_and_aggregated_route_agree(synth_dir: Path, le_raw) -> None:
    """Given the same deaths and population counted by hand (pandas; the population's 7.28M
    rows first summed over years and ethnic groups per LSOA, sex and age with pyarrow), the
    aggregated-input route gives exactly the record route's borough life expectancies."""
    recipe = compile_recipe(load_catalogue().indicator("life_expectancy"))
    assert isinstance(recipe, EngineRecipe)
    deaths = pq.read_table(synth_dir / "deaths").to_pandas()
    cell = ["lsoa_code", "sex", "age"]
    pop = (
        pq.read_table(synth_dir / "population", columns=[*cell, "population"])
        .group_by(cell)
        .aggregate([("population", "sum")])
        .rename_columns([*cell, "population"])
        .to_pandas()
    )
    deaths["year"] = pd.to_datetime(deaths.date_of_registration).dt.year
    years = le_raw.provenance["years"]
    deaths = deaths[deaths.year.isin(years)]
    ltla = load_geography().deprivation("imd2019").set_index("lsoa_code").ltla_code
    deaths["area_code"] = deaths.lsoa_code.map(ltla)
    pop["area_code"] = pop.lsoa_code.map(ltla)
    deaths["age_index"] = LIFE_TABLE_20.index(deaths.age.to_numpy())
    pop["age_index"] = LIFE_TABLE_20.index(pop.age.to_numpy())
    keys = ["area_code", "sex", "age_index"]
    d = deaths.groupby(keys).size().rename("events")
    p = pop.groupby(keys).population.sum()
    agg = pd.concat([p, d], axis=1).fillna(0.0).reset_index()
    persons = agg.groupby(["area_code", "age_index"])[["events", "population"]].sum().reset_index()
    persons["sex"] = "persons"
    agg = pd.concat([agg, persons])
    period = Period(years[0], years[-1])
    frame = pd.DataFrame(
        {
            "area_code": agg.area_code.astype(str),
            "area_type": "ltla",
            "period_label": period.label,
            "period_start_year": period.start_year,
            "period_end_year": period.end_year,
            "sex": agg.sex.astype(str),
            "breakdown_type": "none",
            "breakdown_category": "",
            "age_index": agg.age_index.astype("int64"),
            "age_band": [LIFE_TABLE_20.labels[i] for i in agg.age_index],
            "events": agg.events.astype(float),
            "population": agg.population.astype(float),
        }
    )
    table = pa.Table.from_pandas(frame, schema=AGGREGATE_SCHEMA, preserve_index=False)
    by_hand, _ = values_from_aggregates(
        table, recipe, parents=area_parents(), disclosure_control=False
    )
    hand = by_hand.to_pandas().set_index(["area_code", "sex"]).value
    engine = le_raw.values.to_pandas()
    engine = (
        engine[
            (engine.indicator_id == "life_expectancy")
            & (engine.area_type == "ltla")
            & (engine.breakdown_type == "none")
        ]
        .set_index(["area_code", "sex"])
        .value
    )
    joined = pd.concat([hand.rename("hand"), engine.rename("engine")], axis=1)
    assert len(joined) == 33 * 3
    pd.testing.assert_series_equal(
        joined.hand, joined.engine, check_names=False, rtol=1e-12, atol=0
    )


@pytest.mark.spark
@pytest.mark.timeout(900)  # the session's one local Spark run (validation included)
def test_spark_gives_identical_values(
    synthetic_london_spark_input: Path, spark_job_output: Path
) -> None:
    """The engine on local Spark (through the spark-submit entry point, the session's one
    Spark run, over six boroughs of Synthetic London) gives exactly the protected values of
    the engine on DuckDB over the same records, row for row: values, limits, counts and which
    cells disclosure control withheld."""
    ran = json.loads(spark_job_output.with_suffix(".provenance.json").read_text("utf-8"))
    duck = run_engine(
        synthetic_london_spark_input, indicators=ran["indicators"], checksums=False
    ).values
    spark = pq.read_table(spark_job_output)
    assert duck.num_rows > 2000
    # the comparison covers every area level and breakdown, published and withheld cells
    shown = duck.filter(pc.invert(duck["suppressed"]))
    assert set(shown["indicator_id"].to_pylist()) >= {
        "life_expectancy",
        "sii_life_expectancy",
        "suicide_rate",
    }
    assert set(shown["area_type"].to_pylist()) == {"ltla", "icb", "region"}
    assert len(set(shown["breakdown_type"].to_pylist())) >= 6
    assert 0 < shown.num_rows < duck.num_rows
    assert duck.equals(spark)


def test_compute_command_stores_a_release_with_provenance(computed_store) -> None:
    """``healthgap compute -i life_expectancy -i tb_incidence --json`` (the session's run,
    tests/conftest.py) computes what the records allow, says why it skipped the rest, and
    stores one release with its provenance."""
    store: Path = computed_store.path
    summary = computed_store.summary
    assert summary["computed"] == ["life_expectancy"]
    assert "tb_notifications" in summary["skipped"]["tb_incidence"]
    with open_store(store, read_only=True) as st:
        release = st.release(summary["release_id"])
        assert release.source == "engine:duckdb"
        assert any(f.name.startswith("deaths/") for f in release.files)

        def computed(table: pa.Table) -> pa.Table:  # the store also holds Fingertips values
            return table.filter(pc.equal(table["release_id"], summary["release_id"]))

        assert computed(st.values()).num_rows == summary["rows"]
        le = computed(st.values(indicator_ids=["life_expectancy"]))
        sii = computed(st.values(indicator_ids=["sii_life_expectancy"]))
        assert le.num_rows > 0
        assert sii.num_rows > 0  # the engine's SII maps to the catalogue indicator
        assert json.loads(release.note)["catalogue_version"] == load_catalogue().version


def test_compute_command_reports_bad_input(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert (
        CliRunner()
        .invoke(app, ["init", "--empty", "--store", str(tmp_path / "s.duckdb")])
        .exit_code
        == 0
    )
    result = CliRunner().invoke(
        app, ["compute", "--input", str(tmp_path / "empty"), "--store", str(tmp_path / "s.duckdb")]
    )
    assert result.exit_code == 2
    assert "no population" in result.output


def test_sii_and_gap_in_life_expectancy_across_london_deciles(le_raw) -> None:
    """Given life expectancy by London IMD decile, the engine derives the SII (the catalogue's
    sii_life_expectancy), the RII and the gap, consistent with the decile values."""
    from healthgap.engine.inequality import inequality_values

    out = inequality_values(
        le_raw.values,
        indicator_id="life_expectancy",
        statistic="life_expectancy",
        repetitions=2_000,
    ).to_pandas()
    london = out[(out.area_code == "E12000007") & (out.sex == "male")]
    sii = london[london.series.str.contains("/sii-")]
    gap = london[london.series.str.contains("/gap-")]
    rii = london[london.series.str.contains("/rii-")]
    assert (sii.indicator_id == "sii_life_expectancy").all()
    assert len(sii) == len(gap) == len(rii) >= 1
    dec = le_raw.values.to_pandas()
    dec = dec[
        (dec.indicator_id == "life_expectancy")
        & (dec.area_code == "E12000007")
        & (dec.sex == "male")
        & (dec.breakdown_type == "imd2019_decile_london")
    ]
    d = dec.set_index(dec.breakdown_category.astype(int)).value
    assert gap.value.iloc[0] == pytest.approx(d.loc[10] - d.loc[1])
    # the SII spans the whole gradient, so it exceeds the decile 10 - decile 1 gap a little
    assert gap.value.iloc[0] < sii.value.iloc[0] < 1.5 * gap.value.iloc[0]
    assert (sii.lower95_0cl < sii.value).all()
    assert (sii.upper99_8cl > sii.upper95_0cl).all()
    assert (rii.value > 1).all()
    assert set(out.columns) == set(le_raw.values.column_names)


def test_compute_compares_with_london_icb_and_published_england(computed_store) -> None:
    """Given a store holding the bundled Fingertips extract (England life expectancy), when
    life expectancy is computed from records, then every borough value is compared with
    London, its ICB and the published England value of the same period and sex, and the
    comparisons are stored with the release. (The session's store, tests/conftest.py.)"""
    store: Path = computed_store.path
    summary = computed_store.summary
    with open_store(store, read_only=True) as st:
        cmp = st.comparisons().to_pandas()
        england = st.values(area_codes=["E92000001"], series=["fingertips:90366"]).to_pandas()
    assert len(cmp) == summary["comparison_rows"] > 0
    le = cmp[cmp.indicator_id == "life_expectancy"]
    boroughs = le[(le.area_type == "ltla") & (le.breakdown_type == "none")]
    assert set(boroughs.benchmark) == {"region", "icb", "country", "boroughs", "previous"}
    icb = boroughs[boroughs.benchmark == "icb"]
    geo = load_geography()
    assert all(
        geo.icb_of(a).code == b for a, b in zip(icb.area_code, icb.benchmark_area_code, strict=True)
    )
    country = boroughs[boroughs.benchmark == "country"].merge(
        england[["period_label", "sex", "value"]], on=["period_label", "sex"]
    )
    assert len(country) > 0
    assert (country.benchmark_value == country.value).all()
    judged = country[country.outcome != "Not compared"]
    assert len(judged) > 0
    assert set(judged.outcome) <= {"Better", "Similar", "Worse"}
    assert (cmp[cmp.outcome == "Not compared"].reason != "").all()


def test_provenance_and_ethnicity_by_deprivation(le_raw) -> None:
    """Each computed recipe is fingerprinted in the provenance, and London and the ICBs are
    broken down by ethnic group × London deprivation quintile (boroughs are not)."""
    recipes = le_raw.provenance["recipes"]
    assert set(recipes) == {"life_expectancy", "suicide_rate"}
    assert all(len(h) == 16 for h in recipes.values())
    v = le_raw.values.to_pandas()
    crossed = v[v.breakdown_type == "ethnic_group_imd2019_quintile_london"]
    assert set(crossed.area_type) == {"icb", "region"}
    london = crossed[(crossed.area_code == "E12000007") & (crossed.sex == "persons")]
    assert len(london.breakdown_category.unique()) == 25  # 5 groups × 5 quintiles


def test_heat_measures_across_london_deciles_and_ethnic_groups(le_raw) -> None:
    """The WHO HEAT difference and ratio across London deciles are decile 10 against decile 1
    of the published values; ethnic groups get the unordered measures (e.g. BGV)."""
    v = le_raw.values.to_pandas()
    london = v[(v.area_code == "E12000007") & (v.sex == "female")]
    period = london.period_label.iloc[0]
    london = london[london.period_label == period]
    dec = london[
        (london.indicator_id == "life_expectancy")
        & (london.breakdown_type == "imd2019_decile_london")
    ].set_index("breakdown_category")
    heat = london.set_index("series")
    d = heat.loc["engine:life-expectancy/heat-d-imd2019-decile-london"]
    r = heat.loc["engine:life-expectancy/heat-r-imd2019-decile-london"]
    assert d.value == pytest.approx(dec.value["10"] - dec.value["1"])
    assert r.value == pytest.approx(dec.value["10"] / dec.value["1"])
    assert d.lower95_0cl < d.value < d.upper95_0cl
    assert pd.isna(d.indicator_id)
    assert d.note.startswith("HEAT D across London IMD 2019")
    assert "engine:life-expectancy/heat-bgv-ethnic-group" in heat.index
    assert "engine:suicide-rate/heat-paf-imd2019-decile-london" in set(v.series)
