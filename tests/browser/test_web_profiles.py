"""End-to-end: the indicator page's ICB and small-area maps, inequalities and funnel plot, and
the area profile's pyramid, deprivation profile and LSOA map, in headless Chromium.

This module serves its own store (loaded through ``healthgap.publish``), richer than the
shared one: ICB values, London by deprivation decile and ethnic group, counts and
denominators for a funnel, LSOA values, and population by age and sex. It overrides
``base_url``; the browser, the off-machine request guard and the screenshots come from
``conftest.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pyarrow as pa
import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import BrowserContext, Page, expect

from healthgap.geography import ENGLAND, LONDON, LONDON_BOROUGHS, load_geography
from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import (
    POPULATION_COLUMNS,
    VALUE_COLUMNS,
    ReleaseInput,
    SeriesInfo,
    SourceFile,
    open_store,
)
from healthgap.web import mount_website

pytestmark = pytest.mark.slow

YEARS = (2019, 2020, 2021, 2022, 2023)
HACKNEY = "E09000012"
NW_LONDON_ICB = "E54000027"
ETHNIC = ("asian", "black", "mixed", "other", "white")


def _row(**kw: Any) -> dict[str, Any]:
    v = kw["value"]
    half = kw.pop("half")
    base = {
        "period_start": date(kw["year"], 1, 1),
        "period_end": date(kw["year"], 12, 31),
        "period_label": str(kw["year"]),
        "age_band": "All ages",
        "breakdown_type": "none",
        "breakdown_category": "",
        "lower95_0cl": v - half,
        "upper95_0cl": v + half,
        "lower99_8cl": v - 1.6 * half,
        "upper99_8cl": v + 1.6 * half,
        "count": None,
        "denominator": None,
        "suppressed": False,
        "provisional": False,
        "revised": False,
        "note": None,
    }
    base.update({k: w for k, w in kw.items() if k != "year"})
    return base


def _values() -> pa.Table:
    geo = load_geography()
    icbs = [a.code for a in geo.icbs()]
    rows: list[dict[str, Any]] = []
    le = {"indicator_id": "life_expectancy", "series": "fingertips:90366", "unit": "years"}
    for k, year in enumerate(YEARS):
        for sex, bump in (("female", 4.0), ("male", 0.0)):
            common = {**le, "sex": sex, "year": year}
            rows.append(
                _row(**common, area_code=ENGLAND, area_type="country", value=79.0 + bump, half=0.05)
            )
            rows.append(
                _row(
                    **common,
                    area_code=LONDON,
                    area_type="region",
                    value=80.0 + bump + 0.1 * k,
                    half=0.05,
                )
            )
            for i, code in enumerate(LONDON_BOROUGHS):
                v = 78.0 + bump + 0.25 * (i - 16) + 0.1 * k
                rows.append(_row(**common, area_code=code, area_type="ltla", value=v, half=0.4))
            for i, code in enumerate(icbs):
                v = 79.0 + bump + 0.6 * (i - 2) + 0.1 * k
                rows.append(_row(**common, area_code=code, area_type="icb", value=v, half=0.15))
            # London by London IMD decile: a gradient that widens over the years
            for d in range(1, 11):
                v = 76.0 + bump + (0.8 + 0.05 * k) * (d - 1)
                rows.append(
                    _row(**common, area_code=LONDON, area_type="region", value=v, half=0.3,
                         breakdown_type="imd2019_decile_london", breakdown_category=str(d),
                         denominator=860_000.0)
                )  # fmt: skip
            for j, group in enumerate(ETHNIC):
                v = 80.0 + bump + 1.5 * (j - 2)
                rows.append(
                    _row(**common, area_code=LONDON, area_type="region", value=v, half=0.4,
                         breakdown_type="ethnic_group", breakdown_category=group,
                         denominator=1_500_000.0 + 100_000.0 * j)
                )  # fmt: skip
    sp = {"indicator_id": "smoking_prevalence", "series": "fingertips:92443", "unit": "%"}
    for year in YEARS:
        common = {**sp, "sex": "persons", "year": year}
        total_n = total_x = 0.0
        for i, code in enumerate(LONDON_BOROUGHS):
            n = 2_000.0 + 150.0 * i
            # two boroughs far off the funnel, the rest near London's value
            p = 0.12 + (0.06 if i == 3 else -0.05 if i == 20 else 0.002 * ((i % 5) - 2))
            x = round(n * p)
            total_n, total_x = total_n + n, total_x + x
            v = 100 * x / n
            rows.append(
                _row(**common, area_code=code, area_type="ltla", value=v, half=1.2, count=float(x),
                     denominator=n)
            )  # fmt: skip
        v = 100 * total_x / total_n
        rows.append(_row(**common, area_code=LONDON, area_type="region", value=v, half=0.2))
        rows.append(_row(**common, area_code=ENGLAND, area_type="country", value=13.0, half=0.1))
    pm = {"indicator_id": "pm25_annual_mean", "series": "ons_sdg:11-6-2/pm2-5", "unit": "µg/m³"}
    common = {**pm, "sex": "persons", "year": 2023}
    for i, code in enumerate(LONDON_BOROUGHS):
        rows.append(
            _row(**common, area_code=code, area_type="ltla", value=9.0 + 0.05 * i, half=0.2)
        )
    for i, a in enumerate(sorted(geo.areas(area_type="lsoa11"), key=lambda a: a.code)):
        rows.append(
            _row(
                **common,
                area_code=a.code,
                area_type="lsoa11",
                value=8.0 + (i % 40) * 0.07,
                half=0.3,
            )
        )
    cols = [c.name for c in VALUE_COLUMNS]
    return pa.table({c: [r.get(c) for r in rows] for c in cols})


def _population() -> pa.Table:
    rows: list[dict[str, Any]] = []
    areas = [(LONDON, "region")] + [(c, "ltla") for c in LONDON_BOROUGHS]
    for n, (code, kind) in enumerate(areas):
        scale = 40.0 if kind == "region" else 1.0
        for sex in ("male", "female"):
            for age in range(91):
                pop = scale * (
                    3_000 + 20 * n - 25 * age + (500 if sex == "female" and age > 70 else 0)
                )
                rows.append(
                    {"area_code": code, "area_type": kind, "year": 2022, "sex": sex,
                     "age_start": age, "age_end": None if age == 90 else age,
                     "population": max(pop, 50.0)}
                )  # fmt: skip
    cols = [c.name for c in POPULATION_COLUMNS]
    return pa.table({c: [r.get(c) for r in rows] for c in cols})


@pytest.fixture(scope="module")
def profile_layer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadLayer]:
    path = tmp_path_factory.mktemp("web-profiles") / "store.duckdb"
    values, population = _values(), _population()
    digest = hashlib.sha256(
        f"profiles:{values.num_rows}:{population.num_rows}".encode()
    ).hexdigest()
    series = (
        SeriesInfo("fingertips:90366", "life expectancy", "OHID", "years"),
        SeriesInfo("fingertips:92443", "smoking prevalence", "OHID", "%"),
        SeriesInfo("ons_sdg:11-6-2/pm2-5", "PM2.5", "ONS", "µg/m³"),
    )
    with open_store(path) as s:
        load_release(
            s,
            ReleaseInput(
                source="fingertips",
                files=(SourceFile("web-profiles.csv", digest, values.num_rows),),
                series=series,
                values=values,
                population=population,
                published_at=date(2024, 1, 10),
            ),
        )
    layer = ReadLayer(open_store(path, read_only=True))
    yield layer
    layer.close()


@pytest.fixture(scope="module")
def base_url(profile_layer: ReadLayer, serve_app: Any) -> Iterator[str]:
    app = FastAPI()
    mount_website(app, profile_layer, warm=False)  # the tests ask for each page themselves
    with serve_app(app) as url:
        yield url


LE = "/indicators/life_expectancy"
SMOKING = "/indicators/smoking_prevalence"
PM25 = f"/indicators/pm25_annual_mean?small=lsoa11&within={HACKNEY}"
PAGES = {
    "indicator-le": LE,
    "indicator-funnel": SMOKING,
    "indicator-lsoa": PM25,
    "area-borough": f"/areas/{HACKNEY}",
    "area-icb": f"/areas/{NW_LONDON_ICB}",
    "area-london": f"/areas/{LONDON}",
}


def _shapes(page: Page, chart: str) -> int:
    return page.locator(f"#chart-{chart} .chart-static svg g.mark-shape path").count()


def test_borough_and_icb_maps_draw_33_and_5_shapes(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(LE)
    expect(page.locator("#chart-map .chart-static svg")).to_have_count(1)
    assert _shapes(page, "map") == 33
    assert _shapes(page, "map-icb") == 5
    expect(page.locator("#chart-map-icb table.data tbody tr")).to_have_count(5)
    # one plain-language sentence per ICB, honest about chance
    items = page.locator("#icb-h + ul li")
    expect(items).to_have_count(5)
    expect(items.first).to_contain_text("London's")


def test_lsoa_map_draws_the_boroughs_lsoas_and_keeps_state_in_url(
    nojs_context: BrowserContext, profile_layer: ReadLayer
) -> None:
    lsoas = profile_layer.areas(area_type="lsoa11", parent=HACKNEY)
    page = nojs_context.new_page()
    page.goto(PM25)
    assert _shapes(page, "map-small") == len(lsoas) == 144
    expect(page.locator("#chart-map-small table.data tbody tr")).to_have_count(144)
    # another borough through the form (no JS): the URL carries the choice and restores it
    page.select_option("#ctl-within", "E09000001")
    with page.expect_navigation():
        page.click(".controls button[type=submit]")
    assert "within=E09000001" in page.url
    city = profile_layer.areas(area_type="lsoa11", parent="E09000001")
    assert _shapes(page, "map-small") == len(city)
    again = nojs_context.new_page()
    again.goto(page.url)
    expect(again.locator("#ctl-within")).to_have_value("E09000001")
    expect(again.locator("#ctl-small")).to_have_value("lsoa11")
    # a bad choice is a clear error naming the valid ones
    bad = nojs_context.new_page()
    response = bad.goto("/indicators/pm25_annual_mean?within=E09999999")
    assert response is not None
    assert response.status == 404
    expect(bad.locator("main")).to_contain_text("within")
    # and an indicator without small-area values says so rather than ignore the choice
    response = bad.goto(f"{LE}?within={HACKNEY}")
    assert response is not None
    assert response.status == 404
    expect(bad.locator("main")).to_contain_text(f"within={HACKNEY}); held: area_types_held")


def test_inequality_section_shows_sii_rii_gap_with_intervals_and_trend(
    nojs_context: BrowserContext,
) -> None:
    page = nojs_context.new_page()
    page.goto(LE + "?sex=male")
    section = page.locator("#inequalities")
    decile = section.locator("#chart-ineq-imd2019-decile-london")
    expect(decile.locator(".chart-static svg")).to_have_count(1)
    expect(decile.locator("table.data tbody tr")).to_have_count(10)
    table = section.locator("table.measures").first
    names = table.locator("tbody th").all_text_contents()
    assert any("SII" in n for n in names), names
    assert any("RII" in n for n in names), names
    assert any(n.startswith("Gap") for n in names), names
    assert len(names) == 3, names
    for row in table.locator("tbody tr").all():
        cells = row.locator("td").all_text_contents()
        lo, value, hi = float(cells[1]), float(cells[0]), float(cells[2])
        assert lo <= value <= hi
        assert "chance" in cells[3]
    # the gradient is steep: SII and gap are bigger than chance alone would explain
    expect(table).to_contain_text("bigger than chance alone would explain")
    trend = section.locator("#chart-ineq-trend-imd2019-decile-london")
    expect(trend.locator(".chart-static svg")).to_have_count(1)
    periods = {r[1] for r in _table(trend)}
    assert periods == {str(y) for y in YEARS}
    # ethnic groups (HEAT measures) and sex
    expect(section.locator("#chart-ineq-ethnic-group table.data tbody tr")).to_have_count(5)
    expect(section.locator("#chart-sex-gap .chart-static svg")).to_have_count(1)
    expect(section.locator(".sentence")).to_contain_text("male value")


def _table(fig: Any) -> list[list[str]]:
    """The cells of the chart's data table, row by row (each ``td``'s text content, as
    ``all_text_contents`` gives it), read in one round trip instead of one per row."""
    rows: list[list[str]] = fig.locator("table.data tbody tr").evaluate_all(ROW_CELLS)
    return rows


#: Each row's ``td`` text contents, for ``Locator.evaluate_all`` over table rows.
ROW_CELLS = "rows => rows.map(r => Array.from(r.querySelectorAll('td'), td => td.textContent))"


def test_funnel_plot_renders_with_limits_and_outliers(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(SMOKING)
    fig = page.locator("#chart-funnel")
    expect(fig.locator(".chart-static svg")).to_have_count(1)
    assert fig.locator(".chart-static svg g.mark-symbol.role-mark path").count() == 33
    assert fig.locator(".chart-static svg g.mark-line.role-mark path").count() == 4
    rows = _table(fig)
    kinds = {r[0] for r in rows}
    assert kinds == {"area", "limit"}
    # the two boroughs placed far off London's value are outside the limits
    expect(fig.locator(".chart-summary")).to_contain_text("High (0.001)")
    expect(fig.locator(".chart-summary")).to_contain_text("Low (0.001)")
    # life expectancy has no funnel, and the page says why
    page.goto(LE)
    expect(page.locator("#funnel .notice")).to_contain_text("No funnel plot")


def test_population_pyramid_and_deprivation_render(nojs_context: BrowserContext) -> None:
    page = nojs_context.new_page()
    page.goto(f"/areas/{HACKNEY}")
    pyr = page.locator("#chart-pyramid")
    expect(pyr.locator(".chart-static svg")).to_have_count(1)
    assert pyr.locator(".chart-static svg g.mark-rect path").count() == 38
    expect(pyr.locator("table.data tbody tr")).to_have_count(38)
    dep = page.locator("#chart-deprivation")
    expect(dep.locator("table.data tbody tr")).to_have_count(10)
    assert _shapes(page, "lsoa-map") == 149  # LSOAs 2021: IMD 2025, as the briefings
    expect(dep).to_contain_text("IMD 2025")
    # an ICB's pyramid is its boroughs' sum; its LSOA map shows one of its boroughs
    page.goto(f"/areas/{NW_LONDON_ICB}?map_borough=E09000009")
    expect(page.locator("#chart-pyramid .chart-static svg")).to_have_count(1)
    expect(page.locator("#ctl-map-borough")).to_have_value("E09000009")
    ealing = load_geography().children("E09000009", area_type="lsoa21")
    assert _shapes(page, "lsoa-map") == len(ealing)
    # print as a briefing: navigation goes, the new charts stay
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator("#chart-pyramid .chart-static svg")).to_be_visible()
    expect(page.locator("#chart-lsoa-map .chart-static svg")).to_be_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"


def _drawn(spec: Any, columns: list[str]) -> list[dict[str, Any]] | None:
    """The inline data in ``spec`` whose rows carry the chart's columns."""
    if isinstance(spec, dict):
        values = spec.get("values")
        if (
            isinstance(values, list)
            and values
            and isinstance(values[0], dict)
            and set(columns) <= set(values[0])
        ):
            return values
        for v in spec.values():
            got = _drawn(v, columns)
            if got is not None:
                return got
    if isinstance(spec, list):
        for v in spec:
            got = _drawn(v, columns)
            if got is not None:
                return got
    return None


