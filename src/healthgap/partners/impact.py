"""The health inequalities impact assessment (the first of the Mayor's six tests; ADR 0900):
its frozen result, its HTML report (Jinja2, accessible) and the PDF printed from it.

``healthgap.query.impact.impact_assessment`` builds an :class:`ImpactAssessment` from the read
layer; this module only shapes and renders it. Every figure carries the key of a
:class:`Citation` naming the data and the release it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from healthgap.errors import InputError
from healthgap.printing import chromium_path, print_pdf  # shared with healthgap.reports

__all__ = [
    "DOMAINS",
    "AgeSexRow",
    "Catchment",
    "CatchmentError",
    "Citation",
    "DecileShare",
    "Finding",
    "ImpactAssessment",
    "chromium_path",
    "domain_of",
    "print_pdf",
    "render_body",
    "render_html",
]

#: Where an indicator belongs in the assessment: access to services, experience of them, or
#: outcomes (the default). Declared, not inferred: an indicator not listed is an outcome.
DOMAINS: dict[str, str] = {
    "cyp_mental_health_access": "access",
    "hiv_testing_coverage": "access",
    "hiv_late_diagnosis": "access",
    "dementia_diagnosis_rate": "access",
    "dementia_care_home_beds": "access",
    "palliative_care_register": "access",
    "cmc_records": "access",
    "smoking_in_pregnancy": "access",
    "mean_anxiety": "experience",
    "mha_detention_rate": "experience",
    "deaths_in_hospital": "experience",
    "deaths_usual_residence": "experience",
    "dementia_deaths_hospital": "experience",
    "dementia_deaths_usual_residence": "experience",
    "smi_stable_accommodation": "experience",
}
_DOMAIN_ORDER = ("access", "experience", "outcomes")


def domain_of(indicator_id: str | None) -> str:
    """'access', 'experience' or 'outcomes' for an indicator (see :data:`DOMAINS`)."""
    return DOMAINS.get(indicator_id or "", "outcomes")


class CatchmentError(InputError):
    """A catchment that cannot be profiled: no codes, unknown codes, codes of both the 2011
    and 2021 small-area geographies, or areas outside London. ``codes`` are the codes at
    fault and ``suggestions`` the closest known code for each (where there is one)."""

    def __init__(
        self,
        rule: str,
        *,
        codes: Sequence[str] = (),
        suggestions: dict[str, str] | None = None,
        names: dict[str, str] | None = None,
        key: str = "areas",
    ) -> None:
        self.codes = tuple(codes)
        self.suggestions = dict(suggestions or {})
        #: Names of suggested codes, shown beside them ("Notting Dale (E05009400)").
        self.names = dict(names or {})

        def hint(code: str) -> str:
            s = self.suggestions[code]
            return f"{self.names[s]} ({s})" if s in self.names else s

        shown = ", ".join(
            f"{c} (did you mean {hint(c)}?)" if c in self.suggestions else c for c in self.codes
        )
        super().__init__(rule if not shown else f"{rule}: {shown}", key=key)


@dataclass(frozen=True)
class Citation:
    """The data a figure came from: what it is, its source and the release that holds it."""

    key: str
    what: str
    source: str  # the release's source id (a machine field)
    release_id: int | None = None
    published_at: date | None = None
    #: What the source is called, for people ("ONS Health Index for England").
    title: str | None = None


@dataclass(frozen=True)
class Catchment:
    """The affected population: the areas given, and the LSOAs they cover."""

    given: tuple[tuple[str, str, str], ...]  # (code, name, area type) as given
    lsoas: tuple[str, ...]
    vintage: str  # "2021" or "2011" small-area geography
    boroughs: tuple[tuple[str, str], ...]  # (code, name) of the boroughs it lies in


@dataclass(frozen=True)
class DecileShare:
    """Share of the catchment's LSOAs in one London deprivation decile (1 = most deprived)."""

    decile: int
    lsoas: int
    share: float
    london_share: float


@dataclass(frozen=True)
class AgeSexRow:
    """Share of the population in one age band and sex, catchment against London."""

    age_band: str
    sex: str
    population: float
    share: float
    london_share: float


@dataclass(frozen=True)
class Finding:
    """One indicator value for an area of the catchment, compared with London."""

    domain: str
    indicator_id: str
    indicator_name: str
    area_code: str
    area_name: str
    period: str
    value: float | None
    lower: float | None
    upper: float | None
    unit: str | None
    london_value: float | None
    compared_to_london: str
    citation: str
    #: What the value is compared with: London, or England when London has no value for
    #: the period (``benchmark_value`` and ``compared_to_benchmark`` are that comparison).
    benchmark: str = "London"
    benchmark_value: float | None = None
    compared_to_benchmark: str = "Not compared"


@dataclass(frozen=True)
class ImpactAssessment:
    """A structured health inequalities impact assessment of a proposed service change."""

    title: str
    description: str
    created_at: datetime
    catchment: Catchment
    deprivation: tuple[DecileShare, ...]
    deprivation_citation: str
    age_sex: tuple[AgeSexRow, ...]
    age_sex_area: str  # what the age and sex figures describe (the catchment or its boroughs)
    age_sex_citation: str | None
    findings: tuple[Finding, ...]
    groups_at_risk: tuple[str, ...]
    data_gaps: tuple[str, ...]
    citations: tuple[Citation, ...] = field(default=())

    def by_domain(self) -> list[tuple[str, list[Finding]]]:
        """Findings grouped as access, experience and outcomes (each possibly empty)."""
        return [(d, [f for f in self.findings if f.domain == d]) for d in _DOMAIN_ORDER]


_TEMPLATES = Path(__file__).resolve().parent / "templates"


def render_html(assessment: ImpactAssessment) -> str:
    """The assessment as a standalone, accessible HTML page."""
    html: str = _env().get_template("impact.html.j2").render(a=assessment)
    return html


def render_body(assessment: ImpactAssessment) -> str:
    """The assessment's content without the page around it (its ``h1``, sections and
    sources), for a page that has its own header, such as the website's."""
    body: str = _env().get_template("impact_body.html.j2").render(a=assessment, prefix="")
    return body


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["pct"] = lambda v: f"{100 * v:.1f}%"
    env.filters["people"] = lambda v: f"{round(v):,}"  # a count of people: whole numbers
    env.filters["long_date"] = lambda d: f"{d.day} {d:%B %Y}"  # 20 August 2020
    return env


def _num(value: float | None, like: float | None = None) -> str:
    """A number for the report: 1 decimal place from 10 up, else 2, decided by ``like`` when
    given (a value's limits and benchmark take the value's places: "9.75 (9.60–10.30)", not
    "9.75 (9.6–10.3)" beside "10.3")."""
    if value is None:
        return "–"
    size = abs(value if like is None else like)
    return f"{value:,.1f}" if size >= 10 else f"{value:,.2f}"
