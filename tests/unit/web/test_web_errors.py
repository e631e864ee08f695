"""The website's answers to bad requests: a page naming the parameter and the closest
choices, with a 4xx status; never a traceback. Served by a real app over a real store."""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date

import pyarrow as pa
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from healthgap.publish import load_release
from healthgap.query import ReadLayer
from healthgap.store import VALUE_COLUMNS, ReleaseInput, SeriesInfo, SourceFile, open_store
from healthgap.web import Warmer, mount_website


class Answer:
    def __init__(self, status: int, text: str, headers: dict[str, str]) -> None:
        self.status_code, self.text, self.headers = status, text, headers


class Client:
    """GETs against the app served by uvicorn on 127.0.0.1."""

    def __init__(self, base: str, warmer: Warmer | None = None) -> None:
        self.base = base
        self.warmer = warmer

    def get(self, path: str) -> Answer:
        try:
            with urllib.request.urlopen(self.base + path) as r:
                return Answer(
                    r.status, r.read().decode(), {k.lower(): v for k, v in r.headers.items()}
                )
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.read().decode(), dict(e.headers.items()))


AREAS = {
    "E92000001": "country",
    "E12000007": "region",
    "E09000001": "ltla",
    "E09000012": "ltla",
    "E54000029": "icb",  # North East London
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    rows: dict[str, list[object]] = {c.name: [] for c in VALUE_COLUMNS}
    for i, (code, kind) in enumerate(AREAS.items()):
        for year in (2021, 2022):
            v = 80.0 + i
            row = dict.fromkeys(rows)
            row |= {
                "indicator_id": "life_expectancy", "series": "fingertips:90366",
                "area_code": code, "area_type": kind, "period_start": date(year, 1, 1),
                "period_end": date(year, 12, 31), "period_label": str(year), "sex": "persons",
                "age_band": "All ages", "breakdown_type": "none", "breakdown_category": "",
                "value": v, "lower95_0cl": v - 0.5, "upper95_0cl": v + 0.5, "unit": "years",
                "suppressed": False, "provisional": False, "revised": False,
            }  # fmt: skip
            for k, val in row.items():
                rows[k].append(val)
    table = pa.table(rows)
    path = tmp_path_factory.mktemp("webunit") / "s.duckdb"
    with open_store(path) as s:
        load_release(
            s,
            ReleaseInput(
                source="fingertips",
                files=(SourceFile("x.csv", hashlib.sha256(b"x").hexdigest(), table.num_rows),),
                series=(SeriesInfo("fingertips:90366", "LE", "OHID", "years"),),
                values=table,
                published_at=date(2024, 1, 10),
            ),
        )
    layer = ReadLayer(open_store(path, read_only=True))
    app = FastAPI()
    warmer = mount_website(app, layer)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield Client(f"http://127.0.0.1:{port}", warmer)
    server.should_exit = True
    thread.join(timeout=10)
    layer.close()


def test_unknown_indicator_is_a_404_page_with_suggestions(client: Client) -> None:
    r = client.get("/indicators/life_expectancyy")
    assert r.status_code == 404
    assert "life_expectancy" in r.text
    assert "Traceback" not in r.text
    assert "<h1>Not found</h1>" in r.text


def test_bad_parameters_name_the_parameter_and_choices(client: Client) -> None:
    r = client.get("/indicators/life_expectancy?sex=females")
    assert r.status_code == 404
    assert "sex" in r.text
    assert "persons" in r.text
    r = client.get("/overview?benchmark=paris")
    assert r.status_code == 404
    assert "london" in r.text
    r = client.get("/?as_of=yesterday")
    assert r.status_code == 400
    assert "YYYY-MM-DD" in r.text


def test_csv_of_an_unknown_chart_lists_the_charts(client: Client) -> None:
    r = client.get("/indicators/life_expectancy/pie.csv")
    assert r.status_code == 404
    assert "compare" in r.text
    r = client.get("/indicators/life_expectancy/compare.csv")
    assert r.status_code == 200
    assert r.text.splitlines()[0].startswith("area_code,area_name,period,value")
    assert len(r.text.splitlines()) == 3  # header and the two boroughs


def test_as_of_before_any_release_shows_no_values(client: Client) -> None:
    r = client.get("/indicators/life_expectancy?as_of=2020-01-01")
    assert r.status_code == 200
    assert "No values are published for this indicator" in r.text
    assert "as published on 2020-01-01" in r.text


def test_unknown_static_file_is_404(client: Client) -> None:
    assert client.get("/static/pages.py").status_code == 404
    assert client.get("/static/site.css").headers["content-type"].startswith("text/css")


def test_overview_names_bad_focus_and_sort_with_choices(client: Client) -> None:
    r = client.get("/overview?focus=smoking")
    assert r.status_code == 404
    assert "focus" in r.text
    assert "tobacco" in r.text
    r = client.get("/overview?sort=area:E09000099")
    assert r.status_code == 404
    assert "area:E09000012" in r.text
    r = client.get("/overview?sort=area:E09000012&focus=air_quality")
    assert r.status_code == 200
    assert "No indicator with borough values matches" in r.text


def test_download_of_any_page_chart(client: Client) -> None:
    r = client.get("/areas/E09000012?download=spine")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("indicator_id,")
    r = client.get("/areas/E09000012?download=pie")
    assert r.status_code == 404
    # the spine, then the area profile's deprivation charts (no population in this store)
    assert "download: no chart 'pie' (one of: spine, deprivation, lsoa-map)" in r.text


def test_pages_are_gzipped_with_an_etag_and_304(client: Client) -> None:
    req = urllib.request.Request(client.base + "/overview", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req) as r:
        body = r.read()
        assert r.headers["Content-Encoding"] == "gzip"
        assert r.headers["Vary"] == "Accept-Encoding"
        etag = r.headers["ETag"]
    html = gzip.decompress(body).decode()
    assert "<h1>Overview: every indicator in every borough</h1>" in html
    assert len(body) < len(html) / 4
    req = urllib.request.Request(client.base + "/overview", headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 304
    plain = client.get("/overview")
    assert plain.text == html


def test_the_warmer_renders_every_page_of_the_site(client: Client) -> None:
    warmer = client.warmer
    assert warmer is not None
    assert warmer.ready.wait(60)
    assert warmer.passes == 1
    paths = warmer.paths()
    assert paths[:2] == ["/", "/overview"]
    assert "/areas/E09000012" in paths
    assert "/indicators/life_expectancy" in paths
    assert len([p for p in paths if p.startswith("/areas/E54")]) == 5  # the London ICBs


def test_overview_has_london_england_and_icb_columns(client: Client) -> None:
    html = client.get("/overview?benchmark=england").text
    heads = html.split("<thead>")[1].split("</thead>")[0]
    assert heads.count('class="area-col col-icb"') == 5
    for name in ("London", "England", "North East London", "City of London", "Hackney"):
        assert f">{name}</a></th>" in heads
    body = html.split("<tbody>")[1]
    # North East London's cell carries its value and its comparison with England.
    assert '<span class="visually-hidden">North East London: 84.0, ' in body
    # London's cell is London compared with England; England's is its value only.
    assert "London: 81.0, " in body
    assert "compared with England" in body
    assert '<td class="cell col-country sig-benchmark">' in body


def test_a_download_after_any_view_equals_the_download_built_alone(client: Client) -> None:
    """Downloads reuse the view their page built (the router keeps recent views, the indicator
    page's under the sex and period its CSV links name): whatever was viewed before, each
    page and download is the one an app that has built nothing answers."""
    assert client.warmer is not None
    layer = client.warmer.q

    def app() -> TestClient:
        served = FastAPI()
        mount_website(served, layer, warm=False)
        return TestClient(served)

    csv = "/indicators/life_expectancy/compare.csv?sex=persons&period={}&benchmark={}"
    downloads = [
        csv.format(2022, "london"),
        csv.format(2022, "england"),
        csv.format(2021, "london"),
        "/areas/E09000012?download=spine",
    ]
    alone = {url: app().get(url) for url in downloads}
    assert [r.status_code for r in alone.values()] == [200] * len(downloads)
    assert len({r.text for r in alone.values()}) == len(downloads)  # four different answers
    after = app()
    views = ["/indicators/life_expectancy?benchmark=england", "/indicators/life_expectancy"]
    for view in [*views, "/areas/E09000012"]:
        page = after.get(view)
        assert page.status_code == 200
        assert page.text == app().get(view).text, view  # pages are not changed either
        for url in downloads:
            assert after.get(url).text == alone[url].text, (view, url)
