"""Searching areas by name or code."""

from __future__ import annotations

import pytest

from healthgap.errors import InputError
from healthgap.geography import load_geography

GEO = load_geography()


def test_search_finds_hackney_first_whatever_the_case() -> None:
    for text in ("hackney", "HACKNEY", "  Hackney "):
        hits = GEO.search(text)
        assert hits[0].code == "E09000012"
    assert all("hackney" in a.name.lower() for a in GEO.search("hackney"))


def test_search_substring_finds_kensington_and_chelsea() -> None:
    hits = GEO.search("Kensington")
    assert hits[0].code == "E09000020"
    assert GEO.search("chelsea", area_type="ltla")[0].code == "E09000020"


def test_search_fuzzy_finds_misspellings() -> None:
    assert GEO.search("Kensingtn", area_type="ltla")[0].code == "E09000020"
    assert GEO.search("tower hamlet")[0].code == "E09000030"
    assert GEO.search("Wandswroth")[0].code == "E09000032"


def test_search_by_code_and_prefix() -> None:
    assert GEO.search("e54000027")[0].code == "E54000027"
    prefix = GEO.search("E0900003", area_type="ltla")
    assert [a.code for a in prefix] == ["E09000030", "E09000031", "E09000032", "E09000033"]


def test_search_type_and_limit() -> None:
    hits = GEO.search("camden", area_type="lsoa21", limit=5)
    assert len(hits) == 5
    assert all(a.area_type == "lsoa21" and a.name.startswith("Camden") for a in hits)
    with pytest.raises(InputError, match="limit"):
        GEO.search("camden", limit=0)


def test_search_for_nonsense_is_empty() -> None:
    assert GEO.search("qqqzzzxxy") == []
    assert GEO.search("   ") == []
