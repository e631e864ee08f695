"""LSOA 2011 ↔ LSOA 2021 best-fit lineage for London (ONS LSOA11 → LSOA21 → LAD22 lookup).

ONS marks each pair with a change code, kept here with its meaning:

* ``U`` unchanged — the same LSOA in both years (one to one);
* ``S`` split — one 2011 LSOA became several 2021 LSOAs;
* ``M`` merged — several 2011 LSOAs became one 2021 LSOA;
* ``X`` complex — redrawn irregularly (many to many); none occur in London.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from healthgap.errors import InputError
from healthgap.geography._files import read_table

__all__ = ["CHANGE_TYPES", "LINEAGE_FILE", "read_lineage"]

LINEAGE_FILE: Final = "lsoa11_lsoa21_ltla22_london.csv"
#: ONS change code → change type.
CHANGE_TYPES: Final[dict[str, str]] = {
    "U": "unchanged",
    "S": "split",
    "M": "merged",
    "X": "complex",
}


def read_lineage(lookups: Path) -> pd.DataFrame:
    """One row per LSOA11–LSOA21 pair: lsoa11_code, lsoa21_code, change_code, change, ltla_code.

    Checks that each change code agrees with the shape of the pairs: an unchanged LSOA keeps its
    code and pairs once each way, a split 2011 LSOA pairs with several 2021 LSOAs, a merged 2021
    LSOA with several 2011 LSOAs.
    """
    frame = read_table(
        lookups / LINEAGE_FILE,
        columns=dict.fromkeys(
            ("lsoa11_code", "lsoa21_code", "change_code", "ltla22_code"), "string"
        ),
    )
    unknown = ~frame["change_code"].isin(list(CHANGE_TYPES))
    if bool(unknown.any()):
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise InputError(
            f"change code must be one of {', '.join(CHANGE_TYPES)}",
            file=LINEAGE_FILE,
            row=i + 2,
            column="change_code",
            value=str(frame["change_code"].iloc[i]),
        )
    n11 = frame.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    n21 = frame.groupby("lsoa21_code")["lsoa11_code"].transform("size")
    code = frame["change_code"]
    broken = (
        ((code == "U") & ((n11 != 1) | (n21 != 1) | (frame["lsoa11_code"] != frame["lsoa21_code"])))
        | ((code == "S") & (n11 < 2))
        | ((code == "M") & (n21 < 2))
    )
    if bool(broken.any()):
        i = int(broken.to_numpy().nonzero()[0][0])
        raise InputError(
            "change code disagrees with the number of pairs for this LSOA",
            file=LINEAGE_FILE,
            row=i + 2,
            column="change_code",
            value=str(code.iloc[i]),
        )
    return pd.DataFrame(
        {
            "lsoa11_code": frame["lsoa11_code"],
            "lsoa21_code": frame["lsoa21_code"],
            "change_code": code,
            "change": code.map(CHANGE_TYPES).astype("string"),
            "ltla_code": frame["ltla22_code"],
        }
    ).sort_values(["lsoa11_code", "lsoa21_code"], ignore_index=True)
