"""The website's reports (issue 15) in headless Chromium: ``/reports`` links each report type
and, like each report's HTML, passes axe with no serious or critical violation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import BrowserContext, Page, expect

from healthgap.query import ReadLayer
from healthgap.reports.web import mount_reports
from healthgap.web import mount_website

pytestmark = pytest.mark.slow

AS_OF = "2024-06-30"


@pytest.fixture(scope="module")
def site(read_layer: ReadLayer, serve_app: Any) -> Iterator[str]:
    """The website with its reports, as ``healthgap serve`` mounts them."""
    app = FastAPI()
    mount_reports(app, read_layer)
    mount_website(app, read_layer, warm=False)  # no background warmer: see conftest.py
    with serve_app(app) as url:
        yield url


@pytest.fixture
def ctx(browser, site, offsite_url):  # type: ignore[no-untyped-def]
    c = browser.new_context(base_url=site, viewport={"width": 1200, "height": 900})
    offsite: list[str] = []

    def guard(route):  # type: ignore[no-untyped-def]
        offsite.append(route.request.url)
        route.abort()

    c.route(offsite_url, guard)
    yield c
    c.close()
    assert not offsite, f"requests left the machine: {offsite}"


def _axe_clean(page: Page) -> None:
    expect(page.locator("h1")).to_have_count(1)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], (page.url, json.dumps([(v["id"], v["help"], len(v["nodes"])) for v in bad]))


def _load(context: BrowserContext, path: str) -> Page:
    page = context.new_page()
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    page.wait_for_load_state("load")
    return page


def test_reports_index_links_each_report_type_and_passes_axe(ctx: BrowserContext) -> None:
    page = _load(ctx, "/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    for heading in ("Annual progress report", "Borough briefings", "Indicator summaries"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    hrefs = page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    for kind in ("annual", "borough", "indicator"):
        for ext in ("html", "pdf"):
            assert any(h.startswith(f"/reports/{kind}-") and h.endswith(f".{ext}") for h in hrefs)
    assert sum(1 for h in hrefs if h.startswith("/reports/borough-")) == 2 * 33
    _axe_clean(page)  # the same load: reading links changes nothing on the page
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        f"/reports/borough-E09000002.html?as_of={AS_OF}",
        f"/reports/indicator-life_expectancy.html?as_of={AS_OF}",
        f"/reports/annual-2024.html?as_of={AS_OF}",
    ],
)
def test_report_pages_pass_axe(ctx: BrowserContext, path: str) -> None:
    page = _load(ctx, path)
    _axe_clean(page)
    page.close()
