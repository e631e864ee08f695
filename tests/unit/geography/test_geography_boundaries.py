"""Boundary GeoJSON for each level."""

from __future__ import annotations

import pytest

from healthgap.errors import InputError
from healthgap.geography import load_geography

GEO = load_geography()


def test_borough_boundaries_have_33_features_with_matching_codes() -> None:
    data = GEO.boundaries("ltla")
    assert data["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in data["features"]]
    assert sorted(codes) == [b.code for b in GEO.boroughs()]
    for feature in data["features"]:
        assert feature["id"] == feature["properties"]["code"]
        assert feature["properties"]["name"] == GEO.require(feature["id"]).name
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        lon, lat = feature["properties"]["LONG"], feature["properties"]["LAT"]
        assert -0.6 < lon < 0.4
        assert 51.2 < lat < 51.8


@pytest.mark.parametrize(
    ("level", "count"),
    [
        ("icb", 5),
        ("region", 1),
        ("msoa11", 983),
        ("msoa21", 1002),
        ("lsoa11", 4835),
        ("lsoa21", 4994),
    ],
)
def test_each_level_matches_the_known_areas(level: str, count: int) -> None:
    data = GEO.boundaries(level)  # type: ignore[arg-type]
    codes = {f["properties"]["code"] for f in data["features"]}
    assert len(data["features"]) == count
    expected_type = "region" if level == "region" else level
    known = {a.code for a in GEO.areas(area_type=expected_type)}
    assert codes <= known
    if level != "region" and level != "icb":
        assert codes == known
    if level == "icb":
        assert codes == {i.code for i in GEO.icbs()}


def test_each_call_returns_a_fresh_dict() -> None:
    first = GEO.boundaries("icb")
    first["features"].clear()
    assert len(GEO.boundaries("icb")["features"]) == 5


def test_unknown_level_is_an_input_error() -> None:
    with pytest.raises(InputError, match="boundary level"):
        GEO.boundaries("ward")  # type: ignore[arg-type]
