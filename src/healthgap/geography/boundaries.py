"""Boundary GeoJSON (EPSG:4326) for London boroughs, ICBs, the region, MSOAs and LSOAs.

File bytes are read on first use and kept; every call parses them afresh, so callers get their
own dict and may change it. Each feature gains ``id``, ``properties.code`` and
``properties.name`` (the original ONS properties are kept), so maps can key on
``properties.code`` whatever the level. Sources: ONS Open Geography (BSC/BUC generalised
clipped boundaries) via dhsc-govuk/FingertipsNext and humaniverse/geographr; see PROVENANCE.md §9.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal, get_args

from healthgap.errors import InputError

__all__ = ["BOUNDARY_FILES", "BoundaryLevel", "boundary_properties", "read_boundaries"]

BoundaryLevel = Literal["ltla", "icb", "region", "msoa11", "msoa21", "lsoa11", "lsoa21"]

#: level → (file in ``data/boundaries``, code property, name property).
BOUNDARY_FILES: Final[dict[str, tuple[str, str, str]]] = {
    "ltla": ("london_lad24_bsc.geojson", "LAD24CD", "LAD24NM"),
    "icb": ("london_icb23_bsc.geojson", "ICB23CD", "ICB23NM"),
    "region": ("london_region23_buc.geojson", "RGN23CD", "RGN23NM"),
    "msoa11": ("london_msoa11.geojson", "msoa11_code", "msoa11_name"),
    "msoa21": ("london_msoa21.geojson", "msoa21_code", "msoa21_name"),
    "lsoa11": ("london_lsoa11.geojson", "lsoa11_code", "lsoa11_name"),
    "lsoa21": ("london_lsoa21.geojson", "lsoa21_code", "lsoa21_name"),
}


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


def read_boundaries(folder: Path, level: str) -> dict[str, Any]:
    """The parsed FeatureCollection for ``level`` (a new dict on every call)."""
    if level not in BOUNDARY_FILES:
        raise InputError(
            f"boundary level must be one of {', '.join(get_args(BoundaryLevel))}", value=level
        )
    file, code_key, name_key = BOUNDARY_FILES[level]
    path = folder / file
    if not path.is_file():
        raise InputError("boundary file not found", file=str(path))
    data: dict[str, Any] = json.loads(_bytes(path))
    features = data.get("features")
    if data.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise InputError("not a GeoJSON FeatureCollection", file=file)
    for i, feature in enumerate(features):
        props = feature.get("properties") or {}
        code, name = props.get(code_key), props.get(name_key)
        if not isinstance(code, str) or not isinstance(name, str):
            raise InputError(
                "feature has no code or name property", file=file, row=i + 1, column=code_key
            )
        props["code"] = code
        props["name"] = name
        feature["properties"] = props
        feature["id"] = code
    return data


def boundary_properties(folder: Path, level: str) -> dict[str, str]:
    """Code → name of the features of ``level``."""
    data = read_boundaries(folder, level)
    return {f["properties"]["code"]: f["properties"]["name"] for f in data["features"]}
