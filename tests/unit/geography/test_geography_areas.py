"""Areas, the hierarchy (parents and children), inner/outer London and the public surface."""

from __future__ import annotations

import re

import pytest

import healthgap.geography as geography
from healthgap.errors import InputError, UnknownAreaError
from healthgap.geography import AREA_TYPES, Geography, load_geography
from healthgap.store.columns import AREA_TYPES as STORE_AREA_TYPES

GEO: Geography = load_geography()

# Borough codes by name, written out from ONS (not read from the bundled lookups).
BOROUGH = {
    "City of London": "E09000001",
    "Barking and Dagenham": "E09000002",
    "Camden": "E09000007",
    "Greenwich": "E09000011",
    "Hackney": "E09000012",
    "Haringey": "E09000014",
    "Kensington and Chelsea": "E09000020",
    "Newham": "E09000025",
    "Richmond upon Thames": "E09000027",
    "Westminster": "E09000033",
}


def test_public_names_are_exported_and_sorted() -> None:
    # isort-style order, as ruff RUF022 keeps it: CONSTANTS, then Classes, then functions
    def key(name: str) -> tuple[bool, bool, str]:
        return (not name.isupper(), not name[0].isupper(), name)

    assert list(geography.__all__) == sorted(geography.__all__, key=key)
    for name in geography.__all__:
        assert hasattr(geography, name), name


def test_area_types_are_the_store_area_types() -> None:
    assert AREA_TYPES == STORE_AREA_TYPES


def test_load_geography_is_cached() -> None:
    assert load_geography() is GEO


@pytest.mark.parametrize(
    ("area_type", "count"),
    [
        ("lsoa11", 4835),
        ("lsoa21", 4994),
        ("msoa11", 983),
        ("msoa21", 1002),
        ("country", 1),
    ],
)
def test_counts_of_small_areas(area_type: str, count: int) -> None:
    areas = GEO.areas(area_type=area_type)
    assert len(areas) == count
    assert len({a.code for a in areas}) == count


def test_london_has_33_boroughs_and_5_icbs() -> None:
    boroughs = GEO.boroughs()
    assert [b.code for b in boroughs] == [f"E090000{n:02d}" for n in range(1, 34)]
    assert all(b.area_type == "ltla" for b in boroughs)
    for name, code in BOROUGH.items():
        assert GEO.require(code).name == name
    icbs = GEO.icbs()
    assert [i.code for i in icbs] == [
        "E54000027",
        "E54000028",
        "E54000029",
        "E54000030",
        "E54000031",
    ]
    assert all(i.parent_code == "E12000007" for i in icbs)
    assert GEO.require("E12000007").name == "London"
    assert GEO.require("E92000001").area_type == "country"


def test_every_borough_maps_to_exactly_one_icb_with_published_sizes() -> None:
    by_icb: dict[str, list[str]] = {}
    for b in GEO.boroughs():
        icb = GEO.icb_of(b.code)
        assert icb.parent_code == "E12000007"
        by_icb.setdefault(icb.name, []).append(b.code)
    sizes = {re.sub(r"^NHS | Integrated Care Board$", "", k): len(v) for k, v in by_icb.items()}
    assert sizes == {
        "North West London": 8,
        "North Central London": 5,
        "North East London": 8,
        "South East London": 6,
        "South West London": 6,
    }
    assert "E09000001" in by_icb["NHS North East London Integrated Care Board"]
    # children of each ICB are exactly its boroughs
    for icb in GEO.icbs():
        assert sorted(a.code for a in GEO.children(icb.code)) == sorted(by_icb[icb.name])


def test_wards_cover_all_london_lsoas() -> None:
    wards = GEO.areas(area_type="ward")
    assert 600 < len(wards) < 700
    assert all(w.parent_code in {b.code for b in GEO.boroughs()} for w in wards)
    covered = {a.code for w in wards for a in GEO.children(w.code, area_type="lsoa21")}
    assert len(covered) == 4994


def test_lsoa21_parent_chain_nearest_first() -> None:
    chain = GEO.parents("E01000001")
    assert [a.area_type for a in chain] == ["msoa21", "ward", "ltla", "icb", "region", "country"]
    assert [a.code for a in chain[2:]] == ["E09000001", "E54000029", "E12000007", "E92000001"]
    assert chain[0].code == "E02000001"
    assert chain[1].name == "Aldersgate"


def test_lsoa11_parent_chain_uses_2011_msoa() -> None:
    chain = GEO.parents("E01000001", as_type="lsoa11")
    assert [a.area_type for a in chain] == ["msoa11", "ltla", "icb", "region", "country"]


def test_borough_parent_chain() -> None:
    chain = GEO.parents("e09000012")
    assert [a.code for a in chain] == ["E54000029", "E12000007", "E92000001"]
    assert GEO.require("E09000012").parent_code == "E54000029"


def test_non_london_ltla_sits_under_its_region() -> None:
    manchester = GEO.require("E08000003")
    assert manchester.name == "Manchester"
    assert [a.code for a in GEO.parents(manchester.code)] == ["E12000002", "E92000001"]
    assert GEO.is_inner_london("E08000003") is False