def _same(a: str, b: Any) -> bool:
    if b is None:
        return a == ""
    if isinstance(b, float | int) and not isinstance(b, bool):
        return float(a) == pytest.approx(float(b))
    return a == str(b)


def _downloads_equal_the_charts_data(page: Page) -> int:
    """Every chart download on ``page`` gives exactly the rows its spec draws and as many as
    its table shows; the number of charts checked."""
    checked = 0
    for fig in page.locator("figure.chart").all():
        link = fig.locator(".download a")
        if not link.count():
            continue
        spec = json.loads(fig.locator("script.chart-spec").text_content() or "")
        text = page.request.get(link.get_attribute("href") or "").text()
        got = list(csv.DictReader(io.StringIO(text)))
        assert got, fig.get_attribute("id")
        columns = list(got[0])
        drawn = _drawn(spec, columns)
        assert drawn is not None, (fig.get_attribute("id"), columns)
        assert len(got) == len(drawn), fig.get_attribute("id")
        for row, d in zip(got, drawn, strict=True):
            for c in columns:
                assert _same(row[c], d.get(c)), (fig.get_attribute("id"), c, row[c], d.get(c))
        # and the table beside the chart shows as many rows
        assert fig.locator("table.data tbody tr").count() == len(got)
        checked += 1
    return checked


