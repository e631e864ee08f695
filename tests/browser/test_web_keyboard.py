"""Keyboard-only use, chart downloads and the offline guard, in headless Chromium.

The keyboard tests press only Tab, Enter, Space and the arrow keys of a focused select:
they find each control by tabbing to it, change the view, and check the view, the URL and
the focus; then load the URL in a fresh page and check it restores the view."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

pytestmark = pytest.mark.slow

#: Page types with charts, each with a view other than the default.
CHART_PAGES = {
    "home": "/",
    "indicator": "/indicators/life_expectancy?sex=male&benchmark=england",
    "area": "/areas/E09000002",
}


def _tab_to(page: Page, selector: str, limit: int = 150, key: str = "Tab") -> None:
    """Press Tab (or ``key``: Shift+Tab) until the element matching ``selector`` has the focus."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} not reached by Tab in {limit} presses")


def _focused_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_overview_by_keyboard_only_changes_view_and_url(
    context: BrowserContext, shoot: Callable[[Page, str], None]
) -> None:
    page = context.new_page()
    page.goto("/overview")
    page.wait_for_load_state("load")
    rows_before = page.locator("table.rug tbody tr").count()
    assert rows_before == 4
    # Skip link first, then the controls.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # Focus area: tobacco keeps only smoking prevalence.
    _tab_to(page, "#ctl-focus")
    for _ in range(5):  # the tobacco focus area is the fifth choice; each step shows its view
        with page.expect_navigation():
            page.keyboard.press("ArrowDown")
        if page.locator("#ctl-focus").input_value() == "tobacco":
            break
    assert page.url.endswith("/overview?benchmark=london&focus=tobacco&sort=name"), page.url
    expect(page.locator("table.rug tbody tr")).to_have_count(1)
    expect(page.locator("table.rug tbody tr th")).to_contain_text("Smoking prevalence")
    # The view changed in place: the focus stayed on the control, the change is announced.
    assert _focused_id(page) == "ctl-focus"
    expect(page.locator(".view-status")).to_contain_text("View updated")
    # Back to every indicator, then sort by Barking and Dagenham's column with Enter.
    with page.expect_navigation():
        page.keyboard.press("Home")
    expect(page.locator("table.rug tbody tr")).to_have_count(rows_before)
    _tab_to(page, "#sort-E09000002")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "sort=area:E09000002" in page.url
    assert _focused_id(page) == "sort-E09000002"
    col = page.locator("table.rug thead th").all_inner_texts().index("Barking and Dagenham")
    first = page.locator("table.rug tbody tr").first.locator("th, td").nth(col)
    expect(first).to_have_class("cell col-ltla sig-worse")
    expect(page.locator("table.rug thead th[aria-sort]")).to_have_text("Barking and Dagenham")
    expect(page.locator("table.rug caption")).to_contain_text("worse first in Barking and Dagenham")
    shoot(page, "overview-keyboard-focus")
    # The comparison switch by keyboard: England.
    _tab_to(page, "#ctl-benchmark", key="Shift+Tab")
    with page.expect_navigation():
        page.keyboard.press("ArrowDown")
    assert "benchmark=england" in page.url
    assert "sort=area%3AE09000002" in page.url or "sort=area:E09000002" in page.url
    expect(page.locator("table.rug caption")).to_contain_text("England")
    expect(page.locator("#chance")).to_contain_text("England")
    shown = page.locator("table.rug tbody").inner_text()
    # The URL alone restores the view.
    again = context.new_page()
    again.goto(page.url)
    expect(again.locator("#ctl-benchmark")).to_have_value("england")
    expect(again.locator("#ctl-sort")).to_have_value("area:E09000002")
    assert again.locator("table.rug tbody").inner_text() == shown
    # Back (history) restores the previous view too.
    with page.expect_navigation():
        page.go_back()
    expect(page.locator("#ctl-benchmark")).to_have_value("london")
    expect(page.locator("table.rug caption")).to_contain_text("London")


