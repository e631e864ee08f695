"""The website's defaults, on the bundled store: the indicator page compares the boroughs
with England when the series shown has no London value (life expectancy at birth), else
every borough was "not compared"; the home page's London headlines come from a series that
holds London; its "latest release" is the latest published; the indicator list says what
data is held."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.query import open_read_layer, public
from healthgap.web import mount_website

NOTE = "This series has no London value for this period, so the boroughs are compared with England."


@pytest.fixture(scope="module")
def http(bundled_store: Any) -> Iterator[TestClient]:
    with open_read_layer(bundled_store.path) as layer:
        app = FastAPI()
        mount_website(app, layer, warm=False)
        yield TestClient(app)


def _selected(page: str) -> str:
    found = re.search(r'<option value="(\w+)" selected>', page.split('id="ctl-benchmark"')[1])
    assert found is not None
    return found.group(1)


def test_without_a_london_value_the_boroughs_are_compared_with_england(
    http: TestClient,
) -> None:
    page = http.get("/indicators/life_expectancy")
    assert page.status_code == 200
    assert "compared with England" in page.text
    assert NOTE in page.text
    assert _selected(page.text) == "england"
    assert "33 not compared" not in page.text
    counted = re.search(r"33 areas compared with England \([\d.]+\): (\d+) better", page.text)
    assert counted is not None
    assert int(counted.group(1)) > 0
    # the page's downloads name the benchmark it used
    assert "benchmark=england" in page.text


def test_an_explicit_choice_is_kept_and_london_stays_the_default_where_it_has_a_value(
    http: TestClient,
) -> None:
    asked = http.get("/indicators/life_expectancy?benchmark=london")
    assert asked.status_code == 200
    assert _selected(asked.text) == "london"
    assert NOTE not in asked.text
    usual = http.get("/indicators/reception_overweight_obese")
    assert usual.status_code == 200
    assert _selected(usual.text) == "london"
    assert NOTE not in usual.text
    bad = http.get("/indicators/life_expectancy?benchmark=wales")
    assert bad.status_code == 404
    assert "benchmark" in bad.text


def test_home_headlines_take_london_from_a_series_that_holds_it(http: TestClient) -> None:
    """Healthy life expectancy is best covered for the boroughs by Fingertips' series, which
    has no London row; ONS's series holds London. The home page's headline, "Average healthy
    life expectancy for London", said London was not published."""
    page = http.get("/").text
    block = next(
        b
        for b in re.findall(r'<article class="headline">.*?</article>', page, re.S)
        if "healthy life expectancy" in b.lower()
    )
    assert "no value in the data held" not in block
    assert re.search(r"<dt>London \(\d{4} - \d{2}, (female|male)\)</dt><dd>[\d.]+ ", block)


def test_the_latest_release_on_the_home_page_is_the_latest_published(
    http: TestClient, bundled_store: Any
) -> None:
    """The bundled releases load in a fixed order: the last loaded (GLA's 2017 borough
    profiles, published 2019) was shown as "the latest release"."""
    with open_read_layer(bundled_store.path) as q:
        releases = q.releases(public())
    newest = max(releases, key=lambda r: (r.published_at, r.release_id))
    assert newest.release_id != max(r.release_id for r in releases)  # the case at issue
    page = http.get("/").text
    section = page.split('id="rel-h"')[1]
    from healthgap.query import source_title

    title = source_title(newest.source)
    assert title != newest.source  # named by its title, not its id
    assert f"Release {newest.release_id} from <strong>{escape(title)}</strong>" in section
    assert f"published {newest.published_at}" in section


def test_the_indicator_list_says_what_data_is_held(http: TestClient) -> None:
    """The list said "Bundled" / "Not bundled" (whether the source ships with the product),
    which a computed or loaded release makes wrong and which tells a Londoner nothing."""
    page = http.get("/indicators").text
    cells = dict(
        re.findall(r'<tr><td><a href="/indicators/(\w+)">.*?</td><td>([^<]*)</td></tr>', page)
    )
    assert cells["life_expectancy"].startswith("Latest 20")
    assert cells["cmc_records"] == "None held yet"
    assert "undled" not in page


def test_a_focus_area_found_by_search_links_to_its_overview(http: TestClient) -> None:
    page = http.get("/search?q=obesity").text
    found = re.search(
        r'<a href="/overview\?focus=(\w+)">([^<]+)</a> <span class="small">\(focus area\)', page
    )
    assert found is not None, page
    assert "(focus_area)" not in page
    assert http.get(f"/overview?focus={found.group(1)}").status_code == 200


def test_the_overview_compares_with_england_when_london_has_no_value_for_most_rows(
    http: TestClient,
) -> None:
    """On the bundled data London has a value for 2 of the 22 indicators in the overview, so
    compared with London 727 of 758 borough cells were "not compared". Without a choice the
    table now compares with England and says why; a choice of London is kept."""
    default = http.get("/overview")
    assert default.status_code == 200
    assert _selected(default.text) == "england"
    note = re.search(r'<p class="notice" id="benchmark-note">London has no value for (\d+) of '
                     r"the (\d+) indicators shown", default.text)  # fmt: skip
    assert note is not None
    assert int(note.group(1)) * 2 > int(note.group(2))
    london = http.get("/overview?benchmark=london")
    assert _selected(london.text) == "london"
    assert 'id="benchmark-note"' not in london.text

    def not_compared(page: str) -> int:
        return len(re.findall(r'class="cell col-ltla sig-not-compared"', page))

    assert not_compared(default.text) * 2 < not_compared(london.text)
    # a view where London has values for most rows keeps London
    # (the cells' links carry the benchmark the table used)
    assert "/indicators/life_expectancy?benchmark=england" in default.text
