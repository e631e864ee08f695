"""End-to-end: every page type in headless Chromium, with and without JavaScript."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from healthgap.query import ReadLayer, public
from healthgap.query.equity import gap_verdicts

pytestmark = pytest.mark.slow

PAGES = {
    "home": "/",
    "indicator": "/indicators/life_expectancy",
    "area": "/areas/E09000002",
    "overview": "/overview",
    "commitments": "/commitments",
    "search": "/search?q=hackney",
    "releases": "/releases",
    "sources": "/sources",
    "methods": "/methods",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_with_js_and_passes_axe(
    context: BrowserContext, shoot: Callable[[Page, str], None], name: str
) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Anything the page's Content Security Policy blocks is reported here (and must be none).
    page.add_init_script(
        "window.__blocked = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__blocked.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = page.goto(PAGES[name])
    assert response is not None
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("a.skip-link")).to_have_attribute("href", "#main")
    if page.locator("figure.chart").count():
        # vega-embed (served from the package) replaced the static SVG.
        expect(page.locator("figure.chart[data-enhanced]").first).to_be_visible(timeout=15000)
    assert errors == []
    assert page.evaluate("window.__blocked") == []
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([(v["id"], v["help"], len(v["nodes"])) for v in bad])
    shoot(page, name)
    page.close()


@pytest.mark.parametrize("name", ["home", "indicator", "area", "overview", "commitments"])
def test_page_works_without_js_at_375px(
    nojs_context: BrowserContext, shoot: Callable[[Page, str], None], name: str
) -> None:
    page = nojs_context.new_page()
    response = page.goto(PAGES[name])
    assert response is not None
    assert response.status == 200
    expect(page.locator("h1")).to_have_count(1)
    # Charts are server-rendered SVG with a data table beside them.
    for fig in page.locator("figure.chart").all():
        expect(fig.locator(".chart-static svg")).to_have_count(1)
        assert fig.locator("table.data tbody tr").count() > 0
    # Nothing is wider than the 375 px screen except inside scrollable regions.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    shoot(page, f"{name}-nojs-375")
    page.close()


def test_area_profile_prints_as_a_briefing(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(PAGES["area"])
    expect(page.locator("#chart-spine .chart-static svg")).to_be_visible()
    # Barking and Dagenham worsens every year in the test data: it is on the red-red list.
    expect(page.locator("#red-h + ul li")).not_to_have_count(0)
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".site-search")).to_be_hidden()
    expect(page.locator("#chart-spine .chart-static svg")).to_be_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"


def test_print_this_briefing_prints_under_the_content_security_policy(
    context: BrowserContext,
) -> None:
    """ "Print this briefing" was a ``javascript:`` link, which a Content Security Policy
    without inline scripts blocks; it is a button that site.js wires to the print dialog."""
    page = context.new_page()
    page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    page.goto(PAGES["area"])
    button = page.get_by_role("button", name="Print this briefing")
    expect(button).to_be_visible()
    button.click()
    assert page.evaluate("window.__printed") == 1
    assert page.locator("a[href^='javascript:']").count() == 0
    page.close()


def test_commitments_show_progress_returns_and_tbc_targets(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(PAGES["commitments"])
    returns = page.locator("#school_superzones_2025 table.data tbody tr")
    expect(returns).to_have_count(1)
    expect(returns.first).to_contain_text("2023-03-31")
    expect(returns.first).to_contain_text("first return")
    expect(page.locator("#anti_racist_hub")).to_contain_text("To be confirmed")


def test_commitments_show_the_gap_narrowing_assessments(
    nojs_context: BrowserContext, read_layer: ReadLayer
) -> None:
    """The commitments page lists every gap verdict the read layer gives (issue 14, page 5),
    or says that no inequality measure is held."""
    held = [g for g in gap_verdicts(read_layer, public()) if g.area_code is not None]
    page = nojs_context.new_page()
    page.goto(PAGES["commitments"])
    section = page.locator("#gaps")
    expect(section.locator("h2")).to_have_text("Is the gap narrowing?")
    rows = section.locator("table.data tbody tr")
    expect(rows).to_have_count(len(held))
    if held:
        expect(rows.first).to_contain_text(held[0].verdict)
    else:
        expect(section).to_contain_text("No inequality measure is held yet")


def test_keyboard_skip_link_and_visible_focus(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(PAGES["indicator"])
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box() is not None
    assert (skip.bounding_box() or {"x": -1})["x"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The controls are reachable by keyboard and show a focus ring.
    page.locator("#ctl-sex").focus()
    ring = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "getComputedStyle(document.activeElement).boxShadow"
    )
    assert ring.startswith("solid")
    assert "255, 221, 0" in ring


def test_map_draws_33_borough_shapes(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(PAGES["indicator"])
    shapes = page.locator("#chart-map .chart-static svg g.mark-shape path")
    expect(shapes).to_have_count(33)
    rows = page.locator("#chart-map table.data tbody tr")
    expect(rows).to_have_count(33)


def test_control_changes_view_and_url_and_url_restores_it(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(PAGES["indicator"])
    expect(page.locator("#ctl-sex")).to_have_value("female")
    before = page.locator("#chart-compare .chart-summary").inner_text()
    with page.expect_navigation():
        page.select_option("#ctl-benchmark", "england")  # auto-submits (JS)
    assert "benchmark=england" in page.url
    after = page.locator("#chart-compare .chart-summary").inner_text()
    assert "England" in after
    assert after != before
    with page.expect_navigation():
        page.select_option("#ctl-sex", "male")
    assert "sex=male" in page.url
    assert "benchmark=england" in page.url
    shown = page.locator("#chart-compare .chart-summary").inner_text()
    url = page.url
    # The URL alone restores the view, in a fresh page.
    again = context.new_page()
    again.goto(url)
    expect(again.locator("#ctl-sex")).to_have_value("male")
    expect(again.locator("#ctl-benchmark")).to_have_value("england")
    expect(again.locator("#chart-compare .chart-summary")).to_have_text(shown)
    assert "male" in again.locator("#chart-compare h3").inner_text()


def test_overview_switch_without_js_keeps_state_in_url(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto("/overview")
    page.select_option("#ctl-benchmark", "england")
    with page.expect_navigation():
        page.click(".controls button[type=submit]")
    assert "benchmark=england" in page.url
    expect(page.locator("table.rug caption")).to_contain_text("England")
    expect(page.locator("#ctl-benchmark")).to_have_value("england")
    # Most-worse-first puts Barking and Dagenham's worsening indicators on top.
    page.select_option("#ctl-sort", "worse")
    with page.expect_navigation():
        page.click(".controls button[type=submit]")
    assert "sort=worse" in page.url
    first = page.locator("table.rug tbody tr").first
    expect(first.locator("td.sig-worse")).not_to_have_count(0)
    # The worsening borough's cells carry a trend arrow, in text as well as the symbol.
    expect(page.locator("table.rug tbody")).to_contain_text("trend: Increasing")
