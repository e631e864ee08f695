"""Aggregation stage: events and population to grouped counts, checked by hand."""

from __future__ import annotations

import datetime as dt

import ibis
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
from healthgap.engine.bands import ALL_AGES, ESP2013_19, LIFE_TABLE_20
from healthgap.errors import InputError

LSOAS = pa.table(
    {
        "lsoa_code": ["L1", "L2", "L3"],
        "ltla_code": ["B1", "B1", "B2"],
        "icb_code": ["I1", "I1", "I1"],
        "region_code": ["E12000007"] * 3,
        "imd_decile": [1, 5, 10],
        "imd_london_decile": [1, 5, 10],
        "imd_london_quintile": [1, 3, 5],
    }
)


def _deaths() -> pa.Table:
    rows = [
        # lsoa, date, age, sex, ethnic, cause
        ("L1", dt.date(2019, 3, 1), 0, "male", "white", "P07.3"),
        ("L1", dt.date(2019, 5, 1), 72, "male", "white", "C34.1"),
        ("L1", dt.date(2020, 5, 1), 72, "female", "black", "C50"),
        ("L2", dt.date(2020, 6, 1), 95, "female", "asian", "I21.9"),
        ("L3", dt.date(2020, 7, 1), 40, "male", "white", "X70"),
        ("L3", dt.date(2018, 7, 1), 40, "male", "white", "C34"),  # outside the years
    ]
    cols = list(zip(*rows, strict=True))
    return pa.table(
        {
            "lsoa_code": cols[0],
            "date_of_death": cols[1],
            "age": pa.array(cols[2], pa.int64()),
            "sex": cols[3],
            "ethnic_group": cols[4],
            "underlying_cause": cols[5],
        }
    )


def _population() -> pa.Table:
    rows = []
    for lsoa in ("L1", "L2", "L3"):
        for year in (2019, 2020):
            for sex in ("male", "female"):
                for age in range(91):
                    rows.append((lsoa, year, sex, age, 10.0))
    cols = list(zip(*rows, strict=True))
    return pa.table(
        {
            "lsoa_code": cols[0],
            "year": pa.array(cols[1], pa.int64()),
            "sex": cols[2],
            "age": pa.array(cols[3], pa.int64()),
            "population": cols[4],
        }
    )


def _run(selection: EventSelection, **kw: object) -> pa.Table:
    con = ibis.duckdb.connect()
    ev = aggregate_events(
        con.create_table("deaths", ibis.memtable(_deaths())),
        selection=selection,
        banding=ESP2013_19,
        date_column="date_of_death",
        years=[2019, 2020],
    ).to_pyarrow()
    pop = aggregate_population(
        con.create_table("pop", ibis.memtable(_population())),
        banding=ESP2013_19,
        years=[2019, 2020],
    ).to_pyarrow()
    return roll_up(ev, pop, LSOAS, banding=ESP2013_19, periods=[Period(2019, 2020)], **kw)


def test_cancer_deaths_roll_up_to_boroughs_sexes_and_deciles() -> None:
    """Given deaths with ICD-10 causes, when cancers (C00–C97) are selected,
    then each borough, sex and decile gets exactly its own cancer deaths."""
    out = _run(EventSelection(codes=(CodeFilter.parse("underlying_cause", ["C00-C97"]),)))
    df = out.to_pandas()
    b1 = df[(df.area_code == "B1") & (df.breakdown_type == "none")]
    assert b1[b1.sex == "persons"].events.sum() == 2  # C34.1 (2019) + C50 (2020)
    assert b1[b1.sex == "male"].events.sum() == 1
    assert df[(df.area_code == "B2") & (df.breakdown_type == "none")].events.sum() == 0
    # every borough × sex × breakdown has all 19 bands, with the population behind each
    persons = b1[b1.sex == "persons"]
    assert len(persons) == 19
    assert persons.population.iloc[0] == 2 * 2 * 2 * 5 * 10  # lsoas × years × sexes × ages × 10
    assert persons.population.iloc[-1] == 2 * 2 * 2 * 1 * 10  # 90+ band holds age 90 only
    dec1 = df[
        (df.area_type == "region")
        & (df.breakdown_type == "imd2019_decile_london")
        & (df.breakdown_category == "1")
    ]
    assert dec1[dec1.sex == "persons"].events.sum() == 2
    assert out.schema.names[0] == "area_code"


