"""NCMP's "Hackney and City of London" (E67000001): a real area, a child of London, never split."""

from __future__ import annotations

import pytest

from healthgap.errors import InputError
from healthgap.geography import AREA_TYPES, COMBINED_AREAS, Geography, load_geography

GEO: Geography = load_geography()
COMBINED = "E67000001"


def test_combined_area_is_known_with_its_name_and_type() -> None:
    area = GEO.require(COMBINED)
    assert area.name == "Hackney and City of London"
    assert area.area_type == "ltla_combined"
    assert "ltla_combined" in AREA_TYPES
    assert GEO.area_type(COMBINED) == "ltla_combined"


def test_combined_area_is_a_child_of_london_and_parent_of_nothing() -> None:
    assert [a.code for a in GEO.parents(COMBINED)] == ["E12000007", "E92000001"]
    assert GEO.children(COMBINED) == []
    assert GEO.children(COMBINED, area_type="lsoa21") == []
    assert COMBINED in {a.code for a in GEO.children("E12000007")}


def test_combined_area_is_not_a_borough_and_not_counted_among_the_33() -> None:
    boroughs = GEO.boroughs()
    assert len(boroughs) == 33
    assert COMBINED not in {b.code for b in boroughs}
    assert COMBINED not in {a.code for a in GEO.areas(area_type="ltla")}
    assert COMBINED not in {a.code for a in GEO.children("E12000007", area_type="ltla")}
    # Hackney and the City keep their own places under North East London ICB
    for code in ("E09000001", "E09000012"):
        assert GEO.require(code).parent_code == "E54000029"


def test_combined_area_names_the_boroughs_it_covers() -> None:
    assert [a.code for a in GEO.constituents(COMBINED)] == ["E09000001", "E09000012"]
    assert [a.code for a in GEO.combined_areas()] == sorted(COMBINED_AREAS)
    with pytest.raises(InputError, match="not a combined area"):
        GEO.constituents("E09000012")


def test_combined_area_is_found_by_search() -> None:
    codes = [a.code for a in GEO.search("Hackney and City", limit=3)]
    assert COMBINED in codes
