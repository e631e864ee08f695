"""Frozen, typed models of the strategy's framework: aims, commitments, focus areas, indicators.

Everything here is declared in YAML under ``catalogue/data/`` and validated into these models;
nothing is inferred (in particular, an indicator's polarity is always declared, never guessed
from its name). The models round-trip back to the same YAML (see :mod:`.dump`).
"""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Aim",
    "Breakdown",
    "Change",
    "Commitment",
    "CommitmentKind",
    "ComparisonMethod",
    "DisclosureRule",
    "DocumentRef",
    "FocusArea",
    "Geography",
    "Indicator",
    "KeyFigure",
    "Measure",
    "Mission",
    "Polarity",
    "Priority",
    "Recipe",
    "SeriesSource",
    "SixTest",
    "Statistic",
    "Target",
    "TargetStatus",
    "Transform",
]

_ID = r"^[a-z][a-z0-9_]*$"
#: What public catalogue text must not hold: code in backticks, a CLI command, a URL.
_NOT_PLAIN = re.compile(r"`|\bhealthgap [a-z]|https?://")
_DEADLINE = re.compile(r"^\d{4}(/\d{2}|-\d{2})?$")
_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_SERIES_KEY = re.compile(rf"^[a-z][a-z0-9_]*:{_SLUG}(?:/{_SLUG})?$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_DOCUMENTS = frozenset({"000", "001", "002", "003", "004"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Polarity(StrEnum):
    """Which direction is better, declared per indicator (Fingertips polarity)."""

    HIGH_IS_GOOD = "high_is_good"
    LOW_IS_GOOD = "low_is_good"
    NO_JUDGEMENT = "no_judgement"


class Statistic(StrEnum):
    """What kind of number an indicator value is."""

    PROPORTION = "proportion"
    CRUDE_RATE = "crude_rate"
    DSR = "dsr"
    ISR = "isr"
    LIFE_EXPECTANCY = "life_expectancy"
    HEALTHY_LIFE_EXPECTANCY = "healthy_life_expectancy"
    COUNT = "count"
    MEAN = "mean"
    SII = "sii"
    PERCENTAGE_POINT_GAP = "percentage_point_gap"
    RATIO = "ratio"
    SCORE = "score"


class ComparisonMethod(IntEnum):
    """Fingertips comparator ids (METHODS.md §4, table 3.2)."""

    NONE = -1
    CI_OVERLAP_ONE_LEVEL = 1
    SPC_PROPORTION = 5
    SPC_DSR = 6
    DOUBLE_CI_OVERLAP = 12
    QUINTILES = 15
    QUARTILES = 16
    CI_OVERLAP_TWO_LEVELS = 17


class Geography(StrEnum):
    """Area types an indicator is published or computable for."""

    LSOA = "lsoa"
    MSOA = "msoa"
    WARD = "ward"
    LTLA = "ltla"
    ICB = "icb"
    REGION = "region"
    ENGLAND = "england"
    CITY = "city"


class Breakdown(StrEnum):
    """Splits an indicator can be shown by."""

    SEX = "sex"
    AGE = "age"
    DEPRIVATION_DECILE = "deprivation_decile"
    DEPRIVATION_QUINTILE = "deprivation_quintile"
    ETHNICITY = "ethnicity"
    FREE_SCHOOL_MEALS = "free_school_meals"
    OCCUPATION = "occupation"
    DISABILITY = "disability"


class Transform(StrEnum):
    """How a published series' values become the indicator's values."""

    NONE = "none"
    COMPLEMENT = "complement"  # indicator = multiplier − series value
    DERIVED = "derived"  # needs a calculation described in the data-quality note


class CommitmentKind(StrEnum):
    """Who made a commitment and in which frame."""

    MAYORAL_KEY = "mayoral_key"
    PARTNERSHIP = "partnership"
    FOCUS_AREA = "focus_area"
    WORKFORCE = "workforce"
    PROGRAMME = "programme"


class TargetStatus(StrEnum):
    """Whether a target's measure is set, still to be confirmed, or stated only in words."""

    SET = "set"
    TBC = "tbc"
    QUALITATIVE = "qualitative"


class DocumentRef(_Frozen):
    """Where in the seed documents something is stated."""

    document: str
    section: str = Field(min_length=1)

    @field_validator("document")
    @classmethod
    def _known_document(cls, v: str) -> str:
        if v not in _DOCUMENTS:
            raise ValueError(f"document must be one of {', '.join(sorted(_DOCUMENTS))}")
        return v


class Aim(_Frozen):
    """One of the strategy's five aims."""

    id: str = Field(pattern=_ID)
    number: int = Field(ge=1, le=5)
    name: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class Priority(_Frozen):
    """A cross-cutting priority of the 2021–24 implementation plan."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class FocusArea(_Frozen):
    """One of the London Health and Care Vision's ten focus areas (summarised in our words)."""

    id: str = Field(pattern=_ID)
    number: int = Field(ge=1, le=10)
    name: str = Field(min_length=1)
    aims: tuple[str, ...] = Field(min_length=1)
    ambition: str = Field(min_length=1)
    commitment: str = Field(min_length=1)
    challenge: str = Field(min_length=1)
    actions_so_far: tuple[str, ...] = Field(min_length=1)
    next_steps: tuple[str, ...] = Field(min_length=1)
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class Mission(_Frozen):
    """A London Recovery Programme mission."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    goal: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=2020, le=2050)
    aims: tuple[str, ...] = ()
    health_mission: bool = False
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class SixTest(_Frozen):
    """One of the Mayor's six tests for major NHS service changes."""

    id: str = Field(pattern=_ID)
    number: int = Field(ge=1, le=6)
    name: str = Field(min_length=1)
    question: str = Field(min_length=1)
    note: str | None = None
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class Measure(_Frozen):
    """A value with its unit, the period it refers to, and where it is stated (a baseline).

    ``source`` is the place in the seed documents that states the figure: a commitment's
    baseline is the strategy's own starting point, cited like its other claims.
    """

    value: float
    unit: str = Field(min_length=1)
    period: str | None = None
    note: str | None = None
    source: DocumentRef | None = None


class Target(_Frozen):
    """What a commitment aims for. ``status: tbc`` holds a target whose measure is not yet set."""

    status: TargetStatus
    value: float | None = None
    unit: str | None = None
    relation: str = Field(
        default="reach", pattern=r"^(reach|at_least|at_most|reduce_by|increase_by|zero)$"
    )
    text: str = Field(min_length=1)

    @model_validator(mode="after")
    def _value_matches_status(self) -> Target:
        if self.status is TargetStatus.SET and (self.value is None or self.unit is None):
            raise ValueError("a target with status 'set' must have a value and a unit")
        if self.status is not TargetStatus.SET and self.value is not None:
            raise ValueError(f"a target with status '{self.status.value}' must not have a value")
        return self


class Commitment(_Frozen):
    """A commitment with a measurable goal (or one whose measure is still to be confirmed)."""

    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    kind: CommitmentKind
    key_commitment: int | None = Field(default=None, ge=1, le=6)
    aims: tuple[str, ...] = Field(min_length=1)
    focus_areas: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    missions: tuple[str, ...] = ()
    statement: str = Field(min_length=1)
    baseline: Measure | None = None
    target: Target
    deadline: str | None = None
    owner: str = Field(min_length=1)
    indicators: tuple[str, ...] = ()
    sources: tuple[DocumentRef, ...] = Field(min_length=1)

    @field_validator("deadline")
    @classmethod
    def _deadline_form(cls, v: str | None) -> str | None:
        if v is not None and not _DEADLINE.match(v):
            raise ValueError("deadline must look like 2025, 2023/24 or 2021-03")
        return v

    @model_validator(mode="after")
    def _key_commitment_kind(self) -> Commitment:
        if (self.key_commitment is not None) != (self.kind is CommitmentKind.MAYORAL_KEY):
            raise ValueError("key_commitment is set exactly when kind is 'mayoral_key'")
        return self


class SeriesSource(_Frozen):
    """A published series that supplies (or stands in for) an indicator's values."""

    publisher: str = Field(min_length=1)
    series: str | None = None
    fingertips_id: int | None = Field(default=None, gt=0)
    bundled: bool
    proxy: bool = False
    transform: Transform = Transform.NONE
    note: str | None = None

    @field_validator("series")
    @classmethod
    def _series_key(cls, v: str | None) -> str | None:
        if v is not None and not _SERIES_KEY.match(v):
            raise ValueError(
                "series must be '<source kind>:<slug>' or '<source kind>:<slug>/<slug>' "
                "in lower case with '-' between words"
            )
        return v

    @property
    def direct(self) -> bool:
        """True when the series measures the indicator itself: named, not a proxy, no transform."""
        return self.series is not None and not self.proxy and self.transform is Transform.NONE

    @model_validator(mode="after")
    def _bundled_needs_series(self) -> SeriesSource:
        if self.bundled and self.series is None:
            raise ValueError("a bundled source must name its series key")
        return self


class DisclosureRule(_Frozen):
    """Statistical disclosure control for values derived from record-level data."""

    suppress_below: int = Field(ge=0)
    applies_to: str = Field(default="numerator", pattern=r"^(numerator|denominator|both)$")
    note: str | None = None


class Recipe(_Frozen):
    """How the engine computes the indicator from record-level data."""

    events: str = Field(min_length=1)
    event_filter: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    population: str = Field(min_length=1)
    #: For a proportion of events, the filter the denominator's records share with the
    #: numerator (e.g. dementia mentioned); the numerator applies ``event_filter`` on top.
    denominator_filter: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    age_from: int | None = Field(default=None, ge=0)
    age_to: int | None = Field(default=None, ge=0)
    sex: str = Field(default="persons", pattern=r"^(persons|male|female|by_sex)$")
    statistic: Statistic
    standard_population: str | None = Field(default=None, pattern=r"^esp2013$")
    period_years: int = Field(ge=1, le=10)
    multiplier: float = Field(gt=0)

    @model_validator(mode="after")
    def _ages_and_standard(self) -> Recipe:
        if self.age_from is not None and self.age_to is not None and self.age_from > self.age_to:
            raise ValueError("age_from must not be greater than age_to")
        if self.statistic in (Statistic.DSR, Statistic.ISR) and self.standard_population is None:
            raise ValueError("a dsr or isr recipe needs a standard_population")
        return self


class Indicator(_Frozen):
    """An outcome measure the strategy tracks, with everything needed to compute and judge it."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    short_definition: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    table1: bool = False
    aims: tuple[str, ...] = Field(min_length=1)
    focus_areas: tuple[str, ...] = ()
    numerator: str = Field(min_length=1)
    denominator: str | None = None
    unit: str = Field(min_length=1)
    multiplier: float = Field(gt=0)
    statistic: Statistic
    polarity: Polarity
    comparison_method: ComparisonMethod
    confidence: float
    geographies: tuple[Geography, ...] = Field(min_length=1)
    breakdowns: tuple[Breakdown, ...] = ()
    sources: tuple[SeriesSource, ...] = Field(min_length=1)
    data_quality: str = Field(min_length=1)
    disclosure: DisclosureRule
    recipe: Recipe | None = None
    #: The published data that would give London's own value where the bundled data has
    #: none, in plain words: a "not assessable" reason shows it to the public, so it names
    #: no command, URL or code (``london_data_load`` says how to load it).
    london_data: str | None = None
    #: How an analyst loads ``london_data`` (a command, a URL): the CLI and the API give it,
    #: public pages never do.
    london_data_load: str | None = None
    references: tuple[DocumentRef, ...] = Field(min_length=1)

    @field_validator("london_data")
    @classmethod
    def _plain_london_data(cls, v: str | None) -> str | None:
        if v is not None and _NOT_PLAIN.search(v):
            raise ValueError(
                "london_data is shown to the public: say what data is needed in plain words "
                "and put a command, URL or code in london_data_load"
            )
        return v

    @field_validator("confidence")
    @classmethod
    def _confidence(cls, v: float) -> float:
        if v not in (0.95, 0.998):
            raise ValueError("confidence must be one of 0.95, 0.998")
        return v

    @property
    def bundled(self) -> bool:
        """True when at least one bundled series supplies this indicator."""
        return any(s.bundled for s in self.sources)

    @property
    def series_keys(self) -> tuple[str, ...]:
        """Every series key declared for this indicator, in declared order."""
        return tuple(s.series for s in self.sources if s.series is not None)

    @property
    def own_series_keys(self) -> tuple[str, ...]:
        """The keys of the series that measure this indicator itself (neither a proxy nor
        transformed), in declared order: the only series its values, and a verdict on a
        commitment stated on it, are read from (ADR 0201, 0700)."""
        return tuple(s.series for s in self.sources if s.direct and s.series is not None)

    @property
    def proxy_series_keys(self) -> tuple[str, ...]:
        """The keys of the series declared as stand-ins (proxies or transformed), in order."""
        return tuple(s.series for s in self.sources if s.series is not None and not s.direct)


class KeyFigure(_Frozen):
    """A figure quoted in the strategy documents: a claim the system should show from data."""

    id: str = Field(pattern=_ID)
    statement: str = Field(min_length=1)
    value: float
    unit: str = Field(min_length=1)
    comparator: str | None = None
    indicators: tuple[str, ...] = Field(min_length=1)
    sources: tuple[DocumentRef, ...] = Field(min_length=1)


class Change(_Frozen):
    """One entry of the catalogue's changelog of definition changes."""

    version: str
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    ids: tuple[str, ...] = Field(min_length=1)
    change: str = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _semver(cls, v: str) -> str:
        if not _SEMVER.match(v):
            raise ValueError("version must be a semantic version such as 1.0.0")
        return v


def is_semver(text: str) -> bool:
    """True when ``text`` is a plain ``MAJOR.MINOR.PATCH`` version."""
    return bool(_SEMVER.match(text))
