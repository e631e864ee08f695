"""The read layer's results: frozen, slotted dataclasses that carry everything a page needs.

A :class:`ValueRow` already joins the catalogue (indicator name, unit, polarity, statistic,
comparator, multiplier), the geography (area name, type, parent) and provenance (release,
source, publication date) to the published number and its stored comparisons. Field names
follow the vocabulary analysts know from Fingertips and PHEindicatormethods.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

__all__ = [
    "AreaInfo",
    "AssessmentRow",
    "ComparisonRow",
    "InequalityRow",
    "LineageLink",
    "Provenance",
    "ReleaseChange",
    "ReleaseDiff",
    "TrendRow",
    "ValueRow",
]


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a number came from: the release that holds it, its source and dates."""

    release_id: int
    source: str
    published_at: date | None
    loaded_at: datetime


@dataclass(frozen=True, slots=True)
class AreaInfo:
    """One area: GSS code, name, type and main-hierarchy parent (code and name)."""

    code: str
    name: str
    area_type: str
    parent_code: str | None
    parent_name: str | None


@dataclass(frozen=True, slots=True)
class LineageLink:
    """One best-fit link between an LSOA 2011 and an LSOA 2021 (ONS lookup):
    ``change`` is unchanged, split, merged or complex."""

    lsoa11_code: str
    lsoa21_code: str
    change: str


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One stored comparison of a value with a benchmark (London, ICB, England, the borough
    quintile or the previous period), by the catalogue's comparator and polarity."""

    benchmark: str
    benchmark_area_code: str | None
    benchmark_area_name: str | None
    benchmark_value: float | None
    comparison_method: int
    outcome: str
    reason: str
    borough_quintile: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ValueRow:
    """One published number with its metadata, uncertainty, comparisons and provenance."""

    indicator_id: str | None
    indicator_name: str
    series: str
    unit: str | None
    polarity: str | None
    statistic: str | None
    comparison_method: int | None
    multiplier: float | None
    area_code: str
    area_name: str
    area_type: str
    parent_code: str | None
    parent_name: str | None
    period_label: str
    period_start: date
    period_end: date
    sex: str
    age: str
    breakdown_type: str
    breakdown_category: str
    value: float | None
    lower95_0cl: float | None
    upper95_0cl: float | None
    lower99_8cl: float | None
    upper99_8cl: float | None
    count: float | None
    denominator: float | None
    suppressed: bool
    provisional: bool
    revised: bool
    value_note: str | None
    recent_trend: str | None
    trend_reason: str | None
    comparisons: tuple[ComparisonRow, ...]
    provenance: Provenance

    def comparison(self, benchmark: str) -> ComparisonRow | None:
        """The stored comparison with ``benchmark`` ('region', 'icb', 'country', 'boroughs',
        'previous'), or None when none is stored."""
        return next((c for c in self.comparisons if c.benchmark == benchmark), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (dates as ISO strings)."""
        out = asdict(self)
        for k in ("period_start", "period_end"):
            out[k] = out[k].isoformat()
        prov = out["provenance"]
        prov["published_at"] = (
            None
            if self.provenance.published_at is None
            else (self.provenance.published_at.isoformat())
        )
        prov["loaded_at"] = self.provenance.loaded_at.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class TrendRow:
    """The recent trend of one series at one area (stored on its latest period)."""

    indicator_id: str | None
    series: str
    area_code: str
    area_name: str
    period_label: str
    sex: str
    age: str
    breakdown_type: str
    breakdown_category: str
    recent_trend: str
    trend_reason: str | None
    release_id: int


@dataclass(frozen=True, slots=True)
class InequalityRow:
    """One inequality measure (SII, RII, gap or a HEAT measure) of an indicator at an area and
    period across a breakdown, with its interval."""

    indicator_id: str
    area_code: str
    period_label: str
    sex: str
    breakdown_type: str
    measure: str
    value: float | None
    lower95_0cl: float | None
    upper95_0cl: float | None
    unit: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """One stored commitment (or indicator) assessment and the release it was derived with."""

    kind: str
    id: str
    title: str
    commitment_id: str | None
    indicator_id: str | None
    area_code: str | None
    sex: str | None
    status: str
    reason: str
    measured_by: str
    target_text: str
    deadline: str | None
    detail: dict[str, Any]
    release_id: int
    #: What the verdict rests on (series, area, baseline, how to load missing data), for
    #: analysts; ``reason`` is the plain sentence public pages show (ADR 0700).
    basis: str = ""


@dataclass(frozen=True, slots=True)
class ReleaseChange:
    """How one series changed between two releases: rows added, removed and revised."""

    series: str
    indicator_id: str | None
    added: int
    removed: int
    revised: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class ReleaseDiff:
    """What changed from release ``old`` to release ``new``, per series."""

    old: int
    new: int
    changes: tuple[ReleaseChange, ...]
