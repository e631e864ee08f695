"""Cut a national download to London's areas: boroughs, London, the London ICBs and England.

Every area code in the download is checked first (a malformed code, or a London borough,
region or country code the geography does not know, fails the whole fetch, naming the
line); rows for other English areas are then left out, and counted.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS, LONDON_ICBS
from healthgap.sources.areas import AreaLookup, check_area_codes
from healthgap.sources.csvfile import CsvFile

__all__ = ["LONDON_AREAS", "london_rows"]

#: The areas a fetch keeps.
LONDON_AREAS: frozenset[str] = frozenset({ENGLAND, LONDON, *LONDON_BOROUGHS, *LONDON_ICBS})


def london_rows(
    csv: CsvFile, *, column: str, lookup: AreaLookup | None, strip_prefix: str = ""
) -> tuple[CsvFile, int]:
    """``csv`` with only the rows of :data:`LONDON_AREAS`, and how many rows were left out.

    ``strip_prefix`` is removed from codes that carry it (Fingertips writes ICB codes of
    area type 221 as ``nE54…``). Line numbers are those of the download.
    """
    frame = csv.frame.copy()
    codes = frame[column].astype(str).str.strip()
    if strip_prefix:
        prefixed = codes.str.startswith(strip_prefix) & (codes.str.len() == 10)
        codes = codes.where(~prefixed, codes.str[len(strip_prefix) :])
    frame[column] = codes
    check = pd.DataFrame({"area_code": codes, "_line": frame["_line"], "_file": csv.name})
    check_area_codes(
        check, "area_code", file=csv.name, lookup=lookup, scope="england", source_column=column
    )
    keep = codes.isin(LONDON_AREAS)
    kept = frame.loc[keep].reset_index(drop=True)
    return dataclasses.replace(csv, frame=kept), int((~keep).sum())
