"""``Geography``: every London area, its parents and children, lineage, deprivation, boundaries.

``load_geography()`` builds it once per process from the bundled data (``data/lookups``,
``data/deprivation``, ``data/boundaries``). Only the small lookups (England, regions, LTLAs,
ICBs) are read then; wards, MSOAs, LSOAs, deprivation, lineage and boundaries are read on first
use and kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd

from healthgap.config import package_data_dir
from healthgap.errors import InputError, UnknownAreaError
from healthgap.geography._files import read_table
from healthgap.geography.areas import (
    AREA_TYPES,
    COMBINED_AREAS,
    LONDON_BOROUGHS,
    LONDON_ICBS,
    Area,
    looks_like_code,
)
from healthgap.geography.boundaries import BoundaryLevel, boundary_properties, read_boundaries
from healthgap.geography.deprivation import Edition, read_deprivation, read_summary
from healthgap.geography.hierarchy import AreaIndex, Key, build_core, build_small_areas, merge
from healthgap.geography.inner_london import INNER_LONDON, InnerLondonDefinition
from healthgap.geography.lineage import read_lineage
from healthgap.geography.search import closest_code, search_areas

__all__ = ["Geography", "load_geography"]

_T = TypeVar("_T")


class Geography:
    """London's areas and the reference data about them. Build with ``load_geography()``."""

    def __init__(self, data_dir: Path) -> None:
        self._data = data_dir
        self._lookups = data_dir / "lookups"
        self._core: AreaIndex = build_core(self._lookups)
        self._lock = threading.RLock()
        self._memo: dict[str, Any] = {}

    def _once(self, key: str, build: Callable[[], _T]) -> _T:
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            value: _T = self._memo[key]
            return value

    @cached_property
    def _full(self) -> AreaIndex:
        msoa21 = boundary_properties(self._data / "boundaries", "msoa21")
        small = build_small_areas(
            self._lookups,
            core=self._core,
            msoa21_names={name: code for code, name in msoa21.items()},
        )
        return merge(self._core, small)

    def _index_for(self, key: Key) -> AreaIndex:
        return self._core if key in self._core.nodes else self._full

    def _keys(self, code: str, as_type: str | None) -> tuple[Key, ...]:
        """The (code, type) keys for ``code``, 2021 geography first; empty if unknown."""
        clean = code.strip().upper()
        keys = self._core.by_code.get(clean) or self._full.by_code.get(clean, ())
        if as_type is not None:
            _check_type(as_type)
            keys = tuple(k for k in keys if k[1] == as_type)
        return keys

    def _resolve(self, code: str, *, as_type: str | None = None, context: str = "") -> Key:
        keys = self._keys(code, as_type)
        if not keys:
            raise UnknownAreaError(code, suggestion=self.suggest(code), context=context)
        return keys[0]

    # ------------------------------------------------------------------ areas
    def get(self, code: str, *, as_type: str | None = None) -> Area | None:
        """The area with this GSS code (any case, spaces ignored), or ``None``.

        A code unchanged from 2011 to 2021 names both an LSOA/MSOA 2011 and 2021: the 2021 area
        is returned unless ``as_type`` ('lsoa11', 'msoa11' …) asks for the other.
        """
        keys = self._keys(code, as_type)
        return self._index_for(keys[0]).nodes[keys[0]] if keys else None

    def require(self, code: str, *, as_type: str | None = None, context: str = "") -> Area:
        """The area with this code; ``UnknownAreaError`` naming it and the closest code if not."""
        key = self._resolve(code, as_type=as_type, context=context)
        return self._index_for(key).nodes[key]

    def suggest(self, text: str) -> str | None:
        """The known code closest to ``text`` (a mistyped code or a place name)."""
        if looks_like_code(text):
            return closest_code(text, list(self._full.by_code))
        hits = self.search(text, limit=1)
        return hits[0].code if hits else None

    def area_type(self, code: str) -> str:
        """The area's type, one of ``AREA_TYPES`` (2021 type for a code shared with 2011)."""
        return self.require(code).area_type

    def types_of(self, code: str) -> list[str]:
        """Every type the code has: two for an LSOA/MSOA unchanged since 2011, else one."""
        keys = self._keys(code, None)
        if not keys:
            raise UnknownAreaError(code, suggestion=self.suggest(code))
        return [k[1] for k in keys]

    def areas(self, *, area_type: str | None = None) -> list[Area]:
        """Every known area (of ``area_type`` if given), sorted by code."""
        _check_type(area_type)
        return sorted(
            (a for a in self._full.nodes.values() if area_type in (None, a.area_type)),
            key=lambda a: (a.code, a.area_type),
        )

    def parents(self, code: str, *, as_type: str | None = None) -> list[Area]:
        """All ancestors, nearest first (LSOA21 → MSOA21, ward, borough, ICB, London, England)."""
        key = self._resolve(code, as_type=as_type)
        index = self._index_for(key)
        return [index.nodes[k] for k in index.ancestors(key)]

    def children(self, code: str, *, area_type: str | None = None) -> list[Area]:
        """Direct children; with ``area_type``, every descendant of that type. Sorted by code.

        For a code shared by 2011 and 2021 areas, direct children are the 2021 area's; typed
        descendants come from whichever has them (``children('E02000001', area_type='lsoa11')``
        gives the LSOAs 2011 of MSOA 2011 ``E02000001``).
        """
        _check_type(area_type)
        keys = self._keys(code, None)
        if not keys:
            raise UnknownAreaError(code, suggestion=self.suggest(code))
        index = self._full
        if area_type is None:
            found = list(index.children.get(keys[0], ()))
        else:
            found = sorted({d for k in keys for d in index.descendants(k, area_type=area_type)})
        return [index.nodes[k] for k in found]

    def search(self, text: str, *, area_type: str | None = None, limit: int = 20) -> list[Area]:
        """Areas whose code or name matches ``text``: exact, prefix, substring, then fuzzy."""
        _check_type(area_type)
        if limit < 1:
            raise InputError("limit must be at least 1", value=limit)
        return search_areas(self._full.nodes.values(), text, area_type=area_type, limit=limit)

    # ------------------------------------------------------------------ London
    def boroughs(self) -> list[Area]:
        """The 33 London local authorities (32 boroughs and the City), by code."""
        return [self._core.nodes[(c, "ltla")] for c in LONDON_BOROUGHS]

    def combined_areas(self) -> list[Area]:
        """London's combined areas (NCMP's Hackney and City of London), by code."""
        return [self._core.nodes[(c, "ltla_combined")] for c in sorted(COMBINED_AREAS)]

    def constituents(self, code: str) -> list[Area]:
        """The boroughs a combined area covers (for display: its values are never split)."""
        area = self.require(code)
        if area.area_type != "ltla_combined":
            raise InputError("not a combined area", key=area.code, value=area.area_type)
        return [self._core.nodes[(c, "ltla")] for c in COMBINED_AREAS[area.code][1]]

    def icbs(self) -> list[Area]:
        """The 5 London Integrated Care Boards, by code."""
        return [self._core.nodes[(c, "icb")] for c in LONDON_ICBS]

    def icb_of(self, borough_code: str) -> Area:
        """The London ICB a borough (or any London area below borough level) lies in."""
        return self._ancestor_of_type(borough_code, "icb", rule="is not in a London ICB")

    def borough_of(self, code: str) -> Area:
        """The London borough an area below borough level lies in (a borough is its own)."""
        area = self.require(code)
        if area.area_type == "ltla":
            return area
        return self._ancestor_of_type(code, "ltla", rule="is not within a local authority")

    def _ancestor_of_type(self, code: str, area_type: str, *, rule: str) -> Area:
        area = self.require(code)
        for parent in self.parents(area.code):
            if parent.area_type == area_type and (area_type != "icb" or parent.code in LONDON_ICBS):
                return parent
        raise InputError(f"{area.area_type} {rule}", key=area.code, value=area.name)

    def is_inner_london(self, code: str, *, definition: InnerLondonDefinition = "ons") -> bool:
        """Whether a London borough, or an area within one, is in inner London.

        ``definition`` is ``"ons"`` (statistical, default) or ``"lga1963"`` (London Government
        Act 1963); see ``healthgap.geography.inner_london``. An LTLA outside London is not inner
        London; ICBs, regions and England have no answer and raise ``InputError``.
        """
        if definition not in INNER_LONDON:
            raise InputError(
                f"definition must be one of {', '.join(INNER_LONDON)}", value=definition
            )
        area = self.require(code)
        if area.area_type in ("icb", "region", "country"):
            raise InputError(
                "inner/outer London applies to a borough or an area within one",
                key=area.code,
                value=area.area_type,
            )
        return self.borough_of(area.code).code in INNER_LONDON[definition]

    # ------------------------------------------------------------------ reference data
    def deprivation(self, edition: Edition) -> pd.DataFrame:
        """London LSOAs' IMD: lsoa_code, ltla_code, score, rank, national_decile,
        london_decile, london_quintile (decile/quintile 1 = most deprived), by national rank.

        ``imd2019`` covers the 4,835 LSOAs 2011; ``imd2025`` the 4,994 LSOAs 2021.
        """

        def build() -> pd.DataFrame:
            lsoa_type = {"imd2019": "lsoa11", "imd2025": "lsoa21"}.get(edition)
            if lsoa_type is None:
                raise InputError("edition must be one of imd2019, imd2025", value=edition)
            codes = [a.code for a in self.areas(area_type=lsoa_type)]
            return read_deprivation(
                self._data / "deprivation", self._lookups, edition, london_lsoas=codes
            )

        return self._once(f"imd:{edition}", build).copy()

    def deprivation_summary(
        self, edition: Edition, *, level: Literal["ltla", "icb"] = "ltla"
    ) -> pd.DataFrame:
        """IMD summaries by LTLA or ICB: area_code, area_type, average_score, average_rank,
        proportion_most_deprived_10pct, extent, source.

        Published MHCLG summaries (all England) where bundled; IMD 2019 ICB summaries are
        computed for the London ICBs (population-weighted; see ``geography.deprivation``).
        """

        def build() -> pd.DataFrame:
            if edition == "imd2019" and level == "icb":
                lsoa = self.deprivation("imd2019")
                pop = read_table(
                    self._data / "population" / "population19_lsoa11_sya_persons_london.csv",
                    columns={"lsoa11_code": "string", "total_population": "float64"},
                )
                population = dict(zip(pop["lsoa11_code"], pop["total_population"], strict=True))
                group_of = {c: self.icb_of(c).code for c in lsoa["lsoa_code"]}
                return read_summary(
                    self._data / "deprivation",
                    edition,
                    level,
                    lsoa_frame=lsoa,
                    population=population,
                    group_of=group_of,
                )
            return read_summary(self._data / "deprivation", edition, level)

        return self._once(f"imd-summary:{edition}:{level}", build).copy()

    def england_lsoa11(self) -> pd.DataFrame:
        """Every LSOA 2011 in England: lsoa_code, ltla_code (LTLA 2021), region_code (2021),
        national_decile (IMD 2019, 1 = most deprived). Sorted by LSOA code.

        For record-level data beyond London; London's own detail (wards, ICBs, London
        deciles) is in :meth:`deprivation` and the area hierarchy.
        """

        def build() -> pd.DataFrame:
            imd = read_table(
                self._data / "deprivation" / "imd2019_lsoa11_england.csv",
                columns={"lsoa11_code": "string", "ltla21_code": "string", "IMD_decile": "int64"},
            )
            regions = read_table(
                self._lookups / "ltla21_region21_england.csv",
                columns={"ltla21_code": "string", "region21_code": "string"},
            )
            region_of = dict(zip(regions["ltla21_code"], regions["region21_code"], strict=True))
            unknown = sorted(set(imd["ltla21_code"]) - set(region_of))
            if unknown:
                raise InputError(
                    "LTLA has no region in the lookup",
                    file="ltla21_region21_england.csv",
                    value=unknown[0],
                )
            frame = pd.DataFrame(
                {
                    "lsoa_code": imd["lsoa11_code"].astype(str),
                    "ltla_code": imd["ltla21_code"].astype(str),
                    "region_code": imd["ltla21_code"].map(region_of).astype(str),
                    "national_decile": imd["IMD_decile"].astype("int64"),
                }
            )
            return frame.sort_values("lsoa_code", ignore_index=True)

        return self._once("england-lsoa11", build).copy()

    def lsoa11_to_lsoa21(self) -> pd.DataFrame:
        """Best-fit lineage, one row per pair: lsoa11_code, lsoa21_code, change_code (U/S/M/X),
        change (unchanged/split/merged/complex), ltla_code. Sorted by LSOA 2011."""
        return self._once("lineage", lambda: read_lineage(self._lookups)).copy()

    def lsoa21_to_lsoa11(self) -> pd.DataFrame:
        """The same pairs keyed the other way: lsoa21_code first, sorted by LSOA 2021."""
        frame = self.lsoa11_to_lsoa21()
        cols = ["lsoa21_code", "lsoa11_code", "change_code", "change", "ltla_code"]
        return frame[cols].sort_values(["lsoa21_code", "lsoa11_code"], ignore_index=True)

    def boundaries(self, level: BoundaryLevel) -> dict[str, Any]:
        """London boundary GeoJSON FeatureCollection for ``level`` (a new dict each call).

        Features carry ``id`` and ``properties.code``/``properties.name``.
        """
        return read_boundaries(self._data / "boundaries", level)


def _check_type(area_type: str | None) -> None:
    if area_type is not None and area_type not in AREA_TYPES:
        raise InputError(f"area type must be one of {', '.join(AREA_TYPES)}", value=area_type)


@cache
def load_geography() -> Geography:
    """The geography of the bundled data, built once per process."""
    return Geography(package_data_dir())
