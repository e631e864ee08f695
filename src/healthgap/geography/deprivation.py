"""English Indices of Deprivation 2019 (LSOA 2011) and 2025 (LSOA 2021) for London.

National ranks and deciles are MHCLG's (rank 1 = most deprived; decile 1 = the most deprived
10 % of LSOAs in England). London deciles and quintiles are recomputed within London: the
London LSOAs are ranked by national rank (ties share the lowest rank) and cut into equal-count
groups with the PHE/Fingertips quantile rule (PHEindicatormethods ``phe_quantile``; METHODS.md
§7.8), in exact integer arithmetic::

    group = q + 1 - ceil((N + 1 - r) * q / N)

where N is the number of London LSOAs, r the within-London rank (1 = most deprived) and q the
number of groups, so group 1 = most deprived and group sizes differ by at most one (ADR 0302).

Area summaries: MHCLG publishes LTLA summaries for both editions and ICB summaries for 2025
(bundled). For 2019 ICBs, none is bundled, so the London ICB summary is computed the way
MHCLG computes LA summaries: population-weighted average LSOA score (ONS mid-2019 LSOA
population; MHCLG used mid-2015, so scores differ slightly from a published figure) and the
proportion of LSOAs in the most deprived 10 % nationally. References: MHCLG, English Indices
of Deprivation 2019 Technical Report (2019), §3.6 and Research Report §5; English Indices of
Deprivation 2025 Technical Report (2025).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from healthgap.errors import InputError
from healthgap.geography._files import ColumnDtype, read_table
from healthgap.geography.areas import LONDON_BOROUGHS

__all__ = [
    "DEPRIVATION_FRAME_COLUMNS",
    "LATEST_EDITION",
    "SUMMARY_COLUMNS",
    "Edition",
    "equal_count_groups",
    "read_deprivation",
    "read_summary",
]

Edition = Literal["imd2019", "imd2025"]

#: The newest edition bundled: what an area's own deprivation profile shows (website and
#: reports alike). Breakdowns of published values keep the edition their publisher used.
LATEST_EDITION: Final[Edition] = "imd2025"

DEPRIVATION_FRAME_COLUMNS: Final = (
    "lsoa_code",
    "ltla_code",
    "score",
    "rank",
    "national_decile",
    "london_decile",
    "london_quintile",
)
SUMMARY_COLUMNS: Final = (
    "area_code",
    "area_type",
    "average_score",
    "average_rank",
    "proportion_most_deprived_10pct",
    "extent",
    "source",
)

_LSOA_FILES: Final[dict[str, str]] = {
    "imd2019": "imd2019_lsoa11_england.csv",
    "imd2025": "imd2025_lsoa21_england_scores_ranks_deciles.csv",
}
_LSOA_COLUMN: Final[dict[str, str]] = {"imd2019": "lsoa11_code", "imd2025": "lsoa21_code"}


def equal_count_groups(order: npt.ArrayLike, *, groups: int) -> npt.NDArray[np.int64]:
    """Group 1..``groups`` for each value, smallest values in group 1, equal counts.

    Ranks ascending with ties sharing the lowest rank, then applies the PHE quantile rule
    ``q + 1 - ceil((N + 1 - r) * q / N)`` exactly in integers (PHEindicatormethods
    ``phe_quantile``; Fingertips). Needs at least ``groups`` values, none missing.

    >>> equal_count_groups([5, 1, 4, 2, 3, 6], groups=3).tolist()
    [3, 1, 2, 1, 2, 3]
    """
    values = np.asarray(order, dtype=np.float64)
    if values.ndim != 1 or np.isnan(values).any():
        raise InputError("values to group must be a 1-D array with no missing values")
    n = values.size
    if groups < 1 or n < groups:
        raise InputError(f"need at least {groups} values to cut into {groups} groups", value=n)
    sorted_values = np.sort(values)
    rank = np.searchsorted(sorted_values, values, side="left").astype(np.int64) + 1
    numerator = (n + 1 - rank) * groups
    ceil = -((-numerator) // n)
    return (groups + 1 - ceil).astype(np.int64)


def read_deprivation(
    deprivation: Path,
    lookups: Path,
    edition: str,
    *,
    london_lsoas: Collection[str],
) -> pd.DataFrame:
    """London LSOAs' IMD score, national rank and decile, and London deciles and quintiles.

    ``london_lsoas`` are the LSOA codes (2011 for imd2019, 2021 for imd2025) the result must
    cover exactly; any missing or extra LSOA is an error.
    """
    if edition not in _LSOA_FILES:
        raise InputError(f"edition must be one of {', '.join(_LSOA_FILES)}", value=edition)
    file = _LSOA_FILES[edition]
    lsoa = _LSOA_COLUMN[edition]
    columns: dict[str, ColumnDtype] = {
        lsoa: "string",
        "IMD_score": "float64",
        "IMD_rank": "int64",
        "IMD_decile": "int64",
    }
    if edition == "imd2019":
        columns["ltla21_code"] = "string"
    frame = read_table(deprivation / file, columns=columns)
    n_england = len(frame)
    _check_national(frame, file=file, n=n_england)
    if edition == "imd2025":
        ltla = read_table(
            lookups / "lsoa21_ltla24_england.csv",
            columns={"lsoa21_code": "string", "ltla24_code": "string"},
        )
        frame = frame.merge(ltla, on=lsoa, how="left", validate="one_to_one")
        ltla_col = "ltla24_code"
    else:
        ltla_col = "ltla21_code"
    wanted = set(london_lsoas)
    london = frame[frame[lsoa].isin(wanted)].sort_values("IMD_rank", kind="stable")
    missing = sorted(wanted - set(london[lsoa]))
    if missing:
        raise InputError("London LSOA has no IMD row", file=file, column=lsoa, value=missing[0])
    not_london = ~london[ltla_col].isin(LONDON_BOROUGHS)
    if bool(not_london.any()):
        raise InputError(
            "London LSOA is not in a London borough",
            file=file,
            column=ltla_col,
            value=str(london[lsoa][not_london].iloc[0]),
        )
    rank = london["IMD_rank"].to_numpy()
    return pd.DataFrame(
        {
            "lsoa_code": london[lsoa].to_numpy(),
            "ltla_code": london[ltla_col].to_numpy(),
            "score": london["IMD_score"].to_numpy(),
            "rank": rank,
            "national_decile": london["IMD_decile"].to_numpy(),
            "london_decile": equal_count_groups(rank, groups=10),
            "london_quintile": equal_count_groups(rank, groups=5),
        }
    ).astype({"lsoa_code": "string", "ltla_code": "string"})


def _check_national(frame: pd.DataFrame, *, file: str, n: int) -> None:
    rules = (
        ("IMD_rank", (frame["IMD_rank"] < 1) | (frame["IMD_rank"] > n), f"rank must be 1..{n}"),
        ("IMD_decile", ~frame["IMD_decile"].between(1, 10), "decile must be 1..10"),
    )
    for column, bad, rule in rules:
        if bool(bad.any()):
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                rule, file=file, row=i + 2, column=column, value=str(frame[column].iloc[i])
            )


def read_summary(
    deprivation: Path,
    edition: str,
    level: str,
    *,
    lsoa_frame: pd.DataFrame | None = None,
    population: Mapping[str, float] | None = None,
    group_of: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Area summaries of IMD (columns ``SUMMARY_COLUMNS``) for ``level`` 'ltla' or 'icb'.

    Published summaries are returned for every area in England. IMD 2019 ICB summaries are not
    bundled: they are computed for London ICBs from ``lsoa_frame`` (``read_deprivation`` for
    imd2019), ``population`` (LSOA 2011 code → people) and ``group_of`` (LSOA 2011 → ICB).
    """
    if level not in ("ltla", "icb"):
        raise InputError("summary level must be 'ltla' or 'icb'", value=level)
    if edition == "imd2019" and level == "ltla":
        file = "imd2019_ltla19_summary_england.csv"
        t = read_table(
            deprivation / file,
            columns={
                "ltla19_code": "string",
                "Score": "float64",
                "Proportion": "float64",
                "Extent": "float64",
            },
        )
        return _summary(
            t["ltla19_code"], level, t["Score"], None, t["Proportion"], t["Extent"], file
        )
    if edition == "imd2025":
        code_col, extent_col, file = {
            "ltla": ("ltla24_code", "imd25_extent", "imd2025_ltla24_summary_england.csv"),
            "icb": ("icb24_code", "imd_2025_extent", "imd2025_icb24_summary_england.csv"),
        }[level]
        prop_col = "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally"
        t = read_table(
            deprivation / file,
            columns={
                code_col: "string",
                "imd_average_score": "float64",
                "imd_average_rank": "float64",
                prop_col: "float64",
                extent_col: "float64",
            },
        )
        return _summary(
            t[code_col],
            level,
            t["imd_average_score"],
            t["imd_average_rank"],
            t[prop_col],
            t[extent_col],
            file,
        )
    if edition != "imd2019":
        raise InputError("edition must be one of imd2019, imd2025", value=edition)
    if lsoa_frame is None or population is None or group_of is None:
        raise InputError("IMD 2019 ICB summaries need the LSOA frame, population and ICB map")
    return population_weighted_summary(
        lsoa_frame, population=population, group_of=group_of, area_type=level
    )