def test_overview_sort_and_filter_without_js(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto("/overview?focus=tobacco")
    expect(page.locator("table.rug tbody tr")).to_have_count(1)
    with page.expect_navigation():
        page.click("#sort-E09000002")
    assert "sort=area:E09000002" in page.url
    assert "focus=tobacco" in page.url
    expect(page.locator("#ctl-sort")).to_have_value("area:E09000002")
    # London, England, the five London ICBs and the 33 boroughs, after the indicator.
    heads = page.locator("table.rug thead th")
    expect(heads).to_have_count(1 + 2 + 5 + 33)
    expect(page.locator("table.rug thead th.col-icb")).to_have_count(5)
    # Every cell links to the indicator at that area.
    cell = page.locator("table.rug tbody td.col-ltla a").nth(1)
    expect(cell).to_have_attribute(
        "href", "/indicators/smoking_prevalence?benchmark=london#area-E09000002"
    )
    with page.expect_navigation():
        cell.click()
    expect(page.locator("#area-E09000002")).to_contain_text("Barking and Dagenham")
    # The chance statement states its basis and number.
    page.goto("/overview")
    text = page.locator("#chance").inner_text()
    assert "two-sided at the 95% confidence level" in text
    assert "2.5% of the tested cells would show as worse by chance alone" in text


def test_charts_offer_their_data_by_keyboard(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(CHART_PAGES["indicator"])
    page.wait_for_load_state("load")
    expect(page.locator("figure.chart[data-enhanced]").first).to_be_visible(timeout=15000)
    # vega-embed's actions menu is off and its tooltips are mouse-only: the data table under
    # each chart is the keyboard path, opened with Enter (or Space).
    assert page.locator(".vega-actions, details.vega-embed summary").count() == 0
    summary = "#chart-compare details.chart-data summary"
    _tab_to(page, summary)
    table = page.locator("#chart-compare table.data")
    expect(table).to_be_hidden()
    page.keyboard.press("Enter")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(33)
    page.keyboard.press("Space")
    expect(table).to_be_hidden()
    # Focus is visible on it: a solid outline and the yellow ring.
    ring = page.evaluate(
        "getComputedStyle(document.activeElement).outlineStyle + ' ' + "
        "getComputedStyle(document.activeElement).boxShadow"
    )
    assert ring.startswith("solid")
    assert "255, 221, 0" in ring
    # The download under it is reachable and works by keyboard.
    _tab_to(page, "#chart-compare .download a")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert Path(info.value.path()).read_text().startswith("area_code,")


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _inline_data(spec: Any) -> list[list[dict[str, Any]]]:
    """Every inline data array in a Vega-Lite spec."""
    found: list[list[dict[str, Any]]] = []
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == "values" and isinstance(v, list) and v and isinstance(v[0], dict):
                found.append(v)
            else:
                found += _inline_data(v)
    elif isinstance(spec, list):
        for v in spec:
            found += _inline_data(v)
    return found


def _same(text: str, value: Any) -> bool:
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == str(value)
    if isinstance(value, int | float):
        return text != "" and float(text) == pytest.approx(float(value))
    return text == str(value)


@pytest.mark.parametrize("name", list(CHART_PAGES))
def test_every_download_is_exactly_the_chart_data(nojs_context: BrowserContext, name: str) -> None:
    """Each chart's download link, clicked, gives the rows its spec draws and its table shows
    (without JavaScript: the links, specs and tables are the server's; with JavaScript the
    same link downloads by keyboard in ``test_charts_offer_their_data_by_keyboard``)."""
    page = nojs_context.new_page()
    page.goto(CHART_PAGES[name])
    figures = page.locator("figure.chart").all()
    assert figures, f"no chart on the {name} page"
    for fig in figures:
        spec = json.loads(fig.locator("script.chart-spec").text_content() or "")
        with page.expect_download() as info:
            fig.locator(".download a").click()
        got = _parse(Path(info.value.path()).read_text())
        assert got, fig.get_attribute("id")
        columns = list(got[0])
        # The picture draws exactly these rows: one inline data array of the spec holds
        # the same rows, column for column.
        drawn = [
            d
            for d in _inline_data(spec)
            if len(d) == len(got)
            and all(
                _same(row[c], rec.get(c)) for row, rec in zip(got, d, strict=True) for c in columns
            )
        ]
        assert drawn, f"{name} {fig.get_attribute('id')}: the CSV is not the chart's data"
        # And the table under the chart shows the same rows, cell for cell.
        # (one round trip for the whole table: each row's td text contents)
        rows = fig.locator("table.data tbody tr").evaluate_all(
            "rows => rows.map(r => Array.from(r.querySelectorAll('td'), td => td.textContent))"
        )
        table = [[td.strip() for td in tr] for tr in rows]
        # the page's table names indicators in words: the id column is the download's only
        shown = [c for c in columns if c != "indicator_id"]
        assert table == [[row[c] for c in shown] for row in got]


def test_a_request_off_the_machine_fails_the_test(
    context: BrowserContext, offsite: list[str]
) -> None:
    """The guard in conftest is live: an offsite request is aborted and recorded — by script,
    by an element, to an address, to hosts that only look local; local ones pass. (On an
    answer without the website's Content Security Policy, which would block them first.)"""
    page = context.new_page()
    response = page.goto("/static/site.css")
    assert response is not None
    assert "content-security-policy" not in response.headers
    blocked = page.evaluate(
        "fetch('https://cdn.jsdelivr.net/npm/vega@5').then(() => 'fetched', () => 'blocked')"
    )
    assert blocked == "blocked"
    assert offsite == ["https://cdn.jsdelivr.net/npm/vega@5"]
    sneaky = [
        "http://203.0.113.7/x.png",
        "http://127.0.0.1.nip.io/x.png",
        "http://localhost./x.png",
        "https://localhost.example.org:8443/x.png",
        "http://[2001:db8::1]/x.png",
    ]
    loaded = page.evaluate(
        """urls => Promise.all(urls.map(u => new Promise(done => {
            const img = new Image();
            img.onload = () => done('loaded');
            img.onerror = () => done('failed');
            img.src = u;
        })))""",
        sneaky,
    )
    assert loaded == ["failed"] * len(sneaky)
    assert page.evaluate("fetch('/static/site.css').then(r => r.status)") == 200
    assert sorted(offsite[1:]) == sorted(sneaky)
    offsite.clear()  # expected here; any other test's offsite request still fails it
