"""The health inequalities impact assessment (the first of the Mayor's six tests; ADR 0900):
its frozen result, its HTML report (Jinja2, accessible) and the PDF printed from it.

``healthgap.query.impact.impact_assessment`` builds an :class:`ImpactAssessment` from the read
layer; this module only shapes and renders it. Every figure carries the key of a
:class:`Citation` naming the data and the release it came from.
"""

from __future__ import annotations

import atexit
import os
import queue
import shutil
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from healthgap.errors import ConfigurationError, InputError

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
        self, rule: str, *, codes: Sequence[str] = (), suggestions: dict[str, str] | None = None
    ) -> None:
        self.codes = tuple(codes)
        self.suggestions = dict(suggestions or {})
        shown = ", ".join(
            f"{c} (did you mean {self.suggestions[c]}?)" if c in self.suggestions else c
            for c in self.codes
        )
        super().__init__(rule if not shown else f"{rule}: {shown}", key="areas")


@dataclass(frozen=True)
class Citation:
    """The data a figure came from: what it is, its source and the release that holds it."""

    key: str
    what: str
    source: str
    release_id: int | None = None
    published_at: date | None = None


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
    return env


def _num(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def chromium_path() -> Path | None:
    """The Chromium to print with: ``$HEALTHGAP_CHROMIUM``, else ``chromium`` on the PATH."""
    named = os.environ.get("HEALTHGAP_CHROMIUM")
    if named:
        return Path(named) if Path(named).is_file() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return None if found is None else Path(found)


#: Chromium switches for a closed network: no background fetches, no component updates.
_CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def print_pdf(html: str, out: Path, *, chromium: Path | None = None) -> Path:
    """Print ``html`` to a tagged PDF with an outline at ``out`` (Playwright driving Chromium).
    ``ConfigurationError`` when Playwright or Chromium is not installed.

    Chromium is started once per process and kept (:class:`_Printer`): starting Playwright
    and the browser costs 2–3 s, printing a page about 1 s."""
    browser_path = chromium if chromium is not None else chromium_path()
    if browser_path is None:
        raise ConfigurationError(
            "PDF needs Chromium: install it (apt-get install chromium) or set HEALTHGAP_CHROMIUM"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError("PDF needs Playwright: pip install playwright") from exc
    with _PRINTERS_LOCK:
        printer = _PRINTERS.get(browser_path)
        if printer is None or not printer.alive():
            printer = _PRINTERS[browser_path] = _Printer(browser_path)
    return printer.print(html, out)


_Job = tuple[str, Path, "Future[Path]"]


class _Printer:
    """One Playwright and one Chromium in a thread of their own, printing queued pages one
    at a time. Playwright's sync API refuses to run where an asyncio loop is running (a web
    server, a notebook, a test session driving a browser), hence the thread; a browser that
    died is started again for the next page."""

    def __init__(self, browser_path: Path) -> None:
        self._path = browser_path
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="healthgap-pdf", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def print(self, html: str, out: Path) -> Path:
        done: Future[Path] = Future()
        self._jobs.put((html, out, done))
        deadline = time.monotonic() + _PRINT_TIMEOUT
        while True:
            try:
                return done.result(timeout=0.5)
            except TimeoutError:
                if not self._thread.is_alive() and not done.done():
                    raise ConfigurationError("the PDF printer stopped; try again") from None
                if time.monotonic() > deadline:
                    raise

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        job = self._jobs.get()
        try:
            with sync_playwright() as pw:
                browser = None
                while job is not None:
                    html, out, done = job
                    try:
                        if browser is None or not browser.is_connected():
                            browser = pw.chromium.launch(
                                executable_path=str(self._path), args=_CHROMIUM_ARGS
                            )
                        page = browser.new_page()
                        try:
                            page.set_content(html, wait_until="load")
                            page.pdf(
                                path=str(out),
                                format="A4",
                                tagged=True,
                                outline=True,
                                print_background=True,
                            )
                        finally:
                            page.close()
                        done.set_result(out)
                    except BaseException as exc:  # re-raised in the caller's thread
                        done.set_exception(exc)
                    job = self._jobs.get()
                if browser is not None:
                    browser.close()
        except BaseException as exc:  # Playwright itself failed: fail this and later jobs
            while job is not None:
                if not job[2].done():
                    job[2].set_exception(exc)
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    job = None


#: Longest wait for one page to print (seconds).
_PRINT_TIMEOUT = 120
_PRINTERS: dict[Path, _Printer] = {}
_PRINTERS_LOCK = threading.Lock()


@atexit.register
def _close_printers() -> None:
    with _PRINTERS_LOCK:
        printers = list(_PRINTERS.values())
        _PRINTERS.clear()
    for p in printers:
        p.close()
