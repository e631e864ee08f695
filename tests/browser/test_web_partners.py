"""End-to-end in Chromium: the partner tools (issue #16). The action library's search and
filters live in the URL; the self-assessment is completed by keyboard, saved as a URL and as
JSON that loads again, and exported to PDF and CSV; an impact assessment of one ward's LSOAs
renders and downloads as PDF; bad codes are named; axe finds nothing serious."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from healthgap.geography import load_geography

pytestmark = pytest.mark.slow

WARD = "E05014053"  # Abbey ward, Barking and Dagenham
WARD_LSOAS = sorted(a.code for a in load_geography().children(WARD, area_type="lsoa21"))


def _axe_clean(page: Page) -> None:
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([(v["id"], v["help"], len(v["nodes"])) for v in bad])


def _fits_375(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width


def test_library_search_and_filters_change_the_view_and_the_url(
    nojs_context: BrowserContext, shoot: Callable[[Page, str], None]
) -> None:
    page = nojs_context.new_page()
    page.goto("/actions")
    expect(page.locator("h1")).to_have_text("What London organisations are doing")
    everything = page.locator("ol.entries > li").count()
    assert everything >= 32
    page.fill("#f-q", "toothbrushing")
    page.select_option("#f-sector", "healthcare")
    page.click("form.library-filters button[type=submit]")
    assert "q=toothbrushing" in page.url
    assert "sector=healthcare" in page.url
    found = page.locator("ol.entries > li")
    assert 0 < found.count() < everything
    expect(found.first.locator("h3")).to_contain_text("toothbrushing")
    # Each entry names its source document and section.
    expect(found.first.locator("dd.source")).to_contain_text("document 000")
    _fits_375(page)
    shoot(page, "actions-nojs-375")
    # The URL restores the view in a fresh page.
    again = nojs_context.new_page()
    again.goto(page.url)
    expect(again.locator("#f-q")).to_have_value("toothbrushing")
    expect(again.locator("#f-sector")).to_have_value("healthcare")
    assert again.locator("ol.entries > li").count() == found.count()
    # Filters by borough narrow to the entries naming it.
    again.select_option("#f-sector", "")
    again.fill("#f-q", "")
    again.select_option("#f-borough", "E09000007")
    again.click("form.library-filters button[type=submit]")
    assert "borough=E09000007" in again.url
    for entry in again.locator("ol.entries > li").all():
        expect(entry).to_contain_text("Camden")
    page.close()
    again.close()


def test_indicator_and_area_pages_show_what_is_being_done(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto("/indicators/smoking_prevalence")
    block = page.locator("section.what-is-done")
    expect(block.locator("h2")).to_have_text("What is being done")
    assert block.locator("li a").count() > 0
    block.locator("p a").click()
    assert "indicator=smoking_prevalence" in page.url
    expect(page.locator(".notice")).to_contain_text("Smoking")
    page.goto("/areas/E09000007")
    expect(page.locator("section.what-is-done li").first).to_be_visible()
    page.close()


def test_self_assessment_by_keyboard_saved_loaded_and_exported(
    nojs_context: BrowserContext, tmp_path: Path, shoot: Callable[[Page, str], None]
) -> None:
    page = nojs_context.new_page()
    page.goto("/self-assessment")
    page.focus("#start-org")
    page.keyboard.type("Riverside Trust")
    page.keyboard.press("Enter")  # healthcare is the first sector
    expect(page.locator("#checklist-h")).to_contain_text("Healthcare")
    boxes = page.locator(".checklist input[type=checkbox]")
    total = boxes.count()
    assert total > 10
    # Keyboard only: Tab from the organisation field to the first item, Space ticks it.
    page.focus("#sa-org")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    expect(boxes.nth(2)).to_be_checked()
    page.locator("button[name=result]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#result-h")).to_contain_text(f"2 of {total}")
    expect(page.locator("#result-h")).to_contain_text("Riverside Trust")
    gaps = page.locator("ol.gaps > li")
    assert gaps.count() == total - 2
    # Each gap links to case studies or indicators.
    assert page.locator("ol.gaps a[href^='/actions/']").count() > 0
    assert page.locator("ol.gaps a[href^='/indicators/']").count() > 0
    _fits_375(page)
    shoot(page, "self-assessment-nojs-375")

    # The shareable URL restores the answers and the result.
    share = page.locator("#share-link").get_attribute("href")
    assert share is not None
    assert share.count("done=") == 2
    restored = nojs_context.new_page()
    restored.goto(share)
    expect(restored.locator("#result-h")).to_contain_text(f"2 of {total}")
    expect(restored.locator(".checklist input[type=checkbox]").nth(2)).to_be_checked()
    expect(restored.locator("#sa-org")).to_have_value("Riverside Trust")

    # JSON download, then upload on a blank page, restores it too.
    with page.expect_download() as got:
        page.click("#download-json")
    saved = tmp_path / "saved.json"
    got.value.save_as(saved)
    data = json.loads(saved.read_text())
    assert data["format"] == "healthgap-selfassessment/1"
    assert sum(i["done"] for i in data["items"]) == 2
    blank = nojs_context.new_page()
    blank.goto("/self-assessment")
    blank.set_input_files("#load-file", str(saved))
    blank.click("form[action='/self-assessment/load'] button")
    expect(blank.locator("#result-h")).to_contain_text(f"2 of {total}")
    expect(blank.locator(".checklist input[type=checkbox]").nth(0)).to_be_checked()
    assert blank.url.count("done=") == 2

    # CSV and PDF downloads.
    with page.expect_download() as got_csv:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(got_csv.value.path()).read_text())))
    assert len(rows) == total
    assert [r["done"] for r in rows].count("yes") == 2
    with page.expect_download() as got_pdf:
        page.click("#download-pdf")
    assert Path(got_pdf.value.path()).read_bytes().startswith(b"%PDF")
    for p in (page, restored, blank):
        p.close()


def test_impact_assessment_of_a_ward_renders_and_downloads_as_pdf(
    nojs_context: BrowserContext, shoot: Callable[[Page, str], None]
) -> None:
    assert len(WARD_LSOAS) >= 3
    page = nojs_context.new_page()
    page.goto("/impact-assessment")
    page.fill("#ia-title", "Moving the Abbey walk-in centre")
    page.fill("#ia-description", "The service moves 3 km away.")
    page.fill("#ia-areas", "\n".join(WARD_LSOAS))
    started = time.perf_counter()
    page.click(".impact-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Moving the Abbey walk-in centre")
    expect(page.locator("#h-catchment + p")).to_contain_text(
        f"{len(WARD_LSOAS)} lower-layer super output areas"
    )
    expect(page.locator(".impact-report")).to_contain_text("Barking and Dagenham")
    # Every figure cites its data: the sources list holds the IMD and the release.
    expect(page.locator("#D1")).to_contain_text("Index of Multiple Deprivation")
    expect(page.locator("#h-sources + ol li")).not_to_have_count(0)
    _fits_375(page)
    shoot(page, "impact-nojs-375")
    with page.expect_download() as got:
        page.click("#impact-pdf")
    pdf = Path(got.value.path()).read_bytes()
    elapsed = time.perf_counter() - started
    assert pdf.startswith(b"%PDF")
    assert elapsed < 10, f"form to PDF took {elapsed:.1f} s"
    page.close()


def test_bad_codes_show_an_error_naming_them(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto("/impact-assessment")
    page.fill("#ia-title", "Test")
    page.fill("#ia-areas", "E0501405, E09000002")
    page.click(".impact-form button[type=submit]")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("unknown area codes")
    expect(summary.locator(".bad-codes li")).to_have_count(1)
    expect(summary.locator(".bad-codes li")).to_contain_text("E0501405")
    expect(summary.locator(".bad-codes li")).to_contain_text("did you mean")
    # The form keeps what was typed.
    expect(page.locator("#ia-areas")).to_have_value("E0501405, E09000002")
    expect(page.locator("#ia-areas")).to_have_attribute("aria-invalid", "true")
    page.fill("#ia-areas", "")
    page.click(".impact-form button[type=submit]")
    expect(page.locator(".error-summary")).to_contain_text("no areas given")
    page.close()


NEW_PAGES = {
    "actions": "/actions?aim=healthy_children",
    "action": "/actions/whittington-supervised-toothbrushing",
    "self-assessment": "/self-assessment",
    "self-assessment-result": "/self-assessment?sector=vcse&done=vcse-minds-isolation&result=1",
    "impact-form": "/impact-assessment?find=Abbey",
    "impact-result": f"/impact-assessment?areas={WARD}&title=Axe",
    "impact-error": "/impact-assessment?areas=E0501405&title=Axe",
}


@pytest.mark.parametrize("name", list(NEW_PAGES))
def test_new_pages_pass_axe(context: BrowserContext, name: str) -> None:
    page = context.new_page()
    response = page.goto(NEW_PAGES[name])
    assert response is not None
    assert response.status == (422 if name == "impact-error" else 200)
    expect(page.locator("h1")).to_have_count(1)
    _axe_clean(page)
    page.close()


@pytest.mark.parametrize("name", list(NEW_PAGES))
def test_new_pages_fit_375_px_without_js(nojs_context: BrowserContext, name: str) -> None:
    page = nojs_context.new_page()
    page.goto(NEW_PAGES[name])
    expect(page.locator("h1")).to_have_count(1)
    _fits_375(page)
    page.close()
