"""London geography: areas, hierarchy, 2011/2021 lineage, deprivation, boundaries."""

from __future__ import annotations

from healthgap.geography.areas import (
    AREA_TYPES,
    COMBINED_AREAS,
    ENGLAND,
    LONDON,
    LONDON_BOROUGHS,
    LONDON_ICBS,
    Area,
)
from healthgap.geography.boundaries import BoundaryLevel
from healthgap.geography.deprivation import LATEST_EDITION, Edition, equal_count_groups
from healthgap.geography.inner_london import INNER_LONDON, InnerLondonDefinition
from healthgap.geography.lineage import CHANGE_TYPES
from healthgap.geography.model import Geography, load_geography

__all__ = [
    "AREA_TYPES",
    "CHANGE_TYPES",
    "COMBINED_AREAS",
    "ENGLAND",
    "INNER_LONDON",
    "LATEST_EDITION",
    "LONDON",
    "LONDON_BOROUGHS",
    "LONDON_ICBS",
    "Area",
    "BoundaryLevel",
    "Edition",
    "Geography",
    "InnerLondonDefinition",
    "equal_count_groups",
    "load_geography",
]
