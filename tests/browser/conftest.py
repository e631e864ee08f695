"""The website served for real (uvicorn on 127.0.0.1) over a small store loaded through
``healthgap.publish``: England, London and the 33 boroughs, five years of four indicators.
One Chromium (Debian's, headless) per session; any request to a non-loopback host fails."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi import FastAPI
from playwright.sync_api import Page

from healthgap.catalogue import load_catalogue
from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS
from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, open_store
from healthgap.tracking.progress import record_return
from healthgap.web import mount_website

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Full-page screenshots of every page type are kept as test artifacts for a person to look at
#: (issue 14; git-ignored). No test compares them, and each costs Chromium 0.2-2 s, so setting
#: this variable to ``0`` skips them (e.g. when timing the suite).
SCREENSHOTS_WANTED = "HEALTHGAP_SCREENSHOTS"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
YEARS = (2019, 2020, 2021, 2022, 2023)
#: indicator → (series key, base value, step per borough, sexes, unit)
INDICATORS = {
    "life_expectancy": ("fingertips:90366", 82.0, 0.25, ("female", "male"), "years"),
    "healthy_life_expectancy": ("fingertips:90362", 63.0, 0.3, ("female", "male"), "years"),
    "sii_life_expectancy": ("fingertips:92901", 7.0, 0.1, ("female", "male"), "years"),
    "smoking_prevalence": ("fingertips:92443", 12.0, 0.2, ("persons",), "%"),
}


def _values() -> pa.Table:
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for ind, (series, base, step, sexes, unit) in INDICATORS.items():
        areas = [(ENGLAND, "country", base), (LONDON, "region", base + 0.5)]
        areas += [(code, "ltla", base + (i - 16) * step) for i, code in enumerate(LONDON_BOROUGHS)]
        for code, kind, v0 in areas:
            for sex in sexes:
                for k, year in enumerate(YEARS):
                    # Barking and Dagenham (E09000002) worsens year on year.
                    drift = -0.8 * k if code == "E09000002" else 0.05 * k
                    if ind == "smoking_prevalence" and code == "E09000002":
                        drift = 0.9 * k
                    v = round(v0 + drift + (0.3 if sex == "female" else 0.0), 2)
                    half = 0.4 if kind == "ltla" else 0.05
                    row = {
                        "indicator_id": ind,
                        "series": series,
                        "area_code": code,
                        "area_type": kind,
                        "period_start": date(year, 1, 1),
                        "period_end": date(year, 12, 31),
                        "period_label": str(year),
                        "sex": sex,
                        "age_band": "All ages",
                        "breakdown_type": "none",
                        "breakdown_category": "",
                        "value": v,
                        "lower95_0cl": v - half,
                        "upper95_0cl": v + half,
                        "lower99_8cl": v - 2 * half,
                        "upper99_8cl": v + 2 * half,
                        "count": None,
                        "denominator": None,
                        "unit": unit,
                        "suppressed": False,
                        "provisional": False,
                        "revised": False,
                        "note": None,
                    }
                    for key, val in row.items():
                        rows[key].append(val)
    return pa.table(rows)


def _release() -> ReleaseInput:
    table = _values()
    digest = hashlib.sha256(f"web:{table.num_rows}".encode()).hexdigest()
    return ReleaseInput(
        source="fingertips",
        files=(SourceFile("web-test.csv", digest, table.num_rows),),
        series=tuple(
            SeriesInfo(s, ind.replace("_", " "), "OHID", unit)
            for ind, (s, _, _, _, unit) in INDICATORS.items()
        ),
        values=table,
        published_at=date(2024, 1, 10),
    )


@pytest.fixture(scope="session")
def read_layer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadLayer]:
    path = tmp_path_factory.mktemp("web") / "store.duckdb"
    with open_store(path) as s:
        load_release(s, _release())
        record_return(
            s, load_catalogue(), "school_superzones_2025", value=12, as_of=date(2023, 3, 31),
            source="GLA return", recorded_by="test", note="first return",
        )  # fmt: skip
    layer = ReadLayer(open_store(path, read_only=True))
    yield layer
    layer.close()


@pytest.fixture(scope="session")
def base_url(read_layer: ReadLayer, serve_app: Any) -> Iterator[str]:
    app = FastAPI()
    # No background warmer: it would render all ~120 pages while the tests ask for a few
    # dozen (its own tests are in tests/unit/web: test_web_errors.py, test_warm_yield.py).
    mount_website(app, read_layer, warm=False)
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, object]:
    return {"executable_path": CHROMIUM, "args": ARGS, "headless": True}


#: Every URL that would leave the machine: anything but http(s) on 127.0.0.1/localhost (any
#: port) and data:/blob:/about:. Playwright matches a regex route in its driver, so requests to
#: the local server go straight through and only offsite ones reach Python (a catch-all route
#: handled in Python cost a round trip to this process, which also serves the site, per request).
OFFSITE_URL = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost)(?::\d+)?(?:[/?#]|$)|data:|blob:|about:)"
)


def _guard(route: object) -> None:
    """Fail on any request that would leave the machine: record it and abort it."""
    OFFSITE.append(route.request.url)  # type: ignore[attr-defined]
    route.abort()  # type: ignore[attr-defined]


OFFSITE: list[str] = []


@pytest.fixture
def context(browser, base_url):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(base_url=base_url, viewport={"width": 1200, "height": 900})
    ctx.route(OFFSITE_URL, _guard)
    yield ctx
    ctx.close()
    assert not OFFSITE, f"requests left the machine: {OFFSITE}"


@pytest.fixture
def nojs_context(browser, base_url):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(
        base_url=base_url, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    ctx.route(OFFSITE_URL, _guard)
    yield ctx
    ctx.close()
    assert not OFFSITE, f"requests left the machine: {OFFSITE}"


def _screenshot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def shoot() -> Callable[[Page, str], None]:
    """``shoot(page, name)``: ``name``.png, a full-page screenshot in :data:`SCREENSHOTS`
    (nothing when ``HEALTHGAP_SCREENSHOTS=0``)."""
    if os.environ.get(SCREENSHOTS_WANTED) == "0":
        return lambda page, name: None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return _screenshot


@pytest.fixture
def offsite_url() -> re.Pattern[str]:
    """The route pattern of requests that would leave the machine (:data:`OFFSITE_URL`)."""
    return OFFSITE_URL


@pytest.fixture
def offsite() -> list[str]:
    """The offsite requests recorded (and aborted) so far in this test."""
    return OFFSITE