def test_shared_2011_2021_code_resolves_to_2021_unless_asked() -> None:
    assert GEO.area_type("E01000001") == "lsoa21"
    assert GEO.types_of("E01000001") == ["lsoa21", "lsoa11"]
    lsoa11 = GEO.get("E01000001", as_type="lsoa11")
    assert lsoa11 is not None
    assert lsoa11.area_type == "lsoa11"
    assert GEO.get("E01000001", as_type="ward") is None
    # a code only in 2011 (split away in 2021) is still known
    only_2011 = sorted(
        {a.code for a in GEO.areas(area_type="lsoa11")}
        - {a.code for a in GEO.areas(area_type="lsoa21")}
    )
    assert only_2011
    assert GEO.area_type(only_2011[0]) == "lsoa11"


def test_children_of_a_borough_by_type_are_consistent() -> None:
    hackney = "E09000012"
    direct = GEO.children(hackney)
    assert {a.area_type for a in direct} == {"ward", "msoa11", "msoa21"}
    lsoa21 = GEO.children(hackney, area_type="lsoa21")
    lsoa11 = GEO.children(hackney, area_type="lsoa11")
    assert len(lsoa21) > 100
    assert len(lsoa11) > 100
    for a in lsoa21:
        assert GEO.parents(a.code)[2].code == hackney
    # the sum over boroughs is every LSOA, each once
    total = [a.code for b in GEO.boroughs() for a in GEO.children(b.code, area_type="lsoa21")]
    assert len(total) == len(set(total)) == 4994


def test_children_of_england_and_london() -> None:
    assert len(GEO.children("E92000001", area_type="region")) == 9
    # the 5 ICBs and NCMP's combined Hackney and City of London (E67000001)
    assert [a.area_type for a in GEO.children("E12000007")] == ["icb"] * 5 + ["ltla_combined"]
    assert len(GEO.children("E12000007", area_type="ltla")) == 33
    assert GEO.children("E01000001") == []
    msoa11_lsoas = GEO.children("E02000001", area_type="lsoa11")
    assert msoa11_lsoas
    assert all(a.area_type == "lsoa11" for a in msoa11_lsoas)


def test_unknown_code_names_it_and_suggests_the_closest() -> None:
    with pytest.raises(UnknownAreaError) as info:
        GEO.require("E09000034")
    assert info.value.code == "E09000034"
    assert info.value.suggestion is not None
    assert re.fullmatch(r"E0900003\d", info.value.suggestion)
    assert "E09000034" in str(info.value)
    assert info.value.suggestion in str(info.value)
    with pytest.raises(UnknownAreaError) as short:
        GEO.require("E0900001", context="indicators.csv row 4")
    assert short.value.suggestion is not None
    assert short.value.suggestion.startswith("E090000")
    assert str(short.value).startswith("indicators.csv row 4: ")
    assert GEO.get("E09000034") is None


def test_unknown_name_suggests_by_search() -> None:
    with pytest.raises(UnknownAreaError) as info:
        GEO.require("Hackny")
    assert info.value.suggestion == "E09000012"


def test_area_type_and_children_validate_the_type() -> None:
    with pytest.raises(InputError, match="area type must be one of"):
        GEO.children("E09000012", area_type="borough")
    with pytest.raises(UnknownAreaError):
        GEO.area_type("X99")


@pytest.mark.parametrize(
    ("name", "ons", "lga"),
    [
        ("Greenwich", False, True),
        ("Haringey", True, False),
        ("Newham", True, False),
        ("Hackney", True, True),
        ("City of London", True, True),
        ("Richmond upon Thames", False, False),
        ("Barking and Dagenham", False, False),
    ],
)
def test_inner_london_definitions_differ_where_they_should(name: str, ons: bool, lga: bool) -> None:
    code = BOROUGH[name]
    assert GEO.is_inner_london(code) is ons
    assert GEO.is_inner_london(code, definition="ons") is ons
    assert GEO.is_inner_london(code, definition="lga1963") is lga


def test_inner_london_counts_and_small_areas() -> None:
    boroughs = [b.code for b in GEO.boroughs()]
    assert sum(GEO.is_inner_london(b) for b in boroughs) == 14
    assert sum(GEO.is_inner_london(b, definition="lga1963") for b in boroughs) == 13
    lsoa = GEO.children("E09000012", area_type="lsoa21")[0]
    assert GEO.is_inner_london(lsoa.code) is True
    with pytest.raises(InputError, match="borough"):
        GEO.is_inner_london("E12000007")
    with pytest.raises(InputError, match="definition"):
        GEO.is_inner_london("E09000012", definition="nuts")  # type: ignore[arg-type]


def test_icb_of_rejects_areas_outside_london_icbs() -> None:
    with pytest.raises(InputError, match="London ICB"):
        GEO.icb_of("E08000003")
    assert GEO.icb_of("E01000001").code == "E54000029"
    assert GEO.borough_of("E01000001").code == "E09000001"
