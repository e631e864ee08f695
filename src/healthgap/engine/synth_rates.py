"""The synthetic assumptions of Synthetic London, declared as data.

Every number here is an assumption, not a measurement; sources and reasoning are in
``docs/design/0600-synthetic-london.md``. The real inputs (populations, sex ratios,
age–sex mortality, IMD 2019) are read by :mod:`healthgap.engine.synth_inputs`.

Deprivation enters every rate through ``z``: the LSOA's position within London by IMD 2019
score, from ``-0.5`` (least deprived) to ``+0.5`` (most deprived). A log-linear effect
``exp(beta * z)`` therefore makes the most deprived LSOA ``exp(beta)`` times the least.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "ADMISSION_TYPES",
    "AGE_MAX",
    "CAUSE_AGE_EDGES",
    "CAUSE_GROUPS",
    "CENSUS_2021_LONDON_SHARES",
    "CONDITIONS",
    "ETHNIC_AGE_SLOPE",
    "ETHNIC_DEPRIVATION_SLOPE",
    "ETHNIC_GROUPS",
    "ETHNIC_MORTALITY_RR",
    "OTHER_EXTERNAL_CAUSES",
    "OTHER_EXTERNAL_SHARE",
    "UNKNOWN_ETHNICITY_SHARE",
    "AdmissionType",
    "CauseGroup",
    "Condition",
    "mortality_deprivation_beta",
    "step_lookup",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Single years of age 0..90; 90 stands for 90 and over (as in the ONS estimates).
AGE_MAX = 90

#: ONS 2021 high-level ethnic groups as recorded in the synthetic records ('unknown' is a
#: recording outcome, not a population group).
ETHNIC_GROUPS: tuple[str, ...] = ("asian", "black", "mixed", "white", "other")

#: Census 2021 (TS021), London usual residents: White 53.8%, Asian 20.7%, Black 13.5%,
#: Mixed 5.7%, Other 6.3%. Order follows ETHNIC_GROUPS.
CENSUS_2021_LONDON_SHARES: tuple[float, ...] = (0.207, 0.135, 0.057, 0.538, 0.063)

#: Log-odds slope of each group's share on deprivation z (most deprived +0.5). Chosen so
#: that White shares fall and Black/Asian shares rise with deprivation, as in Census 2021.
ETHNIC_DEPRIVATION_SLOPE: tuple[float, ...] = (0.6, 1.2, 0.3, -1.0, 0.5)

#: Log-odds slope on age, per 45 years from age 35 (capped at 80): older Londoners are more
#: often White, children more often Mixed (Census 2021 age structure by ethnic group).
ETHNIC_AGE_SLOPE: tuple[float, ...] = (-0.2, -0.3, -1.3, 0.9, -0.3)

#: All-cause mortality rate ratios by ethnic group relative to White. ONS (2021), "Ethnic
#: differences in life expectancy and mortality from selected causes in England and Wales:
#: 2011 to 2014": most minority groups had lower mortality than White; Mixed about the same.
ETHNIC_MORTALITY_RR: tuple[float, ...] = (0.85, 0.80, 1.05, 1.00, 0.80)

#: Share of records whose ethnic group is not recorded, by table.
UNKNOWN_ETHNICITY_SHARE: dict[str, float] = {"deaths": 0.03, "admissions": 0.06, "registers": 0.09}

# ---------------------------------------------------------------- mortality gradient

_BETA_AGE_EDGES = np.array([0, 1, 15, 45, 65, 75, 85])
_BETA_MALE = np.log(np.array([2.2, 1.8, 3.4, 3.2, 2.6, 1.9, 1.35]))
_FEMALE_FACTOR = 0.9


def mortality_deprivation_beta(age: IntArray, *, female: npt.NDArray[np.bool_]) -> FloatArray:
    """Log rate ratio, most vs least deprived LSOA in London, by single year of age and sex.

    Steep in mid-life, attenuated at the oldest ages (Marmot Review 2010; ONS "Health state
    life expectancies by national deprivation deciles", 2018-20); females ×0.9 on the log scale.
    """
    band = np.searchsorted(_BETA_AGE_EDGES, age, side="right") - 1
    beta: FloatArray = _BETA_MALE[band]
    out: FloatArray = np.where(female, beta * _FEMALE_FACTOR, beta)
    return out


# ---------------------------------------------------------------- causes of death


@dataclass(frozen=True)
class CauseGroup:
    """A group of underlying causes of death: ICD-10 codes with relative weights, and the
    group's share of deaths in each age group of ``CAUSE_AGE_EDGES``."""

    name: str
    codes: tuple[str, ...]
    code_weights: tuple[float, ...]
    share_by_age: tuple[float, ...]


#: Lower edges of the age groups of ``CauseGroup.share_by_age``: 0, 1–14, 15–34, 35–64, 65–84, 85+.
CAUSE_AGE_EDGES: tuple[int, ...] = (0, 1, 15, 35, 65, 85)

#: Broad cause mix by age, after ONS "Deaths registered in England and Wales" (2014), by
#: ICD-10 chapter; shares in each age column sum to 1 across groups.
CAUSE_GROUPS: tuple[CauseGroup, ...] = (
    CauseGroup(
        "neoplasms",
        ("C34.9", "C18.9", "C50.9", "C61", "C25.9", "C16.9", "C71.9", "C91.0", "C80.9", "D46.9"),
        (22, 10, 9, 7, 6, 4, 3, 2, 6, 1),
        (0.02, 0.20, 0.15, 0.38, 0.30, 0.13),
    ),
    CauseGroup(
        "circulatory",
        ("I21.9", "I25.1", "I64", "I63.9", "I50.0", "I48", "I71.4", "I10"),
        (14, 22, 8, 6, 5, 3, 2, 2),
        (0.01, 0.05, 0.07, 0.22, 0.26, 0.29),
    ),
    CauseGroup(
        "respiratory",
        ("J18.9", "J44.9", "J84.1", "J45.9", "J22"),
        (9, 10, 3, 1, 2),
        (0.04, 0.10, 0.04, 0.07, 0.14, 0.17),
    ),
    CauseGroup(
        "digestive_alcohol",
        ("K70.3", "K74.6", "K57.3", "K56.6", "K92.2", "F10.2"),
        (5, 4, 2, 1, 1, 2),
        (0.01, 0.02, 0.05, 0.10, 0.05, 0.04),
    ),
    CauseGroup(
        "dementia_nervous",
        ("F03", "G30.9", "F01.9", "G20", "G12.2", "G40.9"),
        (8, 5, 2, 2, 1, 1),
        (0.01, 0.12, 0.06, 0.04, 0.12, 0.24),
    ),
    CauseGroup(
        "external",
        ("X70", "X80", "X61", "W19", "W10", "V89.2", "X42", "X99", "Y34"),
        (6, 1, 2, 5, 1, 3, 3, 1, 2),
        (0.04, 0.18, 0.45, 0.07, 0.02, 0.02),
    ),
    CauseGroup(
        "perinatal_congenital",
        ("P07.0", "P22.0", "P96.8", "Q24.9", "Q90.9", "R95"),
        (5, 3, 2, 3, 1, 1),
        (0.75, 0.10, 0.01, 0.00, 0.00, 0.00),
    ),
    CauseGroup(
        "other",
        ("E11.9", "N18.9", "A41.9", "N39.0", "B20", "R99", "E86"),
        (4, 3, 3, 2, 1, 1, 1),
        (0.12, 0.23, 0.17, 0.12, 0.11, 0.11),
    ),
)

# ---------------------------------------------------------------- admissions


@dataclass(frozen=True)
class AdmissionType:
    """One stream of hospital admissions with its own rate, gradient and coding.

    ``rate_by_age`` gives admissions per person-year at the lower edges ``age_edges`` (rates are
    zero below the first edge); ``female_ratio`` scales the rate for females; ``beta`` is the log
    rate ratio of most vs least deprived. ``external_causes`` (when not empty) are recorded as
    ``external_cause``; otherwise a share ``external_share_other`` of rows gets a generic one.
    """

    name: str
    method: str
    age_edges: tuple[int, ...]
    rate_by_age: tuple[float, ...]
    female_ratio: float
    beta: float
    diagnoses: tuple[str, ...]
    diagnosis_weights: tuple[float, ...]
    external_causes: tuple[str, ...] = ()
    mean_stay_days: float = 4.0
    day_case_share: float = 0.2
    females_only: bool = False


#: Admission streams, calibrated to the order of magnitude of London's Fingertips values
#: (``data/fingertips_ohid/dashboard_2020``: self-harm ≈ 110, falls 65+ ≈ 2,200, alcohol-specific
#: ≈ 450 per 100,000; asthma under 19 ≈ 150 per 100,000) and NHS Digital HES totals
#: (≈ 0.1 emergency and ≈ 0.13 elective admissions per person-year).
ADMISSION_TYPES: tuple[AdmissionType, ...] = (
    AdmissionType(
        "self_harm",
        "emergency",
        (10, 15, 20, 35, 65),
        (0.0012, 0.0040, 0.0017, 0.0009, 0.0003),
        1.5,
        np.log(2.6),
        ("T42.4", "T39.1", "T43.2", "S51.8", "T39.0", "T50.9"),
        (3, 4, 2, 2, 2, 1),
        external_causes=("X60", "X61", "X62", "X64", "X78", "X84"),
        mean_stay_days=1.5,
        day_case_share=0.35,
    ),
    AdmissionType(
        "falls",
        "emergency",
        (65, 70, 80, 85),
        (0.009, 0.014, 0.035, 0.075),
        1.3,
        np.log(1.35),
        ("S72.0", "S72.1", "S06.0", "S32.5", "S42.2", "S52.5", "S01.0"),
        (5, 2, 3, 1, 2, 2, 2),
        external_causes=("W01", "W06", "W10", "W18", "W19"),
        mean_stay_days=9.0,
        day_case_share=0.1,
    ),
    AdmissionType(
        "alcohol_specific",
        "emergency",
        (16, 25, 45, 65, 75),
        (0.0022, 0.0040, 0.0075, 0.0050, 0.0025),
        0.45,
        np.log(2.8),
        ("F10.0", "F10.2", "K70.3", "K70.1", "F10.3", "K86.0"),
        (5, 4, 3, 1, 1, 1),
        mean_stay_days=5.0,
        day_case_share=0.25,
    ),
    AdmissionType(
        "asthma_child",
        "emergency",
        (1, 5, 10, 15, 19),
        (0.0025, 0.0016, 0.0009, 0.0006, 0.0),
        0.7,
        np.log(1.9),
        ("J45.9", "J45.0", "J46"),
        (6, 2, 1),
        mean_stay_days=1.5,
        day_case_share=0.3,
    ),
    AdmissionType(
        "other_emergency",
        "emergency",
        (0, 1, 5, 15, 45, 65, 75, 85),
        (0.22, 0.09, 0.04, 0.06, 0.08, 0.15, 0.25, 0.45),
        1.0,
        np.log(1.7),
        ("J18.9", "R07.4", "N39.0", "I50.0", "I21.9", "R10.4", "A09", "J06.9", "L03.1", "K35.8"),
        (5, 5, 4, 2, 2, 4, 2, 2, 2, 1),
        mean_stay_days=4.5,
        day_case_share=0.25,
    ),
    AdmissionType(
        "elective",
        "elective",
        (0, 15, 45, 65, 75, 85),
        (0.03, 0.06, 0.14, 0.28, 0.34, 0.22),
        1.0,
        np.log(1.1),
        ("Z51.1", "H25.9", "M17.1", "K80.2", "C50.9", "K63.5", "N40", "Z45.2", "D12.6"),
        (5, 3, 2, 2, 1, 2, 1, 1, 2),
        mean_stay_days=2.5,
        day_case_share=0.7,
    ),
    AdmissionType(
        "maternity",
        "other",
        (15, 20, 25, 30, 35, 40, 45),
        (0.012, 0.045, 0.085, 0.110, 0.070, 0.020, 0.0),
        1.0,
        np.log(1.15),
        ("O80", "O82", "O70.1", "O42.0"),
        (6, 2, 1, 1),
        mean_stay_days=1.5,
        day_case_share=0.2,
        females_only=True,
    ),
)

#: External causes recorded on a share of the other admissions (injuries, transport, assault).
OTHER_EXTERNAL_CAUSES: tuple[str, ...] = ("V43.5", "W22", "W54", "X59", "Y04")
OTHER_EXTERNAL_SHARE = 0.04

# ---------------------------------------------------------------- registers


@dataclass(frozen=True)
class Condition:
    """A register condition: eligible from ``min_age``; prevalence at the ``age_edges``
    lower edges; ``female_ratio`` multiplies the odds for females; ``beta`` is the log odds
    ratio most vs least deprived; ``ethnic_or`` multiplies the odds by ETHNIC_GROUPS order."""

    name: str
    min_age: int
    age_edges: tuple[int, ...]
    prevalence_by_age: tuple[float, ...]
    female_ratio: float
    beta: float
    ethnic_or: tuple[float, ...]


#: Register conditions. Prevalences follow the London values in ``data/fingertips_ohid``
#: (adults_smoking ≈ 12–13%, adults_depression ≈ 8–9%, dementia diagnosis of people 65+ ≈ 4%),
#: NHS Digital QOF 2019/20 (hypertension ≈ 11% all ages) and HSE 2019 (adult obesity ≈ 22%).
CONDITIONS: tuple[Condition, ...] = (
    Condition(
        "smoker",
        15,
        (15, 18, 25, 35, 50, 65, 75),
        (0.05, 0.14, 0.17, 0.15, 0.13, 0.09, 0.05),
        0.6,
        np.log(2.4),
        (0.7, 0.9, 1.3, 1.0, 1.1),
    ),
    Condition(
        "obese",
        18,
        (18, 25, 45, 65, 75),
        (0.11, 0.19, 0.26, 0.27, 0.20),
        1.05,
        np.log(1.8),
        (0.8, 1.6, 1.1, 1.0, 0.9),
    ),
    Condition(
        "depression",
        18,
        (18, 25, 45, 65, 80),
        (0.07, 0.10, 0.11, 0.09, 0.08),
        1.8,
        np.log(1.5),
        (0.6, 0.6, 1.1, 1.0, 0.7),
    ),
    Condition(
        "hypertension",
        18,
        (18, 30, 40, 50, 60, 70, 80),
        (0.01, 0.03, 0.08, 0.18, 0.31, 0.45, 0.55),
        0.85,
        np.log(1.3),
        (1.2, 1.5, 1.0, 1.0, 1.1),
    ),
    Condition(
        "dementia",
        65,
        (65, 70, 75, 80, 85, 90),
        (0.008, 0.015, 0.032, 0.062, 0.11, 0.20),
        1.15,
        np.log(1.15),
        (1.0, 1.1, 1.0, 1.0, 1.0),
    ),
)


def step_lookup(age: IntArray, *, edges: tuple[int, ...], values: tuple[float, ...]) -> FloatArray:
    """Value of a step function with lower ``edges`` at each age; zero below the first edge."""
    idx = np.searchsorted(np.asarray(edges), age, side="right") - 1
    vals = np.asarray(values, dtype=np.float64)
    return np.where(idx >= 0, vals[np.clip(idx, 0, None)], 0.0)