@pytest.mark.parametrize("name", list(PAGES))
def test_changed_pages_pass_axe_with_js(
    context: BrowserContext, shoot: Callable[[Page, str], None], name: str
) -> None:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(PAGES[name])
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("load")
    expect(page.locator("figure.chart[data-enhanced]").first).to_be_visible(timeout=15000)
    assert errors == []
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([(v["id"], v["help"], len(v["nodes"])) for v in bad])
    shoot(page, name)


@pytest.mark.parametrize("name", list(PAGES))
def test_changed_pages_work_without_js_at_375px(
    nojs_context: BrowserContext, shoot: Callable[[Page, str], None], name: str
) -> None:
    page = nojs_context.new_page()
    response = page.goto(PAGES[name])
    assert response is not None
    assert response.status == 200
    figures = page.locator("figure.chart").all()
    assert len(figures) >= 3
    for fig in figures:
        expect(fig.locator(".chart-static svg")).to_have_count(1)
        assert fig.locator("table.data tbody tr").count() > 0
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    # page weight: HTML with its inline SVG and specs, excluding the cached chart bundle
    assert len(response.body()) < 500_000
    # each download is exactly its chart's data (read from this page: no second load)
    assert _downloads_equal_the_charts_data(page) >= 3
    shoot(page, f"{name}-nojs-375")