def _summary(
    code: pd.Series,
    level: str,
    score: pd.Series,
    avg_rank: pd.Series | None,
    proportion: pd.Series,
    extent: pd.Series,
    file: str,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": code.to_numpy(),
            "area_type": level,
            "average_score": score.to_numpy(),
            "average_rank": np.nan if avg_rank is None else avg_rank.to_numpy(),
            "proportion_most_deprived_10pct": proportion.to_numpy(),
            "extent": extent.to_numpy(),
            "source": f"published: {file}",
        }
    ).sort_values("area_code", ignore_index=True)


def population_weighted_summary(
    lsoa_frame: pd.DataFrame,
    *,
    population: Mapping[str, float],
    group_of: Mapping[str, str],
    area_type: str,
) -> pd.DataFrame:
    """Population-weighted average LSOA score and rank, and the share of LSOAs in decile 1.

    ``extent`` (MHCLG's sliding-scale measure) is not computed and is left missing.
    """
    codes = lsoa_frame["lsoa_code"]
    pop = codes.map(dict(population))
    if bool(pop.isna().any()):
        raise InputError(
            "LSOA has no population", column="lsoa_code", value=str(codes[pop.isna()].iloc[0])
        )
    group = codes.map(dict(group_of))
    if bool(group.isna().any()):
        raise InputError(
            "LSOA has no area to summarise into",
            column="lsoa_code",
            value=str(codes[group.isna()].iloc[0]),
        )
    work = pd.DataFrame(
        {
            "area_code": group.astype("string"),
            "w": pop.astype("float64"),
            "ws": lsoa_frame["score"].to_numpy() * pop.to_numpy(dtype=np.float64),
            "wr": lsoa_frame["rank"].to_numpy() * pop.to_numpy(dtype=np.float64),
            "top": (lsoa_frame["national_decile"] == 1).astype("float64"),
        }
    )
    g = work.groupby("area_code").agg(
        w=("w", "sum"), ws=("ws", "sum"), wr=("wr", "sum"), top=("top", "mean")
    )
    return pd.DataFrame(
        {
            "area_code": g.index.to_numpy(),
            "area_type": area_type,
            "average_score": (g["ws"] / g["w"]).to_numpy(),
            "average_rank": (g["wr"] / g["w"]).to_numpy(),
            "proportion_most_deprived_10pct": g["top"].to_numpy(),
            "extent": np.nan,
            "source": "computed: population-weighted, ONS mid-2019 LSOA population",
        }
    ).sort_values("area_code", ignore_index=True)
