"""Area values and the area types they can have.

``AREA_TYPES`` repeats the literal strings of ``healthgap.store.columns.AREA_TYPES``: the store
sits above geography in the layers, so geography cannot import it. A unit test checks the two
stay identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "AREA_TYPES",
    "COMBINED_AREAS",
    "ENGLAND",
    "LONDON",
    "LONDON_BOROUGHS",
    "LONDON_ICBS",
    "Area",
    "looks_like_code",
    "type_rank",
]

#: Area types, largest first. Same strings and order as ``healthgap.store.columns.AREA_TYPES``.
AREA_TYPES: Final[tuple[str, ...]] = (
    "country",
    "region",
    "icb",
    "ltla_combined",
    "ltla",
    "ward",
    "msoa11",
    "msoa21",
    "lsoa11",
    "lsoa21",
)

ENGLAND: Final = "E92000001"
LONDON: Final = "E12000007"
#: The 33 London local authorities: 32 boroughs and the City of London.
LONDON_BOROUGHS: Final[tuple[str, ...]] = tuple(f"E090000{n:02d}" for n in range(1, 34))
#: The five London Integrated Care Boards (NWL, NCL, NEL, SEL, SWL).
LONDON_ICBS: Final[tuple[str, ...]] = tuple(f"E540000{n}" for n in range(27, 32))
#: Areas published only as one combined area (type ``ltla_combined``): code → (name, the
#: boroughs it covers). NCMP publishes Hackney and the City of London together (the City's
#: cohort is too small to publish alone). Held as one area, a child of London with no
#: children: never split into, nor counted among, the 33 boroughs.
COMBINED_AREAS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "E67000001": ("Hackney and City of London", ("E09000001", "E09000012")),
}

#: Size order used to sort parents nearest first: small areas have low numbers.
_SIZE: Final[dict[str, int]] = {
    "lsoa11": 0,
    "lsoa21": 0,
    "msoa11": 1,
    "msoa21": 1,
    "ward": 2,
    "ltla": 3,
    "ltla_combined": 3,  # the same size class as a borough: a borough sorts first by name
    "icb": 4,
    "region": 5,
    "country": 6,
}

_CODE = re.compile(r"^[A-Za-z]\d{2,}$")


@dataclass(frozen=True, order=True)
class Area:
    """One area: its GSS code, name, type (one of ``AREA_TYPES``) and main-hierarchy parent.

    ``parent_code`` is the immediate parent in the main hierarchy (LSOA → MSOA → borough → ICB
    → London → England; outside London a borough's parent is its region; a combined area's is
    London), or ``None`` for England.
    """

    code: str
    name: str
    area_type: str
    parent_code: str | None


def type_rank(area_type: str) -> int:
    """Size rank of an area type, 0 for LSOAs up to 6 for a country."""
    return _SIZE[area_type]


def looks_like_code(text: str) -> bool:
    """Whether ``text`` is shaped like a GSS code (a letter then digits, e.g. ``E09000001``)."""
    return bool(_CODE.match(text.strip()))