def test_age_band_and_period_labels_follow_fingertips() -> None:
    out = _run(EventSelection())
    assert set(out["period_label"].to_pylist()) == {"2019 - 20"}
    assert out["age_band"].to_pylist()[:3] == ["0-4", "5-9", "10-14"]
    assert LIFE_TABLE_20.labels[:3] == ("0", "1-4", "5-9")
    df = out.to_pandas()
    region = df[(df.area_type == "region") & (df.breakdown_type == "none")]
    assert region[region.sex == "persons"].events.sum() == 5  # 2018 death excluded


def test_prefix_and_age_and_sex_selection() -> None:
    out = _run(
        EventSelection(
            codes=(CodeFilter.parse("underlying_cause", ["C34"]),), sexes=("male",), age_max=74
        )
    ).to_pandas()
    region = out[(out.area_type == "region") & (out.breakdown_type == "none")]
    assert region[region.sex == "persons"].events.sum() == 1


def test_events_without_population_are_an_error_not_lost() -> None:
    con = ibis.duckdb.connect()
    ev = aggregate_events(
        con.create_table("deaths", ibis.memtable(_deaths())),
        selection=EventSelection(),
        banding=ESP2013_19,
        date_column="date_of_death",
        years=[2019, 2020],
    ).to_pyarrow()
    pop = aggregate_population(
        con.create_table(
            "pop", ibis.memtable(_population().filter(pa.compute.field("lsoa_code") != "L3"))
        ),
        banding=ESP2013_19,
        years=[2019, 2020],
    ).to_pyarrow()
    with pytest.raises(InputError, match=r"1 events are in LSOAs with no population denominator"):
        roll_up(ev, pop, LSOAS, banding=ESP2013_19, periods=[Period(2019, 2020)])


def test_ethnic_breakdown_needs_ethnic_denominators() -> None:
    with pytest.raises(InputError, match="ethnic group"):
        _run(EventSelection(), breakdowns=("ethnic_group",))


def test_unknown_level_is_named() -> None:
    with pytest.raises(InputError, match="'ward': unknown area level"):
        _run(EventSelection(), area_levels=("ward",))


def test_all_ages_banding_aggregates_to_one_band() -> None:
    """A crude rate over all ages uses a one-band banding; its index is the constant 0."""
    con = ibis.duckdb.connect()
    ev = aggregate_events(
        con.create_table("deaths", ibis.memtable(_deaths())),
        selection=EventSelection(),
        banding=ALL_AGES,
        date_column="date_of_death",
        years=[2019, 2020],
    ).to_pyarrow()
    assert set(ev["age_index"].to_pylist()) == {0}
    assert sum(ev["events"].to_pylist()) == 5


def test_ethnicity_by_deprivation_intersection_adds_up_to_its_margins() -> None:
    """Given deaths and population by ethnic group, when rolled up by ethnic group × London
    quintile, then each category is 'group|quintile' and the quintiles of a group add up to
    the group's own row (events and population)."""
    pop = _population()
    groups = ("white", "black", "asian")
    ethnic_pop = pa.concat_tables(
        pop.append_column("ethnic_group", pa.array([g] * pop.num_rows)) for g in groups
    )
    con = ibis.duckdb.connect()
    ev = aggregate_events(
        con.create_table("deaths", ibis.memtable(_deaths())),
        selection=EventSelection(),
        banding=ESP2013_19,
        date_column="date_of_death",
        years=[2019, 2020],
    ).to_pyarrow()
    den = aggregate_population(
        con.create_table("pop", ibis.memtable(ethnic_pop)),
        banding=ESP2013_19,
        years=[2019, 2020],
    ).to_pyarrow()
    out = roll_up(
        ev,
        den,
        LSOAS,
        banding=ESP2013_19,
        periods=[Period(2019, 2020)],
        area_levels=("region",),
        breakdowns=("ethnic_group", "ethnic_group_imd2019_quintile_london"),
    ).to_pandas()
    persons = out[out.sex == "persons"]
    crossed = persons[persons.breakdown_type == "ethnic_group_imd2019_quintile_london"]
    assert set(crossed.breakdown_category) == {f"{g}|{q}" for g in groups for q in (1, 3, 5)}
    summed = (
        crossed.assign(group=crossed.breakdown_category.str.split("|").str[0])
        .groupby("group")[["events", "population"]]
        .sum()
    )
    margin = (
        persons[persons.breakdown_type == "ethnic_group"]
        .groupby("breakdown_category")[["events", "population"]]
        .sum()
    )
    assert (summed.sort_index() == margin.sort_index()).all().all()
    assert margin.loc["white", "events"] == 3  # L1 male 2019 ×2, L3 male 2020
    assert crossed[crossed.breakdown_category == "white|1"].events.sum() == 2
