"""IMD 2019 and 2025: national deciles as published, London deciles and quintiles, summaries."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import healthgap.geography.deprivation as deprivation_module
from healthgap.config import package_data_dir
from healthgap.errors import InputError
from healthgap.geography import equal_count_groups, load_geography

GEO = load_geography()
COLUMNS = [
    "lsoa_code",
    "ltla_code",
    "score",
    "rank",
    "national_decile",
    "london_decile",
    "london_quintile",
]
FILES = {
    "imd2019": ("imd2019_lsoa11_england.csv", "lsoa11_code", 4835),
    "imd2025": ("imd2025_lsoa21_england_scores_ranks_deciles.csv", "lsoa21_code", 4994),
}


@pytest.fixture(scope="module", params=["imd2019", "imd2025"])
def edition(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_columns_and_coverage(edition: str) -> None:
    frame = GEO.deprivation(edition)  # type: ignore[arg-type]
    _, _, n = FILES[edition]
    assert list(frame.columns) == COLUMNS
    assert len(frame) == n
    assert frame["lsoa_code"].is_unique
    assert frame["ltla_code"].str.match(r"^E090000\d\d$").all()
    assert not frame.isna().any().any()


def test_national_deciles_and_ranks_match_the_file(edition: str) -> None:
    file, key, _ = FILES[edition]
    raw = pd.read_csv(
        package_data_dir() / "deprivation" / file,
        usecols=[key, "IMD_rank", "IMD_decile", "IMD_score"],
    )
    n_england = len(raw)
    frame = GEO.deprivation(edition).merge(  # type: ignore[arg-type]
        raw, left_on="lsoa_code", right_on=key, how="left"
    )
    assert (frame["national_decile"] == frame["IMD_decile"]).all()
    assert (frame["rank"] == frame["IMD_rank"]).all()
    assert np.allclose(frame["score"], frame["IMD_score"])
    # and the published deciles follow MHCLG's rule: decile = ceil(rank × 10 / N England)
    assert (np.ceil(frame["rank"] * 10 / n_england) == frame["national_decile"]).all()


def test_london_deciles_have_equal_counts_and_1_is_most_deprived(edition: str) -> None:
    frame = GEO.deprivation(edition)  # type: ignore[arg-type]
    for column, q in (("london_decile", 10), ("london_quintile", 5)):
        counts = frame[column].value_counts()
        assert sorted(counts.index) == list(range(1, q + 1))
        assert counts.max() - counts.min() <= 1
        by_group = frame.groupby(column)
        # every LSOA in group g is more deprived (lower national rank) than every one in g + 1
        assert (
            by_group["rank"].max().to_numpy()[:-1] < by_group["rank"].min().to_numpy()[1:]
        ).all()
        # higher IMD score = more deprived: mean score falls from group 1 to group q
        assert np.all(np.diff(by_group["score"].mean().to_numpy()) < 0)
    # London is more deprived than England: more than 10% of London LSOAs in national decile 1-2
    assert (frame["national_decile"] <= 2).mean() > 0.10
    # London decile and quintile agree: deciles 1-2 are quintile 1 (up to the one-row boundary)
    agree = ((frame["london_decile"] + 1) // 2 == frame["london_quintile"]).mean()
    assert agree > 0.998


def test_deprivation_frames_are_copies() -> None:
    frame = GEO.deprivation("imd2025")
    frame.loc[:, "score"] = 0.0
    assert GEO.deprivation("imd2025")["score"].max() > 0


def test_unknown_edition_is_an_input_error() -> None:
    with pytest.raises(InputError, match="edition"):
        GEO.deprivation("imd2015")  # type: ignore[arg-type]


def test_equal_count_groups_doctest() -> None:
    result = doctest.testmod(deprivation_module, verbose=False)
    assert result.attempted >= 1
    assert result.failed == 0


@given(
    values=st.lists(
        st.integers(min_value=1, max_value=10_000), min_size=10, max_size=400, unique=True
    ),
    groups=st.sampled_from([2, 3, 4, 5, 10]),
)
def test_equal_count_groups_properties(values: list[int], groups: int) -> None:
    result = equal_count_groups(values, groups=groups)
    counts = np.bincount(result, minlength=groups + 1)[1:]
    assert counts.min() >= 1
    assert counts.max() - counts.min() <= 1
    order = np.argsort(values)
    assert np.all(np.diff(result[order]) >= 0)
    assert result[order[0]] == 1
    assert result[order[-1]] == groups


def test_equal_count_groups_ties_share_a_group_and_small_input_errors() -> None:
    result = equal_count_groups([1, 1, 2, 3, 4, 5, 6, 7, 8, 9], groups=5)
    assert result[0] == result[1] == 1
    with pytest.raises(InputError, match="at least 5"):
        equal_count_groups([1, 2, 3], groups=5)
    with pytest.raises(InputError, match="missing"):
        equal_count_groups([1.0, float("nan"), 3.0], groups=2)


def test_published_summaries_cover_london() -> None:
    ltla25 = GEO.deprivation_summary("imd2025", level="ltla")
    icb25 = GEO.deprivation_summary("imd2025", level="icb")
    ltla19 = GEO.deprivation_summary("imd2019", level="ltla")
    london = {b.code for b in GEO.boroughs()}
    assert london <= set(ltla25["area_code"])
    assert london <= set(ltla19["area_code"])
    assert {i.code for i in GEO.icbs()} <= set(icb25["area_code"])
    assert len(icb25) == 42
    assert icb25["source"].str.startswith("published").all()
    # Tower Hamlets is more deprived than Richmond in both editions
    for table in (ltla19, ltla25):
        score = table.set_index("area_code")["average_score"]
        assert score["E09000030"] > score["E09000027"]


def test_computed_2019_summaries_agree_with_published_where_both_exist() -> None:
    """Given the population-weighted method, the 2019 LTLA scores it gives for London are
    within 1 point of MHCLG's (MHCLG weighted by mid-2015 population, we by mid-2019)."""
    lsoa = GEO.deprivation("imd2019")
    pop = pd.read_csv(
        package_data_dir() / "population" / "population19_lsoa11_sya_persons_london.csv",
        usecols=["lsoa11_code", "total_population"],
    )
    computed = deprivation_module.population_weighted_summary(
        lsoa,
        population=dict(zip(pop["lsoa11_code"], pop["total_population"], strict=True)),
        group_of=dict(zip(lsoa["lsoa_code"], lsoa["ltla_code"], strict=True)),
        area_type="ltla",
    ).set_index("area_code")
    published = GEO.deprivation_summary("imd2019", level="ltla").set_index("area_code")
    joined = computed.join(published, suffixes=("", "_pub"), how="inner")
    assert len(joined) == 33
    assert (joined["average_score"] - joined["average_score_pub"]).abs().max() < 1.0
    assert np.allclose(
        joined["proportion_most_deprived_10pct"],
        joined["proportion_most_deprived_10pct_pub"],
        atol=1e-3,
    )
    icb19 = GEO.deprivation_summary("imd2019", level="icb")
    assert list(icb19["area_code"]) == [i.code for i in GEO.icbs()]
    assert icb19["source"].str.startswith("computed").all()
    assert icb19["extent"].isna().all()
