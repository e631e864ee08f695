"""The real London inputs of Synthetic London, read from the bundled data.

- LSOA 2011 populations by single year of age (ONS SAPE mid-2020, persons);
- the London sex ratio by single year of age (ONS MYE2 mid-2014);
- London age–sex mortality: deaths registered in 2014 (ONS) ÷ MYE2 2014 population;
- IMD 2019 score of each LSOA 2011 and its borough.

Read directly from ``healthgap/data`` (see ``data/PROVENANCE.md`` §1–3) so the generator
does not depend on the geography package's loaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from healthgap.config import package_data_dir
from healthgap.engine.synth_rates import AGE_MAX
from healthgap.geography import LONDON

__all__ = ["MORTALITY_BAND_EDGES", "LondonInputs", "london_inputs"]

#: Lower edges of the ONS deaths age bands: <1, 1–4, 5–9, …, 85–89, 90+.
MORTALITY_BAND_EDGES: tuple[int, ...] = (0, 1, *range(5, 95, 5))

_DEATH_BANDS = (
    "Under1",
    "1-4",
    *(f"{a}-{a + 4}" for a in range(5, 90, 5)),
    "90andover",
)


@dataclass(frozen=True, eq=False)
class LondonInputs:
    """Real inputs, as arrays indexed by LSOA (``lsoa``), sex (0 male, 1 female) and age 0..90."""

    lsoa_codes: tuple[str, ...]
    borough_codes: npt.NDArray[np.str_]
    #: IMD 2019 score, and position within London: -0.5 least … +0.5 most deprived.
    imd_score: npt.NDArray[np.float64]
    deprivation_z: npt.NDArray[np.float64]
    #: London decile of IMD 2019 score, 1 = most deprived tenth of London's LSOAs.
    london_decile: npt.NDArray[np.int64]
    #: Persons by LSOA × single year of age (mid-2020), shape (L, 91).
    population: npt.NDArray[np.int64]
    #: Share of males at each single year of age (London, mid-2014), shape (91,).
    male_share: npt.NDArray[np.float64]
    #: London death rate per person-year by sex × single year of age (2014), shape (2, 91).
    mortality: npt.NDArray[np.float64]


def _read(rel: str) -> pd.DataFrame:
    return pd.read_csv(package_data_dir() / rel)


@lru_cache(maxsize=1)
def london_inputs() -> LondonInputs:
    """Load (once) the real inputs from the bundled CSV files."""
    pop = _read("population/population20_lsoa11_sya_persons_london.csv")
    age_cols = [str(a) for a in range(AGE_MAX)] + [f"{AGE_MAX}+"]
    codes = pop["lsoa11_code"].astype(str).to_numpy()
    population = pop[age_cols].to_numpy(dtype=np.int64)

    imd = _read("deprivation/imd2019_lsoa11_england.csv").set_index("lsoa11_code")
    imd = imd.loc[list(codes)]
    score = imd["IMD_score"].to_numpy(dtype=np.float64)
    boroughs = imd["ltla21_code"].astype(str).to_numpy()
    # rank within London by score, 0 = least deprived
    order = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    frac = (order + 0.5) / len(score)
    z = frac - 0.5
    decile = (10 - np.floor(frac * 10)).astype(np.int64)

    mye = _read("population/ons_mye2_2014_population_sex_sya_london.csv")
    mye = mye[mye["area_code"] == LONDON]
    pop14 = np.zeros((2, AGE_MAX + 1))
    for s, label in enumerate(("Male", "Female")):
        rows = mye[mye["sex"] == label].set_index("age")["population"]
        pop14[s] = rows.reindex(range(AGE_MAX + 1)).to_numpy(dtype=np.float64)
    male_share = pop14[0] / pop14.sum(axis=0)

    deaths = _read("population/ons_deaths_2014_registrations_sex_ageband_london.csv")
    deaths = deaths[deaths["area_code"] == LONDON]
    mortality = np.zeros((2, AGE_MAX + 1))
    edges = np.array((*MORTALITY_BAND_EDGES, AGE_MAX + 1))
    for s, label in enumerate(("Male", "Female")):
        d = deaths[deaths["sex"] == label].set_index("age_band")["deaths"]
        for b, band in enumerate(_DEATH_BANDS):
            lo, hi = edges[b], edges[b + 1]
            mortality[s, lo:hi] = float(d[band]) / pop14[s, lo:hi].sum()

    return LondonInputs(
        lsoa_codes=tuple(codes.tolist()),
        borough_codes=boroughs.astype(np.str_),
        imd_score=score,
        deprivation_z=z,
        london_decile=decile,
        population=population,
        male_share=male_share,
        mortality=mortality,
    )
